"""Labs as data: load and validate ``labs/<slug>.yaml``. No Streamlit, no AWS calls.

A lab has a title, objectives, the lessons it belongs to, names for the resources it makes
(templated per learner) and steps. A step has Markdown instructions, the actions the page
offers (each a boto3 call), optional starter code, event, upload and log viewer, the checks
that decide whether it is done, hints revealed one by one, and a reference solution.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from course.facts import render_placeholders

LABS_DIR = Path(__file__).parent
LABS_DIR_ENV = "LAMBDA_LAB_LABS_DIR"  # another folder of labs, for authors and tests
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LAB_KEYS = {"title", "summary", "minutes", "lessons", "objectives", "names", "steps", "order"}
STEP_KEYS = {
    "id", "title", "instructions", "actions", "editor", "event", "upload", "logs", "checks",
    "hints", "solution", "wait_for_async", "answer", "reference_answer", "requests",
}  # fmt: skip


class LabError(ValueError):
    """A lab file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class CallSpec:
    """A boto3 call as written in YAML; values may hold {name} templates and $ markers."""

    service: str
    operation: str
    args: Mapping[str, Any]
    files: Mapping[str, str] | None = None
    # Like a boto3 waiter: repeat the call until the response's field holds the value.
    until: Mapping[str, Any] | None = None
    # Response fields later calls need, by template name: {api_id: ApiId, id: Items.0.IntegrationId}
    save: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Action:
    label: str
    call: CallSpec
    repeat: int = 1  # run the call this many times (e.g. to see an alias split traffic)
    chart: str | None = None  # chart the repeated results by this payload field


@dataclass(frozen=True)
class CheckSpec:
    kind: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Editor:
    file: str  # the file name inside the zip, e.g. lambda_function.py
    starter: str


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    instructions: str
    actions: tuple[Action, ...] = ()
    editor: Editor | None = None
    event: Any = None
    upload: Mapping[str, Any] | None = None
    logs: str | None = None
    checks: tuple[CheckSpec, ...] = ()
    hints: tuple[str, ...] = ()
    solution: tuple[CallSpec, ...] = ()
    wait_for_async: bool = False
    answer: str | None = None  # a question the learner answers in a text box ($answer in checks)
    reference_answer: str | None = None  # what `python -m labs verify` types in that box
    # HTTP requests the page offers: label, target ({function_url|http_api: name}),
    # method, path and body
    requests: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Lab:
    slug: str
    path: Path
    order: int
    title: str
    summary: str
    minutes: int
    lessons: tuple[str, ...]
    objectives: tuple[str, ...]
    names: Mapping[str, str]
    steps: tuple[Step, ...] = field(default=())

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


def _all_text(items: list[Any], where: str) -> list[str]:
    """Each item must be text: an unquoted `a: b` in YAML becomes a mapping, which would
    reach the learner as Python's repr of a dict."""
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise LabError(
                f"{where} {index + 1}: must be text, found {type(item).__name__} "
                "(quote it in YAML when it contains ': ')"
            )
    return items


def _require(
    mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str
) -> Any:
    if key not in mapping:
        raise LabError(f"{where}: missing '{key}'")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, str | list) and not value):
        raise LabError(f"{where}: '{key}' must be a non-empty {getattr(kind, '__name__', kind)}")
    return value


def _call(raw: Any, where: str) -> CallSpec:
    if not isinstance(raw, Mapping):
        raise LabError(f"{where}: a call is a mapping with service, operation and args")
    unknown = set(raw) - {"service", "operation", "args", "files", "until", "save"}
    if unknown:
        raise LabError(f"{where}: unknown call fields {sorted(unknown)}")
    service = _require(raw, "service", str, where)
    operation = _require(raw, "operation", str, where)
    if service == "sandbox" and operation not in ("fast_forward", "settle"):
        raise LabError(f"{where}: the sandbox's own operations are fast_forward and settle")
    args = raw.get("args", {})
    if not isinstance(args, Mapping):
        raise LabError(f"{where}: 'args' must be a mapping")
    files = raw.get("files")
    if files is not None and not (
        isinstance(files, Mapping) and all(isinstance(v, str) for v in files.values())
    ):
        raise LabError(f"{where}: 'files' maps file names to source text")
    until = raw.get("until")
    if until is not None and not (isinstance(until, Mapping) and {"field", "equals"} <= set(until)):
        raise LabError(f"{where}: 'until' needs 'field' and 'equals' (and may set 'timeout_s')")
    save = raw.get("save")
    if save is not None and not (
        isinstance(save, Mapping) and all(isinstance(v, str) for v in save.values())
    ):
        raise LabError(f"{where}: 'save' maps template names to response fields")
    return CallSpec(service, operation, dict(args), dict(files) if files else None, until, save)


def _requests(raw: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list):
        raise LabError(f"{where}: 'requests' is a list")
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or not {"label", "target"} <= set(item):
            raise LabError(f"{where}: request {index + 1} needs a 'label' and a 'target'")
    return [dict(item) for item in raw]


