"""`python -m labs verify`: every reference solution passes; the starter state fails."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_lab_verifies_on_a_fresh_sandbox():
    result = subprocess.run(
        [sys.executable, "-m", "labs", "verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len([line for line in lines if line.startswith("ok ")]) >= 3
