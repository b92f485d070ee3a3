"""What learner code sees around it: Lambda's variables, its own account, nothing of the host."""

from __future__ import annotations

import os
import time

SHOW_ENVIRONMENT = """
import os
import time
def handler(event, context):
    return dict(os.environ)
"""


def test_handler_gets_lambdas_variables_and_its_own(learner, sandbox):
    name = learner.create_function(
        SHOW_ENVIRONMENT,
        MemorySize=256,
        Environment={"Variables": {"TABLE_NAME": "orders", "AWS_REGION": "eu-west-1"}},
    )
    env = learner.invoke(name)["payload"]
    assert env["TABLE_NAME"] == "orders"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"  # reserved keys win
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].split("]")[0].endswith("[$LATEST")
    assert os.path.isdir(env["LAMBDA_TASK_ROOT"])
    assert env["AWS_ENDPOINT_URL"] == sandbox.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]


def test_no_host_secret_or_path_reaches_learner_code(learner, monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret-key")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_host_token")
    name = learner.create_function(SHOW_ENVIRONMENT)
    env = learner.invoke(name)["payload"]
    values = "\n".join(env.values())
    assert "hunter2" not in values and "ghp_host_token" not in values
    assert env["AWS_SECRET_ACCESS_KEY"] != "host-secret-key"
    assert "LAMBDA_LAB_TEST_SECRET" not in env and "GITHUB_TOKEN" not in env
    assert "HOME" not in env and "VIRTUAL_ENV" not in env
    for host_only in ("PYTHONPATH", "LD_PRELOAD", "SSH_AUTH_SOCK"):
        assert host_only not in env


def test_handler_boto3_calls_land_in_the_learners_own_account(learner):
    learner.client("s3").create_bucket(Bucket=f"{learner.learner_id}-visible-to-handler")
    name = learner.create_function(
        """
        import boto3
        def handler(event, context):
            identity = boto3.client("sts").get_caller_identity()
            buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
            return {"account": identity["Account"], "arn": identity["Arn"], "buckets": buckets}
        """,
        Timeout=30,
    )
    payload = learner.invoke(name)["payload"]
    assert payload["account"] == learner.account_id
    role_name = learner.role_arn.split("/")[-1]
    assert payload["arn"] == f"arn:aws:sts::{learner.account_id}:assumed-role/{role_name}/{name}"
    assert f"{learner.learner_id}-visible-to-handler" in payload["buckets"]


def test_learner_code_cannot_connect_beyond_loopback(learner):
    name = learner.create_function(
        """
        import socket, urllib.request
        def handler(event, context):
            results = {}
            for host in ("93.184.216.34", "10.0.0.1"):
                try:
                    socket.create_connection((host, 80), timeout=2).close()
                    results[host] = "connected"
                except OSError as error:
                    results[host] = type(error).__name__
            try:
                urllib.request.urlopen("http://198.51.100.7/", timeout=2)
                results["urllib"] = "connected"
            except OSError as error:
                results["urllib"] = type(error).__name__
            return results
        """,
        Timeout=10,
    )
    payload = learner.invoke(name)["payload"]
    assert payload == {
        "93.184.216.34": "OffLoopbackError",
        "10.0.0.1": "OffLoopbackError",
        "urllib": "URLError",
    }


def test_concurrent_invocations_get_separate_environments(learner):
    import threading

    name = learner.create_function(
        """
        import os, time
        def handler(event, context):
            time.sleep(0.5)
            return os.getpid()
        """
    )
    pids: list[int] = []
    threads = [
        threading.Thread(target=lambda: pids.append(learner.invoke(name)["payload"]))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(pids)) == 3
    streams = learner.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    assert len(streams["logStreams"]) == 3  # one log stream per execution environment


def test_code_change_retires_old_environments(learner):
    name = learner.create_function(
        "import os\ndef handler(e, c):\n    return ['v1', os.getpid()]\n"
    )
    first = learner.invoke(name)["payload"]
    learner.update_code(name, "import os\ndef handler(e, c):\n    return ['v2', os.getpid()]\n")
    second = learner.invoke(name)
    assert second["payload"][0] == "v2" and second["payload"][1] != first[1]
    learner.client("lambda").update_function_configuration(FunctionName=name, MemorySize=512)
    third = learner.invoke(name)["payload"]
    assert third[1] != second["payload"][1]


def test_idle_environments_expire(sandbox, learner):
    name = learner.create_function("import os\ndef handler(e, c):\n    return os.getpid()\n")
    first = learner.invoke(name)["payload"]
    assert sandbox.runtime is not None
    import time

    expired = sandbox.runtime.pool.expire_idle(now=time.monotonic() + 3600)
    assert expired >= 1
    assert learner.invoke(name)["payload"] != first


def test_environment_is_frozen_between_invocations(learner):
    """Like Lambda: a thread the handler leaves running makes no progress while idle."""
    name = learner.create_function(
        """
        import threading, time
        TICKS = 0
        def tick():
            global TICKS
            while True:
                TICKS += 1
                time.sleep(0.01)
        def handler(event, context):
            if event.get("start"):
                threading.Thread(target=tick, daemon=True).start()
                time.sleep(0.2)
            return TICKS
        """
    )
    during = learner.invoke(name, {"start": True})["payload"]
    time.sleep(1.0)
    after_idle = learner.invoke(name)["payload"]
    assert during >= 5
    assert after_idle - during < 20  # ~100 ticks had it kept running for the idle second
