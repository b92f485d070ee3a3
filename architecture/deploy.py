"""Deploy an export into a sandbox account through moto's CloudFormation: the round trip.

    deployment = deploy_package(learner_session("someone-else"), package.zip_bytes)

The templates (stages/*.yaml, then template.yaml) go to one stack with create_stack and
update_stack, exactly as exported (a stage that adds versions is applied in two updates,
functions first: moto creates new resources before it updates existing ones, where
CloudFormation follows the references). moto 5.2's CloudFormation has no model for a few
resource types, and ignores a few properties; those are applied after each deployment
through the same service APIs a learner would call, and each such step is listed in the
result (``through_api``), so a test or a reader sees exactly what CloudFormation did:

* types without a model: AWS::Lambda::Alias (create_alias, with its provisioned
  concurrency), AWS::Lambda::Url, AWS::Lambda::EventInvokeConfig, AWS::SQS::QueuePolicy,
  AWS::SNS::Subscription, AWS::Scheduler::Schedule, AWS::ApiGatewayV2::Api, Integration,
  Route and Stage, AWS::Logs::SubscriptionFilter, and whatever refers to them;
* properties moto ignores: AWS::S3::Bucket NotificationConfiguration,
  AWS::Lambda::Function DeadLetterConfig and EphemeralStorage.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import yaml
from botocore.exceptions import ClientError

from architecture.export import FOLDER, to_yaml
from architecture.template import prune

UNMODELLED = frozenset(
    {
        "AWS::Lambda::Alias",
        "AWS::Lambda::Url",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::Subscription",
        "AWS::Scheduler::Schedule",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
        "AWS::Logs::SubscriptionFilter",
    }
)


@dataclass
class Step:
    template: str  # "stages/1.yaml" or "template.yaml"
    status: str
    reason: str = ""
    by_cloudformation: list[str] = field(default_factory=list)  # logical ids in the stack
    through_api: list[str] = field(default_factory=list)  # what was applied another way

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES")


@dataclass
class Deployment:
    stack_name: str
    account_id: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)


def unpack(zip_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            info.filename.removeprefix(f"{FOLDER}/"): archive.read(info)
            for info in archive.infolist()
            if not info.is_dir()
        }


def template_order(files: Mapping[str, bytes]) -> list[str]:
    stages = sorted(
        (p for p in files if p.startswith("stages/") and p.endswith(".yaml")),
        key=lambda p: int(p.split("/")[1].split(".")[0]),
    )
    return [*stages, "template.yaml"]


def deploy_package(
    session: boto3.Session, zip_bytes: bytes, stack_name: str = "lambda-lab"
) -> Deployment:
    files = unpack(zip_bytes)
    account = session.client("sts").get_caller_identity()["Account"]
    deployment = Deployment(stack_name, account)
    bodies = {path: yaml.safe_load(files[path]) for path in template_order(files)}
    parameters: list[dict[str, str]] = []
    code_bucket = None
    if any("CodeBucket" in (b.get("Parameters") or {}) for b in bodies.values()):
        code_bucket = _upload_code(session, files, f"lambda-lab-code-{account}")
        parameters = [{"ParameterKey": "CodeBucket", "ParameterValue": code_bucket}]
    try:
        for index, (path, body) in enumerate(bodies.items()):
            early = [] if index == 0 else _versions_to_add(session, stack_name, body)
            if early:  # moto adds new resources before it modifies the old: see below
                first_pass = json.loads(json.dumps(body))
                prune(first_pass, set(), early)
                step = _deploy(session, stack_name, first_pass, parameters, first=False)
                if not step.ok:
                    step.template = f"{path} (functions first)"
                    deployment.steps.append(step)
                    break
            step = _deploy(session, stack_name, body, parameters, first=index == 0)
            step.template = path
            if early:
                step.through_api.insert(
                    0,
                    "updated the functions in a first update_stack, then added "
                    f"{', '.join(early)}: moto creates new resources before it updates "
                    "existing ones, so a new version would snapshot the old code",
                )
            deployment.steps.append(step)
            if not step.ok:
                break
    finally:
        if code_bucket:  # Lambda keeps its own copy of the code: the bucket can go
            _delete_bucket(session, code_bucket)
    return deployment


def _versions_to_add(session: boto3.Session, stack_name: str, body: Mapping[str, Any]) -> list[str]:
    """The AWS::Lambda::Version resources this template adds to the stack."""
    stack = session.client("cloudformation").describe_stack_resources(StackName=stack_name)
    existing = {r["LogicalResourceId"] for r in stack["StackResources"]}
    return [
        logical
        for logical, resource in body["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Version" and logical not in existing
    ]


def _upload_code(session: boto3.Session, files: Mapping[str, bytes], bucket: str) -> str:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    for path, content in files.items():
        if path.startswith("functions/") and path.endswith(".zip"):
            s3.put_object(Bucket=bucket, Key=path, Body=content)
    return bucket


def _delete_bucket(session: boto3.Session, bucket: str) -> None:
    s3 = session.client("s3")
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def _deploy(
    session: boto3.Session,
    stack_name: str,
    body: dict[str, Any],
    parameters: list[dict[str, str]],
    first: bool,
) -> Step:
    moto_body = json.loads(json.dumps(body))
    set_aside = prune(moto_body, set(UNMODELLED))
    cloudformation = session.client("cloudformation")
    arguments = {
        "StackName": stack_name,
        "TemplateBody": to_yaml(moto_body),
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Parameters": [
            p for p in parameters if p["ParameterKey"] in moto_body.get("Parameters", {})
        ],
    }
    try:
        if first:
            cloudformation.create_stack(**arguments)
        else:
            cloudformation.update_stack(**arguments)
    except ClientError as exc:
        if "No updates" not in str(exc):
            return Step("", "FAILED", str(exc))
    stack = _wait(cloudformation, stack_name)
    status = stack["StackStatus"]
    step = Step("", status, stack.get("StackStatusReason", ""))
    if not step.ok:
        return step
    resources = {
        r["LogicalResourceId"]: r
        for r in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    }
    step.by_cloudformation = sorted(resources)
    resolver = Resolver(session, stack_name, resources, parameters, body)
    for logical in set_aside:
        resource = body["Resources"][logical]
        apply = API_STEPS.get(resource["Type"])
        properties = resolver.value(resource.get("Properties", {}))
        if apply is None:
            step.through_api.append(f"{logical} ({resource['Type']}): NOT deployed, no API step")
            step.status = "INCOMPLETE"
            continue
        what = apply(session, properties)
        resolver.created[logical] = what
        step.through_api.append(f"{logical} ({resource['Type']}): {what}")
    step.through_api += _ignored_properties(session, moto_body, resolver)
    return step


def _wait(cloudformation: Any, stack_name: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        time.sleep(0.2)


# ------------------------------------------------------------------ resolving intrinsics


class Resolver:
    """Values of Ref, Fn::GetAtt and Fn::Sub in the deployed stack, read through boto3."""

    def __init__(
        self,
        session: boto3.Session,
        stack_name: str,
        resources: Mapping[str, Mapping[str, Any]],
        parameters: list[dict[str, str]],
        body: Mapping[str, Any],
    ) -> None:
        self.session = session
        self.resources = resources
        self.body = body
        self.created: dict[str, str] = {}  # logical id -> what an API step made (its ARN)
        identity = session.client("sts").get_caller_identity()
        self.pseudo = {
            "AWS::AccountId": identity["Account"],
            "AWS::Region": session.region_name or "us-east-1",
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        } | {p["ParameterKey"]: p["ParameterValue"] for p in parameters}

    def value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"Ref"}:
                return self.ref(str(value["Ref"]))
            if set(value) == {"Fn::GetAtt"}:
                logical, attribute = value["Fn::GetAtt"]
                return self.attribute(logical, attribute)
            if set(value) == {"Fn::Sub"}:
                return self.sub(value["Fn::Sub"])
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def sub(self, text: Any) -> str:
        if isinstance(text, list):  # [template, {name: value}]
            body, variables = text
            for name, value in variables.items():
                body = body.replace("${" + name + "}", str(self.value(value)))
            return self.sub(body)
        return self._sub(text)

    def _sub(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if "." in name and name not in self.pseudo:
                logical, attribute = name.split(".", 1)
                return str(self.attribute(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.created:
            return self.created[name]
        kind = self.body["Resources"][name]["Type"]
        if kind == "AWS::Lambda::Version":
            return self.attribute(name, "Arn")
        return self.resources[name].get("PhysicalResourceId")

    def attribute(self, logical: str, attribute: str) -> Any:
        kind = self.body["Resources"][logical]["Type"]
        physical = self.resources.get(logical, {}).get("PhysicalResourceId")
        lam = self.session.client("lambda")
        if kind == "AWS::Lambda::Function":
            return lam.get_function_configuration(FunctionName=physical)["FunctionArn"]
        if kind == "AWS::Lambda::Version":
            function = self.ref(
                self.body["Resources"][logical]["Properties"]["FunctionName"]["Ref"]
            )
            number = self._version_number(logical, function)
            return (
                number
                if attribute == "Version"
                else f"{self.attribute_of_function(function)}:{number}"
            )
        if kind == "AWS::IAM::Role":
            return self.session.client("iam").get_role(RoleName=physical)["Role"]["Arn"]
        if kind == "AWS::SQS::Queue":
            return self.session.client("sqs").get_queue_attributes(
                QueueUrl=physical, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
        if kind == "AWS::DynamoDB::Table":
            table = self.session.client("dynamodb").describe_table(TableName=physical)["Table"]
            return table["LatestStreamArn"] if attribute == "StreamArn" else table["TableArn"]
        if kind == "AWS::Kinesis::Stream":
            return self.session.client("kinesis").describe_stream_summary(StreamName=physical)[
                "StreamDescriptionSummary"
            ]["StreamARN"]
        if kind == "AWS::SNS::Topic":
            return physical
        raise KeyError(f"no resolver for {kind}.{attribute}")

    def attribute_of_function(self, name: str) -> str:
        return self.session.client("lambda").get_function_configuration(FunctionName=name)[
            "FunctionArn"
        ]

    def _version_number(self, logical: str, function: str) -> str:
        """The i-th version resource of a function (in DependsOn order) is version i."""
        chain = []
        for name, resource in self.body["Resources"].items():
            if resource["Type"] != "AWS::Lambda::Version":
                continue
            if self.ref(resource["Properties"]["FunctionName"]["Ref"]) != function:
                continue
            depth, current = 0, resource
            while current.get("DependsOn"):
                depth += 1
                current = self.body["Resources"][current["DependsOn"]]
            chain.append((depth, name))
        position = [name for _, name in sorted(chain)].index(logical)
        versions = self.session.client("lambda").list_versions_by_function(FunctionName=function)
        numbers = sorted(
            int(v["Version"]) for v in versions["Versions"] if v["Version"] != "$LATEST"
        )
        return str(numbers[position])


# ------------------------------------------------------------------ API steps


def _alias(session: boto3.Session, p: Mapping[str, Any]) -> str:
    lam = session.client("lambda")
    arguments: dict[str, Any] = {
        "FunctionName": p["FunctionName"],
        "Name": p["Name"],
        "FunctionVersion": str(p["FunctionVersion"]),
    }
    if p.get("Description"):
        arguments["Description"] = p["Description"]
    weights = (p.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    if weights:
        arguments["RoutingConfig"] = {
            "AdditionalVersionWeights": {
                str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights
            }
        }
    try:
        arn = lam.create_alias(**arguments)["AliasArn"]
    except lam.exceptions.ResourceConflictException:
        arn = lam.update_alias(**arguments)["AliasArn"]
    provisioned = (p.get("ProvisionedConcurrencyConfig") or {}).get(
        "ProvisionedConcurrentExecutions"
    )
    if provisioned:
        lam.put_provisioned_concurrency_config(
            FunctionName=p["FunctionName"],
            Qualifier=p["Name"],
            ProvisionedConcurrentExecutions=int(provisioned),
        )
    return arn


def _url(session: boto3.Session, p: Mapping[str, Any]) -> str:
    arguments = {"FunctionName": p["TargetFunctionArn"], "AuthType": p["AuthType"]}
    arguments |= {k: p[k] for k in ("Qualifier", "Cors", "InvokeMode") if p.get(k)}
    return session.client("lambda").create_function_url_config(**arguments)["FunctionUrl"]


def _invoke_config(session: boto3.Session, p: Mapping[str, Any]) -> str:
    arguments = {k: v for k, v in p.items() if v not in (None, {})}
    session.client("lambda").put_function_event_invoke_config(**arguments)
    return f"{p['FunctionName']}:{p.get('Qualifier', '$LATEST')}"


def _queue_policy(session: boto3.Session, p: Mapping[str, Any]) -> str:
    for url in p["Queues"]:
        session.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(p["PolicyDocument"])}
        )
    return ", ".join(p["Queues"])


def _subscription(session: boto3.Session, p: Mapping[str, Any]) -> str:
    attributes = {}
    if p.get("FilterPolicy"):
        attributes["FilterPolicy"] = json.dumps(p["FilterPolicy"])
    if p.get("RawMessageDelivery"):
        attributes["RawMessageDelivery"] = "true"
    found = session.client("sns").subscribe(
        TopicArn=p["TopicArn"],
        Protocol=p["Protocol"],
        Endpoint=p["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return found["SubscriptionArn"]


def _schedule(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("scheduler").create_schedule(**p)["ScheduleArn"]


def _permission(session: boto3.Session, p: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:16]
    arguments = {"StatementId": f"lambda-lab-{digest}"} | dict(p)
    session.client("lambda").add_permission(**arguments)
    return f"lambda:AddPermission on {p['FunctionName']}"


def _mapping(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("lambda").create_event_source_mapping(**p)["UUID"]


def _http_api(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("apigatewayv2").create_api(**p)["ApiId"]


def _integration(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("apigatewayv2").create_integration(**p)["IntegrationId"]


def _route(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("apigatewayv2").create_route(**p)["RouteId"]


def _stage(session: boto3.Session, p: Mapping[str, Any]) -> str:
    return session.client("apigatewayv2").create_stage(**p)["StageName"]


def _subscription_filter(session: boto3.Session, p: Mapping[str, Any]) -> str:
    session.client("logs").put_subscription_filter(
        logGroupName=p["LogGroupName"],
        filterName=p["FilterName"],
        filterPattern=p.get("FilterPattern", ""),
        destinationArn=p["DestinationArn"],
    )
    return f"{p['LogGroupName']} -> {p['DestinationArn']}"


API_STEPS: dict[str, Callable[[boto3.Session, Mapping[str, Any]], str]] = {
    "AWS::Lambda::Alias": _alias,
    "AWS::Lambda::Url": _url,
    "AWS::Lambda::EventInvokeConfig": _invoke_config,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::Lambda::Permission": _permission,
    "AWS::Lambda::EventSourceMapping": _mapping,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGatewayV2::Integration": _integration,
    "AWS::ApiGatewayV2::Route": _route,
    "AWS::ApiGatewayV2::Stage": _stage,
    "AWS::Logs::SubscriptionFilter": _subscription_filter,
}


def _ignored_properties(
    session: boto3.Session, body: Mapping[str, Any], resolver: Resolver
) -> list[str]:
    """Properties moto's CloudFormation accepts but does not apply, applied here."""
    done = []
    for logical, resource in body["Resources"].items():
        physical = resolver.resources.get(logical, {}).get("PhysicalResourceId")
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::S3::Bucket" and properties.get("NotificationConfiguration"):
            s3 = session.client("s3")
            current = s3.get_bucket_notification_configuration(Bucket=physical)
            if not any(k.endswith("Configurations") for k in current if current[k]):
                s3.put_bucket_notification_configuration(
                    Bucket=physical,
                    NotificationConfiguration=_api_notification(
                        resolver.value(properties["NotificationConfiguration"])
                    ),
                )
                done.append(f"{logical}: NotificationConfiguration via s3.put_bucket_notification")
        if resource["Type"] == "AWS::IAM::Role":
            done += _role_policies(session, logical, physical, resolver.value(properties))
        if resource["Type"] == "AWS::Lambda::Function":
            updates = {}
            config = session.client("lambda").get_function_configuration(FunctionName=physical)
            dlq = properties.get("DeadLetterConfig")
            if dlq and not config.get("DeadLetterConfig"):
                updates["DeadLetterConfig"] = resolver.value(dlq)
            storage = properties.get("EphemeralStorage")
            if storage and (config.get("EphemeralStorage") or {}).get("Size") != storage["Size"]:
                updates["EphemeralStorage"] = storage
            if updates:
                session.client("lambda").update_function_configuration(
                    FunctionName=physical, **updates
                )
                done.append(
                    f"{logical}: {', '.join(updates)} via lambda.update_function_configuration"
                )
    return done


