"""The learner's own page: their name and workshop, personal link, export and import."""

import streamlit as st

from progress.transfer import (
    TransferError,
    export_file_name,
    export_json,
    import_into,
    parse_export,
)
from progress.web import (
    get_store,
    identity_form,
    invalidate,
    personal_link,
    sign_out,
    snapshot,
)

IMPORTED = "progress.imported"

mine = snapshot()
learner = mine.learner

st.title("Your progress")
if st.session_state.pop(IMPORTED, False):
    st.success("Imported: your progress is the file's now.", icon=":material/check:")
st.markdown(
    "No password here: the course knows you by the link in your address bar. "
    "Pick a name so your instructor can see how you are doing."
)
with st.container(border=True):
    if identity_form("page"):
        st.toast("Saved.", icon=":material/check:")
        st.rerun()

st.subheader("Your personal link")
st.caption(
    "Open it on another browser or device to continue where you are. "
    "Keep it to yourself: whoever has it can continue as you."
)
st.code(personal_link("me"), language=None)

quiz = mine.quiz
passed = sum(1 for step in mine.lab_steps.values() if step.passed)
a, b, c, d = st.columns(4)
a.metric("Lessons done", len(mine.lessons_done))
b.metric("Lab steps passed", passed)
c.metric("Questions answered", len(quiz.attempts))
d.metric("Exams taken", len(quiz.exams))

st.subheader("Move your progress")
st.download_button(
    "Download my progress (JSON)",
    data=export_json(mine),
    file_name=export_file_name(mine),
    mime="application/json",
    icon=":material/download:",
    key="export",
    on_click="ignore",
)
upload = st.file_uploader("Restore from a file you downloaded", type=["json"], key="import-file")
if upload is not None:
    try:
        incoming = parse_export(upload.getvalue())
    except TransferError as problem:
        st.error(f"This file cannot be imported: {problem}.", icon=":material/error:")
    else:
        st.info(
            f"The file holds {len(incoming.lessons_done)} lessons done, "
            f"{sum(s.passed for s in incoming.lab_steps.values())} lab steps passed, "
            f"{len(incoming.quiz.attempts)} answers and {len(incoming.quiz.exams)} exams "
            f"of {incoming.learner.display_name}.",
            icon=":material/upload_file:",
        )
        if st.button("Replace my progress with this file", type="primary", key="import"):
            import_into(get_store(), learner.id, incoming)
            invalidate()
            st.session_state[IMPORTED] = True
            st.rerun()

st.divider()
st.caption("On a shared computer, or to start again from nothing:")
if st.button("Start over as a new learner", key="sign-out", icon=":material/logout:"):
    sign_out()
    st.rerun()
