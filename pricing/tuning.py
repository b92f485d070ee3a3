"""A MODEL of how memory changes a function's duration, in the spirit of AWS Lambda
Power Tuning. It is a teaching model, not a measurement: measure your own function.

Lambda gives CPU in proportion to memory: 1,769 MB buys one full vCPU, and the largest
setting gets 6. The model splits today's duration into a CPU-bound part, which speeds
up with the CPU share, and a waiting part (network, disk, other services), which does
not. Single-threaded code cannot use more than one vCPU, so above 1,769 MB it only pays
more; code with N threads keeps speeding up to N vCPUs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from course.facts import value
from pricing.model import Bill, InvalidUsage, Usage, price, to_decimal

# The memory sizes a power-tuning run typically tries, plus the 1-vCPU point.
MEMORY_STEPS_MB = (128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240)


@dataclass(frozen=True)
class SpeedModel:
    """Today's function: its duration at its memory, how CPU-bound it is, its threads."""

    duration_ms: Decimal
    memory_mb: int
    cpu_share: Decimal  # 0..1 of today's duration that is computing, not waiting
    threads: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.cpu_share <= 1:
            raise ValueError(f"cpu_share must be between 0 and 1 (got {self.cpu_share})")
        if self.threads < 1:
            raise ValueError(f"threads must be at least 1 (got {self.threads})")


def vcpus(memory_mb: int) -> Decimal:
    """CPU share in vCPUs: proportional to memory, one at 1,769 MB, at most six."""
    one_vcpu = Decimal(value("limits.memory_one_vcpu_mb"))
    return min(Decimal(memory_mb) / one_vcpu, Decimal(value("limits.max_vcpus")))


def usable_vcpus(memory_mb: int, threads: int) -> Decimal:
    return min(vcpus(memory_mb), Decimal(threads))


def duration_at(model: SpeedModel, memory_mb: int) -> Decimal:
    """The modelled duration (ms) at another memory size."""
    today = to_decimal(model.duration_ms)
    cpu_ms = today * model.cpu_share
    waiting_ms = today - cpu_ms
    # CPU work measured in "ms at one vCPU", then spread over the vCPUs it can use there.
    work = cpu_ms * usable_vcpus(model.memory_mb, model.threads)
    return waiting_ms + work / usable_vcpus(memory_mb, model.threads)


@dataclass(frozen=True)
class TuningPoint:
    memory_mb: int
    duration_ms: Decimal
    bill: Bill


def sweep(usage: Usage, model: SpeedModel) -> tuple[TuningPoint, ...]:
    """The modelled month at each memory size, everything else unchanged.

    Sizes at which the modelled run would pass the 15-minute timeout are left out.
    """
    sizes = sorted({*MEMORY_STEPS_MB, usage.memory_mb})
    points = []
    for memory in sizes:
        duration = duration_at(model, memory)
        changes: dict[str, object] = {"memory_mb": memory, "duration_ms": duration}
        if usage.provisioned_duration_ms is not None:
            # Provisioned runs speed up by the same factor as the average run.
            factor = duration / to_decimal(usage.duration_ms) if usage.duration_ms else 1
            changes["provisioned_duration_ms"] = to_decimal(usage.provisioned_duration_ms) * factor
        try:
            bill = price(dataclasses.replace(usage, **changes))
        except InvalidUsage:
            if usage.provisioned_invocations is None:
                continue  # the modelled run would pass the 15-minute timeout: no such month
            # The explicit provisioned share no longer fits: let traffic fill what does.
            changes["provisioned_invocations"] = None
            try:
                bill = price(dataclasses.replace(usage, **changes))
            except InvalidUsage:
                continue
        points.append(TuningPoint(memory, duration, bill))
    return tuple(points)


def cheapest(points: tuple[TuningPoint, ...]) -> TuningPoint:
    """The cheapest memory size; on a tie, the faster (larger) one."""
    return min(points, key=lambda point: (point.bill.total_exact, -point.memory_mb))
