"""netdb across threads, event loops with clocks of their own, and fork; a changed file read by
the asyncio front and a blocking caller at once.

Each test is a defect found by driving netdb the way long-running programs do:

* event loops in several threads finding and reaping their reactors at once;
* a loop whose ``time()`` is not ``time.monotonic()`` (test frameworks' fake clocks): the
  lookup's deadline still ends it, without spinning;
* a fork while another thread holds one of netdb's locks: the child's lookups go on;
* a parse in steps left under way by a cancelled lookup, of a file that has changed since, is not
  installed over the newer file;
* a blocking caller parsing a file in one go does not make the asyncio front wait on its lock.

All run against scripted servers on loopback ports (``tests/loopback.py``) or plain files: no
namespace needed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

import netdb
import netdb.aio
from netdb.config.loader import WatchedFile
from tests import scripted
from tests.loopback import LoopbackServer
from tests.test_aio_loopback import LoopbackResolver, aoutcome, outcome


@pytest.fixture
def knot() -> Generator[LoopbackServer, None, None]:
    with LoopbackServer(scripted.Authority(scripted.fixture_zones())) as server:
        yield server


def test_event_loops_in_many_threads(tmp_path: Path, knot: LoopbackServer) -> None:
    """Eight threads, each running loops that look names up one by one with pauses, so that
    each loop's reactor is made and dropped over and over: reactors are found, made, reaped and
    dropped by all of them at once (the reaper iterated the loops' table while other threads
    changed it)."""
    res = LoopbackResolver(tmp_path, knot.address)
    names = ("both", "v4only", "v6only", "nothere")
    errors: list[BaseException] = []

    def worker() -> None:
        async def main() -> None:
            for i in range(150):
                got = await aoutcome(netdb.aio.getaddrinfo(names[i % 4], 80, resolver=res))
                if isinstance(got, tuple) and got[0] == "raise" and got[1] != "gaierror":
                    raise AssertionError(got)
                if i % 2:
                    await asyncio.sleep(0)

        try:
            for _ in range(3):
                asyncio.run(main())
        except BaseException as exc:  # reported below
            errors.append(exc)

    scripted.in_threads(*[worker] * 8)  # switching often: the race showed within a second
    assert errors == []
    assert not netdb.aio._IN_FLIGHT


class _Clock(asyncio.SelectorEventLoop):
    """A loop whose clock runs ``offset`` seconds away from ``time.monotonic()``."""

    offset = 0.0

    def time(self) -> float:
        return time.monotonic() + self.offset


@pytest.mark.parametrize("offset", [-1000.0, 1000.0])
def test_a_loop_with_its_own_clock_keeps_the_deadline(tmp_path: Path, offset: float) -> None:
    silent = scripted.Table({}, default="drop")
    with LoopbackServer(silent) as server:
        res = LoopbackResolver(tmp_path, server.address)
        loop = _Clock()
        loop.offset = offset
        try:
            started, cpu = time.monotonic(), time.process_time()
            lookup = aoutcome(netdb.aio.getaddrinfo("both", 80, resolver=res, timeout=0.3))
            # (asyncio's own wait_for keeps the loop's clock: the test fails, never hangs)
            got = loop.run_until_complete(asyncio.wait_for(lookup, 3))
            took, spent = time.monotonic() - started, time.process_time() - cpu
        finally:
            loop.close()
    assert scripted.summary(got) == "gaierror -3"
    assert 0.25 <= took < 1.0  # behind: it never ended; ahead: on time, by spinning
    assert spent < 0.2


def _held(lock: Any) -> tuple[threading.Event, threading.Thread]:
    """A thread holding ``lock`` until the event is set."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            release.wait()

    t = threading.Thread(target=hold)
    t.start()
    taken.wait()
    return release, t


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_fork_while_a_thread_holds_netdbs_locks(tmp_path: Path) -> None:
    """The child of a fork made while another thread held a file's, the cache's and the
    install switch's locks still looks up (it waited on them for good)."""
    from netdb import _install

    hosts = tmp_path / "hosts"
    hosts.write_text("192.0.2.200 forked.test\n")
    res = netdb.Resolver(files=netdb.SystemFiles.under(str(tmp_path)), check_interval=0)
    assert res.gethostbyname("forked.test") == "192.0.2.200"
    watched = res._files.watched()["hosts"]
    cache = res.cache
    assert cache is not None
    held = [_held(watched._lock), _held(cache._lock), _held(_install._lock)]
    hosts.write_text("192.0.2.201 forked.test\n")
    pid = os.fork()
    if pid == 0:  # the child: the lookup must not wait on the locks of threads it lacks
        code = 1
        try:
            import signal

            signal.alarm(5)
            ok = res.gethostbyname("forked.test") == "192.0.2.201"
            _install.install(res)
            _install.uninstall()
            cache.clear()
            code = 0 if ok else 2
        finally:
            os._exit(code)
    for release, t in held:
        release.set()
        t.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def _stepped(tmp_path: Path, now: list[float]) -> tuple[Path, WatchedFile[list[str]]]:
    """A file read in steps (one step a word), checked once a second of ``now[0]``."""
    path = tmp_path / "f"

    def steps(text: str | None) -> Generator[None, None, list[str]]:
        words = (text or "").split()
        for _ in words:
            yield
        return words

    return path, WatchedFile(str(path), steps, clock=lambda: now[0])


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _refresh(watched: WatchedFile[list[str]]) -> None:
    for _ in watched.refresh_steps():
        pass


