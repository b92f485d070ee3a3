"""The facts table: one source of truth for every number the course teaches."""

import datetime as dt

import pytest

from course.facts import FactsError, format_value, load_facts, parse_facts, render_placeholders


def test_every_fact_names_an_https_source_and_a_check_date():
    facts = load_facts()
    assert len(facts) > 30
    for fact in facts.values():
        assert fact.source.startswith("https://"), fact.key
        assert isinstance(fact.checked, dt.date), fact.key


def test_a_fact_that_differs_from_the_seeds_says_what_changed():
    changed = [f for f in load_facts().values() if f.seed]
    assert changed, "the seeds' outdated figures should be recorded"
    for fact in changed:
        assert fact.change, f"{fact.key} records the seed's figure but not what changed"


def test_placeholders_print_display_text_or_bare_values():
    text = "Up to {{ limits.memory_max_mb }}; raw {{ limits.memory_max_mb.value }}."
    assert render_placeholders(text) == "Up to 10,240 MB (10 GB); raw 10,240."


def test_unknown_placeholder_is_named_in_the_error():
    with pytest.raises(KeyError, match="limits.no_such_limit"):
        render_placeholders("{{ limits.no_such_limit }}")


@pytest.mark.parametrize(
    ("number", "printed"),
    [(10240, "10,240"), (0.0000166667, "0.0000166667"), (0.2, "0.2"), (1.5e9, "1,500,000,000")],
)
def test_numbers_print_the_way_lessons_write_them(number, printed):
    assert format_value(number) == printed


def test_a_fact_without_a_source_is_rejected_with_its_key():
    raw = {"limits": {"timeout": {"value": 3, "display": "3 s", "checked": dt.date(2026, 1, 1)}}}
    with pytest.raises(FactsError, match="limits.timeout.*source"):
        parse_facts(raw)


def test_a_fact_with_a_misspelt_field_is_rejected():
    raw = {
        "limits": {
            "timeout": {
                "value": 3,
                "display": "3 s",
                "source": "https://x",
                "checked": dt.date(2026, 1, 1),
                "sorce": "typo",
            }
        }
    }
    with pytest.raises(FactsError, match="unknown fields"):
        parse_facts(raw)
