"""DynamoDB Streams and Kinesis event source mappings: ordered batches per shard, starting
positions, retries, bisecting a failing batch, and the on-failure record."""

from __future__ import annotations

import base64
import json
import uuid

from tests.sandbox.aws_samples import (
    DYNAMODB_MODIFY_RECORD,
    KINESIS_FAILURE_RECORD,
    KINESIS_RECORD,
    same_shape,
)
from tests.sandbox.helpers import RECORDER, events_of, queue, receive_all

POISON = """
import base64, json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    if any(base64.b64decode(r["kinesis"]["data"]) == b"poison" for r in event["Records"]):
        raise ValueError("a record I cannot handle")
"""


def test_dynamodb_changes_arrive_in_order_as_awss_stream_records(learner, sandbox):
    table = f"orders-{uuid.uuid4().hex[:8]}"
    dynamodb = learner.client("dynamodb")
    created = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = created["TableDescription"]["LatestStreamArn"]
    dynamodb.put_item(TableName=table, Item={"id": {"S": "before"}})  # TRIM_HORIZON sees it
    name = learner.create_function(RECORDER)
    learner.client("lambda").create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON", BatchSize=2
    )
    dynamodb.put_item(TableName=table, Item={"id": {"S": "A-1"}, "status": {"S": "placed"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "A-1"}, "status": {"S": "shipped"}})
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "A-1"}})
    assert sandbox.wait_for_async(10)
    records = [r for event in events_of(learner, name) for r in event["Records"]]
    assert all(len(e["Records"]) <= 2 for e in events_of(learner, name))  # BatchSize
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records] == [
        ("INSERT", "before"),
        ("INSERT", "A-1"),
        ("MODIFY", "A-1"),
        ("REMOVE", "A-1"),
    ]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence)
    modify = records[2]
    assert same_shape(modify, DYNAMODB_MODIFY_RECORD) == []
    assert modify["dynamodb"]["OldImage"]["status"] == {"S": "placed"}
    assert modify["dynamodb"]["NewImage"]["status"] == {"S": "shipped"}
    assert (modify["eventSource"], modify["eventSourceARN"]) == ("aws:dynamodb", stream_arn)
    assert "NewImage" not in records[3]["dynamodb"] and "OldImage" in records[3]["dynamodb"]


def test_kinesis_records_arrive_in_order_from_the_latest_position(learner, sandbox):
    stream = f"clicks-{uuid.uuid4().hex[:8]}"
    kinesis = learner.client("kinesis")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    kinesis.put_record(StreamName=stream, Data=b"old", PartitionKey="u-1")  # before: skipped
    name = learner.create_function(RECORDER)
    learner.client("lambda").create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream_arn, StartingPosition="LATEST", BatchSize=100
    )
    assert sandbox.wait_for_async(10)
    put = [
        kinesis.put_record(StreamName=stream, Data=f"click-{i}".encode(), PartitionKey="u-1")
        for i in range(3)
    ]
    assert sandbox.wait_for_async(10)
    records = [r for event in events_of(learner, name) for r in event["Records"]]
    assert [base64.b64decode(r["kinesis"]["data"]) for r in records] == [
        b"click-0",
        b"click-1",
        b"click-2",
    ]
    first = records[0]
    assert same_shape(first, KINESIS_RECORD) == []
    assert first["kinesis"]["sequenceNumber"] == put[0]["SequenceNumber"]
    assert first["eventID"] == f"{put[0]['ShardId']}:{put[0]['SequenceNumber']}"
    assert first["invokeIdentityArn"] == learner.role_arn
    assert first["eventSourceARN"] == stream_arn


def test_bisecting_a_failing_batch_isolates_the_poison_record(learner, sandbox):
    stream = f"events-{uuid.uuid4().hex[:8]}"
    kinesis = learner.client("kinesis")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    failures_url, failures_arn = queue(learner, f"discarded-{uuid.uuid4().hex[:8]}")
    for data in (b"a", b"b", b"poison", b"c"):
        kinesis.put_record(StreamName=stream, Data=data, PartitionKey="p")
    name = learner.create_function(POISON)
    learner.client("lambda").create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream_arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )
    assert sandbox.settle(20)
    batches = [
        [base64.b64decode(r["kinesis"]["data"]).decode() for r in e["Records"]]
        for e in events_of(learner, name)
    ]
    assert batches == [["a", "b", "poison", "c"], ["a", "b"], ["poison", "c"], ["poison"], ["c"]]
    (message,) = receive_all(learner, failures_url)
    record = json.loads(message["Body"])
    assert same_shape(record, KINESIS_FAILURE_RECORD) == []
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = record["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["streamArn"] == stream_arn and info["shardId"] == "shardId-000000000000"
