"""Timed exam simulation: draw an exam in the SAA-C03 domain proportions and score it.

Pure logic: the page keeps an ``Exam`` in the session and asks it what to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizzes.grading import PASS_MARK, Grade, InvalidResponse, grade, scaled_score
from quizzes.questions import DOMAINS, Question


@dataclass(frozen=True)
class ExamPreset:
    name: str
    questions: int
    minutes: int


PRESETS: dict[str, ExamPreset] = {
    "full": ExamPreset("Full exam: 65 questions in 130 minutes", 65, 130),
    "half": ExamPreset("Half exam: 30 questions in 60 minutes", 30, 60),
    "sprint": ExamPreset("Sprint: 10 questions in 20 minutes", 10, 20),
}


def domain_counts(total: int) -> dict[str, int]:
    """How many questions each domain gets: its share, rounded so they add up to ``total``."""
    raw = {d: share * total for d, (_, share) in DOMAINS.items()}
    counts = {d: int(v) for d, v in raw.items()}
    for d in sorted(raw, key=lambda d: raw[d] - counts[d], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[d] += 1
    return counts


def draw_exam(pool: Sequence[Question], total: int, seed: int | str) -> list[Question]:
    """Questions for one exam, in the domain proportions as far as the pool allows."""
    rng = random.Random(str(seed))
    by_domain: dict[str, list[Question]] = {d: [] for d in DOMAINS}
    for q in pool:
        by_domain[q.domain].append(q)
    for questions in by_domain.values():
        rng.shuffle(questions)
    chosen: list[Question] = []
    for domain, count in domain_counts(total).items():
        chosen += by_domain[domain][:count]
    # A domain short of questions is topped up from the others, so the exam keeps its length.
    rest = [q for qs in by_domain.values() for q in qs if q not in chosen]
    rng.shuffle(rest)
    chosen += rest[: max(0, total - len(chosen))]
    rng.shuffle(chosen)
    return chosen


@dataclass
class Exam:
    question_ids: list[str]
    minutes: int
    started: dt.datetime
    seed: str
    answers: dict[str, Any] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)
    finished: dt.datetime | None = None

    @property
    def deadline(self) -> dt.datetime:
        return self.started + dt.timedelta(minutes=self.minutes)

    def seconds_left(self, now: dt.datetime) -> int:
        return max(0, int((self.deadline - now).total_seconds()))

    def is_over(self, now: dt.datetime) -> bool:
        return self.finished is not None or now >= self.deadline

    def answer(self, qid: str, response: Any, now: dt.datetime) -> None:
        if self.is_over(now):
            raise InvalidResponse("the exam is over: answers can no longer change")
        if qid not in self.question_ids:
            raise InvalidResponse(f"question {qid} is not in this exam")
        self.answers[qid] = response

    def toggle_flag(self, qid: str) -> None:
        self.flagged ^= {qid}

    def finish(self, now: dt.datetime) -> None:
        if self.finished is None:
            self.finished = min(now, self.deadline)


@dataclass(frozen=True)
class DomainResult:
    domain: str
    title: str
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return 100 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ExamResult:
    correct: int
    total: int
    scaled: int
    passed: bool
    domains: tuple[DomainResult, ...]
    grades: dict[str, Grade | None]  # None: not answered (or not gradable), counted wrong


def score_exam(exam: Exam, questions: Mapping[str, Question]) -> ExamResult:
    grades: dict[str, Grade | None] = {}
    for qid in exam.question_ids:
        response = exam.answers.get(qid)
        try:
            grades[qid] = None if response is None else grade(questions[qid], response, exam=True)
        except InvalidResponse:
            grades[qid] = None
    correct = sum(1 for g in grades.values() if g and g.correct)
    domains = []
    for domain, (title, _) in DOMAINS.items():
        ids = [qid for qid in exam.question_ids if questions[qid].domain == domain]
        right = sum(1 for qid in ids if grades[qid] and grades[qid].correct)
        domains.append(DomainResult(domain, title, right, len(ids)))
    scaled = scaled_score(correct, len(exam.question_ids))
    return ExamResult(
        correct, len(exam.question_ids), scaled, scaled >= PASS_MARK, tuple(domains), grades
    )
