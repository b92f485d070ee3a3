"""The events API Gateway and Lambda function URLs hand a function, built from a request.

Payload format 1.0 (REST API proxy integrations, HTTP API integrations set to 1.0) and
2.0 (HTTP APIs, function URLs), field by field as in AWS's documented samples:
"Set up Lambda proxy integrations" (REST), "Create AWS Lambda proxy integrations for
HTTP APIs" (1.0 and 2.0) and "Invoking Lambda function URLs" (request payload). The
``sample_*`` functions build the lab editor's sample events with the same code.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Hop-by-hop headers: about the client's connection to API Gateway, not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"}
TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-yaml",
    "application/yaml",
)


@dataclass
class HttpRequest:
    """One request as the listener received it (headers keep their case, order, repeats)."""

    method: str
    path: str  # percent-encoded, as sent, after the part of the URL that names the API
    query: str  # the raw query string, without "?"
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    port: int = 0
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def header(self, name: str) -> str | None:
        """The last value of a header, by case-insensitive name."""
        lowered = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lowered:
                found = value
        return found

    @property
    def user_agent(self) -> str:
        return self.header("User-Agent") or ""

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class Caller:
    """Who signed a request (AWS_IAM authorization), as requestContext reports it."""

    access_key: str
    account_id: str
    caller_id: str
    user_arn: str
    user_id: str


def clf_time(epoch_ms: int) -> str:
    """``12/Mar/2020:19:03:58 +0000``, API Gateway's request time (locale independent)."""
    t = time.gmtime(epoch_ms / 1000)
    return (
        f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{time.strftime('%H:%M:%S', t)} +0000"
    )


def apigw_request_id() -> str:
    """An id like ``JKJaXmPLvHcESHA=`` (HTTP APIs' requestId, REST's extendedRequestId)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()[:15] + "="


def trace_id(epoch_ms: int) -> str:
    return f"Root=1-{epoch_ms // 1000:08x}-{secrets.token_hex(12)}"


def gateway_headers(request: HttpRequest, trace: str) -> list[tuple[str, str]]:
    """The request's headers plus those API Gateway adds (X-Forwarded-*, X-Amzn-Trace-Id)."""
    headers = [
        (k, v)
        for k, v in request.headers
        if k.lower() != "x-forwarded-for" and k.lower() not in HOP_BY_HOP
    ]
    forwarded = request.header("X-Forwarded-For")
    added = {
        "X-Amzn-Trace-Id": trace,
        "X-Forwarded-For": f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip,
        "X-Forwarded-Port": str(request.port),
        "X-Forwarded-Proto": "http",
    }
    present = {k.lower() for k, _ in headers}
    for key, value in added.items():
        if key.lower() not in present or key == "X-Forwarded-For":
            headers.append((key, value))
    return headers


def query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def is_text(content_type: str) -> bool:
    return (
        content_type.startswith("text/")
        or content_type in TEXT_TYPES
        or content_type.endswith("+json")
        or content_type.endswith("+xml")
    )


def media_type_matches(media_type: str, patterns: list[str]) -> bool:
    """Whether a media type matches one of REST's binaryMediaTypes (``image/*``, ``*/*``)."""
    media_type = media_type.split(";")[0].strip().lower()
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern == "*/*" or pattern == media_type:
            return True
        if pattern.endswith("/*") and media_type.startswith(pattern[:-1]):
            return True
    return False


def _identity(request: HttpRequest, caller: Caller | None) -> dict[str, Any]:
    return {
        "accessKey": caller.access_key if caller else None,
        "accountId": caller.account_id if caller else None,
        "caller": caller.caller_id if caller else None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.source_ip,
        "user": caller.user_id if caller else None,
        "userAgent": request.user_agent,
        "userArn": caller.user_arn if caller else None,
    }


