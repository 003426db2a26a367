"""netdb against glibc when the DNS misbehaves: the fault proxy's every trick, in the sandbox.

The scenario's resolv.conf points at the fault-injecting proxy (127.0.0.3, in front of Knot; see
``tests/sandbox/faultproxy.py``) with short timeouts.  For each rule, glibc and netdb make the
same calls and must end the same way; the proxy's log shows what was asked (TCP after
truncation, retries, the second server).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario
from tests.test_differential_dns import HOSTS, compare, scenario

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

A, AAAA = 1, 28
PROXIED = scenario(
    "proxied",
    resolv="nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
    hosts=HOSTS,
)
PROXIED_RETRY = scenario(
    "proxied-retry",
    resolv="nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:2\n",
)
PROXIED_THEN_REAL = scenario(
    "proxied-then-real",
    resolv="nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch example.test\n"
    "options timeout:1 attempts:1\n",
)


def lookups(name: str) -> list[tuple[str, tuple[Any, ...]]]:
    return [
        ("getaddrinfo", (name, 80, 0, socket.SOCK_STREAM)),
        ("getaddrinfo", (name, 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)),
        ("gethostbyname_ex", (name,)),
    ]


# (id, scenario, rules, cases)
FAULTS: list[tuple[str, Scenario, list[dict[str, Any]], list[tuple[str, tuple[Any, ...]]]]] = [
    ("drop", PROXIED, [{"name": "both.example.test", "action": "drop"}], lookups("both")),
    (
        "drop-aaaa",
        PROXIED,
        [{"name": "both.example.test", "qtype": AAAA, "action": "drop"}],
        lookups("both"),
    ),
    (
        "drop-first-retried",
        PROXIED_RETRY,
        [{"name": "v4only.example.test", "action": "drop_first", "n": 1}],
        lookups("v4only")[:1],
    ),
    (
        "truncate-tcp",
        PROXIED,
        [{"name": "both.example.test", "action": "truncate"}],
        lookups("both"),
    ),
    (
        "truncate-tcp-closed",
        PROXIED,
        [
            {"name": "both.example.test", "transport": "udp", "action": "truncate"},
            {"name": "both.example.test", "transport": "tcp", "action": "tcp_close"},
        ],
        lookups("both")[:1],
    ),
    ("garbage", PROXIED, [{"name": "both.example.test", "action": "garbage"}], lookups("both")[:1]),
    ("short", PROXIED, [{"name": "both.example.test", "action": "short"}], lookups("both")[:2]),
    (
        "wrong-id",
        PROXIED,
        [{"name": "both.example.test", "action": "wrong_id"}],
        lookups("both")[:1],
    ),
    (
        "wrong-question",
        PROXIED,
        [{"name": "both.example.test", "action": "wrong_question"}],
        lookups("both")[:1],
    ),
    (
        "other-source",
        PROXIED,
        [{"name": "both.example.test", "action": "other_source"}],
        lookups("both")[:1],
    ),
    (
        "servfail",
        PROXIED,
        [{"name": "both.example.test", "action": "rcode", "rcode": 2}],
        lookups("both"),
    ),
    (
        "servfail-aaaa",
        PROXIED,
        [{"name": "both.example.test", "qtype": AAAA, "action": "rcode", "rcode": 2}],
        lookups("both"),
    ),
    (
        "refused",
        PROXIED,
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        lookups("both"),
    ),
    (
        "notimp-aaaa",
        PROXIED,
        [{"name": "both.example.test", "qtype": AAAA, "action": "rcode", "rcode": 4}],
        lookups("both"),
    ),
    (
        "nxdomain-aaaa",
        PROXIED,
        [{"name": "both.example.test", "qtype": AAAA, "action": "rcode", "rcode": 3}],
        lookups("both"),
    ),
    (
        "servfail-first-domain",
        PROXIED,
        [{"name": "dup.example.test", "action": "rcode", "rcode": 2}],
        lookups("dup"),
    ),
    (
        "refused-then-real-server",
        PROXIED_THEN_REAL,
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        lookups("both"),
    ),
    (
        "drop-then-real-server",
        PROXIED_THEN_REAL,
        [{"name": "both.example.test", "action": "drop"}],
        lookups("both")[:1],
    ),
    (
        "delay-past-timeout",
        PROXIED_RETRY,
        [{"name": "v4only.example.test", "action": "delay", "seconds": 1.3}],
        lookups("v4only")[:1],
    ),
    (
        "ptr-servfail",
        PROXIED,
        [{"name": "in-addr.arpa", "action": "rcode", "rcode": 2}],
        [("gethostbyaddr", ("192.0.2.1",)), ("getnameinfo", (("192.0.2.1", 80), 0))],
    ),
    (
        "ptr-drop",
        PROXIED,
        [{"name": "in-addr.arpa", "action": "drop"}],
        [("gethostbyaddr", ("192.0.2.1",)), ("getnameinfo", (("192.0.2.1", 80), 0))],
    ),
]


@pytest.mark.parametrize(
    ("box_scenario", "rules", "cases"),
    [pytest.param(s, r, c, id=i) for i, s, r, c in FAULTS],
)
def test_fault(
    sandboxes: Callable[[Scenario], Sandbox],
    box_scenario: Scenario,
    rules: list[dict[str, Any]],
    cases: list[tuple[str, tuple[Any, ...]]],
) -> None:
    box = sandboxes(box_scenario)
    box.fault(rules)
    try:
        compare(box, iter(cases))
    finally:
        box.fault([])


def test_truncation_goes_to_tcp(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(PROXIED)
    box.fault([{"name": "both.example.test", "transport": "udp", "action": "truncate"}])
    try:
        glibc, ours = box.outcomes("getaddrinfo", "both", 80, 0, socket.SOCK_STREAM)
        log = box.fault_log()
    finally:
        box.fault([])
    assert ours == glibc and "192.0.2.1" in ours and "2001:db8::1" in ours
    # glibc and netdb each asked over UDP (A alone or A and AAAA: an earlier test may have put
    # both in single-request mode), were told "truncated", and asked both again over TCP.
    transports = [(entry["transport"], entry["action"]) for entry in log]
    assert transports.count(("udp", "truncate")) in (2, 4)
    assert transports.count(("tcp", "pass")) == 4
    assert {entry["action"] for entry in log} == {"truncate", "pass"}


def test_spoofed_answers_never_accepted(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """Forged replies (wrong ID; right ID from the wrong port; from the wrong address) arrive
    before the genuine one; neither glibc nor netdb takes them."""
    box = sandboxes(PROXIED)
    box.fault([{"name": "both.example.test", "action": "spoof"}])
    try:
        for func, args in lookups("both"):
            glibc, ours = box.outcomes(func, *args)
            assert ours == glibc
            assert "192.0.2.66" not in ours and "2001:db8::66" not in ours
            assert "192.0.2.1" in ours
    finally:
        box.fault([])
