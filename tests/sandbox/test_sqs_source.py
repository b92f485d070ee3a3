"""SQS event source mappings: batches, deletion, partial batch failures, redrive."""

from __future__ import annotations

import hashlib
import json
import uuid

from tests.sandbox.aws_samples import SQS_OPTIONAL, SQS_RECORD, same_shape
from tests.sandbox.helpers import RECORDER, clock_speed, events_of, queue, receive_all

PARTIAL = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    failed = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
"""
ALWAYS_FAILS = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    raise ValueError("cannot handle " + event["Records"][0]["body"])
"""


def mapping(learner, name: str, queue_arn: str, **settings) -> str:
    return learner.client("lambda").create_event_source_mapping(
        FunctionName=name, EventSourceArn=queue_arn, **settings
    )["UUID"]


def test_a_message_reaches_the_function_as_awss_sqs_record_and_is_deleted(learner, sandbox):
    url, arn = queue(learner, f"orders-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    mapping(learner, name, arn, BatchSize=10)
    sent = learner.client("sqs").send_message(
        QueueUrl=url,
        MessageBody='{"order": "A-1"}',
        MessageAttributes={"priority": {"DataType": "String", "StringValue": "high"}},
    )
    assert sandbox.wait_for_async(10)
    (event,) = events_of(learner, name)
    (record,) = event["Records"]
    assert same_shape(record, SQS_RECORD, optional=SQS_OPTIONAL) == []
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"order": "A-1"}'
    assert record["md5OfBody"] == hashlib.md5(b'{"order": "A-1"}').hexdigest()
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["messageAttributes"] == {
        "priority": {
            "stringValue": "high",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert int(record["attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(
        record["attributes"]["SentTimestamp"]
    )
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        arn,
        "us-east-1",
    )
    attributes = learner.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"  # deleted


def test_a_partial_batch_failure_keeps_exactly_the_failed_messages(learner, sandbox):
    url, arn = queue(learner, f"jobs-{uuid.uuid4().hex[:8]}", VisibilityTimeout="30")
    name = learner.create_function(PARTIAL, Timeout=30)  # a busy machine's cold start
    bodies = ["ok-1", "bad-1", "ok-2", "bad-2", "ok-3"]
    # Waiting before the mapping exists: its first poll finds all five (no race with the send).
    learner.client("sqs").send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]
    )
    with clock_speed(sandbox, 20):  # the batching window: 50 ms
        uuid_ = mapping(
            learner,
            name,
            arn,
            BatchSize=10,
            MaximumBatchingWindowInSeconds=1,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
        assert sandbox.wait_for_async(10)
    (event,) = events_of(learner, name)
    assert [r["body"] for r in event["Records"]] == bodies  # one batch, in order
    lam = learner.client("lambda")
    lam.update_event_source_mapping(UUID=uuid_, Enabled=False)  # read the queue ourselves
    sandbox.fast_forward(31)  # the failed messages' visibility timeout ends
    left = receive_all(learner, url)
    assert sorted(m["Body"] for m in left) == ["bad-1", "bad-2"]
    lam.delete_event_source_mapping(UUID=uuid_)


def test_an_invalid_partial_response_fails_the_whole_batch(learner, sandbox):
    url, arn = queue(learner, f"strict-{uuid.uuid4().hex[:8]}", VisibilityTimeout="30")
    name = learner.create_function(
        "def handler(event, context):\n"
        "    return {'batchItemFailures': [{'itemIdentifier': 'no-such-message'}]}\n"
    )
    uuid_ = mapping(learner, name, arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    learner.client("sqs").send_message(QueueUrl=url, MessageBody="kept")
    assert sandbox.wait_for_async(10)
    learner.client("lambda").update_event_source_mapping(UUID=uuid_, Enabled=False)
    sandbox.fast_forward(31)
    assert [m["Body"] for m in receive_all(learner, url)] == ["kept"]


def test_failing_messages_move_to_the_queues_dlq_after_max_receive_count(learner, sandbox):
    dlq_url, dlq_arn = queue(learner, f"jobs-dlq-{uuid.uuid4().hex[:8]}")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    url, arn = queue(
        learner, f"jobs-{uuid.uuid4().hex[:8]}", VisibilityTimeout="20", RedrivePolicy=redrive
    )
    name = learner.create_function(ALWAYS_FAILS)
    mapping(learner, name, arn, BatchSize=1)
    learner.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
    assert sandbox.wait_for_async(10)
    for _ in range(2):  # each visibility timeout ends: received again, then redriven
        sandbox.fast_forward(21)
        assert sandbox.wait_for_async(10)
    counts = [
        e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in events_of(learner, name)
    ]
    assert counts == ["1", "2"]
    assert [m["Body"] for m in receive_all(learner, dlq_url)] == ["poison"]
    assert receive_all(learner, url) == []


def test_batch_size_and_batching_window_shape_the_batches(learner, sandbox):
    url, arn = queue(learner, f"batches-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    with clock_speed(sandbox, 20):
        mapping(learner, name, arn, BatchSize=4, MaximumBatchingWindowInSeconds=2)
        learner.client("sqs").send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)]
        )
        assert sandbox.wait_for_async(10)
    sizes = sorted(len(e["Records"]) for e in events_of(learner, name))
    assert sizes == [2, 4]
    assert receive_all(learner, url) == []
