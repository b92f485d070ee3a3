"""Sandbox sessions share parsed service models and clients, never a learner's account."""

from __future__ import annotations

import uuid

from botocore.config import Config


def test_a_learners_sessions_reuse_one_client_and_other_learners_get_their_own(sandbox):
    alice, bob = f"alice-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    first = sandbox.learner_session(alice).client("sts")
    again = sandbox.learner_session(alice).client("sts")
    other = sandbox.learner_session(bob).client("sts")
    assert first is again
    assert other is not first
    assert first.get_caller_identity()["Account"] == sandbox.learner_account(alice).account_id
    assert other.get_caller_identity()["Account"] == sandbox.learner_account(bob).account_id


def test_a_client_with_its_own_config_is_private_and_still_talks_to_the_sandbox(sandbox):
    learner = f"carol-{uuid.uuid4().hex[:6]}"
    session = sandbox.learner_session(learner)
    private = session.client("sts", config=Config(retries={"total_max_attempts": 1}))
    assert private is not session.client("sts")
    assert private.meta.endpoint_url == sandbox.endpoint_url
    assert private.get_caller_identity()["Account"] == sandbox.learner_account(learner).account_id


def test_sessions_share_one_loader_so_models_are_parsed_once(sandbox):
    one = sandbox.learner_session("dave")._session.get_component("data_loader")
    two = sandbox.learner_session("erin")._session.get_component("data_loader")
    assert one is two
    boto3_data = [p for p in one.search_paths if p.endswith("boto3/data")]
    assert len(boto3_data) == 1  # not appended again by every session
