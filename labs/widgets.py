"""Streamlit pieces of the lab page: a call's result with its code, logs, check results."""

from __future__ import annotations

import json
import re

import streamlit as st

from labs.calls import CallRecord
from labs.checks import CheckResult
from labs.sandbox_views import LogStream

LINE_STYLES = {"start": "blue", "end": "gray", "report": "green", "error": "red"}
REPORT_FIELDS = re.compile(
    r"(Duration|Billed Duration|Init Duration|Max Memory Used): ([\d.]+ \w+)"
)


def _escape(text: str) -> str:
    """Markdown-safe text: log lines are shown as written, not interpreted."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def show_call(record: CallRecord, key: str) -> None:
    """The result of one call, and the same call to copy as Python or as AWS CLI."""
    operation = record.call.operation
    if record.ok:
        st.success(f"`{record.call.service}.{operation}` succeeded", icon=":material/check_circle:")
    else:
        st.error(
            f"`{record.call.service}.{operation}` failed: {record.error}", icon=":material/error:"
        )
    if record.note:
        st.markdown(record.note)
    if record.ok and operation == "invoke":
        show_invocation(record)
    result, python, cli = st.tabs(["Response", "Python (boto3)", "AWS CLI"])
    with result:
        st.json(record.response if record.ok else {"Error": record.error}, expanded=False)
    with python:
        st.code(record.python, language="python")
        st.caption(
            "Against AWS itself this runs unchanged; here the app points boto3 at your sandbox."
        )
    with cli:
        st.code(record.cli, language="bash")


def show_invocation(record: CallRecord) -> None:
    response = record.response or {}
    error = response.get("FunctionError")
    payload = response.get("Payload")
    if error:
        st.warning(
            f"FunctionError: {error}: the handler did not return normally.",
            icon=":material/bug_report:",
        )
    st.markdown("**Payload**")
    st.code(json.dumps(payload, indent=2), language="json")
    tail = response.get("LogResult") or ""
    report = next((line for line in tail.splitlines() if line.startswith("REPORT")), "")
    fields = dict(REPORT_FIELDS.findall(report))
    if fields:
        columns = st.columns(len(fields))
        for column, (name, value) in zip(columns, fields.items(), strict=True):
            column.metric(name, value)
    if tail:
        with st.expander("Log tail (the last 4 KB, from LogType=Tail)"):
            st.code(tail, language=None)


def show_logs(streams: list[LogStream]) -> None:
    """Streams newest first, START/END/REPORT and errors highlighted, like the console."""
    if not streams:
        st.info("No log events yet: invoke the function first (or clear the filter).")
        return
    for index, stream in enumerate(streams):
        with st.expander(f"Log stream {stream.name}", expanded=index == 0):
            if not stream.lines:
                st.caption("No events in this stream.")
            rendered = []
            for line in stream.lines:
                text = _escape(line.message)
                color = LINE_STYLES.get(line.kind)
                rendered.append(f":{color}-background[{text}]" if color else text)
            st.markdown("  \n".join(rendered))


def show_checks(results: list[CheckResult]) -> None:
    for result in results:
        if result.passed:
            st.markdown(f":material/check_circle: :green[{result.what}]")
        else:
            st.markdown(
                f":material/cancel: :red[{result.what}]  \n"
                f"Expected **{result.expected}**, but found **{result.found}**."
            )
