"""Everything the sandbox reads or writes inside moto's in-process backends.

moto's server runs in the sandbox's own process, so the sandbox reads stored functions,
writes log events and metrics, and manages learner accounts by calling moto's backends
directly (no HTTP round trip). Like the patches in ``moto_seam``, these are moto
internals: ``tests/sandbox/test_moto_seam.py`` checks each name used here.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from typing import Any

import moto
from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.utils import make_function_arn
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.base_backend import BackendDict
from moto.core.models import DEFAULT_ACCOUNT_ID, default_user_config
from moto.iam.models import AccessKey, iam_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.sts.models import sts_backends

from sandbox.runtime.spec import FunctionSpec

__all__ = [  # exceptions the sandbox raises through moto's error handling, re-exported
    "InvalidParameterValueException",
    "LambdaClientError",
]

MOTO_VERSION: str = moto.__version__
PARTITION = "aws"
_logs_lock = threading.Lock()


class TooManyRequestsException(LambdaClientError):
    """Invoke's throttle answer: HTTP 429, as Lambda returns it."""

    code = 429

    def __init__(self, reason: str) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps(
            {
                "__type": "TooManyRequestsException",
                "Reason": reason,
                "Type": "User",
                "message": "Rate Exceeded.",
            }
        )


class ServiceException(LambdaClientError):
    """Something broke inside the sandbox; Lambda's answer for its own failures."""

    code = 500

    def __init__(self, message: str) -> None:
        super().__init__("ServiceException", message)


