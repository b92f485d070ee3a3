"""The HTTP endpoints' rules without a server: URL forms, route choice, response parsing,
sample events, and the moto internals the package reads (named for when moto changes)."""

from __future__ import annotations

import base64
import json

import pytest

from sandbox.http import moto_reads, urls
from sandbox.http.events import (
    sample_function_url_event,
    sample_http_api_event,
    sample_rest_event,
)
from sandbox.http.responses import MalformedResponse, v1_response, v2_response
from sandbox.http.routing import (
    HttpRoute,
    RestMethod,
    RestResource,
    match_resource,
    match_route,
)


def test_url_forms() -> None:
    path_form = urls.parse("127.0.0.1:9", "/execute-api/abc123/prod/items/1")
    assert path_form == urls.Target(
        "execute-api", "abc123", "/prod/items/1", "abc123.execute-api.localhost"
    )
    localstack = urls.parse("127.0.0.1:9", "/restapis/abc123/prod/_user_request_/items/1")
    assert localstack is not None and localstack.path == "/prod/items/1"
    host_form = urls.parse("abc123.execute-api.us-east-1.amazonaws.com", "/prod/x")
    assert host_form is not None and (host_form.resource_id, host_form.path) == (
        "abc123",
        "/prod/x",
    )
    function_url = urls.parse("127.0.0.1:9", "/lambda-url/0f0f/")
    assert function_url is not None and function_url.kind == "lambda-url"
    assert urls.parse("127.0.0.1:9", "/favicon.ico") is None
    moto_says = '{"FunctionUrl": "https://0f0f.lambda-url.us-east-1.on.aws", "x": 1}'
    assert urls.loopback_text(moto_says, "http://127.0.0.1:9") == (
        '{"FunctionUrl": "http://127.0.0.1:9/lambda-url/0f0f/", "x": 1}'
    )
    endpoint = "https://abcd.execute-api.eu-west-1.amazonaws.com"
    assert urls.loopback_text(endpoint, "http://h:1") == "http://h:1/execute-api/abcd"


def _resource(path: str, *methods: str) -> RestResource:
    return RestResource(path, path, {m: RestMethod(m, "NONE", False, None) for m in methods})


def test_rest_resources_most_specific_first() -> None:
    resources = [
        _resource("/", "GET"),
        _resource("/{proxy+}", "ANY"),
        _resource("/items/{id}", "GET"),
        _resource("/items/special", "GET"),
    ]
    chosen = match_resource(resources, "/items/special", "GET")
    assert chosen is not None and chosen[0].path == "/items/special"
    chosen = match_resource(resources, "/items/7", "GET")
    assert chosen is not None and (chosen[0].path, chosen[2]) == ("/items/{id}", {"id": "7"})
    chosen = match_resource(resources, "/items/7", "POST")
    assert chosen is None  # the best resource has no POST (API Gateway: 403)
    chosen = match_resource(resources, "/a/b%20c", "DELETE")
    assert chosen is not None and chosen[2] == {"proxy": "a/b c"}
    chosen = match_resource(resources, "/", "GET")
    assert chosen is not None and chosen[0].path == "/"


def test_http_routes_method_before_any_and_default_last() -> None:
    routes = [
        HttpRoute("$default", "integrations/d"),
        HttpRoute("ANY /pets/{id}", "integrations/a"),
        HttpRoute("GET /pets/{id}", "integrations/g"),
        HttpRoute("GET /pets/{proxy+}", "integrations/p"),
    ]
    assert match_route(routes, "/pets/1", "GET")[0].target == "integrations/g"  # type: ignore[index]
    assert match_route(routes, "/pets/1", "PUT")[0].target == "integrations/a"  # type: ignore[index]
    assert match_route(routes, "/pets/1/toys", "GET")[0].target == "integrations/p"  # type: ignore[index]
    assert match_route(routes, "/other", "GET")[0].target == "integrations/d"  # type: ignore[index]
    assert match_route(routes[1:], "/other", "GET") is None


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "body": {"a": 1}},  # body must be a string
        {"statusCode": 200, "body": "x", "extra": 1},  # only the documented keys
        {"body": "no status"},
        {"statusCode": "ok"},
        {"statusCode": 200, "headers": {"X": ["a"]}},
        [1, 2],
    ],
)
def test_malformed_v1(result: object) -> None:
    with pytest.raises(MalformedResponse):
        v1_response(json.dumps(result).encode())


def test_v1_headers_merge_and_base64() -> None:
    result = {
        "statusCode": 202,
        "headers": {"X-A": "single", "X-B": 5},
        "multiValueHeaders": {"X-A": ["m1", "m2"]},
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }
    response = v1_response(json.dumps(result).encode(), ("image/png",), "image/png, */*")
    assert response.status == 202 and response.body == b"\x00\x01"
    assert [v for k, v in response.headers if k == "X-A"] == ["m1", "m2"]
    assert response.header("X-B") == "5"
    assert response.header("Content-Type") == "application/json"
    text = v1_response(json.dumps(result).encode(), ("image/png",), "text/html")
    assert text.body == result["body"].encode()  # type: ignore[union-attr]


def test_v2_inferred_and_structured() -> None:
    assert v2_response(b'{"a": 1}').body == b'{"a": 1}'
    assert v2_response(b"42").status == 200
    structured = v2_response(
        json.dumps(
            {"statusCode": 301, "headers": {"Location": "/x"}, "cookies": ["c=1", "d=2"]}
        ).encode()
    )
    assert structured.status == 301 and structured.header("Location") == "/x"
    assert [v for k, v in structured.headers if k == "Set-Cookie"] == ["c=1", "d=2"]
    with pytest.raises(MalformedResponse):
        v2_response(b'{"statusCode": 200, "cookies": "c=1"}')


def test_sample_events_have_the_documented_fields() -> None:
    rest = sample_rest_event()
    assert rest["pathParameters"] == {"id": "42"}
    assert rest["multiValueQueryStringParameters"] == {"color": ["red", "blue"]}
    assert rest["requestContext"]["resourcePath"] == "/items/{id}"
    http_api = sample_http_api_event()
    assert http_api["version"] == "2.0" and http_api["routeKey"] == "POST /items"
    assert json.loads(http_api["body"]) == {"name": "pen"}
    function_url = sample_function_url_event()
    assert function_url["requestContext"]["authentication"] is None
    assert function_url["queryStringParameters"] == {"name": "Ana"}


def test_moto_internals_are_there() -> None:
    assert moto_reads.check_contract() == []
