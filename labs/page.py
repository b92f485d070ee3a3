"""The lab page: a guided exercise in the learner's own sandbox, checked as they go."""

import json

import plotly.graph_objects as go
import streamlit as st

from architecture.widgets import show_lab_map
from course.facts import render_placeholders
from course.session import lab_progress as stored_lab_progress
from course.session import learner_id, record_lab_check, record_position, reset_lab_progress
from labs.calls import Call, as_python, run_call
from labs.engine import (
    TemplateError,
    context_for,
    fill_text,
    run_action,
    run_checks,
    run_solution,
    saved_values,
    step_progress,
    tally,
    to_call,
)
from labs.http_requests import UrlNotFound, send
from labs.model import load_labs
from labs.sample_events import SAMPLES, parse_event, sample
from labs.sandbox_views import describe_runtime, list_resources, read_log_streams, reset_lab
from labs.widgets import show_call, show_checks, show_logs
from lessons.catalog import lesson_by_slug, load_lessons
from sandbox import get_sandbox

catalog = load_labs()
if catalog.problems:
    with st.expander(f":material/warning: {len(catalog.problems)} problem(s) in the lab files"):
        st.code("\n".join(catalog.problems), language=None)
if not catalog.labs:
    st.error("No lab could be loaded. Run `python -m labs verify` to see why.")
    st.stop()

with st.spinner("Starting your sandbox…"):
    session = get_sandbox().learner_session(learner_id())
progress = stored_lab_progress()  # slug -> {step id: passed}, from the progress store
records = st.session_state.setdefault("lab_records", {})  # (slug, step) -> [CallRecord]
checked = st.session_state.setdefault("lab_checks", {})  # (slug, step) -> [CheckResult]
hints_shown = st.session_state.setdefault("lab_hints", {})  # (slug, step) -> count
tallies = st.session_state.setdefault("lab_tallies", {})  # (slug, step) -> (field, counts)
http_records = st.session_state.setdefault("lab_http", {})  # (slug, step) -> HttpRecord


slugs = [lab.slug for lab in catalog.labs]
if st.query_params.get("lab") in slugs:
    st.session_state.setdefault("lab_choice", st.query_params["lab"])
with st.sidebar:
    slug = st.radio(
        "Labs",
        slugs,
        format_func=lambda s: f"{catalog.lab(s).order}. {catalog.lab(s).title}",
        key="lab_choice",
    )
st.query_params["lab"] = slug
lab = catalog.lab(slug)
saved_by_lab = st.session_state.setdefault("lab_saved", {})  # slug -> values saved by calls
ctx = context_for(session, learner_id(), lab).with_values(saved_by_lab.get(slug, {}))
lab_progress = progress.setdefault(slug, {})

st.title(lab.title)
st.markdown(f"*{lab.summary}*  \n:material/schedule: about {lab.minutes} minutes")
passed = [lab_progress.get(step.id, False) for step in lab.steps]
st.progress(step_progress(passed), text=f"Steps done: {sum(passed)} of {len(lab.steps)}")
with st.expander("What you will do, and the lessons behind it"):
    st.markdown("\n".join(f"- {objective}" for objective in lab.objectives))
    for lesson_slug in lab.lessons:
        lesson = lesson_by_slug(lesson_slug, load_lessons())
        if lesson:
            st.page_link(
                "lessons/page.py",
                label=lesson.title,
                icon=":material/menu_book:",
                query_params={"lesson": lesson_slug},
            )

step_ids = [step.id for step in lab.steps]
first_open = next((s.id for s in lab.steps if not lab_progress.get(s.id)), step_ids[-1])
step_key = f"step-{slug}"
linked_step = st.query_params.get("step")
if linked_step in step_ids and st.session_state.get("linked-step") != (slug, linked_step):
    st.session_state["linked-step"] = (slug, linked_step)  # a deep link opens its step once
    st.session_state[step_key] = linked_step
if st.session_state.get(step_key) not in step_ids:
    st.session_state[step_key] = first_open
