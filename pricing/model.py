"""The exact cost of an AWS Lambda function for one month, worked the way AWS works it.

Pure Python, no Streamlit: the page, the command line and the tests all call `price()`.
Every price and free-tier figure is read from the course's facts table
(`course/facts.yaml`), so a price is changed in one place only.

Money is `Decimal` throughout. Each line of the bill is kept exact and rounded to the
cent only at the end, half up, the way AWS's published examples round each line
("140,000 GB-s x $0.0000166667 = $2.33"); the total is the sum of the rounded lines,
so the bill a learner reads always adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from course.facts import value

Arch = Literal["x86_64", "arm64"]
ARCHITECTURES: tuple[Arch, ...] = ("x86_64", "arm64")

CENT = Decimal("0.01")
ZERO = Decimal(0)
MB_PER_GB = Decimal(1024)  # Lambda converts memory at 1,024 MB per GB
MS_PER_SECOND = Decimal(1000)
SECONDS_PER_HOUR = Decimal(3600)
SECONDS_PER_MINUTE = Decimal(60)
# Provisioned concurrency is switched on and off within one month's bill, and the
# longest month has 31 x 24 hours.
MAX_HOURS_IN_MONTH = 31 * 24
# Enough digits that no product of a request count, a duration and a price is rounded
# before the final cent (10^12 requests x 900,000 ms x 10 GB x 10 price digits fits).
PRECISION = 60


class InvalidUsage(ValueError):
    """An input AWS would not accept, or that cannot happen; the message is one line."""


def to_decimal(number: int | float | str | Decimal) -> Decimal:
    """Exact decimal for a number; floats go through their shortest text (0.2, not 0.2000…01)."""
    if isinstance(number, Decimal):
        return number
    if isinstance(number, float):
        return Decimal(repr(number))
    return Decimal(number)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Tier:
    """One band of the tiered duration price: GB-seconds up to `upper` (None = no limit)."""

    upper_gb_seconds: Decimal | None
    usd_per_gb_second: Decimal


@dataclass(frozen=True)
class Prices:
    """The price list for one architecture, from the facts table."""

    arch: Arch
    request_usd_per_million: Decimal
    free_requests: Decimal
    free_gb_seconds: Decimal
    duration_tiers: tuple[Tier, ...]
    ephemeral_usd_per_gb_second: Decimal
    free_ephemeral_mb: Decimal
    provisioned_usd_per_gb_second: Decimal
    provisioned_duration_usd_per_gb_second: Decimal
    provisioned_rounding_minutes: Decimal

    @property
    def request_usd(self) -> Decimal:
        return self.request_usd_per_million / Decimal(1_000_000)

    @property
    def duration_usd_per_gb_second(self) -> Decimal:
        """The first-tier on-demand price, the one almost every function pays."""
        return self.duration_tiers[0].usd_per_gb_second

    @classmethod
    def from_facts(cls, arch: Arch) -> Prices:
        short = "x86" if arch == "x86_64" else "arm"
        tiers = tuple(
            Tier(None if upper is None else to_decimal(upper), to_decimal(price))
            for upper, price in value(f"pricing.duration_tiers_{short}")
        )
        return cls(
            arch=arch,
            request_usd_per_million=to_decimal(value("pricing.request_per_million_usd")),
            free_requests=to_decimal(value("pricing.free_requests")),
            free_gb_seconds=to_decimal(value("pricing.free_gb_seconds")),
            duration_tiers=tiers,
            ephemeral_usd_per_gb_second=to_decimal(value("pricing.ephemeral_usd")),
            free_ephemeral_mb=to_decimal(value("limits.ephemeral_default_mb")),
            provisioned_usd_per_gb_second=to_decimal(value(f"pricing.provisioned_{short}_usd")),
            provisioned_duration_usd_per_gb_second=to_decimal(
                value(f"pricing.provisioned_duration_{short}_usd")
            ),
            provisioned_rounding_minutes=to_decimal(value("pricing.provisioned_rounding_min")),
        )


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Usage:
    """One function's month: what a learner types into the calculator.

    `provisioned_invocations` and `provisioned_duration_ms` are optional: by default the
    provisioned environments serve as much of the traffic as they have time for, at the
    function's average duration, and the rest runs on demand. AWS's own provisioned
    concurrency example needs both (500,000 of 3 million requests ran on provisioned
    environments, at 100 ms instead of 120 ms).
    """

    requests: int
    duration_ms: Decimal | float | int
    memory_mb: int
    arch: Arch = "x86_64"
    ephemeral_mb: int = 512
    free_tier: bool = True
    provisioned_concurrency: int = 0
    provisioned_hours: Decimal | float | int = 0
    provisioned_invocations: int | None = None
    provisioned_duration_ms: Decimal | float | int | None = None

    def __post_init__(self) -> None:
        # Normalise numbers once so the arithmetic below is exact.
        object.__setattr__(self, "duration_ms", _finite("duration_ms", self.duration_ms))
        object.__setattr__(
            self, "provisioned_hours", _finite("provisioned_hours", self.provisioned_hours)
        )
        if self.provisioned_duration_ms is not None:
            object.__setattr__(
                self,
                "provisioned_duration_ms",
                _finite("provisioned_duration_ms", self.provisioned_duration_ms),
            )
        for problem in usage_problems(self):
            raise InvalidUsage(problem)

    @property
    def provisioned(self) -> bool:
        return self.provisioned_concurrency > 0


def _finite(name: str, number: Decimal | float | int) -> Decimal:
    if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
        raise InvalidUsage(f"{name} must be a number, not {number!r}")
    exact = to_decimal(number)
    if not exact.is_finite():
        raise InvalidUsage(f"{name} must be a finite number, not {number}")
    return exact


def _whole(name: str, number: object) -> str | None:
    if isinstance(number, bool) or not isinstance(number, int):
        return f"{name} must be a whole number, not {number!r}"
    return None


def usage_problems(usage: Usage) -> list[str]:
    """Every reason AWS would refuse these inputs, in the order a learner fixes them."""
    memory_min, memory_max = value("limits.memory_min_mb"), value("limits.memory_max_mb")
    ephemeral_min, ephemeral_max = (
        value("limits.ephemeral_default_mb"),
        value("limits.ephemeral_max_mb"),
    )
    timeout_ms = value("limits.timeout_max_s") * 1000
    problems = [
        p
        for p in (
            _whole("requests", usage.requests),
            _whole("memory_mb", usage.memory_mb),
            _whole("ephemeral_mb", usage.ephemeral_mb),
            _whole("provisioned_concurrency", usage.provisioned_concurrency),
        )
        if p
    ]
    if problems:
        return problems
    if usage.requests < 0:
        problems.append(f"requests cannot be negative (got {usage.requests:,})")
    if not memory_min <= usage.memory_mb <= memory_max:
        problems.append(
            f"memory must be between {memory_min:,} and {memory_max:,} MB "
            f"(got {usage.memory_mb:,} MB)"
        )
    for name, duration in (
        ("duration", usage.duration_ms),
        ("provisioned duration", usage.provisioned_duration_ms),
    ):
        if duration is None:
            continue
        if duration < 0:
            problems.append(f"{name} cannot be negative (got {duration} ms)")
        elif duration > timeout_ms:
            problems.append(
                f"{name} cannot exceed the {timeout_ms:,} ms (15 minute) timeout "
                f"(got {duration:,} ms)"
            )
    if usage.arch not in ARCHITECTURES:
        problems.append(f"architecture must be x86_64 or arm64 (got {usage.arch!r})")
    if not ephemeral_min <= usage.ephemeral_mb <= ephemeral_max:
        problems.append(
            f"ephemeral storage must be between {ephemeral_min:,} and {ephemeral_max:,} MB "
            f"(got {usage.ephemeral_mb:,} MB)"
        )
    if usage.provisioned_concurrency < 0:
        problems.append(
            f"provisioned concurrency cannot be negative (got {usage.provisioned_concurrency})"
        )
    if not 0 <= usage.provisioned_hours <= MAX_HOURS_IN_MONTH:
        problems.append(
            f"provisioned hours must be between 0 and {MAX_HOURS_IN_MONTH} in a month "
            f"(got {usage.provisioned_hours})"
        )
    if usage.provisioned_invocations is not None:
        problem = _whole("provisioned_invocations", usage.provisioned_invocations)
        if problem:
            problems.append(problem)
        elif not 0 <= usage.provisioned_invocations <= max(usage.requests, 0):
            problems.append(
                f"invocations on provisioned environments must be between 0 and the "
                f"{usage.requests:,} requests (got {usage.provisioned_invocations:,})"
            )
    if problems or not usage.provisioned:
        return problems
    needed, available = (
        _provisioned_seconds_needed(usage),
        _enabled_seconds(usage) * Decimal(usage.provisioned_concurrency),
    )
    if usage.provisioned_invocations is not None and needed > available:
        problems.append(
            f"{usage.provisioned_invocations:,} invocations need {needed:,} s of environment "
            f"time, but {usage.provisioned_concurrency} environments for "
            f"{usage.provisioned_hours} h give only {available:,} s"
        )
    return problems


# ---------------------------------------------------------------------------- the bill


@dataclass(frozen=True)
class TierLine:
    """The GB-seconds that fall into one price band, and what they cost (exact)."""

    lower_gb_seconds: Decimal
    upper_gb_seconds: Decimal | None
    usd_per_gb_second: Decimal
    gb_seconds: Decimal
    usd: Decimal


@dataclass(frozen=True)
class Bill:
    """An itemised month, with every intermediate quantity a learner works by hand.

    Fields ending in `_exact` are unrounded USD; the `*_usd` properties are to the cent.
    """

    usage: Usage
    prices: Prices
    # requests
    free_requests_applied: Decimal
    billable_requests: Decimal
    request_exact: Decimal
    # on-demand duration
    billed_ms: Decimal
    memory_gb: Decimal
    gb_seconds_per_invocation: Decimal
    on_demand_invocations: Decimal
    on_demand_gb_seconds: Decimal
    free_gb_seconds_applied: Decimal
    billable_gb_seconds: Decimal
    tiers: tuple[TierLine, ...]
    on_demand_exact: Decimal
    # provisioned concurrency
    provisioned_enabled_seconds: Decimal
    provisioned_gb: Decimal
    provisioned_gb_seconds: Decimal
    provisioned_exact: Decimal
    provisioned_billed_ms: Decimal
    provisioned_invocations: Decimal
    provisioned_duration_gb_seconds: Decimal
    provisioned_duration_exact: Decimal
    # ephemeral storage
    extra_ephemeral_gb: Decimal
    ephemeral_gb_seconds: Decimal
    ephemeral_exact: Decimal

    @property
    def compute_exact(self) -> Decimal:
        """All duration charges: on demand plus the lower price on provisioned environments."""
        return self.on_demand_exact + self.provisioned_duration_exact

    @property
    def request_usd(self) -> Decimal:
        return cents(self.request_exact)

    @property
    def compute_usd(self) -> Decimal:
        return cents(self.compute_exact)

    @property
    def ephemeral_usd(self) -> Decimal:
        return cents(self.ephemeral_exact)

    @property
    def provisioned_usd(self) -> Decimal:
        """The charge for keeping environments warm, used or not."""
        return cents(self.provisioned_exact)

    @property
    def total_usd(self) -> Decimal:
        return self.request_usd + self.compute_usd + self.ephemeral_usd + self.provisioned_usd

    @property
    def total_exact(self) -> Decimal:
        return (
            self.request_exact + self.compute_exact + self.ephemeral_exact + self.provisioned_exact
        )

    def parts_usd(self) -> dict[str, Decimal]:
        """The four lines of the bill by name, to the cent."""
        return {
            "request_usd": self.request_usd,
            "compute_usd": self.compute_usd,
            "ephemeral_usd": self.ephemeral_usd,
            "provisioned_usd": self.provisioned_usd,
        }


def billed_ms(duration_ms: Decimal) -> Decimal:
    """Lambda rounds each run up to the next whole millisecond."""
    return duration_ms.to_integral_value(rounding=ROUND_CEILING)


def split_into_tiers(gb_seconds: Decimal, tiers: tuple[Tier, ...]) -> tuple[TierLine, ...]:
    """Charge GB-seconds band by band, like income-tax brackets: each price applies only
    to the GB-seconds inside its band, so crossing a boundary never makes a jump."""
    lines: list[TierLine] = []
    lower = ZERO
    for tier in tiers:
        upper = tier.upper_gb_seconds
        inside = max(ZERO, (gb_seconds if upper is None else min(gb_seconds, upper)) - lower)
        lines.append(
            TierLine(lower, upper, tier.usd_per_gb_second, inside, inside * tier.usd_per_gb_second)
        )
        if upper is None:
            break
        lower = upper
    return tuple(lines)


def _enabled_seconds(usage: Usage) -> Decimal:
    """Provisioned time is counted from enabling to disabling, rounded up to 5 minutes."""
    if not usage.provisioned:
        return ZERO
    step = to_decimal(value("pricing.provisioned_rounding_min"))
    minutes = to_decimal(usage.provisioned_hours) * SECONDS_PER_MINUTE
    rounded = (minutes / step).to_integral_value(rounding=ROUND_CEILING) * step
    return rounded * SECONDS_PER_MINUTE


def _provisioned_seconds_needed(usage: Usage) -> Decimal:
    duration = usage.provisioned_duration_ms
    duration = usage.duration_ms if duration is None else duration
    count = usage.provisioned_invocations or 0
    return Decimal(count) * billed_ms(to_decimal(duration)) / MS_PER_SECOND


def price(usage: Usage) -> Bill:
    """Work out the month's bill for `usage` at the prices in the facts table."""
    prices = Prices.from_facts(usage.arch)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _price(usage, prices)


