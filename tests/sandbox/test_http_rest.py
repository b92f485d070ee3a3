"""API Gateway REST APIs served by the sandbox: Lambda proxy integrations, payload 1.0.

Set up with plain boto3 as a learner would, called with ``http.client`` as ``curl``
would. The event's fields are those of AWS's documented sample ("Set up Lambda proxy
integrations in API Gateway", and the 1.0 sample of "Create AWS Lambda proxy integrations
for HTTP APIs", whose requestContext is the REST API's).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from sandbox.server import Sandbox
from tests.sandbox.conftest import Learner
from tests.sandbox.helpers import allow_api, function_arn
from tests.sandbox.http_helpers import (
    CLF_TIME,
    lambda_proxy_uri,
    put_proxy_method,
    send,
    values,
)

ECHO = """
import base64, json, time

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode", "echo")
    if mode == "malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if mode == "raise":
        raise ValueError("boom")
    if mode == "sleep":
        time.sleep(float(query.get("s", "2")))
    if mode == "binary":
        data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else b""
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(data[::-1]).decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Single": "one"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps({"event": event, "request_id": context.aws_request_id}),
    }
"""

# AWS's documented REST proxy event: top-level fields, requestContext, identity.
V1_FIELDS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}
V1_CONTEXT = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
}
V1_IDENTITY = {
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
}


@pytest.fixture(scope="module")
def rest(make_learner: Any, sandbox: Sandbox) -> dict[str, Any]:
    """An API ``/items/{id}`` (GET), ``/slow`` (GET, 300 ms integration timeout) and
    ``/blob`` (POST, binary), deployed to ``prod`` with a stage variable."""
    learner: Learner = make_learner("http-rest")
    name = learner.create_function(ECHO, Timeout=5)
    uri = lambda_proxy_uri(function_arn(learner, name))
    apigw = learner.client("apigateway")
    api_id = apigw.create_rest_api(name="shop", binaryMediaTypes=["application/octet-stream"])["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    allow_api(learner, name, api_id)

    def method(parent: str, part: str, http_method: str, **integration: Any) -> str:
        resource = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
        put_proxy_method(apigw, api_id, resource, http_method, uri, **integration)
        return resource

    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = method(items, "{id}", "GET")
    method(root, "slow", "GET", timeoutInMillis=300)
    method(root, "blob", "POST")
    apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"env": "test"})
    return {
        "learner": learner,
        "function": name,
        "api_id": api_id,
        "items": items,
        "item": item,
        "uri": uri,
        "url": sandbox.http.invoke_url(api_id, "prod"),
    }


def test_get_with_query_string_and_path_parameters(rest: dict[str, Any]) -> None:
    started_ms = time.time() * 1000
    status, headers, body = send(
        "GET",
        rest["url"] + "items/42?color=red&color=blue&size=L",
        [("User-Agent", "curl/8.5.0"), ("X-Dup", "1"), ("X-Dup", "2"), ("Accept", "*/*")],
    )
    assert status == 201, body
    assert values(headers, "X-Single") == ["one"]
    assert values(headers, "X-Multi") == ["a", "b"]
    assert values(headers, "Content-Type") == ["application/json"]
    assert values(headers, "x-amzn-RequestId") and values(headers, "x-amz-apigw-id")
    document = json.loads(body)
    event = document["event"]
    assert set(event) == V1_FIELDS
    assert set(event["requestContext"]) == V1_CONTEXT
    assert set(event["requestContext"]["identity"]) == V1_IDENTITY
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"color": "blue", "size": "L"}
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"], "size": ["L"]}
    assert event["headers"]["X-Dup"] == "2"
    assert event["multiValueHeaders"]["X-Dup"] == ["1", "2"]
    assert event["headers"]["User-Agent"] == "curl/8.5.0"
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["stageVariables"] == {"env": "test"}
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == rest["learner"].account_id
    assert context["apiId"] == rest["api_id"]
    assert context["stage"] == "prod"
    assert context["path"] == "/prod/items/42"
    assert context["resourcePath"] == "/items/{id}"
    assert context["resourceId"] == rest["item"]
    assert context["httpMethod"] == "GET"
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == f"{rest['api_id']}.execute-api.localhost"
    assert context["domainPrefix"] == rest["api_id"]
    assert context["requestId"] == values(headers, "x-amzn-RequestId")[0]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "curl/8.5.0"
    assert context["identity"]["accessKey"] is None
    assert CLF_TIME.match(context["requestTime"])
    assert abs(context["requestTimeEpoch"] - started_ms) < 60_000
    # The invocation went through Lambda's Invoke path: its log stream has the request.
    assert any(
        document["request_id"] in line for line in rest["learner"].log_messages(rest["function"])
    )


def test_binary_media_types(rest: dict[str, Any]) -> None:
    data = bytes(range(256))
    status, headers, body = send(
        "POST",
        rest["url"] + "blob?mode=binary",
        [("Content-Type", "application/octet-stream"), ("Accept", "application/octet-stream")],
        data,
    )
    assert status == 200
    assert body == data[::-1]
    # Without a binary Accept header REST APIs pass the base64 text through.
    status, _, body = send(
        "POST",
        rest["url"] + "blob?mode=binary",
        [("Content-Type", "application/octet-stream")],
        data,
    )
    assert base64.b64decode(body) == data[::-1]


def test_malformed_response_and_function_error_are_502(rest: dict[str, Any]) -> None:
    for mode in ("malformed", "raise"):
        status, headers, body = send("GET", rest["url"] + f"items/1?mode={mode}")
        assert status == 502
        assert json.loads(body) == {"message": "Internal server error"}


def test_integration_timeout_is_504(rest: dict[str, Any]) -> None:
    started = time.monotonic()
    status, _, body = send("GET", rest["url"] + "slow?mode=sleep&s=1.5")
    assert status == 504
    assert json.loads(body) == {"message": "Endpoint request timed out"}
    assert time.monotonic() - started < 1.4


def test_unknown_route_stage_method_and_api(rest: dict[str, Any], sandbox: Sandbox) -> None:
    missing = {"message": "Missing Authentication Token"}
    for method, url in [
        ("GET", rest["url"] + "nothing/here"),
        ("DELETE", rest["url"] + "items/1"),
        ("GET", sandbox.http.invoke_url(rest["api_id"], "staging") + "items/1"),
    ]:
        status, headers, body = send(method, url)
        assert (status, json.loads(body)) == (403, missing), url
        assert values(headers, "x-amzn-ErrorType") == ["MissingAuthenticationTokenException"]
    status, _, body = send("GET", sandbox.http.invoke_url("nosuchapi1", "prod"))
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


def test_changes_need_a_new_deployment(rest: dict[str, Any]) -> None:
    apigw = rest["learner"].client("apigateway")
    put_proxy_method(apigw, rest["api_id"], rest["items"], "POST", rest["uri"])
    status, _, _ = send("POST", rest["url"] + "items", body=b"{}")
    assert status == 403  # the prod stage still serves its deployment
    apigw.create_deployment(restApiId=rest["api_id"], stageName="prod", variables={"env": "test"})
    status, _, body = send("POST", rest["url"] + "items", body=b'{"n": 1}')
    assert status == 201
    assert json.loads(body)["event"]["body"] == '{"n": 1}'


def test_other_url_forms(rest: dict[str, Any], sandbox: Sandbox) -> None:
    base = sandbox.http.base_url
    localstack = f"{base}/restapis/{rest['api_id']}/prod/_user_request_/items/7"
    status, _, body = send("GET", localstack)
    assert status == 201 and json.loads(body)["event"]["pathParameters"] == {"id": "7"}
    host = f"{rest['api_id']}.execute-api.localhost"
    status, _, body = send("GET", f"{base}/prod/items/8", [("Host", host)])
    assert status == 201
    event = json.loads(body)["event"]
    assert event["path"] == "/items/8" and event["requestContext"]["path"] == "/prod/items/8"


def test_throttled_function_is_500(rest: dict[str, Any], sandbox: Sandbox) -> None:
    learner: Learner = rest["learner"]
    name = learner.create_function(ECHO)
    learner.client("lambda").put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=0
    )
    apigw = learner.client("apigateway")
    api_id = apigw.create_rest_api(name="throttled")["id"]
    allow_api(learner, name, api_id)
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    put_proxy_method(apigw, api_id, root, "ANY", lambda_proxy_uri(function_arn(learner, name)))
    apigw.create_deployment(restApiId=api_id, stageName="v1")
    status, _, body = send("GET", sandbox.http.invoke_url(api_id, "v1"))
    # API Gateway answers a Lambda 429 with 500 (Lambda rejected the invocation request).
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
