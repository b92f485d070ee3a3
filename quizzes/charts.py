"""Plotly figures of a learner's quiz results. No Streamlit."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from quizzes.grading import PASS_MARK
from quizzes.progress import ExamRecord, TopicScore
from quizzes.questions import DOMAINS


def exam_scores(exams: Sequence[ExamRecord]) -> go.Figure:
    """Scaled score by exam attempt, against the 720 pass mark."""
    attempts = list(range(1, len(exams) + 1))
    figure = go.Figure(
        go.Scatter(
            x=attempts,
            y=[e.result.scaled for e in exams],
            mode="lines+markers",
            name="Scaled score",
            text=[e.preset for e in exams],
        )
    )
    figure.add_hline(y=PASS_MARK, line_dash="dash", annotation_text=f"pass mark {PASS_MARK}")
    figure.update_layout(
        title="Exam scores by attempt", xaxis_title="Attempt", yaxis_title="Scaled score",
        yaxis_range=[100, 1000], xaxis_dtick=1, height=320,
    )  # fmt: skip
    return figure


def accuracy_bars(
    scores: Sequence[TopicScore], title: str, labels: dict[str, str] | None = None
) -> go.Figure:
    """Accuracy per domain or topic, with the number of attempts on each bar."""
    names = [labels.get(s.topic, s.topic) if labels else s.topic for s in scores]
    figure = go.Figure(
        go.Bar(
            x=[100 * s.accuracy for s in scores],
            y=names,
            orientation="h",
            text=[f"{s.correct}/{s.attempts}" for s in scores],
            textposition="auto",
        )
    )
    figure.update_layout(
        title=title, xaxis_title="Accuracy (%)", xaxis_range=[0, 100],
        height=120 + 28 * max(1, len(scores)), yaxis_autorange="reversed",
    )  # fmt: skip
    return figure


def domain_breakdown(record: ExamRecord) -> go.Figure:
    domains = [d for d in record.result.domains if d.total]
    return accuracy_bars(
        [TopicScore(d.domain, d.correct, d.total, "") for d in domains],
        "Score by exam domain",
        {key: title for key, (title, _) in DOMAINS.items()},
    )
