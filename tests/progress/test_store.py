"""The progress store's contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest

from progress import migrations
from progress.quiz import StoredQuizProgress
from progress.records import LearnerSnapshot, StepRecord
from progress.sql import UnknownWorkshop
from progress.store import StoreError, open_store
from progress.transfer import import_into
from tests.progress.conftest import raw_execute
from tests.progress.helpers import AT, QUESTIONS, answer, exam_record

ANA = "learner-00000000a0a0"
BEN = "learner-00000000b0b0"


def test_a_new_database_is_at_the_latest_schema_version(store):
    assert store.schema_version() == migrations.LATEST


def test_a_learner_is_created_by_their_first_write_and_named_later(store):
    assert store.learner(ANA) is None
    assert store.revision(ANA) == 0
    store.set_lesson_done(ANA, "pricing", True)
    created = store.learner(ANA)
    assert created is not None and created.name == "" and created.display_name == "Guest a0a0"
    named = store.save_learner(ANA, name="Ana")
    assert named.name == "Ana" and named.created_at == created.created_at
    assert store.learner(ANA).name == "Ana"


def test_a_snapshot_of_a_learner_never_seen_is_empty(store):
    snap = store.snapshot(BEN)
    assert snap.learner.id == BEN and snap.revision == 0
    assert not snap.lessons_done and not snap.lab_steps and not snap.quiz.attempts


def test_lessons_are_marked_done_and_undone(store):
    store.set_lesson_done(ANA, "pricing", True)
    store.set_lesson_done(ANA, "pricing", True)  # twice is still once
    store.set_lesson_done(ANA, "what-is-lambda", True)
    store.set_lesson_done(ANA, "what-is-lambda", False)
    done = store.snapshot(ANA).lessons_done
    assert list(done) == ["pricing"]
    assert isinstance(done["pricing"], dt.datetime)


def test_a_lab_step_keeps_its_latest_verdict_and_when_it_first_passed(store):
    failed = store.record_check(ANA, "first-function", "create-role", False)
    assert failed == StepRecord(
        "first-function", "create-role", False, 1, failed.last_checked_at, None
    )
    passed = store.record_check(ANA, "first-function", "create-role", True)
    assert passed.passed and passed.checks == 2 and passed.passed_at == passed.last_checked_at
    again = store.record_check(ANA, "first-function", "create-role", False)
    assert not again.passed and again.checks == 3 and again.passed_at == passed.passed_at
    snap = store.snapshot(ANA)
    assert snap.lab_steps[("first-function", "create-role")] == again
    assert snap.lab_progress() == {"first-function": {"create-role": False}}


def test_resetting_a_lab_clears_only_that_lab(store):
    store.record_check(ANA, "first-function", "create-role", True)
    store.record_check(ANA, "s3-trigger", "bucket", True)
    store.record_check(BEN, "first-function", "create-role", True)
    store.reset_lab(ANA, "first-function")
    assert store.snapshot(ANA).lab_progress() == {"s3-trigger": {"bucket": True}}
    assert store.snapshot(BEN).lab_progress() == {"first-function": {"create-role": True}}


def test_quiz_answers_cards_and_flags_read_back_as_the_quiz_page_made_them(store):
    progress = StoredQuizProgress(store, ANA)
    for qid in QUESTIONS:
        answer(progress, qid, right=False)
    answer(progress, "single-1", right=True, at=AT + dt.timedelta(days=1))
    progress.toggle_flag("ordering-1")
    progress.toggle_flag("numeric-1")
    progress.toggle_flag("numeric-1")

    stored = store.snapshot(ANA).quiz
    assert stored.attempts == progress.attempts  # every answer, in order, as given
    assert [a.response for a in stored.attempts][:3] == ["b", ["a", "b"], ["x", "w", "y", "z"]]
    assert stored.cards == progress.cards  # the spaced-repetition state of each question
    assert stored.cards["single-1"].repetitions == 1 and stored.cards["single-1"].lapses == 1
    assert stored.flagged == {"ordering-1"}
    assert stored.due(AT.date() + dt.timedelta(days=1)) == progress.due(
        AT.date() + dt.timedelta(days=1)
    )


def test_an_exam_reads_back_with_its_result_its_answers_and_their_attempts(store):
    progress = StoredQuizProgress(store, ANA)
    record = exam_record()
    progress.record_exam(record, QUESTIONS)

    stored = store.snapshot(ANA).quiz
    assert stored.exams == [record]  # result, grades, domains, flags: all equal
    found = stored.exam(record.id)
    assert found.result.scaled == record.result.scaled and found.result.correct == 3
    assert found.result.grades["truefalse-1"] is None  # unanswered
    assert found.result.grades["single-1"].feedback == record.result.grades["single-1"].feedback
    assert [a.mode for a in stored.attempts] == ["exam"] * 4
    assert stored.cards == progress.cards
    assert stored.flagged == set(record.flagged)


def test_every_progress_write_bumps_the_revision_and_a_position_does_not(store):
    store.set_lesson_done(ANA, "pricing", True)
    first = store.revision(ANA)
    store.record_position(ANA, lesson="pricing")
    assert store.revision(ANA) == first
    store.record_check(ANA, "first-function", "create-role", True)
    StoredQuizProgress(store, ANA).toggle_flag("single-1")
    assert store.revision(ANA) == first + 2
    assert store.snapshot(ANA).revision == first + 2


def test_the_position_is_the_last_lesson_and_the_last_lab_step(store):
    store.record_position(ANA, lesson="pricing")
    store.record_position(ANA, lab="first-function", step="create-role")
    store.record_position(ANA, lab="first-function", step="create-function")
    learner = store.learner(ANA)
    assert (learner.lesson, learner.lab, learner.step) == (
        "pricing",
        "first-function",
        "create-function",
    )
    assert learner.position_at is not None


def test_learners_join_workshops_that_exist(store):
    workshop = store.create_workshop("K7QX2M", "Serverless day")
    assert store.workshops() == [workshop]
    with pytest.raises(StoreError):
        store.create_workshop("K7QX2M", "Another")
    with pytest.raises(UnknownWorkshop):
        store.save_learner(ANA, name="Ana", workshop="ZZZZZZ")
    store.save_learner(ANA, name="Ana", workshop="K7QX2M")
    store.save_learner(BEN, name="Ben")
    assert [x.id for x in store.learners("K7QX2M")] == [ANA]
    assert {x.id for x in store.learners()} == {ANA, BEN}
    store.save_learner(ANA, workshop="")  # leaves it
    assert store.learner(ANA).workshop is None


def test_class_snapshots_hold_each_learner_of_the_workshop_with_their_progress(store):
    store.create_workshop("K7QX2M", "Serverless day")
    store.save_learner(ANA, name="Ana", workshop="K7QX2M")
    store.save_learner(BEN, name="Ben")
    store.set_lesson_done(ANA, "pricing", True)
    store.record_check(BEN, "first-function", "create-role", True)
    answer(StoredQuizProgress(store, ANA), "single-1", right=True)

    everyone = {snap.learner.id: snap for snap in store.class_snapshots()}
    assert set(everyone) == {ANA, BEN}
    assert list(everyone[ANA].lessons_done) == ["pricing"]
    assert len(everyone[ANA].quiz.attempts) == 1
    assert everyone[BEN].lab_progress() == {"first-function": {"create-role": True}}
    only = store.class_snapshots("K7QX2M")
    assert [snap.learner.id for snap in only] == [ANA]
    assert only[0] == store.snapshot(ANA)


def test_an_import_replaces_the_learners_progress_with_the_files(store):
    progress = StoredQuizProgress(store, ANA)
    answer(progress, "single-1", right=False)
    progress.record_exam(exam_record(), QUESTIONS)
    store.set_lesson_done(ANA, "pricing", True)
    store.record_check(ANA, "first-function", "create-role", True)
    exported = store.snapshot(ANA)

    store.set_lesson_done(BEN, "what-is-lambda", True)
    import_into(store, BEN, exported)
    moved = store.snapshot(BEN)
    assert moved.lessons_done == exported.lessons_done
    assert moved.lab_steps == exported.lab_steps
    assert moved.quiz == exported.quiz
    assert moved.learner.id == BEN

    import_into(store, BEN, LearnerSnapshot(exported.learner))  # an empty file empties it
    assert not store.snapshot(BEN).quiz.attempts and not store.snapshot(BEN).lessons_done


def test_the_token_secret_is_made_once_per_database(store_url):
    first = open_store(store_url)
    second = open_store(store_url)
    try:
        assert first.secret() == second.secret()
        assert len(first.secret()) >= 40
    finally:
        first.close()
        second.close()


def test_a_sandbox_reset_request_is_kept_with_the_learner(store):
    before = store.revision(ANA)
    asked = store.request_sandbox_reset(ANA)
    assert store.learner(ANA).sandbox_reset_at == asked
    assert store.revision(ANA) == before + 1


def test_a_version_1_database_is_upgraded_and_keeps_its_rows(store_url):
    dialect = "sqlite" if store_url.startswith("sqlite") else "postgres"
    now = AT.isoformat()
    raw_execute(
        store_url,
        [
            migrations.HISTORY_TABLE,
            *migrations.MIGRATIONS[0].statements(dialect),
            "INSERT INTO schema_migrations VALUES (1, 'v1', '2026-01-01')",
            f"INSERT INTO learners (id, name, created_at, last_seen) "
            f"VALUES ('{ANA}', 'Ana', '{now}', '{now}')",
            f"INSERT INTO lessons_done VALUES ('{ANA}', 'pricing', '{now}')",
        ],
    )
    upgraded = open_store(store_url)
    try:
        assert upgraded.schema_version() == migrations.LATEST
        assert upgraded.learner(ANA).name == "Ana"
        assert list(upgraded.snapshot(ANA).lessons_done) == ["pricing"]
    finally:
        upgraded.close()


def test_a_database_of_a_newer_app_is_refused_not_downgraded(store_url):
    open_store(store_url).close()
    raw_execute(store_url, ["INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')"])
    with pytest.raises(StoreError, match="newer than this app"):
        open_store(store_url)
