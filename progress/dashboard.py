"""What the instructor's dashboard shows, computed from the class's snapshots. No Streamlit.

Each function takes the learners' snapshots and the course's content (lessons, labs,
questions) and returns plain rows, so the page only lays them out and the tests check
the numbers directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from labs.model import Lab
from lessons.catalog import Lesson
from progress.records import LearnerSnapshot
from quizzes.progress import QuizProgress, TopicScore
from quizzes.questions import Question

STUCK_CHECKS = 3  # failed checks on one step before the dashboard calls a learner stuck
ACTIVE_MINUTES = 15


@dataclass(frozen=True)
class LearnerRow:
    learner_id: str
    name: str
    workshop: str
    lessons_done: int
    lessons_total: int
    lesson: str  # the lesson they last opened
    lab_step: str  # the lab step they last opened
    steps_passed: int
    steps_total: int
    quiz_answers: int
    quiz_accuracy: float | None
    exams: int
    best_exam: int | None
    last_seen: dt.datetime | None
    stuck: str  # "" or why the dashboard thinks they need help


def _step_label(labs: Sequence[Lab], lab_slug: str | None, step_id: str | None) -> str:
    lab = next((x for x in labs if x.slug == lab_slug), None)
    if lab is None:
        return ""
    ids = [s.id for s in lab.steps]
    if step_id not in ids:
        return lab.title
    return f"{lab.title} · step {ids.index(step_id) + 1}: {lab.step(step_id).title}"


def learner_rows(
    snapshots: Iterable[LearnerSnapshot],
    lessons: Sequence[Lesson],
    labs: Sequence[Lab],
) -> list[LearnerRow]:
    titles = {lesson.slug: lesson.title for lesson in lessons}
    steps = {(lab.slug, step.id) for lab in labs for step in lab.steps}
    rows = []
    for snap in snapshots:
        learner, quiz = snap.learner, snap.quiz
        passed = sum(1 for key, s in snap.lab_steps.items() if s.passed and key in steps)
        stuck = [
            s
            for s in snap.lab_steps.values()
            if not s.passed and s.checks >= STUCK_CHECKS and (s.lab, s.step) in steps
        ]
        stuck.sort(key=lambda s: s.last_checked_at, reverse=True)
        rows.append(
            LearnerRow(
                learner_id=learner.id,
                name=learner.display_name,
                workshop=learner.workshop or "",
                lessons_done=len(set(snap.lessons_done) & set(titles)),
                lessons_total=len(titles),
                lesson=titles.get(learner.lesson or "", ""),
                lab_step=_step_label(labs, learner.lab, learner.step),
                steps_passed=passed,
                steps_total=len(steps),
                quiz_answers=len(quiz.attempts),
                quiz_accuracy=(
                    sum(a.correct for a in quiz.attempts) / len(quiz.attempts)
                    if quiz.attempts
                    else None
                ),
                exams=len(quiz.exams),
                best_exam=max((e.result.scaled for e in quiz.exams), default=None),
                last_seen=learner.last_seen,
                stuck=(
                    f"{stuck[0].checks} failed checks on "
                    f"{_step_label(labs, stuck[0].lab, stuck[0].step)}"
                    if stuck
                    else ""
                ),
            )
        )
    return rows


def active_count(rows: Iterable[LearnerRow], now: dt.datetime) -> int:
    since = now - dt.timedelta(minutes=ACTIVE_MINUTES)
    return sum(1 for r in rows if r.last_seen and r.last_seen >= since)


def ago(when: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, as an instructor glances at it: "40 s ago", "12 min ago", "3 h ago"."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.astimezone()
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


@dataclass(frozen=True)
class StepHeatmap:
    learners: list[str]  # row labels
    steps: list[str]  # column labels, lab by lab in course order
    cells: list[list[float]]  # 1 passed, 0.5 checked but not passing yet, 0 not checked
    hover: list[list[str]]


def step_heatmap(snapshots: Sequence[LearnerSnapshot], labs: Sequence[Lab]) -> StepHeatmap:
    columns = [(lab, step) for lab in sorted(labs, key=lambda x: x.order) for step in lab.steps]
    cells, hover = [], []
    for snap in snapshots:
        row, tips = [], []
        for lab, step in columns:
            record = snap.lab_steps.get((lab.slug, step.id))
            if record is None:
                row.append(0.0)
                tips.append("not checked yet")
            elif record.passed:
                row.append(1.0)
                when = record.passed_at.strftime("%H:%M") if record.passed_at else ""
                tips.append(f"passed {when} after {record.checks} check(s)")
            else:
                row.append(0.5)
                tips.append(f"not passing after {record.checks} check(s)")
        cells.append(row)
        hover.append(tips)
    return StepHeatmap(
        learners=[s.learner.display_name for s in snapshots],
        steps=[f"L{lab.order}.{lab.steps.index(step) + 1} {step.title}" for lab, step in columns],
        cells=cells,
        hover=hover,
    )


def describe_response(question: Question | None, response: Any) -> str:
    """A learner's answer as the instructor reads it: option texts, an order, a number."""
    if question is None:
        return str(response)

    def text(option_id: Any) -> str:
        option = next((o for o in question.options if o.id == str(option_id).lower()), None)
        label = option.text.strip().splitlines()[0] if option else str(option_id)
        return f"{option_id}) {label[:60]}"

    if question.type in ("single", "truefalse"):
        return text(response)
    if question.type == "multiple" and isinstance(response, list | tuple):
        return " + ".join(text(r) for r in sorted(response, key=str))
    if question.type == "ordering" and isinstance(response, list | tuple):
        return " → ".join(str(r) for r in response)
    return str(response)


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    difficulty: int
    topic: str
    answers: int
    correct: int
    wrong_answers: list[tuple[str, int]]  # the most common wrong responses, with counts

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


