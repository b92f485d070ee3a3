"""Grading: right answers score, wrong ones do not, malformed ones get a message."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.grading import InvalidResponse, grade, scaled_score, shuffled_options
from tests.quizzes.factory import make_question

MULTIPLE = make_question("multiple")
ORDERING = make_question("ordering")
NUMERIC = make_question("numeric")


def test_single_answer_right_and_wrong():
    question = make_question("single")
    assert grade(question, "a").correct and grade(question, "a").score == 1
    wrong = grade(question, "b")
    assert not wrong.correct and wrong.score == 0
    assert dict((o, right) for o, right, _ in wrong.feedback) == {"a": True, "b": False}


def test_true_false_accepts_booleans():
    question = make_question("truefalse")
    assert grade(question, True).correct
    assert not grade(question, False).correct


def test_choose_two_is_all_or_nothing_in_the_exam_but_shows_partial_credit_in_practice():
    half = ["a", "b"]  # one right, one wrong
    assert grade(MULTIPLE, half, exam=True).score == 0
    assert grade(MULTIPLE, ["a"], exam=False).score == 0.5
    assert grade(MULTIPLE, half, exam=False).score == 0  # a wrong pick cancels a right one
    assert grade(MULTIPLE, ["c", "a"], exam=True).score == 1


def test_ordering_counts_steps_in_place():
    assert grade(ORDERING, ["w", "x", "y", "z"]).correct
    swapped = grade(ORDERING, ["x", "w", "y", "z"])
    assert not swapped.correct and swapped.partial == 0.5


def test_numeric_within_tolerance_and_written_as_money():
    assert grade(NUMERIC, 0.205).correct
    assert grade(NUMERIC, "$0.20").correct
    assert not grade(NUMERIC, 0.25).correct


@pytest.mark.parametrize(
    ("question", "response", "message"),
    [
        (make_question("single"), "z", "unknown option"),
        (make_question("single"), None, "choose an option"),
        (MULTIPLE, "a", "choose one or more"),
        (MULTIPLE, [], "choose one or more"),
        (MULTIPLE, ["a", "a"], "once"),
        (ORDERING, ["w", "x"], "every step"),
        (NUMERIC, "twenty cents", "not a number"),
        (NUMERIC, float("nan"), "enter a number"),
    ],
)
def test_malformed_responses_are_rejected_with_a_message(question, response, message):
    with pytest.raises(InvalidResponse, match=message):
        grade(question, response)


@given(st.lists(st.sampled_from("abcde"), unique=True), st.booleans())
def test_no_response_scores_above_full_marks_or_below_zero(chosen, exam):
    try:
        result = grade(MULTIPLE, chosen, exam=exam)
    except InvalidResponse:
        return
    assert 0 <= result.score <= 1 and 0 <= result.partial <= 1
    assert result.correct == (set(chosen) == {"a", "c"})


@given(st.permutations(list("wxyz")))
def test_ordering_scores_stay_within_bounds(order):
    result = grade(ORDERING, order)
    assert 0 <= result.score <= 1
    assert result.correct == (order == list("wxyz"))


@given(st.integers(), st.lists(st.sampled_from("abcde"), unique=True, min_size=1))
def test_shuffled_options_grade_the_same(seed, chosen):
    shown = shuffled_options(MULTIPLE, seed)
    assert sorted(shown) == list("abcde")
    # The learner picks by what they see; responses carry ids, so the order never matters.
    picked_in_shown_order = [o for o in shown if o in chosen]
    assert grade(MULTIPLE, picked_in_shown_order) == grade(MULTIPLE, chosen)


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(),
        st.lists(st.text()),
        st.dictionaries(st.text(), st.text()),
    )
)
def test_any_garbage_is_graded_or_rejected_never_crashes(response):
    for question in (
        make_question("single"),
        MULTIPLE,
        ORDERING,
        NUMERIC,
        make_question("truefalse"),
    ):
        with contextlib.suppress(InvalidResponse):
            grade(question, response)


def test_shuffles_differ_between_attempts_but_repeat_for_the_same_attempt():
    orders = {tuple(shuffled_options(MULTIPLE, seed)) for seed in range(20)}
    assert len(orders) > 1
    assert shuffled_options(MULTIPLE, 7) == shuffled_options(MULTIPLE, 7)


@pytest.mark.parametrize(
    ("right", "total", "scaled"), [(0, 65, 100), (65, 65, 1000), (45, 65, 723)]
)
def test_scaled_score_runs_from_100_to_1000(right, total, scaled):
    assert scaled_score(right, total) == scaled
