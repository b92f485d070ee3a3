"""Attacks a learner's handler could try from inside its execution environment.

Each test runs one attack in an environment the sandbox made with Linux namespaces
(bubblewrap), asserts that it fails the way it fails on Lambda, and then checks that
another learner's function still answers: one learner cannot break the sandbox for the
others. The attacks' network code runs only inside an environment, where nothing but
loopback exists; the module is skipped where the sandbox has no such boundary.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from progress.store import SQLITE_FILE, data_dir
from tests.sandbox.attempts import ATTEMPT_ERRNO, ATTEMPT_NAMED
from tests.sandbox.conftest import Learner

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def _boundary(sandbox: Any) -> None:
    runtime = sandbox.runtime
    if runtime is None or not runtime.boundary.available:
        detail = runtime.boundary.detail if runtime is not None else "no Lambda runtime"
        pytest.skip(f"execution environments have no namespace boundary here: {detail}")


@pytest.fixture(scope="module")
def attacker(make_learner: Callable[[str], Learner]) -> Learner:
    return make_learner(f"attacker-{uuid.uuid4().hex[:6]}")


BYSTANDER = """
import os

def handler(event, context):
    return {"echo": event.get("nonce"), "pid": os.getpid()}
"""


class Bystander:
    """Another learner with a trivial function, asked after each attack whether it still
    answers (and answers quickly)."""

    def __init__(self, learner: Learner) -> None:
        self.learner = learner
        # A module name of its own: its runtime's command line names it.
        self.module = f"bystander_{uuid.uuid4().hex[:8]}"
        self.name = self.new_function()

    def new_function(self) -> str:
        return self.learner.create_function(
            {f"{self.module}.py": BYSTANDER}, handler=f"{self.module}.handler", Timeout=10
        )

    def answers(self, name: str | None = None, within_s: float = 5.0) -> dict[str, Any]:
        nonce = uuid.uuid4().hex
        started = time.monotonic()
        response = self.learner.invoke(name or self.name, {"nonce": nonce})
        elapsed = time.monotonic() - started
        assert "FunctionError" not in response, response["payload"]
        assert response["payload"]["echo"] == nonce
        assert elapsed < within_s, f"the bystander took {elapsed:.1f} s to answer"
        return response["payload"]


@pytest.fixture(scope="module")
def bystander(make_learner: Callable[[str], Learner]) -> Bystander:
    other = Bystander(make_learner(f"bystander-{uuid.uuid4().hex[:6]}"))
    other.answers(within_s=30)  # warm: its environment exists during every attack
    return other


def tail_of(response: dict[str, Any]) -> str:
    return base64.b64decode(response["LogResult"]).decode("utf-8", "replace")


# Reading the host's files ---------------------------------------------------------------

READER = ATTEMPT_NAMED + """

def handler(event, context):
    found = {}
    for path in event["files"]:
        found[path] = attempt(lambda: read(path))
    for path in event["folders"]:
        found[path] = attempt(lambda: os.listdir(path))
    return found
"""


def test_handler_cannot_read_the_repository_the_data_or_the_hosts_tmp(
    attacker, bystander, sandbox, tmp_path_factory
):
    secret = f"host-secret-{uuid.uuid4().hex}"
    host_tmp = Path("/tmp") / f"lambda-lab-probe-{uuid.uuid4().hex}.txt"
    host_tmp.write_text(secret)
    host_tmp.chmod(0o644)  # readable by anyone: only the boundary can hide it
    other_code = next(Path(sandbox.work_dir).rglob(f"{bystander.module}.py"), None)
    files = [
        str(ROOT / "pyproject.toml"),
        str(ROOT / "progress" / "store.py"),
        str(data_dir() / SQLITE_FILE),
        str(host_tmp),
    ]
    if other_code is not None:  # another learner's code, where the sandbox keeps it
        files.append(str(other_code))
    folders = [str(ROOT), str(data_dir()), str(sandbox.work_dir)]
    try:
        name = attacker.create_function(READER, Timeout=10)
        response = attacker.invoke(name, {"files": files, "folders": folders})
    finally:
        host_tmp.unlink()
    assert "FunctionError" not in response, response["payload"]
    found = response["payload"]
    assert set(found) == {*files, *folders}
    allowed = {
        path: how
        for path, how in found.items()
        if how not in ("FileNotFoundError", "PermissionError")
    }
    assert allowed == {}
    assert secret not in json.dumps(response["payload"])
    bystander.answers()


# Seeing other environments --------------------------------------------------------------

LOOKER = """
import os

def handler(event, context):
    processes = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as handle:
                    text = handle.read().replace(b"\\0", b" ").decode("utf-8", "replace")
            except OSError as error:
                text = type(error).__name__
            processes[name] = text
    return {"pid": os.getpid(), "processes": processes, "task": sorted(os.listdir("/var/task"))}
