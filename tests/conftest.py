"""Shared fixtures: a real `streamlit run app.py` server, and Playwright on Debian's Chromium."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"

# Learners' progress goes to a throwaway SQLite file, never the repo's data/ folder nor a
# DATABASE_URL of the developer's; the app server below inherits this environment.
os.environ["LAMBDA_LAB_DATA_DIR"] = tempfile.mkdtemp(prefix="lambda-lab-test-data-")
atexit.register(shutil.rmtree, os.environ["LAMBDA_LAB_DATA_DIR"], ignore_errors=True)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("LAMBDA_LAB_INSTRUCTOR_PASSCODE_HASH", None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"{url} was not healthy after {timeout} s")


class AppServer:
    def __init__(self, url: str, off_loopback_log: Path, log: Path):
        self.url = url
        self.off_loopback_log = off_loopback_log
        self.log = log

    def off_loopback_attempts(self) -> list[str]:
        if not self.off_loopback_log.exists():
            return []
        return self.off_loopback_log.read_text().splitlines()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`streamlit run app.py` on a free loopback port, as a learner would start it."""
    folder = tmp_path_factory.mktemp("app-server")
    port = free_port()
    attempts = folder / "off-loopback.log"
    log = folder / "streamlit.log"
    env = dict(os.environ, LAMBDA_LAB_OFF_LOOPBACK_LOG=str(attempts))
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield AppServer(url, attempts, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, headless, with its background traffic switched off."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }
