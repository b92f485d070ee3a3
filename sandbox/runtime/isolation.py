"""Who learner code runs as, and the process bookkeeping around it.

The boundary itself is the kernel's (``boundary``: namespaces; ``cgroups``: limits).
This module keeps what goes with it: as root, a random unprivileged uid per execution
environment, never handed out twice in a process, with one gid per learner account
(``LearnerIds``); the sandbox process made non-dumpable, so code under its own uid
(single-learner mode) cannot read its ``/proc/<pid>/environ`` or memory; and, for
single-learner mode, where no PID namespace holds an environment's processes, the
process table, trees, and the reaping of orphans re-parented to the sandbox.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import random
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
# Environment uids and learner gids come from this range: far above any real account
# (and above the 65536 ids rootless containers map), below 2**31 for old tools.
ID_RANGE = (1 << 24, 1 << 31)


class IsolationError(RuntimeError):
    """Learner code cannot be isolated here, and isolation was required."""


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        return False


def make_undumpable() -> bool:
    """No process of the same uid may read this one's /proc files (environ, mem) or ptrace it."""
    return _prctl(PR_SET_DUMPABLE, 0)


def become_subreaper() -> bool:
    """Orphans of learner processes come to this process (which reaps them), not to init:
    the same whether or not the sandbox is PID 1 or init reaps (some container inits do not)."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def raise_open_file_limit() -> int:
    """Lift this process's soft limit of open files to its hard limit; returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# Identities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerIdentity:
    """Who a worker runs as: uid and gid when the sandbox isolates, None otherwise."""

    uid: int | None = None
    gid: int | None = None

    @property
    def isolated(self) -> bool:
        return self.uid is not None


SHARED = WorkerIdentity()


class LearnerIds:
    """Random, never reused environment uids and one stable gid per learner account."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._given: set[int] = set()
        self._gids: dict[str, int] = {}

    def _draw(self) -> int:
        while True:
            candidate = self._random.randrange(*ID_RANGE)
            if candidate not in self._given:
                self._given.add(candidate)
                return candidate

    def group_of(self, account_id: str) -> int:
        with self._lock:
            gid = self._gids.get(account_id)
            if gid is None:
                gid = self._gids[account_id] = self._draw()
            return gid

    def new_environment(self, account_id: str) -> WorkerIdentity:
        gid = self.group_of(account_id)
        with self._lock:
            return WorkerIdentity(self._draw(), gid)



# Folders -----------------------------------------------------------------------------


def prepare_work_dir(work_dir: Path) -> None:
    """Root's 0700 temporary folder becomes traversable, not listable (0711)."""
    os.chmod(work_dir, 0o711)


# Processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    state: str
    uid: int


def process_table() -> dict[int, ProcessInfo]:
    """Every process on the machine, from /proc/<pid>/status (readable for any process,
    with the real uid even when the process made itself non-dumpable)."""
    table: dict[int, ProcessInfo] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields: dict[bytes, bytes] = {}
        try:
            with open(f"/proc/{name}/status", "rb") as status:
                for line in status:
                    key, _, value = line.partition(b":")
                    if key in (b"State", b"PPid", b"Uid"):
                        fields[key] = value.strip()
                        if len(fields) == 3:
                            break
            table[int(name)] = ProcessInfo(
                int(name),
                int(fields[b"PPid"]),
                fields[b"State"][:1].decode(),
                int(fields[b"Uid"].split()[0]),
            )
        except (OSError, ValueError, KeyError):
            continue
    return table


def descendants(table: dict[int, ProcessInfo], pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for info in table.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


# Workers are reaped by their Popen objects; nothing else may wait for them.
_workers: set[int] = set()
_workers_lock = threading.Lock()


def register_worker(pid: int) -> None:
    with _workers_lock:
        _workers.add(pid)


def unregister_worker(pid: int) -> None:
    with _workers_lock:
        _workers.discard(pid)


def reap(match: Callable[[ProcessInfo], bool], timeout_s: float = 0.0) -> None:
    """Reap this process's zombie children that ``match`` (learner processes re-parented
    to the sandbox), waiting up to ``timeout_s`` for matching processes still dying."""
    me = os.getpid()
    deadline = time.monotonic() + timeout_s
    while True:
        dying = False
        with _workers_lock:
            workers = set(_workers)
        for info in process_table().values():
            if info.pid in workers or not match(info):
                continue
            if info.state == "Z":
                if info.ppid == me:
                    with contextlib.suppress(OSError):
                        os.waitpid(info.pid, os.WNOHANG)
            else:
                dying = True
        if not dying or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


def signal_each(pids: set[int] | list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)


def kill_tree(pid: int) -> set[int]:
    """Stop, then kill, a process and every descendant (for the shared-uid case).

    Stopped first, until no new process appears, so nothing forks while it is killed.
    Returns the processes killed.
    """
    stopped: set[int] = set()
    for _ in range(20):
        found = ({pid} | descendants(process_table(), pid)) - stopped
        if not found:
            break
        signal_each(found, signal.SIGSTOP)
        stopped |= found
    signal_each(stopped - {pid}, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    return stopped
