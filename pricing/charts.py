"""Plotly figures that show how a Lambda bill grows. No Streamlit here: the page shows
them, and the tests read their data."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from pricing.compare import (
    break_evens,
    monthly_lambda_usd,
    requests_per_second,
    with_requests,
)
from pricing.model import ARCHITECTURES, Bill, Prices, Usage, price
from pricing.tuning import SpeedModel, cheapest, sweep
from pricing.walkthrough import number, usd

COLOURS = {"x86_64": "#ff9900", "arm64": "#2e7d32"}
INSTANCE_COLOURS = ("#1565c0", "#6a1b9a", "#c62828")
POINTS_PER_DECADE = 8
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 30, "t": 70, "b": 60}}


def log_grid(low: float, high: float, extra: tuple[int, ...] = ()) -> list[int]:
    """Whole request counts spread evenly on a log axis, plus the points that matter."""
    decades = max(1, round((math.log10(high) - math.log10(low)) * POINTS_PER_DECADE))
    ratio = (high / low) ** (1 / decades)
    grid = {round(low * ratio**step) for step in range(decades + 1)}
    grid.update(n for n in extra if low <= n <= high)
    return sorted(grid)


def _money_axis(title: str = "USD a month") -> dict:
    return {"title": title, "tickprefix": "$", "rangemode": "tozero"}


def _log_money_axis(highest: float) -> dict:
    """Dollars on a log scale from one cent up (costs grow by orders of magnitude);
    a bill under a cent is below the axis."""
    top = math.log10(max(highest, 1.0)) + 0.3
    return {
        "title": "USD a month (log scale)",
        "type": "log",
        "tickprefix": "$",
        "range": [-2, top],
    }


def _mark_requests(figure: go.Figure, requests: int, text: str, dash: str, y: float) -> None:
    """A vertical line at a request count. Annotations on a log axis take log10(x),
    which `add_vline` gets wrong, so the label is placed by hand."""
    figure.add_shape(
        type="line",
        x0=requests,
        x1=requests,
        y0=0,
        y1=1,
        yref="paper",
        line={"dash": dash, "color": "#555"},
    )
    figure.add_annotation(
        x=math.log10(requests),
        y=y,
        yref="paper",
        text=text,
        showarrow=False,
        xanchor="left",
        bgcolor="rgba(255,255,255,0.8)",
    )


def cost_vs_requests(usage: Usage) -> go.Figure:
    """Monthly cost against requests (log scale) on both architectures."""
    current = max(usage.requests, 1)
    high = max(10**9, current * 100)
    grid = log_grid(10**3, high, extra=(current, 10**6))
    figure = go.Figure()
    highest = 0.0
    for arch in ARCHITECTURES:
        costs = [float(price(with_requests(usage, n, arch=arch)).total_usd) for n in grid]
        highest = max(highest, *costs)
        figure.add_trace(
            go.Scatter(
                x=grid,
                y=costs,
                name=arch,
                mode="lines",
                line={"color": COLOURS[arch], "width": 3},
                hovertemplate="%{x:,} requests: $%{y:,.2f}<extra>" + arch + "</extra>",
            )
        )
    _mark_requests(figure, current, f"your {number(usage.requests)} requests", "dash", 0.98)
    if usage.free_tier:
        free = int(Prices.from_facts(usage.arch).free_requests)
        _mark_requests(figure, free, f"{number(free)} free requests end", "dot", 0.06)
    figure.update_layout(
        title="Monthly cost as traffic grows (same duration and memory)",
        xaxis={"title": "requests per month (log scale)", "type": "log"},
        yaxis=_log_money_axis(highest),
        legend={"title": "architecture"},
        **LAYOUT,
    )
    return figure


def bill_parts(bill: Bill) -> go.Figure:
    """The bill's lines side by side, so the biggest one stands out."""
    labels = ["Requests", "Duration on demand", "Duration provisioned", "Ephemeral storage"]
    labels.append("Provisioned concurrency")
    amounts = [
        bill.request_exact,
        bill.on_demand_exact,
        bill.provisioned_duration_exact,
        bill.ephemeral_exact,
        bill.provisioned_exact,
    ]
    figure = go.Figure(
        go.Bar(
            x=[float(a) for a in amounts],
            y=labels,
            orientation="h",
            marker_color=["#1565c0", COLOURS[bill.usage.arch], "#8d6e63", "#00838f", "#6a1b9a"],
            text=[usd(a) for a in amounts],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    title = f"Where the {usd(bill.total_usd)} goes"
    if bill.total_usd == 0:
        title += ": nothing to pay, the free tier covers it all"
    figure.update_layout(
        title=title,
        xaxis=_money_axis(),
        yaxis={"autorange": "reversed"},
        **LAYOUT,
    )
    return figure


def memory_tuning(usage: Usage, model: SpeedModel) -> go.Figure:
    """MODELLED cost and duration at each memory size (a power-tuning style sweep)."""
    points = sweep(usage, model)
    figure = go.Figure()
    if not points:
        figure.update_layout(title="MODEL: every memory size would pass the timeout", **LAYOUT)
        return figure
    sizes = [str(point.memory_mb) for point in points]
    best = cheapest(points)
    colours = [
        "#2e7d32" if p is best else ("#ff9900" if p.memory_mb == usage.memory_mb else "#90a4ae")
        for p in points
    ]
    figure.add_trace(
        go.Bar(
            x=sizes,
            y=[float(point.bill.total_usd) for point in points],
            name="monthly cost (model)",
            marker_color=colours,
            hovertemplate="%{x} MB: $%{y:,.2f} a month<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=sizes,
            y=[float(point.duration_ms) for point in points],
            name="duration (model)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#37474f"},
            hovertemplate="%{x} MB: %{y:,.1f} ms<extra></extra>",
        )
    )
    share = int(model.cpu_share * 100)
    figure.update_layout(
        title=(
            f"MODEL, not a measurement: {share}% CPU-bound, {model.threads} thread(s). "
            f"Cheapest: {best.memory_mb} MB (green); yours: orange"
        ),
        xaxis={"title": "memory (MB); 1,769 MB = 1 vCPU", "type": "category"},
        yaxis=_money_axis("USD a month (model)"),
        yaxis2={"title": "duration, ms (model)", "overlaying": "y", "side": "right"},
        legend={"orientation": "h", "y": -0.25},
        **LAYOUT,
    )
    return figure


def lambda_vs_ec2(usage: Usage) -> go.Figure:
    """This function on Lambda against always-on instances, break-even points marked."""
    evens = break_evens(usage)
    boxes = tuple(even.instance for even in evens)
    even = {item.instance.name: item.requests for item in evens}
    known = [n for n in even.values() if n]
    high = max([10**9, max(usage.requests, 1) * 10, *(n * 10 for n in known)])
    grid = log_grid(10**3, high, extra=(max(usage.requests, 1), *known))
    lambda_costs = [float(monthly_lambda_usd(usage, n)) for n in grid]
    highest = max([*lambda_costs, *(float(box.monthly_usd) for box in boxes)])
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=grid,
            y=lambda_costs,
            name=f"Lambda ({usage.arch}, {number(usage.memory_mb)} MB)",
            mode="lines",
            line={"color": COLOURS[usage.arch], "width": 3},
            hovertemplate="%{x:,} requests: $%{y:,.2f}<extra>Lambda</extra>",
        )
    )
    for box, colour in zip(boxes, INSTANCE_COLOURS, strict=False):
        monthly = float(box.monthly_usd)
        point = even[box.name]
        name = f"EC2 {box.name}: ${box.hourly_usd}/h = {usd(box.monthly_usd)}/month"
        if point == 0:
            name += " (Lambda costs more even with no traffic)"
        elif point is None:
            name += " (Lambda stays cheaper)"
        figure.add_trace(
            go.Scatter(
                x=[grid[0], grid[-1]],
                y=[monthly, monthly],
                name=name,
                mode="lines",
                line={"color": colour, "dash": "dash"},
            )
        )
        if point:
            rate = requests_per_second(point)
            figure.add_trace(
                go.Scatter(
                    x=[point],
                    y=[monthly],
                    mode="markers",
                    marker={"color": colour, "size": 12, "symbol": "diamond"},
                    hovertemplate=f"break-even with {box.name}: {number(point)} requests a "
                    f"month, about {rate:.1f} a second<extra></extra>",
                    name=f"break-even with {box.name}",
                    showlegend=False,
                )
            )
    _mark_requests(
        figure, max(usage.requests, 1), f"your {number(usage.requests)} requests", "dot", 0.98
    )
    figure.update_layout(
        title="Lambda against an always-on EC2 instance (prices only; one instance may not "
        "keep up with the load)",
        xaxis={"title": "requests per month (log scale)", "type": "log"},
        yaxis=_log_money_axis(highest),
        legend={"orientation": "h", "y": -0.3},
        **LAYOUT,
    )
    return figure
