"""Many writers at once, threads and processes, on both stores: every write lands once."""

from __future__ import annotations

import threading

from progress.store import open_store
from tests.progress.test_durability import acks, start_writer

SHARED = "learner-000000005ea5"


def test_many_threads_writing_at_once_all_land(store):
    threads, writes = 16, 30
    errors: list[BaseException] = []

    def learner(n: int) -> None:
        own = f"learner-{n:012x}"
        try:
            for i in range(writes):
                store.record_check(SHARED, "lab", f"t{n}-{i}", i % 2 == 0)
                store.set_lesson_done(own, f"lesson-{i}", True)
                store.revision(own)
                store.snapshot(SHARED)  # readers among the writers
        except BaseException as problem:  # reported below
            errors.append(problem)

    workers = [threading.Thread(target=learner, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    shared = store.snapshot(SHARED)
    assert len(shared.lab_steps) == threads * writes
    assert shared.revision == threads * writes
    for n in range(threads):
        assert len(store.snapshot(f"learner-{n:012x}").lessons_done) == writes


def test_several_processes_writing_to_one_learner_all_land(store_url):
    open_store(store_url).close()
    writers = [start_writer(store_url, SHARED, f"p{n}", 40) for n in range(4)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert acks(out.splitlines()) == list(range(40))
    store = open_store(store_url)
    try:
        snapshot = store.snapshot(SHARED)
    finally:
        store.close()
    assert snapshot.revision == 4 * 40
    for n in range(4):  # ten writes of each kind per writer
        prefix = f"p{n}-"
        assert sum(slug.startswith(prefix) for slug in snapshot.lessons_done) == 10
        assert sum(step.startswith(prefix) for _, step in snapshot.lab_steps) == 10
        assert sum(exam.id.startswith(prefix) for exam in snapshot.quiz.exams) == 10
    assert len(snapshot.quiz.exams) == 4 * 10 and len(snapshot.quiz.attempts) == 4 * (10 + 40)
