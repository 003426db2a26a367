"""Bulk resolution: ``netdb bulk`` against glibc threads, asyncio, aiodns, dnspython and dnsperf.

Run: ``python3 bench/bench_bulk.py [--names 100000] [--rss-names 10000000] [--sizes
10000,100000,500000] [--rounds 3] [--only-floors]`` (re-executes itself
under ``unshare --net --mount --uts``: Knot serves a generated zone ``bench.test.`` of N names,
each with one A and one AAAA record, on 127.0.0.1 inside the private namespace; /etc is a tmpfs
with ``nameserver 127.0.0.1``; no packet leaves the machine).  dnsperf comes from Debian's
``dnsperf`` package (installed with apt-get when missing).

Prints names/s of each peer and its ratio to netdb (every peer asks A and AAAA per name, except
dnsperf, which sends A queries as fast as Knot takes them: its queries/s / 2 is the ceiling in
names/s), then netdb with 5% of the packets (both directions) dropped by a small drop proxy
started here (the sandbox kernel has no netem), compared with the same proxy dropping nothing,
then the peak RSS of ``netdb bulk`` over ``--rss-names`` generated names written to a file (the
command's process and its workers' RSS summed, sampled every 50 ms).  Each netdb run also prints
its CPU time per name (user and system, over all its processes) and Knot's: on a machine whose
cores the server shares, names/s can't pass cores / (netdb's CPU + Knot's CPU) per name.
Peers that are too slow for the whole zone get a subset (their names/s are still comparable).
Last, issue 10's Bulk floors (``--only-floors``: only these): the default run and ``--workers 1``
over each of ``--sizes`` in turns, medians of ``--rounds``; the start-up (one name) on its own;
CPU per name against dnsperf's CPU per two queries in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sized
from concurrent.futures import ThreadPoolExecutor
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
ZONE = "bench.test."
DROP_PROXY = ("127.0.0.3", 53)


def name(i: int) -> str:
    return f"h{i}.bench.test"


def write_zone(path: Path, n: int) -> None:
    with path.open("w") as f:
        f.write("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 120\n@ NS ns\nns A 127.0.0.1\n")
        for i in range(n):
            f.write(
                f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n"
                f"h{i} AAAA fd00::{(i >> 16) & 0xFFFF:x}:{i & 0xFFFF:x}\n"
            )


def start_knot(workdir: Path, n: int) -> list[subprocess.Popen[bytes]]:
    zone = workdir / "bench.test.zone"
    write_zone(zone, n)
    return serve_zone(workdir, ZONE, zone, name(n - 1))


def serve_zone(workdir: Path, origin: str, zone: Path, last: str) -> list[subprocess.Popen[bytes]]:
    """Knot on 127.0.0.1 serving the zone file ``zone`` for ``origin``, once its name ``last``
    answers (the whole zone is loaded)."""
    from tests.sandbox import dnsservers

    conf = dnsservers.write_knot(
        workdir, ["127.0.0.1"], knot_address="127.0.0.1", zones=[(origin, zone)]
    )
    procs = [dnsservers._spawn([dnsservers.KNOTD, "-c", str(conf)])]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.getaddrinfo(last, None, socket.AF_INET)
            return procs
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("Knot did not load the zone")


# --- peers ----------------------------------------------------------------------------------------


KNOT_PID = 0  # set by main(): whose CPU time the CPU lines count as the server's


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def netdb_run(
    infile: Path, server: str = "127.0.0.1", extra: tuple[str, ...] = (), quiet: bool = False
) -> dict[str, float]:
    """One ``netdb bulk`` run over ``infile``: names/s (wall, the whole command), CPU per name
    (us, all its processes), Knot's CPU per name, queries retried, lines."""
    out = infile.with_suffix(".out.jsonl")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    knot = _cpu_seconds(KNOT_PID) if KNOT_PID else 0.0
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "netdb.cli", "bulk", "-s", server, "-o", str(out), *extra,
         str(infile)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    knot = _cpu_seconds(KNOT_PID) - knot if KNOT_PID else 0.0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    n_in = sum(1 for _ in infile.open())
    user = (after.ru_utime - before.ru_utime) / max(n_in, 1) * 1e6
    system = (after.ru_stime - before.ru_stime) / max(n_in, 1) * 1e6
    statuses: dict[str, int] = {}
    lines = 0
    with out.open() as f:
        for line in f:
            lines += 1
            st = json.loads(line)["status"]
            statuses[st] = statuses.get(st, 0) + 1
    assert lines == n_in, f"{lines} records for {n_in} lines"
    summary = proc.stderr.strip().splitlines()
    retried = 0.0
    for line in summary:
        if "retried" in line:
            retried = float(line.split(" retried")[0].rsplit(",", 1)[1].strip())
    if not quiet:
        print(
            f"    netdb CPU per name: {user + system:.1f} us (user {user:.1f}, system "
            f"{system:.1f}, all its processes); Knot: {knot / max(n_in, 1) * 1e6:.1f} us"
        )
        print(f"    netdb summary: {summary[-1].strip()}; {statuses}")
    out.unlink()
    return {
        "rate": n_in / elapsed,
        "elapsed": elapsed,
        "cpu": user + system,
        "knot": knot / max(n_in, 1) * 1e6,
        "retried": retried,
        "lines": lines,
    }


