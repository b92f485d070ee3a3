"""Listening sockets that live inside an execution environment's network namespace.

An environment's network has only its own loopback. The sandbox opens the few doors it
needs (the Runtime API at 127.0.0.1:9001, the learner's AWS endpoint) by creating
listening sockets *in* that namespace from its own process: a thread joins the
namespace (setns), binds and listens, and returns. A socket keeps the namespace it was
made in, so the sandbox accepts connections from the environment's loopback with no
forwarding process inside and nothing routable outside.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_lock = threading.Lock()


class NamespaceError(OSError):
    pass


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise NamespaceError(errno, f"setns: {os.strerror(errno)}")


def listen_inside(pid: int, ports: list[int], host: str = "127.0.0.1") -> list[socket.socket]:
    """Listening TCP sockets on ``host:port`` in the network namespace of ``pid``."""
    result: list[socket.socket] = []
    error: list[BaseException] = []

    def work() -> None:  # a thread of its own: setns changes the calling thread only
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
        try:
            _setns(target)
            try:
                for port in ports:
                    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    listener.bind((host, port))
                    listener.listen(16)
                    result.append(listener)
            finally:
                _setns(own)
        except BaseException as exc:  # reported to the caller below
            error.append(exc)
        finally:
            os.close(own)
            os.close(target)

    with _lock:
        thread = threading.Thread(target=work, name="netns-listen")
        thread.start()
        thread.join()
    if error:
        for listener in result:
            listener.close()
        raise error[0]
    return result
