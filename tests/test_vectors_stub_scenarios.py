"""../shared/vectors/dns_stub_scenarios.json as tests: scripted in-process, and against glibc.

The vector file holds scenario specs for a fake DNS server (glibc's ``tst-resolv-search``, Go's
``TestStrictErrorsLookupIP``, 27 scenario summaries).  ``tests/sandbox/stubworlds.py`` turns each
into a *world*: a resolv.conf, handlers for the servers, the lookups it makes.  Two layers use
the same worlds:

1. In process (:mod:`tests.scripted`, no sockets): the handlers answer netdb's core through a
   :class:`~tests.scripted.Net`; each scenario's claims are asserted: the name found, the
   addresses, the error, which queries went where over which transport.
2. In the sandbox: the same handlers served on 127.0.0.11-13 port 53 inside the namespace;
   glibc's and netdb's whole outcomes compared for every lookup, and the queries each asked
   (the server's log: glibc's queries then netdb's must be the same list twice).

Where the spec states Go's or c-ares's behaviour and glibc differs, glibc is the rule: layer 1
then asserts glibc's outcome as layer 2 recorded it, and says so in the table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest

from tests.sandbox import stubworlds
from tests.sandbox.harness import COUNTS, Sandbox, Scenario, unavailable_reason

DATA = stubworlds.load()
WORLDS = stubworlds.worlds(DATA) if DATA is not None else {}
NO_VECTORS = f"upstream vectors not found at {stubworlds.VECTORS}"
IDS = list(WORLDS) or ["no-vectors"]
NSSWITCH = "hosts: dns\n"
SERVICES = "http 80/tcp\nhttp 80/udp\n"
PARALLEL = 10


def _skip_without_vectors() -> None:
    if DATA is None:
        pytest.skip(NO_VECTORS)


# --- layer 2: glibc and netdb against the same servers in the sandbox ----------------------------


@dataclass
class Live:
    """One lookup in the sandbox: both outcomes and the queries the server saw during it."""

    func: str
    args: tuple[Any, ...]
    glibc: str
    netdb: str
    log: list[dict[str, Any]]


def _start_server(box: Sandbox, world: str, tmp: Path) -> int:
    log = tmp / "log"
    log.touch()
    cmd = (
        f"{sys.executable} -I {Path(stubworlds.__file__)} {world} {stubworlds.VECTORS} {log} "
        f"{box.proc.pid} </dev/null >{tmp / 'out'} 2>&1 &"
    )
    rc, _, err = box.run("sh", "-c", cmd)
    assert rc == 0, err
    deadline = time.monotonic() + 15
    while not (tmp / "ready").exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"server for {world} did not start: {(tmp / 'out').read_text()}")
        time.sleep(0.02)
    return int((tmp / "ready").read_text())


def _run_world(world: stubworlds.World) -> list[Live]:
    scenario = Scenario(
        f"stub-{world.id}",
        files={
            "resolv.conf": world.resolv,
            "nsswitch.conf": NSSWITCH,
            "hosts": "",
            "services": SERVICES,
        },
    )
    out: list[Live] = []
    with TemporaryDirectory(prefix="netdb-stub-") as name, Sandbox(scenario) as box:
        tmp = Path(name)
        pid = _start_server(box, world.id, tmp)
        # The DNS cache is netdb's documented difference: off, netdb asks what glibc asks (a
        # gethostbyname_ex asks twice, as CPython's setipaddr and glibc's gethostbyname_r do).
        box.inspect("setattr(netdb._default_resolver(), 'cache', None)")
        assert box.inspect("netdb._default_resolver().cache") == "None"
        # glibc's first DNS lookup in a process can end differently from every later one (seen:
        # EAI_NODATA once, then EAI_NONAME, for the same SERVFAIL-in-search lookup); one lookup
        # first, its outcome and queries not compared, so each row meets glibc in its usual state.
        box.outcomes("gethostbyname", "warm-up.invalid.")
        try:
            with (tmp / "log").open() as log:
                log.read()
                for func, args in world.lookups:
                    box.reset()  # netdb's cache and memo off: every lookup asks the server
                    glibc, ours = box.outcomes(func, *args)
                    lines = [json.loads(line) for line in log.read().splitlines()]
                    out.append(Live(func, args, glibc, ours, lines))
        finally:
            subprocess.run(["kill", str(pid)], check=False)
    return out


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, list[Live] | BaseException]]:
    """Every world's lookups in its own sandbox, worlds run side by side (most of the time is
    spent waiting for timeouts)."""
    _skip_without_vectors()
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"differential sandbox unavailable: {reason}")
    results: dict[str, list[Live] | BaseException] = {}
    lock = threading.Lock()

    def one(world: stubworlds.World) -> None:
        try:
            got: list[Live] | BaseException = _run_world(world)
        except BaseException as exc:  # reported by the world's own test
            got = exc
        with lock:
            results[world.id] = got

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(one, WORLDS.values()))
    for runs in results.values():
        if isinstance(runs, list):
            for run in runs:
                COUNTS[run.func] += 1
    yield results


def _queries(entries: list[dict[str, Any]]) -> list[str]:
    """One line a query: server (last octet), transport, type, name, EDNS payload, AD, no RD."""
    out = []
    for e in entries:
        if e.get("unreadable") or e.get("error"):
            out.append(f"{e['server']} {e['transport']} {e.get('error', 'unreadable')}")
            continue
        text = f"{e['server'].rsplit('.', 1)[-1]} {e['transport']} {e['qtype']} {e['name']}"
        text += f" edns={e['edns']}" if e["edns"] is not None else ""
        text += " ad" if e["ad"] else ""
        text += "" if e["rd"] else " no-rd"
        out.append(text)
    return out


@pytest.mark.parametrize("world_id", IDS)
def test_live_against_glibc(live: dict[str, list[Live] | BaseException], world_id: str) -> None:
    runs = live[world_id]
    if isinstance(runs, BaseException):
        raise runs
    world = WORLDS[world_id]
    problems = []
    for run in runs:
        call = f"{run.func}{run.args!r}"
        if run.netdb != run.glibc:
            problems.append(f"{call}\n    glibc: {run.glibc}\n    netdb: {run.netdb}")
        asked = _queries(run.log)
        half = len(asked) // 2
        if world.ordered and (len(asked) % 2 or asked[:half] != asked[half:]):
            problems.append(
                f"{call}: queries differ (glibc's first, then netdb's):\n      "
                + "\n      ".join(asked)
            )
    assert not problems, f"[{world_id}]\n  " + "\n  ".join(problems)
