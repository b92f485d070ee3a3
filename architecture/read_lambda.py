"""Functions and what hangs off them, read with Lambda's own API.

list_functions, get_function (the configuration and reserved concurrency in one call),
list_versions_by_function, list_aliases,
get_provisioned_concurrency_config, get_policy (function and aliases),
list_function_event_invoke_configs, get_function_url_config, list_event_source_mappings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from architecture.arns import lambda_node_id, name_of, table_of_stream
from architecture.model import Edge, Graph, Node, Reader, read_in_parallel
from architecture.reads import Reads


def read_functions(reads: Reads, graph: Graph) -> None:
    listed = reads.items("lambda", "list_functions", "Functions")
    readers: list[Reader] = [partial(_read_function, reads, entry) for entry in listed]
    readers.append(partial(_read_event_source_mappings, reads))
    read_in_parallel(graph, readers)


def _read_function(reads: Reads, listed: Mapping[str, Any], graph: Graph) -> None:
    name = listed["FunctionName"]
    # GetFunction: the configuration (as GetFunctionConfiguration) and the concurrency, at once.
    found = reads.call("lambda", "get_function", FunctionName=name) or {}
    config = dict(found.get("Configuration") or listed)
    arn = config["FunctionArn"]
    detail = {
        "config": config,
        "policy": _policy(reads, name),
        "reserved_concurrency": (found.get("Concurrency") or {}).get(
            "ReservedConcurrentExecutions"
        ),
    }
    graph.add(Node(arn, "function", name, facts=function_facts(config), detail=detail))
    if config.get("Role"):
        graph.connect(Edge(arn, config["Role"], "role", "runs as"))
    dlq = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    if dlq:
        graph.connect(Edge(arn, dlq, "dlq", "dead-letter queue"))
    _read_versions(reads, graph, name, arn)
    _read_aliases(reads, graph, name, arn)
    _read_url(reads, graph, name, arn, None)
    _read_invoke_configs(reads, graph, name)


def function_facts(config: Mapping[str, Any]) -> dict[str, str]:
    facts = {
        "runtime": str(config.get("Runtime", "")),
        "handler": str(config.get("Handler", "")),
        "memory": f"{config.get('MemorySize', 128)} MB",
        "timeout": f"{config.get('Timeout', 3)} s",
        "architecture": (config.get("Architectures") or ["x86_64"])[0],
    }
    variables = (config.get("Environment") or {}).get("Variables") or {}
    if variables:
        facts["environment"] = ", ".join(f"{k}={v}" for k, v in sorted(variables.items()))
    subnets = (config.get("VpcConfig") or {}).get("SubnetIds") or []
    if subnets:
        facts["vpc subnets"] = ", ".join(sorted(subnets))
    storage = (config.get("EphemeralStorage") or {}).get("Size", 512)
    if storage != 512:
        facts["ephemeral storage"] = f"{storage} MB"
    return facts


def _policy(reads: Reads, name: str, qualifier: str | None = None) -> list[dict[str, Any]]:
    """The resource-based policy's statements (who may invoke), [] if there is none."""
    kwargs = {"FunctionName": name} | ({"Qualifier": qualifier} if qualifier else {})
    found = reads.call("lambda", "get_policy", **kwargs)
    if not found:
        return []
    statements = json.loads(found["Policy"]).get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _read_versions(reads: Reads, graph: Graph, name: str, function_arn: str) -> None:
    for version in reads.items(
        "lambda", "list_versions_by_function", "Versions", FunctionName=name
    ):
        number = str(version.get("Version"))
        if number == "$LATEST":
            continue
        facts = {"version": number}
        if version.get("Description"):
            facts["description"] = str(version["Description"])
        graph.add(
            Node(
                f"{function_arn}:{number}",
                "version",
                f"{name}:{number}",
                parent=function_arn,
                facts=facts,
                detail={"config": version},
            )
        )


