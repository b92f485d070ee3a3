"""boto3 reads that never break the map: an unsupported service or call becomes a note.

The sandbox grows (new triggers, destinations, APIs) while the map runs. Every read goes
through ``Reads.call``: a resource that does not exist gives ``None`` quietly; a call the
sandbox cannot answer (not implemented, a 404/500 page, an unknown operation) gives
``None`` and one note naming the call, so the map shows what it could read and says what
it skipped. Clients try once (no retries) with short timeouts: the map refreshes often.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Error codes that mean "there is none", not "the sandbox cannot answer".
ABSENT = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
        "NotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ProvisionedConcurrencyConfigNotFoundException",
    }
)
READ_CONFIG = Config(
    retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20, max_pool_connections=20
)


# boto3 builds a client in 0.1-0.5 s; the map refreshes every few seconds, so clients are
# kept per learner (credentials), endpoint and region for the life of the process.
_clients: dict[tuple[str, str, str, str], Any] = {}
_clients_lock = threading.Lock()


def cached_client(session: boto3.Session, service: str) -> Any:
    credentials = session.get_credentials()
    key = (
        service,
        credentials.access_key if credentials else "",
        str(getattr(session, "endpoint_url", "")),
        session.region_name or "",
    )
    with _clients_lock:
        if key not in _clients:
            _clients[key] = session.client(service, config=READ_CONFIG)
        return _clients[key]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class Reads:
    """One learner's boto3 clients, and the notes of what could not be read."""

    def __init__(self, session: boto3.Session, note: Callable[[str], None]) -> None:
        self.session = session
        self.note = note

    def client(self, service: str) -> Any:
        return cached_client(self.session, service)

    def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """The response, or None if the resource is absent or the call unsupported."""
        try:
            method = getattr(self.client(service), operation)
            return method(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in ABSENT:
                self.note(f"{service}.{operation}: skipped ({_reason(exc)})")
            return None
        except (BotoCoreError, AttributeError, NotImplementedError, ValueError) as exc:
            self.note(f"{service}.{operation}: skipped ({type(exc).__name__}: {exc})")
            return None

    def items(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item of a listing, across pages; [] if it cannot be read."""
        found: list[Any] = []
        token_names = ("NextToken", "nextToken", "Marker", "NextMarker", "position")
        while True:
            page = self.call(service, operation, **kwargs)
            if page is None:
                return found
            found += page.get(key) or []
            token = next(((n, page[n]) for n in token_names if page.get(n)), None)
            if token is None:
                return found
            name, value = token
            request_name = {"NextMarker": "Marker"}.get(name, name)
            if kwargs.get(request_name) == value:
                return found
            kwargs[request_name] = value


def _reason(exc: ClientError) -> str:
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code and not code.isdigit():
        message = str(exc.response.get("Error", {}).get("Message", ""))
        return f"{code}: {message[:120]}" if message else code
    return f"the sandbox answered HTTP {status or code}: not supported yet"
