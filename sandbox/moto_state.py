"""Everything the sandbox reads or writes inside moto's in-process backends.

moto's server runs in the sandbox's own process, so the sandbox reads stored functions,
writes log events and metrics, and manages learner accounts by calling moto's backends
directly (no HTTP round trip). Like the patches in ``moto_seam``, these are moto
internals: ``tests/sandbox/test_moto_seam.py`` checks each name used here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import threading
import time
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

from sandbox import resource_policy
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
    logging_config = getattr(fn, LOGGING_ATTRIBUTE, None) or {}
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
        log_format=logging_config.get("LogFormat"),
        application_log_level=logging_config.get("ApplicationLogLevel"),
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
    attempts = event_invoke_config(spec).get("MaximumRetryAttempts")
    return 2 if attempts is None else int(attempts)


def event_invoke_config(spec: FunctionSpec) -> dict[str, Any]:
    """The function's asynchronous invocation settings (the latest put), or {}."""
    try:
        fn = lambda_backend(spec.account_id, spec.region).get_function(spec.function_name)
    except LambdaClientError:
        return {}
    configs = fn.event_invoke_config
    return dict(configs[-1].config) if configs else {}


DEAD_LETTER_ATTRIBUTE = "sandbox_dead_letter_config"  # set on moto's functions by the seam
LOGGING_ATTRIBUTE = "sandbox_logging_config"  # LoggingConfig, which moto does not keep


def dead_letter_target(spec: FunctionSpec) -> str | None:
    """The TargetArn of the version's DeadLetterConfig (SQS queue or SNS topic)."""
    try:
        fn = lambda_backend(spec.account_id, spec.region).get_function(
            spec.function_name, None if spec.version == "$LATEST" else spec.version
        )
    except LambdaClientError:
        return None
    config = getattr(fn, DEAD_LETTER_ATTRIBUTE, None) or {}
    return config.get("TargetArn") or None


def function_role(account_id: str, region: str, function_arn: str) -> str:
    return lambda_backend(account_id, region).get_function(function_arn).role


def function_policy(account_id: str, region: str, function_arn: str) -> dict[str, Any] | None:
    """The function's resource-based policy document, or None (no function, no policy).
    moto keeps one policy per function, shared by its versions and aliases: a statement
    added with a qualifier has that qualifier in its Resource."""
    try:
        wire = lambda_backend(account_id, region).get_policy(function_arn)
    except LambdaClientError:
        return None
    policy = json.loads(wire)["Policy"]
    return json.loads(policy) if isinstance(policy, str) else policy


def function_allows(
    function_arn: str,
    principal: str,
    source_arn: str | None,
    source_account: str | None,
    action: str = resource_policy.INVOKE,
    context: dict[str, str] | None = None,
) -> bool:
    """May ``principal`` call ``action`` on this function (or version, or alias) for the
    source? Lambda checks the policy of what the ARN names: the function's own statements
    for an unqualified or ``$LATEST`` ARN, the alias's or version's for a qualified one."""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        return False
    resource = ":".join(parts[:7]) if parts[7:] in ([], ["$LATEST"]) else ":".join(parts[:8])
    document = function_policy(parts[4], parts[3], resource)
    return resource_policy.allows(
        document, principal, source_arn, source_account, action, resource=resource, context=context
    )


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
    put_metrics(account_id, region, "AWS/Lambda", {"FunctionName": function_name}, values)


