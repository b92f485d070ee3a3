"""Sandbox figures, all measured in one run: `python bench/sandbox.py [--quick]`.

* bare Python start (`python -c pass`), the yardstick every ratio uses;
* cold-start and warm-start invoke latency through boto3 (p50, p95), with ratios;
* what the sandbox adds to a warm invoke: the runtime alone (pipe round trip, logs,
  metrics) and boto3 + HTTP + moto compared with a cheap Lambda API call;
* S3 upload to the log line being visible through filter_log_events;
* memory of one idle execution environment (PSS of all its processes);
* SQS message to handler: from just before SendMessage to the handler's first line,
  through an event source mapping (batch size 1);
* a function draining 1,000 SQS messages with batch size 10 (messages per second).

Aims (issue 14): the runtime's warm overhead p50 <= 1 ms; a cold start's overhead beyond
a warm invoke and the handler's own import <= 0.5x a bare start; an idle environment's
PSS <= 10 MB. Earlier: S3 upload to visible log < 300 ms; SQS message to handler p50 <
50 ms; 1,000 messages drained in < 5 s.

`--single-learner` runs the same bench without namespaces: the two runs side by side say
what the boundary costs.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from sandbox import moto_state  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402

COLD_PACE_S = 0.25
HANDLER = """
import json

def handler(event, context):
    return {"ok": True}
"""
SQS_LATENCY_HANDLER = """
import time

def handler(event, context):
    started = time.time()
    for record in event["Records"]:
        print(f"LATENCY {started - float(record['body']):.6f}")
"""
SQS_DRAIN_HANDLER = """
def handler(event, context):
    return len(event["Records"])
"""
S3_HANDLER = """
import urllib.parse

def handler(event, context):
    key = urllib.parse.unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    print("GOT " + key)
"""


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def bare_python_start_ms(runs: int) -> list[float]:
    return [
        timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
        for _ in range(runs)
    ]


def handler_import_ms(runs: int) -> float:
    """What importing the bench handler adds to a bare start (median difference)."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.py").write_text(HANDLER)
        with_import = [
            timed(
                lambda: subprocess.run([sys.executable, "-c", "import app"], cwd=folder, check=True)
            )
            for _ in range(runs)
        ]
        bare = bare_python_start_ms(runs)
    return max(0.0, statistics.median(with_import) - statistics.median(bare))


