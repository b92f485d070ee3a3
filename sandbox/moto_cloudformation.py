"""moto's CloudFormation, made to do what AWS CloudFormation does for the course's resources.

moto 5.2 parses templates and calls each resource type's model; for the resources the labs
and the map's exports use it falls short of AWS in ways a learner would meet. The patches
here (the names are in ``PATCHED``, checked by ``check_contract()``):

* **Capabilities.** CreateStack and UpdateStack refuse a template with IAM resources
  unless ``Capabilities`` acknowledges them (``CAPABILITY_NAMED_IAM`` for custom names):
  ``InsufficientCapabilitiesException``, as on AWS. moto never asked.
* **Order.** Resources are created, and on ``update_stack`` created and updated, in
  dependency order (``sandbox.cfn_references``): ``DependsOn``, ``Ref``, ``Fn::GetAtt``
  and ``Fn::Sub``. moto followed DependsOn only when it created a stack (a Ref created its
  target on the way, ignoring the target's own DependsOn), and on update it created new
  resources before it updated the old ones. Removed resources go last, dependents first,
  as in CloudFormation's clean-up phase. A circular dependency, or a DependsOn on no
  resource, is refused with CloudFormation's ValidationError before anything is created.
* **Failure.** A resource that fails does not fail the API call: its CREATE_FAILED (or
  UPDATE_FAILED) event gives the service's error, and the stack rolls back to
  ``ROLLBACK_COMPLETE`` (a new stack: what it created is deleted) or
  ``UPDATE_ROLLBACK_COMPLETE`` (an update: the previous template and parameters are
  applied again). Every resource also gets its IN_PROGRESS and COMPLETE events (moto
  recorded the stack's only). A bucket that still holds objects is not deleted (moto left
  it and reported the stack deleted): the stack stays, in ``DELETE_FAILED``, until
  delete_stack succeeds.
* **AWS::S3::Bucket** ``NotificationConfiguration`` (Lambda, queue and topic
  configurations with their S3Key filter rules, EventBridge) is applied, on create and on
  update, through ``S3Backend.put_bucket_notification_configuration``: the call behind
  PutBucketNotificationConfiguration, so S3's checks of the destinations apply as they do
  to the API.
* **AWS::Lambda::Function** is created through ``LambdaBackend.create_function`` with
  ``DeadLetterConfig``, ``EphemeralStorage``, ``Layers``, ``Architectures`` and
  ``TracingConfig`` too; an update applies the new configuration (a property left out
  goes back to Lambda's default) and, when ``Code`` changed, the new code (inline
  ``ZipFile`` text is zipped as ``index.py``, as on create; moto failed on it). A new
  ``FunctionName`` replaces the function.
* **AWS::IAM::Role**: ``ManagedPolicyArns`` are attached and inline ``Policies`` stored as
  JSON (moto skipped the one and kept the other as Python text), on create and update;
  managed policies are detached before the role is deleted.
* Models moto lacks: **AWS::Lambda::Alias** (with routing weights and provisioned
  concurrency) and **AWS::Lambda::Url**; and **AWS::Lambda::Version** replaces moto's,
  whose Ref and Fn::GetAtt gave no ARN or number.

``install(service)`` / ``uninstall()`` as ``sandbox.moto_seam`` does; the server installs
both. ``tests/sandbox/test_cloudformation.py`` fails with ``check_contract()``'s list when
moto changes under these patches.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import moto
import moto.cloudformation.parsing as parsing
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import (
    CloudFormationBackend,
    Event,
    Stack,
    cloudformation_backends,
)
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import BaseModel
from moto.iam.models import Role, iam_backends
from moto.s3.exceptions import BucketNotEmpty, InvalidNotificationARN, MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

from sandbox import cfn_references
from sandbox.moto_seam import LambdaService, SeamError, missing, restore

ResourceMap = parsing.ResourceMap

# What we patch and the parameters moto calls it with (names, in order), as moto_seam keeps
# them: {name: (owner, attribute, parameters)}. Classmethods are listed as bound (no cls).
CREATE = ["resource_name", "cloudformation_json", "account_id", "region_name", "kwargs"]
UPDATE = ["original_resource", "new_resource_name", "cloudformation_json"] + CREATE[2:4]
DELETE = CREATE[:4]
PARSE = ["logical_id", "resource_json", "resources_map", "account_id", "region_name"]
PATCHES: list[tuple[Any, str, list[str]]] = [
    (parsing, "get_model_list", []),
    (parsing, "parse_and_create_resource", PARSE),
    (parsing, "parse_and_update_resource", PARSE),
    (ResourceMap, "load", ["self"]),
    (ResourceMap, "update", ["self", "template", "parameters"]),
    (ResourceMap, "_delete_resource", ["self", "parsed_resource", "resource_json"]),
    (ResourceMap, "_ResourceMap__get_resources_in_dependency_order", ["self"]),
    (CloudFormationResponse, "create_stack", ["self"]),
    (CloudFormationResponse, "update_stack", ["self"]),
    (Stack, "create_resources", ["self"]),
    (Stack, "update", ["self", "template", "role_arn", "parameters", "tags"]),
    (Stack, "delete", ["self"]),
    (CloudFormationBackend, "delete_stack", ["self", "name_or_stack_id"]),
    *[
        (model, f"{action}_from_cloudformation_json", parameters)
        for model in (FakeBucket, LambdaFunction, Role)
        for action, parameters in (("create", CREATE), ("update", UPDATE), ("delete", DELETE))
        if (model, action) != (LambdaFunction, "delete")
    ],
]


def _dotted(owner: Any, attribute: str) -> str:
    where = owner.__name__ if inspect.ismodule(owner) else f"{owner.__module__}.{owner.__name__}"
    return f"{where}.{attribute.replace(f'_{owner.__name__}__', '__')}"


PATCHED = {_dotted(owner, attribute): (owner, attribute, p) for owner, attribute, p in PATCHES}

# moto internals the patches call or read, checked with them.
USED: dict[str, tuple[str, str]] = {
    name: (module, path)
    for module, paths in {
        "moto.cloudformation.parsing": [
            "get_model_map",
            "get_name_type_map",
            "ResourceMap.build_resource_diff",
            "ResourceMap.load_mapping",
            "ResourceMap.load_parameters",
            "ResourceMap.load_conditions",
        ],
        "moto.cloudformation.responses": [
            "CloudFormationResponse._get_param",
            "CloudFormationResponse._get_bool_param",
            "CloudFormationResponse._get_stack_from_s3_url",
            "CloudFormationResponse.cloudformation_backend",
        ],
        "moto.cloudformation.models": [
            "Stack.parse_template",
            "Event.__init__",
            "Stack._add_stack_event",
            "Stack._parse_template",
            "Stack._create_output_map",
            "cloudformation_backends",
        ],
        "moto.s3.models": [
            "S3Backend.put_bucket_notification_configuration",
            "S3Backend.get_bucket",
            "s3_backends",
        ],
        "moto.awslambda.models": [
            "LambdaBackend.create_function",
            "LambdaBackend.get_function",
            "LambdaBackend.delete_function",
            "LambdaBackend.publish_version",
            "LambdaBackend.create_alias",
            "LambdaBackend.update_alias",
            "LambdaBackend.delete_alias",
            "LambdaBackend.create_function_url_config",
            "LambdaBackend.update_function_url_config",
            "LambdaBackend.delete_function_url_config",
            "LambdaFunction._create_zipfile_from_plaintext_code",
            "LambdaFunction.update_configuration",
            "LambdaFunction.update_function_code",
            "lambda_backends",
        ],
        "moto.iam.models": [
            "IAMBackend.attach_role_policy",
            "IAMBackend.detach_role_policy",
            "IAMBackend.put_role_policy",
            "IAMBackend.delete_role_policy",
            "IAMBackend.update_assume_role_policy",
            "IAMBackend.get_role",
        ],
    }.items()
    for path in paths
    for name in [f"{module.rsplit('.', 1)[-1]}.{path}"]
}

# Types these patches model; moto must not model them itself (or ours would hide its own).
OWN_TYPES = ("AWS::Lambda::Alias", "AWS::Lambda::Url")
REPLACED_TYPES = ("AWS::Lambda::Version",)  # moto's model, deliberately replaced

FAILED = "sandbox_cloudformation_failed"  # set on an exception: (logical id, type)
CODE = "sandbox_cloudformation_code"  # set on a function: its template's Code, as JSON
ROLE_POLICIES = "sandbox_cloudformation_policies"  # set on a role: (inline names, ARNs)


# ------------------------------------------------------------------ dependency order


def dependency_order(resources: Mapping[str, Any]) -> list[str]:
    """sandbox.cfn_references' order; a template error is CloudFormation's ValidationError."""
    try:
        return cfn_references.dependency_order(resources)
    except cfn_references.TemplateError as exc:
        raise ValidationError(message=str(exc)) from None


# ------------------------------------------------------------------ capabilities


IAM_NAMES = {  # IAM resource types, and the property that gives one a custom name
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::Policy": "",
    "AWS::IAM::AccessKey": "",
    "AWS::IAM::UserToGroupAddition": "",
    "AWS::IAM::RolePolicy": "",
    "AWS::IAM::UserPolicy": "",
    "AWS::IAM::GroupPolicy": "",
}


class InsufficientCapabilitiesException(CloudFormationError):
    code = "InsufficientCapabilitiesException"


def required_capability(resources: Mapping[str, Any]) -> str | None:
    """CAPABILITY_NAMED_IAM for an IAM resource with a custom name, CAPABILITY_IAM for
    other IAM resources, None for a template without IAM resources."""
    needed = None
    for resource in resources.values():
        name = IAM_NAMES.get(str(resource.get("Type")))
        if name is None:
            continue
        if name and name in (resource.get("Properties") or {}):
            return "CAPABILITY_NAMED_IAM"
        needed = "CAPABILITY_IAM"
    return needed


def _check_capabilities(response: Any) -> None:
    """CreateStack and UpdateStack refuse a template with IAM resources unless the call
    acknowledges them (``Capabilities``), as AWS refuses it."""
    body = response._get_param("TemplateBody")
    if response._get_bool_param("UsePreviousTemplate", False):
        body = response.cloudformation_backend.get_stack(response._get_param("StackName"))
        body = body.template
    elif not body and response._get_param("TemplateURL"):
        body = response._get_stack_from_s3_url(response._get_param("TemplateURL"))
    if not body:
        return
    template = body if isinstance(body, Mapping) else Stack.parse_template(body)
    needed = required_capability((template or {}).get("Resources") or {})
    given = set(response._get_param("Capabilities", []) or [])
    enough = {needed, "CAPABILITY_NAMED_IAM"} if needed == "CAPABILITY_IAM" else {needed}
    if needed and not given & enough:
        raise InsufficientCapabilitiesException(f"Requires capabilities : [{needed}]")


# ------------------------------------------------------------------ events and failures


STACK = "sandbox_cloudformation_stack"  # set on a ResourceMap its stack deletes


def _stack(resources_map: Any, account_id: str, region_name: str) -> Stack | None:
    deleting = getattr(resources_map, STACK, None)  # moto forgets a stack, then deletes it
    if deleting is not None:
        return deleting
    backend = cloudformation_backends[account_id][region_name]
    return backend.stacks.get(getattr(resources_map, "stack_id", None))


def _event(
    stack: Stack | None,
    logical: str,
    kind: str,
    status: str,
    resource: Any = None,
    reason: str | None = None,
) -> None:
    if stack is None:
        return
    physical = getattr(resource, "physical_resource_id", None) or ""
    event = Event(stack.stack_id, stack.name, logical, str(physical), kind, status, reason, None)
    stack.events.append(event)


def failure_reason(exc: BaseException, kind: str) -> str:
    """An exception of a service as CloudFormation's event reason shows it."""
    service = kind.split("::")[1] if kind.count("::") == 2 else kind
    if isinstance(exc, ValueError) and len(exc.args) == 2:  # moto's Lambda code errors
        code, message = (str(a) for a in exc.args)
        status: Any = 400
    else:
        code = getattr(exc, "error_type", None) or getattr(exc, "code", None) or ""
        message = getattr(exc, "message", None) or str(exc)
        status = getattr(exc, "code", None)
        status = status if isinstance(status, int) else 400
        code = code if isinstance(code, str) else type(exc).__name__
    if not code:
        return f"Resource handler returned message: {message!r}"
    return (
        f'Resource handler returned message: "{message} (Service: {service}, '
        f'Status Code: {status}, Error Code: {code})"'
    )


