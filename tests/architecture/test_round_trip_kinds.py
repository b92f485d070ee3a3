"""Beyond the labs: a sandbox wired with every trigger kind, destination and alias the map
draws, exported, linted and deployed into a fresh account: the same map comes back."""

from __future__ import annotations

import json
import uuid
from typing import get_args

from cfnlint.api import ManualArgs, lint

from architecture.compare import signature
from architecture.deploy import deploy_package
from architecture.export import export_package
from architecture.graph import build_graph
from architecture.model import NodeKind
from tests.architecture.conftest import Learner
from tests.sandbox.http_helpers import lambda_proxy_uri, put_proxy_method

HTTP_OK = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def wire_everything(learner: Learner) -> None:
    suffix = uuid.uuid4().hex[:6]
    lam, account = learner.client("lambda"), learner.account_id
    worker = learner.function("worker", Timeout=10)
    learner.allow("worker-role", ["sqs:*", "dynamodb:*", "kinesis:*"])
    web = learner.function("web", HTTP_OK)

    def allow_invoke(function: str, sid: str, principal: str, source: str, **extra: str) -> None:
        """The resource-based permission that lets ``principal`` invoke the function."""
        lam.add_permission(
            FunctionName=function,
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal=principal,
            SourceArn=source,
            **extra,
        )

    # S3 -> function, with the permission S3 needs
    bucket = f"uploads-{suffix}"
    learner.client("s3").create_bucket(Bucket=bucket)
    allow_invoke(
        "worker", "s3", "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", SourceAccount=account
    )
    learner.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": worker,
                    "Events": ["s3:ObjectRemoved:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "tmp/"}]}},
                }
            ]
        },
    )
    # SQS with a redrive queue -> function
    _, dlq = learner.queue("orders-dlq")
    _, queue = learner.queue(
        "orders",
        VisibilityTimeout="60",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": 2}),
    )
    lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="worker", BatchSize=3)
    # SNS with a filter policy, EventBridge rule and schedule, a Scheduler schedule
    topic = learner.client("sns").create_topic(Name="news")["TopicArn"]
    learner.client("sns").subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=worker,
        Attributes={"FilterPolicy": json.dumps({"k": ["v"]})},
    )
    allow_invoke("worker", "sns", "sns.amazonaws.com", topic)
    events = learner.client("events")
    for rule, spec in (
        ("paid", {"EventPattern": json.dumps({"source": ["shop"]})}),
        ("nightly", {"ScheduleExpression": "rate(1 day)"}),
    ):
        arn = events.put_rule(Name=rule, **spec)["RuleArn"]
        events.put_targets(Rule=rule, Targets=[{"Id": "w", "Arn": worker}])
        allow_invoke("worker", rule, "events.amazonaws.com", arn)
    role = learner.client("iam").get_role(RoleName="worker-role")["Role"]["Arn"]
    learner.client("scheduler").create_schedule(
        Name="hourly",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": worker, "RoleArn": role},
    )
    # DynamoDB stream and Kinesis -> function
    table = learner.client("dynamodb").create_table(
        TableName="audit",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]
    lam.create_event_source_mapping(
        EventSourceArn=table["LatestStreamArn"], FunctionName="worker", StartingPosition="LATEST"
    )
    learner.client("kinesis").create_stream(StreamName="clicks", ShardCount=1)
    lam.create_event_source_mapping(
        EventSourceArn=f"arn:aws:kinesis:us-east-1:{account}:stream/clicks",
        FunctionName="worker",
        StartingPosition="TRIM_HORIZON",
    )
    # Async destinations and a dead-letter queue
    _, failed = learner.queue("failed")
    lam.put_function_event_invoke_config(
        FunctionName="worker",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failed}},
    )
    lam.update_function_configuration(FunctionName="worker", DeadLetterConfig={"TargetArn": dlq})
    # An HTTP API and a function URL on "web", a version and an alias
    api = learner.client("apigatewayv2").create_api(Name="web-api", ProtocolType="HTTP", Target=web)
    allow_invoke(
        "web",
        "api",
        "apigateway.amazonaws.com",
        f"arn:aws:execute-api:us-east-1:{account}:{api['ApiId']}/*",
    )
    apigateway = learner.client("apigateway")
    rest = apigateway.create_rest_api(name="pets-api")["id"]
    root = apigateway.get_resources(restApiId=rest)["items"][0]["id"]
    pets = apigateway.create_resource(restApiId=rest, parentId=root, pathPart="pets")["id"]
    one = apigateway.create_resource(restApiId=rest, parentId=pets, pathPart="{id}")["id"]
    for resource, method in ((pets, "GET"), (one, "GET"), (one, "DELETE")):
        put_proxy_method(apigateway, rest, resource, method, lambda_proxy_uri(web))
    apigateway.create_deployment(restApiId=rest, stageName="prod")
    allow_invoke(
        "web",
        "rest",
        "apigateway.amazonaws.com",
        f"arn:aws:execute-api:us-east-1:{account}:{rest}/*",
    )
    lam.create_function_url_config(FunctionName="web", AuthType="AWS_IAM")
    lam.publish_version(FunctionName="web")
    lam.create_alias(FunctionName="web", Name="live", FunctionVersion="1")
    # A log group that feeds the worker
    logs = learner.client("logs")
    logs.create_log_group(logGroupName="/app/orders")
    allow_invoke(
        "worker",
        "logs",
        "logs.amazonaws.com",
        f"arn:aws:logs:us-east-1:{account}:log-group:/app/orders:*",
    )
    logs.put_subscription_filter(
        logGroupName="/app/orders",
        filterName="errors",
        filterPattern="ERROR",
        destinationArn=worker,
    )


def test_every_kind_the_map_draws_goes_to_aws_and_back(learner, sandbox):
    wire_everything(learner)
    original = build_graph(learner.session)
    kinds = {n.kind for n in original.nodes.values()}
    assert kinds >= set(get_args(NodeKind))  # every kind of node the map draws
    package = export_package(learner.session, original)
    assert [
        str(m) for m in lint(package.template_yaml, config=ManualArgs(regions=["us-east-1"]))
    ] == []
    assert "is not exported" not in package.readme

    target = sandbox.learner_session(f"map-every-kind-{uuid.uuid4().hex[:6]}")
    deployment = deploy_package(target, package.zip_bytes)
    assert deployment.ok, [(s.template, s.status, s.reason) for s in deployment.steps]
    deployed = build_graph(target)
    assert signature(original).differences(signature(deployed)) == []
