"""Which Python runs a ``python3.x`` function, and what Lambda's runtime folder holds.

Lambda's Python runtimes keep the interpreter at ``/var/lang`` and the runtime's own
libraries at ``/var/runtime``: AWS's runtime interface client (``awslambdaric``) and the
AWS SDK (boto3 and what it needs). The sandbox mounts the same two folders into every
execution environment, read-only, from the machine's interpreter and from the packages
installed beside the sandbox (the project's virtual environment).

``awslambdaric`` ships a compiled part built for one Python minor version, so a runtime
runs on the machine's interpreter of that version only when its packages were installed
for it. Otherwise the sandbox's own interpreter runs it, and says so (INIT_START names
the interpreter; a syntax error in newer code says why it may have happened).
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# What Lambda's Python runtimes carry in /var/runtime besides the runtime client.
RUNTIME_DISTRIBUTIONS = (
    "awslambdaric",
    "simplejson",
    "snapshot-restore-py",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "urllib3",
    "six",
)
# Lambda's supported Python runtimes (as of December 2026).
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
RUNTIME_PATTERN = re.compile(r"^python(3)\.(\d+)$")


@dataclass(frozen=True)
class Interpreter:
    """A Python on this machine: its prefix is mounted at /var/lang."""

    version: str  # "3.11.7"
    prefix: Path  # sys.base_prefix: bin/pythonX.Y, lib/pythonX.Y
    executable_name: str  # "python3.11", found in prefix/bin

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def path_in_environment(self) -> str:
        return f"/var/lang/bin/{self.executable_name}"


def own_interpreter() -> Interpreter:
    """The sandbox's own Python: its packages are the ones /var/runtime is made of."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    minor = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(sys.base_prefix)
    name = minor if (prefix / "bin" / minor).exists() else "python3"
    return Interpreter(version, prefix, name)


def interpreter_for(runtime: str) -> Interpreter:
    """The interpreter that runs ``runtime`` here (today: the sandbox's own; see module doc)."""
    return own_interpreter()


def runtime_minor(runtime: str) -> str | None:
    match = RUNTIME_PATTERN.match(runtime or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def runs_as_declared(runtime: str, interpreter: Interpreter) -> bool:
    return runtime_minor(runtime) == interpreter.minor


@functools.cache
def runtime_entries() -> tuple[tuple[str, Path], ...]:
    """(name in /var/runtime, host path) for every top-level module and package of the
    runtime's distributions, as installed beside the sandbox."""
    entries: dict[str, Path] = {}
    for name in RUNTIME_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            parts = Path(str(file)).parts
            top = parts[0]
            if top.endswith((".dist-info", ".egg-info")) or top in ("..", "__pycache__"):
                continue
            if len(parts) == 1 and not top.endswith((".py", ".so")):
                continue
            entries.setdefault(top, Path(str(distribution.locate_file(top))))
    return tuple(sorted(entries.items()))


INSIDE = {"task": "/var/task", "runtime": "/var/runtime", "lang": "/var/lang", "opt": "/opt"}


def interpreter_variables(minor: str, paths: dict[str, str] = INSIDE) -> dict[str, str]:
    """What the interpreter and the dynamic loader read at start, as Lambda sets them.
    ``paths`` says where /var/task, /var/runtime, /var/lang and /opt are (the same names
    inside a boundary; host folders in single-learner mode)."""
    task, runtime, lang, opt = paths["task"], paths["runtime"], paths["lang"], paths["opt"]
    return {
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": f"{lang}/bin:/usr/local/bin:/usr/bin/:/bin:{opt}/bin",
        "LD_LIBRARY_PATH": (
            f"{lang}/lib:/lib64:/usr/lib64:{runtime}:{runtime}/lib:{task}:{task}/lib:{opt}/lib"
        ),
        # Lambda's order: the function's code (the working folder), its layers, the runtime.
        "PYTHONPATH": f"{opt}/python/lib/python{minor}/site-packages:{opt}/python:{runtime}",
        "PYTHONHOME": lang,
    }
