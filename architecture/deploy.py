"""Deploy an export into a sandbox account through the sandbox's CloudFormation: the round trip.

    deployment = deploy_package(learner_session("someone-else"), package.zip_bytes)

The templates (stages/*.yaml, then template.yaml) go to one stack with create_stack and
update_stack, exactly as exported. The sandbox's CloudFormation (moto's, with
sandbox/moto_cloudformation.py) creates and updates resources in dependency order, wires a
bucket's notifications, applies a function's DeadLetterConfig and EphemeralStorage and a
role's policies, and models AWS::Lambda::Version, Alias and Url. A few resource types still
have no model; those are applied after each deployment through the same service APIs a
learner would call, and each such step is listed in the result (``through_api``), so a
test or a reader sees exactly what CloudFormation did: AWS::Lambda::EventInvokeConfig,
AWS::SQS::QueuePolicy, AWS::SNS::Subscription, AWS::Scheduler::Schedule,
AWS::ApiGatewayV2::Api, Integration, Route and Stage, AWS::Logs::SubscriptionFilter, and
whatever refers to them (a permission whose source is an HTTP API, say).
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
from sandbox.cfn_references import dependency_order

UNMODELLED = frozenset(
    {
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
            step = _deploy(session, stack_name, body, parameters, first=index == 0)
            step.template = path
            deployment.steps.append(step)
            if not step.ok:
                break
    finally:
        if code_bucket:  # Lambda keeps its own copy of the code: the bucket can go
            _delete_bucket(session, code_bucket)
    return deployment


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
    if not step.ok:  # the stack rolled back: which resource failed, and why
        events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
        step.reason += "".join(
            f" {e['LogicalResourceId']}: {e['ResourceStatusReason']}"
            for e in events
            if e["ResourceStatus"].endswith("_FAILED") and e.get("ResourceStatusReason")
        )
        return step
    resources = {
        r["LogicalResourceId"]: r
        for r in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    }
    step.by_cloudformation = sorted(resources)
    resolver = Resolver(session, stack_name, resources, parameters, body)
    # What is applied here goes after what it depends on, as CloudFormation would order it:
    # a subscription filter after the permission that lets CloudWatch Logs invoke its
    # function (PutSubscriptionFilter checks it), whichever of the two made it.
    for logical in [k for k in dependency_order(body["Resources"]) if k in set_aside]:
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
        return self.resources[name].get("PhysicalResourceId")  # a version's, an alias's: ARNs

    def attribute(self, logical: str, attribute: str) -> Any:
        kind = self.body["Resources"][logical]["Type"]
        physical = self.resources.get(logical, {}).get("PhysicalResourceId")
        lam = self.session.client("lambda")
        if kind == "AWS::Lambda::Function":
            return lam.get_function_configuration(FunctionName=physical)["FunctionArn"]
        if kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
            return physical.rsplit(":", 1)[1] if attribute == "Version" else physical
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


# ------------------------------------------------------------------ API steps


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
