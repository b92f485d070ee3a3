"""Which store the environment selects, and the database URLs the app refuses."""

from __future__ import annotations

import pytest

from progress.postgres_store import check_loopback
from progress.sqlite_store import SqliteStore
from progress.store import SQLITE_FILE, StoreError, open_store


def test_without_a_url_the_store_is_sqlite_in_the_data_folder_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    store = open_store()
    try:
        assert isinstance(store, SqliteStore)
        assert store.path == tmp_path / "data" / SQLITE_FILE
        assert store.journal_mode() == "wal"
    finally:
        store.close()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@db.example.com/lab",
        "postgresql://u@10.0.0.5:5432/lab",
        "postgresql://u@127.0.0.1,10.0.0.5/lab",
        "postgresql:///lab?host=203.0.113.9",
        "postgresql://u@localhost/lab?hostaddr=198.51.100.4",
        "postgresql:///lab?service=prod",
    ],
)
def test_a_database_beyond_loopback_is_refused_before_connecting(url):
    with pytest.raises(StoreError):
        check_loopback(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@127.0.0.1:5432/lab",
        "postgresql://u@[::1]/lab",
        "postgresql://u@localhost/lab",
        "postgresql:///lab?host=/var/run/postgresql",
    ],
)
def test_a_database_on_this_machine_is_allowed(url, monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    check_loopback(url)


def test_a_url_of_another_kind_is_refused():
    with pytest.raises(StoreError, match="must start with"):
        open_store("mysql://u@127.0.0.1/lab")


def test_the_logic_modules_import_no_streamlit():
    import subprocess
    import sys
    from pathlib import Path

    logic = ["store", "sql", "sqlite_store", "postgres_store", "migrations", "records",
             "identity", "quiz", "transfer", "dashboard", "charts", "passcode",
             "throwaway_postgres", "__main__"]  # fmt: skip
    code = "; ".join(f"import progress.{name}" for name in logic)
    code += "; import sys; print('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
