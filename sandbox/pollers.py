"""Event source mappings: the pollers that read SQS queues, DynamoDB streams and Kinesis
streams and invoke functions with batches, as Lambda's event source mappings do.

moto stores the mappings and answers their API; on its own it would push every single
record to the function from inside the producer's request. The seam takes the mappings
away from moto's sources and starts a poller per mapping here instead:

SQS: batches of up to ``BatchSize`` messages, gathered for up to
``MaximumBatchingWindowInSeconds``; a successful batch is deleted; a failed one becomes
visible again after the queue's visibility timeout and, after ``maxReceiveCount``
receives, moves to the queue's dead-letter queue (RedrivePolicy); with
``ReportBatchItemFailures`` only the messages the function names stay in the queue.

DynamoDB Streams and Kinesis: batches in order per shard from ``StartingPosition``
(TRIM_HORIZON, LATEST, AT_TIMESTAMP); a failed batch is retried (``MaximumRetryAttempts``,
``MaximumRecordAgeInSeconds``), split in two first with ``BisectBatchOnFunctionError``,
and once discarded, described to the ``OnFailure`` destination; with
``ReportBatchItemFailures`` processing resumes from the first failed record.

Waits (batching windows, retry backoff, visibility timeouts) run on the sandbox clock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox import events, moto_state
from sandbox.async_invoke import deliver
from sandbox.clock import SandboxClock
from sandbox.runtime.lambda_runtime import Throttled
from sandbox.runtime.spec import InvocationResult

if TYPE_CHECKING:
    from sandbox.lambda_service import LambdaService

logger = logging.getLogger(__name__)

IDLE_POLL_S = 0.05  # real seconds between looks at an empty source
STREAM_RETENTION_S = 86400.0  # records older than a day are gone (DynamoDB, Kinesis default)
REPORT_FAILURES = "ReportBatchItemFailures"


class Poller(threading.Thread):
    """One event source mapping's poller; stops when the mapping is deleted."""

    kind = ""

    def __init__(self, manager: EventSourcePollers, esm: Any, account_id: str, region: str) -> None:
        super().__init__(name=f"esm-{esm.uuid[:8]}", daemon=True)
        self.manager = manager
        self.esm = esm
        self.account_id = account_id
        self.region = region
        self.stopped = threading.Event()
        self.busy = False

    @property
    def service(self) -> LambdaService:
        return self.manager.service

    @property
    def clock(self) -> SandboxClock:
        return self.manager.clock

    def alive(self) -> bool:
        return not self.stopped.is_set() and moto_state.event_source_mapping_exists(
            self.account_id, self.region, self.esm
        )

    def run(self) -> None:
        while self.alive():
            if not self.esm.enabled:
                self.stopped.wait(IDLE_POLL_S * 4)
                continue
            try:
                worked = self.poll_once()
            except Exception:
                logger.exception("event source mapping %s failed", self.esm.uuid)
                worked = False
            finally:
                self.busy = False
            if not worked:
                self.idle()
        self.manager.forget(self)

    def idle(self) -> None:
        """Nothing to do: wait a little before looking again."""
        self.stopped.wait(IDLE_POLL_S)

    def poll_once(self) -> bool:
        """Process what is there; False when there was nothing."""
        raise NotImplementedError

    def has_work(self) -> bool:
        return self.busy

    def invoke(self, event: dict[str, Any]) -> InvocationResult | None:
        """Invoke synchronously, as mappings do; None when throttled or gone."""
        try:
            spec, invoked = moto_state.function_by_arn(
                self.account_id, self.region, self.esm.function_arn
            )
        except Exception:
            return None
        try:
            return self.service.run(spec, json.dumps(event), invoked)
        except Throttled:
            return None

    def on_failure_target(self) -> str | None:
        config = self.esm.destination_config or {}
        return (config.get("OnFailure") or {}).get("Destination") or None

    def reports_failures(self) -> bool:
        return REPORT_FAILURES in (self.esm.function_response_types or [])


