"""One AWS account per learner inside the one moto server.

moto chooses the account of a request from its access key: each learner gets an IAM
user ``learner`` in an account of their own, with an access key that only that account
knows. Their boto3 calls, and the handlers they run (whose role credentials are issued
in the same account), only ever see that account. Resetting a learner wipes only it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from sandbox import moto_state

LEARNER_USER = "learner"
REGION = "us-east-1"


@dataclass(frozen=True)
class LearnerAccount:
    learner_id: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    region: str = REGION

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{LEARNER_USER}"


class LearnerAccounts:
    """learner id -> account, created on first use, stable for the sandbox's lifetime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_learner: dict[str, LearnerAccount] = {}
        self._taken: set[str] = set()

    def _account_id_for(self, learner_id: str) -> str:
        """Twelve digits derived from the learner id, never moto's default account."""
        digest = int(hashlib.sha256(learner_id.encode("utf-8")).hexdigest(), 16)
        while True:
            candidate = f"{digest % 10**12:012d}"
            if candidate not in self._taken and not moto_state.is_default_account(candidate):
                return candidate
            digest //= 7

    def account(self, learner_id: str) -> LearnerAccount:
        if not learner_id:
            raise ValueError("a learner id is required")
        with self._lock:
            found = self._by_learner.get(learner_id)
            if found is None:
                account_id = self._account_id_for(learner_id)
                key_id, secret = moto_state.new_access_key_pair(account_id)
                found = LearnerAccount(learner_id, account_id, key_id, secret)
                self._by_learner[learner_id] = found
                self._taken.add(account_id)
            self._register(found)
            return found

    def _register(self, account: LearnerAccount) -> None:
        moto_state.register_user_key(
            account.account_id, LEARNER_USER, account.access_key_id, account.secret_access_key
        )

    def reset(self, learner_id: str) -> LearnerAccount:
        """Wipe everything in the learner's account; their credentials keep working."""
        account = self.account(learner_id)
        with self._lock:
            moto_state.wipe_account(account.account_id)
            self._register(account)
        return account

    def all(self) -> list[LearnerAccount]:
        with self._lock:
            return list(self._by_learner.values())
