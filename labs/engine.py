"""Run a lab step against a learner's sandbox: its actions, its checks, its solution.

Values in a lab may use ``${name}`` templates, filled per learner: ``${account}``,
``${region}``, ``${suffix}`` (a short id that keeps global names such as S3 buckets
unique to the learner) and the lab's own ``names``. Markers build what YAML cannot hold:
``{$json: ...}`` a JSON string (a policy document), ``{$payload: ...}`` JSON bytes (an
invoke payload), ``$event`` the event editor's JSON, ``$editor`` the code editor's text.
No Streamlit here: the page, ``python -m labs verify`` and the tests all use this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from labs.calls import Call, CallRecord, run_call
from labs.checks import CHECKS, CheckResult
from labs.model import CallSpec, Lab, Step

TEMPLATE = re.compile(r"\$\{(\w+)\}")


class TemplateError(ValueError):
    """A ${name} the lab does not define."""


@dataclass(frozen=True)
class LabContext:
    """Everything that makes a lab's values concrete for one learner."""

    values: Mapping[str, str]  # account, region, suffix and the lab's names
    code: str = ""  # the code editor's text
    event: Any = None  # the event editor's parsed JSON
    extras: Mapping[str, Any] = field(default_factory=dict)

    def with_values(self, saved: Mapping[str, str]) -> LabContext:
        """The context with values saved from earlier calls' responses (an API id, say)."""
        return LabContext({**self.values, **saved}, self.code, self.event, self.extras)

    def with_inputs(
        self, *, code: str | None = None, event: Any = None, **extras: Any
    ) -> LabContext:
        return LabContext(
            self.values,
            self.code if code is None else code,
            self.event if event is None else event,
            {**self.extras, **extras},
        )


def learner_suffix(learner_id: str) -> str:
    """Eight hex characters from the learner id: unique enough for bucket names, stable."""
    return hashlib.sha256(learner_id.encode()).hexdigest()[:8]


def context_for(session: boto3.Session, learner_id: str, lab: Lab) -> LabContext:
    account = session.client("sts").get_caller_identity()["Account"]
    base = {
        "account": account,
        "region": session.region_name or "us-east-1",
        "suffix": learner_suffix(learner_id),
    }
    names = {key: fill_text(str(value), base) for key, value in lab.names.items()}
    return LabContext({**base, **names})


def fill_text(text: str, values: Mapping[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise TemplateError(f"unknown template ${{{match.group(1)}}}")
        return str(values[match.group(1)])

    return TEMPLATE.sub(substitute, text)


def fill(value: Any, ctx: LabContext) -> Any:
    """Resolve templates and markers in a value from a lab file."""
    if isinstance(value, str):
        if value in ("$now", "$hour_ago"):  # a time window for reading metrics
            now = dt.datetime.now(dt.UTC)
            return now if value == "$now" else now - dt.timedelta(hours=1)
        if value == "$event":
            return json.dumps(ctx.event if ctx.event is not None else {}).encode()
        if value.startswith("$") and value[1:] in ctx.extras:
            return ctx.extras[value[1:]]
        return fill_text(
            value, {**ctx.values, **{k: v for k, v in ctx.extras.items() if isinstance(v, str)}}
        )
    if isinstance(value, Mapping):
        if set(value) == {"$json"}:
            return json.dumps(fill(value["$json"], ctx))
        if set(value) == {"$payload"}:
            return json.dumps(fill(value["$payload"], ctx)).encode()
        return {key: fill(item, ctx) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ctx) for item in value]
    return value


def to_call(spec: CallSpec, ctx: LabContext) -> Call:
    files = None
    if spec.files is not None:
        # Source code is never templated: Python's own braces must stay as written.
        files = {name: ctx.code if text == "$editor" else text for name, text in spec.files.items()}
    return Call(spec.service, spec.operation, fill(dict(spec.args), ctx), files)


def run_sandbox_operation(spec: CallSpec, ctx: LabContext) -> CallRecord:
    """The sandbox's own controls (its clock), which have no AWS API: on AWS, time passes."""
    from sandbox import get_sandbox

    args = fill(dict(spec.args), ctx)
    call = Call("sandbox", spec.operation, args)
    python = f"sandbox.{spec.operation}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
    cli = "# No AWS CLI equivalent: on AWS the minutes simply pass."
    if spec.operation == "fast_forward":
        # Let work already under way finish first, as it would while a learner reads; then
        # wait for what the jump released (retries, redeliveries, schedules) to run.
        running = get_sandbox()
        running.wait_for_async(float(args.get("timeout_s", 30)))
        # What the learner reads: their own schedules only (the clock is everyone's).
        jump = running.fast_forward(float(args.get("seconds", 60)), ctx.values.get("account"))
        running.wait_for_async(float(args.get("timeout_s", 30)))
        response = {"done": spec.operation, **args, **jump.as_dict()}
        return CallRecord(call, python, cli, response=response, note=jump.describe())
    get_sandbox().settle(timeout_s=float(args.get("timeout_s", 30)))
    return CallRecord(call, python, cli, response={"done": spec.operation, **args})


def run_action(session: boto3.Session, spec: CallSpec, ctx: LabContext) -> CallRecord:
    if spec.service == "sandbox":
        return run_sandbox_operation(spec, ctx)
    try:
        call = to_call(spec, ctx)
    except TemplateError as exc:  # a value an earlier call saves, and that call has not run
        blank = Call(spec.service, spec.operation, {})
        return CallRecord(blank, "", "", error=f"Run the earlier calls of this lab first: {exc}.")
    record = run_call(session, call)
    if spec.until:
        deadline = time.monotonic() + float(spec.until.get("timeout_s", 15))
        wanted = spec.until["equals"]
        while record.ok and (record.response or {}).get(spec.until["field"]) != wanted:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.25)
            record = run_call(session, to_call(spec, ctx))
    return record


