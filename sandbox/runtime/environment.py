"""One execution environment seen from the sandbox: AWS's runtime client in a boundary.

The environment runs ``awslambdaric``, AWS's own runtime interface client, inside Linux
namespaces (``boundary``) with kernel limits (``cgroups``): it is started before its
function is known (``standby``) and handed the function at its first cold start. It
talks to a Runtime API that the sandbox serves on 127.0.0.1:9001 in the environment's
own network (``runtime_api``); the learner's AWS endpoint is relayed to the same
loopback (``relay``). Log output arrives on two pipes: the runtime's framed log records
(``_LAMBDA_TELEMETRY_LOG_FD``, as on Lambda) and plain stdout/stderr.

While an invocation runs, the sandbox reads both pipes, watches the deadline and the
memory the environment's processes use, and on a timeout or out-of-memory kills the
whole environment (its PID namespace and cgroup), so nothing the handler started
survives. Between invocations the environment is frozen (cgroup freezer, or SIGSTOP of
every process where there are no cgroups).

Where the machine offers no namespaces (single-learner mode, see ``boundary.detect``)
the same runtime client runs as a plain child process on the host's loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.runtime import boundary, interpreters, isolation
from sandbox.runtime.cgroups import Cgroup
from sandbox.runtime.isolation import WorkerIdentity
from sandbox.runtime.runtime_api import ApiEvent, Invocation, RuntimeApi
from sandbox.runtime.spec import FunctionSpec, LogStream, RuntimeSettings
from sandbox.runtime.standby import Doors, Standby, start_standby

MEMORY_CHECK_INTERVAL_S = 0.02
MAX_EVENT_BYTES = 256 * 1024  # CloudWatch Logs' largest event
FRAME_HEADER = 16  # type (4), length (4), timestamp in microseconds (8)
MB = 1024 * 1024


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


@dataclass
class EnvironmentParts:
    """What the runtime shares with every environment it starts."""

    settings: RuntimeSettings
    doors: Doors

    @property
    def boundary(self) -> boundary.BoundaryInfo:
        return self.doors.boundary


def log_stream_name(version: str) -> str:
    """Lambda's name for an environment's stream: 2025/01/31/[$LATEST]<32 hex digits>."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]{uuid.uuid4().hex}"


