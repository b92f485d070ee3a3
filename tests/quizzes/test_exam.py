"""Exam simulation: the domain mix, the clock, and the results."""

import datetime as dt

import pytest

from quizzes.exam import Exam, domain_counts, draw_exam, score_exam
from quizzes.grading import InvalidResponse
from quizzes.questions import DOMAINS
from tests.quizzes.factory import make_question

START = dt.datetime(2026, 11, 23, 9, 0)


def pool(per_domain: int = 30):
    return [
        make_question("single", id=f"{domain}-{i}", domain=domain)
        for domain in DOMAINS
        for i in range(per_domain)
    ]


def test_a_full_exam_follows_the_saa_domain_weights():
    assert domain_counts(65) == {"secure": 19, "resilient": 17, "performant": 16, "cost": 13}
    exam = draw_exam(pool(), 65, seed=1)
    assert len({q.id for q in exam}) == 65
    assert sum(q.domain == "secure" for q in exam) == 19


def test_a_domain_short_of_questions_is_topped_up_so_the_exam_keeps_its_length():
    questions = [q for q in pool() if q.domain != "cost"]
    assert len(draw_exam(questions, 65, seed=2)) == 65


def test_results_score_each_domain_and_pass_at_720():
    questions = {q.id: q for q in pool(5)}
    ids = list(questions)
    exam = Exam(ids, minutes=10, started=START, seed="s")
    for qid in ids[:16]:
        exam.answer(qid, "a", START)
    for qid in ids[16:]:
        exam.answer(qid, "b", START)
    result = score_exam(exam, questions)
    assert (result.correct, result.total) == (16, 20)
    assert result.scaled == 820 and result.passed
    assert [d.correct for d in result.domains] == [5, 5, 5, 1]


def test_unanswered_questions_count_as_wrong_and_the_clock_closes_the_exam():
    questions = {q.id: q for q in pool(1)}
    exam = Exam(list(questions), minutes=1, started=START, seed="s")
    exam.answer("secure-0", "a", START)
    late = START + dt.timedelta(minutes=2)
    assert exam.is_over(late) and exam.seconds_left(late) == 0
    with pytest.raises(InvalidResponse, match="over"):
        exam.answer("cost-0", "a", late)
    result = score_exam(exam, questions)
    assert result.correct == 1 and result.grades["cost-0"] is None and not result.passed
