"""Ready-made test events for the event editor, shaped as each source shapes them.

Every sample but the console's hand-written one comes from the sandbox's own event
builders (sandbox/events.py), the code that builds what real deliveries bring, so a
sample can never drift from what a function receives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from sandbox.events import sample_event, sample_titles


def console_test(account: str) -> dict:
    """The console's kind of hand-written test event."""
    return {"name": "Ada"}


SAMPLES: dict[str, Callable[[str], dict]] = {"Console test event": console_test} | {
    title: partial(sample_event, source) for source, title in sample_titles().items()
}


def sample(name: str, account: str) -> str:
    """The sample as pretty JSON, ready for the editor."""
    return json.dumps(SAMPLES[name](account), indent=2)


def parse_event(text: str) -> tuple[object | None, str | None]:
    """(event, None) for valid JSON; (None, a message with line and column) otherwise."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return (
            None,
            f"The event is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
        )
