"""The execution role matters: what a handler calls is allowed or denied by its role.

moto can check IAM policies, but only for every request at once (after
INITIAL_NO_AUTH_ACTION_COUNT requests), which would lock learners out of their own
accounts (their ``learner`` user has no policies: it acts as the account's admin). The
seam replaces moto's check with ``authorize``: requests signed with credentials Lambda
handed to a function (``moto_state.function_access_keys``) are checked against the role's
policies, inline and attached, and refused with AccessDenied as AWS would; every other
request goes through as before.

The signature and session token are verified by moto. Policies are evaluated here:
explicit Deny wins, then an Allow is needed for the action on the resource. The
resource is the one moto names (S3 buckets and objects, SQS queues, IAM) or derived from
the request for DynamoDB tables, SNS topics, Lambda functions, Kinesis streams, log
groups, SSM parameters and event buses. Where no resource can be derived, only the
action is checked. Condition blocks are not evaluated (a statement with conditions
applies as if they held).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import unquote, urlparse

from sandbox import moto_state
from sandbox.request_context import current_requester
from sandbox.resource_policy import listed, matches

logger = logging.getLogger(__name__)


def enforced(access_key_id: str | None) -> bool:
    return bool(access_key_id) and access_key_id in moto_state.function_access_keys


def authorize(response: Any, iam_request_cls: type, resource: str, public: list[str]) -> None:
    """moto's ``_authenticate_and_authorize_action``, for function role credentials only.

    moto's errors (a bad signature or token, AccessDenied) are the answer; any other
    failure is a sandbox bug, logged, and must not break the learner's function."""
    requester = current_requester.get()
    if requester is None or not enforced(requester.access_key_id):
        return
    if response.headers.get("X-Amz-Target") in public:
        return
    parsed_url = urlparse(response.uri)
    path = response.raw_path
    if parsed_url.query:
        path += "?" + parsed_url.query
    iam_request = iam_request_cls(  # raises moto's errors for unknown keys or tokens
        account_id=response.current_account,
        method=response.method,
        path=path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action=response._get_action(),
    )
    iam_request.check_signature()
    action = iam_request._action
    if action.lower() == "sts:getcalleridentity":
        return  # always allowed, even with an explicit Deny
    try:
        resources = [resource] if resource and resource != "*" else None
        resources = resources or derived_resources(response, action)
        documents = [policy_document(p) for p in iam_request._access_key.collect_policies()]
        decision = decide(documents, action, resources)
    except Exception:
        logger.exception("IAM check of %s failed in the sandbox; allowed", action)
        return
    if decision != ALLOW:
        deny(response, iam_request, action, resources, decision == DENY)


