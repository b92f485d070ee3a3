"""The instructor passcode: hashed with scrypt, set from the command line, never stored plain."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from progress.passcode import (
    HASH_ENV,
    PasscodeError,
    check_passcode,
    hash_file,
    hash_passcode,
    stored_hash,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = {"n": 2**10}  # a cheap cost for tests; the default is 2**14


def test_a_hash_checks_its_passcode_and_no_other():
    hashed = hash_passcode("correct horse", **FAST)
    assert hashed.startswith("scrypt$1024$8$1$") and "correct horse" not in hashed
    assert check_passcode("correct horse", hashed)
    assert not check_passcode("correct horsE", hashed)
    assert hash_passcode("correct horse", **FAST) != hashed  # salted


def test_a_short_passcode_is_refused_and_a_damaged_hash_reported():
    with pytest.raises(PasscodeError):
        hash_passcode("short")
    with pytest.raises(PasscodeError):
        check_passcode("anything", "md5$abc")


def test_the_environment_wins_over_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(HASH_ENV, raising=False)
    assert stored_hash() is None
    hash_file().write_text(hash_passcode("from the file", **FAST))
    assert check_passcode("from the file", stored_hash())
    monkeypatch.setenv(HASH_ENV, hash_passcode("from the env", **FAST))
    assert check_passcode("from the env", stored_hash())


def run_cli(*args: str, stdin: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "progress", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "LAMBDA_LAB_DATA_DIR": str(data_dir)},
        timeout=60,
    )


def test_set_passcode_stores_only_a_hash_readable_by_its_owner(tmp_path):
    done = run_cli("set-passcode", "--stdin", stdin="workshop passcode\n", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "instructor-passcode"
    saved = path.read_text()
    assert "workshop passcode" not in saved
    assert check_passcode("workshop passcode", saved.strip())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_set_passcode_can_print_the_hash_for_the_environment(tmp_path):
    done = run_cli("set-passcode", "--stdin", "--print", stdin="workshop passcode\n",
                   data_dir=tmp_path)  # fmt: skip
    assert done.returncode == 0
    assert check_passcode("workshop passcode", done.stdout.strip())
    assert not (tmp_path / "instructor-passcode").exists()


def test_set_passcode_refuses_a_short_one(tmp_path):
    done = run_cli("set-passcode", "--stdin", stdin="abc\n", data_dir=tmp_path)
    assert done.returncode == 1 and "at least" in done.stderr
