"""Push sources: SNS, EventBridge rules and schedules, CloudWatch Logs subscription
filters, S3 notifications to SQS and SNS; each event shaped as AWS's sample."""

from __future__ import annotations

import calendar
import json
import time
import uuid

from sandbox.events import decode_awslogs
from tests.aws_helpers import allow_invoke
from tests.sandbox.aws_samples import (
    CLOUDWATCH_LOGS_DATA,
    EVENTBRIDGE_EVENT,
    SCHEDULED_EVENT,
    SNS_RECORD,
    same_shape,
)
from tests.sandbox.helpers import RECORDER, events_of, function_arn, queue, receive_all


def epoch(iso: str) -> int:
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def test_an_sns_message_reaches_a_subscribed_function_as_awss_record(learner, sandbox):
    name = learner.create_function(RECORDER)
    sns = learner.client("sns")
    topic = sns.create_topic(Name=f"orders-{uuid.uuid4().hex[:8]}")["TopicArn"]
    allow_invoke(learner, name, "sns.amazonaws.com", topic)
    subscription = sns.subscribe(
        TopicArn=topic, Protocol="lambda", Endpoint=function_arn(learner, name)
    )["SubscriptionArn"]
    published = sns.publish(
        TopicArn=topic,
        Message="order A-1 shipped",
        Subject="Shipped",
        MessageAttributes={"priority": {"DataType": "String", "StringValue": "high"}},
    )
    assert sandbox.wait_for_async(10)
    (event,) = events_of(learner, name)
    (record,) = event["Records"]
    assert same_shape(record, SNS_RECORD) == []
    assert record["EventSubscriptionArn"] == subscription
    assert record["EventSource"] == "aws:sns"
    sns_part = record["Sns"]
    assert sns_part["MessageId"] == published["MessageId"]
    assert (sns_part["Message"], sns_part["Subject"]) == ("order A-1 shipped", "Shipped")
    assert sns_part["TopicArn"] == topic and sns_part["Type"] == "Notification"
    assert sns_part["MessageAttributes"] == {"priority": {"Type": "String", "Value": "high"}}
    assert sns_part["UnsubscribeUrl"].endswith(f"SubscriptionArn={subscription}")


def test_an_eventbridge_rule_sends_matching_events_only(learner, sandbox):
    name = learner.create_function(RECORDER)
    events = learner.client("events")
    rule = f"orders-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}
        ),
    )["RuleArn"]
    allow_invoke(learner, name, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(learner, name)}])
    sent = events.put_events(
        Entries=[
            {"Source": "shop.orders", "DetailType": "Order Placed", "Detail": '{"total": 250}'},
            {"Source": "shop.orders", "DetailType": "Order Placed", "Detail": '{"total": 20}'},
            {"Source": "shop.billing", "DetailType": "Invoice", "Detail": '{"total": 900}'},
        ]
    )
    assert sandbox.wait_for_async(10)
    (event,) = events_of(learner, name)
    assert same_shape(event, EVENTBRIDGE_EVENT) == []
    assert event["id"] == sent["Entries"][0]["EventId"]
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "shop.orders",
        "Order Placed",
        {"total": 250},
    )
    assert (event["account"], event["region"]) == (learner.account_id, "us-east-1")
    assert abs(epoch(event["time"]) - sandbox.clock.now()) < 60
    events.remove_targets(Rule=rule, Ids=["fn"])
    events.delete_rule(Name=rule)


def test_a_rate_schedule_fires_every_period_of_a_fast_forwarded_hour(learner, sandbox):
    name = learner.create_function(RECORDER)
    events = learner.client("events")
    rule = f"every-5-{uuid.uuid4().hex[:6]}"
    created_at = sandbox.clock.now()
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(5 minutes)")["RuleArn"]
    allow_invoke(learner, name, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(learner, name)}])
    sandbox.fast_forward(3600)
    assert sandbox.wait_for_async(20)
    fired = sorted(events_of(learner, name), key=lambda e: e["time"])
    assert len(fired) == 12
    assert same_shape(fired[0], SCHEDULED_EVENT) == []
    assert all(e["resources"] == [rule_arn] for e in fired)
    times = [epoch(e["time"]) for e in fired]
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [300] * 11
    assert abs(times[0] - (created_at + 300)) <= 2
    events.disable_rule(Name=rule)
    sandbox.fast_forward(3600)  # a disabled rule does not fire
    assert sandbox.wait_for_async(10)
    assert len(events_of(learner, name)) == 12
    events.remove_targets(Rule=rule, Ids=["fn"])
    events.delete_rule(Name=rule)


