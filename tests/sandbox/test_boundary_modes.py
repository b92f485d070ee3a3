"""Where the machine gives no namespaces, the sandbox says so and runs in single-learner
mode; a strict (workshop) sandbox refuses to start that way unless told to knowingly.

Each case starts `python -m sandbox serve` in a process of its own; a machine without
bubblewrap is made real by pointing LAMBDA_LAB_BWRAP at a path where there is none.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3

from tests.sandbox.conftest import TRUST_POLICY, zip_files

ROOT = Path(__file__).resolve().parents[2]
NO_BWRAP = {"LAMBDA_LAB_BWRAP": "/nonexistent/bwrap"}


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def banner_of(process: subprocess.Popen[str]) -> str:
    banner = ""
    while "Ctrl+C" not in banner:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        banner += line
    return banner


def invoke_once(banner: str) -> dict:
    exported = dict(re.findall(r"export (AWS_\w+)=(\S+)", banner))
    session = boto3.Session(
        aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    endpoint = exported["AWS_ENDPOINT_URL"]
    role = session.client("iam", endpoint_url=endpoint).create_role(
        RoleName="mode", AssumeRolePolicyDocument=TRUST_POLICY
    )["Role"]["Arn"]
    lam = session.client("lambda", endpoint_url=endpoint)
    lam.create_function(
        FunctionName="mode",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": "import os\ndef handler(e, c):\n"
                                              "    return os.environ['LAMBDA_TASK_ROOT']\n"})},
    )
    response = lam.invoke(FunctionName="mode")
    payload = json.loads(response["Payload"].read())
    return {"error": response.get("FunctionError"), "payload": payload}


def test_without_namespaces_the_sandbox_says_so_and_still_runs_handlers():
    process = serve("--learner", "solo", env=NO_BWRAP)
    try:
        banner = banner_of(process)
        assert "Single-learner mode: handlers run as you, with no boundary" in banner
        assert "bubblewrap (bwrap) is not installed" in banner
        result = invoke_once(banner)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert result["error"] is None, result
    assert result["payload"] != "/var/task"  # the code's own folder on the host


def test_a_strict_sandbox_refuses_to_run_without_namespaces():
    process = serve("--strict", env=NO_BWRAP)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "need Linux namespaces here, and bubblewrap (bwrap) is not installed" in output
    assert "Install bubblewrap" in output
    assert "Traceback" not in output


def test_a_strict_sandbox_runs_single_learner_only_when_told_so():
    process = serve("--strict", "--single-learner", "--learner", "solo", env=NO_BWRAP)
    try:
        banner = banner_of(process)
        assert "Single-learner mode" in banner
        result = invoke_once(banner)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert result["error"] is None, result
