"""Plotly figures of the class for the instructor's dashboard. No Streamlit."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from progress.dashboard import QuestionStats, StepHeatmap

# Three states, three colours: not checked, checked but failing, passed.
STEP_COLOURS = [[0.0, "#e8eaed"], [0.33, "#e8eaed"], [0.34, "#f6b26b"], [0.66, "#f6b26b"],
                [0.67, "#34a853"], [1.0, "#34a853"]]  # fmt: skip


def step_heatmap(heatmap: StepHeatmap) -> go.Figure:
    """Learners down, lab steps across: green passed, orange failing, grey not checked."""
    figure = go.Figure(
        go.Heatmap(
            z=heatmap.cells,
            x=heatmap.steps,
            y=heatmap.learners,
            text=heatmap.hover,
            hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
            colorscale=STEP_COLOURS,
            zmin=0,
            zmax=1,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(
        title="Lab steps: green passed, orange not passing yet, grey not checked",
        height=max(260, 80 + 28 * len(heatmap.learners)),
        yaxis_autorange="reversed",
        xaxis_tickangle=-35,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure


def accuracy_by_difficulty(stats: Sequence[QuestionStats]) -> go.Figure:
    """The class's share of right answers at each difficulty, with the number of answers."""
    levels = sorted({s.difficulty for s in stats})
    answers = [sum(s.answers for s in stats if s.difficulty == d) for d in levels]
    right = [sum(s.correct for s in stats if s.difficulty == d) for d in levels]
    accuracy = [100 * r / a if a else 0 for r, a in zip(right, answers, strict=True)]
    names = {1: "1 easy", 2: "2 medium", 3: "3 hard"}
    figure = go.Figure(
        go.Bar(
            x=[names.get(d, str(d)) for d in levels],
            y=accuracy,
            text=[f"{p:.0f}% of {a}" for p, a in zip(accuracy, answers, strict=True)],
            textposition="auto",
        )
    )
    figure.update_layout(
        title="Right answers by difficulty", yaxis_title="% right", yaxis_range=[0, 100],
        height=300, margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )  # fmt: skip
    return figure