def _mark(exc: BaseException, logical: str, kind: str) -> bool:
    """Note on the exception which resource failed; False if an inner one already did."""
    if getattr(exc, FAILED, None) is not None:
        return False
    with contextlib.suppress(AttributeError, TypeError):
        setattr(exc, FAILED, (logical, kind))
    return True


def _tracked(action: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """parse_and_create_resource / parse_and_update_resource with their stack events."""

    def run(
        logical_id: str,
        resource_json: dict[str, Any],
        resources_map: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        stack = _stack(resources_map, account_id, region_name)
        kind = str(resource_json.get("Type", ""))
        try:
            resource = original(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as exc:
            if _mark(exc, logical_id, kind):
                _event(stack, logical_id, kind, f"{action}_IN_PROGRESS")
                _event(stack, logical_id, kind, f"{action}_FAILED", None, failure_reason(exc, kind))
            raise
        if resource is not None:
            _event(stack, logical_id, kind, f"{action}_IN_PROGRESS", resource)
            _event(stack, logical_id, kind, f"{action}_COMPLETE", resource)
        return resource

    return run


def _reason(exc: BaseException, action: str, more: str = "") -> str:
    found = getattr(exc, FAILED, None)
    if not found:
        return failure_reason(exc, "AWS::CloudFormation::Stack")
    return f"The following resource(s) failed to {action}: [{found[0]}].{more}"


def _roll_back(stack: Stack, rollback: str, reason: str, undo: Callable[[], Any]) -> None:
    """<rollback>_IN_PROGRESS with the reason, undo, then <rollback>_COMPLETE (or _FAILED)."""
    stack.status, stack.status_reason = f"{rollback}_IN_PROGRESS", reason
    stack._add_stack_event(stack.status, resource_status_reason=reason)
    try:
        undo()
    except Exception as again:
        stack.status = f"{rollback}_FAILED"
        stack._add_stack_event(stack.status, resource_status_reason=str(again))
    else:
        stack.status = f"{rollback}_COMPLETE"
        stack._add_stack_event(stack.status)


def _roll_back_creation(stack: Stack, exc: BaseException) -> None:
    reason = _reason(exc, "create", " Rollback requested by user.")
    _roll_back(stack, "ROLLBACK", reason, stack.resource_map.delete)
    # what remains is the template: nothing is created again when the stack is read
    stack.resource_map._resource_json_map = {}


def _roll_back_update(
    stack: Stack, exc: BaseException, template: Any, parameters: dict[str, Any]
) -> None:
    stack.template = template
    stack._parse_template()
    _roll_back(
        stack,
        "UPDATE_ROLLBACK",
        _reason(exc, "update"),
        lambda: stack.resource_map.update(stack.template_dict, parameters),
    )
    stack.output_map = stack._create_output_map()


def _delete_failed(stack: Stack, exc: BaseException) -> None:
    """A resource that cannot be deleted (a bucket that holds objects) leaves the stack in
    DELETE_FAILED with what remains; delete_stack tries again."""
    template = stack.resource_map._resource_json_map
    remaining = sorted(
        logical
        for logical, resource in stack.resource_map._parsed_resources.items()
        if logical in template and resource is not None and not isinstance(resource, str)
    )
    for logical in remaining:
        kind = template[logical].get("Type", "")
        reason = failure_reason(exc, kind) if len(remaining) == 1 else None
        resource = stack.resource_map._parsed_resources[logical]
        _event(stack, logical, kind, "DELETE_FAILED", resource, reason)
    reason = f"The following resource(s) failed to delete: [{', '.join(remaining)}]. "
    stack.status, stack.status_reason = "DELETE_FAILED", reason
    stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)


def update_resources(
    self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None
) -> None:
    """ResourceMap.update: new and changed resources in dependency order, then the removed
    ones (dependents first), as CloudFormation's update and clean-up phases do."""
    changes = self.build_resource_diff(template, parameters)
    previous = self._resource_json_map
    self._template = template
    if parameters:
        self.input_parameters = parameters
    self.load_mapping()
    self.load_parameters()
    self.load_conditions()
    self._resource_json_map = template["Resources"]
    for logical in dependency_order(self._resource_json_map):
        if logical in changes["Add"]:
            _ = self[logical]  # moto's ResourceMap creates a resource when it is read
        elif logical in changes["Modify"]:
            updated = parsing.parse_and_update_resource(
                logical,
                self._resource_json_map[logical],
                self,
                account_id=self._account_id,
                region_name=self._region_name,
            )
            if updated is not None:  # None: the type cannot be updated; keep it as it is
                self._parsed_resources[logical] = updated
    stack = _stack(self, self._account_id, self._region_name)
    for logical in reversed(dependency_order(previous)):
        if logical not in changes["Remove"]:
            continue
        resource = self._parsed_resources.pop(logical, None)
        if resource is None or isinstance(resource, str):
            continue
        kind = previous[logical].get("Type", "")
        try:
            self._delete_resource(resource, previous[logical])
        except Exception as exc:  # the clean-up phase does not roll the update back
            _event(stack, logical, kind, "DELETE_FAILED", resource, failure_reason(exc, kind))


# ------------------------------------------------------------------ S3 buckets


S3_TARGETS = (  # CloudFormation's key, its target; what S3Backend takes
    ("LambdaConfigurations", "Function", "CloudFunctionConfiguration", "CloudFunction"),
    ("QueueConfigurations", "Queue", "QueueConfiguration", "Queue"),
    ("TopicConfigurations", "Topic", "TopicConfiguration", "Topic"),
)


def s3_notification(cfn: Mapping[str, Any] | None) -> dict[str, Any]:
    """A bucket's NotificationConfiguration as CloudFormation writes it -> as
    S3Backend.put_bucket_notification_configuration takes it (what S3's API parses from
    its XML). Entries for one target and filter become one configuration of their events."""
    found: dict[str, Any] = {}
    for cfn_key, cfn_target, key, target in S3_TARGETS:
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in (cfn or {}).get(cfn_key) or []:
            arn = str(entry.get(cfn_target, ""))
            if not arn.startswith("arn:"):
                raise InvalidNotificationARN()
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            rules = [{"Name": str(r["Name"]).lower(), "Value": r["Value"]} for r in rules]
            item = grouped.setdefault((arn, json.dumps(rules)), {target: arn, "Event": []})
            item["Event"].append(entry["Event"])
            if rules:
                item["Filter"] = {"S3Key": {"FilterRule": rules}}
        if grouped:
            found[key] = list(grouped.values())
    enabled = ((cfn or {}).get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled")
    if enabled not in (None, False) and str(enabled).lower() != "false":
        found["EventBridgeConfiguration"] = {}
    return found


def delete_bucket(
    cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> None:
    """A bucket that holds objects cannot be deleted (moto left it and said nothing); one
    already gone is deleted."""
    backend = s3_backends[account_id][get_partition(region_name)]
    try:
        bucket = backend.get_bucket(resource_name)
    except MissingBucket:
        return
    if bucket.keys:
        raise BucketNotEmpty(resource_name)
    backend.delete_bucket(resource_name)


def _put_notification(bucket: FakeBucket, properties: Mapping[str, Any], account_id: str) -> None:
    backend = s3_backends[account_id][get_partition(bucket.region_name)]
    configuration = s3_notification(properties.get("NotificationConfiguration"))
    if configuration or bucket.notification_configuration is not None:
        backend.put_bucket_notification_configuration(bucket.name, configuration)


# ------------------------------------------------------------------ Lambda functions


FUNCTION_SETTINGS = (  # optional properties passed to CreateFunction as they are
    "Description",
    "VpcConfig",
    "Environment",
    "DeadLetterConfig",
    "Layers",
    "Architectures",
    "TracingConfig",
    "PackageType",
    "ImageConfig",
)
# What UpdateFunctionConfiguration sets when a property is left out of the template.
FUNCTION_DEFAULTS: dict[str, Any] = {
    "Description": "",
    "MemorySize": 128,
    "Timeout": 3,
    "Environment": {"Variables": {}},
    "VpcConfig": {},
    "Layers": [],
    "DeadLetterConfig": {},
    "EphemeralStorage": {"Size": 512},
}


def _code(code: Mapping[str, Any]) -> dict[str, Any]:
    """Code as CreateFunction takes it: inline text becomes a zip of index.py (with
    cfnresponse.py, as AWS adds it), base64-encoded as the API sends it."""
    if "ZipFile" in code:
        archive = LambdaFunction._create_zipfile_from_plaintext_code(str(code["ZipFile"]))
        return {"ZipFile": base64.b64encode(archive)}
    return dict(code)


def _settings(properties: Mapping[str, Any]) -> dict[str, Any]:
    settings = {k: properties[k] for k in FUNCTION_SETTINGS if k in properties}
    for key in ("MemorySize", "Timeout", "ReservedConcurrentExecutions"):
        if properties.get(key) is not None:
            settings[key] = int(properties[key])
    if properties.get("EphemeralStorage"):
        settings["EphemeralStorage"] = {"Size": int(properties["EphemeralStorage"]["Size"])}
    if "Environment" in settings:
        settings["Environment"] = {"Variables": settings["Environment"].get("Variables") or {}}
    return settings


def create_function(
    cls: Any,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> LambdaFunction:
    properties = cloudformation_json["Properties"]
    spec = {
        "FunctionName": resource_name,
        "Handler": properties.get("Handler"),
        "Role": properties["Role"],
        "Runtime": properties.get("Runtime"),
        "Code": _code(properties["Code"]),
        **_settings(properties),
    }
    fn = lambda_backends[account_id][region_name].create_function(spec)
    setattr(fn, CODE, json.dumps(properties["Code"], sort_keys=True))
    return fn


def update_function(
    cls: Any,
    original_resource: LambdaFunction,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> LambdaFunction:
    properties = cloudformation_json["Properties"]
    fn = original_resource
    if properties.get("FunctionName", fn.function_name) != fn.function_name:  # replacement
        new = create_function(cls, new_resource_name, cloudformation_json, account_id, region_name)
        fn.delete(account_id, region_name)
        return new
    settings = FUNCTION_DEFAULTS | _settings(properties)
    settings |= {k: properties[k] for k in ("Handler", "Role", "Runtime") if k in properties}
    fn.update_configuration(settings)  # moto_seam: Lambda's limits, storage, DeadLetterConfig
    fn.architectures = settings.get("Architectures") or ["x86_64"]
    fn.tracing_config = settings.get("TracingConfig") or {"Mode": "PassThrough"}
    fn.reserved_concurrency = settings.get("ReservedConcurrentExecutions")
    code = json.dumps(properties["Code"], sort_keys=True)
    if code != getattr(fn, CODE, None):  # CloudFormation updates the code when it changed
        fn.update_function_code(_code(properties["Code"]))
        setattr(fn, CODE, code)
    return fn


# ------------------------------------------------------------------ IAM roles


def _role_policies(role: Role, properties: Mapping[str, Any], account_id: str) -> None:
    """The role's inline policies (as JSON) and managed policies as the template says;
    what an earlier template of the stack put and this one drops is removed."""
    iam = iam_backends[account_id][role.partition]
    inline = {p["PolicyName"]: p["PolicyDocument"] for p in properties.get("Policies") or []}
    managed = set(properties.get("ManagedPolicyArns") or [])
    earlier_inline, earlier_managed = getattr(role, ROLE_POLICIES, (set(), set()))
    for name in earlier_inline - set(inline):
        with contextlib.suppress(Exception):
            iam.delete_role_policy(role.name, name)
    for name, document in inline.items():
        text = document if isinstance(document, str) else json.dumps(document)
        iam.put_role_policy(role.name, name, text)
    for arn in earlier_managed - managed:
        with contextlib.suppress(Exception):
            iam.detach_role_policy(arn, role.name)
    for arn in sorted(managed - earlier_managed):
        iam.attach_role_policy(arn, role.name)
    setattr(role, ROLE_POLICIES, (set(inline), managed))


# ------------------------------------------------------------------ models moto lacks


class _Model(BaseModel):
    """A Lambda sub-resource as moto's CloudFormation asks of a model: ``create`` and, where
    it changes in place, ``update``; ``replaces`` says when a change needs a new one. Its
    physical id (Ref) is the function's ARN with the qualifier."""

    TYPE = ""
    NAME = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, account_id: str, region: str, function: str, qualifier: str | None):
        self.account_id, self.region = account_id, region
        self.function_name, self.qualifier = function, qualifier
        self.physical_resource_id = _function_arn(account_id, region, function, qualifier)

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute: str) -> str:
        return self.physical_resource_id

    def is_created(self) -> bool:
        return True

    @classmethod
    def create(cls, properties: Mapping[str, Any], account_id: str, region: str) -> _Model:
        raise NotImplementedError

    def replaces(self, properties: Mapping[str, Any]) -> bool:
        return False

    def update(self, properties: Mapping[str, Any]) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        return None

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _Model:
        return cls.create(cloudformation_json["Properties"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Model,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Model:
        properties = cloudformation_json["Properties"]
        if not original_resource.replaces(properties):
            original_resource.update(properties)
            return original_resource
        new = cls.create(properties, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        return None

    def _backend(self) -> Any:
        return lambda_backends[self.account_id][self.region]


def _function_name(account_id: str, region: str, name_or_arn: str) -> str:
    return lambda_backends[account_id][region].get_function(name_or_arn).function_name


def _function_arn(account_id: str, region: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:{get_partition(region)}:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


class LambdaVersionModel(_Model):
    """AWS::Lambda::Version: Ref is the version's ARN, Fn::GetAtt Version its number. A
    published version does not change."""

    TYPE = "AWS::Lambda::Version"
    ATTRIBUTES = ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute: str) -> str:
        return str(self.qualifier) if attribute == "Version" else self.physical_resource_id

    @classmethod
    def create(cls, properties: Mapping[str, Any], account_id: str, region: str) -> _Model:
        name = _function_name(account_id, region, properties["FunctionName"])
        published = lambda_backends[account_id][region].publish_version(
            name, properties.get("Description", "")
        )
        return cls(account_id, region, name, str(published.version))  # type: ignore[union-attr]

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # its function may be gone already
            self._backend().delete_function(self.function_name, self.qualifier)


class LambdaAliasModel(_Model):
    """AWS::Lambda::Alias, with RoutingConfig and ProvisionedConcurrencyConfig; Ref is the
    alias's ARN."""

    TYPE = "AWS::Lambda::Alias"
    NAME = "Name"
    ATTRIBUTES = ("AliasArn",)
    service: LambdaService | None = None  # for provisioned concurrency, set by install()

    @staticmethod
    def _arguments(properties: Mapping[str, Any]) -> dict[str, Any]:
        weights = (properties.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
        routing = {str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights}
        return {
            "function_version": str(properties["FunctionVersion"]),
            "description": properties.get("Description", ""),
            "routing_config": {"AdditionalVersionWeights": routing} if routing else None,
        }

    def _provision(self, properties: Mapping[str, Any]) -> None:
        count = (properties.get("ProvisionedConcurrencyConfig") or {}).get(
            "ProvisionedConcurrentExecutions"
        )
        service = LambdaAliasModel.service
        if service is None:
            return
        where = (self.account_id, self.region, self.function_name, self.qualifier)
        if count:
            service.put_provisioned(*where, int(count))  # type: ignore[attr-defined]
        else:
            service.delete_provisioned(*where)  # type: ignore[attr-defined]

    @classmethod
    def create(cls, properties: Mapping[str, Any], account_id: str, region: str) -> _Model:
        function = _function_name(account_id, region, properties["FunctionName"])
        backend = lambda_backends[account_id][region]
        backend.create_alias(properties["Name"], function, **cls._arguments(properties))
        alias = cls(account_id, region, function, properties["Name"])
        alias._provision(properties)
        return alias

    def replaces(self, properties: Mapping[str, Any]) -> bool:
        function = _function_name(self.account_id, self.region, properties["FunctionName"])
        return (function, properties["Name"]) != (self.function_name, self.qualifier)

    def update(self, properties: Mapping[str, Any]) -> None:
        self._backend().update_alias(
            self.qualifier, self.function_name, **self._arguments(properties)
        )
        self._provision(properties)

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):
            self._provision({})
        with contextlib.suppress(Exception):  # its function may be gone already
            self._backend().delete_alias(self.qualifier, self.function_name)


class FunctionUrlModel(_Model):
    """AWS::Lambda::Url: Ref and Fn::GetAtt FunctionArn are the target's ARN, FunctionUrl
    the URL. The sandbox serves a function's URL for $LATEST (moto keeps one URL per
    function and no qualifier), as it does for CreateFunctionUrlConfig."""

    TYPE = "AWS::Lambda::Url"
    ATTRIBUTES = ("FunctionArn", "FunctionUrl")

    def get_cfn_attribute(self, attribute: str) -> str:
        if attribute == "FunctionUrl":
            return str(self._backend().get_function_url_config(self.function_name).url)
        return self.physical_resource_id

    @staticmethod
    def _config(properties: Mapping[str, Any]) -> dict[str, Any]:
        return {k: properties[k] for k in ("AuthType", "Cors", "InvokeMode") if k in properties}

    @classmethod
    def create(cls, properties: Mapping[str, Any], account_id: str, region: str) -> _Model:
        function = _function_name(account_id, region, str(properties["TargetFunctionArn"]))
        backend = lambda_backends[account_id][region]
        backend.create_function_url_config(function, cls._config(properties))
        return cls(account_id, region, function, properties.get("Qualifier"))

    def replaces(self, properties: Mapping[str, Any]) -> bool:
        target = str(properties["TargetFunctionArn"])
        return _function_name(self.account_id, self.region, target) != self.function_name

    def update(self, properties: Mapping[str, Any]) -> None:
        self._backend().update_function_url_config(self.function_name, self._config(properties))

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # its function may be gone already
            self._backend().delete_function_url_config(self.function_name)


MODELS: tuple[type[_Model], ...] = (LambdaVersionModel, LambdaAliasModel, FunctionUrlModel)


# ------------------------------------------------------------------ contract, install


def _original(name: str) -> Any:
    owner, attribute, _ = PATCHED[name]
    return _originals[name] if name in _originals else vars(owner)[attribute]


def _callable(name: str) -> Any:
    """The unpatched moto function of a PATCHED entry, bound as moto calls it."""
    owner, _, _ = PATCHED[name]
    raw = _original(name)
    return raw.__get__(None, owner) if isinstance(raw, classmethod) else raw


def check_contract() -> list[str]:
    """Every way in which the installed moto differs from what these patches expect."""
    problems = []
    for name, (owner, attribute, parameters) in PATCHED.items():
        if name not in _originals and attribute not in vars(owner):
            problems.append(f"{name} is missing")
            continue
        found = list(inspect.signature(_callable(name)).parameters)
        if found != parameters:
            problems.append(f"{name} takes {found}, moto_cloudformation expects {parameters}")
    problems += missing(USED)
    if not problems:
        motos = {m.cloudformation_type() for m in _callable(PATCHED_MODELS)()}
        problems += [f"moto now models {t}: drop ours" for t in OWN_TYPES if t in motos]
        problems += [f"moto no longer models {t}" for t in REPLACED_TYPES if t not in motos]
    return problems


PATCHED_MODELS = "moto.cloudformation.parsing.get_model_list"
_lock = threading.Lock()
_originals: dict[str, Any] = {}


def _clear_model_caches() -> None:
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def install(service: LambdaService) -> None:
    """Patch moto's CloudFormation; raises SeamError if moto changed under the patches."""
    problems = check_contract()
    if problems:
        raise SeamError(
            f"the sandbox cannot patch moto {moto.__version__}'s CloudFormation: "
            + "; ".join(problems)
        )
    LambdaAliasModel.service = service
    models = _callable(PATCHED_MODELS)
    create_stack_resources = _callable("moto.cloudformation.models.Stack.create_resources")
    update_stack = _callable("moto.cloudformation.models.Stack.update")
    delete_stack_resources = _callable("moto.cloudformation.models.Stack.delete")
    backend_delete_stack = _callable(
        "moto.cloudformation.models.CloudFormationBackend.delete_stack"
    )
    load = _callable("moto.cloudformation.parsing.ResourceMap.load")
    bucket_create = _callable("moto.s3.models.FakeBucket.create_from_cloudformation_json")
    bucket_update = _callable("moto.s3.models.FakeBucket.update_from_cloudformation_json")
    role_create = _callable("moto.iam.models.Role.create_from_cloudformation_json")
    role_update = _callable("moto.iam.models.Role.update_from_cloudformation_json")
    role_delete = _callable("moto.iam.models.Role.delete_from_cloudformation_json")

    def model_list() -> list[Any]:
        return [*models(), *MODELS]  # later entries win in moto's map: ours replace moto's

    def load_checked(self: Any) -> None:
        load(self)
        dependency_order(self._resource_json_map)

    def in_dependency_order(self: Any) -> list[str]:
        return dependency_order(self._resource_json_map)

    delete_resource = _callable("moto.cloudformation.parsing.ResourceMap._delete_resource")

    def delete_tracked(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        stack = _stack(self, self._account_id, self._region_name)
        logical = getattr(parsed_resource, "logical_resource_id", "")
        kind = str(resource_json.get("Type", ""))
        _event(stack, logical, kind, "DELETE_IN_PROGRESS", parsed_resource)
        delete_resource(self, parsed_resource, resource_json)
        _event(stack, logical, kind, "DELETE_COMPLETE", parsed_resource)

    def create_resources(self: Stack) -> None:
        try:
            create_stack_resources(self)
        except Exception as exc:
            _roll_back_creation(self, exc)

    def update(
        self: Stack,
        template: str,
        role_arn: str | None = None,
        parameters: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        dependency_order(self.parse_template(template).get("Resources") or {})
        previous, previous_parameters = self.template, dict(self.resource_map.input_parameters)
        try:
            update_stack(self, template, role_arn, parameters, tags)
        except Exception as exc:
            _roll_back_update(self, exc, previous, previous_parameters)
        else:
            self.status_reason = None

    def delete(self: Stack) -> None:
        setattr(self.resource_map, STACK, self)
        try:
            delete_stack_resources(self)
        except Exception as exc:
            _delete_failed(self, exc)

    def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        named = [s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)]
        backend_delete_stack(self, name_or_stack_id)
        for stack in named:
            if stack.status == "DELETE_FAILED":  # moto moved it to the deleted stacks
                self.deleted_stacks.pop(stack.stack_id, None)
                self.stacks[stack.stack_id] = stack
                self.exports.update({export.name: export for export in stack.exports})

    def create_bucket(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FakeBucket:
        bucket = bucket_create(resource_name, cloudformation_json, account_id, region_name)
        _put_notification(bucket, cloudformation_json.get("Properties") or {}, account_id)
        return bucket

    def update_bucket(
        cls: Any,
        original_resource: FakeBucket,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> FakeBucket:
        bucket = bucket_update(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        if bucket is original_resource:  # a new bucket got its notification when created
            _put_notification(bucket, cloudformation_json.get("Properties") or {}, account_id)
        return bucket

    def create_role(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Role:
        role = role_create(resource_name, cloudformation_json, account_id, region_name)
        _role_policies(role, cloudformation_json["Properties"], account_id)
        return role

    def update_role(
        cls: Any,
        original_resource: Role,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Role:
        role = role_update(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        properties = cloudformation_json["Properties"]
        trust = properties["AssumeRolePolicyDocument"]
        trust = trust if isinstance(trust, str) else json.dumps(trust)
        if trust != role.assume_role_policy_document:
            iam_backends[account_id][role.partition].update_assume_role_policy(role.name, trust)
        _role_policies(role, properties, account_id)
        return role

    def delete_role(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        iam = iam_backends[account_id][get_partition(region_name)]
        for arn in list(iam.get_role(resource_name).managed_policies):
            iam.detach_role_policy(arn, resource_name)  # CloudFormation does, before it deletes
        role_delete(resource_name, cloudformation_json, account_id, region_name)

    def acknowledged(name: str) -> Callable[[Any], Any]:
        call = _callable(name)

        def run(self: Any) -> Any:
            _check_capabilities(self)
            return call(self)

        return run

    replacements: dict[str, Any] = {
        PATCHED_MODELS: model_list,
        "moto.cloudformation.responses.CloudFormationResponse.create_stack": acknowledged(
            "moto.cloudformation.responses.CloudFormationResponse.create_stack"
        ),
        "moto.cloudformation.responses.CloudFormationResponse.update_stack": acknowledged(
            "moto.cloudformation.responses.CloudFormationResponse.update_stack"
        ),
        "moto.cloudformation.parsing.parse_and_create_resource": _tracked(
            "CREATE", _callable("moto.cloudformation.parsing.parse_and_create_resource")
        ),
        "moto.cloudformation.parsing.parse_and_update_resource": _tracked(
            "UPDATE", _callable("moto.cloudformation.parsing.parse_and_update_resource")
        ),
        "moto.cloudformation.parsing.ResourceMap.load": load_checked,
        "moto.cloudformation.parsing.ResourceMap.update": update_resources,
        "moto.cloudformation.parsing.ResourceMap._delete_resource": delete_tracked,
        "moto.cloudformation.parsing.ResourceMap.__get_resources_in_dependency_order": (
            in_dependency_order
        ),
        "moto.cloudformation.models.Stack.create_resources": create_resources,
        "moto.cloudformation.models.Stack.update": update,
        "moto.cloudformation.models.Stack.delete": delete,
        "moto.cloudformation.models.CloudFormationBackend.delete_stack": delete_stack,
        "moto.s3.models.FakeBucket.delete_from_cloudformation_json": classmethod(delete_bucket),
        "moto.s3.models.FakeBucket.create_from_cloudformation_json": classmethod(create_bucket),
        "moto.s3.models.FakeBucket.update_from_cloudformation_json": classmethod(update_bucket),
        "moto.awslambda.models.LambdaFunction.create_from_cloudformation_json": classmethod(
            create_function
        ),
        "moto.awslambda.models.LambdaFunction.update_from_cloudformation_json": classmethod(
            update_function
        ),
        "moto.iam.models.Role.create_from_cloudformation_json": classmethod(create_role),
        "moto.iam.models.Role.update_from_cloudformation_json": classmethod(update_role),
        "moto.iam.models.Role.delete_from_cloudformation_json": classmethod(delete_role),
    }
    with _lock:
        for name, replacement in replacements.items():
            owner, attribute, _ = PATCHED[name]
            _originals.setdefault(name, vars(owner)[attribute])
            setattr(owner, attribute, replacement)
        _clear_model_caches()


def uninstall() -> None:
    """Put moto back as it was."""
    with _lock:
        restore(PATCHED, _originals)
        _clear_model_caches()
    LambdaAliasModel.service = None


def installed() -> bool:
    return bool(_originals)