def deny(
    response: Any, iam_request: Any, action: str, resources: list[str] | None, explicit: bool
) -> None:
    """Raise the error each protocol's clients parse: S3's XML AccessDenied, JSON
    AccessDeniedException (DynamoDB, Lambda, SQS...), SNS's AuthorizationError."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.exceptions import _RESTError as RESTError
    from moto.iam.access_control import S3IAMRequest

    if isinstance(iam_request, S3IAMRequest):
        iam_request._raise_access_denied()
    message = f"User: {iam_request._access_key.arn} is not authorized to perform: {action}"
    if resources:
        message += f" on resource: {resources[0]}"
    if explicit:
        message += " with an explicit deny in an identity-based policy"
    else:
        message += f" because no identity-based policy allows the {action} action"
    service = action.split(":", 1)[0].lower()
    content_type = str(response.headers.get("Content-Type") or "")
    if response.headers.get("X-Amz-Target") or "json" in content_type or service == "lambda":
        error: Any = JsonRESTError("AccessDeniedException", message)
        error.code = 400 if service == "dynamodb" else 403
        raise error
    error = RESTError("AuthorizationError" if service == "sns" else "AccessDenied", message)
    error.code = 403
    raise error


def policy_document(policy: Any) -> dict[str, Any]:
    from moto.iam.access_control import IAMPolicy

    return IAMPolicy(policy)._policy_json


# Evaluation --------------------------------------------------------------------------------


def _applies(statement: dict[str, Any], action: str, resource: str | None) -> bool:
    if "NotAction" in statement:
        if matches(listed(statement, "NotAction"), action, False):
            return False
    elif not matches(listed(statement, "Action"), action, False):
        return False
    if resource is None:  # unknown resource: the action decides
        return True
    if "NotResource" in statement:
        return not matches(listed(statement, "NotResource"), resource, True)
    if "Resource" not in statement:
        return False
    return matches(listed(statement, "Resource"), resource, True)


ALLOW, DENY, IMPLICIT_DENY = "allow", "deny", "implicit deny"


def decide(documents: list[dict[str, Any]], action: str, resources: list[str] | None) -> str:
    """ALLOW when every resource has an Allow for the action and no Deny applies; DENY
    for an explicit Deny; IMPLICIT_DENY when some resource has no Allow."""
    statements = []
    for document in documents:
        found = document.get("Statement", [])
        statements += [found] if isinstance(found, dict) else list(found)
    targets: list[str | None] = list(resources) if resources else [None]
    decision = ALLOW
    for target in targets:
        allowed = False
        for statement in statements:
            if not _applies(statement, action, target):
                continue
            if statement.get("Effect") == "Deny":
                return DENY
            if statement.get("Effect") == "Allow":
                allowed = True
        if not allowed:
            decision = IMPLICIT_DENY
    return decision


# Resources -----------------------------------------------------------------------------------


def _json_body(response: Any) -> dict[str, Any]:
    body = response.body
    if not isinstance(body, dict):
        try:
            body = json.loads(body or "{}")
        except (TypeError, ValueError):
            return {}
    return body if isinstance(body, dict) else {}


def _query(response: Any, name: str) -> str | None:
    values = response.querystring.get(name) if response.querystring else None
    if isinstance(values, list):
        return values[0] if values else None
    return values


def derived_resources(response: Any, action: str) -> list[str] | None:
    """The ARNs an action names, for services where moto checks against "*"."""
    service = action.split(":", 1)[0].lower()
    region = response.region
    account = response.current_account
    body = _json_body(response)
    if service == "dynamodb":
        names = list((body.get("RequestItems") or {}).keys()) or [body.get("TableName")]
        names = [n for n in names if n]
        if not names:
            return None
        return [
            n if n.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{n}"
            for n in names
        ]
    if service == "sns":
        arn = _query(response, "TopicArn") or _query(response, "TargetArn")
        return [arn] if arn else None
    if service == "lambda":
        match = re.search(r"/functions/([^/]+)", unquote(response.path or ""))
        if not match:
            return None
        name = match.group(1)
        if name.startswith("arn:"):
            return [name]
        return [f"arn:aws:lambda:{region}:{account}:function:{name}"]
    if service == "kinesis":
        arn = body.get("StreamARN")
        name = body.get("StreamName")
        if arn:
            return [arn]
        return [f"arn:aws:kinesis:{region}:{account}:stream/{name}"] if name else None
    if service == "logs":
        group = body.get("logGroupName")
        if not group:
            return None
        base = f"arn:aws:logs:{region}:{account}:log-group:{group}"
        stream = body.get("logStreamName")
        return [f"{base}:log-stream:{stream}" if stream else f"{base}:*"]
    if service == "ssm":
        names = body.get("Names") or [body.get("Name") or body.get("Path")]
        names = [n for n in names if n]
        if not names:
            return None
        return [
            n
            if n.startswith("arn:")
            else f"arn:aws:ssm:{region}:{account}:parameter{n if n.startswith('/') else '/' + n}"
            for n in names
        ]
    if service == "events":
        buses = {e.get("EventBusName") or "default" for e in body.get("Entries") or []}
        if not buses:
            return None
        return [
            b if b.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{b}"
            for b in sorted(buses)
        ]
    return None
