"""Asynchronous invocation, as Lambda does it: a queue, retries, and what happens to failures.

``Invoke`` with ``InvocationType=Event`` and every asynchronous source (S3, SNS,
EventBridge, CloudWatch Logs, Lambda destinations) hand an event to ``AsyncInvoker``,
which answers at once (202) and runs it from its queue:

* a function error is retried twice (``MaximumRetryAttempts``, 0-2), 1 minute and then
  2 minutes later, by the sandbox clock;
* a throttled or otherwise unrun event is retried with backoff (1 s doubling to 5 min)
  until it is older than ``MaximumEventAgeInSeconds`` (60 s to 6 h, 6 h by default);
* an event that fails every attempt, or grows too old, goes to the function's
  ``DeadLetterConfig`` target (SQS or SNS: the event itself, with the RequestID,
  ErrorCode and ErrorMessage attributes) and to the ``OnFailure`` destination of its
  event invoke config (an invocation record); a success goes to ``OnSuccess``.
  Destinations are SQS queues, SNS topics, Lambda functions or EventBridge buses, in the
  function's own account.

The request id is the one the caller got back, and the one the handler sees, on every
attempt.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import events, moto_state
from sandbox.clock import SandboxClock
from sandbox.runtime.lambda_runtime import Throttled
from sandbox.runtime.spec import FunctionSpec, InvocationResult

if TYPE_CHECKING:
    from sandbox.lambda_service import LambdaService

logger = logging.getLogger(__name__)

RETRY_DELAYS_S = (60.0, 120.0)  # Lambda's waits before the first and the second retry
DEFAULT_MAX_AGE_S = 21600.0
THROTTLE_BACKOFF_S = (1.0, 300.0)  # first wait, longest wait
ERROR_MESSAGE_BYTES = 1024  # what the ErrorMessage attribute of a DLQ message keeps


@dataclass
class AsyncEvent:
    account_id: str
    region: str
    invoked_arn: str  # what was invoked: function, version or alias ARN
    payload: str
    request_id: str
    source: str
    received_at: float  # sandbox clock
    attempts: int = 0  # invocations that ran (not throttles)
    throttles: int = 0
    last_result: InvocationResult | None = field(default=None, repr=False)


class AsyncInvoker:
    def __init__(self, service: LambdaService, clock: SandboxClock, workers: int = 4) -> None:
        self.service = service
        self.clock = clock
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="lambda-async")
        self._lock = threading.Condition()
        self._active = 0  # queued or running now
        self._parked = 0  # waiting on the clock for a retry
        self._closed = False

    # Queue ---------------------------------------------------------------------------

    def submit(
        self,
        spec: FunctionSpec,
        payload: str,
        invoked_arn: str,
        source: str = "Invoke",
        request_id: str | None = None,
    ) -> str:
        """Queue one event; returns its request id (Invoke's x-amzn-RequestId)."""
        event = AsyncEvent(
            account_id=spec.account_id,
            region=spec.region,
            invoked_arn=invoked_arn,
            payload=payload,
            request_id=request_id or str(uuid.uuid4()),
            source=source,
            received_at=self.clock.now(),
        )
        self.service.metrics(spec, {"AsyncEventsReceived": (1.0, "Count")})
        self._queue(event)
        return event.request_id

    def _queue(self, event: AsyncEvent) -> None:
        with self._lock:
            if self._closed:
                return
            self._active += 1
        try:
            self._executor.submit(self._attempt, event)
        except RuntimeError:  # shut down meanwhile
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._active -= 1
            self._lock.notify_all()

    def _park(self, event: AsyncEvent, delay_s: float) -> None:
        """Run the event again ``delay_s`` (virtual) seconds from now."""
        with self._lock:
            self._parked += 1

        def wake(_: float) -> None:
            with self._lock:
                self._parked -= 1
            self._queue(event)

        self.clock.call_later(delay_s, wake)

    # One attempt -----------------------------------------------------------------------

    def _attempt(self, event: AsyncEvent) -> None:
        try:
            self._attempt_once(event)
        except Exception:
            logger.exception("asynchronous invocation %s failed in the sandbox", event.request_id)
        finally:
            self._done()

    def _attempt_once(self, event: AsyncEvent) -> None:
        try:
            spec, _ = moto_state.function_by_arn(event.account_id, event.region, event.invoked_arn)
        except Exception:
            return  # deleted, or its account was reset, while the event waited
        config = moto_state.event_invoke_config(spec)
        max_age = float(config.get("MaximumEventAgeInSeconds") or DEFAULT_MAX_AGE_S)
        if self.clock.now() - event.received_at > max_age:
            self._failed(event, spec, config, "EventAgeExceeded")
            return
        try:
            result = self.service.run(
                spec, event.payload, event.invoked_arn, request_id=event.request_id
            )
        except Throttled:
            event.throttles += 1
            first, longest = THROTTLE_BACKOFF_S
            self._park(event, min(first * 2 ** (event.throttles - 1), longest))
            return
        event.attempts += 1
        event.last_result = result
        if not result.function_error:
            self._succeeded(event, spec, config, result)
            return
        retries = config.get("MaximumRetryAttempts")
        retries = 2 if retries is None else int(retries)
        if event.attempts > retries:
            self._failed(event, spec, config, "RetriesExhausted")
            return
        delay = RETRY_DELAYS_S[min(event.attempts - 1, len(RETRY_DELAYS_S) - 1)]
        if self.clock.now() + delay - event.received_at > max_age:
            # The retry would come too late: wake when the event expires, to discard it.
            expires_in = event.received_at + max_age - self.clock.now()
            self._park(event, max(0.0, expires_in) + 0.001)
            return
        self._park(event, delay)

    # Outcomes --------------------------------------------------------------------------

    def _record(self, event: AsyncEvent, spec: FunctionSpec, condition: str) -> dict[str, Any]:
        result = event.last_result
        try:
            request_payload = json.loads(event.payload)
        except ValueError:
            request_payload = event.payload
        response_payload = None
        if result is not None:
            try:
                response_payload = json.loads(result.payload or b"null")
            except ValueError:
                response_payload = result.payload.decode("utf-8", "replace")
        version_arn = f"{spec.function_arn}:{spec.version}"
        return events.invocation_record(
            request_id=event.request_id,
            function_arn=version_arn,
            condition=condition,
            invoke_count=max(event.attempts, 1),
            request_payload=request_payload,
            status_code=200,
            executed_version=result.executed_version if result else None,
            function_error=result.function_error if result else None,
            response_payload=response_payload,
            timestamp=self.clock.now(),
        )

    def _succeeded(
        self,
        event: AsyncEvent,
        spec: FunctionSpec,
        config: dict[str, Any],
        result: InvocationResult,
    ) -> None:
        target = ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination")
        if target:
            self._deliver_record(spec, target, self._record(event, spec, "Success"), True)

    def _failed(
        self, event: AsyncEvent, spec: FunctionSpec, config: dict[str, Any], condition: str
    ) -> None:
        self.service.metrics(spec, {"AsyncEventsDropped": (1.0, "Count")})
        target = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if target:
            self._deliver_record(spec, target, self._record(event, spec, condition), False)
        dead_letter = moto_state.dead_letter_target(spec)
        if dead_letter:
            self._dead_letter(event, spec, dead_letter, condition)

    def _dead_letter(
        self, event: AsyncEvent, spec: FunctionSpec, target: str, condition: str
    ) -> None:
        message = condition
        if event.last_result is not None:
            try:
                error = json.loads(event.last_result.payload)
                message = str(error.get("errorMessage") or condition)
            except (ValueError, AttributeError):
                pass
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": message.encode()[:ERROR_MESSAGE_BYTES].decode("utf-8", "ignore"),
            },
        }
        try:
            moto_state.same_account(target, spec.account_id)
            if ":sqs:" in target:
                moto_state.send_sqs_message(target, event.payload, attributes)
            elif ":sns:" in target:
                sns_attributes = {
                    name: {"Type": value["DataType"], "Value": value["StringValue"]}
                    for name, value in attributes.items()
                }
                moto_state.publish_sns_message(target, event.payload, None, sns_attributes)
            else:
                raise moto_state.DeliveryError(f"{target} is neither an SQS queue nor a topic")
        except moto_state.DeliveryError as error:
            logger.info("dead-letter delivery of %s failed: %s", event.request_id, error)
            self.service.metrics(spec, {"DeadLetterErrors": (1.0, "Count")})

    def _deliver_record(
        self, spec: FunctionSpec, target: str, record: dict[str, Any], success: bool
    ) -> None:
        try:
            deliver(self.service, spec.account_id, target, record, success)
        except moto_state.DeliveryError as error:
            logger.info("destination %s failed: %s", target, error)
            self.service.metrics(spec, {"DestinationDeliveryFailures": (1.0, "Count")})

    # Waiting -----------------------------------------------------------------------------

    def busy(self, include_parked: bool = False) -> bool:
        with self._lock:
            return self._active > 0 or (include_parked and self._parked > 0)

    def wait(self, timeout_s: float, include_parked: bool = False) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while self._active or (include_parked and self._parked):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(min(remaining, 0.05))
        return True

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


def deliver(
    service: LambdaService, account_id: str, target: str, record: dict[str, Any], success: bool
) -> None:
    """An invocation record (or a discarded batch's record) to a destination of the
    function's own account: SQS, SNS, Lambda (invoked asynchronously) or EventBridge."""
    moto_state.same_account(target, account_id)
    service_name = target.split(":")[2]
    body = json.dumps(record)
    if service_name == "sqs":
        moto_state.send_sqs_message(target, body)
    elif service_name == "sns":
        moto_state.publish_sns_message(target, body)
    elif service_name == "lambda":
        try:
            spec, invoked = moto_state.function_by_arn(account_id, target.split(":")[3], target)
        except Exception as error:
            raise moto_state.DeliveryError(f"no function {target}: {error}") from None
        service.submit_async(spec, body, invoked, source="destination")
    elif service_name == "events":
        function_arn = record["requestContext"]["functionArn"]
        moto_state.put_event(target, events.destination_event(record, function_arn, success))
    else:
        raise moto_state.DeliveryError(f"{target} is not a destination Lambda supports")
