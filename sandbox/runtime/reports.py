"""The platform lines Lambda writes around every invocation, and its error payloads.

Formats follow what Lambda writes to CloudWatch Logs for Python functions:
START, END and REPORT (with Init Duration on a cold start, and Status on a failure).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import time
from typing import Any

from sandbox.runtime.interpreters import Interpreter

CLIENT = f"awslambdaric-{importlib.metadata.version('awslambdaric')}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def init_start_line(interpreter: Interpreter, runtime: str) -> str:
    """Lambda's first line of an environment, naming the Python that really runs it (a
    ``python3.12`` function on a machine without 3.12 says ``python:3.11``)."""
    return (
        f"INIT_START Runtime Version: python:{interpreter.minor}.sandbox\t"
        f"Runtime Version ARN: {runtime_version_arn(interpreter)}"
    )


def explain_version_gap(error: dict[str, Any], interpreter: Interpreter,
                        runtime: str) -> dict[str, Any]:
    """A syntax error from code written for a newer Python than the one that ran it says
    so: the sandbox runs a runtime on the nearest Python it has (see interpreters)."""
    wanted = runtime.removeprefix("python")
    if not wanted or tuple(map(int, wanted.split("."))) <= tuple(
        map(int, interpreter.minor.split("."))
    ):
        return error
    note = (
        f" (this sandbox ran your {runtime} function on Python {interpreter.version}: "
        f"syntax that is new in Python {wanted} fails here, although it works on Lambda)"
    )
    return {**error, "errorMessage": str(error.get("errorMessage", "")) + note}


def runtime_version_arn(interpreter: Interpreter, region: str = "us-east-1") -> str:
    """An ARN of Lambda's shape (``arn:aws:lambda:<region>::runtime:<64 hex>``) that
    names this interpreter and runtime client build."""
    digest = hashlib.sha256(f"python:{interpreter.version}:{CLIENT}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None) -> int:
    """Rounded up to the next millisecond; since August 2025 the init phase is billed too."""
    return max(1, math.ceil(duration_ms + (init_duration_ms or 0.0)))


def report_line(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts) + "\t"


class PlatformLog:
    """Lambda's own lines in the function's log format: START, END and REPORT lines for
    ``Text``; for ``JSON`` (LoggingConfig), ``platform.*`` records as Lambda writes them
    (``platform.initStart``, ``platform.start``, ``platform.report``; no END line)."""

    def __init__(self, log_format: str | None) -> None:
        self.json = log_format == "JSON"

    def _record(self, kind: str, record: dict[str, Any]) -> str:
        return json.dumps({"time": iso_timestamp(), "type": f"platform.{kind}", "record": record})

    def init_start(self, interpreter: Interpreter, runtime: str, initialization_type: str) -> str:
        if not self.json:
            return init_start_line(interpreter, runtime)
        return self._record("initStart", {
            "initializationType": initialization_type,
            "phase": "init",
            "runtimeVersion": f"python:{interpreter.minor}.sandbox",
            "runtimeVersionArn": runtime_version_arn(interpreter),
        })

    def init_report(self, init_ms: float, error_type: str) -> str:
        if not self.json:
            return (
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                f"Error Type: {error_type}"
            )
        return self._record("initReport", {
            "initializationType": "on-demand", "phase": "init", "status": "error",
            "errorType": error_type, "metrics": {"durationMs": round(init_ms, 3)},
        })

    def start(self, request_id: str, version: str) -> str:
        if not self.json:
            return start_line(request_id, version)
        return self._record("start", {"requestId": request_id, "version": version})

    def end(self, request_id: str) -> str | None:
        return None if self.json else end_line(request_id)

    def report(self, request_id: str, duration_ms: float, billed_ms: int, memory_mb: int,
               max_memory_used_mb: int, init_duration_ms: float | None,
               status: str | None = None, error_type: str | None = None) -> str:
        if not self.json:
            return report_line(request_id, duration_ms, billed_ms, memory_mb,
                               max_memory_used_mb, init_duration_ms, status, error_type)
        metrics: dict[str, Any] = {
            "durationMs": round(duration_ms, 3),
            "billedDurationMs": billed_ms,
            "memorySizeMB": memory_mb,
            "maxMemoryUsedMB": max_memory_used_mb,
        }
        if init_duration_ms is not None:
            metrics["initDurationMs"] = round(init_duration_ms, 3)
        record: dict[str, Any] = {
            "requestId": request_id, "metrics": metrics, "status": status or "success"
        }
        if error_type:
            record["errorType"] = error_type
        return self._record("report", record)


def iso_timestamp(epoch_ms: int | None = None) -> str:
    epoch_ms = int(time.time() * 1000) if epoch_ms is None else epoch_ms
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def timeout_line(request_id: str, timeout_s: float) -> str:
    return f"{iso_timestamp()} {request_id} Task timed out after {timeout_s:.2f} seconds"


def timeout_error(request_id: str, timeout_s: float) -> dict[str, Any]:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
        ),
    }


def exit_error(
    request_id: str, reason: str, error_type: str = "Runtime.ExitError"
) -> dict[str, Any]:
    return {
        "errorType": error_type,
        "errorMessage": f"RequestId: {request_id} Error: {reason}",
    }


def out_of_memory_error(request_id: str) -> dict[str, Any]:
    return exit_error(
        request_id, "Runtime exited with error: signal: killed", "Runtime.OutOfMemory"
    )


def exit_reason(returncode: int | None) -> str:
    """Lambda's wording for how the runtime process ended (status 0: no reason given)."""
    if returncode is None or returncode == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: {_status(returncode)}"


def _status(returncode: int) -> str:
    if returncode < 0:
        import signal  # noqa: PLC0415

        names = {
            signal.SIGKILL: "killed",
            signal.SIGSEGV: "segmentation fault",
            signal.SIGABRT: "aborted",
            signal.SIGTERM: "terminated",
            signal.SIGBUS: "bus error",
            signal.SIGFPE: "floating point exception",
            signal.SIGINT: "interrupt",
        }
        return f"signal: {names.get(-returncode, f'signal {-returncode}')}"
    return f"exit status {returncode}"


def unsupported_runtime_error(runtime: str | None) -> dict[str, Any]:
    return {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": (
            f"Runtime {runtime!s} is not available in this sandbox: it runs Python functions "
            "only (python3.x runtimes). Use a python3.x runtime to run this function here."
        ),
    }


def response_too_large_error() -> dict[str, Any]:
    return {  # the byte count is the one AWS's own message quotes
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": (
            "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
        ),
    }
