"""The progress store in PostgreSQL (psycopg 3): one database for several app processes.

``DATABASE_URL=postgresql://lambdalab@127.0.0.1:5432/lambdalab`` selects it. The host
must be loopback or a Unix socket folder: libpq opens its own sockets, out of reach of
the app's loopback guard, so the address is checked here before any connection.
Commits are durable as PostgreSQL's own (``synchronous_commit`` on, its default).
Readers of several tables use a REPEATABLE READ snapshot, so a page never sees half of a
learner's exam.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from course.loopback import is_loopback
from progress.sql import SqlStore
from progress.store import StoreError

MIGRATION_LOCK = 7_318_250_419  # pg_advisory_xact_lock key: one migrating process at a time
CONNECT_TIMEOUT_S = 10


def check_loopback(url: str) -> dict[str, Any]:
    """The URL's connection parameters, if every host in it is on this machine."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as problem:
        raise StoreError(f"DATABASE_URL is not a PostgreSQL URL: {problem}") from None
    if "service" in params or os.environ.get("PGSERVICE"):
        raise StoreError("DATABASE_URL may not name a pg_service entry: give host and port")
    hosts = str(params.get("hostaddr") or params.get("host") or os.environ.get("PGHOST") or "")
    for host in hosts.split(","):
        host = host.strip()
        if host and not host.startswith("/") and not is_loopback(host):
            raise StoreError(
                f"DATABASE_URL points at {host}: the app only connects to a database on this "
                "machine (127.0.0.1, ::1, localhost or a Unix socket folder)"
            )
    return params


def safe_description(params: dict[str, Any]) -> str:
    host = params.get("host") or params.get("hostaddr") or "local socket"
    return f"PostgreSQL {params.get('dbname', '')} on {host}:{params.get('port', 5432)}"


class PostgresStore(SqlStore):
    dialect = "postgres"

    def __init__(self, url: str, pool_size: int = 8) -> None:
        params = check_loopback(url)
        self.url = url
        self.description = safe_description(params)
        super().__init__(pool_size)

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self.url, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_S
            )
        except psycopg.OperationalError as problem:
            raise StoreError(f"cannot connect to {self.description}: {problem}") from None

    def _healthy(self, conn: psycopg.Connection) -> bool:
        return (
            not conn.closed
            and not conn.broken
            and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _begin(self, conn: psycopg.Connection, write: bool) -> Iterator[Any]:
        with conn.transaction(), conn.cursor() as cur:
            if not write:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield cur

    def _lock_for_migration(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
