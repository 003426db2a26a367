"""The defaults at scale: what users run, over many distinct names, against glibc and aiodns.

Run: ``python3 bench/bench_defaults.py [--names 100000] [--round 10000] [--hosts-line debian]``
(re-executes itself under ``unshare --net --mount --uts``: Knot serves a generated zone
``bench.test.`` on 127.0.0.1 inside the private namespace; /etc is a tmpfs holding the chosen
``hosts:`` line and ``nameserver 127.0.0.1``; no packet leaves the machine).

Nothing is configured away: netdb runs as a program that imports it would, through the module's
functions (the default ``Resolver``: DNS cache and answer memo on) and ``netdb.aio`` (the same
default resolver), with the call ``asyncio.open_connection`` makes
(``getaddrinfo(host, port, type=SOCK_STREAM)``), and aiohttp's (the same, with
``flags=AI_ADDRCONFIG``).

Prints, round by round of distinct names (``--round`` names each, up to ``--names``):

* blocking: CPU per lookup of ``netdb.getaddrinfo`` and ``socket.getaddrinfo`` (glibc), taking
  turns on halves of each round;
* asyncio, 1,000 concurrent: names/s and process CPU per lookup of ``netdb.aio.getaddrinfo``,
  ``loop.getaddrinfo`` (glibc in asyncio's thread pool) and aiodns's ``getaddrinfo`` (if
  installed), taking turns on thirds of each round;
* the ratios the issue sets floors for: the last round's CPU per lookup against the first (at
  most 1.2x), netdb.aio's names/s against each peer (at least 1.5x) and its CPU per lookup
  against ``loop.getaddrinfo``'s (at most 0.5x);
* cache hits: per-call time of ``netdb.getaddrinfo`` and glibc on names already asked, once
  every round's names have passed through.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

HOSTS_LINES = {
    "plain": "hosts: files dns\n",
    "debian": "hosts: files myhostname dns\n",
    "fedora": "hosts: files myhostname mdns4_minimal [NOTFOUND=return] dns\n",
    "ubuntu": "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n",
    "systemd": "hosts: files resolve [!UNAVAIL=return] dns myhostname\n",
}
CONCURRENT = 1000


def _name(i: int) -> str:
    return f"h{i}.bench.test"


FAILED: dict[str, int] = {}
"""Lookups of each peer that raised or came back empty (counted and printed, never hidden: a
peer that fails under load is slower than its names/s says)."""


async def _gather(names: list[str], ask: Callable[[str], Awaitable[Any]], peer: str = "") -> float:
    """Seconds to ask every name, CONCURRENT at a time: CONCURRENT tasks each take the next
    name as they finish one (no semaphore, whose wake-ups cost Python time of their own)."""
    todo = iter(names)

    async def worker() -> None:
        for n in todo:
            try:
                ok = bool(await ask(n))
            except Exception:  # a peer's timeout under load: counted, and the run goes on
                ok = False
            if not ok:
                FAILED[peer] = FAILED.get(peer, 0) + 1

    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return time.perf_counter() - t


def _timed(run: Callable[[], float]) -> tuple[float, float]:
    """(wall seconds the run reports, process CPU seconds it took)."""
    cpu = time.process_time()
    wall = run()
    return wall, time.process_time() - cpu


def blocking_round(names: list[str], flags: int) -> dict[str, float]:
    import netdb

    half = len(names) // 2

    def netdb_run() -> float:
        t = time.perf_counter()
        for n in names[:half]:
            netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)
        return time.perf_counter() - t

    def glibc_run() -> float:
        t = time.perf_counter()
        for n in names[half:]:
            socket.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)
        return time.perf_counter() - t

    _, ours = _timed(netdb_run)
    _, theirs = _timed(glibc_run)
    return {"netdb": ours / half * 1e6, "glibc": theirs / (len(names) - half) * 1e6}


def aio_round(names: list[str], flags: int, peers: list[str]) -> dict[str, tuple[float, float]]:
    """{peer: (names/s, CPU us per lookup)} for thirds of ``names``."""
    import netdb.aio

    parts = len(peers)
    out: dict[str, tuple[float, float]] = {}
    for k, peer in enumerate(peers):
        chunk = names[k::parts]

        async def main(chunk: list[str] = chunk, peer: str = peer) -> float:
            loop = asyncio.get_running_loop()
            if peer == "netdb.aio":

                def ask(n: str) -> Awaitable[Any]:
                    return netdb.aio.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)
            elif peer == "loop.getaddrinfo":

                def ask(n: str) -> Awaitable[Any]:
                    return loop.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)
            else:
                import aiodns

                resolver = aiodns.DNSResolver()

                def ask(n: str) -> Awaitable[Any]:
                    return resolver.getaddrinfo(n, port=80, type=socket.SOCK_STREAM, flags=flags)

            return await _gather(chunk, ask, peer)

        wall, cpu = _timed(lambda main=main: asyncio.run(main()))  # type: ignore[misc]
        out[peer] = (len(chunk) / wall, cpu / len(chunk) * 1e6)
    return out


def hits(names: list[str], flags: int) -> dict[str, float]:
    """Per-call us of repeated lookups of names already asked (cache and memo at their fullest)."""
    import netdb

    sample = names[-500:]  # names netdb asked last: its memo and cache hold them
    out = {}
    for label, fn in (
        ("netdb", lambda n: netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)),
        ("glibc", lambda n: socket.getaddrinfo(n, 80, type=socket.SOCK_STREAM, flags=flags)),
    ):
        t = time.perf_counter()
        for _ in range(4):
            for n in sample:
                fn(n)
        out[label] = (time.perf_counter() - t) / (4 * len(sample)) * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--round", type=int, default=10_000)
    parser.add_argument("--hosts-line", choices=sorted(HOSTS_LINES), default="debian")
    parser.add_argument("--flags", choices=("0", "addrconfig"), default="0")
    args = parser.parse_args()
    if not _sandbox.inside():
        _sandbox.enter(__file__)
    etc = {
        "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
        "nsswitch.conf": HOSTS_LINES[args.hosts_line],
        "resolv.conf": "nameserver 127.0.0.1\n",
        "host.conf": "multi on\n",
    }
    for fname, text in etc.items():
        Path("/etc", fname).write_text(text)
    from tests.sandbox import dnsservers

    import bench_bulk

    flags = socket.AI_ADDRCONFIG if args.flags == "addrconfig" else 0
    workdir = Path(tempfile.mkdtemp(prefix="netdb-bench-"))
    # Two zones' worth of names: the blocking and the asyncio rounds each ask names of their own.
    total = 2 * args.names
    procs = bench_bulk.start_knot(workdir, total)
    try:
        peers = ["netdb.aio", "loop.getaddrinfo"]
        try:
            import aiodns  # noqa: F401

            peers.append("aiodns")
        except ImportError:
            print("(aiodns not installed: pip install aiodns to compare with it)")
        print(
            f"hosts line {HOSTS_LINES[args.hosts_line].strip()!r}; flags {args.flags};"
            f" default netdb Resolver; Knot on 127.0.0.1 serving {total} names"
        )
        print(
            f"{'names so far':>12} {'blocking us/lookup':>26} |"
            + "".join(f" {p + ' /s, us':>26}" for p in peers)
        )
        print(f"{'':>12} {'netdb':>12} {'glibc':>13} |")
        first: dict[str, float] = {}
        last: dict[str, float] = {}
        aio_all: list[dict[str, tuple[float, float]]] = []
        for r in range(args.names // args.round):
            lo = r * args.round
            block = [_name(i) for i in range(lo, lo + args.round)]
            aio_names = [_name(args.names + i) for i in range(lo, lo + args.round)]
            b = blocking_round(block, flags)
            a = aio_round(aio_names, flags, peers)
            aio_all.append(a)
            row = {"blocking": b["netdb"], "aio": a["netdb.aio"][1]}
            if not first:
                first = row
            last = row
            print(
                f"{lo + args.round:>12} {b['netdb']:>12.1f} {b['glibc']:>13.1f} |"
                + "".join(f" {a[p][0]:>14.0f} {a[p][1]:>10.1f}" for p in peers)
            )
        print("ratios:")
        for key in ("blocking", "aio"):
            print(f"  netdb {key} CPU per lookup, last round / first: {last[key] / first[key]:.2f}"
                  "  (floor <= 1.2)")  # fmt: skip
        mid = aio_all[len(aio_all) // 2 :]
        ours = sum(a["netdb.aio"][0] for a in mid) / len(mid)
        ours_cpu = sum(a["netdb.aio"][1] for a in mid) / len(mid)
        for peer in peers[1:]:
            rate = sum(a[peer][0] for a in mid) / len(mid)
            print(f"  netdb.aio names/s / {peer}: {ours / rate:.2f}  (floor >= 1.5)")
        pool_cpu = sum(a["loop.getaddrinfo"][1] for a in mid) / len(mid)
        print(
            f"  netdb.aio CPU per lookup / loop.getaddrinfo's: {ours_cpu / pool_cpu:.2f}"
            "  (floor <= 0.5)"
        )
        # The last names netdb's blocking calls asked (the first half of the last round; glibc
        # took the second half).
        last = args.names - args.round
        h = hits([_name(i) for i in range(last, last + args.round // 2)], flags)
        failed = ", ".join(f"{peer} {FAILED.get(peer, 0)}" for peer in peers)
        print(f"asyncio lookups that failed (timeouts under load): {failed}")
        print(
            f"cache hits after {args.names} names: netdb {h['netdb']:.1f} us, glibc"
            f" {h['glibc']:.1f} us, ratio {h['netdb'] / h['glibc']:.3f}"
        )
    finally:
        dnsservers.stop(procs)


if __name__ == "__main__":
    main()
