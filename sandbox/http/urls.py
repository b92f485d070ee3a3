"""The sandbox's loopback URLs for API Gateway APIs and Lambda function URLs.

On AWS the host names the API (``https://<api-id>.execute-api.<region>.amazonaws.com``)
or the function URL (``https://<url-id>.lambda-url.<region>.on.aws``). On loopback the
first path segments do, so plain ``curl http://127.0.0.1:PORT/...`` works with no DNS:

    http://127.0.0.1:PORT/execute-api/<api-id>/<stage>/<path>    REST API, HTTP API stage
    http://127.0.0.1:PORT/execute-api/<api-id>/<path>            HTTP API $default stage
    http://127.0.0.1:PORT/lambda-url/<url-id>/<path>             function URL

Also accepted, for tools that expect them:

    http://127.0.0.1:PORT/restapis/<api-id>/<stage>/_user_request_/<path>   (LocalStack)
    Host: <api-id>.execute-api.<anything>   and   Host: <url-id>.lambda-url.<anything>
    (curl resolves *.localhost to loopback: http://<api-id>.execute-api.localhost:PORT/...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXECUTE_API = "execute-api"
LAMBDA_URL = "lambda-url"
LOCALSTACK_MARKER = "_user_request_"
_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
AWS_FUNCTION_URL = re.compile(
    r"https://(?P<id>[a-z0-9]+)\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws/?"
)
AWS_API_ENDPOINT = re.compile(
    r"https://(?P<id>[A-Za-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com"
)


@dataclass(frozen=True)
class Target:
    """What a request URL names: an API (``execute-api``) or a function URL."""

    kind: str  # EXECUTE_API or LAMBDA_URL
    resource_id: str  # the API id or the URL id
    path: str  # the rest of the path, "/" at least ("/<stage>/..." for a REST API)
    domain_name: str  # what AWS would have in requestContext.domainName

    @property
    def domain_prefix(self) -> str:
        return self.resource_id


def domain_name(kind: str, resource_id: str) -> str:
    """``<id>.execute-api.localhost`` / ``<id>.lambda-url.localhost``: AWS's shape, on loopback."""
    return f"{resource_id}.{kind}.localhost"


def parse(host: str | None, path: str) -> Target | None:
    """The target of a request from its Host header and (percent-encoded) path."""
    path = path or "/"
    if not path.startswith("/"):
        path = "/" + path
    hostname = (host or "").split(":")[0].lower()
    labels = hostname.split(".")
    if len(labels) >= 3 and labels[1] in (EXECUTE_API, LAMBDA_URL) and _ID.match(labels[0]):
        return Target(labels[1], labels[0], path, domain_name(labels[1], labels[0]))
    segments = path.split("/")  # ["", prefix, id, ...]
    if len(segments) < 3 or not _ID.match(segments[2]):
        return None
    prefix, resource_id = segments[1], segments[2]
    rest = "/" + "/".join(segments[3:])
    if prefix in (EXECUTE_API, LAMBDA_URL):
        return Target(prefix, resource_id, rest, domain_name(prefix, resource_id))
    if prefix == "restapis" and len(segments) >= 5 and segments[4] == LOCALSTACK_MARKER:
        stage = segments[3]
        rest = "/" + "/".join([stage, *segments[5:]])
        return Target(EXECUTE_API, resource_id, rest, domain_name(EXECUTE_API, resource_id))
    return None


def api_endpoint(base_url: str, api_id: str) -> str:
    """An HTTP API's ApiEndpoint: add ``/<stage>`` (or nothing for $default) and the path."""
    return f"{base_url}/{EXECUTE_API}/{api_id}"


def invoke_url(base_url: str, api_id: str, stage: str) -> str:
    """A stage's invoke URL, as the console shows it (``.../<stage>/``)."""
    if stage == "$default":
        return api_endpoint(base_url, api_id) + "/"
    return f"{api_endpoint(base_url, api_id)}/{stage}/"


def function_url(base_url: str, url_id: str) -> str:
    """A function URL as GetFunctionUrlConfig reports it (with the trailing slash)."""
    return f"{base_url}/{LAMBDA_URL}/{url_id}/"


def loopback_text(text: str, base_url: str) -> str:
    """Replace AWS endpoints moto reports (function URLs, ApiEndpoint) by loopback ones."""
    text = AWS_FUNCTION_URL.sub(lambda m: function_url(base_url, m.group("id")), text)
    return AWS_API_ENDPOINT.sub(lambda m: api_endpoint(base_url, m.group("id")), text)


def url_id_of(aws_url: str) -> str | None:
    """The url id in moto's ``https://<id>.lambda-url.<region>.on.aws`` form."""
    match = AWS_FUNCTION_URL.match(aws_url or "")
    return match.group("id") if match else None
