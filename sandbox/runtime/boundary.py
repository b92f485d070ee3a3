"""The wall around an execution environment: Linux namespaces made by bubblewrap.

Each environment is started by ``bwrap`` (Debian's ``bubblewrap``: a small tool built
for exactly this, used by Flatpak, so we write no namespace code of our own) with
namespaces of its own: user, mount, PID, network, IPC, UTS and cgroup. It sees

* ``/var/lang``: the runtime's Python, read-only; ``/var/runtime``: AWS's runtime
  interface client and the SDK, read-only; ``/usr`` (and the usual links to it)
  read-only for the C libraries;
* ``/var/task``: the function's code, read-only; ``/opt``: its layers, read-only;
* ``/tmp``: a tmpfs of the function's ephemeral storage size, its own, gone with it;
* its own ``/proc`` and a minimal ``/dev`` (no writable ``/dev/shm``, as on Lambda);
* nothing of the host's ``/tmp``, the app's data, the repository or other environments.

Inside, only the loopback interface exists; the sandbox puts the Runtime API and the
learner's AWS endpoint there (``netns``).

Who the code runs as: as root (a server), bwrap itself runs as root without a user
namespace, so it can mount what root can reach (an interpreter under /root, a clone in
a 0700 folder), and the command it starts is ``setpriv``, which drops to the
environment's own unprivileged uid (``isolation.LearnerIds``, random and never reused),
clears every capability and sets no_new_privs before the runtime starts. As an
ordinary user (a laptop), bwrap makes a user namespace in which the code is uid 993, as
on Lambda, and the kernel maps it to that user.

Why bubblewrap rather than ``unshare`` or our own calls: it sets up the whole mount tree
in a few milliseconds, drops every capability, works unprivileged where the kernel
allows user namespaces, and is packaged everywhere. Where it is missing or the kernel
refuses, ``detect()`` says why and the sandbox runs in single-learner mode.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sandbox.runtime import interpreters

UID_INSIDE = 993  # Lambda's sbx_user1051
GID_INSIDE = 990
RUNTIME_API_PORT = 9001  # where Lambda's Runtime API sits inside the microVM
PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n"
)
GROUP = "root:x:0:\nsbx_user1051:x:990:\n"
SETPRIV = "/usr/bin/setpriv"  # util-linux, in every Debian; run from the /usr mounted inside
HOSTS = "127.0.0.1 localhost localhost.localdomain\n::1 localhost\n"


@dataclass(frozen=True)
class BoundaryInfo:
    """What this machine offers: namespaces (``available``) or why not."""

    available: bool
    detail: str
    bwrap: str | None = None


BWRAP_SETTING = "LAMBDA_LAB_BWRAP"  # where bwrap is, if not on PATH


@functools.cache
def detect() -> BoundaryInfo:
    bwrap = os.environ.get(BWRAP_SETTING) or shutil.which("bwrap")
    bwrap = bwrap or shutil.which("bwrap", path="/usr/bin:/bin")
    if bwrap is None or not os.access(bwrap, os.X_OK):
        return BoundaryInfo(False, "bubblewrap (bwrap) is not installed")
    if os.geteuid() == 0:
        if not Path(SETPRIV).exists():
            return BoundaryInfo(False, f"{SETPRIV} (util-linux) is missing", bwrap)
        who = ["--cap-add", "CAP_SETUID,CAP_SETGID"]
        inner = [SETPRIV, "--reuid=1234567", "--regid=1234567", "--clear-groups", "/bin/true"]
    else:
        who = ["--unshare-user", "--disable-userns"]
        inner = ["/bin/true"]
    probe = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", *who,
             "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--", *inner]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, cwd="/")
    except (OSError, subprocess.SubprocessError) as error:
        return BoundaryInfo(False, f"bubblewrap could not run: {error}", bwrap)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return BoundaryInfo(False, f"the kernel refused namespaces: "
                                   f"{reason[-1] if reason else done.returncode}", bwrap)
    return BoundaryInfo(True, "Linux namespaces through bubblewrap", bwrap)


def system_files(folder: Path) -> Path:
    """/etc/passwd, /etc/group and /etc/hosts for environments (written once)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("passwd", PASSWD), ("group", GROUP), ("hosts", HOSTS)):
        path = folder / name
        if not path.exists():
            path.write_text(text)
            path.chmod(0o444)
    folder.chmod(0o755)
    return folder


def _usr_links() -> list[str]:
    """/bin, /lib, /lib64, /sbin as this machine has them (links into /usr, or folders)."""
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), f"/{name}"]
        elif path.is_dir():
            args += ["--ro-bind", str(path), f"/{name}"]
    return args


def command(
    bwrap: str,
    interpreter: interpreters.Interpreter,
    task_root: Path,
    layers_root: Path | None,
    etc: Path,
    tmp_bytes: int,
    info_fd: int,
    block_fd: int,
    inner: list[str],
    drop_to: tuple[int, int] | None,
    extra_files: tuple[tuple[Path, str], ...] = (),
) -> list[str]:
    """The bwrap command line for one environment running ``inner``; ``drop_to`` (uid,
    gid) when the sandbox is root (see the module's doc)."""
    if drop_to is None:
        who = ["--unshare-user", "--disable-userns",
               "--uid", str(UID_INSIDE), "--gid", str(GID_INSIDE)]
    else:
        uid, gid = drop_to
        who = ["--cap-add", "CAP_SETUID,CAP_SETGID"]
        inner = [SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *inner]
    args = [
        bwrap,
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try",
        *who,
        "--hostname", "localhost",
        "--die-with-parent", "--new-session",
        # Folders bwrap makes are 0700 when it runs as root: make them traversable.
        "--perms", "0755", "--dir", "/var",
        "--perms", "0755", "--dir", "/etc",
        "--perms", "0755", "--dir", "/opt",
        "--ro-bind", "/usr", "/usr",
        *_usr_links(),
        "--ro-bind", str(interpreter.prefix), "/var/lang",
        "--perms", "0755", "--dir", "/var/runtime",
    ]
    for name, path in interpreters.runtime_entries():
        args += ["--ro-bind", str(path), f"/var/runtime/{name}"]
    for source, inside in extra_files:
        args += ["--ro-bind", str(source), inside]
    args += ["--ro-bind", str(task_root), "/var/task"]
    if layers_root is not None:
        args += ["--ro-bind", str(layers_root), "/opt"]
    for name in ("passwd", "group", "hosts"):
        args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
    args += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(tmp_bytes), "--perms", "1777", "--tmpfs", "/tmp",
        "--chdir", "/var/task",
        "--info-fd", str(info_fd),
        "--block-fd", str(block_fd),
        "--",
        *inner,
    ]
    return args
