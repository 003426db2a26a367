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
  second and the ratio (floor: netdb >= 3x);
* the same 1,000 lookups against a server ``--rtt`` milliseconds away (default 5): a delay line
  on 127.0.0.4 (a forked process of this script) holds each of Knot's replies until that long
  after its query arrived, as a resolver across a network would.  A thread pool is then bound
  by its six threads waiting; coroutines are not.
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

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

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


def _per_call(*fns: Any, budget: float = 0.3, rounds: int = 7) -> list[float]:
    """Seconds per call of each function, best of ``rounds``; the functions take turns within
    every round, so a machine that speeds up or slows down during the run shifts them alike."""
    timers = [timeit.Timer(fn) for fn in fns]
    counts = [max(1, int(t.autorange()[0] * budget / 0.2)) for t in timers]
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, (timer, n) in enumerate(zip(timers, counts, strict=True)):
            best[i] = min(best[i], timer.timeit(n) / n)
    return best


def sync_bench() -> None:
    import netdb

    # No DNS cache: every call asks the server (answers from DNS are then never memoized).
    uncached = netdb.Resolver(cache=False)
    assert sorted(map(repr, netdb.getaddrinfo(NAME, 80))) == sorted(
        map(repr, socket.getaddrinfo(NAME, 80))
    )
    netdb.getaddrinfo(NAME, 80)
    glibc, fresh, cached = _per_call(
        lambda: socket.getaddrinfo(NAME, 80),
        lambda: uncached.getaddrinfo(NAME, 80),
        lambda: netdb.getaddrinfo(NAME, 80),
    )
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


DELAY_LINE = ("127.0.0.4", 53)


def _delay_line(delay: float, upstream: tuple[str, int] = ("127.0.0.1", 53)) -> int:
    """Fork a UDP forwarder on DELAY_LINE that answers ``delay`` seconds after each query came.

    Queries go on to ``upstream`` at once under IDs of the line's own; each reply waits in a FIFO
    (the delay is constant, so the FIFO is in due order) until its due time.  Returns the pid.
    """
    import collections
    import select

    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(DELAY_LINE)
    pid = os.fork()
    if pid:
        front.close()
        return pid
    try:
        back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        back.connect(upstream)
        for s in (front, back):
            s.setblocking(False)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        ep = select.epoll()
        ep.register(front.fileno(), select.EPOLLIN)
        ep.register(back.fileno(), select.EPOLLIN)
        asked: dict[int, tuple[bytes, Any, float]] = {}
        due: collections.deque[tuple[float, bytes, Any]] = collections.deque()
        next_id = 0
        while True:
            wait = max(0.0, due[0][0] - time.monotonic()) if due else 1.0
            ready = ep.poll(wait)
            for fd, _ in ready:
                sock = front if fd == front.fileno() else back
                while True:
                    try:
                        data, addr = sock.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if len(data) < 12:
                        continue
                    if sock is front:
                        next_id = (next_id + 1) & 0xFFFF
                        asked[next_id] = (data[:2], addr, time.monotonic())
                        back.send(next_id.to_bytes(2, "big") + data[2:])
                    else:
                        entry = asked.pop(int.from_bytes(data[:2], "big"), None)
                        if entry is not None:
                            due.append((entry[2] + delay, entry[0] + data[2:], entry[1]))
            now = time.monotonic()
            while due and due[0][0] <= now:
                _, reply, addr = due.popleft()
                front.sendto(reply, addr)
    finally:
        os._exit(0)


def _aio_rounds(label: str, resolver: Any, rounds: int = 3) -> tuple[float, float]:
    """Best-of-``rounds`` seconds for CONCURRENT distinct names: (thread pool, netdb.aio)."""
    import threading

    times = []
    for r in range(rounds):
        names = [f"n{label}{r}-{i}.wild.example.test" for i in range(CONCURRENT)]
        pool = asyncio.run(_loop_getaddrinfo(names))
        names = [f"m{label}{r}-{i}.wild.example.test" for i in range(CONCURRENT)]
        threads_before = threading.active_count()
        ours = asyncio.run(_netdb_aio(names, resolver))
        assert threading.active_count() == threads_before, "netdb.aio started a thread"
        times.append((pool, ours))
    return min(p for p, _ in times), min(o for _, o in times)


def _print_aio(title: str, pool: float, ours: float) -> None:
    print(title)
    print(f"  {'loop.getaddrinfo (glibc, thread pool)':40s} {CONCURRENT / pool:9.0f} names/s")
    print(
        f"  {'netdb.aio.getaddrinfo (no threads)':40s} {CONCURRENT / ours:9.0f} names/s"
        f"   ratio {pool / ours:5.2f}x"
    )


def _print_lane(before: dict[str, int]) -> None:
    """How many of the rounds' lookups the express lane answered, and how many it handed over
    to the full path (a timeout: a query the server dropped; or an answer it does not read)."""
    from netdb import express

    answered = express.STATS["express"] - before["express"]
    handed = express.STATS["handed_over"] - before["handed_over"]
    print(f"  {'netdb.aio express lane':40s} {answered:9d} answered   {handed} handed over")


def aio_bench(rtt_ms: float) -> None:
    import signal

    import netdb
    from netdb import express

    resolver = netdb.Resolver(cache=False, memoize=False)
    before = dict(express.STATS)
    pool, ours = _aio_rounds("", resolver)
    _print_aio(
        f"asyncio: {CONCURRENT} concurrent getaddrinfo of distinct names (best of 3),"
        " Knot on loopback",
        pool,
        ours,
    )
    print(f"  {'netdb.aio CPU time per lookup':40s} {min(_CPU) / CONCURRENT * 1e6:9.1f} us")
    _print_lane(before)
    if rtt_ms <= 0:
        return
    line = _delay_line(rtt_ms / 1000)
    try:
        Path("/etc/resolv.conf").write_text(f"nameserver {DELAY_LINE[0]}\n")
        far = netdb.Resolver(nameservers=[DELAY_LINE[0]], cache=False, memoize=False)
        before = dict(express.STATS)
        pool, ours = _aio_rounds("far", far)
        _print_aio(f"the same, with the server {rtt_ms:g} ms away (delay line)", pool, ours)
        _print_lane(before)
    finally:
        Path("/etc/resolv.conf").write_text(ETC["resolv.conf"])
        os.kill(line, signal.SIGKILL)
        os.waitpid(line, 0)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", type=float, default=5.0, help="ms; 0 skips the far server")
    rtt_ms = parser.parse_args().rtt
    if not _sandbox.inside():
        _sandbox.enter(__file__)
    for name, text in ETC.items():
        Path("/etc", name).write_text(text)
    from tests.sandbox import dnsservers

    procs = dnsservers.start("knot", Path(tempfile.mkdtemp(prefix="netdb-bench-")))
    try:
        sync_bench()
        aio_bench(rtt_ms)
    finally:
        dnsservers.stop(procs)


if __name__ == "__main__":
    main()
