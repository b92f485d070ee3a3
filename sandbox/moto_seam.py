"""The one place where the sandbox patches moto, so Lambda functions run in our runtime.

moto stores functions and answers Lambda's API; to run a function it would start a
Docker container (``LambdaFunction._invoke_lambda``). We replace the entry points above
it, pinned to the moto versions listed in ``SUPPORTED_MOTO``:

* ``LambdaBackend.invoke``: the Invoke API (sync, Event, DryRun; aliases; throttling).
* ``LambdaFunction.invoke``: what moto's event sources (SQS, SNS, DynamoDB, Kinesis,
  CloudWatch Logs subscriptions) call with a ready-made event.
* ``moto.s3.notifications._invoke_awslambda``: S3 -> Lambda, made asynchronous as on AWS.
* ``moto.s3.notifications._get_s3_event``: the S3 event record, with all of S3's fields.
* ``LambdaFunction._invoke_lambda``: must never run (it would use Docker).

``check_contract()`` lists what no longer matches when moto changes under us; the test
``tests/sandbox/test_moto_seam.py`` fails with that list, naming moto's version.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any, Protocol

import moto
import moto.s3.notifications as s3_notifications
from moto.awslambda.models import LambdaBackend, LambdaFunction

from sandbox.triggers import S3ObjectChange

SUPPORTED_MOTO = ((5, 2), (5, 3))  # [from, to) by (major, minor)

# What we patch and the parameters moto calls it with (names, in order).
PATCHED: dict[str, tuple[Any, str, list[str]]] = {
    "moto.awslambda.models.LambdaBackend.invoke": (
        LambdaBackend,
        "invoke",
        ["self", "function_name", "qualifier", "body", "headers", "response_headers"],
    ),
    "moto.awslambda.models.LambdaFunction.invoke": (
        LambdaFunction,
        "invoke",
        ["self", "body", "request_headers", "response_headers"],
    ),
    "moto.awslambda.models.LambdaFunction._invoke_lambda": (
        LambdaFunction,
        "_invoke_lambda",
        ["self", "event"],
    ),
    "moto.s3.notifications._invoke_awslambda": (
        s3_notifications,
        "_invoke_awslambda",
        ["account_id", "event_body", "fn_arn", "region_name"],
    ),
    "moto.s3.notifications._get_s3_event": (
        s3_notifications,
        "_get_s3_event",
        ["event_name", "bucket", "key", "notification_id"],
    ),
}

# moto internals used elsewhere in the sandbox (moto_state), checked here too.
USED: dict[str, tuple[str, str]] = {
    "LambdaBackend.get_function": ("moto.awslambda.models", "LambdaBackend.get_function"),
    "LambdaBackend.get_alias": ("moto.awslambda.models", "LambdaBackend.get_alias"),
    "LambdaBackend.layers_versions_by_arn": (
        "moto.awslambda.models",
        "LambdaBackend.layers_versions_by_arn",
    ),
    "LogsBackend.ensure_log_group": ("moto.logs.models", "LogsBackend.ensure_log_group"),
    "LogsBackend.ensure_log_stream": ("moto.logs.models", "LogsBackend.ensure_log_stream"),
    "LogsBackend.put_log_events": ("moto.logs.models", "LogsBackend.put_log_events"),
    "CloudWatchBackend.put_metric_data": (
        "moto.cloudwatch.models",
        "CloudWatchBackend.put_metric_data",
    ),
    "STSBackend.assume_role": ("moto.sts.models", "STSBackend.assume_role"),
    "IAMBackend.create_user": ("moto.iam.models", "IAMBackend.create_user"),
    "IAMBackend.create_access_key": ("moto.iam.models", "IAMBackend.create_access_key"),
    "BackendDict._instances": ("moto.core.base_backend", "BackendDict._instances"),
    "S3BackendDict.bucket_accounts": ("moto.s3.models", "s3_backends.bucket_accounts"),
    "iam.get_account_id_from": ("moto.iam.models", "get_account_id_from"),
}


class SeamError(RuntimeError):
    """moto changed where the sandbox hooks into it."""


class LambdaService(Protocol):
    """What the patched entry points hand their calls to (sandbox.lambda_service)."""

    def invoke_api(
        self,
        backend: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> bytes: ...

    def invoke_from_event_source(self, fn: LambdaFunction, body: Any) -> bytes: ...

    def s3_notification(
        self, account_id: str, event_body: dict, fn_arn: str, region_name: str
    ) -> None: ...

    def s3_event(self, change: S3ObjectChange) -> dict: ...


def moto_version() -> tuple[int, int]:
    major, minor = moto.__version__.split(".")[:2]
    return int(major), int(minor)


def _resolve(dotted: str) -> Any:
    module_name, _, attribute_path = dotted.partition(":")
    target: Any = __import__(module_name, fromlist=["_"])
    for part in attribute_path.split("."):
        target = getattr(target, part)
    return target


def check_contract() -> list[str]:
    """Every way in which the installed moto differs from what the seam expects."""
    problems = []
    low, high = SUPPORTED_MOTO
    if not low <= moto_version() < high:
        problems.append(
            f"moto {moto.__version__} is outside the supported range "
            f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
        )
    for name, (owner, attribute, parameters) in PATCHED.items():
        original = _originals.get(name) or getattr(owner, attribute, None)
        if original is None:
            problems.append(f"{name} is missing")
            continue
        found = list(inspect.signature(original).parameters)
        if found != parameters:
            problems.append(f"{name} takes {found}, the seam expects {parameters}")
    for name, (module_name, attribute_path) in USED.items():
        try:
            _resolve(f"{module_name}:{attribute_path}")
        except (ImportError, AttributeError):
            problems.append(f"{name} ({module_name}.{attribute_path}) is missing")
    return problems


_lock = threading.Lock()
_originals: dict[str, Any] = {}


def install(service: LambdaService) -> None:
    """Route moto's Lambda executions to ``service``; raises SeamError if moto changed."""
    problems = check_contract()
    if problems:
        raise SeamError(
            f"the sandbox cannot hook into moto {moto.__version__}: " + "; ".join(problems)
        )

    def backend_invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        return service.invoke_api(self, function_name, qualifier, body, headers, response_headers)

    def function_invoke(
        self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any
    ) -> bytes:
        return service.invoke_from_event_source(self, body)

    def never_docker(self: LambdaFunction, event: Any = None) -> Any:
        raise SeamError("moto tried to run a function in Docker; the sandbox must run it")

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        service.s3_notification(account_id, event_body, fn_arn, region_name)

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict:
        change = S3ObjectChange(
            event_name=getattr(event_name, "value", str(event_name)),  # a str Enum in moto
            region=bucket.region_name,
            bucket_name=bucket.name,
            bucket_owner_account=bucket.account_id,
            key=key.name,
            size=key.size,
            etag=key.etag,
            version_id=key.version_id if bucket.is_versioned else None,
            configuration_id=notification_id,
        )
        return service.s3_event(change)

    replacements: dict[str, Callable[..., Any]] = {
        "moto.awslambda.models.LambdaBackend.invoke": backend_invoke,
        "moto.awslambda.models.LambdaFunction.invoke": function_invoke,
        "moto.awslambda.models.LambdaFunction._invoke_lambda": never_docker,
        "moto.s3.notifications._invoke_awslambda": invoke_awslambda,
        "moto.s3.notifications._get_s3_event": get_s3_event,
    }
    with _lock:
        for name, replacement in replacements.items():
            owner, attribute, _ = PATCHED[name]
            _originals.setdefault(name, getattr(owner, attribute))
            setattr(owner, attribute, replacement)


def uninstall() -> None:
    """Put moto back as it was."""
    with _lock:
        for name, original in _originals.items():
            owner, attribute, _ = PATCHED[name]
            setattr(owner, attribute, original)
        _originals.clear()


def installed() -> bool:
    return bool(_originals)
