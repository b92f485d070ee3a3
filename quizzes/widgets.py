"""Streamlit widgets that ask a question and show its feedback. Used by quizzes/page.py."""

from __future__ import annotations

from typing import Any

import streamlit as st

from quizzes.grading import Grade
from quizzes.questions import Question

TYPE_HINTS = {
    "single": "Choose one answer.",
    "truefalse": "True or false?",
    "multiple": "Choose every answer that applies.",
    "numeric": "Type a number.",
    "ordering": "Pick the steps in the right order: the first you pick comes first.",
}


def ask(question: Question, order: list[str], key: str, *, disabled: bool = False) -> Any:
    """Draw the question's input, options in ``order``; return the response, or None if empty.

    Only option texts reach the page: the answer and explanations stay on the server
    until the response is submitted.
    """
    st.markdown(question.stem)
    st.caption(TYPE_HINTS[question.type])
    label = lambda option_id: question.option(option_id).text  # noqa: E731
    if question.type in ("single", "truefalse"):
        return st.radio(
            "Your answer", order, index=None, format_func=label, key=key,
            disabled=disabled, label_visibility="collapsed",
        )  # fmt: skip
    if question.type == "multiple":
        chosen = [
            oid for oid in order if st.checkbox(label(oid), key=f"{key}-{oid}", disabled=disabled)
        ]
        return chosen or None
    if question.type == "ordering":
        picked = st.multiselect(
            "Steps in order", order, format_func=label, key=key, disabled=disabled,
            placeholder="Pick the first step…",
        )  # fmt: skip
        return picked or None
    unit = f" ({question.unit})" if question.unit else ""
    text = st.text_input(f"Your answer{unit}", key=key, disabled=disabled)
    return text.strip() or None


def lesson_link(question: Question) -> None:
    from lessons.catalog import lesson_by_slug, load_lessons

    lesson = lesson_by_slug(question.lesson_slug, load_lessons())
    if lesson is None:
        return
    section = next((s.title for s in lesson.sections if s.anchor == question.lesson_anchor), None)
    label = f"Read: {lesson.title}" + (f" › {section}" if section else "")
    st.page_link(
        "lessons/page.py",
        label=label,
        icon=":material/menu_book:",
        query_params={"lesson": lesson.slug},
    )


def show_feedback(
    question: Question, grade: Grade, response: Any, *, partial_credit: bool = True
) -> None:
    """Right or wrong, why for every option, the working, and the lesson that fixes it."""
    if grade.correct:
        st.success("Correct.", icon=":material/check_circle:")
    elif partial_credit and grade.partial > 0:
        st.warning(f"Partly right: {grade.partial:.0%} of the way there.", icon=":material/adjust:")
    else:
        st.error("Not quite.", icon=":material/cancel:")
    chosen = set(response if isinstance(response, list | tuple) else [response])
    if question.type == "ordering":
        st.markdown("**The right order:**")
        st.markdown(
            "\n".join(
                f"{i}. {question.option(oid).text}" for i, oid in enumerate(question.answer, 1)
            )
        )
    elif question.type == "numeric":
        unit = f" {question.unit}" if question.unit else ""
        st.markdown(
            f"**Answer:** {question.answer:g}{unit} (accepted within ±{question.tolerance:g})"
        )
    if question.type not in ("numeric", "ordering"):
        for option_id, right, why in grade.feedback:
            icon = ":material/check:" if right else ":material/close:"
            yours = " *(your choice)*" if option_id in chosen else ""
            st.markdown(f"{icon} **{question.option(option_id).text}**{yours}  \n{why}")
    if question.explanation:
        st.info(question.explanation, icon=":material/lightbulb:")
    lesson_link(question)
    lab_links(question)


def lab_links(question: Question) -> None:
    """Where the learner can practise the point hands-on, in their own sandbox."""
    from labs.model import labs_for_lesson, load_labs

    catalog = load_labs()
    labs = [catalog.lab(question.lab)] if question.lab and catalog.lab(question.lab) else []
    labs = labs or labs_for_lesson(catalog, question.lesson_slug)[:2]
    for lab in labs:
        st.page_link(
            "labs/page.py",
            label=f"Practise it: Lab {lab.order}, {lab.title}",
            icon=":material/science:",
            query_params={"lab": lab.slug},
        )
