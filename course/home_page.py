"""The course map: every part of the course and what the learner has done."""

import datetime as dt

import streamlit as st

from course.session import done_lessons, lab_progress, quiz_progress
from labs.model import load_labs
from lessons.catalog import load_lessons
from quizzes.progress import QuizProgress
from quizzes.questions import load_quizzes

# Deep links like /?lesson=<slug> land here first: hand them to the lessons page.
if "lesson" in st.query_params:
    st.switch_page("lessons/page.py", query_params={"lesson": st.query_params["lesson"]})

lessons = load_lessons()
done = done_lessons()
quizzes = load_quizzes()
labs = load_labs()
progress: QuizProgress = quiz_progress()
steps_passed = lab_progress()  # lab slug -> {step id: passed}

st.title("λ Lambda Lab")
st.markdown(
    "Learn AWS Lambda by reading, running and pricing real functions. "
    "Work through the lessons in order, or jump to the topic you need."
)

lesson_col, lab_col, quiz_col, tools_col = st.columns(4)
with lesson_col, st.container(border=True):
    st.markdown("**:material/menu_book: Lessons**")
    st.progress(
        len(done) / max(len(lessons), 1), text=f"Lessons done: {len(done)} of {len(lessons)}"
    )
with lab_col, st.container(border=True):
    st.markdown("**:material/science: Labs**")
    steps = sum(len(lab.steps) for lab in labs.labs)
    passed = sum(sum(steps_passed.get(lab.slug, {}).values()) for lab in labs.labs)
    st.progress(passed / max(steps, 1), text=f"Lab steps done: {passed} of {steps}")
    st.page_link("labs/page.py", label="Open the labs", icon=":material/science:")
with quiz_col, st.container(border=True):
    st.markdown("**:material/quiz: Quizzes**")
    due = len(progress.due(dt.date.today()))
    answered = len({a.question_id for a in progress.attempts})
    st.markdown(f"{len(quizzes.questions)} questions · {answered} answered · **{due} due today**")
    st.page_link("quizzes/page.py", label="Practise now", icon=":material/school:")
with tools_col, st.container(border=True):
    st.markdown("**:material/calculate: Pricing calculator**")
    st.caption("What will a function cost? Work the bill step by step, with charts.")
    st.page_link("pricing/page.py", label="Open the calculator", icon=":material/calculate:")

st.header("Labs")
lab_columns = st.columns(2)
for index, lab in enumerate(labs.labs):
    with lab_columns[index % 2], st.container(border=True):
        steps_done = sum(steps_passed.get(lab.slug, {}).values())
        mark = ":material/check_circle: " if steps_done == len(lab.steps) else ""
        st.page_link(
            "labs/page.py",
            label=f"{mark}Lab {lab.order} · {lab.title} ({steps_done}/{len(lab.steps)} steps)",
            query_params={"lab": lab.slug},
        )
        st.caption(f"{lab.summary} About {lab.minutes} minutes.")

st.header("Lessons")
columns = st.columns(2)
for index, lesson in enumerate(lessons):
    with columns[index % 2], st.container(border=True):
        mark = ":material/check_circle: " if lesson.slug in done else ""
        st.page_link(
            "lessons/page.py",
            label=f"{mark}{lesson.order:02d} · {lesson.title}",
            query_params={"lesson": lesson.slug},
        )
        st.caption(lesson.summary)
