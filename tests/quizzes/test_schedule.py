"""SM-2 spaced repetition: misses come back tomorrow, successes drift further out."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from quizzes.schedule import MIN_EASE, CardState, due_today, next_questions, quality_for, review

DAY = dt.date(2026, 11, 23)


def test_right_answers_space_out_1_then_6_days_then_by_ease():
    state = CardState("q1")
    state = review(state, 5, DAY)
    assert state.due == DAY + dt.timedelta(days=1)
    state = review(state, 5, state.due)
    assert state.interval_days == 6
    third = review(state, 5, state.due)
    assert third.interval_days == round(6 * third.ease) > 6


def test_a_miss_brings_the_question_back_tomorrow_and_lowers_its_ease():
    state = review(review(CardState("q1"), 5, DAY), 5, DAY)
    missed = review(state, quality_for(False, 0.0), DAY)
    assert missed.due == DAY + dt.timedelta(days=1)
    assert missed.ease < state.ease and missed.lapses == 1 and missed.repetitions == 0


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=30))
def test_ease_never_falls_below_the_floor_and_due_is_always_in_the_future(qualities):
    state = CardState("q")
    for quality in qualities:
        state = review(state, quality, DAY)
        assert state.ease >= MIN_EASE
        assert state.due > DAY


def test_due_today_lists_overdue_first_and_next_questions_adds_unseen():
    states = {
        "late": CardState("late", due=DAY - dt.timedelta(days=3)),
        "today": CardState("today", due=DAY),
        "later": CardState("later", due=DAY + dt.timedelta(days=2)),
    }
    assert due_today(states, DAY) == ["late", "today"]
    assert next_questions(states, ["late", "today", "later", "new"], DAY, 3) == [
        "late",
        "today",
        "new",
    ]
