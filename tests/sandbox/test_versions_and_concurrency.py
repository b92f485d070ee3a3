"""Versions and weighted aliases; reserved concurrency, provisioned concurrency and metrics."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

VERSIONED = (
    "VERSION = '{v}'\n"
    "def handler(event, context):\n    return [VERSION, context.function_version]\n"
)


def test_published_version_runs_the_code_it_was_published_with(learner):
    name = learner.create_function(VERSIONED.format(v="one"))
    client = learner.client("lambda")
    assert client.publish_version(FunctionName=name)["Version"] == "1"
    learner.update_code(name, VERSIONED.format(v="two"))
    assert client.publish_version(FunctionName=name)["Version"] == "2"
    learner.update_code(name, VERSIONED.format(v="three"))

    assert learner.invoke(name)["payload"] == ["three", "$LATEST"]
    one = learner.invoke(name, Qualifier="1")
    assert one["payload"] == ["one", "1"] and one["ExecutedVersion"] == "1"
    assert learner.invoke(f"{name}:2")["payload"] == ["two", "2"]

    learner.invoke(name, Qualifier="1")
    streams = client.meta.endpoint_url and learner.client("logs").describe_log_streams(
        logGroupName=f"/aws/lambda/{name}"
    )
    names = [s["logStreamName"] for s in streams["logStreams"]]
    assert any(re.search(r"/\[1\][0-9a-f]{32}$", n) for n in names)


def test_alias_with_additional_version_weights_splits_invocations(learner):
    name = learner.create_function(VERSIONED.format(v="blue"))
    client = learner.client("lambda")
    client.publish_version(FunctionName=name)
    learner.update_code(name, VERSIONED.format(v="green"))
    client.publish_version(FunctionName=name)
    client.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    executed = Counter(learner.invoke(name, Qualifier="live")["ExecutedVersion"] for _ in range(60))
    assert set(executed) == {"1", "2"}
    assert 12 <= executed["2"] <= 48  # 50 % of 60, far outside chance if weights are ignored

    arn = learner.invoke(name, Qualifier="live")
    context_arn = learner.create_function("def handler(e, c):\n    return c.invoked_function_arn\n")
    client.publish_version(FunctionName=context_arn)
    client.create_alias(FunctionName=context_arn, Name="prod", FunctionVersion="1")
    invoked = learner.invoke(context_arn, Qualifier="prod")["payload"]
    assert invoked.endswith(f":function:{context_arn}:prod")
    assert arn["StatusCode"] == 200


def test_reserved_concurrency_throttles_with_too_many_requests(learner):
    name = learner.create_function(
        "import time\ndef handler(event, context):\n    time.sleep(1)\n    return 'done'\n"
    )
    client = learner.client("lambda", retries={"total_max_attempts": 1})
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    outcomes: list[str] = []

    def call() -> None:
        try:
            client.invoke(FunctionName=name)
            outcomes.append("ran")
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            outcomes.append(f"{error.response['Error']['Code']} {status}")

    first = threading.Thread(target=call)
    first.start()
    time.sleep(0.5)  # the first one is running (it sleeps 1 s)
    others = [threading.Thread(target=call) for _ in range(2)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()
    assert sorted(outcomes) == ["TooManyRequestsException 429"] * 2 + ["ran"]

    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as raised:
        learner.invoke(name)
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    throttles = learner.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Throttles",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=datetime.now(UTC) - timedelta(minutes=5),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=600,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(point["Sum"] for point in throttles) == 3


def test_invocations_publish_lambda_metrics_to_cloudwatch(learner):
    name = learner.create_function(
        "def handler(event, context):\n    if event.get('fail'):\n        raise RuntimeError('x')\n"
    )
    learner.invoke(name)
    learner.invoke(name)
    learner.invoke(name, {"fail": True})
    cloudwatch = learner.client("cloudwatch")
    now = datetime.now(UTC)

    def total(metric: str, statistic: str = "Sum") -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=5),
            Period=600,
            Statistics=[statistic],
        )["Datapoints"]
        return sum(point[statistic] for point in points)

    assert total("Invocations") == 3
    assert total("Errors") == 1
    assert total("Duration", "SampleCount") == 3
    assert total("ConcurrentExecutions", "Maximum") >= 1
    listed = cloudwatch.list_metrics(Namespace="AWS/Lambda")["Metrics"]
    assert {"Invocations", "Errors", "Duration", "ConcurrentExecutions"} <= {
        m["MetricName"] for m in listed
    }


def test_provisioned_concurrency_initialises_environments_in_advance(learner):
    name = learner.create_function(
        "import os\nINIT = os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\n"
        "def handler(e, c):\n    return INIT\n"
    )
    client = learner.client("lambda")
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        config = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
        if config["Status"] == "READY":
            break
        time.sleep(0.05)
    assert config["Status"] == "READY" and config["AllocatedProvisionedConcurrentExecutions"] == 1
    response = learner.invoke(name, Qualifier="live", LogType="Tail")
    assert response["payload"] == "provisioned-concurrency"
    report = next(m for m in learner.log_messages(name) if m.startswith("REPORT"))
    assert "Init Duration" not in report  # the init happened before the invocation
