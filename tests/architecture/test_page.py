"""The map page and the lab panel, headless (AppTest), for a learner with lab 2 done."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from labs.engine import learner_suffix, verify_lab
from labs.model import load_labs

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_map() -> tuple[AppTest, str]:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    learner_id = at.session_state["progress.identity"].learner_id
    at.switch_page("architecture/page.py").run()
    assert not at.exception, at.exception
    return at, learner_id


def dot_of(at: AppTest) -> str:
    (chart,) = at.get("graphviz_chart")
    return chart.proto.spec


def test_an_empty_sandbox_has_an_empty_map():
    at, _ = open_map()
    assert at.title[0].value == "My sandbox map"
    assert "Nothing in your sandbox yet" in at.info[0].value
    assert not at.get("graphviz_chart"), "no diagram of nothing"
    assert not at.success, "no 'no problems' banner over an empty account"


def test_after_lab_2_the_map_shows_the_pipeline_its_activity_and_each_report_priced(sandbox):
    at, learner_id = open_map()
    session = sandbox.learner_session(learner_id)
    lab = load_labs().lab("s3-trigger")
    assert lab is not None and verify_lab(session, learner_id, lab, sandbox.wait_for_async).ok
    at.run()
    assert not at.exception, at.exception
    dot = dot_of(at)
    assert "λ photo-indexer" in dot and "lab2-photo-metadata" in dot
    assert "ObjectCreated:* suffix .jpg" in dot and "1 inv · 0 err · 0 thr" in dot
    assert at.success[0].value == "No problems found on the map."
    (table,) = at.dataframe
    rows = table.value
    assert len(rows) == 1 and rows["billed ms"][0] > 0
    assert float(rows["cost USD"][0]) > 0.0000002
    assert [m.value for m in at.metric][:3] == ["1", "0", "0"]

    # Remove S3's permission: the map draws the trigger red and prints the fix.
    session.client("lambda").remove_permission(
        FunctionName="photo-indexer", StatementId=f"allow-s3-{learner_suffix(learner_id)}"
    )
    at.run()
    assert "⚠" in dot_of(at)
    assert any("cannot invoke photo-indexer" in m.value for m in at.markdown)
    assert any(code.value.startswith("lambda.add_permission(") for code in at.code)


def test_the_export_is_built_for_one_lab_and_offered_for_download(sandbox):
    at, learner_id = open_map()
    session = sandbox.learner_session(learner_id)
    lab = load_labs().lab("first-function")
    assert lab is not None and verify_lab(session, learner_id, lab, sandbox.wait_for_async).ok
    at.selectbox(key="map-export-scope").set_value("first-function").run()
    at.button(key="map-export-build").click().run()
    assert not at.exception, at.exception
    assert at.get("download_button"), "a download button for the zip"
    template = next(c.value for c in at.code if c.value.startswith("AWSTemplateFormatVersion"))
    assert "FunctionName: hello-lambda" in template


def test_every_lab_has_a_map_panel_that_draws_when_opened(sandbox):
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    learner_id = at.session_state["progress.identity"].learner_id
    session = sandbox.learner_session(learner_id)
    lab = load_labs().lab("s3-trigger")
    assert lab is not None and verify_lab(session, learner_id, lab, sandbox.wait_for_async).ok
    at.query_params["lab"] = "s3-trigger"
    at.switch_page("labs/page.py").run()
    assert not at.exception, at.exception
    assert any(e.label == "Map of my sandbox" for e in at.expander)
    assert at.get("graphviz_chart") == [], "closed: nothing drawn, the lab page stays quick"
    at.session_state["lab-map-s3-trigger"] = True
    at.run()
    dot = dot_of(at)
    assert "λ photo-indexer" in dot and "lab2-photo-indexer-role" in dot


def test_a_labs_map_panel_before_its_first_step_says_what_will_appear():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.query_params["lab"] = "s3-trigger"
    at.switch_page("labs/page.py").run()
    at.session_state["lab-map-s3-trigger"] = True
    at.run()
    assert not at.exception, at.exception
    assert at.get("graphviz_chart") == []
    assert any("Nothing of this lab's in your sandbox yet" in i.value for i in at.info)