"""


def test_handler_sees_only_its_own_processes_and_code(attacker, bystander):
    bystander.answers()  # the other learner's environment is alive (and frozen)
    name = attacker.create_function(LOOKER)
    response = attacker.invoke(name)
    assert "FunctionError" not in response, response["payload"]
    seen = response["payload"]
    pids = {int(pid) for pid in seen["processes"]}
    assert 1 in pids and seen["pid"] in pids
    assert len(pids) < 10, seen["processes"]
    everything = " ".join(seen["processes"].values())
    assert bystander.module not in everything
    assert "pytest" not in everything
    assert seen["task"] == ["app.py"]
    bystander.answers()


# Leaving loopback -----------------------------------------------------------------------

# Inside the environment's network namespace only loopback exists: these documentation
# addresses (TEST-NET-1, 2001:db8::/32) have no route there. Run only inside the sandbox.
ESCAPER = ATTEMPT_ERRNO + '''
import _socket
import ctypes
import errno
import os
import socket
import struct
import subprocess
import sys

TARGET = ("192.0.2.1", 80)
CHILD = """
import errno, socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2).close()
    print("allowed")
except OSError as error:
    print(errno.errorcode.get(error.errno, type(error).__name__))
"""

def tcp():
    with socket.socket() as s:
        s.settimeout(2)
        s.connect(TARGET)

def low_level():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(TARGET)
    finally:
        s.close()

def udp_connect_send():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 53))
        s.send(b"x")

def udp_sendto():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("192.0.2.1", 53))

def ipv6():
    with socket.socket(socket.AF_INET6) as s:
        s.settimeout(2)
        s.connect(("2001:db8::1", 80))

def libc_connect():
    libc = ctypes.CDLL(None, use_errno=True)
    with socket.socket() as s:
        address = (struct.pack("=H", socket.AF_INET) + struct.pack(">H", 80)
                   + socket.inet_aton("192.0.2.1") + bytes(8))
        buffer = ctypes.create_string_buffer(address, len(address))
        if libc.connect(s.fileno(), buffer, len(address)) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

def subprocess_connect():
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    done = subprocess.run([python, "-I", "-c", CHILD], capture_output=True, text=True,
                          timeout=10, env={})
    return done.stdout.strip() or f"exit {done.returncode}: {done.stderr[-300:]}"

def handler(event, context):
    found = {name: attempt(action) for name, action in (
        ("socket", tcp), ("_socket", low_level), ("udp_connect_send", udp_connect_send),
        ("udp_sendto", udp_sendto), ("ipv6", ipv6), ("libc_connect", libc_connect))}
    found["subprocess"] = subprocess_connect()
    return found
'''


def test_handler_cannot_leave_loopback_through_any_api(attacker, bystander):
    name = attacker.create_function(ESCAPER, Timeout=20)
    response = attacker.invoke(name)
    assert "FunctionError" not in response, response["payload"]
    found = response["payload"]
    ipv6 = found.pop("ipv6")
    assert found == {
        "socket": "ENETUNREACH",
        "_socket": "ENETUNREACH",
        "udp_connect_send": "ENETUNREACH",
        "udp_sendto": "ENETUNREACH",
        "libc_connect": "ENETUNREACH",
        "subprocess": "ENETUNREACH",
    }
    assert ipv6 in ("ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"), ipv6
    bystander.answers()


# Filling storage ------------------------------------------------------------------------

FILLER = """
import errno, os

MB = 1024 * 1024

def fill(path, total):
    written = 0
    chunk = b"\\xff" * (16 * MB)
    try:
        with open(path, "wb", buffering=0) as handle:
            while written < total:
                written += handle.write(chunk)
    except OSError as error:
        return {"written": written, "error": errno.errorcode.get(error.errno, str(error))}
    return {"written": written, "error": None}

def handler(event, context):
    if event.get("fill"):
        found = fill(event["fill"], event["bytes"])
        stat = os.statvfs("/tmp")
        found["tmp_size"] = stat.f_blocks * stat.f_frsize
        return found
    os.remove("/tmp/big")
    with open("/tmp/small.txt", "w") as handle:
        handle.write("still fine")
    with open("/tmp/small.txt") as handle:
        return {"small": handle.read()}
"""


def test_filling_tmp_stops_at_the_ephemeral_storage_size(attacker, bystander):
    name = attacker.create_function(FILLER, Timeout=30, EphemeralStorage={"Size": 512})
    full = attacker.invoke(name, {"fill": "/tmp/big", "bytes": 600 * MB})
    assert "FunctionError" not in full, full["payload"]
    assert full["payload"]["error"] == "ENOSPC"
    assert full["payload"]["written"] < 520 * MB
    assert full["payload"]["tmp_size"] == 512 * MB
    after = attacker.invoke(name, {})
    assert "FunctionError" not in after, after["payload"]
    assert after["payload"] == {"small": "still fine"}
    bystander.answers()


def test_dev_shm_is_not_writable(attacker, bystander):
    name = attacker.create_function(FILLER, Timeout=30)
    response = attacker.invoke(name, {"fill": "/dev/shm/x", "bytes": 200 * MB})
    assert "FunctionError" not in response, response["payload"]
    found = response["payload"]
    assert found["error"] in ("EACCES", "EPERM", "ENOENT", "EROFS", "ENOSPC"), found
    assert found["written"] < 200 * MB
    bystander.answers()


# Processes ------------------------------------------------------------------------------

# Bounded even if no limit held: the parent stops after 2 s, every child exits after 30 s.
FORK_BOMB = """
import errno, os, time

