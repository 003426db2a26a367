"""The benchmarks' sandbox: re-run the calling script in private namespaces.

``enter(script, etc_from=None)`` re-executes ``script`` under ``unshare --net --mount --uts`` with
loopback up, a tmpfs over ``/etc`` (optionally filled with a fixture directory's files) and the
host name ``sandbox``.  Nothing in there can reach another machine: the only interface is
loopback, and the DNS servers a benchmark talks to are the ones it starts on 127.0.0.0/8.
``inside()`` tells the re-run script that it is there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_MARK = "NETDB_BENCH_PARENT_NS"


def inside() -> bool:
    """Whether this process runs in the mount namespace ``enter`` made."""
    parent = os.environ.get(_MARK)
    return parent is not None and parent != os.readlink("/proc/self/ns/mnt")


def enter(script: str, etc_from: Path | None = None) -> None:
    """Replace this process with ``script`` (same arguments) run inside the sandbox."""
    fill = f"cp -r {etc_from}/. /etc/; " if etc_from is not None else ""
    shell = (
        "set -e; ip link set lo up; mount -t tmpfs netdb-etc /etc; "
        f"{fill}hostname sandbox; "
        f"exec {sys.executable} {Path(script).resolve()} {' '.join(sys.argv[1:])}"
    )
    os.environ[_MARK] = os.readlink("/proc/self/ns/mnt")
    os.execvp("unshare", ["unshare", "--net", "--mount", "--uts", "--fork", "sh", "-c", shell])
