"""The pricing page as a learner uses it, headless through Streamlit's AppTest."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pricing.model import Usage, price
from pricing.scenarios import PRESETS
from pricing.walkthrough import usd

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pricing/page.py"
CHART_TITLES = (
    "Monthly cost as traffic grows",
    "Where the",
    "MODEL, not a measurement",
    "Lambda against an always-on EC2 instance",
)


def open_pricing(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def total(at: AppTest) -> str:
    return at.metric[0].value


def worked_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\$", "$")


def test_the_page_opens_with_a_worked_bill():
    at = open_pricing()
    assert at.title[0].value == "Pricing calculator"
    assert total(at) == "$0.20"  # the seeds' 2M x 128 MB x 1 s month
    text = worked_text(at)
    assert "2,000,000 x 0.125 GB-s = 250,000 GB-s" in text
    assert "minus the free tier: 250,000 - 250,000 = 0 billable GB-s" in text


def test_changing_an_input_changes_the_total():
    at = open_pricing()
    at.number_input(key="pricing.requests").set_value(10_000_000).run()
    assert not at.exception
    expected = price(Usage(requests=10_000_000, duration_ms=1000, memory_mb=128)).total_usd
    assert total(at) == usd(expected) == "$15.97"
    at.number_input(key="pricing.memory_mb").set_value(256).run()
    assert total(at) == usd(price(Usage(10_000_000, 1000, 256)).total_usd)
    at.toggle(key="pricing.free_tier").set_value(False).run()
    assert total(at) == usd(price(Usage(10_000_000, 1000, 256, free_tier=False)).total_usd)


def test_switching_to_arm64_lowers_the_api_back_end_bill():
    at = open_pricing(preset="api-backend")
    assert total(at) == "$28.13"
    at.radio(key="pricing.arch").set_value("arm64").run()
    assert total(at) == "$24.47"


def test_every_chart_renders():
    at = open_pricing(preset="aws-launch-day")
    charts = at.get("plotly_chart")
    assert len(charts) == len(CHART_TITLES)
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in charts]
    for expected, title in zip(CHART_TITLES, titles, strict=True):
        assert title.startswith(expected), title


def test_a_preset_in_the_address_fills_the_inputs():
    at = open_pricing(preset="aws-mobile-backend")
    assert at.number_input(key="pricing.requests").value == 3_000_000
    assert at.number_input(key="pricing.duration_ms").value == 120.0
    assert at.number_input(key="pricing.memory_mb").value == 1536
    assert total(at) == "$2.73"
    assert "AWS pricing page, example 1" in at.info[0].value


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_every_preset_shows_the_bill_the_model_computes(preset):
    at = open_pricing(preset=preset.name)
    assert total(at) == usd(price(preset.usage).total_usd)


def test_the_provisioned_preset_fills_the_provisioned_inputs():
    at = open_pricing(preset="aws-launch-day")
    assert at.number_input(key="pricing.concurrency").value == 100
    assert at.number_input(key="pricing.hours").value == 8.0
    assert at.checkbox(key="pricing.split").value is True
    assert at.number_input(key="pricing.pc_invocations").value == 500_000
    assert total(at) == "$19.96"
    assert "4,320,000 GB-s x $0.0000041667 = $18.000144" in worked_text(at)


def test_a_preset_button_fills_the_inputs_and_the_address():
    at = open_pricing()
    at.button(key="preset-nightly-batch").click().run()
    assert not at.exception
    assert at.number_input(key="pricing.requests").value == 31
    assert at.number_input(key="pricing.duration_ms").value == 120_000.0
    assert at.query_params["preset"] == "nightly-batch"


def test_editing_an_input_drops_the_preset_from_the_address():
    at = open_pricing(preset="api-backend")
    at.number_input(key="pricing.duration_ms").set_value(200.0).run()
    assert "preset" not in at.query_params
    assert at.number_input(key="pricing.requests").value == 50_000_000  # the rest stays


def test_an_unknown_preset_is_named_and_the_page_still_works():
    at = open_pricing(preset="no-such-month")
    assert "no preset called “no-such-month”" in at.error[0].value
    assert total(at) == "$0.20"


def test_inputs_aws_would_refuse_show_a_message_not_a_crash():
    at = open_pricing(preset="aws-launch-day")
    # 500,000 runs of 100 ms need 50,000 s; one environment for 8 hours has 28,800 s.
    at.number_input(key="pricing.concurrency").set_value(1).run()
    assert not at.exception
    assert "AWS would not bill this" in at.error[0].value
    assert "environment time" in at.error[0].value


def test_the_inputs_carry_lambdas_real_bounds():
    at = open_pricing()
    memory = at.number_input(key="pricing.memory_mb")
    assert (memory.min, memory.max) == (128, 10240)
    duration = at.number_input(key="pricing.duration_ms")
    assert duration.max == 900_000.0
    assert "15 minutes" in duration.help
    ephemeral = at.number_input(key="pricing.ephemeral_mb")
    assert (ephemeral.min, ephemeral.max) == (512, 10240)


def test_the_break_even_table_lists_each_instance():
    at = open_pricing(preset="api-backend")
    text = worked_text(at)
    for name in ("t4g.small", "t3.medium", "m5.large"):
        assert f"| {name} (" in text
    assert "requests a month (a steady" in text
