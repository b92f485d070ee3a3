"""LoggingConfig and RuntimeVersionConfig, as the Lambda API returns them, and the JSON
log format as AWS's runtime client and the platform write it."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

LOGS = """
import logging
logger = logging.getLogger()

def handler(event, context):
    logger.debug("too fine for INFO")
    logger.info("an %s record", "application")
    print("a plain print")
    return "done"
"""


def test_a_function_reports_text_logging_and_its_runtime_version_by_default(learner):
    name = learner.create_function(LOGS)
    config = learner.client("lambda").get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    arn = config["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert arn.startswith("arn:aws:lambda:us-east-1::runtime:") and len(arn.split(":")[-1]) == 64


def test_json_format_gives_json_records_and_platform_events(learner):
    name = learner.create_function(LOGS, LoggingConfig={"LogFormat": "JSON"})
    config = learner.client("lambda").get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    response = learner.invoke(name)
    assert response["payload"] == "done"
    messages = learner.log_messages(name)
    records = [json.loads(m) for m in messages if m.startswith("{")]
    types = [r.get("type") for r in records if "type" in r]
    assert types == ["platform.initStart", "platform.start", "platform.report"]
    report = records[-1]["record"]
    assert report["status"] == "success" and report["metrics"]["memorySizeMB"] == 128
    assert "initDurationMs" in report["metrics"]
    application = [r for r in records if r.get("level") == "INFO"]
    assert [r["message"] for r in application] == ["an application record"]
    assert application[0]["requestId"] == report["requestId"]
    assert "a plain print" in messages  # print stays plain text, as on Lambda
    assert not any("too fine" in m for m in messages)
    assert not any(m.startswith(("START ", "END ", "REPORT ")) for m in messages)


def test_a_log_level_filters_application_records(learner):
    name = learner.create_function(
        LOGS, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"}
    )
    learner.invoke(name)
    assert any("too fine for INFO" in m for m in learner.log_messages(name))


def test_switching_back_to_text_drops_the_levels_and_logs_as_text(learner):
    name = learner.create_function(LOGS, LoggingConfig={"LogFormat": "JSON"})
    lam = learner.client("lambda")
    config = lam.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogFormat": "Text"}
    )
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    learner.invoke(name)
    messages = learner.log_messages(name)
    assert any(m.startswith("REPORT RequestId:") for m in messages)
    assert "a plain print" in messages
    # Text format keeps Python's default level (WARNING) unless the code sets one.
    assert not any(m.startswith("{") for m in messages)


@pytest.mark.parametrize(
    ("setting", "member"),
    [
        ({"LogFormat": "XML"}, "loggingConfig.logFormat"),
        ({"LogFormat": "JSON", "ApplicationLogLevel": "LOUD"}, "loggingConfig.applicationLogLevel"),
    ],
)
def test_an_unknown_format_or_level_is_refused_as_lambda_refuses_it(learner, setting, member):
    with pytest.raises(ClientError) as refused:
        learner.create_function(LOGS, LoggingConfig=setting)
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert member in error["Message"] and "Member must satisfy enum value set" in error["Message"]
