"""The loopback listener that serves learners' APIs and function URLs.

A separate port from the AWS API (moto behind ``sandbox.gateway``): requests here are
unsigned ``curl`` calls, not SigV4 API calls, so they must not go through the gateway's
credential checks, and paths such as ``/restapis/...`` must not reach moto's own routes.
The standard library's HTTP server gives the handler the raw headers (their case, order
and repeats), which payload 1.0's ``multiValueHeaders`` needs.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import uuid
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from course.loopback import is_loopback
from sandbox.http import auth, cors, moto_reads, urls
from sandbox.http.events import (
    HttpRequest,
    V1Context,
    V2Context,
    apigw_request_id,
    event_v1,
    event_v2,
    trace_id,
)
from sandbox.http.invoke import (
    FUNCTION_ERROR,
    OK,
    THROTTLED,
    TIMEOUT,
    FunctionRef,
    api_refused,
    function_of,
    invoke,
    public_url_refused,
)
from sandbox.http.responses import (
    HttpResponse,
    MalformedResponse,
    json_error,
    v1_response,
    v2_response,
)
from sandbox.http.routing import (
    Integration,
    RestResource,
    match_resource,
    match_route,
    segments_of,
)

logger = logging.getLogger(__name__)
REASON = "x-sandbox-reason"  # why the sandbox answered an error (AWS logs it instead)
FUNCTION_URL_WAIT_MARGIN_S = 5.0
DROPPED_HEADERS = {"content-length", "transfer-encoding", "connection", "date"}
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload quota


def _reason(response: HttpResponse, reason: str) -> HttpResponse:
    response.headers.append((REASON, reason.replace("\n", " ")[:500]))
    return response


def _execute_api_arn(region: str, account_id: str, api_id: str, stage: str) -> str:
    """The ARN API Gateway names a stage by when it invokes a function (SourceArn)."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}"


def _proxy_function(
    integration: Integration, stage_variables: dict[str, str], account_id: str, region: str
) -> FunctionRef | str:
    """The function an AWS_PROXY integration invokes, in the API's own account; or why
    the sandbox invokes none (API Gateway answers that with its 500)."""
    if integration.kind != "AWS_PROXY":
        return f"integration type {integration.kind} is not served by the sandbox (use AWS_PROXY)"
    function = function_of(integration.uri, stage_variables, region)
    if function.account_id and function.account_id != account_id:
        return "the integration names a function of another account"
    return replace(function, account_id=account_id)


