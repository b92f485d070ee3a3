"""Problems drawn in place on the map, each with a one-line fix. No Streamlit.

    invoke-permission   a push trigger (S3, SNS, EventBridge, API Gateway, CloudWatch Logs)
                        whose function's resource-based policy does not let that service
                        invoke it
    denied-action       the function's logs show an action denied that its role still lacks
    poll-permission     an event source mapping whose role cannot read its queue or stream
    visibility-timeout  an SQS trigger whose queue hides messages for less than the timeout
    vpc-without-nat     a function in subnets with no route to a NAT gateway that tries to
                        reach the internet (in the sandbox only loopback exists, so the
                        call fails with "Network is unreachable"; on AWS it times out)

Each detector reads the graph (and, for the log-based ones, the function's log events).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from architecture.activity import log_events
from architecture.arns import name_of
from architecture.iam import Statement, allows, role_statements
from architecture.model import Edge, Graph, Node
from architecture.reads import Reads
from sandbox import resource_policy

SERVICE_PRINCIPALS = {
    "bucket": "s3.amazonaws.com",
    "topic": "sns.amazonaws.com",
    "rule": "events.amazonaws.com",
    "schedule": "events.amazonaws.com",
    "api": "apigateway.amazonaws.com",
    "log_group": resource_policy.LOGS,
}
DENIED = re.compile(
    r"is not authorized to perform: (?P<action>[\w-]+:[\w*]+)"
    r"(?: on resource: (?P<resource>[^\s\"',]+))?"
)
ACCESS_DENIED_CALL = re.compile(
    r"\((?P<code>AccessDenied|Forbidden|403)\)[^\n]*?when calling the (?P<op>\w+) operation"
)
# S3 and SQS answer AccessDenied without naming the action; the operation tells it.
OPERATION_ACTIONS = {
    "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "HeadBucket": "s3:ListBucket",
    "SendMessageBatch": "sqs:SendMessage",
    "DeleteMessageBatch": "sqs:DeleteMessage",
}
SQS_OPERATIONS = ("SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
BLOCKED = "Network is unreachable"  # ENETUNREACH: an environment has no route off loopback
TIMEOUT_SIGNS = ("Task timed out after", "ConnectTimeoutError", "Connect timeout on endpoint")
POLL_ACTIONS = {
    "queue": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "table": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"),
    "stream": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"),
}


@dataclass(frozen=True)
class Problem:
    detector: str
    title: str  # what is wrong, in one line
    fix: str  # how to fix it, in one line (a boto3 call where one call does it)
    node: str | None = None  # the node drawn red
    edge: tuple[str, str, str, str] | None = None  # the edge drawn red (Edge.key)
    evidence: str = ""  # the log line or setting that shows it


LogReader = Callable[[str], Sequence[Mapping[str, Any]]]


def find_problems(
    session: boto3.Session, graph: Graph, log_minutes: int | None = 24 * 60
) -> list[Problem]:
    """Every problem of the map; logs are read once per function that needs them."""
    cache: dict[str, Sequence[Mapping[str, Any]]] = {}

    def logs(function_name: str) -> Sequence[Mapping[str, Any]]:
        if function_name not in cache:
            cache[function_name] = log_events(session, function_name, log_minutes)
        return cache[function_name]

    found: list[Problem] = []
    found += missing_invoke_permissions(graph)
    found += denied_actions(graph, logs)
    found += missing_poll_permissions(graph)
    found += short_visibility_timeouts(graph)
    found += vpc_without_nat(Reads(session, lambda _: None), graph, logs)
    return found


# ------------------------------------------------------------------ invoke permission


def lets_invoke(
    statements: Sequence[Mapping[str, Any]], principal: str, source: Node, account_id: str
) -> bool:
    """Does the resource-based policy let this service invoke on behalf of this source?

    The sandbox's own evaluation (``sandbox.resource_policy``), so the map and the sandbox
    never disagree: Deny wins, SourceArn and SourceAccount conditions count."""
    document = {"Statement": list(statements)}
    if source.kind == "log_group":  # Logs answers to two names, and its SourceArn ends in :*
        region = source.id.split(":")[3]
        arn = resource_policy.log_group_source_arn(region, account_id, source.name)
        principals = resource_policy.logs_principals(region)
        return any(resource_policy.allows(document, p, arn, account_id) for p in principals)
    if source.kind != "api":
        return resource_policy.allows(document, principal, source.id, account_id)
    # An API's execute-api ARN names a stage, method and path the map does not know:
    # any SourceArn of this API will do, or a statement with no SourceArn at all.
    api_id = source.id.rsplit("/", 1)[-1]
    arns = [
        arn
        for statement in statements
        for operator in (statement.get("Condition") or {}).values()
        for key, values in (operator or {}).items()
        if key.lower() == "aws:sourcearn"
        for arn in ([values] if isinstance(values, str) else values)
        if f":{api_id}/" in arn
    ]
    return any(
        resource_policy.allows(document, principal, arn, account_id) for arn in [*arns, None]
    )


def missing_invoke_permissions(graph: Graph) -> list[Problem]:
    found = []
    for edge in graph.edges:
        source, target = graph.nodes.get(edge.source), graph.nodes.get(edge.target)
        if edge.kind != "trigger" or source is None or target is None:
            continue
        principal = SERVICE_PRINCIPALS.get(source.kind)
        function = graph.function_of(target.id)
        if principal is None or function is None or ":scheduler:" in source.id:
            continue  # Scheduler invokes with its own role, not the function's policy
        holder = target if target.kind == "alias" else function
        if lets_invoke(holder.detail.get("policy", []), principal, source, graph.account_id):
            continue
        qualifier = target.name.split(":", 1)[1] if target.kind == "alias" else None
        found.append(
            Problem(
                "invoke-permission",
                f"{source.name} cannot invoke {target.name}: its resource-based policy has no "
                f"statement for {principal}",
                _add_permission_call(function.name, qualifier, principal, source, graph),
                node=None,
                edge=edge.key,
            )
        )
    return found


def _add_permission_call(
    function: str, qualifier: str | None, principal: str, source: Node, graph: Graph
) -> str:
    source_arn = source.id
    if source.kind == "api":
        api = source.id.rsplit("/", 1)[-1]
        source_arn = f"arn:aws:execute-api:{graph.region}:{graph.account_id}:{api}/*"
    elif source.kind == "log_group":
        source_arn = resource_policy.log_group_source_arn(
            graph.region, graph.account_id, source.name
        )
    service = principal.split(".", 1)[0]
    qualified = f', Qualifier="{qualifier}"' if qualifier else ""
    return (
        f'lambda.add_permission(FunctionName="{function}"{qualified}, '
        f'StatementId="allow-{service}-{name_of(source.id)[:40]}", '
        f'Action="lambda:InvokeFunction", Principal="{principal}", '
        f'SourceArn="{source_arn}", SourceAccount="{graph.account_id}")'
    )


# ------------------------------------------------------------------ denied actions


def denied_in_logs(events: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(action, resource or "*") -> the log lines that show it denied."""
    denied: dict[tuple[str, str], list[str]] = {}
    for event in events:
        message = str(event.get("message", ""))
        for found in DENIED.finditer(message):
            resource = (found["resource"] or "*").rstrip(".")
            denied.setdefault((found["action"], resource), []).append(message.strip())
        if DENIED.search(message):
            continue
        for found in ACCESS_DENIED_CALL.finditer(message):
            operation = found["op"]
            service = "sqs" if operation in SQS_OPERATIONS else "s3"
            action = OPERATION_ACTIONS.get(operation, f"{service}:{operation}")
            denied.setdefault((action, "*"), []).append(message.strip())
    return denied


