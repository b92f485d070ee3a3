"""Everything the map shows at one moment, read in one go: graph, activity, problems. No
Streamlit: the page and the lab panel render a ``Snapshot``; tests read one directly."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import boto3

from architecture.activity import Counts, function_counts, log_events, version_counts
from architecture.diagram import to_dot
from architecture.graph import build_graph
from architecture.model import Graph
from architecture.problems import Problem, find_problems
from labs.engine import context_for
from labs.model import Lab


@dataclass(frozen=True)
class Snapshot:
    graph: Graph
    counts: dict[str, Counts]
    versions: dict[str, dict[str, int]]  # function name -> version -> invocations (window)
    problems: list[Problem]
    minutes: int
    notes: list[str] = field(default_factory=list)

    def dot(self, selected: str | None = None) -> str:
        return to_dot(self.graph, self.counts, self.versions, self.problems, self.minutes, selected)

    def problems_of(self, node_id: str) -> list[Problem]:
        edge_keys = {e.key for e in self.graph.edges_of(node_id)}
        return [p for p in self.problems if p.node == node_id or p.edge in edge_keys]


def snapshot(
    session: boto3.Session,
    names: Collection[str] | None = None,
    minutes: int = 15,
    graph: Graph | None = None,
) -> Snapshot:
    """The map now: ``graph`` (the resources and their wiring, which change rarely) may be
    one read a little earlier; activity and problems are always read afresh."""
    graph = graph if graph is not None else build_graph(session, names)
    functions = [n.name for n in graph.of_kind("function")]
    counts = function_counts(session, functions, minutes)
    routed = {
        f.name
        for f in graph.of_kind("function")
        if any(graph.edges_of(c.id, "routes") for c in graph.children(f.id))
    }
    versions = {name: version_counts(log_events(session, name, minutes)) for name in routed}
    return Snapshot(graph, counts, versions, find_problems(session, graph), minutes, graph.notes)


def lab_names(session: boto3.Session, learner_id: str, lab: Lab) -> list[str]:
    """The names of one lab's resources for this learner (the lab's names, filled in)."""
    values = context_for(session, learner_id, lab).values
    return [values[key] for key in lab.names if key in values]
