"""One execution environment seen from the sandbox: a worker process and its pipes.

The sandbox starts the worker with a clean environment (under the environment's own
uid when it isolates learners, see ``isolation``), waits for it to import the handler
(the init phase), then sends it one invocation at a time. While it waits it reads the
worker's output as log lines and watches the deadline and the worker's memory; past
either it kills every process of the environment, so nothing the handler started
survives, not even a process in a session of its own.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.runtime import isolation, wire
from sandbox.runtime.isolation import WorkerIdentity
from sandbox.runtime.spec import FunctionSpec, LogStream, RuntimeSettings

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
MEMORY_CHECK_INTERVAL_S = 0.02
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MAX_EVENT_BYTES = 256 * 1024  # CloudWatch Logs' largest event


@dataclass
class Outcome:
    """How one phase (init or an invocation) ended, before Lambda's wording is applied."""

    kind: str  # ready | result | error | init_error | timeout | out_of_memory | exited
    duration_ms: float
    max_rss_kb: int = 0
    payload: str | None = None
    error: dict[str, Any] | None = None
    returncode: int | None = None

    @property
    def environment_survives(self) -> bool:
        return self.kind in ("ready", "result", "error")


def log_stream_name(version: str) -> str:
    """Lambda's name for an environment's stream: 2025/01/31/[$LATEST]<32 hex digits>."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{uuid.uuid4().hex}"


def lambda_variables(
    spec: FunctionSpec,
    settings: RuntimeSettings,
    task_root: str,
    tmp_dir: str,
    stream_name: str,
    credentials: dict[str, str],
    initialization_type: str,
    python: str | None = None,
) -> dict[str, str]:
    """The worker's whole environment: nothing is inherited from the sandbox's own."""
    python_bin = os.path.dirname(python or settings.python_executable or sys.executable)
    env = dict(spec.environment)  # the function's own variables; Lambda's reserved ones win
    env.update(
        {
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream_name,
            "AWS_ACCESS_KEY_ID": credentials["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": credentials["AWS_SECRET_ACCESS_KEY"],
            "AWS_SESSION_TOKEN": credentials.get("AWS_SESSION_TOKEN", ""),
            # The handler's boto3 calls land in the same sandbox, in the same account.
            "AWS_ENDPOINT_URL": settings.endpoint_url,
            # No shared config or credentials file of the host's is read.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(WORKER_SCRIPT),
            "TMPDIR": tmp_dir,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "PYTHONUNBUFFERED": "1",
            # glibc reserves 64 MB of address space per malloc arena (one per thread, up to
            # 8 per core); two keep the memory limit for what the handler really uses.
            "MALLOC_ARENA_MAX": "2",
        }
    )
    return env


class _OutputCollector:
    """Turns the worker's output into log events, bounded per invocation."""

    def __init__(self, stream: LogStream, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self._partial = b""
        self._last_ms = 0
        self.lines: list[str] = []  # this invocation's lines, for LogType=Tail
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def start_invocation(self) -> None:
        self.lines = []
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def _timestamp(self) -> int:
        now = max(int(time.time() * 1000), self._last_ms)  # events stay in order
        self._last_ms = now
        return now

    def feed(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *complete, self._partial = data.split(b"\n")
        if len(self._partial) > MAX_EVENT_BYTES:  # a huge line without a newline
            complete.append(self._partial)
            self._partial = b""
        self._emit(complete)

    def flush_partial(self) -> None:
        if self._partial:
            self._emit([self._partial])
            self._partial = b""

    def _emit(self, raw_lines: list[bytes]) -> None:
        events: list[tuple[int, str]] = []
        for raw in raw_lines:
            if self.kept_bytes + len(raw) > self.limit:
                self.dropped_bytes += len(raw) + 1
                continue
            self.kept_bytes += len(raw) + 1
            # A multi-line record travels with \r between its lines (see lambda_logging).
            text = raw[:MAX_EVENT_BYTES].decode("utf-8", "replace").replace("\r", "\n")
            events.append((self._timestamp(), text))
            self.lines.append(text)
        if events:
            self.stream.write(events)

    def platform_line(self, text: str) -> None:
        """A line of Lambda's own (START, END, REPORT...), never dropped."""
        self.lines.append(text)
        self.stream.write([(self._timestamp(), text)])

    def note_dropped(self) -> None:
        if self.dropped_bytes:
            self.platform_line(
                f"[sandbox] {self.dropped_bytes} bytes of output were not logged: over the "
                f"sandbox's limit of {self.limit} bytes per invocation"
            )


class ExecutionEnvironment:
    """A worker process serving one function version, one invocation at a time."""

    def __init__(
        self,
        spec: FunctionSpec,
        settings: RuntimeSettings,
        task_root: Path,
        layer_paths: list[str],
        credentials: dict[str, str],
        stream: LogStream,
        initialization_type: str = "on-demand",
        identity: WorkerIdentity = isolation.SHARED,
        python: str | None = None,
    ) -> None:
        self.spec = spec
        self.identity = identity
        self.python = python or settings.python_executable or sys.executable
        self.settings = settings
        self.id = uuid.uuid4().hex
        self.stream = stream
        self.task_root = task_root
        self.layer_paths = layer_paths
        self.initialization_type = initialization_type
        self.dir = Path(settings.work_dir) / "environments" / self.id
        self.tmp_dir = self.dir / "tmp"
        self.tmp_dir.mkdir(parents=True)
        os.chmod(self.dir.parent, 0o711)  # environments/: no listing of the others
        isolation.own_tmp_dir(self.tmp_dir, identity)
        self.credentials = credentials
        self.output = _OutputCollector(stream, settings.output_limit_bytes)
        self.process: subprocess.Popen[bytes] | None = None
        self.invocations = 0
        self.last_used = time.monotonic()
        self.init_duration_ms: float | None = None
        self._closed = False
        self._frozen = False
        self._escapees: set[int] = set()  # processes outside the group, stopped by a sweep
        self._lock = threading.Lock()
        self._requests_w = self._responses_r = self._log_r = -1
        self._reader = wire.MessageReader()

    @property
    def fingerprint(self) -> str:
        return self.spec.fingerprint

    @property
    def alive(self) -> bool:
        return not self._closed and self.process is not None and self.process.poll() is None

    def initialise(self) -> Outcome:
        """Start the worker and import the handler: Lambda's init phase."""
        from sandbox.runtime.reports import init_start_line

        self.output.platform_line(init_start_line())
        site_dirs = [p for p in sys.path if p.endswith("site-packages")]
        requests_r, self._requests_w = os.pipe()
        self._responses_r, responses_w = os.pipe()
        self._log_r, log_w = os.pipe()
        env = lambda_variables(
            self.spec,
            self.settings,
            str(self.task_root),
            str(self.tmp_dir),
            self.stream.name,
            self.credentials,
            self.initialization_type,
            self.python,
        )
        identity = self.identity
        as_identity: dict[str, Any] = {}
        if identity.isolated:
            as_identity = {"user": identity.uid, "group": identity.gid, "extra_groups": []}
        started = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-I",  # ignore PYTHON* variables and the user's site folder
                    "-S",  # no site hooks: the runtime's libraries are added explicitly
                    "-B",  # the task folder is read-only, as /var/task is
                    WORKER_SCRIPT,
                    str(requests_r),
                    str(responses_w),
                    *site_dirs,
                ],
                env=env,
                cwd=str(self.task_root),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=(requests_r, responses_w),
                start_new_session=True,  # its own process group: stopped as a whole
                umask=0o077,  # what learner code writes is its own, in /tmp too
                **as_identity,
            )
        finally:
            for fd in (requests_r, responses_w, log_w):
                os.close(fd)
        isolation.register_worker(self.process.pid)
        os.set_blocking(self._log_r, False)
        os.set_blocking(self._responses_r, False)
        wire.write_message(
            self._requests_w,
            {
                "handler": self.spec.handler,
                "task_root": str(self.task_root),
                "layer_paths": self.layer_paths,
                "memory_mb": self.spec.memory_mb,
                "headroom_mb": self.settings.address_space_headroom_mb,
                "ephemeral_mb": self.spec.ephemeral_mb,
                "response_limit": self.settings.response_limit_bytes,
                # Sharing the sandbox's uid, the worker keeps its descendants in its tree.
                "subreaper": not identity.isolated,
                "process_limit": isolation.PROCESS_LIMIT if identity.isolated else None,
            },
        )
        outcome = self._wait(started, started + self.settings.init_timeout_s)
        self.init_duration_ms = outcome.duration_ms
        if outcome.kind == "ready":
            self.freeze()
        else:
            self.close()
        return outcome

    def invoke(
        self,
        request_id: str,
        event: str,
        invoked_function_arn: str,
        client_context: dict[str, Any] | None = None,
    ) -> Outcome:
        self.thaw()
        self.invocations += 1
        started = time.perf_counter()
        deadline_ms = int(time.time() * 1000 + self.spec.timeout_s * 1000)
        message = {
            "request_id": request_id,
            "event": event,
            "invoked_function_arn": invoked_function_arn,
            "deadline_ms": deadline_ms,
            "client_context": client_context,
            "trace_id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
        }
        try:
            wire.write_message(self._requests_w, message)
        except OSError:
            return self._exited(started)
        outcome = self._wait(started, started + self.spec.timeout_s)
        self.last_used = time.monotonic()
        if outcome.environment_survives:
            self.freeze()
        else:
            self.close()
        return outcome

    def freeze(self) -> None:
        """Pause the worker between invocations, as Lambda freezes an idle environment:
        threads the handler left running make no progress and use no CPU until the next.
        (Processes that left the worker's group are stopped by the pool's next sweep.)"""
        with self._lock:
            self._signal_group(signal.SIGSTOP)
            self._frozen = True

    def thaw(self) -> None:
        with self._lock:
            if self._frozen:
                self._signal_group(signal.SIGCONT)
                isolation.signal_each(self._escapees, signal.SIGCONT)
                self._escapees.clear()
                self._frozen = False

    def own_processes(self, table: dict[int, isolation.ProcessInfo]) -> set[int]:
        """The environment's processes in a process table: its uid's, or its tree."""
        if self.process is None:
            return set()
        if self.identity.isolated:
            return {pid for pid, info in table.items() if info.uid == self.identity.uid}
        return {self.process.pid} | isolation.descendants(table, self.process.pid)

    def stop_escapees(self, table: dict[int, isolation.ProcessInfo]) -> int:
        """While frozen, stop the processes that escaped the group stop (setsid...)."""
        with self._lock:
            if not self._frozen or self._closed:
                return 0
            running = {pid for pid in self.own_processes(table) if table[pid].state not in "TtZX"}
            isolation.signal_each(running, signal.SIGSTOP)
            self._escapees |= running
            return len(running)

    def _signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signum)

    def _wait(self, started: float, deadline: float) -> Outcome:
        """Read output and the next message until one arrives, the deadline, or a limit."""
        memory_limit = self.spec.memory_mb * 1024 * 1024
        with selectors.DefaultSelector() as selector:
            selector.register(self._responses_r, selectors.EVENT_READ, "response")
            selector.register(self._log_r, selectors.EVENT_READ, "log")
            next_memory_check = started + MEMORY_CHECK_INTERVAL_S
            while True:
                now = time.perf_counter()
                if now >= deadline:
                    rss = self._rss_kb()
                    self.kill()
                    self._drain_log()
                    return Outcome("timeout", (now - started) * 1000, max_rss_kb=rss)
                if now >= next_memory_check:
                    next_memory_check = now + MEMORY_CHECK_INTERVAL_S
                    rss = self._rss_kb()
                    if rss * 1024 > memory_limit:
                        self.kill()
                        self._drain_log()
                        return Outcome("out_of_memory", (now - started) * 1000, max_rss_kb=rss)
                timeout = min(deadline, next_memory_check) - now
                for key, _ in selector.select(timeout):
                    if key.data == "log":
                        if self._read_log() < 0:
                            selector.unregister(self._log_r)
                        continue
                    try:
                        chunk = os.read(self._responses_r, 1 << 20)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        return self._exited(started)
                    try:
                        messages = self._reader.feed(chunk)
                    except wire.WireError:
                        self.kill()
                        return self._exited(started)
                    if messages:
                        return self._outcome(messages[0], started)

    def _outcome(self, message: dict[str, Any], started: float) -> Outcome:
        self._drain_log()  # the worker flushed before answering: all its output is in the pipe
        elapsed_ms = (time.perf_counter() - started) * 1000
        kind = message.get("type")
        if kind == "ready":
            return Outcome("ready", elapsed_ms)
        max_rss_kb = int(message.get("max_rss_kb") or 0)
        duration_ms = float(message.get("duration_ms") or elapsed_ms)
        if kind == "result":
            return Outcome("result", duration_ms, max_rss_kb, payload=str(message["payload"]))
        if kind in ("error", "init_error"):
            return Outcome(kind, duration_ms, max_rss_kb, error=message.get("error"))
        if kind == "out_of_memory":
            self.kill()
            return Outcome("out_of_memory", elapsed_ms, max(max_rss_kb, self._rss_kb()))
        self.kill()
        return self._exited(started)

    def _exited(self, started: float) -> Outcome:
        rss = self._rss_kb()
        returncode = None
        if self.process is not None:
            try:
                returncode = self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.kill()
                returncode = self.process.wait()
        self._drain_log()
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Outcome("exited", elapsed_ms, max_rss_kb=rss, returncode=returncode)

    def _read_log(self) -> int:
        """Read what the log pipe holds now: bytes read, 0 when empty, -1 once closed."""
        try:
            chunk = os.read(self._log_r, 1 << 16)
        except BlockingIOError:
            return 0
        except OSError:
            return -1
        if not chunk:
            return -1
        self.output.feed(chunk)
        return len(chunk)

    def _drain_log(self) -> None:
        # Bounded: a thread the handler left running may keep writing after the answer.
        for _ in range(self.settings.output_limit_bytes // (1 << 16) + 16):
            if self._read_log() <= 0:
                break
        self.output.flush_partial()

    def _rss_kb(self) -> int:
        if self.process is None:
            return 0
        try:
            with open(f"/proc/{self.process.pid}/statm", encoding="ascii") as statm:
                return int(statm.read().split()[1]) * PAGE_SIZE // 1024
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        """Kill the worker and every process it started, wherever they went."""
        if self.process is None:
            return
        pid = self.process.pid
        if self.identity.isolated:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # at once: the worker and its group
            isolation.signal_uid(self.identity, signal.SIGKILL)  # then all of its uid
        elif self.process.poll() is None:
            isolation.kill_tree(pid)  # the worker is a subreaper: all are below it
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)  # the worker's group, even once it has exited
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.kill()
        self.process.wait()
        isolation.unregister_worker(pid)
        # Orphans re-parented to the sandbox (a subreaper) are reaped by the runtime's
        # reaper thread, which knows every environment uid.

    def close(self) -> None:
        """Retire the environment: kill its processes, free its pipes and its /tmp."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.kill()
        for fd in (self._requests_w, self._responses_r, self._log_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._requests_w = self._responses_r = self._log_r = -1
        shutil.rmtree(self.dir, ignore_errors=True)

    def tmp_usage_bytes(self) -> int:
        total = 0
        for directory, _, files in os.walk(self.tmp_dir):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(directory, name)).st_size
        return total
