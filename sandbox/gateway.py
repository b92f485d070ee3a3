"""The HTTP front of the sandbox, in front of moto's WSGI app.

It keeps learners apart: moto lets a request pick any account with the
``x-moto-account-id`` header and offers ``/moto-api`` (reset everything, ...); both are
refused here. In strict mode (the app's sandbox) a request must be signed with
credentials some sandbox account knows. It also records who is calling (for S3 event
records) and serves the provisioned-concurrency API, which moto lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sandbox import moto_state
from sandbox.lambda_service import REQUEST_ID_HEADER, LambdaService
from sandbox.request_context import Requester, current_requester

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
QUERY_CREDENTIAL = re.compile(r"X-Amz-Credential=([^%&/]+)(?:%2F|/)\d{8}(?:%2F|/)([^%&/]+)")
BUCKET_PATH = re.compile(r"^/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/?$")
PROVISIONED = re.compile(r"^/2019-09-30/functions/([^/]+)/provisioned-concurrency/?$")
JSON_SERVICES = {"lambda", "logs", "dynamodb", "events", "monitoring", "kinesis", "states"}


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str, str]:
    """(access key id, region, service) from the SigV4 signature, header or query string."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    match = CREDENTIAL.search(authorization)
    if match:
        return match.group(1), match.group(2), match.group(3)
    query = environ.get("QUERY_STRING", "")
    match = QUERY_CREDENTIAL.search(query)
    if match:
        return match.group(1), match.group(2), "s3"
    return None, "us-east-1", ""


def error_response(
    start_response: Callable[..., Any], status: str, service: str, code: str, message: str
) -> list[bytes]:
    """An error each AWS protocol's client can parse (JSON, S3's XML, query XML)."""
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
    elif service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        content_type = "application/xml"
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("x-amzn-ErrorType", code),
        ],
    )
    return [body]


def json_response(start_response: Callable[..., Any], status: str, document: Any) -> list[bytes]:
    body = b"" if document is None else json.dumps(document).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def with_invocation_request_id(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """Answer Invoke with the invocation's request id, as Lambda does."""

    def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        invocation = [v for k, v in headers if k.lower() == REQUEST_ID_HEADER]
        if invocation:
            headers = [
                (k, v)
                for k, v in headers
                if k.lower() not in (REQUEST_ID_HEADER, "x-amzn-requestid")
            ] + [("x-amzn-RequestId", invocation[0])]
        return start_response(status, headers, *args)

    return start


class Gateway:
    def __init__(
        self, app: WsgiApp, service: LambdaService | None, strict_credentials: bool
    ) -> None:
        self.app = app
        self.service = service
        self.strict_credentials = strict_credentials

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        access_key, region, service = credential_scope(environ)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            return error_response(
                start_response,
                "403 Forbidden",
                service,
                "AccessDenied",
                "The sandbox does not expose moto's management API.",
            )
        if "HTTP_X_MOTO_ACCOUNT_ID" in environ:
            return error_response(
                start_response,
                "403 Forbidden",
                service,
                "AccessDenied",
                "Choosing an account by header is not allowed: sign with your own credentials.",
            )
        account_id = moto_state.account_of_access_key(access_key) if access_key else None
        if self.strict_credentials and account_id is None:
            if service == "s3":
                code, message = (
                    "InvalidAccessKeyId",
                    ("The AWS Access Key Id you provided does not exist in our records."),
                )
            elif service in JSON_SERVICES:
                code, message = (
                    "UnrecognizedClientException",
                    ("The security token included in the request is invalid."),
                )
            else:
                code, message = (
                    "InvalidClientTokenId",
                    ("The security token included in the request is invalid."),
                )
            return error_response(start_response, "403 Forbidden", service, code, message)
        if service == "s3" and environ.get("REQUEST_METHOD") == "PUT":
            taken = self._bucket_taken(environ, path, account_id)
            if taken:
                return error_response(
                    start_response, "409 Conflict", "s3", "BucketAlreadyExists", taken
                )
        if account_id is not None:
            # The account is known: tell moto, rather than have it search every account in
            # every partition for the key (and build an IAM backend for each on the way).
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = account_id
        token = current_requester.set(
            Requester(
                access_key,
                environ.get("REMOTE_ADDR") or "127.0.0.1",
                environ.get("QUERY_STRING", ""),
            )
        )
        try:
            match = PROVISIONED.match(path)
            if match and service == "lambda" and self.service is not None:
                return self._provisioned(
                    environ,
                    start_response,
                    account_id or moto_state.DEFAULT_ACCOUNT_ID,
                    region,
                    match.group(1),
                )
            return self.app(environ, with_invocation_request_id(start_response))
        finally:
            current_requester.reset(token)

    @staticmethod
    def _bucket_taken(environ: dict[str, Any], path: str, account_id: str | None) -> str:
        """CreateBucket of a name another account owns: AWS says BucketAlreadyExists
        (moto, with cross-account access off, would say AccessDenied)."""
        match = BUCKET_PATH.match(path)
        if not match or environ.get("QUERY_STRING"):
            return ""
        owner = moto_state.bucket_owner(match.group(1))
        if owner is None or owner == (account_id or moto_state.DEFAULT_ACCOUNT_ID):
            return ""
        return (
            "The requested bucket name is not available. The bucket namespace is shared by "
            "all users of the system. Please select a different name and try again."
        )

    def _provisioned(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        account_id: str,
        region: str,
        function_name: str,
    ) -> list[bytes]:
        from urllib.parse import parse_qs, unquote

        function_name = unquote(function_name)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        qualifier = (query.get("Qualifier") or [""])[0]
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "PUT":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                count = int(body.get("ProvisionedConcurrentExecutions", 0))
                document = self.service.put_provisioned(  # type: ignore[union-attr]
                    account_id, region, function_name, qualifier, count
                )
                return json_response(start_response, "202 Accepted", document)
            if method == "DELETE":
                self.service.delete_provisioned(  # type: ignore[union-attr]
                    account_id, region, function_name, qualifier
                )
                return json_response(start_response, "204 No Content", None)
            document = self.service.get_provisioned(  # type: ignore[union-attr]
                account_id, region, function_name, qualifier
            )
        except moto_state.LambdaClientError as error:
            return error_response(
                start_response, f"{error.code} Error", "lambda", error.error_type, error.message
            )
        if document is None:
            return error_response(
                start_response,
                "404 Not Found",
                "lambda",
                "ProvisionedConcurrencyConfigNotFoundException",
                f"No Provisioned Concurrency Config found for this function: {function_name}",
            )
        return json_response(start_response, "200 OK", document)