def denied_actions(graph: Graph, logs: LogReader) -> list[Problem]:
    found = []
    for function in graph.of_kind("function"):
        role = graph.nodes.get(str(function.detail.get("config", {}).get("Role", "")))
        if role is None:
            continue
        statements = role_statements(role.detail)
        for (action, resource), lines in denied_in_logs(logs(function.name)).items():
            if allows(statements, action, resource):
                continue  # fixed since: the role allows it now
            role_edge = next(
                (e for e in graph.edges_of(function.id, "role") if e.target == role.id), None
            )
            found.append(
                Problem(
                    "denied-action",
                    f"{role.name} does not allow {action}, which {function.name}'s logs show "
                    f"denied ({len(lines)}x)",
                    _put_role_policy_call(role.name, action, resource, statements),
                    node=role.id,
                    edge=role_edge.key if role_edge else None,
                    evidence=lines[-1][:300],
                )
            )
    return found


def _put_role_policy_call(
    role: str, action: str, resource: str, statements: Sequence[Statement]
) -> str:
    if any(s.effect == "Deny" and s.matches(action, resource) for s in statements):
        return f"remove the Deny of {action} from {role}'s policies (a Deny beats any Allow)"
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }
    policy_name = "allow-" + re.sub(r"[^\w+=,.@-]", "-", action)
    return (
        f'iam.put_role_policy(RoleName="{role}", PolicyName="{policy_name}", '
        f"PolicyDocument='{json.dumps(document)}')"
    )


# ------------------------------------------------------------------ event source mappings


def _mappings(graph: Graph) -> list[tuple[Edge, Node, Node]]:
    """(edge, source, function) for each event source mapping."""
    found = []
    for edge in graph.edges:
        source, function = graph.nodes.get(edge.source), graph.function_of(edge.target)
        if edge.kind == "trigger" and "UUID" in edge.detail and source and function:
            found.append((edge, source, function))
    return found


