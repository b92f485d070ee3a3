"""Invoking a function for an HTTP request, through the Invoke API's own code path.

``LambdaService.invoke_api`` is what moto's Invoke calls in the sandbox: versions and
aliases, payload limits, throttling, concurrency, logs and metrics all apply as they do
for ``lambda.invoke``. API Gateway waits at most the integration timeout (29 s for REST,
30 s for HTTP APIs, or the integration's ``timeoutInMillis``); the function goes on
running after that, as on AWS.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from sandbox import moto_state
from sandbox.lambda_service import REQUEST_ID_HEADER
from sandbox.resource_policy import ANYONE, INVOKE

logger = logging.getLogger(__name__)
INTEGRATION_ARN = re.compile(
    r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(.+)/invocations$"
)
STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")

OK = "ok"
FUNCTION_ERROR = "function_error"
THROTTLED = "throttled"
REJECTED = "rejected"  # Lambda refused the Invoke call (no such function, too large...)
TIMEOUT = "timeout"


@dataclass(frozen=True)
class FunctionRef:
    account_id: str
    region: str
    name_or_arn: str  # what Invoke's FunctionName gets (an ARN, maybe with a qualifier)


@dataclass
class Outcome:
    kind: str
    payload: bytes = b""
    request_id: str = ""
    reason: str = ""


def function_of(uri: str, stage_variables: dict[str, str], default_region: str) -> FunctionRef:
    """The function an integration URI names (stage variables substituted)."""
    uri = STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), uri or "")
    match = INTEGRATION_ARN.match(uri)
    arn = match.group(1) if match else uri
    parts = arn.split(":")
    if arn.startswith("arn:") and len(parts) >= 7 and parts[2] == "lambda":
        return FunctionRef(parts[4], parts[3], arn)
    return FunctionRef("", default_region, arn)


APIGATEWAY = "apigateway.amazonaws.com"
# What Lambda knows of a request that comes through a function URL with AuthType NONE.
PUBLIC_URL_CONTEXT = {"lambda:FunctionUrlAuthType": "NONE", "lambda:InvokedViaFunctionUrl": "true"}


def api_refused(function: FunctionRef, source_arns: list[str]) -> str | None:
    """Why API Gateway may not invoke the function, or None: the function's resource-based
    policy must allow apigateway.amazonaws.com for one of the request's execute-api ARNs
    (``arn:aws:execute-api:region:account:api-id/stage/METHOD/path``; the path as sent and
    as the resource or route declares it). AWS answers a refusal with its 500."""
    arn = function.name_or_arn
    if not arn.startswith("arn:"):
        arn = f"arn:aws:lambda:{function.region}:{function.account_id}:function:{arn}"
    account = function.account_id
    if any(moto_state.function_allows(arn, APIGATEWAY, s, account) for s in source_arns):
        return None
    return (
        f"the resource-based policy of {arn} does not let {APIGATEWAY} invoke it for "
        f"{source_arns[0]} (lambda add_permission)"
    )


def public_url_refused(function_arn: str) -> str | None:
    """Why a function URL with AuthType NONE may not be called, or None: its function's
    policy must allow principal "*" lambda:InvokeFunctionUrl (condition
    lambda:FunctionUrlAuthType NONE) and, for URLs made since October 2025,
    lambda:InvokeFunction (condition lambda:InvokedViaFunctionUrl). AWS answers 403."""
    for action in ("lambda:InvokeFunctionUrl", INVOKE):
        if not moto_state.function_allows(
            function_arn, ANYONE, None, None, action, PUBLIC_URL_CONTEXT
        ):
            return (
                f'the resource-based policy of {function_arn} does not allow principal "*" '
                f"{action} through the URL (lambda add_permission)"
            )
    return None


def invoke(service: Any, function: FunctionRef, event: dict[str, Any], wait_s: float) -> Outcome:
    """Run the function synchronously; give up waiting after ``wait_s`` seconds."""
    outcome = Outcome(TIMEOUT)
    done = threading.Event()
    body = json.dumps(event)

    def run() -> None:
        nonlocal outcome
        response_headers: dict[str, str] = {}
        try:
            backend = moto_state.lambda_backend(function.account_id, function.region)
            payload = service.invoke_api(
                backend,
                function.name_or_arn,
                None,
                body,
                {"X-Amz-Invocation-Type": "RequestResponse"},
                response_headers,
            )
            kind = FUNCTION_ERROR if response_headers.get("x-amz-function-error") else OK
            outcome = Outcome(kind, payload or b"", response_headers.get(REQUEST_ID_HEADER, ""))
        except moto_state.TooManyRequestsException:
            outcome = Outcome(THROTTLED, reason="Lambda throttled the invocation (429)")
        except moto_state.LambdaClientError as error:
            outcome = Outcome(REJECTED, reason=f"Lambda refused the invocation: {error.message}")
        except Exception as error:  # a sandbox bug: answer as API Gateway would
            logger.exception("HTTP invocation of %s failed", function.name_or_arn)
            outcome = Outcome(REJECTED, reason=f"the sandbox failed to invoke: {error}")
        finally:
            done.set()

    worker = threading.Thread(target=run, name="http-invoke", daemon=True)
    worker.start()
    if not done.wait(wait_s):
        return Outcome(TIMEOUT, reason=f"the integration timed out after {wait_s:g} s")
    return outcome