def test_a_parse_left_under_way_is_not_installed_over_a_newer_file(tmp_path: Path) -> None:
    now = [0.0]
    path, watched = _stepped(tmp_path, now)
    _rewrite(path, "v1")
    assert watched.get() == ["v1"]
    now[0] = 10
    _rewrite(path, "v2 a b c d")
    steps = watched.refresh_steps()
    next(steps)
    next(steps)  # a lookup cancelled here leaves the parse of v2 under way
    steps.close()
    now[0] = 20
    _rewrite(path, "v3 x")
    assert watched.get() == ["v3", "x"]  # a blocking call reads v3 ...
    _refresh(watched)  # ... and the asyncio front does not bring v2 back
    assert watched.get() == ["v3", "x"]
    # Without a blocking call in between: the next stepped refresh starts afresh.
    now[0] = 30
    _rewrite(path, "v4 a b c d")
    steps = watched.refresh_steps()
    next(steps)
    steps.close()
    now[0] = 40
    _rewrite(path, "v5")
    _refresh(watched)
    assert watched.get() == ["v5"]


def test_the_asyncio_front_does_not_wait_on_a_blocking_parse(tmp_path: Path) -> None:
    """While another thread holds the file (a get() parsing it in one go), a stepped refresh
    pauses (yields True) instead of blocking on the lock, and finishes once it is free."""
    path, watched = _stepped(tmp_path, [0.0])
    _rewrite(path, "a b")
    release, t = _held(watched._lock)
    steps = watched.refresh_steps()
    paused: list[bool] = []
    stepping = threading.Thread(target=lambda: paused.extend([next(steps), next(steps)]))
    try:
        stepping.start()
        stepping.join(2)  # (it used to wait on the lock: the test fails, never hangs)
        assert not stepping.is_alive() and paused == [True, True]
    finally:
        release.set()
        t.join()
        stepping.join()
    assert list(steps) == [False, False]  # two words, a pause after each step taken
    assert watched.get() == ["a", "b"]


# --- a signal handler's lookup, in the middle of the thread's own ------------------------------

# A Python signal handler runs between two bytecodes of the code it interrupts: glibc's lookup is
# one C call (the handler waits for it), netdb's is Python (the handler comes in).  Here the
# interrupted lookup is stood for by its locks held in the thread that then looks up again.
REENTRY = """
import sys
import netdb
from netdb._io import ifaddrs
from netdb._io.watch import WATCH

res = netdb.Resolver(files=netdb.SystemFiles.under(sys.argv[1]), check_interval=0)
held = [res._files.watched()["hosts"]._lock, res.cache._lock, WATCH._lock, ifaddrs._nets_lock]
for lock in held:
    lock.acquire()
print(res.gethostbyname("reentry.test"), res.getaddrinfo("reentry.test", 80)[0][4])
"""


