"""Push sources: SNS subscriptions, EventBridge rules and schedules, CloudWatch Logs
subscription filters. Each invokes its function asynchronously (``AsyncInvoker``) with
an event built in ``events``.

moto delivers SNS to SQS and HTTP, EventBridge to SQS, logs and other buses, and S3 to
SQS and SNS itself; the seam sends what reaches a Lambda function (or, for EventBridge,
an SNS topic, which moto lacks) here. moto never fires schedules: ``Scheduler`` arms one
timer per schedule rule on the sandbox clock and delivers a Scheduled Event to the
rule's targets at every due time, fast-forwards included (at most ``FAST_FORWARD_RUNS``
per schedule and fast-forward: the clock is the whole process's); and one per EventBridge
Scheduler schedule, which invokes its Lambda target with the schedule's Input.

As on AWS, SNS, EventBridge and CloudWatch Logs invoke a function only if its
resource-based policy lets their service principal do so for that topic, rule or log
group (``resource_policy``); a rule counts each target it could not invoke as a
FailedInvocations datapoint (AWS/Events).
EventBridge Scheduler uses the schedule's execution role instead: the role must trust
``scheduler.amazonaws.com`` and allow ``lambda:InvokeFunction`` on the target.

Nothing crosses accounts: a subscription, target or filter naming a function of another
account delivers nothing.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import events, moto_state, resource_policy, schedules
from sandbox.clock import SCHEDULE, SandboxClock, Timer, iso_time

if TYPE_CHECKING:
    from sandbox.lambda_service import LambdaService

logger = logging.getLogger(__name__)

OURS = ("lambda", "sns")  # EventBridge target services the sandbox delivers itself


def service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


class PushSources:
    def __init__(self, service: LambdaService, clock: SandboxClock) -> None:
        self.service = service
        self.clock = clock
        self.scheduler = Scheduler(self, clock)

    def _invoke(
        self,
        account_id: str,
        function_arn: str,
        payload: Any,
        source: str,
        permitted_for: tuple[str, str] | None = None,
    ) -> bool:
        """Invoke asynchronously; False if nothing was delivered. ``permitted_for``:
        (service principal, source ARN) the function's policy must allow."""
        try:
            moto_state.same_account(function_arn, account_id)
            region = function_arn.split(":")[3]
            spec, invoked = moto_state.function_by_arn(account_id, region, function_arn)
        except Exception:  # another account's, or no such function: nothing is delivered
            return False
        if permitted_for is not None:
            principal, source_arn = permitted_for
            if not moto_state.function_allows(function_arn, principal, source_arn, account_id):
                _not_permitted(principal, function_arn, source_arn)
                return False
        self.service.submit_async(spec, json.dumps(payload), invoked, source=source)
        return True

    # SNS -------------------------------------------------------------------------------

    def sns_to_lambda(
        self,
        subscription: Any,
        message: str,
        message_id: str,
        subject: str | None,
        message_attributes: dict[str, Any] | None,
        message_structure: str | None,
    ) -> None:
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = subscription._parse_message_structure(message, "lambda")
        notification = events.sns_notification(
            topic_arn=subscription.topic.arn,
            message_id=message_id,
            message=message,
            subject=subject,
            message_attributes=message_attributes,
            subscription_arn=subscription.arn,
            timestamp=self.clock.now(),
        )
        event = events.sns_event(subscription.arn, notification)
        permitted_for = ("sns.amazonaws.com", subscription.topic.arn)
        self._invoke(subscription.account_id, subscription.endpoint, event, "sns", permitted_for)

    # EventBridge -----------------------------------------------------------------------

    def eventbridge_targets(self, rule: Any, event: dict[str, Any], targets: list[dict]) -> None:
        """Deliver an AWS-shaped event to the rule's Lambda and SNS targets; each target
        that gets nothing counts as a FailedInvocations datapoint."""
        failed = 0
        for target in targets:
            try:
                payload = target_input(target, event)
            except Exception:
                logger.info("input of target %s of %s failed", target.get("Id"), rule.name)
                failed += 1
                continue
            arn = target["Arn"]
            if service_of(arn) == "lambda":
                permitted_for = ("events.amazonaws.com", rule.arn)
                if not self._invoke(rule.account_id, arn, payload, "events", permitted_for):
                    failed += 1
            elif service_of(arn) == "sns":
                try:
                    moto_state.same_account(arn, rule.account_id)
                    text = payload if isinstance(payload, str) else json.dumps(payload)
                    moto_state.publish_sns_message(arn, text)
                except moto_state.DeliveryError as error:
                    logger.info("EventBridge to %s failed: %s", arn, error)
                    failed += 1
        if failed:
            dimensions = {"RuleName": rule.name}
            if getattr(rule, "event_bus_name", "default") != "default":
                dimensions = {"EventBusName": rule.event_bus_name, **dimensions}
            moto_state.put_metrics(
                rule.account_id,
                rule.region_name,
                "AWS/Events",
                dimensions,
                {"FailedInvocations": (float(failed), "Count")},
            )

    def rule_send(
        self, rule: Any, moto_event: dict[str, Any], original: Any, transform: bool
    ) -> None:
        """moto's Rule.send_to_targets, with Lambda and SNS targets delivered here."""
        if rule.scheduled_expression and not rule.event_pattern.get_pattern():
            return  # a schedule rule gets scheduled events only
        if not rule.event_pattern.matches_event(moto_event):
            return
        ours = [t for t in rule.targets if service_of(t["Arn"]) in OURS]
        others = [t for t in rule.targets if service_of(t["Arn"]) not in OURS]
        if others:
            clone = copy.copy(rule)
            clone.targets = others
            original(clone, moto_event, transform)
        if ours:
            event = events.eventbridge_event(
                account=moto_event["account"],
                region=moto_event["region"],
                source=moto_event["source"],
                detail_type=moto_event["detail-type"],
                detail=moto_event["detail"],
                resources=moto_event.get("resources") or [],
                event_time=_epoch(moto_event.get("time")),
                event_id=moto_event.get("id"),
            )
            self.eventbridge_targets(rule, event, ours)

    # CloudWatch Logs -------------------------------------------------------------------

    def log_events(
        self,
        account_id: str,
        function_arn: str,
        filter_name: str,
        log_group: str,
        log_stream: str,
        log_events: list[dict[str, Any]],
    ) -> None:
        region = function_arn.split(":")[3]
        function_name = function_arn.split(":")[6]
        if log_group == f"/aws/lambda/{function_name}":
            return  # a function fed its own logs would invoke itself for ever
        if not self.logs_may_invoke(account_id, region, log_group, function_arn):
            _not_permitted(resource_policy.LOGS, function_arn, log_group)
            return  # AWS: the permission was removed after the filter was put
        pattern = moto_state.subscription_filter_pattern(account_id, region, log_group, filter_name)
        matching = [e for e in log_events if filter_matches(pattern, e["message"])]
        if not matching:
            return
        data = events.cloudwatch_logs_data(
            owner=account_id,
            log_group=log_group,
            log_stream=log_stream,
            filter_names=[filter_name],
            log_events=matching,
        )
        self._invoke(account_id, function_arn, events.cloudwatch_logs_event(data), "logs")

    def logs_may_invoke(
        self, account_id: str, region: str, log_group: str, function_arn: str
    ) -> bool:
        """Does the function's resource-based policy let CloudWatch Logs invoke it for this
        log group? Only a function of the group's own account."""
        if function_arn.split(":")[4:5] != [account_id]:
            return False
        source_arn = resource_policy.log_group_source_arn(region, account_id, log_group)
        return any(
            moto_state.function_allows(function_arn, principal, source_arn, account_id)
            for principal in resource_policy.logs_principals(region)
        )


