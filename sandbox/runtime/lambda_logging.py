"""Lambda's Python log formats, inside the worker.

The root logger gets Lambda's handler and format (``[LEVEL]\\t<time>\\t<request id>\\t<msg>``);
a multi-line record or error is written with ``\\r`` between its lines and one ``\\n`` at
the end, so the sandbox turns it into one CloudWatch event, as Lambda does.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current invocation's request id."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = RequestIdFilter.request_id
        return True


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record).replace("\n", "\r")
            write_event(text)
        except Exception:  # a broken record must not break the invocation, as in Lambda
            self.handleError(record)


def write_event(text: str) -> None:
    """One log event, possibly multi-line, on the worker's stdout."""
    sys.stdout.write(text.replace("\n", "\r") + "\n")
    sys.stdout.flush()


def install_lambda_logging() -> None:
    formatter = logging.Formatter(LOG_FORMAT, DATE_FORMAT)
    formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)


def log_error(error: dict[str, Any]) -> None:
    """An unhandled error, written as Lambda's runtime writes it: one multi-line event."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            lines.extend(element.splitlines() if element else [""])
    write_event("\n".join(lines))
