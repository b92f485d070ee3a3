"""Learner code is untrusted: it sees nothing of the host's secrets, cannot touch another
learner's environment, and cannot outlive its own by leaving its session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.sandbox.attempts import ATTEMPT_NAMED
from tests.sandbox.served import lambda_with_function, read_banner

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT,
    reason="per-environment uids need root; a non-root sandbox runs learner code as its own user",
)

SNOOP = """
import os

def attempt(action):
    try:
        return {"ok": action()}
    except OSError as error:
        return {"error": type(error).__name__}

def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("latin-1")

def handler(event, context):
    readable = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            found = attempt(lambda: read(f"/proc/{name}/environ"))
            if "ok" in found:
                readable[name] = found["ok"]
    return {
        "parent": attempt(lambda: read(f"/proc/{os.getppid()}/environ")),
        "parent_memory": attempt(lambda: read(f"/proc/{os.getppid()}/mem")[:1]),
        "readable": readable,
    }
"""


def test_handler_reads_nothing_of_the_sandbox_processes_environment(tmp_path):
    """A sandbox started with a secret in its environment: no handler can read it back."""
    secret = f"host-secret-{uuid.uuid4().hex}"
    env = {**os.environ, "LAMBDA_LAB_HOST_SECRET": secret}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--learner", "snoop"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lam = lambda_with_function(read_banner(process), "snoop", SNOOP, Timeout=30)
        response = lam.invoke(FunctionName="snoop")
        payload = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, payload
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert payload["parent"] == {"error": "PermissionError"}
    assert payload["parent_memory"] == {"error": "PermissionError"}
    assert str(process.pid) not in payload["readable"]
    leaks = [pid for pid, text in payload["readable"].items() if secret in text]
    assert leaks == []
    if IS_ROOT:  # its own uid: no other process's environment at all
        assert payload["readable"] == {}


SPY = ATTEMPT_NAMED + """
import signal

def handler(event, context):
    mine = {int(task) for task in os.listdir("/proc/self/task")}  # its own threads too
    pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    return {
        "pids": pids,
        "kill_others": sorted({attempt(lambda: os.kill(pid, signal.SIGKILL))
                               for pid in range(3, 400) if pid not in mine}),
        "host_file": attempt(lambda: read(event["host_file"])),
        "code": attempt(lambda: read(event["code"])),
        "own_tmp": attempt(lambda: open("/tmp/x", "w").close()),
        "shadow": attempt(lambda: read("/etc/shadow")),
        "root_home": attempt(lambda: os.listdir("/root")),
        "uid": os.getuid(),
    }
"""
VICTIM = """
import os, uuid

ENVIRONMENT = uuid.uuid4().hex  # one per execution environment

def handler(event, context):
    with open("/tmp/secret.txt", "w") as handle:
        handle.write("victim's data")
    return {"environment": ENVIRONMENT, "uid": os.getuid()}
