"""Lab files: the shipped labs load; a broken one fails with its file and field."""

from pathlib import Path

import pytest

from labs.checks import CHECKS
from labs.model import LabError, load_labs, load_labs_from, parse_lab

MINIMAL = """\
title: T
summary: S
minutes: 10
objectives: [o]
steps:
  - id: one
    title: One
    instructions: Do it.
    checks: [{kind: bucket, name: b}]
    hints: [h]
    solution: []
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_three_core_labs_load():
    catalog = load_labs()
    assert catalog.problems == ()
    assert [lab.slug for lab in catalog.labs][:3] == [
        "first-function",
        "s3-trigger",
        "read-the-logs",
    ]
    for lab in catalog.labs:
        assert all(step.checks and step.hints for step in lab.steps), lab.slug


def test_a_minimal_lab_loads(tmp_path):
    lab = parse_lab(write(tmp_path, "tiny.yaml", MINIMAL), set(CHECKS))
    assert lab.slug == "tiny" and lab.steps[0].checks[0].kind == "bucket"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("minutes: 10\n", ""), "tiny.yaml: missing 'minutes'"),
        (("kind: bucket", "kind: teleport"), "tiny.yaml step 1 (one): check 1 kind must be one of"),
        (("    hints: [h]\n", ""), "tiny.yaml step 1 (one): missing 'hints'"),
        (("title: T\n", "title: T\ncolour: red\n"), "unknown fields ['colour']"),
        (("steps:", "steps: [\n"), "tiny.yaml:"),
        (
            ("    hints: [h]\n", "    hints:\n      - Read this: then that\n"),
            "tiny.yaml step 1 (one) hints 1: must be text, found dict",
        ),
        (("objectives: [o]", "objectives: [{a: b}]"), "tiny.yaml objectives 1: must be text"),
    ],
)
def test_a_broken_lab_names_its_file_and_field(tmp_path, change, message):
    path = write(tmp_path, "tiny.yaml", MINIMAL.replace(*change))
    with pytest.raises(
        LabError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        parse_lab(path, set(CHECKS))


def test_a_broken_lab_does_not_hide_the_others(tmp_path):
    write(tmp_path, "good.yaml", MINIMAL)
    write(tmp_path, "bad.yaml", "title: [")
    catalog = load_labs_from(tmp_path)
    assert [lab.slug for lab in catalog.labs] == ["good"]
    assert catalog.problems and catalog.problems[0].startswith("bad.yaml")


def test_an_unknown_fact_in_a_lab_is_named(tmp_path):
    path = write(tmp_path, "tiny.yaml", MINIMAL.replace("Do it.", "Wait {{ limits.forever }}."))
    with pytest.raises(LabError, match="limits.forever"):
        parse_lab(path, set(CHECKS))
