"""What learner code sees around it: Lambda's variables, its own account, nothing of the host."""

from __future__ import annotations

import os
import time

import pytest

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
    if sandbox.runtime.boundary.available:  # Lambda's own paths, inside the boundary
        assert env["LAMBDA_TASK_ROOT"] == "/var/task"
        assert env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
        assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    else:
        assert os.path.isdir(env["LAMBDA_TASK_ROOT"])
    # The same address as outside: the sandbox's port is relayed into the environment.
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
    for host_only in ("LD_PRELOAD", "SSH_AUTH_SOCK"):
        assert host_only not in env
    assert os.getcwd() not in values  # no path of the repository either


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


def test_learner_code_cannot_connect_beyond_loopback(learner, sandbox):
    if not sandbox.runtime.boundary.available:
        pytest.skip("single-learner mode: handlers run as you, with your network")
    name = learner.create_function(
        """
        import errno, socket, urllib.request
        def handler(event, context):
            results = {}
            for host in ("192.0.2.1", "10.0.0.1"):  # no route: only loopback exists inside
                try:
                    socket.create_connection((host, 80), timeout=2).close()
                    results[host] = "connected"
                except OSError as error:
                    results[host] = errno.errorcode.get(error.errno, type(error).__name__)
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
    assert payload == {"192.0.2.1": "ENETUNREACH", "10.0.0.1": "ENETUNREACH", "urllib": "URLError"}


def test_concurrent_invocations_get_separate_environments(learner):
    import threading

    name = learner.create_function(
        """
        import time, uuid
        ENVIRONMENT = uuid.uuid4().hex
        def handler(event, context):
            time.sleep(0.5)
            return ENVIRONMENT
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


ENVIRONMENT_ID = """
import uuid
ENVIRONMENT = uuid.uuid4().hex  # made once per execution environment
def handler(event, context):
    return ["VERSION", ENVIRONMENT]
"""


def test_code_change_retires_old_environments(learner):
    name = learner.create_function(ENVIRONMENT_ID.replace("VERSION", "v1"))
    first = learner.invoke(name)["payload"]
    learner.update_code(name, ENVIRONMENT_ID.replace("VERSION", "v2"))
    second = learner.invoke(name)
    assert second["payload"][0] == "v2" and second["payload"][1] != first[1]
    learner.client("lambda").update_function_configuration(FunctionName=name, MemorySize=512)
    third = learner.invoke(name)["payload"]
    assert third[1] != second["payload"][1]


def test_idle_environments_expire(sandbox, learner):
    name = learner.create_function(ENVIRONMENT_ID)
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
