"""A learner takes a short exam by clicking through it in Chromium."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import idle

pytestmark = pytest.mark.browser


def answer_what_is_shown(page: Page) -> None:
    """Pick an answer the way a hurried learner would: the first choice offered."""
    main = page.get_by_test_id("stMain")
    radios = main.get_by_test_id("stRadio").get_by_role("radio")
    checkboxes = main.get_by_test_id("stCheckbox")
    if radios.count():
        radios.first.check(force=True)
    elif checkboxes.count():
        checkboxes.nth(0).click()
        checkboxes.nth(1).click()
    elif main.get_by_test_id("stTextInput").count():
        box = main.get_by_test_id("stTextInput").locator("input")
        box.fill("1")
        box.press("Enter")


def test_a_sprint_exam_clicked_through_ends_on_the_results_page(
    page: Page, app_server, output_path
):
    page.goto(f"{app_server.url}/quizzes")
    expect(page.get_by_role("heading", name="Quizzes")).to_be_visible(timeout=30_000)
    page.get_by_text("Exam", exact=True).click()
    idle(page)
    page.get_by_text("Sprint: 10 questions in 20 minutes").click()
    idle(page)
    page.get_by_role("button", name="Start the exam").click()

    for number in range(1, 11):
        expect(page.get_by_role("heading", name=f"Question {number} of 10")).to_be_visible(
            timeout=20_000
        )
        expect(page.get_by_text("Time left:")).to_be_visible()
        idle(page)
        answer_what_is_shown(page)
        idle(page)  # the answer reaches the server before moving on
        if number < 10:
            page.get_by_role("button", name="Next →").click()

    page.get_by_role("button", name="Finish exam").click()
    expect(page.get_by_role("heading", name="Exam result")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetric").get_by_text("Scaled score")).to_be_visible(
        timeout=30_000
    )
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    assert "exam=exam-1-" in page.url

    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "exam-results.png"), full_page=True)
    assert app_server.off_loopback_attempts() == []
