"""Length-prefixed JSON messages over pipes, between the sandbox and its workers.

Imported by the worker too, so it uses the standard library only.
"""

from __future__ import annotations

import json
import os
from typing import Any

HEADER_BYTES = 4
# A message larger than this is refused, so a broken or hostile worker cannot make the
# sandbox allocate without bound; responses are capped well below it.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class WireError(EOFError):
    """The other side closed the pipe or sent something that is not a message."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return len(body).to_bytes(HEADER_BYTES, "big") + body


def write_message(fd: int, message: dict[str, Any]) -> None:
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise WireError("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict[str, Any]:
    size = int.from_bytes(read_exactly(fd, HEADER_BYTES), "big")
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {size} bytes is over the limit")
    try:
        message = json.loads(read_exactly(fd, size))
    except ValueError as error:
        raise WireError(f"not a message: {error}") from error
    if not isinstance(message, dict):
        raise WireError("not a message: expected an object")
    return message


class MessageReader:
    """Reassembles messages from the chunks a non-blocking read returns."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        self._buffer += chunk
        messages: list[dict[str, Any]] = []
        while len(self._buffer) >= HEADER_BYTES:
            size = int.from_bytes(self._buffer[:HEADER_BYTES], "big")
            if size > MAX_MESSAGE_BYTES:
                raise WireError(f"message of {size} bytes is over the limit")
            end = HEADER_BYTES + size
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[HEADER_BYTES:end])
            del self._buffer[:end]
            try:
                message = json.loads(body)
            except ValueError as error:
                raise WireError(f"not a message: {error}") from error
            if not isinstance(message, dict):
                raise WireError("not a message: expected an object")
            messages.append(message)
        return messages
