"""The store's queries, shared by SQLite and PostgreSQL. No Streamlit.

``SqlStore`` holds every query, written once with ``?`` placeholders and the ``INSERT ...
ON CONFLICT`` upserts both databases speak. A backend supplies connections and
transactions: ``SqliteStore`` and ``PostgresStore``. Each public method is one
transaction on a pooled connection, so threads (Streamlit runs a session per thread)
never share a connection mid-transaction.

Every write goes through ``_touch``: it creates the learner on first write and bumps
their ``revision``, which lets a page keep a learner's snapshot until it changes.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from progress import migrations
from progress.identity import new_secret
from progress.records import (
    Learner,
    LearnerSnapshot,
    StepRecord,
    Workshop,
    attempt_from_json,
    exam_from_json,
    exam_to_json,
    parse_date,
    parse_time,
    time_text,
    utc_now,
)
from progress.store import StoreError
from quizzes.progress import Attempt, ExamRecord, QuizProgress
from quizzes.schedule import CardState

SECRET_KEY = "token_secret"


class UnknownWorkshop(StoreError):
    """A workshop code no instructor created on this server."""


def _json(value: Any) -> str:
    def default(item: Any) -> Any:
        if isinstance(item, set | frozenset):
            return sorted(item)
        raise TypeError(f"{type(item).__name__} cannot be stored as JSON")

    return json.dumps(value, default=default, ensure_ascii=False)


class ConnectionPool:
    """A few open connections reused across threads; a broken one is dropped, not reused."""

    def __init__(
        self, connect: Callable[[], Any], healthy: Callable[[Any], bool], size: int = 8
    ) -> None:
        self._connect = connect
        self._healthy = healthy
        self._size = size
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            keep = self._healthy(conn)
            with self._lock:
                if keep and not self._closed and len(self._idle) < self._size:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for conn in idle:
            conn.close()


class SqlStore:
    """The queries; a subclass provides ``dialect``, ``_connect``, ``_healthy``, ``_begin``."""

    dialect = "sqlite"
    description = ""

    def __init__(self, pool_size: int = 8) -> None:
        self._pool = ConnectionPool(self._connect, self._healthy, pool_size)
        self._secret: str | None = None
        self._migrate()

    # Backend hooks ---------------------------------------------------------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    def _healthy(self, conn: Any) -> bool:
        raise NotImplementedError

    @contextmanager
    def _begin(self, conn: Any, write: bool) -> Iterator[Any]:
        """A transaction on ``conn``; yields a cursor. Commits on success."""
        raise NotImplementedError
        yield

    def _lock_for_migration(self, cur: Any) -> None:
        """Keep other processes from migrating at the same time (within the transaction)."""

    def _sql(self, sql: str) -> str:
        return sql

    # Plumbing --------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[_Cursor]:
        with self._pool.connection() as conn, self._begin(conn, write) as cur:
            yield _Cursor(cur, self._sql)

    def close(self) -> None:
        self._pool.close()

    def _migrate(self) -> None:
        with self._transaction() as cur:
            self._lock_for_migration(cur)
            cur.execute(migrations.HISTORY_TABLE)
            row = cur.one("SELECT MAX(version) AS version FROM schema_migrations")
            current = (row["version"] if row else None) or 0
            if current > migrations.LATEST:
                raise StoreError(
                    f"the database is at schema version {current}, newer than this app "
                    f"(version {migrations.LATEST}): upgrade the app, or point it at another "
                    "database"
                )
            for migration in migrations.pending(current):
                for statement in migration.statements(self.dialect):
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (migration.version, migration.description, time_text(utc_now())),
                )

    def schema_version(self) -> int:
        with self._transaction(write=False) as cur:
            row = cur.one("SELECT MAX(version) AS version FROM schema_migrations")
            return int(row["version"] or 0) if row else 0

    def secret(self) -> str:
        if self._secret is None:
            with self._transaction() as cur:
                cur.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                    (SECRET_KEY, new_secret()),
                )
                self._secret = cur.one("SELECT value FROM settings WHERE key = ?", (SECRET_KEY,))[
                    "value"
                ]
        return self._secret

    @staticmethod
    def _touch(cur: _Cursor, learner_id: str, now: str, bump: bool = True) -> None:
        """Create the learner on their first write; note them seen; bump their revision."""
        step = 1 if bump else 0
        cur.execute(
            "INSERT INTO learners (id, created_at, last_seen, revision) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, "
            "revision = learners.revision + ?",
            (learner_id, now, now, step, step),
        )

    # Learners and workshops ------------------------------------------------------------

    def save_learner(
        self, learner_id: str, *, name: str | None = None, workshop: str | None = None
    ) -> Learner:
        """Create or update a learner. ``None`` leaves a field as it is; workshop "" leaves
        the workshop."""
        now = time_text(utc_now())
        with self._transaction() as cur:
            if workshop and not cur.one("SELECT code FROM workshops WHERE code = ?", (workshop,)):
                raise UnknownWorkshop(f"there is no workshop with the code {workshop}")
            self._touch(cur, learner_id, now)
            if name is not None:
                cur.execute("UPDATE learners SET name = ? WHERE id = ?", (name, learner_id))
            if workshop is not None:
                cur.execute(
                    "UPDATE learners SET workshop = ? WHERE id = ?", (workshop or None, learner_id)
                )
            return _learner(cur.one("SELECT * FROM learners WHERE id = ?", (learner_id,)))

    def learner(self, learner_id: str) -> Learner | None:
        with self._transaction(write=False) as cur:
            row = cur.one("SELECT * FROM learners WHERE id = ?", (learner_id,))
        return _learner(row) if row else None

    def learners(self, workshop: str | None = None) -> list[Learner]:
        with self._transaction(write=False) as cur:
            rows = self._learner_rows(cur, workshop)
        return [_learner(row) for row in rows]

    @staticmethod
    def _learner_rows(cur: _Cursor, workshop: str | None) -> list[Mapping[str, Any]]:
        if workshop is None:
            return cur.all("SELECT * FROM learners ORDER BY created_at, id")
        return cur.all(
            "SELECT * FROM learners WHERE workshop = ? ORDER BY created_at, id", (workshop,)
        )

    def create_workshop(self, code: str, title: str) -> Workshop:
        now = utc_now()
        with self._transaction() as cur:
            if cur.one("SELECT code FROM workshops WHERE code = ?", (code,)):
                raise StoreError(f"a workshop with the code {code} exists already")
            cur.execute(
                "INSERT INTO workshops (code, title, created_at) VALUES (?, ?, ?)",
                (code, title, time_text(now)),
            )
        return Workshop(code, title, now)

    def workshops(self) -> list[Workshop]:
        with self._transaction(write=False) as cur:
            rows = cur.all("SELECT * FROM workshops ORDER BY created_at, code")
        return [Workshop(r["code"], r["title"], parse_time(r["created_at"])) for r in rows]

    # Where a learner is ----------------------------------------------------------------

    def record_position(
        self,
        learner_id: str,
        *,
        lesson: str | None = None,
        lab: str | None = None,
        step: str | None = None,
    ) -> None:
        """Where the learner is now (a lesson, or a lab and step). Not a progress change:
        the learner's revision stays."""
        now = time_text(utc_now())
        with self._transaction() as cur:
            self._touch(cur, learner_id, now, bump=False)
            if lesson is not None:
                cur.execute(
                    "UPDATE learners SET lesson = ?, position_at = ? WHERE id = ?",
                    (lesson, now, learner_id),
                )
            if lab is not None:
                cur.execute(
                    "UPDATE learners SET lab = ?, step = ?, position_at = ? WHERE id = ?",
                    (lab, step, now, learner_id),
                )

    def request_sandbox_reset(self, learner_id: str) -> dt.datetime:
        now = utc_now()
        with self._transaction() as cur:
            self._touch(cur, learner_id, time_text(now))
            cur.execute(
                "UPDATE learners SET sandbox_reset_at = ? WHERE id = ?",
                (time_text(now), learner_id),
            )
        return now

    # Progress --------------------------------------------------------------------------

    def set_lesson_done(self, learner_id: str, lesson: str, done: bool) -> None:
        now = time_text(utc_now())
        with self._transaction() as cur:
            self._touch(cur, learner_id, now)
            if done:
                cur.execute(
                    "INSERT INTO lessons_done (learner_id, lesson, done_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (learner_id, lesson) DO NOTHING",
                    (learner_id, lesson, now),
                )
            else:
                cur.execute(
                    "DELETE FROM lessons_done WHERE learner_id = ? AND lesson = ?",
                    (learner_id, lesson),
                )

    def record_check(self, learner_id: str, lab: str, step: str, passed: bool) -> StepRecord:
        """The verdict of one "Check my progress": the latest counts, the first pass is kept."""
        now = time_text(utc_now())
        with self._transaction() as cur:
            self._touch(cur, learner_id, now)
            cur.execute(
                "INSERT INTO lab_steps "
                "(learner_id, lab, step, passed, checks, last_checked_at, passed_at) "
                "VALUES (?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (learner_id, lab, step) DO UPDATE SET passed = excluded.passed, "
                "checks = lab_steps.checks + 1, last_checked_at = excluded.last_checked_at, "
                "passed_at = COALESCE(lab_steps.passed_at, excluded.passed_at)",
                (learner_id, lab, step, passed, now, now if passed else None),
            )
            row = cur.one(
                "SELECT * FROM lab_steps WHERE learner_id = ? AND lab = ? AND step = ?",
                (learner_id, lab, step),
            )
        return _step(row)

    def reset_lab(self, learner_id: str, lab: str) -> None:
        with self._transaction() as cur:
            self._touch(cur, learner_id, time_text(utc_now()))
            cur.execute("DELETE FROM lab_steps WHERE learner_id = ? AND lab = ?", (learner_id, lab))

    def record_quiz(
        self,
        learner_id: str,
        attempts: Sequence[Attempt],
        cards: Sequence[CardState],
        exam: ExamRecord | None = None,
        flagged: Iterable[str] = (),
    ) -> None:
        """Answers, the cards they rescheduled, and the exam they belong to: all or nothing."""
        with self._transaction() as cur:
            self._touch(cur, learner_id, time_text(utc_now()))
            self._insert_quiz(cur, learner_id, attempts, cards, [exam] if exam else [], flagged)

    def _insert_quiz(
        self,
        cur: _Cursor,
        learner_id: str,
        attempts: Sequence[Attempt],
        cards: Iterable[CardState],
        exams: Sequence[ExamRecord],
        flagged: Iterable[str],
    ) -> None:
        exam_id = exams[0].id if len(exams) == 1 else None
        cur.executemany(
            "INSERT INTO quiz_attempts "
            "(learner_id, question_id, mode, response, correct, partial, at, exam_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    learner_id, a.question_id, a.mode, _json(a.response), bool(a.correct),
                    float(a.partial), time_text(a.at), exam_id if a.mode == "exam" else None,
                )
                for a in attempts
            ],
        )  # fmt: skip
        cur.executemany(
            "INSERT INTO quiz_cards "
            "(learner_id, question_id, ease, repetitions, interval_days, due, lapses) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (learner_id, question_id) DO UPDATE SET "
            "ease = excluded.ease, repetitions = excluded.repetitions, "
            "interval_days = excluded.interval_days, due = excluded.due, lapses = excluded.lapses",
            [
                (
                    learner_id, c.question_id, c.ease, c.repetitions, c.interval_days,
                    None if c.due is None else c.due.isoformat(), c.lapses,
                )
                for c in cards
            ],
        )  # fmt: skip
        cur.executemany(
            "INSERT INTO exams (learner_id, id, finished, record) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (learner_id, id) DO UPDATE SET finished = excluded.finished, "
            "record = excluded.record",
            [(learner_id, e.id, time_text(e.finished), _json(exam_to_json(e))) for e in exams],
        )
        cur.executemany(
            "INSERT INTO quiz_flags (learner_id, question_id) VALUES (?, ?) "
            "ON CONFLICT (learner_id, question_id) DO NOTHING",
            [(learner_id, qid) for qid in sorted(set(flagged))],
        )

    def set_flag(self, learner_id: str, question_id: str, flagged: bool) -> None:
        with self._transaction() as cur:
            self._touch(cur, learner_id, time_text(utc_now()))
            if flagged:
                cur.execute(
                    "INSERT INTO quiz_flags (learner_id, question_id) VALUES (?, ?) "
                    "ON CONFLICT (learner_id, question_id) DO NOTHING",
                    (learner_id, question_id),
                )
            else:
                cur.execute(
                    "DELETE FROM quiz_flags WHERE learner_id = ? AND question_id = ?",
                    (learner_id, question_id),
                )

    # Reading it back -------------------------------------------------------------------

    def revision(self, learner_id: str) -> int:
        with self._transaction(write=False) as cur:
            row = cur.one("SELECT revision FROM learners WHERE id = ?", (learner_id,))
        return int(row["revision"]) if row else 0

    def snapshot(self, learner_id: str) -> LearnerSnapshot:
        with self._transaction(write=False) as cur:
            row = cur.one("SELECT * FROM learners WHERE id = ?", (learner_id,))
            if row is None:
                return LearnerSnapshot(Learner(learner_id))
            found = self._snapshots(cur, [row], "learner_id = ?", (learner_id,))
        return found[0]

    def class_snapshots(self, workshop: str | None = None) -> list[LearnerSnapshot]:
        """Every learner (of one workshop), in a handful of queries for the whole class."""
        with self._transaction(write=False) as cur:
            rows = self._learner_rows(cur, workshop)
            if workshop is None:
                return self._snapshots(cur, rows, "1 = 1", ())
            return self._snapshots(
                cur, rows, "learner_id IN (SELECT id FROM learners WHERE workshop = ?)", (workshop,)
            )

    def _snapshots(
        self, cur: _Cursor, rows: Sequence[Mapping[str, Any]], where: str, params: tuple
    ) -> list[LearnerSnapshot]:
        snaps = {
            row["id"]: LearnerSnapshot(_learner(row), revision=int(row["revision"])) for row in rows
        }

        def each(sql: str) -> Iterator[tuple[LearnerSnapshot, Mapping[str, Any]]]:
            for found in cur.all(sql.format(where=where), params):
                snap = snaps.get(found["learner_id"])
                if snap is not None:
                    yield snap, found

        for snap, r in each("SELECT * FROM lessons_done WHERE {where} ORDER BY done_at, lesson"):
            snap.lessons_done[r["lesson"]] = parse_time(r["done_at"])
        for snap, r in each("SELECT * FROM lab_steps WHERE {where} ORDER BY lab, step"):
            record = _step(r)
            snap.lab_steps[(record.lab, record.step)] = record
        for snap, r in each("SELECT * FROM quiz_attempts WHERE {where} ORDER BY id"):
            snap.quiz.attempts.append(
                attempt_from_json({**r, "response": json.loads(r["response"])})
            )
        for snap, r in each("SELECT * FROM quiz_cards WHERE {where} ORDER BY question_id"):
            snap.quiz.cards[r["question_id"]] = CardState(
                r["question_id"], float(r["ease"]), int(r["repetitions"]),
                int(r["interval_days"]), parse_date(r["due"]), int(r["lapses"]),
            )  # fmt: skip
        for snap, r in each("SELECT * FROM quiz_flags WHERE {where} ORDER BY question_id"):
            snap.quiz.flagged.add(r["question_id"])
        for snap, r in each("SELECT * FROM exams WHERE {where} ORDER BY finished, id"):
            snap.quiz.exams.append(exam_from_json(json.loads(r["record"])))
        return list(snaps.values())

    def replace(self, snapshot: LearnerSnapshot) -> None:
        """Make the store hold exactly ``snapshot``'s progress for its learner (an import).
        The learner keeps their workshop on this server; a name in the snapshot wins."""
        learner_id = snapshot.learner.id
        with self._transaction() as cur:
            self._touch(cur, learner_id, time_text(utc_now()))
            if snapshot.learner.name:
                cur.execute(
                    "UPDATE learners SET name = ? WHERE id = ?", (snapshot.learner.name, learner_id)
                )
            for table in ("lessons_done", "lab_steps", "quiz_attempts", "quiz_cards",
                          "quiz_flags", "exams"):  # fmt: skip
                cur.execute(f"DELETE FROM {table} WHERE learner_id = ?", (learner_id,))
            cur.executemany(
                "INSERT INTO lessons_done (learner_id, lesson, done_at) VALUES (?, ?, ?)",
                [(learner_id, slug, time_text(at)) for slug, at in snapshot.lessons_done.items()],
            )
            cur.executemany(
                "INSERT INTO lab_steps "
                "(learner_id, lab, step, passed, checks, last_checked_at, passed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        learner_id, s.lab, s.step, bool(s.passed), s.checks,
                        time_text(s.last_checked_at), time_text(s.passed_at),
                    )
                    for s in snapshot.lab_steps.values()
                ],
            )  # fmt: skip
            quiz: QuizProgress = snapshot.quiz
            self._insert_quiz(cur, learner_id, [], quiz.cards.values(), [], quiz.flagged)
            # An exam's answers were recorded at the moment it finished: that ties them to it.
            exam_at = {time_text(e.finished): e.id for e in quiz.exams}
            cur.executemany(
                "INSERT INTO exams (learner_id, id, finished, record) VALUES (?, ?, ?, ?)",
                [
                    (learner_id, e.id, time_text(e.finished), _json(exam_to_json(e)))
                    for e in quiz.exams
                ],
            )
            cur.executemany(
                "INSERT INTO quiz_attempts "
                "(learner_id, question_id, mode, response, correct, partial, at, exam_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        learner_id, a.question_id, a.mode, _json(a.response), bool(a.correct),
                        float(a.partial), time_text(a.at),
                        exam_at.get(time_text(a.at)) if a.mode == "exam" else None,
                    )
                    for a in quiz.attempts
                ],
            )  # fmt: skip