class HttpEndpoints:
    """Function URLs and API Gateway stages of every learner, on one loopback port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback(host):
            raise ValueError(f"the HTTP endpoints listen on loopback only, not on {host!r}")
        self.host = host
        self.port = port
        self.service: Any = None  # sandbox.lambda_service.LambdaService
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._snapshots: dict[tuple[str, str, str, str], list[RestResource]] = {}
        self._lock = threading.Lock()

    # Lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the HTTP endpoints are not running")
        return f"http://{self.host}:{self._server.server_port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def bind(self) -> None:
        """Take the port now, so URLs can be reported before ``start``."""
        if self._server is None:
            self._server = _Server((self.host, self.port), _Handler)
            self._server.endpoints = self

    def start(self, service: Any) -> HttpEndpoints:
        self.service = service
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def control_plane(self, app: Any) -> Any:
        """Wrap moto's WSGI app so the AWS API reports these loopback URLs."""
        from sandbox.http.control_plane import ControlPlane

        return ControlPlane(app, self)

    # URLs ----------------------------------------------------------------------------

    def function_url(self, url_id: str) -> str:
        return urls.function_url(self.base_url, url_id)

    def invoke_url(self, api_id: str, stage: str) -> str:
        return urls.invoke_url(self.base_url, api_id, stage)

    # REST deployments ------------------------------------------------------------------

    def record_deployment(
        self, account_id: str, region: str, api_id: str, deployment_id: str
    ) -> None:
        """A deployment serves the API as it was when deployed (later edits need a new one)."""
        api = moto_reads.rest_api(account_id, region, api_id)
        if api is None:
            return
        with self._lock:
            self._snapshots[(account_id, region, api_id, deployment_id)] = (
                moto_reads.rest_resources(api)
            )

    def _deployed_resources(
        self, ref: moto_reads.RestApiRef, deployment_id: str
    ) -> list[RestResource]:
        with self._lock:
            found = self._snapshots.get((ref.account_id, ref.region, ref.api.id, deployment_id))
        return found if found is not None else moto_reads.rest_resources(ref.api)

    # Requests --------------------------------------------------------------------------

    def handle(self, request: HttpRequest, host: str | None, full_path: str) -> HttpResponse:
        target = urls.parse(host, full_path)
        if target is None:
            return _reason(
                json_error(404, "Not Found"),
                "use /execute-api/<api-id>/<stage>/<path> or /lambda-url/<url-id>/<path>",
            )
        request.path = target.path
        if target.kind == urls.LAMBDA_URL:
            return self._function_url(request, target, full_path)
        rest = moto_reads.find_rest_api(target.resource_id)
        if rest is not None:
            return self._rest_api(request, target, full_path, rest)
        http_api = moto_reads.find_http_api(target.resource_id)
        if http_api is not None:
            return self._http_api(request, target, full_path, http_api)
        return _reason(
            json_error(403, "Forbidden", error_type="ForbiddenException"),
            f"no REST or HTTP API has the id {target.resource_id!r}",
        )

    # REST APIs (payload 1.0) -----------------------------------------------------------

    def _rest_api(
        self,
        request: HttpRequest,
        target: urls.Target,
        full_path: str,
        ref: moto_reads.RestApiRef,
    ) -> HttpResponse:
        missing_token = json_error(
            403, "Missing Authentication Token", error_type="MissingAuthenticationTokenException"
        )
        parts = segments_of(request.path)
        stage = moto_reads.rest_stage(ref.api, parts[0]) if parts else None
        if stage is None:
            return _reason(missing_token, "no such stage: deploy the API to a stage first")
        path_after_stage = request.path[len(parts[0]) + 1 :] or "/"
        resources = self._deployed_resources(ref, stage.deployment_id)
        found = match_resource(resources, path_after_stage, request.method)
        if found is None:
            return _reason(
                missing_token,
                f"no resource and method for {request.method} {path_after_stage} "
                f"in the deployment of stage {parts[0]!r} (changed the API? deploy it again)",
            )
        resource, method, path_parameters = found
        caller = None
        if method.authorization_type == "AWS_IAM":
            verdict = auth.verify(request, full_path, "execute-api", ref.account_id)
            if isinstance(verdict, auth.AuthFailure):
                if verdict.missing:
                    return _reason(missing_token, verdict.reason)
                return _reason(
                    json_error(403, verdict.reason, error_type="InvalidSignatureException"),
                    verdict.reason,
                )
            caller = verdict
        if method.api_key_required and not moto_reads.rest_api_key_valid(
            ref, request.header("x-api-key")
        ):
            return _reason(
                json_error(403, "Forbidden", error_type="ForbiddenException"),
                "the method requires an API key (x-api-key header)",
            )
        integration = method.integration
        internal_error = json_error(
            500, "Internal server error", error_type="InternalServerErrorException"
        )
        if integration is None:
            return _reason(internal_error, "the method has no integration")
        stage_variables = dict(stage.variables or {})
        function = _proxy_function(integration, stage_variables, ref.account_id, ref.region)
        if isinstance(function, str):
            return _reason(internal_error, function)
        method_arn = _execute_api_arn(ref.region, ref.account_id, ref.api.id, stage.name)
        method_arn += f"/{request.method}"
        refused = api_refused(function, [method_arn + path_after_stage, method_arn + resource.path])
        if refused:
            return _reason(internal_error, refused)
        request_id = str(uuid.uuid4())
        extended_id = apigw_request_id()
        trace = trace_id(request.time_epoch_ms)
        ctx = V1Context(
            account_id=ref.account_id,
            api_id=ref.api.id,
            domain_name=target.domain_name,
            stage=stage.name,
            resource_path=resource.path,
            resource_id=resource.resource_id,
            path=path_after_stage,
            context_path=request.path,
            path_parameters=path_parameters,
            stage_variables=stage_variables,
            binary_media_types=tuple(ref.api.binaryMediaTypes or ()),
            caller=caller,
        )
        event = event_v1(request, ctx, request_id, extended_id, trace)
        outcome = invoke(self.service, function, event, integration.timeout_ms / 1000)
        gateway_ids = [
            ("x-amzn-RequestId", request_id),
            ("x-amz-apigw-id", extended_id),
            ("X-Amzn-Trace-Id", trace),
        ]
        if outcome.kind == TIMEOUT:
            response = _reason(json_error(504, "Endpoint request timed out"), outcome.reason)
        elif outcome.kind == THROTTLED:
            response = _reason(internal_error, outcome.reason)
        elif outcome.kind == FUNCTION_ERROR:
            response = _reason(
                json_error(502, "Internal server error"),
                "the function failed: " + outcome.payload.decode("utf-8", "replace"),
            )
        elif outcome.kind != OK:
            response = _reason(internal_error, outcome.reason)
        else:
            try:
                response = v1_response(
                    outcome.payload, ctx.binary_media_types, request.header("Accept") or ""
                )
            except MalformedResponse as error:
                response = _reason(
                    json_error(502, "Internal server error"),
                    f"Malformed Lambda proxy response: {error}",
                )
        response.headers.extend(gateway_ids)
        return response

    # HTTP APIs (payload 2.0 or 1.0) ----------------------------------------------------

    def _http_api(
        self,
        request: HttpRequest,
        target: urls.Target,
        full_path: str,
        ref: moto_reads.HttpApiRef,
    ) -> HttpResponse:
        not_found = json_error(404, "Not Found")
        stages = moto_reads.http_stages(ref.api)
        parts = segments_of(request.path)
        if parts and parts[0] in stages and parts[0] != "$default":
            stage = stages[parts[0]]
            route_path = request.path[len(parts[0]) + 1 :] or "/"
        elif parts and parts[0] == "$default" and "$default" in stages:
            stage = stages["$default"]  # LocalStack's form names the $default stage
            request.path = request.path[len("/$default") :] or "/"
            route_path = request.path
        elif "$default" in stages:
            stage = stages["$default"]
            route_path = request.path
        else:
            return _reason(not_found, "no such stage (create $default or a named stage)")
        request_id = apigw_request_id()
        gateway_ids = [("apigw-requestid", request_id)]
        cors_config = cors.from_config(ref.api.cors_configuration)
        if cors_config is not None and cors.is_preflight(request):
            response = cors.preflight(cors_config, request, 204)
            response.headers.extend(gateway_ids)
            return response
        response = self._http_route(request, target, full_path, ref, stage, route_path, request_id)
        if cors_config is not None:
            cors.decorate(cors_config, request, response)
        response.headers.extend(gateway_ids)
        return response

    def _http_route(
        self,
        request: HttpRequest,
        target: urls.Target,
        full_path: str,
        ref: moto_reads.HttpApiRef,
        stage: Any,
        route_path: str,
        request_id: str,
    ) -> HttpResponse:
        not_found = json_error(404, "Not Found")
        internal_error = json_error(500, "Internal Server Error")
        found = match_route(moto_reads.http_routes(ref.api), route_path, request.method)
        if found is None:
            return _reason(not_found, f"no route matches {request.method} {route_path}")
        route, path_parameters = found
        integration = moto_reads.http_integration(ref.api, route.target)
        if integration is None:
            return _reason(not_found, f"route {route.route_key!r} has no integration")
        caller = None
        if route.authorization_type == "AWS_IAM":
            verdict = auth.verify(request, full_path, "execute-api", ref.account_id)
            if isinstance(verdict, auth.AuthFailure):
                return _reason(json_error(403, "Forbidden"), verdict.reason)
            caller = verdict
        stage_variables = dict(stage.stage_variables or {})
        function = _proxy_function(integration, stage_variables, ref.account_id, ref.region)
        if isinstance(function, str):
            return _reason(internal_error, function)
        stage_arn = _execute_api_arn(ref.region, ref.account_id, ref.api.api_id, stage.name)
        method, _, declared = route.route_key.partition(" ")  # "$default": no path
        sent, routed = f"{request.method}{route_path}", f"{method}{declared}"
        refused = api_refused(function, [f"{stage_arn}/{sent}", f"{stage_arn}/{routed}"])
        if refused:
            return _reason(internal_error, refused)
        trace = trace_id(request.time_epoch_ms)
        if integration.payload_format_version == "1.0":
            ctx1 = V1Context(
                account_id=ref.account_id,
                api_id=ref.api.api_id,
                domain_name=target.domain_name,
                stage=stage.name,
                resource_path=route.route_key.partition(" ")[2] or route.route_key,
                resource_id=None,
                path=request.path,
                context_path=request.path,
                path_parameters=path_parameters,
                stage_variables=stage_variables,
                http_api=True,
                caller=caller,
            )
            event = event_v1(request, ctx1, request_id, request_id, trace)
        else:
            ctx2 = V2Context(
                account_id=ref.account_id,
                api_id=ref.api.api_id,
                domain_name=target.domain_name,
                stage=stage.name,
                route_key=route.route_key,
                path_parameters=path_parameters,
                stage_variables=stage_variables,
                caller=caller,
            )
            event = event_v2(request, ctx2, request_id, trace)
        outcome = invoke(self.service, function, event, integration.timeout_ms / 1000)
        if outcome.kind == TIMEOUT:
            return _reason(json_error(503, "Service Unavailable"), outcome.reason)
        if outcome.kind == FUNCTION_ERROR:
            return _reason(
                internal_error, "the function failed: " + outcome.payload.decode("utf-8", "replace")
            )
        if outcome.kind != OK:
            return _reason(internal_error, outcome.reason)
        try:
            if integration.payload_format_version == "1.0":
                return v1_response(outcome.payload)
            return v2_response(outcome.payload)
        except MalformedResponse as error:
            return _reason(internal_error, f"Malformed Lambda proxy response: {error}")

    # Function URLs (payload 2.0) -------------------------------------------------------

    def _function_url(
        self, request: HttpRequest, target: urls.Target, full_path: str
    ) -> HttpResponse:
        ref = moto_reads.find_function_url(target.resource_id)
        if ref is None:
            return _reason(
                json_error(403, "Forbidden", key="Message"),
                f"no function has the URL id {target.resource_id!r}",
            )
        caller = None
        if str(ref.config.get("AuthType") or "NONE").upper() == "AWS_IAM":
            verdict = auth.verify(request, full_path, "lambda", ref.account_id)
            if isinstance(verdict, auth.AuthFailure):
                return _reason(json_error(403, "Forbidden", key="Message"), verdict.reason)
            caller = verdict
        else:
            refused = public_url_refused(ref.function_arn)
            if refused:
                return _reason(json_error(403, "Forbidden", key="Message"), refused)
        cors_config = cors.from_config(ref.config.get("Cors"))
        if cors_config is not None and cors.is_preflight(request):
            return cors.preflight(cors_config, request, 200)
        ctx = V2Context(
            account_id=ref.account_id,
            api_id=target.resource_id,
            domain_name=target.domain_name,
            stage="$default",
            route_key="$default",
            function_url=True,
            caller=caller,
        )
        trace = trace_id(request.time_epoch_ms)
        event = event_v2(request, ctx, str(uuid.uuid4()), trace)
        function = function_of(ref.function_arn, {}, ref.region)
        outcome = invoke(self.service, function, event, ref.timeout_s + FUNCTION_URL_WAIT_MARGIN_S)
        if outcome.kind == OK:
            try:
                response = v2_response(outcome.payload)
            except MalformedResponse as error:
                response = _reason(
                    _plain(502, "Internal Server Error"), f"malformed function response: {error}"
                )
        elif outcome.kind == THROTTLED:
            response = _reason(
                json_error(
                    429, "Rate Exceeded.", key="Message", error_type="TooManyRequestsException"
                ),
                outcome.reason,
            )
        elif outcome.kind == FUNCTION_ERROR:
            response = _reason(
                _plain(502, "Internal Server Error"),
                "the function failed: " + outcome.payload.decode("utf-8", "replace"),
            )
        else:
            response = _reason(_plain(502, "Internal Server Error"), outcome.reason)
        if cors_config is not None:
            cors.decorate(cors_config, request, response)
        response.headers.append(("x-amzn-RequestId", outcome.request_id or str(uuid.uuid4())))
        response.headers.append(("X-Amzn-Trace-Id", trace))
        return response


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    endpoints: HttpEndpoints


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is closed after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s " + format, self.address_string(), *args)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if sum(map(len, chunks)) > MAX_BODY_BYTES:
                    raise OverflowError(size)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise OverflowError(length)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except OverflowError:
            self.close_connection = True
            self._send(json_error(413, "Request Too Long"))
            return
        except (ValueError, OSError):
            self.close_connection = True
            return
        split = urlsplit(self.path)
        full_path = split.path or "/"
        request = HttpRequest(
            method=self.command.upper(),
            path=full_path,
            query=split.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
            port=self.server.server_port,
        )
        try:
            response = self.server.endpoints.handle(request, self.headers.get("Host"), full_path)
        except Exception as error:
            logger.exception("the sandbox's HTTP endpoint failed on %s", self.path)
            response = _reason(json_error(500, "Internal server error"), f"sandbox error: {error}")
        self._send(response)

    def _send(self, response: HttpResponse) -> None:
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        self.send_response_only(response.status, phrase)
        for name, value in response.headers:
            if name.lower() not in DROPPED_HEADERS:
                self.send_header(name, value)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            try:
                self.wfile.write(response.body)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle
