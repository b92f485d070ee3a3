"""Every event the sandbox sends a function, and every record it sends elsewhere, built here.

The same functions build what a real trigger delivers and what ``sample_event(source,
account)`` returns for the lab's event editor and the lessons, so a sample can never
drift from a real delivery. Shapes follow AWS's documented samples field by field:

* SQS, SNS, S3, DynamoDB Streams, Kinesis, CloudWatch Logs (``awslogs``, gzip + base64):
  "Using AWS Lambda with ..." pages of the Lambda developer guide;
* EventBridge events and scheduled events: the EventBridge user guide;
* asynchronous invocation records (destinations) and the on-failure records of stream
  event source mappings: "Capturing records of Lambda asynchronous invocations" and
  "Retaining discarded batches for ... event sources".
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import secrets
import struct
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from sandbox.clock import iso_time
from sandbox.triggers import S3ObjectChange, owner_principal_id, s3_event

SAMPLE_REGION = "us-east-1"


def _now() -> float:
    """The running sandbox's clock, or the wall clock (samples without a sandbox)."""
    server = sys.modules.get("sandbox.server")
    running = server.Sandbox.current() if server is not None else None
    return running.clock.now() if running is not None else time.time()


# SQS ---------------------------------------------------------------------------------


def md5_of_message_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """SQS's MD5 of message attributes (names sorted; length-prefixed name, type, value)."""
    digest = hashlib.md5()

    def add(value: bytes) -> None:
        digest.update(struct.pack("!I", len(value)))
        digest.update(value)

    for name in sorted(attributes):
        attribute = attributes[name]
        add(name.encode())
        add(attribute["DataType"].encode())
        if "StringValue" in attribute:
            digest.update(b"\x01")
            add(attribute["StringValue"].encode())
        elif "BinaryValue" in attribute:
            digest.update(b"\x02")
            value = attribute["BinaryValue"]
            add(value if isinstance(value, bytes) else base64.b64decode(value))
    return digest.hexdigest()


def sqs_message_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """SendMessage's attributes as Lambda shows them (camelCase, with the empty lists)."""
    shown = {}
    for name, attribute in attributes.items():
        value: dict[str, Any] = {}
        if "StringValue" in attribute:
            value["stringValue"] = attribute["StringValue"]
        if "BinaryValue" in attribute:
            binary = attribute["BinaryValue"]
            value["binaryValue"] = (
                base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary
            )
        value["stringListValues"] = []
        value["binaryListValues"] = []
        value["dataType"] = attribute["DataType"]
        shown[name] = value
    return shown


def sqs_record(
    *,
    message_id: str,
    receipt_handle: str,
    body: str,
    queue_arn: str,
    receive_count: int,
    sent_ms: int,
    first_receive_ms: int,
    sender_id: str,
    message_attributes: dict[str, dict[str, Any]] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    sequence_number: str | None = None,
) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent_ms),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(first_receive_ms),
    }
    if group_id:  # FIFO queues
        attributes["SequenceNumber"] = sequence_number or "18849496460467696128"
        attributes["MessageGroupId"] = group_id
        attributes["MessageDeduplicationId"] = deduplication_id or ""
    record: dict[str, Any] = {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": sqs_message_attributes(message_attributes or {}),
        "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(),
    }
    if message_attributes:
        record["md5OfMessageAttributes"] = md5_of_message_attributes(message_attributes)
    record.update(
        {"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region_of(queue_arn)}
    )
    return record


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def account_of(arn: str) -> str:
    return arn.split(":")[4]


# SNS ---------------------------------------------------------------------------------


def sns_notification(
    *,
    topic_arn: str,
    message_id: str,
    message: str,
    subject: str | None,
    message_attributes: dict[str, dict[str, Any]] | None,
    subscription_arn: str,
    timestamp: float,
) -> dict[str, Any]:
    """The ``Sns`` part of a Lambda record (the same fields an HTTP subscriber gets)."""
    region = region_of(topic_arn)
    signature = base64.b64encode(hashlib.sha256(f"{message_id}{message}".encode()).digest() * 8)
    return {
        "SignatureVersion": "1",
        "Timestamp": iso_time(timestamp),
        "Signature": signature.decode(),
        "SigningCertUrl": (
            f"https://sns.{region}.amazonaws.com/SimpleNotificationService-"
            f"{hashlib.md5(region.encode()).hexdigest()}.pem"
        ),
        "MessageId": message_id,
        "Message": message,
        "MessageAttributes": {
            name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
            for name, value in (message_attributes or {}).items()
        },
        "Type": "Notification",
        "UnsubscribeUrl": (
            f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={subscription_arn}"
        ),
        "TopicArn": topic_arn,
        "Subject": subject,
    }


def sns_event(subscription_arn: str, notification: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "EventSource": "aws:sns",
                "Sns": notification,
            }
        ]
    }


