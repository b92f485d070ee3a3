"""A process that writes progress as fast as it can and says "ack <n>" after each commit.

    python -m tests.progress.writer <store url> <learner id> <label> <count>

Write n is, by n % 4: lesson "<label>-n" done; lab step "<label>-n" checked and passed;
a practice answer to question "<label>-n"; an exam "<label>-n" (its record and four
answers, in one transaction). The durability test kills this process while it writes.
"""

from __future__ import annotations

import datetime as dt
import sys

from progress.store import open_store
from quizzes.progress import Attempt
from quizzes.schedule import CardState
from tests.progress.helpers import exam_record

EXAM_ANSWERS = 4  # answered questions in helpers.exam_record()


def write(store, learner: str, label: str, n: int) -> None:
    key = f"{label}-{n}"
    kind = n % 4
    if kind == 0:
        store.set_lesson_done(learner, key, True)
    elif kind == 1:
        store.record_check(learner, "lab", key, True)
    elif kind == 2:
        at = dt.datetime(2026, 11, 23, 9, 0) + dt.timedelta(seconds=n)
        store.record_quiz(
            learner, [Attempt(key, "practice", ["a", key], True, 1.0, at)], [CardState(key)]
        )
    else:
        record = exam_record(exam_id=key)
        attempts = [
            Attempt(qid, "exam", record.answers[qid], bool(g and g.correct), 0.0, record.finished)
            for qid, g in record.result.grades.items()
            if qid in record.answers
        ]
        store.record_quiz(learner, attempts, [], exam=record, flagged=record.flagged)


def main() -> None:
    url, learner, label, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = open_store(url)
    print("ready", flush=True)
    for n in range(count):
        write(store, learner, label, n)
        print(f"ack {n}", flush=True)  # only after the commit returned
    store.close()


if __name__ == "__main__":
    main()
