"""The local AWS of Lambda Lab: moto's server as the control plane, our runtime for Lambda.

Public API (no Streamlit here; the worker imports this package too, so it stays light):

    get_sandbox() -> Sandbox            the process's sandbox, started once and reused
    learner_session(learner_id) -> boto3.Session   a learner's own account, us-east-1
    reset_learner(learner_id) -> None   wipe that learner's account only
    Sandbox(port=0, ...).start()/stop() and .endpoint_url, for tests and `serve`
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

    from sandbox.server import Sandbox

__all__ = ["Sandbox", "get_sandbox", "learner_session", "reset_learner"]


def get_sandbox() -> Sandbox:
    from sandbox.server import get_sandbox as process_sandbox

    return process_sandbox()


def learner_session(learner_id: str) -> boto3.Session:
    """A boto3 session in the learner's own sandbox account (region us-east-1)."""
    return get_sandbox().learner_session(learner_id)


def reset_learner(learner_id: str) -> None:
    """Wipe everything in one learner's sandbox account; other learners keep theirs."""
    get_sandbox().reset_learner(learner_id)


def __getattr__(name: str) -> object:
    if name == "Sandbox":
        from sandbox.server import Sandbox

        return Sandbox
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
