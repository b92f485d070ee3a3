"""`python -m pricing`: a Lambda bill from the command line, for scripts and instructors.

    python -m pricing --requests 3000000 --duration-ms 120 --memory-mb 1536
    python -m pricing --requests 3000000 --duration-ms 120 --memory-mb 1536 --json

Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from pricing.model import ARCHITECTURES, InvalidUsage, Usage, price
from pricing.walkthrough import as_text

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse prints the whole usage block on an error; scripts want one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def whole(text: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def decimal(text: str) -> Decimal:
    """Decimals stay exact: 120.5 ms is 120.5, not 120.49999…"""
    try:
        number = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m pricing",
        description="Work out one month of an AWS Lambda function's bill, step by step.",
    )
    parser.add_argument("--requests", type=whole, required=True, help="invocations a month")
    parser.add_argument(
        "--duration-ms", type=decimal, required=True, help="average duration in ms (decimals ok)"
    )
    parser.add_argument("--memory-mb", type=whole, required=True, help="128 to 10240")
    parser.add_argument("--arch", choices=ARCHITECTURES, default="x86_64")
    parser.add_argument("--ephemeral-mb", type=whole, default=512, help="512 to 10240")
    parser.add_argument(
        "--no-free-tier", action="store_true", help="bill as if the free tier were used up"
    )
    parser.add_argument("--provisioned-concurrency", type=whole, metavar="C")
    parser.add_argument("--provisioned-hours", type=decimal, metavar="H")
    parser.add_argument(
        "--provisioned-invocations",
        type=whole,
        metavar="N",
        help="invocations served by the provisioned environments (default: as many as fit)",
    )
    parser.add_argument(
        "--provisioned-duration-ms",
        type=decimal,
        metavar="D",
        help="their average duration (default: --duration-ms)",
    )
    parser.add_argument("--json", action="store_true", help="print the bill's parts as JSON")
    return parser


def usage_from(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Usage:
    concurrency, hours = args.provisioned_concurrency, args.provisioned_hours
    if (concurrency is None) != (hours is None):
        parser.error("--provisioned-concurrency and --provisioned-hours go together")
    if concurrency is None and (
        args.provisioned_invocations is not None or args.provisioned_duration_ms is not None
    ):
        parser.error("--provisioned-invocations and --provisioned-duration-ms need provisioning")
    try:
        return Usage(
            requests=args.requests,
            duration_ms=args.duration_ms,
            memory_mb=args.memory_mb,
            arch=args.arch,
            ephemeral_mb=args.ephemeral_mb,
            free_tier=not args.no_free_tier,
            provisioned_concurrency=concurrency or 0,
            provisioned_hours=hours or 0,
            provisioned_invocations=args.provisioned_invocations,
            provisioned_duration_ms=args.provisioned_duration_ms,
        )
    except InvalidUsage as problem:
        parser.error(str(problem))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    bill = price(usage_from(args, parser))
    if args.json:
        parts = {**bill.parts_usd(), "total_usd": bill.total_usd}
        print(json.dumps({name: float(amount) for name, amount in parts.items()}, indent=2))
    else:
        print(as_text(bill))
    return 0


if __name__ == "__main__":
    sys.exit(main())
