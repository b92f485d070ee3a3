"""The course's one table of numbers (quotas, limits, prices), loaded from facts.yaml.

Lessons quote facts as ``{{ group.name }}`` placeholders, quizzes check their numbers
against them and the pricing model reads its prices from them, so a figure is
changed in one place only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

FACTS_PATH = Path(__file__).with_name("facts.yaml")
REQUIRED_FIELDS = ("value", "display", "source", "checked")
FIELDS = {"value", "display", "source", "checked", "unit", "seed", "change"}
# A placeholder names a fact and optionally one of its fields: {{ limits.memory_max_mb.value }}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_]+\.[a-z0-9_]+)(?:\.([a-z]+))?\s*\}\}")


class FactsError(ValueError):
    """The facts file is malformed; the message names the fact."""


@dataclass(frozen=True)
class Fact:
    key: str
    value: Any
    display: str
    source: str
    checked: dt.date
    unit: str | None = None
    seed: str | None = None
    change: str | None = None

    def field(self, name: str) -> str:
        """The text a placeholder with this field prints."""
        if name == "display":
            return self.display
        if name == "value":
            return format_value(self.value)
        if name in ("unit", "seed", "change", "source"):
            text = getattr(self, name)
            if text is None:
                raise KeyError(f"fact {self.key!r} has no {name!r}")
            return str(text)
        if name == "checked":
            return self.checked.isoformat()
        raise KeyError(f"facts have no field {name!r}")


def format_value(value: Any) -> str:
    """Print a number the way the lessons write it: 10,240 and 0.0000166667, never 1.6e-05."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        whole, _, frac = text.partition(".")
        whole = f"{int(whole):,}"
        return f"{whole}.{frac}" if frac else whole
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def parse_facts(data: Any, origin: str = "facts.yaml") -> dict[str, Fact]:
    """Validate the raw YAML mapping and return facts by dotted key."""
    if not isinstance(data, Mapping):
        raise FactsError(f"{origin}: the top level must be a mapping of groups")
    facts: dict[str, Fact] = {}
    for group, entries in data.items():
        if not isinstance(entries, Mapping):
            raise FactsError(f"{origin}: group {group!r} must be a mapping of facts")
        for name, raw in entries.items():
            key = f"{group}.{name}"
            if not isinstance(raw, Mapping):
                raise FactsError(f"{origin}: fact {key!r} must be a mapping")
            missing = [f for f in REQUIRED_FIELDS if f not in raw]
            if missing:
                raise FactsError(f"{origin}: fact {key!r} lacks {', '.join(missing)}")
            unknown = sorted(set(raw) - FIELDS)
            if unknown:
                raise FactsError(f"{origin}: fact {key!r} has unknown fields {unknown}")
            checked = raw["checked"]
            if not isinstance(checked, dt.date):
                raise FactsError(f"{origin}: fact {key!r}: checked must be a date (YYYY-MM-DD)")
            if not str(raw["source"]).startswith("https://"):
                raise FactsError(f"{origin}: fact {key!r}: source must be an https URL")
            facts[key] = Fact(
                key=key,
                value=raw["value"],
                display=str(raw["display"]),
                source=str(raw["source"]),
                checked=checked,
                unit=raw.get("unit"),
                seed=raw.get("seed"),
                change=raw.get("change"),
            )
    return facts


@cache
def load_facts(path: Path = FACTS_PATH) -> dict[str, Fact]:
    with path.open(encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise FactsError(f"{path}: invalid YAML: {exc}") from exc
    return parse_facts(data, str(path))


def fact(key: str) -> Fact:
    """One fact by dotted key, e.g. ``fact("limits.memory_max_mb").value``."""
    facts = load_facts()
    if key not in facts:
        raise KeyError(f"unknown fact {key!r}")
    return facts[key]


def value(key: str) -> Any:
    return fact(key).value


def render_placeholders(text: str, facts: Mapping[str, Fact] | None = None) -> str:
    """Replace every ``{{ key }}`` / ``{{ key.field }}`` with the fact's text.

    Raises KeyError naming the first unknown fact or field.
    """
    table = load_facts() if facts is None else facts

    def substitute(match: re.Match[str]) -> str:
        key, field = match.group(1), match.group(2) or "display"
        if key not in table:
            raise KeyError(f"unknown fact {key!r}")
        return table[key].field(field)

    return PLACEHOLDER.sub(substitute, text)


def changes_from_seeds() -> list[Fact]:
    """Facts where the seed documents teach an older or wrong figure."""
    return [f for f in load_facts().values() if f.change and f.seed]
