"""A fast-forward fires each schedule at most FAST_FORWARD_RUNS times: the sandbox clock is
the whole process's, and one learner's jump must not queue thousands of invocations."""

from __future__ import annotations

import uuid
from itertools import pairwise
from typing import Any

from sandbox.sources import FAST_FORWARD_RUNS
from tests.aws_helpers import allow_invoke
from tests.sandbox.helpers import RECORDER, events_of, function_arn

TWO_DAYS = 2 * 86400


def scheduled(learner: Any, name: str, expression: str) -> str:
    """A schedule rule invoking the function, with the permission it needs; its ARN."""
    events = learner.client("events")
    rule = f"tick-{uuid.uuid4().hex[:6]}"
    arn = events.put_rule(Name=rule, ScheduleExpression=expression)["RuleArn"]
    allow_invoke(learner, name, "events.amazonaws.com", arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(learner, name)}])
    return arn


def due_times(sandbox: Any, arn: str) -> list[float]:
    return [due for fired, due in sandbox.service.sources.scheduler.fired if fired == arn]


def test_two_days_of_a_rate_1_minute_rule_fire_the_cap_and_say_how_many_were_skipped(
    make_learner, sandbox
):
    learner = make_learner(f"ff-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    arn = scheduled(learner, name, "rate(1 minute)")

    jump = sandbox.fast_forward(TWO_DAYS, learner.account_id)
    assert jump.seconds == TWO_DAYS
    assert jump.fired == {arn: FAST_FORWARD_RUNS}
    assert jump.skipped == {arn: 2 * 24 * 60 - FAST_FORWARD_RUNS}
    text = jump.describe()
    assert "moved 2 days" in text and f"fired {FAST_FORWARD_RUNS} times" in text
    assert f"{2 * 24 * 60 - FAST_FORWARD_RUNS:,} more due runs were skipped" in text
    fired = due_times(sandbox, arn)
    assert [b - a for a, b in pairwise(fired)] == [60] * (FAST_FORWARD_RUNS - 1)
    assert sandbox.wait_for_async(60)
    assert len(events_of(learner, name)) == FAST_FORWARD_RUNS

    # Re-armed at its first due time after the jump, on the rule's own minutes.
    after = sandbox.fast_forward(60, learner.account_id)
    assert (after.fired, after.skipped) == ({arn: 1}, {})
    next_due = due_times(sandbox, arn)[FAST_FORWARD_RUNS]
    assert jump.end < next_due <= jump.end + 60
    assert round(next_due - fired[0]) % 60 == 0
    assert sandbox.wait_for_async(20)
    assert len(events_of(learner, name)) == FAST_FORWARD_RUNS + 1
    learner.client("events").disable_rule(Name=arn.rsplit("/", 1)[1])


def test_a_nightly_cron_rule_fires_both_nights_and_skips_none(make_learner, sandbox):
    learner = make_learner(f"ff-{uuid.uuid4().hex[:8]}")
    name = learner.create_function(RECORDER)
    arn = scheduled(learner, name, "cron(0 3 * * ? *)")
    jump = sandbox.fast_forward(TWO_DAYS, learner.account_id)
    assert (jump.fired, jump.skipped) == ({arn: 2}, {})
    assert "fired 2 times." in jump.describe() and "skipped" not in jump.describe()
    assert sandbox.wait_for_async(20)
    assert len(events_of(learner, name)) == 2


def test_the_summary_names_only_the_accounts_own_schedules(make_learner, sandbox):
    someone = make_learner(f"ff-{uuid.uuid4().hex[:8]}")
    theirs = scheduled(someone, someone.create_function(RECORDER), "rate(10 minutes)")
    me = make_learner(f"ff-{uuid.uuid4().hex[:8]}")
    jump = sandbox.fast_forward(3600, me.account_id)
    assert (jump.fired, jump.skipped) == ({}, {})
    assert "None of your schedules came due" in jump.describe()
    everyone = sandbox.fast_forward(3600)  # the old call: every account's schedules
    assert everyone.fired[theirs] == 6
    someone.client("events").disable_rule(Name=theirs.rsplit("/", 1)[1])
