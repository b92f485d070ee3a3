"""`python -m labs verify`: every lab's reference solution passes its checks on a fresh sandbox,
and every lab's first check fails before the learner starts (so the checks can fail)."""

from __future__ import annotations

import argparse
import sys
import uuid

from labs.engine import verify_lab
from labs.model import load_labs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labs")
    parser.add_argument("command", choices=["verify"])
    parser.add_argument("--lab", help="verify one lab by slug")
    args = parser.parse_args(argv)

    from sandbox.server import Sandbox

    catalog = load_labs()
    for problem in catalog.problems:
        print(f"INVALID {problem}")
    labs = [lab for lab in catalog.labs if not args.lab or lab.slug == args.lab]
    failed = bool(catalog.problems)
    with Sandbox() as sandbox:
        for lab in labs:
            learner_id = f"verify-{lab.slug}-{uuid.uuid4().hex[:6]}"
            session = sandbox.learner_session(learner_id)
            result = verify_lab(session, learner_id, lab, sandbox.wait_for_async)
            status = "ok" if result.ok else "FAIL"
            detail = (
                ""
                if result.starter_fails
                else " (the starter state already passes the first check)"
            )
            print(f"{status:4} {lab.slug}: {len(lab.steps)} steps{detail}")
            for failure in result.failures:
                print(f"     {failure}")
            failed |= not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
