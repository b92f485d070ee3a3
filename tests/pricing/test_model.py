"""The model's rules, one at a time: rounding, free tier, tiers, storage, provisioning,
and the messages a learner gets for inputs AWS would refuse."""

from decimal import Decimal

import pytest

from course.facts import value
from pricing.model import InvalidUsage, Tier, Usage, price, split_into_tiers


def test_duration_is_billed_rounded_up_to_the_next_millisecond():
    bill = price(Usage(requests=1, duration_ms=42.3, memory_mb=1024, free_tier=False))
    assert bill.billed_ms == 43
    assert bill.gb_seconds_per_invocation == Decimal("0.043")


def test_a_whole_millisecond_is_not_rounded_further():
    assert price(Usage(requests=1, duration_ms=120, memory_mb=128)).billed_ms == 120


def test_memory_is_converted_at_1024_mb_per_gb():
    assert price(Usage(requests=1, duration_ms=1, memory_mb=1536)).memory_gb == Decimal("1.5")
    assert price(Usage(requests=1, duration_ms=1, memory_mb=128)).memory_gb == Decimal("0.125")


def test_prices_come_from_the_facts_table():
    bill = price(Usage(requests=1, duration_ms=1, memory_mb=128, arch="arm64"))
    assert bill.prices.duration_usd_per_gb_second == Decimal(str(value("pricing.duration_arm_usd")))
    assert bill.prices.request_usd_per_million == Decimal(
        str(value("pricing.request_per_million_usd"))
    )
    assert bill.prices.free_gb_seconds == value("pricing.free_gb_seconds")


def test_free_tier_covers_the_first_million_requests_and_400000_gb_seconds():
    inside = price(Usage(requests=1_000_000, duration_ms=400, memory_mb=1024))
    assert inside.on_demand_gb_seconds == 400_000
    assert inside.total_usd == 0
    one_more = price(Usage(requests=1_000_001, duration_ms=400, memory_mb=1024))
    assert one_more.billable_requests == 1
    assert one_more.billable_gb_seconds == Decimal("0.4")


def test_without_the_free_tier_every_request_and_gb_second_is_billed():
    bill = price(Usage(requests=1_000_000, duration_ms=400, memory_mb=1024, free_tier=False))
    assert bill.free_requests_applied == 0
    assert bill.free_gb_seconds_applied == 0
    assert bill.request_usd == Decimal("0.20")
    assert bill.compute_usd == Decimal("6.67")  # 400,000 x 0.0000166667 = 6.66668


def test_tiers_charge_each_band_at_its_own_price_like_tax_brackets():
    tiers = (Tier(Decimal(10), Decimal(3)), Tier(Decimal(20), Decimal(2)), Tier(None, Decimal(1)))
    lines = split_into_tiers(Decimal(25), tiers)
    assert [line.gb_seconds for line in lines] == [10, 10, 5]
    assert sum(line.usd for line in lines) == 10 * 3 + 10 * 2 + 5 * 1


def test_a_huge_x86_month_crosses_into_the_cheaper_tiers():
    # 16 billion GB-s: 6 bn at the first price, 9 bn at the second, 1 bn at the third.
    usage = Usage(requests=16_000_000_000, duration_ms=1000, memory_mb=1024, free_tier=False)
    bill = price(usage)
    assert [line.gb_seconds for line in bill.tiers] == [6 * 10**9, 9 * 10**9, 1 * 10**9]
    expected = (
        6 * 10**9 * Decimal("0.0000166667")
        + 9 * 10**9 * Decimal("0.000015")
        + 1 * 10**9 * Decimal("0.0000133334")
    )
    assert bill.on_demand_exact == expected
    assert bill.compute_usd == Decimal("248333.60")


def test_arm64_tiers_have_their_own_boundaries():
    usage = Usage(
        requests=8_000_000_000, duration_ms=1000, memory_mb=1024, arch="arm64", free_tier=False
    )
    bill = price(usage)
    assert [line.gb_seconds for line in bill.tiers] == [7_500_000_000, 500_000_000, 0]


def test_ephemeral_storage_at_the_free_512_mb_costs_nothing():
    bill = price(Usage(requests=10_000_000, duration_ms=900, memory_mb=2048))
    assert bill.extra_ephemeral_gb == 0
    assert bill.ephemeral_usd == 0


def test_ephemeral_storage_is_billed_above_512_mb_for_the_run_time():
    bill = price(Usage(requests=1000, duration_ms=1000, memory_mb=128, ephemeral_mb=1536))
    assert bill.extra_ephemeral_gb == 1
    assert bill.ephemeral_gb_seconds == 1000


