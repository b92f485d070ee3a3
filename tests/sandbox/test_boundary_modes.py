"""Where the machine gives no namespaces, the sandbox says so and runs in single-learner
mode; a strict (workshop) sandbox refuses to start that way unless told to knowingly.

Each case starts `python -m sandbox serve` in a process of its own; a machine without
bubblewrap is made real by pointing LAMBDA_LAB_BWRAP at a path where there is none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.sandbox.served import lambda_with_function, read_banner

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


def invoke_once(banner: str) -> dict:
    source = "import os\ndef handler(e, c):\n    return os.environ['LAMBDA_TASK_ROOT']\n"
    response = lambda_with_function(banner, "mode", source).invoke(FunctionName="mode")
    payload = json.loads(response["Payload"].read())
    return {"error": response.get("FunctionError"), "payload": payload}


def test_without_namespaces_the_sandbox_says_so_and_still_runs_handlers():
    process = serve("--learner", "solo", env=NO_BWRAP)
    try:
        banner = read_banner(process)
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
        banner = read_banner(process)
        assert "Single-learner mode" in banner
        result = invoke_once(banner)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert result["error"] is None, result
