"""What tests need to stand up a function in a sandbox account, written once."""

import json
from typing import Any

import boto3

from labs.calls import zip_bytes


def trust_policy(service: str) -> str:
    """A role's trust policy letting ``service`` (``lambda.amazonaws.com``...) assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


LAMBDA_TRUST_POLICY = trust_policy("lambda.amazonaws.com")
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


def allow_invoke(
    learner: Any, name: str, principal: str, source_arn: str, statement_id: str = "allow"
) -> str:
    """What a push source needs, as a learner adds it: a statement of the function's
    resource-based policy letting ``principal`` invoke it for ``source_arn``; its id.
    ``learner``: anything with ``client(service)`` and ``account_id``."""
    learner.client("lambda").add_permission(
        FunctionName=name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal=principal,
        SourceArn=source_arn,
        SourceAccount=learner.account_id,
    )
    return statement_id


# What a function URL with AuthType NONE needs (the console adds both): principal "*" may
# call lambda:InvokeFunctionUrl and, through the URL, lambda:InvokeFunction.
PUBLIC_URL_PERMISSIONS = [
    {
        "StatementId": "url-public",
        "Action": "lambda:InvokeFunctionUrl",
        "Principal": "*",
        "FunctionUrlAuthType": "NONE",
    },
    {
        "StatementId": "url-public-invoke",
        "Action": "lambda:InvokeFunction",
        "Principal": "*",
        "InvokedViaFunctionUrl": True,
    },
]


def allow_public_url(learner: Any, name: str) -> None:
    for permission in PUBLIC_URL_PERMISSIONS:
        learner.client("lambda").add_permission(FunctionName=name, **permission)