def _headers_v1(headers: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``headers`` (last value) and ``multiValueHeaders`` (all values), names as sent."""
    spelling: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in headers:
        name = spelling.setdefault(key.lower(), key)
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


@dataclass(frozen=True)
class V1Context:
    """What a payload 1.0 event says about the API (REST API or HTTP API)."""

    account_id: str
    api_id: str
    domain_name: str
    stage: str
    resource_path: str  # "/items/{id}"
    resource_id: str | None
    path: str  # the request path without the stage (REST), as the client sent it
    context_path: str  # requestContext.path: with the stage ("/prod/items/1")
    path_parameters: dict[str, str] | None
    stage_variables: dict[str, str] | None
    binary_media_types: tuple[str, ...] = ()
    http_api: bool = False  # HTTP API integration with payloadFormatVersion 1.0
    caller: Caller | None = None


def event_v1(
    request: HttpRequest, ctx: V1Context, request_id: str, extended_id: str, trace: str
) -> dict[str, Any]:
    """Payload format 1.0: a REST API's Lambda proxy event (or an HTTP API's, with 1.0)."""
    headers, multi_headers = _headers_v1(gateway_headers(request, trace))
    pairs = query_pairs(request.query)
    multi_query: dict[str, list[str]] = {}
    for key, value in pairs:
        multi_query.setdefault(key, []).append(value)
    body: str | None = None
    encoded = False
    if request.body:
        if media_type_matches(request.content_type or "", list(ctx.binary_media_types)) or (
            ctx.http_api and not is_text(request.content_type)
        ):
            body, encoded = base64.b64encode(request.body).decode(), True
        else:
            body = request.body.decode("utf-8", errors="replace")
    request_context: dict[str, Any] = {
        "accountId": ctx.account_id,
        "apiId": ctx.api_id,
    }
    if ctx.http_api:
        request_context["authorizer"] = {"claims": None, "scopes": None}
    request_context.update(
        {
            "domainName": ctx.domain_name,
            "domainPrefix": ctx.domain_name.split(".")[0],
            "extendedRequestId": extended_id,
            "httpMethod": request.method,
            "identity": _identity(request, ctx.caller),
            "path": ctx.context_path,
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": clf_time(request.time_epoch_ms),
            "requestTimeEpoch": request.time_epoch_ms,
            "resourceId": ctx.resource_id,
            "resourcePath": ctx.resource_path,
            "stage": ctx.stage,
        }
    )
    event: dict[str, Any] = {"version": "1.0"} if ctx.http_api else {}
    event.update(
        {
            "resource": ctx.resource_path,
            "path": ctx.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": ctx.path_parameters or None,
            "stageVariables": ctx.stage_variables or None,
            "requestContext": request_context,
            "body": body,
            "isBase64Encoded": encoded,
        }
    )
    return event


@dataclass(frozen=True)
class V2Context:
    """What a payload 2.0 event says about the API or the function URL."""

    account_id: str
    api_id: str
    domain_name: str
    stage: str  # "$default" for function URLs
    route_key: str  # "$default" for function URLs
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    function_url: bool = False
    caller: Caller | None = None


def event_v2(request: HttpRequest, ctx: V2Context, request_id: str, trace: str) -> dict[str, Any]:
    """Payload format 2.0: HTTP APIs and function URLs (names lowercased, repeats joined)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in gateway_headers(request, trace):
        name = key.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for key, value in query_pairs(request.query):
        query[key] = f"{query[key]},{value}" if key in query else value
    raw_path = request.path or "/"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": ctx.route_key,
        "rawPath": raw_path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    request_context: dict[str, Any] = {"accountId": ctx.account_id, "apiId": ctx.api_id}
    if ctx.function_url:
        request_context["authentication"] = None
    if ctx.caller is not None:
        request_context["authorizer"] = {
            "iam": {
                "accessKey": ctx.caller.access_key,
                "accountId": ctx.caller.account_id,
                "callerId": ctx.caller.caller_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": ctx.caller.user_arn,
                "userId": ctx.caller.user_id,
            }
        }
    request_context.update(
        {
            "domainName": ctx.domain_name,
            "domainPrefix": ctx.domain_name.split(".")[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": request.user_agent,
            },
            "requestId": request_id,
            "routeKey": ctx.route_key,
            "stage": ctx.stage,
            "time": clf_time(request.time_epoch_ms),
            "timeEpoch": request.time_epoch_ms,
        }
    )
    event["requestContext"] = request_context
    if request.body:
        if is_text(request.content_type):
            try:
                event["body"] = request.body.decode("utf-8")
                encoded = False
            except UnicodeDecodeError:
                event["body"], encoded = base64.b64encode(request.body).decode(), True
        else:
            event["body"], encoded = base64.b64encode(request.body).decode(), True
    else:
        encoded = False
    if ctx.function_url:
        event["pathParameters"] = None
    elif ctx.path_parameters:
        event["pathParameters"] = ctx.path_parameters
    event["isBase64Encoded"] = encoded
    if ctx.function_url:
        event["stageVariables"] = None
    elif ctx.stage_variables:
        event["stageVariables"] = ctx.stage_variables
    return event


def decoded_path_parameters(values: dict[str, str]) -> dict[str, str]:
    return {name: unquote(value) for name, value in values.items()}


# Sample events (the lab's event editor), built by the code above ---------------------


def _sample_request(method: str, path: str, query: str, body: bytes) -> HttpRequest:
    headers = [
        ("Host", "127.0.0.1:8080"),
        ("User-Agent", "curl/8.5.0"),
        ("Accept", "*/*"),
    ]
    if body:
        headers.append(("Content-Type", "application/json"))
    return HttpRequest(method, path, query, headers, body, "127.0.0.1", "HTTP/1.1", 8080)


def sample_rest_event(account_id: str = "123456789012") -> dict[str, Any]:
    """GET /prod/items/42?color=red&color=blue on a REST API's ``/items/{id}`` resource."""
    request = _sample_request("GET", "/items/42", "color=red&color=blue", b"")
    ctx = V1Context(
        account_id=account_id,
        api_id="a1b2c3d4e5",
        domain_name="a1b2c3d4e5.execute-api.localhost",
        stage="prod",
        resource_path="/items/{id}",
        resource_id="x1y2z3",
        path="/items/42",
        context_path="/prod/items/42",
        path_parameters={"id": "42"},
        stage_variables=None,
    )
    return event_v1(
        request, ctx, str(uuid.uuid4()), apigw_request_id(), trace_id(request.time_epoch_ms)
    )


def sample_http_api_event(account_id: str = "123456789012") -> dict[str, Any]:
    """POST /items with a JSON body on an HTTP API's ``POST /items`` route ($default)."""
    request = _sample_request("POST", "/items", "", b'{"name": "pen"}')
    ctx = V2Context(
        account_id, "abcdefgh", "abcdefgh.execute-api.localhost", "$default", "POST /items"
    )
    return event_v2(request, ctx, apigw_request_id(), trace_id(request.time_epoch_ms))


def sample_function_url_event(account_id: str = "123456789012") -> dict[str, Any]:
    """GET /?name=Ana on a function URL (AuthType NONE)."""
    request = _sample_request("GET", "/", "name=Ana", b"")
    url_id = "0123456789abcdef0123456789abcdef"
    ctx = V2Context(
        account_id,
        url_id,
        f"{url_id}.lambda-url.localhost",
        "$default",
        "$default",
        function_url=True,
    )
    return event_v2(request, ctx, str(uuid.uuid4()), trace_id(request.time_epoch_ms))
