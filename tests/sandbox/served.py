"""A sandbox served by `python -m sandbox serve` in a process of its own, as tests of its
modes start it: its banner, and a learner's Lambda client built from what it printed."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from tests.sandbox.conftest import TRUST_POLICY, zip_files


@contextmanager
def serving(command: list[str], **popen: Any) -> Iterator[str]:
    """Run a `serve` command for the block; its banner, and it stops afterwards."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen
    )
    try:
        yield read_banner(process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def read_banner(process: subprocess.Popen[str]) -> str:
    """What `serve` printed up to its last line ("Ctrl+C stops the sandbox.")."""
    banner = ""
    while "Ctrl+C" not in banner:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line, f"the sandbox stopped before it served:\n{banner}"
        banner += line
    return banner


def lambda_with_function(banner: str, name: str, source: str, **settings: Any) -> Any:
    """The printed learner's Lambda client, after creating ``name`` (app.handler) with a
    role of that learner's."""
    exported = dict(re.findall(r"export (AWS_\w+)=(\S+)", banner))
    session = boto3.Session(
        aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    endpoint = exported["AWS_ENDPOINT_URL"]
    role = session.client("iam", endpoint_url=endpoint).create_role(
        RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY
    )["Role"]["Arn"]
    lam = session.client("lambda", endpoint_url=endpoint)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": source})},
        **settings,
    )
    return lam
