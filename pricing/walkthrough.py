"""The bill worked step by step, as a learner would write it on paper.

Shared by the command line (plain text) and the page (one box per step), so both
teach the same arithmetic in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricing.model import MB_PER_GB, Bill


@dataclass(frozen=True)
class Step:
    title: str
    lines: tuple[str, ...]
    usd: Decimal


def number(amount: Decimal | int) -> str:
    """1,500,000 and 0.18, never 1.5E+6 or 0.1800000."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    text = f"{amount:,f}".rstrip("0").rstrip(".")
    return text


def usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def rate(amount: Decimal) -> str:
    """A unit price with all its digits, and at least cents: $0.0000166667, $0.20."""
    text = number(amount)
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def count(amount: Decimal) -> str:
    """A count that may be fractional (the provisioned split): 2 decimals are plenty."""
    return number(amount.quantize(Decimal("0.01")))


def exact(amount: Decimal) -> str:
    """Unrounded dollars, trimmed to 10 decimal places for reading."""
    return "$" + number(amount.quantize(Decimal("1e-10")).normalize())


def request_step(bill: Bill) -> Step:
    usage, prices = bill.usage, bill.prices
    lines = [f"{number(usage.requests)} requests this month"]
    if usage.free_tier:
        lines.append(
            f"{number(usage.requests)} - {number(bill.free_requests_applied)} free = "
            f"{number(bill.billable_requests)} billable"
        )
    else:
        lines.append("free tier off: every request is billable")
    lines.append(
        f"{number(bill.billable_requests)} x {rate(prices.request_usd_per_million)} per million "
        f"= {usd(bill.request_usd)}"
    )
    return Step("Requests", tuple(lines), bill.request_usd)


def compute_step(bill: Bill) -> Step:
    usage = bill.usage
    arch = usage.arch
    lines = [
        f"billed duration: {number(usage.duration_ms)} ms rounded up to the next 1 ms "
        f"= {number(bill.billed_ms)} ms = {number(bill.billed_ms / 1000)} s",
        f"memory: {number(usage.memory_mb)} MB / {number(MB_PER_GB)} = {number(bill.memory_gb)} GB",
        f"per invocation: {number(bill.billed_ms / 1000)} s x {number(bill.memory_gb)} GB "
        f"= {number(bill.gb_seconds_per_invocation)} GB-s",
    ]
    if usage.provisioned:
        lines.append(
            f"{count(bill.provisioned_invocations)} invocations ran on provisioned environments "
            f"(priced below), {count(bill.on_demand_invocations)} on demand"
        )
    lines.append(
        f"on demand: {count(bill.on_demand_invocations)} x "
        f"{number(bill.gb_seconds_per_invocation)} GB-s = {number(bill.on_demand_gb_seconds)} GB-s"
    )
    if usage.free_tier:
        lines.append(
            f"minus the free tier: {number(bill.on_demand_gb_seconds)} - "
            f"{number(bill.free_gb_seconds_applied)} = {number(bill.billable_gb_seconds)} "
            "billable GB-s"
        )
    else:
        lines.append(f"free tier off: {number(bill.billable_gb_seconds)} billable GB-s")
    priced = [line for line in bill.tiers if line.gb_seconds > 0] or [bill.tiers[0]]
    if len(priced) > 1:
        lines.append(
            "volume tiers: each price applies to the GB-s inside its band (AWS counts the "
            "account's whole month on one architecture in one Region; here, this function)"
        )
    for line in priced:
        if line.upper_gb_seconds is None:
            band = f"beyond {number(line.lower_gb_seconds)} GB-s"
        elif line.lower_gb_seconds == 0:
            band = f"first {number(line.upper_gb_seconds)} GB-s"
        else:
            band = f"{number(line.lower_gb_seconds)} to {number(line.upper_gb_seconds)} GB-s"
        prefix = f"{band}: " if len(priced) > 1 else ""
        lines.append(
            f"{prefix}{number(line.gb_seconds)} GB-s x {rate(line.usd_per_gb_second)} ({arch}) "
            f"= {exact(line.usd)}"
        )
    if usage.provisioned:
        lines.append(
            f"on provisioned environments: {count(bill.provisioned_invocations)} x "
            f"{number(bill.provisioned_billed_ms / 1000)} s x {number(bill.memory_gb)} GB = "
            f"{number(bill.provisioned_duration_gb_seconds)} GB-s x "
            f"{rate(bill.prices.provisioned_duration_usd_per_gb_second)} "
            f"= {exact(bill.provisioned_duration_exact)}"
        )
    lines.append(f"duration charge: {exact(bill.compute_exact)} = {usd(bill.compute_usd)}")
    return Step("Duration (GB-seconds)", tuple(lines), bill.compute_usd)


