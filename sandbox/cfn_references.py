"""What a CloudFormation template's values refer to, and the order that follows from it.

Pure: the sandbox's CloudFormation orders resources with it (``sandbox.moto_cloudformation``)
and the map's export finds what depends on a resource it leaves out (``architecture.template``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class TemplateError(ValueError):
    """A template CloudFormation refuses (its ValidationError's message)."""


def references(value: Any) -> set[str]:
    """Names a template value refers to: Ref, Fn::GetAtt and Fn::Sub's ${Name}."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute:
            found.add(str(attribute[0]))
        elif isinstance(attribute, str):
            found.add(attribute.split(".")[0])
        text, variables = value.get("Fn::Sub"), {}
        if isinstance(text, list) and len(text) == 2:
            text, variables = text
        if isinstance(text, str):
            names = re.findall(r"\$\{(?!!)([^}]+)\}", text)
            found |= {name.split(".")[0] for name in names} - set(variables)
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def _depends_on(resources: Mapping[str, Any], logical: str) -> list[str]:
    resource = resources[logical]
    depends = resource.get("DependsOn") or []
    depends = [depends] if isinstance(depends, str) else list(depends)
    unknown = [name for name in depends if name not in resources]
    if unknown:
        raise TemplateError(
            "Template format error: Unresolved resource dependencies "
            f"[{', '.join(unknown)}] in the Resources block of the template"
        )
    found = references(resource.get("Properties") or {})
    return depends + sorted(n for n in found if n in resources and n not in depends)


def dependency_order(resources: Mapping[str, Any]) -> list[str]:
    """Every resource after what it depends on (template order otherwise), as
    CloudFormation orders creation; a circular dependency is a TemplateError."""
    order: list[str] = []
    done: set[str] = set()

    def visit(logical: str, path: list[str]) -> None:
        if logical in done:
            return
        if logical in path:
            cycle = sorted(set(path[path.index(logical) :]))
            raise TemplateError(f"Circular dependency between resources: [{', '.join(cycle)}]")
        for needed in _depends_on(resources, logical):
            if needed != logical:
                visit(needed, [*path, logical])
        done.add(logical)
        order.append(logical)

    for logical in resources:
        visit(logical, [])
    return order