def _not_permitted(principal: str, function_arn: str, source: str) -> None:
    logger.info(
        "%s may not invoke %s for %s: its resource-based policy has no statement allowing "
        "it; not delivered",
        principal,
        function_arn,
        source,
    )


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if hasattr(value, "timestamp"):
        return value.timestamp()
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        with contextlib.suppress(ValueError):
            import datetime as dt

            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=parsed.tzinfo or dt.UTC).timestamp()
    return None


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What a target receives: the event, ``Input``, ``InputPath`` or ``InputTransformer``."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        from jsonpath_ng.ext import parse

        found = parse(target["InputPath"]).find(event)
        return found[0].value if found else None
    transformer = target.get("InputTransformer")
    if transformer:
        from moto.events.utils import EventTemplateParser

        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event={**event, "ingestion-time": event["time"]},  # type: ignore[arg-type]
        )
    return event


# CloudWatch Logs filter patterns -------------------------------------------------------

JSON_TERM = re.compile(r"""\$\.([\w.\[\]]+)\s*(=|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|[^\s&|)]+)""")


def filter_matches(pattern: str | None, message: str) -> bool:
    """CloudWatch Logs' filter patterns: terms (all must appear), ``"quoted phrases"``,
    ``?either ?or``, ``-excluded``, and JSON ones such as ``{ $.level = "ERROR" }`` with
    ``&&`` and ``||``. An empty pattern matches every event."""
    pattern = (pattern or "").strip()
    if not pattern:
        return True
    if pattern.startswith("{") and pattern.endswith("}"):
        return _json_matches(pattern[1:-1], message)
    terms = re.findall(r'[?-]?"[^"]*"|\S+', pattern)
    optional = [t[1:] for t in terms if t.startswith("?")]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]
    required = [t for t in terms if not t.startswith(("?", "-"))]

    def present(term: str) -> bool:
        return term.strip('"') in message

    if any(present(t) for t in excluded):
        return False
    if optional and not any(present(t) for t in optional):
        return False
    return all(present(t) for t in required)