step_id = (
    st.segmented_control(
        "Step",
        step_ids,
        format_func=lambda sid: f"{step_ids.index(sid) + 1}. {lab.step(sid).title}",
        key=step_key,
    )
    or first_open
)
step = lab.step(step_id)
record_position(lab=slug, step=step.id)  # for the instructor's view of the class
key = (slug, step.id)
mark = ":material/check_circle: done" if lab_progress.get(step.id) else "not checked yet"
st.subheader(f"Step {step_ids.index(step.id) + 1}: {step.title}")
st.caption(mark)
st.markdown(render_placeholders(fill_text(step.instructions, ctx.values)))

# Inputs the step's calls use: code, event, an uploaded key, an answer.
code = ""
if step.editor:
    code_key = f"code-{slug}-{step.id}"
    st.session_state.setdefault(code_key, step.editor.starter)
    edit, view = st.columns(2)
    code = edit.text_area(f"`{step.editor.file}`", key=code_key, height=360)
    with view:
        st.caption("Highlighted")
        st.code(code, language="python", line_numbers=True)
event = None
if step.event is not None or any(a.call.args.get("Payload") == "$event" for a in step.actions):
    event_key = f"event-{slug}-{step.id}"
    st.session_state.setdefault(event_key, json.dumps(step.event or {}, indent=2))
    sample_name = st.selectbox(
        "Start from a sample event",
        ["(the step's event)", *SAMPLES],
        key=f"sample-{slug}-{step.id}",
    )
    if sample_name in SAMPLES and st.button(
        "Load this sample", key=f"load-sample-{slug}-{step.id}"
    ):
        st.session_state[event_key] = sample(sample_name, ctx.values["account"])
        st.rerun()
    event_text = st.text_area("Test event (JSON)", key=event_key, height=140)
    event, problem = parse_event(event_text)
    if problem:
        st.error(problem, icon=":material/data_object:")
answer = ""
if step.answer:
    answer = st.text_input(step.answer, key=f"answer-{slug}-{step.id}").strip()
step_ctx = ctx.with_inputs(code=code, event=event, answer=answer)


def remember(new_records: list) -> None:
    records[key] = (new_records + records.get(key, []))[:6]


for index, action in enumerate(step.actions):
    blocked = action.call.args.get("Payload") == "$event" and event is None
    label = action.label + (f" ({action.repeat} times)" if action.repeat > 1 else "")
    if st.button(
        label,
        key=f"action-{slug}-{step.id}-{index}",
        disabled=blocked,
        type="primary" if index == 0 else "secondary",
    ):
        batch = [run_action(session, action.call, step_ctx) for _ in range(action.repeat)]
        saved_by_lab.setdefault(slug, {}).update(saved_values(action.call, batch[-1]))
        remember(batch[-1:])
        if action.chart:
            tallies[key] = (action.chart, tally(batch, action.chart))
for index, request in enumerate(step.requests):
    if st.button(request["label"], key=f"request-{slug}-{step.id}-{index}", icon=":material/http:"):
        target = {k: fill_text(v, ctx.values) for k, v in request["target"].items()}
        try:
            sent = send(
                session,
                target,
                request.get("method", "GET"),
                fill_text(request.get("path", "/"), ctx.values),
                request.get("body"),
            )
        except UrlNotFound as problem:
            st.error(f"Nothing to call yet: {problem}.", icon=":material/link_off:")
        else:
            http_records[key] = sent
if key in http_records:
    sent = http_records[key]
    with st.container(border=True):
        (st.success if sent.status < 400 else st.error)(
            f"HTTP {sent.status} from {sent.method} {sent.url}"
        )
        body = sent.json()
        st.code(json.dumps(body, indent=2) if body is not None else sent.body, language="json")
        with st.expander("Response headers"):
            st.json(sent.headers, expanded=False)
        st.caption("The same request from a terminal:")
        st.code(sent.curl, language="bash")
if key in tallies:
    field_name, counts = tallies[key]
    figure = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), text=list(counts.values())))
    figure.update_layout(
        title=f"Invocations by {field_name}",
        xaxis_title=field_name,
        yaxis_title="invocations",
        height=300,
    )
    st.plotly_chart(figure, key=f"tally-{slug}-{step.id}")
