"""Deployment packages unpacked once per code hash, read-only, shared by environments.

Lambda's /var/task is read-only too; a handler that writes there gets an error, as on AWS.
When the sandbox isolates learners (``isolation``), each learner account has its own
folder of packages, owned by root with the account's group: its environments can read
them, other learners cannot, and no learner can make them writable again.
"""

from __future__ import annotations

import hashlib
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
        self._sizes: dict[Path, int] = {}  # unpacked bytes of each folder, from its zips

    def unpack(self, sha256: str, zip_bytes: bytes, group: int | None = None) -> Path:
        """The folder holding this package's files, unpacking it the first time.

        With ``group``, the package is unpacked in that group's own folder and only that
        group may read it."""
        parent = self.root if group is None else self.root / str(group)
        target = parent / sha256[:16]  # short: the path shows in learners' stack traces
        if target.is_dir():
            return target
        with self._lock:
            lock = self._locks.setdefault(f"{group}:{sha256}", threading.Lock())
        with lock:
            if target.is_dir():
                return target
            return self._build(parent, target, group, [zip_bytes])

    def merge_layers(self, layers: list[tuple[str, bytes]], group: int | None = None) -> Path:
        """One folder (mounted at /opt) holding the layers unpacked in order, a later
        layer's file replacing an earlier one's, as Lambda merges them."""
        key = hashlib.sha256("".join(sha for sha, _ in layers).encode()).hexdigest()
        parent = self.root if group is None else self.root / str(group)
        target = parent / f"layers-{key[:16]}"
        if target.is_dir():
            return target
        with self._lock:
            lock = self._locks.setdefault(f"{group}:layers:{key}", threading.Lock())
        with lock:
            if target.is_dir():
                return target
            return self._build(parent, target, group, [zip_bytes for _, zip_bytes in layers])

    def _build(self, parent: Path, target: Path, group: int | None, zips: list[bytes]) -> Path:
        if group is not None and not parent.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
            os.chmod(self.root, 0o711)
            parent.mkdir(exist_ok=True)
            os.chown(parent, 0, group)
            os.chmod(parent, 0o750)
        staging = parent / f".{target.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            budget = UNZIPPED_LIMIT_BYTES
            for zip_bytes in zips:
                budget -= _extract(zip_bytes, staging, budget)
        except CodeError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        make_read_only(staging, group)
        staging.rename(target)
        with self._lock:
            self._sizes[target] = UNZIPPED_LIMIT_BYTES - budget
        return target

    def size_of(self, folder: Path | None) -> int:
        """Bytes unpacked in a folder this store made (0 for None), without walking it;
        a folder it did not make counts as the largest package."""
        if folder is None:
            return 0
        with self._lock:
            return self._sizes.get(folder, UNZIPPED_LIMIT_BYTES)


def _extract(zip_bytes: bytes, into: Path, budget: int) -> int:
    """Unzip into a folder; returns the bytes unpacked, refusing more than ``budget``."""
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            size = sum(info.file_size for info in archive.infolist())
            if size > budget:
                raise CodeError(f"Unzipped size must be smaller than {UNZIPPED_LIMIT_BYTES} bytes")
            archive.extractall(into)  # drops absolute and '..' parts of names
            return size
    except zipfile.BadZipFile as error:
        raise CodeError(f"Could not unzip uploaded file: {error}") from None


def make_read_only(folder: Path, group: int | None = None) -> None:
    """Readable by everyone, or with ``group`` by root and that group only; never writable."""
    others = 0o7 if group is None else 0
    for directory, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                continue
            mode = 0o555 if info.st_mode & 0o111 else 0o444
            if group is not None:
                os.chown(path, 0, group)
            os.chmod(path, mode & (0o550 | others))
        if group is not None:
            os.chown(directory, 0, group)
        os.chmod(directory, 0o555 & (0o550 | others))
