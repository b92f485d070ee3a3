"""The progress store in one SQLite file: the default, for one app process. No Streamlit.

The file runs in WAL mode: readers never wait for the writer, and a write is one small
append to the log. ``synchronous=FULL`` syncs the log at every commit, so a commit the
app saw return survives the process being killed, and a power cut too. Writers take the
lock at the start of their transaction (``BEGIN IMMEDIATE``) and wait up to 30 s for
it, so concurrent writers queue instead of failing with "database is locked".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from progress.sql import SqlStore

BUSY_TIMEOUT_S = 30.0


class SqliteStore(SqlStore):
    dialect = "sqlite"

    def __init__(self, path: Path, pool_size: int = 8) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.description = f"SQLite {self.path}"
        super().__init__(pool_size)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,  # we issue BEGIN / COMMIT ourselves
            check_same_thread=False,  # the pool hands a connection to one thread at a time
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _healthy(self, conn: sqlite3.Connection) -> bool:
        return not conn.in_transaction

    @contextmanager
    def _begin(self, conn: sqlite3.Connection, write: bool) -> Iterator[Any]:
        cur = conn.cursor()
        # A read is a transaction too, so its several queries see one consistent state.
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield cur
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    def journal_mode(self) -> str:
        with self._pool.connection() as conn:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0])

    def integrity(self) -> str:
        with self._pool.connection() as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