def pss_kb(pid: int) -> int:
    """Proportional set size: a process's private memory plus its share of what it shares."""
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def idle_environment_pss_mb(sandbox: Sandbox) -> tuple[float, int]:
    """PSS of every process of one idle environment (bwrap, its init, the runtime), and
    how many processes that is."""
    from sandbox.runtime.isolation import process_table

    assert sandbox.runtime is not None
    env = sandbox.runtime.pool.idle_environments()[0]
    pids = env.own_processes(process_table())
    return sum(pss_kb(pid) for pid in pids) / 1024, len(pids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument(
        "--single-learner", action="store_true", help="no namespaces (what the boundary costs)"
    )
    args = parser.parse_args()
    cold_runs, warm_runs, s3_runs, start_runs = (5, 50, 5, 5) if args.quick else (20, 300, 20, 20)
    sqs_runs = 10 if args.quick else 50

    bare = bare_python_start_ms(start_runs)
    bare_p50, bare_p95 = percentiles(bare)
    import_ms = handler_import_ms(start_runs)

    with Sandbox(namespaces=False if args.single_learner else None) as sandbox:
        account = sandbox.learner_account("bench")
        session = dict(
            endpoint_url=sandbox.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key=account.secret_access_key,
            config=Config(retries={"total_max_attempts": 1}),
        )
        lam = boto3.client("lambda", **session)
        s3 = boto3.client("s3", **session)
        logs = boto3.client("logs", **session)
        iam = boto3.client("iam", **session)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

        def create(source: str, name: str, **settings: object) -> None:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="app.handler",
                Code={"ZipFile": zipped(source)},
                **settings,
            )

        # Cold starts: each function's first invocation starts a new environment. Paced as
        # a learner's deploys are (seconds apart), so the standby pool has refilled.
        cold, init = [], []
        for index in range(cold_runs):
            create(HANDLER, f"cold-{index}")
            time.sleep(COLD_PACE_S)
            started = time.perf_counter()
            response = lam.invoke(FunctionName=f"cold-{index}", LogType="Tail")
            cold.append((time.perf_counter() - started) * 1000)
            response["Payload"].read()
            tail = base64.b64decode(response["LogResult"]).decode()
            init.append(float(tail.split("Init Duration: ")[1].split(" ms")[0]))

        # Cold starts without a standby environment: 1 GB of /tmp is started on demand.
        scratch = []
        for index in range(start_runs):
            create(HANDLER, f"scratch-{index}", EphemeralStorage={"Size": 1024})
            time.sleep(COLD_PACE_S)
            scratch.append(
                timed(lambda i=index: lam.invoke(FunctionName=f"scratch-{i}")["Payload"].read())
            )

        # Warm starts, and the same path without an execution (a cheap Lambda API call).
        create(HANDLER, "warm")
        lam.invoke(FunctionName="warm")["Payload"].read()
        warm = [
            timed(lambda: lam.invoke(FunctionName="warm")["Payload"].read())
            for _ in range(warm_runs)
        ]
        api_call = [
            timed(lambda: lam.get_function_concurrency(FunctionName="warm"))
            for _ in range(warm_runs)
        ]
        assert sandbox.runtime is not None
        backend = moto_state.lambda_backend(account.account_id, "us-east-1")
        spec, _ = moto_state.resolve_invocation(backend, "warm", None)
        runtime_only, handler_ms = [], []
        for _ in range(warm_runs):
            started = time.perf_counter()
            result = sandbox.service.run(spec, "{}", spec.function_arn)  # type: ignore[union-attr]
            runtime_only.append((time.perf_counter() - started) * 1000)
            handler_ms.append(result.duration_ms)

        # S3 upload -> function -> log line visible to filter_log_events.
        create(S3_HANDLER, "on-upload")
        arn = lam.get_function(FunctionName="on-upload")["Configuration"]["FunctionArn"]
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        lam.add_permission(
            FunctionName="on-upload",
            StatementId="s3-invoke",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{bucket}",
        )
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
        s3.put_object(Bucket=bucket, Key="warmup", Body=b"x")
        sandbox.wait_for_async()
        upload_to_log = []
        for index in range(s3_runs):
            key = f"upload-{index}.csv"
            started = time.perf_counter()
            s3.put_object(Bucket=bucket, Key=key, Body=b"a,b\n")
            while True:
                events = logs.filter_log_events(
                    logGroupName="/aws/lambda/on-upload", filterPattern=f'"GOT {key}"'
                )["events"]
                if events:
                    break
                time.sleep(0.002)
            upload_to_log.append((time.perf_counter() - started) * 1000)

        idle_pss, idle_processes = idle_environment_pss_mb(sandbox)
        boundary = sandbox.runtime.describe_boundary()  # type: ignore[union-attr]

        # SQS -> event source mapping -> handler, one message at a time.
        sqs = boto3.client("sqs", **session)

        def new_queue(name: str) -> tuple[str, str]:
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            return url, attributes["Attributes"]["QueueArn"]

        create(SQS_LATENCY_HANDLER, "sqs-latency")
        lam.invoke(FunctionName="sqs-latency", Payload=b'{"Records": []}')["Payload"].read()
        url, arn = new_queue("latency")
        lam.create_event_source_mapping(FunctionName="sqs-latency", EventSourceArn=arn, BatchSize=1)
        for _ in range(sqs_runs):
            sqs.send_message(QueueUrl=url, MessageBody=repr(time.time()))
            sandbox.wait_for_async(10)
        sqs_latency = [
            float(m.split()[1]) * 1000
            for m in (
                e["message"]
                for e in logs.filter_log_events(
                    logGroupName="/aws/lambda/sqs-latency", filterPattern="LATENCY"
                )["events"]
            )
            if m.startswith("LATENCY ")
        ]

        # 1,000 messages waiting, then a mapping with batch size 10 drains them.
        create(SQS_DRAIN_HANDLER, "sqs-drain")
        lam.invoke(FunctionName="sqs-drain", Payload=b'{"Records": []}')["Payload"].read()
        url, arn = new_queue("backlog")
        for batch in range(100):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "MessageBody": f"job-{batch * 10 + i}"} for i in range(10)],
            )
        started = time.perf_counter()
        lam.create_event_source_mapping(FunctionName="sqs-drain", EventSourceArn=arn, BatchSize=10)
        drained = sandbox.wait_for_async(120)
        drain_s = time.perf_counter() - started
        left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        drained = drained and left["ApproximateNumberOfMessages"] == "0"
        drained = drained and left["ApproximateNumberOfMessagesNotVisible"] == "0"

    cold_p50, cold_p95 = percentiles(cold)
    scratch_p50, scratch_p95 = percentiles(scratch)
    warm_p50, warm_p95 = percentiles(warm)
    api_p50, _ = percentiles(api_call)
    runtime_p50, runtime_p95 = percentiles(runtime_only)
    overhead = [r - h for r, h in zip(runtime_only, handler_ms, strict=True)]
    overhead_p50, overhead_p95 = percentiles(overhead)
    s3_p50, s3_p95 = percentiles(upload_to_log)
    init_p50, _ = percentiles(init)
    sqs_p50, sqs_p95 = percentiles(sqs_latency)
    drain_rate = 1000 / drain_s
    # What a cold start costs beyond a warm one and the handler's own import.
    cold_overhead = cold_p50 - warm_p50 - import_ms

    def ratio(value: float) -> str:
        return f"{value / bare_p50:.2f}x bare start"

    rows = [
        ("bare `python -c pass` start", f"p50 {bare_p50:.1f} ms, p95 {bare_p95:.1f} ms", ""),
        ("handler import (over a bare start)", f"{import_ms:.1f} ms", ""),
        (
            "cold-start invoke (boto3, end to end)",
            f"p50 {cold_p50:.1f} ms, p95 {cold_p95:.1f} ms",
            f"{ratio(cold_p50)}; p95 {ratio(cold_p95)}",
        ),
        ("  of which Init Duration", f"p50 {init_p50:.1f} ms", ratio(init_p50)),
        (
            "  cold overhead (cold - warm - import)",
            f"p50 {cold_overhead:.1f} ms",
            ratio(cold_overhead),
        ),
        (
            "cold start without standby (1 GB /tmp)",
            f"p50 {scratch_p50:.1f} ms, p95 {scratch_p95:.1f} ms",
            f"{ratio(scratch_p50)}",
        ),
        (
            "warm-start invoke (boto3, end to end)",
            f"p50 {warm_p50:.2f} ms, p95 {warm_p95:.2f} ms",
            f"{ratio(warm_p50)}; p95 {ratio(warm_p95)}",
        ),
        ("  cheap Lambda API call, same path", f"p50 {api_p50:.2f} ms", ratio(api_p50)),
        (
            "  warm overhead: runtime alone",
            f"p50 {overhead_p50:.2f} ms, p95 {overhead_p95:.2f} ms",
            f"(invoke {runtime_p50:.2f}/{runtime_p95:.2f} ms minus handler time)",
        ),
        (
            "  warm overhead: invoke minus API call",
            f"p50 {warm_p50 - api_p50:.2f} ms",
            "",
        ),
        ("S3 upload to visible log line", f"p50 {s3_p50:.1f} ms, p95 {s3_p95:.1f} ms", ""),
        (
            "idle execution environment",
            f"PSS {idle_pss:.1f} MB",
            f"({idle_processes} processes)",
        ),
        ("SQS message to handler", f"p50 {sqs_p50:.1f} ms, p95 {sqs_p95:.1f} ms", ""),
        (
            "drain 1,000 SQS messages, batch 10",
            f"{drain_s:.2f} s, {drain_rate:.0f} messages/s",
            "" if drained else "(NOT fully drained)",
        ),
    ]
    width = max(len(label) for label, _, _ in rows)
    print(
        f"Sandbox bench ({'quick' if args.quick else 'full'} run, Python {sys.version.split()[0]})"
    )
    print(f"  {boundary}")
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:<32} {note}")
    print("Aims:")
    checks = [
        (f"warm overhead p50 <= 1 ms (runtime alone: {overhead_p50:.2f} ms)", overhead_p50 <= 1),
        (
            f"cold overhead <= 0.5x bare start ({cold_overhead:.1f} ms = "
            f"{cold_overhead / bare_p50:.2f}x; Init Duration {init_p50:.1f} ms)",
            cold_overhead <= 0.5 * bare_p50,
        ),
        (f"idle environment PSS <= 10 MB ({idle_pss:.1f} MB)", idle_pss <= 10),
        (f"S3 upload to visible log < 300 ms ({s3_p50:.1f} ms)", s3_p50 < 300),
        (f"SQS message to handler p50 < 50 ms ({sqs_p50:.1f} ms)", sqs_p50 < 50),
        (f"1,000 SQS messages drained in < 5 s ({drain_s:.2f} s)", drained and drain_s < 5),
    ]
    for text, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")


if __name__ == "__main__":
    main()
