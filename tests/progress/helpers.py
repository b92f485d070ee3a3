"""Quiz records for the store tests, built from the quiz package's own code."""

from __future__ import annotations

import datetime as dt

from quizzes.exam import Exam, score_exam
from quizzes.grading import grade
from quizzes.progress import Attempt, ExamRecord, QuizProgress
from quizzes.questions import Question
from tests.quizzes.factory import make_question

AT = dt.datetime(2026, 11, 23, 9, 30)
QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in [
        make_question("single", id="single-1", tags=("cold-start",), difficulty=1),
        make_question("multiple", id="multiple-1", tags=("pricing",), difficulty=2),
        make_question("ordering", id="ordering-1", tags=("triggers",), difficulty=3),
        make_question("numeric", id="numeric-1", tags=("pricing",), difficulty=2),
        make_question("truefalse", id="truefalse-1", tags=("cold-start",), difficulty=1),
    ]
}
RIGHT = {"single-1": "a", "multiple-1": ["a", "c"], "ordering-1": ["w", "x", "y", "z"],
         "numeric-1": "0.2", "truefalse-1": "true"}  # fmt: skip
WRONG = {"single-1": "b", "multiple-1": ["a", "b"], "ordering-1": ["x", "w", "y", "z"],
         "numeric-1": "7", "truefalse-1": "false"}  # fmt: skip


def answer(progress: QuizProgress, qid: str, right: bool, at: dt.datetime = AT) -> Attempt:
    """Grade and record one answer the way the quiz page does."""
    response = (RIGHT if right else WRONG)[qid]
    progress.record(QUESTIONS[qid], response, grade(QUESTIONS[qid], response), "practice", at)
    return progress.attempts[-1]


def exam_record(exam_id: str = "exam-1-abcdef", finished: dt.datetime = AT) -> ExamRecord:
    """A finished exam over every test question: three right, one wrong, one unanswered."""
    ids = list(QUESTIONS)
    exam = Exam(ids, minutes=20, started=finished - dt.timedelta(minutes=5), seed="0.123456")
    for qid in ids[:3]:
        exam.answer(qid, RIGHT[qid], finished)
    exam.answer(ids[3], WRONG[ids[3]], finished)
    exam.toggle_flag(ids[1])
    exam.finish(finished)
    return ExamRecord(
        id=exam_id,
        preset=f"{len(ids)} questions",
        finished=exam.finished,
        question_ids=tuple(ids),
        answers=dict(exam.answers),
        flagged=frozenset(exam.flagged),
        result=score_exam(exam, QUESTIONS),
    )