def _price(usage: Usage, prices: Prices) -> Bill:
    requests = Decimal(usage.requests)
    memory_gb = Decimal(usage.memory_mb) / MB_PER_GB
    billed = billed_ms(to_decimal(usage.duration_ms))
    seconds = billed / MS_PER_SECOND

    # Provisioned concurrency: environments kept warm, paid by the GB-second while enabled.
    enabled = _enabled_seconds(usage)
    provisioned_gb = Decimal(usage.provisioned_concurrency) * memory_gb
    provisioned_gb_seconds = provisioned_gb * enabled
    pc_billed = billed
    if usage.provisioned_duration_ms is not None:
        pc_billed = billed_ms(to_decimal(usage.provisioned_duration_ms))
    if not usage.provisioned:
        pc_invocations = ZERO
    elif usage.provisioned_invocations is not None:
        pc_invocations = Decimal(usage.provisioned_invocations)
    elif pc_billed == 0:
        pc_invocations = requests
    else:
        # Traffic fills the warm environments first; what does not fit spills over to
        # on-demand environments. Counting it in seconds of run time (not whole
        # invocations) keeps the cost rising smoothly with duration.
        capacity = Decimal(usage.provisioned_concurrency) * enabled / (pc_billed / MS_PER_SECOND)
        pc_invocations = min(requests, capacity)
    pc_run_seconds = pc_invocations * pc_billed / MS_PER_SECOND
    pc_duration_gb_seconds = pc_run_seconds * memory_gb

    # On-demand duration: GB-seconds, minus the free tier, priced tier by tier.
    on_demand_invocations = requests - pc_invocations
    on_demand_gb_seconds = on_demand_invocations * seconds * memory_gb
    free_gb_seconds = min(on_demand_gb_seconds, prices.free_gb_seconds) if usage.free_tier else 0
    billable_gb_seconds = on_demand_gb_seconds - free_gb_seconds
    tiers = split_into_tiers(billable_gb_seconds, prices.duration_tiers)

    # Requests: every invocation counts, provisioned or not.
    free_requests = min(requests, prices.free_requests) if usage.free_tier else ZERO
    billable_requests = requests - free_requests

    # Ephemeral storage: only the part above the free 512 MB, for as long as code runs.
    extra_ephemeral_gb = (Decimal(usage.ephemeral_mb) - prices.free_ephemeral_mb) / MB_PER_GB
    ephemeral_gb_seconds = extra_ephemeral_gb * (on_demand_invocations * seconds + pc_run_seconds)

    return Bill(
        usage=usage,
        prices=prices,
        free_requests_applied=free_requests,
        billable_requests=billable_requests,
        request_exact=billable_requests * prices.request_usd,
        billed_ms=billed,
        memory_gb=memory_gb,
        gb_seconds_per_invocation=seconds * memory_gb,
        on_demand_invocations=on_demand_invocations,
        on_demand_gb_seconds=on_demand_gb_seconds,
        free_gb_seconds_applied=Decimal(free_gb_seconds),
        billable_gb_seconds=billable_gb_seconds,
        tiers=tiers,
        on_demand_exact=sum((line.usd for line in tiers), ZERO),
        provisioned_enabled_seconds=enabled,
        provisioned_gb=provisioned_gb,
        provisioned_gb_seconds=provisioned_gb_seconds,
        provisioned_exact=provisioned_gb_seconds * prices.provisioned_usd_per_gb_second,
        provisioned_billed_ms=pc_billed if usage.provisioned else ZERO,
        provisioned_invocations=pc_invocations,
        provisioned_duration_gb_seconds=pc_duration_gb_seconds,
        provisioned_duration_exact=pc_duration_gb_seconds
        * prices.provisioned_duration_usd_per_gb_second,
        extra_ephemeral_gb=extra_ephemeral_gb,
        ephemeral_gb_seconds=ephemeral_gb_seconds,
        ephemeral_exact=ephemeral_gb_seconds * prices.ephemeral_usd_per_gb_second,
    )
