"""What a learner has done, and who they are: the pages' door to the progress store.

The learner's identity (a signed token in the address, with a cookie as fallback) and
their progress live in ``progress/``; ``progress.web`` is the Streamlit side of it. The
pages import these names from here.
"""

from __future__ import annotations

from progress.web import (
    done_lessons,
    identity,
    lab_progress,
    learner_id,
    quiz_progress,
    record_lab_check,
    record_position,
    reset_lab_progress,
    set_lesson_done,
    with_identity,
)

__all__ = [
    "done_lessons",
    "identity",
    "lab_progress",
    "learner_id",
    "quiz_progress",
    "record_lab_check",
    "record_position",
    "reset_lab_progress",
    "set_lesson_done",
    "with_identity",
]
