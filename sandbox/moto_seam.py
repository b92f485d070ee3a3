"""The one place where the sandbox patches moto, so Lambda functions run in our runtime.

moto stores functions and answers Lambda's API; to run a function it would start a
Docker container (``LambdaFunction._invoke_lambda``). We replace the entry points above
it, pinned to the moto versions listed in ``SUPPORTED_MOTO``:

* ``LambdaBackend.invoke``: the Invoke API (sync, Event, DryRun; aliases; throttling).
* ``LambdaFunction.invoke``: what moto's event sources (SQS, SNS, DynamoDB, Kinesis,
  CloudWatch Logs subscriptions) call with a ready-made event.
* ``moto.s3.notifications._invoke_awslambda``: S3 -> Lambda, made asynchronous as on AWS.
* ``moto.s3.notifications._get_s3_event``: the S3 event record, with all of S3's fields.
* ``moto.s3.notifications._send_sns_message``: S3 -> SNS with S3's subject line.
* ``LambdaFunction._invoke_lambda``: must never run (it would use Docker).
* ``Subscription.publish``: SNS -> Lambda with SNS's record, asynchronously.
* ``Rule.send_to_targets``: EventBridge -> Lambda and SNS targets (moto has neither);
  ``EventsBackend.put_rule``: schedule rules are armed on the sandbox clock.
* ``S3Backend.put_bucket_notification_configuration``: refused, as AWS refuses it, when a
  function's resource-based policy does not let S3 invoke it.
* ``LogsBackend.put_subscription_filter``: refused, as AWS refuses it, when a function's
  resource-based policy does not let CloudWatch Logs invoke it for the log group.
* ``Policy.decode_policy``: AddPermission's FunctionUrlAuthType and InvokedViaFunctionUrl
  become the policy conditions Lambda writes.
* ``EventBridgeSchedulerBackend.create_schedule``, ``update_schedule``,
  ``delete_schedule``: EventBridge Scheduler's schedules are armed on the sandbox clock.
* ``LambdaBackend.send_log_event``: subscription filters, with their filter pattern.
* ``LambdaBackend.create_event_source_mapping``: the sandbox's pollers read the source.
* ``LambdaBackend.put_function_event_invoke_config``: a new put replaces the old config.
* ``LambdaBackend.create_function``, ``LambdaFunction.update_configuration`` and
  ``.get_configuration``: DeadLetterConfig, which moto drops, is kept and shown.
* ``moto.sqs.models.unix_time`` / ``unix_time_millis``, ``moto.dynamodb.models.table.utcnow``
  ``moto.kinesis.models.utcnow`` and ``moto.events.models.unix_time``: SQS (visibility
  timeouts, delays, retention), stream records (arrival, age) and EventBridge events keep
  the sandbox clock.
* ``ActionAuthenticatorMixin._authenticate_and_authorize_action``: IAM is enforced for
  requests signed with a function's role credentials (``iam_enforcement``).

``check_contract()`` lists what no longer matches when moto changes under us; the test
``tests/sandbox/test_moto_seam.py`` fails with that list, naming moto's version.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
from collections.abc import Callable
from typing import Any, Protocol

import moto
import moto.dynamodb.models.table as dynamodb_tables
import moto.events.models as events_models
import moto.kinesis.models as kinesis_models
import moto.s3.notifications as s3_notifications
import moto.sqs.models as sqs_models
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.policy import Policy
from moto.core.authorization import ActionAuthenticatorMixin
from moto.events.models import EventsBackend, Rule
from moto.logs.models import LogsBackend
from moto.s3.models import S3Backend
from moto.scheduler.models import EventBridgeSchedulerBackend
from moto.sns.models import Subscription

from sandbox import moto_state, resource_policy
from sandbox.limits import check_logging_config, check_settings
from sandbox.runtime import interpreters, reports
from sandbox.runtime.spec import PYTHON_RUNTIME
from sandbox.triggers import S3ObjectChange

SUPPORTED_MOTO = ((5, 2), (5, 3))  # [from, to) by (major, minor)

# PutSubscriptionFilter's error, in AWS's words, when Logs may not invoke the function.
LOGS_REFUSED = (
    "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
    "permission to execute your function."
)

# EventBridge Scheduler's CreateSchedule and UpdateSchedule (create adds one more).
_SCHEDULE_PARAMETERS = [
    "self",
    "description",
    "end_date",
    "flexible_time_window",
    "group_name",
    "kms_key_arn",
    "name",
    "schedule_expression",
    "schedule_expression_timezone",
    "start_date",
    "state",
    "target",
]

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
    "moto.s3.notifications._send_sns_message": (
        s3_notifications,
        "_send_sns_message",
        ["account_id", "event_body", "topic_arn", "region_name"],
    ),
    "moto.sns.models.Subscription.publish": (
        Subscription,
        "publish",
        [
            "self",
            "message",
            "message_id",
            "subject",
            "message_attributes",
            "group_id",
            "deduplication_id",
            "message_structure",
        ],
    ),
    "moto.events.models.Rule.send_to_targets": (
        Rule,
        "send_to_targets",
        ["self", "original_event", "transform_input"],
    ),
    "moto.events.models.EventsBackend.put_rule": (
        EventsBackend,
        "put_rule",
        [
            "self",
            "name",
            "description",
            "event_bus_arn",
            "event_pattern",
            "role_arn",
            "scheduled_expression",
            "state",
            "managed_by",
            "tags",
        ],
    ),
    "moto.s3.models.S3Backend.put_bucket_notification_configuration": (
        S3Backend,
        "put_bucket_notification_configuration",
        ["self", "bucket_name", "notification_config"],
    ),
    "moto.logs.models.LogsBackend.put_subscription_filter": (
        LogsBackend,
        "put_subscription_filter",
        ["self", "log_group_name", "filter_name", "filter_pattern", "destination_arn", "role_arn"],
    ),
    "moto.awslambda.policy.Policy.decode_policy": (Policy, "decode_policy", ["self", "obj"]),
    "moto.scheduler.models.EventBridgeSchedulerBackend.create_schedule": (
        EventBridgeSchedulerBackend,
        "create_schedule",
        [*_SCHEDULE_PARAMETERS, "action_after_completion"],
    ),
    "moto.scheduler.models.EventBridgeSchedulerBackend.update_schedule": (
        EventBridgeSchedulerBackend,
        "update_schedule",
        _SCHEDULE_PARAMETERS,
    ),
    "moto.scheduler.models.EventBridgeSchedulerBackend.delete_schedule": (
        EventBridgeSchedulerBackend,
        "delete_schedule",
        ["self", "group_name", "name"],
    ),
    "moto.awslambda.models.LambdaBackend.send_log_event": (
        LambdaBackend,
        "send_log_event",
        ["self", "function_arn", "filter_name", "log_group_name", "log_stream_name", "log_events"],
    ),
    "moto.awslambda.models.LambdaBackend.create_event_source_mapping": (
        LambdaBackend,
        "create_event_source_mapping",
        ["self", "spec"],
    ),
    "moto.awslambda.models.LambdaBackend.put_function_event_invoke_config": (
        LambdaBackend,
        "put_function_event_invoke_config",
        ["self", "function_name", "config"],
    ),
    "moto.awslambda.models.LambdaBackend.create_function": (
        LambdaBackend,
        "create_function",
        ["self", "spec"],
    ),
    "moto.awslambda.models.LambdaFunction.update_configuration": (
        LambdaFunction,
        "update_configuration",
        ["self", "config_updates"],
    ),
    "moto.awslambda.models.LambdaFunction.get_configuration": (
        LambdaFunction,
        "get_configuration",
        ["self", "on_create"],
    ),
    "moto.sqs.models.unix_time": (sqs_models, "unix_time", ["dt"]),
    "moto.sqs.models.unix_time_millis": (sqs_models, "unix_time_millis", ["dt"]),
    "moto.sqs.models.SQSBackend.is_message_valid_based_on_retention_period": (
        sqs_models.SQSBackend,
        "is_message_valid_based_on_retention_period",
        ["self", "queue_name", "message"],
    ),
    "moto.dynamodb.models.table.utcnow": (dynamodb_tables, "utcnow", []),
    "moto.kinesis.models.utcnow": (kinesis_models, "utcnow", []),
    "moto.events.models.unix_time": (events_models, "unix_time", ["dt"]),
    "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action": (
        ActionAuthenticatorMixin,
        "_authenticate_and_authorize_action",
        ["self", "iam_request_cls", "resource"],
    ),
}

# moto internals used elsewhere in the sandbox (moto_state), checked here too.
USED: dict[str, tuple[str, str]] = {
    "LambdaBackend.get_function": ("moto.awslambda.models", "LambdaBackend.get_function"),
    "LambdaBackend.get_alias": ("moto.awslambda.models", "LambdaBackend.get_alias"),
    "LambdaBackend.get_policy": ("moto.awslambda.models", "LambdaBackend.get_policy"),
    "Policy.statements": ("moto.awslambda.policy", "Policy.__init__"),
    "S3Backend.get_bucket": ("moto.s3.models", "S3Backend.get_bucket"),
    "IAMBackend.get_role_by_arn": ("moto.iam.models", "IAMBackend.get_role_by_arn"),
    "IAMBackend.list_role_policies": ("moto.iam.models", "IAMBackend.list_role_policies"),
    "IAMBackend.get_role_policy": ("moto.iam.models", "IAMBackend.get_role_policy"),
    "IAMBackend.list_attached_role_policies": (
        "moto.iam.models",
        "IAMBackend.list_attached_role_policies",
    ),
    "scheduler_backends": ("moto.scheduler.models", "scheduler_backends"),
    "EventBridgeSchedulerBackend.get_schedule": (
        "moto.scheduler.models",
        "EventBridgeSchedulerBackend.get_schedule",
    ),
    "ScheduleGroup.schedules": ("moto.scheduler.models", "ScheduleGroup.__init__"),
    "scheduler.ValidationException": ("moto.scheduler.exceptions", "ValidationException"),
    "S3ClientError": ("moto.s3.exceptions", "S3ClientError"),
    "logs.InvalidParameterException": ("moto.logs.exceptions", "InvalidParameterException"),
    "LogsBackend.groups": ("moto.logs.models", "LogsBackend.__init__"),
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
    "Subscription._filter_policy_matcher": ("moto.sns.models", "Subscription.__init__"),
    "Subscription._parse_message_structure": (
        "moto.sns.models",
        "Subscription._parse_message_structure",
    ),
    "EventPattern.matches_event": ("moto.events.models", "EventPattern.matches_event"),
    "EventPattern.get_pattern": ("moto.events.models", "EventPattern.get_pattern"),
    "EventTemplateParser.parse": ("moto.events.utils", "EventTemplateParser.parse"),
    "SQSBackend.receive_message": ("moto.sqs.models", "SQSBackend.receive_message"),
    "SQSBackend.delete_message": ("moto.sqs.models", "SQSBackend.delete_message"),
    "Queue.wait_for_messages": ("moto.sqs.models", "Queue.wait_for_messages"),
    "Message.all_receipt_handles": ("moto.sqs.models", "Message.all_receipt_handles"),
    "Shard.get_max_sequence_number": ("moto.kinesis.models", "Shard.get_max_sequence_number"),
    "StreamShard.add": ("moto.dynamodb.models.table", "StreamShard.add"),
    "IAMPolicy": ("moto.iam.access_control", "IAMPolicy"),
    "IAMRequestBase.check_signature": (
        "moto.iam.access_control",
        "IAMRequestBase.check_signature",
    ),
    "AssumedRoleAccessKey.collect_policies": (
        "moto.iam.access_control",
        "AssumedRoleAccessKey.collect_policies",
    ),
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

    def s3_may_invoke(self, bucket_account: str, bucket_name: str, fn_arn: str) -> bool: ...

    sources: Any  # sandbox.sources.PushSources
    pollers: Any  # sandbox.pollers.EventSourcePollers
    clock: Any  # sandbox.clock.SandboxClock


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
    problems += missing(USED)
    return problems


def missing(used: dict[str, tuple[str, str]]) -> list[str]:
    """The moto names (label -> (module, attribute path)) this moto does not have."""
    problems = []
    for name, (module_name, attribute_path) in used.items():
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

    def send_s3_to_sns(account_id: str, event_body: Any, topic_arn: str, region_name: str) -> None:
        from moto.sns.models import sns_backends

        # Asynchronous on AWS: a missing topic is not the uploader's error.
        with contextlib.suppress(Exception):
            sns_backends[account_id][region_name].publish(
                json.dumps(event_body), arn=topic_arn, subject="Amazon S3 Notification"
            )

    subscription_publish = _originals.get("moto.sns.models.Subscription.publish") or (
        Subscription.publish
    )

    def sns_publish(
        self: Subscription,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            subscription_publish(
                self,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
            return
        service.sources.sns_to_lambda(
            self, message, message_id, subject, message_attributes, message_structure
        )

    rule_send_original = _originals.get("moto.events.models.Rule.send_to_targets") or (
        Rule.send_to_targets
    )

    def rule_send(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        service.sources.rule_send(self, original_event, rule_send_original, transform_input)

    put_rule_original = _originals.get("moto.events.models.EventsBackend.put_rule") or (
        EventsBackend.put_rule
    )

    def put_rule(self: EventsBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        rule = put_rule_original(self, name, *args, **kwargs)
        service.sources.scheduler.rule_put(rule)
        return rule

    put_notification_original = original(
        "moto.s3.models.S3Backend.put_bucket_notification_configuration"
    )

    def put_bucket_notification(
        self: S3Backend, bucket_name: str, notification_config: dict[str, Any]
    ) -> None:
        from moto.s3.exceptions import S3ClientError

        bucket = self.get_bucket(bucket_name)
        functions = (notification_config or {}).get("CloudFunctionConfiguration") or []
        refused = [
            c["CloudFunction"]
            for c in functions
            if not service.s3_may_invoke(bucket.account_id, bucket.name, c["CloudFunction"])
        ]
        if refused:  # checked before anything changes: the old configuration stays
            raise S3ClientError(
                "InvalidArgument", "Unable to validate the following destination configurations"
            )
        put_notification_original(self, bucket_name, notification_config)

    put_filter_original = original("moto.logs.models.LogsBackend.put_subscription_filter")

    def put_subscription_filter(
        self: LogsBackend,
        log_group_name: str,
        filter_name: str,
        filter_pattern: str,
        destination_arn: str,
        role_arn: str,
    ) -> None:
        from moto.logs.exceptions import InvalidParameterException

        if (
            log_group_name in self.groups  # else moto's ResourceNotFoundException
            and (destination_arn or "").split(":")[2:3] == ["lambda"]
            and not service.sources.logs_may_invoke(
                self.account_id, self.region_name, log_group_name, destination_arn
            )
        ):  # checked before anything changes: an existing filter stays as it was
            raise InvalidParameterException(LOGS_REFUSED)
        put_filter_original(
            self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn
        )

    decode_policy_original = original("moto.awslambda.policy.Policy.decode_policy")

    def decode_policy(self: Policy, obj: dict[str, Any]) -> Policy:
        policy = decode_policy_original(self, obj)
        for statement in policy.statements:
            resource_policy.add_permission_conditions(statement)
        return policy

    def schedule_hook(name: str) -> Callable[..., Any]:
        hooked = original(f"moto.scheduler.models.EventBridgeSchedulerBackend.{name}")

        def changed(self: EventBridgeSchedulerBackend, *args: Any, **kwargs: Any) -> Any:
            given = inspect.signature(hooked).bind(self, *args, **kwargs).arguments
            if "schedule_expression" in given:
                service.sources.scheduler.check_expression(
                    given["schedule_expression"], given.get("schedule_expression_timezone")
                )
            result = hooked(self, *args, **kwargs)
            group = given.get("group_name") or "default"
            service.sources.scheduler.schedule_changed(
                self.account_id, self.region_name, group, given["name"]
            )
            return result

        return changed

    def send_log_event(
        self: LambdaBackend,
        function_arn: str,
        filter_name: str,
        log_group_name: str,
        log_stream_name: str,
        log_events: Any,
    ) -> None:
        service.sources.log_events(
            self.account_id, function_arn, filter_name, log_group_name, log_stream_name, log_events
        )

    create_esm_original = _originals.get(
        "moto.awslambda.models.LambdaBackend.create_event_source_mapping"
    ) or (LambdaBackend.create_event_source_mapping)

    def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        esm = create_esm_original(self, spec)
        moto_state.detach_event_source_mapping(esm)
        service.pollers.mapping_created(esm)
        return esm

    put_config_original = _originals.get(
        "moto.awslambda.models.LambdaBackend.put_function_event_invoke_config"
    ) or (LambdaBackend.put_function_event_invoke_config)

    def put_event_invoke_config(
        self: LambdaBackend, function_name: str, config: dict[str, Any]
    ) -> dict[str, Any]:
        fn = self.get_function(function_name)
        previous = list(fn.event_invoke_config)
        fn.event_invoke_config = []
        try:
            return put_config_original(self, function_name, config)
        except Exception:
            fn.event_invoke_config = previous
            raise

    create_function_original = _originals.get(
        "moto.awslambda.models.LambdaBackend.create_function"
    ) or (LambdaBackend.create_function)

    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        check_settings(spec)
        logging_config = check_logging_config(spec)
        fn = create_function_original(self, spec)
        if logging_config is not None:
            setattr(fn, moto_state.LOGGING_ATTRIBUTE, logging_config)
        if spec.get("DeadLetterConfig") is not None:
            setattr(fn, moto_state.DEAD_LETTER_ATTRIBUTE, dict(spec["DeadLetterConfig"]))
        return fn

    update_configuration_original = _originals.get(
        "moto.awslambda.models.LambdaFunction.update_configuration"
    ) or (LambdaFunction.update_configuration)

    def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> Any:
        check_settings(config_updates)
        logging_config = check_logging_config(config_updates)
        result = update_configuration_original(self, config_updates)
        if logging_config is not None:  # moto keeps no LoggingConfig
            current = dict(getattr(self, moto_state.LOGGING_ATTRIBUTE, None) or {})
            current.update(logging_config)
            if current.get("LogFormat") != "JSON":  # levels belong to the JSON format
                current = {"LogFormat": current.get("LogFormat", "Text")}
            setattr(self, moto_state.LOGGING_ATTRIBUTE, current)
            result = self.get_configuration()
        storage = config_updates.get("EphemeralStorage")
        if isinstance(storage, dict) and storage.get("Size") is not None:
            self.ephemeral_storage = int(storage["Size"])  # moto's update ignores it
            result = self.get_configuration()
        if "DeadLetterConfig" in config_updates:
            dead_letter = dict(config_updates["DeadLetterConfig"] or {})
            setattr(self, moto_state.DEAD_LETTER_ATTRIBUTE, dead_letter)
            result = self.get_configuration()
        return result

    get_configuration_original = _originals.get(
        "moto.awslambda.models.LambdaFunction.get_configuration"
    ) or (LambdaFunction.get_configuration)

    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        config = get_configuration_original(self, on_create)
        logging_config = getattr(self, moto_state.LOGGING_ATTRIBUTE, None) or {"LogFormat": "Text"}
        log_group = f"/aws/lambda/{self.function_name}"
        config["LoggingConfig"] = {**logging_config, "LogGroup": log_group}
        if PYTHON_RUNTIME.match(self.run_time or ""):  # the Python that really runs it
            interpreter = interpreters.interpreter_for(self.run_time)
            config["RuntimeVersionConfig"] = {
                "RuntimeVersionArn": reports.runtime_version_arn(interpreter, self.region)
            }
        dead_letter = getattr(self, moto_state.DEAD_LETTER_ATTRIBUTE, None)
        if dead_letter and dead_letter.get("TargetArn"):
            config["DeadLetterConfig"] = {"TargetArn": dead_letter["TargetArn"]}
        return config

    unix_time_original = _originals.get("moto.sqs.models.unix_time") or sqs_models.unix_time
    unix_ms_original = _originals.get("moto.sqs.models.unix_time_millis") or (
        sqs_models.unix_time_millis
    )

    def sqs_unix_time(dt: Any = None) -> float:
        return service.clock.now() if dt is None else unix_time_original(dt)

    events_unix_time_original = _originals.get("moto.events.models.unix_time") or (
        events_models.unix_time
    )

    def events_unix_time(dt: Any = None) -> float:
        return service.clock.now() if dt is None else events_unix_time_original(dt)

    def sqs_unix_time_millis(dt: Any = None) -> float:
        return service.clock.now() * 1000 if dt is None else unix_ms_original(dt)

    def retention_ok(self: Any, queue_name: str, message: Any) -> bool:
        # moto computes every queue attribute, counts included, per message received:
        # quadratic in the queue's length. The retention period alone is enough.
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return retain_until > service.clock.now()

    def clock_utcnow() -> Any:
        import datetime as dt

        return dt.datetime.fromtimestamp(service.clock.now(), dt.UTC).replace(tzinfo=None)

    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        from sandbox import iam_enforcement

        iam_enforcement.authorize(
            self, iam_request_cls, resource, ActionAuthenticatorMixin.PUBLIC_OPERATIONS
        )

    replacements: dict[str, Callable[..., Any]] = {
        "moto.awslambda.models.LambdaBackend.invoke": backend_invoke,
        "moto.awslambda.models.LambdaFunction.invoke": function_invoke,
        "moto.awslambda.models.LambdaFunction._invoke_lambda": never_docker,
        "moto.s3.notifications._invoke_awslambda": invoke_awslambda,
        "moto.s3.notifications._get_s3_event": get_s3_event,
        "moto.s3.notifications._send_sns_message": send_s3_to_sns,
        "moto.sns.models.Subscription.publish": sns_publish,
        "moto.events.models.Rule.send_to_targets": rule_send,
        "moto.events.models.EventsBackend.put_rule": put_rule,
        "moto.s3.models.S3Backend.put_bucket_notification_configuration": (put_bucket_notification),
        "moto.logs.models.LogsBackend.put_subscription_filter": put_subscription_filter,
        "moto.awslambda.policy.Policy.decode_policy": decode_policy,
        **{
            f"moto.scheduler.models.EventBridgeSchedulerBackend.{name}": schedule_hook(name)
            for name in ("create_schedule", "update_schedule", "delete_schedule")
        },
        "moto.awslambda.models.LambdaBackend.send_log_event": send_log_event,
        "moto.awslambda.models.LambdaBackend.create_event_source_mapping": (
            create_event_source_mapping
        ),
        "moto.awslambda.models.LambdaBackend.put_function_event_invoke_config": (
            put_event_invoke_config
        ),
        "moto.awslambda.models.LambdaBackend.create_function": create_function,
        "moto.awslambda.models.LambdaFunction.update_configuration": update_configuration,
        "moto.awslambda.models.LambdaFunction.get_configuration": get_configuration,
        "moto.sqs.models.unix_time": sqs_unix_time,
        "moto.sqs.models.unix_time_millis": sqs_unix_time_millis,
        "moto.sqs.models.SQSBackend.is_message_valid_based_on_retention_period": retention_ok,
        "moto.dynamodb.models.table.utcnow": clock_utcnow,
        "moto.kinesis.models.utcnow": clock_utcnow,
        "moto.events.models.unix_time": events_unix_time,
        "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action": (
            authenticate
        ),
    }
    with _lock:
        for name, replacement in replacements.items():
            owner, attribute, _ = PATCHED[name]
            _originals.setdefault(name, getattr(owner, attribute))
            setattr(owner, attribute, replacement)


def original(name: str) -> Any:
    """The unpatched moto function of a PATCHED entry."""
    owner, attribute, _ = PATCHED[name]
    return _originals.get(name) or getattr(owner, attribute)


def uninstall() -> None:
    """Put moto back as it was."""
    with _lock:
        restore(PATCHED, _originals)


def restore(patched: dict[str, tuple[Any, str, list[str]]], originals: dict[str, Any]) -> None:
    """Set each patched attribute back to its original, and forget the originals."""
    for name, unpatched in originals.items():
        owner, attribute, _ = patched[name]
        setattr(owner, attribute, unpatched)
    originals.clear()


def installed() -> bool:
    return bool(_originals)
