"""What the HTTP endpoints read from (and, for HTTP API quick create, write to) moto.

moto stores REST APIs (``apigateway``), HTTP APIs (``apigatewayv2``) and function URL
configs (on the function) but serves none of them. Every moto internal this package
touches is named in ``USED`` and checked by ``check_contract()`` (tested), like
``sandbox.moto_seam`` does for the runtime's hooks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import lambda_backends
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from sandbox.http import urls
from sandbox.http.events import Caller
from sandbox.http.routing import HttpRoute, Integration, RestMethod, RestResource

PARTITION = "aws"
REST_DEFAULT_TIMEOUT_MS = 29_000
HTTP_DEFAULT_TIMEOUT_MS = 30_000

USED: dict[str, tuple[str, str]] = {
    "apigateway_backends": ("moto.apigateway.models", "apigateway_backends"),
    "RestAPI.resources/stages/binaryMediaTypes": ("moto.apigateway.models", "RestAPI.__init__"),
    "Resource.get_path": ("moto.apigateway.models", "Resource.get_path"),
    "APIGatewayBackend.keys": ("moto.apigateway.models", "APIGatewayBackend.__init__"),
    "apigatewayv2_backends": ("moto.apigatewayv2.models", "apigatewayv2_backends"),
    "ApiGatewayV2Backend.create_integration": (
        "moto.apigatewayv2.models",
        "ApiGatewayV2Backend.create_integration",
    ),
    "ApiGatewayV2Backend.create_route": (
        "moto.apigatewayv2.models",
        "ApiGatewayV2Backend.create_route",
    ),
    "ApiGatewayV2Backend.create_stage": (
        "moto.apigatewayv2.models",
        "ApiGatewayV2Backend.create_stage",
    ),
    "lambda_backends": ("moto.awslambda.models", "lambda_backends"),
    "LambdaStorage._functions": ("moto.awslambda.models", "LambdaStorage.__init__"),
    "FunctionUrlConfig": ("moto.awslambda.models", "FunctionUrlConfig.to_dict"),
    "BackendDict.iter_backends": ("moto.core.base_backend", "BackendDict.iter_backends"),
    "STSBackend.get_assumed_role_from_access_key": (
        "moto.sts.models",
        "STSBackend.get_assumed_role_from_access_key",
    ),
}


def check_contract() -> list[str]:
    """Names this module uses that the installed moto lacks (plus a live smoke check)."""
    problems = []
    for name, (module_name, attribute_path) in USED.items():
        target: Any = __import__(module_name, fromlist=["_"])
        try:
            for part in attribute_path.split("."):
                target = getattr(target, part)
        except AttributeError:
            problems.append(f"{name} ({module_name}.{attribute_path}) is missing")
    return problems


def _backends(backend_dict: Any) -> Iterator[tuple[str, str, Any]]:
    """(account, region, backend) of every backend that exists (never creates one)."""
    for _ in range(3):  # other threads may add accounts while we look
        try:
            return iter(list(backend_dict.iter_backends()))
        except RuntimeError:
            continue
    return iter(())


class _Index:
    """id -> (account, region), checked on every use (an account reset drops the API)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._where: dict[str, tuple[str, str]] = {}

    def get(self, key: str) -> tuple[str, str] | None:
        with self._lock:
            return self._where.get(key)

    def put(self, key: str, where: tuple[str, str]) -> None:
        with self._lock:
            if len(self._where) > 10_000:
                self._where.clear()
            self._where[key] = where


_rest_index = _Index()
_http_index = _Index()
_url_index = _Index()


def _find(
    backend_dict: Any, index: _Index, key: str, look_in: Callable[[Any, str], Any | None]
) -> tuple[str, str, Any] | None:
    """(account, region, what ``look_in`` finds for ``key``) in the backend the index
    remembers for ``key``, else in the first backend that has it (which the index learns)."""
    where = index.get(key)
    if where is not None:
        backend = backend_dict.get(where[0], {}).get(where[1])
        found = look_in(backend, key) if backend is not None else None
        if found is not None:
            return where[0], where[1], found
    for account_id, region, backend in _backends(backend_dict):
        found = look_in(backend, key)
        if found is not None:
            index.put(key, (account_id, region))
            return account_id, region, found
    return None


# REST APIs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RestApiRef:
    account_id: str
    region: str
    api: Any  # moto's RestAPI


def _rest_api_in(backend: Any, api_id: str) -> Any | None:
    return backend.apis.get(api_id)


def find_rest_api(api_id: str) -> RestApiRef | None:
    found = _find(apigateway_backends, _rest_index, api_id, _rest_api_in)
    return RestApiRef(*found) if found is not None else None


def rest_api(account_id: str, region: str, api_id: str) -> Any | None:
    backend = apigateway_backends.get(account_id, {}).get(region)
    return _rest_api_in(backend, api_id) if backend is not None else None


def rest_resources(api: Any) -> list[RestResource]:
    """A REST API's resources, methods and integrations as they are now (a deployment's
    snapshot is this, taken when the deployment is created)."""
    resources = []
    for resource in list(api.resources.values()):
        methods = {}
        for http_method, method in list(resource.resource_methods.items()):
            integration = None
            found = method.method_integration
            if found is not None:
                timeout = found.timeout_in_millis
                integration = Integration(
                    kind=str(found.integration_type or "").upper(),
                    uri=found.uri or "",
                    timeout_ms=int(timeout) if timeout else REST_DEFAULT_TIMEOUT_MS,
                )
            methods[http_method] = RestMethod(
                http_method=http_method,
                authorization_type=str(method.authorization_type or "NONE").upper(),
                api_key_required=bool(method.api_key_required),
                integration=integration,
            )
        resources.append(RestResource(resource.id, resource.get_path(), methods))
    return resources


