"""The execution role decides what a handler may call: AccessDenied, then fixed by a policy."""

from __future__ import annotations

import json
import uuid

from tests.sandbox.conftest import BASIC_EXECUTION, TRUST_POLICY, zip_files

READER = """
import boto3

def handler(event, context):
    try:
        body = boto3.client("s3").get_object(Bucket=event["bucket"], Key="report.csv")["Body"]
        return {"read": body.read().decode()}
    except Exception as error:
        return {"error": error.response["Error"]["Code"], "message": str(error)}
"""
WRITER = """
import boto3

def handler(event, context):
    outcome = {}
    for table in event["tables"]:
        try:
            boto3.client("dynamodb").put_item(TableName=table, Item={"id": {"S": "1"}})
            outcome[table] = "written"
        except Exception as error:
            outcome[table] = error.response["Error"]["Code"]
    return outcome
"""


def minimal_role(learner) -> str:
    """A role with the logging policy only, as the labs start."""
    name = f"minimal-{uuid.uuid4().hex[:8]}"
    iam = learner.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    return arn


def create(learner, code: str, role: str) -> str:
    name = f"fn-{uuid.uuid4().hex[:8]}"
    learner.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": code})},
        Timeout=30,
    )
    return name


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_a_role_without_s3_getobject_is_denied_until_the_permission_is_added(learner):
    bucket = f"reports-{uuid.uuid4().hex[:10]}"
    learner.client("s3").create_bucket(Bucket=bucket)
    learner.client("s3").put_object(Bucket=bucket, Key="report.csv", Body=b"a,b")
    role = minimal_role(learner)
    name = create(learner, READER, role)
    denied = learner.invoke(name, {"bucket": bucket})["payload"]
    assert denied["error"] == "AccessDenied"

    # Least privilege: GetObject on this bucket's objects, nothing more.
    role_name = role.split("/")[-1]
    learner.client("iam").put_role_policy(
        RoleName=role_name,
        PolicyName="read-reports",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ),
    )
    assert learner.invoke(name, {"bucket": bucket})["payload"] == {"read": "a,b"}

    # An explicit Deny wins over the Allow.
    learner.client("iam").put_role_policy(
        RoleName=role_name,
        PolicyName="but-not-today",
        PolicyDocument=policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    )
    assert learner.invoke(name, {"bucket": bucket})["payload"]["error"] == "AccessDenied"


def test_a_policy_naming_one_table_allows_that_table_only(learner):
    dynamodb = learner.client("dynamodb")
    tables = [f"orders-{uuid.uuid4().hex[:6]}", f"audit-{uuid.uuid4().hex[:6]}"]
    for table in tables:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    role = minimal_role(learner)
    learner.client("iam").put_role_policy(
        RoleName=role.split("/")[-1],
        PolicyName="write-orders",
        PolicyDocument=policy(
            {
                "Effect": "Allow",
                "Action": "dynamodb:PutItem",
                "Resource": f"arn:aws:dynamodb:us-east-1:{learner.account_id}:table/{tables[0]}",
            }
        ),
    )
    name = create(learner, WRITER, role)
    outcome = learner.invoke(name, {"tables": tables})["payload"]
    assert outcome == {tables[0]: "written", tables[1]: "AccessDeniedException"}
    # The learner's own credentials are not limited by any role.
    dynamodb.put_item(TableName=tables[1], Item={"id": {"S": "by-hand"}})
