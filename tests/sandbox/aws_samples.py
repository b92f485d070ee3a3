"""AWS's documented sample events, as the reference the sandbox's events are compared with.

Transcribed from the Lambda developer guide ("Using Lambda with Amazon SQS / SNS /
DynamoDB / Kinesis / CloudWatch Logs", "Capturing records of Lambda asynchronous
invocations", "Retaining discarded batches") and the EventBridge user guide. Tests
compare shapes: the same keys at every level, with values of the same JSON types.
"""

from __future__ import annotations

from typing import Any

SQS_RECORD = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
    "body": "Test message.",
    "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    },
    "messageAttributes": {
        "myAttribute": {
            "stringValue": "myValue",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    },
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
    "awsRegion": "us-east-2",
}
# Deliveries of messages that carry attributes also name their MD5.
SQS_OPTIONAL = {"md5OfMessageAttributes"}

SNS_RECORD = {
    "EventVersion": "1.0",
    "EventSubscriptionArn": (
        "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed-a058-49f5-8c98-aedd2564c486"
    ),
    "EventSource": "aws:sns",
    "Sns": {
        "SignatureVersion": "1",
        "Timestamp": "2019-01-02T12:45:07.000Z",
        "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
        "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "Message": "Hello from SNS!",
        "MessageAttributes": {
            "Test": {"Type": "String", "Value": "TestString"},
            "TestBinary": {"Type": "Binary", "Value": "TestBinary"},
        },
        "Type": "Notification",
        "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&amp;SubscriptionArn=arn:aws:sns:us-east-1:123456789012:test-lambda:21be56ed-a058-49f5-8c98-aedd2564c486",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda",
        "Subject": "TestInvoke",
    },
}

DYNAMODB_MODIFY_RECORD = {
    "eventID": "c81e728d9d4c2f636f067f89cc14862c",
    "eventName": "MODIFY",
    "eventVersion": "1.1",
    "eventSource": "aws:dynamodb",
    "awsRegion": "us-east-1",
    "dynamodb": {
        "ApproximateCreationDateTime": 1479499740.0,
        "Keys": {"Id": {"N": "101"}},
        "NewImage": {"Message": {"S": "This item has changed"}, "Id": {"N": "101"}},
        "OldImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
        "SequenceNumber": "222",
        "SizeBytes": 59,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    },
    "eventSourceARN": (
        "arn:aws:dynamodb:us-east-1:123456789012:table/ExampleTableWithStream"
        "/stream/2015-06-27T00:48:05.899"
    ),
}

KINESIS_RECORD = {
    "kinesis": {
        "kinesisSchemaVersion": "1.0",
        "partitionKey": "1",
        "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
        "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
        "approximateArrivalTimestamp": 1545084650.987,
    },
    "eventSource": "aws:kinesis",
    "eventVersion": "1.0",
    "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
    "eventName": "aws:kinesis:record",
    "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
    "awsRegion": "us-east-2",
    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
}

EVENTBRIDGE_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}

SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2015-10-08T16:53:06Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
    "detail": {},
}

CLOUDWATCH_LOGS_DATA = {  # awslogs.data, decoded
    "messageType": "DATA_MESSAGE",
    "owner": "123456789012",
    "logGroup": "/aws/lambda/echo-nodejs",
    "logStream": "2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7",
    "subscriptionFilters": ["LambdaStream_cloudwatchlogs-node"],
    "logEvents": [
        {
            "id": "34622316099697884706540976068822859012661220141643892546",
            "timestamp": 1552518348220,
            "message": "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\tDuration: 46.84 ms",
        }
    ],
}

ASYNC_FAILURE_RECORD = {
    "version": "1.0",
    "timestamp": "2019-11-14T18:16:05.568Z",
    "requestContext": {
        "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    },
    "requestPayload": {"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]},
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    },
    "responsePayload": {
        "errorMessage": (
            "RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing"
            " request"
        )
    },
}

ASYNC_SUCCESS_RECORD = {
    "version": "1.0",
    "timestamp": "2019-11-24T23:08:25.651Z",
    "requestContext": {
        "requestId": "c2a6f2ae-7dbb-4d22-8782-d0485c9877e2",
        "functionArn": "arn:aws:lambda:sa-east-1:123456789123:function:event-destinations:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    },
    "requestPayload": {"Success": True},
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
    "responsePayload": None,
}

KINESIS_FAILURE_RECORD = {
    "requestContext": {
        "requestId": "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
        "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1,
    },
    "responseContext": {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "KinesisBatchInfo": {
        "shardId": "shardId-000000000001",
        "startSequenceNumber": "49601189658422359378836298521827638475320189012309704722",
        "endSequenceNumber": "49601189658422359378836298522902373528957594348623495186",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:12:46.000Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:12:46.000Z",
        "batchSize": 500,
        "streamArn": "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
    },
}


def shape(value: Any) -> Any:
    """Keys at every level and the JSON type of every value (lists by their first item;
    the keys of attribute maps are examples, so a map of maps keeps one entry)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "string"


FREE = ("requestPayload", "responsePayload", "detail", "Keys", "NewImage", "OldImage")
EXAMPLES = ("messageAttributes", "MessageAttributes")


def same_shape(
    actual: Any,
    sample: Any,
    optional: set[str] | frozenset[str] = frozenset(),
    examples: tuple[str, ...] = EXAMPLES,
    free: tuple[str, ...] = FREE,
) -> list[str]:
    """Differences between an event and AWS's sample: missing or extra keys, other types.
    ``examples`` names maps keyed by the sample's own names (message attributes: one entry
    is compared with one entry); ``free`` names the data itself (payloads, images)."""
    problems: list[str] = []

    def walk(a: Any, s: Any, path: str) -> None:
        if path.rsplit(".", 1)[-1] in free:
            return
        if isinstance(s, dict):
            if not isinstance(a, dict):
                problems.append(f"{path}: {type(a).__name__} instead of an object")
                return
            if path.rsplit(".", 1)[-1] in examples:
                if s and a:  # compare one entry with one entry
                    walk(next(iter(a.values())), next(iter(s.values())), path + ".*")
                return
            for key in s:
                if key not in a:
                    problems.append(f"{path}.{key} is missing")
                else:
                    walk(a[key], s[key], f"{path}.{key}")
            for key in a:
                if key not in s and key not in optional:
                    problems.append(f"{path}.{key} is not in AWS's sample")
        elif isinstance(s, list):
            if not isinstance(a, list):
                problems.append(f"{path}: {type(a).__name__} instead of a list")
            elif s and a:
                walk(a[0], s[0], path + "[0]")
        elif s is not None and shape(a) != shape(s):
            problems.append(f"{path}: {shape(a)} instead of {shape(s)}")

    walk(actual, sample, "$")
    return problems
