"""The map as an AWS CloudFormation template (plain resources, no SAM transform).

Why plain CloudFormation: the export must deploy back into the sandbox, and moto's
CloudFormation does not run the ``AWS::Serverless-2016-10-31`` transform; plain
resources (AWS::Lambda::Function, AWS::IAM::Role, AWS::S3::Bucket with its
NotificationConfiguration, AWS::Lambda::Permission...) deploy the same with
``aws cloudformation deploy`` and with ``sam deploy``. No AWS calls here: the graph
carries every read the template needs; the code comes in as ``Code`` per function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from architecture.arns import lambda_node_id
from architecture.cfn import Names, Values, bucket_name
from architecture.iam import as_document
from architecture.model import Graph, Node
from architecture.read_sources import s3_filter
from sandbox.cfn_references import references
from sandbox.resource_policy import logs_principals

INLINE_LIMIT = 4096  # CloudFormation's limit for Code.ZipFile source
# What a version freezes of its function: a version differs from $LATEST in these.
STATE_KEYS = ("CodeSha256", "Runtime", "Handler", "MemorySize", "Timeout", "Environment", "Role")
AWS_MANAGED = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class Code:
    """A function's package, and its source when it can be inlined (one small .py file)."""

    package: bytes
    inline_source: str | None = None
    module: str | None = None  # the file's module name, replaced by "index" when inlined


@dataclass
class Template:
    body: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what differs from the sandbox, and why
    needs_code_bucket: bool = False
    secure_parameters: list[str] = field(default_factory=list)  # SSM names to create first
    stage: int | None = None  # None: the final template

    def resources(self, kind: str) -> dict[str, Any]:
        return {k: v for k, v in self.body["Resources"].items() if v["Type"] == kind}


def inline_code(files: Mapping[str, bytes], handler: str, runtime: str) -> Code | None:
    """Code.ZipFile for a single small Python file (AWS writes it as index.py)."""
    module = handler.rsplit(".", 1)[0] if "." in handler else ""
    if not runtime.startswith("python") or list(files) != [f"{module}.py"]:
        return None
    try:
        source = files[f"{module}.py"].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Code(b"", source, module) if len(source.encode()) <= INLINE_LIMIT else None


def versions_of(graph: Graph, function: Node) -> list[Node]:
    found = [c for c in graph.children(function.id) if c.kind == "version"]
    return sorted(found, key=lambda v: int(v.facts.get("version", "0")))


def same_state(version: Node, function: Node) -> bool:
    """Does the version hold the function's current code and configuration?"""
    latest, published = function.detail.get("config", {}), version.detail.get("config", {})
    return all(latest.get(key) == published.get(key) for key in STATE_KEYS)


def staged_functions(graph: Graph) -> dict[str, int]:
    """Functions whose versions one template cannot publish, with their number of versions.

    AWS::Lambda::Version publishes the function's current code, and CloudFormation fails
    ("A version for this Lambda function exists") if nothing changed since the last one.
    Two versions, or one that differs from $LATEST, need one deployment per version."""
    found = {}
    for function in graph.of_kind("function"):
        versions = versions_of(graph, function)
        if len(versions) > 1 or (versions and not same_state(versions[0], function)):
            found[function.name] = len(versions)
    return found


def build_templates(
    graph: Graph, code: Mapping[str, Code], description: str = "Exported from Lambda Lab"
) -> list[Template]:
    """The templates to deploy in order, with one stack: a stage per version that must be
    published from older code, then the final template (the sandbox as it is now)."""
    stages = max(staged_functions(graph).values(), default=0)
    return [build_template(graph, code, description, stage) for stage in range(1, stages + 1)] + [
        build_template(graph, code, description)
    ]


def build_template(
    graph: Graph,
    code: Mapping[str, Code],
    description: str = "Exported from Lambda Lab",
    stage: int | None = None,
) -> Template:
    """One template; ``stage`` k puts each staged function at its version k (code and
    settings), with versions 1..k only and no aliases; None is the final template."""
    names = Names()
    exported = {n.id for n in graph.nodes.values() if not n.facts.get("missing")}
    exported -= {n.id for n in graph.of_kind("function_url")}
    values = Values(graph, names, exported)
    template = Template(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": description if stage is None else f"{description} (stage {stage})",
            "Parameters": {},
            "Resources": {},
            "Outputs": {},
        },
        stage=stage,
    )
    builder = _Builder(graph, names, values, template, code, staged_functions(graph), stage)
    for kind in ("role", "table", "stream", "queue", "topic", "function"):
        for node in graph.of_kind(kind):
            if node.id in exported:
                builder.add(node)
    builder.finish()
    if stage is not None:
        prune(template.body, {"AWS::Lambda::Alias"})
    if template.needs_code_bucket:
        template.body["Parameters"]["CodeBucket"] = {
            "Type": "String",
            "Description": "An S3 bucket of yours holding functions/*.zip from the export",
        }
    if not template.body["Parameters"]:
        del template.body["Parameters"]
    return template


