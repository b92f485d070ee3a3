"""Build the map of a learner's sandbox from what boto3 reads there. No Streamlit.

    graph = build_graph(learner_session("learner-42"))              # the whole account
    lab_map = build_graph(session, names={"photo-indexer", ...})    # one lab's resources

Only reads a learner could make themselves are used (see read_lambda, read_sources,
iam): the map shows what exists, never what the app thinks it created. Calls the sandbox
does not support yet are skipped with a note (``graph.notes``), so new trigger kinds
appear on the map as soon as the sandbox answers for them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping
from functools import partial
from typing import Any

import boto3

from architecture.iam import action_summary, read_role, role_statements, trusted_services
from architecture.model import Edge, Graph, Node, NodeKind, read_in_parallel
from architecture.read_lambda import read_functions
from architecture.read_sources import read_sources
from architecture.reads import Reads

# The service in an ARN -> the kind of node it names (for targets the map could not read).
KIND_BY_SERVICE: dict[str, NodeKind] = {
    "lambda": "function",
    "sqs": "queue",
    "sns": "topic",
    "s3": "bucket",
    "events": "rule",
    "dynamodb": "table",
    "kinesis": "stream",
    "iam": "role",
    "logs": "log_group",
}
# Resource kinds a role's statement can name precisely enough to draw an "access" edge.
ACCESS_KINDS = ("bucket", "queue", "topic", "table", "stream")


def build_graph(session: boto3.Session, names: Collection[str] | None = None) -> Graph:
    """The learner's account as a graph; with ``names``, only those resources and what
    hangs off their functions (aliases, versions, URLs, triggers, destinations)."""
    graph = Graph("", session.region_name or "us-east-1")
    reads = Reads(session, graph.note)
    identity = reads.call("sts", "get_caller_identity") or {}
    graph.account_id = str(identity.get("Account", ""))
    read_in_parallel(
        graph,
        [partial(read_functions, reads), partial(read_sources, reads), partial(_read_roles, reads)],
    )
    _add_access_edges(graph)
    _add_missing_targets(graph)
    return graph if names is None else scope(graph, names)


def _read_roles(reads: Reads, graph: Graph) -> None:
    roles = [
        role
        for role in reads.items("iam", "list_roles", "Roles")
        if not role.get("Path", "/").startswith("/aws-")  # service-linked: AWS's, not yours
    ]
    read_in_parallel(graph, [partial(_read_role, reads, role) for role in roles])


def _read_role(reads: Reads, role: Mapping[str, Any], graph: Graph) -> None:
    detail = read_role(reads, role["RoleName"])
    if detail is None:
        return
    statements = role_statements(detail)
    facts = {"trusts": ", ".join(trusted_services(detail)) or "no service"}
    for index, line in enumerate(action_summary(statements), start=1):
        facts[f"allows {index}"] = line
    graph.add(Node(role["Arn"], "role", role["RoleName"], facts=facts, detail=detail))


def _add_access_edges(graph: Graph) -> None:
    """function -> resource, for each resource its role names by ARN (not "*")."""
    resources = graph.of_kind(*ACCESS_KINDS)
    for function in graph.of_kind("function"):
        role = graph.nodes.get(str(function.detail.get("config", {}).get("Role", "")))
        if role is None:
            continue
        for resource in resources:
            actions = sorted(
                {
                    action
                    for statement in role_statements(role.detail)
                    if statement.effect == "Allow"
                    and any(names_precisely(p, resource.id) for p in statement.resources)
                    for action in statement.actions
                }
            )
            if actions:
                label = ", ".join(actions[:3]) + (" …" if len(actions) > 3 else "")
                graph.connect(
                    Edge(
                        function.id,
                        resource.id,
                        "access",
                        label,
                        facts={"actions": ", ".join(actions)},
                    )
                )


def names_precisely(pattern: str, arn: str) -> bool:
    """A policy resource that names this ARN itself (or its objects), not a wildcard for all."""
    if pattern == arn or pattern in (f"{arn}/*", f"{arn}/stream/*", f"{arn}/index/*"):
        return True
    prefix = pattern.split("*", 1)[0]
    return "*" in pattern and len(prefix) > len(arn) * 0.8 and fnmatch.fnmatchcase(arn, pattern)


def _add_missing_targets(graph: Graph) -> None:
    """An edge to something the map could not read still gets a node, marked missing."""
    for edge in list(graph.edges):
        for end in (edge.source, edge.target):
            if end in graph.nodes:
                continue
            service = end.split(":")[2] if end.count(":") >= 5 else ""
            kind = KIND_BY_SERVICE.get(service, "function")
            name = end.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            graph.add(Node(end, kind, name, facts={"missing": "not found in this account"}))


def scope(graph: Graph, names: Collection[str]) -> Graph:
    """The resources bearing these names, plus everything wired to their functions."""
    wanted = set(names)
    keep = {n.id for n in graph.nodes.values() if n.name in wanted}
    keep |= {n.id for n in graph.nodes.values() if n.parent in keep}
    functions = {n.id for n in graph.nodes.values() if n.kind == "function" and n.id in keep}
    family = functions | {n.id for n in graph.nodes.values() if n.parent in functions}
    for edge in graph.edges:
        if edge.target in family or edge.source in family:
            keep |= {edge.source, edge.target}
    keep |= {n.id for n in graph.nodes.values() if n.parent in keep}
    return graph.subgraph(keep)