def test_a_lookup_made_while_the_thread_holds_netdbs_locks(tmp_path: Path) -> None:
    """(It waited for good on the thread's own non-re-entrant lock.)"""
    import subprocess

    (tmp_path / "hosts").write_text("192.0.2.7 reentry.test\n")
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    proc = subprocess.run(
        [sys.executable, "-c", REENTRY, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "192.0.2.7 ('192.0.2.7', 80)\n"), proc.stderr


def test_the_kernel_watch_while_the_thread_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler's lookup finds this thread's poll object in use (``concurrent poll()
    invocation``): the watch reads its socket instead."""
    from netdb._io.watch import WATCH

    class Busy:
        def poll(self, timeout: int) -> list[tuple[int, int]]:
            raise RuntimeError("concurrent poll() invocation")

    before = WATCH.generation()
    monkeypatch.setattr(WATCH, "_poller", lambda: Busy())
    assert WATCH.generation() >= before


def test_a_probe_made_between_a_probes_connect_and_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread's probe socket is out of the table while it probes: a nested probe gets a
    socket of its own (it re-connected the same one before the outer probe read its name)."""
    from netdb._io import route

    used: list[int] = []
    real = route._probe

    def probe(sock: Any, family: int, dst: bytes, scope_id: int) -> bytes | None:
        used.append(id(sock))
        if len(used) == 1:
            assert route.source_address(family, bytes([127, 0, 0, 2])) == bytes([127, 0, 0, 1])
        return real(sock, family, dst, scope_id)

    monkeypatch.setattr(route, "_probe", probe)
    assert route.source_address(socket.AF_INET, bytes([127, 0, 0, 1])) == bytes([127, 0, 0, 1])
    assert len(used) == 2 and used[0] != used[1]


def test_the_loops_lookups_leave_the_threads_h_errno(tmp_path: Path, knot: LoopbackServer) -> None:
    """Under install(), loop.getaddrinfo/getnameinfo and the aiohttp resolver answer in the
    loop's thread what glibc answers in the loop's executor: the loop thread's h_errno (what a
    later gethostbyname_ex there reports) stays as it was."""
    import netdb.aiohttp

    res = LoopbackResolver(tmp_path, knot.address)
    with netdb.installed(res):
        res._set_h_errno(1)

        async def main() -> None:
            loop = asyncio.get_running_loop()
            await loop.getaddrinfo("both", 80)
            await aoutcome(loop.getaddrinfo("nodata", 80))
            await loop.getnameinfo(("127.0.0.1", 80))
            await netdb.aiohttp.Resolver(resolver=res).resolve("both", 80)

        asyncio.run(main())
        assert res.h_errno == 1
        # netdb.aio's own calls leave it as the blocking ones do
        asyncio.run(aoutcome(netdb.aio.getaddrinfo("nodata", 80, resolver=res)))
        assert res.h_errno == 4


def test_a_long_search_walk_from_the_cache_lets_the_loop_run(
    tmp_path: Path, knot: LoopbackServer
) -> None:
    """3,000 search domains, every one NXDOMAIN and cached: the walk makes no I/O, and pauses
    every 256 domains so that the loop runs meanwhile (it held the loop for the whole walk)."""
    from tests.test_aio_loopback import Stall

    domains = " ".join(f"d{i}.test" for i in range(3000))
    res = LoopbackResolver(
        tmp_path, knot.address, resolv=f"search {domains}\noptions ndots:2\n", cache=True
    )
    assert outcome(res.gethostbyname, "nothere") == (
        "raise",
        "gaierror",
        (-2, "Name or service not known"),
    )

    async def walk() -> tuple[float, float]:
        stall = Stall()
        ticker = asyncio.ensure_future(stall.tick())
        await asyncio.sleep(0.02)
        started = time.monotonic()
        await aoutcome(netdb.aio.gethostbyname("nothere", resolver=res))
        took = time.monotonic() - started
        await asyncio.sleep(0.01)
        ticker.cancel()
        return took, stall.longest

    took, longest = asyncio.run(walk())
    assert longest < took / 3, (took, longest)
