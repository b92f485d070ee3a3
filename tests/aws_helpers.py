"""What tests need to stand up a function in a sandbox account, written once."""

import json

import boto3

from labs.calls import zip_bytes

LAMBDA_TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def create_python_function(
    session: boto3.Session, name: str, code: str, handler: str = "app.handler", **settings
) -> str:
    """A role with the basic execution policy and a python3.12 function from one app.py."""
    iam = session.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=LAMBDA_TRUST_POLICY)
    iam.attach_role_policy(RoleName=f"{name}-role", PolicyArn=BASIC_EXECUTION)
    session.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler=handler,
        Code={"ZipFile": zip_bytes({"app.py": code})},
        **settings,
    )
    return name
