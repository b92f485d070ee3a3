"""Lambda against an always-on EC2 instance: when does paying per request stop paying off?

An instance costs the same every month whatever the traffic; Lambda's bill grows with
it. The break-even point is the monthly request count at which the function's bill
reaches the instance's. The comparison is of prices only: it does not ask whether one
instance could serve that load, nor count the work of patching and scaling it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from course.facts import value
from pricing.model import Usage, price, to_decimal

# The instances the chart shows, by facts key; their hourly prices live in facts.yaml.
INSTANCE_FACTS = {
    "t4g.small": "ec2.t4g_small_hourly_usd",
    "t3.medium": "ec2.t3_medium_hourly_usd",
    "m5.large": "ec2.m5_large_hourly_usd",
}
# Search no further than this many requests a month (about 380,000 a second).
MAX_REQUESTS = 10**12


@dataclass(frozen=True)
class Instance:
    name: str
    hourly_usd: Decimal

    @property
    def monthly_usd(self) -> Decimal:
        return self.hourly_usd * hours_per_month()


def hours_per_month() -> Decimal:
    return to_decimal(value("ec2.hours_per_month"))


def instances() -> tuple[Instance, ...]:
    return tuple(Instance(name, to_decimal(value(key))) for name, key in INSTANCE_FACTS.items())


def with_requests(usage: Usage, requests: int, **changes: object) -> Usage:
    """The same function at another request count (and any other `changes`).

    An explicit provisioned share cannot exceed the new count, so it is capped.
    """
    if usage.provisioned_invocations is not None:
        changes["provisioned_invocations"] = min(usage.provisioned_invocations, requests)
    return dataclasses.replace(usage, requests=requests, **changes)


def monthly_lambda_usd(usage: Usage, requests: int) -> Decimal:
    """The function's exact bill at another request count, everything else unchanged."""
    return price(with_requests(usage, requests)).total_exact


def break_even_requests(usage: Usage, monthly_usd: Decimal) -> int | None:
    """The fewest monthly requests at which this function costs at least `monthly_usd`.

    None when even MAX_REQUESTS stay cheaper. Bisection works because the bill never
    falls as requests grow (a property the tests check).
    """
    if monthly_lambda_usd(usage, 0) >= monthly_usd:
        return 0
    if monthly_lambda_usd(usage, MAX_REQUESTS) < monthly_usd:
        return None
    low, high = 0, MAX_REQUESTS  # cost(low) < target <= cost(high)
    while high - low > 1:
        middle = (low + high) // 2
        if monthly_lambda_usd(usage, middle) >= monthly_usd:
            high = middle
        else:
            low = middle
    return high


def requests_per_second(monthly_requests: int | Decimal) -> Decimal:
    """A steady rate that adds up to this many requests in an average month."""
    return Decimal(monthly_requests) / (hours_per_month() * 3600)


@dataclass(frozen=True)
class BreakEven:
    instance: Instance
    requests: int | None  # None: Lambda stays cheaper up to MAX_REQUESTS

    def describe(self) -> str:
        if self.requests is None:
            return f"Lambda stays cheaper up to {MAX_REQUESTS:,} requests a month"
        if self.requests == 0:
            return "Lambda costs more even with no traffic (provisioned concurrency)"
        rate = requests_per_second(self.requests)
        return f"{self.requests:,} requests a month (a steady {rate:.1f} a second)"


def break_evens(usage: Usage) -> tuple[BreakEven, ...]:
    return tuple(BreakEven(box, break_even_requests(usage, box.monthly_usd)) for box in instances())
