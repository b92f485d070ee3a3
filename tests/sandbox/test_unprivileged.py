"""The boundary when the sandbox is not root (a learner's laptop): bubblewrap makes a user
namespace, the code is uid 993 inside, and the same attacks fail.

The sandbox runs as an unprivileged uid in a process of its own, on the machine's Python
of the same version (the project's virtual environment may sit where only root can
reach, such as pyenv under /root). Skipped where the machine cannot run it so: not root
(no other uid to become), no such Python, or a checkout that other users cannot read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.sandbox.attempts import ATTEMPT_ERRNO
from tests.sandbox.served import lambda_with_function, serving

ROOT = Path(__file__).resolve().parents[2]
UID = 3_999_917
PYTHON = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin")
SITE = sysconfig.get_paths()["purelib"]

ATTACKS = ATTEMPT_ERRNO + """
import ctypes, os, socket

def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    def new_user_namespace():
        if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
            raise OSError(ctypes.get_errno(), "unshare")
    stats = os.statvfs("/tmp")
    return {
        "uid": os.getuid(),
        "host_file": attempt(lambda: open(event["host_file"]).read()),
        "network": attempt(lambda: socket.create_connection(("192.0.2.1", 80), timeout=2)),
        "tmp_mb": stats.f_blocks * stats.f_frsize // (1024 * 1024),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "user_namespace": attempt(new_user_namespace),
    }
"""


def as_user(*command: str) -> list[str]:
    return ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", *command]


def environment(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": f"{SITE}:{ROOT}"}


@pytest.fixture
def unprivileged(tmp_path_factory: pytest.TempPathFactory):
    if os.geteuid() != 0 or PYTHON is None or shutil.which("setpriv") is None:
        pytest.skip("needs root (to become another uid), setpriv and the machine's Python")
    home = tmp_path_factory.mktemp("unprivileged-home")
    os.chown(home, UID, UID)
    os.chmod(home.parent, 0o755)
    probe = subprocess.run(
        as_user(PYTHON, "-c", "import boto3, moto, awslambdaric, sandbox"),
        env=environment(home), cwd=home, capture_output=True, text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"another uid cannot read this checkout or its packages: {probe.stderr[-200:]}")
    command = as_user(PYTHON, "-m", "sandbox", "serve", "--port", "0", "--learner", "laptop")
    with serving(command, env=environment(home), cwd=home) as banner:
        yield banner


def test_as_an_ordinary_user_the_same_attacks_fail(unprivileged, tmp_path):
    assert "isolated by Linux namespaces" in unprivileged
    lam = lambda_with_function(unprivileged, "attacks", ATTACKS, Timeout=10)
    host_file = tmp_path / "secret.txt"
    host_file.write_text("the host's")
    host_file.chmod(0o644)
    response = lam.invoke(FunctionName="attacks", Payload=json.dumps({"host_file": str(host_file)}))
    seen = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, seen
    assert seen["uid"] == 993  # Lambda's sbx_user1051, inside a user namespace
    assert seen["host_file"] == "ENOENT"
    assert seen["network"] == "ENETUNREACH"
    assert seen["tmp_mb"] == 512
    assert len(seen["processes"]) <= 3
    assert seen["user_namespace"] != "allowed"  # no nested user namespaces
