"""Kernel limits for execution environments: memory, processes, CPU, freezing.

The sandbox makes one control group tree of its own, found and tested at start:
``lambda-lab-<pid>/<account>/<environment>``, on cgroup v1 (one folder per controller)
or v2 (one unified folder). Each level has a job:

* the sandbox: a host-wide cap on processes, so no number of fork bombs can exhaust the
  machine's process table;
* each learner account: an equal CPU weight and its own cap on processes, so one
  learner cannot starve another, however many environments they run;
* each environment: Lambda's memory (the kernel's out-of-memory killer ends it), 1,024
  processes and threads, CPU in proportion to memory (one vCPU at 1,769 MB), and a
  freezer that pauses every process between invocations.

Where the machine gives none (an ordinary user on cgroup v1, a container without a
writable /sys/fs/cgroup), ``CgroupTree.create`` returns None and the sandbox uses
rlimits instead; ``describe()`` says which.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu", "freezer")
V2_CONTROLLERS = ("memory", "pids", "cpu")
MB = 1024 * 1024
CPU_PERIOD_US = 100_000
MEMORY_PER_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB
ENVIRONMENT_PROCESS_LIMIT = 1024  # Lambda's quota of processes and threads
ACCOUNT_PROCESS_LIMIT = 2048
HOST_PROCESS_LIMIT = 8192
HOST_MEMORY_SHARE = 0.75  # of the machine's memory, for every environment together
TOP_NAME = re.compile(r"^lambda-lab-(\d+)-[0-9a-f]+$")  # lambda-lab-<sandbox pid>-<suffix>


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def _own_path(controller: str) -> str:
    """This process's cgroup path for a controller (v1) or the unified one ("")."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(",") or (controller == "" and names == ""):
                return path.lstrip("/")
    return ""


@dataclass
class Cgroup:
    """One group: a folder per controller (v1) or a single folder (v2)."""

    version: int
    folders: dict[str, Path]  # controller -> folder ("unified" on v2)
    # Files written or read on every invocation stay open: opening a cgroup file costs
    # more than the write itself, and freezing sits on the invoke path.
    _fds: dict[str, int] = field(default_factory=dict, repr=False)

    def _fd(self, controller: str, name: str, flags: int) -> int:
        fd = self._fds.get(name)
        if fd is None:
            fd = self._fds[name] = os.open(self._file(controller, name), flags)
        return fd

    def _file(self, controller: str, name: str) -> Path:
        folder = self.folders["unified"] if self.version == 2 else self.folders[controller]
        return folder / name

    def child(self, name: str) -> Cgroup:
        folders = {key: folder / name for key, folder in self.folders.items()}
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
        if self.version == 2:  # let the child's own children use the controllers too
            _write(folders["unified"] / "cgroup.subtree_control", "+memory +pids +cpu")
        return Cgroup(self.version, folders)

    def add(self, pid: int) -> None:
        for folder in self.folders.values():
            (folder / "cgroup.procs").write_text(str(pid))

    def set_process_limit(self, limit: int) -> None:
        _write(self._file("pids", "pids.max"), str(limit))

    def set_memory_limit(self, limit_bytes: int) -> None:
        name = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
        _write(self._file("memory", name), str(limit_bytes))
        if self.version == 1:  # no swap beyond the limit either
            _write(self._file("memory", "memory.memsw.limit_in_bytes"), str(limit_bytes))
        else:
            _write(self._file("memory", "memory.swap.max"), "0")

    def set_cpu(self, vcpus: float | None) -> None:
        """A share of CPU time (quota per period), or no cap with None."""
        quota = "-1" if vcpus is None else str(max(1000, int(CPU_PERIOD_US * vcpus)))
        if self.version == 2:
            value = "max" if vcpus is None else quota
            _write(self._file("cpu", "cpu.max"), f"{value} {CPU_PERIOD_US}")
        else:
            _write(self._file("cpu", "cpu.cfs_period_us"), str(CPU_PERIOD_US))
            _write(self._file("cpu", "cpu.cfs_quota_us"), quota)

    def set_cpu_weight(self, weight: int) -> None:
        """Relative share under contention (v1 shares 1024 = v2 weight 100)."""
        if self.version == 2:
            _write(self._file("cpu", "cpu.weight"), str(max(1, weight * 100 // 1024)))
        else:
            _write(self._file("cpu", "cpu.shares"), str(max(2, weight)))

    def anonymous_memory_bytes(self) -> int:
        """Memory the processes use themselves (not their /tmp files, which are cached)."""
        key = b"anon " if self.version == 2 else b"total_rss "
        with contextlib.suppress(OSError, ValueError):
            text = os.pread(self._fd("memory", "memory.stat", os.O_RDONLY), 1 << 16, 0)
            start = text.index(b"\n" + key) + 1 + len(key)
            return int(text[start : text.index(b"\n", start)])
        return 0

    def out_of_memory_kills(self) -> int:
        """How often the kernel's OOM killer ended a process of this group."""
        if self.version == 2:
            name, key = "memory.events", "oom_kill"
        else:
            name, key = "memory.oom_control", "oom_kill"
        with contextlib.suppress(OSError, ValueError):
            for line in self._file("memory", name).read_text().splitlines():
                field, _, value = line.partition(" ")
                if field == key:
                    return int(value)
        return 0

    def freeze(self, frozen: bool) -> None:
        """Freeze or thaw every process of the group. The kernel completes a freeze
        asynchronously; nothing here needs to wait for it (a thaw takes effect at once)."""
        if self.version == 2:
            name, value = "cgroup.freeze", b"1" if frozen else b"0"
        else:
            name, value = "freezer.state", b"FROZEN" if frozen else b"THAWED"
        with contextlib.suppress(OSError):
            os.write(self._fd("freezer" if self.version == 1 else "cpu", name, os.O_WRONLY), value)

    def pids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders.values():
            with contextlib.suppress(OSError, ValueError):
                found |= {int(pid) for pid in (folder / "cgroup.procs").read_text().split()}
        return sorted(found)

    def kill_all(self) -> None:
        """SIGKILL every process in the group (frozen ones die once thawed)."""
        if self.version == 2 and _write(self._file("cpu", "cgroup.kill"), "1"):
            return
        for _ in range(20):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
            self.freeze(False)
            time.sleep(0.002)

    def remove(self, wait: bool = True) -> bool:
        """Delete the group's folders, once no process is left in them (waiting up to a
        second for the last ones to be reaped, with ``wait``). True once they are gone."""
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()
        for _ in range(100 if wait else 1):
            left = [f for f in self.folders.values() if f.exists()]
            for folder in left:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            if not any(f.exists() for f in left):
                return True
            if wait:
                time.sleep(0.01)
        return False


class CgroupTree:
    """The sandbox's own groups: one per learner account, one per environment."""

    def __init__(self, top: Cgroup) -> None:
        self.top = top
        self.version = top.version
        self._accounts: dict[str, Cgroup] = {}

    @classmethod
    def create(cls, name: str) -> CgroupTree | None:
        """The sandbox's group, or None where the machine gives no writable cgroups."""
        top = _make_top(name)
        if top is None:
            return None
        for folder in top.folders.values():
            remove_leftovers(folder.parent)
        top.set_process_limit(HOST_PROCESS_LIMIT)
        # All learners' functions together may not take the machine's memory.
        total = machine_memory_bytes()
        if total:
            top.set_memory_limit(int(total * HOST_MEMORY_SHARE))
        return cls(top)

    def describe(self) -> str:
        return f"cgroup v{self.version} (memory, processes, CPU, freezer)"

    def account(self, account_id: str) -> Cgroup:
        group = self._accounts.get(account_id)
        if group is None:
            group = self._accounts[account_id] = self.top.child(f"account-{account_id}")
            group.set_process_limit(ACCOUNT_PROCESS_LIMIT)
            group.set_cpu_weight(1024)  # every learner the same share, whatever they run
        return group

    def environment(self, account_id: str, environment_id: str) -> Cgroup:
        """A new environment's group: Lambda's process quota from the start."""
        group = self.account(account_id).child(f"env-{environment_id}")
        group.set_process_limit(ENVIRONMENT_PROCESS_LIMIT)
        return group

    def limit(self, group: Cgroup, memory_mb: int, ephemeral_mb: int) -> None:
        """An environment's limits once its function is known: the function's memory
        (its /tmp files count too, as pages of a tmpfs) and CPU weight in proportion."""
        group.set_memory_limit((memory_mb + ephemeral_mb) * MB)
        group.set_cpu_weight(max(2, 1024 * memory_mb // MEMORY_PER_VCPU_MB))

    def remove(self) -> None:
        for group in self._accounts.values():
            group.remove()
        self.top.remove()


def machine_memory_bytes() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def remove_leftovers(parent: Path) -> None:
    """Groups of sandboxes that were killed before they could remove them (their pid is
    gone): empty once their environments died with them, so removable, deepest first."""
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = TOP_NAME.match(entry.name)
            if not match or Path(f"/proc/{match.group(1)}").exists():
                continue
            for folder in sorted(
                (p for p in entry.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
            ):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            with contextlib.suppress(OSError):
                entry.rmdir()


def _make_top(name: str) -> Cgroup | None:
    if (ROOT / "cgroup.controllers").exists():  # v2 only
        base = ROOT / _own_path("")
        try:
            controllers = (base / "cgroup.controllers").read_text().split()
            if not set(V2_CONTROLLERS) <= set(controllers):
                return None
            top = base / name
            top.mkdir(exist_ok=True)
            if not _write(top / "cgroup.subtree_control", "+memory +pids +cpu"):
                top.rmdir()
                return None
            return Cgroup(2, {"unified": top})
        except OSError:
            return None
    folders: dict[str, Path] = {}
    try:
        for controller in V1_CONTROLLERS:
            mount = ROOT / controller
            if not (mount / "cgroup.procs").exists():
                return None
            base = mount / _own_path(controller)
            if not base.is_dir():
                base = mount
            folder = base / name
            folder.mkdir(exist_ok=True)
            folders[controller] = folder
        # Children inherit the parent's memory hierarchy (needed for the OOM killer per group).
        _write(folders["memory"] / "memory.use_hierarchy", "1")
    except OSError:
        for folder in folders.values():
            with contextlib.suppress(OSError):
                folder.rmdir()
        return None
    return Cgroup(1, folders)
