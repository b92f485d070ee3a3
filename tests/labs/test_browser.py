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


def type_code(page: Page, code: str) -> None:
    editor = page.get_by_test_id("stTextArea").locator("textarea").first
    editor.fill(code)
    editor.press("Control+Enter")
    page.wait_for_timeout(500)


def test_lab_1_your_first_function(page: Page, app_server, output_path):
    page.goto(f"{app_server.url}/labs?lab=first-function")
    expect(page.get_by_role("heading", name="Your first function")).to_be_visible(timeout=LONG)
    click(page, "Create the role")
    click(page, "Attach AWSLambdaBasicExecutionRole")
    check_step(page)
    open_step(page, 2, "Create the function")
    click(page, "Create the function")
    check_step(page)
    open_step(page, 3, "Invoke it with a test event")
    click(page, "Invoke with the test event")
    expect(page.get_by_text('"Hello, Ada!"').first).to_be_visible(timeout=LONG)
    check_step(page)
    open_step(page, 4, "Change the code and deploy again")
    type_code(page, FUNCTION_WITH_CONTEXT)
    click(page, "Deploy the new code")
    check_step(page)
    expect(page.get_by_text("Steps done: 4 of 4")).to_be_visible()
    page.screenshot(path=shot(output_path, "lab-1-done.png"), full_page=True)


def test_lab_2_react_to_uploads(page: Page, app_server, output_path):
    page.goto(f"{app_server.url}/labs?lab=s3-trigger")
    expect(page.get_by_role("heading", name="React to uploads")).to_be_visible(timeout=LONG)
    click(page, "Create the bucket")
    click(page, "Create the table")
    check_step(page)
    open_step(page, 2, "A role that can read the bucket and write the table")
    for label in [
        "Create the role",
        "Attach AWSLambdaBasicExecutionRole",
        "Attach AmazonS3ReadOnlyAccess",
        "Allow PutItem on the table only",
    ]:
        click(page, label)
    check_step(page)
    open_step(page, 3, "The indexing function")
    click(page, "Create the function")
    check_step(page)
    open_step(page, 4, "Let S3 invoke the function")
    click(page, "Add the permission")
    check_step(page)
    open_step(page, 5, "Send .jpg uploads to the function")
    click(page, "Configure the notification")
    check_step(page)
    open_step(page, 6, "Upload files and watch")
    click(page, "Upload")  # the first file offered: holiday photo.jpg
    page.get_by_test_id("stSelectbox").filter(has_text="File to upload").click()
    page.get_by_role("option", name="notes.txt").click()
    click(page, "Upload")
    check_step(page)
    expect(page.get_by_text("Steps done: 6 of 6")).to_be_visible()
    page.screenshot(path=shot(output_path, "lab-2-done.png"), full_page=True)


def test_lab_3_read_the_logs(page: Page, app_server, output_path):
    page.goto(f"{app_server.url}/labs?lab=read-the-logs")
    expect(page.get_by_role("heading", name="Read the logs")).to_be_visible(timeout=LONG)
    for label in ["Create the role", "Attach AWSLambdaBasicExecutionRole", "Create the function"]:
        click(page, label)
    check_step(page)
    open_step(page, 2, "print versus logging, and the three framing lines")
    click(page, "Invoke with the event")
    click(page, "Invoke with the event")
    check_step(page)
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
    open_step(page, 4, "An error and its stack trace")
    click(page, "Invoke with the event")
    expect(page.get_by_text("FunctionError: Unhandled").first).to_be_visible(timeout=LONG)
    check_step(page)
    open_step(page, 5, "Metrics without writing any code")
    click(page, "Read the Invocations metric")
    check_step(page)
    expect(page.get_by_text("Steps done: 5 of 5")).to_be_visible()
    page.screenshot(path=shot(output_path, "lab-3-done.png"), full_page=True)
    assert app_server.off_loopback_attempts() == []


def test_lab_8_a_serverless_rest_api(page: Page, app_server, output_path):
    page.goto(f"{app_server.url}/labs?lab=rest-api")
    expect(page.get_by_role("heading", name="A serverless REST API")).to_be_visible(timeout=LONG)
    for label in [
        "Create the table",
        "Create the role",
        "Allow logs and this table only",
        "Create the function",
    ]:
        click(page, label)
    check_step(page)
    open_step(page, 2, "An HTTP API in front of it")
    for label in [
        "Quick-create the HTTP API",
        "Find the integration",
        "Use payload format 1.0",
        "Let API Gateway invoke the function",
        "GET /items",
    ]:
        click(page, label)
    expect(page.get_by_text(re.compile(r"HTTP 200 from GET")).first).to_be_visible(timeout=LONG)
    check_step(page)
    open_step(page, 3, "Create, read and delete")
    click(page, "POST /items")
    expect(page.get_by_text(re.compile(r"HTTP 201 from POST")).first).to_be_visible(timeout=LONG)
    click(page, "GET /items/ghost")
    expect(page.get_by_text(re.compile(r"HTTP 404 from GET")).first).to_be_visible(timeout=LONG)
    expect(page.get_by_text(re.compile(r"curl -i -X GET")).first).to_be_visible()
    check_step(page)
    expect(page.get_by_text("Steps done: 3 of 3")).to_be_visible()
    page.screenshot(path=shot(output_path, "lab-8-done.png"), full_page=True)
    assert app_server.off_loopback_attempts() == []
