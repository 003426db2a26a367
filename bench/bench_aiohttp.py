"""aiohttp with netdb's resolver against its ThreadedResolver (glibc in threads) and its
AsyncResolver (aiodns, c-ares), issue 11's floors.

Run: ``python3 bench/bench_aiohttp.py [--names 2000] [--concurrency 1000] [--rounds 3]``
(re-executes itself under ``unshare --net --mount --uts``: Knot serves a generated zone
``aio.test.`` of N names on 127.0.0.1, each with one A record in 10.0.0.0/8, which is made
local on lo; /etc is a tmpfs with ``nameserver 127.0.0.1``; one aiohttp server, in a process of
its own, answers on port 8080 of every one of those addresses; no packet leaves the machine).

Each round runs every resolver in turn, each on a fresh event loop with a fresh resolver (no
cache carried over: c-ares's and netdb's caches start empty, glibc has none):

* requests: an aiohttp ``ClientSession`` fetches ``http://hNNN.aio.test:8080/`` for every name,
  ``--concurrency`` at a time (``TCPConnector(limit=concurrency, force_close=True)``, so each
  request resolves its name and opens its own connection): requests/s and this process's CPU
  (user + system, every thread) per request;
* lookups alone: ``resolver.resolve(name, 8080, AF_UNSPEC)`` for the same names, as aiohttp's
  connector calls it, ``--concurrency`` at a time: names/s and CPU per name.

Prints the medians over the rounds and netdb's ratios with the floors: requests/s at least 1.0x
each peer's, CPU per request below each peer's, lookups at least 1.5x each peer's names/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

ETC = {
    "hosts": "127.0.0.1 localhost\n",
    "nsswitch.conf": "hosts: files dns\n",
    "resolv.conf": "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n",
    "host.conf": "multi on\n",
}
ZONE = "aio.test."
PORT = 8080
SERVER = """
import sys
from aiohttp import web
async def hello(request):
    return web.Response(text="ok")
app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="0.0.0.0", port=int(sys.argv[1]), print=None, access_log=None,
            backlog=4096)
"""


def name(i: int) -> str:
    return f"h{i}.aio.test"


def address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255 or 1}"


def start_knot(workdir: Path, n: int) -> list[subprocess.Popen[bytes]]:
    """Knot serving ``aio.test.`` with ``n`` names (as bench_bulk.start_knot, A records only)."""
    import bench_bulk

    zone = workdir / "aio.test.zone"
    with zone.open("w") as f:
        f.write("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 120\n@ NS ns\nns A 127.0.0.1\n")
        for i in range(n):
            f.write(f"h{i} A {address(i)}\n")
    return bench_bulk.serve_zone(workdir, ZONE, zone, name(n - 1))


def start_server() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(PORT)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the aiohttp server did not start")


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# --- the resolvers, each made on the running loop ------------------------------------------------


def threaded() -> Any:
    import aiohttp

    return aiohttp.ThreadedResolver()


def aiodns_resolver() -> Any:
    import aiohttp

    return aiohttp.AsyncResolver()


def netdb_resolver() -> Any:
    import netdb
    import netdb.aiohttp

    return netdb.aiohttp.Resolver(netdb.Resolver())


async def fetch_all(make: Callable[[], Any], names: list[str], window: int) -> tuple[float, int]:
    import aiohttp

    resolver = make()
    conn = aiohttp.TCPConnector(resolver=resolver, limit=window, force_close=True)
    sem = asyncio.Semaphore(window)
    async with aiohttp.ClientSession(connector=conn) as session:

        async def one(host: str) -> int:
            async with sem, session.get(f"http://{host}:{PORT}/") as r:
                await r.read()
                return r.status

        t = time.perf_counter()
        statuses = await asyncio.gather(*(one(h) for h in names), return_exceptions=True)
        elapsed = time.perf_counter() - t
    return elapsed, sum(s != 200 for s in statuses)


async def resolve_all(make: Callable[[], Any], names: list[str], window: int) -> tuple[float, int]:
    resolver = make()
    sem = asyncio.Semaphore(window)

    async def one(host: str) -> int:
        async with sem:
            return len(await resolver.resolve(host, PORT, socket.AF_UNSPEC))

    t = time.perf_counter()
    got = await asyncio.gather(*(one(h) for h in names), return_exceptions=True)
    elapsed = time.perf_counter() - t
    await resolver.close()
    return elapsed, sum(g != 1 for g in got)


def measure(
    job: Any, make: Callable[[], Any], names: list[str], window: int
) -> tuple[float, float, int]:
    """(per second, CPU microseconds per item, items that failed) of one run on a fresh loop
    (a failure, such as a lookup timed out under load, still counts as an item done)."""
    before = cpu()
    elapsed, failed = asyncio.run(job(make, names, window))
    used = cpu() - before
    return len(names) / elapsed, used / len(names) * 1e6, failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not _sandbox.inside():
        _sandbox.enter(__file__)
        return
    for path, text in ETC.items():
        Path("/etc", path).write_text(text)
    subprocess.run(["ip", "route", "add", "local", "10.0.0.0/8", "dev", "lo"], check=True)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it too

    peers: dict[str, Callable[[], Any]] = {"threaded": threaded}
    try:
        import aiodns  # noqa: F401

        peers["aiodns"] = aiodns_resolver
    except ImportError:
        print("aiodns is not installed: AsyncResolver left out")
    peers["netdb"] = netdb_resolver
    import aiohttp

    print(
        f"aiohttp {aiohttp.__version__}, {args.names} names, {args.concurrency} at a time, "
        f"{args.rounds} rounds, {os.cpu_count()} cores"
    )
    names = [name(i) for i in range(args.names)]
    with tempfile.TemporaryDirectory() as tmp:
        knot = start_knot(Path(tmp), args.names)
        server = start_server()
        try:
            results: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
            for rnd in range(args.rounds):
                for job_name, job in (("requests", fetch_all), ("lookups", resolve_all)):
                    for peer, make in peers.items():
                        got = measure(job, make, names, args.concurrency)
                        results.setdefault((job_name, peer), []).append(got)
                        print(
                            f"  round {rnd + 1} {job_name:8s} {peer:8s} {got[0]:9.0f}/s "
                            f"{got[1]:7.0f} us CPU each" + (f", {got[2]} failed" if got[2] else ""),
                            flush=True,
                        )
        finally:
            server.kill()
            for p in knot:
                p.kill()
    med = {
        k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
        for k, v in results.items()
    }
    print("\nmedians (per second, process CPU per item):")
    for (job_name, peer), (rate, us) in med.items():
        print(f"  {job_name:8s} {peer:8s} {rate:9.0f}/s {us:7.0f} us")
    print("\nnetdb against each peer (floor):")
    ok = True
    for peer in peers:
        if peer == "netdb":
            continue
        req = med[("requests", "netdb")][0] / med[("requests", peer)][0]
        cpu_ratio = med[("requests", "netdb")][1] / med[("requests", peer)][1]
        look = med[("lookups", "netdb")][0] / med[("lookups", peer)][0]
        checks = [
            (f"requests/s {req:.2f}x {peer} (>= 1.0x)", req >= 1.0),
            (f"CPU per request {cpu_ratio:.2f} of {peer}'s (< 1.0)", cpu_ratio < 1.0),
            (f"lookups names/s {look:.2f}x {peer} (>= 1.5x)", look >= 1.5),
        ]
        for text, met in checks:
            ok &= met
            print(f"  {text:48s} {'met' if met else 'NOT MET'}")
    print("\nall floors met" if ok else "\nsome floors not met")


if __name__ == "__main__":
    main()
