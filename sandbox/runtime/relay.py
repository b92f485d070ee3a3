"""Connections from inside environments to the sandbox's own loopback ports.

An environment's loopback is its own, so its handler's boto3 calls to
``http://127.0.0.1:<port>`` would reach nothing. The sandbox holds a socket listening on
that port inside the environment (opened there by ``prestart.py``, see
``standby.receive_listeners``) and copies each connection's bytes to the same port on
its own loopback: the AWS endpoint, where credentials say which learner calls, and the
function URL and API Gateway front. One event loop thread serves every
environment; nothing else is reachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

CHUNK = 1 << 16


class Relay:
    def __init__(self, target_host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="env-relay",
                                         daemon=True)
        self._thread.start()

    def serve(self, listener: socket.socket, target_port: int) -> object:
        """Relay connections accepted on ``listener`` to ``target_port``; returns a handle
        for ``stop``."""
        listener.setblocking(False)

        async def start() -> asyncio.base_events.Server:
            return await asyncio.start_server(
                lambda r, w: self._pipe(r, w, target_port), sock=listener
            )

        return asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)

    def stop(self, handle: object) -> None:
        async def close() -> None:
            handle.close()  # type: ignore[attr-defined]

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    port: int) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, port)
        except OSError:
            writer.close()
            return

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(CHUNK):
                    sink.write(chunk)
                    await sink.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                with contextlib.suppress(OSError, RuntimeError):
                    sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
