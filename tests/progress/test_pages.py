"""The pages with the progress store, headless (AppTest): identity, restarts, the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labs.model import load_labs
from lessons.catalog import load_lessons
from progress import web
from progress.identity import new_learner_id, sign, verify
from progress.passcode import HASH_ENV, hash_passcode
from progress.quiz import StoredQuizProgress
from progress.store import ProgressStore, open_store
from quizzes.exam import Exam, score_exam
from quizzes.grading import grade
from quizzes.progress import ExamRecord
from quizzes.questions import load_quizzes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LESSONS = load_lessons()
LABS = load_labs().labs
QUESTIONS = {q.id: q for q in load_quizzes().questions}
SINGLE = next(q for q in QUESTIONS.values() if q.type == "single")
PASSCODE = "workshop passcode"


@pytest.fixture
def store(tmp_path) -> Iterator[ProgressStore]:
    """A store of the test's own, as the app process's store."""
    url = f"sqlite:///{tmp_path / 'progress.sqlite3'}"
    fresh = open_store(url)
    previous = web.use_store(fresh)
    try:
        yield fresh
    finally:
        current = web.use_store(previous)
        if current is not None:
            current.close()


def restart(store: ProgressStore) -> ProgressStore:
    """What an app restart leaves: the database file, and nothing of the old process's."""
    url = f"sqlite:///{store.path}"
    web.use_store(None)
    store.close()
    reopened = open_store(url)
    web.use_store(reopened)
    return reopened


def open_app(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page:
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def token_of(at: AppTest) -> str:
    return at.query_params["learner"]


def sidebar_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown) + "\n".join(
        w.value for w in at.sidebar.warning
    )


def test_a_new_visitor_gets_a_signed_token_in_the_address_and_a_guest_name(store):
    at = open_app()
    learner = verify(token_of(at), store.secret())
    assert learner is not None
    assert f"Guest {learner[-4:]}" in sidebar_text(at)
    assert store.learner(learner) is None  # a visit alone stores nothing


def test_the_token_stays_in_the_address_as_the_learner_moves_between_pages(store):
    at = open_app()
    token = token_of(at)
    at.query_params.clear()  # the browser drops the query when the navigation changes page
    at.switch_page("lessons/page.py").run()
    assert token_of(at) == token
    at.switch_page("quizzes/page.py").run()
    assert token_of(at) == token


def test_links_in_a_lesson_to_other_lessons_carry_the_token(store):
    lesson = next(x for x in LESSONS if "](?lesson=" in "".join(b.text for b in x.blocks))
    at = open_app("lessons/page.py", lesson=lesson.slug)
    text = "\n".join(m.value for m in at.markdown)
    assert f"&learner={token_of(at)}" in text


def test_progress_comes_back_after_a_restart_with_the_same_link(store):
    lab = LABS[0]
    at = open_app("lessons/page.py", lesson=LESSONS[2].slug)
    token = token_of(at)
    learner = verify(token, store.secret())
    at.toggle(key=f"done-{LESSONS[2].slug}").set_value(True).run()
    store.record_check(learner, lab.slug, lab.steps[0].id, True)  # as the lab page does
    quiz = open_app("quizzes/page.py", learner=token, question=SINGLE.id)
    radio = next(r for r in quiz.radio if r.key and r.key.startswith(f"answer-{SINGLE.id}-"))
    radio.set_value(SINGLE.answer)
    next(b for b in quiz.button if b.label == "Check my answer").click().run()
    assert quiz.success[0].value == "Correct."

    store = restart(store)
    again = open_app(learner=token)  # a new session: a reload, or the next day
    assert token_of(again) == token
    assert f"1 of {len(LESSONS)}" in again.get("progress")[0].proto.text
    assert "Lab steps done: 1 of" in again.get("progress")[1].proto.text
    assert "1 answered" in "\n".join(m.value for m in again.markdown)
    labs_page = open_app("labs/page.py", learner=token, lab=lab.slug)
    assert f"Steps done: 1 of {len(lab.steps)}" in labs_page.get("progress")[0].proto.text
    assert store.learner(learner).lab == lab.slug  # the lab page noted where they are


def finished_exam(store: ProgressStore, learner: str) -> ExamRecord:
    ids = [q.id for q in QUESTIONS.values() if q.kind == "exam" and q.type == "single"][:5]
    started = dt.datetime.now() - dt.timedelta(minutes=3)
    exam = Exam(ids, minutes=20, started=started, seed="0.424242")
    for qid in ids[:4]:
        exam.answer(qid, QUESTIONS[qid].answer, started)
    exam.finish(started + dt.timedelta(minutes=2))
    record = ExamRecord("exam-1-424242", "5 questions", exam.finished, tuple(ids),
                        dict(exam.answers), frozenset(), score_exam(exam, QUESTIONS))  # fmt: skip
    StoredQuizProgress(store, learner).record_exam(record, QUESTIONS)
    return record


