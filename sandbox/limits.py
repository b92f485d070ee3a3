"""Lambda's bounds on a function's settings, checked as the Lambda API checks them.

moto stores any Timeout, MemorySize or ephemeral storage size it is given; real Lambda
refuses values outside its limits with a ValidationException. Without this check a learner
could set a 3,600 s timeout in the sandbox and meet the error only on AWS. The bounds come
from the course's table of numbers, so the lessons and the sandbox agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from moto.awslambda.exceptions import ValidationException

from course.facts import value


def _settings(settings: Mapping[str, Any]) -> Iterator[tuple[str, Any, int, int]]:
    """(the API's member name, as its message says it; the value given; lowest; highest)."""
    yield (
        "timeout",
        settings.get("Timeout"),
        value("limits.timeout_min_s"),
        value("limits.timeout_max_s"),
    )
    yield (
        "memorySize",
        settings.get("MemorySize"),
        value("limits.memory_min_mb"),
        value("limits.memory_max_mb"),
    )
    storage = settings.get("EphemeralStorage")
    yield (
        "ephemeralStorage.size",
        storage.get("Size") if isinstance(storage, Mapping) else None,
        value("limits.ephemeral_default_mb"),  # the default is also the least
        value("limits.ephemeral_max_mb"),
    )


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise Lambda's ValidationException for the first setting out of its bounds."""
    for member, given, lowest, highest in _settings(settings):
        if given is None:
            continue
        if int(given) < lowest:
            raise ValidationException(
                str(given), member, f"Member must have value greater than or equal to {lowest}"
            )
        if int(given) > highest:
            raise ValidationException(
                str(given), member, f"Member must have value less than or equal to {highest}"
            )
