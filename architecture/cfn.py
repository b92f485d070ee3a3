"""CloudFormation helpers for the export: logical ids, and values that work in any account.

An exported value must not carry the learner's sandbox account: account ids become
``${AWS::AccountId}``, regions inside ARNs ``${AWS::Region}``, and a bucket's name gets the
deploying account's id appended (bucket names are global: the learner's own may be taken,
and a round trip into another sandbox account would collide with it). References to
resources of the template use Ref / Fn::GetAtt, so CloudFormation orders the creation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from architecture.model import Graph, Node

BUCKET_SUFFIX = "-${AWS::AccountId}"
MAX_BUCKET_BASE = 63 - 13  # room for "-" and twelve digits


def sub(text: str, replacements: Mapping[str, str]) -> Any:
    """The text with each known value (an account id, a bucket's name) replaced by its
    ${placeholder}, as Fn::Sub; the text itself where nothing was replaced."""
    body, changed = text.replace("${", "${!"), False
    for value, placeholder in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
        if value:
            pattern = re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])")
            body, count = pattern.subn(lambda _, p=placeholder: p, body)
            changed = changed or count > 0
    return {"Fn::Sub": body} if changed else text


def bucket_name(name: str) -> dict[str, str]:
    return {"Fn::Sub": name[:MAX_BUCKET_BASE].rstrip("-.") + BUCKET_SUFFIX}


class Names:
    """Logical ids, unique in the template, readable: FunctionPhotoIndexer, RoleLab2Role."""

    def __init__(self) -> None:
        self._by_node: dict[str, str] = {}
        self._taken: set[str] = set()

    def new(self, prefix: str, name: str) -> str:
        words = re.split(r"[^A-Za-z0-9]+", name)
        base = (prefix + "".join(w[:1].upper() + w[1:] for w in words if w))[:200]
        candidate, index = base, 2
        while candidate in self._taken:
            candidate, index = f"{base}{index}", index + 1
        self._taken.add(candidate)
        return candidate

    def of(self, node: Node) -> str:
        if node.id not in self._by_node:
            prefix = {
                "function": "Function",
                "role": "Role",
                "bucket": "Bucket",
                "table": "Table",
                "queue": "Queue",
                "topic": "Topic",
                "rule": "Rule",
                "schedule": "Schedule",
                "stream": "Stream",
                "alias": "Alias",
                "version": "Version",
                "function_url": "Url",
                "api": "Api",
                "log_group": "LogGroup",
            }[node.kind]
            self._by_node[node.id] = self.new(prefix, node.name)
        return self._by_node[node.id]

    def known(self, node_id: str) -> str | None:
        return self._by_node.get(node_id)


class Values:
    """Turns the sandbox's ARNs and names into template values for one graph."""

    def __init__(self, graph: Graph, names: Names, exported: set[str]) -> None:
        self.graph = graph
        self.names = names
        self.exported = exported  # ids of the nodes that are resources of the template
        self.parameters = {graph.account_id: "${AWS::AccountId}"}
        for api in graph.of_kind("api"):  # its id appears in execute-api ARNs
            if api.id in exported:
                api_id = api.id.rsplit("/", 1)[-1]
                self.parameters[api_id] = "${" + names.of(api) + "}"
        for bucket in graph.of_kind("bucket"):
            if bucket.id in exported:
                base = bucket.name[:MAX_BUCKET_BASE].rstrip("-.")
                self.parameters[bucket.name] = base + BUCKET_SUFFIX

    def text(self, value: str) -> Any:
        result = sub(value, self.parameters)
        body = result["Fn::Sub"] if isinstance(result, dict) else value.replace("${", "${!")
        in_arns = re.sub(
            rf"(arn:aws[\w-]*:[\w-]+:){re.escape(self.graph.region)}:", r"\1${AWS::Region}:", body
        )
        return {"Fn::Sub": in_arns} if in_arns != body else result

    def deep(self, value: Any) -> Any:
        """A policy document or any nested value, with every string made portable."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value

    def arn(self, arn: str) -> Any:
        """An ARN of a template resource as Ref/GetAtt, else as portable text."""
        node = self.graph.nodes.get(arn)
        if node is None or arn not in self.exported:
            stream_table = re.sub(r"/stream/.*$", "", arn)
            table = self.graph.nodes.get(stream_table)
            if table is not None and table.id in self.exported and stream_table != arn:
                return {"Fn::GetAtt": [self.names.of(table), "StreamArn"]}
            return self.text(arn)
        logical = self.names.of(node)
        if node.kind in ("alias", "version", "topic"):
            return {"Ref": logical}  # Ref gives these resources' ARNs
        if node.kind == "bucket":
            return {"Fn::Sub": "arn:aws:s3:::" + self.parameters[node.name]}
        return {"Fn::GetAtt": [logical, "Arn"]}

    def function_ref(self, node_id: str) -> Any:
        """What FunctionName takes for a node: the function's name, or an alias's ARN."""
        node = self.graph.nodes[node_id]
        if node.kind == "function":
            return {"Ref": self.names.of(node)}
        return self.arn(node_id)
