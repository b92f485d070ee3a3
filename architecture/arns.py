"""ARNs the map reads and writes: which node an ARN points at, and how to print it short."""

from __future__ import annotations

import re

LAMBDA_ARN = re.compile(
    r"arn:aws[\w-]*:lambda:(?P<region>[\w-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?"
)


def function_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def lambda_target(arn: str) -> tuple[str, str | None] | None:
    """(unqualified function ARN, qualifier or None) of any ARN naming a function."""
    found = LAMBDA_ARN.search(arn or "")
    if found is None:
        return None
    base = function_arn(found["region"], found["account"], found["name"])
    qualifier = found["qualifier"]
    return base, None if qualifier in (None, "$LATEST") else qualifier


def lambda_node_id(arn: str) -> str | None:
    """The node an invocation of this ARN lands on: the function, a version or an alias."""
    target = lambda_target(arn)
    if target is None:
        return None
    base, qualifier = target
    return base if qualifier is None else f"{base}:{qualifier}"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def queue_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def name_of(arn: str) -> str:
    """The last part of an ARN: a queue's, topic's or bucket's name, a rule's..."""
    return re.split(r"[:/]", arn)[-1]


def table_of_stream(stream_arn: str) -> str | None:
    """arn:...:table/orders/stream/2024... -> the table's ARN."""
    found = re.match(r"(arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table/[\w.-]+)/stream/", stream_arn)
    return found.group(1) if found else None
