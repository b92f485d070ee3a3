"""Checks read the learner's sandbox with boto3, as a grader would, and say what they found.

Each check takes the learner's boto3 session and its parameters (templates already filled
in) and returns a CheckResult whose words a learner understands: what was expected and
what is there now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    what: str  # the check in words: "Function hello-lambda exists with runtime python3.12"
    expected: str = ""
    found: str = ""


Check = Callable[[boto3.Session, Mapping[str, Any]], CheckResult]
CHECKS: dict[str, Check] = {}


def check(kind: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[kind] = function
        return function

    return register


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _table_rows(session: boto3.Session, table: str) -> list[dict[str, Any]]:
    """Every item of the table as plain Python values (one scan: lab tables are small)."""
    deserialize = TypeDeserializer().deserialize
    raw = session.client("dynamodb").scan(TableName=table)["Items"]
    return [{k: deserialize(v) for k, v in item.items()} for item in raw]


def _subset_mismatch(expected: Mapping[str, Any], actual: Any) -> str | None:
    """The first field of ``expected`` that ``actual`` lacks or holds differently."""
    if not isinstance(actual, Mapping):
        return f"a JSON object, got {json.dumps(actual)[:200]}"
    for key, value in expected.items():
        if key not in actual:
            return f"no field '{key}'"
        if isinstance(value, Mapping):
            inner = _subset_mismatch(value, actual[key])
            if inner:
                return f"{key}: {inner}"
        elif actual[key] != value:
            return f"'{key}' is {json.dumps(actual[key])[:200]}, not {json.dumps(value)}"
    return None


@check("role")
def role(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Role {p['name']} exists"
    iam = session.client("iam")
    try:
        found = iam.get_role(RoleName=p["name"])["Role"]
    except ClientError as exc:
        if _error_code(exc) == "NoSuchEntity":
            return CheckResult(False, what, f"a role named {p['name']}", "no role with that name")
        raise
    if p.get("trusts"):
        what += f", trusted by {p['trusts']}"
        document = found["AssumeRolePolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        principals = json.dumps(document)
        if p["trusts"] not in principals:
            return CheckResult(
                False, what, f"a trust policy naming {p['trusts']}", f"trust policy {principals}"
            )
    for arn in p.get("policies", []):
        attached = [
            a["PolicyArn"]
            for a in iam.list_attached_role_policies(RoleName=p["name"])["AttachedPolicies"]
        ]
        what += f", with {arn.rsplit('/', 1)[-1]} attached"
        if arn not in attached:
            shown = ", ".join(a.rsplit("/", 1)[-1] for a in attached) or "no policies"
            return CheckResult(False, what, f"{arn} attached", f"attached: {shown}")
    return CheckResult(True, what)


@check("function")
def function(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Function {p['name']} exists"
    try:
        config = session.client("lambda").get_function_configuration(FunctionName=p["name"])
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return CheckResult(
                False, what, f"a function named {p['name']}", "no function with that name"
            )
        raise
    fields = {
        "runtime": "Runtime",
        "handler": "Handler",
        "memory": "MemorySize",
        "timeout": "Timeout",
    }
    for key, field_name in fields.items():
        if key in p:
            what += f" with {key} {p[key]}"
            if config.get(field_name) != p[key]:
                return CheckResult(
                    False, what, f"{key} {p[key]}", f"{key} {config.get(field_name)}"
                )
    if "environment" in p:
        variables = config.get("Environment", {}).get("Variables", {})
        what += f" and environment {p['environment']}"
        mismatch = _subset_mismatch(p["environment"], variables)
        if mismatch:
            return CheckResult(False, what, f"variables {p['environment']}", mismatch)
    return CheckResult(True, what)


@check("invocation")
def invocation(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """Invoke the function with the step's event, as a grader would, and read the result."""
    event = p.get("event", {})
    what = f"Invoking {p['function']} with {json.dumps(event)} succeeds"
    try:
        response = session.client("lambda").invoke(
            FunctionName=p["function"], Payload=json.dumps(event)
        )
    except ClientError as exc:
        return CheckResult(
            False, what, "a function that can be invoked", f"{_error_code(exc)}: {exc}"
        )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        message = payload.get("errorMessage", "") if isinstance(payload, Mapping) else payload
        kind = payload.get("errorType", "") if isinstance(payload, Mapping) else ""
        return CheckResult(
            False, what, "no error", f"{response['FunctionError']} error {kind}: {message}"
        )
    if "expect" in p:
        what += f" and returns {json.dumps(p['expect'])}"
        mismatch = _subset_mismatch(p["expect"], payload)
        if mismatch:
            return CheckResult(False, what, json.dumps(p["expect"]), mismatch)
    if "contains" in p:
        what += f" and its result mentions “{p['contains']}”"
        if p["contains"] not in json.dumps(payload):
            return CheckResult(False, what, p["contains"], f"result {json.dumps(payload)[:300]}")
    return CheckResult(True, what)


