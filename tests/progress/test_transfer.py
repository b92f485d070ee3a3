"""A learner's progress as a file: exported whole, imported into the uploader only."""

from __future__ import annotations

import json

import pytest

from progress.quiz import StoredQuizProgress
from progress.store import open_store
from progress.transfer import (
    FORMAT,
    TransferError,
    export_data,
    export_file_name,
    export_json,
    import_into,
    parse_export,
)
from tests.progress.helpers import QUESTIONS, answer, exam_record

ANA = "learner-00000000a0a0"
ZOE = "learner-000000002e0e"


@pytest.fixture
def sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    yield store
    store.close()


def test_an_export_reads_back_equal_to_what_the_store_holds(sqlite_store):
    store = sqlite_store
    store.save_learner(ANA, name="Ana")
    store.set_lesson_done(ANA, "pricing", True)
    store.record_check(ANA, "first-function", "create-role", True)
    progress = StoredQuizProgress(store, ANA)
    answer(progress, "multiple-1", right=False)
    progress.toggle_flag("single-1")
    progress.record_exam(exam_record(), QUESTIONS)
    snapshot = store.snapshot(ANA)

    parsed = parse_export(export_json(snapshot))
    assert parsed.learner.name == "Ana"
    assert parsed.lessons_done == snapshot.lessons_done
    assert parsed.lab_steps == snapshot.lab_steps
    assert parsed.quiz == snapshot.quiz
    assert export_file_name(snapshot).startswith("lambda-lab-progress-ana-")


def test_importing_changes_only_the_uploaders_progress(sqlite_store):
    store = sqlite_store
    store.set_lesson_done(ANA, "pricing", True)
    data = export_data(store.snapshot(ANA))
    data["learner"]["id"] = ZOE  # a file claiming to be someone else
    import_into(store, ANA, parse_export(json.dumps(data)))
    assert store.learner(ZOE) is None
    assert list(store.snapshot(ANA).lessons_done) == ["pricing"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG", "not JSON"),
        (b"[]", "not a Lambda Lab progress export"),
        (json.dumps({"format": "other"}).encode(), "not a Lambda Lab progress export"),
        (json.dumps({"format": FORMAT, "version": 9}).encode(), "version 9"),
        (json.dumps({"format": FORMAT, "version": 1, "learner": {}}).encode(), "damaged"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_with_the_reason(content, reason):
    with pytest.raises(TransferError, match=reason):
        parse_export(content)
