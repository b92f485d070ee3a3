"""Resource-based policies: may this service (or anyone) call this function?

A Lambda function's policy (the statements ``AddPermission`` writes) says who may invoke
it: S3, SNS, EventBridge and API Gateway each need a statement naming their service
principal, usually limited to one source by ``AWS:SourceArn`` and ``AWS:SourceAccount``
conditions; a public function URL needs statements for the principal ``"*"``. The same
evaluation reads a role's trust policy (``sts:AssumeRole`` by a service).

``allows`` is AWS's evaluation for one request: an explicit Deny that applies wins;
otherwise an Allow must apply. A statement applies when its Action (or NotAction) covers
the action, its Principal names the caller, its Resource covers the resource (when one is
given) and every condition holds. Conditions: the String*, Arn* and Bool operators, their
``IfExists`` forms; keys are case-insensitive; a key the request lacks fails a positive
operator and satisfies a negated one. An operator this module does not know never holds.

Pure: no moto, no sandbox state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

ANYONE = "*"  # the caller of a public function URL: no principal at all
INVOKE = "lambda:InvokeFunction"
LOGS = "logs.amazonaws.com"


def logs_principals(region: str) -> tuple[str, str]:
    """CloudWatch Logs as a function's policy may name it: ``logs.amazonaws.com`` or, as
    older guides and Terraform's examples write it, ``logs.<region>.amazonaws.com``."""
    return (LOGS, f"logs.{region}.amazonaws.com")


def log_group_source_arn(region: str, account_id: str, log_group: str) -> str:
    """The SourceArn CloudWatch Logs invokes a subscription filter's function with: the
    log group's ARN with ``:*`` (a statement without it does not cover it)."""
    return f"arn:aws:logs:{region}:{account_id}:log-group:{log_group}:*"


@lru_cache(maxsize=1024)
def wildcard(pattern: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.DOTALL | (0 if case_sensitive else re.IGNORECASE))


def listed(statement: Mapping[str, Any], key: str) -> list[str]:
    """A statement's field as a list (IAM allows one string or a list)."""
    value = statement.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def matches(patterns: list[str], value: str, case_sensitive: bool = True) -> bool:
    return any(wildcard(str(p), case_sensitive).match(value) for p in patterns)


def arn_matches(pattern: str, arn: str) -> bool:
    """ArnLike / ArnEquals: each of the six colon-separated parts matched on its own."""
    if pattern == "*":
        return True
    wanted, actual = str(pattern).split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(wildcard(w).match(a) for w, a in zip(wanted, actual, strict=True))


def _names_caller(statement: Mapping[str, Any], principal: str) -> bool:
    if "NotPrincipal" in statement:
        return not _principal_matches(statement["NotPrincipal"], principal)
    return _principal_matches(statement.get("Principal"), principal)


def _principal_matches(value: Any, principal: str) -> bool:
    if value == ANYONE:
        return True
    if isinstance(value, Mapping):
        if ANYONE in listed(value, "AWS"):
            return True
        return principal != ANYONE and principal.lower() in (
            s.lower() for s in listed(value, "Service")
        )
    return principal != ANYONE and str(value).lower() == principal.lower()


def _operator_holds(operator: str, expected: Any, actual: str | None) -> bool | None:
    """One key of one condition operator; None for an operator this module does not know."""
    if operator.startswith("For"):
        return None  # ForAnyValue / ForAllValues: multivalued keys, none here
    if_exists = operator.endswith("IfExists")
    name = operator.removesuffix("IfExists")
    negated = "Not" in name
    base = name.replace("Not", "")
    values = [expected] if isinstance(expected, str | bool | int) else list(expected)
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    if base == "Null":  # "true": the key must be absent
        return (actual is None) == (values[0].lower() == "true") if values else None
    if actual is None:
        return if_exists or negated
    if base in ("StringEquals", "StringEqualsIgnoreCase"):
        sensitive = base == "StringEquals"
        hit = any(v == actual if sensitive else v.lower() == actual.lower() for v in values)
    elif base == "StringLike":
        hit = matches(values, actual)
    elif base in ("ArnEquals", "ArnLike"):
        hit = any(arn_matches(v, actual) for v in values)
    elif base == "Bool":
        hit = actual.lower() in (v.lower() for v in values)
    else:
        return None
    return not hit if negated else hit


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, expected in (keys or {}).items():
            if not _operator_holds(operator, expected, context.get(key.lower())):
                return False
    return True


def _applies(
    statement: Mapping[str, Any],
    principal: str,
    action: str,
    resource: str | None,
    context: Mapping[str, str],
) -> bool:
    if "NotAction" in statement:
        if matches(listed(statement, "NotAction"), action, case_sensitive=False):
            return False
    elif not matches(listed(statement, "Action"), action, case_sensitive=False):
        return False
    if not _names_caller(statement, principal):
        return False
    if resource is not None:
        if "NotResource" in statement:
            if matches(listed(statement, "NotResource"), resource):
                return False
        elif not matches(listed(statement, "Resource"), resource):
            return False
    return _conditions_hold(statement, context)


def statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    found = (document or {}).get("Statement") or []
    return [found] if isinstance(found, Mapping) else list(found)


def allows(
    policy_document: Mapping[str, Any] | None,
    principal_service: str,
    source_arn: str | None,
    source_account: str | None,
    action: str = INVOKE,
    *,
    resource: str | None = None,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Does the policy let ``principal_service`` (``s3.amazonaws.com``..., or ``ANYONE``)
    perform ``action`` for the source ``source_arn`` of account ``source_account``?

    ``resource``: the ARN the request names (statements whose Resource does not cover it
    do not apply); None checks no Resource. ``context``: more condition keys and values
    (``lambda:FunctionUrlAuthType``...)."""
    keys = {k.lower(): v for k, v in (context or {}).items()}
    if source_arn is not None:
        keys["aws:sourcearn"] = source_arn
    if source_account is not None:
        keys["aws:sourceaccount"] = source_account
    allowed = False
    for statement in statements(policy_document):
        if not _applies(statement, principal_service, action, resource, keys):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def add_permission_conditions(statement: dict[str, Any]) -> dict[str, Any]:
    """AddPermission's ``FunctionUrlAuthType`` and ``InvokedViaFunctionUrl`` as the
    conditions Lambda writes for them (moto keeps them as fields of the statement)."""
    conditions = statement.setdefault("Condition", {})
    auth_type = statement.pop("FunctionUrlAuthType", None)
    if auth_type is not None:
        conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = auth_type
    via_url = statement.pop("InvokedViaFunctionUrl", None)
    if via_url in (True, "true", "True"):
        conditions.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if not conditions:
        del statement["Condition"]
    return statement
