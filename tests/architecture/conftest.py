"""A learner account per test in the process's sandbox, and labs' end states, cached."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from architecture.export import ExportPackage, export_package
from architecture.graph import build_graph
from architecture.live import lab_names
from labs.engine import verify_lab
from labs.model import load_labs
from sandbox.server import Sandbox, get_sandbox
from tests.aws_helpers import create_python_function

RECORDER = """
import json

def handler(event, context):
    print(json.dumps(event))
    return {"ok": True}
"""


@dataclass
class Learner:
    learner_id: str
    session: boto3.Session
    account_id: str

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def function(self, name: str, code: str = RECORDER, **settings: Any) -> str:
        """A python3.12 function (role "<name>-role" with basic execution); its ARN."""
        create_python_function(self.session, name, code, **settings)
        return self.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]

    def queue(self, name: str, **attributes: str) -> tuple[str, str]:
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def allow(self, role: str, actions: list[str], resource: str = "*") -> None:
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
        }
        self.client("iam").put_role_policy(
            RoleName=role,
            PolicyName=f"allow-{uuid.uuid4().hex[:6]}",
            PolicyDocument=json.dumps(document),
        )


def wait_until(check: Callable[[], Any], timeout_s: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"timed out waiting for {what or check}"
            return found
        time.sleep(0.25)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The process's one sandbox (moto's state is process-wide), as the app uses it."""
    yield get_sandbox()


@pytest.fixture
def learner(sandbox: Sandbox) -> Learner:
    """A fresh account of its own for each test."""
    learner_id = f"map-{uuid.uuid4().hex[:10]}"
    session = sandbox.learner_session(learner_id)
    return Learner(learner_id, session, sandbox.learner_account(learner_id).account_id)


@pytest.fixture(scope="session")
def lab_end_state(sandbox: Sandbox) -> Callable[[str], Learner]:
    """A learner who has done the lab (its reference solution, step by step), once per lab."""
    done: dict[str, Learner] = {}

    def end_state(slug: str) -> Learner:
        if slug not in done:
            learner_id = f"map-lab-{slug}-{uuid.uuid4().hex[:6]}"
            session = sandbox.learner_session(learner_id)
            lab = load_labs().lab(slug)
            assert lab is not None, slug
            verification = verify_lab(session, learner_id, lab, sandbox.wait_for_async)
            assert verification.ok, verification.failures
            account = sandbox.learner_account(learner_id).account_id
            done[slug] = Learner(learner_id, session, account)
        return done[slug]

    return end_state


@pytest.fixture(scope="session")
def lab_export(lab_end_state: Callable[[str], Learner]) -> Callable[[str], ExportPackage]:
    """The export of one lab's resources from the learner who did it, once per lab."""
    done: dict[str, ExportPackage] = {}

    def export(slug: str) -> ExportPackage:
        if slug not in done:
            learner = lab_end_state(slug)
            lab = load_labs().lab(slug)
            assert lab is not None
            names = lab_names(learner.session, learner.learner_id, lab)
            graph = build_graph(learner.session, names)
            done[slug] = export_package(learner.session, graph, scope=lab.title)
        return done[slug]

    return export
