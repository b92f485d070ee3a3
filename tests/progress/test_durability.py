"""Nothing acknowledged is lost when the app is killed mid-write (SIGKILL), on both stores."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from progress.sqlite_store import SqliteStore
from progress.store import open_store
from tests.progress.writer import EXAM_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
LEARNER = "learner-00000000dead"


def start_writer(url: str, learner: str, label: str, count: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.progress.writer", url, learner, label, str(count)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def acks(lines: list[str]) -> list[int]:
    return [int(line.split()[1]) for line in lines if line.startswith("ack ")]


def written(snapshot, label: str) -> dict[int, bool]:
    """Which writes of ``label`` the store holds, checked whole: an exam with all its answers."""
    found: dict[int, bool] = {}
    for slug in snapshot.lessons_done:
        found[int(slug.rsplit("-", 1)[1])] = True
    for _, step in snapshot.lab_steps:
        found[int(step.rsplit("-", 1)[1])] = True
    exam_attempts = [a for a in snapshot.quiz.attempts if a.mode == "exam"]
    for attempt in snapshot.quiz.attempts:
        if attempt.mode == "practice":
            found[int(attempt.question_id.rsplit("-", 1)[1])] = (
                attempt.response[1] == attempt.question_id
            )
    for exam in snapshot.quiz.exams:
        found[int(exam.id.rsplit("-", 1)[1])] = True
    assert len(exam_attempts) == EXAM_ANSWERS * len(snapshot.quiz.exams), "half an exam stored"
    return found


def test_a_writer_killed_mid_burst_loses_no_acknowledged_write(store_url):
    open_store(store_url).close()  # the schema exists before the writers race
    for round_ in range(3):
        label = f"r{round_}"
        learner = f"learner-00000000de{round_:02d}"
        writer = start_writer(store_url, learner, label, 100_000)
        lines = [writer.stdout.readline() for _ in range(120 + 40 * round_)]
        time.sleep(random.uniform(0, 0.02))  # land the kill anywhere in a write
        os.kill(writer.pid, signal.SIGKILL)
        lines += writer.stdout.read().splitlines()  # acks printed before the kill
        writer.wait(timeout=10)
        assert writer.returncode == -signal.SIGKILL
        acknowledged = acks(lines)
        assert acknowledged == list(range(len(acknowledged)))

        reopened = open_store(store_url)  # as the app does after a restart
        try:
            stored = written(reopened.snapshot(learner), label)
            if isinstance(reopened, SqliteStore):
                assert reopened.integrity() == "ok"
        finally:
            reopened.close()
        missing = [n for n in acknowledged if not stored.get(n)]
        assert missing == [], f"acknowledged writes lost: {missing[:10]}"
        # At most the one write in flight when the kill landed is there without its ack.
        assert set(stored) <= set(range(len(acknowledged) + 1))