@check("bucket")
def bucket(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Bucket {p['name']} exists in your account"
    names = [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
    if p["name"] not in names:
        return CheckResult(False, what, p["name"], ", ".join(names) or "no buckets")
    return CheckResult(True, what)


@check("notification")
def notification(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    wanted = p.get("events", "s3:ObjectCreated:*")
    what = f"Bucket {p['bucket']} sends {wanted} events to {p['function']}"
    filters = {k: p[k] for k in ("prefix", "suffix") if k in p}
    if filters:
        what += " for keys " + " and ".join(f"with {k} {v!r}" for k, v in filters.items())
    try:
        config = session.client("s3").get_bucket_notification_configuration(Bucket=p["bucket"])
    except ClientError as exc:
        return CheckResult(False, what, "the bucket's notification settings", f"{_error_code(exc)}")
    configs = config.get("LambdaFunctionConfigurations", [])
    if not configs:
        return CheckResult(False, what, "a Lambda notification", "the bucket notifies no function")
    for item in configs:
        if not item["LambdaFunctionArn"].endswith(f":function:{p['function']}"):
            continue
        rules = {
            r["Name"].lower(): r["Value"]
            for r in item.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        if wanted not in item["Events"]:
            return CheckResult(False, what, wanted, f"events {item['Events']}")
        if rules != filters:
            return CheckResult(
                False, what, f"filter {filters or 'none'}", f"filter {rules or 'none'}"
            )
        return CheckResult(True, what)
    targets = ", ".join(c["LambdaFunctionArn"].rsplit(":", 1)[-1] for c in configs)
    return CheckResult(
        False, what, f"a notification to {p['function']}", f"notifications to {targets}"
    )


@check("permission")
def permission(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"{p['principal']} may invoke {p['function']}"
    try:
        policy = json.loads(
            session.client("lambda").get_policy(FunctionName=p["function"])["Policy"]
        )
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return CheckResult(
                False,
                what,
                f"a permission for {p['principal']}",
                "the function has no resource policy",
            )
        raise
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, Mapping) else principal
        if service == p["principal"] and "lambda:InvokeFunction" in json.dumps(
            statement.get("Action")
        ):
            source = json.dumps(statement.get("Condition", {}))
            if p.get("source_arn") and p["source_arn"] not in source:
                return CheckResult(False, what, f"source {p['source_arn']}", f"condition {source}")
            return CheckResult(True, what)
    return CheckResult(
        False,
        what,
        f"a statement for {p['principal']}",
        json.dumps(policy.get("Statement", []))[:300],
    )


def _log_messages(session: boto3.Session, function_name: str) -> list[str]:
    logs = session.client("logs")
    messages: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{function_name}"}
    while True:
        page = logs.filter_log_events(**kwargs)
        messages += [e["message"] for e in page.get("events", [])]
        if not page.get("nextToken"):
            return messages
        kwargs["nextToken"] = page["nextToken"]


@check("log")
def log(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """The function's log group holds lines with each text, and at least N invocations."""
    wanted = p.get("contains", [])
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    minimum = int(p.get("min_invocations", 1))
    absent = p.get("absent", [])
    absent = [absent] if isinstance(absent, str) else list(absent)
    what = f"The logs of {p['function']} show {minimum} invocation(s)"
    if wanted:
        what += " with " + ", ".join(f"“{w}”" for w in wanted)
    if absent:
        what += " and none with " + ", ".join(f"“{w}”" for w in absent)
    limits = dict(p.get("at_most", {}))
    for text, most in limits.items():
        what += f", “{text}” at most {most} time(s)"
    deadline = time.monotonic() + float(p.get("wait_s", 5))
    while True:  # asynchronous invocations land a moment after the upload that caused them
        try:
            messages = _log_messages(session, p["function"])
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            messages = []
        reports = sum(m.startswith("REPORT RequestId") for m in messages)
        missing = [w for w in wanted if not any(w in m for m in messages)]
        too_many = {t: n for t, n in limits.items() if sum(t in m for m in messages) > int(n)}
        if too_many:
            text, most = next(iter(too_many.items()))
            count = sum(text in m for m in messages)
            return CheckResult(False, what, f"“{text}” at most {most} time(s)", f"{count} times")
        unwanted = [w for w in absent if any(w in m for m in messages)]
        if unwanted:
            return CheckResult(
                False, what, f"no line with “{unwanted[0]}”", f"a line with “{unwanted[0]}”"
            )
        if reports >= minimum and not missing:
            return CheckResult(True, what)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not messages:
        return CheckResult(
            False, what, "log events", f"no log group /aws/lambda/{p['function']} or no events yet"
        )
    found = f"{reports} REPORT line(s)" + (f"; no line with “{missing[0]}”" if missing else "")
    return CheckResult(False, what, f"{minimum} REPORT line(s) and every text", found)


@check("table")
def table(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Table {p['name']} exists"
    try:
        session.client("dynamodb").describe_table(TableName=p["name"])
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return CheckResult(False, what, p["name"], "no table with that name")
        raise
    return CheckResult(True, what)


@check("items")
def items(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """The table holds at least ``min`` items, and one matching ``where`` if given."""
    minimum = int(p.get("min", 1))
    what = f"Table {p['table']} holds at least {minimum} item(s)"
    if "where" in p:
        what += f", one of them with {p['where']}"
    deadline = time.monotonic() + float(p.get("wait_s", 5))
    while True:
        try:
            rows = _table_rows(session, p["table"])
        except ClientError as exc:
            return CheckResult(False, what, f"table {p['table']}", _error_code(exc))
        matching = [r for r in rows if "where" not in p or _subset_mismatch(p["where"], r) is None]
        if len(rows) >= minimum and matching:
            return CheckResult(True, what)
        if time.monotonic() >= deadline:
            return CheckResult(
                False,
                what,
                f"{minimum} item(s)" + (f" incl. {p['where']}" if "where" in p else ""),
                f"{len(rows)} item(s)",
            )
        time.sleep(0.2)


@check("object")
def object_exists(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Object s3://{p['bucket']}/{p['key']} exists"
    try:
        session.client("s3").head_object(Bucket=p["bucket"], Key=p["key"])
    except ClientError:
        return CheckResult(False, what, p["key"], "no such object")
    return CheckResult(True, what)


@check("request_id")
def request_id(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """The learner found a request in the logs: its id is real and its lines mention a text."""
    rid = str(p.get("request_id") or "").strip()
    what = f"{rid or 'The request id you entered'} is a request of {p['function']}"
    if p.get("mentions"):
        what += f" that logged “{p['mentions']}”"
    if not rid:
        return CheckResult(False, what, "a request id from a START line", "nothing entered yet")
    messages = _log_messages(session, p["function"])
    starts = [i for i, m in enumerate(messages) if m.startswith(f"START RequestId: {rid}")]
    if not starts:
        return CheckResult(
            False, what, "an id that appears in a START line", "no START line with that id"
        )
    ends = [i for i, m in enumerate(messages) if m.startswith(f"END RequestId: {rid}")]
    lines = messages[starts[0] : (ends[0] if ends else len(messages))]
    if p.get("mentions") and not any(p["mentions"] in line for line in lines):
        return CheckResult(
            False, what, f"the request that logged “{p['mentions']}”", "a request that did not"
        )
    return CheckResult(True, what)


@check("metric")
def metric(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """CloudWatch holds at least ``min`` of the function's metric (Sum over the last hour)."""
    name, minimum = p["name"], float(p.get("min", 1))
    what = f"CloudWatch shows {name} ≥ {minimum:g} for {p['function']}"
    now = time.time()
    points = session.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=name,
        Dimensions=[{"Name": "FunctionName", "Value": p["function"]}],
        StartTime=now - 3600,
        EndTime=now + 60,
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    total = sum(point["Sum"] for point in points)
    if total < minimum:
        return CheckResult(False, what, f"{name} ≥ {minimum:g}", f"{name} = {total:g}")
    return CheckResult(True, what)


def _reports(session: boto3.Session, function_name: str, version: str | None) -> list[str]:
    """REPORT lines of the function, oldest first, from streams of one version if given."""
    logs = session.client("logs")
    group = f"/aws/lambda/{function_name}"
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return []
        raise
    lines: list[tuple[int, str]] = []
    for stream in streams:
        if version is not None and f"[{version}]" not in stream["logStreamName"]:
            continue
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])[
            "events"
        ]
        lines += [
            (e["timestamp"], e["message"]) for e in events if e["message"].startswith("REPORT")
        ]
    return [message for _, message in sorted(lines)]


@check("starts")
def starts(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """Cold starts (REPORT with Init Duration) and warm starts (without), optionally per version."""
    version = str(p["version"]) if "version" in p else None
    scope = f"version {version} of {p['function']}" if version else p["function"]
    min_cold, min_warm = int(p.get("min_cold", 0)), int(p.get("min_warm", 0))
    what = f"The logs of {scope} show at least {min_cold} cold and {min_warm} warm start(s)"
    if p.get("last") == "warm":
        what += ", the last one warm"
    reports = _reports(session, p["function"], version)
    cold = sum("Init Duration" in line for line in reports)
    warm = len(reports) - cold
    found = f"{cold} cold and {warm} warm start(s)"
    if cold < min_cold or warm < min_warm:
        return CheckResult(False, what, f"{min_cold} cold and {min_warm} warm", found)
    if p.get("last") == "warm" and (not reports or "Init Duration" in reports[-1]):
        return CheckResult(
            False, what, "a last invocation without Init Duration", "a cold last invocation"
        )
    return CheckResult(True, what)


@check("provisioned")
def provisioned(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = (
        f"{p['function']}:{p['qualifier']} has {p.get('count', 1)} provisioned environment(s) ready"
    )
    try:
        config = session.client("lambda").get_provisioned_concurrency_config(
            FunctionName=p["function"], Qualifier=p["qualifier"]
        )
    except ClientError as exc:
        return CheckResult(False, what, "a provisioned concurrency config", _error_code(exc))
    allocated = config.get("AllocatedProvisionedConcurrentExecutions", 0)
    if config.get("Status") != "READY" or allocated < int(p.get("count", 1)):
        return CheckResult(
            False,
            what,
            f"READY with {p.get('count', 1)}",
            f"{config.get('Status')} with {allocated}",
        )
    return CheckResult(True, what)


@check("version")
def version(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"{p['function']} has a published version {p['version']}"
    versions = session.client("lambda").list_versions_by_function(FunctionName=p["function"])[
        "Versions"
    ]
    numbers = [v["Version"] for v in versions if v["Version"] != "$LATEST"]
    if str(p["version"]) not in numbers:
        return CheckResult(
            False, what, f"version {p['version']}", f"versions {', '.join(numbers) or 'none'}"
        )
    return CheckResult(True, what)


@check("alias")
def alias(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Alias {p['name']} of {p['function']} points to version {p['version']}"
    weights = {str(k): float(v) for k, v in (p.get("weights") or {}).items()}
    if weights:
        what += " and sends " + ", ".join(f"{w:.0%} to version {k}" for k, w in weights.items())
    try:
        found = session.client("lambda").get_alias(FunctionName=p["function"], Name=p["name"])
    except ClientError as exc:
        return CheckResult(False, what, f"alias {p['name']}", _error_code(exc))
    actual = found.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}) or {}
    if found["FunctionVersion"] != str(p["version"]):
        return CheckResult(
            False, what, f"version {p['version']}", f"version {found['FunctionVersion']}"
        )
    if {k: round(float(v), 4) for k, v in actual.items()} != {
        k: round(v, 4) for k, v in weights.items()
    }:
        return CheckResult(
            False, what, f"weights {weights or 'none'}", f"weights {actual or 'none'}"
        )
    return CheckResult(True, what)


@check("parameter")
def parameter(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Parameter {p['name']} exists" + (f" as a {p['type']}" if "type" in p else "")
    try:
        found = session.client("ssm").get_parameter(Name=p["name"])["Parameter"]
    except ClientError as exc:
        return CheckResult(False, what, p["name"], _error_code(exc))
    if "type" in p and found["Type"] != p["type"]:
        return CheckResult(False, what, p["type"], found["Type"])
    return CheckResult(True, what)


@check("price")
def price(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """The learner's monthly cost figure agrees with the course's pricing model, to the cent."""
    from pricing.model import Usage  # the same model the calculator page uses
    from pricing.model import price as monthly_bill

    usage = Usage(
        requests=int(p["requests"]),
        duration_ms=float(p["duration_ms"]),
        memory_mb=int(p["memory_mb"]),
        free_tier=bool(p.get("free_tier", False)),
    )
    expected = monthly_bill(usage).total_usd
    what = (
        f"Your monthly cost for {usage.requests:,} requests "
        f"of {usage.duration_ms:g} ms at {usage.memory_mb} MB"
    )
    raw = str(p.get("answer") or "").strip().replace("$", "").replace(",", "")
    try:
        answer = float(raw)
    except ValueError:
        return CheckResult(
            False, what, "a dollar amount", f"“{raw}”" if raw else "nothing entered yet"
        )
    if abs(answer - float(expected)) > 0.01:
        return CheckResult(False, what, "the figure the pricing model gives", f"${answer:,.2f}")
    return CheckResult(True, what + f" is ${float(expected):,.2f}")


def _queue_url(session: boto3.Session, name: str) -> str:
    return session.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


@check("queue")
def queue(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """A queue exists; optionally its visibility timeout and its redrive to a dead-letter queue."""
    what = f"Queue {p['name']} exists"
    sqs = session.client("sqs")
    try:
        url = _queue_url(session, p["name"])
    except ClientError:
        return CheckResult(False, what, p["name"], "no queue with that name")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    if "min_visibility_timeout" in p:
        what += f" with a visibility timeout of at least {p['min_visibility_timeout']} s"
        found = int(attributes.get("VisibilityTimeout", 30))
        if found < int(p["min_visibility_timeout"]):
            return CheckResult(False, what, f"≥ {p['min_visibility_timeout']} s", f"{found} s")
    if "dead_letter_queue" in p:
        what += f", redriving to {p['dead_letter_queue']}"
        policy = json.loads(attributes.get("RedrivePolicy", "{}") or "{}")
        target = str(policy.get("deadLetterTargetArn", ""))
        if not target.endswith(f":{p['dead_letter_queue']}"):
            return CheckResult(
                False, what, f"a redrive policy to {p['dead_letter_queue']}", target or "none"
            )
        if "max_receive_count" in p and int(policy.get("maxReceiveCount", 0)) != int(
            p["max_receive_count"]
        ):
            return CheckResult(
                False,
                what,
                f"maxReceiveCount {p['max_receive_count']}",
                str(policy.get("maxReceiveCount")),
            )
    return CheckResult(True, what)


@check("queue_messages")
def queue_messages(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """A queue holds ``min`` to ``max`` messages; optionally one whose body mentions a text."""
    minimum, maximum = int(p.get("min", 1)), p.get("max")
    what = f"Queue {p['name']} holds at least {minimum} message(s)"
    if maximum is not None:
        what = f"Queue {p['name']} holds {minimum} to {maximum} message(s)"
    if p.get("contains"):
        what += f", one mentioning “{p['contains']}”"
    sqs = session.client("sqs")
    try:
        url = _queue_url(session, p["name"])
    except ClientError:
        return CheckResult(False, what, p["name"], "no queue with that name")
    deadline = time.monotonic() + float(p.get("wait_s", 5))
    while True:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        count = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
        bodies: list[str] = []
        if p.get("contains") and count:
            # Peek without taking: a zero visibility timeout leaves the messages where they were.
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
            )
            bodies = [m["Body"] for m in received.get("Messages", [])]
        enough = count >= minimum and (maximum is None or count <= int(maximum))
        mentioned = not p.get("contains") or any(p["contains"] in b for b in bodies)
        if enough and mentioned:
            return CheckResult(True, what)
        if time.monotonic() >= deadline:
            found = f"{count} message(s)" + (
                "" if mentioned else f", none mentioning “{p['contains']}”"
            )
            return CheckResult(
                False,
                what,
                f"{minimum}{'' if maximum is None else f' to {maximum}'} message(s)",
                found,
            )
        time.sleep(0.25)


@check("event_source")
def event_source(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """An event source mapping from a queue or stream (by name) to the function."""
    what = f"{p['function']} reads from {p['source']}"
    mappings = session.client("lambda").list_event_source_mappings(FunctionName=p["function"])[
        "EventSourceMappings"
    ]
    found = [m for m in mappings if m["EventSourceArn"].split(":")[-1].split("/")[-1] == p["source"]
             or f"table/{p['source']}/" in m["EventSourceArn"]]  # fmt: skip
    if not found:
        sources = ", ".join(m["EventSourceArn"].rsplit(":", 1)[-1] for m in mappings) or "none"
        return CheckResult(False, what, f"a mapping from {p['source']}", f"mappings from {sources}")
    mapping = found[0]
    if "batch_size" in p:
        what += f" in batches of {p['batch_size']}"
        if mapping.get("BatchSize") != int(p["batch_size"]):
            return CheckResult(
                False, what, f"BatchSize {p['batch_size']}", f"BatchSize {mapping.get('BatchSize')}"
            )
    if p.get("partial_failures"):
        what += " reporting partial batch failures"
        if "ReportBatchItemFailures" not in mapping.get("FunctionResponseTypes", []):
            return CheckResult(
                False,
                what,
                "FunctionResponseTypes ReportBatchItemFailures",
                str(mapping.get("FunctionResponseTypes", [])),
            )
    return CheckResult(True, what)


@check("rule")
def rule(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """An EventBridge rule (a schedule or a pattern) that targets the function."""
    what = f"Rule {p['name']} targets {p['function']}"
    events = session.client("events")
    try:
        found = events.describe_rule(Name=p["name"])
    except ClientError:
        return CheckResult(False, what, f"a rule named {p['name']}", "no rule with that name")
    if "schedule" in p:
        what += f" on the schedule {p['schedule']}"
        if found.get("ScheduleExpression") != p["schedule"]:
            return CheckResult(
                False, what, p["schedule"], found.get("ScheduleExpression") or "no schedule"
            )
    targets = events.list_targets_by_rule(Rule=p["name"])["Targets"]
    if not any(t["Arn"].endswith(f":function:{p['function']}") for t in targets):
        shown = ", ".join(t["Arn"].rsplit(":", 1)[-1] for t in targets) or "no targets"
        return CheckResult(False, what, f"a target {p['function']}", shown)
    return CheckResult(True, what)


@check("subscription")
def subscription(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Topic {p['topic']} delivers to {p['endpoint']}"
    subscriptions = session.client("sns").list_subscriptions()["Subscriptions"]
    for item in subscriptions:
        if (
            item["TopicArn"].endswith(f":{p['topic']}")
            and item["Endpoint"].rsplit(":", 1)[-1].split("/")[-1] == p["endpoint"]
        ):
            return CheckResult(True, what)
    return CheckResult(
        False,
        what,
        f"a subscription of {p['endpoint']}",
        f"{len(subscriptions)} other subscription(s)",
    )


@check("failure_target")
def failure_target(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """Failed asynchronous events go somewhere: a dead-letter queue or an on-failure destination."""
    what = f"Failed events of {p['function']} go to {p['target']}"
    lam = session.client("lambda")
    config = lam.get_function_configuration(FunctionName=p["function"])
    dlq = config.get("DeadLetterConfig", {}).get("TargetArn", "")
    destination = ""
    try:
        invoke_config = lam.get_function_event_invoke_config(FunctionName=p["function"])
        destination = (
            invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination", "")
        )
    except ClientError:
        pass
    via = p.get("via", "any")
    candidates = {"dlq": [dlq], "destination": [destination], "any": [dlq, destination]}[via]
    if any(arn.endswith(f":{p['target']}") for arn in candidates if arn):
        return CheckResult(True, what)
    return CheckResult(
        False,
        what,
        f"{p['target']} as {via}",
        f"DLQ {dlq or 'none'}, on-failure {destination or 'none'}",
    )


@check("stack")
def stack(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    what = f"Stack {p['name']} is {p.get('status', 'CREATE_COMPLETE')}"
    try:
        found = session.client("cloudformation").describe_stacks(StackName=p["name"])["Stacks"][0]
    except ClientError:
        return CheckResult(False, what, f"a stack named {p['name']}", "no stack with that name")
    wanted = p.get("status", "CREATE_COMPLETE")
    statuses = [wanted] if isinstance(wanted, str) else list(wanted)
    if found["StackStatus"] not in statuses:
        return CheckResult(False, what, " or ".join(statuses), found["StackStatus"])
    return CheckResult(True, what)


@check("http")
def http(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """Send a request to the learner's API or function URL and read the answer, like curl."""
    from labs.http_requests import UrlNotFound, send

    method, path = p.get("method", "GET"), p.get("path", "/")
    what = f"{method} {path} answers {p.get('status', 200)}"
    try:
        record = send(session, p["target"], method, path, p.get("body"))
    except UrlNotFound as exc:
        return CheckResult(False, what, "an endpoint to call", str(exc))
    if record.status != int(p.get("status", 200)):
        return CheckResult(
            False,
            what,
            f"status {p.get('status', 200)}",
            f"status {record.status}: {record.body[:200]}",
        )
    if "json" in p:
        what += f" with {json.dumps(p['json'])}"
        mismatch = _subset_mismatch(p["json"], record.json())
        if mismatch:
            return CheckResult(False, what, json.dumps(p["json"]), mismatch)
    for name, value in (p.get("headers") or {}).items():
        what += f" and header {name}: {value}"
        actual = {k.lower(): v for k, v in record.headers.items()}.get(name.lower())
        if actual != value:
            return CheckResult(False, what, f"{name}: {value}", f"{name}: {actual}")
    return CheckResult(True, what)


@check("no_wildcards")
def no_wildcards(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """The role's own (inline) policies grant no service-wide action and no Resource "*"
    for the given service: least privilege, statement by statement."""
    service = p["service"]
    what = f"Role {p['role']} grants {service} actions on named resources only"
    iam = session.client("iam")
    for name in iam.list_role_policies(RoleName=p["role"])["PolicyNames"]:
        document = iam.get_role_policy(RoleName=p["role"], PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = statement.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else resources
            for action in actions:
                if action == "*" or action == f"{service}:*":
                    return CheckResult(
                        False, what, f"named {service} actions", f"{action} in policy {name}"
                    )
                if action.startswith(f"{service}:") and "*" in resources:
                    return CheckResult(
                        False, what, "named resources", f'{action} on Resource "*" in policy {name}'
                    )
    return CheckResult(True, what)


@check("no_items")
def no_items(session: boto3.Session, p: Mapping[str, Any]) -> CheckResult:
    """No item of the table matches ``where``: what a clean-up or a delete leaves behind.

    Waits up to ``wait_s`` for the item to go, as deletes by asynchronous functions land late."""
    what = f"Table {p['table']} holds no item with {p['where']}"
    deadline = time.monotonic() + float(p.get("wait_s", 5))
    while True:
        try:
            rows = _table_rows(session, p["table"])
        except ClientError as exc:
            return CheckResult(False, what, f"table {p['table']}", _error_code(exc))
        matching = [r for r in rows if _subset_mismatch(p["where"], r) is None]
        if not matching:
            return CheckResult(True, what)
        if time.monotonic() >= deadline:
            return CheckResult(False, what, "no such item", f"{len(matching)} such item(s)")
        time.sleep(0.2)
