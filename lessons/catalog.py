"""Load, validate, order and search the lessons. No Streamlit here.

A lesson is ``lessons/<nn>-<slug>.md``: YAML front matter between ``---`` lines, then
Markdown. The body may quote facts as ``{{ group.name }}`` (see course/facts.py), draw
diagrams in fenced ``dot`` blocks, and link to other lessons as ``(?lesson=<slug>)``.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from course.facts import PLACEHOLDER, load_facts, render_placeholders

LESSONS_DIR = Path(__file__).parent
SYLLABUS_PATH = LESSONS_DIR / "syllabus.yaml"
LESSONS_DIR_ENV = "LAMBDA_LAB_LESSONS_DIR"  # another content folder, for authors and tests
FILENAME = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
REQUIRED_KEYS = ("title", "summary", "objectives", "covers")
OPTIONAL_KEYS = ("labs", "quiz_tags")
TAKEAWAYS_HEADING = "## Key takeaways"
LESSON_LINK = re.compile(r"\]\(\?lesson=([a-z0-9-]+)(?:#([a-z0-9-]+))?\)")
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, located by file and line."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


class LessonError(ValueError):
    """A lesson file cannot be loaded; carries every problem found in it."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Block:
    """A piece of a lesson body: Markdown text, or a diagram to draw."""

    kind: str  # "markdown" or "dot"
    text: str


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str


@dataclass(frozen=True)
class Lesson:
    path: Path
    order: int
    slug: str
    title: str
    summary: str
    objectives: tuple[str, ...]
    covers: tuple[str, ...]
    labs: tuple[str, ...]
    quiz_tags: tuple[str, ...]
    body: str  # raw Markdown, placeholders unresolved
    body_line: int  # line of the file where the body starts
    blocks: tuple[Block, ...] = field(default=())

    @property
    def sections(self) -> list[Section]:
        return [
            Section(line[3:].strip(), anchor_for(line[3:].strip()))
            for _, line in prose_lines(self.body)
            if line.startswith("## ")
        ]

    def plain_text(self) -> str:
        """The rendered body as searchable text (no diagram sources)."""
        return "\n".join(b.text for b in self.blocks if b.kind == "markdown")


def anchor_for(title: str) -> str:
    """The URL anchor Streamlit gives a heading (its front end's slugify with decamelize:
    "SnapStart" -> "snap-start", "x86_64" -> "x86-64", "Lambda's" -> "lambdas").
    tests/test_browser.py checks every section's anchor against the real page."""
    text = title.replace("&", " and ")
    text = re.sub(r"([A-Z]{2})(\d+)", r"\1 \2", text)
    text = re.sub(r"([a-z\d])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z])([A-Z](?!s(?![a-z]))[a-z\d]+)", r"\1 \2", text)
    text = text.lower()
    text = re.sub(r"([a-z\d])['\u2019]([ts])(?![a-z\d])", r"\1\2", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z\d]+", "-", text).strip("-")


