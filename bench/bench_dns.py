"""Lookups over DNS: netdb against glibc (socket) and asyncio's thread pool, side by side.

Run: ``python3 bench/bench_dns.py`` (re-executes itself under ``unshare --net --mount --uts``:
Knot serves the fixture zones on 127.0.0.1 inside the private namespace, /etc is a tmpfs with
``hosts: files dns`` and ``nameserver 127.0.0.1``; no packet leaves the machine).

Prints:

* per-call synchronous ``getaddrinfo`` of a DNS name (A + AAAA): glibc, netdb without cache
  (``Resolver(cache=False, memoize=False)``: every call asks the server), netdb with its cache
  (the default), and the ratios netdb/glibc (the issue's floors: uncached <= 1.5, cached <= 0.1);
* 1,000 concurrent lookups of distinct names under asyncio: ``loop.getaddrinfo`` (glibc in the
  default thread pool) against ``netdb.aio.getaddrinfo`` (no threads, cache off), names per
  second and the ratio (floor: netdb >= 3x).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

ETC = {
    "hosts": "127.0.0.1 localhost\n::1 localhost\n",
    "nsswitch.conf": "hosts: files dns\n",
    "resolv.conf": "nameserver 127.0.0.1\n",
    "host.conf": "multi on\n",
}
NAME = "both.example.test"
CONCURRENT = 1000
_CPU: list[float] = []  # process CPU seconds of each netdb.aio round


def _in_sandbox() -> bool:
    parent = os.environ.get("NETDB_BENCH_PARENT_NS")
    return parent is not None and parent != os.readlink("/proc/self/ns/mnt")


def _enter_sandbox() -> None:
    os.environ["NETDB_BENCH_PARENT_NS"] = os.readlink("/proc/self/ns/mnt")
    script = (
        "set -e; ip link set lo up; mount -t tmpfs netdb-etc /etc; hostname sandbox; "
        f"exec {sys.executable} {Path(__file__).resolve()} {' '.join(sys.argv[1:])}"
    )
    os.execvp("unshare", ["unshare", "--net", "--mount", "--uts", "--fork", "sh", "-c", script])


def _per_call(fn: Any, *args: Any, budget: float = 0.5) -> float:
    timer = timeit.Timer(lambda: fn(*args))
    n, _ = timer.autorange()
    n = max(1, int(n * budget / 0.2))
    return min(timer.repeat(5, n)) / n


def sync_bench() -> None:
    import netdb

    # No DNS cache: every call asks the server (answers from DNS are then never memoized).
    uncached = netdb.Resolver(cache=False)
    glibc = _per_call(socket.getaddrinfo, NAME, 80)
    assert sorted(map(repr, netdb.getaddrinfo(NAME, 80))) == sorted(
        map(repr, socket.getaddrinfo(NAME, 80))
    )
    fresh = _per_call(uncached.getaddrinfo, NAME, 80)
    netdb.getaddrinfo(NAME, 80)
    cached = _per_call(netdb.getaddrinfo, NAME, 80)
    print(f"sync getaddrinfo({NAME!r}, 80): A + AAAA over UDP from Knot on 127.0.0.1")
    print(f"  {'glibc (socket.getaddrinfo)':40s} {glibc * 1e6:9.1f} us")
    print(f"  {'netdb, no cache':40s} {fresh * 1e6:9.1f} us   ratio {fresh / glibc:5.2f}")
    print(f"  {'netdb, cached (default)':40s} {cached * 1e6:9.1f} us   ratio {cached / glibc:5.3f}")


async def _loop_getaddrinfo(names: list[str]) -> float:
    loop = asyncio.get_running_loop()
    t = time.perf_counter()
    results = await asyncio.gather(*(loop.getaddrinfo(n, 80) for n in names))
    elapsed = time.perf_counter() - t
    assert all(results)
    return elapsed


async def _netdb_aio(names: list[str], resolver: Any) -> float:
    import netdb.aio

    t = time.perf_counter()
    cpu = time.process_time()
    results = await asyncio.gather(
        *(netdb.aio.getaddrinfo(n, 80, resolver=resolver) for n in names)
    )
    elapsed = time.perf_counter() - t
    _CPU.append(time.process_time() - cpu)
    assert all(results)
    return elapsed


def aio_bench() -> None:
    import threading

    import netdb

    resolver = netdb.Resolver(cache=False, memoize=False)
    rounds = []
    for r in range(3):
        names = [f"n{r}-{i}.wild.example.test" for i in range(CONCURRENT)]
        pool = asyncio.run(_loop_getaddrinfo(names))
        names = [f"m{r}-{i}.wild.example.test" for i in range(CONCURRENT)]
        threads_before = threading.active_count()
        ours = asyncio.run(_netdb_aio(names, resolver))
        assert threading.active_count() == threads_before, "netdb.aio started a thread"
        rounds.append((pool, ours))
    pool = min(p for p, _ in rounds)
    ours = min(o for _, o in rounds)
    print(f"asyncio: {CONCURRENT} concurrent getaddrinfo of distinct names (best of 3)")
    print(f"  {'loop.getaddrinfo (glibc, thread pool)':40s} {CONCURRENT / pool:9.0f} names/s")
    print(
        f"  {'netdb.aio.getaddrinfo (no threads)':40s} {CONCURRENT / ours:9.0f} names/s"
        f"   ratio {pool / ours:5.2f}x"
    )
    print(f"  {'netdb.aio CPU time per lookup':40s} {min(_CPU) / CONCURRENT * 1e6:9.1f} us")


def main() -> None:
    if not _in_sandbox():
        _enter_sandbox()
    for name, text in ETC.items():
        Path("/etc", name).write_text(text)
    from tests.sandbox import dnsservers

    procs = dnsservers.start("knot", Path(tempfile.mkdtemp(prefix="netdb-bench-")))
    try:
        sync_bench()
        aio_bench()
    finally:
        dnsservers.stop(procs)


if __name__ == "__main__":
    main()
