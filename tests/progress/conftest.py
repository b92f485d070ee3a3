"""Each store test runs twice: on a SQLite file and on a throwaway PostgreSQL.

The PostgreSQL server is started once per test session from Debian's binaries in a temp
folder (``progress.throwaway_postgres``), or taken from ``LAMBDA_LAB_TEST_DATABASE_URL``;
each test gets a schema of its own in it. Where no server can start, the PostgreSQL half
is skipped and the summary says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from progress.store import ProgressStore, open_store
from progress.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres

EXTERNAL_URL_ENV = "LAMBDA_LAB_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database the tests may fill and empty."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        yield external
        return
    try:
        cluster = ThrowawayPostgres().start()
    except PostgresUnavailable as why:
        pytest.skip(f"PostgreSQL store tests skipped: {why}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


def in_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty schema of the test server, as a URL the store opens."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield in_schema(postgres_server, schema)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'progress.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[ProgressStore]:
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


def raw_execute(url: str, statements: list[str]) -> None:
    """Run SQL on the store's database behind its back (to build an old schema...)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    with psycopg.connect(url, autocommit=False) as conn:
        for statement in statements:
            conn.execute(statement)
