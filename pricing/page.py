"""The pricing calculator page: a month's Lambda bill worked step by step, with charts.

Thin on purpose: widgets in, `pricing.model.price()` out. Presets fill the inputs in one
click and have deep links (`?preset=api-backend`).
"""

from decimal import Decimal

import streamlit as st

from course.facts import fact, value
from course.session import learner_id
from pricing import charts
from pricing.compare import break_evens
from pricing.measured import MeasuredFunction, measure_all
from pricing.model import MAX_HOURS_IN_MONTH, InvalidUsage, Usage, price
from pricing.scenarios import PRESETS, Preset, preset
from pricing.tuning import SpeedModel
from pricing.walkthrough import number, steps, total_line, usd
from sandbox import get_sandbox

KEY = "pricing."  # session-state keys of this page, apart from other pages' keys
APPLIED = KEY + "applied_preset"
TIMEOUT_MS = float(value("limits.timeout_max_s") * 1000)


def state_of(usage: Usage) -> dict[str, object]:
    """Widget values for a Usage, typed the way each widget expects (int or float)."""
    split = usage.provisioned_invocations is not None
    return {
        KEY + "requests": usage.requests,
        KEY + "duration_ms": float(usage.duration_ms),
        KEY + "memory_mb": usage.memory_mb,
        KEY + "arch": usage.arch,
        KEY + "ephemeral_mb": usage.ephemeral_mb,
        KEY + "free_tier": usage.free_tier,
        KEY + "concurrency": usage.provisioned_concurrency,
        KEY + "hours": float(usage.provisioned_hours),
        KEY + "split": split,
        KEY + "pc_invocations": usage.provisioned_invocations if split else 0,
        KEY + "pc_duration_ms": float(usage.provisioned_duration_ms or usage.duration_ms),
    }


def apply_preset(chosen: Preset) -> None:
    st.session_state.update(state_of(chosen.usage))
    st.session_state[APPLIED] = chosen.name


def choose_preset(name: str) -> None:
    chosen = preset(name)
    if chosen:
        apply_preset(chosen)
        st.query_params["preset"] = name  # the address now links to this scenario


def dollars(text: str) -> str:
    """Markdown reads $...$ as LaTeX; a bill is full of dollar signs."""
    return text.replace("$", r"\$")


def forget_preset() -> None:
    """Once an input is changed, the address no longer describes the inputs."""
    st.session_state[APPLIED] = None
    if "preset" in st.query_params:
        del st.query_params["preset"]


def count_input(label: str, key: str, step: int) -> None:
    """A whole number of the page's inputs, from 0 up; changing it forgets the preset."""
    st.number_input(label, key=KEY + key, min_value=0, step=step, on_change=forget_preset)


def duration_input(label: str, key: str, help: str | None = None) -> None:
    """A duration in ms, from 0 up to Lambda's longest timeout; changing it forgets the preset."""
    st.number_input(
        label,
        key=KEY + key,
        min_value=0.0,
        max_value=TIMEOUT_MS,
        step=10.0,
        format="%.1f",
        help=help,
        on_change=forget_preset,
    )


for key, default in state_of(PRESETS[0].usage).items():
    st.session_state.setdefault(key, default)

requested = st.query_params.get("preset")
if requested and requested != st.session_state.get(APPLIED):
    found = preset(requested)
    if found:
        apply_preset(found)
    else:
        names = ", ".join(p.name for p in PRESETS)
        st.error(f"There is no preset called “{requested}”. Try one of: {names}.")

st.title("Pricing calculator")
region = fact("pricing.region")
st.caption(
    f"Prices for {region.display}, from the course's facts table (checked "
    f"{region.checked.isoformat()}, source: {region.source}). Every number below is worked "
    "the way AWS works its published examples."
)