class _Cursor:
    """A DB-API cursor that speaks ``?`` placeholders and returns rows as mappings."""

    def __init__(self, cursor: Any, translate: Callable[[str], str]) -> None:
        self._cursor = cursor
        self._translate = translate

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._translate(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._translate(sql), [tuple(r) for r in rows])

    def one(self, sql: str, params: Sequence[Any] = ()) -> Mapping[str, Any] | None:
        self.execute(sql, params)
        return self._cursor.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        self.execute(sql, params)
        return list(self._cursor.fetchall())


def _learner(row: Mapping[str, Any]) -> Learner:
    return Learner(
        id=row["id"],
        name=row["name"] or "",
        workshop=row["workshop"],
        created_at=parse_time(row["created_at"]),
        last_seen=parse_time(row["last_seen"]),
        lesson=row["lesson"],
        lab=row["lab"],
        step=row["step"],
        position_at=parse_time(row["position_at"]),
        sandbox_reset_at=parse_time(row["sandbox_reset_at"]),
    )


def _step(row: Mapping[str, Any]) -> StepRecord:
    return StepRecord(
        lab=row["lab"],
        step=row["step"],
        passed=bool(row["passed"]),
        checks=int(row["checks"]),
        last_checked_at=parse_time(row["last_checked_at"]),  # type: ignore[arg-type]
        passed_at=parse_time(row["passed_at"]),
    )
