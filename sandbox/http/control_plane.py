"""Between the sandbox's gateway and moto: what the AWS API must say about HTTP endpoints.

* Function URLs and HTTP APIs' ``ApiEndpoint`` are reported as their loopback URLs
  (moto says ``https://<id>.lambda-url.<region>.on.aws`` and ``https://<id>.execute-api
  .<region>.amazonaws.com``), so a learner can copy them into ``curl``; so are a stack's
  Outputs in ``DescribeStacks``.
* ``CreateDeployment`` of a REST API records what the deployment serves: as on AWS, a
  stage keeps serving its deployment until the API is deployed again.
* ``CreateApi`` with ``Target`` (quick create, which moto ignores) adds the Lambda
  integration, the route and the auto-deployed ``$default`` stage, as AWS does.
* A REST API's ``binaryMediaTypes`` are kept as AWS keeps them (moto drops them on
  ``CreateRestApi`` and misreads ``UpdateRestApi``'s ``/binaryMediaTypes/<type>`` paths).

Only these few requests are buffered and inspected; everything else streams through.
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from moto.core.models import DEFAULT_ACCOUNT_ID

from sandbox.gateway import credential_scope
from sandbox.http import moto_reads, urls

if TYPE_CHECKING:
    from sandbox.http.listener import HttpEndpoints

logger = logging.getLogger(__name__)
FUNCTION_URL_CONFIG = re.compile(r"^/[^/]+/functions/[^/]+/urls?/?$")
V2_APIS = re.compile(r"^/v2/apis(?:/[^/]+)?/?$")
REST_DEPLOYMENTS = re.compile(r"^/restapis/(?P<api_id>[^/]+)/deployments/?$")
REST_APIS = re.compile(r"^/restapis/?$")
REST_API = re.compile(r"^/restapis/(?P<api_id>[^/]+)/?$")
BINARY_PATH = "/binaryMediaTypes/"


class ControlPlane:
    def __init__(self, app: Callable[..., Iterable[bytes]], endpoints: HttpEndpoints) -> None:
        self.app = app
        self.endpoints = endpoints

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        _, region, service = credential_scope(environ)
        rewrite = (
            (service == "lambda" and FUNCTION_URL_CONFIG.match(path))
            or (service == "apigateway" and V2_APIS.match(path))
            or (service == "cloudformation" and _describes_stacks(environ))
        )
        deployment = (
            REST_DEPLOYMENTS.match(path) if service == "apigateway" and method == "POST" else None
        )
        binary_types = None
        if service == "apigateway" and method == "POST" and REST_APIS.match(path):
            document = _json(_read_body(environ))
            binary_types = [str(t) for t in document.get("binaryMediaTypes") or []]
        if service == "apigateway" and method == "PATCH" and REST_API.match(path):
            _patch_binary_paths(environ)
        if not rewrite and not deployment and not binary_types:
            return self.app(environ, start_response)
        quick_target = None
        if service == "apigateway" and method == "POST" and path.rstrip("/") == "/v2/apis":
            document = _json(_read_body(environ))
            if document.get("target"):
                quick_target = (str(document["target"]), str(document.get("routeKey") or ""))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status: str = captured.get("status", "500 Internal Server Error")
        headers: list[tuple[str, str]] = captured.get("headers", [])
        account_id = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID
        if status.startswith("2"):
            try:
                if deployment is not None:
                    deployment_id = json.loads(body or b"{}").get("id")
                    if deployment_id:
                        self.endpoints.record_deployment(
                            account_id, region, deployment.group("api_id"), deployment_id
                        )
                if binary_types:
                    body = self._binary_media_types(body, binary_types)
                if quick_target is not None:
                    api_id = json.loads(body or b"{}").get("apiId")
                    if api_id:
                        moto_reads.quick_create(account_id, region, api_id, *quick_target)
            except Exception:  # never break the API call itself
                logger.exception("the sandbox could not follow %s %s", method, path)
        if rewrite and self.endpoints.running:
            text = urls.loopback_text(body.decode("utf-8", "replace"), self.endpoints.base_url)
            body = text.encode("utf-8")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _binary_media_types(body: bytes, binary_types: list[str]) -> bytes:
        document = _json(body)
        ref = moto_reads.find_rest_api(str(document.get("id") or ""))
        if ref is None:
            return body
        ref.api.binaryMediaTypes = list(binary_types)
        document["binaryMediaTypes"] = list(binary_types)
        return json.dumps(document).encode()


def _json(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _patch_binary_paths(environ: dict[str, Any]) -> None:
    """``op=add,path=/binaryMediaTypes/image~1png`` names the type in the path (AWS's
    JSON Pointer escaping); moto reads it from ``value``, so put it there too."""
    document = _json(_read_body(environ))
    operations = document.get("patchOperations")
    if not isinstance(operations, list):
        return
    for operation in operations:
        path = str(operation.get("path") or "") if isinstance(operation, dict) else ""
        if path.startswith(BINARY_PATH) and operation.get("op") in ("add", "remove"):
            media_type = path[len(BINARY_PATH) :].replace("~1", "/").replace("~0", "~")
            operation["value"] = media_type
    body = json.dumps(document).encode()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _describes_stacks(environ: dict[str, Any]) -> bool:
    """A DescribeStacks call: its Outputs may hold a function URL or an API endpoint
    (``Fn::GetAtt Url.FunctionUrl``, ``!Sub https://${Api}.execute-api...``)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return False
    form = urllib.parse.parse_qs(_read_body(environ).decode("utf-8", "replace"))
    return form.get("Action") == ["DescribeStacks"]


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body
