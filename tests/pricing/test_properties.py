"""Properties every Lambda bill has, checked on many generated months (hypothesis)."""

import dataclasses
import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from course.facts import value
from pricing.model import Tier, Usage, price, split_into_tiers

PARTS = ("request_exact", "compute_exact", "ephemeral_exact", "provisioned_exact")

requests = st.integers(min_value=0, max_value=10**11)
durations = st.decimals(min_value=0, max_value=900_000, places=2)
memories = st.integers(min_value=128, max_value=10_240)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    concurrency = draw(st.sampled_from([0, 0, 1, 5, 100]))
    return Usage(
        requests=draw(requests),
        duration_ms=draw(durations),
        memory_mb=draw(memories),
        arch=draw(st.sampled_from(["x86_64", "arm64"])),
        ephemeral_mb=draw(st.integers(min_value=512, max_value=10_240)),
        free_tier=draw(st.booleans()),
        provisioned_concurrency=concurrency,
        provisioned_hours=draw(st.decimals(min_value=0, max_value=744, places=1)),
    )


def assert_not_cheaper(before: Usage, after: Usage) -> None:
    low, high = price(before), price(after)
    assert high.total_exact >= low.total_exact
    assert high.total_usd >= low.total_usd
    for part in PARTS:
        assert getattr(high, part) >= getattr(low, part), part


@given(usages(), st.integers(min_value=0, max_value=10**10))
def test_more_requests_never_cost_less(usage, extra):
    assert_not_cheaper(usage, dataclasses.replace(usage, requests=usage.requests + extra))


@given(usages(), durations)
def test_longer_runs_never_cost_less(usage, other):
    longer = max(usage.duration_ms, other)
    assert_not_cheaper(usage, dataclasses.replace(usage, duration_ms=longer))


@given(usages(), memories)
def test_more_memory_never_costs_less(usage, other):
    larger = max(usage.memory_mb, other)
    assert_not_cheaper(usage, dataclasses.replace(usage, memory_mb=larger))


@given(usages())
def test_the_free_tier_never_makes_a_part_negative_or_dearer(usage):
    with_free = price(dataclasses.replace(usage, free_tier=True))
    without = price(dataclasses.replace(usage, free_tier=False))
    for part in PARTS:
        assert 0 <= getattr(with_free, part) <= getattr(without, part), part
    assert with_free.billable_gb_seconds >= 0
    assert with_free.billable_requests >= 0


@given(usages())
def test_arm64_never_costs_more_than_x86_for_the_same_month(usage):
    x86 = price(dataclasses.replace(usage, arch="x86_64"))
    arm = price(dataclasses.replace(usage, arch="arm64"))
    assert arm.total_exact <= x86.total_exact


@given(usages())
def test_the_bill_adds_up_to_its_rounded_lines(usage):
    bill = price(usage)
    assert bill.total_usd == sum(bill.parts_usd().values())
    assert abs(bill.total_usd - bill.total_exact) <= Decimal("0.02")


@given(usages())
def test_a_fraction_of_a_millisecond_is_billed_as_a_whole_one(usage):
    rounded_up = math.ceil(usage.duration_ms)
    if rounded_up > 900_000:
        return
    same = price(dataclasses.replace(usage, duration_ms=rounded_up))
    assert price(usage).total_exact == same.total_exact


TIER_KEYS = ("pricing.duration_tiers_x86", "pricing.duration_tiers_arm")


@settings(max_examples=200)
@given(
    st.sampled_from(TIER_KEYS),
    st.integers(min_value=0, max_value=1),
    st.decimals(min_value=0, max_value=1, places=6),
)
def test_tier_boundaries_are_continuous(key, boundary_index, below):
    """Just below and just above a boundary the cost differs by at most one GB-s at the
    higher (lower-tier) price: crossing a boundary never makes the bill jump."""
    raw = value(key)
    tiers = tuple(
        Tier(None if upper is None else Decimal(upper), Decimal(str(rate))) for upper, rate in raw
    )
    boundary = Decimal(raw[boundary_index][0])
    higher_price = Decimal(str(raw[boundary_index][1]))
    lower_price = Decimal(str(raw[boundary_index + 1][1]))
    start = boundary - below  # up to 1 GB-s below the boundary
    before = sum(line.usd for line in split_into_tiers(start, tiers))
    after = sum(line.usd for line in split_into_tiers(start + 1, tiers))
    assert lower_price <= after - before <= higher_price


@given(
    st.sampled_from([("x86_64", 6 * 10**9), ("x86_64", 15 * 10**9), ("arm64", 75 * 10**8)]),
    st.integers(min_value=-3, max_value=3),
    st.booleans(),
)
def test_one_more_invocation_across_a_tier_boundary_adds_at_most_its_own_cost(
    arch_boundary, offset, free_tier
):
    """A month of 1 GB-s invocations that crosses a tier boundary: one more invocation
    adds one request and at most one GB-s at the higher price, never a jump."""
    arch, boundary = arch_boundary
    free = value("pricing.free_gb_seconds") if free_tier else 0
    count = boundary + free + offset  # billable GB-s sit right at the boundary
    month = Usage(requests=count, duration_ms=1000, memory_mb=1024, arch=arch, free_tier=free_tier)
    bill, next_bill = price(month), price(dataclasses.replace(month, requests=count + 1))
    first_price = bill.prices.duration_tiers[0].usd_per_gb_second
    step = next_bill.total_exact - bill.total_exact
    assert 0 < step <= bill.prices.request_usd + first_price
