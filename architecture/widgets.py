"""Streamlit pieces of the map: the diagram with its problems, and the function inspector.
Used by the map page and by the panel at the foot of every lab."""

from __future__ import annotations

import time
from collections.abc import Collection
from decimal import Decimal

import boto3
import streamlit as st

from architecture.activity import recent_reports
from architecture.graph import build_graph
from architecture.live import Snapshot, snapshot
from architecture.model import Graph

MINUTES = (5, 15, 60, 24 * 60)


def money(amount: Decimal) -> str:
    """Dollars to a ten-millionth of a cent, "$" escaped (Markdown reads $...$ as LaTeX)."""
    return "\\$" + (f"{amount:.10f}".rstrip("0").rstrip(".") or "0")


def show_problems(shot: Snapshot) -> None:
    if not shot.problems:
        st.success("No problems found on the map.", icon=":material/check_circle:")
        return
    st.markdown(f"**{len(shot.problems)} problem(s)**, drawn in red on the map:")
    for problem in shot.problems:
        with st.container(border=True):
            st.markdown(f":red[:material/error:] {problem.title}")
            st.code(problem.fix, language="python", wrap_lines=True)
            if problem.evidence:
                st.caption(f"Seen: `{problem.evidence[:200]}`")


def show_inspector(session: boto3.Session, shot: Snapshot, key: str) -> None:
    functions = shot.graph.of_kind("function")
    if not functions:
        return
    chosen = st.pills(
        "Inspect a function",
        [f.name for f in functions],
        default=functions[0].name,
        key=f"{key}-inspect",
    )
    function = next((f for f in functions if f.name == chosen), None)
    if function is None:
        return
    counts = shot.counts.get(function.name)
    left, middle, right = st.columns(3)
    left.metric(f"Invocations ({shot.minutes} min)", counts.invocations if counts else 0)
    middle.metric("Errors", counts.errors if counts else 0)
    right.metric("Throttles", counts.throttles if counts else 0)
    arch = function.facts.get("architecture", "x86_64")
    reports = recent_reports(session, function.name, arch)
    if not reports:
        st.caption(f"`{function.name}` has no REPORT lines yet: invoke it.")
        return
    st.markdown(f"Latest REPORT lines of `{function.name}`, each priced at AWS's {arch} rates:")
    st.dataframe(
        [
            {
                "time (UTC)": r.when,
                "request id": r.request_id,
                "version": r.version,
                "duration ms": float(r.duration_ms),
                "billed ms": r.billed_ms,
                "memory MB": r.memory_mb,
                "max used MB": r.max_memory_mb,
                "init ms": float(r.init_ms) if r.init_ms is not None else None,
                "status": r.status,
                "cost USD": f"{r.cost_usd:.10f}",
            }
            for r in reports
        ],
        hide_index=True,
        width="stretch",
    )
    total = sum((r.cost_usd for r in reports), Decimal(0))
    per_million = total / len(reports) * 1_000_000
    st.caption(
        f"These {len(reports)} invocations: {money(total)}. A million like them: "
        f"{money(per_million)} (requests + GB-seconds, no free tier)."
    )


def current_graph(
    session: boto3.Session, key: str, names: Collection[str] | None, max_age_s: float
) -> Graph:
    """The graph read at most ``max_age_s`` ago in this browser session: reading every
    resource takes dozens of calls, while activity (one call) refreshes every few seconds."""
    cached = st.session_state.get(f"{key}-graph")
    scope = None if names is None else tuple(sorted(names))
    if cached and cached[1] == scope and time.monotonic() - cached[0] < max_age_s:
        return cached[2]
    graph = build_graph(session, names)
    st.session_state[f"{key}-graph"] = (time.monotonic(), scope, graph)
    return graph


def show_map(
    session: boto3.Session,
    key: str,
    names: Collection[str] | None = None,
    minutes: int = 15,
    inspector: bool = True,
    graph_max_age_s: float = 0,
) -> Snapshot:
    """The diagram, the problems under it, and (optionally) the function inspector."""
    graph = current_graph(session, key, names, graph_max_age_s)
    shot = snapshot(session, names, minutes, graph)
    if not shot.graph.nodes:  # a diagram of nothing is a big empty box: say it instead
        if names is not None:  # the panel of a lab
            st.info("Nothing of this lab's in your sandbox yet: its steps create it.")
            return shot
        st.info(
            "Nothing in your sandbox yet. Start a lab and what you create appears here.",
            icon=":material/map:",
        )
        st.page_link("labs/page.py", label="Go to the labs", icon=":material/science:")
        return shot
    st.graphviz_chart(shot.dot(), width="stretch")
    show_problems(shot)
    if inspector:
        show_inspector(session, shot, key)
    if shot.notes:
        with st.expander(f"{len(shot.notes)} read(s) the sandbox does not support yet"):
            st.markdown("\n".join(f"- `{note}`" for note in shot.notes))
    return shot


def show_lab_map(session: boto3.Session, names: Collection[str], key: str) -> None:
    """The panel at the foot of a lab: this lab's resources only, refreshed on demand."""

    @st.fragment
    def panel() -> None:
        st.button("Refresh the map", key=f"{key}-refresh", icon=":material/refresh:")
        show_map(session, key, names, inspector=False)
        st.page_link("architecture/page.py", label="Open the full map", icon=":material/map:")

    panel()