def test_provisioned_time_is_rounded_up_to_five_minutes():
    usage = Usage(
        requests=0, duration_ms=0, memory_mb=1024, provisioned_concurrency=1, provisioned_hours=1.01
    )
    # 60.6 minutes -> 65 minutes
    assert price(usage).provisioned_enabled_seconds == 65 * 60


def test_provisioned_environments_serve_traffic_first_and_the_rest_spills_over():
    # One environment for one hour has 3,600 s of run time: 3,600 one-second invocations.
    usage = Usage(
        requests=5000,
        duration_ms=1000,
        memory_mb=1024,
        free_tier=False,
        provisioned_concurrency=1,
        provisioned_hours=1,
    )
    bill = price(usage)
    assert bill.provisioned_invocations == 3600
    assert bill.on_demand_invocations == 1400
    assert bill.provisioned_duration_gb_seconds == 3600
    assert bill.on_demand_gb_seconds == 1400
    assert bill.provisioned_duration_exact == 3600 * Decimal("0.0000097222")


def test_provisioned_concurrency_is_paid_even_without_traffic():
    usage = Usage(
        requests=0, duration_ms=100, memory_mb=2048, provisioned_concurrency=2, provisioned_hours=10
    )
    bill = price(usage)
    assert bill.provisioned_gb_seconds == 2 * 2 * 10 * 3600
    assert bill.provisioned_usd > 0
    assert bill.compute_usd == 0


def test_zero_provisioned_concurrency_ignores_the_hours():
    usage = Usage(requests=10, duration_ms=100, memory_mb=128, provisioned_hours=5)
    assert price(usage).provisioned_usd == 0


def test_the_total_is_the_sum_of_the_rounded_lines():
    bill = price(Usage(requests=3_000_000, duration_ms=120, memory_mb=1536, ephemeral_mb=4096))
    assert bill.total_usd == sum(bill.parts_usd().values())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requests": -1}, "requests cannot be negative"),
        ({"memory_mb": 127}, "memory must be between 128 and 10,240 MB (got 127 MB)"),
        ({"memory_mb": 10241}, "memory must be between 128 and 10,240 MB"),
        ({"duration_ms": 900_001}, "cannot exceed the 900,000 ms (15 minute) timeout"),
        ({"duration_ms": -0.5}, "duration cannot be negative"),
        ({"duration_ms": float("nan")}, "duration_ms must be a finite number"),
        ({"ephemeral_mb": 511}, "ephemeral storage must be between 512 and 10,240 MB"),
        ({"ephemeral_mb": 10241}, "ephemeral storage must be between 512 and 10,240 MB"),
        ({"arch": "sparc"}, "architecture must be x86_64 or arm64"),
        ({"requests": 1.5}, "requests must be a whole number"),
        ({"memory_mb": 512.0}, "memory_mb must be a whole number"),
        ({"provisioned_concurrency": -1}, "provisioned concurrency cannot be negative"),
        ({"provisioned_hours": 745}, "provisioned hours must be between 0 and 744"),
    ],
)
def test_inputs_aws_would_refuse_are_rejected_with_a_clear_message(changes, message):
    fields = {"requests": 1000, "duration_ms": 100, "memory_mb": 128, **changes}
    with pytest.raises(InvalidUsage, match=message.replace("(", r"\(").replace(")", r"\)")):
        Usage(**fields)


def test_the_edges_of_every_range_are_accepted():
    Usage(requests=0, duration_ms=0, memory_mb=128, ephemeral_mb=512)
    Usage(requests=10**12, duration_ms=900_000, memory_mb=10240, ephemeral_mb=10240)


def test_more_provisioned_invocations_than_requests_are_rejected():
    with pytest.raises(InvalidUsage, match="between 0 and the 100 requests"):
        Usage(
            requests=100,
            duration_ms=100,
            memory_mb=128,
            provisioned_concurrency=1,
            provisioned_hours=1,
            provisioned_invocations=101,
        )


def test_provisioned_invocations_that_cannot_fit_in_the_warm_time_are_rejected():
    # 1 environment x 1 hour = 3,600 s; 4,000 one-second invocations do not fit.
    with pytest.raises(InvalidUsage, match="need 4,000 s of environment time.*only 3,600 s"):
        Usage(
            requests=5000,
            duration_ms=1000,
            memory_mb=128,
            provisioned_concurrency=1,
            provisioned_hours=1,
            provisioned_invocations=4000,
        )
