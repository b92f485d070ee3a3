"""A sandbox for the lab tests, and a fresh learner account per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest

from sandbox.server import Sandbox, get_sandbox


@pytest.fixture(scope="session")
def lab_sandbox() -> Iterator[Sandbox]:
    """The process's one sandbox (moto's state is process-wide), as the app itself uses."""
    yield get_sandbox()


@pytest.fixture
def learner(lab_sandbox: Sandbox) -> tuple[str, boto3.Session]:
    learner_id = f"labs-{uuid.uuid4().hex[:8]}"
    return learner_id, lab_sandbox.learner_session(learner_id)
