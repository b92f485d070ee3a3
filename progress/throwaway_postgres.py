"""A throwaway PostgreSQL cluster for the tests and the bench: Debian's binaries, a temp dir.

``ThrowawayPostgres().start()`` runs ``initdb`` in a fresh temporary folder and starts
the server on a free loopback port, with the Unix socket in that folder too; ``stop()``
stops it and deletes the folder. PostgreSQL refuses to run as root, so as root it runs
as the ``postgres`` user Debian's package creates (through ``runuser``).
``PostgresUnavailable`` says why a cluster cannot start (no binaries, no such user...),
for a test to skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
SERVICE_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def find_binaries() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest version, else the PATH."""
    versions = sorted(
        glob.glob(DEBIAN_BINARIES), key=lambda p: int(Path(p).parent.name.split(".")[0])
    )
    for folder in reversed(versions):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, database: str = "lambdalab") -> None:
        self.database = database
        self.folder: Path | None = None
        self.port = 0
        self._run_as: list[str] = []
        self._bin: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{SERVICE_USER}@127.0.0.1:{self.port}/{self.database}"

    def _command(self, *args: str) -> list[str]:
        return [*self._run_as, *args]

    def start(self, timeout_s: float = 60) -> ThrowawayPostgres:
        self._bin = find_binaries()
        if self._bin is None:
            raise PostgresUnavailable(
                "PostgreSQL is not installed (no initdb/pg_ctl): `make test` installs "
                "Debian's postgresql"
            )
        self.folder = Path(tempfile.mkdtemp(prefix="lambda-lab-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                self._remove()
                raise PostgresUnavailable(
                    f"running as root and there is no {SERVICE_USER!r} user to run "
                    "PostgreSQL as (initdb refuses root)"
                ) from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._run_as = ["runuser", "-u", SERVICE_USER, "--"]
        data = self.folder / "data"
        self.port = free_port()
        try:
            self._run(
                str(self._bin / "initdb"), "-D", str(data), "-U", SERVICE_USER,
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
            self._run(
                str(self._bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "server.log"),
                "-w", "-t", str(int(timeout_s)), "-o",
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c max_connections=200 -c fsync=on",
                "start",
            )  # fmt: skip
            self._create_database(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, *args: str) -> None:
        done = subprocess.run(self._command(*args), capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            log = ""
            if self.folder and (self.folder / "server.log").exists():
                log = (self.folder / "server.log").read_text()[-2000:]
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}\n{log}"
            )

    def _create_database(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        admin = f"postgresql://{SERVICE_USER}@127.0.0.1:{self.port}/postgres"
        while True:
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{self.database}"')
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.folder is None:
            return
        data = self.folder / "data"
        if self._bin is not None and (data / "postmaster.pid").exists():
            subprocess.run(
                self._command(str(self._bin / "pg_ctl"), "-D", str(data), "-m", "immediate",
                              "-w", "stop"),
                capture_output=True,
                cwd="/",
            )  # fmt: skip
        self._remove()

    def _remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
