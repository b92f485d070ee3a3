"""My sandbox map: the learner's account drawn live, its problems, and an export for AWS.

Thin: widgets in, ``architecture.live`` / ``architecture.export`` out.
"""

import streamlit as st

from architecture.widgets import MINUTES, show_map
from course.session import learner_id
from sandbox import get_sandbox

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
live = right.toggle("Refresh every 5 seconds", value=True, key="map-live")


@st.fragment(run_every=5 if live else None)
def live_map() -> None:
    show_map(session, "map", minutes=minutes)


live_map()
