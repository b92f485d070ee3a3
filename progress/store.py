"""The progress store: one small interface, SQLite by default, PostgreSQL by URL. No Streamlit.

``open_store()`` picks the backend from the environment:

- ``DATABASE_URL=postgresql://user@127.0.0.1:5432/lambdalab``: PostgreSQL (psycopg 3), for
  several app processes sharing one class. The host must be loopback or a Unix socket: the
  app never connects beyond the machine (libpq's sockets are not Python's, so the check is
  made here, before connecting).
- otherwise SQLite in ``<data folder>/lambda-lab.sqlite3``; the data folder is ``data/``
  next to ``app.py``, or ``LAMBDA_LAB_DATA_DIR``.

Every write is one transaction, committed before the method returns: a write the caller
saw return survives the process being killed the next instant.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from progress.records import Learner, LearnerSnapshot, StepRecord, Workshop
from quizzes.progress import Attempt, ExamRecord
from quizzes.schedule import CardState

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR_ENV = "LAMBDA_LAB_DATA_DIR"
DATABASE_URL_ENV = "DATABASE_URL"
SQLITE_FILE = "lambda-lab.sqlite3"


class StoreError(RuntimeError):
    """The store cannot be opened or used (a remote database, a schema from a newer app...)."""


class ProgressStore(Protocol):
    """What the pages, the dashboard, the CLI and the bench need from a database."""

    description: str  # where the data lives, without any password

    # The store itself
    def schema_version(self) -> int: ...
    def secret(self) -> str: ...  # the key that signs learner tokens, made once per database
    def close(self) -> None: ...

    # Learners and workshops
    def save_learner(
        self, learner_id: str, *, name: str | None = None, workshop: str | None = None
    ) -> Learner: ...
    def learner(self, learner_id: str) -> Learner | None: ...
    def learners(self, workshop: str | None = None) -> list[Learner]: ...
    def create_workshop(self, code: str, title: str) -> Workshop: ...
    def workshops(self) -> list[Workshop]: ...

    # Where a learner is; the instructor's request for a fresh sandbox
    def record_position(
        self,
        learner_id: str,
        *,
        lesson: str | None = None,
        lab: str | None = None,
        step: str | None = None,
    ) -> None: ...
    def request_sandbox_reset(self, learner_id: str) -> dt.datetime: ...

    # Progress
    def set_lesson_done(self, learner_id: str, lesson: str, done: bool) -> None: ...
    def record_check(self, learner_id: str, lab: str, step: str, passed: bool) -> StepRecord: ...
    def reset_lab(self, learner_id: str, lab: str) -> None: ...
    def record_quiz(
        self,
        learner_id: str,
        attempts: Sequence[Attempt],
        cards: Sequence[CardState],
        exam: ExamRecord | None = None,
        flagged: Iterable[str] = (),
    ) -> None: ...
    def set_flag(self, learner_id: str, question_id: str, flagged: bool) -> None: ...

    # Reading it back
    def revision(self, learner_id: str) -> int: ...  # 0: nothing stored yet
    def snapshot(self, learner_id: str) -> LearnerSnapshot: ...
    def class_snapshots(self, workshop: str | None = None) -> list[LearnerSnapshot]: ...
    def replace(self, snapshot: LearnerSnapshot) -> None: ...  # import: the learner's all


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or ROOT / "data")


def open_store(url: str | None = None) -> ProgressStore:
    """The store ``url`` names (``postgresql://...``, ``sqlite:///path``), else the default."""
    url = url if url is not None else os.environ.get(DATABASE_URL_ENV, "")
    if url.startswith(("postgresql://", "postgres://")):
        from progress.postgres_store import PostgresStore

        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        from progress.sqlite_store import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if url:
        raise StoreError(
            f"{DATABASE_URL_ENV} must start with postgresql:// or sqlite:///, not {url[:20]!r}"
        )
    from progress.sqlite_store import SqliteStore

    return SqliteStore(data_dir() / SQLITE_FILE)