"""


def needs_namespaces(sandbox) -> None:
    if not sandbox.runtime.boundary.available:
        pytest.skip(f"no namespaces here: {sandbox.runtime.boundary.detail}")


def test_one_learners_handler_sees_and_reaches_nothing_of_anothers(make_learner, sandbox):
    needs_namespaces(sandbox)
    alice = make_learner(f"alice-{uuid.uuid4().hex[:6]}")
    bob = make_learner(f"bob-{uuid.uuid4().hex[:6]}")
    victim = bob.create_function(VICTIM)
    bobs = bob.invoke(victim)["payload"]
    host_file = Path(f"/tmp/host-secret-{uuid.uuid4().hex}")
    host_file.write_text("the host's data")
    bobs_code = next(Path(sandbox.work_dir, "code").rglob("app.py"))
    try:
        spy = alice.create_function(SPY)
        seen = alice.invoke(spy, {"host_file": str(host_file), "code": str(bobs_code)})
    finally:
        host_file.unlink()
    seen = seen["payload"]
    assert len(seen["pids"]) <= 3  # its own PID namespace: bwrap's init and the runtime
    assert seen["kill_others"] == ["ProcessLookupError"]
    assert seen["host_file"] == seen["code"] == "FileNotFoundError"
    assert seen["shadow"] == seen["root_home"] == "FileNotFoundError"
    assert seen["own_tmp"] == "allowed"
    if IS_ROOT:  # an unprivileged uid of its own on the host
        assert seen["uid"] != bobs["uid"] and 0 not in (seen["uid"], bobs["uid"])
    # Bob's environment is untouched: still warm, the same one.
    assert bob.invoke(victim)["payload"]["environment"] == bobs["environment"]


@needs_root
def test_two_functions_of_one_learner_run_under_different_uids(learner, sandbox):
    needs_namespaces(sandbox)
    first = learner.create_function(VICTIM)
    second = learner.create_function(VICTIM)
    assert learner.invoke(first)["payload"]["uid"] != learner.invoke(second)["payload"]["uid"]


DAEMON = """
import subprocess, sys, time

# The intermediate process starts a new session, forks and exits: a classic daemon whose
# parent is gone and whose session and process group are not the runtime's. Its last
# argument is a marker the test finds it by from outside.
DAEMONIZE = '''
import os, sys, time
os.setsid()
if os.fork():
    os._exit(0)
while True:
    time.sleep(0.05)
'''

def handler(event, context):
    child = subprocess.Popen([sys.executable, "-c", DAEMONIZE, event["marker"]])
    child.wait()
    if event.get("hang"):
        time.sleep(60)
    return "started"
"""


def marked(marker: str) -> list[int]:
    """Host pids of processes whose command line holds ``marker``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    found.append(int(name))
            except OSError:
                continue
    return found


def state_of(pid: int) -> str:
    """The process's state letter, or '' once it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return ""
    return data[data.rindex(b")") + 2 :][:1].decode()


def wait_for(check, timeout_s: float = 5.0) -> bool:
    """Signals and freezing arrive asynchronously: wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def start_daemon(learner, name: str) -> tuple[str, int]:
    """Invoke ``name`` to start a daemon; its marker and host pid."""
    marker = f"daemon-{uuid.uuid4().hex}"
    learner.invoke(name, {"marker": marker})
    assert wait_for(lambda: len(marked(marker)) == 1), marker
    return marker, marked(marker)[0]


def test_a_daemon_in_its_own_session_dies_when_the_invocation_times_out(learner):
    name = learner.create_function(DAEMON, Timeout=1)
    marker = f"daemon-{uuid.uuid4().hex}"
    response = learner.invoke(name, {"marker": marker, "hang": True})
    assert response["payload"]["errorType"] == "Sandbox.Timedout"
    assert wait_for(lambda: not marked(marker)), "a process outlived its timed-out environment"


# A process frozen by the cgroup freezer shows as D (v1) or S with a frozen cgroup (v2);
# stopped by SIGSTOP, as T.
FROZEN = ("T", "D")


def test_a_daemon_is_frozen_with_its_environment_and_dies_when_it_retires(learner, sandbox):
    name = learner.create_function(DAEMON)
    marker, daemon = start_daemon(learner, name)
    # Frozen with its environment (the pool's sweep stops escapees where there is no freezer).
    sandbox.runtime.pool.stop_escapees()
    assert wait_for(lambda: state_of(daemon) in FROZEN), state_of(daemon)
    learner.invoke(name, {"marker": f"other-{uuid.uuid4().hex}"})  # thawed meanwhile
    assert state_of(daemon) not in ("", "Z")
    learner.update_code(name, DAEMON.replace("0.05", "0.06"))
    learner.invoke(name, {"marker": f"other-{uuid.uuid4().hex}"})  # the old one retires
    assert wait_for(lambda: not marked(marker)), "a process outlived its retired environment"
