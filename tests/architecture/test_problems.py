"""Each problem detector, against the real sandbox through boto3: a case with the problem
(drawn red, with a one-line fix) and the same case without it."""

from __future__ import annotations

import json
import uuid

import pytest

from architecture.graph import build_graph
from architecture.problems import Problem, denied_in_logs, find_problems
from tests.architecture.conftest import Learner

TRIES_THE_INTERNET = """
import socket

def handler(event, context):
    socket.create_connection(("203.0.113.10", 443), timeout=2)  # a TEST-NET address
    return "connected"
"""
WRITES_A_TABLE = """
import os
import boto3

def handler(event, context):
    boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"], Item={"id": {"S": "1"}})
    return "written"
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def problems(learner: Learner, detector: str) -> list[Problem]:
    graph = build_graph(learner.session)
    return [p for p in find_problems(learner.session, graph) if p.detector == detector]


# ------------------------------------------------------------------ S3 invoke permission


def notify(learner: Learner, permitted: bool) -> tuple[str, str, str]:
    name = unique("thumbs")
    arn = learner.function(name)
    bucket = unique("uploads")
    learner.client("s3").create_bucket(Bucket=bucket)
    lam = learner.client("lambda")
    lam.add_permission(
        FunctionName=name,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=learner.account_id,
    )
    learner.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    if not permitted:  # AWS checks when the notification is saved; removing it later breaks it
        lam.remove_permission(FunctionName=name, StatementId="s3-invoke")
    return name, arn, bucket


def test_a_notification_whose_function_lacks_the_s3_permission_is_red(learner):
    name, arn, bucket = notify(learner, permitted=False)
    (problem,) = problems(learner, "invoke-permission")
    assert problem.edge == ("trigger", f"arn:aws:s3:::{bucket}", arn, problem.edge[3])
    assert "s3.amazonaws.com" in problem.title and bucket in problem.title
    assert problem.fix.startswith(f'lambda.add_permission(FunctionName="{name}"')
    assert f'SourceArn="arn:aws:s3:::{bucket}"' in problem.fix

    learner.client("lambda").add_permission(  # the fix, as the map prints it
        FunctionName=name,
        StatementId=f"allow-s3-{bucket}",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=learner.account_id,
    )
    assert problems(learner, "invoke-permission") == []


def test_a_notification_with_the_permission_is_fine(learner):
    notify(learner, permitted=True)
    assert problems(learner, "invoke-permission") == []


@pytest.mark.parametrize(
    ("source_arn", "source_account"),
    [
        ("arn:aws:s3:::someone-elses-bucket", None),  # another bucket
        ("arn:aws:s3:::{bucket}", "111122223333"),  # the bucket, but another owner's account
    ],
    ids=["another-bucket", "another-account"],
)
def test_a_permission_for_another_source_does_not_count_as_the_sandbox_refuses_it(
    learner, source_arn, source_account
):
    name, _, bucket = notify(learner, permitted=False)
    learner.client("lambda").add_permission(
        FunctionName=name,
        StatementId="other",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=source_arn.format(bucket=bucket),
        **({"SourceAccount": source_account} if source_account else {}),
    )
    assert [p.detector for p in problems(learner, "invoke-permission")] == ["invoke-permission"]


# ------------------------------------------------------------------ denied actions


def table_writer(learner: Learner) -> tuple[str, str]:
    table = unique("orders")
    learner.client("dynamodb").create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    name = unique("writer")
    learner.function(name, WRITES_A_TABLE, Environment={"Variables": {"TABLE": table}})
    return name, table


def test_an_action_the_logs_show_denied_names_the_role_and_the_fix(learner):
    name, table = table_writer(learner)
    result = learner.client("lambda").invoke(FunctionName=name)
    assert result.get("FunctionError"), "the sandbox enforces the role: PutItem is denied"
    (problem,) = problems(learner, "denied-action")
    table_arn = f"arn:aws:dynamodb:us-east-1:{learner.account_id}:table/{table}"
    assert problem.title.startswith(f"{name}-role does not allow dynamodb:PutItem")
    assert problem.node == f"arn:aws:iam::{learner.account_id}:role/{name}-role"
    assert "is not authorized to perform: dynamodb:PutItem" in problem.evidence
    assert problem.fix.startswith(f'iam.put_role_policy(RoleName="{name}-role"')
    assert table_arn in problem.fix

    learner.allow(f"{name}-role", ["dynamodb:PutItem"], table_arn)  # the fix
    assert problems(learner, "denied-action") == [], "the old log lines no longer count"
    assert learner.client("lambda").invoke(FunctionName=name).get("FunctionError") is None


def test_a_role_that_allows_what_the_function_does_has_no_problem(learner):
    name, table = table_writer(learner)
    learner.allow(f"{name}-role", ["dynamodb:PutItem"])
    assert learner.client("lambda").invoke(FunctionName=name).get("FunctionError") is None
    assert problems(learner, "denied-action") == []


def test_log_lines_of_s3_and_sqs_denials_name_their_actions():
    lines = [
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied",
        "An error occurred (AccessDenied) when calling the SendMessage operation: Access to the "
        "resource https://sqs.us-east-1.amazonaws.com/1/q is denied.",
        "User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: "
        "ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/key",
        "An ordinary line",
    ]
    found = denied_in_logs([{"message": line} for line in lines])
    assert sorted(found) == [
        ("s3:GetObject", "*"),
        ("s3:ListBucket", "*"),
        ("sqs:SendMessage", "*"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/key"),
    ]


# ------------------------------------------------------------------ SQS visibility timeout


def queue_trigger(learner: Learner, visibility: int, timeout: int = 30) -> tuple[str, str]:
    name = unique("orders")
    learner.function(name, Timeout=timeout)
    learner.allow(
        f"{name}-role", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    )
    url, arn = learner.queue(unique("orders"), VisibilityTimeout=str(6 * timeout))
    learner.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    # AWS checks the timeout when the mapping is made; shortening it later is the trap.
    learner.client("sqs").set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": str(visibility)}
    )
    return name, url


def test_a_queue_that_hides_messages_for_less_than_the_timeout_is_red(learner):
    name, url = queue_trigger(learner, visibility=10, timeout=30)
    (problem,) = problems(learner, "visibility-timeout")
    assert "10 s" in problem.title and "30 s" in problem.title
    assert problem.edge is not None and problem.edge[0] == "trigger"
    assert problem.fix == (
        f'sqs.set_queue_attributes(QueueUrl="{url}", Attributes={{"VisibilityTimeout": "180"}})'
        "  # AWS advises 6x the timeout"
    )


def test_a_queue_with_a_long_enough_visibility_timeout_is_fine(learner):
    queue_trigger(learner, visibility=180, timeout=30)
    assert problems(learner, "visibility-timeout") == []


def test_a_mapping_whose_role_cannot_poll_its_queue_is_red(learner):
    name = unique("orders")
    learner.function(name)
    _, arn = learner.queue(unique("orders"))
    learner.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    (problem,) = problems(learner, "poll-permission")
    assert "sqs:ReceiveMessage" in problem.title and problem.fix.startswith("iam.put_role_policy")
    learner.allow(f"{name}-role", ["sqs:*"], arn)
    assert problems(learner, "poll-permission") == []


# ------------------------------------------------------------------ VPC without NAT


def private_subnet(learner: Learner, with_nat: bool) -> tuple[str, str, str]:
    ec2 = learner.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=unique("fn"), Description="fn", VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=private)
    if with_nat:
        public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24")["Subnet"]["SubnetId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"]
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
        )
    return private, group["GroupId"], table


def vpc_function(learner: Learner, with_nat: bool, code: str = TRIES_THE_INTERNET) -> str:
    subnet, group, _ = private_subnet(learner, with_nat)
    name = unique("fetcher")
    learner.function(
        name, code, Timeout=5, VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]}
    )
    learner.client("lambda").invoke(FunctionName=name)
    return name


def test_a_function_in_a_vpc_without_nat_that_calls_the_internet_is_red(learner):
    name = vpc_function(learner, with_nat=False)
    (problem,) = problems(learner, "vpc-without-nat")
    assert problem.node and problem.node.endswith(f":function:{name}")
    assert "Network is unreachable" in problem.evidence
    assert problem.fix.startswith("ec2.create_route(RouteTableId=")
    assert 'DestinationCidrBlock="0.0.0.0/0"' in problem.fix


def test_a_vpc_function_with_a_nat_route_is_fine(learner):
    vpc_function(learner, with_nat=True)
    assert problems(learner, "vpc-without-nat") == []


def test_a_vpc_function_that_never_leaves_the_vpc_is_fine(learner):
    vpc_function(learner, with_nat=False, code="def handler(e, c):\n    return 'local'\n")
    assert problems(learner, "vpc-without-nat") == []


def test_every_problem_is_drawn_on_the_map(learner):
    notify(learner, permitted=False)
    queue_trigger(learner, visibility=10)
    graph = build_graph(learner.session)
    found = find_problems(learner.session, graph)
    edge_keys = {e.key for e in graph.edges}
    assert found and all(p.node in graph.nodes or p.edge in edge_keys for p in found)
    assert all("\n" not in p.title and "\n" not in p.fix for p in found), "one line each"
    assert json.dumps([p.title for p in found])
