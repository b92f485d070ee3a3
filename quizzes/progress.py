"""A learner's quiz history: attempts, spaced-repetition cards, exams, weak spots. Pure.

Kept in the Streamlit session for now; the progress store will persist the same records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from quizzes.exam import ExamResult
from quizzes.grading import Grade
from quizzes.questions import Question
from quizzes.schedule import CardState, due_today, quality_for, review


@dataclass(frozen=True)
class Attempt:
    question_id: str
    mode: str  # practice | review | exam
    response: Any
    correct: bool
    partial: float
    at: dt.datetime


@dataclass(frozen=True)
class ExamRecord:
    id: str
    preset: str
    finished: dt.datetime
    question_ids: tuple[str, ...]
    answers: Mapping[str, Any]
    flagged: frozenset[str]
    result: ExamResult


@dataclass(frozen=True)
class TopicScore:
    topic: str
    correct: int
    attempts: int
    lesson: str  # the lesson most of the topic's questions link to

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


@dataclass
class QuizProgress:
    attempts: list[Attempt] = field(default_factory=list)
    cards: dict[str, CardState] = field(default_factory=dict)
    exams: list[ExamRecord] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)

    def record(
        self, question: Question, response: Any, grade: Grade, mode: str, now: dt.datetime
    ) -> None:
        """Keep the attempt and reschedule the question (exams count towards the schedule too)."""
        self.attempts.append(
            Attempt(question.id, mode, response, grade.correct, grade.partial, now)
        )
        card = self.cards.get(question.id, CardState(question.id))
        self.cards[question.id] = review(
            card, quality_for(grade.correct, grade.partial), now.date()
        )

    def record_exam(self, record: ExamRecord, questions: Mapping[str, Question]) -> None:
        self.exams.append(record)
        for qid in record.question_ids:
            grade = record.result.grades.get(qid)
            if grade is not None:
                self.record(questions[qid], record.answers[qid], grade, "exam", record.finished)
        self.flagged |= set(record.flagged)

    def exam(self, exam_id: str) -> ExamRecord | None:
        return next((e for e in self.exams if e.id == exam_id), None)

    def last_attempt(self, question_id: str) -> Attempt | None:
        return next((a for a in reversed(self.attempts) if a.question_id == question_id), None)

    def to_review(self) -> list[str]:
        """Questions whose last answer was wrong, and flagged ones, in the order first met."""
        ids: list[str] = []
        for attempt in self.attempts:
            if attempt.question_id not in ids:
                ids.append(attempt.question_id)
        wrong = [q for q in ids if not self.last_attempt(q).correct]
        return wrong + sorted(self.flagged - set(wrong))

    def due(self, today: dt.date) -> list[str]:
        return due_today(self.cards, today)

    def toggle_flag(self, question_id: str) -> None:
        self.flagged ^= {question_id}

    def scores_by(self, questions: Mapping[str, Question], key: str) -> list[TopicScore]:
        """Accuracy per domain or per tag (``key`` is "domain" or "tags"), over every attempt."""
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        lessons: dict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        for attempt in self.attempts:
            question = questions.get(attempt.question_id)
            if question is None:  # a question removed from the banks since
                continue
            values: Iterable[str] = question.tags if key == "tags" else [getattr(question, key)]
            for value in values:
                tally[value][0] += attempt.correct
                tally[value][1] += 1
                lessons[value][question.lesson] += 1
        return [
            TopicScore(topic, right, total, max(lessons[topic], key=lessons[topic].get))
            for topic, (right, total) in sorted(tally.items())
        ]

    def weakest_topics(
        self, questions: Mapping[str, Question], count: int = 5, minimum: int = 2
    ) -> list[TopicScore]:
        """Tags with at least ``minimum`` attempts, lowest accuracy first."""
        scores = [s for s in self.scores_by(questions, "tags") if s.attempts >= minimum]
        return sorted(scores, key=lambda s: (s.accuracy, -s.attempts))[:count]
