"""The course map: every part of the course and what the learner has done."""

import streamlit as st

from course.session import done_lessons
from lessons.catalog import load_lessons

# Deep links like /?lesson=<slug> land here first: hand them to the lessons page.
if "lesson" in st.query_params:
    st.switch_page("lessons/page.py", query_params={"lesson": st.query_params["lesson"]})

lessons = load_lessons()
done = done_lessons()

st.title("λ Lambda Lab")
st.markdown(
    "Learn AWS Lambda by reading, running and pricing real functions. "
    "Work through the lessons in order, or jump to the topic you need."
)

st.progress(len(done) / max(len(lessons), 1), text=f"Lessons done: {len(done)} of {len(lessons)}")

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
