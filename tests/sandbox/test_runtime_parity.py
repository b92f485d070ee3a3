"""What AWS's runtime interface client does for a Python handler, seen through the sandbox.

Every execution environment runs ``awslambdaric``, the client Lambda's Python runtimes
run: how results are marshalled, how errors are reported and logged, the context
object, the variables and the working folder are Lambda's own. These tests pin what a
learner sees of that through Invoke and CloudWatch Logs.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.sandbox.conftest import Learner


def raw_invoke(learner: Learner, name: str, event: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Invoke, keeping the payload's bytes exactly as they came ('raw')."""
    client = learner.client("lambda", retries={"total_max_attempts": 1})
    response = client.invoke(
        FunctionName=name, Payload=json.dumps(event if event is not None else {}), **kwargs
    )
    response["raw"] = response["Payload"].read()
    return response


def tail_of(response: dict[str, Any]) -> str:
    return base64.b64decode(response["LogResult"]).decode("utf-8", "replace")


def log_events(learner: Learner, name: str) -> list[str]:
    logs = learner.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in events]


# Marshalling results --------------------------------------------------------------------


def test_a_decimal_result_keeps_every_digit(learner):
    name = learner.create_function(
        """
        from decimal import Decimal
        def handler(event, context):
            return {"n": Decimal("12345678901234567890"), "price": Decimal("1.10")}
        """
    )
    response = raw_invoke(learner, name)
    assert "FunctionError" not in response, response["raw"]
    assert b"12345678901234567890" in response["raw"]
    assert b"1.10" in response["raw"]  # the Decimal's own digits, not a float's
    result = json.loads(response["raw"])
    assert result["n"] == 12345678901234567890 and isinstance(result["n"], int)


def test_a_bytes_result_is_returned_as_it_is(learner):
    """awslambdaric posts bytes unchanged (content type application/unknown): the
    Invoke payload is those bytes, not JSON and not an error."""
    name = learner.create_function('def handler(event, context):\n    return b"x"\n')
    response = raw_invoke(learner, name)
    assert "FunctionError" not in response, response["raw"]
    assert response["raw"] == b"x"


def test_a_result_json_cannot_encode_is_a_marshal_error(learner):
    name = learner.create_function("def handler(event, context):\n    return {1, 2}\n")
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Runtime.MarshalError"
    assert response["payload"]["errorMessage"].startswith("Unable to marshal response:")
    assert "set is not JSON serializable" in response["payload"]["errorMessage"]


@pytest.mark.parametrize(
    ("runtime", "expected"),
    [
        # From python3.12 on, the runtime client encodes with ensure_ascii=False.
        ("python3.12", '{"s": "héllo ✓"}'.encode()),
        ("python3.11", b'{"s": "h\\u00e9llo \\u2713"}'),
    ],
)
def test_text_in_a_result_is_encoded_as_the_runtime_client_does(learner, runtime, expected):
    name = learner.create_function(
        'def handler(event, context):\n    return {"s": "h\\u00e9llo \\u2713"}\n',
        Runtime=runtime,
    )
    response = raw_invoke(learner, name)
    assert "FunctionError" not in response, response["raw"]
    assert response["raw"] == expected
    assert json.loads(response["raw"]) == {"s": "héllo ✓"}


# Errors ---------------------------------------------------------------------------------

RAISER = """
def handler(event, context):
    raise ValueError("boom")
"""


