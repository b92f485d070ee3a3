"""Spaced repetition: which question comes back, and when. Pure, no Streamlit.

We use SM-2 (the SuperMemo 2 algorithm behind Anki's scheduler): each question keeps an
ease factor, a repetition count and an interval in days. A right answer stretches the
interval by the ease; a wrong one resets it to a day and lowers the ease, so questions a
learner keeps missing come back often and easy ones drift out to weeks. We chose SM-2 over
Leitner boxes because its per-question ease adapts to each learner's weak spots, and over
FSRS because SM-2 needs no model parameters fitted to a large review history, which a
course's learners do not have yet. Quality follows the grade: 5 right, 3 partly right, 1 wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

MIN_EASE = 1.3
START_EASE = 2.5


@dataclass(frozen=True)
class CardState:
    question_id: str
    ease: float = START_EASE
    repetitions: int = 0
    interval_days: int = 0
    due: dt.date | None = None  # None: never reviewed
    lapses: int = 0


def quality_for(correct: bool, partial: float) -> int:
    """Map a grade to SM-2's 0-5 quality."""
    if correct:
        return 5
    return 3 if partial >= 0.5 else 1


def review(state: CardState, quality: int, today: dt.date) -> CardState:
    """The state after one review of the given quality (0-5) on ``today``."""
    if not 0 <= quality <= 5:
        raise ValueError("quality is 0 to 5")
    ease = max(MIN_EASE, state.ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    if quality < 3:
        return replace(
            state, ease=ease, repetitions=0, interval_days=1,
            due=today + dt.timedelta(days=1), lapses=state.lapses + 1,
        )  # fmt: skip
    repetitions = state.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        interval = max(1, round(state.interval_days * ease))
    return replace(
        state, ease=ease, repetitions=repetitions, interval_days=interval,
        due=today + dt.timedelta(days=interval),
    )  # fmt: skip


def due_today(states: Mapping[str, CardState], today: dt.date) -> list[str]:
    """Reviewed questions due on or before today, most overdue first."""
    due = [s for s in states.values() if s.due is not None and s.due <= today]
    return [s.question_id for s in sorted(due, key=lambda s: (s.due, s.ease))]


def next_questions(
    states: Mapping[str, CardState], all_ids: Iterable[str], today: dt.date, count: int
) -> list[str]:
    """What to practise now: due reviews first, then questions never seen."""
    chosen = due_today(states, today)
    unseen = [qid for qid in all_ids if qid not in states]
    return (chosen + unseen)[:count]
