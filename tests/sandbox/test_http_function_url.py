"""Lambda function URLs served by the sandbox (payload 2.0), including with the curl binary.

The event's fields are those of AWS's documented request payload ("Invoking Lambda
function URLs"); GetFunctionUrlConfig reports the loopback URL a learner can curl.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sandbox.server import Sandbox
from tests.aws_helpers import allow_public_url
from tests.sandbox.conftest import Learner
from tests.sandbox.http_helpers import V2_CONTEXT, V2_FIELDS, Response, send, values

HANDLER = """
import base64, json

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("mode") == "raise":
        raise ValueError("boom")
    if event["isBase64Encoded"]:
        data = base64.b64decode(event["body"])
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(data[::-1]).decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Handler": "yes"},
        "cookies": ["visited=1; Max-Age=60"],
        "body": json.dumps({"event": event, "request_id": context.aws_request_id}),
    }
"""

# A function URL's event is payload 2.0; its requestContext adds "authentication".
URL_CONTEXT = V2_CONTEXT | {"authentication"}
IAM_AUTHORIZER = {
    "accessKey",
    "accountId",
    "callerId",
    "cognitoIdentity",
    "principalOrgId",
    "userArn",
    "userId",
}


@pytest.fixture(scope="module")
def learner(make_learner: Any) -> Learner:
    return make_learner("http-function-url")


@pytest.fixture(scope="module")
def url(learner: Learner) -> dict[str, Any]:
    name = learner.create_function(HANDLER)
    allow_public_url(learner, name)
    config = learner.client("lambda").create_function_url_config(
        FunctionName=name,
        AuthType="NONE",
        Cors={"AllowOrigins": ["*"], "AllowMethods": ["GET", "POST"], "MaxAge": 60},
    )
    return {"function": name, "url": config["FunctionUrl"]}


def test_url_is_reported_on_loopback(
    learner: Learner, url: dict[str, Any], sandbox: Sandbox
) -> None:
    assert url["url"].startswith(f"{sandbox.http.base_url}/lambda-url/")
    assert url["url"].endswith("/")
    got = learner.client("lambda").get_function_url_config(FunctionName=url["function"])
    assert got["FunctionUrl"] == url["url"]
    assert got["AuthType"] == "NONE"


def test_get_matches_the_documented_payload(learner: Learner, url: dict[str, Any]) -> None:
    status, headers, body = send(
        "GET",
        url["url"] + "example/test/demo?name=Ana&name=Bo",
        [("User-Agent", "curl/8.5.0"), ("Cookie", "Cookie_1=Value_1; Cookie_2=Value_2")],
    )
    assert status == 201, body
    assert values(headers, "X-Handler") == ["yes"]
    assert values(headers, "Set-Cookie") == ["visited=1; Max-Age=60"]
    document = json.loads(body)
    assert values(headers, "x-amzn-RequestId") == [document["request_id"]]
    event = document["event"]
    assert set(event) == V2_FIELDS - {"body"}  # a GET has no body: AWS leaves it out
    assert set(event["requestContext"]) == URL_CONTEXT
    url_id = urlsplit(url["url"]).path.split("/")[2]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/example/test/demo"
    assert event["rawQueryString"] == "name=Ana&name=Bo"
    assert event["queryStringParameters"] == {"name": "Ana,Bo"}
    assert event["cookies"] == ["Cookie_1=Value_1", "Cookie_2=Value_2"]
    assert event["pathParameters"] is None and event["stageVariables"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == learner.account_id
    assert context["apiId"] == url_id
    assert context["authentication"] is None
    assert context["domainName"] == f"{url_id}.lambda-url.localhost"
    assert context["domainPrefix"] == url_id
    assert context["routeKey"] == "$default" and context["stage"] == "$default"
    assert context["http"]["path"] == "/example/test/demo"
    assert context["http"]["userAgent"] == "curl/8.5.0"


def test_base64_body_both_ways(url: dict[str, Any]) -> None:
    data = bytes(range(256)) * 4
    status, headers, body = send(
        "POST", url["url"], [("Content-Type", "application/octet-stream")], data
    )
    assert status == 200
    assert values(headers, "Content-Type") == ["application/octet-stream"]
    assert body == data[::-1]


def test_function_error_is_502_and_cors_preflight(url: dict[str, Any]) -> None:
    status, _, body = send("GET", url["url"] + "?mode=raise")
    assert status == 502 and body == b"Internal Server Error"
    status, headers, _ = send(
        "OPTIONS",
        url["url"],
        [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")],
    )
    assert status == 200
    assert values(headers, "Access-Control-Allow-Origin") == ["*"]
    assert values(headers, "Access-Control-Max-Age") == ["60"]


def test_unknown_url_id(sandbox: Sandbox) -> None:
    status, _, body = send("GET", f"{sandbox.http.base_url}/lambda-url/{'0' * 32}/")
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})


def test_aws_iam_auth(learner: Learner) -> None:
    name = learner.create_function(HANDLER)
    client = learner.client("lambda")
    url = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    status, _, body = send("GET", url)
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})

    def signed(secret: str) -> Response:
        request = AWSRequest(method="POST", url=url + "orders?id=1", data=b'{"a": 1}')
        request.headers["Content-Type"] = "application/json"
        credentials = Credentials(learner.access_key_id, secret)
        SigV4Auth(credentials, "lambda", "us-east-1").add_auth(request)
        return send("POST", url + "orders?id=1", dict(request.headers.items()), b'{"a": 1}')

    status, _, body = signed(learner.secret_access_key)
    assert status == 201, body
    authorizer = json.loads(body)["event"]["requestContext"]["authorizer"]["iam"]
    assert set(authorizer) == IAM_AUTHORIZER
    assert authorizer["accountId"] == learner.account_id
    assert authorizer["accessKey"] == learner.access_key_id
    assert authorizer["userArn"] == f"arn:aws:iam::{learner.account_id}:user/learner"
    status, _, _ = signed("wrong-secret")
    assert status == 403


def test_throttled_function_is_429(learner: Learner) -> None:
    name = learner.create_function(HANDLER)
    client = learner.client("lambda")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    allow_public_url(learner, name)
    status, headers, body = send("GET", url)
    assert (status, json.loads(body)) == (429, {"Message": "Rate Exceeded."})
    assert values(headers, "x-amzn-ErrorType") == ["TooManyRequestsException"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")
def test_with_curl(learner: Learner, url: dict[str, Any], sandbox: Sandbox) -> None:
    """What a learner types: the URL from get_function_url_config, plain curl."""

    def curl(*args: str) -> tuple[int, str]:
        done = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        text, _, code = done.stdout.rpartition("\n")
        return int(code), text

    code, text = curl(
        "-X", "POST", url["url"] + "greet?lang=en",
        "-H", "content-type: application/json",
        "-b", "a=1; b=2",
        "-d", '{"name": "Ana"}',
    )  # fmt: skip
    assert code == 201, text
    event = json.loads(text)["event"]
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["userAgent"].startswith("curl/")
    assert event["cookies"] == ["a=1", "b=2"]
    assert json.loads(event["body"]) == {"name": "Ana"}
    # curl resolves *.localhost to loopback itself: the AWS-shaped host works too.
    url_id = urlsplit(url["url"]).path.split("/")[2]
    port = urlsplit(sandbox.http.base_url).port
    code, text = curl(f"http://{url_id}.lambda-url.localhost:{port}/hi")
    assert code == 201, text
    assert json.loads(text)["event"]["rawPath"] == "/hi"
    # And curl signs for AWS_IAM URLs with --aws-sigv4.
    name = learner.create_function(HANDLER)
    iam_url = learner.client("lambda").create_function_url_config(
        FunctionName=name, AuthType="AWS_IAM"
    )["FunctionUrl"]
    code, _ = curl(iam_url)
    assert code == 403
    code, text = curl(
        "--aws-sigv4", "aws:amz:us-east-1:lambda",
        "--user", f"{learner.access_key_id}:{learner.secret_access_key}",
        iam_url + "signed",
    )  # fmt: skip
    assert code == 201, text
