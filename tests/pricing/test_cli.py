"""`python -m pricing` as a script or an instructor runs it: a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MOBILE = ["--requests", "3000000", "--duration-ms", "120", "--memory-mb", "1536"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pricing", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def bill_json(*args: str) -> dict[str, float]:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_plain_output_works_the_bill_step_by_step():
    result = run(*MOBILE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "3,000,000 - 1,000,000 free = 2,000,000 billable" in out
    assert "3,000,000 x 0.18 GB-s = 540,000 GB-s" in out
    assert "540,000 - 400,000 = 140,000 billable GB-s" in out
    assert "140,000 GB-s x $0.0000166667 (x86_64) = $2.333338" in out
    assert out.rstrip().endswith("Total: $0.40 + $2.33 + $0.00 + $0.00 = $2.73 a month")
    assert result.stderr == ""


def test_json_prints_the_five_amounts_as_numbers():
    assert bill_json(*MOBILE) == {
        "request_usd": 0.40,
        "compute_usd": 2.33,
        "ephemeral_usd": 0.0,
        "provisioned_usd": 0.0,
        "total_usd": 2.73,
    }


def test_json_output_is_nothing_but_json():
    result = run(*MOBILE, "--json")
    json.loads(result.stdout)  # raises if anything else is printed
    assert set(json.loads(result.stdout)) == {
        "request_usd",
        "compute_usd",
        "ephemeral_usd",
        "provisioned_usd",
        "total_usd",
    }


def test_every_option_reaches_the_bill():
    """AWS's ephemeral example, then its provisioned concurrency examples, by flags."""
    ephemeral = bill_json(
        "--requests", "6000000", "--duration-ms", "280", "--memory-mb", "4096",
        "--ephemeral-mb", "2048",
    )  # fmt: skip
    assert ephemeral["ephemeral_usd"] == 0.08
    assert ephemeral["total_usd"] == 106.41
    launch = bill_json(
        *MOBILE,
        "--provisioned-concurrency", "100", "--provisioned-hours", "8",
        "--provisioned-invocations", "500000", "--provisioned-duration-ms", "100",
    )  # fmt: skip
    assert launch["provisioned_usd"] == 18.0
    assert launch["total_usd"] == 19.96
    cyber_monday = bill_json(
        "--requests", "2000000", "--duration-ms", "280", "--memory-mb", "4096",
        "--no-free-tier", "--provisioned-concurrency", "7", "--provisioned-hours", "24",
    )  # fmt: skip
    assert cyber_monday["total_usd"] == 32.26


def test_arm64_is_cheaper_than_x86_for_the_same_function():
    api = ["--requests", "50000000", "--duration-ms", "120", "--memory-mb", "256"]
    assert bill_json(*api)["total_usd"] == 28.13
    assert bill_json(*api, "--arch", "arm64")["total_usd"] == 24.47


def test_no_free_tier_bills_from_the_first_request():
    seed = ["--requests", "2000000", "--duration-ms", "1000", "--memory-mb", "128"]
    assert bill_json(*seed)["total_usd"] == 0.20
    assert bill_json(*seed, "--no-free-tier") == {
        "request_usd": 0.40,
        "compute_usd": 4.17,  # 250,000 GB-s x 0.0000166667 = 4.166675
        "ephemeral_usd": 0.0,
        "provisioned_usd": 0.0,
        "total_usd": 4.57,
    }


def test_a_decimal_duration_is_rounded_up_to_the_next_millisecond():
    out = run("--requests", "10", "--duration-ms", "120.2", "--memory-mb", "128").stdout
    assert "120.2 ms rounded up to the next 1 ms = 121 ms" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests", "-5", "--duration-ms", "1", "--memory-mb", "128"], "requests cannot be"),
        (["--requests", "5", "--duration-ms", "1", "--memory-mb", "64"], "memory must be between"),
        (["--requests", "5", "--duration-ms", "1", "--memory-mb", "20000"], "memory must be"),
        (["--requests", "5", "--duration-ms", "900001", "--memory-mb", "128"], "15 minute"),
        (["--requests", "5", "--duration-ms", "-1", "--memory-mb", "128"], "cannot be negative"),
        (["--requests", "5", "--duration-ms", "abc", "--memory-mb", "128"], "is not a number"),
        (["--requests", "5", "--duration-ms", "inf", "--memory-mb", "128"], "not a finite"),
        (["--requests", "1.5", "--duration-ms", "1", "--memory-mb", "128"], "not a whole number"),
        ([*MOBILE, "--ephemeral-mb", "100"], "ephemeral storage must be between 512"),
        ([*MOBILE, "--arch", "sparc"], "invalid choice: 'sparc'"),
        ([*MOBILE, "--provisioned-concurrency", "5"], "go together"),
        ([*MOBILE, "--provisioned-invocations", "5"], "need provisioning"),
        (["--duration-ms", "1", "--memory-mb", "128"], "required: --requests"),
    ],
)
def test_bad_input_exits_non_zero_with_one_clear_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_help_lists_every_option():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--requests", "--duration-ms", "--memory-mb", "--arch", "--ephemeral-mb"):
        assert option in result.stdout
    for option in ("--no-free-tier", "--provisioned-concurrency", "--provisioned-hours", "--json"):
        assert option in result.stdout


def test_a_huge_month_is_priced_tier_by_tier():
    out = run("--requests", "16000000000", "--duration-ms", "1000", "--memory-mb", "1024").stdout
    assert "first 6,000,000,000 GB-s: 6,000,000,000 GB-s x $0.0000166667" in out
    assert "6,000,000,000 to 15,000,000,000 GB-s: 9,000,000,000 GB-s x $0.000015" in out
    assert "beyond 15,000,000,000 GB-s: 999,600,000 GB-s x $0.0000133334" in out
