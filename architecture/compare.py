"""Are two maps the same, modulo account ids and generated names? (The round trip's test.)

A map's signature keeps what a learner reads on it: each node's kind, name and settings,
each edge's kind, ends, label and settings, and the structural problems. Left out, with
the reason: the account id (each map lives in its own account), the "-<account>" a bucket
gets in the export (names are global), a function URL's generated id, the module part of
a handler (inline code runs as index.<function>), and a version's description (moto's
CloudFormation publishes AWS::Lambda::Version without it).
"""

from __future__ import annotations

from dataclasses import dataclass

from architecture.model import Graph
from architecture.problems import (
    missing_invoke_permissions,
    missing_poll_permissions,
    short_visibility_timeouts,
)

IGNORED = {("version", "description"), ("function_url", "url")}


@dataclass(frozen=True)
class Signature:
    nodes: frozenset[tuple]
    edges: frozenset[tuple]
    problems: frozenset[str]

    def differences(self, other: Signature) -> list[str]:
        lines = []
        for label, mine, theirs in (
            ("node", self.nodes, other.nodes),
            ("edge", self.edges, other.edges),
            ("problem", self.problems, other.problems),
        ):
            lines += [f"only in the first map: {label} {item}" for item in sorted(mine - theirs)]
            lines += [f"only in the second map: {label} {item}" for item in sorted(theirs - mine)]
        return lines


def signature(graph: Graph) -> Signature:
    account = graph.account_id

    def norm(text: str) -> str:
        return text.replace(f"-{account}", "").replace(account, "<account>") if account else text

    def key(node_id: str) -> str:
        node = graph.nodes.get(node_id)
        return f"{node.kind}:{norm(node.name)}" if node else norm(node_id)

    nodes = set()
    for node in graph.nodes.values():
        facts = []
        for name, value in sorted(node.facts.items()):
            if (node.kind, name) in IGNORED:
                continue
            if name == "handler":
                value = value.rsplit(".", 1)[-1]
            facts.append((name, norm(value)))
        parent = key(node.parent) if node.parent else ""
        nodes.add((node.kind, norm(node.name), parent, tuple(facts)))
    edges = {
        (
            edge.kind,
            key(edge.source),
            key(edge.target),
            norm(edge.label),
            tuple(sorted((k, norm(v)) for k, v in edge.facts.items())),
        )
        for edge in graph.edges
    }
    problems = {
        norm(p.title)
        for detector in (
            missing_invoke_permissions,
            missing_poll_permissions,
            short_visibility_timeouts,
        )
        for p in detector(graph)
    }
    return Signature(frozenset(nodes), frozenset(edges), frozenset(problems))