def failed_items(result: InvocationResult, identifiers: list[str]) -> set[str] | None:
    """The items a partial batch response names: an empty set when the batch succeeded
    (no, null or an empty ``batchItemFailures``), None when the whole batch failed (a
    response that is not an object, an empty, missing or unknown ``itemIdentifier``)."""
    try:
        answer = json.loads(result.payload or b"null")
    except ValueError:
        return None
    if answer is None:
        return set()
    if not isinstance(answer, dict):
        return None
    failures = answer.get("batchItemFailures")
    if failures is None or failures == []:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return None
        failed.add(identifier)
    return failed


# SQS -------------------------------------------------------------------------------


class SqsPoller(Poller):
    kind = "sqs"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.queue_name = self.esm.event_source_arn.split(":")[5]

    def has_work(self) -> bool:
        return (
            self.busy
            or moto_state.sqs_visible_count(self.account_id, self.region, self.queue_name) > 0
        )

    def idle(self) -> None:
        """Long polling: moto wakes the poller as soon as a message arrives."""
        moto_state.sqs_wait(self.account_id, self.region, self.queue_name, IDLE_POLL_S * 4)

    def poll_once(self) -> bool:
        window = float(self.esm.max_batch_window or 0)
        batch_size = int(self.esm.batch_size)
        messages = moto_state.sqs_receive(self.account_id, self.region, self.queue_name, batch_size)
        if not messages:
            return False
        self.busy = True
        if window > 0:  # gather until the batch is full or the window closes
            closes = self.clock.now() + window
            while len(messages) < batch_size and self.clock.now() < closes and self.alive():
                more = moto_state.sqs_receive(
                    self.account_id, self.region, self.queue_name, batch_size - len(messages)
                )
                if more:
                    messages += more
                else:
                    self.clock.sleep(min(0.05 * self.clock.speed, closes - self.clock.now()))
        queue_arn = self.esm.event_source_arn
        records = [moto_state.sqs_record(message, queue_arn) for message in messages]
        result = self.invoke({"Records": records})
        if result is None or result.function_error:
            return True  # the messages come back after the visibility timeout
        handled = [m.receipt_handle for m in messages]
        if self.reports_failures():
            failed = failed_items(result, [m.id for m in messages])
            if failed is None:
                return True
            handled = [m.receipt_handle for m in messages if m.id not in failed]
        moto_state.sqs_delete(self.account_id, self.region, self.queue_name, handled)
        return True


# Streams -----------------------------------------------------------------------------


@dataclass
class StreamRecord:
    sequence: str  # as the stream shows it
    order: int  # for comparisons
    arrival: float
    record: dict[str, Any]  # the record as the function sees it


