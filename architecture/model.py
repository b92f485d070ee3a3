"""The map as data: typed nodes and edges, read from a learner's account. No AWS calls here.

A node is a resource (function, bucket, queue, role...), identified by its ARN. An edge is
a wire between two of them: a trigger with its filters, a dead-letter queue, a destination,
an alias's weight on a version, the role a function runs as, or the access a role grants.
``facts`` are the settings a learner reads on the map (and the round trip compares);
``detail`` keeps the raw boto3 reads that the export turns into a template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

# What can trigger a function (or feed a queue or topic that does).
SourceKind = Literal["bucket", "queue", "topic", "rule", "schedule", "table", "stream", "log_group"]
NodeKind = Literal["function", "alias", "version", "function_url", "role", "api", SourceKind]
EdgeKind = Literal[
    "trigger",  # an event source invokes a function (or feeds a queue or topic)
    "dlq",  # the function's dead-letter queue or topic for failed async events
    "on_success",  # an asynchronous invocation's destination on success
    "on_failure",  # ... and on failure (also a stream mapping's on-failure destination)
    "routes",  # an alias sends a share of its traffic to a version
    "role",  # the execution role a function runs as
    "access",  # the role allows the function these actions on that resource
    "redrive",  # a queue's messages go to its dead-letter queue after N receives
]


@dataclass(frozen=True, eq=False)
class Node:
    id: str  # the resource's ARN (a function URL: the function's ARN + "/url")
    kind: NodeKind
    name: str
    parent: str | None = None  # the function an alias, version or URL belongs to
    facts: Mapping[str, str] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    label: str = ""  # what the wire carries, in a few words: "ObjectCreated:* suffix .jpg"
    ident: str = ""  # AWS's id of the wiring: a notification id, a mapping UUID...
    facts: Mapping[str, str] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.source, self.target, self.ident or self.label)


@dataclass
class Graph:
    account_id: str
    region: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # reads skipped, and why

    def add(self, node: Node) -> Node:
        """Add a node; one already known by its ARN is replaced only by a richer read."""
        known = self.nodes.get(node.id)
        if known is None or len(node.detail) >= len(known.detail):
            self.nodes[node.id] = node
        return self.nodes[node.id]

    def connect(self, edge: Edge) -> None:
        if all(e.key != edge.key for e in self.edges):
            self.edges.append(edge)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def of_kind(self, *kinds: str) -> list[Node]:
        return sorted((n for n in self.nodes.values() if n.kind in kinds), key=lambda n: n.name)

    def named(self, kind: str, name: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.kind == kind and n.name == name), None)

    def edges_of(self, node_id: str, *kinds: str) -> list[Edge]:
        return [
            e
            for e in self.edges
            if node_id in (e.source, e.target) and (not kinds or e.kind in kinds)
        ]

    def into(self, node_id: str, *kinds: str) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id and (not kinds or e.kind in kinds)]

    def children(self, function_id: str) -> list[Node]:
        return sorted(
            (n for n in self.nodes.values() if n.parent == function_id),
            key=lambda n: (n.kind, n.name),
        )

    def function_of(self, node_id: str) -> Node | None:
        """The function a node is (or belongs to): a function, its alias, version or URL."""
        node = self.nodes.get(node_id)
        while node is not None and node.kind != "function":
            node = self.nodes.get(node.parent) if node.parent else None
        return node

    def subgraph(self, keep: Iterable[str]) -> Graph:
        kept = set(keep) & set(self.nodes)
        return Graph(
            self.account_id,
            self.region,
            {k: v for k, v in self.nodes.items() if k in kept},
            [e for e in self.edges if e.source in kept and e.target in kept],
            list(self.notes),
        )

    def merge(self, other: Graph) -> None:
        for node in other.nodes.values():
            self.add(node)
        for edge in other.edges:
            self.connect(edge)
        for note in other.notes:
            self.note(note)


Reader = Callable[[Graph], None]
WORKERS = 8  # concurrent reads: each is a loopback round trip of a few ms to the sandbox


def read_in_parallel(graph: Graph, readers: Sequence[Reader]) -> None:
    """Run readers concurrently, each filling a graph of its own, merged in their order
    (the map is the same whatever order the reads finish in)."""
    parts = [Graph(graph.account_id, graph.region) for _ in readers]
    if len(readers) <= 1:
        for reader, part in zip(readers, parts, strict=True):
            reader(part)
    else:
        with ThreadPoolExecutor(min(WORKERS, len(readers))) as pool:
            for future in [pool.submit(r, p) for r, p in zip(readers, parts, strict=True)]:
                future.result()
    for part in parts:
        graph.merge(part)