def put_metrics(
    account_id: str,
    region: str,
    namespace: str,
    dimensions: dict[str, str],
    values: dict[str, tuple[float, str]],
) -> None:
    """Datapoints of one namespace and set of dimensions: {name: (value, unit)}."""
    named = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    data = [  # no Timestamp: moto stamps "now" in the form its queries compare with
        {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": named}
        for name, (value, unit) in values.items()
    ]
    cloudwatch_backends[account_id][region].put_metric_data(namespace, data)


# Accounts and credentials ------------------------------------------------------------


# Access keys of execution roles that Lambda handed to functions: the requests signed with
# them are checked against the role's policies (see iam_enforcement).
function_access_keys: set[str] = set()


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
    function_access_keys.add(role.access_key_id)
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def role_policies(role_arn: str) -> tuple[dict[str, Any], list[Any]] | None:
    """A role's trust policy and its permission policies (inline texts and attached
    managed policies, for ``iam_enforcement.policy_document``); None if there is no role."""
    account_id = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    if account_id not in iam_backends:
        return None
    iam = iam_backends[account_id][PARTITION]
    try:
        role = iam.get_role_by_arn(role_arn)
    except Exception:  # moto's NoSuchEntity
        return None
    trust = role.assume_role_policy_document
    names = iam.list_role_policies(role.name)
    policies: list[Any] = [iam.get_role_policy(role.name, n)[1] for n in names]
    policies += list(iam.list_attached_role_policies(role.name)[0])
    return (json.loads(trust) if isinstance(trust, str) else dict(trust)), policies


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


# Deliveries to other services (destinations, dead-letter queues, targets) -------------


class DeliveryError(RuntimeError):
    """A record could not be delivered (no such queue or topic, another account...)."""


def _arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise DeliveryError(f"{arn!r} is not an ARN")
    return parts[2], parts[3], parts[4], parts[5]


def same_account(arn: str, account_id: str) -> None:
    """Learners deliver only inside their own account: no other learner's queue or topic."""
    if _arn_parts(arn)[2] != account_id:
        raise DeliveryError(f"{arn} is in another account than {account_id}")


def send_sqs_message(
    queue_arn: str, body: str, attributes: dict[str, dict[str, Any]] | None = None
) -> str:
    from moto.sqs.models import sqs_backends

    _, region, account, name = _arn_parts(queue_arn)
    try:
        queue_backend = sqs_backends[account][region]
        queue_backend.get_queue(name)
    except Exception as error:
        raise DeliveryError(f"no queue {queue_arn}: {error}") from None
    message = queue_backend.send_message(name, body, message_attributes=attributes or {})
    return message.id


def publish_sns_message(
    topic_arn: str,
    message: str,
    subject: str | None = None,
    attributes: dict[str, dict[str, Any]] | None = None,
) -> str:
    from moto.sns.models import sns_backends

    _, region, account, _ = _arn_parts(topic_arn)
    try:
        return sns_backends[account][region].publish(
            message, arn=topic_arn, subject=subject, message_attributes=attributes or {}
        )
    except Exception as error:
        raise DeliveryError(f"no topic {topic_arn}: {error}") from None


def put_event(bus_arn: str, event: dict[str, Any]) -> None:
    """An EventBridge event (version/id/detail-type/... document) onto a bus."""
    from moto.events.models import events_backends

    _, region, account, resource = _arn_parts(bus_arn)
    bus = resource.split("/", 1)[1] if "/" in resource else "default"
    entry = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
        "Resources": event.get("resources", []),
        "EventBusName": bus,
    }
    try:
        results = events_backends[account][region].put_events([entry])
    except Exception as error:
        raise DeliveryError(f"no event bus {bus_arn}: {error}") from None
    if results and "ErrorCode" in results[0]:
        raise DeliveryError(results[0].get("ErrorMessage", "PutEvents failed"))


# Event source mappings -----------------------------------------------------------------


def all_event_source_mappings() -> list[Any]:
    found = []
    for _, regions in list(lambda_backends.items()):
        for _, backend in list(regions.items()):
            found += list(backend._event_source_mappings.values())
    return found


def event_source_mapping_exists(account_id: str, region: str, esm: Any) -> bool:
    regions = lambda_backends.get(account_id) if account_id in lambda_backends else None
    if regions is None or region not in regions:
        return False
    return regions[region]._event_source_mappings.get(esm.uuid) is esm


