"""The kernel's share of a lookup: the system calls alone, beside glibc, netdb and asyncio.

Run: ``python3 bench/bench_floor.py [--names 5000] [--rounds 3] [--routes] [--talking 64]``
(re-executes itself under ``unshare --net --mount --uts``: Knot serves a generated zone
``bench.test.`` on 127.0.0.1 inside the private namespace, each name ``h{i}.bench.test`` with one A
and one AAAA record; /etc is a tmpfs holding Debian's ``hosts: files myhostname dns`` and
``nameserver 127.0.0.1``; no packet leaves the machine).  ``--routes`` adds routes to the zone's
addresses over loopback inside the namespace, so that the source probes below succeed as they do
on a connected machine (by default only loopback exists there and they fail with ENETUNREACH, for
every peer alike).

Issue 10's floors for the default getaddrinfo (blocking: at most 1.0x glibc's time; netdb.aio,
one loop, 1,000 concurrent: at least 1.5x the names/s of ``loop.getaddrinfo`` and at most 0.5x
its CPU per lookup) are measured by bench_defaults.py.  This script asks what is left for the
resolver once the system calls a lookup cannot avoid are paid, with the design fixed: a fresh UDP
socket per lookup connected to the server, the A and AAAA queries sent on it, both replies read,
then one source-address probe per answer address (UDP ``connect`` + ``getsockname``) for RFC 6724
sorting, as glibc does.  Peers, each on names of its own (no name is asked twice, so no cache
helps anyone), taking turns within each of ``--rounds`` rounds of ``--names`` names:

* ``bare blocking``: a Python loop doing exactly that kernel work per name and nothing else
  (queries built beforehand with fresh IDs, ``poll`` before each ``recv``, the probes' addresses
  taken from the zone's formula instead of parsed from the replies);
* ``glibc``: ``socket.getaddrinfo(name, 80, type=SOCK_STREAM)``;
* ``netdb``: ``netdb.getaddrinfo(name, 80, type=SOCK_STREAM)`` (the default resolver);
* ``bare epoll``: the same system calls non-blocking in one thread without asyncio (one epoll
  set, ``--talking`` lookups in flight): the least Python a non-blocking design has;
* ``bare asyncio``: the same system calls on one event loop, 1,000 concurrent callers
  (``loop.add_reader`` and a future per lookup, one ``recv`` per readiness callback; at most
  ``--talking`` with a socket open, the others queued, as netdb.aio paces them with its
  ``MAX_TALKING``, the default: a burst of 2,000 queries overflows Knot's socket buffer);
* ``loop.getaddrinfo``: asyncio's, glibc in the loop's thread pool (it uses both cores);
* ``netdb.aio``: ``netdb.aio.getaddrinfo(name, 80, type=SOCK_STREAM)``, 1,000 concurrent.

Prints a table of medians over the rounds (process CPU us per lookup, all threads; wall us per
lookup; names/s; Knot's CPU us per lookup), then the ratios: bare blocking CPU against glibc's
(the kernel's share of glibc's time) and netdb's Python share over the bare loop; the names/s
ceiling of one thread doing only the bare asyncio system calls (1e6 / its CPU per lookup; the
same for bare epoll) against 1.5x ``loop.getaddrinfo``'s names/s; the bare asyncio CPU per
lookup against 0.5x ``loop.getaddrinfo``'s; and what each floor leaves for Python per lookup.
glibc sends both queries with one ``sendmmsg(2)``; Python has none, so the bare loops make two
``send(2)`` calls.
"""

from __future__ import annotations

import _socket
import argparse
import asyncio
import random
import select
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

ETC = {
    "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
    "nsswitch.conf": "hosts: files myhostname dns\n",
    "resolv.conf": "nameserver 127.0.0.1\n",
    "host.conf": "multi on\n",
}
SERVER = ("127.0.0.1", 53)
WARMUP = 200  # names each peer asks before the rounds (imports, first-use set-up), not counted
TIMEOUT_MS = 5000  # the bare loops' wait for a reply: Knot on loopback never takes that long
PEERS = (
    "bare blocking",
    "glibc",
    "netdb",
    "bare epoll",
    "bare asyncio",
    "loop.getaddrinfo",
    "netdb.aio",
)
UDP = _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC

