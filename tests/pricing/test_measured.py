"""'Use my function': the calculator prices what a learner's function really did."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pricing.measured import billed_durations, measure
from sandbox import get_sandbox
from tests.aws_helpers import create_python_function

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def deployed_and_invoked(learner: str, memory_mb: int, times: int) -> str:
    session = get_sandbox().learner_session(learner)
    code = "import time\ndef handler(event, context):\n    time.sleep(0.05)\n    return 1\n"
    create_python_function(session, "measured", code, MemorySize=memory_mb)
    lam = session.client("lambda")
    for _ in range(times):
        lam.invoke(FunctionName="measured", Payload=b"{}")
    return "measured"


def test_report_lines_give_billed_duration_and_memory():
    lines = [
        "START RequestId: x",
        "REPORT RequestId: x\tDuration: 51.20 ms\tBilled Duration: 52 ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 40 MB",
    ]
    assert billed_durations(lines) == [(52, 256)]


def test_a_function_is_measured_from_its_own_logs():
    name = deployed_and_invoked("pricing-measure", 256, 3)
    found = measure(get_sandbox().learner_session("pricing-measure"), name)
    assert found.invocations == 3 and found.memory_mb == 256 and found.arch == "x86_64"
    assert found.average_billed_ms >= 50  # it sleeps 50 ms each time


def test_use_my_function_fills_the_calculator_from_the_sandbox():
    from progress.web import IDENTITY

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    learner = at.session_state[IDENTITY].learner_id  # the sandbox account this session uses
    deployed_and_invoked(learner, 512, 2)
    at.switch_page("pricing/page.py").run()
    at.button(key="pricing.read-sandbox").click().run()
    use = at.button(key="pricing.use-measured")
    assert "2 invocation(s)" in use.label
    use.click().run()
    assert not at.exception, at.exception
    assert at.session_state["pricing.memory_mb"] == 512
    assert at.session_state["pricing.duration_ms"] >= 50