# EventBridge -------------------------------------------------------------------------


def eventbridge_event(
    *,
    account: str,
    region: str,
    source: str,
    detail_type: str,
    detail: Any,
    resources: list[str] | None = None,
    event_time: float | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_time(_now() if event_time is None else event_time, millis=False),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


def scheduled_event(rule_arn: str, fire_time: float) -> dict[str, Any]:
    """What a schedule rule delivers: 'Scheduled Event' from aws.events, at its due time."""
    return eventbridge_event(
        account=account_of(rule_arn),
        region=region_of(rule_arn),
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=[rule_arn],
        event_time=fire_time,
    )


def scheduler_input(
    text: str | None, schedule_arn: str, scheduled_time: float, execution_id: str, attempt: int = 1
) -> Any:
    """What EventBridge Scheduler sends a Lambda target: the schedule's ``Input``, with its
    context attributes (``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
    ``<aws.scheduler.execution-id>``, ``<aws.scheduler.attempt-number>``) filled in; ``{}``
    without one. Raises ValueError for an Input that is not JSON."""
    if not text:
        return {}
    attributes = {
        "schedule-arn": schedule_arn,
        "scheduled-time": iso_time(scheduled_time, millis=False),
        "execution-id": execution_id,
        "attempt-number": str(attempt),
    }
    for name, value in attributes.items():
        text = text.replace(f"<aws.scheduler.{name}>", value)
    return json.loads(text)


# DynamoDB Streams ----------------------------------------------------------------------


def dynamodb_record(
    *,
    stream_arn: str,
    event_name: str,
    keys: dict[str, Any],
    new_image: dict[str, Any] | None,
    old_image: dict[str, Any] | None,
    sequence_number: str,
    view_type: str,
    created: float,
    size_bytes: int | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    change: dict[str, Any] = {"ApproximateCreationDateTime": float(int(created)), "Keys": keys}
    if new_image is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["NewImage"] = new_image
    if old_image is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["OldImage"] = old_image
    if size_bytes is None:
        size_bytes = len(json.dumps([keys, new_image, old_image], separators=(",", ":")))
    change.update(
        {"SequenceNumber": sequence_number, "SizeBytes": size_bytes, "StreamViewType": view_type}
    )
    return {
        "eventID": event_id or uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region_of(stream_arn),
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


# Kinesis ---------------------------------------------------------------------------------


def kinesis_sequence_number(shard_index: int, counter: int) -> str:
    """A 56-digit sequence number, increasing with ``counter`` (Kinesis's length)."""
    return f"4959{shard_index:04d}{counter:048d}"


def kinesis_record(
    *,
    stream_arn: str,
    shard_id: str,
    partition_key: str,
    sequence_number: str,
    data_b64: str,
    arrival: float,
    role_arn: str,
) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": data_b64,
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region_of(stream_arn),
        "eventSourceARN": stream_arn,
    }


# CloudWatch Logs -----------------------------------------------------------------------


def log_event_id(timestamp_ms: int, index: int = 0) -> str:
    """A 56-digit event id, as CloudWatch Logs gives subscription filters."""
    return f"{timestamp_ms:020d}{index:06d}{secrets.randbelow(10**30):030d}"


def cloudwatch_logs_data(
    *,
    owner: str,
    log_group: str,
    log_stream: str,
    filter_names: list[str],
    log_events: list[dict[str, Any]],
) -> dict[str, Any]:
    """The decoded ``awslogs.data`` document."""
    return {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": filter_names,
        "logEvents": [
            {"id": str(e["id"]), "timestamp": int(e["timestamp"]), "message": e["message"]}
            for e in log_events
        ],
    }


def cloudwatch_logs_event(data: dict[str, Any]) -> dict[str, Any]:
    """``{"awslogs": {"data": base64(gzip(json))}}``, as a subscription filter sends it."""
    packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    return {"awslogs": {"data": base64.b64encode(packed).decode("ascii")}}


def decode_awslogs(event: dict[str, Any]) -> dict[str, Any]:
    """What a handler does first: base64-decode and gunzip ``awslogs.data``."""
    return json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))


# Records Lambda writes to destinations -----------------------------------------------


def invocation_record(
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    request_payload: Any,
    status_code: int,
    executed_version: str | None,
    function_error: str | None,
    response_payload: Any,
    timestamp: float | None = None,
) -> dict[str, Any]:
    """An asynchronous invocation's record, as OnSuccess / OnFailure destinations get it.

    ``condition``: Success, RetriesExhausted or EventAgeExceeded."""
    response_context: dict[str, Any] = {"statusCode": status_code}
    if executed_version:
        response_context["executedVersion"] = executed_version
    if function_error:
        response_context["functionError"] = function_error
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_time(_now() if timestamp is None else timestamp),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": request_payload,
        "responseContext": response_context,
    }
    if response_payload is not None:
        record["responsePayload"] = response_payload
    return record


