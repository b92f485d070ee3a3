"""What the progress store keeps, as plain records, and their JSON form. No Streamlit.

Quiz history reuses the quiz package's own records (``Attempt``, ``CardState``,
``ExamRecord``): the store persists exactly what ``quizzes.progress.QuizProgress`` holds.
The JSON helpers turn them into plain values and back, for the database's JSON columns
and for a learner's export file; a value reads back equal to what was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quizzes.exam import DomainResult, ExamResult
from quizzes.grading import Grade
from quizzes.progress import Attempt, ExamRecord, QuizProgress
from quizzes.schedule import CardState


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Workshop:
    code: str
    title: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Learner:
    id: str
    name: str = ""
    workshop: str | None = None
    created_at: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    lesson: str | None = None  # the lesson they last opened
    lab: str | None = None  # the lab and step they last opened
    step: str | None = None
    position_at: dt.datetime | None = None
    sandbox_reset_at: dt.datetime | None = None  # the instructor asked for a fresh sandbox

    @property
    def display_name(self) -> str:
        return self.name or f"Guest {self.id[-4:]}"


@dataclass(frozen=True)
class StepRecord:
    """One lab step of one learner: the latest check's verdict, and when it first passed."""

    lab: str
    step: str
    passed: bool
    checks: int  # how many times they pressed "Check my progress"
    last_checked_at: dt.datetime
    passed_at: dt.datetime | None = None


@dataclass
class LearnerSnapshot:
    """Everything the store holds about one learner."""

    learner: Learner
    lessons_done: dict[str, dt.datetime] = field(default_factory=dict)  # slug -> when
    lab_steps: dict[tuple[str, str], StepRecord] = field(default_factory=dict)
    quiz: QuizProgress = field(default_factory=QuizProgress)
    revision: int = 0  # grows with every write: a cached snapshot is current while it matches

    def lab_progress(self) -> dict[str, dict[str, bool]]:
        """lab slug -> {step id: passed}, the shape the lab page works with."""
        progress: dict[str, dict[str, bool]] = {}
        for (lab, step), record in self.lab_steps.items():
            progress.setdefault(lab, {})[step] = record.passed
        return progress


# JSON --------------------------------------------------------------------------------------


def time_text(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def parse_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _tuples(value: Any) -> Any:
    """JSON arrays back to the tuples the quiz records hold."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def attempt_to_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "question_id": attempt.question_id,
        "mode": attempt.mode,
        "response": attempt.response,
        "correct": attempt.correct,
        "partial": attempt.partial,
        "at": time_text(attempt.at),
    }


def attempt_from_json(data: Mapping[str, Any]) -> Attempt:
    return Attempt(
        question_id=str(data["question_id"]),
        mode=str(data["mode"]),
        response=data["response"],
        correct=bool(data["correct"]),
        partial=float(data["partial"]),
        at=parse_time(data["at"]),  # type: ignore[arg-type]
    )


def card_to_json(card: CardState) -> dict[str, Any]:
    return {
        "question_id": card.question_id,
        "ease": card.ease,
        "repetitions": card.repetitions,
        "interval_days": card.interval_days,
        "due": None if card.due is None else card.due.isoformat(),
        "lapses": card.lapses,
    }


def card_from_json(data: Mapping[str, Any]) -> CardState:
    return CardState(
        question_id=str(data["question_id"]),
        ease=float(data["ease"]),
        repetitions=int(data["repetitions"]),
        interval_days=int(data["interval_days"]),
        due=parse_date(data.get("due")),
        lapses=int(data.get("lapses", 0)),
    )


def _grade_to_json(grade: Grade | None) -> dict[str, Any] | None:
    if grade is None:
        return None
    return {
        "correct": grade.correct,
        "score": grade.score,
        "partial": grade.partial,
        "expected": grade.expected,
        "feedback": [list(item) for item in grade.feedback],
    }


def _grade_from_json(data: Mapping[str, Any] | None) -> Grade | None:
    if data is None:
        return None
    return Grade(
        correct=bool(data["correct"]),
        score=float(data["score"]),
        partial=float(data["partial"]),
        expected=_tuples(data["expected"]),
        feedback=tuple((str(oid), bool(right), str(why)) for oid, right, why in data["feedback"]),
    )


def exam_to_json(record: ExamRecord) -> dict[str, Any]:
    result = record.result
    return {
        "id": record.id,
        "preset": record.preset,
        "finished": time_text(record.finished),
        "question_ids": list(record.question_ids),
        "answers": dict(record.answers),
        "flagged": sorted(record.flagged),
        "result": {
            "correct": result.correct,
            "total": result.total,
            "scaled": result.scaled,
            "passed": result.passed,
            "domains": [
                {"domain": d.domain, "title": d.title, "correct": d.correct, "total": d.total}
                for d in result.domains
            ],
            "grades": {qid: _grade_to_json(g) for qid, g in result.grades.items()},
        },
    }


def exam_from_json(data: Mapping[str, Any]) -> ExamRecord:
    result = data["result"]
    return ExamRecord(
        id=str(data["id"]),
        preset=str(data["preset"]),
        finished=parse_time(data["finished"]),  # type: ignore[arg-type]
        question_ids=tuple(data["question_ids"]),
        answers=dict(data["answers"]),
        flagged=frozenset(data.get("flagged", ())),
        result=ExamResult(
            correct=int(result["correct"]),
            total=int(result["total"]),
            scaled=int(result["scaled"]),
            passed=bool(result["passed"]),
            domains=tuple(
                DomainResult(d["domain"], d["title"], int(d["correct"]), int(d["total"]))
                for d in result["domains"]
            ),
            grades={qid: _grade_from_json(g) for qid, g in result["grades"].items()},
        ),
    )