def _json_matches(expression: str, message: str) -> bool:
    try:
        document = json.loads(message[message.index("{") :])
    except ValueError:
        return False
    for alternative in expression.split("||"):
        if all(_json_term(term, document) for term in alternative.split("&&")):
            return True
    return False


def _json_term(term: str, document: Any) -> bool:
    match = JSON_TERM.search(term.strip().strip("()"))
    if not match:
        return False
    path, operator, expected_text = match.groups()
    value: Any = document
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return operator == "!="
    if expected_text.startswith('"'):
        expected = json.loads(expected_text)
        text = str(value)
        if "*" in expected:
            hit = re.fullmatch(".*".join(map(re.escape, expected.split("*"))), text) is not None
        else:
            hit = text == expected
        return hit if operator == "=" else (not hit if operator == "!=" else False)
    if expected_text in ("true", "false", "null"):
        hit = value == json.loads(expected_text)
        return hit if operator == "=" else not hit
    try:
        number, actual = float(expected_text), float(value)
    except (TypeError, ValueError):
        return operator == "!="
    return {
        "=": actual == number,
        "!=": actual != number,
        "<": actual < number,
        "<=": actual <= number,
        ">": actual > number,
        ">=": actual >= number,
    }[operator]


# Schedules -------------------------------------------------------------------------------

RULE, SCHEDULE_KIND = "rule", "schedule"  # what a key names
Key = tuple[str, ...]  # (RULE, account, region, name) or (SCHEDULE_KIND, ..., group, name)

# At most this many due runs of one schedule per fast-forward; the rest are skipped. The
# clock is the whole process's: one learner's two-day jump would otherwise queue 2,880
# invocations of anyone's rate(1 minute) rule at once and slow every learner's clicks.
# 60 is an hour of a rate(1 minute) rule and two months of a nightly one: more runs than
# any lab looks at, and at an account's 10 concurrent executions a few seconds of work.
FAST_FORWARD_RUNS = 60


