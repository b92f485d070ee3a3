"""AWS_IAM authorization: check a request's Signature Version 4 as AWS would.

Function URLs with ``AuthType=AWS_IAM`` (service ``lambda``) and API routes or methods
with ``AWS_IAM`` authorization (service ``execute-api``) take only requests signed with
credentials of the owner's account (a learner's key or a function role's session), and
the signature must match: the learner sees that signing is what makes them work.
The callers' identity policies (``lambda:InvokeFunctionUrl``, ``execute-api:Invoke``)
are not evaluated; the function's resource-based policy is (``invoke.api_refused``,
``invoke.public_url_refused``).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sandbox.http import moto_reads
from sandbox.http.events import Caller, HttpRequest

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
MAX_SKEW_S = 15 * 60


@dataclass(frozen=True)
class AuthFailure:
    reason: str  # for the learner (x-sandbox-reason); AWS itself says only "Forbidden"
    missing: bool = False  # no signature at all (REST: "Missing Authentication Token")


def _canonical_headers(request: HttpRequest, signed: list[str]) -> str:
    lines = []
    for name in signed:
        values = [" ".join(v.split()) for k, v in request.headers if k.lower() == name]
        lines.append(f"{name}:{','.join(values)}\n")
    return "".join(lines)


def verify(
    request: HttpRequest, full_path: str, service: str, owner_account: str
) -> Caller | AuthFailure:
    """The caller of a SigV4-signed request, or why it is refused."""
    authorization = request.header("Authorization")
    if not authorization:
        return AuthFailure("the request is not signed (AWS_IAM needs Signature Version 4)", True)
    match = AUTHORIZATION.match(authorization.strip())
    if not match:
        return AuthFailure("the Authorization header is not a Signature Version 4 signature")
    if match.group("service") != service:
        return AuthFailure(f"signed for service {match.group('service')!r}, not {service!r}")
    found = moto_reads.credentials_of(match.group("key"))
    if found is None:
        return AuthFailure("the access key is not known to the sandbox")
    secret, session_token, caller = found
    if caller.account_id != owner_account:
        return AuthFailure("the caller belongs to another account")
    if session_token is not None and request.header("X-Amz-Security-Token") != session_token:
        return AuthFailure("the session token is missing or wrong")
    amz_date = request.header("X-Amz-Date") or ""
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return AuthFailure("X-Amz-Date is missing or malformed")
    if abs(time.time() - signed_at) > MAX_SKEW_S:
        return AuthFailure("Signature expired: X-Amz-Date is more than 15 minutes away")
    signed = match.group("signed").lower().split(";")
    auth = SigV4Auth(Credentials("k", secret, session_token), service, match.group("region"))
    url = "http://" + (request.header("Host") or "localhost") + full_path
    if request.query:
        url += "?" + request.query
    aws_request = AWSRequest(method=request.method, url=url)
    aws_request.context["timestamp"] = amz_date
    payload_hash = (
        request.header("X-Amz-Content-SHA256") or hashlib.sha256(request.body).hexdigest()
    )
    canonical = "\n".join(
        [
            request.method.upper(),
            auth._normalize_url_path(full_path),
            auth.canonical_query_string(aws_request),
            _canonical_headers(request, signed),
            ";".join(signed),
            payload_hash,
        ]
    )
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, match.group("signature")):
        return AuthFailure(
            "The request signature we calculated does not match the signature you provided."
        )
    return caller
