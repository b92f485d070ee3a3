"""The instructor's dashboard: the class live, behind the passcode set in configuration."""

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

import streamlit as st

from labs.model import load_labs
from lessons.catalog import load_lessons
from progress import charts, dashboard
from progress.identity import WORKSHOP_PARAM, IdentityError, new_workshop_code
from progress.passcode import HASH_ENV, PasscodeError, check_passcode, stored_hash
from progress.store import StoreError
from progress.web import get_store, reset_sandbox_now
from quizzes.questions import load_quizzes

UNLOCKED = "progress.instructor"
ALL = "(every learner)"

st.title("Instructor dashboard")

hashed = stored_hash()
if hashed is None:
    st.info(
        "No instructor passcode is set on this server. Set one with "
        "`python -m progress set-passcode` (it stores a hash in the data folder), or put a "
        f"hash in `{HASH_ENV}`, then reload this page.",
        icon=":material/lock:",
    )
    st.stop()
if not st.session_state.get(UNLOCKED):
    with st.form("unlock"):
        typed = st.text_input("Instructor passcode", type="password", key="passcode")
        unlock = st.form_submit_button("Open the dashboard", type="primary")
    if unlock:
        try:
            right = check_passcode(typed, hashed)
        except PasscodeError as problem:
            st.error(str(problem))
            st.stop()
        if right:
            st.session_state[UNLOCKED] = True
            st.rerun()
        time.sleep(1)  # slows down guessing
        st.error("That is not the passcode.", icon=":material/lock:")
    st.stop()

store = get_store()
lessons = load_lessons()
labs = load_labs().labs
questions = {q.id: q for q in load_quizzes().questions}

selector_row = st.container()  # filled below, once a new workshop is in the list
workshops_box = st.expander(":material/groups: Workshops: create one, hand out its join link")
with workshops_box, st.form("new-workshop", border=False):
    title = st.text_input("Workshop title", placeholder="e.g. Serverless day, Lyon")
    create = st.form_submit_button("Create workshop")
if create:
    try:
        if not title.strip():
            raise IdentityError("give the workshop a title")
        created = store.create_workshop(new_workshop_code(), " ".join(title.split())[:80])
    except (IdentityError, StoreError) as problem:
        workshops_box.error(str(problem))
    else:
        workshops_box.success(f"Workshop {created.title} created: code **{created.code}**.")
workshops = {w.code: w for w in store.workshops()}
base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
for item in workshops.values():
    workshops_box.markdown(f"**{item.title}** · code `{item.code}` · join link:")
    workshops_box.code(f"{base}/?{WORKSHOP_PARAM}={item.code}", language=None)

top_left, top_right = selector_row.columns([2, 1])
choice = top_left.selectbox(
    "Class",
    [ALL, *workshops],
    format_func=lambda c: c if c == ALL else f"{workshops[c].title} · code {c}",
    key="dashboard-workshop",
)
workshop = None if choice == ALL else choice
live = top_right.toggle("Live (refresh every 3 s)", value=True, key="dashboard-live")


def export_csv(label: str, rows: Sequence[Any], name: str, key: str) -> None:
    """A button that downloads dataclass rows as lambda-lab-<name>-<today>.csv (no rerun)."""
    st.download_button(
        label,
        dashboard.rows_csv(rows),
        file_name=f"lambda-lab-{name}-{dt.date.today()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=key,
        on_click="ignore",
    )


@st.fragment(run_every=3 if live else None)
def class_view() -> None:
    snapshots = store.class_snapshots(workshop)
    rows = dashboard.learner_rows(snapshots, lessons, labs)
    now = dt.datetime.now(dt.UTC)
    if not rows:
        st.info("No learner yet: they appear here as soon as they open a lesson or a lab.")
        return
    a, b, c, d = st.columns(4)
    a.metric("Learners", len(rows))
    b.metric(
        f"Active in the last {dashboard.ACTIVE_MINUTES} min", dashboard.active_count(rows, now)
    )
    c.metric("Lab steps passed", sum(r.steps_passed for r in rows))
    d.metric("Stuck", sum(1 for r in rows if r.stuck))

    st.subheader("Learners and where each one is")
    st.dataframe(
        [
            {
                "Learner": r.name,
                "Workshop": r.workshop,
                "Lesson": r.lesson,
                "Lab step": r.lab_step,
                "Lessons": f"{r.lessons_done}/{r.lessons_total}",
                "Steps": f"{r.steps_passed}/{r.steps_total}",
                "Answers": r.quiz_answers,
                "Right": None if r.quiz_accuracy is None else round(100 * r.quiz_accuracy),
                "Best exam": r.best_exam,
                "Last seen": dashboard.ago(r.last_seen, now),
                "Needs help": r.stuck,
            }
            for r in rows
        ],
        hide_index=True,
        key="learners-table",
        column_config={
            "Lesson": st.column_config.TextColumn(width="medium"),
            "Lab step": st.column_config.TextColumn(width="large"),
            "Right": st.column_config.NumberColumn(format="%d%%"),
            "Needs help": st.column_config.TextColumn(width="large"),
        },
    )
    export_csv("Export learners (CSV)", rows, "learners", key="export-learners")

    st.plotly_chart(
        charts.step_heatmap(dashboard.step_heatmap(snapshots, labs)), key="step-heatmap"
    )

    stats = dashboard.question_stats(snapshots, questions)
    st.subheader("Quiz items by difficulty")
    if not stats:
        st.caption("No answers yet.")
    else:
        st.plotly_chart(charts.accuracy_by_difficulty(stats), key="difficulty-chart")
        for level in sorted({s.difficulty for s in stats}):
            items = [s for s in stats if s.difficulty == level]
            st.markdown(f"**Difficulty {level}** · {len(items)} question(s) answered")
            st.dataframe(
                [
                    {
                        "Question": s.question_id,
                        "Topic": s.topic,
                        "Answers": s.answers,
                        "Right": round(100 * s.accuracy),
                        "Most common wrong answers": "; ".join(
                            f"{text} (×{n})" for text, n in s.wrong_answers
                        ),
                    }
                    for s in items
                ],
                hide_index=True,
                key=f"items-{level}",
                column_config={"Right": st.column_config.NumberColumn(format="%d%%")},
            )
        export_csv("Export quiz items (CSV)", stats, "quiz-items", key="export-items")

    weakest = dashboard.weakest_topics(snapshots, questions)
    st.subheader("The class's weakest topics")
    if not weakest:
        st.caption("Not enough answers yet (a topic needs three).")
    for score in weakest:
        slug = score.lesson.partition("#")[0]
        st.page_link(
            "lessons/page.py",
            label=f"{score.topic}: {score.accuracy:.0%} right of {score.attempts} — lesson {slug}",
            query_params={"lesson": slug},
        )


class_view()

st.divider()
st.subheader("Reset one learner's sandbox")
learners = store.learners(workshop)
if learners:
    chosen = st.selectbox(
        "Learner",
        [learner.id for learner in learners],
        format_func=lambda lid: next(f"{x.display_name} ({x.id})" for x in learners if x.id == lid),
        key="reset-learner",
    )
    also_labs = st.checkbox("Also clear their lab progress", key="reset-labs")
    if st.button("Reset their sandbox", key="reset-sandbox", icon=":material/restart_alt:"):
        reset_sandbox_now(chosen)
        if also_labs:
            for lab in labs:
                store.reset_lab(chosen, lab.slug)
        st.success(
            "Their sandbox account is empty again (functions, roles, buckets, logs)"
            + (" and their lab progress cleared." if also_labs else "."),
            icon=":material/restart_alt:",
        )
else:
    st.caption("No learner yet.")