def missing_poll_permissions(graph: Graph) -> list[Problem]:
    found = []
    for edge, source, function in _mappings(graph):
        role = graph.nodes.get(str(function.detail.get("config", {}).get("Role", "")))
        needed = POLL_ACTIONS.get(source.kind, ())
        if role is None or not needed:
            continue
        resource = str(edge.detail.get("EventSourceArn", source.id))
        missing = [a for a in needed if not allows(role_statements(role.detail), a, resource)]
        if missing:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": missing, "Resource": resource}],
            }
            found.append(
                Problem(
                    "poll-permission",
                    f"{role.name} cannot poll {source.name}: it lacks {', '.join(missing)}",
                    f'iam.put_role_policy(RoleName="{role.name}", PolicyName="poll-'
                    f"{source.name[:40]}\", PolicyDocument='{json.dumps(document)}')",
                    node=role.id,
                    edge=edge.key,
                )
            )
    return found


def short_visibility_timeouts(graph: Graph) -> list[Problem]:
    found = []
    for edge, source, function in _mappings(graph):
        if source.kind != "queue" or "VisibilityTimeout" not in source.detail:
            continue
        visibility = int(source.detail["VisibilityTimeout"])
        timeout = int(function.detail.get("config", {}).get("Timeout", 3))
        if visibility >= timeout:
            continue
        advised = min(6 * timeout, 43_200)
        found.append(
            Problem(
                "visibility-timeout",
                f"{source.name} hides a message for {visibility} s, less than {function.name}'s "
                f"{timeout} s timeout: a batch still running is delivered again",
                f'sqs.set_queue_attributes(QueueUrl="{source.detail.get("url", source.name)}", '
                f'Attributes={{"VisibilityTimeout": "{advised}"}})  # AWS advises 6x the timeout',
                node=source.id,
                edge=edge.key,
                evidence=f"VisibilityTimeout={visibility}, Timeout={timeout}",
            )
        )
    return found


# ------------------------------------------------------------------ VPC without NAT


def subnets_without_nat(reads: Reads, subnet_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(subnet, route table) for each subnet whose route table has no 0.0.0.0/0 via NAT."""
    lacking = []
    for subnet_id in subnet_ids:
        tables = reads.items(
            "ec2",
            "describe_route_tables",
            "RouteTables",
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
        )
        if not tables:  # no table of its own: the VPC's main route table applies
            subnets = reads.items("ec2", "describe_subnets", "Subnets", SubnetIds=[subnet_id])
            vpc = subnets[0]["VpcId"] if subnets else None
            tables = (
                reads.items(
                    "ec2",
                    "describe_route_tables",
                    "RouteTables",
                    Filters=[
                        {"Name": "vpc-id", "Values": [vpc]},
                        {"Name": "association.main", "Values": ["true"]},
                    ],
                )
                if vpc
                else []
            )
        routes = [r for t in tables for r in t.get("Routes", [])]
        via_nat = any(
            r.get("DestinationCidrBlock") == "0.0.0.0/0"
            and (
                r.get("NatGatewayId")
                or r.get("InstanceId")
                or r.get("TransitGatewayId")
                or str(r.get("GatewayId", "")).startswith("nat-")
            )
            for r in routes
        )
        if not via_nat:
            lacking.append((subnet_id, tables[0]["RouteTableId"] if tables else "?"))
    return lacking


def vpc_without_nat(reads: Reads, graph: Graph, logs: LogReader) -> list[Problem]:
    found = []
    for function in graph.of_kind("function"):
        subnets = (function.detail.get("config", {}).get("VpcConfig") or {}).get("SubnetIds")
        if not subnets:
            continue
        signs = [
            str(e["message"]).strip()
            for e in logs(function.name)
            if BLOCKED in e["message"] or any(s in e["message"] for s in TIMEOUT_SIGNS)
        ]
        if not signs:
            continue
        lacking = subnets_without_nat(reads, list(subnets))
        if not lacking:
            continue
        subnet, table = lacking[0]
        found.append(
            Problem(
                "vpc-without-nat",
                f"{function.name} runs in {len(subnets)} subnet(s) with no route to a NAT "
                f"gateway, and its logs show calls beyond the VPC failing ({len(signs)}x)",
                f'ec2.create_route(RouteTableId="{table}", DestinationCidrBlock="0.0.0.0/0", '
                f'NatGatewayId="<a NAT gateway in a public subnet>")  # for {subnet}; or a VPC '
                "endpoint for AWS services, or no VPC if it needs none",
                node=function.id,
                evidence=signs[-1][:300],
            )
        )
    return found
