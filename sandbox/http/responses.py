"""From what a function returned to the HTTP response the client gets, as AWS does it.

Payload format 1.0 (REST APIs): the result must be an object with ``statusCode`` and at
most ``headers``, ``multiValueHeaders``, ``body`` (a string) and ``isBase64Encoded``;
anything else is a "Malformed Lambda proxy response" (502). Format 2.0 (HTTP APIs,
function URLs) also takes ``cookies``, and a result without ``statusCode`` (any JSON:
an object, a string, a number) becomes a 200 ``application/json`` response whose body is
the function's JSON output.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from sandbox.http.events import media_type_matches

V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


class MalformedResponse(ValueError):
    """The function's result is not a valid proxy response (API Gateway's wording)."""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in reversed(self.headers) if k.lower() == lowered), None)

    def set_default(self, name: str, value: str) -> None:
        if self.header(name) is None:
            self.headers.append((name, value))


def json_error(
    status: int, message: str, key: str = "message", error_type: str | None = None
) -> HttpResponse:
    """An error API Gateway or Lambda answers itself (``{"message": "..."}``)."""
    response = HttpResponse(
        status,
        [("Content-Type", "application/json")],
        json.dumps({key: message}).encode(),
    )
    if error_type:
        response.headers.append(("x-amzn-ErrorType", error_type))
    return response


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResponse("statusCode must be an integer")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value)
    else:
        raise MalformedResponse(f"statusCode must be an integer, not {value!r}")
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"header {name!r} must be a string, not {type(value).__name__}")


def _header_map(value: Any, field_name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedResponse(f"{field_name} must be an object")
    return value


def _body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, not {type(body).__name__}")
    if result.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            raise MalformedResponse("body is not valid base64") from None
    return body.encode("utf-8")


def _parse(payload: bytes) -> Any:
    try:
        return json.loads(payload or b"null")
    except ValueError:
        raise MalformedResponse("the function's result is not JSON") from None


def v1_response(
    payload: bytes, binary_media_types: tuple[str, ...] = (), accept: str = ""
) -> HttpResponse:
    """A REST API's (or 1.0 HTTP API integration's) answer from a proxy response."""
    result = _parse(payload)
    if not isinstance(result, dict):
        raise MalformedResponse("the result must be a JSON object")
    extra = set(result) - V1_KEYS
    if extra:
        raise MalformedResponse(f"unexpected keys {sorted(extra)}")
    if "statusCode" not in result:
        raise MalformedResponse("statusCode is missing")
    status = _status(result["statusCode"])
    headers: list[tuple[str, str]] = []
    multi = _header_map(result.get("multiValueHeaders"), "multiValueHeaders")
    multi_names = {name.lower() for name in multi}
    for name, value in _header_map(result.get("headers"), "headers").items():
        if name.lower() not in multi_names:  # multiValueHeaders wins for the same name
            headers.append((name, _header_value(name, value)))
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] must be a list")
        headers.extend((name, _header_value(name, value)) for value in values)
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, not {type(body).__name__}")
    response = HttpResponse(status, headers)
    if result.get("isBase64Encoded") is True and body is not None:
        # REST APIs turn base64 back into bytes only when the request's first Accept
        # media type is one of the API's binaryMediaTypes ("Content type conversions").
        first_accept = accept.split(",")[0].split(";")[0].strip()
        if first_accept and media_type_matches(first_accept, list(binary_media_types)):
            response.body = _body(result)
        else:
            response.body = body.encode("utf-8")
    else:
        response.body = _body(result)
    response.set_default("Content-Type", "application/json")
    return response


def v2_response(payload: bytes) -> HttpResponse:
    """An HTTP API's (2.0) or function URL's answer, inferring the format as AWS does."""
    result = _parse(payload)
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("Content-Type", "application/json")], payload or b"null")
    status = _status(result["statusCode"])
    headers = [
        (name, _header_value(name, value))
        for name, value in _header_map(result.get("headers"), "headers").items()
    ]
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list of strings")
    for cookie in cookies:
        if not isinstance(cookie, str):
            raise MalformedResponse("cookies must be a list of strings")
        headers.append(("Set-Cookie", cookie))
    response = HttpResponse(status, headers, _body(result))
    response.set_default("Content-Type", "application/json")
    return response
