"""A function's real duration and memory, read from its REPORT lines in CloudWatch Logs.

"Use my function" on the calculator prices what the learner's own function did in the
sandbox: the average Billed Duration of its invocations at its configured memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

REPORT = re.compile(r"Billed Duration: (\d+) ms\s+Memory Size: (\d+) MB")


@dataclass(frozen=True)
class MeasuredFunction:
    name: str
    invocations: int
    average_billed_ms: Decimal
    memory_mb: int
    arch: str  # x86_64 or arm64


def billed_durations(messages: list[str]) -> list[tuple[int, int]]:
    """(billed ms, memory MB) of every REPORT line among log messages."""
    return [(int(m.group(1)), int(m.group(2))) for m in map(REPORT.search, messages) if m]


def measure(session: boto3.Session, function_name: str) -> MeasuredFunction | None:
    """What the function's logged invocations cost in time; None if it has none yet."""
    logs = session.client("logs")
    messages: list[str] = []
    kwargs = {"logGroupName": f"/aws/lambda/{function_name}", "filterPattern": "REPORT"}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            messages += [event["message"] for event in page.get("events", [])]
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        config = session.client("lambda").get_function_configuration(FunctionName=function_name)
    except ClientError:
        return None
    reports = billed_durations(messages)
    if not reports:
        return None
    average = Decimal(sum(ms for ms, _ in reports)) / len(reports)
    return MeasuredFunction(
        name=function_name,
        invocations=len(reports),
        average_billed_ms=average.quantize(Decimal("0.01")),
        memory_mb=int(config["MemorySize"]),
        arch=(config.get("Architectures") or ["x86_64"])[0],
    )


def measure_all(session: boto3.Session) -> list[MeasuredFunction]:
    """Every function in the learner's sandbox that has run at least once."""
    names = [f["FunctionName"] for f in session.client("lambda").list_functions()["Functions"]]
    return [m for m in (measure(session, name) for name in sorted(names)) if m]