st.markdown("**Scenarios** from the lessons and from AWS's pricing page:")
buttons = st.columns(len(PRESETS))
for column, item in zip(buttons, PRESETS, strict=True):
    column.button(
        item.title,
        key=f"preset-{item.name}",
        help=item.story,
        icon=":material/bolt:",
        on_click=choose_preset,
        args=(item.name,),
        width="stretch",
    )
applied = preset(st.session_state.get(APPLIED) or "")
if applied:
    st.info(applied.story, icon=":material/menu_book:")


def use_measured(found: MeasuredFunction) -> None:
    """Fill the inputs from what the learner's function really did in the sandbox."""
    forget_preset()
    st.session_state[KEY + "duration_ms"] = float(found.average_billed_ms)
    st.session_state[KEY + "memory_mb"] = found.memory_mb
    st.session_state[KEY + "arch"] = found.arch


with st.expander(
    ":material/science: Use my function: price what your sandbox functions really did"
):
    st.caption(
        "Reads the REPORT lines of your functions in your sandbox (the same Billed Duration "
        "Lambda bills) and fills in their average duration, memory and architecture."
    )
    if st.button("Read my sandbox", key=KEY + "read-sandbox"):
        session = get_sandbox().learner_session(learner_id())
        st.session_state[KEY + "measured"] = measure_all(session)
    measured = st.session_state.get(KEY + "measured")
    if measured == []:
        st.info("None of your functions has run yet: invoke one in a lab first.")
    for found in measured or []:
        st.button(
            f"Use {found.name}: {found.invocations} invocation(s), "
            f"{found.average_billed_ms} ms billed on average, {found.memory_mb} MB, {found.arch}",
            key=KEY + f"use-{found.name}",
            on_click=use_measured,
            args=(found,),
        )

inputs, bill_column = st.columns([1, 1.4], gap="large")
with inputs:
    st.subheader("Your function")
    count_input("Requests per month", "requests", step=100_000)
    duration_input(
        "Average duration (ms)",
        "duration_ms",
        help=f"Billed per {fact('invocation.billing_granularity_ms').display}, rounded up. "
        f"A run can last at most the {fact('limits.timeout_max_s').display} timeout.",
    )
    st.number_input(
        "Memory (MB)",
        key=KEY + "memory_mb",
        min_value=value("limits.memory_min_mb"),
        max_value=value("limits.memory_max_mb"),
        step=64,
        help=f"Any size in 1 MB steps. CPU grows with memory: "
        f"{fact('limits.memory_one_vcpu_mb').display} buys one full vCPU.",
        on_change=forget_preset,
    )
    st.radio(
        "Architecture",
        ["x86_64", "arm64"],
        key=KEY + "arch",
        horizontal=True,
        on_change=forget_preset,
    )
    st.number_input(
        "Ephemeral storage /tmp (MB)",
        key=KEY + "ephemeral_mb",
        min_value=value("limits.ephemeral_default_mb"),
        max_value=value("limits.ephemeral_max_mb"),
        step=512,
        help=f"The first {fact('limits.ephemeral_default_mb').display} are free.",
        on_change=forget_preset,
    )
    st.toggle(
        "Free tier",
        key=KEY + "free_tier",
        help=f"{fact('pricing.free_requests').display} and "
        f"{fact('pricing.free_gb_seconds').display}, shared by the whole account.",
        on_change=forget_preset,
    )
    with st.expander("Provisioned concurrency", expanded=st.session_state[KEY + "concurrency"] > 0):
        count_input("Environments kept warm", "concurrency", step=1)
        st.number_input(
            "Hours enabled this month",
            key=KEY + "hours",
            min_value=0.0,
            max_value=float(MAX_HOURS_IN_MONTH),
            step=1.0,
            help=f"Rounded up to {fact('pricing.provisioned_rounding_min').display}.",
            on_change=forget_preset,
        )
        st.checkbox(
            "I know how many invocations ran on them",
            key=KEY + "split",
            help="Otherwise traffic fills the warm environments first and the rest runs on demand.",
            on_change=forget_preset,
        )
        if st.session_state[KEY + "split"]:
            count_input("Invocations on provisioned environments", "pc_invocations", step=10_000)
            duration_input("Their average duration (ms)", "pc_duration_ms")

