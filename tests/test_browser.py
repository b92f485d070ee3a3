"""Main journeys in a real browser: Debian's Chromium, driven by Playwright."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from course.loopback import is_loopback
from lessons.catalog import load_lessons
from tests.browser_helpers import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def offsite_requests(page: Page) -> list[str]:
    """Every request the page makes beyond loopback (there must be none)."""
    seen: list[str] = []

    def record(request) -> None:
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("http", "ws")) and not is_loopback(host):
            seen.append(request.url)

    page.on("request", record)
    return seen


def test_a_learner_opens_a_lesson_from_the_navigation(
    page: Page, app_server, offsite_requests, output_path
):
    lesson = next(x for x in load_lessons() if x.slug == "execution-model-and-cold-starts")
    page.goto(app_server.url)
    expect(page.get_by_role("heading", name="λ Lambda Lab")).to_be_visible(timeout=30_000)

    page.get_by_role("link", name="Lessons").first.click()
    expect(page.get_by_role("heading", name=load_lessons()[0].title)).to_be_visible(timeout=30_000)

    page.get_by_test_id("stSidebar").get_by_text(lesson.title).click()
    expect(page.get_by_role("heading", name=lesson.title)).to_be_visible(timeout=30_000)
    diagram = page.locator("[data-testid='stGraphVizChart'] svg").first
    expect(diagram).to_be_visible(timeout=30_000)
    assert f"lesson={lesson.slug}" in page.url

    page.screenshot(path=shot(output_path, "lesson.png"), full_page=True)
    assert offsite_requests == []
    assert app_server.off_loopback_attempts() == []


def test_a_deep_link_opens_the_lesson(page: Page, app_server, output_path):
    lesson = load_lessons()[-1]
    page.goto(f"{app_server.url}/lessons?lesson={lesson.slug}")
    expect(page.get_by_role("heading", name=lesson.title)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Mark this lesson as done")).to_be_visible()
    page.screenshot(path=shot(output_path, "deep-link.png"))


def test_every_section_anchor_the_course_links_to_exists_on_the_page(page: Page, app_server):
    """Quiz questions and lessons deep-link to sections by anchor: the anchors must be real."""
    for lesson in load_lessons():
        page.goto(f"{app_server.url}/lessons?lesson={lesson.slug}")
        expect(page.get_by_role("heading", name=lesson.title)).to_be_visible(timeout=30_000)
        for section in lesson.sections:
            expect(page.locator(f"[id='{section.anchor}']")).to_have_count(1, timeout=10_000)
