"""Who may invoke a function: the resource-based policy for S3, SNS, EventBridge, CloudWatch
Logs, API Gateway and function URLs, and EventBridge Scheduler's execution role, enforced as AWS
enforces them."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from datetime import UTC, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox import schedules
from sandbox.events import decode_awslogs
from sandbox.http.invoke import APIGATEWAY
from sandbox.moto_seam import LOGS_REFUSED
from sandbox.resource_policy import ANYONE, add_permission_conditions, allows
from tests.aws_helpers import PUBLIC_URL_PERMISSIONS, allow_invoke, trust_policy
from tests.sandbox.helpers import RECORDER, events_of, function_arn, queue
from tests.sandbox.http_helpers import lambda_proxy_uri, put_proxy_method, send

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:thumbs"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(principal: Any = None, **fields: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal or {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": FUNCTION,
        **fields,
    }


def source(arn: str) -> dict[str, Any]:
    return {"ArnLike": {"AWS:SourceArn": arn}}


# The evaluation ---------------------------------------------------------------------------


def test_a_service_statement_allows_that_service_only():
    document = policy(statement())
    assert allows(document, "s3.amazonaws.com", "arn:aws:s3:::photos", ACCOUNT)
    assert not allows(document, "sns.amazonaws.com", "arn:aws:sns:us-east-1:1:t", ACCOUNT)
    assert not allows(document, ANYONE, None, None)
    assert not allows(None, "s3.amazonaws.com", "arn:aws:s3:::photos", ACCOUNT)
    assert not allows(policy(), "s3.amazonaws.com", "arn:aws:s3:::photos", ACCOUNT)


def test_source_arn_is_arn_like_with_wildcards_and_source_account_must_equal():
    document = policy(
        statement(
            Condition={
                "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::photos-*"},
                "StringEquals": {"AWS:SourceAccount": ACCOUNT},
            }
        )
    )
    assert allows(document, "s3.amazonaws.com", "arn:aws:s3:::photos-2024", ACCOUNT)
    assert not allows(document, "s3.amazonaws.com", "arn:aws:s3:::videos", ACCOUNT)
    assert not allows(document, "s3.amazonaws.com", "arn:aws:s3:::photos-2024", "999999999999")
    # ArnLike compares each of the six parts on its own: a * does not cross a colon.
    rule = policy(statement({"Service": "events.amazonaws.com"}, Condition=source("arn:aws:*")))
    assert not allows(rule, "events.amazonaws.com", "arn:aws:events:us-east-1:1:rule/r", "1")


def test_condition_keys_are_case_insensitive_and_missing_keys_fail_positive_operators():
    lower = policy(statement(Condition={"ArnEquals": {"aws:sourcearn": "arn:aws:s3:::a"}}))
    assert allows(lower, "s3.amazonaws.com", "arn:aws:s3:::a", ACCOUNT)
    assert not allows(lower, "s3.amazonaws.com", None, ACCOUNT)
    if_exists = policy(statement(Condition={"ArnLikeIfExists": {"AWS:SourceArn": "arn:x:y:z:1:b"}}))
    assert allows(if_exists, "s3.amazonaws.com", None, ACCOUNT)
    negated = policy(statement(Condition={"StringNotEquals": {"AWS:SourceAccount": "1"}}))
    assert allows(negated, "s3.amazonaws.com", "arn:aws:s3:::a", ACCOUNT)
    assert not allows(negated, "s3.amazonaws.com", "arn:aws:s3:::a", "1")
    unknown = policy(statement(Condition={"NumericEquals": {"AWS:SourceAccount": "1"}}))
    assert not allows(unknown, "s3.amazonaws.com", "arn:aws:s3:::a", "1")


def test_a_deny_wins_over_any_allow():
    document = policy(
        statement({"Service": ["sns.amazonaws.com", "s3.amazonaws.com"]}),
        statement("*", Effect="Deny", Condition=source("arn:aws:s3:::secret")),
    )
    assert allows(document, "s3.amazonaws.com", "arn:aws:s3:::public", ACCOUNT)
    assert not allows(document, "s3.amazonaws.com", "arn:aws:s3:::secret", ACCOUNT)


def test_actions_principals_and_resources_must_cover_the_request():
    assert allows(policy(statement(Action="lambda:*")), "s3.amazonaws.com", None, None)
    assert not allows(
        policy(statement(Action="lambda:GetFunction")), "s3.amazonaws.com", None, None
    )
    anyone = policy(statement("*"))
    assert allows(anyone, ANYONE, None, None) and allows(anyone, "sns.amazonaws.com", None, None)
    assert allows(policy(statement({"AWS": "*"})), ANYONE, None, None)
    assert not allows(policy(statement({"AWS": ACCOUNT})), "s3.amazonaws.com", None, None)
    # A statement added for an alias covers that alias, not the function itself.
    alias = policy(statement(Resource=f"{FUNCTION}:live"))
    assert allows(alias, "s3.amazonaws.com", None, None, resource=f"{FUNCTION}:live")
    assert not allows(alias, "s3.amazonaws.com", None, None, resource=FUNCTION)
    assert allows(policy(statement()), "s3.amazonaws.com", None, None, resource=FUNCTION)


def test_function_url_statements_are_conditions_on_their_context_keys():
    url = add_permission_conditions(
        statement("*", Action="lambda:InvokeFunctionUrl", FunctionUrlAuthType="NONE")
    )
    assert url["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    via = add_permission_conditions(statement("*", InvokedViaFunctionUrl=True))
    assert via["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    document = policy(url, via)
    context = {"lambda:FunctionUrlAuthType": "NONE", "lambda:InvokedViaFunctionUrl": "true"}
    assert allows(document, ANYONE, None, None, "lambda:InvokeFunctionUrl", context=context)
    assert allows(document, ANYONE, None, None, context=context)
    assert not allows(document, ANYONE, None, None)  # a plain Invoke, not through the URL
    iam_url = {"lambda:FunctionUrlAuthType": "AWS_IAM"}
    assert not allows(document, ANYONE, None, None, "lambda:InvokeFunctionUrl", context=iam_url)


def test_scheduler_expressions_keep_their_time_zone_and_window():
    winter = dt.datetime(2025, 1, 10, tzinfo=UTC).timestamp()
    summer = dt.datetime(2025, 7, 10, tzinfo=UTC).timestamp()
    paris = schedules.parse_scheduler("cron(0 3 * * ? *)", "Europe/Paris", winter)
    assert dt.datetime.fromtimestamp(paris.next_after(winter), UTC).hour == 2
    assert dt.datetime.fromtimestamp(paris.next_after(summer), UTC).hour == 1
    once = schedules.parse_scheduler("at(2025-03-01T09:30:00)", "America/New_York", winter)
    first = once.next_after(winter)
    assert dt.datetime.fromtimestamp(first, UTC) == dt.datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    assert once.next_after(first) == float("inf")
    bounded = schedules.parse_scheduler("rate(1 hour)", None, 0, start=7200, end=4 * 3600)
    assert [bounded.next_after(t) for t in (0, 10800, 14400)] == [10800, 14400, float("inf")]
    with pytest.raises(schedules.ScheduleError):
        schedules.parse_scheduler("cron(0 3 * * ? *)", "Mars/Olympus", 0)


# S3 -----------------------------------------------------------------------------------------


def lambda_notification(arn: str) -> dict[str, Any]:
    return {
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
        ]
    }


def test_s3_refuses_a_notification_the_function_does_not_allow(learner):
    name = learner.create_function(RECORDER)
    arn = function_arn(learner, name)
    bucket = f"refused-{uuid.uuid4().hex[:10]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    _, queue_arn = queue(learner, f"uploads-{uuid.uuid4().hex[:8]}")
    before = {"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=before)
    allow_invoke(learner, name, "s3.amazonaws.com", "arn:aws:s3:::someone-elses-bucket")

    with pytest.raises(ClientError) as refused:
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=lambda_notification(arn)
        )
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "Unable to validate the following destination configurations",
    )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    kept = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert [c["QueueArn"] for c in kept["QueueConfigurations"]] == [queue_arn]
    assert "LambdaFunctionConfigurations" not in kept


def test_s3_delivers_with_the_permission_and_stops_when_it_is_removed(learner, sandbox):
    name = learner.create_function(RECORDER)
    bucket = f"allowed-{uuid.uuid4().hex[:10]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    allow_invoke(learner, name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", statement_id="s3")
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=lambda_notification(function_arn(learner, name))
    )
    s3.put_object(Bucket=bucket, Key="one.txt", Body=b"1")
    assert sandbox.wait_for_async(10)
    assert [e["Records"][0]["s3"]["object"]["key"] for e in events_of(learner, name)] == ["one.txt"]

    learner.client("lambda").remove_permission(FunctionName=name, StatementId="s3")
    s3.put_object(Bucket=bucket, Key="two.txt", Body=b"2")  # AWS: S3 fails to invoke
    assert sandbox.wait_for_async(10)
    assert len(events_of(learner, name)) == 1


def test_a_permission_for_an_alias_covers_that_alias_only(learner):
    name = learner.create_function(RECORDER)
    lam = learner.client("lambda")
    version = lam.publish_version(FunctionName=name)["Version"]
    alias_arn = lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)[
        "AliasArn"
    ]
    bucket = f"aliased-{uuid.uuid4().hex[:10]}"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    lam.add_permission(
        FunctionName=name,
        Qualifier="live",
        StatementId="s3-live",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )
    with pytest.raises(ClientError, match="Unable to validate"):
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration=lambda_notification(function_arn(learner, name)),
        )
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=lambda_notification(alias_arn)
    )


# CloudWatch Logs subscription filters -----------------------------------------------------


def log_group(learner: Any) -> tuple[str, str]:
    """A new log group with a stream "web": (its name, the SourceArn Logs invokes with)."""
    group = f"/app/orders-{uuid.uuid4().hex[:8]}"
    logs = learner.client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="web")
    return group, f"arn:aws:logs:us-east-1:{learner.account_id}:log-group:{group}:*"


def subscribe(learner: Any, group: str, name: str) -> None:
    learner.client("logs").put_subscription_filter(
        logGroupName=group,
        filterName="all",
        filterPattern="",
        destinationArn=function_arn(learner, name),
    )


def log(learner: Any, group: str, message: str) -> None:
    learner.client("logs").put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": message}],
    )


def logged(learner: Any, name: str) -> list[str]:
    """The messages the function received from its subscription filters."""
    received = [decode_awslogs(event)["logEvents"] for event in events_of(learner, name)]
    return [e["message"] for batch in received for e in batch]


def test_logs_refuses_a_subscription_filter_the_function_does_not_allow(learner):
    name = learner.create_function(RECORDER)
    group, _ = log_group(learner)
    logs = learner.client("logs")
    # The log group's ARN without ":*" is a common slip: it does not cover what Logs sends.
    without_suffix = f"arn:aws:logs:us-east-1:{learner.account_id}:log-group:{group}"
    allow_invoke(learner, name, "logs.amazonaws.com", without_suffix)

    with pytest.raises(ClientError) as refused:
        subscribe(learner, group, name)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParameterException", LOGS_REFUSED)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        subscribe(learner, "/app/no-such-group", name)  # a missing group is reported first


def test_logs_delivers_with_the_permission_and_stops_when_it_is_removed(learner, sandbox):
    name = learner.create_function(RECORDER)
    group, source_arn = log_group(learner)
    allow_invoke(learner, name, "logs.amazonaws.com", source_arn, statement_id="logs")
    subscribe(learner, group, name)
    log(learner, group, "one")
    assert sandbox.wait_for_async(10)
    assert logged(learner, name) == ["one"]

    learner.client("lambda").remove_permission(FunctionName=name, StatementId="logs")
    log(learner, group, "two")  # AWS: Logs fails to invoke the function
    assert sandbox.wait_for_async(10)
    assert logged(learner, name) == ["one"]


def test_logs_accepts_the_regional_principal_older_guides_use(learner, sandbox):
    name = learner.create_function(RECORDER)
    group, source_arn = log_group(learner)
    allow_invoke(learner, name, "logs.us-east-1.amazonaws.com", source_arn)
    subscribe(learner, group, name)
    log(learner, group, "regional")
    assert sandbox.wait_for_async(10)
    assert logged(learner, name) == ["regional"]


# SNS and EventBridge ------------------------------------------------------------------------


def test_sns_invokes_a_subscribed_function_only_with_the_permission(learner, sandbox):
    name = learner.create_function(RECORDER)
    sns = learner.client("sns")
    topic = sns.create_topic(Name=f"orders-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(learner, name))
    sns.publish(TopicArn=topic, Message="before")
    assert sandbox.wait_for_async(10)
    assert events_of(learner, name) == []

    allow_invoke(learner, name, "sns.amazonaws.com", topic)
    sns.publish(TopicArn=topic, Message="after")
    assert sandbox.wait_for_async(10)
    assert [e["Records"][0]["Sns"]["Message"] for e in events_of(learner, name)] == ["after"]


def failed_invocations(learner: Any, rule: str) -> float:
    now = dt.datetime.now(UTC)
    points = learner.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Events",
        MetricName="FailedInvocations",
        Dimensions=[{"Name": "RuleName", "Value": rule}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=600,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(point["Sum"] for point in points)


def test_an_eventbridge_rule_needs_a_permission_for_its_own_arn(learner, sandbox):
    name = learner.create_function(RECORDER)
    events = learner.client("events")
    rule, other = f"paid-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    pattern = json.dumps({"source": ["shop.orders"]})
    rule_arn = events.put_rule(Name=rule, EventPattern=pattern)["RuleArn"]
    other_arn = events.put_rule(Name=other, EventPattern=json.dumps({"source": ["none"]}))[
        "RuleArn"
    ]
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(learner, name)}])
    allow_invoke(learner, name, "events.amazonaws.com", other_arn, statement_id="other-rule")
    entry = {"Source": "shop.orders", "DetailType": "Order Paid", "Detail": '{"n": 1}'}
    events.put_events(Entries=[entry])
    assert sandbox.wait_for_async(10)
    assert events_of(learner, name) == []
    assert failed_invocations(learner, rule) == 1

    allow_invoke(learner, name, "events.amazonaws.com", rule_arn, statement_id="this-rule")
    events.put_events(Entries=[entry])
    assert sandbox.wait_for_async(10)
    assert [e["detail"] for e in events_of(learner, name)] == [{"n": 1}]
    assert failed_invocations(learner, rule) == 1


# EventBridge Scheduler ----------------------------------------------------------------------


def scheduler_role(learner: Any, function: str, trusted: bool = True) -> str:
    iam = learner.client("iam")
    name = f"scheduler-{uuid.uuid4().hex[:8]}"
    trust = trust_policy("scheduler.amazonaws.com" if trusted else "events.amazonaws.com")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    invoke = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function}
    iam.put_role_policy(
        RoleName=name,
        PolicyName="invoke",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [invoke]}),
    )
    return arn


def create_schedule(learner: Any, expression: str, target: dict[str, Any], **more: Any) -> str:
    name = f"sched-{uuid.uuid4().hex[:8]}"
    learner.client("scheduler").create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
        **more,
    )
    return name


def test_a_rate_schedule_invokes_its_function_with_its_input(learner, sandbox):
    name = learner.create_function(RECORDER)
    arn = function_arn(learner, name)
    target = {
        "Arn": arn,
        "RoleArn": scheduler_role(learner, arn),
        "Input": json.dumps({"job": "cleanup", "schedule": "<aws.scheduler.schedule-arn>"}),
    }
    schedule = create_schedule(learner, "rate(1 minute)", target)
    disabled = learner.create_function(RECORDER)
    create_schedule(
        learner,
        "rate(1 minute)",
        {**target, "Arn": function_arn(learner, disabled)},
        State="DISABLED",
    )
    sandbox.fast_forward(150)
    assert sandbox.wait_for_async(20)
    schedule_arn = learner.client("scheduler").get_schedule(Name=schedule)["Arn"]
    assert events_of(learner, name) == [{"job": "cleanup", "schedule": schedule_arn}] * 2
    assert events_of(learner, disabled) == []

    learner.client("scheduler").delete_schedule(Name=schedule)
    sandbox.fast_forward(150)
    assert sandbox.wait_for_async(20)
    assert len(events_of(learner, name)) == 2


def test_an_at_schedule_fires_once_at_its_time(learner, sandbox):
    name = learner.create_function(RECORDER)
    arn = function_arn(learner, name)
    when = dt.datetime.fromtimestamp(sandbox.clock.now() + 300, UTC)
    target = {"Arn": arn, "RoleArn": scheduler_role(learner, arn)}
    create_schedule(learner, f"at({when:%Y-%m-%dT%H:%M:%S})", target)
    sandbox.fast_forward(240)
    assert sandbox.wait_for_async(20)
    assert events_of(learner, name) == []
    sandbox.fast_forward(3600)
    assert sandbox.wait_for_async(20)
    assert events_of(learner, name) == [{}]  # no Input: an empty event


def test_scheduler_needs_a_role_that_trusts_it(learner, sandbox):
    name = learner.create_function(RECORDER)
    arn = function_arn(learner, name)
    target = {"Arn": arn, "RoleArn": scheduler_role(learner, arn, trusted=False), "Input": "{}"}
    create_schedule(learner, "rate(1 minute)", target)
    sandbox.fast_forward(90)
    assert sandbox.wait_for_async(20)
    assert events_of(learner, name) == []


def test_scheduler_refuses_an_expression_it_cannot_read(learner):
    with pytest.raises(ClientError) as refused:
        create_schedule(learner, "rate(1 fortnight)", {"Arn": "x", "RoleArn": "y"})
    assert refused.value.response["Error"]["Code"] == "ValidationException"


# API Gateway and function URLs --------------------------------------------------------------

WEB = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def test_an_http_api_answers_500_until_the_function_allows_that_api(learner):
    name = learner.create_function(WEB)
    created = learner.client("apigatewayv2").create_api(
        Name=f"web-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP", Target=function_arn(learner, name)
    )
    execute_api = f"arn:aws:execute-api:us-east-1:{learner.account_id}"
    status, _, body = send("GET", created["ApiEndpoint"] + "/items")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    allow_invoke(learner, name, APIGATEWAY, f"{execute_api}:other1234/*", "another-api")
    assert send("GET", created["ApiEndpoint"] + "/items")[0] == 500
    # What the console writes for a $default route: any stage, the route $default.
    allow_invoke(learner, name, APIGATEWAY, f"{execute_api}:{created['ApiId']}/*/$default")
    assert send("GET", created["ApiEndpoint"] + "/items")[:3:2] == (200, b"ok")


def test_a_rest_method_answers_500_until_the_function_allows_its_arn(learner, sandbox):
    name = learner.create_function(WEB)
    apigw = learner.client("apigateway")
    api_id = apigw.create_rest_api(name=f"pets-{uuid.uuid4().hex[:6]}")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    put_proxy_method(apigw, api_id, pets, "GET", lambda_proxy_uri(function_arn(learner, name)))
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    url = sandbox.http.invoke_url(api_id, "prod") + "pets"
    status, _, body = send("GET", url)
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
    execute_api = f"arn:aws:execute-api:us-east-1:{learner.account_id}:{api_id}"
    allow_invoke(learner, name, APIGATEWAY, f"{execute_api}/*/POST/pets", "post-only")
    assert send("GET", url)[0] == 500
    allow_invoke(learner, name, APIGATEWAY, f"{execute_api}/*/GET/pets", "get")
    assert send("GET", url)[:3:2] == (200, b"ok")


def test_a_public_function_url_needs_both_statements_for_everyone(learner):
    name = learner.create_function(WEB)
    client = learner.client("lambda")
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    status, _, body = send("GET", url)
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    url_permission, invoke_permission = PUBLIC_URL_PERMISSIONS
    client.add_permission(FunctionName=name, **url_permission)  # lambda:InvokeFunctionUrl
    assert send("GET", url)[0] == 403  # since October 2025, InvokeFunction too
    client.add_permission(FunctionName=name, **invoke_permission)
    assert send("GET", url)[:3:2] == (200, b"ok")
    statements = json.loads(client.get_policy(FunctionName=name)["Policy"])["Statement"]
    assert [s["Condition"] for s in statements] == [
        {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
        {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
    ]
