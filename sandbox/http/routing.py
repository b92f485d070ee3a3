"""Which resource and method (REST API) or route (HTTP API) a request path selects.

API Gateway prefers the most specific match: literal path parts over ``{param}``, and
``{param}`` over the greedy ``{proxy+}``; a method of its own over ``ANY``. An HTTP API
falls back to the ``$default`` route last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox.http.events import decoded_path_parameters

PARAM = re.compile(r"^\{([^{}+]+)\}$")
GREEDY = re.compile(r"^\{([^{}+]+)\+\}$")


@dataclass(frozen=True)
class Integration:
    kind: str  # AWS_PROXY, AWS, HTTP_PROXY, MOCK...
    uri: str
    timeout_ms: int
    payload_format_version: str = "1.0"


@dataclass(frozen=True)
class RestMethod:
    http_method: str
    authorization_type: str
    api_key_required: bool
    integration: Integration | None


@dataclass(frozen=True)
class RestResource:
    resource_id: str
    path: str  # "/items/{id}"
    methods: dict[str, RestMethod] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpRoute:
    route_key: str  # "GET /items/{id}", "ANY /{proxy+}", "$default"
    target: str | None  # "integrations/<id>"
    authorization_type: str = "NONE"


def segments_of(path: str) -> list[str]:
    return [part for part in path.split("/") if part != ""]


def match_template(template: str, path: str) -> tuple[tuple[int, int, int], dict[str, str]] | None:
    """Path parameters if the path fits the template, with a specificity (higher wins)."""
    parts, wanted = segments_of(template), segments_of(path)
    params: dict[str, str] = {}
    literal = 0
    for index, part in enumerate(parts):
        greedy = GREEDY.match(part)
        if greedy:
            if index != len(parts) - 1 or len(wanted) <= index:
                return None
            params[greedy.group(1)] = "/".join(wanted[index:])
            return (0, literal, index), decoded_path_parameters(params)
        if index >= len(wanted):
            return None
        param = PARAM.match(part)
        if param:
            params[param.group(1)] = wanted[index]
        elif part != wanted[index]:
            return None
        else:
            literal += 1
    if len(parts) != len(wanted):
        return None
    return (1, literal, len(parts)), decoded_path_parameters(params)


def match_resource(
    resources: list[RestResource], path: str, method: str
) -> tuple[RestResource, RestMethod, dict[str, str]] | None:
    """A REST API's resource and method for a request (None: Missing Authentication Token)."""
    best: tuple[tuple[int, int, int], RestResource, dict[str, str]] | None = None
    for resource in resources:
        found = match_template(resource.path, path)
        if found and (best is None or found[0] > best[0]):
            best = (found[0], resource, found[1])
    if best is None:
        return None
    _, resource, params = best
    chosen = resource.methods.get(method) or resource.methods.get("ANY")
    if chosen is None:
        return None
    return resource, chosen, params


def match_route(
    routes: list[HttpRoute], path: str, method: str
) -> tuple[HttpRoute, dict[str, str]] | None:
    """An HTTP API's route for a request, ``$default`` last (None: 404 Not Found)."""
    best: tuple[tuple[tuple[int, int, int], int], HttpRoute, dict[str, str]] | None = None
    default = None
    for route in routes:
        if route.route_key == "$default":
            default = route
            continue
        route_method, _, template = route.route_key.partition(" ")
        if route_method != "ANY" and route_method != method:
            continue
        found = match_template(template, path)
        if found is None:
            continue
        rank = (found[0], 0 if route_method == "ANY" else 1)
        if best is None or rank > best[0]:
            best = (rank, route, found[1])
    if best is not None:
        return best[1], best[2]
    if default is not None:
        return default, {}
    return None
