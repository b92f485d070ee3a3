"""Lambda's Runtime API for one execution environment, served by the sandbox.

AWS's runtime interface client (``awslambdaric``) inside the environment polls it as it
polls Lambda's own at 127.0.0.1:9001 in a microVM:

* ``GET  /2018-06-01/runtime/invocation/next``: blocks until there is an invocation;
  answers the event with Lambda's headers (request id, deadline, function ARN, trace id,
  client context, Cognito identity). The first call ends the init phase.
* ``POST /2018-06-01/runtime/invocation/{id}/response``: the handler's result.
* ``POST /2018-06-01/runtime/invocation/{id}/error``: the handler's error document.
* ``POST /2018-06-01/runtime/init/error``: the init phase failed.

Each environment has its own listener, so an environment can only ever speak for itself.
What the runtime says is passed to the sandbox as ``ApiEvent`` objects through a queue
and a wake-up pipe that ``ExecutionEnvironment`` watches beside the log pipes.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import socket
import threading
from dataclasses import dataclass
from typing import Any

PREFIX = "/2018-06-01/runtime"
ROUTE = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
MAX_HEADER_BYTES = 64 * 1024
ERROR_TYPE_HEADER = "lambda-runtime-function-error-type"


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event: bytes
    deadline_ms: int
    invoked_function_arn: str
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None


@dataclass(frozen=True)
class ApiEvent:
    """What the runtime told the sandbox."""

    kind: str  # ready | result | error | init_error | too_large
    request_id: str = ""
    body: bytes = b""
    error_type: str | None = None

    def error_document(self) -> dict[str, Any]:
        try:
            document = json.loads(self.body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = {"errorMessage": self.body.decode("utf-8", "replace")}
        if self.error_type and "errorType" not in document:
            document["errorType"] = self.error_type
        return document


class _BadRequest(Exception):
    pass


class RuntimeApi:
    """The Runtime API on one listening socket (in the environment's own network)."""

    def __init__(self, listener: socket.socket, response_limit: int) -> None:
        self.listener = listener
        self.response_limit = response_limit
        self.events: queue.SimpleQueue[ApiEvent] = queue.SimpleQueue()
        self.wake_r, self._wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        self._pending: Invocation | None = None
        self._current: str | None = None
        self._ready_sent = False
        self._cond = threading.Condition()
        self._closed = False
        self._connections: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="runtime-api", daemon=True)
        self._thread.start()

    # The sandbox's side ------------------------------------------------------------

    def send(self, invocation: Invocation) -> None:
        with self._cond:
            self._pending = invocation
            self._cond.notify_all()

    def take_events(self) -> list[ApiEvent]:
        with contextlib.suppress(BlockingIOError, OSError):
            os.read(self.wake_r, 4096)
        found: list[ApiEvent] = []
        while True:
            try:
                found.append(self.events.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            connections = list(self._connections)
        for sock in [self.listener, *connections]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for fd in (self.wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _emit(self, event: ApiEvent) -> None:
        self.events.put(event)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b".")

    # The runtime's side ------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                if self._closed:
                    connection.close()
                    return
                self._connections.add(connection)
            threading.Thread(
                target=self._serve, args=(connection,), name="runtime-api-conn", daemon=True
            ).start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while not self._closed:
                request = _read_request(reader, self.response_limit)
                if request is None:
                    return
                method, path, headers, body = request
                keep = self._route(connection, method, path, headers, body)
                if not keep:
                    return
        except (OSError, _BadRequest, ValueError):
            return
        finally:
            with self._cond:
                self._connections.discard(connection)
            with contextlib.suppress(OSError):
                reader.close()
                connection.close()

    def _route(self, connection: socket.socket, method: str, path: str,
               headers: dict[str, str], body: bytes | None) -> bool:
        if method == "GET" and path == f"{PREFIX}/invocation/next":
            return self._next(connection)
        if method == "POST" and path == f"{PREFIX}/init/error":
            self._emit(ApiEvent("init_error", body=body or b"",
                                error_type=headers.get(ERROR_TYPE_HEADER)))
            _respond(connection, 202, {"status": "OK"})
            return True
        match = ROUTE.match(path)
        if method == "POST" and match:
            request_id, what = match.groups()
            if request_id != self._current:
                _respond(connection, 400, {"errorMessage": "Invalid request ID",
                                           "errorType": "InvalidRequestID"})
                return True
            if body is None:  # over the response limit: not read, the connection closes
                self._current = None
                self._emit(ApiEvent("too_large", request_id))
                _respond(connection, 413, {
                    "errorMessage": "Exceeded maximum allowed payload size "
                                    f"({self.response_limit} bytes).",
                    "errorType": "RequestEntityTooLarge",
                }, close=True)
                return False
            self._current = None
            kind = "result" if what == "response" else "error"
            self._emit(ApiEvent(kind, request_id, body, headers.get(ERROR_TYPE_HEADER)))
            _respond(connection, 202, {"status": "OK"})
            return True
        _respond(connection, 404, {"errorMessage": "Not found", "errorType": "NotFound"})
        return True

    def _next(self, connection: socket.socket) -> bool:
        with self._cond:
            if not self._ready_sent:
                self._ready_sent = True
                self._emit(ApiEvent("ready"))
            while self._pending is None and not self._closed:
                self._cond.wait()
            if self._closed:
                return False
            invocation, self._pending = self._pending, None
            self._current = invocation.request_id
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        if invocation.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
        _send(connection, 200, headers, invocation.event)
        return True


def _read_request(reader: Any, body_limit: int
                  ) -> tuple[str, str, dict[str, str], bytes | None] | None:
    """One HTTP/1.1 request: method, path, lower-case headers and the body (None when it
    is over ``body_limit``, left unread). None when the connection closed."""
    line = reader.readline(MAX_HEADER_BYTES)
    if not line:
        return None
    try:
        method, target, _ = line.decode("latin-1").split(" ", 2)
    except ValueError:
        raise _BadRequest(line) from None
    headers: dict[str, str] = {}
    total = len(line)
    while True:
        line = reader.readline(MAX_HEADER_BYTES)
        total += len(line)
        if not line or total > MAX_HEADER_BYTES:
            raise _BadRequest("headers")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        size = 0
        while True:
            length = int(reader.readline(1024).split(b";")[0], 16)
            if length == 0:
                reader.readline(1024)
                break
            size += length
            if size > body_limit:
                return method, target, headers, None
            chunks.append(reader.read(length))
            reader.readline(8)
        body = b"".join(chunks)
    else:
        length = int(headers.get("content-length") or 0)
        if length > body_limit:
            return method, target, headers, None
        if headers.get("expect", "").lower() == "100-continue":
            reader.raw._sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # type: ignore[attr-defined]
        body = reader.read(length) if length else b""
    return method, target, headers, body


def _send(connection: socket.socket, status: int, headers: dict[str, str], body: bytes,
          close: bool = False) -> None:
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found",
              413: "Request Entity Too Large"}[status]
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def _respond(connection: socket.socket, status: int, document: dict[str, Any],
             close: bool = False) -> None:
    _send(connection, status, {"Content-Type": "application/json"},
          json.dumps(document).encode(), close)