def test_an_exam_result_link_opens_after_a_restart(store):
    learner = new_learner_id()
    record = finished_exam(store, learner)
    token = sign(learner, store.secret())
    store = restart(store)
    at = open_app("quizzes/page.py", learner=token, exam=record.id)
    assert at.subheader[0].value.startswith("Exam result")
    assert f"{record.result.correct} / 5" in [m.value for m in at.metric]
    other = open_app("quizzes/page.py", exam=record.id)  # another learner: not theirs
    assert "not among your results" in other.warning[0].value


def test_a_forged_token_is_refused_with_a_warning_and_a_new_guest(store):
    at = open_app(learner="learner-0123456789ab.forgedsignature0000")
    assert "not valid on this server" in sidebar_text(at)
    assert verify(token_of(at), store.secret()) not in (None, "learner-0123456789ab")


def test_the_cookie_brings_back_a_learner_who_opens_a_bare_address(store, monkeypatch):
    import streamlit

    learner = new_learner_id()
    store.save_learner(learner, name="Cookie Monster")
    token = sign(learner, store.secret())

    class Context:
        cookies = {"lambda_lab_learner": token}
        url = ""

    monkeypatch.setattr(streamlit, "context", Context())
    at = open_app()
    assert token_of(at) == token
    assert "Cookie Monster" in sidebar_text(at)


def test_a_learner_names_themself_and_joins_a_workshop_on_their_page(store):
    store.create_workshop("K7QX2M", "Serverless day")
    at = open_app("progress/account_page.py")
    learner = verify(token_of(at), store.secret())
    at.text_input(key="identity-name-page").input("  Ana  ")
    at.text_input(key="identity-code-page").input("k7q-x2m")
    at.button[0].click().run()
    assert not at.exception
    saved = store.learner(learner)
    assert (saved.name, saved.workshop) == ("Ana", "K7QX2M")
    assert "Learning as **Ana** · workshop `K7QX2M`" in sidebar_text(at)
    assert token_of(at) in at.code[0].value  # the personal link


def test_an_unknown_workshop_code_is_refused_on_the_page(store):
    at = open_app("progress/account_page.py")
    at.text_input(key="identity-name-page").input("Ben")
    at.text_input(key="identity-code-page").input("ZZZZZZ")
    at.button[0].click().run()
    assert "no workshop with the code ZZZZZZ" in at.error[0].value


def test_starting_over_makes_a_new_guest(store):
    at = open_app("progress/account_page.py")
    before = token_of(at)
    at.button(key="sign-out").click().run()
    assert token_of(at) != before


# The instructor's dashboard ------------------------------------------------------------


@pytest.fixture
def passcode(monkeypatch) -> str:
    monkeypatch.setenv(HASH_ENV, hash_passcode(PASSCODE))
    return PASSCODE


def seed_class(store: ProgressStore) -> dict[str, str]:
    """Two learners in a workshop: Ana ahead, Ben stuck on the first step, both quizzed."""
    store.create_workshop("K7QX2M", "Serverless day")
    ana, ben = new_learner_id(), new_learner_id()
    store.save_learner(ana, name="Ana", workshop="K7QX2M")
    store.save_learner(ben, name="Ben", workshop="K7QX2M")
    lab = LABS[0]
    store.record_position(ana, lesson=LESSONS[3].slug, lab=lab.slug, step=lab.steps[1].id)
    store.record_check(ana, lab.slug, lab.steps[0].id, True)
    for _ in range(3):
        store.record_check(ben, lab.slug, lab.steps[0].id, False)
    wrong = next(o.id for o in SINGLE.options if o.id != SINGLE.answer)
    for learner in (ana, ben):
        progress = StoredQuizProgress(store, learner)
        progress.record(SINGLE, wrong, grade(SINGLE, wrong), "practice", dt.datetime.now())
    return {"ana": ana, "ben": ben}


def unlock(at: AppTest, typed: str = PASSCODE) -> AppTest:
    at.text_input(key="passcode").input(typed)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_dashboard_says_how_to_set_a_passcode_when_none_is_set(store, monkeypatch):
    monkeypatch.delenv(HASH_ENV, raising=False)
    at = open_app("progress/dashboard_page.py")
    assert "python -m progress set-passcode" in at.info[0].value
    assert not at.dataframe


def test_the_dashboard_stays_locked_to_a_wrong_passcode(store, passcode):
    seed_class(store)
    at = unlock(open_app("progress/dashboard_page.py"), "not the passcode")
    assert "not the passcode" in at.error[0].value
    assert not at.dataframe