def rest_stage(api: Any, stage_name: str) -> Any | None:
    return api.stages.get(stage_name)


def rest_api_key_valid(ref: RestApiRef, value: str | None) -> bool:
    if not value:
        return False
    backend = apigateway_backends[ref.account_id][ref.region]
    return any(key.value == value and key.enabled for key in list(backend.keys.values()))


# HTTP APIs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpApiRef:
    account_id: str
    region: str
    api: Any  # moto's apigatewayv2 Api


def _http_api_in(backend: Any, api_id: str) -> Any | None:
    api = backend.apis.get(api_id)
    return api if api is not None and str(api.protocol_type).upper() == "HTTP" else None


def find_http_api(api_id: str) -> HttpApiRef | None:
    found = _find(apigatewayv2_backends, _http_index, api_id, _http_api_in)
    return HttpApiRef(*found) if found is not None else None


def http_routes(api: Any) -> list[HttpRoute]:
    return [
        HttpRoute(
            route.route_key,
            route.target,
            str(route.authorization_type or "NONE").upper(),
        )
        for route in list(api.routes.values())
    ]


def http_integration(api: Any, target: str | None) -> Integration | None:
    if not target or not target.startswith("integrations/"):
        return None
    found = api.integrations.get(target.split("/", 1)[1])
    if found is None:
        return None
    return Integration(
        kind=str(found.integration_type or "").upper(),
        uri=found.integration_uri or "",
        timeout_ms=int(found.timeout_in_millis or HTTP_DEFAULT_TIMEOUT_MS),
        payload_format_version=str(found.payload_format_version or "2.0"),
    )


def http_stages(api: Any) -> dict[str, Any]:
    return dict(api.stages)


def quick_create(account_id: str, region: str, api_id: str, target: str, route_key: str) -> None:
    """What CreateApi with ``Target`` does on AWS (moto ignores it): an AWS_PROXY
    integration (payload 2.0), the route (``$default`` unless RouteKey says) and the
    ``$default`` stage with automatic deployment."""
    backend = apigatewayv2_backends[account_id][region]
    integration = backend.create_integration(
        api_id=api_id,
        connection_id=None,
        connection_type="INTERNET",
        content_handling_strategy=None,
        credentials_arn=None,
        description="",
        integration_method="POST",
        integration_subtype=None,
        integration_type="AWS_PROXY",
        integration_uri=target,
        passthrough_behavior=None,
        payload_format_version="2.0",
        request_parameters=None,
        request_templates=None,
        response_parameters=None,
        template_selection_expression=None,
        timeout_in_millis=str(HTTP_DEFAULT_TIMEOUT_MS),
        tls_config=None,
    )
    backend.create_route(
        api_id=api_id,
        api_key_required=False,
        authorization_scopes=None,
        authorization_type="NONE",
        authorizer_id=None,
        model_selection_expression=None,
        operation_name=None,
        request_models=None,
        request_parameters=None,
        route_key=route_key or "$default",
        route_response_selection_expression=None,
        target=f"integrations/{integration.id}",
    )
    if "$default" not in backend.get_api(api_id).stages:
        backend.create_stage(api_id, {"stageName": "$default", "autoDeploy": True})


# Function URLs -----------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionUrlRef:
    account_id: str
    region: str
    function_name: str
    function_arn: str
    config: dict[str, Any]  # AuthType, Cors, InvokeMode
    timeout_s: float


def _url_in(backend: Any, url_id: str) -> Any | None:
    for group in list(backend._lambdas._functions.values()):
        fn = group.get("latest")
        config = getattr(fn, "url_config", None)
        if config is not None and urls.url_id_of(config.url) == url_id:
            return fn
    return None


def find_function_url(url_id: str) -> FunctionUrlRef | None:
    found = _find(lambda_backends, _url_index, url_id, _url_in)
    if found is None:
        return None
    account_id, region, fn = found
    return FunctionUrlRef(
        account_id=account_id,
        region=region,
        function_name=fn.function_name,
        function_arn=fn.function_arn.split(":$LATEST")[0],
        config=dict(fn.url_config.config or {}),
        timeout_s=float(fn.timeout or 3),
    )


# Callers (AWS_IAM) -------------------------------------------------------------------


def credentials_of(access_key_id: str) -> tuple[str, str | None, Caller] | None:
    """(secret, session token or None, caller) for a key some sandbox account issued."""
    for account_id, account in list(iam_backends.items()):
        iam = account.get(PARTITION) if hasattr(account, "get") else None
        if iam is None:
            continue
        key = iam.access_keys.get(access_key_id)
        if key is not None and key.status == "Active":
            user = iam.users.get(key.user_name)
            user_id = user.id if user is not None else access_key_id
            arn = user.arn if user is not None else f"arn:aws:iam::{account_id}:root"
            caller = Caller(access_key_id, account_id, user_id, arn, user_id)
            return key.secret_access_key, None, caller
    for account_id, account in list(sts_backends.items()):
        sts = account.get(PARTITION) if hasattr(account, "get") else None
        if sts is None:
            continue
        role = sts.get_assumed_role_from_access_key(access_key_id)
        if role is not None:
            caller = Caller(access_key_id, account_id, role.user_id, role.arn, role.user_id)
            return role.secret_access_key, role.session_token, caller
    return None