if step.upload:
    bucket = fill_text(step.upload["bucket"], ctx.values)
    left, right = st.columns([3, 1])
    upload_key = left.selectbox(
        "File to upload",
        step.upload.get("keys", []),
        key=f"upload-{slug}-{step.id}",
        accept_new_options=True,
    )
    if right.button("Upload", key=f"do-upload-{slug}-{step.id}", disabled=not upload_key):
        body = f"sample content of {upload_key}".encode()
        remember(
            [
                run_call(
                    session,
                    Call("s3", "put_object", {"Bucket": bucket, "Key": upload_key, "Body": body}),
                )
            ]
        )
        get_sandbox().wait_for_async(5)  # let the trigger's invocation land before showing logs

for index, record in enumerate(records.get(key, [])[:3]):
    with st.container(border=True):
        show_call(record, f"{slug}-{step.id}-{index}")

if step.logs:
    function_name = fill_text(step.logs, ctx.values)
    st.markdown(
        f"**Logs of `{function_name}`** (CloudWatch Logs group `/aws/lambda/{function_name}`)"
    )
    text_filter = st.text_input("Filter by text or request id", key=f"logfilter-{slug}-{step.id}")
    st.button("Refresh the logs", key=f"logs-refresh-{slug}-{step.id}", icon=":material/refresh:")
    show_logs(read_log_streams(session, function_name, text_filter.strip()))

st.divider()
if st.button(
    "Check my progress", key=f"check-{slug}-{step.id}", type="primary", icon=":material/task_alt:"
):
    with st.spinner("Reading your sandbox…"):
        results = run_checks(session, step, step_ctx)
    checked[key] = results
    record_lab_check(slug, step.id, all(r.passed for r in results))  # stored: the rerun shows it
    st.rerun()
if key in checked:
    show_checks(checked[key])
    if lab_progress.get(step.id):
        st.success("Step done.", icon=":material/celebration:")

shown = hints_shown.get(key, 0)
for hint in step.hints[:shown]:
    st.info(render_placeholders(hint), icon=":material/lightbulb:")
if shown < len(step.hints) and st.button(
    f"Show a hint ({shown + 1} of {len(step.hints)})", key=f"hint-{slug}-{step.id}"
):
    hints_shown[key] = shown + 1
    st.rerun()
with st.expander("Reference solution"):
    if not step.solution:
        st.caption("This step needs no calls of its own: the earlier steps set it up.")
    for spec in step.solution:
        try:
            st.code(as_python(to_call(spec, step_ctx)), language="python")
        except TemplateError as problem:
            st.caption(
                f"`{spec.service}.{spec.operation}`: shown once earlier calls have run ({problem})."
            )
    if step.solution and st.button("Run the solution for me", key=f"solve-{slug}-{step.id}"):
        solved, saved = run_solution(session, step, step_ctx)
        remember(solved)
        saved_by_lab.setdefault(slug, {}).update(saved)
        st.rerun()

with st.sidebar:
    st.divider()
    with st.expander(":material/inventory_2: My sandbox", expanded=False):
        st.caption(f"Account {ctx.values['account']} · {get_sandbox().endpoint_url}")
        st.caption(describe_runtime(get_sandbox().runtime))
        for kind, names in list_resources(session).items():
            st.markdown(f"**{kind}**: " + (", ".join(f"`{n}`" for n in names) or "none"))
    if st.button("Reset this lab", key=f"reset-{slug}", icon=":material/restart_alt:"):
        removed = reset_lab(session, lab, ctx)
        reset_lab_progress(slug)
        for step_key_ in [
            k for k in list(records) + list(checked) + list(hints_shown) if k[0] == slug
        ]:
            for store in (records, checked, hints_shown, tallies, http_records):
                store.pop(step_key_, None)
        st.toast(f"Removed {len(removed)} resource(s); the lab starts again.")
        st.rerun()

runtime = get_sandbox().runtime
if runtime is not None and not runtime.boundary.available:  # nothing isolates handlers here
    st.warning(runtime.describe_boundary(), icon=":material/warning:")

map_panel = st.expander(
    "Map of my sandbox", icon=":material/account_tree:", key=f"lab-map-{slug}", on_change="rerun"
)
if map_panel.open:  # drawn only while open: the lab page stays quick
    with map_panel:
        lab_resources = [ctx.values[key] for key in lab.names if key in ctx.values]
        show_lab_map(session, lab_resources, key=f"lab-map-{slug}")
