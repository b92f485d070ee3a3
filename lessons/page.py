"""The lessons page: table of contents, search, one lesson, previous/next, mark as done."""

import streamlit as st

from course.session import done_lessons, record_position, set_lesson_done, with_identity
from labs.model import labs_for_lesson, load_labs
from lessons.catalog import lesson_by_slug, load_catalog, neighbours, search
from quizzes.questions import load_quizzes

catalog = load_catalog()
lessons = catalog.lessons
done = done_lessons()

if catalog.problems:
    with st.expander(
        f":material/warning: {len(catalog.problems)} problem(s) in the lesson files", expanded=False
    ):
        st.caption("The lessons below still work; fix these and restart the app.")
        st.code("\n".join(str(problem) for problem in catalog.problems), language=None)
if not lessons:
    st.error("No lesson could be loaded. Run `python -m lessons lint` to see why.")
    st.stop()


def contents_label(item) -> str:
    mark = ":material/check_circle: " if item.slug in done else ""
    return f"{mark}{item.order:02d} · {item.title}"


def open_lesson(slug: str) -> None:
    st.query_params["lesson"] = slug  # keeps the address shareable as a deep link


requested = st.query_params.get("lesson", lessons[0].slug)
lesson = lesson_by_slug(requested, lessons)
if lesson is None:
    st.error(f"There is no lesson called “{requested}”. Pick one from the contents.")
    lesson = lessons[0]
record_position(lesson=lesson.slug)  # for the instructor's view of the class

with st.sidebar:
    query = st.text_input("Search lessons", placeholder="e.g. cold start, NAT, GB-second")
    if query.strip():
        hits = search(query, lessons)
        st.caption(f"{len(hits)} lesson(s) match “{query}”")
        for hit in hits:
            st.button(
                hit.lesson.title,
                key=f"hit-{hit.lesson.slug}",
                help=hit.snippet,
                on_click=open_lesson,
                args=(hit.lesson.slug,),
            )
    # The contents follow the lesson in the address, whichever way it was opened.
    st.session_state["contents"] = lesson.slug
    st.radio(
        "Contents",
        [item.slug for item in lessons],
        key="contents",
        format_func=lambda slug: contents_label(lesson_by_slug(slug, lessons)),
        on_change=lambda: open_lesson(st.session_state["contents"]),
    )

position = lessons.index(lesson) + 1
st.caption(f"Lesson {position} of {len(lessons)}")
st.title(lesson.title)
st.markdown(f"*{lesson.summary}*")
with st.container(border=True):
    st.markdown("**By the end of this lesson you can:**")
    st.markdown("\n".join(f"- {objective}" for objective in lesson.objectives))

for block in lesson.blocks:
    if block.kind == "dot":
        st.graphviz_chart(block.text)
    else:
        st.markdown(with_identity(block.text))  # links to other lessons keep the learner

labs = load_labs()
practised_in = [labs.lab(slug) for slug in lesson.labs if labs.lab(slug)]
practised_in += [lab for lab in labs_for_lesson(labs, lesson.slug) if lab not in practised_in]
if practised_in:
    with st.container(border=True):
        st.markdown("**:material/science: Try it** in your own sandbox")
        for lab in practised_in:
            st.page_link(
                "labs/page.py",
                label=f"Lab {lab.order}: {lab.title}",
                query_params={"lab": lab.slug},
            )

related = [q for q in load_quizzes().questions if q.lesson_slug == lesson.slug]
related += [
    q for q in load_quizzes().questions if q not in related and set(q.tags) & set(lesson.quiz_tags)
]
if related:
    with st.container(border=True):
        st.markdown(f"**:material/quiz: Check yourself** · {len(related)} questions on this topic")
        for question in related[:6]:
            st.page_link(
                "quizzes/page.py",
                label=question.stem.strip().splitlines()[0][:110],
                query_params={"question": question.id},
            )

st.divider()
st.toggle(
    "Mark this lesson as done",
    value=lesson.slug in done,
    key=f"done-{lesson.slug}",
    on_change=lambda: set_lesson_done(lesson.slug, st.session_state[f"done-{lesson.slug}"]),
)
previous, following = neighbours(lesson, lessons)
left, right = st.columns(2)
if previous:
    left.button(f"← {previous.title}", key="previous", on_click=open_lesson, args=(previous.slug,))
if following:
    right.button(f"{following.title} →", key="next", on_click=open_lesson, args=(following.slug,))