def run_netdb(infile: Path, server: str = "127.0.0.1", extra: tuple[str, ...] = ()) -> float:
    return netdb_run(infile, server, extra)["rate"]


def run_glibc_threads(names: list[str]) -> float:
    def one(n: str) -> int:
        return len(socket.getaddrinfo(n, None, 0, socket.SOCK_STREAM))

    with ThreadPoolExecutor(64) as pool:
        t = time.perf_counter()
        got = list(pool.map(one, names, chunksize=16))
        elapsed = time.perf_counter() - t
    assert all(g == 2 for g in got)
    return len(names) / elapsed


def run_loop_getaddrinfo(names: list[str]) -> float:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        t = time.perf_counter()
        got = await asyncio.gather(
            *(loop.getaddrinfo(n, None, type=socket.SOCK_STREAM) for n in names)
        )
        elapsed = time.perf_counter() - t
        assert all(len(g) == 2 for g in got)
        return len(names) / elapsed

    return asyncio.run(main())


async def _pairs_per_second(
    names: list[str], window: int, ask: Callable[[str, str], Awaitable[Sized]]
) -> float:
    """Names/s of asking A and AAAA for every name, at most ``window`` names at a time."""
    sem = asyncio.Semaphore(window)

    async def one(n: str) -> int:
        async with sem:
            a, aaaa = await asyncio.gather(ask(n, "A"), ask(n, "AAAA"))
            return len(a) + len(aaaa)

    t = time.perf_counter()
    got = await asyncio.gather(*(one(n) for n in names))
    elapsed = time.perf_counter() - t
    assert all(g == 2 for g in got)
    return len(names) / elapsed


def run_aiodns(names: list[str], window: int = 1000) -> float:
    import warnings

    import aiodns

    warnings.simplefilter("ignore", DeprecationWarning)  # query(): the A/AAAA lists, as before

    async def main() -> float:
        resolver = aiodns.DNSResolver(nameservers=["127.0.0.1"], timeout=2, tries=2)
        return await _pairs_per_second(names, window, resolver.query)

    return asyncio.run(main())


def run_dnspython(names: list[str], window: int = 500) -> float:
    import dns.asyncresolver

    async def main() -> float:
        r = dns.asyncresolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.cache = None
        return await _pairs_per_second(names, window, r.resolve)

    return asyncio.run(main())


def ensure_dnsperf() -> str | None:
    path = shutil.which("dnsperf")
    if path is None:
        # Debian's package, through apt-get (the namespace has no network: ask outside it).
        print("  (dnsperf missing: run `apt-get install dnsperf` outside the sandbox)")
    return path


