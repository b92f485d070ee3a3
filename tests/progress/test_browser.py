"""A workshop in Chromium: two learners in two browser contexts, and their instructor in a
third, who watches both make progress on the dashboard without reloading it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from labs.model import load_labs
from lessons.catalog import load_lessons
from progress.passcode import HASH_FILE, hash_passcode
from tests.browser_helpers import idle, shot

pytestmark = pytest.mark.browser
LONG = 60_000
PASSCODE = "browser workshop passcode"
LAB = next(lab for lab in load_labs().labs if lab.slug == "first-function")
LESSON = load_lessons()[0]


def choose_option(page: Page, name: re.Pattern[str], attempts: int = 3) -> None:
    """Pick an option of the page's first selectbox. A rerun that lands while the list is
    open (the live dashboard reruns every 3 s) closes it: open it again and retry."""
    for attempt in range(attempts):
        idle(page)
        page.get_by_test_id("stSelectbox").first.click()
        try:
            page.get_by_role("option", name=name).click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def join(page: Page, url: str, code: str, name: str) -> str:
    """Open the instructor's join link, give a name; returns the learner's token."""
    page.goto(f"{url}/?workshop={code}")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Who is learning?")).to_be_visible(timeout=LONG)
    dialog.get_by_label("Your name").fill(name)
    expect(dialog.get_by_label(re.compile("Workshop code"))).to_have_value(code)
    dialog.get_by_role("button", name="Save").click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Learning as {name}")).to_be_visible(timeout=LONG)
    expect(sidebar.get_by_text(code)).to_be_visible()
    idle(page)
    token = re.search(r"learner=([\w.-]+)", page.url)
    assert token, page.url
    return token.group(1)


def test_an_instructor_watches_two_learners_progress_live(
    browser: Browser, app_server, output_path
):
    data_dir = Path(os.environ["LAMBDA_LAB_DATA_DIR"])  # the app server's, inherited
    (data_dir / HASH_FILE).write_text(hash_passcode(PASSCODE) + "\n")
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3)]
    ana, ben, teacher = (context.new_page() for context in contexts)
    try:
        # The instructor opens the dashboard and creates the day's workshop.
        teacher.goto(f"{app_server.url}/dashboard")
        teacher.get_by_label("Instructor passcode").fill(PASSCODE)
        teacher.get_by_role("button", name="Open the dashboard").click()
        expect(teacher.get_by_text("Workshops: create one")).to_be_visible(timeout=LONG)
        teacher.get_by_text("Workshops: create one").click()
        teacher.get_by_label("Workshop title").fill("Browser day")
        teacher.get_by_role("button", name="Create workshop").click()
        created = teacher.get_by_text(re.compile(r"created: code [A-Z0-9]{6}"))
        expect(created).to_be_visible(timeout=LONG)
        code = re.search(r"code ([A-Z0-9]{6})", created.inner_text()).group(1)

        # Two learners join with the link and give their names: no password.
        ana_token = join(ana, app_server.url, code, "Ana")
        join(ben, app_server.url, code, "Ben")

        # The instructor picks the workshop: both are there, nothing done yet.
        choose_option(teacher, re.compile(f"code {code}"))
        expect(metric(teacher, "Learners")).to_have_text("2", timeout=LONG)
        expect(metric(teacher, "Lab steps passed")).to_have_text("0")

        # Ana finishes a lesson; Ben does the first step of lab 1.
        ana.get_by_test_id("stSidebarNav").get_by_text("Lessons").click()
        expect(ana.get_by_role("heading", name=LESSON.title)).to_be_visible(timeout=LONG)
        idle(ana)
        ana.get_by_text("Mark this lesson as done").click()
        idle(ana)
        ben.goto(f"{app_server.url}/labs?lab={LAB.slug}")
        expect(ben.get_by_role("heading", name=LAB.title)).to_be_visible(timeout=LONG)
        for action in LAB.steps[0].actions:
            idle(ben)
            ben.get_by_role("button", name=action.label, exact=True).click()
        idle(ben)
        ben.get_by_role("button", name="Check my progress").click()
        expect(ben.get_by_text("Step done.")).to_be_visible(timeout=LONG)

        # The dashboard shows both, live: no reload on the instructor's side.
        expect(metric(teacher, "Lab steps passed")).to_have_text("1", timeout=30_000)
        heatmap = teacher.locator(".js-plotly-plot").first
        expect(heatmap).to_contain_text("Ana", timeout=30_000)
        expect(heatmap).to_contain_text("Ben")
        teacher.screenshot(path=shot(output_path, "dashboard.png"), full_page=True)

        # Ana reloads, and opens a bare address in a new tab: she is still Ana, lesson done.
        ana.reload()
        expect(ana.get_by_test_id("stSidebar").get_by_text("Learning as Ana")).to_be_visible(
            timeout=LONG
        )
        bare = contexts[0].new_page()
        bare.goto(app_server.url)  # no token in the address: the cookie brings her back
        expect(bare.get_by_test_id("stSidebar").get_by_text("Learning as Ana")).to_be_visible(
            timeout=LONG
        )
        expect(bare.get_by_text(f"Lessons done: 1 of {len(load_lessons())}")).to_be_visible()
        idle(bare)
        assert f"learner={ana_token}" in bare.url
    finally:
        for context in contexts:
            context.close()
        (data_dir / HASH_FILE).unlink(missing_ok=True)


def test_a_learner_moves_their_progress_to_another_browser_with_a_file(
    browser: Browser, app_server, tmp_path
):
    old, new = (browser.new_context(accept_downloads=True) for _ in range(2))
    try:
        page = old.new_page()
        page.goto(f"{app_server.url}/lessons?lesson={LESSON.slug}")
        expect(page.get_by_role("heading", name=LESSON.title)).to_be_visible(timeout=LONG)
        idle(page)
        page.get_by_text("Mark this lesson as done").click()
        idle(page)
        page.get_by_test_id("stSidebarNav").get_by_text("Your progress").click()
        expect(page.get_by_role("heading", name="Your progress", exact=True)).to_be_visible(
            timeout=LONG
        )
        idle(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download my progress (JSON)").click()
        exported = tmp_path / "progress.json"
        download.value.save_as(exported)
        assert json.loads(exported.read_text())["lessons_done"].keys() == {LESSON.slug}

        other = new.new_page()
        other.goto(f"{app_server.url}/me")
        expect(other.get_by_role("heading", name="Your progress", exact=True)).to_be_visible(
            timeout=LONG
        )
        expect(metric(other, "Lessons done")).to_have_text("0")
        other.locator("input[type=file]").set_input_files(str(exported))
        other.get_by_role("button", name="Replace my progress with this file").click()
        expect(other.get_by_text("Imported: your progress is the file's now.")).to_be_visible(
            timeout=LONG
        )
        expect(metric(other, "Lessons done")).to_have_text("1")
    finally:
        old.close()
        new.close()
