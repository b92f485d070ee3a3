"""The first code an execution environment runs: wait for a function, then start AWS's
runtime client for it.

Mounted read-only at /var/runtime/_lambda_lab_prestart.py and run by the environment's
Python before any function is known, so that the namespaces, the interpreter and the
modules every runtime needs are ready when an invocation arrives: what a cold start
then costs is the learner's own import, as on Lambda, whose environments are likewise
prepared before the code is. It reads one JSON document from the file descriptor named
in its argument (the function's environment variables and handler), puts them in place
and hands over to ``awslambdaric``, which does everything else.

It imports nothing of awslambdaric's own before the function is known: that module
reads its settings (log format, log level) from the environment when it is imported.
Standard library only; nothing of the sandbox.
"""

# Besides json, os and sys: what awslambdaric imports anyway, loaded while no function
# waits (runtime_client is the runtime client's compiled part). Not http.client: the
# runtime client imports it only to report an init error, and it costs memory.
import decimal  # noqa: F401
import importlib
import json
import logging  # noqa: F401
import os
import socket
import sys
import traceback  # noqa: F401

# The runtime client's own modules that read nothing of the environment when imported
# (bootstrap and lambda_runtime_client do: they wait for the function's variables).
import awslambdaric.lambda_config  # noqa: F401
import awslambdaric.lambda_context  # noqa: F401
import awslambdaric.lambda_literals  # noqa: F401
import awslambdaric.lambda_runtime_exception  # noqa: F401
import awslambdaric.lambda_runtime_hooks_runner  # noqa: F401
import awslambdaric.lambda_runtime_log_utils  # noqa: F401
import awslambdaric.lambda_runtime_marshaller  # noqa: F401
import runtime_client  # noqa: F401
import simplejson  # noqa: F401
import snapshot_restore_py  # noqa: F401

TASK_ROOT = "/var/task"


def read_config(fd: int) -> dict:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    if not chunks:  # the sandbox retired this environment before giving it a function
        os._exit(0)
    return json.loads(b"".join(chunks))


def open_doors(channel_fd: int, ports: str) -> None:
    """Listen on this environment's loopback (the Runtime API at 127.0.0.1:9001, the
    sandbox's relayed ports) and give the sockets to the sandbox, which serves them.
    Nothing of them stays here: the ports are then taken, by the sandbox."""
    listeners = []
    for port in ports.split(","):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", int(port)))
        listener.listen(16)
        listeners.append(listener)
    with socket.socket(fileno=channel_fd) as channel:
        socket.send_fds(channel, [b"doors"], [listener.fileno() for listener in listeners])
    for listener in listeners:
        listener.close()


def main() -> None:
    open_doors(int(sys.argv[2]), sys.argv[3])
    config = read_config(int(sys.argv[1]))
    os.environ.clear()
    os.environ.update(config["environment"])
    os.chdir(TASK_ROOT)
    # As `python -m awslambdaric` would have it: the function's code first on the path.
    sys.path[0] = TASK_ROOT
    # /var/task and /opt were empty when the interpreter started: forget what it cached.
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    sys.argv = ["awslambdaric", config["handler"]]
    from awslambdaric.__main__ import main as run_runtime

    run_runtime(sys.argv)


if __name__ == "__main__":
    main()
