"""A function's deployment package, as GetFunction describes it.

On AWS, ``get_function`` returns ``Code.Location``, a presigned URL to download the zip.
Where that URL is on loopback (a sandbox that serves it), the package is fetched from it.
The sandbox does not serve it yet (moto reports an S3 address beyond loopback, which the
course never opens), so the package is read from the sandbox's own store of the same
bytes, and checked against the ``CodeSha256`` that GetFunction reported: the export gets
exactly the package boto3 describes, or an error.
"""

from __future__ import annotations

import base64
import hashlib
import io
import urllib.request
import zipfile
from urllib.parse import urlparse

import boto3

from course.loopback import is_loopback


class CodeUnavailable(RuntimeError):
    """The package cannot be read, or is not the one GetFunction describes."""


def function_code(
    session: boto3.Session, function_name: str, qualifier: str | None = None
) -> bytes:
    """The zip of a function (or of one of its versions)."""
    kwargs = {"FunctionName": function_name} | ({"Qualifier": qualifier} if qualifier else {})
    found = session.client("lambda").get_function(**kwargs)
    expected = found["Configuration"].get("CodeSha256", "")
    location = (found.get("Code") or {}).get("Location", "")
    host = urlparse(location).hostname or ""
    if location.startswith("http") and is_loopback(host):
        with urllib.request.urlopen(location, timeout=30) as response:  # loopback only
            package = response.read()
    else:
        account = found["Configuration"]["FunctionArn"].split(":")[4]
        package = _stored_package(account, session.region_name or "us-east-1", kwargs)
    digest = base64.b64encode(hashlib.sha256(package).digest()).decode()
    if expected and digest != expected:
        raise CodeUnavailable(f"{function_name}: the package read is not the one deployed")
    return package


def _stored_package(account: str, region: str, kwargs: dict[str, str]) -> bytes:
    from sandbox import moto_state  # the sandbox's one door to moto's stored state

    try:
        stored = moto_state.lambda_backend(account, region).get_function(
            kwargs["FunctionName"], kwargs.get("Qualifier")
        )
    except Exception as exc:  # moto raises its own error types
        raise CodeUnavailable(f"{kwargs['FunctionName']}: {exc}") from exc
    return bytes(stored.code_bytes)


def package_files(package: bytes) -> dict[str, bytes]:
    """The files of a deployment package, by path."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }
