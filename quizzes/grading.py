"""Grading: a learner's response to a question -> score and feedback. Pure, no Streamlit.

Exam mode grades multiple-response and ordering questions all-or-nothing, as the real
exam does; practice mode also reports partial credit so a learner sees how close they were.
Responses name options by id, so the order options were shown in never changes a grade.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quizzes.questions import Question


class InvalidResponse(ValueError):
    """The response cannot be graded (wrong shape or unknown option); says why."""


@dataclass(frozen=True)
class Grade:
    correct: bool
    score: float  # 0..1: what counts toward the result in this mode
    partial: float  # 0..1: how close the response was (equals score when all-or-nothing is off)
    expected: Any
    feedback: tuple[tuple[str, bool, str], ...]  # (option id, is right, why) for every option


def shuffled_options(question: Question, seed: int | str) -> list[str]:
    """Option ids in the order one attempt shows them; true/false keeps its natural order."""
    ids = [o.id for o in question.options]
    if question.type == "truefalse":
        return ids
    random.Random(f"{seed}:{question.id}").shuffle(ids)
    return ids


def _option_ids(question: Question, response: Any, *, expect_list: bool) -> list[str]:
    valid = {o.id for o in question.options}
    items = response if expect_list else [response]
    if expect_list and (
        isinstance(response, str) or not isinstance(response, Sequence | set | frozenset)
    ):
        raise InvalidResponse("choose one or more options")
    chosen = [str(item).lower() if isinstance(item, bool) else str(item) for item in items]
    unknown = [c for c in chosen if c not in valid]
    if unknown:
        raise InvalidResponse(f"unknown option(s): {', '.join(unknown)}")
    if len(set(chosen)) != len(chosen):
        raise InvalidResponse("each option can be chosen once")
    return chosen


def _number(response: Any) -> float:
    if isinstance(response, bool):
        raise InvalidResponse("enter a number")
    if isinstance(response, str):
        cleaned = response.strip().replace(",", "").replace("$", "").replace("_", "")
        try:
            response = float(cleaned)
        except ValueError:
            raise InvalidResponse(f"“{response}” is not a number") from None
    if not isinstance(response, int | float) or not math.isfinite(response):
        raise InvalidResponse("enter a number")
    return float(response)


def grade(question: Question, response: Any, *, exam: bool = False) -> Grade:
    """Grade one response. Raises InvalidResponse for a response of the wrong shape."""
    feedback = tuple((o.id, _is_right(question, o.id), o.why) for o in question.options)
    kind = question.type
    if kind in ("single", "truefalse"):
        if response is None or (isinstance(response, str) and not response):
            raise InvalidResponse("choose an option")
        (chosen,) = _option_ids(question, response, expect_list=False)
        correct = chosen == question.answer
        partial = 1.0 if correct else 0.0
    elif kind == "multiple":
        chosen = _option_ids(question, response, expect_list=True)
        if not chosen:
            raise InvalidResponse("choose one or more options")
        right = set(question.answer)
        hits = len(right & set(chosen))
        misses = len(set(chosen) - right)
        correct = set(chosen) == right
        partial = max(0.0, (hits - misses) / len(right))
    elif kind == "ordering":
        chosen = _option_ids(question, response, expect_list=True)
        if sorted(chosen) != sorted(question.answer):
            raise InvalidResponse("put every step in the order, each once")
        placed = sum(a == b for a, b in zip(chosen, question.answer, strict=True))
        correct = placed == len(question.answer)
        partial = placed / len(question.answer)
    elif kind == "numeric":
        value = _number(response)
        correct = abs(value - question.answer) <= question.tolerance + 1e-12
        partial = 1.0 if correct else 0.0
    else:  # pragma: no cover - the loader admits only the types above
        raise InvalidResponse(f"unknown question type {kind}")
    score = (1.0 if correct else 0.0) if exam else partial
    return Grade(correct, score, partial, question.answer, feedback)


def _is_right(question: Question, option_id: str) -> bool:
    answer = question.answer
    if question.type in ("multiple", "ordering"):
        return option_id in answer
    return option_id == answer


def scaled_score(correct: int, total: int) -> int:
    """An SAA-style scaled score from 100 to 1,000 (pass mark 720).

    AWS does not publish its scaling; a straight line from 100 to 1,000 is a fair stand-in
    and says so on the results page.
    """
    if total <= 0:
        raise ValueError("an exam needs at least one question")
    return round(100 + 900 * correct / total)


PASS_MARK = 720
