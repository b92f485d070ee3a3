"""The map is built from what boto3 reads in the learner's account: one test per trigger
kind the sandbox supports, each also checking that an event through it shows as activity."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

from architecture.activity import function_counts
from architecture.graph import build_graph, scope
from architecture.model import Edge, Graph
from architecture.reads import Reads
from labs.calls import zip_bytes
from tests.architecture.conftest import Learner, wait_until
from tests.aws_helpers import allow_invoke, allow_public_url


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def only_edge(graph: Graph, kind: str, source: str, target: str) -> Edge:
    found = [e for e in graph.edges if (e.kind, e.source, e.target) == (kind, source, target)]
    assert len(found) == 1, [(e.kind, e.source, e.target) for e in graph.edges]
    return found[0]


def invocations(learner: Learner, name: str) -> int:
    return function_counts(learner.session, [name], minutes=15)[name].invocations


def ran(learner: Learner, name: str, times: int = 1) -> int:
    return wait_until(
        lambda: invocations(learner, name) >= times and invocations(learner, name),
        what=f"{name} to run",
    )


def test_an_s3_notification_is_an_edge_with_its_events_and_filters(learner, sandbox):
    arn = learner.function(unique("thumbs"))
    name = arn.rsplit(":", 1)[-1]
    bucket = unique("photos")
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=bucket)
    allow_invoke(learner, name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", "s3")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "in/"},
                                {"Name": "suffix", "Value": ".jpg"},
                            ]
                        }
                    },
                }
            ]
        },
    )
    graph = build_graph(learner.session)
    assert graph.nodes[f"arn:aws:s3:::{bucket}"].kind == "bucket"
    assert graph.nodes[arn].kind == "function"
    edge = only_edge(graph, "trigger", f"arn:aws:s3:::{bucket}", arn)
    assert edge.label == "ObjectCreated:* prefix in/ suffix .jpg"
    assert edge.facts == {"events": "ObjectCreated:*", "prefix": "in/", "suffix": ".jpg"}
    assert graph.notes == []

    s3.put_object(Bucket=bucket, Key="in/cat.jpg", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/notes.txt", Body=b"x")
    assert sandbox.wait_for_async(10)
    assert ran(learner, name) == 1


def test_an_sqs_event_source_mapping_and_a_queues_redrive_are_edges(learner, sandbox):
    name = unique("orders")
    arn = learner.function(name, Timeout=5)
    learner.allow(
        f"{name}-role", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    )
    _, dlq_arn = learner.queue(unique("orders-dlq"))
    url, queue_arn = learner.queue(
        unique("orders"),
        VisibilityTimeout="30",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}),
    )
    learner.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=name, BatchSize=5, MaximumBatchingWindowInSeconds=1
    )
    graph = build_graph(learner.session)
    edge = only_edge(graph, "trigger", queue_arn, arn)
    assert edge.label == "batches of 5"
    assert edge.facts["batching window"] == "1 s"
    assert graph.nodes[queue_arn].facts["visibility timeout"] == "30 s"
    redrive = only_edge(graph, "redrive", queue_arn, dlq_arn)
    assert redrive.label == "after 3 receives"

    learner.client("sqs").send_message(QueueUrl=url, MessageBody="order 1")
    assert ran(learner, name) >= 1


def test_an_sns_subscription_is_an_edge_with_its_filter_policy(learner, sandbox):
    name = unique("notify")
    arn = learner.function(name)
    sns = learner.client("sns")
    topic = sns.create_topic(Name=unique("orders"))["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"kind": ["paid"]})},
    )
    allow_invoke(learner, name, "sns.amazonaws.com", topic)
    graph = build_graph(learner.session)
    edge = only_edge(graph, "trigger", topic, arn)
    assert edge.label == "subscription with filter"
    assert json.loads(edge.facts["filter"]) == {"kind": ["paid"]}
    assert graph.nodes[topic].kind == "topic"

    attributes = {"kind": {"DataType": "String", "StringValue": "paid"}}
    sns.publish(TopicArn=topic, Message="paid", MessageAttributes=attributes)
    assert sandbox.wait_for_async(10)
    assert ran(learner, name) == 1


def test_eventbridge_rules_with_a_pattern_or_a_schedule_are_sources(learner, sandbox):
    name = unique("audit")
    arn = learner.function(name)
    events = learner.client("events")
    pattern = {"source": ["shop.orders"]}
    matching = events.put_rule(Name=unique("paid"), EventPattern=json.dumps(pattern))["RuleArn"]
    nightly = events.put_rule(Name=unique("nightly"), ScheduleExpression="rate(1 day)")["RuleArn"]
    for rule in (matching, nightly):
        events.put_targets(Rule=rule.rsplit("/", 1)[-1], Targets=[{"Id": "fn", "Arn": arn}])
        allow_invoke(learner, name, "events.amazonaws.com", rule, rule.rsplit("/", 1)[-1])
    graph = build_graph(learner.session)
    assert graph.nodes[matching].kind == "rule"
    assert json.loads(graph.nodes[matching].facts["pattern"]) == pattern
    assert graph.nodes[nightly].kind == "schedule"
    assert graph.nodes[nightly].facts["schedule"] == "rate(1 day)"
    assert only_edge(graph, "trigger", nightly, arn).label == "rate(1 day)"
    assert only_edge(graph, "trigger", matching, arn).label == "matching events"

    entry = {"Source": "shop.orders", "DetailType": "paid", "Detail": "{}"}
    events.put_events(Entries=[entry])
    assert sandbox.wait_for_async(10)
    assert ran(learner, name) >= 1


def test_an_eventbridge_scheduler_schedule_is_a_source(learner):
    name = unique("cleanup")
    arn = learner.function(name)
    role = learner.client("iam").get_role(RoleName=f"{name}-role")["Role"]["Arn"]
    schedule = learner.client("scheduler").create_schedule(
        Name=unique("hourly"),
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": role},
    )["ScheduleArn"]
    graph = build_graph(learner.session)
    assert graph.nodes[schedule].kind == "schedule"
    assert only_edge(graph, "trigger", schedule, arn).label == "rate(1 hour)"


def test_a_dynamodb_stream_mapping_starts_at_its_table(learner, sandbox):
    name = unique("audit")
    arn = learner.function(name)
    learner.allow(
        f"{name}-role",
        [
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:DescribeStream",
            "dynamodb:ListStreams",
        ],
    )
    dynamodb = learner.client("dynamodb")
    table = dynamodb.create_table(
        TableName=unique("orders"),
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    learner.client("lambda").create_event_source_mapping(
        EventSourceArn=table["LatestStreamArn"],
        FunctionName=name,
        StartingPosition="LATEST",
        BatchSize=10,
    )
    graph = build_graph(learner.session)
    edge = only_edge(graph, "trigger", table["TableArn"], arn)
    assert edge.label == "stream, batches of 10"
    assert edge.facts["starting position"] == "LATEST"
    assert graph.nodes[table["TableArn"]].facts["stream"] == "NEW_IMAGE"

    dynamodb.put_item(TableName=table["TableName"], Item={"id": {"S": "1"}})
    assert ran(learner, name) >= 1


def test_a_kinesis_stream_mapping_is_an_edge(learner):
    name = unique("clicks")
    arn = learner.function(name)
    kinesis = learner.client("kinesis")
    stream = unique("clicks")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    learner.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON"
    )
    graph = build_graph(learner.session)
    assert graph.nodes[stream_arn].kind == "stream"
    assert only_edge(graph, "trigger", stream_arn, arn).facts["starting position"] == (
        "TRIM_HORIZON"
    )


def test_an_http_api_route_is_an_edge_and_a_request_is_activity(learner, sandbox):
    name = unique("items")
    arn = learner.function(
        name, code="def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
    )
    api = learner.client("apigatewayv2").create_api(
        Name=unique("items-api"), ProtocolType="HTTP", Target=arn
    )
    api_arn = f"arn:aws:execute-api:us-east-1:{learner.account_id}:{api['ApiId']}/*"
    allow_invoke(learner, name, "apigateway.amazonaws.com", api_arn)
    graph = build_graph(learner.session)
    api_node = f"arn:aws:apigateway:us-east-1::/apis/{api['ApiId']}"
    assert graph.nodes[api_node].facts["type"] == "HTTP API"
    assert only_edge(graph, "trigger", api_node, arn).label == "$default"

    with urllib.request.urlopen(api["ApiEndpoint"] + "/items", timeout=30) as response:
        assert response.status == 200
    assert ran(learner, name) == 1


def test_a_rest_api_proxy_integration_is_an_edge(learner):
    name = unique("pets")
    arn = learner.function(name)
    apigateway = learner.client("apigateway")
    api = apigateway.create_rest_api(name=unique("pets-api"))
    root = apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
    pets = apigateway.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    apigateway.put_method(
        restApiId=api["id"], resourceId=pets["id"], httpMethod="GET", authorizationType="NONE"
    )
    apigateway.put_integration(
        restApiId=api["id"],
        resourceId=pets["id"],
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    graph = build_graph(learner.session)
    api_node = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    assert graph.nodes[api_node].facts["type"] == "REST API"
    assert only_edge(graph, "trigger", api_node, arn).label == "GET /pets"


def test_a_function_url_is_a_node_of_its_function(learner):
    name = unique("hook")
    arn = learner.function(
        name, code="def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
    )
    url = learner.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")
    allow_public_url(learner, name)
    graph = build_graph(learner.session)
    node = graph.nodes[f"{arn}/url"]
    assert (node.kind, node.parent, node.facts["auth"]) == ("function_url", arn, "NONE")
    assert node.facts["url"] == url["FunctionUrl"]
    assert only_edge(graph, "trigger", node.id, arn).label == "HTTPS, auth NONE"

    with urllib.request.urlopen(url["FunctionUrl"], timeout=30) as response:
        assert response.status == 200
    assert ran(learner, name) == 1


def test_an_alias_routes_its_weights_to_versions(learner):
    name = unique("quote")
    arn = learner.function(name, code="def handler(e, c):\n    return 1\n")
    lam = learner.client("lambda")
    lam.publish_version(FunctionName=name, Description="first")
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_bytes({"app.py": "def handler(e, c):\n    return 2\n"}),
    )
    lam.publish_version(FunctionName=name, Description="second")
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}},
    )
    graph = build_graph(learner.session)
    alias = graph.nodes[f"{arn}:live"]
    assert (alias.kind, alias.parent, alias.facts["points at"]) == ("alias", arn, "version 1")
    assert graph.nodes[f"{arn}:1"].facts == {"version": "1", "description": "first"}
    assert only_edge(graph, "routes", alias.id, f"{arn}:1").label == "75%"
    assert only_edge(graph, "routes", alias.id, f"{arn}:2").label == "25%"


def test_destinations_and_a_dead_letter_queue_are_edges_from_the_function(learner, sandbox):
    name = unique("charge")
    arn = learner.function(name, code="def handler(e, c):\n    raise ValueError('declined')\n")
    _, failed = learner.queue(unique("failed"))
    _, dead = learner.queue(unique("dead"))
    topic = learner.client("sns").create_topic(Name=unique("done"))["TopicArn"]
    lam = learner.client("lambda")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={
            "OnSuccess": {"Destination": topic},
            "OnFailure": {"Destination": failed},
        },
    )
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": dead})
    graph = build_graph(learner.session)
    assert only_edge(graph, "on_success", arn, topic).label == "on success"
    assert only_edge(graph, "on_failure", arn, failed).label == "on failure"
    assert only_edge(graph, "dlq", arn, dead).label == "dead-letter queue"
    assert graph.nodes[arn].facts["retries"] == "1"


def test_a_role_shows_its_actions_and_the_resources_it_names(lab_end_state):
    learner = lab_end_state("s3-trigger")
    graph = build_graph(learner.session)
    function = graph.named("function", "photo-indexer")
    role = graph.named("role", "lab2-photo-indexer-role")
    table = graph.named("table", "lab2-photo-metadata")
    assert function and role and table
    assert only_edge(graph, "role", function.id, role.id).label == "runs as"
    assert only_edge(graph, "access", function.id, table.id).label == "dynamodb:PutItem"
    assert role.facts["trusts"] == "lambda.amazonaws.com"
    allowed = [v for k, v in role.facts.items() if k.startswith("allows")]
    assert "dynamodb:PutItem on table/lab2-photo-metadata" in allowed
    assert any(line.startswith("s3:Get*") for line in allowed)


def test_a_labs_scope_keeps_its_resources_and_what_hangs_off_its_functions(lab_end_state, learner):
    lab2 = lab_end_state("s3-trigger")
    lab2.function(unique("unrelated"))
    whole = build_graph(lab2.session)
    names = {"lab2-photo-indexer-role", "photo-indexer", "lab2-photo-metadata"}
    scoped = scope(whole, names)
    assert {n.name for n in scoped.nodes.values()} == names | {
        n.name for n in whole.of_kind("bucket") if n.name.startswith("lab2-photos-")
    }
    assert len(scoped.edges) == 3  # trigger, role, access


def test_what_the_sandbox_cannot_answer_is_a_note_not_a_failure(learner):
    notes: list[str] = []
    reads = Reads(learner.session, notes.append)
    assert reads.call("s3", "get_bucket_notification_configuration", Bucket="no-such") is None
    assert notes == [], "an absent resource is not a problem to report"
    assert reads.call("lambda", "no_such_operation") is None
    assert notes and notes[0].startswith("lambda.no_such_operation: skipped")
    assert reads.items("sqs", "list_queues", "QueueUrls") == []


def test_a_log_subscription_filter_makes_its_log_group_a_source(learner, sandbox):
    name = unique("alerts")
    arn = learner.function(name)
    logs = learner.client("logs")
    group = f"/app/{unique('orders')}"
    logs.create_log_group(logGroupName=group)
    log_group_arn = f"arn:aws:logs:us-east-1:{learner.account_id}:log-group:{group}:*"
    allow_invoke(learner, name, "logs.amazonaws.com", log_group_arn, "logs")
    logs.put_subscription_filter(
        logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=arn
    )
    graph = build_graph(learner.session)
    (node,) = graph.of_kind("log_group")
    assert node.name == group
    assert only_edge(graph, "trigger", node.id, arn).label == "filter: ERROR"
    assert [n.name for n in graph.of_kind("log_group")] == [group], "not every function's logs"

    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "ERROR x"}],
    )
    assert sandbox.wait_for_async(10)
    assert ran(learner, name) == 1
