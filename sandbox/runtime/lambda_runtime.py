"""Run one invocation the way Lambda does, and say what happened in Lambda's words.

``LambdaRuntime.invoke`` takes a free environment or starts one (cold start, timed as
Init Duration), frames the invocation's log with START, END and REPORT, and turns the
worker's answer, a timeout, an out-of-memory kill or an exit into Invoke's payload.
Each new environment gets its own uid when the sandbox runs as root (``isolation``).
"""

from __future__ import annotations

import base64
import json
import math
import sys
import threading
import uuid
from pathlib import Path

from sandbox.runtime import isolation, reports
from sandbox.runtime.code_store import CodeError, CodeStore
from sandbox.runtime.environment import (
    WORKER_SCRIPT,
    ExecutionEnvironment,
    Outcome,
    log_stream_name,
)
from sandbox.runtime.pool import EnvironmentPool, Throttled
from sandbox.runtime.spec import FunctionSpec, InvocationResult, RuntimeHooks, RuntimeSettings

TAIL_BYTES = 4096

__all__ = ["LambdaRuntime", "Throttled"]


class LambdaRuntime:
    def __init__(self, settings: RuntimeSettings, hooks: RuntimeHooks) -> None:
        self.settings = settings
        self.hooks = hooks
        # Learner code running under the sandbox's own uid must not read its environ.
        isolation.make_undumpable()
        self.isolated = (
            isolation.running_as_root() if settings.isolate is None else settings.isolate
        )
        self.ids = isolation.LearnerIds()
        self._probe_identity = self.ids.probe_identity()
        if self.isolated:
            isolation.prepare_work_dir(Path(settings.work_dir))
            isolation.become_subreaper()
        self.pool = EnvironmentPool(settings)
        self.code = CodeStore(Path(settings.work_dir) / "code")
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="sandbox-reaper", daemon=True)
        self._reaper.start()

    # Environments ------------------------------------------------------------------

    def worker_python(self) -> str:
        """The interpreter workers run: the sandbox's own, or one their uids can reach."""
        preferred = self.settings.python_executable or sys.executable
        if not self.isolated:
            return preferred
        site_dirs = [p for p in sys.path if p.endswith("site-packages")]
        probe = ["-I", "-S", "-B", WORKER_SCRIPT, "--probe", *site_dirs]
        return isolation.worker_interpreter(preferred, self._probe_identity, probe)

    def _new_environment(
        self, spec: FunctionSpec, initialization_type: str
    ) -> ExecutionEnvironment:
        self.pool.admit(spec)
        identity = isolation.SHARED
        group = None
        if self.isolated:
            identity = self.ids.new_environment(spec.account_id)
            group = identity.gid
        python = self.worker_python()
        task_root = self.code.unpack(spec.code_sha256, spec.code_zip, group)
        layer_paths: list[str] = []
        minor = ".".join(spec.runtime.removeprefix("python").split(".")[:2])
        for sha, zip_bytes in spec.layers:
            layer_root = self.code.unpack(sha, zip_bytes, group)
            # Lambda merges layers into /opt; Python finds them in /opt/python[...]
            layer_paths += [
                str(layer_root / "python"),
                str(layer_root / "python" / "lib" / f"python{minor}" / "site-packages"),
            ]
        stream = self.hooks.open_log_stream(spec, log_stream_name(spec.version))
        env = ExecutionEnvironment(
            spec,
            self.settings,
            task_root,
            layer_paths,
            self.hooks.credentials(spec),
            stream,
            initialization_type,
            identity,
            python,
        )
        self.pool.add(env)
        return env

    def provision(self, spec: FunctionSpec, count: int) -> int:
        """Keep ``count`` environments of this version initialised (provisioned concurrency)."""
        if not spec.runs_here():
            return 0
        missing = count - self.pool.provisioned_count(spec)
        ready = 0
        for _ in range(max(missing, 0)):
            env = self._new_environment(spec, "provisioned-concurrency")
            env.output.start_invocation()
            outcome = env.initialise()
            if outcome.kind == "ready":
                self.pool.add(env, provisioned=True)
                ready += 1
            else:
                self.pool.discard(env)
        return ready

    def unprovision(self, spec: FunctionSpec) -> None:
        self.pool.unprovision(spec)

    def retire(self, account_id: str, function_name: str | None = None) -> int:
        """Retire the environments of an account (or one of its functions)."""
        return self.pool.retire_where(
            lambda spec: (
                spec.account_id == account_id
                and (function_name is None or spec.function_name == function_name)
            )
        )

    def _reap(self) -> None:
        interval = max(0.5, min(self.settings.idle_timeout_s / 4, 5.0))
        while not self._stop.wait(interval):
            self.pool.expire_idle()
            self.pool.stop_escapees()
            if self.isolated:  # orphans of environments that died on their own
                isolation.reap(self._environment_process)

    def _environment_process(self, info: isolation.ProcessInfo) -> bool:
        return info.uid in self.ids.environment_uids

    def shutdown(self) -> None:
        self._stop.set()
        self.pool.close_all()

    # Invocation --------------------------------------------------------------------

    def invoke(
        self,
        spec: FunctionSpec,
        event: str,
        invoked_function_arn: str | None = None,
        client_context: dict | None = None,
        request_id: str | None = None,
    ) -> InvocationResult:
        """Run the handler once; raises Throttled when no execution may start."""
        request_id = request_id or str(uuid.uuid4())
        invoked_function_arn = invoked_function_arn or spec.function_arn
        if not spec.runs_here():
            error = reports.unsupported_runtime_error(spec.runtime)
            return self._error_result(request_id, spec, error, duration_ms=0.0)
        concurrent = self.pool.reserve(spec)
        try:
            result = self._invoke_reserved(
                spec, event, invoked_function_arn, client_context, request_id
            )
            result.concurrent_executions = concurrent
            return result
        finally:
            self.pool.release(spec)

    def _invoke_reserved(
        self,
        spec: FunctionSpec,
        event: str,
        invoked_function_arn: str,
        client_context: dict | None,
        request_id: str,
    ) -> InvocationResult:
        env = self.pool.take_idle(spec)
        init_duration_ms = None
        if env is None:
            try:
                env = self._new_environment(spec, "on-demand")
            except CodeError as error:
                failure = {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": str(error)}
                return self._error_result(request_id, spec, failure, duration_ms=0.0)
            env.output.start_invocation()
            init = env.initialise()
            init_duration_ms = init.duration_ms
            if init.kind != "ready":
                self.pool.discard(env)
                return self._failed_init(env, init, request_id)
        else:
            env.output.start_invocation()
        env.output.platform_line(reports.start_line(request_id, spec.version))
        outcome = env.invoke(request_id, event, invoked_function_arn, client_context)
        result = self._finish(env, outcome, request_id, init_duration_ms)
        if outcome.environment_survives:
            self.pool.give_back(env)
        else:
            self.pool.discard(env)
        return result

    def _finish(
        self,
        env: ExecutionEnvironment,
        outcome: Outcome,
        request_id: str,
        init_duration_ms: float | None,
    ) -> InvocationResult:
        spec = env.spec
        status = error_type = None
        function_error: str | None = None
        duration_ms = outcome.duration_ms
        max_memory_mb = max(1, math.ceil(outcome.max_rss_kb / 1024))
        if outcome.kind == "result":
            payload = (outcome.payload or "null").encode("utf-8")
            if len(payload) > self.settings.response_limit_bytes:
                error = reports.response_too_large_error()
                payload = json.dumps(error).encode()
                function_error, error_type = "Unhandled", error["errorType"]
        elif outcome.kind == "error":
            error = outcome.error or {}
            payload = json.dumps(error).encode()
            function_error, error_type = "Unhandled", error.get("errorType")
        elif outcome.kind == "timeout":
            duration_ms = spec.timeout_s * 1000
            env.output.platform_line(reports.timeout_line(request_id, spec.timeout_s))
            payload = json.dumps(reports.timeout_error(request_id, spec.timeout_s)).encode()
            function_error, status, error_type = "Unhandled", "timeout", None
        elif outcome.kind == "out_of_memory":
            error = reports.exit_error(request_id, "signal: killed", "Runtime.OutOfMemory")
            env.output.platform_line(error["errorMessage"])
            payload = json.dumps(error).encode()
            max_memory_mb = spec.memory_mb
            function_error, status, error_type = "Unhandled", "error", "Runtime.OutOfMemory"
        else:  # the worker exited: os._exit, sys.exit, a signal
            error = reports.exit_error(request_id, reports.exit_reason(outcome.returncode))
            env.output.platform_line(error["errorMessage"])
            payload = json.dumps(error).encode()
            function_error, status, error_type = "Unhandled", "error", "Runtime.ExitError"
        env.output.note_dropped()
        billed = reports.billed_duration_ms(duration_ms, init_duration_ms)
        env.output.platform_line(reports.end_line(request_id))
        env.output.platform_line(
            reports.report_line(
                request_id,
                duration_ms,
                billed,
                spec.memory_mb,
                max_memory_mb,
                init_duration_ms,
                status,
                error_type if status else None,
            )
        )
        return InvocationResult(
            request_id=request_id,
            payload=payload,
            function_error=function_error,
            executed_version=spec.version,
            log_tail=tail(env.output.lines),
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            max_memory_used_mb=max_memory_mb,
            init_duration_ms=init_duration_ms,
            error_type=error_type,
        )

    def _failed_init(
        self, env: ExecutionEnvironment, init: Outcome, request_id: str
    ) -> InvocationResult:
        """The handler could not be imported (or init broke a limit): no environment stays."""
        spec = env.spec
        if init.kind == "init_error":
            error = init.error or {}
        elif init.kind == "timeout":
            error = reports.timeout_error(request_id, self.settings.init_timeout_s)
        elif init.kind == "out_of_memory":
            error = reports.exit_error(request_id, "signal: killed", "Runtime.OutOfMemory")
        else:
            error = reports.exit_error(request_id, reports.exit_reason(init.returncode))
        error_type = error.get("errorType") or "Runtime.Unknown"
        init_ms = init.duration_ms
        env.output.platform_line(
            f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
            f"Error Type: {error_type}"
        )
        env.output.platform_line(reports.start_line(request_id, spec.version))
        env.output.platform_line(reports.end_line(request_id))
        billed = reports.billed_duration_ms(0.0, init_ms)
        max_memory_mb = max(1, math.ceil(init.max_rss_kb / 1024))
        env.output.platform_line(
            reports.report_line(
                request_id,
                init_ms,
                billed,
                spec.memory_mb,
                max_memory_mb,
                None,
                "error",
                error_type,
            )
        )
        return InvocationResult(
            request_id=request_id,
            payload=json.dumps(error).encode(),
            function_error="Unhandled",
            executed_version=spec.version,
            log_tail=tail(env.output.lines),
            duration_ms=init_ms,
            billed_duration_ms=billed,
            max_memory_used_mb=max_memory_mb,
            init_duration_ms=None,
            error_type=error_type,
        )

    def _error_result(
        self, request_id: str, spec: FunctionSpec, error: dict, duration_ms: float
    ) -> InvocationResult:
        return InvocationResult(
            request_id=request_id,
            payload=json.dumps(error).encode(),
            function_error="Unhandled",
            executed_version=spec.version,
            log_tail="",
            duration_ms=duration_ms,
            billed_duration_ms=0,
            max_memory_used_mb=0,
            init_duration_ms=None,
            error_type=error.get("errorType"),
        )


def tail(lines: list[str]) -> str:
    """The last 4 KB of the invocation's log, base64-encoded, as LogType=Tail returns it."""
    text = "".join(line + "\n" for line in lines).encode("utf-8")
    return base64.b64encode(text[-TAIL_BYTES:]).decode("ascii")
