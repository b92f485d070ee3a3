"""Live activity: metrics per function, REPORT lines with their cost, versions that ran."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from botocore.config import Config

from architecture.activity import (
    function_counts,
    invocation_cost,
    log_events,
    recent_reports,
    reports,
    version_counts,
)
from architecture.live import snapshot
from pricing.model import Usage, price
from tests.architecture.conftest import wait_until

FAILS_ON_REQUEST = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return "ok"
"""


def test_invocations_errors_and_throttles_are_counted_per_function(learner):
    name = f"counted-{uuid.uuid4().hex[:8]}"
    learner.function(name, FAILS_ON_REQUEST)
    lam = learner.client("lambda")
    for payload in (b"{}", b"{}", b'{"fail": true}'):
        lam.invoke(FunctionName=name, Payload=payload)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    once = learner.session.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(once.exceptions.TooManyRequestsException):
        once.invoke(FunctionName=name)  # one attempt: each retry would be a throttle too
    counts = wait_until(
        lambda: (c := function_counts(learner.session, [name])[name]).throttles and c,
        what="the throttle metric",
    )
    assert (counts.invocations, counts.errors, counts.throttles) == (3, 1, 1)
    assert counts.short() == "3 inv · 1 err · 1 thr"
    assert function_counts(learner.session, ["never-ran"])["never-ran"].quiet


def test_each_report_line_is_priced_by_the_calculator(learner):
    name = f"priced-{uuid.uuid4().hex[:8]}"
    learner.function(name, MemorySize=512, Architectures=["arm64"])
    for _ in range(3):
        learner.client("lambda").invoke(FunctionName=name)
    found = recent_reports(learner.session, name, arch="arm64")
    assert len(found) == 3
    assert found[0].timestamp >= found[-1].timestamp, "newest first"
    assert found[-1].init_ms is not None, "the first one was a cold start"
    for report in found:
        assert (report.memory_mb, report.version, report.status) == (512, "$LATEST", "success")
        usage = Usage(
            requests=1, duration_ms=report.billed_ms, memory_mb=512, arch="arm64", free_tier=False
        )
        bill = price(usage)
        assert report.cost_usd == bill.request_exact + bill.compute_exact
        assert report.cost_usd > Decimal("0.0000002")  # a request, plus some compute


def test_a_report_line_with_a_status_and_its_version():
    events = [
        {"timestamp": 1, "message": "START RequestId: r-1 Version: 7"},
        {
            "timestamp": 2,
            "message": "REPORT RequestId: r-1\tDuration: 3001.00 ms\tBilled Duration: 3000 ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout",
        },
    ]
    (report,) = reports(events)
    assert (report.version, report.billed_ms, report.status) == ("7", 3000, "timeout")
    assert report.cost_usd == invocation_cost(3000, 128)


def test_an_aliases_split_is_counted_per_version_from_the_start_lines(lab_end_state):
    learner = lab_end_state("versions-and-canary")
    counts = version_counts(log_events(learner.session, "price-quote"))
    assert set(counts) <= {"1", "2", "$LATEST"} and counts.get("1", 0) > 0
    shot = snapshot(learner.session)
    assert shot.versions["price-quote"] == version_counts(
        log_events(learner.session, "price-quote", 15)
    )
    dot = shot.dot()
    assert "90%" in dot and "10%" in dot and " ran" in dot