# (A query, AAAA query, probe address for A, probe address for AAAA)
Job = tuple[bytes, bytes, tuple[str, int], tuple[str, int, int, int]]


def _name(i: int) -> str:
    return f"h{i}.bench.test"


def _addresses(i: int) -> tuple[str, str]:
    """The A and AAAA addresses bench_bulk.write_zone gives name ``i``."""
    return (
        f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        f"fd00::{(i >> 16) & 0xFFFF:x}:{i & 0xFFFF:x}",
    )


def _query(name: str, qtype: int) -> bytes:
    """A recursion-desired query for ``name``/``qtype`` IN with a random ID, as glibc sends it."""
    header = struct.pack("!6H", random.getrandbits(16), 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes((len(x),)) + x.encode() for x in name.split("."))
    return header + labels + b"\0" + struct.pack("!2H", qtype, 1)


def _job(i: int) -> Job:
    v4, v6 = _addresses(i)
    name = _name(i)
    return _query(name, 1), _query(name, 28), (v4, 0), (v6, 0, 0, 0)


def _probe(family: int, addr: tuple[Any, ...]) -> None:
    """glibc's source-address probe: a UDP socket connected to ``addr`` and asked its name."""
    s = _socket.socket(family, UDP)
    try:
        s.connect(addr)
        s.getsockname()
    except OSError:
        pass  # no route: glibc then has no source for the address and carries on
    finally:
        s.close()


# --- the bare system calls --------------------------------------------------------------------


def bare_blocking(jobs: list[Job]) -> float:
    """Wall seconds for the kernel work of one blocking lookup per job, one after the other."""
    af_inet, af_inet6, pollin = _socket.AF_INET, _socket.AF_INET6, select.POLLIN
    t = time.perf_counter()
    for qa, q6, a4, a6 in jobs:
        s = _socket.socket(af_inet, UDP)
        s.connect(SERVER)
        s.send(qa)
        s.send(q6)
        p = select.poll()
        p.register(s, pollin)
        if not p.poll(TIMEOUT_MS):
            raise TimeoutError("no reply from Knot")
        s.recv(512)
        if not p.poll(TIMEOUT_MS):
            raise TimeoutError("no second reply from Knot")
        s.recv(512)
        s.close()
        _probe(af_inet, a4)
        _probe(af_inet6, a6)
    return time.perf_counter() - t


def bare_epoll(jobs: list[Job], talking_max: int) -> float:
    """Wall seconds for the same kernel work non-blocking without asyncio: one thread, one epoll
    set, ``talking_max`` lookups in flight (each socket registered once, dropped from the set by
    its close): the system calls of a non-blocking lookup with the least Python around them."""
    af_inet, af_inet6 = _socket.AF_INET, _socket.AF_INET6
    nonblocking = UDP | _socket.SOCK_NONBLOCK
    ep = select.epoll()
    todo = iter(jobs)
    flight: dict[int, list[Any]] = {}  # fd -> [socket, replies so far, job]

    def start(job: Job) -> None:
        s = _socket.socket(af_inet, nonblocking)
        s.connect(SERVER)
        s.send(job[0])
        s.send(job[1])
        fd = s.fileno()
        ep.register(fd, select.EPOLLIN)
        flight[fd] = [s, 0, job]

    t = time.perf_counter()
    for job in todo:
        start(job)
        if len(flight) == talking_max:
            break
    while flight:
        events = ep.poll(TIMEOUT_MS / 1000)
        if not events:
            raise TimeoutError(f"{len(flight)} lookups got no reply from Knot")
        for fd, _ in events:
            entry = flight[fd]
            entry[0].recv(512)
            entry[1] += 1
            if entry[1] == 2:
                del flight[fd]
                entry[0].close()
                _, _, a4, a6 = entry[2]
                _probe(af_inet, a4)
                _probe(af_inet6, a6)
                job = next(todo, None)
                if job is not None:
                    start(job)
    wall = time.perf_counter() - t
    ep.close()
    return wall


