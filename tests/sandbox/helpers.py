"""What the trigger tests share: a handler that records its events, queues, ARNs, waits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.aws_helpers import allow_invoke

RECORDER = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"seen": context.aws_request_id}
"""


def events_of(learner: Any, name: str) -> list[Any]:
    """Every event the function logged with RECORDER, in the order they were logged."""
    try:
        messages = learner.log_messages(name)
    except learner.client("logs").exceptions.ResourceNotFoundException:
        return []
    return [json.loads(m[len("EVENT ") :]) for m in messages if m.startswith("EVENT ")]


def function_arn(learner: Any, name: str) -> str:
    return learner.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def allow_api(learner: Any, name: str, api_id: str) -> None:
    """API Gateway may invoke the function for every stage, method and path of the API."""
    source = f"arn:aws:execute-api:us-east-1:{learner.account_id}:{api_id}/*"
    allow_invoke(learner, name, "apigateway.amazonaws.com", source, f"api-{api_id}")


def queue(learner: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(URL, ARN) of a new queue."""
    sqs = learner.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive_all(learner: Any, url: str, attributes: bool = False) -> list[dict[str, Any]]:
    sqs = learner.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        extra = {"MessageAttributeNames": ["All"], "AttributeNames": ["All"]} if attributes else {}
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **extra).get(
            "Messages", []
        )
        if not batch:
            return found
        found += batch


def wait_until(predicate: Callable[[], Any], timeout_s: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what or predicate}")


@contextmanager
def clock_speed(sandbox: Any, speed: float) -> Iterator[None]:
    """Run the sandbox clock faster for the duration of a test."""
    sandbox.clock.set_speed(speed)
    try:
        yield
    finally:
        sandbox.clock.set_speed(1.0)
