"""Ready-made months from the lessons and from AWS's own pricing page.

Each preset fills the calculator in one click and has a deep link, `?preset=<name>`,
so a lesson can send the learner straight to its example.
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.model import Usage


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    story: str
    usage: Usage


PRESETS: tuple[Preset, ...] = (
    Preset(
        "seed-2m",
        "2M x 128 MB x 1 s",
        "The seed notes' example (lesson 12): 2 million one-second runs at 128 MB cost $0.20, "
        "all of it requests; the 250,000 GB-s fit in the free tier.",
        Usage(requests=2_000_000, duration_ms=1000, memory_mb=128),
    ),
    Preset(
        "api-backend",
        "API back end",
        "Lesson 12's busier function: an API back end with 50 million requests a month, "
        "256 MB and 120 ms. Try arm64 to see the 20% duration discount.",
        Usage(requests=50_000_000, duration_ms=120, memory_mb=256),
    ),
    Preset(
        "nightly-batch",
        "Nightly batch",
        "Lesson 13's crontab job moved to Lambda: one two-minute run a night at 1 GB, "
        "31 nights. Compare it with an always-on EC2 instance below.",
        Usage(requests=31, duration_ms=120_000, memory_mb=1024, ephemeral_mb=2048),
    ),
    Preset(
        "aws-mobile-backend",
        "AWS: mobile back end",
        "AWS pricing page, example 1: 3 million requests, 120 ms, 1,536 MB on x86 = $2.73.",
        Usage(requests=3_000_000, duration_ms=120, memory_mb=1536),
    ),
    Preset(
        "aws-launch-day",
        "AWS: launch day",
        "AWS pricing page, provisioned concurrency example 1: 100 environments for 8 hours "
        "serve 500,000 requests at 100 ms; 2.5 million more run on demand = $19.96.",
        Usage(
            requests=3_000_000,
            duration_ms=120,
            memory_mb=1536,
            provisioned_concurrency=100,
            provisioned_hours=8,
            provisioned_invocations=500_000,
            provisioned_duration_ms=100,
        ),
    ),
)

BY_NAME = {preset.name: preset for preset in PRESETS}


def preset(name: str) -> Preset | None:
    return BY_NAME.get(name)
