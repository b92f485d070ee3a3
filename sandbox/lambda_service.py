"""Lambda's invoke semantics between moto's API and the sandbox's runtime.

The moto seam hands every invocation here: synchronous Invoke (payload, FunctionError,
LogType=Tail, executed version), asynchronous ones (Event and every asynchronous
source) to ``AsyncInvoker``, throttling as TooManyRequestsException, and the AWS/Lambda
metrics each invocation publishes. It owns the sandbox clock's users: the asynchronous
queue, the event source mappings' pollers and the push sources (with their schedules).
Provisioned concurrency configs live here too.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox import moto_state, triggers
from sandbox.async_invoke import AsyncInvoker
from sandbox.clock import SandboxClock
from sandbox.pollers import EventSourcePollers
from sandbox.request_context import current_requester
from sandbox.runtime.lambda_runtime import LambdaRuntime, Throttled
from sandbox.runtime.spec import FunctionSpec, InvocationResult

logger = logging.getLogger(__name__)
# Lambda answers Invoke with the invocation's own request id (context.aws_request_id);
# moto sets a random one after us, so the gateway swaps it in from this header.
REQUEST_ID_HEADER = "x-sandbox-invocation-request-id"
SYNC_REQUEST_LIMIT = 6 * 1024 * 1024
ASYNC_REQUEST_LIMIT = 1024 * 1024  # raised from 256 KB in October 2025


class RequestTooLargeException(moto_state.LambdaClientError):
    code = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )


def header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def event_text(body: Any) -> str:
    """The request payload as JSON text; Lambda refuses what is not JSON."""
    if body is None or body == b"" or body == "":
        return "{}"
    text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
    if not isinstance(text, str):
        return json.dumps(text)
    try:
        json.loads(text)
    except ValueError as error:
        raise moto_state.InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {error}"
        ) from None
    return text


@dataclass
class ProvisionedConfig:
    requested: int
    status: str = "IN_PROGRESS"
    allocated: int = 0
    last_modified: str = field(
        default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": self.allocated,
            "AllocatedProvisionedConcurrentExecutions": self.allocated,
            "Status": self.status,
            "LastModified": self.last_modified,
        }


class LambdaService:
    def __init__(
        self,
        runtime: LambdaRuntime,
        clock: SandboxClock | None = None,
        async_workers: int = 4,
    ) -> None:
        from sandbox.sources import PushSources

        self.runtime = runtime
        self.clock = clock or SandboxClock()
        self.async_invoker = AsyncInvoker(self, self.clock, async_workers)
        self.pollers = EventSourcePollers(self, self.clock)
        self.sources = PushSources(self, self.clock)
        self._provisioned: dict[tuple[str, str, str, str], ProvisionedConfig] = {}
        self._lock = threading.Lock()

    def start_sources(self) -> None:
        """Pollers and schedules for what moto already holds (a sandbox restarted in a
        process keeps moto's state)."""
        self.pollers.start_existing()
        self.sources.scheduler.start_existing()

    # Running ---------------------------------------------------------------------------

    def run(
        self,
        spec: FunctionSpec,
        event: str,
        invoked_arn: str,
        client_context: dict | None = None,
        request_id: str | None = None,
    ) -> InvocationResult:
        """One invocation with its metrics; raises Throttled (and counts a Throttle)."""
        try:
            result = self.runtime.invoke(spec, event, invoked_arn, client_context, request_id)
        except Throttled:
            self.metrics(spec, {"Throttles": (1.0, "Count")})
            raise
        self.metrics(
            spec,
            {
                "Invocations": (1.0, "Count"),
                "Errors": (1.0 if result.function_error else 0.0, "Count"),
                "Duration": (result.duration_ms, "Milliseconds"),
                "ConcurrentExecutions": (float(result.concurrent_executions), "Count"),
            },
        )
        return result

    def metrics(self, spec: FunctionSpec, values: dict[str, tuple[float, str]]) -> None:
        moto_state.publish_metrics(spec.account_id, spec.region, spec.function_name, values)

    # The moto seam calls these -----------------------------------------------------------

    def invoke_api(
        self,
        backend: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> bytes:
        try:
            return self._invoke_api(
                backend, function_name, qualifier, body, headers, response_headers
            )
        except moto_state.LambdaClientError:
            raise
        except Exception as error:  # a sandbox bug: answer as Lambda would, keep serving
            logger.exception("invoke of %s failed inside the sandbox", function_name)
            raise moto_state.ServiceException(f"The sandbox failed to invoke: {error}") from None

    def _invoke_api(
        self,
        backend: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> bytes:
        invocation_type = header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if qualifier is None and headers:
            # moto 5.2 reads Invoke's ?Qualifier= as "qualifier" and always misses it.
            requester = current_requester.get()
            qualifier = requester.query_parameter("Qualifier") if requester else None
        spec, invoked_arn = moto_state.resolve_invocation(backend, function_name, qualifier)
        event = event_text(body)
        size = len(event.encode("utf-8"))
        if invocation_type == "Event":
            if size > ASYNC_REQUEST_LIMIT:
                raise RequestTooLargeException(size, ASYNC_REQUEST_LIMIT)
            response_headers[REQUEST_ID_HEADER] = self.submit_async(spec, event, invoked_arn)
            return b""
        if size > SYNC_REQUEST_LIMIT:
            raise RequestTooLargeException(size, SYNC_REQUEST_LIMIT)
        if invocation_type == "DryRun":
            return b""
        client_context = None
        encoded_context = header(headers, "X-Amz-Client-Context")
        if encoded_context:
            try:
                client_context = json.loads(base64.b64decode(encoded_context))
            except ValueError:
                client_context = None
        internal = not headers  # moto's own event sources call with no HTTP headers
        try:
            result = self.run(spec, event, invoked_arn, client_context)
        except Throttled as throttled:
            if internal:
                response_headers["x-amz-function-error"] = "Unhandled"
                return b'{"errorType": "TooManyRequestsException"}'
            raise moto_state.TooManyRequestsException(throttled.reason) from None
        response_headers[REQUEST_ID_HEADER] = result.request_id  # the gateway publishes it
        response_headers["x-amz-executed-version"] = result.executed_version
        response_headers["x-amz-log-result"] = result.log_tail
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        response_headers["Content-Length"] = str(len(result.payload))
        return result.payload

    def invoke_from_event_source(self, fn: Any, body: Any) -> bytes:
        spec = moto_state.trigger_spec(fn)
        try:
            return self.run(spec, event_text(body), spec.function_arn).payload
        except Throttled:
            return b'{"errorType": "TooManyRequestsException"}'

    def s3_notification(
        self, account_id: str, event_body: dict, fn_arn: str, region_name: str
    ) -> None:
        bucket = event_body["Records"][0]["s3"]["bucket"]["name"]
        if not self.s3_may_invoke(account_id, bucket, fn_arn):
            logger.info("S3 may not invoke %s for bucket %s: not delivered", fn_arn, bucket)
            return  # AWS: the permission was removed after the notification was saved
        try:
            spec, invoked_arn = moto_state.function_by_arn(account_id, region_name, fn_arn)
        except (
            Exception
        ):  # S3 delivers asynchronously: a missing function is not the uploader's error
            return
        self.submit_async(spec, json.dumps(event_body), invoked_arn, source="s3")

    def s3_may_invoke(self, bucket_account: str, bucket_name: str, fn_arn: str) -> bool:
        """Does the function's resource-based policy let S3 invoke it for this bucket?
        (Only a function of the bucket's own account: nothing crosses learner accounts.)"""
        return fn_arn.split(":")[4:5] == [bucket_account] and moto_state.function_allows(
            fn_arn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket_name}", bucket_account
        )

    def s3_event(self, change: triggers.S3ObjectChange) -> dict:
        requester = current_requester.get()
        access_key = requester.access_key_id if requester else None
        principal = moto_state.principal_id(access_key, change.bucket_owner_account)
        source_ip = requester.source_ip if requester else "127.0.0.1"
        return triggers.s3_event(change, principal, source_ip)

    # Asynchronous invocations ------------------------------------------------------------

    def submit_async(
        self, spec: FunctionSpec, event: str, invoked_arn: str, source: str = "Invoke"
    ) -> str:
        """Queue an asynchronous invocation; returns its request id."""
        return self.async_invoker.submit(spec, event, invoked_arn, source)

    def wait_for_async(self, timeout_s: float = 30.0, include_retries: bool = False) -> bool:
        """Block until queued asynchronous invocations have run and the event source
        mappings have read what their sources hold (for tests and labs). Events waiting
        on the sandbox clock for a retry count only with ``include_retries``."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if not self.async_invoker.wait(max(remaining, 0.0), include_retries):
                return False
            if not self.pollers.busy():
                # A poller may have just queued more (a destination): look once more.
                if not self.async_invoker.busy(include_retries):
                    return True
                continue
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    # Provisioned concurrency -------------------------------------------------------------

    def put_provisioned(
        self, account_id: str, region: str, function_name: str, qualifier: str, count: int
    ) -> dict[str, Any]:
        backend = moto_state.lambda_backend(account_id, region)
        spec, _ = moto_state.resolve_invocation(backend, function_name, qualifier)
        if spec.version == "$LATEST":
            raise moto_state.InvalidParameterValueException(
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions."
            )
        key = (account_id, region, spec.function_name, qualifier)
        config = ProvisionedConfig(requested=count)
        with self._lock:
            self._provisioned[key] = config

        def allocate() -> None:
            self.runtime.provision(spec, count)
            config.allocated = self.runtime.pool.provisioned_count(spec)
            config.status = "READY" if config.allocated >= count else "FAILED"

        threading.Thread(target=allocate, name="provisioning", daemon=True).start()
        return config.to_json()

    def get_provisioned(
        self, account_id: str, region: str, function_name: str, qualifier: str
    ) -> dict[str, Any] | None:
        with self._lock:
            config = self._provisioned.get((account_id, region, function_name, qualifier))
        return None if config is None else config.to_json()

    def delete_provisioned(
        self, account_id: str, region: str, function_name: str, qualifier: str
    ) -> bool:
        with self._lock:
            config = self._provisioned.pop((account_id, region, function_name, qualifier), None)
        if config is None:
            return False
        backend = moto_state.lambda_backend(account_id, region)
        spec, _ = moto_state.resolve_invocation(backend, function_name, qualifier)
        self.runtime.unprovision(spec)
        return True

    def forget_account(self, account_id: str) -> None:
        with self._lock:
            for key in [k for k in self._provisioned if k[0] == account_id]:
                del self._provisioned[key]
        self.runtime.retire(account_id)

    def shutdown(self) -> None:
        self.pollers.stop()
        self.async_invoker.shutdown()