def test_a_cron_schedule_fires_at_its_utc_times(learner, sandbox):
    name = learner.create_function(RECORDER)
    events = learner.client("events")
    rule = f"noon-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="cron(30 12 * * ? *)")["RuleArn"]
    allow_invoke(learner, name, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(learner, name)}])
    start = sandbox.clock.now()
    sandbox.fast_forward(2 * 86400)
    assert sandbox.wait_for_async(10)
    times = sorted(epoch(e["time"]) for e in events_of(learner, name))
    assert len(times) == 2
    for fired in times:
        assert time.gmtime(fired)[3:6] == (12, 30, 0)
        assert start < fired <= start + 2 * 86400
    events.remove_targets(Rule=rule, Ids=["fn"])
    events.delete_rule(Name=rule)


def test_a_subscription_filter_sends_matching_log_events_gzipped(learner, sandbox):
    name = learner.create_function(RECORDER)
    logs = learner.client("logs")
    group = f"/app/checkout-{uuid.uuid4().hex[:6]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="web-1")
    group_arn = f"arn:aws:logs:us-east-1:{learner.account_id}:log-group:{group}:*"
    allow_invoke(learner, name, "logs.amazonaws.com", group_arn)
    logs.put_subscription_filter(
        logGroupName=group,
        filterName="errors",
        filterPattern="ERROR",
        destinationArn=function_arn(learner, name),
    )
    now_ms = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="web-1",
        logEvents=[
            {"timestamp": now_ms, "message": "ERROR payment declined"},
            {"timestamp": now_ms + 1, "message": "INFO order placed"},
        ],
    )
    assert sandbox.wait_for_async(10)
    (event,) = events_of(learner, name)
    assert set(event) == {"awslogs"} and set(event["awslogs"]) == {"data"}
    data = decode_awslogs(event)
    assert same_shape(data, CLOUDWATCH_LOGS_DATA) == []
    assert (data["messageType"], data["owner"], data["logGroup"], data["logStream"]) == (
        "DATA_MESSAGE",
        learner.account_id,
        group,
        "web-1",
    )
    assert data["subscriptionFilters"] == ["errors"]
    assert [(e["timestamp"], e["message"]) for e in data["logEvents"]] == [
        (now_ms, "ERROR payment declined")
    ]


def test_s3_notifies_a_queue_and_a_topic_with_the_s3_event(learner, sandbox):
    bucket = f"uploads-{uuid.uuid4().hex[:10]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    url, queue_arn = queue(learner, f"uploads-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    sns = learner.client("sns")
    topic = sns.create_topic(Name=f"uploads-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(learner, name))
    allow_invoke(learner, name, "sns.amazonaws.com", topic)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"Id": "to-queue", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}
            ],
            "TopicConfigurations": [
                {"Id": "to-topic", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}
            ],
        },
    )
    s3.put_object(Bucket=bucket, Key="reports/q1.csv", Body=b"a,b\n")
    bodies = [json.loads(m["Body"]) for m in receive_all(learner, url)]
    assert bodies[0]["Event"] == "s3:TestEvent"  # sent when the configuration is saved
    (record,) = bodies[1]["Records"]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "to-queue"
    assert record["s3"]["object"]["key"] == "reports/q1.csv"

    assert sandbox.wait_for_async(10)
    notifications = [e["Records"][0]["Sns"] for e in events_of(learner, name)]
    uploads = [n for n in notifications if "Records" in json.loads(n["Message"])]
    (notification,) = uploads
    assert notification["Subject"] == "Amazon S3 Notification"
    (s3_record,) = json.loads(notification["Message"])["Records"]
    assert s3_record["s3"]["configurationId"] == "to-topic"
    assert s3_record["s3"]["bucket"]["name"] == bucket