def handler(event, context):
    started = time.monotonic()
    forked = failed = 0
    error_name = None
    while time.monotonic() - started < 2.0:
        try:
            pid = os.fork()
        except OSError as error:
            failed += 1
            error_name = errno.errorcode.get(error.errno, type(error).__name__)
            time.sleep(0.001)
            continue
        if pid == 0:
            try:
                time.sleep(30)
            finally:
                os._exit(0)
        forked += 1
    return {"forked": forked, "failed": failed, "error": error_name}
"""


def test_a_fork_bomb_is_capped_and_others_keep_answering(attacker, bystander, sandbox):
    name = attacker.create_function(FORK_BOMB, Timeout=5, MemorySize=1769)
    outcome: dict[str, Any] = {}

    def bomb() -> None:
        outcome["response"] = attacker.new_client(
            "lambda", retries={"total_max_attempts": 1}, read_timeout=60
        ).invoke(FunctionName=name, InvocationType="RequestResponse", Payload=b"{}")

    thread = threading.Thread(target=bomb)
    thread.start()
    try:
        time.sleep(0.5)  # the bomb is going off
        while thread.is_alive():
            bystander.answers()
            time.sleep(0.2)
        thread.join()
        response = outcome["response"]
        payload = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, payload
        assert 0 < payload["forked"] <= 1100, payload
        bystander.answers()
        # The host's process table has room: another learner's cold start works.
        bystander.answers(bystander.new_function(), within_s=15)
    finally:
        thread.join()
        attacker.client("lambda").delete_function(FunctionName=name)
        sandbox.runtime.retire(attacker.account_id, name)


DAEMON_STARTER = '''
import os, subprocess, sys, time

# A classic daemon: a new session, then a fork whose parent exits at once. It writes a
# heartbeat every 100 ms, for two minutes at most.
DAEMON = """
import os, sys, time
if os.fork():
    os._exit(0)
end = time.monotonic() + 120
beats = 0
while time.monotonic() < end:
    beats += 1
    with open("/tmp/heartbeat", "w") as handle:
        handle.write(str(beats))
    time.sleep(0.1)
"""

def handler(event, context):
    if event.get("marker"):
        subprocess.Popen([sys.executable, "-c", DAEMON, event["marker"]],
                         start_new_session=True).wait()
        deadline = time.monotonic() + 3
        while not os.path.exists("/tmp/heartbeat") and time.monotonic() < deadline:
            time.sleep(0.05)
    return {"heartbeat": os.path.exists("/tmp/heartbeat")}
'''


def processes_with(marker: str) -> list[int]:
    """Host side: processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_a_daemon_does_not_outlive_its_environment(attacker, bystander):
    marker = f"MARKER-{uuid.uuid4()}"
    name = attacker.create_function(DAEMON_STARTER, Timeout=10)
    started = attacker.invoke(name, {"marker": marker})
    assert "FunctionError" not in started, started["payload"]
    assert started["payload"] == {"heartbeat": True}
    assert processes_with(marker), "the daemon never ran"
    attacker.update_code(name, DAEMON_STARTER.replace("120", "121"))
    fresh = attacker.invoke(name, {})  # a new environment: the old one retires
    assert fresh["payload"] == {"heartbeat": False}
    deadline = time.monotonic() + 10
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == [], "the daemon outlived its retired environment"
    bystander.answers()


# Limits of one invocation ---------------------------------------------------------------

GREEDY = """
MB = 1024 * 1024
HOARD = []

def handler(event, context):
    for _ in range(event.get("chunks", 0)):
        HOARD.append(bytearray(10 * MB))
    return "ok"
"""


def test_using_more_memory_than_configured_ends_with_out_of_memory(attacker, bystander):
    name = attacker.create_function(GREEDY, MemorySize=128, Timeout=30)
    response = attacker.invoke(name, {"chunks": 40}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert response["payload"]["errorType"] == "Runtime.OutOfMemory", response["payload"]
    assert "Runtime exited with error: signal: killed" in response["payload"]["errorMessage"]
    assert "Error Type: Runtime.OutOfMemory" in tail_of(response)
    again = attacker.invoke(name, {"chunks": 1})
    assert "FunctionError" not in again, again["payload"]
    assert again["payload"] == "ok"
    bystander.answers()


def test_an_endless_loop_times_out(attacker, bystander):
    name = attacker.create_function(
        "def handler(event, context):\n    while not event.get('stop'):\n        pass\n"
        "    return 'stopped'\n",
        Timeout=1,
    )
    started = time.monotonic()
    response = attacker.invoke(name, {})
    assert time.monotonic() - started < 10
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in response["payload"]["errorMessage"]
    assert attacker.invoke(name, {"stop": True})["payload"] == "stopped"
    bystander.answers()
