"""What browser tests share: waiting for Streamlit to settle, and where screenshots go."""

import contextlib
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


def idle(page: Page) -> None:
    """Wait for the app's script run to finish before the next click.

    A click starts a run a moment later; waiting only for "not running" could pass before
    it starts, and a second click then replaces the first one's rerun request (its button
    press is lost). So see the run start (or have finished already), then end.
    """
    with contextlib.suppress(PlaywrightTimeout):  # a quick run may be over before we look
        page.wait_for_selector("[data-test-script-state='running']", timeout=1_500)
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=60_000)


def shot(output_path: str, name: str) -> str:
    """Where a screenshot goes: the test's own output folder (test-results/<test>/)."""
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
