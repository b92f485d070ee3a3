"""Run one invocation the way Lambda does, and say what happened in Lambda's words.

``LambdaRuntime.invoke`` takes a free environment or starts one (cold start, timed as
Init Duration), frames the invocation's log with START, END and REPORT, and turns the
worker's answer, a timeout, an out-of-memory kill or an exit into Invoke's payload.
Each environment is a boundary of its own (``boundary``, ``cgroups``) running AWS's
runtime interface client (``environment``); as root each also gets its own uid.
"""

from __future__ import annotations

import base64
import json
import math
import os
import threading
import uuid
from pathlib import Path

from sandbox.runtime import boundary, interpreters, isolation, reports
from sandbox.runtime.cgroups import CgroupTree
from sandbox.runtime.code_store import CodeError, CodeStore
from sandbox.runtime.environment import (
    EnvironmentParts,
    ExecutionEnvironment,
    Outcome,
    log_stream_name,
    port_of,
)
from sandbox.runtime.pool import EnvironmentPool, Throttled
from sandbox.runtime.relay import Relay
from sandbox.runtime.spec import FunctionSpec, InvocationResult, RuntimeHooks, RuntimeSettings
from sandbox.runtime.standby import SLOT_COPY_LIMIT_BYTES, Doors, StandbyPool

TAIL_BYTES = 4096

__all__ = ["LambdaRuntime", "Throttled"]


class LambdaRuntime:
    def __init__(self, settings: RuntimeSettings, hooks: RuntimeHooks) -> None:
        self.settings = settings
        self.hooks = hooks
        # Learner code running under the sandbox's own uid must not read its environ.
        isolation.make_undumpable()
        # About ten descriptors an environment (pipes, its doors, relayed connections,
        # cgroup files): 64 environments and the standby ones need more than 1,024.
        isolation.raise_open_file_limit()
        work_dir = Path(settings.work_dir)
        self.boundary = self._choose_boundary()
        # As root, every environment gets an unprivileged uid of its own (see isolation).
        self.own_uids = self.boundary.available and isolation.running_as_root()
        self.ids = isolation.LearnerIds()
        if self.own_uids:
            isolation.prepare_work_dir(work_dir)
        else:
            isolation.become_subreaper()
        cgroups = None
        if self.boundary.available:
            cgroups = CgroupTree.create(f"lambda-lab-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        relay_ports = (port_of(settings.endpoint_url), *settings.extra_relay_ports)
        doors = Doors(
            self.boundary,
            boundary.system_files(work_dir / "etc"),
            work_dir,
            settings.response_limit_bytes,
            cgroups,
            Relay() if self.boundary.available else None,
            relay_ports,
        )
        self.parts = EnvironmentParts(settings, doors)
        self.standby = None
        if self.boundary.available:
            self.standby = StandbyPool(doors, self._standby_identity, settings.standby_environments)
        self.pool = EnvironmentPool(settings)
        self.code = CodeStore(work_dir / "code")
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="sandbox-reaper", daemon=True)
        self._reaper.start()

    def _choose_boundary(self) -> boundary.BoundaryInfo:
        wanted = self.settings.namespaces
        if wanted is False:
            return boundary.BoundaryInfo(False, "single-learner mode was chosen")
        found = boundary.detect()
        if wanted and not found.available:
            raise isolation.IsolationError(
                f"Execution environments need Linux namespaces here, and {found.detail}. "
                "Install bubblewrap (apt-get install bubblewrap), or start the sandbox in "
                "single-learner mode, knowing that handlers then run as you, unisolated."
            )
        return found

    def describe_boundary(self) -> str:
        """One sentence for the start-up message and the labs page."""
        if not self.boundary.available:
            return (
                "Single-learner mode: handlers run as you, with no boundary "
                f"({self.boundary.detail})."
            )
        cgroups = self.parts.doors.cgroups
        limits = cgroups.describe() if cgroups else "rlimits (no cgroups)"
        return (
            f"Each execution environment is isolated by {self.boundary.detail}; "
            f"limits by {limits}."
        )

    def interpreters_by_runtime(self) -> list[tuple[str, str]]:
        """(runtime, the Python version that runs it here), for Lambda's Python runtimes."""
        return [
            (runtime, interpreters.interpreter_for(runtime).version)
            for runtime in interpreters.PYTHON_RUNTIMES
        ]

    # Environments ------------------------------------------------------------------

    def _standby_identity(self, account_id: str) -> isolation.WorkerIdentity:
        if self.own_uids:
            return self.ids.new_environment(account_id)
        return isolation.SHARED

    def _new_environment(
        self, spec: FunctionSpec, initialization_type: str
    ) -> ExecutionEnvironment:
        self.pool.admit(spec)
        group = self.ids.group_of(spec.account_id) if self.own_uids else None
        task_root = self.code.unpack(spec.code_sha256, spec.code_zip, group)
        layers_root = self.code.merge_layers(list(spec.layers), group) if spec.layers else None
        interpreter = interpreters.interpreter_for(spec.runtime)
        standby = None
        if self.standby is not None:
            standby = self.standby.take(spec.account_id, interpreter, spec.ephemeral_mb)
            package = self.code.size_of(task_root) + self.code.size_of(layers_root)
            if standby is not None and package > SLOT_COPY_LIMIT_BYTES:
                self.standby.give_back(spec.account_id, standby)
                standby = None
        if standby is not None:
            identity = standby.identity
        elif self.own_uids:
            identity = self.ids.new_environment(spec.account_id)
        else:
            identity = isolation.SHARED
        stream = self.hooks.open_log_stream(spec, log_stream_name(spec.version))
        env = ExecutionEnvironment(
            spec,
            self.parts,
            task_root,
            layers_root,
            self.hooks.credentials(spec),
            stream,
            initialization_type,
            identity,
            interpreter,
            standby,
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
        if function_name is None and self.standby is not None:
            self.standby.forget(account_id)
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
            if not self.boundary.available:  # orphans re-parented to the sandbox
                isolation.reap(lambda info: True)

    def shutdown(self) -> None:
        self._stop.set()
        if self.standby is not None:
            self.standby.close()
        self.pool.close_all()
        if self.parts.doors.relay is not None:
            self.parts.doors.relay.shutdown()
        if self.parts.doors.cgroups is not None:
            self.parts.doors.cgroups.remove()

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
        platform = reports.PlatformLog(spec.log_format)
        env.output.platform_line(platform.start(request_id, spec.version))
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
            error = reports.out_of_memory_error(request_id)
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
        platform = reports.PlatformLog(spec.log_format)
        env.output.platform_line(platform.end(request_id))
        env.output.platform_line(
            platform.report(
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
            error = reports.out_of_memory_error(request_id)
        else:
            error = reports.exit_error(request_id, reports.exit_reason(init.returncode))
        error_type = error.get("errorType") or "Runtime.Unknown"
        if error_type == "Runtime.UserCodeSyntaxError":
            error = reports.explain_version_gap(error, env.interpreter, spec.runtime)
        init_ms = init.duration_ms
        platform = reports.PlatformLog(spec.log_format)
        env.output.platform_line(platform.init_report(init_ms, error_type))
        env.output.platform_line(platform.start(request_id, spec.version))
        env.output.platform_line(platform.end(request_id))
        billed = reports.billed_duration_ms(0.0, init_ms)
        max_memory_mb = max(1, math.ceil(init.max_rss_kb / 1024))
        env.output.platform_line(
            platform.report(
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
