"""netdb against glibc on unusual DNS replies: forged by the fault proxy, read by both.

Every reply here is built by the proxy's ``forge`` action (``tests/sandbox/faultproxy.py``) from
the rule: CNAME chains (long, looping, dangling, to names glibc's host-name checks refuse),
owners that differ in case or do not match, records of other types and classes, A and AAAA
records of the wrong length, duplicated and hundreds of addresses (over UDP, and over TCP after
TC), NODATA with and without SOA, every RCODE on one of A/AAAA and not the other, AA/RA
combinations (lame referrals), the question echoed in another case, of another type or not at
all, OPT records, answer counts that lie, cut replies; and PTR replies with several, invalid,
odd or CNAME'd targets.  The names live under ``fx.example.test`` (no zone has them: only the
proxy answers).  The AAAA reply of a pair is held back a little, so the A reply is always read
first by both resolvers (glibc's ``h_errno`` and canonical name depend on that order).

glibc and netdb make the same calls in the same process, in the same order, and every outcome
must be equal (result or exception, and ``h_errno`` after the calls that set it).
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Callable
from typing import Any

import pytest

from netdb.dns import cache as dns_cache
from netdb.dns import wire
from netdb.dns.query import SendResult
from tests.sandbox import dnsservers
from tests.sandbox.faultproxy import forge
from tests.sandbox.harness import Sandbox, Scenario
from tests.sandbox.hostile import query as make_query
from tests.test_differential_dns import HOSTS, compare, scenario

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

A, NS, CNAME, SOA, PTR, TXT, AAAA = 1, 2, 5, 6, 12, 16, 28
ST = socket.SOCK_STREAM
CANON, V4MAPPED, ALL, ADDRCONFIG = (
    socket.AI_CANONNAME,
    socket.AI_V4MAPPED,
    socket.AI_ALL,
    socket.AI_ADDRCONFIG,
)
D = ".fx.example.test"
REPLIES = scenario(
    "replies",
    resolv="nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
    hosts=HOSTS,
)
# The same shapes reached through the search list ("x.fx" -> x.fx. NXDOMAIN from Knot, then
# x.fx.fx.example.test NXDOMAIN, then x.fx.example.test from the proxy).
REPLIES_SEARCH = scenario(
    "replies-search",
    resolv="nameserver 127.0.0.3\nsearch fx.example.test example.test\n"
    "options timeout:1 attempts:1\n",
    hosts=HOSTS,
)

Case = tuple[str, tuple[Any, ...]]
Shape = tuple[str, list[dict[str, Any]], list[Case]]


def name_calls(name: str, full: bool = True) -> list[Case]:
    """The lookups by name, with ``h_errno`` read after the calls that leave it behind."""
    out: list[Case] = [
        ("gethostbyname", (name,)),
        ("h_errno", ()),
        ("gethostbyname_ex", (name,)),
        ("h_errno", ()),
        ("getaddrinfo", (name, 80, 0, ST, 0, 0)),
        ("getaddrinfo", (name, 80, 0, ST, 0, CANON)),
        ("h_errno", ()),
    ]
    if full:
        out += [
            ("getaddrinfo", (name, 80, socket.AF_INET, ST, 0, CANON)),
            ("getaddrinfo", (name, 80, socket.AF_INET6, ST, 0, 0)),
            ("getaddrinfo", (name, None)),
            ("getaddrinfo", (name, 80, socket.AF_INET6, ST, 0, V4MAPPED | ALL | CANON)),
            ("getaddrinfo", (name, 80, 0, 0, 0, ADDRCONFIG)),
        ]
    return out


def addr_calls(address: str) -> list[Case]:
    return [
        ("gethostbyaddr", (address,)),
        ("h_errno", ()),
        ("getnameinfo", ((address, 80), 0)),
        ("getnameinfo", ((address, 80), socket.NI_NAMEREQD)),
    ]


def rule(name: str, qtype: int | None, answer: list[list[Any]], **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "action": "forge", "answer": answer, **kw}
    if qtype is not None:
        out["qtype"] = qtype
    return out


def pair(
    sid: str,
    a: list[list[Any]],
    aaaa: list[list[Any]],
    a_kw: dict[str, Any] | None = None,
    aaaa_kw: dict[str, Any] | None = None,
    full: bool = True,
) -> Shape:
    """A shape of forged A and AAAA replies for ``sid.fx.example.test``; the AAAA reply 30 ms
    after the A reply."""
    name = sid + D
    rules = [
        rule(name, A, a, **(a_kw or {})),
        rule(name, AAAA, aaaa, **{"delay": 0.03, **(aaaa_kw or {})}),
    ]
    return sid, rules, name_calls(name, full)


def a4(x: str = "192.0.2.1", owner: str = "@", *rest: Any) -> list[Any]:
    return [owner, A, x, *rest]


def a6(x: str = "2001:db8::1", owner: str = "@", *rest: Any) -> list[Any]:
    return [owner, AAAA, x, *rest]


T = "t" + D
SOA_AUTH = {"authority": [["example.test", SOA, 60]]}
CHAIN = [["@", CNAME, "c1" + D]] + [[f"c{i}{D}", CNAME, f"c{i + 1}{D}"] for i in range(1, 30)]
LONG_TARGET = ".".join(["a" * 60] * 3) + "." + "b" * 40 + D

NAME_SHAPES: list[Shape] = [
    pair("cname-plus-a", [["@", CNAME, T], a4()], [["@", CNAME, T], a6()]),
    pair("a-then-cname", [a4(), ["@", CNAME, T], a4("192.0.2.2", T)], [a6(), ["@", CNAME, T]]),
    pair("chain30", [*CHAIN, a4("192.0.2.3", "c30" + D)], [*CHAIN, a6("2001:db8::3", "c30" + D)]),
    pair("loop", [["@", CNAME, T], [T, CNAME, "loop" + D]], [["@", CNAME, T]]),
    pair("dangle-soa", [["@", CNAME, T]], [["@", CNAME, T]], SOA_AUTH, SOA_AUTH),
    pair("owner-case", [a4(owner="OWNER-CASE" + D.upper())], [a6(owner="Owner-Case" + D)]),
    pair("owner-other", [a4("192.0.2.9", "zzz" + D), a4()], [a6(), a6("2001:db8::9", "zzz" + D)]),
    pair("txt-first", [["@", TXT, "hello"], a4()], [["@", TXT, "x"]]),
    pair(
        "class-ch", [a4("192.0.2.1", "@", 60, 3), a4("192.0.2.2")], [a6("2001:db8::1", "@", 60, 3)]
    ),
    pair("class-ch-cname", [["@", CNAME, T, 60, 3], a4(owner=T)], [["@", CNAME, T, 60, 3], a6()]),
    pair("rdlen3", [a4("hex:c00002"), a4()], [a6("hex:20010db8" + "00" * 11), a6()]),
    pair("rdlen5", [a4("hex:c000020101")], [a6("hex:20010db8" + "00" * 13)]),
    pair("dups", [a4(), a4(), a4("192.0.2.2"), a4()], [a6(), a6()]),
    pair("many-udp", [a4(f"10.0.{i // 200}.{i % 200}") for i in range(150)], [a6()]),
    pair("ttl", [a4("192.0.2.1", "@", 0)], [a6("2001:db8::1", "@", 0xFFFFFFFF)]),
    pair("nodata", [], []),
    pair("nodata6-soa", [a4()], [], None, SOA_AUTH),
    pair("nodata4-soa", [], [a6()], SOA_AUTH),
    pair("nx-a", [], [a6()], {"rcode": 3}),
    pair("nx-aaaa", [a4()], [], None, {"rcode": 3}),
    pair("nx-with-answers", [a4()], [a6()], {"rcode": 3}, {"rcode": 3}),
    pair("formerr-a", [], [a6()], {"rcode": 1}),
    pair("formerr-aaaa", [a4()], [], None, {"rcode": 1}),
    pair("notimp-a", [], [a6()], {"rcode": 4}),
    pair("rcode9-aaaa", [a4()], [], None, {"rcode": 9}),
    pair("rcode15-both", [a4()], [a6()], {"rcode": 15}, {"rcode": 15}),
    pair("no-aa-ra", [a4()], [a6()], {"flags": 0x8100}, {"flags": 0x8100}),
    pair("lame-aaaa", [a4()], [], None, {"flags": 0x8100}),
    pair("opcode2", [a4()], [a6()], {"flags": 0x9580}, {"flags": 0x9580}),
    pair("no-qr", [a4()], [a6()], {"flags": 0x0580}, {"flags": 0x0580}),
    pair("opt", [a4()], [a6()], {"opt": 1232}, {"opt": 1232}),
    pair("ancount-lie", [a4()], [a6()], {"ancount": 3}),
    pair("ancount-short", [a4(), a4("192.0.2.2")], [a6()], {"ancount": 1}),
    pair("cut", [a4(), a4("192.0.2.2")], [a6()], {"cut": 60}),
    pair("wrong-type", [a6()], [a4()]),
    pair("cname-each", [["@", CNAME, "ta" + D], a4(owner="ta" + D)], [["@", CNAME, "tb" + D]]),
    pair("cname-long", [["@", CNAME, LONG_TARGET], a4(owner=LONG_TARGET)], [a6()]),
    # The question echoed in upper case: glibc reads the name from the reply, every time (the
    # cache must not put the query's case back into a reply that did not have it).
    pair("q-upper", [a4()], [a6()], {"question": "upper"}, {"question": "upper"}),
    pair("q-upper-a", [a4()], [a6()], {"question": "upper"}),
]
for tid, target in [
    ("space", "sp\\032ace" + D),
    ("nul", "a\\000b" + D),
    ("dot", "a\\.b" + D),
    ("under", "u_s" + D),
    ("dash", "-d" + D),
    ("hibit", "h\\200i" + D),
    ("l63", "a" * 63 + D),
    ("root", "."),
    ("star", "*" + D),
]:
    NAME_SHAPES.append(
        pair(
            "cn-" + tid,
            [["@", CNAME, target], a4(owner=target)],
            [["@", CNAME, target], a6(owner=target)],
            full=False,
        )
    )

# Replies that are never taken (the resolvers wait until they time out): last, they cost a
# second each and leave both resolvers in single-request mode.
SLOW_SHAPES: list[Shape] = [
    pair("q-type-swapped", [a4()], [a6()], {"echo_qtype": AAAA}, full=False),
    pair("q-none", [a4()], [a6()], {"qdcount": 0}, full=False),
]


def tcp_shape(
    sid: str, udp: list[dict[str, Any]], tcp: list[dict[str, Any]], full: bool = False
) -> Shape:
    name = sid + D
    rules = [{"name": name, "transport": "udp", **r} for r in udp]
    rules += [{"name": name, "transport": "tcp", **r} for r in tcp]
    return sid, rules, name_calls(name, full)


FULL4 = {"qtype": A, "action": "forge", "answer": [a4(), a4("192.0.2.2")]}
FULL6 = {"qtype": AAAA, "action": "forge", "answer": [a6()]}
ALIASES = [["@", CNAME, "al1" + D]] + [[f"al{i}{D}", CNAME, f"al{i + 1}{D}"] for i in range(1, 700)]
TC = {"action": "forge", "tc": True}
TCP_SHAPES: list[Shape] = [
    tcp_shape("tc-empty", [TC], [FULL4, FULL6]),
    tcp_shape("tc-partial", [{**FULL4, "tc": True}, {**FULL6, "delay": 0.03}], [FULL4, FULL6]),
    tcp_shape("tc-then-servfail", [TC], [{"qtype": A, "action": "forge", "rcode": 2}, FULL6]),
    tcp_shape("tc-then-tc", [TC], [{**FULL4, "tc": True}, FULL6]),
    tcp_shape("tc-upper", [TC], [{**FULL4, "question": "upper"}, FULL6]),
    tcp_shape("tc-other-question", [TC], [{**FULL4, "question": "zz" + D}, FULL6]),
    # Over TCP replies are matched by ID alone: each reply carries the other query's question
    # (and a record of the other type).  The cache must not file them under those questions.
    tcp_shape(
        "tc-questions-swapped",
        [TC],
        [
            {"qtype": A, "action": "forge", "answer": [a6()], "echo_qtype": AAAA},
            {"qtype": AAAA, "action": "forge", "answer": [a4()], "echo_qtype": A},
        ],
        full=True,
    ),
    tcp_shape(
        "tc-700-aliases",
        [TC],
        [
            {"qtype": A, "action": "forge", "answer": [*ALIASES, a4(owner="al700" + D)]},
            {"qtype": AAAA, "action": "forge", "answer": [*ALIASES, a6(owner="al700" + D)]},
        ],
    ),
    tcp_shape(
        "tc-3000-addresses",
        [TC],
        [
            {
                "qtype": A,
                "action": "forge",
                "answer": [a4(f"10.2.{i // 250}.{i % 250}") for i in range(3000)],
            },
            FULL6,
        ],
    ),
]


# A pair goes over TCP when either UDP reply is truncated, and then both replies are read over
# TCP: the other query's TCP reply is not what that query asked alone reads (its own UDP reply),
# and a pair is read over TCP as soon as one of its queries' UDP reply is truncated.  The cache
# gave a pair's TCP reply to the query alone, and made a pair of replies that came different
# ways (one over TCP after its own TC, one over UDP).
def cache_path_shape(sid: str, a_udp: Any, a_tcp: Any, aaaa_udp: Any, aaaa_tcp: Any) -> Shape:
    name = sid + D
    rules = [
        {"name": name, "qtype": A, "transport": "udp", "action": "forge", **a_udp},
        {"name": name, "qtype": A, "transport": "tcp", "action": "forge", **a_tcp},
        {"name": name, "qtype": AAAA, "transport": "udp", "action": "forge", **aaaa_udp},
        {"name": name, "qtype": AAAA, "transport": "tcp", "action": "forge", **aaaa_tcp},
    ]
    for r in rules[2:]:
        r["delay"] = 0.03
    pair_first: list[Case] = [
        ("getaddrinfo", (name, 80, 0, ST, 0, 0)),
        ("h_errno", ()),
        ("gethostbyname", (name,)),
        ("h_errno", ()),
        ("gethostbyname_ex", (name,)),
        ("h_errno", ()),
        ("getaddrinfo", (name, 80, socket.AF_INET6, ST, 0, 0)),
        ("getaddrinfo", (name, 80, 0, ST, 0, CANON)),
        ("h_errno", ()),
        ("getaddrinfo", (name, 80, socket.AF_INET, ST, 0, CANON)),
        ("getaddrinfo", (name, None)),
    ]
    return sid, rules, pair_first


A1 = {"answer": [a4()]}
A2 = {"answer": [a4("192.0.2.2")]}
S1 = {"answer": [a6()]}
S2 = {"answer": [a6("2001:db8::2")]}
TC0 = {"tc": True, "answer": []}
TCP_SHAPES += [
    cache_path_shape("tcpath-a-tc", TC0, A2, S1, S2),
    cache_path_shape("tcpath-aaaa-tc", A1, A2, TC0, S2),
    cache_path_shape("tcpath-a-notimp-tc", {**TC0, "rcode": 4}, A2, TC0, S2),
    cache_path_shape("tcpath-a-notimp", {"rcode": 4, "answer": []}, A2, TC0, S2),
    cache_path_shape("tcpath-a-servfail-tc", {**TC0, "rcode": 2}, A2, S1, S2),
]


def ptr_shape(sid: str, i: int, answer: list[list[Any]], v6: bool = False, **kw: Any) -> Shape:
    if v6:
        address = "2001:db8:77::%x" % i
        packed = socket.inet_pton(socket.AF_INET6, address)
        rev = ".".join(reversed(packed.hex())) + ".ip6.arpa"
    else:
        address = "203.0.113.%d" % i
        rev = "%d.113.0.203.in-addr.arpa" % i
    forged = [[rev if x == "@@" else x for x in rr] for rr in answer]
    return sid, [rule(rev, PTR, forged, **kw)], addr_calls(address)


HOST = "host" + D
RFC2317 = "7.0/25.113.0.203.in-addr.arpa"
PTR_SHAPES: list[Shape] = []
for v6 in (False, True):
    s = "/6" if v6 else ""
    PTR_SHAPES += [
        ptr_shape("ptr-two" + s, 2, [["@", PTR, HOST], ["@", PTR, "other" + D]], v6),
        ptr_shape("ptr-bad-first" + s, 3, [["@", PTR, "sp\\032ace.fx"], ["@", PTR, HOST]], v6),
        ptr_shape("ptr-owner-other" + s, 5, [["zzz.in-addr.arpa", PTR, HOST]], v6),
        ptr_shape("ptr-cname" + s, 7, [["@", CNAME, RFC2317], [RFC2317, PTR, HOST]], v6),
        ptr_shape("ptr-cname-owner" + s, 8, [["@", CNAME, RFC2317], ["@", PTR, HOST]], v6),
        ptr_shape("ptr-cname-dangling" + s, 9, [["@", CNAME, RFC2317]], v6),
        ptr_shape("ptr-upper" + s, 10, [["@", PTR, "HOST.FX.Example.TEST"]], v6),
        ptr_shape("ptr-root" + s, 11, [["@", PTR, "."]], v6),
        ptr_shape("ptr-under" + s, 12, [["@", PTR, "_x" + D]], v6),
        ptr_shape("ptr-dash" + s, 13, [["@", PTR, "-x" + D]], v6),
        ptr_shape("ptr-long" + s, 14, [["@", PTR, ".".join(["a" * 62] * 4)[:253]]], v6),
        ptr_shape("ptr-class-ch" + s, 16, [["@", PTR, "ch.fx", 60, 3], ["@", PTR, HOST]], v6),
        ptr_shape("ptr-nodata" + s, 18, [], v6),
        ptr_shape("ptr-nx-with-answer" + s, 19, [["@", PTR, HOST]], v6, rcode=3),
        ptr_shape("ptr-refused" + s, 20, [], v6, rcode=5),
        ptr_shape("ptr-formerr" + s, 21, [], v6, rcode=1),
        ptr_shape("ptr-txt-first" + s, 22, [["@", TXT, "hi"], ["@", PTR, HOST]], v6),
        ptr_shape("ptr-self" + s, 23, [["@", PTR, "@"]], v6),
        ptr_shape("ptr-q-upper" + s, 24, [["@", PTR, HOST]], v6, question="upper"),
        ptr_shape("ptr-a-record" + s, 26, [["@", A, "192.0.2.1"]], v6),
        ptr_shape("ptr-nul" + s, 27, [["@", PTR, "a\\000b.fx"]], v6),
        ptr_shape("ptr-single-label" + s, 32, [["@", PTR, "justone"]], v6),
        ptr_shape("ptr-ancount-lie" + s, 34, [["@", PTR, HOST]], v6, ancount=2),
        ptr_shape("ptr-lame" + s, 35, [], v6, flags=0x8100),
    ]

GROUPS = {
    "names": NAME_SHAPES + SLOW_SHAPES,
    "tcp": TCP_SHAPES,
    "ptr": PTR_SHAPES,
}


def run_shapes(box: Sandbox, shapes: list[Shape]) -> None:
    failures = []
    for sid, rules, cases in shapes:
        box.fault(rules)
        try:
            compare(box, iter(cases))
        except AssertionError as exc:
            failures.append(f"--- {sid}\n{exc}")
    box.fault([])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("group", list(GROUPS))
def test_forged_replies(sandboxes: Callable[[Scenario], Sandbox], group: str) -> None:
    box = sandboxes(REPLIES)
    run_shapes(box, GROUPS[group])


def _short(shapes: list[Shape]) -> list[Shape]:
    out = []
    for sid, rules, cases in shapes:
        short = [
            (f, tuple(a[: -len(".example.test")] if a == sid + D else a for a in args))
            for f, args in cases
        ]
        out.append((sid, rules, short))
    return out


# Shapes whose last query fails with a timeout-like error (SERVFAIL, REFUSED, NOTIMP, a lame
# referral, a reply never taken) after the as-is query said NXDOMAIN: glibc's dns module ends
# UNAVAIL with h_errno HOST_NOT_FOUND and restores errno to its value on entry, so
# __gethostbyname2_r returns 0 and getaddrinfo(AF_INET) without AI_CANONNAME (CPython's
# gethostbyname and gethostbyname_ex) fails with EAI_NONAME, as netdb's gai._simple
# (try_simple_gethostbyname) now reads it (it took UNAVAIL for a non-zero return: EAI_NODATA).
SEARCH_UNAVAIL = ("servfail-a", "refused-a", "lame-a")


def test_search_walk_over_forged_replies(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """The same readers when the forged name is the last of a search walk."""
    box = sandboxes(REPLIES_SEARCH)
    chosen = {
        "cname-plus-a",
        "chain30",
        "dangle-soa",
        "owner-case",
        "nodata",
        "nodata6-soa",
        "nx-a",
        "nx-aaaa",
        "formerr-a",
        "no-aa-ra",
        "q-upper",
        "rdlen5",
        "cn-space",
    }
    run_shapes(box, _short([s for s in NAME_SHAPES if s[0] in chosen]))


def test_search_walk_ending_unavailable(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(REPLIES_SEARCH)
    shapes = [
        pair("servfail-a", [], [a6()], {"rcode": 2}, full=False),
        pair("refused-a", [], [a6()], {"rcode": 5}, full=False),
        pair("lame-a", [], [a6()], {"flags": 0x8100}, full=False),
    ]
    run_shapes(box, _short(shapes))


# --- the cache keeps only replies that echo their own query's question ---------------------


def test_cache_keeps_only_replies_that_echo_the_question() -> None:
    """A reply whose question differs from the query's, if only in letter case, or that has
    another query's ID, is not kept: the cache gives replies back by question, with the query's
    question, which glibc (no cache) reads only when the server answered that query so."""
    q = make_query("q-upper.fx.example.test", A, qid=7)
    plain = forge(q, {"answer": [a4()]})
    upper = forge(q, {"answer": [a4()], "question": "upper"})
    for reply, kept in ((plain, True), (upper, False)):
        c = dns_cache.Cache()
        expires = c.store(q, None, SendResult(len(reply), reply), 100.0)
        got = c.lookup(q, None, 100.0)
        assert (got is not None) == kept
        assert (expires > 100.0) == kept
        if got is not None:
            assert got.answer1 == reply
    # The pair: one reply echoed, the other not: nothing usable is kept for the pair.
    q6 = make_query("q-upper.fx.example.test", AAAA, qid=8)
    six = forge(q6, {"answer": [a6()], "question": "upper"})
    c = dns_cache.Cache()
    assert c.store(q, q6, SendResult(len(plain), plain, six), 100.0) == 100.0
    assert c.lookup(q, q6, 100.0) is None
    assert wire.parse(six).question[0].name != wire.parse(q6).question[0].name
    # Replies that carry the other query's question (TCP matches by ID alone): neither is kept
    # under the question it carries.
    to_a = forge(q, {"answer": [a6()], "echo_qtype": AAAA})
    to_aaaa = forge(q6, {"answer": [a4()], "echo_qtype": A})
    c = dns_cache.Cache()
    assert c.store(q, q6, SendResult(len(to_a), to_a, to_aaaa, tcp=True), 100.0) == 100.0
    assert c.lookup(q, None, 100.0) is None
    assert c.lookup(q6, None, 100.0) is None
    # The same replies with their own queries' IDs and questions are kept.
    good_a = forge(q, {"answer": [a4()]})
    good_aaaa = forge(q6, {"answer": [a6()]})
    assert c.store(q, q6, SendResult(len(good_a), good_a, good_aaaa, tcp=True), 100.0) > 100.0
    got = c.lookup(q, q6, 100.0)
    assert got is not None and (got.answer1, got.answer2) == (good_a, good_aaaa)


# --- no-aaaa: glibc reads its answer buffer whatever res_send returned ------------------------

REPLIES_NO_AAAA = scenario(
    "replies-no-aaaa",
    resolv="nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1 no-aaaa\n",
    hosts=HOSTS,
)


def no_aaaa_calls(name: str) -> list[Case]:
    return [
        ("getaddrinfo", (name, 80, socket.AF_INET6, ST, 0, 0)),
        ("h_errno", ()),
        ("getaddrinfo", (name, 80, socket.AF_INET6, ST, 0, CANON)),
        ("getaddrinfo", (name.split(".")[0] + ".fx", 80, socket.AF_INET6, ST)),
        ("h_errno", ()),
    ]


def test_no_aaaa_reads_the_buffer(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """In no-aaaa mode an AAAA lookup sends an A query and reads glibc's answer buffer after
    it: nothing received (a server that never answers) leaves zeros there, which read as "no
    data" (EAI_NODATA, h_errno NO_DATA), not "try again"; a reply never taken whose question is
    not of type A stays there and is read as the answer (here: cut after its question)."""
    box = sandboxes(REPLIES_NO_AAAA)
    shapes: list[Shape] = [
        ("na-drop", [{"name": "na-drop" + D, "action": "drop"}], no_aaaa_calls("na-drop" + D)),
        (
            "na-refused",
            [rule("na-refused" + D, None, [], rcode=5)],
            no_aaaa_calls("na-refused" + D),
        ),
        (
            "na-other-type",
            [rule("na-other-type" + D, A, [a4()], echo_qtype=AAAA)],
            no_aaaa_calls("na-other-type" + D),
        ),
        (
            "na-wrong-id",
            [rule("na-wrong-id" + D, A, [a4()], id_xor=0x0101)],
            no_aaaa_calls("na-wrong-id" + D),
        ),
        ("na-plain", [rule("na-plain" + D, A, [a4()])], no_aaaa_calls("na-plain" + D)),
    ]
    run_shapes(box, shapes)


# --- res_search's SERVFAIL test reads the caller's answer buffer -----------------------------

# A reply too large for the answer buffer nss_dns hands res_search (1,024 bytes for one type,
# 2,048 for A and AAAA) is read into a new 64 KiB one, where the rest of the walk goes on; the
# walk's "SERVFAIL: try the next domain" test still reads the first buffer, which keeps the last
# message read into it: here the truncated UDP reply that sent the query over TCP.
BUF = scenario(
    "replies-buffer",
    resolv="nameserver 127.0.0.3\nsearch big.example.test sf.example.test example.test\n"
    "options timeout:1 attempts:1\n",
    hosts=HOSTS,
)


def _chain(links: int) -> list[list[Any]]:
    """CNAMEs of 240-byte names that nothing compresses, ending at a name that does not exist."""
    names = [
        ".".join(f"c{i}l{j}-" + "q" * 50 for j in range(4)) + ".big.example.test"
        for i in range(links)
    ]
    out = [["@", CNAME, names[0]]]
    out += [[a, CNAME, b] for a, b in itertools.pairwise(names)]
    return out


def buffer_shape(sid: str, udp_rcode: int, links: int, search_order: str = "") -> Shape:
    soa = ["big.example.test", SOA, 60, 60]  # (RDATA: its minimum, the negative TTL)
    rules: list[dict[str, Any]] = [
        {"name": "big.example.test", "transport": "udp", "action": "forge", "tc": True,
         "rcode": udp_rcode},
        {"name": "big.example.test", "transport": "tcp", "action": "forge", "rcode": 3,
         "answer": _chain(links), "authority": [soa]},
        {"name": "sf.example.test", "action": "rcode", "rcode": 2},
    ]  # fmt: skip
    calls: list[Case] = [
        ("gethostbyname_ex", ("both",)),
        ("h_errno", ()),
        ("gethostbyname", ("both",)),
        ("getaddrinfo", ("both", 80, socket.AF_INET, ST)),
        ("getaddrinfo", ("both", 80, socket.AF_INET6, ST)),
        ("getaddrinfo", ("both", 80, 0, ST)),
        ("h_errno", ()),
        ("getaddrinfo", ("x.y", 80, 0, ST)),  # as-is first (ndots 1): NXDOMAIN, then the list
    ]
    return sid, rules, calls + calls  # the second time from netdb's cache


def test_servfail_test_reads_the_first_buffer(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(BUF)
    shapes = [
        # about 400 bytes: fits; 1,400: too large for one type's buffer only; 2,400: for both
        buffer_shape(f"buf-tc{rc}-{links}", rc, links)
        for rc in (0, 2, 3)
        for links in (1, 3, 5)
    ]
    run_shapes(box, shapes)
