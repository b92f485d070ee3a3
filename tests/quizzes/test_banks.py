"""The question banks: the shipped ones are complete and clean; broken ones are caught."""

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

from lessons.catalog import load_lessons
from quizzes.exam import domain_counts
from quizzes.questions import DOMAINS, lesson_sections, lint_banks, load_quizzes

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_quizzes()

GOOD = dedent(
    """\
    title: Test bank
    kind: exam
    questions:
      - id: t-1
        type: single
        stem: How long may one invocation run at most?
        options:
          - {id: a, text: "{{ limits.timeout_max_s }}", why: The hard limit.}
          - {id: b, text: 1 hour, why: Longer than Lambda allows.}
        answer: a
        tags: [limits]
        domain: resilient
        difficulty: 1
        lesson: configuration-and-limits
        facts: [limits.timeout_max_s]
    """
)


def lint_text(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "bank.yaml").write_text(text)
    return [str(p) for p in lint_banks(tmp_path, lesson_sections()).problems]


def test_the_shipped_banks_are_clean_and_large_enough():
    assert CATALOG.problems == ()
    exam = [q for q in CATALOG.questions if q.kind == "exam"]
    assert len(exam) >= 120
    for domain, needed in domain_counts(65).items():
        assert sum(q.domain == domain for q in exam) >= needed, domain


def test_every_lesson_has_a_check_of_three_to_six_questions():
    checks = {b.name: b for b in CATALOG.banks if b.kind == "lesson-check"}
    for lesson in load_lessons():
        bank = checks.get(f"check-{lesson.slug}")
        assert bank is not None, lesson.slug
        assert 3 <= len(bank.questions) <= 6, bank.name
        assert all(q.lesson_slug == lesson.slug for q in bank.questions), bank.name


def test_the_seeds_self_quiz_is_answered_question_by_question():
    self_quiz = [b for b in CATALOG.banks if b.kind == "self-quiz"]
    assert len(self_quiz) == 1 and len(self_quiz[0].questions) == 8


def test_every_option_of_every_choice_question_is_explained():
    for question in CATALOG.questions:
        assert question.explanation or all(o.why for o in question.options), question.id
        if question.type in ("single", "multiple", "truefalse"):
            assert all(o.why for o in question.options), question.id


def test_a_clean_bank_lints_clean(tmp_path):
    assert lint_text(tmp_path, GOOD) == []


def test_each_kind_of_mistake_is_reported_with_file_line_and_question(tmp_path):
    cases = {
        "answer: a": ("answer: c", "answer 'c' is not among the options"),
        "why: Longer than Lambda allows.": ("why: ''", "option 'b' has no 'why'"),
        "lesson: configuration-and-limits": (
            "lesson: no-such-lesson",
            "unknown lesson 'no-such-lesson'",
        ),
        # a stale quota: the fact says 900 seconds
        'text: "{{ limits.timeout_max_s }}"': ("text: 600 seconds", "never states its value"),
        "domain: resilient": ("domain: vibes", "domain must be one of"),
    }
    for old, (new, message) in cases.items():
        problems = lint_text(tmp_path, GOOD.replace(old, new))
        assert problems, f"{new!r} should be reported"
        assert "bank.yaml:4: question t-1:" in problems[0] and message in problems[0], problems


def test_duplicate_ids_across_banks_are_reported(tmp_path):
    (tmp_path / "other.yaml").write_text(GOOD)
    problems = lint_text(tmp_path, GOOD)
    assert any("id is used in" in p for p in problems)


def test_a_lesson_check_with_too_many_questions_is_reported(tmp_path):
    one = GOOD.split("questions:\n")[1]
    seven = "".join(one.replace("id: t-1", f"id: t-{i}") for i in range(7))
    text = "title: Check\nkind: lesson-check\nquestions:\n" + seven
    assert any("3 to 6 questions, not 7" in p for p in lint_text(tmp_path, text))


def test_the_lint_command_ends_with_the_count_and_fails_on_problems(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "quizzes", "lint"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0
    assert (
        run.stdout.strip().splitlines()[-1]
        == f"{len(CATALOG.questions)} questions in {len(CATALOG.banks)} banks"
    )
    (tmp_path / "bad.yaml").write_text(GOOD.replace("answer: a", "answer: z"))
    bad = subprocess.run(
        [sys.executable, "-m", "quizzes", "lint", "--dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "bad.yaml:4: question t-1" in bad.stdout
    assert bad.stdout.strip().splitlines()[-1] == "0 questions in 1 banks"
    assert set(DOMAINS) == {"secure", "resilient", "performant", "cost"}
