"""The sandbox object: one per process, learner sessions bound to it, loopback only."""

from __future__ import annotations

import pytest

from sandbox.server import Sandbox, SandboxError


def test_only_one_sandbox_runs_per_process(sandbox):
    with pytest.raises(SandboxError, match="already runs"):
        Sandbox().start()


def test_the_sandbox_listens_on_loopback_only():
    with pytest.raises(SandboxError, match="loopback"):
        Sandbox(host="0.0.0.0")


def test_learner_session_talks_to_the_sandbox_in_the_learners_account(sandbox):
    session = sandbox.learner_session("session-user")
    assert session.region_name == "us-east-1"
    s3 = session.client("s3")
    assert s3.meta.endpoint_url == sandbox.endpoint_url
    assert session.resource("dynamodb").meta.client.meta.endpoint_url == sandbox.endpoint_url
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == sandbox.learner_account("session-user").account_id
    assert session.client("lambda").list_functions()["Functions"] == []


def test_get_sandbox_returns_the_running_sandbox(sandbox):
    from sandbox import get_sandbox, learner_session

    assert get_sandbox() is sandbox
    assert learner_session("api-user").client("s3").meta.endpoint_url == sandbox.endpoint_url
