"""Export a learner's sandbox (or one lab's resources) for a real AWS account. No Streamlit.

    package = export_package(session, build_graph(session, names), scope="Lab 2")
    package.zip_bytes      # template.yaml + functions/ + README.md + map.dot, in one folder

The template is plain CloudFormation (see template.py for why), the code is each
function's deployment package as GetFunction describes it (code.py), and the README says
how to deploy with `aws cloudformation deploy` or `sam deploy` and what it will cost there.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

from architecture.code import CodeUnavailable, function_code, package_files
from architecture.costs import estimate
from architecture.diagram import to_dot
from architecture.model import Graph
from architecture.readme import readme
from architecture.template import (
    Code,
    Template,
    build_templates,
    inline_code,
    same_state,
    staged_functions,
    versions_of,
)

FOLDER = "lambda-lab-export"
UNREADABLE = (CodeUnavailable, ClientError, BotoCoreError, zipfile.BadZipFile, OSError)
DEFAULT_MONTHLY_REQUESTS = 1_000_000


@dataclass(frozen=True)
class ExportPackage:
    zip_bytes: bytes
    template: Template
    template_yaml: str
    readme: str
    files: list[str] = field(default_factory=list)
    stages: list[Template] = field(default_factory=list)  # deployed before the template


class _Dumper(yaml.SafeDumper):
    """YAML a person reads: code as a literal block, keys in the template's order, and no
    anchors (CloudFormation refuses YAML aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(body: dict[str, Any]) -> str:
    return yaml.dump(body, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def read_code(
    session: boto3.Session, graph: Graph, notes: list[str]
) -> tuple[dict[str, Code], dict[str, bytes]]:
    """Each function's Code for the templates ("name", and "name:N" for the versions of a
    staged function), and the files to put in the zip, by path."""
    code: dict[str, Code] = {}
    files: dict[str, bytes] = {}
    staged = staged_functions(graph)
    for function in graph.of_kind("function"):
        config = function.detail.get("config", {})
        try:
            package = function_code(session, function.name)
        except UNREADABLE as exc:  # a note in the README, not a failed export
            notes.append(f"The code of {function.name} could not be read ({exc}).")
            continue
        found = package_files(package)
        inline = inline_code(found, str(config.get("Handler", "")), str(config.get("Runtime")))
        code[function.name] = inline or Code(package)
        files[f"functions/{function.name}.zip"] = package
        files |= {f"functions/{function.name}/{path}": data for path, data in found.items()}
        for version in versions_of(graph, function):
            number = version.facts.get("version", "")
            if function.name not in staged and same_state(version, function):
                continue
            try:
                older = function_code(session, function.name, number)
            except UNREADABLE as exc:
                notes.append(f"The code of {function.name}:{number} could not be read ({exc}).")
                continue
            code[f"{function.name}:{number}"] = Code(older)
            files[f"functions/{function.name}/v{number}.zip"] = older
            if version.detail.get("config", {}).get("CodeSha256") != config.get("CodeSha256"):
                files |= {
                    f"functions/{function.name}/versions/{number}/{path}": data
                    for path, data in package_files(older).items()
                }
    return code, files


def export_package(
    session: boto3.Session,
    graph: Graph,
    scope: str = "My Lambda Lab sandbox",
    monthly_requests: int = DEFAULT_MONTHLY_REQUESTS,
    stack_name: str = "lambda-lab",
) -> ExportPackage:
    notes: list[str] = []
    code, files = read_code(session, graph, notes)
    templates = build_templates(graph, code, f"{scope}, exported from Lambda Lab")
    final = templates[-1]
    final.notes[:0] = notes
    staged = staged_functions(graph)
    if staged:
        final.notes.append(
            "Versions are published from older code in stages: "
            + ", ".join(f"{name} has {count}" for name, count in sorted(staged.items()))
            + " version(s). Deploy stages/1.yaml, stages/2.yaml ... then template.yaml, "
            "to the same stack."
        )
    contents = {
        "README.md": readme(
            graph,
            final,
            estimate(session, graph, monthly_requests),
            scope,
            stack_name,
            stages=len(templates) - 1,
        ).encode(),
        "template.yaml": to_yaml(final.body).encode(),
        "map.dot": to_dot(graph).encode(),
    }
    for template in templates[:-1]:
        contents[f"stages/{template.stage}.yaml"] = to_yaml(template.body).encode()
    contents |= files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in contents.items():
            archive.writestr(f"{FOLDER}/{path}", content)
    return ExportPackage(
        buffer.getvalue(),
        final,
        contents["template.yaml"].decode(),
        contents["README.md"].decode(),
        list(contents),
        [t for t in templates[:-1]],
    )
