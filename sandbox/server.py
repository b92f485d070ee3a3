"""The sandbox: moto's server on loopback as the AWS control plane, our runtime for Lambda.

``Sandbox`` starts moto's WSGI app (behind the sandbox's gateway) on a free loopback
port in a thread of this process, patches moto so functions run in the sandbox's
runtime, and hands out per-learner boto3 sessions. moto keeps its state per process,
so one sandbox runs per process: ``get_sandbox()`` starts it once and reuses it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from course.loopback import install_guard, is_loopback
from sandbox import moto_cloudformation, moto_seam, moto_state
from sandbox.accounts import REGION, LearnerAccount, LearnerAccounts
from sandbox.clock import SandboxClock
from sandbox.gateway import Gateway
from sandbox.http import HttpEndpoints
from sandbox.lambda_service import LambdaService
from sandbox.runtime.lambda_runtime import LambdaRuntime
from sandbox.runtime.spec import FunctionSpec, RuntimeSettings
from sandbox.sessions import SandboxSession
from sandbox.sources import FastForward

CROSSACCOUNT = "MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"


class SandboxError(RuntimeError):
    """The sandbox cannot start (another one runs in this process, a bad address...)."""


class _QuietRequestHandler(MotoRequestHandler):
    """No access log line per request: labs make many."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


class _LogStreams:
    """The runtime's hooks into the control plane: log streams and role credentials."""

    def open_log_stream(
        self, spec: FunctionSpec, stream_name: str
    ) -> moto_state.CloudWatchLogStream:
        return moto_state.CloudWatchLogStream(
            spec.account_id, spec.region, spec.log_group_name, stream_name
        )

    def credentials(self, spec: FunctionSpec) -> dict[str, str]:
        return moto_state.role_credentials(
            spec.account_id, spec.region, spec.role_arn, spec.function_name
        )


