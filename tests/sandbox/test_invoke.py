"""Invoke through boto3: payloads, errors named as Lambda names them, context, logs."""

from __future__ import annotations

import base64
import re

HELLO = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    print("hello", event["name"])
    logger.info("invocation %s", COUNT)
    return {"greeting": "hello " + event["name"], "count": COUNT}
"""

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d\d ms\t"
    r"Billed Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?$"
)


def test_returned_value_is_the_json_payload(learner):
    name = learner.create_function(HELLO)
    response = learner.invoke(name, {"name": "Ada"})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert response["payload"] == {"greeting": "hello Ada", "count": 1}


def test_cold_then_warm_start_logs_start_end_report_with_init_duration_once(learner):
    name = learner.create_function(HELLO)
    first = learner.invoke(name, {"name": "a"})
    second = learner.invoke(name, {"name": "b"})
    assert second["payload"]["count"] == 2  # module globals survive: the same environment

    messages = learner.log_messages(name)
    starts = [m for m in messages if m.startswith("START RequestId:")]
    ends = [m for m in messages if m.startswith("END RequestId:")]
    reports = [REPORT.match(m) for m in messages if m.startswith("REPORT")]
    assert len(starts) == len(ends) == len(reports) == 2
    assert all(reports), [m for m in messages if m.startswith("REPORT")]
    assert starts[0].endswith("Version: $LATEST")
    assert reports[0]["init"] is not None and reports[1]["init"] is None
    assert reports[0]["id"] == first["ResponseMetadata"]["RequestId"]
    assert reports[1]["id"] == second["ResponseMetadata"]["RequestId"]
    assert "hello a" in messages and "hello b" in messages
    info = [m for m in messages if m.startswith("[INFO]")]
    assert re.match(
        r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tinvocation 1$", info[0]
    )


def test_log_stream_is_named_as_lambda_names_it(learner):
    name = learner.create_function(HELLO)
    learner.invoke(name, {"name": "x"})
    streams = learner.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    (stream,) = streams["logStreams"]
    assert re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", stream["logStreamName"])


def test_log_type_tail_returns_the_invocations_log_base64(learner):
    name = learner.create_function(HELLO)
    response = learner.invoke(name, {"name": "tail"}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "hello tail" in tail
    assert "END RequestId:" in tail and "REPORT RequestId:" in tail
    assert len(base64.b64decode(response["LogResult"])) <= 4096


def test_unhandled_exception_gives_function_error_and_lambda_payload(learner):
    name = learner.create_function(
        """
        def handler(event, context):
            raise ValueError("no such order: " + str(event["order"]))
        """
    )
    response = learner.invoke(name, {"order": 42})
    assert response["FunctionError"] == "Unhandled"
    payload = response["payload"]
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "no such order: 42"
    assert re.match(r"^[0-9a-f-]{36}$", payload["requestId"])
    assert any('app.py", line 3, in handler' in line for line in payload["stackTrace"])
    assert not any("worker.py" in line for line in payload["stackTrace"])
    logged = [m for m in learner.log_messages(name) if m.startswith("[ERROR]")]
    assert logged[0].startswith("[ERROR] ValueError: no such order: 42\nTraceback")


def test_missing_handler_function_is_runtime_handler_not_found(learner):
    name = learner.create_function("def other(event, context):\n    return 1\n")
    payload = learner.invoke(name)["payload"]
    assert payload["errorType"] == "Runtime.HandlerNotFound"
    assert payload["errorMessage"] == "Handler 'handler' missing on module 'app'"


def test_missing_module_is_runtime_import_module_error(learner):
    name = learner.create_function("x = 1\n", handler="lambda_function.lambda_handler")
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"] == {
        "errorMessage": "Unable to import module 'lambda_function': "
        "No module named 'lambda_function'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_syntax_error_is_runtime_user_code_syntax_error(learner):
    name = learner.create_function("def handler(event, context)\n    return 1\n")
    payload = learner.invoke(name)["payload"]
    assert payload["errorType"] == "Runtime.UserCodeSyntaxError"
    assert payload["errorMessage"].startswith("Syntax error in module 'app':")
    assert "Line 1" in payload["stackTrace"][0]


def test_handler_in_a_package_folder(learner):
    name = learner.create_function(
        {
            "orders/__init__.py": "",
            "orders/api.py": "def handle(event, context):\n    return 'from a package'\n",
        },
        handler="orders/api.handle",
    )
    assert learner.invoke(name)["payload"] == "from a package"


def test_context_object_has_lambdas_attributes(learner):
    name = learner.create_function(
        """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        Timeout=7,
    )
    response = learner.invoke(name)
    context = response["payload"]
    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    arn = f"arn:aws:lambda:us-east-1:{learner.account_id}:function:{name}"
    assert context["invoked_function_arn"] == arn
    assert context["memory_limit_in_mb"] == "128"
    assert re.match(r"^[0-9a-f-]{36}$", context["aws_request_id"])
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert "[$LATEST]" in context["log_stream_name"]
    assert 6000 < context["remaining"] <= 7000


def test_non_python_runtime_is_reported_as_not_available(learner):
    name = learner.create_function(
        {"index.js": "exports.handler = async () => 1;"},
        handler="index.handler",
        Runtime="nodejs20.x",
    )
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert "nodejs20.x is not available in this sandbox" in response["payload"]["errorMessage"]


def test_invalid_json_payload_is_refused_like_lambda(learner):
    import pytest
    from botocore.exceptions import ClientError

    name = learner.create_function(HELLO)
    with pytest.raises(ClientError) as raised:
        learner.client("lambda").invoke(FunctionName=name, Payload=b"{not json")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_layers_are_importable_like_opt_python(learner):
    from tests.sandbox.conftest import zip_files

    layer = learner.client("lambda").publish_layer_version(
        LayerName="shared-helpers",
        Content={
            "ZipFile": zip_files({"python/helpers.py": "def shout(s):\n    return s.upper()\n"})
        },
        CompatibleRuntimes=["python3.12"],
    )
    name = learner.create_function(
        "import helpers\ndef handler(event, context):\n    return helpers.shout('from a layer')\n",
        Layers=[layer["LayerVersionArn"]],
    )
    assert learner.invoke(name)["payload"] == "FROM A LAYER"


def test_event_invocation_returns_202_and_runs_in_the_background(learner, sandbox):
    name = learner.create_function(HELLO)
    response = learner.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=b'{"name": "later"}'
    )
    assert response["StatusCode"] == 202
    assert sandbox.wait_for_async(10)
    assert "hello later" in learner.log_messages(name)
    dry = learner.client("lambda").invoke(FunctionName=name, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
