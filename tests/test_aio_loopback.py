"""The two drivers over real sockets with no namespace: netdb.aio and the blocking driver against
a scripted server on loopback (:mod:`tests.loopback`).

The differential suites need private namespaces; on a machine without them, these tests still
run both drivers' sockets, waits, deadlines, TCP fallback, cancellation and in-flight sharing.
The server serves the fixture zones as the sandbox's Knot does (:mod:`tests.scripted`), and the
resolver's kernel facts are fixed, so the expected answers are glibc's, recorded in
``tests/test_gai_scripted.py`` (``ZONE_ROWS``: outcome and ``h_errno`` after each call).
Faults come from :class:`tests.scripted.Faults` and :class:`tests.scripted.Table` handlers;
there the two drivers must end alike, within the deadline, leaving no descriptor behind.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import netdb.aio
from netdb import express
from netdb.dns import wire
from tests import scripted
from tests.loopback import LoopbackServer, closed_port
from tests.test_gai_scripted import ZONE_ROWS

STREAM = socket.SOCK_STREAM
QUICK = "search example.test sub.example.test\noptions timeout:1 attempts:1\n"
RESOLV_QUICK = "nameserver 127.0.0.1\n" + QUICK


@functools.cache
def _zones() -> list[scripted.Zone]:
    return scripted.fixture_zones()


class LoopbackResolver(scripted.FixedFacts):
    """A resolver over :func:`tests.scripted.write_etc` files asking ``servers`` (addresses
    with ports), with fixed kernel facts; cache and memo off, so every lookup reaches a server."""

    def __init__(self, tmp: Path, *servers: str, resolv: str | None = None, **kw: Any) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        etc = {} if resolv is None else {"resolv": "nameserver 127.0.0.1\n" + resolv}
        files = scripted.write_etc(tmp, **etc)
        kw = {"cache": False, "memoize": False, **kw}
        super().__init__(files=files, nameservers=list(servers), **kw)
        self.fix_facts()


@pytest.fixture
def knot() -> Iterator[LoopbackServer]:
    """The fixture zones on a loopback port, as the sandbox's Knot serves them."""
    with LoopbackServer(scripted.Authority(_zones())) as server:
        yield server


