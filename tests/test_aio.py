"""netdb.aio in the sandbox: glibc's answers, no threads, deadlines, cancellation, sharing.

Each test runs a small asyncio program inside a DNS sandbox (Knot behind the fault proxy, see
``tests/sandbox``) and checks what it printed, plus what the proxy saw.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario
from tests.test_differential_dns import scenario
from tests.test_faults_dns import FAULTS

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

AIO = scenario(
    "aio",
    resolv="nameserver 127.0.0.3\nsearch example.test\noptions timeout:2 attempts:2\n",
)

PRELUDE = """
import asyncio, json, os, socket, sys, threading, time
import netdb, netdb.aio, netdb.express

# Every answer of the express lane is checked against the full path replayed on its record.
netdb.express.VERIFY = True

def fds():
    return len(os.listdir("/proc/self/fd"))

def outcome(fn, *args):
    try:
        return "ok " + repr(fn(*args))
    except Exception as exc:
        return f"raise {type(exc).__name__} {exc.args!r}"

async def aoutcome(coro):
    try:
        return "ok " + repr(await coro)
    except Exception as exc:
        return f"raise {type(exc).__name__} {exc.args!r}"
"""


def run(box: Sandbox, body: str) -> dict[str, Any]:
    code = PRELUDE + textwrap.dedent(body)
    rc, out, err = box.run(sys.executable, "-c", code)
    assert rc == 0, err
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def test_same_answers_as_glibc_concurrently_without_threads(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    box = sandboxes(AIO)
    box.fault([])
    got = run(
        box,
        """
        names = ["both", "v4only", "v6only", "c3a", "nothere", "nodata", "big4", "x.wildc",
                 "bigboth", "onlysub", "tobad", "infiles", "localhost", "MiXeD"]
        calls = []
        for n in names:
            calls.append(("getaddrinfo", (n, 80, 0, socket.SOCK_STREAM)))
            calls.append(("gethostbyname_ex", (n,)))
        for a in ["192.0.2.1", "2001:db8::6", "192.0.2.99", "198.51.100.2"]:
            calls.append(("gethostbyaddr", (a,)))
            calls.append(("getnameinfo", ((a, 80), socket.NI_NAMEREQD)))
        glibc = [outcome(getattr(socket, f), *a) for f, a in calls]
        threads = threading.active_count()
        async def main():
            r = netdb.Resolver(cache=False, memoize=False)
            return await asyncio.gather(
                *(aoutcome(getattr(netdb.aio, f)(*a, resolver=r)) for f, a in calls)
            )
        ours = asyncio.run(main())
        print(json.dumps({"glibc": glibc, "ours": ours, "lane": netdb.express.STATS,
                          "threads": [threads, threading.active_count()]}))
        """,
    )
    assert got["ours"] == got["glibc"]
    assert got["threads"][0] == got["threads"][1]
    # The plain names went through the express lane (checked by VERIFY); names it does not
    # answer ("nothere", "nodata", CNAME chains) were handed over after their I/O.
    assert got["lane"]["express"] >= 3 and got["lane"]["handed_over"] >= 3


def test_deadline_cuts_a_silent_server_short(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(AIO)
    box.fault([{"name": "both.example.test", "action": "drop"}])
    try:
        got = run(
            box,
            """
            async def main():
                t = time.monotonic()
                res = await aoutcome(netdb.aio.getaddrinfo("both.example.test", 80, timeout=0.3))
                return res, time.monotonic() - t
            before = fds()
            res, took = asyncio.run(main())
            r = netdb.Resolver(lifetime=0.3)
            t = time.monotonic()
            sync = outcome(r.getaddrinfo, "both.example.test", 80)
            print(json.dumps({"res": res, "took": took, "sync": sync,
                              "sync_took": time.monotonic() - t, "fds": [before, fds()]}))
            """,
        )
    finally:
        box.fault([])
    # glibc here would wait timeout:2 x attempts:2 = 4 s; the deadline stops it at 0.3 s.
    assert got["res"] == "raise gaierror (-3, 'Temporary failure in name resolution')"
    assert got["sync"] == got["res"]
    assert got["took"] < 1.5 and got["sync_took"] < 1.5
    assert got["fds"][0] == got["fds"][1]


def test_cancel_leaves_no_socket_and_no_task(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(AIO)
    box.fault([{"name": "example.test", "action": "drop"}])
    try:
        got = run(
            box,
            """
            async def main():
                before = fds()
                tasks = [asyncio.ensure_future(netdb.aio.getaddrinfo(f"n{i}.wild.example.test", 80))
                         for i in range(50)]
                await asyncio.sleep(0.2)
                during = fds()
                for t in tasks:
                    t.cancel()
                results = await asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.sleep(0)
                cancelled = sum(isinstance(r, asyncio.CancelledError) for r in results)
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                return [before, during, fds()], cancelled, len(others)
            counts, cancelled, others = asyncio.run(main())
            print(json.dumps({"fds": counts, "cancelled": cancelled, "others": others}))
            """,
        )
    finally:
        box.fault([])
    before, during, after = got["fds"]
    assert during >= before + 50  # one socket per lookup in flight
    assert after == before
    assert got["cancelled"] == 50 and got["others"] == 0


def test_identical_lookups_in_flight_share_one(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(AIO)
    box.fault([{"name": "both.example.test", "action": "delay", "seconds": 0.2}])
    try:
        got = run(
            box,
            """
            async def main():
                r = netdb.Resolver(cache=False, memoize=False)
                return await asyncio.gather(
                    *(aoutcome(netdb.aio.getaddrinfo("both.example.test", 80, resolver=r))
                      for _ in range(100))
                )
            results = asyncio.run(main())
            print(json.dumps({"distinct": sorted(set(results))}))
            """,
        )
        log = box.fault_log()
    finally:
        box.fault([])
    assert len(got["distinct"]) == 1 and "192.0.2.1" in got["distinct"][0]
    assert len([e for e in log if e["name"] == "both.example.test"]) == 2  # one A, one AAAA


def test_a_cancelled_caller_leaves_the_shared_lookup_to_the_others(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    """Identical lookups share one; cancelling the caller that started it stops only that caller,
    the others get glibc's answer; when every caller is cancelled, the sockets close."""
    box = sandboxes(AIO)
    box.fault([{"name": "both.example.test", "action": "delay", "seconds": 0.3}])
    try:
        got = run(
            box,
            """
            async def main():
                r = netdb.Resolver(cache=False, memoize=False)
                name = "both.example.test"
                # Warm up: the process-wide netlink watch opens on the first sorted answer.
                await netdb.aio.getaddrinfo(name, 80, resolver=netdb.Resolver(cache=False))
                before = fds()
                first = asyncio.ensure_future(netdb.aio.getaddrinfo(name, 80, resolver=r))
                await asyncio.sleep(0.05)
                rest = [asyncio.ensure_future(aoutcome(netdb.aio.getaddrinfo(name, 80, resolver=r)))
                        for _ in range(3)]
                await asyncio.sleep(0.05)
                first.cancel()
                answers = await asyncio.gather(*rest)
                try:
                    await first
                    first_ended = "answered"
                except asyncio.CancelledError:
                    first_ended = "cancelled"
                after_answer = fds()
                lone = [asyncio.ensure_future(netdb.aio.getaddrinfo(name, 80, resolver=r))
                        for _ in range(2)]
                await asyncio.sleep(0.05)
                during = fds()
                for t in lone:
                    t.cancel()
                await asyncio.gather(*lone, return_exceptions=True)
                await asyncio.sleep(0)
                return answers, first_ended, [before, after_answer, during, fds()]
            answers, first_ended, counts = asyncio.run(main())
            print(json.dumps({"answers": answers, "first": first_ended, "fds": counts,
                              "glibc": outcome(socket.getaddrinfo, "both.example.test", 80)}))
            """,
        )
        log = box.fault_log()
    finally:
        box.fault([])
    assert got["first"] == "cancelled"
    assert got["answers"] == [got["glibc"]] * 3 and "192.0.2.1" in got["glibc"]
    before, after_answer, during, after_cancel = got["fds"]
    assert after_answer == before and during > before and after_cancel == before
    # A and AAAA for: the warm-up, the four callers, the two cancelled ones, glibc.
    assert len([e for e in log if e["name"] == "both.example.test"]) == 8