def bare_aio(jobs: list[Job], talking_max: int) -> float:
    """Wall seconds for the same kernel work non-blocking, CONCURRENT lookups at a time on one
    event loop: a reader and a future per lookup, one ``recv`` per readiness callback; at most
    ``talking_max`` of them have a socket open at once, the others wait in a queue (netdb.aio's
    pacing: a burst of 2,000 queries overflows Knot's socket buffer and loses some)."""
    from bench_defaults import _gather

    af_inet, af_inet6 = _socket.AF_INET, _socket.AF_INET6
    nonblocking = UDP | _socket.SOCK_NONBLOCK

    async def main() -> float:
        loop = asyncio.get_running_loop()
        waiting: deque[tuple[Job, asyncio.Future[bool]]] = deque()
        talking = 0

        def start(job: Job, fut: asyncio.Future[bool]) -> None:
            qa, q6, a4, a6 = job
            s = _socket.socket(af_inet, nonblocking)
            s.connect(SERVER)
            s.send(qa)
            s.send(q6)
            fd = s.fileno()
            got = 0

            def readable() -> None:
                nonlocal got, talking
                try:
                    s.recv(512)
                except BlockingIOError:
                    return
                got += 1
                if got == 2:
                    loop.remove_reader(fd)
                    s.close()
                    _probe(af_inet, a4)
                    _probe(af_inet6, a6)
                    fut.set_result(True)
                    if waiting:
                        start(*waiting.popleft())
                    else:
                        talking -= 1

            loop.add_reader(fd, readable)

        def ask(job: Job) -> Awaitable[bool]:
            nonlocal talking
            fut: asyncio.Future[bool] = loop.create_future()
            if talking < talking_max:
                talking += 1
                start(job, fut)
            else:
                waiting.append((job, fut))
            return fut

        # A lost reply would hang the run: fail it instead (none is lost at netdb.aio's pace).
        gather: Any = _gather
        return await asyncio.wait_for(gather(jobs, ask), 60 + len(jobs) / 100)

    return asyncio.run(main())


# --- the peers --------------------------------------------------------------------------------


def glibc_blocking(names: list[str]) -> float:
    t = time.perf_counter()
    for n in names:
        socket.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    return time.perf_counter() - t


def netdb_blocking(names: list[str]) -> float:
    import netdb

    t = time.perf_counter()
    for n in names:
        netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    return time.perf_counter() - t


def _on_loop(names: list[str], peer: str) -> float:
    """Wall seconds for ``peer``'s coroutine over ``names``, CONCURRENT at a time, on a new loop."""
    import netdb.aio
    from bench_defaults import _gather

    async def main() -> float:
        loop = asyncio.get_running_loop()
        ask: Callable[[str], Awaitable[Any]]
        if peer == "netdb.aio":

            def ask(n: str) -> Awaitable[Any]:
                return netdb.aio.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
        else:

            def ask(n: str) -> Awaitable[Any]:
                return loop.getaddrinfo(n, 80, type=socket.SOCK_STREAM)

        return await _gather(names, ask)

    return asyncio.run(main())


def _knot_cpu(pid: int) -> float:
    """CPU seconds Knot's threads have run (/proc/PID/task/*/schedstat, in ns: clock ticks are
    too coarse for a few thousand lookups)."""
    tasks = Path(f"/proc/{pid}/task").iterdir()  # Knot's threads live as long as it does
    return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks) / 1e9