def _role_policies(
    session: boto3.Session, logical: str, role: str, properties: Mapping[str, Any]
) -> list[str]:
    """moto's AWS::IAM::Role skips ManagedPolicyArns and keeps inline policies as Python
    text, not JSON: attach the one, put the other again as JSON."""
    iam, done = session.client("iam"), []
    attached = {
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    }
    for arn in properties.get("ManagedPolicyArns", []):
        if arn not in attached:
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
            done.append(f"{logical}: attached {arn.rsplit('/', 1)[-1]} via iam.attach_role_policy")
    for policy in properties.get("Policies", []):
        stored = iam.get_role_policy(RoleName=role, PolicyName=policy["PolicyName"])
        if not isinstance(stored["PolicyDocument"], Mapping):
            iam.put_role_policy(
                RoleName=role,
                PolicyName=policy["PolicyName"],
                PolicyDocument=json.dumps(policy["PolicyDocument"]),
            )
            done.append(f"{logical}: {policy['PolicyName']} as JSON via iam.put_role_policy")
    return done


def _api_notification(cfn: Mapping[str, Any]) -> dict[str, Any]:
    """An S3 NotificationConfiguration as CloudFormation writes it -> as the API takes it."""
    found: dict[str, Any] = {}
    for cfn_key, api_key, target_key, api_target in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in cfn.get(cfn_key, []):
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            group = (entry[target_key], json.dumps(rules, sort_keys=True))
            item = grouped.setdefault(group, {api_target: entry[target_key], "Events": []})
            item["Events"].append(entry["Event"])
            if rules:
                item["Filter"] = {"Key": {"FilterRules": rules}}
        if grouped:
            found[api_key] = list(grouped.values())
    if cfn.get("EventBridgeConfiguration"):
        found["EventBridgeConfiguration"] = {}
    return found