def _read_aliases(reads: Reads, graph: Graph, name: str, function_arn: str) -> None:
    for alias in reads.items("lambda", "list_aliases", "Aliases", FunctionName=name):
        alias_arn = alias["AliasArn"]
        provisioned = reads.call(
            "lambda",
            "get_provisioned_concurrency_config",
            FunctionName=name,
            Qualifier=alias["Name"],
        )
        facts = {"points at": f"version {alias['FunctionVersion']}"}
        if provisioned:
            facts["provisioned concurrency"] = str(
                provisioned.get("RequestedProvisionedConcurrentExecutions", 0)
            )
        detail = {
            "alias": alias,
            "policy": _policy(reads, name, alias["Name"]),
            "provisioned": provisioned.get("RequestedProvisionedConcurrentExecutions")
            if provisioned
            else None,
        }
        graph.add(Node(alias_arn, "alias", f"{name}:{alias['Name']}", function_arn, facts, detail))
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        primary = 1.0 - sum(float(w) for w in weights.values())
        for version, weight in [(alias["FunctionVersion"], primary), *weights.items()]:
            target = function_arn if version == "$LATEST" else f"{function_arn}:{version}"
            percent = f"{float(weight) * 100:g}%"
            graph.connect(
                Edge(alias_arn, target, "routes", percent, str(version), {"weight": percent})
            )
        _read_url(reads, graph, name, function_arn, alias["Name"])


def _read_url(
    reads: Reads, graph: Graph, name: str, function_arn: str, qualifier: str | None
) -> None:
    kwargs = {"FunctionName": name} | ({"Qualifier": qualifier} if qualifier else {})
    url = reads.call("lambda", "get_function_url_config", **kwargs)
    if not url:
        return
    target = function_arn if qualifier is None else f"{function_arn}:{qualifier}"
    url_id = f"{target}/url"
    facts = {"auth": str(url.get("AuthType", "")), "url": str(url.get("FunctionUrl", ""))}
    label = f"{name}:{qualifier} URL" if qualifier else f"{name} URL"
    detail = {k: v for k, v in url.items() if k != "ResponseMetadata"} | {"Qualifier": qualifier}
    graph.add(Node(url_id, "function_url", label, function_arn, facts, {"url": detail}))
    graph.connect(Edge(url_id, target, "trigger", f"HTTPS, auth {facts['auth']}", url_id))


def _read_invoke_configs(reads: Reads, graph: Graph, name: str) -> None:
    configs = reads.items(
        "lambda",
        "list_function_event_invoke_configs",
        "FunctionEventInvokeConfigs",
        FunctionName=name,
    )
    for config in configs:
        source = lambda_node_id(config["FunctionArn"])
        if source is None:
            continue
        settings = {}
        if config.get("MaximumRetryAttempts") is not None:
            settings["retries"] = str(config["MaximumRetryAttempts"])
        if config.get("MaximumEventAgeInSeconds") is not None:
            settings["max event age"] = f"{config['MaximumEventAgeInSeconds']} s"
        node = graph.nodes.get(source)
        if node is not None:  # retries and age belong to the function (or alias) itself
            node.facts.update(settings)  # type: ignore[attr-defined]
            node.detail["invoke_config"] = config  # type: ignore[index]
        destinations = config.get("DestinationConfig") or {}
        for kind, key in (("on_success", "OnSuccess"), ("on_failure", "OnFailure")):
            target = (destinations.get(key) or {}).get("Destination")
            if target:
                label = "on success" if kind == "on_success" else "on failure"
                graph.connect(Edge(source, target, kind, label, f"{source}/{key}"))


def _read_event_source_mappings(reads: Reads, graph: Graph) -> None:
    for mapping in reads.items("lambda", "list_event_source_mappings", "EventSourceMappings"):
        target = lambda_node_id(mapping.get("FunctionArn", ""))
        source_arn = mapping.get("EventSourceArn", "")
        if target is None or not source_arn:
            continue
        source = table_of_stream(source_arn) or source_arn
        facts = {"batch size": str(mapping.get("BatchSize", ""))}
        if mapping.get("MaximumBatchingWindowInSeconds"):
            facts["batching window"] = f"{mapping['MaximumBatchingWindowInSeconds']} s"
        if mapping.get("StartingPosition"):
            facts["starting position"] = str(mapping["StartingPosition"])
        for criteria in (mapping.get("FilterCriteria") or {}).get("Filters") or []:
            facts["filter"] = str(criteria.get("Pattern", ""))
        if mapping.get("FunctionResponseTypes"):
            facts["responses"] = ", ".join(mapping["FunctionResponseTypes"])
        if mapping.get("State") not in (None, "Enabled", "Enabling", "Creating"):
            facts["state"] = str(mapping["State"])
        label = f"batches of {facts['batch size']}"
        if source != source_arn:
            label = f"stream, {label}"
        graph.connect(Edge(source, target, "trigger", label, mapping["UUID"], facts, mapping))
        failure = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if failure:
            label = f"failed batches of {name_of(source)}"
            graph.connect(
                Edge(target, failure, "on_failure", label, f"{mapping['UUID']}/OnFailure")
            )