def measure(peer: str, first: int, count: int, knot: int, talking: int) -> dict[str, float]:
    """One peer over names ``first`` .. ``first + count - 1``: CPU us per lookup (the process,
    all threads), wall us per lookup, names/s and Knot's CPU us per lookup."""
    indexes = range(first, first + count)
    run: Callable[[], float]
    if peer.startswith("bare"):
        jobs = [_job(i) for i in indexes]  # built before the clock starts: no resolver logic
        if peer == "bare blocking":
            run = lambda: bare_blocking(jobs)  # noqa: E731
        elif peer == "bare epoll":
            run = lambda: bare_epoll(jobs, talking)  # noqa: E731
        else:
            run = lambda: bare_aio(jobs, talking)  # noqa: E731
    else:
        names = [_name(i) for i in indexes]
        if peer == "glibc":
            run = lambda: glibc_blocking(names)  # noqa: E731
        elif peer == "netdb":
            run = lambda: netdb_blocking(names)  # noqa: E731
        else:
            run = lambda: _on_loop(names, peer)  # noqa: E731
    k = _knot_cpu(knot)
    cpu = time.process_time()
    wall = run()
    cpu = time.process_time() - cpu
    k = _knot_cpu(knot) - k
    return {
        "cpu": cpu / count * 1e6,
        "wall": wall / count * 1e6,
        "rate": count / wall,
        "knot": k / count * 1e6,
    }


def check(i: int) -> None:
    """The bare queries get the zone's answers (once, before anything is timed)."""
    qa, q6, (v4, _), (v6, *_) = _job(i)
    s = _socket.socket(_socket.AF_INET, UDP)
    s.settimeout(TIMEOUT_MS / 1000)
    s.connect(SERVER)
    for q, family, addr in ((qa, socket.AF_INET, v4), (q6, socket.AF_INET6, v6)):
        s.send(q)
        reply = s.recv(512)
        assert reply[:2] == q[:2] and reply[3] & 15 == 0, reply
        assert socket.inet_pton(family, addr) in reply, (addr, reply)
    s.close()


