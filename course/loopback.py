"""Keep every connection this process opens on the loopback interface.

The app and the sandbox install this guard at start-up, so nothing the course's own code
does can reach beyond the machine: no AWS account, no internet. A refused attempt raises
``OffLoopbackError`` and is recorded, which tests read. It is a guard against our own
mistakes, not a boundary: learners' handlers run in network namespaces where nothing
but loopback exists (``sandbox/runtime/boundary.py``), which no Python code can undo.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from typing import Any

# Tests point this at a file to collect attempts made in a child process (the app server).
ATTEMPT_LOG_ENV = "LAMBDA_LAB_OFF_LOOPBACK_LOG"

_lock = threading.Lock()
_attempts: list[str] = []
_installed = False
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_sendto = socket.socket.sendto


class OffLoopbackError(ConnectionRefusedError):
    """Raised instead of opening a connection to an address beyond loopback."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: refused before any lookup leaves


def _target(address: Any) -> str | None:
    """The host of an AF_INET/AF_INET6 address tuple, or None for other families."""
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        return address[0]
    return None  # AF_UNIX paths and the like stay on the machine


def _record(description: str) -> None:
    with _lock:
        _attempts.append(description)
    log = os.environ.get(ATTEMPT_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(description + "\n")


def _check(address: Any, how: str) -> None:
    host = _target(address)
    if host is not None and not is_loopback(host):
        _record(f"{how} {address!r}")
        raise OffLoopbackError(f"blocked a connection beyond loopback: {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(address, "connect")
    return _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(address, "connect")
    return _original_connect_ex(self, address)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(args[-1] if args else None, "sendto")
    return _original_sendto(self, data, *args)


def install_guard() -> None:
    """Refuse connections beyond loopback from now on, in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign]
        _installed = True


def attempts() -> list[str]:
    """Connections beyond loopback that were refused in this process."""
    with _lock:
        return list(_attempts)
