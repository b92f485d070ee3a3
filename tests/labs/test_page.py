"""The lab page, headless: each lab opens, its first step's check fails until the learner
acts, and turns green once they have."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labs.model import load_labs

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LABS = load_labs().labs


def open_lab(slug: str, step: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.query_params["lab"] = slug
    if step:
        at.query_params["step"] = step
    at.switch_page("labs/page.py").run()
    assert not at.exception, at.exception
    return at


def check(at: AppTest, slug: str, step: str) -> list[str]:
    at.button(key=f"check-{slug}-{step}").click().run()
    assert not at.exception, at.exception
    return [m.value for m in at.markdown if m.value.startswith(":material/")]


@pytest.mark.parametrize("lab", LABS, ids=[lab.slug for lab in LABS])
def test_each_lab_opens_and_its_first_step_turns_green_after_its_actions(lab):
    at = open_lab(lab.slug)
    assert at.title[0].value == lab.title
    step = lab.steps[0]
    before = check(at, lab.slug, step.id)
    assert before and any("cancel" in line for line in before), (
        "nothing done yet: the check must fail"
    )
    assert any("Expected" in line for line in before), "a failing check says what it expected"
    for index, _ in enumerate(step.actions):
        at.button(key=f"action-{lab.slug}-{step.id}-{index}").click().run()
        assert not at.exception, at.exception
    after = check(at, lab.slug, step.id)
    assert after and all("check_circle" in line for line in after), after
    assert "Steps done: 1 of" in at.get("progress")[0].proto.text


def test_a_wrong_attempt_shows_the_checks_explanation():
    at = open_lab("first-function")
    at.button(key="action-first-function-create-role-0").click().run()  # role, but no policy yet
    lines = check(at, "first-function", "create-role")
    failing = [line for line in lines if "cancel" in line]
    assert failing and "AWSLambdaBasicExecutionRole" in failing[0] and "no policies" in failing[0]


def test_hints_are_revealed_one_at_a_time():
    at = open_lab("first-function")
    hint = next(b for b in at.button if b.label.startswith("Show a hint (1 of"))
    hint.click().run()
    assert len(at.info) == 1
    assert next(b for b in at.button if b.label.startswith("Show a hint (2 of"))


def test_malformed_event_json_gets_a_clear_message_and_blocks_the_invoke():
    at = open_lab("first-function")
    at.segmented_control(key="step-first-function").set_value("invoke").run()
    at.text_area(key="event-first-function-invoke").input('{"name": Ada}').run()
    assert "not valid JSON" in at.error[0].value
    invoke = next(b for b in at.button if b.label == "Invoke with the test event")
    assert invoke.disabled


def test_every_call_is_shown_as_boto3_and_cli_beside_its_result():
    at = open_lab("first-function")
    at.button(key="action-first-function-create-role-0").click().run()
    code = [c.value for c in at.code]
    assert any("client.create_role(" in c for c in code)
    assert any(c.startswith("aws iam create-role") for c in code)


def test_reset_removes_the_labs_resources_and_progress():
    at = open_lab("first-function")
    for index in range(2):
        at.button(key=f"action-first-function-create-role-{index}").click().run()
    assert all("check_circle" in line for line in check(at, "first-function", "create-role"))
    at.button(key="reset-first-function").click().run()
    assert "Steps done: 0 of" in at.get("progress")[0].proto.text
    assert any("cancel" in line for line in check(at, "first-function", "create-role"))


def test_a_deep_link_opens_the_named_step():
    at = open_lab("s3-trigger", "notification")
    assert at.subheader[0].value.startswith("Step 5: Send .jpg uploads")


def test_a_fast_forward_shows_how_far_the_clock_moved_and_what_fired():
    at = open_lab("serverless-cron", "fast-forward")
    at.button(key="action-serverless-cron-fast-forward-0").click().run()
    assert not at.exception, at.exception
    (note,) = [m.value for m in at.markdown if m.value.startswith("The sandbox clock moved")]
    assert note.startswith("The sandbox clock moved 2 days, from ")
    assert "None of your schedules came due on the way." in note  # no rule made yet


def test_the_sandbox_panel_says_what_isolates_handlers_and_which_python_runs_them():
    from sandbox import get_sandbox

    at = open_lab("first-function")
    captions = " ".join(c.value for c in at.sidebar.caption)
    runtime = get_sandbox().runtime
    assert runtime.describe_boundary() in captions
    assert "python3.12 on Python " in captions
    warned = any("Single-learner mode" in w.value for w in at.warning)
    assert warned == (not runtime.boundary.available)  # the warning shows only without one