def stream_failure_record(
    *,
    kind: str,  # "kinesis" or "dynamodb"
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    status_code: int,
    executed_version: str | None,
    function_error: str | None,
    shard_id: str,
    first_sequence: str,
    last_sequence: str,
    first_arrival: float,
    last_arrival: float,
    batch_size: int,
    stream_arn: str,
) -> dict[str, Any]:
    """What a stream event source mapping sends its on-failure destination for a discarded
    batch: where the records are, not the records (condition: RetryAttemptsExhausted,
    RecordAgeExceeded)."""
    response_context: dict[str, Any] = {"statusCode": status_code}
    if executed_version:
        response_context["executedVersion"] = executed_version
    if function_error:
        response_context["functionError"] = function_error
    return {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": iso_time(_now()),
        ("KinesisBatchInfo" if kind == "kinesis" else "DDBStreamBatchInfo"): {
            "shardId": shard_id,
            "startSequenceNumber": first_sequence,
            "endSequenceNumber": last_sequence,
            "approximateArrivalOfFirstRecord": iso_time(first_arrival),
            "approximateArrivalOfLastRecord": iso_time(last_arrival),
            "batchSize": batch_size,
            "streamArn": stream_arn,
        },
    }


def destination_event(record: dict[str, Any], function_arn: str, success: bool) -> dict[str, Any]:
    """An invocation record sent to an EventBridge bus destination."""
    outcome = "Success" if success else "Failure"
    return eventbridge_event(
        account=account_of(function_arn),
        region=region_of(function_arn),
        source="lambda",
        detail_type=f"Lambda Function Invocation Result - {outcome}",
        detail=record,
        resources=[function_arn],
    )


# Samples ---------------------------------------------------------------------------------


def _sample_s3(account: str) -> dict[str, Any]:
    change = S3ObjectChange(
        event_name="s3:ObjectCreated:Put",
        region=SAMPLE_REGION,
        bucket_name="lab-photos-example",
        bucket_owner_account=account,
        key="holiday photo.jpg",
        size=48213,
        etag="0f343b0931126a20f133d67c2b018a3b",
        version_id=None,
        configuration_id="photo-uploads",
    )
    return s3_event(change, owner_principal_id(account), "127.0.0.1")


def _sample_sqs(account: str) -> dict[str, Any]:
    now_ms = int(_now() * 1000)
    body = json.dumps({"order_id": "A-100", "items": 2})
    record = sqs_record(
        message_id=str(uuid.uuid4()),
        receipt_handle=base64.b64encode(os.urandom(96)).decode(),
        body=body,
        queue_arn=f"arn:aws:sqs:{SAMPLE_REGION}:{account}:orders",
        receive_count=1,
        sent_ms=now_ms - 12,
        first_receive_ms=now_ms,
        sender_id="AIDAIENQZJOLO23YVJ4VO",
        message_attributes={"priority": {"DataType": "String", "StringValue": "high"}},
    )
    return {"Records": [record]}


def _sample_sns(account: str) -> dict[str, Any]:
    topic = f"arn:aws:sns:{SAMPLE_REGION}:{account}:orders"
    subscription = f"{topic}:{uuid.uuid4()}"
    notification = sns_notification(
        topic_arn=topic,
        message_id=str(uuid.uuid4()),
        message=json.dumps({"order_id": "A-100", "status": "shipped"}),
        subject="Order shipped",
        message_attributes={"priority": {"Type": "String", "Value": "high"}},
        subscription_arn=subscription,
        timestamp=_now(),
    )
    return sns_event(subscription, notification)


def _sample_eventbridge(account: str) -> dict[str, Any]:
    return eventbridge_event(
        account=account,
        region=SAMPLE_REGION,
        source="com.example.orders",
        detail_type="Order Placed",
        detail={"order_id": "A-100", "total": 42.5},
    )


def _sample_schedule(account: str) -> dict[str, Any]:
    return scheduled_event(f"arn:aws:events:{SAMPLE_REGION}:{account}:rule/nightly-cleanup", _now())