def lambda_variables(
    spec: FunctionSpec,
    endpoint_url: str,
    stream_name: str,
    credentials: dict[str, str],
    initialization_type: str,
    interpreter: interpreters.Interpreter,
    runtime_api: str,
    paths: dict[str, str],
) -> dict[str, str]:
    """The runtime's whole environment, as Lambda sets it: nothing of the sandbox's own.
    ``paths``: see ``interpreters.interpreter_variables``."""
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
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_ACCESS_KEY_ID": credentials["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": credentials["AWS_SECRET_ACCESS_KEY"],
            "AWS_SESSION_TOKEN": credentials.get("AWS_SESSION_TOKEN", ""),
            # The handler's boto3 calls land in the same sandbox, in the same account.
            "AWS_ENDPOINT_URL": endpoint_url,
            # No shared config or credentials file is read.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "LAMBDA_TASK_ROOT": paths["task"],
            "LAMBDA_RUNTIME_DIR": paths["runtime"],
            **interpreters.interpreter_variables(interpreter.minor, paths),
        }
    )
    if spec.log_format:
        env["AWS_LAMBDA_LOG_FORMAT"] = spec.log_format
    if spec.application_log_level and spec.log_format == "JSON":
        env["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level
    return env


class _OutputCollector:
    """Turns the environment's output into log events, bounded per invocation."""

    def __init__(self, stream: LogStream, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self._partial = b""
        self._frames = b""
        self._last_ms = 0
        self.lines: list[str] = []  # this invocation's lines, for LogType=Tail
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def start_invocation(self) -> None:
        self.lines = []
        self.kept_bytes = 0
        self.dropped_bytes = 0

    def _timestamp(self, at_ms: int | None = None) -> int:
        now = max(at_ms or int(time.time() * 1000), self._last_ms)  # events stay in order
        self._last_ms = now
        return now

    def feed(self, chunk: bytes) -> None:
        """Plain output: one event per line, as Lambda splits stdout."""
        data = self._partial + chunk
        *complete, self._partial = data.split(b"\n")
        if len(self._partial) > MAX_EVENT_BYTES:  # a huge line without a newline
            complete.append(self._partial)
            self._partial = b""
        self._emit([(None, line) for line in complete])

    def feed_frames(self, chunk: bytes) -> None:
        """The runtime's log records: one event per frame, whatever lines it holds."""
        data = self._frames + chunk
        records: list[tuple[int | None, bytes]] = []
        while len(data) >= FRAME_HEADER:
            length = int.from_bytes(data[4:8], "big")
            if len(data) < FRAME_HEADER + length:
                break
            micros = int.from_bytes(data[8:16], "big")
            message = data[FRAME_HEADER : FRAME_HEADER + length]
            records.append((micros // 1000, message.rstrip(b"\n")))
            data = data[FRAME_HEADER + length :]
        self._frames = data
        self._emit(records)

    def flush_partial(self) -> None:
        if self._partial:
            self._emit([(None, self._partial)])
            self._partial = b""

    def _emit(self, records: list[tuple[int | None, bytes]]) -> None:
        events: list[tuple[int, str]] = []
        for at_ms, raw in records:
            if self.kept_bytes + len(raw) > self.limit:
                self.dropped_bytes += len(raw) + 1
                continue
            self.kept_bytes += len(raw) + 1
            text = raw[:MAX_EVENT_BYTES].decode("utf-8", "replace")
            events.append((self._timestamp(at_ms), text))
            self.lines.append(text)
        if events:
            self.stream.write(events)

    def platform_line(self, text: str | None, tail: bool = True) -> None:
        """A line of Lambda's own (START, END, REPORT...), never dropped."""
        if text is None:
            return
        if tail:
            self.lines.append(text)
        self.stream.write([(self._timestamp(), text)])

    def note_dropped(self) -> None:
        if self.dropped_bytes:
            self.platform_line(
                f"[sandbox] {self.dropped_bytes} bytes of output were not logged: over the "
                f"sandbox's limit of {self.limit} bytes per invocation"
            )


class ExecutionEnvironment:
    """AWS's runtime client serving one function version, one invocation at a time."""

    def __init__(
        self,
        spec: FunctionSpec,
        parts: EnvironmentParts,
        task_root: Path,
        layers_root: Path | None,
        credentials: dict[str, str],
        stream: LogStream,
        initialization_type: str = "on-demand",
        identity: WorkerIdentity = isolation.SHARED,
        interpreter: interpreters.Interpreter | None = None,
        standby: Standby | None = None,
    ) -> None:
        self.spec = spec
        self.standby = standby  # started before its function was known (StandbyPool)
        self.parts = parts
        self.settings = parts.settings
        self.identity = identity
        self.interpreter = interpreter or interpreters.interpreter_for(spec.runtime)
        self.id = uuid.uuid4().hex
        self.stream = stream
        self.task_root = task_root
        self.layers_root = layers_root
        self.initialization_type = initialization_type
        self.credentials = credentials
        self.output = _OutputCollector(stream, self.settings.output_limit_bytes)
        self.process: subprocess.Popen[bytes] | None = None
        self.inner_pid: int | None = None  # PID 1 of the environment's PID namespace
        self.cgroup: Cgroup | None = None
        self.api: RuntimeApi | None = None
        self.invocations = 0
        self.last_used = time.monotonic()
        self.init_duration_ms: float | None = None
        self._closed = False
        self._frozen = False
        self._escapees: set[int] = set()  # without cgroups: processes stopped by a sweep
        self._lock = threading.Lock()
        self._log_r = self._telemetry_r = -1
        self._memory_peak = 0
        self.host_tmp: Path | None = None  # single-learner mode's /tmp

    @property
    def fingerprint(self) -> str:
        return self.spec.fingerprint

    @property
    def isolated(self) -> bool:
        return self.parts.boundary.available

    @property
    def alive(self) -> bool:
        return not self._closed and self.process is not None and self.process.poll() is None

    # Start -----------------------------------------------------------------------------

    def initialise(self) -> Outcome:
        """Start the runtime client and let it import the handler: Lambda's init phase."""
        from sandbox.runtime.reports import PlatformLog

        platform = PlatformLog(self.spec.log_format)
        self.output.platform_line(
            platform.init_start(self.interpreter, self.spec.runtime, self.initialization_type),
            tail=False,  # LogType=Tail holds the invocation's lines, never INIT_START
        )
        started = time.perf_counter()
        try:
            if self.isolated:
                self._start_isolated()
            else:
                self._start_on_host()
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:
            self.close()
            return Outcome("init_error", (time.perf_counter() - started) * 1000, error={
                "errorType": "Runtime.Unknown",
                "errorMessage": f"The sandbox could not start an execution environment: {error}",
            })
        outcome = self._wait(started, started + self.settings.init_timeout_s)
        self.init_duration_ms = outcome.duration_ms
        if outcome.kind == "ready":
            if self.cgroup is not None and self.settings.cpu_follows_memory:
                self.cgroup.set_cpu(self.spec.memory_mb / 1769)
            self.freeze()
        else:
            self.close()
        return outcome

    def _pipes(self) -> tuple[int, int]:
        self._log_r, log_w = os.pipe()
        self._telemetry_r, telemetry_w = os.pipe()
        for fd in (self._log_r, self._telemetry_r):
            os.set_blocking(fd, False)
        return log_w, telemetry_w

    def _variables(self, runtime_api: str, endpoint_url: str, paths: dict[str, str]) -> dict:
        return lambda_variables(
            self.spec, endpoint_url, self.stream.name, self.credentials,
            self.initialization_type, self.interpreter, runtime_api, paths,
        )

    def _start_isolated(self) -> None:
        """Namespaces: an environment on standby (from the pool, or started now) is given
        this function's code, cgroup and variables, and its runtime client starts."""
        doors = self.parts.doors
        standby = self.standby
        if standby is None:
            standby = self.standby = start_standby(
                doors, self.identity, self.interpreter, self.spec.ephemeral_mb,
                self.task_root, self.layers_root, self.spec.account_id,
            )
        else:
            standby.fill_slots(self.task_root, self.layers_root)
        self.process, self.inner_pid, self.api = standby.process, standby.inner_pid, standby.api
        self._log_r, self._telemetry_r = standby.log_r, standby.telemetry_r
        if doors.cgroups is not None and standby.cgroup is not None:
            # Already in its learner's group (standby environments are started per learner:
            # moving processes between cgroups costs milliseconds); now the function's limits.
            self.cgroup = standby.cgroup
            doors.cgroups.limit(self.cgroup, self.spec.memory_mb, self.spec.ephemeral_mb)
        endpoint = f"http://127.0.0.1:{port_of(self.settings.endpoint_url)}"
        env = self._variables(
            f"127.0.0.1:{boundary.RUNTIME_API_PORT}", endpoint, interpreters.INSIDE
        )
        env["_LAMBDA_TELEMETRY_LOG_FD"] = str(standby.telemetry_fd)  # its number inside
        standby.hand_over(env, self.spec.handler)

    def _start_on_host(self) -> None:
        """Single-learner mode: the same runtime client, as a child process, no boundary."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.api = RuntimeApi(listener, self.settings.response_limit_bytes)
        log_w, telemetry_w = self._pipes()
        runtime_dirs = sorted({str(path.parent) for _, path in interpreters.runtime_entries()})
        paths = {"task": str(self.task_root), "runtime": ":".join(runtime_dirs),
                 "lang": str(self.interpreter.prefix),
                 "opt": str(self.layers_root or "/opt")}
        env = self._variables(f"127.0.0.1:{listener.getsockname()[1]}",
                              self.settings.endpoint_url, paths)
        env["_LAMBDA_TELEMETRY_LOG_FD"] = str(telemetry_w)
        # No /tmp of its own without a mount namespace: a private folder instead.
        self.host_tmp = Path(self.settings.work_dir) / "environments" / self.id
        self.host_tmp.mkdir(parents=True, mode=0o700)
        env["TMPDIR"] = str(self.host_tmp)
        executable = self.interpreter.prefix / "bin" / self.interpreter.executable_name
        try:
            self.process = subprocess.Popen(
                [str(executable), "-S", "-m", "awslambdaric", self.spec.handler],
                env=env,
                cwd=str(self.task_root),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=(telemetry_w,),
                start_new_session=True,
                umask=0o077,
            )
        finally:
            os.close(log_w)
            os.close(telemetry_w)
        isolation.register_worker(self.process.pid)

    # Invocations -------------------------------------------------------------------------

    def invoke(
        self,
        request_id: str,
        event: str,
        invoked_function_arn: str,
        client_context: dict[str, Any] | None = None,
    ) -> Outcome:
        assert self.api is not None
        self.thaw()
        self.invocations += 1
        started = time.perf_counter()
        deadline_ms = int(time.time() * 1000 + self.spec.timeout_s * 1000)
        self.api.send(
            Invocation(
                request_id=request_id,
                event=event.encode("utf-8"),
                deadline_ms=deadline_ms,
                invoked_function_arn=invoked_function_arn,
                trace_id=f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
                f"Parent={uuid.uuid4().hex[:16]};Sampled=0;Lineage=1:{uuid.uuid4().hex[:8]}:0",
                client_context=json.dumps(client_context) if client_context else None,
            )
        )
        outcome = self._wait(started, started + self.spec.timeout_s)
        self.last_used = time.monotonic()
        if outcome.environment_survives:
            self.freeze()
        else:
            self.close()
        return outcome

    # Freezing ----------------------------------------------------------------------------

    def freeze(self) -> None:
        """Pause every process between invocations, as Lambda freezes an idle environment."""
        with self._lock:
            if self._closed:
                return
            if self.cgroup is not None:
                self.cgroup.freeze(True)
            else:
                self._signal_groups(signal.SIGSTOP)  # the rest: the pool's sweep
            self._frozen = True

    def thaw(self) -> None:
        with self._lock:
            if not self._frozen:
                return
            if self.cgroup is not None:
                self.cgroup.freeze(False)
            else:
                self._signal_groups(signal.SIGCONT)
                isolation.signal_each(self._escapees, signal.SIGCONT)
                self._escapees.clear()
            self._frozen = False

    def _signal_groups(self, signum: int) -> None:
        """Signal the environment's process groups: the runtime's (or bwrap's) and, inside
        a boundary, that of its namespace's init (bwrap starts it in a session of its own).
        Without a /proc scan: processes that left them are the sweep's (stop_escapees)."""
        leaders = [pid for pid in (self.process and self.process.pid, self.inner_pid) if pid]
        for leader in leaders:
            with contextlib.suppress(OSError):
                os.killpg(leader, signum)

    def _tree(self, table: dict[int, isolation.ProcessInfo] | None = None) -> set[int]:
        if self.process is None:
            return set()
        table = isolation.process_table() if table is None else table
        return {self.process.pid} | isolation.descendants(table, self.process.pid)

    def own_processes(self, table: dict[int, isolation.ProcessInfo]) -> set[int]:
        """Every process of the environment (all descend from bwrap or the runtime)."""
        if self.cgroup is not None:
            return set(self.cgroup.pids())
        return self._tree(table)

    def stop_escapees(self, table: dict[int, isolation.ProcessInfo]) -> int:
        """Without a freezer: stop what started running again while frozen."""
        with self._lock:
            if not self._frozen or self._closed or self.cgroup is not None:
                return 0
            running = {pid for pid in self._tree(table) if table[pid].state not in "TtZX"}
            isolation.signal_each(running, signal.SIGSTOP)
            self._escapees |= running
            return len(running)

    # Waiting -----------------------------------------------------------------------------

    def _wait(self, started: float, deadline: float) -> Outcome:
        """Read output and the Runtime API's events until one ends the phase, or a limit."""
        assert self.api is not None
        memory_limit = self.spec.memory_mb * MB
        with selectors.DefaultSelector() as selector:
            selector.register(self.api.wake_r, selectors.EVENT_READ, "api")
            selector.register(self._log_r, selectors.EVENT_READ, "log")
            selector.register(self._telemetry_r, selectors.EVENT_READ, "telemetry")
            exit_fd = _exit_fd(self.process)
            if exit_fd is not None:
                selector.register(exit_fd, selectors.EVENT_READ, "exit")
            next_memory_check = started + MEMORY_CHECK_INTERVAL_S
            try:
                while True:
                    now = time.perf_counter()
                    if now >= deadline:
                        rss = self._memory_kb()
                        self.kill()
                        self._drain_log()
                        return Outcome("timeout", (now - started) * 1000, max_rss_kb=rss)
                    if now >= next_memory_check:
                        next_memory_check = now + MEMORY_CHECK_INTERVAL_S
                        if self._memory_used() > memory_limit:
                            return self._out_of_memory(started)
                    timeout = min(deadline, next_memory_check) - now
                    for key, _ in selector.select(timeout):
                        if key.data in ("log", "telemetry"):
                            if self._read_log(key.fd) < 0:
                                selector.unregister(key.fd)
                            continue
                        if key.data == "exit":
                            selector.unregister(key.fd)
                            if self.api.events.empty():
                                return self._ended(started)
                            continue
                        for event in self.api.take_events():
                            outcome = self._outcome(event, started)
                            if outcome is not None:
                                return outcome
            finally:
                if exit_fd is not None:
                    os.close(exit_fd)

    def _outcome(self, event: ApiEvent, started: float) -> Outcome | None:
        from sandbox.runtime.reports import response_too_large_error

        self._drain_log()  # the runtime wrote its log before it answered
        elapsed_ms = (time.perf_counter() - started) * 1000
        rss = self._memory_kb()
        if event.kind == "ready":
            return Outcome("ready", elapsed_ms)
        if event.kind == "result":
            return Outcome("result", elapsed_ms, rss,
                           payload=event.body.decode("utf-8", "replace"))
        if event.kind == "too_large":
            return Outcome("error", elapsed_ms, rss, error=response_too_large_error())
        if event.kind in ("error", "init_error"):
            return Outcome(event.kind, elapsed_ms, rss, error=event.error_document())
        return None

    def _ended(self, started: float) -> Outcome:
        """The runtime process ended by itself (exit, signal, the kernel's OOM killer)."""
        rss = self._memory_kb()
        returncode = self.process.wait(timeout=5) if self.process else None
        self._drain_log()
        if self.api is not None:  # it may have reported an init error just before exiting
            for event in self.api.take_events():
                outcome = self._outcome(event, started)
                if outcome is not None and outcome.kind == "init_error":
                    self.kill()
                    return outcome
        # The group is the environment's own: any OOM kill in it ended this runtime.
        oom = self.cgroup is not None and self.cgroup.out_of_memory_kills() > 0
        self.kill()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if oom:
            return Outcome("out_of_memory", elapsed_ms, max(rss, self.spec.memory_mb * 1024))
        inner = self._inner_returncode(returncode)
        return Outcome("exited", elapsed_ms, max_rss_kb=rss, returncode=inner)

    def _inner_returncode(self, returncode: int | None) -> int | None:
        """bwrap exits with the runtime's status, or 128+N after a signal N."""
        if self.isolated and returncode is not None and returncode > 128:
            return -(returncode - 128)
        return returncode

    def _out_of_memory(self, started: float) -> Outcome:
        self.kill()
        self._drain_log()
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Outcome("out_of_memory", elapsed_ms, self.spec.memory_mb * 1024)

    # Memory ------------------------------------------------------------------------------

    def _runtime_pid(self) -> int | None:
        """The runtime client's process (bwrap's PID 1 starts it as its only child)."""
        if not self.isolated:
            return self.process.pid if self.process else None
        if self.inner_pid is None:
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            path = f"/proc/{self.inner_pid}/task/{self.inner_pid}/children"
            with open(path, encoding="ascii") as children:
                pid = int(children.read().split()[0])
            # As root the first child is setpriv, which execs the runtime: the same pid.
            return pid
        return None

    def _memory_used(self) -> int:
        """Bytes the environment's processes use (the cgroup's anonymous memory, or the
        runtime's resident set)."""
        if self.cgroup is not None:
            used = self.cgroup.anonymous_memory_bytes()
        else:
            used = _status_kb(self._runtime_pid(), "VmRSS") * 1024
        self._memory_peak = max(self._memory_peak, used)
        return used

    def _memory_kb(self) -> int:
        """Peak memory so far, as REPORT's Max Memory Used counts it."""
        peak = _status_kb(self._runtime_pid(), "VmHWM")
        return max(peak, self._memory_peak // 1024)

    # Logs --------------------------------------------------------------------------------

    def _read_log(self, fd: int) -> int:
        """Read what a log pipe holds now: bytes read, 0 when empty, -1 once closed."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return 0
        except OSError:
            return -1
        if not chunk:
            return -1
        if fd == self._telemetry_r:
            self.output.feed_frames(chunk)
        else:
            self.output.feed(chunk)
        return len(chunk)

    def _drain_log(self) -> None:
        # Bounded: a thread the handler left running may keep writing after the answer.
        for fd in (self._telemetry_r, self._log_r):
            if fd < 0:
                continue
            for _ in range(self.settings.output_limit_bytes // (1 << 16) + 16):
                if self._read_log(fd) <= 0:
                    break
        self.output.flush_partial()

    # End ---------------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill every process of the environment, wherever it went."""
        if self.process is None:
            return
        if self.cgroup is not None:
            self.cgroup.kill_all()
        if self.inner_pid is not None:  # PID 1 of its namespace: the kernel kills the rest
            with contextlib.suppress(OSError):
                os.kill(self.inner_pid, signal.SIGKILL)
        if self.process.poll() is None:
            if self.isolated:
                with contextlib.suppress(OSError):
                    self.process.kill()
            else:
                isolation.kill_tree(self.process.pid)
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        isolation.unregister_worker(self.process.pid)

    def close(self) -> None:
        """Retire the environment: kill its processes, free its pipes, doors and cgroup."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.kill()
        if self.standby is not None:
            self.standby.close_doors(self.parts.doors.relay)
        elif self.api is not None:
            self.api.close()
            for fd in (self._log_r, self._telemetry_r):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
        self._log_r = self._telemetry_r = -1
        if self.cgroup is not None:
            self.cgroup.remove()
        if self.host_tmp is not None:
            shutil.rmtree(self.host_tmp, ignore_errors=True)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _status_kb(pid: int | None, field_name: str) -> int:
    if pid is None:
        return 0
    with (
        contextlib.suppress(OSError, ValueError, IndexError),
        open(f"/proc/{pid}/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def _exit_fd(process: subprocess.Popen[bytes] | None) -> int | None:
    """A descriptor that becomes readable when the process exits (pidfd)."""
    if process is None or not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(process.pid)
    except OSError:
        return None