@pytest.mark.parametrize(
    ("box_scenario", "rules", "cases"),
    [pytest.param(s, r, c, id=i) for i, s, r, c in FAULTS],
)
def test_faults_end_as_the_blocking_driver_ends(
    sandboxes: Callable[[Scenario], Sandbox],
    box_scenario: Scenario,
    rules: list[dict[str, Any]],
    cases: list[tuple[str, tuple[Any, ...]]],
) -> None:
    """Every fault of the proxy (drops, delays, truncation to TCP, closed TCP, garbage, wrong IDs
    and questions, other sources, RCODEs): the coroutine ends exactly as the blocking call, each
    on a fresh resolver (no sticky state, no cache), and opens no thread."""
    box = sandboxes(box_scenario)
    box.fault(rules)
    try:
        got = run(
            box,
            f"""
            def tuples(value):
                return tuple(map(tuples, value)) if isinstance(value, list) else value
            cases = [(f, tuples(a)) for f, a in json.loads({json.dumps(cases)!r})]
            def fresh():
                return netdb.Resolver(cache=False, memoize=False)
            async def main():
                rows = []
                for func, args in cases:
                    sync = outcome(getattr(fresh(), func), *args)
                    coro = getattr(netdb.aio, func)(*args, resolver=fresh())
                    rows.append([func, sync, await aoutcome(coro)])
                return rows
            threads = threading.active_count()
            rows = asyncio.run(main())
            print(json.dumps({{"rows": rows, "threads": [threads, threading.active_count()]}}))
            """,
        )
    finally:
        box.fault([])
    assert got["threads"][0] == got["threads"][1]
    assert len(got["rows"]) == len(cases)
    for func, sync, coro in got["rows"]:
        assert coro == sync, func