def run_dnsperf(dnsperf: str, names: list[str], workdir: Path, seconds: int = 10) -> float:
    return dnsperf_run(dnsperf, names, workdir, seconds)[0]


def dnsperf_run(
    dnsperf: str, names: list[str], workdir: Path, seconds: int = 10
) -> tuple[float, float]:
    """(A queries/s, CPU us per completed query: user + system) of dnsperf against Knot."""
    data = workdir / "dnsperf.txt"
    data.write_text("".join(f"{n} A\n" for n in names))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [dnsperf, "-s", "127.0.0.1", "-d", str(data), "-l", str(seconds), "-c", "4", "-q", "2000"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    qps = completed = None
    for line in proc.stdout.splitlines():
        if "Queries per second:" in line:
            qps = float(line.split(":")[1])
        if "Queries completed:" in line:
            completed = int(line.split(":")[1].split()[0])
    if qps is None or not completed:
        raise RuntimeError(proc.stdout + proc.stderr)
    return qps, cpu / completed * 1e6


# --- a drop proxy ---------------------------------------------------------------------------


def drop_proxy(loss: float, ready_w: int) -> None:
    """Forward UDP between clients and Knot, dropping each packet with probability ``loss``
    (one upstream socket per client address; epoll, drained per readiness event)."""
    rnd = random.Random(7)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    front.bind(DROP_PROXY)
    front.setblocking(False)
    ep = select.epoll()
    ep.register(front.fileno(), select.EPOLLIN)
    ups: dict[Any, socket.socket] = {}
    clients: dict[int, tuple[socket.socket, Any]] = {}
    os.write(ready_w, b"x")
    while True:
        for fd, _ in ep.poll():
            if fd == front.fileno():
                while True:
                    try:
                        data, addr = front.recvfrom(4096)
                    except BlockingIOError:
                        break
                    if rnd.random() < loss:
                        continue
                    up = ups.get(addr)
                    if up is None:
                        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        up.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
                        up.connect(("127.0.0.1", 53))
                        up.setblocking(False)
                        ups[addr] = up
                        clients[up.fileno()] = (up, addr)
                        ep.register(up.fileno(), select.EPOLLIN)
                    with contextlib.suppress(OSError):
                        up.send(data)
            else:
                up, addr = clients[fd]
                while True:
                    try:
                        data = up.recv(4096)
                    except BlockingIOError:
                        break
                    if rnd.random() < loss:
                        continue
                    with contextlib.suppress(OSError):
                        front.sendto(data, addr)


def with_drop_proxy(loss: float, fn: Callable[[], float]) -> float:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the proxy
        try:
            drop_proxy(loss, w)
        finally:
            os._exit(0)
    os.read(r, 1)
    try:
        return fn()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(r)
        os.close(w)


# --- memory ---------------------------------------------------------------------------------------


def rss_run(workdir: Path, count: int, zone_names: int) -> tuple[float, float]:
    """(peak RSS in MB, names/s) of ``netdb bulk`` over ``count`` names, output to a file."""
    infile = workdir / "rss-in.txt"
    with infile.open("w") as f:
        chunk = []
        for i in range(count):
            chunk.append(f"h{i % zone_names}.bench.test\n")
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    out = workdir / "rss-out.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", "-q", "-o", str(out),
         str(infile)],
        env=env,
    )  # fmt: skip
    peak_sum = 0
    while proc.poll() is None:  # the command and its workers, summed (shared pages counted twice)
        peak_sum = max(peak_sum, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"netdb bulk exited {proc.returncode}")
    lines = 0
    with out.open("rb") as f:
        for _ in f:
            lines += 1
    assert lines == count, f"{lines} records for {count} lines"
    infile.unlink()
    out.unlink()
    return peak_sum / 1024, count / elapsed


