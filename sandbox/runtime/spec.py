"""What the runtime is told about a function, and what it answers about an invocation.

The runtime knows nothing of moto: the sandbox turns a stored function into a
``FunctionSpec`` and turns an ``InvocationResult`` into Invoke's HTTP answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

PYTHON_RUNTIME = re.compile(r"^python3\.\d+$")


@dataclass(frozen=True)
class FunctionSpec:
    """One version of one function, as stored by the control plane."""

    account_id: str
    region: str
    function_name: str
    version: str  # "$LATEST" or "1", "2", ...
    function_arn: str  # unqualified
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    ephemeral_mb: int
    role_arn: str
    code_zip: bytes = field(repr=False)
    code_sha256: str
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)  # (sha, zip)
    reserved_concurrency: int | None = None
    log_format: str | None = None  # LoggingConfig.LogFormat: "Text" or "JSON"
    application_log_level: str | None = None  # LoggingConfig.ApplicationLogLevel

    @property
    def function_key(self) -> tuple[str, str, str]:
        """Concurrency is counted per function, across its versions."""
        return (self.account_id, self.region, self.function_name)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def fingerprint(self) -> str:
        """Changes whenever code or configuration change: old environments then retire."""
        config = {
            "version": self.version,
            "handler": self.handler,
            "runtime": self.runtime,
            "memory": self.memory_mb,
            "timeout": self.timeout_s,
            "ephemeral": self.ephemeral_mb,
            "role": self.role_arn,
            "code": self.code_sha256,
            "environment": self.environment,
            "layers": [sha for sha, _ in self.layers],
            "logging": [self.log_format, self.application_log_level],
        }
        return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()

    @property
    def environment_key(self) -> tuple[str, str, str, str]:
        return (self.account_id, self.region, self.function_name, self.version)

    def runs_here(self) -> bool:
        return bool(PYTHON_RUNTIME.match(self.runtime or ""))


@dataclass
class InvocationResult:
    """What one invocation produced, in Lambda's terms."""

    request_id: str
    payload: bytes  # the JSON document Invoke returns
    function_error: str | None  # "Unhandled" or None
    executed_version: str
    log_tail: str  # this invocation's log lines, START to REPORT
    duration_ms: float
    billed_duration_ms: int
    max_memory_used_mb: int
    init_duration_ms: float | None  # set on a cold start only
    error_type: str | None = None
    concurrent_executions: int = 0  # of this function, this one included

    @property
    def payload_json(self) -> Any:
        return json.loads(self.payload)


class LogStream(Protocol):
    """Where one execution environment's log events go (a CloudWatch Logs stream)."""

    name: str

    def write(self, events: list[tuple[int, str]]) -> None:
        """Append (epoch milliseconds, message) events, in order."""


class RuntimeHooks(Protocol):
    """What the runtime needs from the control plane."""

    def open_log_stream(self, spec: FunctionSpec, stream_name: str) -> LogStream: ...

    def credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN for the function's role."""
        ...


@dataclass(frozen=True)
class RuntimeSettings:
    endpoint_url: str  # where the handler's own boto3 calls go (the sandbox)
    work_dir: str  # code, /tmp folders of environments
    idle_timeout_s: float = 300.0  # Lambda keeps idle environments for minutes
    init_timeout_s: float = 10.0  # Lambda's init phase limit
    account_concurrency: int = 10  # simultaneous executions per learner account
    total_environments: int = 64  # worker processes across the whole sandbox
    output_limit_bytes: int = 1024 * 1024  # log output kept per invocation
    response_limit_bytes: int = 6 * 1024 * 1024  # Invoke's synchronous payload quota
    # Namespaces (see boundary): None uses them where the machine offers them; False is
    # single-learner mode; True refuses to run a handler without them.
    namespaces: bool | None = None
    # CPU in proportion to memory (one vCPU at 1,769 MB) where cgroups allow it. Off by
    # default: a 128 MB function then gets 7% of a core, and the SDK's first client takes
    # seconds (see the sandbox README).
    cpu_follows_memory: bool = False
    # Environments started ahead, waiting for a function (see standby): cold starts then
    # cost the learner's own import and little more.
    standby_environments: int = 1  # per recent learner (see StandbyPool)
    # Loopback ports of the sandbox (besides the AWS endpoint) that handlers may reach.
    extra_relay_ports: tuple[int, ...] = ()
