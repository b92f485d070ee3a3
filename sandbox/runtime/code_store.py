"""Deployment packages unpacked once per code hash, read-only, shared by environments.

Lambda's /var/task is read-only too; a handler that writes there gets an error, as on AWS.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import threading
import zipfile
from pathlib import Path

# Lambda's quota for the unzipped deployment package (with layers).
UNZIPPED_LIMIT_BYTES = 262_144_000


class CodeError(ValueError):
    """The deployment package cannot be unpacked (not a zip, too large)."""


class CodeStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def unpack(self, sha256: str, zip_bytes: bytes) -> Path:
        """The folder holding this package's files, unpacking it the first time."""
        target = self.root / sha256[:16]  # short: the path shows in learners' stack traces
        if target.is_dir():
            return target
        with self._lock:
            lock = self._locks.setdefault(sha256, threading.Lock())
        with lock:
            if target.is_dir():
                return target
            staging = self.root / f".{sha256[:16]}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            try:
                with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                    size = sum(info.file_size for info in archive.infolist())
                    if size > UNZIPPED_LIMIT_BYTES:
                        raise CodeError(
                            f"Unzipped size must be smaller than {UNZIPPED_LIMIT_BYTES} bytes"
                        )
                    archive.extractall(staging)  # drops absolute and '..' parts of names
            except zipfile.BadZipFile as error:
                shutil.rmtree(staging, ignore_errors=True)
                raise CodeError(f"Could not unzip uploaded file: {error}") from None
            except CodeError:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            make_read_only(staging)
            staging.rename(target)
            return target


def make_read_only(folder: Path) -> None:
    for directory, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(directory, name)
            mode = os.stat(path).st_mode
            os.chmod(path, stat.S_IMODE(mode) & ~0o222 | 0o444)
        os.chmod(directory, 0o555)