def _tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and of its children, in KiB (0 for a process that is gone)."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_rss_kb(int(k)) for k in kids)


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def bulk_floors(
    workdir: Path, sizes: list[int], rounds: int, dnsperf: str | None
) -> list[tuple[str, bool]]:
    """Issue 10's Bulk floors: the default run (workers as the machine gives) and one worker
    over each size, in turns (default, -w 1, default, ...), medians of ``rounds`` runs; the
    start-up (a one-line input) on its own; CPU per name against dnsperf's per two queries."""
    print(f"bulk, the default against --workers 1 ({rounds} rounds each, in turns; medians)")
    one = workdir / "one.txt"
    one.write_text(name(0) + "\n")
    start: dict[str, float] = {}
    for label, extra in (("default", ()), ("-w 1", ("--workers", "1"))):
        start[label] = _median(
            [netdb_run(one, extra=extra, quiet=True)["elapsed"] for _ in range(rounds)]
        )
    print(
        f"  start-up (one name): default {start['default'] * 1000:.0f} ms, "
        f"-w 1 {start['-w 1'] * 1000:.0f} ms"
    )
    floors: list[tuple[str, bool]] = []
    rate: dict[tuple[str, int], float] = {}
    cpu: dict[tuple[str, int], float] = {}
    for n in sizes:
        infile = workdir / f"floor-{n}.txt"
        infile.write_text("".join(name(i) + "\n" for i in range(n)))
        runs: dict[str, list[dict[str, float]]] = {"default": [], "-w 1": []}
        for _ in range(rounds):
            runs["default"].append(netdb_run(infile, quiet=True))
            runs["-w 1"].append(netdb_run(infile, extra=("--workers", "1"), quiet=True))
        for label, rs in runs.items():
            r = _median([x["rate"] for x in rs])
            c = _median([x["cpu"] for x in rs])
            wall = _median([x["elapsed"] for x in rs])
            after = n / max(wall - start[label], 1e-9)
            each = ", ".join(f"{x['rate']:,.0f}" for x in rs)
            rate[label, n] = r
            cpu[label, n] = c
            print(
                f"  {n:>7,} names {label:8s} {r:9,.0f} names/s (without start-up {after:9,.0f})"
                f"  CPU {c:5.1f} us/name  Knot {_median([x['knot'] for x in rs]):4.1f} us/name"
                f"  retried {_median([x['retried'] for x in rs]):6.0f}"
                f"  (names/s of each run: {each})"
            )
        infile.unlink()
        floors.append((f"default >= -w 1 at {n:,} names", rate["default", n] >= rate["-w 1", n]))
    if len(sizes) >= 2 and 100_000 in sizes and 500_000 in sizes:
        ratio = rate["default", 100_000] / rate["default", 500_000]
        print(f"  names/s at 100,000 / at 500,000 (default): {ratio:.2f}")
        floors.append(("names/s at 100,000 >= 0.8x at 500,000", ratio >= 0.8))
    if dnsperf is not None:
        qps, per_query = dnsperf_run(dnsperf, [name(i) for i in range(max(sizes))], workdir)
        big = max(sizes)
        print(
            f"  dnsperf: {qps:,.0f} A q/s, CPU {per_query:.2f} us a query ({2 * per_query:.1f} per"
            f" two); netdb default at {big:,}: {cpu['default', big]:.1f} us a name"
            f" ({cpu['default', big] / (2 * per_query):.2f}x)"
        )
        floors.append(
            ("CPU per name <= 1.5x dnsperf's per two queries", cpu["default", big] <= 3 * per_query)
        )
    return floors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--subset", type=int, default=20_000, help="names for the slow peers")
    parser.add_argument("--rss-names", type=int, default=10_000_000)
    parser.add_argument(
        "--sizes",
        default="10000,100000,500000",
        help="input sizes of the default-against-one-worker runs (comma-separated; '' none)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, for the medians")
    parser.add_argument(
        "--only-floors",
        action="store_true",
        help="only the default-against-one-worker runs and dnsperf (issue 10's Bulk floors)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    dnsperf = shutil.which("dnsperf")
    if dnsperf is None and not _sandbox.inside():
        subprocess.run(["apt-get", "install", "-y", "-qq", "dnsperf"], check=False)
    if not _sandbox.inside():
        _sandbox.enter(__file__)
    for fname, text in ETC.items():
        Path("/etc", fname).write_text(text)
    workdir = Path(tempfile.mkdtemp(prefix="netdb-bench-bulk-"))
    from tests.sandbox import dnsservers

    procs = start_knot(workdir, max([args.names, *sizes]))
    global KNOT_PID
    KNOT_PID = procs[0].pid
    try:
        if args.only_floors:
            floors = bulk_floors(workdir, sizes, args.rounds, ensure_dnsperf())
            print("floors:")
            for label, ok in floors:
                print(f"  {'met    ' if ok else 'NOT met'}  {label}")
            return
        names = [name(i) for i in range(args.names)]
        infile = workdir / "names.txt"
        infile.write_text("".join(n + "\n" for n in names))
        sub = names[: args.subset]
        print(f"bulk resolution of {args.names} names (A + AAAA each), Knot on 127.0.0.1, 2 cores")
        rows: list[tuple[str, float]] = []
        ours = run_netdb(infile)
        rows.append(("netdb bulk (A+AAAA; 2 workers, default)", ours))
        rows.append(("netdb bulk --workers 1", run_netdb(infile, extra=("--workers", "1"))))
        rows.append(("glibc getaddrinfo, 64 threads", run_glibc_threads(sub)))
        rows.append(("asyncio loop.getaddrinfo", run_loop_getaddrinfo(sub[: args.subset // 2])))
        rows.append(("aiodns (c-ares) A+AAAA", run_aiodns(sub)))
        rows.append(("dnspython async A+AAAA", run_dnspython(sub[: args.subset // 4])))
        ceiling = None
        dnsperf = ensure_dnsperf()
        if dnsperf is not None:
            qps = run_dnsperf(dnsperf, names, workdir)
            ceiling = qps / 2
            rows.append((f"dnsperf ceiling ({qps:,.0f} A q/s / 2)", ceiling))
        for label, rate in rows:
            ratio = ours / rate
            print(f"  {label:42s} {rate:12,.0f} names/s   netdb/peer {ratio:6.2f}")
        floors = [
            ("netdb >= 60,000 names/s", ours >= 60_000),
            ("netdb >= 3x glibc threads", ours >= 3 * rows[2][1]),
            ("netdb >= 6x aiodns", ours >= 6 * rows[4][1]),
        ]
        if ceiling is not None:
            floors.append(("netdb >= 0.8 of dnsperf's ceiling", ours >= 0.8 * ceiling))
        lossless_proxy = with_drop_proxy(
            0.0, lambda: run_netdb(infile, DROP_PROXY[0], ("--retries", "8"))
        )
        lossy = with_drop_proxy(
            0.05,
            lambda: run_netdb(infile, DROP_PROXY[0], ("--retries", "8")),
        )
        print("  through the drop proxy (a Python forwarder: it costs CPU of its own)")
        print(f"  {'netdb bulk, proxy, no loss':42s} {lossless_proxy:12,.0f} names/s")
        print(
            f"  {'netdb bulk, proxy, 5% packets dropped':42s} {lossy:12,.0f} names/s"
            f"   lossy/lossless {lossy / lossless_proxy:5.2f} (direct: {lossy / ours:5.2f})"
        )
        floors.append(("5% loss >= half of lossless (same proxy)", lossy >= lossless_proxy / 2))
        if sizes:
            floors += bulk_floors(workdir, sizes, args.rounds, dnsperf)
        if args.rss_names:
            peak, rate = rss_run(workdir, args.rss_names, args.names)
            print(f"  netdb bulk, {args.rss_names:,} names to a file: peak RSS {peak:.0f} MB"
                  " (the command and its workers, summed), "
                  f"{rate:,.0f} names/s")  # fmt: skip
            floors.append((f"peak RSS < 200 MB over {args.rss_names:,} names", peak < 200))
        print("floors:")
        for label, ok in floors:
            print(f"  {'met    ' if ok else 'NOT met'}  {label}")
    finally:
        dnsservers.stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
