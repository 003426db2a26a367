"""Lookups against a server that sends replies built to make decoders work, against glibc.

The fault proxy (``tests/sandbox/faultproxy.py``, action ``hostile``) answers with the shapes of
``tests/sandbox/hostile.py``: 64 KB of compression-pointer chains, runs of labels pointed into
everywhere, pointer loops, thousands of chained questions; over UDP, and over TCP after a
truncated UDP reply.  For each:

* netdb's outcome equals glibc's (glibc reads these replies in 0.1-0.2 s);
* a lookup ends by its deadline: ``Resolver(lifetime=...)`` and ``netdb.aio`` with ``timeout=``,
  while the other query of the pair is never answered;
* the asyncio loop is never held for :data:`MAX_STALL` or more (a ticker task that wants to run
  every 5 ms measures it).

Before the decoders kept a memo per message, such a reply held a lookup (and the asyncio loop)
for 3 to 16 seconds.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox import dnsservers, hostile
from tests.sandbox.harness import Sandbox
from tests.test_differential_dns import compare
from tests.test_faults_dns import PROXIED

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

A, PTR, AAAA = 1, 12, 28
DEADLINE = 0.5
SLACK = 0.25
MAX_STALL = 0.1
PROBE = str(Path(__file__).parent / "sandbox" / "hostile_probe.py")


def _rules(name: str, shape: str, transport: str, qtype: int | None = None) -> list[dict[str, Any]]:
    rule: dict[str, Any] = {"name": name, "action": "hostile", "shape": shape}
    if qtype is not None:
        rule["qtype"] = qtype
    if transport == "udp":
        return [{**rule, "transport": "udp"}]
    truncate: dict[str, Any] = {"name": name, "transport": "udp", "action": "truncate"}
    if qtype is not None:
        truncate["qtype"] = qtype
    return [truncate, {**rule, "transport": "tcp"}]


CASES = [
    pytest.param(shape, transport, id=f"{shape}-{transport}")
    for shape in hostile.SHAPES
    for transport in ("udp", "tcp")
]


@pytest.mark.parametrize(("shape", "transport"), CASES)
def test_same_outcome_as_glibc(
    sandboxes: Callable[[Any], Sandbox], shape: str, transport: str
) -> None:
    box = sandboxes(PROXIED)
    forward = [
        ("getaddrinfo", ("both.example.test", 80, 0, socket.SOCK_STREAM)),
        ("getaddrinfo", ("both.example.test", 80, socket.AF_INET, 0, 0, socket.AI_CANONNAME)),
        ("gethostbyname_ex", ("both.example.test",)),
        ("gethostbyname", ("both.example.test",)),
    ]
    reverse = [
        ("gethostbyaddr", ("192.0.2.1",)),
        ("getnameinfo", (("192.0.2.1", 80), socket.NI_NAMEREQD)),
    ]
    try:
        box.fault(_rules("both.example.test", shape, transport))
        compare(box, iter(forward))
        box.fault(_rules("in-addr.arpa", shape, transport))
        compare(box, iter(reverse))
        log = box.fault_log()
    finally:
        box.fault([])
    assert any(entry["action"] == "hostile" and entry["transport"] == transport for entry in log)


def _probe(box: Sandbox, func: str, arg: str, *more: str) -> dict[str, Any]:
    rc, out, err = box.run(sys.executable, PROBE, func, arg, str(DEADLINE), *more)
    assert rc == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.mark.parametrize(("shape", "transport"), CASES)
def test_lookup_ends_by_its_deadline_and_never_holds_the_loop(
    sandboxes: Callable[[Any], Sandbox], shape: str, transport: str
) -> None:
    """The A reply is hostile and the AAAA query never answered: the lookup waits for it until
    its deadline (resolv.conf says 1 s per try; the deadline is 0.5 s)."""
    box = sandboxes(PROXIED)
    name = "both.example.test"
    rules = [
        *_rules(name, shape, transport, qtype=A),
        {"name": name, "qtype": AAAA, "action": "drop"},
    ]
    try:
        box.fault(rules)
        found = _probe(box, "getaddrinfo", name)
        log = box.fault_log()
    finally:
        box.fault([])
    assert any(entry["action"] == "hostile" for entry in log), log
    for mode in ("sync", "aio"):
        assert found[mode]["seconds"] < DEADLINE + SLACK, (mode, found)
    assert found["aio"]["max_gap"] < MAX_STALL, found


@pytest.mark.parametrize("shape", hostile.SHAPES)
def test_reverse_lookup_ends_by_its_deadline(
    sandboxes: Callable[[Any], Sandbox], shape: str
) -> None:
    """Every PTR reply hostile, over TCP after truncation: whatever it says, the lookup ends in
    time and the loop keeps running."""
    box = sandboxes(PROXIED)
    try:
        box.fault(_rules("in-addr.arpa", shape, "tcp"))
        found = _probe(box, "gethostbyaddr", "192.0.2.1")
    finally:
        box.fault([])
    for mode in ("sync", "aio"):
        assert found[mode]["seconds"] < DEADLINE + SLACK, (mode, found)
    assert found["aio"]["max_gap"] < MAX_STALL, found
    assert found["sync"]["outcome"] == found["aio"]["outcome"]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_thousands_of_addresses_answered_in_time(
    sandboxes: Callable[[Any], Sandbox], transport: str
) -> None:
    """Both replies hold nothing but answers (``addresses``: 4,093 A and 2,339 AAAA records in
    64 KB over TCP, a few less in the largest datagram): the lookup takes every one, each for
    three socket types, sorts and returns them within its deadline, and holds the loop for
    less than :data:`MAX_STALL` (the best of three tries: a busy machine's pause is not the
    lookup's).  The order is made in steps (``netdb.steps``: probes, descriptions and the sort
    in slices) with the loop free between them.  The asyncio lookup goes first, so that it
    finds no order the other left."""
    box = sandboxes(PROXIED)
    name = "both.example.test"
    try:
        box.fault(_rules(name, "addresses", transport))
        gaps = _stalls(box, name)
    finally:
        box.fault([])
    assert min(gaps) < MAX_STALL, gaps


def _stalls(box: Sandbox, name: str) -> list[float]:
    """The longest the asyncio loop was held by getaddrinfo(``name``, 80), over up to three
    tries (until one stays under :data:`MAX_STALL`: a busy machine's pause is not the
    lookup's); every try, blocking and asyncio, answers within its deadline."""
    gaps: list[float] = []
    for _ in range(3):
        found = _probe(box, "getaddrinfo", name, "aio-first")
        for mode in ("sync", "aio"):
            assert found[mode]["outcome"] == "ok", found
            assert found[mode]["seconds"] < DEADLINE + SLACK, (mode, found)
        gaps.append(found["aio"]["max_gap"])
        if gaps[-1] < MAX_STALL:
            break
    return gaps


MERGED = PROXIED.with_files(
    "proxied-127-global", gai_conf="scopev4 ::ffff:127.0.0.0/104 14\nscopev4 ::/0 14\n"
)
"""The proxied scenario with a gai.conf that gives 127/8 global scope: 127.x.y.z and
::ffff:127.x.y.z destinations then tie on RFC 6724 rules 1-8, and rule 9 compares no IPv4
address with an IPv6 one, so the comparison is not transitive and only glibc's merge sort says
what the order is."""


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_thousands_of_addresses_merge_sorted_as_glibc_sorts_them(
    sandboxes: Callable[[Any], Sandbox], transport: str
) -> None:
    """Replies of thousands of 127/8 addresses, as A records and IPv4-mapped AAAA ones
    (``mapped``), under :data:`MERGED`: netdb's order of the whole answer list (up to three
    entries per address, 19,000 in all over TCP) is glibc's merge sort's, entry for entry, and
    the asyncio lookup that makes it in steps holds the loop less than :data:`MAX_STALL` (the
    best of three tries)."""
    box = sandboxes(MERGED)
    name = "both.example.test"
    calls = [
        ("getaddrinfo", (name, 80, 0, socket.SOCK_STREAM)),
        ("getaddrinfo", (name, 80)),
        ("getaddrinfo", (name, 80, socket.AF_INET6, 0, 0, socket.AI_V4MAPPED | socket.AI_ALL)),
    ]
    try:
        box.fault(_rules(name, "mapped", transport))
        compare(box, iter(calls))
        gaps = _stalls(box, name)
    finally:
        box.fault([])
    assert min(gaps) < MAX_STALL, gaps
