"""Who is making the request being served: set by the gateway, read by S3 event records.

moto serves each request on its own thread, synchronously, so a context variable set
before moto runs is visible to everything moto calls for that request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Requester:
    access_key_id: str | None
    source_ip: str
    query_string: str = ""

    def query_parameter(self, name: str) -> str | None:
        from urllib.parse import parse_qs

        values = parse_qs(self.query_string).get(name)
        return values[0] if values else None


current_requester: ContextVar[Requester | None] = ContextVar("current_requester", default=None)
