"""Ready-made test events for the event editor, shaped as each source shapes them.

The S3 and HTTP events come from the sandbox's own code, the code that builds the events
real uploads and requests deliver, so a sample can never drift from what a function receives.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable

from sandbox.http.events import sample_function_url_event, sample_http_api_event, sample_rest_event
from sandbox.triggers import S3ObjectChange, owner_principal_id, s3_event


def console_test(account: str) -> dict:
    """The console's kind of hand-written test event."""
    return {"name": "Ada"}


def s3_put(account: str) -> dict:
    change = S3ObjectChange(
        event_name="s3:ObjectCreated:Put",
        region="us-east-1",
        bucket_name="lab-photos-example",
        bucket_owner_account=account,
        key="holiday photo.jpg",
        size=48213,
        etag="0f343b0931126a20f133d67c2b018a3b",
        version_id=None,
        configuration_id="photo-uploads",
    )
    return s3_event(change, owner_principal_id(account), "127.0.0.1")


def sqs_message(account: str) -> dict:
    body = json.dumps({"order_id": "A-100", "items": 2})
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": base64.b64encode(uuid.uuid4().bytes).decode(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(dt.datetime.now(dt.UTC).timestamp() * 1000)),
                    "SenderId": account,
                    "ApproximateFirstReceiveTimestamp": str(
                        int(dt.datetime.now(dt.UTC).timestamp() * 1000)
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:{account}:orders",
                "awsRegion": "us-east-1",
            }
        ]
    }


def eventbridge_schedule(account: str) -> dict:
    """What an EventBridge schedule rule delivers."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:{account}:rule/nightly-cleanup"],
        "detail": {},
    }


SAMPLES: dict[str, Callable[[str], dict]] = {
    "Console test event": console_test,
    "S3 put": s3_put,
    "API Gateway REST API (payload 1.0)": sample_rest_event,
    "API Gateway HTTP API (payload 2.0)": sample_http_api_event,
    "Function URL": sample_function_url_event,
    "SQS message": sqs_message,
    "EventBridge schedule": eventbridge_schedule,
}


def sample(name: str, account: str) -> str:
    """The sample as pretty JSON, ready for the editor."""
    return json.dumps(SAMPLES[name](account), indent=2)


def parse_event(text: str) -> tuple[object | None, str | None]:
    """(event, None) for valid JSON; (None, a message with line and column) otherwise."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return (
            None,
            f"The event is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
        )
