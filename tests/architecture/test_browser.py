"""In Chromium: a learner runs lab 2's reference solution step by step, opens the map, sees
the bucket -> function -> table pipeline with its activity, and we keep a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import idle

pytestmark = pytest.mark.browser
LONG = 60_000
LAB_2_STEPS = [
    "Create the bucket and the table",
    "A role that can read the bucket and write the table",
    "The indexing function",
    "Let S3 invoke the function",
    "Send .jpg uploads to the function",
    "Upload files and watch",
]


def run_the_solution(page: Page, number: int, title: str) -> None:
    idle(page)
    if number > 1:
        page.get_by_test_id("stButtonGroup").get_by_text(f"{number}. {title}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Step {number}: {title}")).to_be_visible(timeout=LONG)
    idle(page)
    run = page.get_by_role("button", name="Run the solution for me")
    if not run.is_visible():  # the expander may still be open from the step before
        page.get_by_text("Reference solution", exact=True).click()
    expect(run).to_be_visible(timeout=LONG)
    done = page.get_by_text("succeeded").first
    for _ in range(3):  # a click that lands during a rerun is lost; the calls never ran
        run.click()
        idle(page)
        try:
            expect(done).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            continue
    expect(done).to_be_visible()  # the solution's calls are shown, each one a success
    expect(page.get_by_text("failed:")).to_have_count(0)


def test_the_map_after_lab_2(page: Page, app_server, output_path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{app_server.url}/labs?lab=s3-trigger")
    expect(page.get_by_role("heading", name="React to uploads")).to_be_visible(timeout=LONG)
    idle(page)
    for number, title in enumerate(LAB_2_STEPS, start=1):
        run_the_solution(page, number, title)

    page.get_by_test_id("stSidebarNav").get_by_text("My sandbox map").click()
    expect(page.get_by_role("heading", name="My sandbox map")).to_be_visible(timeout=LONG)
    chart = page.get_by_test_id("stGraphVizChart")
    expect(chart.locator("svg")).to_be_visible(timeout=LONG)
    for text in ("λ photo-indexer", "lab2-photo-metadata", "ObjectCreated:* suffix .jpg"):
        expect(chart.get_by_text(text).first).to_be_visible(timeout=LONG)
    # S3 invokes asynchronously: the refresh every 5 seconds brings the invocation in.
    expect(chart.get_by_text("1 inv · 0 err · 0 thr").first).to_be_visible(timeout=LONG)
    expect(page.get_by_text("No problems found on the map.")).to_be_visible()
    expect(page.get_by_text("Latest REPORT lines of")).to_be_visible(timeout=LONG)
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "map-after-lab-2.png"), full_page=True)
    chart.screenshot(path=str(folder / "map-after-lab-2-diagram.png"))
    assert app_server.off_loopback_attempts() == []
