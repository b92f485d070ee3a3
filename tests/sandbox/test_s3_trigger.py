"""S3 -> Lambda: a bucket notification invokes the function asynchronously with S3's event."""

from __future__ import annotations

import json
import re
import time
import uuid

from tests.aws_helpers import allow_invoke

HANDLER = """
import json, urllib.parse
import boto3

s3 = boto3.client("s3")

def handler(event, context):
    print("EVENT " + json.dumps(event))
    record = event["Records"][0]
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    print(f"READ {key} {len(body)} bytes")
    return {"key": key}
"""


def wait_for_log(learner, name: str, pattern: str, timeout_s: float = 15) -> list[str]:
    """Poll the function's logs as a learner would, until a message matches."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            messages = learner.log_messages(name)
        except learner.client("logs").exceptions.ResourceNotFoundException:
            messages = []
        if any(re.search(pattern, m) for m in messages):
            return messages
        time.sleep(0.05)
    raise AssertionError(f"no log message matching {pattern!r} within {timeout_s} s")


def test_upload_matching_the_suffix_filter_invokes_the_function(learner):
    name = learner.create_function(HANDLER, Timeout=30)
    function_arn = learner.client("lambda").get_function(FunctionName=name)["Configuration"][
        "FunctionArn"
    ]
    bucket = f"uploads-{uuid.uuid4().hex[:12]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    allow_invoke(learner, name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "csv-uploads",
                    "LambdaFunctionArn": function_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "incoming/"},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b"not a csv")
    s3.put_object(Bucket=bucket, Key="other/skipped.csv", Body=b"a,b")
    started = time.monotonic()
    put = s3.put_object(Bucket=bucket, Key="incoming/Q1 report+final.csv", Body=b"a,b\n1,2\n")
    assert time.monotonic() - started < 2  # the upload does not wait for the function

    messages = wait_for_log(learner, name, r"^READ incoming/Q1 report\+final\.csv 8 bytes$")
    events = [json.loads(m[len("EVENT ") :]) for m in messages if m.startswith("EVENT ")]
    assert len(events) == 1  # neither the .txt nor the file outside incoming/
    (record,) = events[0]["Records"]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", record["eventTime"])
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["userIdentity"]["principalId"].startswith("AWS:")
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3_part = record["s3"]
    assert s3_part["s3SchemaVersion"] == "1.0"
    assert s3_part["configurationId"] == "csv-uploads"
    assert s3_part["bucket"]["name"] == bucket
    assert s3_part["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert s3_part["bucket"]["ownerIdentity"]["principalId"]
    obj = s3_part["object"]
    assert obj["key"] == "incoming/Q1+report%2Bfinal.csv"  # S3's encoding: space as +
    assert obj["size"] == 8
    assert obj["eTag"] == put["ETag"].strip('"')
    assert re.match(r"^[0-9A-F]{16,}$", obj["sequencer"])
    # The REPORT line follows the handler's output once the invocation ends.
    wait_for_log(learner, name, r"^REPORT RequestId:")


def test_deleting_an_object_sends_object_removed_without_size(learner):
    name = learner.create_function(
        "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"
    )
    arn = learner.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    bucket = f"removals-{uuid.uuid4().hex[:12]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"x")
    allow_invoke(learner, name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectRemoved:*"]}
            ]
        },
    )
    s3.delete_object(Bucket=bucket, Key="old.txt")
    messages = wait_for_log(learner, name, r"^EVENT ")
    record = json.loads(next(m for m in messages if m.startswith("EVENT "))[6:])["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert set(record["s3"]["object"]) == {"key", "sequencer"}
