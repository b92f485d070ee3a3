"""One sandbox for the whole session, and helpers a learner's script would write itself.

Tests talk to the sandbox through plain boto3 clients pointed at its endpoint, with a
learner's credentials, exactly as a lab's code does.
"""

from __future__ import annotations

import io
import json
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sandbox.server import Sandbox

TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# The sandbox enforces the execution role's policies on what handlers call; tests about
# something else give their functions a role that may do anything in the account.
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def zip_files(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


@dataclass
class Learner:
    """A learner's boto3 world: their credentials and the sandbox endpoint."""

    learner_id: str
    account_id: str
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    role_arn: str = ""
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, **config: Any) -> Any:
        """A client per service and config, reused, as a script would keep one."""
        key = f"{service}:{sorted(config.items())}"
        if key not in self._clients:
            self._clients[key] = self.new_client(service, **config)
        return self._clients[key]

    def new_client(self, service: str, **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(**config) if config else None,
        )

    def create_role(self, name: str = "lambda-basic", allow_all: bool = True) -> str:
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
        if allow_all:
            iam.put_role_policy(
                RoleName=name, PolicyName="tests-allow-all", PolicyDocument=ALLOW_ALL
            )
        return arn

    def create_function(
        self,
        code: str | dict[str, str],
        handler: str = "app.handler",
        name: str | None = None,
        **settings: Any,
    ) -> str:
        """A python3.12 function from source (app.py, or a dict of files); returns its name."""
        name = name or f"fn-{uuid.uuid4().hex[:10]}"
        files = {"app.py": code} if isinstance(code, str) else code
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime=settings.pop("Runtime", "python3.12"),
            Role=self.role_arn,
            Handler=handler,
            Code={"ZipFile": zip_files(files)},
            **settings,
        )
        return name

    def update_code(self, name: str, code: str | dict[str, str]) -> None:
        files = {"app.py": code} if isinstance(code, str) else code
        self.client("lambda").update_function_code(FunctionName=name, ZipFile=zip_files(files))

    def invoke(self, name: str, event: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Invoke and decode: the response plus 'payload' (parsed JSON)."""
        client = self.client("lambda", retries={"total_max_attempts": 1})
        response = client.invoke(
            FunctionName=name, Payload=json.dumps(event if event is not None else {}), **kwargs
        )
        response["payload"] = json.loads(response["Payload"].read() or b"null")
        return response

    def log_messages(self, name: str) -> list[str]:
        logs = self.client("logs")
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [event["message"] for event in sorted(events, key=lambda e: e["timestamp"])]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The process's sandbox: moto's state is per process, so other test folders share it."""
    already = Sandbox.current()
    if already is not None:
        yield already
        return
    with Sandbox() as running:
        yield running


def _learner(sandbox: Sandbox, learner_id: str) -> Learner:
    account = sandbox.learner_account(learner_id)
    learner = Learner(
        learner_id,
        account.account_id,
        sandbox.endpoint_url,
        account.access_key_id,
        account.secret_access_key,
    )
    learner.role_arn = learner.create_role(f"role-{uuid.uuid4().hex[:8]}")
    return learner


@pytest.fixture(scope="session")
def learner(sandbox: Sandbox) -> Learner:
    """The learner most tests act as (one account for the session)."""
    return _learner(sandbox, "learner-main")


@pytest.fixture(scope="session")
def make_learner(sandbox: Sandbox) -> Callable[[str], Learner]:
    return lambda learner_id: _learner(sandbox, learner_id)
