"""Labs 1 to 3 done by a learner in Chromium: typing code, clicking, until every check is green."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import idle, shot

pytestmark = pytest.mark.browser
LONG = 60_000

FUNCTION_WITH_CONTEXT = """def lambda_handler(event, context):
    name = event.get("name", "stranger")
    print(f"Greeting {name}")
    return {"greeting": f"Hello, {name}!", "function": context.function_name}
"""


def open_lab(page: Page, base_url: str, lab: str, heading: str) -> None:
    page.goto(f"{base_url}/labs?lab={lab}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=LONG)


def all_steps_done(page: Page, steps: int, output_path: str, picture: str) -> None:
    """The lab counts every step done; a full-page screenshot of it goes to ``picture``."""
    expect(page.get_by_text(f"Steps done: {steps} of {steps}")).to_be_visible()
    page.screenshot(path=shot(output_path, picture), full_page=True)


def open_step(page: Page, number: int, title: str) -> None:
    idle(page)
    page.get_by_test_id("stButtonGroup").get_by_text(f"{number}. {title}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Step {number}: {title}")).to_be_visible(timeout=LONG)


def click(page: Page, label: str) -> None:
    idle(page)
    page.get_by_role("button", name=label, exact=True).click()
    idle(page)


def check_step(page: Page) -> None:
    idle(page)
    page.get_by_role("button", name="Check my progress").click()
    expect(page.get_by_text("Step done.")).to_be_visible(timeout=LONG)


def finish_step(page: Page, clicks: list[str], shows: str | re.Pattern[str] | None = None) -> None:
    """Click the open step's buttons in turn, wait until the page shows ``shows`` (if given),
    then check the step."""
    for label in clicks:
        click(page, label)
    if shows is not None:
        expect(page.get_by_text(shows).first).to_be_visible(timeout=LONG)
    check_step(page)


def do_step(
    page: Page,
    number: int,
    title: str,
    clicks: list[str],
    shows: str | re.Pattern[str] | None = None,
) -> None:
    """Open step ``number``, click its buttons, wait for ``shows`` (if given) and check it."""
    open_step(page, number, title)
    finish_step(page, clicks, shows)


def type_code(page: Page, code: str) -> None:
    editor = page.get_by_test_id("stTextArea").locator("textarea").first
    editor.fill(code)
    editor.press("Control+Enter")
    page.wait_for_timeout(500)


def test_lab_1_your_first_function(page: Page, app_server, output_path):
    open_lab(page, app_server.url, "first-function", "Your first function")
    finish_step(page, ["Create the role", "Attach AWSLambdaBasicExecutionRole"])
    do_step(page, 2, "Create the function", ["Create the function"])
    do_step(page, 3, "Invoke it with a test event", ["Invoke with the test event"], '"Hello, Ada!"')
    open_step(page, 4, "Change the code and deploy again")
    type_code(page, FUNCTION_WITH_CONTEXT)
    finish_step(page, ["Deploy the new code"])
    all_steps_done(page, 4, output_path, "lab-1-done.png")


def test_lab_2_react_to_uploads(page: Page, app_server, output_path):
    open_lab(page, app_server.url, "s3-trigger", "React to uploads")
    finish_step(page, ["Create the bucket", "Create the table"])
    do_step(
        page,
        2,
        "A role that can read the bucket and write the table",
        [
            "Create the role",
            "Attach AWSLambdaBasicExecutionRole",
            "Attach AmazonS3ReadOnlyAccess",
            "Allow PutItem on the table only",
        ],
    )
    do_step(page, 3, "The indexing function", ["Create the function"])
    do_step(page, 4, "Let S3 invoke the function", ["Add the permission"])
    do_step(page, 5, "Send .jpg uploads to the function", ["Configure the notification"])
    open_step(page, 6, "Upload files and watch")
    click(page, "Upload")  # the first file offered: holiday photo.jpg
    page.get_by_test_id("stSelectbox").filter(has_text="File to upload").click()
    page.get_by_role("option", name="notes.txt").click()
    finish_step(page, ["Upload"])
    all_steps_done(page, 6, output_path, "lab-2-done.png")


def test_lab_3_read_the_logs(page: Page, app_server, output_path):
    open_lab(page, app_server.url, "read-the-logs", "Read the logs")
    finish_step(
        page, ["Create the role", "Attach AWSLambdaBasicExecutionRole", "Create the function"]
    )
    do_step(
        page,
        2,
        "print versus logging, and the three framing lines",
        ["Invoke with the event", "Invoke with the event"],
    )
    open_step(page, 3, "Find one request by its id")
    click(page, "Invoke with the event")
    page.get_by_label("Filter by text or request id").fill("B-7")
    page.get_by_label("Filter by text or request id").press("Enter")
    idle(page)  # the viewer now shows only the request that logged B-7
    start_line = page.get_by_text(re.compile(r"START RequestId: [0-9a-f-]{36}")).first
    expect(start_line).to_be_visible(timeout=LONG)
    request_id = re.search(r"[0-9a-f-]{36}", start_line.inner_text()).group(0)
    page.get_by_label("The RequestId of the invocation that handled order B-7").fill(request_id)
    page.get_by_label("The RequestId of the invocation that handled order B-7").press("Enter")
    check_step(page)
    do_step(
        page,
        4,
        "An error and its stack trace",
        ["Invoke with the event"],
        "FunctionError: Unhandled",
    )
    do_step(page, 5, "Metrics without writing any code", ["Read the Invocations metric"])
    all_steps_done(page, 5, output_path, "lab-3-done.png")
    assert app_server.off_loopback_attempts() == []


def test_lab_8_a_serverless_rest_api(page: Page, app_server, output_path):
    open_lab(page, app_server.url, "rest-api", "A serverless REST API")
    finish_step(
        page,
        [
            "Create the table",
            "Create the role",
            "Allow logs and this table only",
            "Create the function",
        ],
    )
    do_step(
        page,
        2,
        "An HTTP API in front of it",
        [
            "Quick-create the HTTP API",
            "Find the integration",
            "Use payload format 1.0",
            "Let API Gateway invoke the function",
            "GET /items",
        ],
        re.compile(r"HTTP 200 from GET"),
    )
    open_step(page, 3, "Create, read and delete")
    click(page, "POST /items")
    expect(page.get_by_text(re.compile(r"HTTP 201 from POST")).first).to_be_visible(timeout=LONG)
    click(page, "GET /items/ghost")
    expect(page.get_by_text(re.compile(r"HTTP 404 from GET")).first).to_be_visible(timeout=LONG)
    expect(page.get_by_text(re.compile(r"curl -i -X GET")).first).to_be_visible()
    check_step(page)
    all_steps_done(page, 3, output_path, "lab-8-done.png")
    assert app_server.off_loopback_attempts() == []