def prune(body: dict[str, Any], types: set[str], ids: Collection[str] = ()) -> list[str]:
    """Remove resources of these types (or ids) and, transitively, what refers to them."""
    resources, outputs = body["Resources"], body.get("Outputs", {})
    removed = [k for k, v in resources.items() if v["Type"] in types or k in ids]
    queue = list(removed)
    while queue:
        gone = queue.pop()
        resources.pop(gone, None)
        for logical, resource in list(resources.items()):
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else depends
            if gone in depends or gone in references(resource.get("Properties", {})):
                removed.append(logical)
                queue.append(logical)
                resources.pop(logical)
        for name, output in list(outputs.items()):
            if gone in references(output):
                del outputs[name]
    return removed


class _Builder:
    def __init__(
        self,
        graph: Graph,
        names: Names,
        values: Values,
        template: Template,
        code: Mapping[str, Code],
        staged: Mapping[str, int],
        stage: int | None,
    ) -> None:
        self.graph, self.names, self.values = graph, names, values
        self.template, self.code = template, code
        self.staged, self.stage = staged, stage
        self.resources: dict[str, Any] = template.body["Resources"]

    def put(self, logical: str, kind: str, properties: Mapping[str, Any], **extra: Any) -> None:
        self.resources[logical] = {"Type": kind, **extra, "Properties": dict(properties)}

    def add(self, node: Node) -> None:
        getattr(self, f"_{node.kind}")(node)

    def finish(self) -> None:
        for node in self.graph.of_kind("bucket", "rule", "schedule", "log_group"):
            if node.id in self.values.exported:
                self.add(node)
        for node in self.graph.of_kind("function_url", "api"):
            self._url_or_api(node)
        for edge in self.graph.edges:
            if edge.kind == "trigger" and "UUID" in edge.detail:
                self._mapping(edge.detail, edge.target)

    # ---------------------------------------------------------------- IAM

    def _role(self, node: Node) -> None:
        role = node.detail.get("role", {})
        properties: dict[str, Any] = {
            "RoleName": node.name,
            "AssumeRolePolicyDocument": self.values.deep(node.detail.get("trust", {})),
        }
        if role.get("Path", "/") != "/":
            properties["Path"] = role["Path"]
        if role.get("Description"):
            properties["Description"] = role["Description"]
        managed, policies = [], []
        for policy in node.detail.get("managed", []):
            if policy["arn"].startswith(AWS_MANAGED):
                managed.append(policy["arn"])
            else:  # the learner's own managed policy travels as an inline copy
                policies.append(
                    {"PolicyName": policy["name"], "PolicyDocument": policy["document"]}
                )
        policies += [
            {"PolicyName": name, "PolicyDocument": document}
            for name, document in sorted(node.detail.get("inline", {}).items())
        ]
        if managed:
            properties["ManagedPolicyArns"] = managed
        if policies:
            properties["Policies"] = self.values.deep(policies)
        for policy in policies:
            self._secure_parameters(policy["PolicyDocument"])
        self.put(self.names.of(node), "AWS::IAM::Role", properties)

    def _secure_parameters(self, document: Mapping[str, Any]) -> None:
        raw = document.get("Statement", [])
        for statement in [raw] if isinstance(raw, Mapping) else raw:
            resources = statement.get("Resource", [])
            for resource in [resources] if isinstance(resources, str) else resources:
                found = re.match(r"arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter(/.+)", str(resource))
                if found and found.group(1) not in self.template.secure_parameters:
                    self.template.secure_parameters.append(found.group(1))

    # ---------------------------------------------------------------- Lambda

    def _state(self, node: Node) -> tuple[Mapping[str, Any], str, int | None]:
        """(configuration, code key, versions to publish) of a function in this template."""
        versions = versions_of(self.graph, node)
        if node.name not in self.staged:
            return node.detail.get("config", {}), node.name, None
        if self.stage is None or self.stage > len(versions):
            return node.detail.get("config", {}), node.name, None
        version = versions[self.stage - 1]
        return version.detail.get("config", {}), f"{node.name}:{self.stage}", self.stage

    def _function(self, node: Node) -> None:
        config, code_key, published = self._state(node)
        latest = node.detail.get("config", {})
        logical = self.names.of(node)
        code = self.code.get(code_key)
        handler = str(config.get("Handler", ""))
        properties: dict[str, Any] = {
            "FunctionName": node.name,
            "Runtime": config.get("Runtime"),
            "Handler": handler,
            "Role": self.values.arn(str(config.get("Role", ""))),
            "MemorySize": int(config.get("MemorySize", 128)),
            "Timeout": int(config.get("Timeout", 3)),
            "Architectures": list(config.get("Architectures") or ["x86_64"]),
        }
        if node.name not in self.staged and code is not None and code.inline_source is not None:
            properties["Code"] = {"ZipFile": code.inline_source}
            properties["Handler"] = "index." + handler.rsplit(".", 1)[-1]
        else:  # staged functions change code between deployments: S3 keys, one per stage
            self.template.needs_code_bucket = True
            key = code_key.replace(":", "/v")
            properties["Code"] = {
                "S3Bucket": {"Ref": "CodeBucket"},
                "S3Key": f"functions/{key}.zip",
            }
        if latest.get("Description"):
            properties["Description"] = latest["Description"]
        variables = (config.get("Environment") or {}).get("Variables") or {}
        if variables:
            properties["Environment"] = {"Variables": self.values.deep(dict(variables))}
        storage = (config.get("EphemeralStorage") or {}).get("Size", 512)
        if storage != 512:
            properties["EphemeralStorage"] = {"Size": storage}
        dlq = (latest.get("DeadLetterConfig") or {}).get("TargetArn")
        if dlq:
            properties["DeadLetterConfig"] = {"TargetArn": self.values.arn(dlq)}
        if (latest.get("TracingConfig") or {}).get("Mode") == "Active":
            properties["TracingConfig"] = {"Mode": "Active"}
        if node.detail.get("reserved_concurrency") is not None:
            properties["ReservedConcurrentExecutions"] = int(node.detail["reserved_concurrency"])
        vpc = latest.get("VpcConfig") or {}
        if vpc.get("SubnetIds"):
            properties["VpcConfig"] = self._vpc_parameters(logical, vpc)
        if latest.get("Layers") and self.stage is None:
            self.template.notes.append(
                f"{node.name} uses layers; they are not exported (add them to Layers)."
            )
        self.put(logical, "AWS::Lambda::Function", properties)
        self.template.body["Outputs"][f"{logical}Arn"] = {
            "Description": f"ARN of {node.name}",
            "Value": {"Fn::GetAtt": [logical, "Arn"]},
        }
        self._policy(node, node.id)
        self._versions_and_aliases(node, published)
        self._invoke_config(node, node.id, "$LATEST")

    def _vpc_parameters(self, logical: str, vpc: Mapping[str, Any]) -> dict[str, Any]:
        subnets, groups = f"{logical}SubnetIds", f"{logical}SecurityGroupIds"
        parameters = self.template.body["Parameters"]
        parameters[subnets] = {
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Subnets of your VPC for the function (the sandbox's were "
            + ", ".join(vpc["SubnetIds"])
            + ")",
        }
        parameters[groups] = {
            "Type": "List<AWS::EC2::SecurityGroup::Id>",
            "Description": "Security groups for the function",
        }
        return {"SubnetIds": {"Ref": subnets}, "SecurityGroupIds": {"Ref": groups}}

    def _versions_and_aliases(self, function: Node, published: int | None) -> None:
        versions = versions_of(self.graph, function)
        previous = None
        for version in versions[:published]:
            logical = self.names.of(version)
            properties = {"FunctionName": {"Ref": self.names.of(function)}}
            if version.facts.get("description"):
                properties["Description"] = version.facts["description"]
            extra = {"DependsOn": previous} if previous else {}
            self.put(logical, "AWS::Lambda::Version", properties, **extra)
            previous = logical
        for alias in (c for c in self.graph.children(function.id) if c.kind == "alias"):
            self._alias(function, alias)

    def _version_value(self, function: Node, version: str) -> Any:
        node = self.graph.nodes.get(f"{function.id}:{version}")
        if version == "$LATEST" or node is None:
            return version
        return {"Fn::GetAtt": [self.names.of(node), "Version"]}

    def _alias(self, function: Node, alias: Node) -> None:
        raw = alias.detail.get("alias", {})
        logical = self.names.of(alias)
        properties: dict[str, Any] = {
            "FunctionName": {"Ref": self.names.of(function)},
            "Name": raw["Name"],
            "FunctionVersion": self._version_value(function, str(raw["FunctionVersion"])),
        }
        if raw.get("Description"):
            properties["Description"] = raw["Description"]
        weights = (raw.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if weights:
            properties["RoutingConfig"] = {
                "AdditionalVersionWeights": [
                    {"FunctionVersion": self._version_value(function, v), "FunctionWeight": w}
                    for v, w in sorted(weights.items())
                ]
            }
        if alias.detail.get("provisioned"):
            properties["ProvisionedConcurrencyConfig"] = {
                "ProvisionedConcurrentExecutions": int(alias.detail["provisioned"])
            }
        self.put(logical, "AWS::Lambda::Alias", properties)
        self._policy(alias, alias.id)
        self._invoke_config(function, alias.id, raw["Name"])

    def _policy(self, holder: Node, target_id: str) -> None:
        """AWS::Lambda::Permission per statement of a resource-based policy."""
        for statement in holder.detail.get("policy", []):
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                properties = self._permission(statement, action, target_id)
                if properties is None:
                    continue
                logical = self.names.new("Permission", f"{holder.name} {statement.get('Sid', '')}")
                self.put(logical, "AWS::Lambda::Permission", properties)

    def _permission(
        self, statement: Mapping[str, Any], action: str, target_id: str
    ) -> dict[str, Any] | None:
        principal = statement.get("Principal", "*")
        if isinstance(principal, Mapping):
            principal = principal.get("Service") or principal.get("AWS") or "*"
        if isinstance(principal, list):
            principal = principal[0]
        account = re.match(r"arn:aws[\w-]*:iam::(\d{12}):root", str(principal))
        if account:
            principal = account.group(1)
        properties: dict[str, Any] = {
            "FunctionName": self.values.function_ref(target_id),
            "Action": action,
            "Principal": self.values.text(str(principal)),
        }
        for operator in (statement.get("Condition") or {}).values():
            for key, value in (operator or {}).items():
                value = value[0] if isinstance(value, list) else value
                if key.lower() == "aws:sourcearn":
                    properties["SourceArn"] = self.values.text(str(value))
                elif key.lower() == "aws:sourceaccount":
                    properties["SourceAccount"] = self.values.text(str(value))
                elif key.lower() == "lambda:functionurlauthtype":
                    properties["FunctionUrlAuthType"] = value
                elif key.lower() == "lambda:invokedviafunctionurl":
                    properties["InvokedViaFunctionUrl"] = str(value).lower() == "true"
                elif key.lower() == "aws:principalorgid":
                    properties["PrincipalOrgID"] = value
        return properties

    def _invoke_config(self, function: Node, holder_id: str, qualifier: str) -> None:
        holder = self.graph.nodes[holder_id]
        config = holder.detail.get("invoke_config")
        if not config:
            return
        properties: dict[str, Any] = {
            "FunctionName": {"Ref": self.names.of(function)},
            "Qualifier": qualifier,
        }
        for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if config.get(key) is not None:
                properties[key] = int(config[key])
        destinations = {}
        for key in ("OnSuccess", "OnFailure"):
            target = ((config.get("DestinationConfig") or {}).get(key) or {}).get("Destination")
            if target:
                destinations[key] = {"Destination": self.values.arn(target)}
        if destinations:
            properties["DestinationConfig"] = destinations
        extra = {"DependsOn": self.names.of(holder)} if holder.kind == "alias" else {}
        logical = self.names.new("InvokeConfig", holder.name)
        self.put(logical, "AWS::Lambda::EventInvokeConfig", properties, **extra)

    def _mapping(self, mapping: Mapping[str, Any], target_id: str) -> None:
        if target_id not in self.values.exported:
            return
        properties: dict[str, Any] = {
            "FunctionName": self.values.function_ref(target_id),
            "EventSourceArn": self.values.arn(str(mapping["EventSourceArn"])),
        }
        for key in (
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "StartingPosition",
            "FunctionResponseTypes",
            "MaximumRetryAttempts",
            "BisectBatchOnFunctionError",
            "ParallelizationFactor",
            "MaximumRecordAgeInSeconds",
            "TumblingWindowInSeconds",
            "ScalingConfig",
        ):
            if mapping.get(key) not in (None, [], {}):
                properties[key] = mapping[key]
        if (mapping.get("FilterCriteria") or {}).get("Filters"):
            properties["FilterCriteria"] = {"Filters": mapping["FilterCriteria"]["Filters"]}
        if mapping.get("State") in ("Disabled", "Disabling"):
            properties["Enabled"] = False
        failure = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if failure:
            properties["DestinationConfig"] = {
                "OnFailure": {"Destination": self.values.arn(failure)}
            }
        source = self.graph.nodes.get(target_id)
        logical = self.names.new(
            "Mapping", f"{source.name if source else ''} {mapping['UUID'][:8]}"
        )
        self.put(logical, "AWS::Lambda::EventSourceMapping", properties)

    # ---------------------------------------------------------------- sources and targets

    def _bucket(self, node: Node) -> None:
        logical = self.names.of(node)
        notification = node.detail.get("notification", {})
        configuration: dict[str, Any] = {}
        for api_key, cfn_key, arn_key, target_key in (
            (
                "LambdaFunctionConfigurations",
                "LambdaConfigurations",
                "LambdaFunctionArn",
                "Function",
            ),
            ("QueueConfigurations", "QueueConfigurations", "QueueArn", "Queue"),
            ("TopicConfigurations", "TopicConfigurations", "TopicArn", "Topic"),
        ):
            entries = []
            for item in notification.get(api_key, []):
                filters = s3_filter(item)
                for event in item.get("Events", []):
                    entry: dict[str, Any] = {
                        "Event": event,
                        target_key: self.values.arn(item[arn_key]),
                    }
                    if filters:
                        rules = [{"Name": k, "Value": v} for k, v in sorted(filters.items())]
                        entry["Filter"] = {"S3Key": {"Rules": rules}}
                    entries.append(entry)
            if entries:
                configuration[cfn_key] = entries
        if "EventBridgeConfiguration" in notification:
            configuration["EventBridgeConfiguration"] = {"EventBridgeEnabled": True}
        properties: dict[str, Any] = {"BucketName": bucket_name(node.name)}
        if configuration:
            properties["NotificationConfiguration"] = configuration
        # S3 checks that it may invoke the function when the notification is saved.
        permissions = [
            logical_id
            for logical_id, resource in self.resources.items()
            if resource["Type"] == "AWS::Lambda::Permission"
            and resource["Properties"].get("Principal") == "s3.amazonaws.com"
            and node.name in json.dumps(resource["Properties"].get("SourceArn", node.name))
        ]
        extra = {"DependsOn": permissions} if permissions and configuration else {}
        self.put(logical, "AWS::S3::Bucket", properties, **extra)
        self.template.body["Outputs"][f"{logical}Name"] = {
            "Description": f"the bucket that was {node.name} in the sandbox",
            "Value": {"Ref": logical},
        }
        self.template.notes.append(
            f"Bucket {node.name} is named {node.name[:50]}-<your account id>: bucket names "
            "are global, so the deploying account's id keeps the name free and yours."
        )

    def _table(self, node: Node) -> None:
        table = node.detail.get("table", {})
        properties: dict[str, Any] = {
            "TableName": node.name,
            "AttributeDefinitions": table.get("AttributeDefinitions", []),
            "KeySchema": table.get("KeySchema", []),
        }
        mode = (table.get("BillingModeSummary") or {}).get("BillingMode")
        throughput = table.get("ProvisionedThroughput") or {}
        if mode == "PAY_PER_REQUEST" or not throughput.get("ReadCapacityUnits"):
            properties["BillingMode"] = "PAY_PER_REQUEST"
        else:
            properties["ProvisionedThroughput"] = {
                "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                "WriteCapacityUnits": throughput["WriteCapacityUnits"],
            }
        stream = table.get("StreamSpecification") or {}
        if stream.get("StreamEnabled"):
            properties["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
        indexes = []
        for index in table.get("GlobalSecondaryIndexes") or []:
            entry = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
            if "ProvisionedThroughput" in properties:
                entry["ProvisionedThroughput"] = {
                    k: index.get("ProvisionedThroughput", {}).get(k, 1)
                    for k in ("ReadCapacityUnits", "WriteCapacityUnits")
                }
            indexes.append(entry)
        if indexes:
            properties["GlobalSecondaryIndexes"] = indexes
        self.put(self.names.of(node), "AWS::DynamoDB::Table", properties)

    def _log_group(self, node: Node) -> None:
        logical = self.names.of(node)
        properties: dict[str, Any] = {"LogGroupName": node.name}
        retention = node.detail.get("group", {}).get("retentionInDays")
        if retention:
            properties["RetentionInDays"] = int(retention)
        self.put(logical, "AWS::Logs::LogGroup", properties)
        permissions = [  # Logs refuses a filter whose function does not let it invoke
            k
            for k, r in self.resources.items()
            if r["Type"] == "AWS::Lambda::Permission"
            and r["Properties"].get("Principal") in logs_principals(self.graph.region)
        ]
        for found in node.detail.get("filters", []):
            target = lambda_node_id(found["destinationArn"]) or found["destinationArn"]
            if target not in self.values.exported and lambda_node_id(target):
                continue
            properties = {
                "LogGroupName": {"Ref": logical},
                "FilterName": found["filterName"],
                "FilterPattern": found.get("filterPattern", ""),
                "DestinationArn": self.values.arn(target),
            }
            extra = {"DependsOn": permissions} if permissions else {}
            name = self.names.new("SubscriptionFilter", f"{node.name} {found['filterName']}")
            self.put(name, "AWS::Logs::SubscriptionFilter", properties, **extra)

    def _stream(self, node: Node) -> None:
        shards = int(node.detail.get("stream", {}).get("OpenShardCount") or 1)
        self.put(
            self.names.of(node), "AWS::Kinesis::Stream", {"Name": node.name, "ShardCount": shards}
        )

    def _queue(self, node: Node) -> None:
        attributes = node.detail
        properties: dict[str, Any] = {"QueueName": node.name}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
            "MaximumMessageSize",
        ):
            if attributes.get(key) not in (None, ""):
                properties[key] = int(attributes[key])
        if attributes.get("FifoQueue") == "true":
            properties["FifoQueue"] = True
            if attributes.get("ContentBasedDeduplication") == "true":
                properties["ContentBasedDeduplication"] = True
        redrive = attributes.get("RedrivePolicy")
        if redrive:
            policy = json.loads(redrive) if isinstance(redrive, str) else redrive
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": self.values.arn(policy["deadLetterTargetArn"]),
                "maxReceiveCount": int(policy["maxReceiveCount"]),
            }
        logical = self.names.of(node)
        self.put(logical, "AWS::SQS::Queue", properties)
        if attributes.get("Policy"):
            self.put(
                self.names.new("QueuePolicy", node.name),
                "AWS::SQS::QueuePolicy",
                {
                    "Queues": [{"Ref": logical}],
                    "PolicyDocument": self.values.deep(as_document(attributes["Policy"])),
                },
            )

    def _topic(self, node: Node) -> None:
        logical = self.names.of(node)
        inline, separate = [], []
        for edge in self.graph.edges:
            if (
                edge.source != node.id
                or edge.kind != "trigger"
                or edge.target not in self.values.exported
            ):
                continue
            protocol = edge.facts.get("protocol", "lambda")
            endpoint = self.values.arn(edge.target)
            attributes = edge.detail.get("Attributes", {})
            if attributes.get("FilterPolicy") or attributes.get("RawMessageDelivery") == "true":
                separate.append((edge, protocol, endpoint, attributes))
            else:
                inline.append({"Protocol": protocol, "Endpoint": endpoint})
        properties: dict[str, Any] = {"TopicName": node.name}
        if inline:
            properties["Subscription"] = inline
        self.put(logical, "AWS::SNS::Topic", properties)
        for edge, protocol, endpoint, attributes in separate:
            subscription: dict[str, Any] = {
                "TopicArn": {"Ref": logical},
                "Protocol": protocol,
                "Endpoint": endpoint,
            }
            if attributes.get("FilterPolicy"):
                subscription["FilterPolicy"] = json.loads(attributes["FilterPolicy"])
            if attributes.get("RawMessageDelivery") == "true":
                subscription["RawMessageDelivery"] = True
            name = self.names.new(
                "Subscription", f"{node.name} {self.graph.nodes[edge.target].name}"
            )
            self.put(name, "AWS::SNS::Subscription", subscription)

    def _rule(self, node: Node) -> None:
        if ":scheduler:" in node.id:
            return self._scheduler(node)
        rule = node.detail.get("rule", {})
        properties: dict[str, Any] = {"Name": node.name}
        if rule.get("ScheduleExpression"):
            properties["ScheduleExpression"] = rule["ScheduleExpression"]
        if rule.get("EventPattern"):
            properties["EventPattern"] = json.loads(rule["EventPattern"])
        if rule.get("Description"):
            properties["Description"] = rule["Description"]
        if rule.get("State"):
            properties["State"] = rule["State"]
        if rule.get("EventBusName") not in (None, "default"):
            properties["EventBusName"] = rule["EventBusName"]
        targets = []
        for target in node.detail.get("targets", []):
            entry: dict[str, Any] = {"Id": target["Id"], "Arn": self.values.arn(target["Arn"])}
            for key in ("Input", "InputPath", "RoleArn"):
                if target.get(key):
                    entry[key] = self.values.text(target[key])
            targets.append(entry)
        if targets:
            properties["Targets"] = targets
        self.put(self.names.of(node), "AWS::Events::Rule", properties)
        return None

    _schedule = _rule

    def _scheduler(self, node: Node) -> None:
        schedule = node.detail.get("schedule", {})
        target = schedule.get("Target") or {}
        properties: dict[str, Any] = {
            "Name": node.name,
            "ScheduleExpression": schedule.get("ScheduleExpression", ""),
            "FlexibleTimeWindow": schedule.get("FlexibleTimeWindow") or {"Mode": "OFF"},
            "Target": {
                "Arn": self.values.arn(target.get("Arn", "")),
                "RoleArn": self.values.arn(target.get("RoleArn", "")),
            },
        }
        if target.get("Input"):
            properties["Target"]["Input"] = target["Input"]
        self.put(self.names.of(node), "AWS::Scheduler::Schedule", properties)

    def _url_or_api(self, node: Node) -> None:
        if node.kind == "function_url":
            self._url(node)
        elif "/restapis/" in node.id:
            self._rest_api(node)
        else:
            self._http_api(node)

    def _rest_api(self, node: Node) -> None:
        """RestApi, a Resource per path segment, a Method per Lambda integration, and a
        Deployment to the API's first stage (its other stages are noted)."""
        logical = self.names.of(node)
        api = node.detail.get("api", {})
        properties: dict[str, Any] = {"Name": node.name}
        if api.get("description"):
            properties["Description"] = api["description"]
        if api.get("binaryMediaTypes"):
            properties["BinaryMediaTypes"] = api["binaryMediaTypes"]
        self.put(logical, "AWS::ApiGateway::RestApi", properties)
        resources: dict[str, Any] = {"/": {"Fn::GetAtt": [logical, "RootResourceId"]}}
        methods = []
        for target, routes in sorted(node.detail.get("routes", {}).items()):
            function_arn = self.values.arn(target)
            for route in sorted(routes, key=lambda r: (r["path"], r["method"])):
                parent = self._rest_resource(node, logical, route["path"], resources)
                uri = {
                    "Fn::Sub": [
                        "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                        "${Function}/invocations",
                        {"Function": function_arn},
                    ]
                }
                method = self.names.new("Method", f"{node.name} {route['method']} {route['path']}")
                self.put(
                    method,
                    "AWS::ApiGateway::Method",
                    {
                        "RestApiId": {"Ref": logical},
                        "ResourceId": parent,
                        "HttpMethod": route["method"],
                        "AuthorizationType": route.get("authorization", "NONE"),
                        "Integration": {
                            "Type": route["integration"].get("type", "AWS_PROXY"),
                            "IntegrationHttpMethod": "POST",
                            "Uri": uri,
                        },
                    },
                )
                methods.append(method)
        stages = list(node.detail.get("stages", []))
        if stages and methods:
            self.put(
                self.names.new("Deployment", node.name),
                "AWS::ApiGateway::Deployment",
                {"RestApiId": {"Ref": logical}, "StageName": stages[0]},
                DependsOn=methods,
            )
            self.template.body["Outputs"][f"{logical}Url"] = {
                "Description": f"the address of {node.name}'s stage {stages[0]}",
                "Value": {
                    "Fn::Sub": f"https://${{{logical}}}.execute-api.${{AWS::Region}}."
                    f"amazonaws.com/{stages[0]}"
                },
            }
        if len(stages) > 1 and self.stage is None:
            self.template.notes.append(
                f"{node.name} is deployed to its stage {stages[0]} only (it also had "
                f"{', '.join(stages[1:])}): add AWS::ApiGateway::Stage resources for the others."
            )

    def _rest_resource(self, node: Node, api: str, path: str, resources: dict[str, Any]) -> Any:
        """The Resource of a path (and of each of its parents), made once."""
        if path in resources:
            return resources[path]
        parent_path, _, part = path.rstrip("/").rpartition("/")
        parent = self._rest_resource(node, api, parent_path or "/", resources)
        logical = self.names.new("Resource", f"{node.name} {path}")
        self.put(
            logical,
            "AWS::ApiGateway::Resource",
            {"RestApiId": {"Ref": api}, "ParentId": parent, "PathPart": part},
        )
        resources[path] = {"Ref": logical}
        return resources[path]

    def _http_api(self, node: Node) -> None:
        api = node.detail.get("api", {})
        logical = self.names.of(node)
        properties: dict[str, Any] = {"Name": node.name, "ProtocolType": api["ProtocolType"]}
        for key in ("Description", "CorsConfiguration", "RouteSelectionExpression"):
            if api.get(key) and not (key == "RouteSelectionExpression" and "method" in api[key]):
                properties[key] = api[key]
        self.put(logical, "AWS::ApiGatewayV2::Api", properties)
        integration_ids = {}
        integrations = sorted(node.detail.get("integrations", {}).items())
        for index, (integration_id, integration) in enumerate(integrations, start=1):
            target = lambda_node_id(integration.get("IntegrationUri", ""))
            uri = self.values.arn(target) if target else integration.get("IntegrationUri")
            entry = {"ApiId": {"Ref": logical}, "IntegrationType": integration["IntegrationType"]}
            entry["IntegrationUri"] = uri
            for key in ("PayloadFormatVersion", "TimeoutInMillis", "IntegrationMethod"):
                if integration.get(key) and not (
                    key == "IntegrationMethod" and integration["IntegrationType"] == "AWS_PROXY"
                ):
                    entry[key] = integration[key]
            name = self.names.new("Integration", f"{node.name} {index}")
            integration_ids[integration_id] = name
            self.put(name, "AWS::ApiGatewayV2::Integration", entry)
        for route in node.detail.get("routes", []):
            entry = {"ApiId": {"Ref": logical}, "RouteKey": route["RouteKey"]}
            target = str(route.get("Target", "")).removeprefix("integrations/")
            if target in integration_ids:
                entry["Target"] = {"Fn::Sub": f"integrations/${{{integration_ids[target]}}}"}
            if route.get("AuthorizationType") not in (None, "NONE"):
                entry["AuthorizationType"] = route["AuthorizationType"]
            self.put(
                self.names.new("Route", f"{node.name} {route['RouteKey']}"),
                "AWS::ApiGatewayV2::Route",
                entry,
            )
        for stage in node.detail.get("stages", []):
            entry = {"ApiId": {"Ref": logical}, "StageName": stage["StageName"]}
            if stage.get("AutoDeploy"):
                entry["AutoDeploy"] = True
            self.put(
                self.names.new("Stage", f"{node.name} {stage['StageName']}"),
                "AWS::ApiGatewayV2::Stage",
                entry,
            )
        self.template.body["Outputs"][f"{logical}Endpoint"] = {
            "Description": f"the address of {node.name}",
            "Value": {"Fn::GetAtt": [logical, "ApiEndpoint"]},
        }

    def _url(self, node: Node) -> None:
        url = node.detail.get("url", {})
        function = self.graph.function_of(node.id)
        if function is None or function.id not in self.values.exported:
            return
        properties: dict[str, Any] = {
            "TargetFunctionArn": self.values.arn(function.id),
            "AuthType": url.get("AuthType", "AWS_IAM"),
        }
        if url.get("Qualifier"):
            properties["Qualifier"] = url["Qualifier"]
        if url.get("Cors"):
            properties["Cors"] = url["Cors"]
        if url.get("InvokeMode"):  # the sandbox says "Buffered"; AWS spells it BUFFERED
            properties["InvokeMode"] = str(url["InvokeMode"]).upper()
        extra = {}
        if url.get("Qualifier"):
            alias = self.names.known(f"{function.id}:{url['Qualifier']}")
            extra = {"DependsOn": alias} if alias else {}
        logical = self.names.new("Url", node.name)
        self.put(logical, "AWS::Lambda::Url", properties, **extra)
        self.template.body["Outputs"][f"{logical}Address"] = {
            "Description": f"the function URL of {node.name}",
            "Value": {"Fn::GetAtt": [logical, "FunctionUrl"]},
        }
