"""HTTP requests to a learner's function URL or API, as curl would send them.

URLs are found through boto3, as a learner finds them: a function URL from
get_function_url_config, an HTTP API's endpoint from apigatewayv2 get_apis. The sandbox
serves both on loopback, so the request never leaves the machine.
"""

from __future__ import annotations

import json
import shlex
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError


class UrlNotFound(LookupError):
    """The function URL or API the step names does not exist (yet)."""


@dataclass(frozen=True)
class HttpRecord:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: str
    curl: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def resolve_url(session: boto3.Session, target: Mapping[str, str]) -> str:
    """The base URL of a function URL (``function_url: name``) or HTTP API (``http_api: name``)."""
    if "function_url" in target:
        try:
            config = session.client("lambda").get_function_url_config(
                FunctionName=target["function_url"]
            )
        except ClientError as exc:
            raise UrlNotFound(f"{target['function_url']} has no function URL yet") from exc
        return config["FunctionUrl"].rstrip("/")
    if "http_api" in target:
        for api in session.client("apigatewayv2").get_apis().get("Items", []):
            if api["Name"] == target["http_api"]:
                return api["ApiEndpoint"].rstrip("/")
        raise UrlNotFound(f"there is no HTTP API named {target['http_api']} yet")
    raise UrlNotFound(f"unknown request target {dict(target)}")


def as_curl(method: str, url: str, body: str | None) -> str:
    parts = ["curl", "-i", "-X", method, shlex.quote(url)]
    if body is not None:
        parts += ["-H", shlex.quote("content-type: application/json"), "--data", shlex.quote(body)]
    return " ".join(parts)


def send(
    session: boto3.Session, target: Mapping[str, str], method: str, path: str, body: Any = None
) -> HttpRecord:
    """Send the request and return what came back, whatever its status."""
    url = resolve_url(session, target) + ("/" + path.lstrip("/") if path else "")
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    request = urllib.request.Request(
        url, method=method, data=None if data is None else data.encode()
    )
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=35) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers), error.read()
    return HttpRecord(
        method, url, status, headers, raw.decode("utf-8", "replace"), as_curl(method, url, data)
    )
