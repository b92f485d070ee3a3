"""One learner's progress as a JSON file, to move to another machine. No Streamlit.

``export_json`` writes everything the store holds about a learner; ``parse_export``
reads such a file back (and says what is wrong with one that is not), and
``import_into`` makes it the progress of the learner who uploads it. The file's learner
id is ignored: an upload only ever changes the uploader's own progress, so a file cannot
be used to take over someone else's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from progress.records import (
    Learner,
    LearnerSnapshot,
    StepRecord,
    attempt_from_json,
    attempt_to_json,
    card_from_json,
    card_to_json,
    exam_from_json,
    exam_to_json,
    parse_time,
    time_text,
    utc_now,
)
from progress.store import ProgressStore
from quizzes.progress import QuizProgress

FORMAT = "lambda-lab-progress"
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024


class TransferError(ValueError):
    """A file that is not a Lambda Lab progress export; says why."""


def export_data(snapshot: LearnerSnapshot, now: dt.datetime | None = None) -> dict[str, Any]:
    quiz = snapshot.quiz
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time_text(now or utc_now()),
        "learner": {"id": snapshot.learner.id, "name": snapshot.learner.name},
        "lessons_done": {slug: time_text(at) for slug, at in snapshot.lessons_done.items()},
        "lab_steps": [
            {
                "lab": s.lab,
                "step": s.step,
                "passed": s.passed,
                "checks": s.checks,
                "last_checked_at": time_text(s.last_checked_at),
                "passed_at": time_text(s.passed_at),
            }
            for s in snapshot.lab_steps.values()
        ],
        "quiz": {
            "attempts": [attempt_to_json(a) for a in quiz.attempts],
            "cards": [card_to_json(c) for c in quiz.cards.values()],
            "exams": [exam_to_json(e) for e in quiz.exams],
            "flagged": sorted(quiz.flagged),
        },
    }


def export_json(snapshot: LearnerSnapshot) -> str:
    return json.dumps(export_data(snapshot), indent=2, ensure_ascii=False)


def export_file_name(snapshot: LearnerSnapshot, today: dt.date | None = None) -> str:
    name = "".join(ch if ch.isalnum() else "-" for ch in snapshot.learner.display_name.lower())
    return f"lambda-lab-progress-{name.strip('-') or 'learner'}-{today or dt.date.today()}.json"


def parse_export(content: bytes | str) -> LearnerSnapshot:
    """The snapshot a file holds; TransferError with the reason for anything else."""
    if len(content) > MAX_BYTES:
        raise TransferError("the file is larger than any progress export (20 MB)")
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as problem:
        raise TransferError(f"the file is not JSON ({problem})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError("the file is not a Lambda Lab progress export")
    if data.get("version") != VERSION:
        raise TransferError(
            f"the file is format version {data.get('version')}; this app reads version {VERSION}"
        )
    try:
        learner = data["learner"]
        quiz = data["quiz"]
        return LearnerSnapshot(
            learner=Learner(id=str(learner["id"]), name=str(learner.get("name") or "")),
            lessons_done={str(slug): parse_time(at) for slug, at in data["lessons_done"].items()},
            lab_steps={
                (str(s["lab"]), str(s["step"])): StepRecord(
                    lab=str(s["lab"]),
                    step=str(s["step"]),
                    passed=bool(s["passed"]),
                    checks=int(s["checks"]),
                    last_checked_at=parse_time(s["last_checked_at"]),  # type: ignore[arg-type]
                    passed_at=parse_time(s.get("passed_at")),
                )
                for s in data["lab_steps"]
            },
            quiz=QuizProgress(
                attempts=[attempt_from_json(a) for a in quiz["attempts"]],
                cards={c["question_id"]: card_from_json(c) for c in quiz["cards"]},
                exams=[exam_from_json(e) for e in quiz["exams"]],
                flagged={str(q) for q in quiz["flagged"]},
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as problem:
        raise TransferError(f"the file is damaged: {type(problem).__name__} {problem}") from None


def import_into(store: ProgressStore, learner_id: str, snapshot: LearnerSnapshot) -> None:
    """Replace ``learner_id``'s progress with the file's, in one transaction."""
    store.replace(replace(snapshot, learner=replace(snapshot.learner, id=learner_id)))
