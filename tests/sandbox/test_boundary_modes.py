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
import time
from pathlib import Path

import pytest

from tests.sandbox.served import lambda_with_function, serving

ROOT = Path(__file__).resolve().parents[2]
NO_BWRAP = {"LAMBDA_LAB_BWRAP": "/nonexistent/bwrap"}


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sandbox", "serve", "--port", "0", *args]


def serve(*args: str, env: dict[str, str] | None = None):
    """`python -m sandbox serve` for the block: its banner."""
    return serving(serve_command(*args), cwd=ROOT, env={**os.environ, **(env or {})})


def invoke_once(banner: str) -> dict:
    source = "import os\ndef handler(e, c):\n    return os.environ['LAMBDA_TASK_ROOT']\n"
    response = lambda_with_function(banner, "mode", source).invoke(FunctionName="mode")
    payload = json.loads(response["Payload"].read())
    return {"error": response.get("FunctionError"), "payload": payload}


def test_without_namespaces_the_sandbox_says_so_and_still_runs_handlers():
    with serve("--learner", "solo", env=NO_BWRAP) as banner:
        assert "Single-learner mode: handlers run as you, with no boundary" in banner
        assert "bubblewrap (bwrap) is not installed" in banner
        result = invoke_once(banner)
    assert result["error"] is None, result
    assert result["payload"] != "/var/task"  # the code's own folder on the host


def test_a_strict_sandbox_refuses_to_run_without_namespaces():
    refused = subprocess.run(
        serve_command("--strict"), cwd=ROOT, env={**os.environ, **NO_BWRAP},
        capture_output=True, text=True, timeout=60,
    )
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "need Linux namespaces here, and bubblewrap (bwrap) is not installed" in output
    assert "Install bubblewrap" in output
    assert "Traceback" not in output


def test_a_strict_sandbox_runs_single_learner_only_when_told_so():
    with serve("--strict", "--single-learner", "--learner", "solo", env=NO_BWRAP) as banner:
        assert "Single-learner mode" in banner
        result = invoke_once(banner)
    assert result["error"] is None, result


CPU_BOUND = """
import time

def handler(event, context):
    started = time.process_time()
    total = 0
    for number in range(event["loops"]):
        total += number * number
    return {"cpu_ms": (time.process_time() - started) * 1000}
"""


def test_with_cpu_following_memory_a_small_function_computes_slower():
    """One vCPU at 1,769 MB: the same work takes several times longer at 128 MB."""
    with serve("--cpu-follows-memory", "--learner", "cpu") as banner:
        if "cgroup" not in banner:
            pytest.skip("no cgroups on this machine: CPU cannot follow memory")
        lam = lambda_with_function(banner, "small", CPU_BOUND, MemorySize=128, Timeout=30)
        durations = {}
        for memory in (1769, 128):
            lam.update_function_configuration(FunctionName="small", MemorySize=memory)
            lam.invoke(FunctionName="small", Payload=json.dumps({"loops": 1000}))  # cold start
            timings = []
            for _ in range(2):  # the quicker of two: a busy machine slows one now and then
                started = time.perf_counter()
                response = lam.invoke(
                    FunctionName="small", Payload=json.dumps({"loops": 1_000_000})
                )
                timings.append(time.perf_counter() - started)
                assert "FunctionError" not in response, response["Payload"].read()
            durations[memory] = min(timings)
    # 128 / 1,769 of a core is 7%; allow for a busy machine's noise.
    assert durations[128] > 4 * durations[1769], durations
