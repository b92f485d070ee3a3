"""A learner's quiz history that writes itself to the store as the quiz page changes it.

``StoredQuizProgress`` is the quiz package's ``QuizProgress`` (the page keeps calling
``record``, ``record_exam`` and ``toggle_flag``) whose changes are committed before the
call returns. An exam is one transaction: its record, every answer and every card it
rescheduled land together or not at all. No Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from progress.store import ProgressStore
from quizzes.grading import Grade
from quizzes.progress import Attempt, ExamRecord, QuizProgress
from quizzes.questions import Question
from quizzes.schedule import CardState


class StoredQuizProgress(QuizProgress):
    def __init__(
        self,
        store: ProgressStore,
        learner_id: str,
        loaded: QuizProgress | None = None,
        on_write_error: Callable[[], None] | None = None,
    ) -> None:
        loaded = loaded or QuizProgress()
        super().__init__(
            list(loaded.attempts), dict(loaded.cards), list(loaded.exams), set(loaded.flagged)
        )
        self.store = store
        self.learner_id = learner_id
        self._on_write_error = on_write_error
        self._batch: list[tuple[Attempt, CardState]] | None = None

    def _write(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except BaseException:
            # What is in memory got ahead of the database: let the caller reload it.
            if self._on_write_error:
                self._on_write_error()
            raise

    def record(
        self, question: Question, response: Any, grade: Grade, mode: str, now: dt.datetime
    ) -> None:
        super().record(question, response, grade, mode, now)
        change = (self.attempts[-1], self.cards[question.id])
        if self._batch is not None:
            self._batch.append(change)
            return
        self._write(lambda: self.store.record_quiz(self.learner_id, [change[0]], [change[1]]))

    def record_exam(self, record: ExamRecord, questions: Mapping[str, Question]) -> None:
        self._batch = []
        try:
            super().record_exam(record, questions)
            batch = self._batch
        finally:
            self._batch = None
        cards = {card.question_id: card for _, card in batch}  # the last state of each
        self._write(
            lambda: self.store.record_quiz(
                self.learner_id,
                [attempt for attempt, _ in batch],
                list(cards.values()),
                exam=record,
                flagged=record.flagged,
            )
        )

    def toggle_flag(self, question_id: str) -> None:
        super().toggle_flag(question_id)
        flagged = question_id in self.flagged
        self._write(lambda: self.store.set_flag(self.learner_id, question_id, flagged))