def prose_lines(body: str) -> list[tuple[int, str]]:
    """(offset, line) for every body line outside fenced code blocks."""
    lines: list[tuple[int, str]] = []
    fenced = False
    for offset, line in enumerate(body.splitlines()):
        if FENCE.match(line.rstrip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((offset, line))
    return lines


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Return (front matter, body, first body line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise LessonError(
            [Problem(path, 1, "missing front matter: the file must start with '---'")]
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            raw = "".join(lines[1:index])
            try:
                meta = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = 2 + mark.line if mark is not None else 1
                problem = getattr(exc, "problem", None) or str(exc)
                raise LessonError(
                    [Problem(path, line, f"front matter is not valid YAML: {problem}")]
                ) from exc
            if not isinstance(meta, dict):
                raise LessonError([Problem(path, 2, "front matter must be a YAML mapping")])
            return meta, "".join(lines[index + 1 :]), index + 2
    raise LessonError([Problem(path, 1, "front matter is not closed by a '---' line")])


def _string_list(
    meta: dict, key: str, path: Path, problems: list[Problem], required: bool
) -> tuple[str, ...]:
    raw = meta.get(key)
    if raw is None:
        if required:
            problems.append(Problem(path, 1, f"front matter lacks '{key}'"))
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        problems.append(Problem(path, 1, f"'{key}' must be a list of non-empty strings"))
        return ()
    if required and not raw:
        problems.append(Problem(path, 1, f"'{key}' must not be empty"))
    return tuple(raw)


def split_blocks(body: str) -> list[tuple[str, str, int]]:
    """Split a body into (kind, text, first line offset) at fenced ``dot`` blocks."""
    blocks: list[tuple[str, str, int]] = []
    current: list[str] = []
    start = 0
    fence: str | None = None  # language of the open fence, "" for plain
    dot: list[str] = []
    dot_start = 0
    for offset, line in enumerate(body.splitlines(keepends=True)):
        match = FENCE.match(line.rstrip("\n"))
        if fence is None and match and match.group(1) == "dot":
            blocks.append(("markdown", "".join(current), start))
            current, fence, dot, dot_start = [], "dot", [], offset
            continue
        if fence == "dot":
            if line.strip() == "```":
                blocks.append(("dot", "".join(dot), dot_start))
                fence, start = None, offset + 1
            else:
                dot.append(line)
            continue
        if match:
            fence = None if fence is not None else match.group(1)
        current.append(line)
    if fence == "dot":
        blocks.append(("dot-unclosed", "".join(dot), dot_start))
    blocks.append(("markdown", "".join(current), start))
    return [b for b in blocks if b[1].strip() or b[0] != "markdown"]


def code_blocks(body: str, language: str) -> Iterable[tuple[str, int]]:
    """Yield (source, line offset of its first line) of each fenced block in ``language``."""
    lines = body.splitlines(keepends=True)
    open_lang: str | None = None
    chunk: list[str] = []
    first = 0
    for offset, line in enumerate(lines):
        match = FENCE.match(line.rstrip("\n"))
        if open_lang is None and match:
            open_lang, chunk, first = match.group(1), [], offset + 1
        elif open_lang is not None and line.strip() == "```":
            if open_lang == language:
                yield "".join(chunk), first
            open_lang = None
        elif open_lang is not None:
            chunk.append(line)


def parse_lesson(path: Path, text: str | None = None) -> Lesson:
    """Load one lesson file; raise LessonError listing every problem with its line."""
    text = path.read_text(encoding="utf-8") if text is None else text
    problems: list[Problem] = []
    name = FILENAME.match(path.name)
    if not name:
        problems.append(
            Problem(path, 1, "file name must be '<nn>-<slug>.md', e.g. '03-triggers.md'")
        )
    meta, body, body_line = split_front_matter(text, path)
    for key in ("title", "summary"):
        if key not in meta:
            problems.append(Problem(path, 1, f"front matter lacks '{key}'"))
        elif not isinstance(meta[key], str) or not meta[key].strip():
            problems.append(Problem(path, 1, f"'{key}' must be a non-empty string"))
    unknown = sorted(set(meta) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        problems.append(Problem(path, 1, f"unknown front matter keys: {', '.join(unknown)}"))
    objectives = _string_list(meta, "objectives", path, problems, required=True)
    covers = _string_list(meta, "covers", path, problems, required=True)
    labs = _string_list(meta, "labs", path, problems, required=False)
    quiz_tags = _string_list(meta, "quiz_tags", path, problems, required=False)

    facts = load_facts()
    body_lines = body.splitlines()
    prose = prose_lines(body)
    prose_offsets = {offset for offset, _ in prose}
    for offset, line in enumerate(body_lines):
        for match in PLACEHOLDER.finditer(line):
            key, fld = match.group(1), match.group(2) or "display"
            if key not in facts:
                problems.append(
                    Problem(
                        path, body_line + offset, f"unknown fact '{key}' (see course/facts.yaml)"
                    )
                )
                continue
            try:
                facts[key].field(fld)
            except KeyError as exc:
                problems.append(Problem(path, body_line + offset, str(exc.args[0])))
        if line.startswith("# ") and offset in prose_offsets:
            problems.append(
                Problem(
                    path,
                    body_line + offset,
                    "no level-1 headings: the title comes from the front matter",
                )
            )
        if "{{" in PLACEHOLDER.sub("", line):
            problems.append(
                Problem(path, body_line + offset, "malformed placeholder: write {{ group.name }}")
            )

    headings = [(i, line) for i, line in prose if line.startswith("## ")]
    if not headings or headings[-1][1].strip() != TAKEAWAYS_HEADING:
        problems.append(Problem(path, body_line, f"the last section must be '{TAKEAWAYS_HEADING}'"))

    for source, offset in code_blocks(body, "python"):
        try:
            compile(source, f"{path.name}:{body_line + offset}", "exec")
        except SyntaxError as exc:
            line = body_line + offset + (exc.lineno or 1) - 1
            problems.append(Problem(path, line, f"Python sample does not compile: {exc.msg}"))

    blocks: list[Block] = []
    for kind, chunk, offset in split_blocks(body):
        if kind == "dot-unclosed":
            problems.append(
                Problem(path, body_line + offset, "diagram block is not closed with ```")
            )
            continue
        if kind == "dot" and not re.search(r"^\s*(strict\s+)?(di)?graph\b", chunk, flags=re.M):
            problems.append(
                Problem(path, body_line + offset, "a dot block must hold a 'digraph' or 'graph'")
            )
        rendered = chunk
        if kind == "markdown":
            with contextlib.suppress(KeyError):  # already reported above, with its line
                rendered = render_placeholders(chunk, facts)
        blocks.append(Block(kind, rendered))

    if problems:
        raise LessonError(problems)
    order, slug = int(name.group(1)), name.group(2)
    return Lesson(
        path=path,
        order=order,
        slug=slug,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        objectives=objectives,
        covers=covers,
        labs=labs,
        quiz_tags=quiz_tags,
        body=body,
        body_line=body_line,
        blocks=tuple(blocks),
    )


def load_syllabus(path: Path = SYLLABUS_PATH) -> dict[str, str]:
    """Topic id -> what the seeds teach under it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def lint(
    directory: Path = LESSONS_DIR, syllabus_path: Path = SYLLABUS_PATH
) -> tuple[list[Lesson], list[Problem]]:
    """Load every lesson and check the set as a whole: every problem, not just the first."""
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        try:
            lessons.append(parse_lesson(path))
        except LessonError as exc:
            problems.extend(exc.problems)
    slugs = {lesson.slug: lesson for lesson in lessons}
    orders: dict[int, Lesson] = {}
    for lesson in lessons:
        if lesson.order in orders:
            problems.append(
                Problem(
                    lesson.path,
                    1,
                    f"order {lesson.order:02d} is used by {orders[lesson.order].path.name} too",
                )
            )
        orders[lesson.order] = lesson
        for offset, line in enumerate(lesson.body.splitlines()):
            for match in LESSON_LINK.finditer(line):
                target, anchor = match.group(1), match.group(2)
                if target not in slugs:
                    problems.append(
                        Problem(
                            lesson.path,
                            lesson.body_line + offset,
                            f"link to unknown lesson '{target}'",
                        )
                    )
                elif anchor and anchor not in {s.anchor for s in slugs[target].sections}:
                    problems.append(
                        Problem(
                            lesson.path,
                            lesson.body_line + offset,
                            f"link to unknown section '{target}#{anchor}'",
                        )
                    )
    if syllabus_path.exists():
        syllabus = load_syllabus(syllabus_path)
        covered: set[str] = set()
        for lesson in lessons:
            for topic in lesson.covers:
                if topic not in syllabus:
                    problems.append(
                        Problem(lesson.path, 1, f"covers unknown syllabus topic '{topic}'")
                    )
                covered.add(topic)
        if lessons:
            for topic in syllabus:
                if topic not in covered:
                    problems.append(Problem(syllabus_path, 1, f"no lesson covers topic '{topic}'"))
    return sorted(lessons, key=lambda x: x.order), problems


@dataclass(frozen=True)
class Catalog:
    """The lessons that loaded, and what is wrong with the files that did not."""

    lessons: tuple[Lesson, ...]
    problems: tuple[Problem, ...]


@cache
def load_catalog() -> Catalog:
    """Every valid lesson in course order. A broken file is reported, never fatal: the
    app keeps serving the other lessons (CI's lint keeps the shipped content clean)."""
    directory = Path(os.environ.get(LESSONS_DIR_ENV, LESSONS_DIR))
    lessons, problems = lint(directory, directory / SYLLABUS_PATH.name)
    return Catalog(tuple(lessons), tuple(problems))


def load_lessons() -> tuple[Lesson, ...]:
    return load_catalog().lessons


def lesson_by_slug(slug: str, lessons: Sequence[Lesson] | None = None) -> Lesson | None:
    return next((x for x in (lessons or load_lessons()) if x.slug == slug), None)


def neighbours(
    lesson: Lesson, lessons: Sequence[Lesson] | None = None
) -> tuple[Lesson | None, Lesson | None]:
    """The previous and next lesson in course order."""
    ordered = list(lessons or load_lessons())
    index = ordered.index(lesson)
    previous = ordered[index - 1] if index > 0 else None
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    return previous, following


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    score: int
    snippet: str


def search(query: str, lessons: Sequence[Lesson] | None = None, width: int = 80) -> list[SearchHit]:
    """Lessons that contain every word of the query, best first, with a snippet."""
    words = [w for w in re.findall(r"[\w.$/-]+", query.lower()) if w]
    if not words:
        return []
    hits: list[SearchHit] = []
    for lesson in lessons or load_lessons():
        text = lesson.plain_text()
        haystack = f"{lesson.title}\n{lesson.summary}\n{text}".lower()
        if not all(w in haystack for w in words):
            continue
        score = sum(haystack.count(w) for w in words) + 10 * sum(
            w in lesson.title.lower() for w in words
        )
        at = text.lower().find(words[0])
        if at < 0:
            snippet = lesson.summary
        else:
            begin = max(0, at - width // 2)
            snippet = text[begin : at + width].replace("\n", " ").strip()
            snippet = ("…" if begin else "") + snippet + "…"
        hits.append(SearchHit(lesson, score, snippet))
    return sorted(hits, key=lambda h: (-h.score, h.lesson.order))
