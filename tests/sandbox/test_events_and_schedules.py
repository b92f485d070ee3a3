"""Sample events come from the builders real deliveries use; schedules and the clock."""

from __future__ import annotations

import calendar
import json
import time

import pytest

from sandbox import events, schedules
from sandbox.clock import SCHEDULE, SandboxClock
from tests.sandbox.aws_samples import (
    ASYNC_FAILURE_RECORD,
    CLOUDWATCH_LOGS_DATA,
    DYNAMODB_MODIFY_RECORD,
    EVENTBRIDGE_EVENT,
    KINESIS_RECORD,
    SCHEDULED_EVENT,
    SNS_RECORD,
    SQS_OPTIONAL,
    SQS_RECORD,
    same_shape,
)

ACCOUNT = "123456789012"


@pytest.mark.parametrize(
    ("source", "check"),
    [
        ("sqs", lambda e: same_shape(e["Records"][0], SQS_RECORD, optional=SQS_OPTIONAL)),
        ("sns", lambda e: same_shape(e["Records"][0], SNS_RECORD)),
        ("eventbridge", lambda e: same_shape(e, EVENTBRIDGE_EVENT)),
        ("schedule", lambda e: same_shape(e, SCHEDULED_EVENT)),
        ("dynamodb", lambda e: same_shape(e["Records"][0], DYNAMODB_MODIFY_RECORD)),
        ("kinesis", lambda e: same_shape(e["Records"][0], KINESIS_RECORD)),
        ("cloudwatch-logs", lambda e: same_shape(events.decode_awslogs(e), CLOUDWATCH_LOGS_DATA)),
        ("destination", lambda e: same_shape(e, ASYNC_FAILURE_RECORD)),
        ("s3-sqs", lambda e: same_shape(e["Records"][0], SQS_RECORD, optional=SQS_OPTIONAL)),
    ],
)
def test_each_sample_has_the_shape_of_awss_sample(source, check):
    event = events.sample_event(source, ACCOUNT)
    json.dumps(event)  # what the event editor shows
    assert check(event) == []


def test_every_source_has_a_sample_in_the_learners_account():
    for source in events.SOURCES:
        if source.startswith(("apigateway", "function-url")):
            pytest.importorskip("sandbox.http.events")
        event = events.sample_event(source, "210987654321")
        if source == "cloudwatch-logs":
            event = events.decode_awslogs(event)
        assert "210987654321" in json.dumps(event) or source == "s3", source
    s3 = events.sample_event("s3", "210987654321")["Records"][0]
    assert s3["eventSource"] == "aws:s3" and s3["s3"]["object"]["key"] == "holiday+photo.jpg"
    with pytest.raises(ValueError, match="unknown source"):
        events.sample_event("carrier-pigeon", ACCOUNT)
    assert set(events.sample_titles()) == set(events.SOURCES)


def utc(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M")))


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", "2025-03-01 12:00", "2025-03-02 12:00"),
        ("cron(15 10 ? * 6L 2025)", "2025-03-01 00:00", "2025-03-28 10:15"),  # last Friday
        ("cron(0 18 ? * MON-FRI *)", "2025-03-01 00:00", "2025-03-03 18:00"),  # Saturday
        ("cron(0/15 * * * ? *)", "2025-03-01 10:07", "2025-03-01 10:15"),
        ("cron(0 8 1 * ? *)", "2025-03-02 00:00", "2025-04-01 08:00"),
        ("cron(0 9 L * ? *)", "2025-02-01 00:00", "2025-02-28 09:00"),
        ("cron(0 9 ? * 2#1 *)", "2025-03-01 00:00", "2025-03-03 09:00"),  # first Monday
        ("cron(0 9 15W * ? *)", "2025-03-01 00:00", "2025-03-14 09:00"),  # the 15th: Saturday
        ("cron(0 0 1 JAN ? 2024)", "2025-01-01 00:00", None),  # never again
    ],
)
def test_cron_expressions_fire_when_eventbridge_does(expression, after, expected):
    schedule = schedules.parse(expression, created_at=0)
    due = schedule.next_after(utc(after))
    assert due == (utc(expected) if expected else float("inf"))


def test_rate_expressions_count_from_the_rules_creation():
    schedule = schedules.parse("rate(5 minutes)", created_at=1000.0)
    assert schedule.next_after(1000.0) == 1300.0
    assert schedule.next_after(1300.0) == 1600.0
    assert schedules.parse("rate(1 day)", 0.0).next_after(1.0) == 86400.0
    for bad in ("rate(1 minutes)", "rate(5 minute)", "rate(0 hours)", "cron(* * * * * *)", "x"):
        with pytest.raises(schedules.ScheduleError):
            schedules.parse(bad, 0.0)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.parse("rate(5 minutes)", created_at=utc("2025-03-01 10:02") + 0.25),
        schedules.parse("cron(0 3 * * ? *)", created_at=0),
        schedules.parse("cron(*/15 9-17 ? * MON-FRI *)", created_at=0),
        schedules.parse("cron(0 9 ? * 2#2 *)", created_at=0),  # the second Monday
        # 02:30 in New York does not exist on 2024-03-10: it runs once that night.
        schedules.parse_scheduler("cron(30 2 * * ? *)", "America/New_York", 0.0),
        schedules.parse_scheduler(
            "rate(1 hour)", None, 0.0, start=utc("2024-03-09 12:00"), end=utc("2024-03-11 00:00")
        ),
        schedules.parse_scheduler("at(2024-03-10T12:00:00)", "Europe/Paris", 0.0),
    ],
)
def test_runs_between_counts_the_due_times_next_after_steps_through(schedule):
    """What a fast-forward's cap reports as skipped: the due runs from one time to another."""
    first, last = utc("2024-03-08 09:00"), utc("2024-03-12 09:00")
    if isinstance(schedule, schedules.RateSchedule):
        first, last = utc("2025-03-01 09:00"), utc("2025-03-03 09:07")
    stepped, moment = [], first - 0.001
    while (moment := schedule.next_after(moment)) <= last:
        stepped.append(moment)
    assert schedule.runs_between(first, last) == len(stepped) > 0
    assert schedule.runs_between(stepped[0], stepped[-1]) == len(stepped)  # both included
    assert schedule.runs_between(last, first) == 0


def test_advancing_the_clock_fires_due_timers_in_order_at_their_due_times():
    clock = SandboxClock()
    fired: list[tuple[str, float]] = []
    start = clock.now()
    clock.call_at(start + 120, lambda due: fired.append(("b", due)))
    clock.call_at(start + 60, lambda due: fired.append(("a", due)))

    def every_minute(due: float) -> None:
        fired.append(("tick", due))
        clock.call_at(due + 60, every_minute, kind=SCHEDULE)

    clock.call_at(start + 60, every_minute, kind=SCHEDULE)
    clock.advance(180)
    assert [name for name, _ in fired] == ["a", "tick", "b", "tick", "tick"]
    assert [due - start for _, due in fired] == [60, 60, 120, 120, 180]
    assert [t.kind for t in clock.pending(SCHEDULE)] == [SCHEDULE]
    clock.set_speed(3600)
    before = clock.now()
    time.sleep(0.01)
    assert clock.now() - before >= 30  # an hour of virtual time per real second