def _sample_dynamodb(account: str) -> dict[str, Any]:
    stream = (
        f"arn:aws:dynamodb:{SAMPLE_REGION}:{account}:table/orders/stream/{iso_time(_now())[:-1]}"
    )
    keys = {"id": {"S": "A-100"}}
    new = {"id": {"S": "A-100"}, "status": {"S": "shipped"}}
    old = {"id": {"S": "A-100"}, "status": {"S": "placed"}}
    return {
        "Records": [
            dynamodb_record(
                stream_arn=stream,
                event_name="MODIFY",
                keys=keys,
                new_image=new,
                old_image=old,
                sequence_number="111100000000001234567890",
                view_type="NEW_AND_OLD_IMAGES",
                created=_now(),
            )
        ]
    }


def _sample_kinesis(account: str) -> dict[str, Any]:
    stream = f"arn:aws:kinesis:{SAMPLE_REGION}:{account}:stream/clicks"
    data = base64.b64encode(json.dumps({"page": "/pricing", "user": "u-7"}).encode()).decode()
    return {
        "Records": [
            kinesis_record(
                stream_arn=stream,
                shard_id="shardId-000000000000",
                partition_key="u-7",
                sequence_number=kinesis_sequence_number(0, 1),
                data_b64=data,
                arrival=_now(),
                role_arn=f"arn:aws:iam::{account}:role/clicks-consumer",
            )
        ]
    }


def _sample_cloudwatch_logs(account: str) -> dict[str, Any]:
    now_ms = int(_now() * 1000)
    data = cloudwatch_logs_data(
        owner=account,
        log_group="/aws/lambda/checkout",
        log_stream=time.strftime("%Y/%m/%d/", time.gmtime(now_ms / 1000))
        + f"[$LATEST]{uuid.uuid4().hex}",
        filter_names=["errors-to-alerts"],
        log_events=[
            {
                "id": log_event_id(now_ms),
                "timestamp": now_ms,
                "message": "[ERROR]\tpayment declined for order A-100",
            }
        ],
    )
    return cloudwatch_logs_event(data)


def _sample_s3_via_sqs(account: str) -> dict[str, Any]:
    """An S3 notification delivered to a queue, read by an SQS event source mapping."""
    event = _sample_sqs(account)
    record = event["Records"][0]
    record["body"] = json.dumps(_sample_s3(account))
    record["md5OfBody"] = hashlib.md5(record["body"].encode()).hexdigest()
    record["messageAttributes"] = {}
    record.pop("md5OfMessageAttributes", None)
    return event


def _sample_async_failure(account: str) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    return invocation_record(
        request_id=request_id,
        function_arn=f"arn:aws:lambda:{SAMPLE_REGION}:{account}:function:checkout:$LATEST",
        condition="RetriesExhausted",
        invoke_count=3,
        request_payload={"order_id": "A-100"},
        status_code=200,
        executed_version="$LATEST",
        function_error="Unhandled",
        response_payload={
            "errorMessage": "payment service unavailable",
            "errorType": "RuntimeError",
            "requestId": request_id,
            "stackTrace": [],
        },
    )


def _http_sample(name: str) -> Callable[[str], dict[str, Any]]:
    def build(account: str) -> dict[str, Any]:
        from sandbox.http import events as http_events  # the HTTP endpoints' own builders

        return getattr(http_events, name)(account)

    return build


SOURCES: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "s3": ("S3 object created", _sample_s3),
    "sqs": ("SQS message (event source mapping)", _sample_sqs),
    "sns": ("SNS notification", _sample_sns),
    "eventbridge": ("EventBridge event (rule with an event pattern)", _sample_eventbridge),
    "schedule": ("EventBridge schedule", _sample_schedule),
    "dynamodb": ("DynamoDB Streams record", _sample_dynamodb),
    "kinesis": ("Kinesis record", _sample_kinesis),
    "cloudwatch-logs": ("CloudWatch Logs subscription filter", _sample_cloudwatch_logs),
    "s3-sqs": ("S3 notification read from an SQS queue", _sample_s3_via_sqs),
    "destination": (
        "Asynchronous invocation record (on-failure destination)",
        _sample_async_failure,
    ),
    "apigateway-rest": (
        "API Gateway REST API (proxy, payload 1.0)",
        _http_sample("sample_rest_event"),
    ),
    "apigateway-http": (
        "API Gateway HTTP API (payload 2.0)",
        _http_sample("sample_http_api_event"),
    ),
    "function-url": ("Lambda function URL", _http_sample("sample_function_url_event")),
}


def sample_event(source: str, account: str) -> dict[str, Any]:
    """A ready-made event of ``source`` (a key of ``SOURCES``) in ``account``, built by the
    code that builds the real deliveries."""
    try:
        _, build = SOURCES[source]
    except KeyError:
        raise ValueError(f"unknown source {source!r}; one of: {', '.join(SOURCES)}") from None
    return build(account)


def sample_titles() -> dict[str, str]:
    """source -> a title for a menu of samples."""
    return {source: title for source, (title, _) in SOURCES.items()}
