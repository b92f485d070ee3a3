"""The dashboard's numbers, from snapshots built in the store (no Streamlit)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from labs.model import load_labs
from lessons.catalog import load_lessons
from progress import charts, dashboard
from progress.quiz import StoredQuizProgress
from progress.store import open_store
from tests.progress.helpers import QUESTIONS, answer

LABS = load_labs().labs
LESSONS = load_lessons()
ANA, BEN = "learner-00000000a0a0", "learner-00000000b0b0"


@pytest.fixture
def class_snapshots(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    lab = LABS[0]
    store.save_learner(ANA, name="Ana")
    store.save_learner(BEN, name="Ben")
    store.set_lesson_done(ANA, LESSONS[0].slug, True)
    store.record_position(ANA, lesson=LESSONS[1].slug, lab=lab.slug, step=lab.steps[1].id)
    store.record_check(ANA, lab.slug, lab.steps[0].id, True)
    for _ in range(dashboard.STUCK_CHECKS):
        store.record_check(BEN, lab.slug, lab.steps[0].id, False)
    ana, ben = StoredQuizProgress(store, ANA), StoredQuizProgress(store, BEN)
    for progress in (ana, ben):
        answer(progress, "single-1", right=False)
        answer(progress, "multiple-1", right=False)
        answer(progress, "ordering-1", right=True)
    answer(ben, "truefalse-1", right=True)
    snapshots = store.class_snapshots()
    store.close()
    return snapshots


def test_each_learner_row_says_where_they_are_and_who_is_stuck(class_snapshots):
    ana, ben = dashboard.learner_rows(class_snapshots, LESSONS, LABS)
    lab = LABS[0]
    assert (ana.name, ana.lessons_done, ana.steps_passed) == ("Ana", 1, 1)
    assert ana.lesson == LESSONS[1].title
    assert ana.lab_step == f"{lab.title} · step 2: {lab.steps[1].title}"
    assert ana.quiz_answers == 3 and ana.quiz_accuracy == pytest.approx(1 / 3)
    assert ana.stuck == ""
    assert ben.stuck.startswith(f"{dashboard.STUCK_CHECKS} failed checks on {lab.title} · step 1")
    assert ben.steps_total == sum(len(x.steps) for x in LABS)


def test_the_heatmap_has_a_row_per_learner_and_a_column_per_lab_step(class_snapshots):
    heatmap = dashboard.step_heatmap(class_snapshots, LABS)
    assert heatmap.learners == ["Ana", "Ben"]
    assert len(heatmap.steps) == sum(len(x.steps) for x in LABS)
    first = [lab for lab in sorted(LABS, key=lambda x: x.order)].index(LABS[0])
    column = sum(len(x.steps) for x in sorted(LABS, key=lambda x: x.order)[:first])
    assert heatmap.cells[0][column] == 1.0 and heatmap.cells[1][column] == 0.5
    assert heatmap.cells[0][column + 1] == 0.0
    assert "after 3 check(s)" in heatmap.hover[1][column]
    figure = charts.step_heatmap(heatmap)
    assert list(figure.data[0].y) == ["Ana", "Ben"]


def test_quiz_items_come_by_difficulty_with_the_most_common_wrong_answers(class_snapshots):
    stats = dashboard.question_stats(class_snapshots, QUESTIONS)
    assert [s.difficulty for s in stats] == sorted(s.difficulty for s in stats)
    single = next(s for s in stats if s.question_id == "single-1")
    assert (single.answers, single.correct) == (2, 0)
    assert single.wrong_answers == [("b) Wrong", 2)]
    multiple = next(s for s in stats if s.question_id == "multiple-1")
    assert multiple.wrong_answers == [("a) A + b) B", 2)]
    ordering = next(s for s in stats if s.question_id == "ordering-1")
    assert ordering.accuracy == 1.0 and ordering.wrong_answers == []
    assert charts.accuracy_by_difficulty(stats).data[0].x == ("1 easy", "2 medium", "3 hard")


def test_the_weakest_topics_pool_the_whole_class(class_snapshots):
    weakest = dashboard.weakest_topics(class_snapshots, QUESTIONS, minimum=2)
    assert [(t.topic, t.correct, t.attempts) for t in weakest][:2] == [
        ("pricing", 0, 2),
        ("cold-start", 1, 3),
    ]


def test_the_csv_export_has_a_column_per_field_and_a_row_per_learner(class_snapshots):
    rows = dashboard.learner_rows(class_snapshots, LESSONS, LABS)
    parsed = list(csv.DictReader(io.StringIO(dashboard.rows_csv(rows))))
    assert [r["name"] for r in parsed] == ["Ana", "Ben"]
    assert parsed[0]["quiz_accuracy"] == "0.333" and parsed[1]["stuck"]
    stats = dashboard.question_stats(class_snapshots, QUESTIONS)
    assert "b) Wrong ×2" in dashboard.rows_csv(stats)


def test_ago_reads_like_a_glance():
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    assert dashboard.ago(now - dt.timedelta(seconds=40), now) == "40 s ago"
    assert dashboard.ago(now - dt.timedelta(minutes=12), now) == "12 min ago"
    assert dashboard.ago(None, now) == ""