@dataclass
class FastForward:
    """What one fast-forward did: how far the clock moved, which schedules fired how many
    times on the way, and how many due runs ``FAST_FORWARD_RUNS`` skipped (by ARN)."""

    start: float  # virtual epoch seconds
    seconds: float  # how far the clock moved
    fired: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    cap: int = FAST_FORWARD_RUNS
    account_id: str | None = None  # only this account's schedules (None: every account's)
    runs: dict[Key, int] = field(default_factory=dict, repr=False)  # due runs handled

    @property
    def end(self) -> float:
        return self.start + self.seconds

    def of_account(self, account_id: str | None) -> FastForward:
        """The same, with only the schedules of ``account_id`` (all of them for None)."""
        if account_id is None:
            return self

        def mine(found: dict[str, int]) -> dict[str, int]:
            return {arn: n for arn, n in found.items() if arn.split(":")[4:5] == [account_id]}

        fired, skipped = mine(self.fired), mine(self.skipped)
        return FastForward(self.start, self.seconds, fired, skipped, self.cap, account_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": iso_time(self.start, millis=False),
            "to": iso_time(self.end, millis=False),
            "seconds": round(self.seconds, 3),
            "fired": dict(sorted(self.fired.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "max_runs_per_schedule": self.cap,
        }

    def describe(self) -> str:
        """A few sentences for the learner (Markdown)."""
        moved = self.as_dict()
        lines = [
            f"The sandbox clock moved {_duration(self.seconds)}, from {moved['from']} "
            f"to {moved['to']}.",
            "",
        ]
        if not self.fired and not self.skipped:
            whose = "None of your schedules" if self.account_id else "No schedule"
            lines.append(f"{whose} came due on the way.")
        for arn in sorted(set(self.fired) | set(self.skipped)):
            runs, skipped = self.fired.get(arn, 0), self.skipped.get(arn, 0)
            line = f"- `{arn.split(':', 5)[5]}` fired {_times(runs)}"
            if skipped:
                line += (
                    f"; {skipped:,} more due runs were skipped (at most {self.cap} per "
                    "schedule in one fast-forward), and it fires next at its first due "
                    "time after the jump"
                )
            lines.append(line + ".")
        return "\n".join(lines)


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count:,} times"


def _duration(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


class Scheduler:
    """One timer per schedule rule and per EventBridge Scheduler schedule, on the sandbox
    clock. Each firing reads the rule or schedule again: a changed or deleted one fires no
    more (a change arms it anew)."""

    def __init__(self, sources: PushSources, clock: SandboxClock) -> None:
        self.sources = sources
        self.clock = clock
        self._lock = threading.Lock()
        self._armed: dict[Key, tuple[Any, Timer]] = {}  # key -> (fingerprint, timer)
        self.fired: list[tuple[str, float]] = []  # (rule or schedule ARN, due time), latest last
        self._fast_forward_lock = threading.Lock()  # one fast-forward at a time
        self._fast_forward: FastForward | None = None  # the one under way

    # EventBridge rules -------------------------------------------------------------------

    def rule_put(self, rule: Any) -> None:
        """Called by the seam after PutRule: arm (or re-arm) the rule's schedule."""
        key = (RULE, rule.account_id, rule.region_name, rule.name)
        expression = rule.scheduled_expression
        self._set(key, expression or None, lambda: schedules.parse(expression, self.clock.now()))

    def _deliver_rule(self, rule: Any, due: float) -> None:
        if rule.state != "ENABLED":
            return
        self._record(rule.arn, due)
        event = events.scheduled_event(rule.arn, due)
        ours = [t for t in rule.targets if service_of(t["Arn"]) in OURS]
        others = [t for t in rule.targets if service_of(t["Arn"]) not in OURS]
        if ours:
            self.sources.eventbridge_targets(rule, event, ours)
        if others:
            moto_state.send_to_moto_targets(rule, others, event, due)

    # EventBridge Scheduler ---------------------------------------------------------------

    def check_expression(self, expression: str, timezone: str | None) -> None:
        """Scheduler's ValidationException for an expression it would not accept."""
        try:
            schedules.parse_scheduler(expression, timezone, self.clock.now())
        except (schedules.ScheduleError, ValueError) as error:
            raise moto_state.scheduler_validation_error(
                f"Invalid Schedule Expression {expression}. {error}"
            ) from None

    def schedule_changed(self, account_id: str, region: str, group: str, name: str) -> None:
        """Called by the seam after CreateSchedule, UpdateSchedule and DeleteSchedule."""
        key = (SCHEDULE_KIND, account_id, region, group, name)
        found = moto_state.scheduler_schedule(account_id, region, group, name)
        fingerprint = None if found is None else _schedule_fingerprint(found)

        def make() -> schedules.Schedule:
            expression, timezone, start, end = fingerprint  # type: ignore[misc]
            return schedules.parse_scheduler(expression, timezone, self.clock.now(), start, end)

        self._set(key, fingerprint, make)

    def _deliver_schedule(self, schedule: Any, due: float) -> None:
        if (schedule.state or "ENABLED") != "ENABLED":
            return
        target = schedule.target or {}
        arn, role_arn = target.get("Arn", ""), target.get("RoleArn", "")
        account = schedule.arn.split(":")[4]
        self._record(schedule.arn, due)
        if service_of(arn) != "lambda":
            logger.info("schedule %s: the sandbox invokes Lambda targets only", schedule.name)
            return
        group_arn = schedule.arn.split(":schedule/")[0] + f":schedule-group/{schedule.group_name}"
        refused = role_refuses(role_arn, account, group_arn, arn)
        if refused:
            logger.info("schedule %s did not invoke %s: %s", schedule.name, arn, refused)
            return
        try:
            payload = events.scheduler_input(
                target.get("Input"), schedule.arn, due, str(uuid.uuid4())
            )
        except ValueError:
            logger.info("schedule %s: its Input is not JSON", schedule.name)
            return
        self.sources._invoke(account, arn, payload, "scheduler")
        once = schedules.AT.match((schedule.schedule_expression or "").strip())
        if once and schedule.action_after_completion == "DELETE":
            moto_state.delete_scheduler_schedule(schedule)

    # Arming and firing -------------------------------------------------------------------

    def _set(self, key: Key, fingerprint: Any, make: Callable[[], schedules.Schedule]) -> None:
        """Arm ``key`` for ``fingerprint`` (what its schedule depends on; None: nothing to
        fire), unless it is armed for that already."""
        with self._lock:
            armed = self._armed.get(key)
            if armed and armed[0] == fingerprint:
                return
            if armed:
                armed[1].cancel()
                del self._armed[key]
            if fingerprint is None:
                return
            try:
                schedule = make()
            except (schedules.ScheduleError, ValueError) as error:
                logger.info("%s %s: %s", key[0], key[-1], error)
                return
            self._arm(key, fingerprint, schedule, self.clock.now())

    def _arm(self, key: Key, fingerprint: Any, schedule: Any, after: float) -> None:
        due = schedule.next_after(after)
        if due == float("inf"):
            self._armed.pop(key, None)
            return
        timer = self.clock.call_at(
            due, lambda when: self._fire(key, fingerprint, schedule, when), kind=SCHEDULE
        )
        self._armed[key] = (fingerprint, timer)

    def _current(self, key: Key) -> tuple[Any, Any]:
        """(the rule or schedule, its fingerprint), or (None, None) if it is gone."""
        if key[0] == RULE:
            rule = moto_state.events_rule(*key[1:])
            return rule, (rule.scheduled_expression or None) if rule is not None else None
        found = moto_state.scheduler_schedule(*key[1:])
        return found, None if found is None else _schedule_fingerprint(found)

    def _fire(self, key: Key, fingerprint: Any, schedule: Any, due: float) -> None:
        found, current = self._current(key)
        with self._lock:
            if found is None or current != fingerprint:
                armed = self._armed.get(key)
                if armed and armed[0] == fingerprint:
                    del self._armed[key]
                return
            jump = self._fast_forward
            if jump is not None and due > jump.end:
                jump = None  # a run due in real time meanwhile, not one the jump passed
            if jump is not None and jump.runs.get(key, 0) >= FAST_FORWARD_RUNS:
                # Skip this and every later run the jump passed; fire again after it.
                if (found.state or "ENABLED") == "ENABLED":
                    skipped = schedule.runs_between(due, jump.end)
                    jump.skipped[found.arn] = jump.skipped.get(found.arn, 0) + skipped
                self._arm(key, fingerprint, schedule, jump.end)
                return
            if jump is not None:
                jump.runs[key] = jump.runs.get(key, 0) + 1
            self._arm(key, fingerprint, schedule, due)
        if key[0] == RULE:
            self._deliver_rule(found, due)
        else:
            self._deliver_schedule(found, due)

    def _record(self, arn: str, due: float) -> None:
        self.fired.append((arn, due))
        del self.fired[:-1000]
        jump = self._fast_forward
        if jump is not None and due <= jump.end:
            jump.fired[arn] = jump.fired.get(arn, 0) + 1

    def fast_forward(self, seconds: float) -> FastForward:
        """Advance the clock (``SandboxClock.advance``) with each schedule firing at most
        ``FAST_FORWARD_RUNS`` of the runs due on the way; what it fired and skipped."""
        with self._fast_forward_lock:
            jump = FastForward(self.clock.now(), seconds)
            self._fast_forward = jump
            try:
                self.clock.advance(seconds)
            finally:
                self._fast_forward = None
            return jump

    def start_existing(self) -> None:
        for rule in moto_state.all_schedule_rules():
            self.rule_put(rule)
        for account_id, region, group, name in moto_state.all_scheduler_schedules():
            self.schedule_changed(account_id, region, group, name)

    def next_due(self) -> float | None:
        with self._lock:
            dues = [timer.due for _, timer in self._armed.values()]
        return min(dues) if dues else None


def _schedule_fingerprint(schedule: Any) -> tuple[str, str | None, float | None, float | None]:
    """What a Scheduler schedule's firing times depend on."""
    return (
        schedule.schedule_expression,
        schedule.schedule_expression_timezone,
        _epoch(schedule.start_date) if schedule.start_date else None,
        _epoch(schedule.end_date) if schedule.end_date else None,
    )


SCHEDULER = "scheduler.amazonaws.com"


def role_refuses(role_arn: str, account_id: str, group_arn: str, function_arn: str) -> str | None:
    """Why EventBridge Scheduler could not invoke the function with this execution role,
    or None: the role must trust scheduler.amazonaws.com and allow lambda:InvokeFunction."""
    from sandbox import iam_enforcement

    found = moto_state.role_policies(role_arn)
    if found is None:
        return f"no role {role_arn}"
    trust, policies = found
    if not resource_policy.allows(trust, SCHEDULER, group_arn, account_id, "sts:AssumeRole"):
        return f"the role {role_arn} does not trust {SCHEDULER} (sts:AssumeRole)"
    documents = [iam_enforcement.policy_document(p) for p in policies]
    if iam_enforcement.decide(documents, resource_policy.INVOKE, [function_arn]) != (
        iam_enforcement.ALLOW
    ):
        return f"the role {role_arn} does not allow {resource_policy.INVOKE} on {function_arn}"
    return None