def test_h_errno_left_as_the_blocking_calls_leave_it(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    """CPython's gethostbyname_ex/gethostbyaddr report glibc's thread-global h_errno as it was
    left by earlier lookups; each coroutine leaves it as its blocking twin does, files-only and
    DNS lookups alike, failures included (issue 9: herror(0) where glibc says herror(1))."""
    box = sandboxes(AIO)
    box.fault([])
    got = run(
        box,
        """
        probe = ("gethostbyname_ex", ("::ffff:10.0.0.1",))
        steps = [
            ("gethostbyname_ex", ("nothere",)),
            ("getaddrinfo", ("both", 80)),
            ("getaddrinfo", ("nodata", 80)),
            ("gethostbyname", ("nothere",)),
            ("getaddrinfo", ("infiles", 80)),
            ("gethostbyname_ex", ("both",)),
            ("gethostbyaddr", ("::",)),
            ("getaddrinfo", ("localhost", 80)),
            ("gethostbyaddr", ("127.0.0.1",)),
            # Reverse DNS last: after a failed PTR query h_errno is HOST_NOT_FOUND.
            ("gethostbyaddr", ("192.0.2.99",)),
            ("getnameinfo", (("192.0.2.99", 80), socket.NI_NAMEREQD)),
            ("getfqdn", ("192.0.2.99",)),
        ]
        calls = [probe]
        for step in steps:
            calls += [step, probe, ("gethostbyaddr", ("::",))]

        def in_thread(fn):
            box = []
            t = threading.Thread(target=lambda: box.append(fn()))
            t.start()
            t.join()
            return box[0]

        glibc = in_thread(lambda: [outcome(getattr(socket, f), *a) for f, a in calls])
        r = netdb.Resolver(cache=False)
        sync = in_thread(lambda: [outcome(getattr(r, f), *a) for f, a in calls])

        async def main():
            r = netdb.Resolver(cache=False)
            return [await aoutcome(getattr(netdb.aio, f)(*a, resolver=r)) for f, a in calls]

        ours = in_thread(lambda: asyncio.run(main()))
        print(json.dumps({"glibc": glibc, "sync": sync, "ours": ours}))
        """,
    )
    herrors = {g for g in got["glibc"] if g.startswith("raise herror")}
    assert len(herrors) >= 3  # the probe's h_errno does change along the way
    assert got["ours"] == got["sync"] == got["glibc"]


SHIPPED_LINES = {
    "debian": "hosts: files myhostname dns\n",
    "fedora": "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n",
    "systemd": "hosts: files resolve [!UNAVAIL=return] dns myhostname\n",
    "plain": "hosts: files dns\n",
}


@pytest.mark.parametrize("line", sorted(SHIPPED_LINES))
def test_express_lane_under_the_defaults(
    sandboxes: Callable[[Scenario], Sandbox], line: str
) -> None:
    """The defaults people run take the lane (the default resolver with its cache and memo,
    the hosts lines distributions ship, the calls asyncio.open_connection and aiohttp make:
    family 0, AF_INET or AF_INET6, type 0 or SOCK_STREAM, flags 0 or AI_ADDRCONFIG),
    and every answer equals glibc's; VERIFY replays each lane answer through the full path."""
    box = sandboxes(AIO)
    box.fault([])
    box.write("nsswitch.conf", SHIPPED_LINES[line])
    try:
        got = run(
            box,
            """
            names = ["both", "v4only", "v6only", "c3a", "nothere", "nodata", "bigboth",
                     "infiles", "localhost", "sandbox", "MiXeD", "both"]
            calls = []
            for n in names:
                for family in (0, socket.AF_INET, socket.AF_INET6):
                    for flags in (0, socket.AI_ADDRCONFIG):
                        for kind in (0, socket.SOCK_STREAM):
                            calls.append(("getaddrinfo", (n, 443, family, kind, 0, flags)))
            glibc = [outcome(socket.getaddrinfo, *a) for _, a in calls]
            sync = [outcome(netdb.getaddrinfo, *a) for _, a in calls]
            netdb._reset_default_resolver()
            async def main():
                lookups = (aoutcome(netdb.aio.getaddrinfo(*a)) for _, a in calls)
                return await asyncio.gather(*lookups)
            ours = asyncio.run(main())
            print(json.dumps({"glibc": glibc, "sync": sync, "ours": ours,
                              "lane": netdb.express.STATS}))
            """,
        )
    finally:
        box.write("nsswitch.conf", "hosts: files dns\n")
        box.reset()
    assert got["sync"] == got["glibc"]
    assert got["ours"] == got["glibc"]
    assert got["lane"]["express"] >= 24


def test_lookups_take_turns_within_their_deadlines(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    """At most MAX_TALKING lookups of a loop talk to servers at once; the others wait their
    turn, first come first served, and one whose deadline passes in the queue ends as a lookup
    cut short by its deadline does.  All 1,000 of a burst are answered (none of their queries
    lost to the server's full socket buffer), with the same answers as glibc."""
    box = sandboxes(AIO)
    box.fault([{"name": "slow.wild.example.test", "action": "delay", "seconds": 0.3}])
    try:
        got = run(
            box,
            """
            talking = netdb.aio.MAX_TALKING
            names = [f"n{i}.wild.example.test" for i in range(1000)]
            glibc = [outcome(socket.getaddrinfo, n, 80, 0, socket.SOCK_STREAM) for n in names]
            peak = [0]

            async def ticker():
                base = fds()
                while True:
                    peak[0] = max(peak[0], fds() - base)
                    await asyncio.sleep(0)

            async def burst():
                r = netdb.Resolver(cache=False, memoize=False)
                # A sorted answer first: the sort's probe sockets (one per family, kept) and the
                # kernel watch are open before the count starts.
                await netdb.aio.getaddrinfo("n0.wild.example.test", 80, resolver=r)
                tick = asyncio.ensure_future(ticker())
                ours = await asyncio.gather(*(
                    aoutcome(netdb.aio.getaddrinfo(n, 80, type=socket.SOCK_STREAM, resolver=r))
                    for n in names))
                tick.cancel()
                return ours

            ours = asyncio.run(burst())
            lane = dict(netdb.express.STATS)
            # Two at a time, each held 0.3 s by the server: the deadline (0.5 s) passes for the
            # later ones while they wait their turn.
            netdb.aio.MAX_TALKING = 2
            async def queue():
                r = netdb.Resolver(cache=False, memoize=False)
                t = time.monotonic()
                out = await asyncio.gather(*(
                    aoutcome(netdb.aio.getaddrinfo("slow.wild.example.test", i + 1, timeout=0.5,
                                                   resolver=r)) for i in range(8)))
                return out, time.monotonic() - t
            slow, took = asyncio.run(queue())
            print(json.dumps({"talking": talking, "glibc": glibc, "ours": ours, "peak": peak[0],
                              "slow": slow, "took": took, "lane": lane}))
            """,
        )
    finally:
        box.fault([])
    assert got["ours"] == got["glibc"]
    assert got["lane"]["handed_over"] == 0  # nothing lost: every lookup answered in the lane
    # Open descriptors beyond the lookups' sockets: the reactor's epoll set, and one to spare
    # (without turns, a burst opens up to a thousand).
    assert 0 < got["peak"] <= got["talking"] + 2
    answered = [s for s in got["slow"] if s.startswith("ok")]
    expired = [s for s in got["slow"] if s.startswith("raise")]
    assert 2 <= len(answered) < 8
    assert set(expired) == {"raise gaierror (-3, 'Temporary failure in name resolution')"}
    assert got["took"] < 1.0