def test_an_exception_is_reported_in_the_payload_and_logged_as_one_event(learner):
    name = learner.create_function(RAISER)
    response = learner.invoke(name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    error = response["payload"]
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "boom"
    assert isinstance(error["stackTrace"], list)
    assert any('"/var/task/app.py"' in frame for frame in error["stackTrace"])
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]

    lines = tail_of(response).splitlines()
    assert any(line.startswith("[ERROR] ValueError: boom") for line in lines), lines
    # The runtime writes the error and its traceback as one record: one CloudWatch event.
    events = log_events(learner, name)
    together = [m for m in events if "[ERROR] ValueError: boom" in m and "Traceback" in m]
    assert len(together) == 1, events
    assert "/var/task/app.py" in together[0]


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"app.py": "def handler(event, context):\n    return 1\n"},
            "app.missing",
            "Runtime.HandlerNotFound",
            "Handler 'missing' missing on module 'app'",
        ),
        (
            {"app.py": "import no_such_module_here\ndef handler(event, context):\n    pass\n"},
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'no_such_module_here'",
        ),
        (
            {"app.py": "def handler(event, context)\n    return 1\n"},
            "app.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'app'",
        ),
    ],
    ids=["handler-not-found", "import-error", "syntax-error"],
)
def test_a_handler_that_cannot_load_reports_the_runtimes_error(
    learner, files, handler, error_type, message
):
    name = learner.create_function(files, handler=handler)
    response = learner.invoke(name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == error_type, response["payload"]
    assert response["payload"]["errorMessage"].startswith(message), response["payload"]
    assert f"[ERROR] {error_type}: {message}" in tail_of(response)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (0, "Runtime exited without providing a reason"),
        (3, "Runtime exited with error: exit status 3"),
    ],
)
def test_sys_exit_in_a_handler_is_an_exit_error(learner, code, reason):
    name = learner.create_function(
        f"import sys\ndef handler(event, context):\n    sys.exit({code})\n"
    )
    response = learner.invoke(name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Runtime.ExitError"
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["payload"]["errorMessage"] == f"RequestId: {request_id} Error: {reason}"
    assert "Error Type: Runtime.ExitError" in tail_of(response)


# The context, the variables, the folder -------------------------------------------------


def test_the_context_object_describes_the_invocation(learner):
    name = learner.create_function(
        """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "invoked_function_arn": context.invoked_function_arn,
                "log_group_name": context.log_group_name,
                "function_version": context.function_version,
            }
        """,
        MemorySize=256,
        Timeout=7,
    )
    response = learner.invoke(name, LogType="Tail")
    assert "FunctionError" not in response, response["payload"]
    seen = response["payload"]
    assert seen["function_name"] == name
    assert seen["memory_limit_in_mb"] == "256"  # the runtime client reads the variable
    request_id = response["ResponseMetadata"]["RequestId"]
    assert seen["aws_request_id"] == request_id
    start = re.search(r"^START RequestId: (\S+)", tail_of(response), re.MULTILINE)
    assert start is not None and start.group(1) == request_id
    assert 0 < seen["remaining_ms"] <= 7000
    arn = learner.client("lambda").get_function(FunctionName=name)["Configuration"]
    assert seen["invoked_function_arn"] == arn["FunctionArn"]
    assert seen["log_group_name"] == f"/aws/lambda/{name}"
    assert seen["function_version"] == "$LATEST"


def test_lambdas_variables_and_folder_and_nothing_of_the_test_process(learner, monkeypatch):
    monkeypatch.setenv("LL_SECRET_PROBE", "x")
    name = learner.create_function(
        """
        import os
        def handler(event, context):
            return {"env": dict(os.environ), "cwd": os.getcwd()}
        """
    )
    response = learner.invoke(name)
    assert "FunctionError" not in response, response["payload"]
    env, cwd = response["payload"]["env"], response["payload"]["cwd"]
    assert env["LAMBDA_TASK_ROOT"] == "/var/task"
    assert env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert cwd == "/var/task"
    assert "LL_SECRET_PROBE" not in env


def test_a_multi_line_log_record_is_one_event(learner):
    name = learner.create_function(
        """
        import logging
        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        def handler(event, context):
            logger.info("first line\\nsecond line")
            return "logged"
        """
    )
    response = learner.invoke(name, LogType="Tail")
    assert response["payload"] == "logged"
    request_id = response["ResponseMetadata"]["RequestId"]
    events = log_events(learner, name)
    both = [m for m in events if "first line" in m and "second line" in m]
    assert len(both) == 1, events
    assert both[0].startswith("[INFO]") and request_id in both[0]
    assert not [m for m in events if "second line" in m and "first line" not in m]


def test_a_cold_starts_tail_begins_at_start_and_the_log_stream_at_init_start(learner):
    name = learner.create_function("def handler(event, context):\n    return 1\n")
    response = raw_invoke(learner, name, LogType="Tail")
    tail = tail_of(response).splitlines()
    assert tail[0].startswith("START RequestId: ") and tail[-1].startswith("REPORT RequestId: ")
    assert "Init Duration: " in tail[-1]
    assert not any(line.startswith("INIT_START") for line in tail)  # as Lambda's Tail
    assert log_events(learner, name)[0].startswith("INIT_START Runtime Version: python:")
