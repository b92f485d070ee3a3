"""The pricing calculator in a real browser: a deep link, an input, a chart."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from course.loopback import is_loopback
from tests.browser_helpers import idle

pytestmark = pytest.mark.browser


def test_a_learner_follows_a_preset_link_and_tries_arm64(page: Page, app_server, output_path):
    offsite: list[str] = []

    def record(request) -> None:
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("http", "ws")) and not is_loopback(host):
            offsite.append(request.url)

    page.on("request", record)
    page.goto(f"{app_server.url}/pricing?preset=api-backend")
    expect(page.get_by_role("heading", name="Pricing calculator")).to_be_visible(timeout=30_000)
    total = page.get_by_test_id("stMetricValue")
    expect(total).to_have_text("$28.13", timeout=30_000)
    expect(page.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible(
        timeout=30_000
    )

    idle(page)
    page.get_by_test_id("stRadioGroup").get_by_text("arm64", exact=True).click()
    idle(page)  # until the rerun ends, the old total can stand beside the new one
    expect(total).to_have_text("$24.47", timeout=30_000)
    assert "preset=" not in page.url, "an edited scenario is no longer the preset's link"

    tab = page.get_by_role("tab", name="Lambda vs EC2")
    expect(tab).to_have_count(1, timeout=30_000)  # the rerun has replaced the old elements
    tab.click()
    expect(page.get_by_text("Break-even with this function")).to_be_visible(timeout=30_000)

    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "pricing.png"), full_page=True)
    assert offsite == []
    assert app_server.off_loopback_attempts() == []