class Sandbox:
    _active: Sandbox | None = None
    _active_lock = threading.Lock()

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        strict_credentials: bool = True,
        idle_timeout_s: float = 300.0,
        account_concurrency: int = 10,
        verbose: bool = False,
        http_port: int = 0,
        clock_speed: float = 1.0,
        namespaces: bool | None = None,
        cpu_follows_memory: bool = False,
    ) -> None:
        if not is_loopback(host):
            raise SandboxError(f"the sandbox listens on loopback only, not on {host!r}")
        self.host = host
        self.port = port
        self.strict_credentials = strict_credentials
        self.idle_timeout_s = idle_timeout_s
        self.account_concurrency = account_concurrency
        self.verbose = verbose
        # Execution environments in namespaces: None where the machine has them, True
        # requires them (a workshop), False is single-learner mode (see runtime.boundary).
        self.namespaces = namespaces
        self.cpu_follows_memory = cpu_follows_memory
        self.accounts = LearnerAccounts()
        # AWS's minutes (retries, schedules, SQS timeouts) at a speed; see sandbox.clock.
        self.clock = SandboxClock(clock_speed)
        self.work_dir: Path | None = None
        self.runtime: LambdaRuntime | None = None
        self.service: LambdaService | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._saved_crossaccount: str | None = None
        # Function URLs and API Gateway APIs, on a loopback port of their own (sandbox.http).
        self.http = HttpEndpoints(host, http_port)

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise SandboxError("the sandbox is not running")
        return f"http://{self.host}:{self._server.server_port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    @classmethod
    def current(cls) -> Sandbox | None:
        """The sandbox running in this process, if any."""
        with cls._active_lock:
            return cls._active

    def start(self) -> Sandbox:
        with Sandbox._active_lock:
            if Sandbox._active is not None:
                raise SandboxError(
                    "a sandbox already runs in this process (moto's state is global)"
                )
            if "MOTO_ACCOUNT_ID" in os.environ:
                raise SandboxError(
                    "MOTO_ACCOUNT_ID is set: it would put every learner in one account"
                )
            Sandbox._active = self
        try:
            self._start()
        except BaseException:
            with Sandbox._active_lock:
                Sandbox._active = None
            raise
        return self

    def _start(self) -> None:
        install_guard()  # nothing the sandbox does may leave the machine
        moto_state.configure_moto()
        # A bucket of one learner is invisible to the others (no cross-account access).
        self._saved_crossaccount = os.environ.get(CROSSACCOUNT)
        os.environ[CROSSACCOUNT] = "false"
        self.work_dir = Path(tempfile.mkdtemp(prefix="lambda-lab-sandbox-"))
        self.http.bind()
        moto_app = self.http.control_plane(DomainDispatcherApplication(create_backend_app))
        # The gateway gets its Lambda service once the port (the runtime's endpoint) is known.
        gateway = Gateway(moto_app, None, self.strict_credentials)
        self._server = make_server(
            self.host,
            self.port,
            gateway,
            threaded=True,
            request_handler=MotoRequestHandler if self.verbose else _QuietRequestHandler,
        )
        settings = RuntimeSettings(
            endpoint_url=self.endpoint_url,
            work_dir=str(self.work_dir),
            idle_timeout_s=self.idle_timeout_s,
            account_concurrency=self.account_concurrency,
            namespaces=self.namespaces,
            cpu_follows_memory=self.cpu_follows_memory,
            # Function URLs and API stages: handlers may call them at the same address.
            extra_relay_ports=(int(self.http.base_url.rsplit(":", 1)[1]),),
        )
        self.runtime = LambdaRuntime(settings, _LogStreams())
        self.service = LambdaService(self.runtime, self.clock)
        gateway.service = self.service
        moto_seam.install(self.service)
        moto_cloudformation.install(self.service)
        self.clock.start()
        self.service.start_sources()
        self.http.start(self.service)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.http.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.service is not None:
            self.service.shutdown()
        self.clock.stop()
        if self.runtime is not None:
            self.runtime.shutdown()
        moto_cloudformation.uninstall()
        moto_seam.uninstall()
        if self._saved_crossaccount is None:
            os.environ.pop(CROSSACCOUNT, None)
        else:
            os.environ[CROSSACCOUNT] = self._saved_crossaccount
        if self.work_dir is not None:
            remove_tree(self.work_dir)
            self.work_dir = None
        with Sandbox._active_lock:
            if Sandbox._active is self:
                Sandbox._active = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Learners ------------------------------------------------------------------------

    def learner_account(self, learner_id: str) -> LearnerAccount:
        return self.accounts.account(learner_id)

    def learner_session(self, learner_id: str, region: str = REGION) -> boto3.Session:
        """boto3 session of one learner: their own account, this sandbox's endpoint."""
        account = self.accounts.account(learner_id)
        return SandboxSession(
            self.endpoint_url,
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key=account.secret_access_key,
            region_name=region,
        )

    def reset_learner(self, learner_id: str) -> None:
        """Wipe one learner's account (functions, roles, buckets, logs...) and environments."""
        account = self.accounts.account(learner_id)
        if self.service is not None:
            self.service.forget_account(account.account_id)
        self.accounts.reset(learner_id)

    def wait_for_async(self, timeout_s: float = 30.0, include_retries: bool = False) -> bool:
        """Wait for queued asynchronous invocations (Event, S3, SNS, EventBridge...) and
        the event source mappings' pending records; retries waiting on the sandbox clock
        count only with ``include_retries`` (see ``settle``)."""
        return self.service.wait_for_async(timeout_s, include_retries) if self.service else True

    def fast_forward(self, seconds: float, account_id: str | None = None) -> FastForward:
        """Move the sandbox clock ahead: due retries and schedules fire on the way, each
        schedule at most ``FAST_FORWARD_RUNS`` times (the rest of its due runs are skipped).
        Returns what fired and what was skipped: of ``account_id``'s schedules if given."""
        return self.service.sources.scheduler.fast_forward(seconds).of_account(account_id)

    def settle(self, timeout_s: float = 30.0, horizon_s: float = 3600.0) -> bool:
        """Run all pending asynchronous work to its end, fast-forwarding the clock to each
        retry due within ``horizon_s`` (schedules fire on the way)."""
        from sandbox.clock import WORK

        deadline = time.monotonic() + timeout_s
        start = self.clock.now()
        while time.monotonic() < deadline:
            if not self.wait_for_async(max(0.0, deadline - time.monotonic())):
                return False
            waiting = self.clock.pending(WORK)
            if not waiting:
                return self.wait_for_async(max(0.0, deadline - time.monotonic()))
            due = waiting[0].due
            if due - start > horizon_s:
                return False
            self.clock.advance(max(0.0, due - self.clock.now()))
        return False


def remove_tree(path: Path) -> None:
    """Remove a folder even where the sandbox made code read-only."""

    def make_writable_and_retry(function: Any, target: str, _: Any) -> None:
        os.chmod(os.path.dirname(target), 0o755)
        os.chmod(target, 0o755)
        function(target)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


_process_sandbox: Sandbox | None = None
_process_lock = threading.Lock()


NAMESPACES_SETTING = "LAMBDA_LAB_NAMESPACES"


def namespaces_wanted() -> bool | None:
    """The app's choice, from ``LAMBDA_LAB_NAMESPACES``: ``required`` (a workshop: refuse
    to run handlers without a boundary), ``off`` (single-learner mode), unset or ``auto``
    (namespaces where the machine offers them)."""
    setting = os.environ.get(NAMESPACES_SETTING, "auto").strip().lower()
    return {"required": True, "off": False}.get(setting)


def get_sandbox() -> Sandbox:
    """The sandbox of this process: the one already running (started by a test fixture,
    a CLI...), or one started now and kept for all sessions until the process exits."""
    global _process_sandbox
    with _process_lock:
        running = Sandbox.current()
        if running is not None:
            return running
        _process_sandbox = Sandbox(namespaces=namespaces_wanted()).start()
        atexit.register(_process_sandbox.stop)
        return _process_sandbox
