"""What the exported functions would cost on AWS, from what they did in the sandbox.

Each function is priced with the calculator's model (pricing.model) at its measured
average billed duration (its REPORT lines, pricing.measured), its memory and its
architecture, for a stated number of requests a month. Provisioned concurrency on an
alias is priced for a whole month (730 hours). Lambda only: S3, DynamoDB, SQS and the
rest bill their own requests and storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import boto3

from architecture.model import Graph
from pricing.measured import measure
from pricing.model import Bill, Usage, price

HOURS_IN_MONTH = 730  # AWS's average month
UNMEASURED_MS = 100  # the duration assumed for a function that never ran in the sandbox


@dataclass(frozen=True)
class FunctionCost:
    name: str
    memory_mb: int
    arch: str
    average_billed_ms: Decimal
    measured_invocations: int  # 0: never ran, priced at UNMEASURED_MS
    provisioned: int
    requests: int
    bill: Bill  # without the free tier, which is the account's, not one function's


def estimate(session: boto3.Session, graph: Graph, monthly_requests: int) -> list[FunctionCost]:
    costs = []
    for function in graph.of_kind("function"):
        config = function.detail.get("config", {})
        memory = int(config.get("MemorySize", 128))
        arch = "arm64" if (config.get("Architectures") or ["x86_64"])[0] == "arm64" else "x86_64"
        measured = measure(session, function.name)
        duration = measured.average_billed_ms if measured else Decimal(UNMEASURED_MS)
        provisioned = sum(
            int(child.detail.get("provisioned") or 0) for child in graph.children(function.id)
        )
        bill = price(
            Usage(
                requests=monthly_requests,
                duration_ms=duration,
                memory_mb=memory,
                arch=arch,  # type: ignore[arg-type]
                free_tier=False,
                ephemeral_mb=int((config.get("EphemeralStorage") or {}).get("Size", 512)),
                provisioned_concurrency=provisioned,
                provisioned_hours=HOURS_IN_MONTH if provisioned else 0,
            )
        )
        costs.append(
            FunctionCost(
                function.name,
                memory,
                arch,
                duration,
                measured.invocations if measured else 0,
                provisioned,
                monthly_requests,
                bill,
            )
        )
    return costs


def free_tier_saving(costs: list[FunctionCost]) -> Decimal:
    """What the free tier takes off the account's month: its free requests and free
    GB-seconds (on-demand), applied once to all functions together."""
    if not costs:
        return Decimal(0)
    prices = costs[0].bill.prices
    requests = sum((Decimal(c.requests) for c in costs), Decimal(0))
    gb_seconds = sum((c.bill.on_demand_gb_seconds for c in costs), Decimal(0))
    cheapest = min(c.bill.prices.duration_usd_per_gb_second for c in costs)
    return (
        min(requests, prices.free_requests) * prices.request_usd
        + min(gb_seconds, prices.free_gb_seconds) * cheapest
    )