def ephemeral_step(bill: Bill) -> Step:
    usage, prices = bill.usage, bill.prices
    free_mb = number(prices.free_ephemeral_mb)
    if bill.extra_ephemeral_gb == 0:
        lines = (f"{number(usage.ephemeral_mb)} MB of /tmp: the first {free_mb} MB are free",)
        return Step("Ephemeral storage (/tmp)", lines, bill.ephemeral_usd)
    run_seconds = bill.ephemeral_gb_seconds / bill.extra_ephemeral_gb
    lines = (
        f"({number(usage.ephemeral_mb)} - {free_mb}) MB / {number(MB_PER_GB)} = "
        f"{number(bill.extra_ephemeral_gb)} GB above the free {free_mb} MB",
        f"{number(bill.extra_ephemeral_gb)} GB x {count(run_seconds)} s of run time = "
        f"{number(bill.ephemeral_gb_seconds)} GB-s",
        f"{number(bill.ephemeral_gb_seconds)} GB-s x {rate(prices.ephemeral_usd_per_gb_second)} "
        f"= {exact(bill.ephemeral_exact)} = {usd(bill.ephemeral_usd)}",
    )
    return Step("Ephemeral storage (/tmp)", lines, bill.ephemeral_usd)


def provisioned_step(bill: Bill) -> Step:
    usage, prices = bill.usage, bill.prices
    if not usage.provisioned:
        return Step("Provisioned concurrency", ("not enabled",), bill.provisioned_usd)
    lines = (
        f"enabled {number(usage.provisioned_hours)} h, rounded up to "
        f"{number(prices.provisioned_rounding_minutes)} minutes = "
        f"{number(bill.provisioned_enabled_seconds)} s",
        f"{usage.provisioned_concurrency} environments x {number(bill.memory_gb)} GB = "
        f"{number(bill.provisioned_gb)} GB kept warm",
        f"{number(bill.provisioned_gb)} GB x {number(bill.provisioned_enabled_seconds)} s = "
        f"{number(bill.provisioned_gb_seconds)} GB-s",
        f"{number(bill.provisioned_gb_seconds)} GB-s x "
        f"{rate(prices.provisioned_usd_per_gb_second)} = {exact(bill.provisioned_exact)} "
        f"= {usd(bill.provisioned_usd)}, used or not (the free tier does not cover it)",
    )
    return Step("Provisioned concurrency", lines, bill.provisioned_usd)


def steps(bill: Bill) -> tuple[Step, ...]:
    return (request_step(bill), compute_step(bill), ephemeral_step(bill), provisioned_step(bill))


def total_line(bill: Bill) -> str:
    parts = " + ".join(usd(step.usd) for step in steps(bill))
    return f"Total: {parts} = {usd(bill.total_usd)} a month"


def as_text(bill: Bill) -> str:
    """The whole bill for a terminal."""
    usage = bill.usage
    header = (
        f"Lambda bill for one month in {bill.prices.arch}: {number(usage.requests)} requests, "
        f"{number(usage.duration_ms)} ms average, {number(usage.memory_mb)} MB memory"
        + ("" if usage.free_tier else ", free tier off")
    )
    out = [header, ""]
    for step in steps(bill):
        out.append(f"{step.title}: {usd(step.usd)}")
        out.extend(f"  {line}" for line in step.lines)
        out.append("")
    out.append(total_line(bill))
    return "\n".join(out)