def question_stats(
    snapshots: Iterable[LearnerSnapshot], questions: Mapping[str, Question], top: int = 3
) -> list[QuestionStats]:
    """Every answered question, by difficulty, hardest for the class first within each."""
    answers: Counter[str] = Counter()
    right: Counter[str] = Counter()
    wrong: dict[str, Counter[str]] = {}
    for snap in snapshots:
        for attempt in snap.quiz.attempts:
            qid = attempt.question_id
            answers[qid] += 1
            if attempt.correct:
                right[qid] += 1
            else:
                described = describe_response(questions.get(qid), attempt.response)
                wrong.setdefault(qid, Counter())[described] += 1
    stats = [
        QuestionStats(
            question_id=qid,
            difficulty=questions[qid].difficulty if qid in questions else 0,
            topic=", ".join(questions[qid].tags) if qid in questions else "",
            answers=count,
            correct=right[qid],
            wrong_answers=wrong.get(qid, Counter()).most_common(top),
        )
        for qid, count in answers.items()
    ]
    return sorted(stats, key=lambda s: (s.difficulty, s.accuracy, -s.answers, s.question_id))


def weakest_topics(
    snapshots: Iterable[LearnerSnapshot],
    questions: Mapping[str, Question],
    count: int = 8,
    minimum: int = 3,
) -> list[TopicScore]:
    """The class's weakest topics: every learner's answers pooled, as the quiz page scores."""
    pooled = QuizProgress(attempts=[a for snap in snapshots for a in snap.quiz.attempts])
    return pooled.weakest_topics(questions, count=count, minimum=minimum)


def rows_csv(rows: Sequence[Any]) -> str:
    """Dataclass rows as CSV text, a column per field."""
    if not rows:
        return ""
    buffer = io.StringIO()
    names = [f.name for f in fields(rows[0])]
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in rows:
        values = []
        for name in names:
            value = getattr(row, name)
            if isinstance(value, dt.datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, float):
                value = f"{value:.3f}"
            elif isinstance(value, list):
                value = "; ".join(f"{text} ×{n}" for text, n in value)
            values.append("" if value is None else value)
        writer.writerow(values)
    return buffer.getvalue()
