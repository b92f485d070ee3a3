"""Roles and what they allow: the statements of a role's policies, as boto3 reads them.

Used by the map (a role's actions, the resources a function may touch) and by the
detector of denied actions (does the role allow the action its logs show denied?).
The evaluation is IAM's for Allow and Deny statements on actions and resources with
wildcards; conditions, permission boundaries and SCPs are not evaluated.
"""

from __future__ import annotations

import ast
import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from architecture.reads import Reads


@dataclass(frozen=True)
class Statement:
    effect: str  # Allow or Deny
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    policy: str  # the policy's name, or the managed policy's ARN

    def matches(self, action: str, resource: str = "*") -> bool:
        action_hit = any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions)
        resource_hit = resource == "*" or any(
            fnmatch.fnmatchcase(resource, r) for r in self.resources
        )
        return action_hit and resource_hit


def as_document(raw: Any) -> dict[str, Any]:
    """A policy document from boto3: a dict already, (URL-encoded) JSON text, or the
    Python text of a dict (how moto's CloudFormation stores a role's inline policies)."""
    if isinstance(raw, Mapping):
        return dict(raw)
    text = str(raw or "{}")
    for parse in (json.loads, lambda t: json.loads(unquote(t)), ast.literal_eval):
        try:
            found = parse(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(found, dict):
            return found
    return {}


def _listed(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def statements_of(document: Mapping[str, Any], policy: str) -> list[Statement]:
    raw = document.get("Statement", [])
    raw = [raw] if isinstance(raw, Mapping) else raw
    return [
        Statement(
            str(s.get("Effect", "Allow")),
            _listed(s.get("Action")),
            _listed(s.get("Resource")) or ("*",),
            policy,
        )
        for s in raw
        if isinstance(s, Mapping) and "Action" in s
    ]


_aws_managed: dict[str, dict[str, Any]] = {}  # AWS's own policies never change: read once


def managed_document(reads: Reads, arn: str) -> dict[str, Any]:
    """The default version's document of a managed policy ({} if it cannot be read)."""
    if arn in _aws_managed:
        return _aws_managed[arn]
    policy = reads.call("iam", "get_policy", PolicyArn=arn)
    if policy is None:
        return {}
    version = reads.call(
        "iam", "get_policy_version", PolicyArn=arn, VersionId=policy["Policy"]["DefaultVersionId"]
    )
    document = as_document(version["PolicyVersion"]["Document"]) if version else {}
    if arn.startswith("arn:aws:iam::aws:policy/") and document:
        _aws_managed[arn] = document
    return document


def read_role(reads: Reads, role_name: str) -> dict[str, Any] | None:
    """The role, its trust policy and every policy document attached to it or inline."""
    found = reads.call("iam", "get_role", RoleName=role_name)
    if found is None:
        return None
    role = found["Role"]
    managed = [
        {
            "arn": attached["PolicyArn"],
            "name": attached["PolicyName"],
            "document": managed_document(reads, attached["PolicyArn"]),
        }
        for attached in reads.items(
            "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=role_name
        )
    ]
    inline = {}
    for name in reads.items("iam", "list_role_policies", "PolicyNames", RoleName=role_name):
        got = reads.call("iam", "get_role_policy", RoleName=role_name, PolicyName=name)
        if got is not None:
            inline[name] = as_document(got["PolicyDocument"])
    return {
        "role": role,
        "trust": as_document(role.get("AssumeRolePolicyDocument")),
        "managed": managed,
        "inline": inline,
    }


def role_statements(detail: Mapping[str, Any]) -> list[Statement]:
    found: list[Statement] = []
    for policy in detail.get("managed", []):
        found += statements_of(policy.get("document", {}), policy["arn"])
    for name, document in detail.get("inline", {}).items():
        found += statements_of(document, name)
    return found


def allows(statements: Iterable[Statement], action: str, resource: str = "*") -> bool:
    """IAM's answer for one action on one resource: an explicit Deny wins over any Allow."""
    statements = list(statements)
    if any(s.effect == "Deny" and s.matches(action, resource) for s in statements):
        return False
    return any(s.effect == "Allow" and s.matches(action, resource) for s in statements)


def trusted_services(detail: Mapping[str, Any]) -> list[str]:
    services: list[str] = []
    raw = detail.get("trust", {}).get("Statement", [])
    for statement in [raw] if isinstance(raw, Mapping) else raw:
        principal = statement.get("Principal", {})
        if isinstance(principal, Mapping):
            services += _listed(principal.get("Service"))
    return services


def action_summary(statements: Iterable[Statement], limit: int = 6) -> list[str]:
    """What a role allows, one line per statement: "dynamodb:PutItem on table/photos"."""
    lines = []
    for statement in statements:
        if statement.effect != "Allow":
            continue
        actions = ", ".join(statement.actions[:4]) + (" …" if len(statement.actions) > 4 else "")
        where = ", ".join(short_resource(r) for r in statement.resources[:2])
        lines.append(f"{actions} on {where}")
    return lines[:limit] + ([f"… {len(lines) - limit} more"] if len(lines) > limit else [])


def short_resource(arn: str) -> str:
    """The end of an ARN a learner recognises: table/photos, bucket/*, * ..."""
    if arn == "*":
        return "*"
    parts = arn.split(":", 5)
    return parts[5] if len(parts) == 6 and parts[5] else arn
