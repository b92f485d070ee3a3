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


LOG_FORMATS = ("JSON", "Text")
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def check_logging_config(settings: Mapping[str, Any]) -> dict[str, str] | None:
    """LoggingConfig as Lambda keeps it (None when not given), or its ValidationException.
    Log levels apply to the JSON format only, as on Lambda."""
    config = settings.get("LoggingConfig")
    if not isinstance(config, Mapping):
        return None
    for member, allowed in (
        ("LogFormat", LOG_FORMATS),
        ("ApplicationLogLevel", LOG_LEVELS),
        ("SystemLogLevel", ("DEBUG", "INFO", "WARN")),
    ):
        given = config.get(member)
        if given is not None and given not in allowed:
            raise ValidationException(
                str(given),
                f"loggingConfig.{member[0].lower()}{member[1:]}",
                f"Member must satisfy enum value set: [{', '.join(allowed)}]",
            )
    kept = {str(k): str(v) for k, v in config.items() if v is not None}
    if kept.get("LogFormat", "Text") == "JSON":
        kept.setdefault("ApplicationLogLevel", "INFO")
        kept.setdefault("SystemLogLevel", "INFO")
    return kept
