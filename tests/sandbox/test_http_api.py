"""API Gateway HTTP APIs served by the sandbox: routes, payload 2.0 (and 1.0), stages.

The event's fields are those of AWS's documented 2.0 sample ("Create AWS Lambda proxy
integrations for HTTP APIs in API Gateway"); errors are an HTTP API's (404 Not Found,
500 Internal Server Error, 503 Service Unavailable on an integration timeout).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from sandbox.server import Sandbox
from tests.sandbox.conftest import Learner
from tests.sandbox.helpers import allow_api, function_arn
from tests.sandbox.http_helpers import CLF_TIME, V2_CONTEXT, V2_FIELDS, send, values

HANDLER = """
import json, time

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode", "echo")
    if mode == "malformed":
        return {"statusCode": "two hundred", "body": "x"}
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "sleep":
        time.sleep(1.5)
    if mode == "plain":
        return {"hello": "world"}
    if mode == "string":
        return "Hello from Lambda!"
    if event.get("version") == "1.0":  # format 1.0 responses have no cookies field
        return {"statusCode": 200, "body": json.dumps(event)}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Route": event.get("routeKey", "")},
        "cookies": ["session=abc; HttpOnly", "theme=dark"],
        "body": json.dumps(event),
    }
"""

V2_HTTP = {"method", "path", "protocol", "sourceIp", "userAgent"}


@pytest.fixture(scope="module")
def api(make_learner: Any) -> dict[str, Any]:
    """Routes ``POST /orders/{id}`` (2.0), ``GET /v1/{proxy+}`` (1.0), ``GET /slow``
    (300 ms timeout); stages ``$default`` (auto-deploy) and ``dev`` (stage variables)."""
    learner: Learner = make_learner("http-api")
    name = learner.create_function(HANDLER, Timeout=5)
    arn = function_arn(learner, name)
    v2 = learner.client("apigatewayv2")
    created = v2.create_api(
        Name="orders",
        ProtocolType="HTTP",
        CorsConfiguration={
            "AllowOrigins": ["https://shop.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type"],
            "MaxAge": 300,
        },
    )
    api_id = created["ApiId"]
    allow_api(learner, name, api_id)

    def integration(version: str, timeout_ms: int = 30000) -> str:
        return v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=arn,
            PayloadFormatVersion=version,
            TimeoutInMillis=timeout_ms,
        )["IntegrationId"]

    v2_integration, v1_integration = integration("2.0"), integration("1.0")
    for key, target in [
        ("POST /orders/{id}", v2_integration),
        ("GET /v1/{proxy+}", v1_integration),
        ("GET /slow", integration("2.0", 300)),
        ("GET /plain", v2_integration),
    ]:
        v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{target}")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    v2.create_stage(ApiId=api_id, StageName="dev", StageVariables={"table": "orders-dev"})
    return {"learner": learner, "api_id": api_id, "endpoint": created["ApiEndpoint"]}


def test_api_endpoint_is_loopback(api: dict[str, Any], sandbox: Sandbox) -> None:
    assert api["endpoint"] == f"{sandbox.http.base_url}/execute-api/{api['api_id']}"
    got = api["learner"].client("apigatewayv2").get_api(ApiId=api["api_id"])
    assert got["ApiEndpoint"] == api["endpoint"]


def test_post_json_with_cookies(api: dict[str, Any]) -> None:
    started_ms = time.time() * 1000
    status, headers, body = send(
        "POST",
        api["endpoint"] + "/orders/7?x=1&x=2&y=",
        [
            ("Content-Type", "application/json"),
            ("User-Agent", "curl/8.5.0"),
            ("Cookie", "a=1; b=2"),
            ("X-Dup", "1"),
            ("X-Dup", "2"),
        ],
        b'{"item": "pen", "qty": 2}',
    )
    assert status == 200, body
    assert values(headers, "Set-Cookie") == ["session=abc; HttpOnly", "theme=dark"]
    assert values(headers, "X-Route") == ["POST /orders/{id}"]
    assert values(headers, "apigw-requestid")
    event = json.loads(body)
    assert set(event) == V2_FIELDS - {"stageVariables"}  # none on $default: AWS leaves it out
    assert set(event["requestContext"]) == V2_CONTEXT
    assert set(event["requestContext"]["http"]) == V2_HTTP
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /orders/{id}"
    assert event["rawPath"] == "/orders/7"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["headers"]["x-dup"] == "1,2"
    assert event["headers"]["content-type"] == "application/json"
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["pathParameters"] == {"id": "7"}
    assert json.loads(event["body"]) == {"item": "pen", "qty": 2}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == api["learner"].account_id
    assert context["apiId"] == api["api_id"]
    assert context["domainName"] == f"{api['api_id']}.execute-api.localhost"
    assert context["domainPrefix"] == api["api_id"]
    assert context["routeKey"] == "POST /orders/{id}"
    assert context["stage"] == "$default"
    assert context["requestId"] == values(headers, "apigw-requestid")[0]
    assert context["http"] == {
        "method": "POST",
        "path": "/orders/7",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/8.5.0",
    }
    assert CLF_TIME.match(context["time"])
    assert abs(context["timeEpoch"] - started_ms) < 60_000


def test_named_stage_has_its_name_in_the_path(api: dict[str, Any]) -> None:
    status, _, body = send("POST", api["endpoint"] + "/dev/orders/9", body=b"hi")
    assert status == 200
    event = json.loads(body)
    assert set(event) == V2_FIELDS - {"cookies", "queryStringParameters"}
    assert event["rawPath"] == "/dev/orders/9"
    assert event["requestContext"]["stage"] == "dev"
    assert event["stageVariables"] == {"table": "orders-dev"}
    assert event["pathParameters"] == {"id": "9"}
    # No Content-Type: not text, so the body arrives base64-encoded.
    assert event["isBase64Encoded"] is True and event["body"] == "aGk="


def test_payload_format_1_0(api: dict[str, Any]) -> None:
    status, _, body = send(
        "GET", api["endpoint"] + "/v1/a/b?k=v&k=w", [("X-Dup", "1"), ("X-Dup", "2")]
    )
    assert status == 200
    event = json.loads(body)
    assert event["version"] == "1.0"
    assert event["resource"] == "/v1/{proxy+}"
    assert event["path"] == "/v1/a/b"
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert event["multiValueQueryStringParameters"] == {"k": ["v", "w"]}
    assert event["multiValueHeaders"]["X-Dup"] == ["1", "2"]
    assert event["requestContext"]["authorizer"] == {"claims": None, "scopes": None}
    assert event["requestContext"]["resourceId"] is None


def test_result_without_status_code_is_json(api: dict[str, Any]) -> None:
    status, headers, body = send("GET", api["endpoint"] + "/plain?mode=plain")
    assert (status, json.loads(body)) == (200, {"hello": "world"})
    assert values(headers, "Content-Type") == ["application/json"]
    status, _, body = send("GET", api["endpoint"] + "/plain?mode=string")
    assert (status, body) == (200, b'"Hello from Lambda!"')


def test_errors(api: dict[str, Any]) -> None:
    status, _, body = send("GET", api["endpoint"] + "/no/such/route")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    status, _, body = send("DELETE", api["endpoint"] + "/orders/1")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    for mode in ("malformed", "raise"):
        status, _, body = send("GET", api["endpoint"] + f"/plain?mode={mode}")
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"}), mode
    started = time.monotonic()
    status, _, body = send("GET", api["endpoint"] + "/slow?mode=sleep")
    assert (status, json.loads(body)) == (503, {"message": "Service Unavailable"})
    assert time.monotonic() - started < 1.4


def test_cors(api: dict[str, Any]) -> None:
    status, headers, body = send(
        "OPTIONS",
        api["endpoint"] + "/orders/1",
        [
            ("Origin", "https://shop.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    assert status == 204 and body == b""
    assert values(headers, "Access-Control-Allow-Origin") == ["https://shop.example"]
    assert values(headers, "Access-Control-Allow-Methods") == ["GET,POST"]
    assert values(headers, "Access-Control-Max-Age") == ["300"]
    status, headers, _ = send(
        "POST", api["endpoint"] + "/orders/1", [("Origin", "https://shop.example")], b"{}"
    )
    assert status == 200
    assert values(headers, "Access-Control-Allow-Origin") == ["https://shop.example"]
    _, headers, _ = send(
        "POST", api["endpoint"] + "/orders/1", [("Origin", "https://evil.example")]
    )
    assert not values(headers, "Access-Control-Allow-Origin")


def test_quick_create(api: dict[str, Any], sandbox: Sandbox) -> None:
    learner: Learner = api["learner"]
    name = learner.create_function(HANDLER)
    arn = function_arn(learner, name)
    created = learner.client("apigatewayv2").create_api(
        Name="quick", ProtocolType="HTTP", Target=arn
    )
    allow_api(learner, name, created["ApiId"])
    assert created["ApiEndpoint"].startswith(sandbox.http.base_url)
    status, _, body = send("GET", created["ApiEndpoint"] + "/anything/at/all")
    assert status == 200
    event = json.loads(body)
    assert event["routeKey"] == "$default" and event["rawPath"] == "/anything/at/all"
