"""My sandbox map: the learner's account drawn live, its problems, and an export for AWS.

Thin: widgets in, ``architecture.live`` / ``architecture.export`` out.
"""

import streamlit as st

from architecture.export import DEFAULT_MONTHLY_REQUESTS, export_package
from architecture.graph import build_graph
from architecture.live import lab_names
from architecture.widgets import MINUTES, show_map
from course.session import learner_id
from labs.model import load_labs
from sandbox import get_sandbox

REFRESH_S = 5  # activity: one CloudWatch call, a log read per function
RESOURCES_MAX_AGE_S = 30  # the resources: dozens of calls, and they change rarely

st.title("My sandbox map")
st.caption(
    "Everything in your sandbox account, read through the same AWS calls you can make: "
    "functions, what triggers them, where their failures go, the roles they run as. "
    "Problems are drawn in red with a one-line fix."
)
with st.spinner("Starting your sandbox…"):
    session = get_sandbox().learner_session(learner_id())

left, right = st.columns(2)
minutes = left.selectbox(
    "Activity window",
    MINUTES,
    index=1,
    format_func=lambda m: f"last {m} minutes" if m < 60 else f"last {m // 60} hour(s)",
    key="map-minutes",
)
live = right.toggle(f"Refresh every {REFRESH_S} seconds", value=True, key="map-live")
right.button("Read my sandbox again now", icon=":material/refresh:", key="map-reread")
st.session_state.pop("map-graph", None)  # a whole run of the page reads every resource again


@st.fragment(run_every=REFRESH_S if live else None)
def live_map() -> None:
    show_map(session, "map", minutes=minutes, graph_max_age_s=RESOURCES_MAX_AGE_S)
    st.caption(
        f"Activity and problems refresh every {REFRESH_S} s; the resources themselves are "
        f"read again every {RESOURCES_MAX_AGE_S} s, and whenever you open this page or use "
        "the button above."
    )


live_map()

st.divider()
st.subheader("Take it home")
st.markdown(
    "Export your sandbox, or one lab's resources, as an AWS CloudFormation template with "
    "your functions' code and a README: how to deploy it to a real account with "
    "`aws cloudformation deploy` or `sam deploy`, and what it would cost there."
)
labs = load_labs().labs
scopes = ["everything", *(lab.slug for lab in labs)]
titles = {lab.slug: f"Lab {lab.order}: {lab.title}" for lab in labs}
left, right = st.columns(2)
scope = left.selectbox(
    "What to export",
    scopes,
    format_func=lambda s: "Everything in my sandbox" if s == "everything" else titles[s],
    key="map-export-scope",
)
requests = right.number_input(
    "Requests a month per function (for the cost estimate)",
    min_value=1,
    value=DEFAULT_MONTHLY_REQUESTS,
    step=100_000,
    key="map-export-requests",
)
if st.button("Build the export", icon=":material/package_2:", key="map-export-build"):
    lab = next((lab for lab in labs if lab.slug == scope), None)
    with st.spinner("Reading your sandbox and writing the template…"):
        names = lab_names(session, learner_id(), lab) if lab else None
        st.session_state["map-export"] = export_package(
            session,
            build_graph(session, names),
            scope=titles.get(scope, "My Lambda Lab sandbox"),
            monthly_requests=int(requests),
        )
package = st.session_state.get("map-export")
if package is not None:
    st.download_button(
        "Download lambda-lab-export.zip",
        package.zip_bytes,
        file_name="lambda-lab-export.zip",
        mime="application/zip",
        icon=":material/download:",
        type="primary",
        key="map-export-download",
    )
    st.caption(f"{len(package.files)} files: " + ", ".join(f"`{f}`" for f in package.files[:8]))
    with st.expander("README.md"):
        st.markdown(package.readme.replace("$", r"\$"))
    with st.expander("template.yaml"):
        st.code(package.template_yaml, language="yaml")
