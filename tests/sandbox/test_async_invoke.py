"""Asynchronous invocation: 202 at once, two retries by the sandbox clock, then the
dead-letter queue and the on-failure destination; on-success destinations."""

from __future__ import annotations

import calendar
import json
import time
import uuid

from tests.sandbox.aws_samples import ASYNC_FAILURE_RECORD, ASYNC_SUCCESS_RECORD, same_shape
from tests.sandbox.helpers import (
    RECORDER,
    clock_speed,
    events_of,
    function_arn,
    queue,
    receive_all,
    wait_until,
)

FAILING = """
def handler(event, context):
    print("ATTEMPT " + context.aws_request_id)
    raise RuntimeError("payment service unavailable")
"""


def test_event_invocation_answers_202_with_the_request_id_the_handler_sees(learner, sandbox):
    name = learner.create_function(RECORDER)
    response = learner.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}'
    )
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    request_id = response["ResponseMetadata"]["RequestId"]
    assert sandbox.wait_for_async(10)
    messages = learner.log_messages(name)
    assert f"START RequestId: {request_id} Version: $LATEST" in messages
    assert events_of(learner, name) == [{"order": 7}]


def test_a_failing_event_is_retried_twice_then_goes_to_the_dlq_and_on_failure(learner, sandbox):
    dlq_url, dlq_arn = queue(learner, f"dlq-{uuid.uuid4().hex[:8]}")
    failures_url, failures_arn = queue(learner, f"failures-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(FAILING, DeadLetterConfig={"TargetArn": dlq_arn})
    lam = learner.client("lambda")
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {
        "TargetArn": dlq_arn
    }
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": failures_arn}}
    )
    sqs = learner.client("sqs")
    with clock_speed(sandbox, 600):  # Lambda's 1 + 2 minutes of waiting: 0.3 s
        invoked_at = sandbox.clock.now()
        started = time.monotonic()
        response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 9}')
        request_id = response["ResponseMetadata"]["RequestId"]
        dead = wait_until(
            lambda: sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"]).get(
                "Messages"
            ),
            what="the dead-letter queue's message",
        )
        elapsed = time.monotonic() - started
    assert sandbox.wait_for_async(10)
    attempts = [m for m in learner.log_messages(name) if m.startswith("ATTEMPT ")]
    assert attempts == [f"ATTEMPT {request_id}"] * 3  # the same request id every time
    assert elapsed < 10

    (message,) = dead
    assert json.loads(message["Body"]) == {"order": 9}  # the event itself
    attributes = {
        k: (v["DataType"], v["StringValue"]) for k, v in message["MessageAttributes"].items()
    }
    assert attributes == {
        "RequestID": ("String", request_id),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", "payment service unavailable"),
    }
    (failure,) = sqs.receive_message(QueueUrl=failures_url, WaitTimeSeconds=5)["Messages"]
    record = json.loads(failure["Body"])
    assert same_shape(record, ASYNC_FAILURE_RECORD) == []
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"{function_arn(learner, name)}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"order": 9}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "payment service unavailable"
    # The record was written by the sandbox clock, after both waits (60 s + 120 s).
    written = calendar.timegm(time.strptime(record["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert written - invoked_at >= 179


def test_maximum_retry_attempts_zero_sends_the_first_failure_on(learner, sandbox):
    dlq_url, dlq_arn = queue(learner, f"dlq-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(FAILING, DeadLetterConfig={"TargetArn": dlq_arn})
    lam = learner.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    config = lam.get_function_event_invoke_config(FunctionName=name)
    assert config["MaximumRetryAttempts"] == 0
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert sandbox.wait_for_async(10)
    assert len([m for m in learner.log_messages(name) if m.startswith("ATTEMPT ")]) == 1
    messages = learner.client("sqs").receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5)
    assert len(messages["Messages"]) == 1


def test_a_throttled_event_older_than_its_maximum_age_is_discarded(learner, sandbox):
    failures_url, failures_arn = queue(learner, f"aged-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    lam = learner.client("lambda")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"late": true}')
    assert sandbox.settle(20)  # fast-forwards through the throttle backoff
    (message,) = learner.client("sqs").receive_message(QueueUrl=failures_url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestPayload"] == {"late": True}
    assert events_of(learner, name) == []


def test_successes_go_to_sqs_lambda_and_eventbridge_destinations(learner, sandbox):
    successes_url, successes_arn = queue(learner, f"ok-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    lam = learner.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": successes_arn}}
    )
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert sandbox.wait_for_async(10)
    (message,) = learner.client("sqs").receive_message(QueueUrl=successes_url)["Messages"]
    record = json.loads(message["Body"])
    assert same_shape(record, ASYNC_SUCCESS_RECORD) == []
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["requestId"] == request_id
    assert record["responsePayload"] == {"seen": request_id}

    # A function as the destination gets the record, asynchronously.
    receiver = learner.create_function(RECORDER)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        DestinationConfig={"OnSuccess": {"Destination": function_arn(learner, receiver)}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 2}')
    assert sandbox.wait_for_async(10)
    (received,) = events_of(learner, receiver)
    assert received["requestPayload"] == {"n": 2}
    assert received["requestContext"]["condition"] == "Success"

    # An event bus: the record is the detail of a "Lambda Function Invocation Result".
    bus_url, bus_queue_arn = queue(learner, f"bus-{uuid.uuid4().hex[:8]}")
    events = learner.client("events")
    rule = f"results-{uuid.uuid4().hex[:6]}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": bus_queue_arn}])
    bus_arn = events.describe_event_bus()["Arn"]
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": bus_arn}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    assert sandbox.wait_for_async(10)
    (delivered,) = learner.client("sqs").receive_message(QueueUrl=bus_url)["Messages"]
    event = json.loads(delivered["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["requestPayload"] == {"n": 3}
    events.remove_targets(Rule=rule, Ids=["queue"])
    events.delete_rule(Name=rule)


def test_destinations_never_reach_another_learners_queue(make_learner, sandbox):
    mallory = make_learner(f"mallory-{uuid.uuid4().hex[:6]}")
    victim = make_learner(f"victim-{uuid.uuid4().hex[:6]}")
    victim_url, victim_arn = queue(victim, "inbox")
    name = mallory.create_function(FAILING, DeadLetterConfig={"TargetArn": victim_arn})
    lam = mallory.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": victim_arn}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"spam": 1}')
    assert sandbox.wait_for_async(10)
    assert victim.client("sqs").receive_message(QueueUrl=victim_url).get("Messages", []) == []


def test_dry_run_checks_the_request_without_running_it(learner):
    name = learner.create_function(RECORDER)
    lam = learner.client("lambda")
    response = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b'{"a": 1}')
    assert response["StatusCode"] == 204
    assert events_of(learner, name) == []
    missing = lam.exceptions.ResourceNotFoundException
    try:
        lam.invoke(FunctionName=f"{name}-missing", InvocationType="DryRun")
    except missing:
        pass
    else:
        raise AssertionError("DryRun of a missing function succeeded")


def test_an_sns_topic_serves_as_dead_letter_queue_and_as_destination(learner, sandbox):
    url, queue_arn = queue(learner, f"fanout-{uuid.uuid4().hex[:8]}")
    sns = learner.client("sns")
    topic = sns.create_topic(Name=f"failed-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    name = learner.create_function(FAILING, DeadLetterConfig={"TargetArn": topic})
    lam = learner.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 5}')
    assert sandbox.wait_for_async(10)
    notifications = [json.loads(m["Body"]) for m in receive_all(learner, url)]
    messages = {n["Message"]: n for n in notifications}
    dead = messages['{"order": 5}']  # the event itself, with Lambda's attributes
    assert dead["MessageAttributes"]["RequestID"] == {
        "Type": "String",
        "Value": response["ResponseMetadata"]["RequestId"],
    }
    assert dead["MessageAttributes"]["ErrorMessage"]["Value"] == "payment service unavailable"
    (record,) = [json.loads(text) for text in messages if text != '{"order": 5}']
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
