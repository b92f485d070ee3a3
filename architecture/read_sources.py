"""What can invoke a function, and where failures go, read from each service's own API.

S3 bucket notifications, SQS queues (with redrive), SNS topics and subscriptions,
EventBridge rules and their targets, EventBridge Scheduler schedules, DynamoDB tables
(and their streams), Kinesis streams, API Gateway REST and HTTP APIs, and CloudWatch Logs
subscription filters (a log group that feeds a function).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from architecture.arns import bucket_arn, lambda_node_id, name_of
from architecture.model import Edge, Graph, Node, read_in_parallel
from architecture.reads import Reads


def target_id(arn: str) -> str:
    """The node an ARN names: a function, alias or version for Lambda ARNs, else itself."""
    return lambda_node_id(arn) or arn


def read_sources(reads: Reads, graph: Graph) -> None:
    readers = (
        _buckets,
        _queues,
        _topics,
        _rules,
        _schedules,
        _tables,
        _streams,
        _rest_apis,
        _http_apis,
        _log_subscriptions,
    )
    read_in_parallel(graph, [partial(read, reads) for read in readers])


def s3_filter(configuration: Mapping[str, Any]) -> dict[str, str]:
    rules = ((configuration.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    return {str(rule["Name"]).lower(): str(rule["Value"]) for rule in rules}


def _buckets(reads: Reads, graph: Graph) -> None:
    listed = reads.call("s3", "list_buckets") or {}
    for bucket in listed.get("Buckets", []):
        name = bucket["Name"]
        arn = bucket_arn(name)
        notification = reads.call("s3", "get_bucket_notification_configuration", Bucket=name)
        notification = {k: v for k, v in (notification or {}).items() if k != "ResponseMetadata"}
        facts = {"eventbridge": "on"} if "EventBridgeConfiguration" in notification else {}
        graph.add(Node(arn, "bucket", name, facts=facts, detail={"notification": notification}))
        for key, arn_key in (
            ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
            ("QueueConfigurations", "QueueArn"),
            ("TopicConfigurations", "TopicArn"),
        ):
            for configuration in notification.get(key, []):
                events = ", ".join(e.removeprefix("s3:") for e in configuration.get("Events", []))
                filters = s3_filter(configuration)
                label = " ".join([events, *(f"{k} {v}" for k, v in sorted(filters.items()))])
                facts = {"events": events} | filters
                graph.connect(
                    Edge(
                        arn,
                        target_id(configuration[arn_key]),
                        "trigger",
                        label,
                        configuration.get("Id", label),
                        facts,
                        configuration,
                    )
                )


def _queues(reads: Reads, graph: Graph) -> None:
    listed = reads.call("sqs", "list_queues") or {}
    for url in listed.get("QueueUrls", []):
        found = reads.call("sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])
        if not found:
            continue
        attributes = found["Attributes"]
        arn = attributes["QueueArn"]
        facts = {"visibility timeout": f"{attributes.get('VisibilityTimeout', 30)} s"}
        if attributes.get("FifoQueue") == "true":
            facts["fifo"] = "yes"
        graph.add(Node(arn, "queue", name_of(arn), facts=facts, detail={"url": url} | attributes))
        redrive = attributes.get("RedrivePolicy")
        if redrive:
            policy = json.loads(redrive) if isinstance(redrive, str) else redrive
            receives = policy.get("maxReceiveCount")
            graph.connect(
                Edge(
                    arn,
                    policy["deadLetterTargetArn"],
                    "redrive",
                    f"after {receives} receives",
                    facts={"max receives": str(receives)},
                )
            )


def _topics(reads: Reads, graph: Graph) -> None:
    for topic in reads.items("sns", "list_topics", "Topics"):
        arn = topic["TopicArn"]
        graph.add(Node(arn, "topic", name_of(arn), detail={"topic": topic}))
    for subscription in reads.items("sns", "list_subscriptions", "Subscriptions"):
        protocol = subscription.get("Protocol")
        if protocol not in ("lambda", "sqs"):
            continue
        attributes = reads.call(
            "sns", "get_subscription_attributes", SubscriptionArn=subscription["SubscriptionArn"]
        )
        attributes = (attributes or {}).get("Attributes", {})
        facts = {"protocol": str(protocol)}
        if attributes.get("FilterPolicy"):
            facts["filter"] = str(attributes["FilterPolicy"])
        if attributes.get("RawMessageDelivery") == "true":
            facts["raw delivery"] = "yes"
        graph.connect(
            Edge(
                subscription["TopicArn"],
                target_id(subscription["Endpoint"]),
                "trigger",
                "subscription" + (" with filter" if "filter" in facts else ""),
                subscription["SubscriptionArn"],
                facts,
                subscription | {"Attributes": attributes},
            )
        )


def _rules(reads: Reads, graph: Graph) -> None:
    buses = reads.items("events", "list_event_buses", "EventBuses") or [{"Name": "default"}]
    for bus in buses:
        for rule in reads.items("events", "list_rules", "Rules", EventBusName=bus["Name"]):
            schedule = rule.get("ScheduleExpression")
            facts = (
                {"schedule": schedule} if schedule else {"pattern": rule.get("EventPattern", "")}
            )
            if bus["Name"] != "default":
                facts["bus"] = bus["Name"]
            if rule.get("State") == "DISABLED":
                facts["state"] = "disabled"
            kind = "schedule" if schedule else "rule"
            targets = reads.items(
                "events",
                "list_targets_by_rule",
                "Targets",
                Rule=rule["Name"],
                EventBusName=bus["Name"],
            )
            detail = {"rule": rule, "targets": targets}
            graph.add(Node(rule["Arn"], kind, rule["Name"], facts=facts, detail=detail))
            for target in targets:
                facts = {"input": str(target["Input"])} if target.get("Input") else {}
                label = schedule or "matching events"
                graph.connect(
                    Edge(
                        rule["Arn"],
                        target_id(target["Arn"]),
                        "trigger",
                        label,
                        f"{rule['Arn']}/{target['Id']}",
                        facts,
                        target,
                    )
                )


def _schedules(reads: Reads, graph: Graph) -> None:
    for listed in reads.items("scheduler", "list_schedules", "Schedules"):
        schedule = (
            reads.call(
                "scheduler", "get_schedule", Name=listed["Name"], GroupName=listed.get("GroupName")
            )
            or listed
        )
        expression = str(schedule.get("ScheduleExpression", ""))
        facts = {"schedule": expression} if expression else {}
        arn = schedule.get("Arn") or listed["Arn"]
        graph.add(Node(arn, "schedule", listed["Name"], facts=facts, detail={"schedule": schedule}))
        target = (schedule.get("Target") or listed.get("Target") or {}).get("Arn")
        if target:
            graph.connect(Edge(arn, target_id(target), "trigger", expression or "schedule", arn))


def _tables(reads: Reads, graph: Graph) -> None:
    for name in reads.items("dynamodb", "list_tables", "TableNames"):
        found = reads.call("dynamodb", "describe_table", TableName=name)
        if not found:
            continue
        table = found["Table"]
        keys = ", ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in table["KeySchema"])
        facts = {"key": keys}
        stream = table.get("StreamSpecification") or {}
        if stream.get("StreamEnabled"):
            facts["stream"] = str(stream.get("StreamViewType", "on"))
        graph.add(Node(table["TableArn"], "table", name, facts=facts, detail={"table": table}))


def _streams(reads: Reads, graph: Graph) -> None:
    for name in reads.items("kinesis", "list_streams", "StreamNames"):
        found = reads.call("kinesis", "describe_stream_summary", StreamName=name)
        if not found:
            continue
        summary = found["StreamDescriptionSummary"]
        facts = {"shards": str(summary.get("OpenShardCount", ""))}
        graph.add(
            Node(summary["StreamARN"], "stream", name, facts=facts, detail={"stream": summary})
        )


def _rest_apis(reads: Reads, graph: Graph) -> None:
    for api in reads.items("apigateway", "get_rest_apis", "items"):
        api_id = f"arn:aws:apigateway:{graph.region}::/restapis/{api['id']}"
        found_stages = reads.call("apigateway", "get_stages", restApiId=api["id"]) or {}
        stages = [stage["stageName"] for stage in found_stages.get("item", [])]
        routes: dict[str, list[dict[str, Any]]] = {}
        for resource in reads.items("apigateway", "get_resources", "items", restApiId=api["id"]):
            for method in resource.get("resourceMethods") or {}:
                integration = reads.call(
                    "apigateway",
                    "get_integration",
                    restApiId=api["id"],
                    resourceId=resource["id"],
                    httpMethod=method,
                )
                target = lambda_node_id((integration or {}).get("uri", ""))
                if target:
                    authorization = (resource.get("resourceMethods") or {}).get(method) or {}
                    routes.setdefault(target, []).append(
                        {
                            "method": method,
                            "path": resource["path"],
                            "integration": integration,
                            "authorization": authorization.get("authorizationType", "NONE"),
                        }
                    )
        facts = {"type": "REST API"} | ({"stages": ", ".join(stages)} if stages else {})
        detail = {"api": api, "routes": routes, "stages": stages}
        graph.add(Node(api_id, "api", api["name"], facts=facts, detail=detail))
        for target, found in routes.items():
            _api_edge(graph, api_id, target, [f"{r['method']} {r['path']}" for r in found])


def _http_apis(reads: Reads, graph: Graph) -> None:
    for api in reads.items("apigatewayv2", "get_apis", "Items"):
        api_id = f"arn:aws:apigateway:{graph.region}::/apis/{api['ApiId']}"
        integrations = {
            i["IntegrationId"]: i
            for i in reads.items("apigatewayv2", "get_integrations", "Items", ApiId=api["ApiId"])
        }
        routes: dict[str, list[str]] = {}
        listed = reads.items("apigatewayv2", "get_routes", "Items", ApiId=api["ApiId"])
        stages = reads.items("apigatewayv2", "get_stages", "Items", ApiId=api["ApiId"])
        for route in listed:
            integration = integrations.get(
                str(route.get("Target", "")).removeprefix("integrations/")
            )
            target = lambda_node_id((integration or {}).get("IntegrationUri", ""))
            if target:
                routes.setdefault(target, []).append(route["RouteKey"])
        facts = {"type": f"{api.get('ProtocolType', 'HTTP')} API"}
        detail = {"api": api, "integrations": integrations, "routes": listed, "stages": stages}
        graph.add(Node(api_id, "api", api["Name"], facts=facts, detail=detail))
        for target, keys in routes.items():
            _api_edge(graph, api_id, target, keys)


def _api_edge(graph: Graph, api_id: str, target: str, routes: list[str]) -> None:
    label = ", ".join(sorted(routes)[:3]) + (" …" if len(routes) > 3 else "")
    facts = {"routes": ", ".join(sorted(routes))}
    graph.connect(Edge(api_id, target, "trigger", label, f"{api_id}->{target}", facts))


def _log_subscriptions(reads: Reads, graph: Graph) -> None:
    """Log groups with a subscription filter; the others are just every function's logs."""
    for group in reads.items("logs", "describe_log_groups", "logGroups"):
        name = group["logGroupName"]
        filters = reads.items(
            "logs", "describe_subscription_filters", "subscriptionFilters", logGroupName=name
        )
        if not filters:
            continue
        arn = str(group.get("arn", "")).removesuffix(":*") or (
            f"arn:aws:logs:{graph.region}:{graph.account_id}:log-group:{name}"
        )
        graph.add(Node(arn, "log_group", name, detail={"group": group, "filters": filters}))
        for found in filters:
            pattern = found.get("filterPattern") or "every event"
            graph.connect(
                Edge(
                    arn,
                    target_id(found["destinationArn"]),
                    "trigger",
                    f"filter: {pattern}",
                    f"{arn}/{found['filterName']}",
                    {"filter": str(found.get("filterPattern", ""))},
                    found,
                )
            )
