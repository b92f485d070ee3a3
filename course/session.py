"""What a learner has done, kept in the Streamlit session until the progress store lands."""

from __future__ import annotations

import streamlit as st

DONE_LESSONS = "done_lessons"


def done_lessons() -> set[str]:
    return st.session_state.setdefault(DONE_LESSONS, set())


def set_lesson_done(slug: str, done: bool) -> None:
    lessons = done_lessons()
    if done:
        lessons.add(slug)
    else:
        lessons.discard(slug)
