"""The instructor's passcode: stored as a salted scrypt hash, never as the passcode. No Streamlit.

The hash comes from ``LAMBDA_LAB_INSTRUCTOR_PASSCODE_HASH`` or, when that is unset, from
``<data folder>/instructor-passcode`` (``python -m progress set-passcode`` writes it, or
prints a hash for the variable). A hash reads ``scrypt$<n>$<r>$<p>$<salt>$<digest>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from progress.store import data_dir

HASH_ENV = "LAMBDA_LAB_INSTRUCTOR_PASSCODE_HASH"
HASH_FILE = "instructor-passcode"
N, R, P = 2**14, 8, 1  # scrypt cost: about 16 MiB and a few tens of ms per check
MIN_LENGTH = 8


class PasscodeError(ValueError):
    """A passcode too weak to set, or a stored hash that cannot be read."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_passcode(passcode: str, *, n: int = N, r: int = R, p: int = P) -> str:
    if len(passcode) < MIN_LENGTH:
        raise PasscodeError(f"use at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def check_passcode(passcode: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            passcode.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=256 * 1024 * 1024,
        )  # fmt: skip
    except ValueError as problem:
        raise PasscodeError(f"the stored passcode hash cannot be read ({problem})") from None
    return hmac.compare_digest(actual, expected)


def hash_file() -> Path:
    return data_dir() / HASH_FILE


def stored_hash() -> str | None:
    """The configured hash: the environment first, then the data folder's file."""
    from_env = os.environ.get(HASH_ENV, "").strip()
    if from_env:
        return from_env
    path = hash_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def save_hash(hashed: str) -> Path:
    """Write the hash to the data folder, readable by its owner only."""
    path = hash_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(hashed + "\n")
    os.chmod(path, 0o600)
    return path
