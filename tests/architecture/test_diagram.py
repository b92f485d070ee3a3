"""The DOT the map draws: left to right, clustered, with activity and problems in red."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

from architecture.activity import Counts
from architecture.diagram import RED, to_dot
from architecture.graph import build_graph
from architecture.model import Graph
from architecture.problems import find_problems
from tests.aws_helpers import allow_invoke


def render(dot: str) -> str:
    """The SVG Graphviz draws, which also proves the DOT is valid."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed; Streamlit renders DOT in the browser")
    done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    return html.unescape(done.stdout)


def test_lab_2_reads_left_to_right_with_its_activity(lab_end_state):
    learner = lab_end_state("s3-trigger")
    graph = build_graph(learner.session)
    counts = {"photo-indexer": Counts(4, 1, 0)}
    dot = to_dot(graph, counts, minutes=15)
    assert "rankdir=LR" in dot
    assert re.search(r'label="S3 buckets"', dot) and re.search(r'label="DynamoDB"', dot)
    assert "λ photo-indexer\\npython3.12 · 128 MB · 30 s\\n4 inv · 1 err · 0 thr (15 min)" in dot
    assert "ObjectCreated:* suffix .jpg\\n4 inv · 1 err · 0 thr" in dot, "its only trigger"
    svg = render(dot)
    assert "photo-indexer" in svg and "lab2-photo-metadata" in svg


def test_a_problem_is_drawn_red_with_its_one_line(learner):
    bucket = "uploads-" + learner.learner_id
    arn = learner.function("thumbs")
    learner.client("s3").create_bucket(Bucket=bucket)
    statement = allow_invoke(learner, "thumbs", "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    learner.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    # S3 checks the permission when the notification is saved; removed later, it breaks it.
    learner.client("lambda").remove_permission(FunctionName="thumbs", StatementId=statement)
    graph = build_graph(learner.session)
    problems = find_problems(learner.session, graph)
    dot = to_dot(graph, problems=problems)
    (edge_line,) = [line for line in dot.splitlines() if "->" in line and "ObjectCreated" in line]
    assert f'color="{RED}"' in edge_line and "⚠" in edge_line
    render(dot)


def test_an_empty_sandbox_says_so():
    dot = to_dot(Graph("123456789012", "us-east-1"))
    assert "Nothing in your sandbox yet" in dot
    render(dot)