state = st.session_state
split = state[KEY + "split"] and state[KEY + "concurrency"] > 0
try:
    usage = Usage(
        requests=state[KEY + "requests"],
        duration_ms=Decimal(str(state[KEY + "duration_ms"])),
        memory_mb=state[KEY + "memory_mb"],
        arch=state[KEY + "arch"],
        ephemeral_mb=state[KEY + "ephemeral_mb"],
        free_tier=state[KEY + "free_tier"],
        provisioned_concurrency=state[KEY + "concurrency"],
        provisioned_hours=Decimal(str(state[KEY + "hours"])),
        provisioned_invocations=state[KEY + "pc_invocations"] if split else None,
        provisioned_duration_ms=Decimal(str(state[KEY + "pc_duration_ms"])) if split else None,
    )
except InvalidUsage as problem:
    bill_column.error(f"AWS would not bill this: {problem}.", icon=":material/error:")
    st.stop()

bill = price(usage)
with bill_column:
    st.subheader("The bill, worked by hand")
    st.metric("Monthly total", usd(bill.total_usd))
    for step in steps(bill):
        with st.container(border=True):
            st.markdown(dollars(f"**{step.title}: {usd(step.usd)}**"))
            st.markdown(dollars("\n".join(f"- {line}" for line in step.lines)))
    st.success(dollars(total_line(bill)), icon=":material/calculate:")

st.header("How the cost grows")
traffic, parts, memory, servers = st.tabs(
    ["Cost vs traffic", "The bill's parts", "Memory (a model)", "Lambda vs EC2"]
)
with traffic:
    st.plotly_chart(charts.cost_vs_requests(usage), key="chart-traffic")
    st.caption(
        "The same function on both architectures. arm64 lowers only the duration price; "
        "requests cost the same, so at short durations the lines nearly meet."
    )
with parts:
    st.plotly_chart(charts.bill_parts(bill), key="chart-parts")
with memory:
    st.warning(
        "This chart is a MODEL in the spirit of AWS Lambda Power Tuning, not a measurement. "
        "It assumes the CPU-bound share of today's run speeds up in proportion to memory "
        f"(one vCPU at {number(value('limits.memory_one_vcpu_mb'))} MB, at most "
        f"{value('limits.max_vcpus')}), and that waiting on the network does not.",
        icon=":material/science:",
    )
    left, right = st.columns(2)
    cpu_share = left.slider("CPU-bound share of today's duration (%)", 0, 100, 70, 5)
    threads = right.number_input("Threads the code really uses", 1, 6, 1, 1)
    model = SpeedModel(
        duration_ms=usage.duration_ms,
        memory_mb=usage.memory_mb,
        cpu_share=Decimal(cpu_share) / 100,
        threads=int(threads),
    )
    st.plotly_chart(charts.memory_tuning(usage, model), key="chart-memory")
with servers:
    st.plotly_chart(charts.lambda_vs_ec2(usage), key="chart-ec2")
    rows = ["| Always-on instance | A month | Break-even with this function |", "|---|---|---|"]
    for even in break_evens(usage):
        box = even.instance
        rows.append(
            f"| {box.name} (${box.hourly_usd} an hour) | {usd(box.monthly_usd)} "
            f"| {even.describe()} |"
        )
    st.markdown(dollars("\n".join(rows)))
    ec2_source = fact("ec2.t4g_small_hourly_usd").source
    st.caption(
        f"Always-on Linux instances in {region.display} at on-demand prices, for "
        f"{fact('ec2.hours_per_month').display} (source: {ec2_source})."
        " Only prices are compared: whether one instance keeps up with the load, and the work "
        "of patching and scaling it, are not."
    )
