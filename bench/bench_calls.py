"""Per-call cost of netdb against socket (glibc), side by side in one run, inside the sandbox.

Run: ``python3 bench/bench_calls.py`` (re-executes itself under ``unshare --net --mount --uts`` with
the fixture /etc of tests/fixtures/sandbox/basic, so glibc and netdb read the same files and no
packet leaves the machine).  Prints, per case, microseconds per call for each and the ratio
netdb/glibc (lower is better; the issue's floors: hosts-file lookups <= 1.0, services and protocols
<= 1.0, numeric getaddrinfo <= 2.0), for the module-level functions and for a
``Resolver(memoize=False)`` that recomputes every answer (what a first lookup costs).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "sandbox" / "basic"


CASES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("numeric getaddrinfo v4", "getaddrinfo", ("192.0.2.1", 80)),
    ("numeric getaddrinfo v6", "getaddrinfo", ("2001:db8::1", 443, 0, socket.SOCK_STREAM)),
    ("numeric getaddrinfo, service name", "getaddrinfo", ("127.0.0.1", "http")),
    ("hosts getaddrinfo (1 address)", "getaddrinfo", ("web", 80, socket.AF_INET)),
    ("hosts getaddrinfo (v4+v6, sorted)", "getaddrinfo", ("web.example.test", 80)),
    ("hosts getaddrinfo (not found)", "getaddrinfo", ("nosuch.example.test", 80)),
    ("hosts gethostbyname", "gethostbyname", ("web.example.test",)),
    ("hosts gethostbyname_ex", "gethostbyname_ex", ("web.example.test",)),
    ("hosts gethostbyaddr", "gethostbyaddr", ("192.0.2.10",)),
    ("getservbyname", "getservbyname", ("http", "tcp")),
    ("getservbyname (late in file)", "getservbyname", ("http-alt",)),
    ("getservbyport", "getservbyport", (443,)),
    ("getprotobyname", "getprotobyname", ("udplite",)),
    ("inet_pton v6", "inet_pton", (socket.AF_INET6, "2001:db8::1:2")),
    ("inet_aton", "inet_aton", ("192.0.2.1",)),
]


def _per_call(fn: Callable[..., Any], args: tuple[Any, ...], budget: float = 0.4) -> float:
    """Best-of-5 seconds per call."""

    def call() -> None:
        with contextlib.suppress(OSError):
            fn(*args)

    timer = timeit.Timer(call)
    n, _ = timer.autorange()
    n = max(1, int(n * budget / 0.2))
    return min(timer.repeat(5, n)) / n


def main() -> None:
    if not _sandbox.inside():
        _sandbox.enter(__file__, FIXTURE)
    sys.path.insert(0, str(REPO / "src"))
    import netdb

    # The module-level functions (memo on), and a resolver that recomputes every answer: the cost
    # of a first lookup of each name.
    fresh = netdb.Resolver(memoize=False)
    head = f"{'case':38s} {'glibc us':>9s} {'netdb us':>9s} {'ratio':>6s}"
    print(head + f" {'no-memo us':>10s} {'ratio':>6s}")
    for label, func, args in CASES:
        ref = getattr(socket, func)
        ours = getattr(netdb, func)
        cold = getattr(fresh, func, ours)
        _per_call(ours, args, budget=0.05)  # first call parses the files: not what is measured
        _per_call(cold, args, budget=0.05)
        g = _per_call(ref, args)
        n = _per_call(ours, args)
        c = _per_call(cold, args)
        print(
            f"{label:38s} {g * 1e6:9.2f} {n * 1e6:9.2f} {n / g:6.2f} {c * 1e6:10.2f} {c / g:6.2f}"
        )


if __name__ == "__main__":
    main()