def detach_event_source_mapping(esm: Any) -> None:
    """Take a new mapping away from moto's sources, which would push each record to the
    function from inside the producer's request; the sandbox's pollers read them instead."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    account, region = esm.account_id, esm.region
    holders: list[Any] = []
    with_suppressed = (KeyError, AttributeError, LambdaClientError)
    try:
        holders += list(sqs_backends[account][region].queues.values())
        holders += list(dynamodb_backends[account][region].tables.values())
        holders += list(kinesis_backends[account][region].streams.values())
    except with_suppressed:
        pass
    for holder in holders:
        mappings = getattr(holder, "lambda_event_source_mappings", None)
        if mappings:
            for key in [k for k, v in mappings.items() if v is esm]:
                del mappings[key]


# SQS, as a poller sees it ------------------------------------------------------------

_queue_locks: dict[tuple[str, str, str], threading.Lock] = {}
_queue_locks_lock = threading.Lock()


def _queue(account_id: str, region: str, name: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account_id][region].get_queue(name)


def _queue_lock(account_id: str, region: str, name: str) -> threading.Lock:
    with _queue_locks_lock:
        return _queue_locks.setdefault((account_id, region, name), threading.Lock())


def sqs_receive(account_id: str, region: str, name: str, count: int) -> list[Any]:
    """Receive up to ``count`` visible messages (their visibility timeout starts)."""
    from moto.sqs.models import sqs_backends

    try:
        backend = sqs_backends[account_id][region]
        queue = backend.get_queue(name)
    except Exception:
        return []
    with _queue_lock(account_id, region, name):
        return backend.receive_message(name, count, 0, queue.visibility_timeout, ["All"])


def sqs_wait(account_id: str, region: str, name: str, timeout_s: float) -> None:
    """Until a message may be there (or the timeout): moto notifies on every send."""
    try:
        queue = _queue(account_id, region, name)
    except Exception:
        time.sleep(timeout_s)
        return
    queue.wait_for_messages(timeout_s)


def sqs_visible_count(account_id: str, region: str, name: str) -> int:
    try:
        return len(_queue(account_id, region, name).messages)
    except Exception:
        return 0


def sqs_delete(account_id: str, region: str, name: str, receipt_handles: list[str]) -> None:
    """moto's Queue.delete_message for many handles in one pass over the queue (moto's own
    takes a pass per message: a batch of 10 in a queue of 1,000 would take 20,000 steps)."""
    try:
        queue = _queue(account_id, region, name)
    except Exception:
        return  # the queue is gone
    handles = set(receipt_handles) - queue.deleted_messages
    if not handles:
        return
    with _queue_lock(account_id, region, name):
        kept = []
        for message in queue._messages:
            if handles.intersection(message.all_receipt_handles):
                queue.pending_messages.discard(message)
                queue.deleted_messages.update(message.all_receipt_handles)
                continue
            kept.append(message)
        queue._messages = kept


def sqs_record(message: Any, queue_arn: str) -> dict[str, Any]:
    from sandbox import events

    return events.sqs_record(
        message_id=message.id,
        receipt_handle=message.receipt_handle,
        body=message.body,
        queue_arn=queue_arn,
        receive_count=int(message.approximate_receive_count),
        sent_ms=int(message.sent_timestamp),
        first_receive_ms=int(message.approximate_first_receive_timestamp),
        sender_id=message.sender_id,
        message_attributes=message.message_attributes,
        group_id=getattr(message, "group_id", None),
        deduplication_id=getattr(message, "deduplication_id", None),
        sequence_number=getattr(message, "sequence_number", None),
    )


# DynamoDB Streams and Kinesis, as pollers see them -------------------------------------


def dynamodb_stream_shard(account_id: str, region: str, stream_arn: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    table_name = stream_arn.split(":", 5)[5].split("/")[1]
    try:
        table = dynamodb_backends[account_id][region].get_table(table_name)
    except Exception:
        return None
    if table.stream_shard is None or not stream_arn.endswith(str(table.latest_stream_label)):
        return None
    return table.stream_shard


def dynamodb_stream_record(item: Any, order: int, stream_arn: str, region: str) -> Any:
    from sandbox import events
    from sandbox.pollers import StreamRecord

    raw = item.record
    change = raw["dynamodb"]
    created = change.get("ApproximateCreationDateTime")
    arrival = created.timestamp() if hasattr(created, "timestamp") else time.time()
    if getattr(created, "tzinfo", 1) is None:  # moto's naive UTC datetimes
        import calendar

        arrival = calendar.timegm(created.utctimetuple()) + created.microsecond / 1e6
    record = events.dynamodb_record(
        stream_arn=stream_arn,
        event_name=raw["eventName"],
        keys=change["Keys"],
        new_image=change.get("NewImage"),
        old_image=change.get("OldImage"),
        sequence_number=str(change["SequenceNumber"]),
        view_type=change["StreamViewType"],
        created=arrival,
        size_bytes=int(change.get("SizeBytes") or 0) or None,
        event_id=raw["eventID"],
    )
    return StreamRecord(str(change["SequenceNumber"]), order, arrival, record)


def _kinesis_stream(account_id: str, region: str, stream_arn: str) -> Any:
    from moto.kinesis.models import kinesis_backends

    for stream in list(kinesis_backends[account_id][region].streams.values()):
        if stream.arn == stream_arn:
            return stream
    return None


def kinesis_shard_ids(account_id: str, region: str, stream_arn: str) -> list[str]:
    stream = _kinesis_stream(account_id, region, stream_arn)
    return [shard.shard_id for shard in stream.shards.values()] if stream else []


def _kinesis_shard(account_id: str, region: str, stream_arn: str, shard_id: str) -> Any:
    stream = _kinesis_stream(account_id, region, stream_arn)
    if stream is None:
        return None
    return next((s for s in stream.shards.values() if s.shard_id == shard_id), None)


def kinesis_last_sequence(account_id: str, region: str, stream_arn: str, shard_id: str) -> int:
    shard = _kinesis_shard(account_id, region, stream_arn, shard_id)
    return shard.get_max_sequence_number() if shard is not None else 0


def kinesis_sequence_before(
    account_id: str, region: str, stream_arn: str, shard_id: str, timestamp: float
) -> int:
    shard = _kinesis_shard(account_id, region, stream_arn, shard_id)
    if shard is None:
        return 0
    before = 0
    for sequence, record in list(shard.records.items()):
        if record.created_at >= timestamp:
            break
        before = sequence
    return before


def kinesis_records(
    account_id: str,
    region: str,
    stream_arn: str,
    shard_id: str,
    after: int,
    limit: int,
    role_arn: str,
) -> list[tuple[int, float, dict[str, Any]]]:
    """(sequence, arrival, Lambda record) of up to ``limit`` records after ``after``."""
    from sandbox import events

    shard = _kinesis_shard(account_id, region, stream_arn, shard_id)
    if shard is None:
        return []
    found = []
    for sequence, record in list(shard.records.items()):
        if sequence <= after:
            continue
        found.append(
            (
                sequence,
                record.created_at,
                events.kinesis_record(
                    stream_arn=stream_arn,
                    shard_id=shard_id,
                    partition_key=record.partition_key,
                    sequence_number=str(sequence),
                    data_b64=record.data,
                    arrival=record.created_at,
                    role_arn=role_arn,
                ),
            )
        )
        if len(found) >= limit:
            break
    return found


# EventBridge rules and CloudWatch Logs subscription filters ------------------------------


def events_rule(account_id: str, region: str, name: str) -> Any:
    """A rule of the default event bus (where schedules live), or None."""
    from moto.events.models import events_backends

    try:
        bus = events_backends[account_id][region].event_buses.get("default")
    except KeyError:
        return None
    return None if bus is None else bus.rules.get(name)


def all_schedule_rules() -> list[Any]:
    from moto.events.models import events_backends

    found = []
    for _, regions in list(events_backends.items()):
        for _, backend in list(regions.items()):
            for bus in list(backend.event_buses.values()):
                found += [r for r in bus.rules.values() if r.scheduled_expression]
    return found


def send_to_moto_targets(rule: Any, targets: list[dict], event: dict[str, Any], due: float) -> None:
    """A scheduled event to the targets moto delivers itself (SQS, logs, other buses)."""
    import copy

    from sandbox import moto_seam

    moto_event = dict(event)
    moto_event["time"] = due
    moto_event["ingestion-time"] = due
    clone = copy.copy(rule)
    clone.targets = targets
    # A target moto cannot reach: EventBridge would retry, then drop the event.
    with contextlib.suppress(Exception):
        moto_seam.original("moto.events.models.Rule.send_to_targets")(clone, moto_event)


def subscription_filter_pattern(
    account_id: str, region: str, log_group: str, filter_name: str
) -> str | None:
    try:
        group = logs_backends[account_id][region].groups[log_group]
        return group.subscription_filters[filter_name].filter_pattern
    except (KeyError, AttributeError):
        return None


# EventBridge Scheduler -------------------------------------------------------------------


def scheduler_schedule(account_id: str, region: str, group: str, name: str) -> Any:
    """An EventBridge Scheduler schedule, or None."""
    from moto.scheduler.models import scheduler_backends

    try:
        return scheduler_backends[account_id][region].get_schedule(group, name)
    except Exception:  # no such account, group or schedule
        return None


def all_scheduler_schedules() -> list[tuple[str, str, str, str]]:
    """(account, region, group, name) of every schedule moto holds."""
    from moto.scheduler.models import scheduler_backends

    found = []
    for account_id, regions in list(scheduler_backends.items()):
        for region, backend in list(regions.items()):
            for group in list(backend.schedule_groups.values()):
                found += [(account_id, region, group.name, n) for n in list(group.schedules)]
    return found


def delete_scheduler_schedule(schedule: Any) -> None:
    """ActionAfterCompletion DELETE: Scheduler deletes a one-time schedule that has run."""
    from moto.scheduler.models import scheduler_backends

    _, _, _, region, account_id, _ = schedule.arn.split(":", 5)
    with contextlib.suppress(Exception):  # already deleted
        scheduler_backends[account_id][region].delete_schedule(schedule.group_name, schedule.name)


def scheduler_validation_error(message: str) -> Exception:
    """EventBridge Scheduler's ValidationException (HTTP 400)."""
    from moto.scheduler.exceptions import ValidationException

    return ValidationException(message)
