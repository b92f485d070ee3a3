"""Question banks: load, validate and look up questions. No Streamlit here.

A bank is ``quizzes/bank/<name>.yaml``::

    title: Lesson checks — the execution model
    kind: lesson-check          # self-quiz | lesson-check | exam
    questions:
      - id: cold-start-pc-01    # stable: progress and deep links use it
        type: single            # single | multiple | numeric | ordering | truefalse
        stem: ...               # Markdown; may quote facts as {{ group.name }}
        options:                # single, multiple, truefalse (ids true/false), ordering (the steps)
          - {id: a, text: ..., why: ...}
        answer: a               # an id; ids (multiple; ordering, in order); a number; true/false
        tolerance: 0.01         # numeric only: accepted distance from the answer
        unit: USD               # numeric only, optional
        explanation: ...        # why the answer is right (required for numeric and ordering)
        tags: [cold-start]
        domain: performant      # the SAA-C03 domain it trains
        difficulty: 2           # 1 easy, 2 medium, 3 hard
        lesson: execution-model-and-cold-starts#provisioned-concurrency
        facts: [limits.timeout_max_s]   # numbers the question relies on (checked by the lint)
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from course.facts import PLACEHOLDER, format_value, load_facts, render_placeholders

BANK_DIR = Path(__file__).parent / "bank"
BANK_DIR_ENV = "LAMBDA_LAB_QUIZ_DIR"  # another folder of banks, for authors and tests
TYPES = ("single", "multiple", "numeric", "ordering", "truefalse")
KINDS = ("self-quiz", "lesson-check", "exam", "practice")
LESSON_CHECK_SIZE = (3, 6)  # questions in one lesson's check
# SAA-C03 domains and their share of the exam's scored content.
DOMAINS: dict[str, tuple[str, float]] = {
    "secure": ("Design secure architectures", 0.30),
    "resilient": ("Design resilient architectures", 0.26),
    "performant": ("Design high-performing architectures", 0.24),
    "cost": ("Design cost-optimized architectures", 0.20),
}
QUESTION_KEYS = {
    "id", "type", "stem", "options", "answer", "tolerance", "unit", "explanation",
    "tags", "domain", "difficulty", "lesson", "facts", "lab",
}  # fmt: skip


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    why: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    stem: str
    options: tuple[Option, ...]
    answer: Any  # str | tuple[str, ...] | float | bool, by type
    explanation: str
    tags: tuple[str, ...]
    domain: str
    difficulty: int
    lesson: str  # "<slug>" or "<slug>#<anchor>"
    bank: str
    kind: str
    tolerance: float = 0.0
    unit: str = ""
    facts: tuple[str, ...] = ()
    lab: str | None = None
    line: int = 1  # where the question starts in its bank file

    @property
    def lesson_slug(self) -> str:
        return self.lesson.partition("#")[0]

    @property
    def lesson_anchor(self) -> str:
        return self.lesson.partition("#")[2]

    def option(self, option_id: str) -> Option:
        return next(o for o in self.options if o.id == option_id)


@dataclass(frozen=True)
class Bank:
    name: str
    title: str
    kind: str
    path: Path
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class BankProblem:
    path: Path
    where: str  # "question <id>" or "bank"
    message: str
    line: int = 1

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.where}: {self.message}"


class _LineLoader(yaml.SafeLoader):
    """Records the line each mapping starts on, so problems name a line."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def _render(text: str) -> str:
    with contextlib.suppress(KeyError):  # unknown facts are reported by the validator
        return render_placeholders(text)
    return text


def _check_placeholders(text: str, problem) -> None:
    facts = load_facts()
    for match in PLACEHOLDER.finditer(text):
        key, fld = match.group(1), match.group(2) or "display"
        if key not in facts:
            problem(f"unknown fact '{key}' (see course/facts.yaml)")
            continue
        try:
            facts[key].field(fld)
        except KeyError as exc:
            problem(str(exc.args[0]))


def _check_numbers_agree(qtype, answer, tolerance, keys, texts, problem) -> None:
    """A question that names a fact must use that fact's current value.

    A numeric question resting on one numeric fact must have it as its answer; any other
    named fact must appear in the question's rendered text, so an edited quota in
    facts.yaml makes the stale question fail the lint instead of teaching a wrong number.
    """
    facts = load_facts()
    known = [facts[k] for k in keys if k in facts]
    numeric = [
        f for f in known if isinstance(f.value, int | float) and not isinstance(f.value, bool)
    ]
    if qtype == "numeric" and len(known) == 1 and numeric and isinstance(answer, int | float):
        if abs(float(answer) - float(numeric[0].value)) > float(tolerance or 0):
            problem(f"answer {answer} disagrees with {numeric[0].key} = {numeric[0].value}")
        return
    rendered = " ".join(_render(t) for t in texts)
    for fact in known:
        shown = {fact.display, format_value(fact.value)}
        if isinstance(fact.value, list):
            shown |= {format_value(v) for v in fact.value}
        if not any(s and s in rendered for s in shown):
            problem(f"names fact {fact.key} but never states its value ({fact.display})")