class InvalidRequestContentException(LambdaClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


def configure_moto() -> None:
    """moto settings the sandbox relies on, set before any account exists."""
    # AWS managed policies (AWSLambdaBasicExecutionRole, AmazonS3ReadOnlyAccess...) in
    # every account, so learners can attach them as on AWS.
    default_user_config.setdefault("iam", {})["load_aws_managed_policies"] = True
    # Lambda runs through the sandbox's runtime, never moto's Docker-less stub.
    default_user_config.setdefault("lambda", {})["use_docker"] = True


# Functions -------------------------------------------------------------------------


def lambda_backend(account_id: str, region: str) -> LambdaBackend:
    return lambda_backends[account_id][region]


def unqualified_arn(fn: LambdaFunction) -> str:
    return make_function_arn(fn.region, fn.account_id, fn.function_name)


_code_hashes: dict[int, tuple[bytes, str]] = {}


def code_hash(code: bytes) -> str:
    """Hex SHA-256 of a package (moto's CodeSha256 is base64, unusable as a folder name).
    Remembered per bytes object: a warm invoke must not hash megabytes of code again."""
    cached = _code_hashes.get(id(code))
    if cached is not None and cached[0] is code:
        return cached[1]
    digest = hashlib.sha256(code).hexdigest()
    if len(_code_hashes) >= 256:  # bounded: old packages may be released
        del _code_hashes[next(iter(_code_hashes))]
    _code_hashes[id(code)] = (code, digest)
    return digest


def function_spec(fn: LambdaFunction, reserved_concurrency: Any = None) -> FunctionSpec:
    """The runtime's view of one stored function version."""
    backend = lambda_backend(fn.account_id, fn.region)
    layers = []
    for layer in fn.layers or []:
        layer_version = backend.layers_versions_by_arn(layer["Arn"])
        if layer_version is not None and layer_version.code_bytes:
            layers.append((code_hash(layer_version.code_bytes), layer_version.code_bytes))
    return FunctionSpec(
        account_id=fn.account_id,
        region=fn.region,
        function_name=fn.function_name,
        version=str(fn.version),
        function_arn=unqualified_arn(fn),
        handler=fn.handler or "",
        runtime=fn.run_time or "",
        memory_mb=int(fn.memory_size),
        timeout_s=float(fn.timeout),
        ephemeral_mb=int(fn.ephemeral_storage),
        role_arn=fn.role,
        code_zip=fn.code_bytes,
        code_sha256=code_hash(fn.code_bytes),
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        layers=tuple(layers),
        reserved_concurrency=None if reserved_concurrency is None else int(reserved_concurrency),
    )


def qualifier_of(function_name: str, qualifier: str | None) -> tuple[str, str | None]:
    """(name, qualifier) from a name, ``name:qualifier`` or an ARN, as Invoke accepts."""
    if function_name.startswith("arn:"):
        parts = function_name.split(":")
        name = parts[6]
        return name, (parts[7] if len(parts) > 7 else None) or qualifier
    if ":" in function_name:
        name, _, in_name = function_name.partition(":")
        return name, in_name or qualifier
    return function_name, qualifier


def resolve_invocation(
    backend: LambdaBackend, function_name: str, qualifier: str | None
) -> tuple[FunctionSpec, str]:
    """The version to run (alias weights applied) and the ARN the caller invoked."""
    fn = backend.get_function(function_name, qualifier)  # raises Lambda's not-found errors
    name, used_qualifier = qualifier_of(function_name, qualifier)
    latest = backend.get_function(name)
    if used_qualifier and used_qualifier != "$LATEST" and not used_qualifier.isdigit():
        alias = backend.get_alias(used_qualifier, name)
        weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
        draw = random.random()
        for version, weight in weights.items():
            if draw < float(weight):
                fn = backend.get_function(name, str(version))
                break
            draw -= float(weight)
    invoked_arn = unqualified_arn(latest)
    if used_qualifier:
        invoked_arn += f":{used_qualifier}"
    return function_spec(fn, latest.reserved_concurrency), invoked_arn


def function_by_arn(account_id: str, region: str, arn: str) -> tuple[FunctionSpec, str]:
    """For triggers: the function (or version/alias) a notification names."""
    return resolve_invocation(lambda_backend(account_id, region), arn, None)


def still_exists(spec: FunctionSpec) -> bool:
    """Whether the function version is still stored (an account reset may have wiped it)."""
    try:
        lambda_backend(spec.account_id, spec.region).get_function(spec.function_name, spec.version)
    except LambdaClientError:
        return False
    return True


def async_retry_attempts(spec: FunctionSpec) -> int:
    """MaximumRetryAttempts of the function's event invoke config (Lambda's default: 2)."""
    try:
        fn = lambda_backend(spec.account_id, spec.region).get_function(spec.function_name)
    except LambdaClientError:
        return 0
    for config in fn.event_invoke_config:
        attempts = config.config.get("MaximumRetryAttempts")
        if attempts is not None:
            return int(attempts)
    return 2


def trigger_spec(fn: LambdaFunction) -> FunctionSpec:
    latest = lambda_backend(fn.account_id, fn.region).get_function(fn.function_name)
    return function_spec(fn, latest.reserved_concurrency)


# CloudWatch ------------------------------------------------------------------------


class CloudWatchLogStream:
    """One execution environment's log stream in /aws/lambda/<function>."""

    def __init__(self, account_id: str, region: str, group: str, name: str) -> None:
        self.account_id = account_id
        self.region = region
        self.group = group
        self.name = name

    def write(self, events: list[tuple[int, str]]) -> None:
        backend = logs_backends[self.account_id][self.region]
        batch = [{"timestamp": ts, "message": message} for ts, message in events]
        with _logs_lock:  # moto's log streams are not thread-safe
            # Lambda recreates the group and stream if the learner deleted them.
            backend.ensure_log_group(self.group)
            backend.ensure_log_stream(self.group, self.name)
            backend.put_log_events(self.group, self.name, batch)


def publish_metrics(
    account_id: str, region: str, function_name: str, values: dict[str, tuple[float, str]]
) -> None:
    """AWS/Lambda metrics with the FunctionName dimension: {name: (value, unit)}."""
    dimensions = [{"Name": "FunctionName", "Value": function_name}]
    data = [  # no Timestamp: moto stamps "now" in the form its queries compare with
        {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
        for name, (value, unit) in values.items()
    ]
    cloudwatch_backends[account_id][region].put_metric_data("AWS/Lambda", data)


# Accounts and credentials ------------------------------------------------------------


def role_credentials(
    account_id: str, region: str, role_arn: str, session_name: str
) -> dict[str, str]:
    """Temporary credentials of the function's execution role, as Lambda hands them over."""
    sts = sts_backends[account_id][PARTITION]
    role = sts.assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=43200,
        external_id="",
    )
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def new_access_key_pair(account_id: str) -> tuple[str, str]:
    """A fresh access key id (AKIA..., as moto encodes it for this account) and secret."""
    key = AccessKey(user_name=None, prefix="AKIA", account_id=account_id)
    return key.access_key_id, key.secret_access_key


def register_user_key(
    account_id: str, user_name: str, access_key_id: str, secret_access_key: str
) -> None:
    """An IAM user in the account with exactly this access key: moto then routes every
    request signed with it to this account."""
    iam = iam_backends[account_id][PARTITION]
    if user_name not in iam.users:
        iam.create_user(region_name="us-east-1", user_name=user_name, path="/")
    if access_key_id in iam.access_keys:
        return
    key = iam.create_access_key(user_name)
    del iam.access_keys[key.access_key_id]
    key.access_key_id = access_key_id
    key.secret_access_key = secret_access_key
    iam.access_keys[access_key_id] = key


def principal_id(access_key_id: str | None, account_id: str) -> str:
    """The principal S3 names in an event: the IAM user's or the role session's id."""
    if access_key_id:
        iam = iam_backends[account_id][PARTITION]
        key = iam.access_keys.get(access_key_id)
        if key is not None and key.user_name in iam.users:
            return "AWS:" + iam.users[key.user_name].id
        sts = sts_backends[account_id][PARTITION]
        role = sts.get_assumed_role_from_access_key(access_key_id)
        if role is not None:
            return "AWS:" + role.user_id
    return f"AWS:{account_id}"


def account_of_access_key(access_key_id: str) -> str | None:
    """The account a key belongs to, or None for a key no account knows."""
    for account_id, account in list(iam_backends.items()):
        if PARTITION in account and access_key_id in account[PARTITION].access_keys:
            return account_id
    return None


def wipe_account(account_id: str) -> None:
    """Forget every resource of one account, in every service; other accounts keep theirs."""
    for backend_dict in list(BackendDict._instances):
        if account_id not in backend_dict:
            continue
        if backend_dict is s3_backends:
            # S3 keeps a global name -> account table and open files per object.
            for region_backend in list(backend_dict[account_id].values()):
                region_backend.reset()
        del backend_dict[account_id]


def bucket_owner(bucket_name: str) -> str | None:
    """The account owning a bucket name (names are global across accounts)."""
    entry = s3_backends.bucket_accounts.get(bucket_name)
    return entry[1] if entry else None


def is_default_account(account_id: str) -> bool:
    return account_id == DEFAULT_ACCOUNT_ID
