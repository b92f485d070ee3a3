"""Push sources: SNS subscriptions, EventBridge rules and schedules, CloudWatch Logs
subscription filters. Each invokes its function asynchronously (``AsyncInvoker``) with
an event built in ``events``.

moto delivers SNS to SQS and HTTP, EventBridge to SQS, logs and other buses, and S3 to
SQS and SNS itself; the seam sends what reaches a Lambda function (or, for EventBridge,
an SNS topic, which moto lacks) here. moto never fires schedules: ``Scheduler`` arms one
timer per schedule rule on the sandbox clock and delivers a Scheduled Event to the
rule's targets at every due time, fast-forwards included.

Nothing crosses accounts: a subscription, target or filter naming a function of another
account delivers nothing.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
from typing import TYPE_CHECKING, Any

from sandbox import events, moto_state, schedules
from sandbox.clock import SCHEDULE, SandboxClock, Timer

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

    def _invoke(self, account_id: str, function_arn: str, payload: Any, source: str) -> bool:
        try:
            moto_state.same_account(function_arn, account_id)
            region = function_arn.split(":")[3]
            spec, invoked = moto_state.function_by_arn(account_id, region, function_arn)
        except Exception:  # another account's, or no such function: nothing is delivered
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
        self._invoke(subscription.account_id, subscription.endpoint, event, "sns")

    # EventBridge -----------------------------------------------------------------------

    def eventbridge_targets(self, rule: Any, event: dict[str, Any], targets: list[dict]) -> None:
        """Deliver an AWS-shaped event to the rule's Lambda and SNS targets."""
        for target in targets:
            try:
                payload = target_input(target, event)
            except Exception:
                logger.info("input of target %s of %s failed", target.get("Id"), rule.name)
                continue
            arn = target["Arn"]
            if service_of(arn) == "lambda":
                self._invoke(rule.account_id, arn, payload, "events")
            elif service_of(arn) == "sns":
                try:
                    moto_state.same_account(arn, rule.account_id)
                    text = payload if isinstance(payload, str) else json.dumps(payload)
                    moto_state.publish_sns_message(arn, text)
                except moto_state.DeliveryError as error:
                    logger.info("EventBridge to %s failed: %s", arn, error)

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


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if hasattr(value, "timestamp"):
        return value.timestamp()
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


class Scheduler:
    """One timer per schedule rule, on the sandbox clock."""

    def __init__(self, sources: PushSources, clock: SandboxClock) -> None:
        self.sources = sources
        self.clock = clock
        self._lock = threading.Lock()
        self._armed: dict[tuple[str, str, str], tuple[str, Timer]] = {}
        self.fired: list[tuple[str, float]] = []  # (rule ARN, due time), most recent last

    def rule_put(self, rule: Any) -> None:
        """Called by the seam after PutRule: arm (or re-arm) the rule's schedule."""
        key = (rule.account_id, rule.region_name, rule.name)
        expression = rule.scheduled_expression
        with self._lock:
            armed = self._armed.get(key)
            if armed and armed[0] == expression:
                return
            if armed:
                armed[1].cancel()
                del self._armed[key]
            if not expression:
                return
            try:
                schedule = schedules.parse(expression, self.clock.now())
            except schedules.ScheduleError as error:
                logger.info("rule %s: %s", rule.name, error)
                return
            self._arm(key, expression, schedule, self.clock.now())

    def _arm(self, key: tuple[str, str, str], expression: str, schedule: Any, after: float) -> None:
        due = schedule.next_after(after)
        if due == float("inf"):
            self._armed.pop(key, None)
            return
        timer = self.clock.call_at(
            due, lambda when: self._fire(key, expression, schedule, when), kind=SCHEDULE
        )
        self._armed[key] = (expression, timer)

    def _fire(self, key: tuple[str, str, str], expression: str, schedule: Any, due: float) -> None:
        rule = moto_state.events_rule(*key)
        with self._lock:
            if rule is None or rule.scheduled_expression != expression:
                armed = self._armed.get(key)
                if armed and armed[0] == expression:
                    del self._armed[key]
                return
            self._arm(key, expression, schedule, due)
        if rule.state != "ENABLED":
            return
        self.fired.append((rule.arn, due))
        del self.fired[:-1000]
        event = events.scheduled_event(rule.arn, due)
        ours = [t for t in rule.targets if service_of(t["Arn"]) in OURS]
        others = [t for t in rule.targets if service_of(t["Arn"]) not in OURS]
        if ours:
            self.sources.eventbridge_targets(rule, event, ours)
        if others:
            moto_state.send_to_moto_targets(rule, others, event, due)

    def start_existing(self) -> None:
        for rule in moto_state.all_schedule_rules():
            self.rule_put(rule)

    def next_due(self) -> float | None:
        with self._lock:
            dues = [timer.due for _, timer in self._armed.values()]
        return min(dues) if dues else None
