"""One execution environment: the process that imports a handler once and serves invocations.

Started by ``environment.py`` as ``python -I -S worker.py <request fd> <response fd>
<site dirs>...`` with a clean environment (Lambda's variables only). It installs the
loopback guard, applies its limits, imports the handler (the init phase), reports
``ready`` and then answers one invocation at a time until the sandbox closes its pipe.
Learner output goes to stdout/stderr, which the sandbox reads as log lines.
"""

from __future__ import annotations

import os
import sys

WORKER_FILE = os.path.abspath(__file__)
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(WORKER_FILE)))
OWN_PACKAGES = ("course", "sandbox")


def _import_own_modules() -> tuple:
    """Import what the worker needs from this repository, then hide it from learner code.

    Learner modules may be called ``sandbox`` or ``course`` too; they must not get ours.
    """
    sys.path.insert(0, REPO_ROOT)
    try:
        from course.loopback import install_guard

        install_guard()  # before any learner code: nothing leaves the machine
        from sandbox.runtime import context, lambda_logging, wire
    finally:
        sys.path.remove(REPO_ROOT)
    for name in [m for m in sys.modules if m.split(".")[0] in OWN_PACKAGES]:
        del sys.modules[name]
    return context, lambda_logging, wire


context_module, lambda_logging, wire = _import_own_modules()

import contextlib  # noqa: E402
import json  # noqa: E402  (after the guard, so nothing imported can connect first)
import resource  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

MB = 1024 * 1024


class Fault(Exception):
    """A runtime fault with Lambda's error type (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []

    def result(self, request_id: str) -> dict[str, Any]:
        return make_error(self.message, self.error_type, self.trace, request_id)


def make_error(message: str, error_type: str, stack: list[str], request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def error_from_exception(error: BaseException, request_id: str) -> dict[str, Any]:
    import traceback

    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != WORKER_FILE]
    return make_error(str(error), type(error).__name__, traceback.format_list(frames), request_id)


def become_subreaper() -> None:
    """Orphans of this worker's descendants (a double fork, a setsid daemon) are re-parented
    to the worker instead of init, so the sandbox finds and kills them with the environment.
    Only where the worker shares the sandbox's uid; isolated workers are killed by uid."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def apply_limits(
    memory_mb: int, headroom_mb: int, ephemeral_mb: int, process_limit: int | None = None
) -> None:
    """Hard limits the learner's code cannot raise again (soft == hard)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            baseline = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        baseline = 0
    limits = [
        # Address space: the interpreter as it is now, plus the function's memory, plus
        # headroom for thread stacks and allocator reserves that are mapped but unused.
        (resource.RLIMIT_AS, baseline + (memory_mb + headroom_mb) * MB),
        # No single file bigger than the ephemeral storage (a write past it fails: EFBIG).
        (resource.RLIMIT_FSIZE, ephemeral_mb * MB),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 1024),
    ]
    if process_limit:  # counted per uid: only an environment's own uid gets one
        limits.append((resource.RLIMIT_NPROC, process_limit))
    for which, value in limits:
        # A platform without this limit: the sandbox's RSS watch still applies.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def load_handler(handler: str) -> Any:
    """Import ``module.function`` or ``pkg/module.function`` as Lambda's runtime does."""
    import importlib

    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            trace,
        ) from None
    function = getattr(module, function_name, None)
    if function is None:
        return Fault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


def decimal_serializer(value: Any) -> Any:
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def peak_rss_kb() -> int:
    """The process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss would
    carry over the peak of the (large) sandbox process this worker was forked from."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # the learner may have replaced or closed it
            stream.flush()


RESPONSE_TOO_LARGE = {  # AWS's own wording and byte count
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}


def run_invocation(handler: Any, request: dict[str, Any], response_limit: int) -> dict[str, Any]:
    request_id = request["request_id"]
    lambda_logging.RequestIdFilter.request_id = request_id
    context = context_module.LambdaContext(
        request_id,
        request["invoked_function_arn"],
        request["deadline_ms"],
        request.get("client_context"),
    )
    os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id", "")
    started = time.perf_counter()
    try:
        if isinstance(handler, Fault):
            raise handler
        event = json.loads(request["event"])
        result = handler(event, context)
        try:
            payload = json.dumps(result, default=decimal_serializer)
        except (TypeError, ValueError) as error:
            raise Fault("Runtime.MarshalError", f"Unable to marshal response: {error}") from None
        if len(payload) > response_limit:  # too long in characters is too long in bytes
            reply: dict[str, Any] = {"type": "error", "error": RESPONSE_TOO_LARGE}
        else:
            reply = {"type": "result", "payload": payload}
    except MemoryError:
        flush_output()
        reply = {"type": "out_of_memory"}
    except Fault as fault:
        error = fault.result(request_id)
        lambda_logging.log_error(error)
        reply = {"type": "error", "error": error}
    except Exception as exc:
        error = error_from_exception(exc, request_id)
        lambda_logging.log_error(error)
        reply = {"type": "error", "error": error}
    reply["duration_ms"] = (time.perf_counter() - started) * 1000
    flush_output()
    reply["max_rss_kb"] = peak_rss_kb()
    return reply


def probe(site_dirs: list[str]) -> None:
    """``worker.py --probe <site dirs>``: can this uid run the worker? (exit status 0)"""
    for folder in site_dirs:
        os.listdir(folder)


def main() -> None:
    if sys.argv[1] == "--probe":
        probe(sys.argv[2:])
        return
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    for fd in (request_fd, response_fd):
        os.set_inheritable(fd, False)  # a learner's subprocess must not get the protocol pipes
    setup = wire.read_message(request_fd)
    task_root = setup["task_root"]
    if setup.get("subreaper"):
        become_subreaper()
    apply_limits(
        setup["memory_mb"],
        setup["headroom_mb"],
        setup["ephemeral_mb"],
        setup.get("process_limit"),
    )
    os.chdir(task_root)
    # Lambda's order: the function's code, its layers, then the runtime's libraries.
    sys.path[:0] = [task_root, *setup["layer_paths"]]
    sys.path.extend(sys.argv[3:])
    sys.stdout.reconfigure(line_buffering=True)  # prints reach the log even if killed later
    sys.stderr.reconfigure(line_buffering=True)
    lambda_logging.install_lambda_logging()

    try:
        handler = load_handler(setup["handler"])
    except Fault as fault:
        error = fault.result("")
        lambda_logging.log_error(error)
        flush_output()
        wire.write_message(
            response_fd, {"type": "init_error", "error": error, "max_rss_kb": peak_rss_kb()}
        )
        return
    except MemoryError:
        flush_output()
        wire.write_message(response_fd, {"type": "out_of_memory"})
        return
    except Exception as exc:
        error = error_from_exception(exc, "")
        lambda_logging.log_error(error)
        flush_output()
        wire.write_message(
            response_fd, {"type": "init_error", "error": error, "max_rss_kb": peak_rss_kb()}
        )
        return
    flush_output()
    wire.write_message(response_fd, {"type": "ready"})

    while True:
        try:
            request = wire.read_message(request_fd)
        except wire.WireError:
            return  # the sandbox retired this environment
        reply = run_invocation(handler, request, setup["response_limit"])
        wire.write_message(response_fd, reply)
        if reply["type"] == "out_of_memory":
            os._exit(1)


if __name__ == "__main__":
    main()