def outcome(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # the outcome *is* the exception
        return ("raise", type(exc).__name__, exc.args)


async def aoutcome(coro: Awaitable[Any]) -> Any:
    try:
        return await coro
    except Exception as exc:  # the outcome *is* the exception
        return ("raise", type(exc).__name__, exc.args)


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


ROWS = [pytest.param(*r, id=str(i)) for i, r in enumerate(ZONE_ROWS)]


# --- glibc's answers, through each driver ----------------------------------------------------


def test_blocking_driver_gives_glibcs_answers_over_loopback(
    tmp_path: Path, knot: LoopbackServer
) -> None:
    res = LoopbackResolver(tmp_path, knot.address)
    got, want = [], []
    for args, before, expected, after in ZONE_ROWS:
        res._set_h_errno(before)
        got.append((args, scripted.summary(outcome(res.getaddrinfo, *args)), res.h_errno))
        want.append((args, expected, after))
    assert got == want
    assert knot.queries["udp"] > len(ZONE_ROWS)


def test_aio_gives_glibcs_answers_one_after_another(tmp_path: Path, knot: LoopbackServer) -> None:
    res = LoopbackResolver(tmp_path, knot.address)

    async def main() -> list[Any]:
        seen = []
        for args, before, _, _ in ZONE_ROWS:
            res._set_h_errno(before)
            got = await aoutcome(netdb.aio.getaddrinfo(*args, resolver=res))
            seen.append((args, scripted.summary(got), res.h_errno))
        return seen

    assert asyncio.run(main()) == [(args, exp, after) for args, _, exp, after in ZONE_ROWS]


def test_aio_gives_glibcs_answers_all_at_once(tmp_path: Path, knot: LoopbackServer) -> None:
    res = LoopbackResolver(tmp_path, knot.address)
    before = fds()

    async def main() -> list[Any]:
        calls = [netdb.aio.getaddrinfo(*args, resolver=res) for args, _, _, _ in ZONE_ROWS]
        return list(await asyncio.gather(*map(aoutcome, calls)))

    got = [scripted.summary(o) for o in asyncio.run(main())]
    assert got == [expected for _, _, expected, _ in ZONE_ROWS]
    assert fds() == before


def test_reverse_lookups_agree_between_the_drivers(tmp_path: Path, knot: LoopbackServer) -> None:
    res = LoopbackResolver(tmp_path, knot.address)
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for addr in ("192.0.2.1", "2001:db8::6", "192.0.2.99", "198.51.100.2", "192.0.2.250"):
        calls.append(("gethostbyaddr", (addr,)))
        calls.append(("getnameinfo", ((addr, 80), socket.NI_NAMEREQD)))
    for name in ("both", "v4only", "nothere", "c3a", "infiles"):
        calls.append(("gethostbyname_ex", (name,)))
        calls.append(("gethostbyname", (name,)))
    blocking = [outcome(getattr(res, f), *a) for f, a in calls]

    async def main() -> list[Any]:
        return [await aoutcome(getattr(netdb.aio, f)(*a, resolver=res)) for f, a in calls]

    assert asyncio.run(main()) == blocking
    assert blocking[0][0] == "both.example.test"  # a real answer, not a failure twice


# --- faults: both drivers end alike, by their deadlines -----------------------------------------


def both_drivers(res: LoopbackResolver, args: tuple[Any, ...]) -> tuple[Any, float, Any, float]:
    """(blocking outcome, its seconds, aio outcome, its seconds) of one getaddrinfo."""
    t0 = time.monotonic()
    blocking = scripted.summary(outcome(res.getaddrinfo, *args))
    t1 = time.monotonic()
    aio = scripted.summary(asyncio.run(aoutcome(netdb.aio.getaddrinfo(*args, resolver=res))))
    return blocking, t1 - t0, aio, time.monotonic() - t1


# (fault rules for "both", expected outcome, at least the TCP queries the server got)
FAULTS: list[tuple[str, list[dict[str, Any]], Any, int]] = [
    ("truncated-then-tcp", [{"action": "truncate"}], ["2001:db8::1", "192.0.2.1"], 2),
    ("wrong-id-ignored", [{"action": "wrong_id"}], "gaierror -3", 0),
    ("wrong-question", [{"action": "wrong_question"}], "gaierror -3", 0),
    ("garbage", [{"action": "garbage"}], "gaierror -3", 0),
    ("servfail", [{"action": "rcode", "rcode": 2}], "gaierror -3", 0),
    ("late-but-in-time", [{"action": "delay", "seconds": 0.2}], ["2001:db8::1", "192.0.2.1"], 0),
    (
        "tcp-closed",
        [{"action": "truncate", "transport": "udp"}, {"action": "tcp_close"}],
        "gaierror -3",
        2,
    ),
]


@pytest.mark.parametrize(
    ("rules", "expected", "tcp"), [pytest.param(*f[1:], id=f[0]) for f in FAULTS]
)
def test_faults_end_alike_in_both_drivers(
    tmp_path: Path, rules: list[dict[str, Any]], expected: Any, tcp: int
) -> None:
    faults = scripted.Faults(scripted.Authority(_zones()), rules)
    with LoopbackServer(faults) as server:
        res = LoopbackResolver(tmp_path, server.address, resolv=QUICK)
        before = fds()
        blocking, tb, aio, ta = both_drivers(res, ("both", 80, 0, STREAM))
        # The core on a scripted net (fake clock, no sockets) ends the same way.
        net = scripted.Net({scripted.KNOT: scripted.Faults(scripted.Authority(_zones()), rules)})
        core = scripted.resolver(tmp_path / "core", net, etc={"resolv": RESOLV_QUICK})
        assert (blocking, aio) == (expected, expected)
        assert scripted.summary(core.call("getaddrinfo", "both", 80, 0, STREAM)) == expected
        # One server, timeout:1 attempts:1, two names of the search list at most: a lookup
        # waits at most a second per name asked.
        assert tb < 3.5 and ta < 3.5
        assert server.queries["tcp"] >= 2 * tcp
        assert fds() == before


def test_a_silent_server_ends_at_the_lookups_deadline(tmp_path: Path) -> None:
    silent = scripted.Table({}, default="drop")
    with LoopbackServer(silent) as server:
        res = LoopbackResolver(tmp_path, server.address, lifetime=0.4)
        blocking, tb, aio, ta = both_drivers(res, ("both", 80, 0, STREAM))
        assert blocking == aio == "gaierror -3"
        assert 0.35 <= tb < 0.9 and 0.35 <= ta < 0.9
        # netdb.aio's own timeout= ends the lookup the same way.
        res2 = LoopbackResolver(tmp_path / "2", server.address)

        async def timed() -> tuple[Any, float, float]:
            stall = Stall()
            ticker = asyncio.ensure_future(stall.tick())
            t = time.monotonic()
            got = await aoutcome(netdb.aio.getaddrinfo("both", 80, resolver=res2, timeout=0.3))
            took = time.monotonic() - t
            ticker.cancel()
            return scripted.summary(got), took, stall.longest

        got, took, longest = asyncio.run(timed())
        assert got == "gaierror -3"
        assert 0.25 <= took < 0.8
        assert longest < 0.1  # the loop ran other tasks the whole time


def test_a_closed_port_fails_at_once_in_both_drivers(tmp_path: Path) -> None:
    res = LoopbackResolver(tmp_path, f"127.0.0.1:{closed_port()}", resolv=QUICK)
    blocking, tb, aio, ta = both_drivers(res, ("both", 80, 0, STREAM))
    assert blocking == aio
    assert isinstance(blocking, str) and blocking.startswith("gaierror")
    assert tb < 3.5 and ta < 3.5


def test_a_flood_of_wrong_replies_does_not_hide_the_right_one(tmp_path: Path) -> None:
    auth = scripted.Authority(_zones())

    def flood(query: bytes, transport: str) -> list[scripted.Sent | bytes] | str:
        real = auth(query, transport)
        assert isinstance(real, list) and real
        first = real[0]
        data = first.data if isinstance(first, scripted.Sent) else first
        wrong = (int.from_bytes(data[:2], "big") ^ 0x5A5A).to_bytes(2, "big") + data[2:]
        return [wrong] * 200 + [scripted.Sent(data, delay=0.05)]

    with LoopbackServer(flood) as server:
        res = LoopbackResolver(tmp_path, server.address, resolv=QUICK)
        blocking, _, aio, _ = both_drivers(res, ("both", 80, 0, STREAM))
        assert blocking == aio == ["2001:db8::1", "192.0.2.1"]


# --- the asyncio driver's own duties --------------------------------------------------------


class Stall:
    """The longest time the loop kept a ticking task from running (seconds)."""

    def __init__(self) -> None:
        self.longest = 0.0

    async def tick(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            self.longest = max(self.longest, now - last - 0.005)
            last = now


def test_identical_calls_in_flight_share_one_lookup(tmp_path: Path) -> None:
    slow = scripted.Faults(scripted.Authority(_zones()), [{"action": "delay", "seconds": 0.1}])
    with LoopbackServer(slow) as server:
        res = LoopbackResolver(tmp_path, server.address, resolv=QUICK)

        async def main() -> list[Any]:
            calls = [netdb.aio.getaddrinfo("both", 80, 0, STREAM, resolver=res) for _ in range(200)]
            return list(await asyncio.gather(*calls))

        answers = asyncio.run(main())
        assert all(a == answers[0] for a in answers)
        assert len({id(a) for a in answers}) == len(answers)  # each caller its own list
        assert server.queries["udp"] == 2  # one A and one AAAA query for all of them


def test_cancelled_calls_leave_nothing_behind(tmp_path: Path) -> None:
    slow = scripted.Faults(scripted.Authority(_zones()), [{"action": "delay", "seconds": 0.2}])
    names = ["both", "v4only", "v6only", "c3a", "big4", "bigboth", "nodata", "nothere"]
    with LoopbackServer(slow) as server:
        res = LoopbackResolver(tmp_path, server.address, resolv=QUICK)
        before = fds()

        async def main() -> tuple[list[Any], list[Any]]:
            tasks = [
                asyncio.ensure_future(netdb.aio.getaddrinfo(n, 80, 0, STREAM, resolver=res))
                for _ in range(5)
                for n in names
            ]
            await asyncio.sleep(0.05)
            for t in tasks[::2]:
                t.cancel()
            done = await asyncio.gather(*tasks, return_exceptions=True)
            alone = [
                await aoutcome(netdb.aio.getaddrinfo(n, 80, 0, STREAM, resolver=res)) for n in names
            ]
            return list(done), alone

        done, alone = asyncio.run(main())
        assert all(isinstance(d, asyncio.CancelledError) for d in done[::2])
        kept = [
            scripted.summary(d if isinstance(d, list) else ("raise", type(d).__name__, d.args))
            for d in done[1::2]
        ]
        want = [scripted.summary(a) for a in alone]
        assert kept == [want[i % len(names)] for i in range(1, len(done), 2)]
        assert fds() == before
        assert not netdb.aio._IN_FLIGHT


def test_many_names_at_once_take_turns_within_their_deadline(tmp_path: Path) -> None:
    table = scripted.Table(
        {
            (f"n{i}.example.test", wire.A): [
                scripted.rr(f"n{i}.example.test", wire.A, f"192.0.2.{i % 250}")
            ]
            for i in range(2000)
        },
        default=wire.NOERROR,
    )
    with LoopbackServer(table) as server:
        res = LoopbackResolver(tmp_path, server.address, resolv=QUICK)

        async def main() -> tuple[list[Any], float]:
            stall = Stall()
            ticker = asyncio.ensure_future(stall.tick())
            calls = [
                aoutcome(
                    netdb.aio.getaddrinfo(
                        f"n{i}.example.test", 80, socket.AF_INET, STREAM, resolver=res
                    )
                )
                for i in range(2000)
            ]
            got = list(await asyncio.gather(*calls))
            ticker.cancel()
            return got, stall.longest

        # The objects the rest of the suite left behind are set aside for the run, so that a
        # full collection of their heap (0.1 s and more late in the suite) is not counted as
        # the lookups' stall; the lookups' own garbage is collected as ever.
        gc.freeze()
        try:
            got, longest = asyncio.run(main())
        finally:
            gc.unfreeze()
        assert [scripted.summary(g) for g in got] == [[f"192.0.2.{i % 250}"] for i in range(2000)]
        assert longest < 0.25


# --- the defaults: cache, memo and the express lane ---------------------------------------------

SHIPPED = [
    "hosts: files dns\n",
    "hosts: files myhostname dns\n",
    "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n",
    "hosts: files resolve [!UNAVAIL=return] dns myhostname\n",
]


@pytest.mark.parametrize("line", SHIPPED, ids=["plain", "debian", "fedora", "systemd"])
def test_the_defaults_take_the_lane_and_give_glibcs_answers(
    tmp_path: Path, knot: LoopbackServer, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache and the memo on (as the default resolver has them), under the hosts lines
    distributions ship, both drivers answer as the full path does with neither (the core on a
    scripted net: glibc's recorded answers for ``files dns``); the express lane answers most
    lookups, and each of its answers is replayed through the full path (``express.VERIFY``)."""
    monkeypatch.setattr(express, "VERIFY", True)
    res = LoopbackResolver(tmp_path, knot.address, cache=True, memoize=True)
    (tmp_path / "nsswitch.conf").write_text(line)
    rows = [args for args, _, _, _ in ZONE_ROWS if args[0] != "localhost"]  # myhostname's own
    core = scripted.resolver(tmp_path / "core", etc={"nsswitch": line})
    want = [scripted.summary(core.call("getaddrinfo", *args)) for args in rows]
    if line == SHIPPED[0]:
        assert want == [exp for args, _, exp, _ in ZONE_ROWS if args[0] != "localhost"]
    taken = express.STATS["express"]

    async def main() -> list[Any]:
        calls = [netdb.aio.getaddrinfo(*args, resolver=res) for args in rows]
        first = list(await asyncio.gather(*map(aoutcome, calls)))
        again = [await aoutcome(netdb.aio.getaddrinfo(*a, resolver=res)) for a in rows]
        return [first, again]

    first, again = asyncio.run(main())
    assert [scripted.summary(o) for o in first] == want
    assert [scripted.summary(o) for o in again] == want
    assert [scripted.summary(outcome(res.getaddrinfo, *args)) for args in rows] == want
    assert express.STATS["express"] - taken >= 30  # the calls of its shape (34 of them)
