"""What went through the map lately: AWS/Lambda metrics and REPORT lines, each one priced.

Invocations, Errors and Throttles come from CloudWatch (namespace AWS/Lambda, dimension
FunctionName, as the sandbox publishes them). Lambda's metrics are per function, so an
edge shows them only where it is its function's one way in; an alias's split is counted
from the START lines, which name the version that ran. A REPORT line's cost is the
calculator's: billed duration x memory at the architecture's price, plus one request.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3

from architecture.reads import Reads
from pricing.model import Usage, price

METRICS = ("Invocations", "Errors", "Throttles")
START = re.compile(r"^START RequestId: (?P<id>[\w-]+) Version: (?P<version>\S+)")
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[\w-]+)\s+Duration: (?P<duration>[\d.]+) ms\s+"
    r"Billed Duration: (?P<billed>\d+) ms\s+Memory Size: (?P<memory>\d+) MB\s+"
    r"Max Memory Used: (?P<used>\d+) MB(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
    r"(?:\s+Status: (?P<status>\w+))?(?:\s+Error Type: (?P<error>[\w.]+))?"
)


@dataclass(frozen=True)
class Counts:
    invocations: int = 0
    errors: int = 0
    throttles: int = 0

    @property
    def quiet(self) -> bool:
        return not (self.invocations or self.errors or self.throttles)

    def short(self) -> str:
        return f"{self.invocations} inv · {self.errors} err · {self.throttles} thr"


@dataclass(frozen=True)
class Report:
    """One invocation as its REPORT line tells it, with what it would cost on AWS."""

    timestamp: int  # ms since the epoch
    request_id: str
    version: str
    duration_ms: Decimal
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: Decimal | None
    status: str  # success, error or timeout...
    cost_usd: Decimal

    @property
    def when(self) -> str:
        moment = dt.datetime.fromtimestamp(self.timestamp / 1000, dt.UTC)
        return moment.strftime("%H:%M:%S")


def function_counts(
    session: boto3.Session, function_names: Iterable[str], minutes: int = 15
) -> dict[str, Counts]:
    """Sum of each metric over the last ``minutes``, per function (one GetMetricData call)."""
    names = sorted(set(function_names))
    if not names:
        return {}
    reads = Reads(session, lambda _: None)
    now = dt.datetime.now(dt.UTC)
    queries = [
        {
            "Id": f"m{index}_{metric_index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": name}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }
        for index, name in enumerate(names)
        for metric_index, metric in enumerate(METRICS)
    ]
    totals: dict[str, dict[str, float]] = {name: {} for name in names}
    for start in range(0, len(queries), 500):  # GetMetricData takes 500 queries a call
        found = reads.call(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries[start : start + 500],
            StartTime=now - dt.timedelta(minutes=minutes),
            EndTime=now + dt.timedelta(minutes=1),
        )
        for result in (found or {}).get("MetricDataResults", []):
            index, metric_index = (int(p) for p in result["Id"][1:].split("_"))
            metric = METRICS[metric_index]
            totals[names[index]][metric] = sum(result.get("Values", []))
    return {
        name: Counts(*(int(values.get(metric, 0)) for metric in METRICS))
        for name, values in totals.items()
    }


def log_events(
    session: boto3.Session, function_name: str, minutes: int | None = None, limit: int = 2000
) -> list[dict[str, Any]]:
    """The function's log events (oldest first), of the last ``minutes`` or all."""
    reads = Reads(session, lambda _: None)
    kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{function_name}"}
    if minutes is not None:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
        kwargs["startTime"] = int(since.timestamp() * 1000)
    events: list[dict[str, Any]] = []
    while len(events) < limit:
        page = reads.call("logs", "filter_log_events", **kwargs)
        if not page:
            break
        events += page.get("events", [])
        if not page.get("nextToken") or page.get("nextToken") == kwargs.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))


def version_counts(events: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Invocations per version that ran ("$LATEST", "1", "2"...), from START lines."""
    counts: dict[str, int] = {}
    for event in events:
        found = START.match(event["message"])
        if found:
            counts[found["version"]] = counts.get(found["version"], 0) + 1
    return counts


def invocation_cost(billed_ms: int, memory_mb: int, arch: str = "x86_64") -> Decimal:
    """One invocation on AWS, without the free tier: a request plus its GB-seconds."""
    bill = price(
        Usage(
            requests=1,
            duration_ms=billed_ms,
            memory_mb=memory_mb,
            arch="arm64" if arch == "arm64" else "x86_64",
            free_tier=False,
        )
    )
    return bill.request_exact + bill.compute_exact


def reports(events: Iterable[dict[str, Any]], arch: str = "x86_64") -> list[Report]:
    """Every REPORT line among the events, newest first, with its version and its cost."""
    versions: dict[str, str] = {}
    found: list[Report] = []
    for event in events:
        message = event["message"]
        start = START.match(message)
        if start:
            versions[start["id"]] = start["version"]
            continue
        report = REPORT.match(message)
        if report is None:
            continue
        billed, memory = int(report["billed"]), int(report["memory"])
        found.append(
            Report(
                timestamp=int(event["timestamp"]),
                request_id=report["id"],
                version=versions.get(report["id"], "?"),
                duration_ms=Decimal(report["duration"]),
                billed_ms=billed,
                memory_mb=memory,
                max_memory_mb=int(report["used"]),
                init_ms=Decimal(report["init"]) if report["init"] else None,
                status=(report["status"] or "success").lower(),
                cost_usd=invocation_cost(billed, memory, arch),
            )
        )
    return sorted(found, key=lambda r: r.timestamp, reverse=True)


def recent_reports(
    session: boto3.Session,
    function_name: str,
    arch: str = "x86_64",
    limit: int = 20,
    minutes: int = 24 * 60,
) -> list[Report]:
    """The function's latest REPORT lines (newest first) of the last day, each priced."""
    return reports(log_events(session, function_name, minutes, limit=10_000), arch)[:limit]