def test_the_dashboard_shows_the_class_where_each_is_and_what_they_get_wrong(store, passcode):
    seed_class(store)
    at = unlock(open_app("progress/dashboard_page.py"))
    learners = at.dataframe[0].value
    assert list(learners["Learner"]) == ["Ana", "Ben"]
    lab = LABS[0]
    assert learners["Lab step"][0] == f"{lab.title} · step 2: {lab.steps[1].title}"
    assert learners["Lesson"][0] == LESSONS[3].title
    assert "3 failed checks" in learners["Needs help"][1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Learners"] == "2" and metrics["Stuck"] == "1"
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the step heatmap, right answers by difficulty
    items = at.dataframe[1].value
    assert list(items["Question"]) == [SINGLE.id]
    assert "×2" in items["Most common wrong answers"][0]
    labels = [b.label for b in at.get("download_button")]
    assert "Export learners (CSV)" in labels and "Export quiz items (CSV)" in labels


def test_the_dashboard_filters_by_workshop(store, passcode):
    seed_class(store)
    store.save_learner(new_learner_id(), name="Outsider")
    at = unlock(open_app("progress/dashboard_page.py"))
    assert len(at.dataframe[0].value) == 3
    at.selectbox(key="dashboard-workshop").set_value("K7QX2M").run()
    assert list(at.dataframe[0].value["Learner"]) == ["Ana", "Ben"]


def test_the_instructor_resets_one_learners_sandbox(store, passcode):
    from sandbox import get_sandbox

    learners = seed_class(store)
    sandbox = get_sandbox()
    iam = sandbox.learner_session(learners["ben"]).client("iam")
    iam.create_role(RoleName="left-over", AssumeRolePolicyDocument="{}")
    ana_iam = sandbox.learner_session(learners["ana"]).client("iam")
    ana_iam.create_role(RoleName="keep-me", AssumeRolePolicyDocument="{}")

    at = unlock(open_app("progress/dashboard_page.py"))
    at.selectbox(key="reset-learner").set_value(learners["ben"])
    at.checkbox(key="reset-labs").check()
    at.button(key="reset-sandbox").click().run()
    assert "empty again" in at.success[0].value
    assert "left-over" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert "keep-me" in [r["RoleName"] for r in ana_iam.list_roles()["Roles"]]
    assert store.snapshot(learners["ben"]).lab_steps == {}
    assert store.learner(learners["ben"]).sandbox_reset_at is not None


def test_an_instructor_creates_a_workshop_with_a_join_link(store, passcode):
    at = unlock(open_app("progress/dashboard_page.py"))
    title_box = next(t for t in at.text_input if t.label == "Workshop title")
    title_box.input("Serverless day")
    next(b for b in at.button if b.label == "Create workshop").click().run()
    (created,) = store.workshops()
    assert created.title == "Serverless day"
    assert any(f"?workshop={created.code}" in c.value for c in at.code)


def test_a_reset_asked_from_another_process_is_applied_on_the_learners_next_run(store):
    from sandbox import get_sandbox

    learner = new_learner_id()
    iam = get_sandbox().learner_session(learner).client("iam")
    iam.create_role(RoleName="made-here", AssumeRolePolicyDocument="{}")
    web.apply_sandbox_reset(store.snapshot(learner).learner)  # first sight: nothing to do
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["made-here"]

    store.request_sandbox_reset(learner)  # the dashboard of another app process
    assert web.apply_sandbox_reset(store.snapshot(learner).learner)
    assert iam.list_roles()["Roles"] == []
    assert not web.apply_sandbox_reset(store.snapshot(learner).learner)  # once only


def test_a_join_link_asks_for_a_name_with_the_workshop_code_filled_in(store):
    store.create_workshop("K7QX2M", "Serverless day")
    at = open_app(workshop="k7qx2m")
    assert "workshop" not in at.query_params  # asked once: a reload does not ask again
    assert at.text_input(key="identity-code-dialog").value == "K7QX2M"
    assert at.text_input(key="identity-name-dialog").value == ""
    # Saving in the dialog reruns the dialog alone, which AppTest does not do: the browser
    # test (test_browser.py) joins through this dialog.


def test_a_join_link_with_a_code_that_cannot_be_one_says_so(store):
    at = open_app(workshop="nope")
    assert "not a workshop code" in sidebar_text(at)


def test_the_learner_gets_their_sandbox_back_after_a_reload(store):
    lab = LABS[0]
    at = open_app("labs/page.py", lab=lab.slug)
    token = token_of(at)
    at.button(key=f"action-{lab.slug}-{lab.steps[0].id}-0").click().run()  # creates the role
    role = lab.names["role"]
    again = open_app("labs/page.py", learner=token, lab=lab.slug)  # a reload: a new session
    resources = "\n".join(m.value for m in again.sidebar.markdown)
    assert role in resources
    stranger = open_app("labs/page.py", lab=lab.slug)
    assert role not in "\n".join(m.value for m in stranger.sidebar.markdown)