def parse_question(
    raw: Any, bank: str, kind: str, path: Path
) -> tuple[Question | None, list[BankProblem]]:
    """Validate one raw question; return it (or None) and every problem found."""
    problems: list[BankProblem] = []
    line = raw.get("__line__", 1) if isinstance(raw, Mapping) else 1
    qid = str(raw.get("id", "?")) if isinstance(raw, Mapping) else "?"

    def problem(message: str) -> None:
        problems.append(BankProblem(path, f"question {qid}", message, line))

    if not isinstance(raw, Mapping):
        problem("must be a mapping")
        return None, problems
    unknown = sorted(set(raw) - QUESTION_KEYS - {"__line__"})
    if unknown:
        problem(f"unknown keys: {', '.join(unknown)}")
    if not _text(raw.get("id")):
        problem("lacks an 'id'")
    qtype = raw.get("type")
    if qtype not in TYPES:
        problem(f"type must be one of {', '.join(TYPES)}")
        return None, problems
    stem = _text(raw.get("stem"))
    if not stem:
        problem("lacks a 'stem'")
    domain = raw.get("domain")
    if domain not in DOMAINS:
        problem(f"domain must be one of {', '.join(DOMAINS)}")
    difficulty = raw.get("difficulty")
    if difficulty not in (1, 2, 3):
        problem("difficulty must be 1, 2 or 3")
    tags = raw.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
        problem("tags must be a non-empty list of strings")
        tags = []
    lesson = _text(raw.get("lesson"))
    if not lesson:
        problem("lacks a 'lesson' link (<slug> or <slug>#<section>)")
    facts_used = raw.get("facts") or []
    if not isinstance(facts_used, list):
        problem("facts must be a list of fact keys")
        facts_used = []
    for key in facts_used:
        if key not in load_facts():
            problem(f"unknown fact '{key}' (see course/facts.yaml)")

    options: list[Option] = []
    raw_options = raw.get("options") or []
    if qtype in ("single", "multiple", "ordering", "truefalse"):
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            problem("needs at least two options")
            raw_options = []
        for item in raw_options:
            if not isinstance(item, Mapping) or not _text(str(item.get("id", ""))):
                problem("every option needs an 'id' and 'text'")
                continue
            oid = str(item["id"]).lower() if isinstance(item["id"], bool) else str(item["id"])
            why = _text(item.get("why"))
            if not why and qtype != "ordering":
                problem(f"option '{oid}' has no 'why' (explain why it is right or wrong)")
            if not _text(item.get("text")):
                problem(f"option '{oid}' has no 'text'")
            options.append(Option(oid, _render(_text(item.get("text"))), _render(why)))
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            problem("option ids must be unique")
    elif raw_options:
        problem(f"a {qtype} question has no options")

    answer: Any = raw.get("answer")
    ids = {o.id for o in options}
    if qtype == "single":
        answer = str(answer)
        if answer not in ids:
            problem(f"answer '{answer}' is not among the options")
    elif qtype == "multiple":
        if not isinstance(answer, list) or len(answer) < 2:
            problem("a multiple-response answer is a list of two or more option ids")
            answer = ()
        answer = tuple(str(a) for a in answer)
        if any(a not in ids for a in answer):
            problem("every answer must be among the options")
        if len(answer) >= len(ids):
            problem("at least one option must be wrong")
    elif qtype == "truefalse":
        if ids != {"true", "false"}:
            problem("a true/false question has exactly the options 'true' and 'false'")
        if not isinstance(answer, bool):
            problem("a true/false answer is true or false")
        answer = str(answer).lower()
    elif qtype == "ordering":
        if not isinstance(answer, list) or sorted(map(str, answer)) != sorted(ids):
            problem("an ordering answer lists every option id once, in the right order")
            answer = ()
        answer = tuple(str(a) for a in answer)
    elif qtype == "numeric":
        if (
            isinstance(answer, bool)
            or not isinstance(answer, int | float)
            or not math.isfinite(answer)
        ):
            problem("a numeric answer is a number")
            answer = math.nan
        tolerance = raw.get("tolerance", 0)
        if not isinstance(tolerance, int | float) or tolerance < 0:
            problem("tolerance must be a number of zero or more")
    explanation = _text(raw.get("explanation"))
    if qtype in ("numeric", "ordering") and not explanation:
        problem("needs an 'explanation' of the answer")
    texts = [stem, explanation] + [f"{o.text} {o.why}" for o in options]
    for text in texts:
        _check_placeholders(text, problem)
    _check_numbers_agree(qtype, answer, raw.get("tolerance", 0), facts_used, texts, problem)
    if problems:
        return None, problems
    return (
        Question(
            id=str(raw["id"]),
            type=qtype,
            stem=_render(stem),
            options=tuple(options),
            answer=float(answer) if qtype == "numeric" else answer,
            explanation=_render(explanation),
            tags=tuple(tags),
            domain=domain,
            difficulty=difficulty,
            lesson=lesson,
            bank=bank,
            kind=kind,
            tolerance=float(raw.get("tolerance", 0)),
            unit=str(raw.get("unit", "")),
            facts=tuple(facts_used),
            lab=raw.get("lab"),
            line=line,
        ),
        problems,
    )


