"""The map as Graphviz DOT: left to right from event sources through functions to what they
write and where failures go. Activity in the labels, problems in red. No Streamlit.

Each function sits in a box with its aliases, versions and URL; other resources are
grouped by kind (buckets, queues, tables...), so a learner sees the services first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from architecture.activity import Counts
from architecture.model import Edge, Graph, Node
from architecture.problems import Problem

RED = "#D13212"
STYLE: dict[str, dict[str, str]] = {  # per node kind: Graphviz attributes
    "function": {"shape": "box", "fillcolor": "#FFF3E0", "color": "#ED7100"},
    "alias": {"shape": "cds", "fillcolor": "#FFF8EE", "color": "#ED7100"},
    "version": {"shape": "box", "fillcolor": "#FFFFFF", "color": "#C47A2C"},
    "function_url": {"shape": "oval", "fillcolor": "#FFF8EE", "color": "#ED7100"},
    "bucket": {"shape": "cylinder", "fillcolor": "#EAF5E4", "color": "#3F8624"},
    "queue": {"shape": "box", "fillcolor": "#FCE7F1", "color": "#E7157B"},
    "topic": {"shape": "ellipse", "fillcolor": "#FCE7F1", "color": "#E7157B"},
    "rule": {"shape": "hexagon", "fillcolor": "#F1EAFE", "color": "#8C4FFF"},
    "schedule": {"shape": "hexagon", "fillcolor": "#F1EAFE", "color": "#8C4FFF"},
    "table": {"shape": "cylinder", "fillcolor": "#E8EBFB", "color": "#4053D6"},
    "stream": {"shape": "cds", "fillcolor": "#F1EAFE", "color": "#8C4FFF"},
    "api": {"shape": "component", "fillcolor": "#F1EAFE", "color": "#8C4FFF"},
    "role": {"shape": "note", "fillcolor": "#F4F4F4", "color": "#5F6B7A"},
    "log_group": {"shape": "box", "fillcolor": "#FCE7F1", "color": "#B0084D"},
}
GROUPS = {  # clusters of resources by kind, with the title drawn above them
    "bucket": "S3 buckets",
    "queue": "SQS queues",
    "topic": "SNS topics",
    "rule": "EventBridge",
    "schedule": "EventBridge",
    "table": "DynamoDB",
    "stream": "Kinesis",
    "api": "API Gateway",
    "role": "IAM roles",
    "log_group": "CloudWatch Logs",
}
EDGE_STYLE: dict[str, dict[str, str]] = {
    "trigger": {"color": "#232F3E", "penwidth": "1.4"},
    "routes": {"color": "#ED7100", "style": "bold"},
    "role": {"color": "#8D99A8", "style": "dashed", "arrowhead": "empty"},
    "access": {"color": "#4053D6", "style": "dotted"},
    "dlq": {"color": "#B0581C", "style": "dashed"},
    "on_failure": {"color": "#B0581C", "style": "dashed"},
    "on_success": {"color": "#3F8624", "style": "dashed"},
    "redrive": {"color": "#B0581C", "style": "dashed"},
}
TITLE_FACTS = {  # the facts shown under a node's name, per kind
    "function": ("runtime", "memory", "timeout"),
    "alias": ("provisioned concurrency",),
    "version": ("description",),
    "function_url": ("auth",),
    "queue": ("visibility timeout",),
    "rule": ("pattern",),
    "schedule": ("schedule",),
    "table": ("key", "stream"),
    "api": ("type",),
    "role": ("allows 1", "allows 2", "allows 3", "allows 4"),
}


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def attributes(values: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={quote(value)}" for key, value in values.items())


def shorten(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def node_label(node: Node, counts: Counts | None, minutes: int) -> str:
    title = ("λ " if node.kind == "function" else "") + node.name
    if node.kind in ("alias", "version", "function_url") and ":" in node.name:
        title = node.name.split(":", 1)[1] if node.kind != "function_url" else "function URL"
        title = f"alias {title}" if node.kind == "alias" else title
        title = f"version {title}" if node.kind == "version" else title
    lines = [title]
    facts = [node.facts[k] for k in TITLE_FACTS.get(node.kind, ()) if node.facts.get(k)]
    if node.kind == "function" and facts:
        lines.append(" · ".join(facts))
    else:
        lines += [shorten(f) for f in facts]
    if node.facts.get("missing"):
        lines.append("(missing)")
    if counts is not None:
        lines.append(f"{counts.short()} ({minutes} min)")
    return "\n".join(lines)


def only_way_in(graph: Graph, edge: Edge) -> bool:
    """Is this trigger the only one into its function (so the function's counts are its)?"""
    function = graph.function_of(edge.target)
    if function is None:
        return False
    family = {function.id} | {n.id for n in graph.children(function.id)}
    inbound = [e for e in graph.edges if e.kind == "trigger" and e.target in family and e.source]
    return len(inbound) == 1


def to_dot(
    graph: Graph,
    counts: Mapping[str, Counts] | None = None,
    versions: Mapping[str, Mapping[str, int]] | None = None,
    problems: Sequence[Problem] = (),
    minutes: int = 15,
    selected: str | None = None,
) -> str:
    """DOT for the graph; ``counts`` by function name, ``versions`` by function name."""
    counts = counts or {}
    versions = versions or {}
    ids = {node_id: f"n{index}" for index, node_id in enumerate(sorted(graph.nodes))}
    red_nodes = {p.node: p for p in problems if p.node}
    red_edges = {p.edge: p for p in problems if p.edge}
    lines = [
        "digraph sandbox {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.7,'
        ' bgcolor="transparent", compound=true, labeljust=l];',
        '  node [style="rounded,filled", fontname="Helvetica", fontsize=10, penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    if not graph.nodes:
        lines.append('  empty [shape=note, label="Nothing in your sandbox yet: start a lab."];')
        return "\n".join([*lines, "}"])

    def node_line(node: Node, indent: str) -> str:
        values = dict(STYLE.get(node.kind, {}))
        function_counts = counts.get(node.name) if node.kind == "function" else None
        label = node_label(node, function_counts, minutes)
        values["tooltip"] = "\n".join([node.id, *(f"{k}: {v}" for k, v in node.facts.items())])
        if node.facts.get("missing"):
            values["style"] = "rounded,dashed"
        if node.id == selected:
            values["penwidth"] = "3"
        problem = red_nodes.get(node.id)
        if problem is not None:
            values.update(color=RED, fontcolor=RED, penwidth="2.4")
            label += "\n⚠ " + shorten(problem.title, 60)
        values["label"] = label
        return f"{indent}{ids[node.id]} [{attributes(values)}];"

    for function in graph.of_kind("function"):
        lines.append(f"  subgraph cluster_{ids[function.id]} {{")
        lines.append('    graph [style="rounded,dashed", color="#D5DBDB", label=""];')
        for node in [function, *graph.children(function.id)]:
            lines.append(node_line(node, "    "))
        lines.append("  }")
    placed = {n.id for f in graph.of_kind("function") for n in [f, *graph.children(f.id)]}
    by_group: dict[str, list[Node]] = {}
    for node in sorted(graph.nodes.values(), key=lambda n: (n.kind, n.name)):
        if node.id not in placed:
            by_group.setdefault(GROUPS.get(node.kind, node.kind), []).append(node)
    for index, (title, nodes) in enumerate(sorted(by_group.items())):
        lines.append(f"  subgraph cluster_group{index} {{")
        group = {"label": title, "style": "rounded", "color": "#EAEDED", "fontcolor": "#5F6B7A"}
        lines.append(f"    graph [{attributes(group)}];")
        lines += [node_line(node, "    ") for node in nodes]
        lines.append("  }")
    for edge in graph.edges:
        if edge.source not in ids or edge.target not in ids:
            continue
        values = dict(EDGE_STYLE.get(edge.kind, {}))
        label = edge.label
        if edge.kind == "trigger" and only_way_in(graph, edge):
            function = graph.function_of(edge.target)
            if function is not None and function.name in counts:
                label += "\n" + counts[function.name].short()
        if edge.kind == "routes":
            function = graph.function_of(edge.source)
            ran = versions.get(function.name, {}) if function else {}
            version = edge.ident or "$LATEST"
            if ran:
                label += f"\n{ran.get(version, 0)} ran"
        values["tooltip"] = "\n".join(
            [f"{edge.kind}: {edge.label}", *(f"{k}: {v}" for k, v in edge.facts.items())]
        )
        problem = red_edges.get(edge.key)
        if problem is not None:
            values.update(color=RED, fontcolor=RED, penwidth="2.4")
            label += "\n⚠ " + shorten(problem.title, 50)
        values["label"] = label
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{attributes(values)}];")
    return "\n".join([*lines, "}"])
