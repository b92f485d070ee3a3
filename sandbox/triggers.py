"""Events that other services send to a function, shaped exactly as AWS shapes them.

S3: one record per notification, with every field of a real S3 event notification
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote_plus

_sequence_lock = threading.Lock()
_last_sequence = 0


@dataclass(frozen=True)
class S3ObjectChange:
    """What happened to which object, as moto reports it to the notification code."""

    event_name: str  # "s3:ObjectCreated:Put"
    region: str
    bucket_name: str
    bucket_owner_account: str
    key: str
    size: int | None
    etag: str | None
    version_id: str | None
    configuration_id: str


def encode_key(key: str) -> str:
    """S3's encoding of keys in event records: form encoding (space -> '+', '+' -> '%2B'),
    with '/' left as it is."""
    return quote_plus(key, safe="/*").replace("~", "%7E")


def sequencer() -> str:
    """Increasing hex values, as S3 uses to order events for the same key."""
    global _last_sequence
    with _sequence_lock:
        _last_sequence = max(time.time_ns(), _last_sequence + 1)
        return f"{_last_sequence:018X}"


def owner_principal_id(account_id: str) -> str:
    """A stable canonical-looking owner id per account (S3 shows the owner's, not the ARN)."""
    return "A" + hashlib.sha256(account_id.encode()).hexdigest()[:13].upper()


def s3_event(change: S3ObjectChange, principal_id: str, source_ip: str) -> dict:
    event_time = time.time()
    millis = int(event_time * 1000) % 1000
    object_record: dict[str, object] = {"key": encode_key(change.key)}
    removed = change.event_name.startswith(("s3:ObjectRemoved", "s3:LifecycleExpiration"))
    if not removed:  # a removed object has neither size nor eTag in its record
        if change.size is not None:
            object_record["size"] = change.size
        if change.etag:
            object_record["eTag"] = change.etag.strip('"')
    if change.version_id and change.version_id != "null":
        object_record["versionId"] = change.version_id
    object_record["sequencer"] = sequencer()
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": change.region,
                "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(event_time))
                + f".{millis:03d}Z",
                "eventName": change.event_name.removeprefix("s3:"),
                "userIdentity": {"principalId": principal_id},
                "requestParameters": {"sourceIPAddress": source_ip},
                "responseElements": {
                    "x-amz-request-id": secrets.token_hex(8).upper(),
                    "x-amz-id-2": base64.b64encode(os.urandom(48)).decode("ascii"),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": change.configuration_id,
                    "bucket": {
                        "name": change.bucket_name,
                        "ownerIdentity": {
                            "principalId": owner_principal_id(change.bucket_owner_account)
                        },
                        "arn": f"arn:aws:s3:::{change.bucket_name}",
                    },
                    "object": object_record,
                },
            }
        ]
    }