def _step(raw: Any, where: str, check_kinds: set[str]) -> Step:
    if not isinstance(raw, Mapping):
        raise LabError(f"{where}: a step is a mapping")
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise LabError(f"{where}: unknown fields {sorted(unknown)}")
    step_id = _require(raw, "id", str, where)
    where = f"{where} ({step_id})"
    actions = []
    for index, action in enumerate(raw.get("actions") or []):
        if not isinstance(action, Mapping) or "label" not in action or "call" not in action:
            raise LabError(f"{where}: action {index + 1} needs a 'label' and a 'call'")
        actions.append(
            Action(str(action["label"]), _call(action["call"], f"{where} action {index + 1}"))
        )
    checks = []
    for index, check in enumerate(_require(raw, "checks", list, where)):
        if not isinstance(check, Mapping) or check.get("kind") not in check_kinds:
            raise LabError(
                f"{where}: check {index + 1} kind must be one of {', '.join(sorted(check_kinds))}"
            )
        checks.append(CheckSpec(check["kind"], {k: v for k, v in check.items() if k != "kind"}))
    editor = raw.get("editor")
    if editor is not None:
        if not isinstance(editor, Mapping) or not {"file", "starter"} <= set(editor):
            raise LabError(f"{where}: 'editor' needs 'file' and 'starter'")
        editor = Editor(str(editor["file"]), str(editor["starter"]))
    hints = _require(raw, "hints", list, where)
    _all_text(hints, f"{where} hints")
    for text in [raw.get("instructions", ""), *map(str, hints)]:
        try:
            render_placeholders(str(text))  # facts quoted in a lab must exist, as in lessons
        except KeyError as exc:
            raise LabError(f"{where}: {exc.args[0]} (see course/facts.yaml)") from None
    if not isinstance(raw.get("solution"), list):
        raise LabError(
            f"{where}: 'solution' must be a list of calls (empty if earlier steps solve it)"
        )
    solution = [_call(c, f"{where} solution {i + 1}") for i, c in enumerate(raw["solution"])]
    return Step(
        id=step_id,
        title=_require(raw, "title", str, where),
        instructions=_require(raw, "instructions", str, where),
        actions=tuple(actions),
        editor=editor,
        event=raw.get("event"),
        upload=raw.get("upload"),
        logs=raw.get("logs"),
        checks=tuple(checks),
        hints=tuple(str(h) for h in hints),
        solution=tuple(solution),
        wait_for_async=bool(raw.get("wait_for_async", False)),
        answer=str(raw["answer"]) if raw.get("answer") else None,
        reference_answer=str(raw["reference_answer"]) if "reference_answer" in raw else None,
        requests=tuple(_requests(raw.get("requests") or [], where)),
    )


def parse_lab(path: Path, check_kinds: set[str]) -> Lab:
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise LabError(f"{where}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, Mapping):
        raise LabError(f"{where}: a lab is a YAML mapping")
    if not SLUG.match(path.stem):
        raise LabError(f"{where}: the file name must be the lab's slug, e.g. first-function.yaml")
    unknown = set(raw) - LAB_KEYS
    if unknown:
        raise LabError(f"{where}: unknown fields {sorted(unknown)}")
    steps = [
        _step(s, f"{where} step {i + 1}", check_kinds)
        for i, s in enumerate(_require(raw, "steps", list, where))
    ]
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise LabError(f"{where}: step ids must be unique")
    names = raw.get("names", {})
    if not isinstance(names, Mapping):
        raise LabError(f"{where}: 'names' maps placeholders to resource names")
    return Lab(
        slug=path.stem,
        path=path,
        order=int(raw.get("order", 99)),
        title=_require(raw, "title", str, where),
        summary=_require(raw, "summary", str, where),
        minutes=int(_require(raw, "minutes", int, where)),
        lessons=tuple(raw.get("lessons") or ()),
        objectives=tuple(
            _all_text(_require(raw, "objectives", list, where), f"{where} objectives")
        ),
        names=dict(names),
        steps=tuple(steps),
    )


@dataclass(frozen=True)
class LabCatalog:
    labs: tuple[Lab, ...]
    problems: tuple[str, ...]

    def lab(self, slug: str) -> Lab | None:
        return next((lab for lab in self.labs if lab.slug == slug), None)


def load_labs_from(directory: Path) -> LabCatalog:
    from labs.checks import CHECKS  # the check kinds a lab may use

    labs, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            labs.append(parse_lab(path, set(CHECKS)))
        except LabError as exc:
            problems.append(str(exc))
    return LabCatalog(tuple(sorted(labs, key=lambda lab: (lab.order, lab.slug))), tuple(problems))


@cache
def load_labs() -> LabCatalog:
    """Every valid lab; a broken file is reported and the others still load."""
    return load_labs_from(Path(os.environ.get(LABS_DIR_ENV, LABS_DIR)))


def labs_for_lesson(catalog: LabCatalog, lesson_slug: str) -> list[Lab]:
    """The labs that practise a lesson, in course order."""
    return [lab for lab in catalog.labs if lesson_slug in lab.lessons]
