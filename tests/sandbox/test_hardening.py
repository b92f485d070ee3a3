"""Learner code is untrusted: it sees nothing of the host's secrets, cannot touch another
learner's environment, and cannot outlive its own by leaving its session."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

from tests.sandbox.conftest import TRUST_POLICY, zip_files

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
        banner = ""
        while "Ctrl+C" not in banner:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, banner
            banner += line
        exported = dict(re.findall(r"export (AWS_\w+)=(\S+)", banner))
        endpoint = exported["AWS_ENDPOINT_URL"]
        session = boto3.Session(
            aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        iam = session.client("iam", endpoint_url=endpoint)
        role = iam.create_role(RoleName="snoop", AssumeRolePolicyDocument=TRUST_POLICY)
        lam = session.client("lambda", endpoint_url=endpoint)
        lam.create_function(
            FunctionName="snoop",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": zip_files({"app.py": SNOOP})},
            Timeout=30,
        )
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


SPY = """
import os, signal

def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as error:
        return type(error).__name__

def read(path):
    with open(path, "rb") as handle:
        handle.read()

def handler(event, context):
    pid = event["pid"]
    return {
        "signal": attempt(lambda: os.kill(pid, 0)),
        "kill": attempt(lambda: os.kill(pid, signal.SIGKILL)),
        "environ": attempt(lambda: read(f"/proc/{pid}/environ")),
        "memory": attempt(lambda: read(f"/proc/{pid}/mem")),
        "tmp_file": attempt(lambda: read(event["tmp_file"])),
        "host_tmp_file": attempt(lambda: read(event["host_tmp_file"])),
        "code": attempt(lambda: read(event["code"])),
        "own_tmp": attempt(lambda: open(os.path.join(os.environ["TMPDIR"], "x"), "w").close()),
        "shadow": attempt(lambda: read("/etc/shadow")),
        "root_home": attempt(lambda: os.listdir("/root")),
        "uid": os.getuid(),
    }
"""
VICTIM = """
import os, uuid

def handler(event, context):
    tmp_file = os.path.join(os.environ["TMPDIR"], "secret.txt")
    host_tmp_file = f"/tmp/victim-{uuid.uuid4().hex}.txt"
    for path in (tmp_file, host_tmp_file):
        with open(path, "w") as handle:
            handle.write("victim's data")
    return {
        "pid": os.getpid(),
        "uid": os.getuid(),
        "tmp_file": tmp_file,
        "host_tmp_file": host_tmp_file,
        "code": os.path.join(os.environ["LAMBDA_TASK_ROOT"], "app.py"),
        "tmp_mode": oct(os.stat(os.environ["TMPDIR"]).st_mode & 0o777),
    }
"""


@needs_root
def test_one_learners_handler_cannot_signal_or_read_anothers_environment(make_learner):
    alice = make_learner(f"alice-{uuid.uuid4().hex[:6]}")
    bob = make_learner(f"bob-{uuid.uuid4().hex[:6]}")
    victim = bob.create_function(VICTIM)
    bobs = bob.invoke(victim)["payload"]
    assert bobs["tmp_mode"] == "0o700"
    spy = alice.create_function(SPY)
    seen = alice.invoke(spy, bobs)["payload"]

    assert seen["uid"] != bobs["uid"] and 0 not in (seen["uid"], bobs["uid"])
    assert seen["signal"] == seen["kill"] == "PermissionError"
    assert seen["environ"] == seen["memory"] == "PermissionError"
    assert seen["tmp_file"] == seen["host_tmp_file"] == seen["code"] == "PermissionError"
    assert seen["shadow"] == seen["root_home"] == "PermissionError"
    assert seen["own_tmp"] == "allowed"
    # Bob's environment is untouched: still warm, same process.
    assert bob.invoke(victim)["payload"]["pid"] == bobs["pid"]
    os.unlink(bobs["host_tmp_file"])


@needs_root
def test_two_functions_of_one_learner_run_under_different_uids(learner):
    first = learner.create_function(VICTIM)
    second = learner.create_function(SPY)
    firsts = learner.invoke(first)["payload"]
    seen = learner.invoke(second, firsts)["payload"]
    assert seen["uid"] != firsts["uid"]
    assert seen["kill"] == "PermissionError" and seen["tmp_file"] == "PermissionError"
    assert seen["code"] == "allowed"  # the learner's own code: readable, not writable
    os.unlink(firsts["host_tmp_file"])


DAEMON = """
import subprocess, sys, time

# The intermediate process starts a new session, forks and exits: a classic daemon whose
# parent is gone and whose session and process group are not the worker's.
DAEMONIZE = '''
import os, sys, time
os.setsid()
if os.fork():
    os._exit(0)
print(os.getpid(), flush=True)
while True:
    time.sleep(0.05)
'''

def handler(event, context):
    child = subprocess.Popen([sys.executable, "-c", DAEMONIZE], stdout=subprocess.PIPE)
    daemon = int(child.stdout.readline())
    child.wait()
    print(f"DAEMON {daemon}")
    if event.get("hang"):
        time.sleep(60)
    return daemon
"""


def state_of(pid: int) -> str:
    """The process's state letter, or '' once it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return ""
    return data[data.rindex(b")") + 2 :][:1].decode()


def wait_state(pid: int, states: tuple[str, ...], timeout_s: float = 5.0) -> bool:
    """Signals arrive asynchronously: wait until the process is in one of ``states``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if state_of(pid) in states:
            return True
        time.sleep(0.02)
    return False


def wait_dead(pid: int) -> bool:
    return wait_state(pid, ("", "Z", "X"))


def test_a_daemon_in_its_own_session_dies_when_the_invocation_times_out(learner):
    name = learner.create_function(DAEMON, Timeout=1)
    response = learner.invoke(name, {"hang": True})
    assert response["payload"]["errorType"] == "Sandbox.Timedout"
    line = next(m for m in learner.log_messages(name) if m.startswith("DAEMON "))
    daemon = int(line.split()[1])
    assert wait_dead(daemon), f"process {daemon} outlived its timed-out environment"


def test_a_daemon_is_frozen_with_its_environment_and_dies_when_it_retires(learner, sandbox):
    name = learner.create_function(DAEMON)
    daemon = learner.invoke(name)["payload"]
    assert state_of(daemon) not in ("", "Z", "T")
    # The environment is frozen; the pool's sweep (every few seconds) stops what escaped.
    sandbox.runtime.pool.stop_escapees()
    assert wait_state(daemon, ("T",))
    learner.invoke(name)  # thawed for the next invocation (which starts another daemon)
    assert state_of(daemon) not in ("", "Z", "T")
    learner.update_code(name, DAEMON.replace("60", "61"))
    learner.invoke(name)  # the old environment retires, and everything it started
    assert wait_dead(daemon), f"process {daemon} outlived its retired environment"