def saved_values(spec: CallSpec, record: CallRecord) -> dict[str, str]:
    """The response fields a call saves for later calls (``Items.0.IntegrationId`` paths)."""
    values: dict[str, str] = {}
    if not record.ok or not spec.save:
        return values
    for name, path in spec.save.items():
        value: Any = record.response
        for part in path.split("."):
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                value = None
                break
        if value is not None:
            values[name] = str(value)
    return values


def run_checks(session: boto3.Session, step: Step, ctx: LabContext) -> list[CheckResult]:
    """Every check of the step, in order; a check that cannot run fails with the reason."""
    results = []
    for spec in step.checks:
        params = fill(dict(spec.params), ctx)
        try:
            results.append(CHECKS[spec.kind](session, params))
        except (ClientError, BotoCoreError, KeyError, ValueError) as exc:
            results.append(
                CheckResult(False, f"{spec.kind} check", "the check to run", f"it could not: {exc}")
            )
    return results


def run_solution(
    session: boto3.Session, step: Step, ctx: LabContext
) -> tuple[list[CallRecord], dict[str, str]]:
    """The step's reference solution, call by call (stopping at the first failure), and
    the values its calls saved for later steps."""
    records: list[CallRecord] = []
    saved: dict[str, str] = {}
    for spec in step.solution:
        record = run_action(session, spec, ctx.with_values(saved))
        records.append(record)
        saved |= saved_values(spec, record)
        if not record.ok:
            break
    return records, saved


@dataclass(frozen=True)
class Verification:
    lab: Lab
    starter_fails: bool
    failures: list[str]

    @property
    def ok(self) -> bool:
        return self.starter_fails and not self.failures


def verify_lab(
    session: boto3.Session, learner_id: str, lab: Lab, wait_for_async: Any = None
) -> Verification:
    """On a fresh account: the first check fails, then every solution makes its checks pass."""
    ctx = context_for(session, learner_id, lab)
    first = run_checks(session, lab.steps[0], ctx.with_inputs(event=lab.steps[0].event))
    starter_fails = not all(r.passed for r in first)
    failures: list[str] = []
    for step in lab.steps:
        step_ctx = ctx.with_inputs(
            event=step.event, code=step.editor.starter if step.editor else ""
        )
        records, saved = run_solution(session, step, step_ctx)
        ctx = ctx.with_values(saved)
        step_ctx = step_ctx.with_values(saved)
        for record in records:
            if not record.ok:
                failures.append(
                    f"{step.id}: solution call {record.call.operation} failed: {record.error}"
                )
        if step.reference_answer is not None:
            step_ctx = step_ctx.with_inputs(answer=step.reference_answer)
        elif step.answer and records:
            # The reference answer to "find the request" is the id the solution's call produced.
            step_ctx = step_ctx.with_inputs(answer=records[-1].request_id)
        if step.wait_for_async and wait_for_async:
            wait_for_async()
        for result in run_checks(session, step, step_ctx):
            if not result.passed:
                failures.append(
                    f"{step.id}: {result.what}: expected {result.expected}, found {result.found}"
                )
    return Verification(lab, starter_fails, failures)


def step_progress(passed: Sequence[bool]) -> float:
    return sum(passed) / len(passed) if passed else 0.0


def tally(records: Sequence[CallRecord], field_name: str) -> dict[str, int]:
    """How many invocations returned each value of a payload field (errors counted apart)."""
    counts: dict[str, int] = {}
    for record in records:
        payload = (record.response or {}).get("Payload") if record.ok else None
        if not record.ok or (record.response or {}).get("FunctionError"):
            value = "error"
        elif isinstance(payload, Mapping) and field_name in payload:
            value = str(payload[field_name])
        else:
            value = f"no {field_name}"
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