def load_bank(path: Path) -> tuple[Bank | None, list[BankProblem]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or exc
        return None, [BankProblem(path, "bank", f"not valid YAML: {reason}", line)]
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), list):
        return None, [BankProblem(path, "bank", "must be a mapping with a 'questions' list")]
    problems: list[BankProblem] = []
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(BankProblem(path, "bank", f"kind must be one of {', '.join(KINDS)}"))
    if not _text(data.get("title")):
        problems.append(BankProblem(path, "bank", "lacks a 'title'"))
    questions: list[Question] = []
    for raw in data["questions"]:
        question, found = parse_question(raw, path.stem, str(kind), path)
        problems.extend(found)
        if question:
            questions.append(question)
    low, high = LESSON_CHECK_SIZE
    if kind == "lesson-check" and not low <= len(data["questions"]) <= high:
        problems.append(
            BankProblem(
                path,
                "bank",
                f"a lesson check holds {low} to {high} questions, not {len(data['questions'])}",
            )
        )
    bank = Bank(path.stem, _text(data.get("title")), str(kind), path, tuple(questions))
    return bank, problems


@dataclass(frozen=True)
class QuizCatalog:
    banks: tuple[Bank, ...]
    problems: tuple[BankProblem, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for bank in self.banks for q in bank.questions)

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


def lint_banks(
    directory: Path = BANK_DIR, lesson_sections: Mapping[str, set[str]] | None = None
) -> QuizCatalog:
    """Load every bank and check the set: unique ids and lesson links that resolve."""
    banks: list[Bank] = []
    problems: list[BankProblem] = []
    for path in sorted(directory.glob("*.yaml")):
        bank, found = load_bank(path)
        problems.extend(found)
        if bank:
            banks.append(bank)
    seen: dict[str, Path] = {}
    for bank in banks:
        for q in bank.questions:
            if q.id in seen:
                problems.append(
                    BankProblem(
                        bank.path,
                        f"question {q.id}",
                        f"id is used in {seen[q.id].name} too",
                        q.line,
                    )
                )
            seen[q.id] = bank.path
            if lesson_sections is not None:
                if q.lesson_slug not in lesson_sections:
                    problems.append(
                        BankProblem(
                            bank.path,
                            f"question {q.id}",
                            f"links to unknown lesson '{q.lesson_slug}'",
                            q.line,
                        )
                    )
                elif q.lesson_anchor and q.lesson_anchor not in lesson_sections[q.lesson_slug]:
                    problems.append(
                        BankProblem(
                            bank.path,
                            f"question {q.id}",
                            f"links to unknown section '{q.lesson}'",
                            q.line,
                        )
                    )
    return QuizCatalog(tuple(banks), tuple(problems))


def lesson_sections() -> dict[str, set[str]]:
    from lessons.catalog import load_lessons

    return {lesson.slug: {s.anchor for s in lesson.sections} for lesson in load_lessons()}


@cache
def load_quizzes() -> QuizCatalog:
    """Every valid question; broken banks are reported, never fatal to the app."""
    return lint_banks(Path(os.environ.get(BANK_DIR_ENV, BANK_DIR)), lesson_sections())


def by_lesson(questions: Sequence[Question], slug: str) -> list[Question]:
    return [q for q in questions if q.lesson_slug == slug]