def _add_routes() -> None:
    """Routes to the zone's addresses over loopback, inside the private namespace only."""
    for argv in (
        ["ip", "route", "add", "10.0.0.0/8", "dev", "lo"],
        ["ip", "-6", "route", "add", "fd00::/8", "dev", "lo"],
    ):
        subprocess.run(argv, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=5000, help="names per peer per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--routes", action="store_true", help="let the source probes succeed")
    parser.add_argument(
        "--talking", type=int, help="bare asyncio's lookups in flight (netdb.aio.MAX_TALKING)"
    )
    args = parser.parse_args()
    if not _sandbox.inside():
        _sandbox.enter(__file__)
    for fname, text in ETC.items():
        Path("/etc", fname).write_text(text)
    if args.routes:
        _add_routes()
    if args.talking is None:
        import netdb.aio

        args.talking = netdb.aio.MAX_TALKING
    from tests.sandbox import dnsservers

    import bench_bulk
    from bench_defaults import CONCURRENT

    # Every peer asks names of its own: WARMUP, then --names per round; one more name at the
    # end is the one start_knot asks to see the zone loaded (so never asked by a peer).
    total = len(PEERS) * (WARMUP + args.rounds * args.names) + 1
    workdir = Path(tempfile.mkdtemp(prefix="netdb-bench-"))
    procs = bench_bulk.start_knot(workdir, total)
    knot = procs[0].pid
    try:
        check(total - 1)
        print(
            f"Knot on 127.0.0.1 serving {total} names (A + AAAA each); hosts line"
            f" {ETC['nsswitch.conf'].strip()!r}; {args.rounds} rounds of {args.names} names per"
            f" peer; asyncio peers {CONCURRENT} concurrent (bare asyncio: {args.talking} of them"
            f" talking at once); source probes"
            f" {'routed over lo' if args.routes else 'unrouted (ENETUNREACH)'}"
        )
        print(
            "(glibc sends A and AAAA in one sendmmsg(2); Python has no sendmmsg: the bare loops"
            " make two send(2) calls)"
        )
        nxt = 0
        for peer in PEERS:
            measure(peer, nxt, WARMUP, knot, args.talking)
            nxt += WARMUP
        rows: dict[str, list[dict[str, float]]] = {p: [] for p in PEERS}
        for r in range(args.rounds):
            for peer in PEERS:
                rows[peer].append(measure(peer, nxt, args.names, knot, args.talking))
                nxt += args.names
            print(
                f"round {r + 1}: "
                + ", ".join(f"{p} {rows[p][-1]['cpu']:.1f}" for p in PEERS)
                + " (CPU us per lookup)",
                flush=True,
            )
        med = {p: {k: statistics.median(x[k] for x in rows[p]) for k in rows[p][0]} for p in PEERS}
        print()
        print(f"medians of {args.rounds} rounds")
        print(
            f"{'':<18} {'CPU us/lookup':>14} {'wall us/lookup':>15} {'names/s':>10}"
            f" {'Knot CPU us':>12}"
        )
        for p in PEERS:
            m = med[p]
            print(
                f"{p:<18} {m['cpu']:>14.1f} {m['wall']:>15.1f} {m['rate']:>10.0f}"
                f" {m['knot']:>12.1f}"
            )
        bb, gl, nb = med["bare blocking"], med["glibc"], med["netdb"]
        be, ba = med["bare epoll"], med["bare asyncio"]
        lg, na = med["loop.getaddrinfo"], med["netdb.aio"]
        print()
        print("blocking (floor: netdb at most 1.0x glibc):")
        print(f"  bare blocking CPU / glibc CPU: {bb['cpu'] / gl['cpu']:.2f}"
              f"  (wall: {bb['wall'] / gl['wall']:.2f})")  # fmt: skip
        print(f"  netdb CPU / glibc CPU: {nb['cpu'] / gl['cpu']:.2f}"
              f"  (wall: {nb['wall'] / gl['wall']:.2f})")  # fmt: skip
        print(
            f"  Python budget under the floor (glibc CPU - bare CPU): {gl['cpu'] - bb['cpu']:.1f}"
            " us;"
            f" netdb's Python share (netdb CPU - bare CPU): {nb['cpu'] - bb['cpu']:.1f} us"
        )
        print("asyncio, one loop, 1,000 concurrent (floors: netdb.aio >= 1.5x loop.getaddrinfo's"
              " names/s, CPU per lookup <= 0.5x its):")  # fmt: skip
        ceiling = 1e6 / ba["cpu"]
        target = 1.5 * lg["rate"]
        print(
            f"  one-thread ceiling of the bare system calls 1e6 / {ba['cpu']:.1f} us ="
            f" {ceiling:.0f} names/s against 1.5 x loop.getaddrinfo = {target:.0f} names/s:"
            f" {ceiling / target:.2f}x"
        )
        print(
            f"  the same without asyncio (bare epoll): 1e6 / {be['cpu']:.1f} us ="
            f" {1e6 / be['cpu']:.0f} names/s: {1e6 / be['cpu'] / target:.2f}x; asyncio's own"
            f" share of bare asyncio: {ba['cpu'] - be['cpu']:.1f} us per lookup"
        )
        print(
            f"  bare asyncio CPU per lookup {ba['cpu']:.1f} us against 0.5 x loop.getaddrinfo ="
            f" {0.5 * lg['cpu']:.1f} us: {ba['cpu'] / (0.5 * lg['cpu']):.2f}x (bare epoll:"
            f" {be['cpu'] / (0.5 * lg['cpu']):.2f}x)"
        )
        budget = min(1e6 / target, 0.5 * lg["cpu"]) - ba["cpu"]
        print(
            f"  Python budget under both floors: {budget:.1f} us per lookup over bare asyncio"
            f" ({budget + ba['cpu'] - be['cpu']:.1f} us over bare epoll);"
            f" netdb.aio's Python share (netdb.aio CPU - bare CPU): {na['cpu'] - ba['cpu']:.1f} us"
        )
        print(
            f"  netdb.aio: {na['rate'] / lg['rate']:.2f}x loop.getaddrinfo's names/s,"
            f" {na['cpu'] / lg['cpu']:.2f}x its CPU per lookup;"
            f" bare asyncio names/s (measured): {ba['rate'] / lg['rate']:.2f}x"
        )
    finally:
        dnsservers.stop(procs)


if __name__ == "__main__":
    main()