class StreamPoller(Poller):
    """Shared by DynamoDB Streams and Kinesis: ordered batches per shard, retries, bisect."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.positions: dict[str, int] = {}  # shard id -> last processed order
        # Where each shard starts is fixed when the mapping is created (LATEST: after
        # what the stream holds now), not when the poller first looks.
        with contextlib.suppress(Exception):
            for shard in self.shards():
                self.positions[shard] = self.start_position(shard)

    def shards(self) -> list[str]:
        raise NotImplementedError

    def records_after(self, shard: str, order: int, limit: int) -> list[StreamRecord]:
        raise NotImplementedError

    def start_position(self, shard: str) -> int:
        raise NotImplementedError

    def batch_info_kind(self) -> str:
        raise NotImplementedError

    def has_work(self) -> bool:
        if self.busy:
            return True
        with contextlib.suppress(Exception):
            for shard in self.shards():
                if self.records_after(shard, self._position(shard), 1):
                    return True
        return False

    def _position(self, shard: str) -> int:
        if shard not in self.positions:
            self.positions[shard] = self.start_position(shard)
        return self.positions[shard]

    def poll_once(self) -> bool:
        worked = False
        for shard in self.shards():
            batch = self.records_after(shard, self._position(shard), int(self.esm.batch_size))
            window = float(self.esm.max_batch_window or 0)
            if batch and window > 0 and len(batch) < int(self.esm.batch_size):
                closes = self.clock.now() + window
                while self.clock.now() < closes and self.alive():
                    self.clock.sleep(min(0.05 * self.clock.speed, closes - self.clock.now()))
                    batch = self.records_after(
                        shard, self._position(shard), int(self.esm.batch_size)
                    )
                    if len(batch) >= int(self.esm.batch_size):
                        break
            if not batch:
                continue
            self.busy = True
            worked = True
            self.process(shard, batch)
            self.positions[shard] = max(self.positions[shard], batch[-1].order)
        return worked

    def process(self, shard: str, batch: list[StreamRecord]) -> None:
        """Invoke until the batch succeeds or is discarded (to the OnFailure destination)."""
        retries_allowed = self.esm.max_retry_attempts
        retries_allowed = -1 if retries_allowed is None else int(retries_allowed)
        max_age = self.esm.max_record_age
        max_age = STREAM_RETENTION_S if max_age in (None, -1) else float(max_age)
        attempts = 0
        while self.alive():
            if self.clock.now() - batch[0].arrival > max_age:
                self.discard(shard, batch, "RecordAgeExceeded", attempts, None)
                return
            result = self.invoke({"Records": [r.record for r in batch]})
            if result is None:  # throttled: try again shortly
                self.clock.sleep(1.0, self.stopped)
                continue
            attempts += 1
            if not result.function_error:
                if not self.reports_failures():
                    return
                failed = failed_items(result, [r.sequence for r in batch])
                if failed == set():
                    return
                if failed is not None:  # checkpoint: resume from the first failed record
                    first = min(i for i, r in enumerate(batch) if r.sequence in failed)
                    batch = batch[first:]
                    self.positions[shard] = max(self.positions[shard], batch[0].order - 1)
                    if attempts > retries_allowed >= 0:
                        self.discard(shard, batch, "RetryAttemptsExhausted", attempts, result)
                        return
                    self.clock.sleep(min(2 ** (attempts - 1), 60), self.stopped)
                    continue
            if self.esm.bisect_on_error and len(batch) > 1:
                middle = len(batch) // 2
                self.process(shard, batch[:middle])
                self.positions[shard] = max(self.positions[shard], batch[middle - 1].order)
                self.process(shard, batch[middle:])
                return
            if attempts > retries_allowed >= 0:
                self.discard(shard, batch, "RetryAttemptsExhausted", attempts, result)
                return
            self.clock.sleep(min(2 ** (attempts - 1), 60), self.stopped)

    def discard(
        self,
        shard: str,
        batch: list[StreamRecord],
        condition: str,
        attempts: int,
        result: InvocationResult | None,
    ) -> None:
        target = self.on_failure_target()
        if not target:
            return
        record = events.stream_failure_record(
            kind=self.batch_info_kind(),
            request_id=result.request_id if result else str(uuid.uuid4()),
            function_arn=self.esm.function_arn,
            condition=condition,
            invoke_count=attempts,
            status_code=200,
            executed_version=result.executed_version if result else None,
            function_error=result.function_error if result else None,
            shard_id=shard,
            first_sequence=batch[0].sequence,
            last_sequence=batch[-1].sequence,
            first_arrival=batch[0].arrival,
            last_arrival=batch[-1].arrival,
            batch_size=len(batch),
            stream_arn=self.esm.event_source_arn,
        )
        try:
            deliver(self.service, self.account_id, target, record, success=False)
        except moto_state.DeliveryError as error:
            logger.info("on-failure destination %s failed: %s", target, error)


class DynamoDBStreamPoller(StreamPoller):
    kind = "dynamodb"

    def batch_info_kind(self) -> str:
        return "dynamodb"

    def shards(self) -> list[str]:
        shard = moto_state.dynamodb_stream_shard(
            self.account_id, self.region, self.esm.event_source_arn
        )
        return [shard.id] if shard is not None else []

    def start_position(self, shard: str) -> int:
        if (self.esm.starting_position or "TRIM_HORIZON") == "LATEST":
            stream = moto_state.dynamodb_stream_shard(
                self.account_id, self.region, self.esm.event_source_arn
            )
            return len(stream.items) if stream is not None else 0
        return 0

    def records_after(self, shard: str, order: int, limit: int) -> list[StreamRecord]:
        stream = moto_state.dynamodb_stream_shard(
            self.account_id, self.region, self.esm.event_source_arn
        )
        if stream is None:
            return []
        found = []
        for index, item in enumerate(list(stream.items[order : order + limit]), start=order + 1):
            found.append(
                moto_state.dynamodb_stream_record(
                    item, index, self.esm.event_source_arn, self.region
                )
            )
        return found


class KinesisPoller(StreamPoller):
    kind = "kinesis"

    def batch_info_kind(self) -> str:
        return "kinesis"

    def shards(self) -> list[str]:
        return moto_state.kinesis_shard_ids(self.account_id, self.region, self.esm.event_source_arn)

    def start_position(self, shard: str) -> int:
        position = self.esm.starting_position or "TRIM_HORIZON"
        if position == "LATEST":
            return moto_state.kinesis_last_sequence(
                self.account_id, self.region, self.esm.event_source_arn, shard
            )
        if position == "AT_TIMESTAMP" and self.esm.starting_position_timestamp:
            return moto_state.kinesis_sequence_before(
                self.account_id,
                self.region,
                self.esm.event_source_arn,
                shard,
                float(self.esm.starting_position_timestamp),
            )
        return 0

    def records_after(self, shard: str, order: int, limit: int) -> list[StreamRecord]:
        role = moto_state.function_role(self.account_id, self.region, self.esm.function_arn)
        return [
            StreamRecord(str(seq), seq, arrival, record)
            for seq, arrival, record in moto_state.kinesis_records(
                self.account_id, self.region, self.esm.event_source_arn, shard, order, limit, role
            )
        ]


POLLERS = {"sqs": SqsPoller, "dynamodb": DynamoDBStreamPoller, "kinesis": KinesisPoller}


class EventSourcePollers:
    """The running pollers, one per event source mapping."""

    def __init__(self, service: LambdaService, clock: SandboxClock) -> None:
        self.service = service
        self.clock = clock
        self._lock = threading.Lock()
        self._pollers: dict[int, Poller] = {}
        self._closed = False

    def mapping_created(self, esm: Any) -> None:
        """Called by the seam when a mapping is created: its poller starts now."""
        service = esm.event_source_arn.split(":")[2]
        poller_class = POLLERS.get(service)
        if poller_class is None:
            return
        with self._lock:
            if self._closed or id(esm) in self._pollers:
                return
            poller = poller_class(self, esm, esm.account_id, esm.region)
            self._pollers[id(esm)] = poller
        poller.start()

    def start_existing(self) -> None:
        for esm in moto_state.all_event_source_mappings():
            self.mapping_created(esm)

    def forget(self, poller: Poller) -> None:
        with self._lock:
            if self._pollers.get(id(poller.esm)) is poller:
                del self._pollers[id(poller.esm)]

    def busy(self) -> bool:
        with self._lock:
            pollers = list(self._pollers.values())
        return any(p.esm.enabled and p.has_work() for p in pollers)

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            pollers = list(self._pollers.values())
            self._pollers.clear()
        for poller in pollers:
            poller.stopped.set()
        deadline = time.monotonic() + 5
        for poller in pollers:
            poller.join(max(0.0, deadline - time.monotonic()))
