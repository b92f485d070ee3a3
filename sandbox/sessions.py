"""boto3 sessions that talk to the sandbox, and share what botocore loads from disk.

A page run makes a new session per learner and a dozen clients on it. botocore's loader
caches the service models it parses (JSON files of up to a few MB each) per loader, and
each new botocore session gets a loader of its own, so every page run parsed every model
again: about 80% of the app's CPU in the workshop bench (`bench/workshop.py`). All sandbox
sessions share one loader instead: each model is parsed once per process. The loader's
caches are plain dicts; two threads filling the same entry at once both parse it and one
result wins, which is harmless.

Clients are shared too: a client made with nothing but a service name is kept per
(service, region, credentials, endpoint) and handed to the next session of the same
learner, since making one costs about 10 ms of CPU and a page run makes a dozen. botocore
clients are thread-safe; never register event handlers on one from ``client(name)``
(pass a ``config`` to get a private client instead).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

import boto3
import botocore.loaders
import botocore.session

_loader: botocore.loaders.Loader | None = None
_loader_lock = threading.Lock()
CLIENTS_KEPT = 2048  # about 10 services for each of 200 learners
_clients: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_clients_lock = threading.Lock()


def shared_loader() -> botocore.loaders.Loader:
    """The process's one loader, with boto3's own data folder (resources) on its path."""
    global _loader
    with _loader_lock:
        if _loader is None:
            loader = botocore.loaders.create_loader()
            loader.search_paths.append(os.path.join(os.path.dirname(boto3.__file__), "data"))
            _loader = loader
        return _loader


class SandboxSession(boto3.Session):
    """A boto3 session whose clients and resources talk to the sandbox, never to AWS."""

    def __init__(self, endpoint_url: str, **kwargs: Any) -> None:
        core = botocore.session.get_session()
        core.register_component("data_loader", shared_loader())
        super().__init__(botocore_session=core, **kwargs)
        self.endpoint_url = endpoint_url

    def _setup_loader(self) -> None:
        # boto3 appends its data folder to the loader's path; the shared one has it already.
        self._loader = self._session.get_component("data_loader")

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if args or kwargs:
            if len(args) < 5:  # endpoint_url is client()'s fifth positional parameter
                kwargs.setdefault("endpoint_url", self.endpoint_url)
            return super().client(service_name, *args, **kwargs)
        credentials = self._session.get_credentials()
        key = (
            service_name,
            self.region_name or "",
            self.endpoint_url,
            *(
                (credentials.access_key, credentials.secret_key, credentials.token or "")
                if credentials
                else ("", "", "")
            ),
        )
        with _clients_lock:
            kept = _clients.get(key)
            if kept is not None:
                _clients.move_to_end(key)
                return kept
        made = super().client(service_name, endpoint_url=self.endpoint_url)
        with _clients_lock:
            _clients[key] = made
            while len(_clients) > CLIENTS_KEPT:
                _clients.popitem(last=False)
        return made

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if len(args) < 5:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        return super().resource(service_name, *args, **kwargs)
