"""The store's schema, as numbered migrations for SQLite and PostgreSQL. No Streamlit.

A database records every migration it has had in ``schema_migrations``; its version is
the highest. Opening a store applies the missing ones in order, in one transaction (both
databases have transactional DDL), so a crash mid-upgrade leaves the old version intact.
PostgreSQL takes an advisory lock first: several app processes starting together
upgrade once. A database newer than the code is refused, never downgraded.

To change the schema, append a ``Migration`` with the next number; never edit a released
one. Timestamps are ISO-8601 text in both databases, so a value reads back exactly as it
was written and the two stores share every query.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgres


_LEARNER_TABLES = (
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE workshops (
        code TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE learners (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        workshop TEXT REFERENCES workshops(code) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        lesson TEXT,
        lab TEXT,
        step TEXT,
        position_at TEXT,
        sandbox_reset_at TEXT,
        revision BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE lessons_done (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lesson TEXT NOT NULL,
        done_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, lesson)
    )""",
    """CREATE TABLE lab_steps (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lab TEXT NOT NULL,
        step TEXT NOT NULL,
        passed BOOLEAN NOT NULL,
        checks INTEGER NOT NULL,
        last_checked_at TEXT NOT NULL,
        passed_at TEXT,
        PRIMARY KEY (learner_id, lab, step)
    )""",
    """CREATE TABLE quiz_cards (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        ease DOUBLE PRECISION NOT NULL,
        repetitions INTEGER NOT NULL,
        interval_days INTEGER NOT NULL,
        due TEXT,
        lapses INTEGER NOT NULL,
        PRIMARY KEY (learner_id, question_id)
    )""",
    """CREATE TABLE quiz_flags (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        PRIMARY KEY (learner_id, question_id)
    )""",
    """CREATE TABLE exams (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        finished TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (learner_id, id)
    )""",
)

_ATTEMPTS = """CREATE TABLE quiz_attempts (
        id {id_column},
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        response TEXT NOT NULL,
        correct BOOLEAN NOT NULL,
        partial DOUBLE PRECISION NOT NULL,
        at TEXT NOT NULL,
        exam_id TEXT
    )"""

_INDEXES = (
    "CREATE INDEX quiz_attempts_by_learner ON quiz_attempts (learner_id, id)",
    "CREATE INDEX quiz_attempts_by_question ON quiz_attempts (question_id)",
    "CREATE INDEX learners_by_workshop ON learners (workshop)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "learners, workshops, lessons, lab steps, quiz attempts, cards, flags, exams",
        sqlite=(*_LEARNER_TABLES, _ATTEMPTS.format(id_column="INTEGER PRIMARY KEY AUTOINCREMENT")),
        postgres=(
            *_LEARNER_TABLES,
            _ATTEMPTS.format(id_column="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ),
    ),
    Migration(
        2,
        "indexes for a learner's attempts, a question's answers and a workshop's learners",
        sqlite=_INDEXES,
        postgres=_INDEXES,
    ),
)

LATEST = MIGRATIONS[-1].version

HISTORY_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""


def pending(current: int, upto: int = LATEST) -> list[Migration]:
    return [m for m in MIGRATIONS if current < m.version <= upto]
