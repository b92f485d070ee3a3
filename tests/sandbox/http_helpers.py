"""What the HTTP tests share: payload 2.0's documented fields, one raw request as curl
sends it, header look-ups, and a REST API's Lambda proxy integration set up with boto3."""

from __future__ import annotations

import http.client
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

# API Gateway's request time, common log format: "09/Apr/2015:12:34:56 +0000".
CLF_TIME = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")

# Payload format 2.0 (HTTP APIs and function URLs): AWS's documented top-level fields
# and requestContext fields.
V2_FIELDS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "body",
    "pathParameters",
    "isBase64Encoded",
    "stageVariables",
}
V2_CONTEXT = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "http",
    "requestId",
    "routeKey",
    "stage",
    "time",
    "timeEpoch",
}

Response = tuple[int, list[tuple[str, str]], bytes]


def send(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
    body: bytes = b"",
) -> Response:
    """One request as curl sends it (repeated headers allowed; a ``Host`` header given
    replaces the URL's); (status, headers, body)."""
    parts = urlsplit(url)
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        own_host = any(name.lower() == "host" for name, _ in pairs)
        connection.putrequest(method, target, skip_host=own_host)
        for name, value in pairs:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def values(headers: list[tuple[str, str]], name: str) -> list[str]:
    """Every value of the header ``name`` (any case), in order."""
    return [v for k, v in headers if k.lower() == name.lower()]


def lambda_proxy_uri(function_arn: str) -> str:
    """The integration URI a REST API's Lambda proxy integration names the function by."""
    path = f"path/2015-03-31/functions/{function_arn}/invocations"
    return f"arn:aws:apigateway:us-east-1:lambda:{path}"


def put_proxy_method(
    apigw: Any, api_id: str, resource: str, http_method: str, uri: str, **integration: Any
) -> None:
    """A REST API method without authorization whose integration is the Lambda proxy."""
    apigw.put_method(
        restApiId=api_id, resourceId=resource, httpMethod=http_method, authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod=http_method,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
        **integration,
    )
