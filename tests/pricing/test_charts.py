"""The charts draw what they claim: both architectures, the bill's parts, a labelled
memory MODEL, and EC2 break-even points where the lines really cross."""

from decimal import Decimal

import pytest

from course.facts import value
from pricing import charts
from pricing.compare import break_even_requests, instances, monthly_lambda_usd
from pricing.model import Usage, price
from pricing.tuning import SpeedModel, duration_at, sweep

API = Usage(requests=50_000_000, duration_ms=120, memory_mb=256)


def trace(figure, name_start: str):
    return next(t for t in figure.data if (t.name or "").startswith(name_start))


def test_cost_vs_requests_draws_both_architectures_on_a_log_axis():
    figure = charts.cost_vs_requests(API)
    assert figure.layout.xaxis.type == "log"
    x86, arm = trace(figure, "x86_64"), trace(figure, "arm64")
    assert list(x86.x) == list(arm.x)
    assert API.requests in x86.x
    assert all(a <= x for a, x in zip(arm.y, x86.y, strict=True))
    at_current = list(x86.x).index(API.requests)
    assert x86.y[at_current] == 28.13


def test_bill_parts_shows_every_line_of_the_bill():
    bill = price(Usage(requests=6_000_000, duration_ms=280, memory_mb=4096, ephemeral_mb=2048))
    bar = charts.bill_parts(bill).data[0]
    amounts = dict(zip(bar.y, bar.text, strict=True))
    assert amounts["Requests"] == "$1.00"
    assert amounts["Duration on demand"] == "$105.33"
    assert amounts["Ephemeral storage"] == "$0.08"
    assert "$106.41" in charts.bill_parts(bill).layout.title.text


def test_the_memory_chart_is_labelled_as_a_model():
    model = SpeedModel(Decimal(120), 256, Decimal("0.7"))
    figure = charts.memory_tuning(API, model)
    assert figure.layout.title.text.startswith("MODEL, not a measurement")
    assert "(model)" in figure.data[0].name and "(model)" in figure.data[1].name


def test_single_threaded_code_stops_speeding_up_at_one_vcpu():
    one_vcpu = value("limits.memory_one_vcpu_mb")
    model = SpeedModel(Decimal(1000), 1024, Decimal(1))  # all CPU, one thread
    assert duration_at(model, 512) == 2 * duration_at(model, 1024)
    assert duration_at(model, one_vcpu) == duration_at(model, 10240)


def test_multi_threaded_code_keeps_speeding_up_past_one_vcpu():
    one_vcpu = value("limits.memory_one_vcpu_mb")
    model = SpeedModel(Decimal(1000), one_vcpu, Decimal(1), threads=4)
    assert duration_at(model, 2 * one_vcpu) == duration_at(model, one_vcpu) / 2


def test_waiting_time_does_not_speed_up_with_memory():
    model = SpeedModel(Decimal(1000), 1024, Decimal(0))  # all waiting on the network
    assert {duration_at(model, size) for size in (128, 1024, 10240)} == {Decimal(1000)}


def test_the_sweep_leaves_out_sizes_where_the_run_would_time_out():
    slow = Usage(requests=10, duration_ms=600_000, memory_mb=1024)
    points = sweep(slow, SpeedModel(Decimal(600_000), 1024, Decimal(1)))
    sizes = [point.memory_mb for point in points]
    assert 128 not in sizes and 256 not in sizes  # 8 and 4 times slower: past 15 minutes
    assert 1024 in sizes


def test_ec2_monthly_price_is_the_hourly_price_times_730_hours():
    small = next(box for box in instances() if box.name == "t4g.small")
    assert small.hourly_usd == Decimal(str(value("ec2.t4g_small_hourly_usd")))
    assert small.monthly_usd == small.hourly_usd * 730
    assert round(small.monthly_usd, 2) == Decimal("12.26")


@pytest.mark.parametrize("box", instances(), ids=lambda box: box.name)
def test_break_even_is_where_lambda_starts_to_cost_more_than_the_instance(box):
    point = break_even_requests(API, box.monthly_usd)
    assert point is not None and point > 0
    assert monthly_lambda_usd(API, point - 1) < box.monthly_usd <= monthly_lambda_usd(API, point)


def test_the_ec2_chart_marks_each_break_even_on_the_instance_line():
    figure = charts.lambda_vs_ec2(API)
    for box in instances():
        line = trace(figure, f"EC2 {box.name}")
        marker = trace(figure, f"break-even with {box.name}")
        assert marker.y[0] == line.y[0] == float(box.monthly_usd)
        assert marker.x[0] == break_even_requests(API, box.monthly_usd)


def test_provisioned_concurrency_can_cost_more_than_an_instance_with_no_traffic():
    warm = Usage(
        requests=1000, duration_ms=100, memory_mb=2048, provisioned_concurrency=2,
        provisioned_hours=730,
    )  # fmt: skip
    small = next(box for box in instances() if box.name == "t4g.small")
    assert break_even_requests(warm, small.monthly_usd) == 0
    assert "even with no traffic" in trace(charts.lambda_vs_ec2(warm), "EC2 t4g.small").name
