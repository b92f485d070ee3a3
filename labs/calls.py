"""One boto3 call: run it against the learner's sandbox, and show it as code to copy.

Every call the app makes for a learner goes through ``run_call``, so the page can show,
beside each result, the same call as Python (boto3) and as an AWS CLI command: the point
of a lab is to learn the real API, which works unchanged against AWS.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

# CLI arguments that stand for a local file rather than an inline value.
FILE_ARGUMENTS = {
    ("lambda", "CreateFunction", "Code.ZipFile"): ("--zip-file", "fileb://function.zip"),
    ("lambda", "UpdateFunctionCode", "ZipFile"): ("--zip-file", "fileb://function.zip"),
    ("s3", "PutObject", "Body"): ("--body", "{Key}"),
}


@dataclass(frozen=True)
class Call:
    """A boto3 call: ``boto3.client(service).<operation>(**args)``."""

    service: str
    operation: str  # snake_case, as boto3 names it: create_function
    args: Mapping[str, Any] = field(default_factory=dict)
    # Source files zipped into the call's blob argument, shown as "function.zip" in code.
    files: Mapping[str, str] | None = None


@dataclass(frozen=True)
class CallRecord:
    call: Call
    python: str
    cli: str
    response: Any = None
    error: str | None = None  # the AWS error code and message, as a learner would see it
    request_id: str = ""  # for Invoke, the invocation's RequestId, as in its log lines
    note: str = ""  # what the call did, in words (Markdown): the sandbox's own operations

    @property
    def ok(self) -> bool:
        return self.error is None


def zip_bytes(files: Mapping[str, str]) -> bytes:
    """A deployment package: each file at the root of the zip, as Lambda expects."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@cache
def _service_model(service: str) -> Any:
    # The model alone: creating a client would resolve credentials, and botocore's
    # credential chain ends by asking the EC2 metadata address, beyond loopback.
    return botocore.session.get_session().get_service_model(service)


def _operation_model(call: Call) -> Any:
    model = _service_model(call.service)
    names = {xform_name(name): name for name in model.operation_names}
    if call.operation not in names:
        raise ValueError(f"{call.service} has no operation {call.operation}")
    return model.operation_model(names[call.operation])


def _python_value(value: Any, indent: int) -> str:
    if isinstance(value, bytes):
        try:  # a JSON payload reads best as the json.dumps that made it
            return f"json.dumps({json.loads(value.decode())!r})"
        except ValueError:
            pass
        try:
            return (
                repr(value)
                if len(value) < 200 and value.decode()
                else 'open("function.zip", "rb").read()'
            )
        except UnicodeDecodeError:
            return 'open("function.zip", "rb").read()'
    if isinstance(value, Mapping):
        pad = " " * (indent + 4)
        items = ",\n".join(
            f"{pad}{json.dumps(k)}: {_python_value(v, indent + 4)}" for k, v in value.items()
        )
        return "{\n" + items + "\n" + " " * indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_python_value(v, indent) for v in value) + "]"
    return repr(value)


def as_python(call: Call) -> str:
    args = _with_blobs(call)
    arguments = ",\n".join(f"    {k}={_python_value(v, 4)}" for k, v in args.items())
    lines = ["import json", ""] if "json.dumps(" in arguments else []
    lines += ["import boto3", ""]
    if call.files:
        lines += ["# function.zip holds: " + ", ".join(call.files), ""]
    lines.append(f'client = boto3.client("{call.service}")')
    lines.append(
        f"response = client.{call.operation}(\n{arguments}\n)"
        if arguments
        else f"response = client.{call.operation}()"
    )
    return "\n".join(lines)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def as_cli(call: Call) -> str:
    """The same call with the AWS CLI (v2), argument for argument."""
    operation = _operation_model(call)
    parts = [f"aws {call.service} {xform_name(operation.name, '-')}"]
    special = {
        k: v
        for (svc, op, k), v in FILE_ARGUMENTS.items()
        if svc == call.service and op == operation.name
    }
    for name, value in call.args.items():
        nested = next((k for k in special if k.startswith(f"{name}.")), None)
        if name in special or nested:
            flag, path = special[name if name in special else nested]
            parts.append(f"{flag} {path.format(**call.args)}")
            continue
        flag = "--" + xform_name(name, "-")
        if isinstance(value, bool):
            parts.append(flag if value else f"--no-{flag[2:]}")
        elif isinstance(value, bytes):
            if call.service == "lambda" and name == "Payload":
                parts.append(
                    f"--cli-binary-format raw-in-base64-out {flag} {_quote(value.decode())}"
                )
            else:
                parts.append(f"{flag} fileb://{name.lower()}.bin")
        elif isinstance(value, Mapping | list):
            parts.append(f"{flag} {_quote(json.dumps(value))}")
        else:
            parts.append(f"{flag} {_quote(str(value))}")
    if call.service == "lambda" and operation.name == "Invoke":
        parts.append("response.json")  # the CLI writes the payload to a file
    if call.files is not None and call.service == "s3" and "Body" not in call.args:
        parts.append("--body function.zip")
    return " \\\n    ".join(parts)


def _with_blobs(call: Call) -> dict[str, Any]:
    """The call's arguments with the zip built in where the call carries source files."""
    args = dict(call.args)
    if call.files is not None:
        package = zip_bytes(call.files)
        if call.service == "s3":  # a package uploaded for CloudFormation to deploy from S3
            args["Body"] = package
        elif "Code" in args or call.operation == "create_function":
            args["Code"] = {**args.get("Code", {}), "ZipFile": package}
        else:
            args["ZipFile"] = package
    return args


def _readable(response: Any) -> Any:
    """Drop HTTP metadata and read streams, so a response can be shown and compared."""
    if isinstance(response, Mapping):
        out = {}
        for key, value in response.items():
            if key == "ResponseMetadata":
                continue
            if hasattr(value, "read"):
                raw = value.read()
                try:
                    value = json.loads(raw or b"null")
                except ValueError:
                    value = raw.decode("utf-8", "replace")
            elif key == "LogResult" and isinstance(value, str):
                value = base64.b64decode(value).decode("utf-8", "replace")
            out[key] = _readable(value)
        return out
    if isinstance(response, list):
        return [_readable(v) for v in response]
    if isinstance(response, bytes):
        return f"<{len(response)} bytes>"
    return response


def run_call(session: boto3.Session, call: Call) -> CallRecord:
    """Run the call in the learner's sandbox; AWS errors come back in the record, not raised."""
    python, cli = as_python(call), as_cli(call)
    client = session.client(call.service)
    try:
        response = getattr(client, call.operation)(**_with_blobs(call))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return CallRecord(
            call, python, cli, error=f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
        )
    except (BotoCoreError, ValueError, TypeError) as exc:
        return CallRecord(call, python, cli, error=str(exc))
    request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
    return CallRecord(call, python, cli, response=_readable(response), request_id=request_id)
