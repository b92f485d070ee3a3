"""Hard limits: timeout, memory, runtime exits, /tmp and output; the sandbox stays up."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

HELLO = "def handler(event, context):\n    return 'hello'\n"


def test_timeout_kills_the_invocation_and_says_task_timed_out(learner):
    name = learner.create_function(
        """
        import time
        def handler(event, context):
            print("about to sleep")
            time.sleep(30)
        """,
        Timeout=1,
    )
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Sandbox.Timedout"
    assert response["payload"]["errorMessage"].endswith("Task timed out after 1.00 seconds")
    messages = learner.log_messages(name)
    assert "about to sleep" in messages  # output before the kill is kept
    assert any(re.search(r"[0-9a-f-]{36} Task timed out after 1\.00 seconds$", m) for m in messages)
    report = next(m for m in messages if m.startswith("REPORT"))
    assert "Status: timeout" in report


def test_memory_bomb_becomes_a_function_error_not_a_crash(learner):
    name = learner.create_function(
        """
        def handler(event, context):
            hog = []
            while True:
                hog.append(bytearray(16 * 1024 * 1024))
        """,
        MemorySize=128,
    )
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Runtime.OutOfMemory"
    assert "Runtime exited with error" in response["payload"]["errorMessage"]
    report = next(m for m in learner.log_messages(name) if m.startswith("REPORT"))
    assert "Max Memory Used: 128 MB" in report and "Error Type: Runtime.OutOfMemory" in report
    # The sandbox is still serving, and the function recovers in a fresh environment.
    healthy = learner.create_function("def handler(event, context):\n    return 'ok'\n")
    assert learner.invoke(healthy)["payload"] == "ok"


def test_os_exit_and_signals_are_runtime_exit_errors(learner):
    exits = learner.create_function("import os\ndef handler(event, context):\n    os._exit(3)\n")
    payload = learner.invoke(exits)["payload"]
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 3")

    crashes = learner.create_function(
        "import os, signal\n"
        "def handler(event, context):\n    os.kill(os.getpid(), signal.SIGSEGV)\n"
    )
    payload = learner.invoke(crashes)["payload"]
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: signal: segmentation fault")


def test_tmp_is_private_to_an_environment_and_persists_while_warm(learner):
    code = """
    import os, tempfile
    def handler(event, context):
        path = os.path.join(tempfile.gettempdir(), "note.txt")
        existed = os.path.exists(path)
        with open(path, "a") as note:
            note.write("x")
        return {"tmp": tempfile.gettempdir(), "existed": existed}
    """
    first_fn = learner.create_function(code)
    other_fn = learner.create_function(code)
    first = learner.invoke(first_fn)["payload"]
    again = learner.invoke(first_fn)["payload"]
    other = learner.invoke(other_fn)["payload"]
    assert first["existed"] is False and again["existed"] is True
    assert other["existed"] is False  # the other function's /tmp is another one


def test_writing_past_ephemeral_storage_fails_with_no_space_left(learner):
    name = learner.create_function(
        """
        import os, tempfile
        def handler(event, context):
            path = os.path.join(tempfile.gettempdir(), "big")
            try:
                with open(path, "wb") as big:
                    for _ in range(600):
                        big.write(b"x" * 1024 * 1024)
            except OSError as error:
                return {"error": error.strerror, "size_mb": os.path.getsize(path) // (1024 * 1024)}
            return {"error": None}
        """,
        EphemeralStorage={"Size": 512},
        Timeout=10,
    )
    payload = learner.invoke(name)["payload"]
    assert payload["error"] == "No space left on device"  # ENOSPC, as on Lambda
    assert payload["size_mb"] <= 512


def test_output_is_bounded_per_invocation(learner):
    name = learner.create_function(
        """
        def handler(event, context):
            line = "y" * 1000
            for _ in range(3000):
                print(line)
            return "done"
        """,
        Timeout=10,
    )
    response = learner.invoke(name)
    assert response["payload"] == "done"
    messages = learner.log_messages(name)
    assert sum(len(m) for m in messages) < 1_200_000
    assert any("bytes of output were not logged" in m for m in messages)
    assert messages[-1].startswith("REPORT")


def test_threads_fit_in_the_smallest_memory_size(learner):
    """The address-space cap leaves room for thread stacks, as Lambda's memory limit does."""
    name = learner.create_function(
        """
        import threading, time
        def handler(event, context):
            threads = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(40)]
            for thread in threads:
                thread.start()
            alive = threading.active_count()
            for thread in threads:
                thread.join()
            return alive
        """,
        MemorySize=128,
    )
    assert learner.invoke(name)["payload"] == 41


def test_a_response_over_6_mb_is_function_response_size_too_large(learner):
    name = learner.create_function(
        "def handler(event, context):\n    return 'x' * 7_000_000\n", MemorySize=512
    )
    response = learner.invoke(name)
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Function.ResponseSizeTooLarge"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"Timeout": 901}, "Value '901' at 'timeout'"),
        ({"MemorySize": 10241}, "Value '10241' at 'memorySize'"),
        ({"EphemeralStorage": {"Size": 10241}}, "Value '10241' at 'ephemeralStorage.size'"),
    ],
)
def test_settings_beyond_lambdas_limits_are_refused_as_aws_refuses_them(learner, settings, message):
    with pytest.raises(ClientError) as refused:
        learner.create_function(HELLO, **settings)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message in refused.value.response["Error"]["Message"]

    name = learner.create_function(HELLO)
    with pytest.raises(ClientError) as refused:
        learner.client("lambda").update_function_configuration(FunctionName=name, **settings)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message in refused.value.response["Error"]["Message"]
    kept = learner.client("lambda").get_function_configuration(FunctionName=name)
    assert (kept["Timeout"], kept["MemorySize"]) == (3, 128)  # nothing changed


def test_the_largest_settings_lambda_allows_are_accepted(learner):
    name = learner.create_function(
        HELLO, Timeout=900, MemorySize=10240, EphemeralStorage={"Size": 10240}
    )
    config = learner.client("lambda").get_function_configuration(FunctionName=name)
    assert (config["Timeout"], config["MemorySize"]) == (900, 10240)
    assert config["EphemeralStorage"] == {"Size": 10240}


def test_ephemeral_storage_can_be_raised_after_creation_and_tmp_gets_the_room(learner):
    name = learner.create_function(
        """
        import os, tempfile
        def handler(event, context):
            with open(os.path.join(tempfile.gettempdir(), "big"), "wb") as big:
                for _ in range(600):
                    big.write(b"x" * 1024 * 1024)
            return "written"
        """,
        Timeout=30,
    )
    learner.client("lambda").update_function_configuration(
        FunctionName=name, EphemeralStorage={"Size": 1024}
    )
    config = learner.client("lambda").get_function_configuration(FunctionName=name)
    assert config["EphemeralStorage"] == {"Size": 1024}
    response = learner.invoke(name)
    assert "FunctionError" not in response, response["payload"]
    assert response["payload"] == "written"
