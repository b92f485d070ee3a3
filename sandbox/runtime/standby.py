"""Environments on standby: started in their namespaces, waiting for a function.

Starting an environment is bwrap making namespaces and mounts, the interpreter starting
and the runtime's modules loading: most of a cold start, and none of it depends on the
function. ``start_standby`` does all of it and leaves ``prestart.py`` waiting on a pipe
for the function's settings; ``Standby.hand_over`` sends them, and AWS's runtime client
takes over. ``StandbyPool`` keeps a few ready so that a cold start costs the learner's
own import and little more, as Lambda's pre-provisioned sandboxes do.

A standby environment's /var/task and /opt are folders of its own ("slots") that are
empty until its function is known, when the function's code is copied in; /tmp is the
default 512 MB. Functions with more ephemeral storage, another interpreter or a large
package get an environment started for them instead (the same code, started at once).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.runtime import boundary, interpreters
from sandbox.runtime.cgroups import Cgroup, CgroupTree
from sandbox.runtime.code_store import make_read_only
from sandbox.runtime.isolation import WorkerIdentity
from sandbox.runtime.relay import Relay
from sandbox.runtime.runtime_api import RuntimeApi

PRESTART = Path(__file__).with_name("prestart.py")
PRESTART_INSIDE = "/var/runtime/_lambda_lab_prestart.py"
DEFAULT_EPHEMERAL_MB = 512
SLOT_COPY_LIMIT_BYTES = 16 * 1024 * 1024  # larger packages are mounted, not copied
MB = 1024 * 1024
LISTENER_TIMEOUT_S = 20.0  # the interpreter's start, on a busy machine

# bwrap --die-with-parent kills the environment when the *thread* that started it ends
# (the kernel's parent-death signal follows threads), so every environment is started
# from this one long-lived thread: environments then die with the sandbox, not with the
# request that happened to start them.
_spawner = ThreadPoolExecutor(1, thread_name_prefix="environment-spawner")


def spawn(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return _spawner.submit(subprocess.Popen, command, **kwargs).result()


@dataclass
class Doors:
    """What the sandbox shares with the environments it starts."""

    boundary: boundary.BoundaryInfo
    etc: Path  # passwd, group, hosts for inside
    work_dir: Path
    response_limit_bytes: int
    cgroups: CgroupTree | None = None
    relay: Relay | None = None
    relay_ports: tuple[int, ...] = ()


@dataclass
class Standby:
    """An environment's processes and doors, before (or since) it has a function."""

    id: str
    process: subprocess.Popen[bytes]
    inner_pid: int  # PID 1 of its PID namespace, as seen from the sandbox
    api: RuntimeApi
    log_r: int
    telemetry_r: int
    telemetry_fd: int  # the runtime's fd number for framed log records (inside)
    config_w: int
    identity: WorkerIdentity
    interpreter: interpreters.Interpreter
    ephemeral_mb: int
    cgroup: Cgroup | None = None
    slot: Path | None = None  # host folder holding task/ and opt/, when it has slots
    relays: list[object] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def fill_slots(self, task_root: Path, layers_root: Path | None) -> None:
        """Copy the function's code (and layers) into the folders mounted at /var/task
        and /opt."""
        assert self.slot is not None
        for source, target in ((task_root, self.slot / "task"), (layers_root, self.slot / "opt")):
            if source is None:
                continue
            os.chmod(target, 0o755)
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
            make_read_only(target)

    def hand_over(self, environment: dict[str, str], handler: str) -> None:
        """Give the waiting runtime its function: the runtime client starts importing it."""
        document = json.dumps({"environment": environment, "handler": handler}).encode()
        try:
            view = memoryview(document)
            while view:
                view = view[os.write(self.config_w, view) :]
        finally:
            os.close(self.config_w)
            self.config_w = -1

    def close_doors(self, relay: Relay | None) -> None:
        self.api.close()
        if relay is not None:
            for handle in self.relays:
                relay.stop(handle)
        for fd in (self.log_r, self.telemetry_r, self.config_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.log_r = self.telemetry_r = self.config_w = -1
        if self.slot is not None:
            _remove_slot(self.slot)


def start_standby(
    doors: Doors,
    identity: WorkerIdentity,
    interpreter: interpreters.Interpreter,
    ephemeral_mb: int = DEFAULT_EPHEMERAL_MB,
    task_root: Path | None = None,
    layers_root: Path | None = None,
    account_id: str = "",
) -> Standby:
    """Start an environment waiting for a function. Without ``task_root`` it gets empty
    slots for the code (filled by ``fill_slots``); with it, that folder is mounted."""
    environment_id = uuid.uuid4().hex
    slot = None
    if task_root is None:
        slot = doors.work_dir / "slots" / environment_id
        for name in ("task", "opt"):
            (slot / name).mkdir(parents=True)
        os.chmod(slot.parent, 0o711)
        task_root, layers_root = slot / "task", slot / "opt"
    info_r, info_w = os.pipe()
    block_r, block_w = os.pipe()
    log_r, log_w = os.pipe()
    telemetry_r, telemetry_w = os.pipe()
    config_r, config_w = os.pipe()
    doors_here, doors_inside = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ports = [boundary.RUNTIME_API_PORT, *doors.relay_ports]
    for fd in (log_r, telemetry_r):
        os.set_blocking(fd, False)
    drop_to = None
    if identity.isolated:
        drop_to = (int(identity.uid), int(identity.gid))  # type: ignore[arg-type]
    command = boundary.command(
        doors.boundary.bwrap or "bwrap",
        interpreter,
        task_root,
        layers_root,
        doors.etc,
        ephemeral_mb * MB,
        info_w,
        block_r,
        [
            interpreter.path_in_environment, "-S", PRESTART_INSIDE,
            str(config_r), str(doors_inside.fileno()), ",".join(map(str, ports)),
        ],
        drop_to,
        extra_files=((PRESTART, PRESTART_INSIDE),),
    )
    # bwrap reads its options from a pipe: its command line (which /proc/1/cmdline shows
    # inside) then holds no host path, only the command after "--". They fit in the pipe's
    # buffer, written beforehand.
    split = command.index("--")
    args_r, args_w = os.pipe()
    os.write(args_w, b"".join(arg.encode() + b"\0" for arg in command[1:split]))
    os.close(args_w)
    try:
        process = spawn(
            [command[0], "--args", str(args_r), *command[split:]],
            env=standby_variables(interpreter, str(telemetry_w)),
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=log_w,
            stderr=log_w,
            pass_fds=(info_w, block_r, telemetry_w, config_r, args_r, doors_inside.fileno()),
            start_new_session=True,
            umask=0o077,
        )
    finally:
        for fd in (info_w, block_r, log_w, telemetry_w, config_r, args_r):
            os.close(fd)
        doors_inside.close()
    try:
        inner_pid = _read_child_pid(info_r, process)
        cgroup = None
        if doors.cgroups is not None:  # its learner's, from the start (see StandbyPool)
            cgroup = doors.cgroups.environment(account_id, environment_id)
            cgroup.add(process.pid)
            cgroup.add(inner_pid)
        os.write(block_w, b"go")  # bwrap may now start the interpreter
        listeners = receive_listeners(doors_here, len(ports), process)
        standby = Standby(
            environment_id, process, inner_pid,
            RuntimeApi(listeners[0], doors.response_limit_bytes),
            log_r, telemetry_r, telemetry_w, config_w, identity, interpreter, ephemeral_mb,
            cgroup, slot,
        )
        if doors.relay is not None:
            for listener, port in zip(listeners[1:], doors.relay_ports, strict=True):
                standby.relays.append(doors.relay.serve(listener, port))
        return standby
    except BaseException as error:
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()
        for fd in (telemetry_r, config_w):
            os.close(fd)
        try:  # what bwrap said, for the error message
            said = os.read(log_r, 4096).decode("utf-8", "replace").strip()
        except OSError:
            said = ""
        finally:
            os.close(log_r)
        if said and isinstance(error, RuntimeError):
            raise RuntimeError(f"{error}: {said}") from None
        raise
    finally:
        for fd in (info_r, block_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        doors_here.close()


def receive_listeners(
    channel: socket.socket, count: int, process: subprocess.Popen[bytes]
) -> list[socket.socket]:
    """The listening sockets ``prestart.py`` made on the environment's loopback and sent
    over ``channel`` (SCM_RIGHTS). A socket keeps the network namespace it was made in,
    so the sandbox accepts connections from inside with nothing routable outside, and
    needs no privilege to do so (root or not)."""
    channel.settimeout(LISTENER_TIMEOUT_S)
    try:
        _, fds, _, _ = socket.recv_fds(channel, 64, count)
    except (OSError, TimeoutError) as error:
        raise RuntimeError(f"the environment opened no Runtime API ({error})") from None
    if len(fds) != count:
        for fd in fds:
            os.close(fd)
        raise RuntimeError(
            f"the environment opened {len(fds)} of its {count} doors "
            f"(exit status {process.poll()})"
        )
    return [socket.socket(fileno=fd) for fd in fds]


def standby_variables(interpreter: interpreters.Interpreter, telemetry_fd: str) -> dict[str, str]:
    """What the interpreter needs to start (read before any function is known); the
    function's whole environment replaces it at hand-over."""
    return {
        **interpreters.interpreter_variables(interpreter.minor),
        "_LAMBDA_TELEMETRY_LOG_FD": telemetry_fd,
    }


class StandbyPool:
    """Standby environments of the sandbox's own interpreter, kept ready per learner.

    Per learner, because an environment is started inside its learner's cgroup (moving
    processes between cgroups later costs milliseconds of kernel synchronisation) and
    under a uid of that learner's group. The learners who invoked most recently each get
    ``size`` ready ones, up to ``learners`` learners; a learner's first cold start starts
    its environment directly.
    """

    def __init__(self, doors: Doors, new_identity: Any, size: int, learners: int = 16) -> None:
        self.doors = doors
        self.new_identity = new_identity  # (account_id) -> WorkerIdentity
        self.size = size
        self.learners = learners
        self.interpreter = interpreters.own_interpreter()
        self._ready: dict[str, list[Standby]] = {}  # most recent learner last
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="standby-pool", daemon=True)
        if size > 0:
            self._thread.start()

    def take(
        self, account_id: str, interpreter: interpreters.Interpreter, ephemeral_mb: int
    ) -> Standby | None:
        """A ready environment for this learner, if there is one; either way the learner
        now counts as active, so one is prepared for their next cold start."""
        if self.size <= 0:
            return None
        fits = interpreter == self.interpreter and ephemeral_mb == DEFAULT_EPHEMERAL_MB
        found = None
        evicted: list[Standby] = []
        with self._lock:
            ready = self._ready.pop(account_id, [])
            self._ready[account_id] = ready  # most recent last
            while len(self._ready) > self.learners:
                oldest = next(iter(self._ready))
                evicted += self._ready.pop(oldest)
            while fits and ready and found is None:
                candidate = ready.pop()
                if candidate.alive:
                    found = candidate
                else:
                    evicted.append(candidate)
        for standby in evicted:
            self._discard(standby)
        self._wanted.set()
        return found

    def give_back(self, account_id: str, standby: Standby) -> None:
        """A standby taken but not used (the package was too large to copy)."""
        with self._lock:
            if account_id in self._ready:
                self._ready[account_id].append(standby)
                return
        self._discard(standby)

    def _next_wanted(self) -> str | None:
        with self._lock:
            for account_id in reversed(self._ready):  # the most recent learner first
                if len(self._ready[account_id]) < self.size:
                    return account_id
        return None

    def _fill(self) -> None:
        while not self._stop.is_set():
            self._wanted.wait()
            self._wanted.clear()
            while not self._stop.is_set() and (account_id := self._next_wanted()):
                try:
                    standby = start_standby(
                        self.doors, self.new_identity(account_id), self.interpreter,
                        account_id=account_id,
                    )
                except (OSError, RuntimeError, subprocess.SubprocessError):
                    time.sleep(1)  # the machine is busy or refuses: try again later
                    continue
                with self._lock:
                    keep = not self._stop.is_set() and account_id in self._ready
                    if keep:
                        self._ready[account_id].append(standby)
                if not keep:
                    self._discard(standby)

    def _discard(self, standby: Standby) -> None:
        kill_standby(standby)
        standby.close_doors(self.doors.relay)
        if standby.cgroup is not None:
            standby.cgroup.remove()

    def forget(self, account_id: str) -> None:
        """A learner's sandbox was reset: their standby environments go too."""
        with self._lock:
            gone = self._ready.pop(account_id, [])
        for standby in gone:
            self._discard(standby)

    def close(self) -> None:
        self._stop.set()
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        with self._lock:
            everything = [standby for ready in self._ready.values() for standby in ready]
            self._ready.clear()
        for standby in everything:
            self._discard(standby)


def kill_standby(standby: Standby) -> None:
    with contextlib.suppress(OSError):
        os.kill(standby.inner_pid, 9)  # PID 1 of its namespace: the kernel kills the rest
    with contextlib.suppress(OSError):
        standby.process.kill()
    standby.process.wait()


def _read_child_pid(info_r: int, process: subprocess.Popen[bytes]) -> int:
    """bwrap's --info-fd: JSON with the namespace's PID 1 as seen from here."""
    data = b""
    deadline = time.monotonic() + 10
    poller = select.poll()  # not select(): a busy sandbox holds fds numbered past 1,024
    poller.register(info_r, select.POLLIN)
    while time.monotonic() < deadline:
        if poller.poll(500):
            chunk = os.read(info_r, 4096)
            data += chunk
            if not chunk:
                break
        elif process.poll() is not None:
            break
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError):
        raise RuntimeError(f"bwrap did not start (exit status {process.poll()})") from None


def _remove_slot(slot: Path) -> None:
    for directory, folders, _ in os.walk(slot):
        for name in folders:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(directory, name), 0o755)
    shutil.rmtree(slot, ignore_errors=True)
