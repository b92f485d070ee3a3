"""What a learner has done, kept in the Streamlit session until the progress store lands."""

from __future__ import annotations

import uuid

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


def learner_id() -> str:
    """Who this browser session is in the sandbox: one account per learner.

    Until the progress store lands, the id lives as long as the session does.
    """
    return st.session_state.setdefault("learner_id", f"learner-{uuid.uuid4().hex[:12]}")
