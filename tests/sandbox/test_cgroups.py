"""The sandbox's cgroups on this machine's real cgroup file system (skipped without one)."""

from __future__ import annotations

import os

import pytest

from sandbox.runtime.cgroups import CgroupTree


@pytest.fixture
def tree():
    made = CgroupTree.create(f"lambda-lab-{os.getpid()}-test{os.urandom(3).hex()}")
    if made is None:
        pytest.skip("no writable cgroups here")
    yield made
    made.remove()


def test_groups_left_by_a_killed_sandbox_are_removed_at_the_next_start(tree):
    dead_pid = 2**22 + 7  # above any pid this machine hands out
    while os.path.exists(f"/proc/{dead_pid}"):
        dead_pid += 1
    leftovers = []
    for folder in tree.top.folders.values():
        leftover = folder.parent / f"lambda-lab-{dead_pid}-abc123"
        (leftover / "account-123" / "env-1").mkdir(parents=True)
        leftovers.append(leftover)
    alive = tree.top.folders  # a sandbox whose process lives is left alone
    second = CgroupTree.create(f"lambda-lab-{os.getpid()}-second")
    assert second is not None
    try:
        assert not any(leftover.exists() for leftover in leftovers)
        assert all(folder.exists() for folder in alive.values())
    finally:
        second.remove()


def test_an_environment_gets_lambdas_process_quota_and_its_learners_group(tree):
    group = tree.environment("111122223333", "e1")
    assert all(f.parent.name == "account-111122223333" for f in group.folders.values())
    pids = group.folders.get("pids", group.folders.get("unified"))
    assert (pids / "pids.max").read_text().strip() == "1024"
    tree.limit(group, memory_mb=128, ephemeral_mb=512)
    memory = group.folders.get("memory", group.folders.get("unified"))
    limit_file = "memory.limit_in_bytes" if tree.version == 1 else "memory.max"
    assert int((memory / limit_file).read_text()) == (128 + 512) * 1024 * 1024
    group.remove()
