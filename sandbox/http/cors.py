"""CORS as function URLs (``Cors``) and HTTP APIs (``corsConfiguration``) apply it.

With CORS configured, AWS answers preflight requests itself (the function never runs)
and adds the ``Access-Control-*`` headers to the function's responses, replacing any
the function set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.http.events import HttpRequest
from sandbox.http.responses import HttpResponse


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    max_age: int | None
    allow_credentials: bool

    def origin_allowed(self, origin: str) -> bool:
        return "*" in self.allow_origins or origin.lower() in (
            o.lower() for o in self.allow_origins
        )

    def allow_origin_value(self, origin: str) -> str:
        if "*" in self.allow_origins and not self.allow_credentials:
            return "*"
        return origin


def from_config(config: Any) -> Cors | None:
    """A function URL's ``Cors`` (AllowOrigins...) or an HTTP API's ``corsConfiguration``
    (allowOrigins...), or None when there is none."""
    if not isinstance(config, dict) or not config:
        return None

    def values(name: str) -> tuple[str, ...]:
        found = config.get(name) or config.get(name[0].lower() + name[1:]) or []
        return tuple(str(v) for v in found)

    max_age = config.get("MaxAge", config.get("maxAge"))
    return Cors(
        allow_origins=values("AllowOrigins"),
        allow_methods=values("AllowMethods"),
        allow_headers=values("AllowHeaders"),
        expose_headers=values("ExposeHeaders"),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=bool(config.get("AllowCredentials", config.get("allowCredentials"))),
    )


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("Origin") is not None
        and request.header("Access-Control-Request-Method") is not None
    )


def preflight(cors: Cors, request: HttpRequest, status: int) -> HttpResponse:
    response = HttpResponse(status)
    origin = request.header("Origin") or ""
    if not cors.origin_allowed(origin):
        return response
    requested_method = (request.header("Access-Control-Request-Method") or "").upper()
    methods = [m.upper() for m in cors.allow_methods]
    if "*" not in methods and requested_method not in methods:
        return response
    response.headers.append(("Access-Control-Allow-Origin", cors.allow_origin_value(origin)))
    response.headers.append(
        ("Access-Control-Allow-Methods", requested_method if "*" in methods else ",".join(methods))
    )
    requested_headers = request.header("Access-Control-Request-Headers")
    if "*" in cors.allow_headers and requested_headers:
        response.headers.append(("Access-Control-Allow-Headers", requested_headers))
    elif cors.allow_headers:
        response.headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        response.headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
    return response


def decorate(cors: Cors, request: HttpRequest, response: HttpResponse) -> None:
    """The CORS headers of an actual (non-preflight) response."""
    origin = request.header("Origin")
    response.headers = [
        (k, v) for k, v in response.headers if not k.lower().startswith("access-control-")
    ]
    if origin is None or not cors.origin_allowed(origin):
        return
    response.headers.append(("Access-Control-Allow-Origin", cors.allow_origin_value(origin)))
    if cors.expose_headers:
        response.headers.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
