"""What the lab page shows of a learner's sandbox: logs as the console shows them, the
resources that exist, and a lab's reset. boto3 only, no Streamlit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from labs.engine import LabContext
from labs.model import Lab


@dataclass(frozen=True)
class LogLine:
    timestamp: int
    message: str

    @property
    def kind(self) -> str:
        """start, end, report, error or plain: how the viewer highlights the line."""
        text = self.message
        for prefix, kind in (
            ("START RequestId", "start"),
            ("END RequestId", "end"),
            ("REPORT RequestId", "report"),
        ):
            if text.startswith(prefix):
                return kind
        if text.startswith("[ERROR]") or "Traceback" in text or '"errorType"' in text:
            return "error"
        return "plain"


@dataclass(frozen=True)
class LogStream:
    name: str
    last_event: int
    lines: tuple[LogLine, ...]


def read_log_streams(
    session: boto3.Session, function_name: str, text_filter: str = "", limit: int = 10
) -> list[LogStream]:
    """The function's streams, newest first, as the console lists them.

    A filter keeps the requests (START to REPORT) that mention the text anywhere, so
    filtering by a request id or an order number shows that request whole.
    """
    logs = session.client("logs")
    group = f"/aws/lambda/{function_name}"
    try:
        described = logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", descending=True, limit=limit
        )["logStreams"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise
    streams = []
    for stream in described:
        events = logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
        )
        lines = [LogLine(e["timestamp"], e["message"].rstrip("\n")) for e in events["events"]]
        if text_filter:
            lines = _requests_mentioning(lines, text_filter)
        if lines or not text_filter:
            last = stream.get("lastEventTimestamp") or (lines[-1].timestamp if lines else 0)
            streams.append(LogStream(stream["logStreamName"], last, tuple(lines)))
    return sorted(streams, key=lambda s: s.last_event, reverse=True)


def _requests_mentioning(lines: list[LogLine], text: str) -> list[LogLine]:
    kept: list[LogLine] = []
    request: list[LogLine] = []
    for line in lines:
        if line.kind == "start" or not request:
            if request and any(text in ln.message for ln in request):
                kept += request
            request = []
        request.append(line)
    if request and any(text in ln.message for ln in request):
        kept += request
    return kept


def describe_runtime(runtime: Any) -> str:
    """What runs the learner's handlers: the boundary, and which Python runs which runtime
    (``runtime`` is the sandbox's LambdaRuntime)."""
    versions = ", ".join(
        f"{name} on Python {version}" for name, version in runtime.interpreters_by_runtime()
    )
    return f"{runtime.describe_boundary()} Runtimes here: {versions}."


def list_resources(session: boto3.Session) -> dict[str, list[str]]:
    """What exists in the learner's account, by kind, as boto3 lists it."""
    found: dict[str, list[str]] = {}
    readers = {
        "Functions": lambda: [
            f["FunctionName"] for f in session.client("lambda").list_functions()["Functions"]
        ],
        "Roles": lambda: [
            r["RoleName"]
            for r in session.client("iam").list_roles()["Roles"]
            if not r["Path"].startswith("/aws-")
        ],
        "Buckets": lambda: [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]],
        "Tables": lambda: session.client("dynamodb").list_tables()["TableNames"],
        "Queues": lambda: [
            u.rsplit("/", 1)[-1] for u in session.client("sqs").list_queues().get("QueueUrls", [])
        ],
        "Log groups": lambda: [
            g["logGroupName"] for g in session.client("logs").describe_log_groups()["logGroups"]
        ],
    }
    for kind, read in readers.items():
        with contextlib.suppress(ClientError):
            found[kind] = sorted(read())
    return found


def reset_lab(session: boto3.Session, lab: Lab, ctx: LabContext) -> list[str]:
    """Delete what the lab's names point at in this learner's account; returns what went.

    Only this learner's account is touched, and only resources bearing the lab's names.
    """
    removed: list[str] = []
    names = [ctx.values[key] for key in lab.names if key in ctx.values]
    for name in names:
        for kind, delete in _deleters(session):
            try:
                delete(name)
            except ClientError:
                continue
            removed.append(f"{kind} {name}")
    return removed


def _deleters(session: boto3.Session) -> Iterable[tuple[str, object]]:
    lam, iam, s3 = session.client("lambda"), session.client("iam"), session.client("s3")
    dynamodb, logs, ssm = session.client("dynamodb"), session.client("logs"), session.client("ssm")

    def delete_role(name: str) -> None:
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)

    def delete_bucket(name: str) -> None:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
        s3.delete_bucket(Bucket=name)

    def delete_function(name: str) -> None:
        lam.delete_function(FunctionName=name)
        with contextlib.suppress(ClientError):
            logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")

    return [
        ("function", delete_function),
        ("role", delete_role),
        ("bucket", delete_bucket),
        ("table", lambda name: dynamodb.delete_table(TableName=name)),
        ("parameter", lambda name: ssm.delete_parameter(Name=name)),
    ]
