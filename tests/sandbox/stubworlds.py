"""The scenarios of ../shared/vectors/dns_stub_scenarios.json as DNS worlds, and a server for them.

One definition of each behaviour serves both test layers of
``tests/test_vectors_stub_scenarios.py``:

* a :class:`World` is a resolv.conf, a set of servers (address -> :data:`tests.scripted.Handler`)
  and the lookups the scenario makes; the in-process layer plugs the handlers into
  :class:`tests.scripted.Net`;
* run as a program inside the sandbox's namespace (:func:`start`), this file serves the same
  handlers on UDP and TCP port 53 of each server address, so glibc and netdb meet them for real.
  It logs every query it is asked (server, name, type, transport, EDNS payload, AD and RD bits),
  one JSON line each, for the test to read.

The worlds are built from the vector file (its items, names, search lists, faults); where a
scenario is only a summary, the world is the smallest server that shows the behaviour it names.
Nothing here talks to anything but 127.0.0.0/8 inside a private network namespace.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import os
import selectors
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a program inside the sandbox
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "src"))

from netdb.dns import wire  # noqa: E402
from tests.scripted import CLOSE, Handler, Sent, make_reply, question_of, rr  # noqa: E402

VECTORS = REPO.parent / "shared" / "vectors" / "dns_stub_scenarios.json"
A, AAAA, PTR, CNAME = wire.A, wire.AAAA, wire.PTR, wire.CNAME
AF_UNSPEC, AF_INET, AF_INET6 = 0, 2, 10
SOCK_STREAM, IPPROTO_TCP = 1, 6
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}
NS1, NS2, NS3 = "127.0.0.11", "127.0.0.12", "127.0.0.13"
FAST = "options timeout:1 attempts:1"


def load(path: Path = VECTORS) -> dict[str, Any] | None:
    """The vector file, or None where ../shared/vectors is absent."""
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@dataclass
class World:
    """A resolv.conf, the servers (address -> handler) and the lookups a scenario makes.

    ``ordered``: glibc's queries are deterministic here (no rotate), so netdb must ask the same
    questions in the same order over the same transport."""

    id: str
    resolv: str
    servers: dict[str, Handler]
    lookups: list[tuple[str, tuple[Any, ...]]]
    ordered: bool = True
    # A server stays silent for some queries: a timeout with one of two replies switches the
    # resolver to single-request mode for good, so a lookup made again runs in another state.
    stateful: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


def gai_lookups(names: list[str], *, canon: bool = False) -> list[tuple[str, tuple[Any, ...]]]:
    """Every lookup function the scenarios apply to, for each name."""
    out: list[tuple[str, tuple[Any, ...]]] = []
    flags = 2 if canon else 0  # AI_CANONNAME
    for name in names:
        out += [
            ("gethostbyname", (name,)),
            ("gethostbyname_ex", (name,)),
            *(
                ("getaddrinfo", (name, "80", fam, SOCK_STREAM, IPPROTO_TCP, flags))
                for fam in (AF_INET, AF_INET6, AF_UNSPEC)
            ),
        ]
    return out


def resolv(servers: list[str], *lines: str) -> str:
    return "".join(f"nameserver {s}\n" for s in servers) + "".join(line + "\n" for line in lines)


# --- building replies -------------------------------------------------------------------------


def reply(query: bytes, answers: list[wire.Record] | tuple[()] = (), **kw: Any) -> bytes:
    return make_reply(query, answers, **kw)


def with_opt(data: bytes, *, ext_rcode: int = 0, payload: int = 1232) -> bytes:
    """``data`` with an OPT record appended to its additional section."""
    arcount = int.from_bytes(data[10:12], "big") + 1
    ttl = ext_rcode << 24
    opt = b"\x00" + struct.pack("!HHIH", wire.OPT, payload, ttl, 0)
    return data[:10] + arcount.to_bytes(2, "big") + data[12:] + opt


def has_opt(query: bytes) -> bool:
    return wire.parse(query).edns is not None


def header_only(query: bytes, rcode: int) -> bytes:
    """A bare 12-byte reply: the query's ID, QR RD RA and ``rcode``, every count zero."""
    return query[:2] + bytes([0x81, 0x80 | rcode]) + bytes(8)


# --- glibc tst-resolv-search --------------------------------------------------------------------


def search_records(index: int, count: int, name: str, qtype: int) -> list[wire.Record]:
    """The spec's records: A i = 10.<index>.<i>>8>.<i&255>, AAAA i = 2001:db8::<index+1>:<i+1>."""
    if qtype == A:
        return [rr(name, A, f"10.{index}.{i >> 8}.{i & 255}") for i in range(count)]
    if qtype == AAAA:
        return [rr(name, AAAA, f"2001:db8::{index + 1:x}:{i + 1:x}") for i in range(count)]
    return []


def search_server(spec: dict[str, Any], override: int | None = None) -> Handler:
    items = {it["qname"].lower(): it for it in spec["items"]}
    parents = {s.lower() for s in spec["resolver_config"]["search"]}

    def handle(query: bytes, transport: str) -> list[Sent | bytes] | str:
        name, qtype = question_of(query)
        if override is not None:
            return [reply(query, rcode=override)]
        item = items.get(name)
        if item is None:
            rcode = wire.NOERROR if name in parents else wire.NXDOMAIN
            return [reply(query, rcode=rcode)]
        resp = item["response"]
        if isinstance(resp, str):
            return [reply(query, rcode=RCODES[resp])]
        if resp > 5 and transport == "udp":
            return [reply(query, tc=True)]
        return [reply(query, search_records(item["index"], resp, name, qtype))]

    return handle


def search_worlds(spec: dict[str, Any]) -> list[World]:
    cfg = spec["resolver_config"]
    head = [
        "search " + " ".join(cfg["search"]),
        f"options ndots:{cfg['ndots']} timeout:1 attempts:1",
    ]
    base = [q["query"] for q in spec["queries"]]
    worlds = []
    over = spec["queries_with_server0_rcode_override"]
    extra = [q["query"] for q in over if q["query"] not in base]
    worlds.append(
        World(
            "tst-resolv-search",
            resolv([NS1, NS2, NS3], *head),
            {ns: search_server(spec) for ns in (NS1, NS2, NS3)},
            gai_lookups(base + list(dict.fromkeys(extra))),
            meta={"queries": spec["queries"] + over},
        )
    )
    for rname in dict.fromkeys(q["override_rcode"] for q in over):
        rows = [q for q in over if q["override_rcode"] == rname]
        worlds.append(
            World(
                f"tst-resolv-search-ns0-{rname}",
                resolv([NS1, NS2, NS3], *head),
                {
                    NS1: search_server(spec, RCODES[rname]),
                    NS2: search_server(spec),
                    NS3: search_server(spec),
                },
                gai_lookups([q["query"] for q in rows]),
                meta={"queries": rows},
            )
        )
    # "whole run repeated with nameserver #0 = 255.255.255.255 (immediate connect failure)"
    worlds.append(
        World(
            "tst-resolv-search-ns0-broadcast",
            resolv(["255.255.255.255", NS2, NS3], *head),
            {NS2: search_server(spec), NS3: search_server(spec)},
            gai_lookups(base),
            meta={"queries": spec["queries"]},
        )
    )
    return worlds


# --- Go TestStrictErrorsLookupIP -----------------------------------------------------------------


def strict_server(spec: dict[str, Any], fault: dict[str, Any] | None) -> Handler:
    name = spec["name"]
    x, y, _bare = (c.rstrip(".").lower() for c in spec["candidate_order"])
    assert x == f"{name}.{spec['resolver_config']['search'][0]}"
    which = {"searchX": x, "searchY": y}

    def handle(query: bytes, transport: str) -> list[Sent | bytes] | str:
        qname, qtype = question_of(query)
        hit = fault is not None and qname == which[fault["qname"]]
        if hit and fault["qtype"] in ("any", wire.type_name(qtype)):
            if fault["kind"] == "timeout":
                return []
            return [reply(query, rcode=RCODES[fault["kind"]])]
        if qname == y:
            data = {A: [rr(y, A, "192.0.2.1")], AAAA: [rr(y, AAAA, "2001:db8::1")]}
            return [reply(query, data.get(qtype, []))]
        return [reply(query, rcode=wire.NXDOMAIN)]

    return handle


def strict_worlds(spec: dict[str, Any]) -> list[World]:
    cfg = spec["resolver_config"]
    worlds = []
    for case in spec["cases"]:
        fault = case["fault"]
        if fault is not None and fault["kind"] == "socket error":
            continue  # a client-side dial error: no server can send it (see the test's notes)
        worlds.append(
            World(
                "go-strict-"
                + case["desc"].lower().replace(" ", "-").replace("(", "").replace(")", ""),
                # Go's 192.0.2.53 is its fake dialer's address; here the server is on loopback.
                resolv(
                    [NS1],
                    "search " + " ".join(cfg["search"]),
                    f"options ndots:{cfg['ndots']} timeout:1 attempts:1",
                ),
                {NS1: strict_server(spec, fault)},
                gai_lookups([spec["name"]]),
                stateful=fault is not None and fault["kind"] == "timeout",
                meta={"case": case},
            )
        )
    return worlds


# --- the other scenarios, each the smallest server that shows it ----------------------------------


Rule = Callable[[bytes, str, str, int], "list[Sent | bytes] | str"]


def by_name(rules: dict[str, Rule], default: Rule | None = None) -> Handler:
    """A handler dispatching on the query name's first label."""

    def handle(query: bytes, transport: str) -> list[Sent | bytes] | str:
        name, qtype = question_of(query)
        rule = rules.get(name.split(".")[0], default)
        if rule is None:
            return [reply(query, rcode=wire.NXDOMAIN)]
        return rule(query, transport, name, qtype)

    return handle


def addresses(v4: str | None = "192.0.2.1", v6: str | None = "2001:db8::1", **kw: Any) -> Rule:
    def rule(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        got = {A: v4, AAAA: v6}.get(qtype)
        return [reply(query, [rr(name, qtype, got)] if got else [], **kw)]

    return rule


def rcode(code: int, **kw: Any) -> Rule:
    return lambda query, transport, name, qtype: [reply(query, rcode=code, **kw)]


def silent(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
    return []


def per_type(a: Rule, aaaa: Rule) -> Rule:
    return lambda q, t, n, qtype: (a if qtype == A else aaaa)(q, t, n, qtype)


def long_name(size: int) -> str:
    """A rooted name of ``size`` characters, its trailing dot included: labels of 63 ``a``."""
    text = "".join("." if i % 64 == 63 else "a" for i in range(size - 1))
    assert not text.endswith(".")
    return text + "."


def other_worlds() -> list[World]:
    ok = addresses()
    w: list[World] = []

    # go TestErrorForOriginalNameWhenSearching: <name>.servfail. -> SERVFAIL, the rest NXDOMAIN.
    def servfail_search(
        query: bytes, transport: str, name: str, qtype: int
    ) -> list[Sent | bytes] | str:
        code = wire.SERVFAIL if name.endswith(".servfail") else wire.NXDOMAIN
        return [reply(query, rcode=code)]

    w.append(
        World(
            "go-error-for-original-name",
            resolv([NS1], "search servfail", FAST),
            {NS1: by_name({}, servfail_search)},
            gai_lookups(["doesnotexist.domain"]),
        )
    )
    # go TestNoSuchHost: NXDOMAIN with RA=0, or NOERROR+AA without answers: one query, no
    # second server.
    w.append(
        World(
            "go-no-such-host",
            resolv([NS1, NS2], FAST),
            {
                NS1: by_name(
                    {
                        "nxdomain-ra0": rcode(wire.NXDOMAIN, ra=False, aa=False),
                        "nodata-aa": rcode(wire.NOERROR, ra=False, aa=True),
                    }
                ),
                NS2: by_name({}, ok),
            },
            gai_lookups(["nxdomain-ra0.test.", "nodata-aa.test."]),
        )
    )

    # go TestIgnoreLameReferrals: ns1 lame for everything; ns2 answers; empty.com: only OPT.
    def lame(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        return [reply(query, aa=False, ra=False)]

    def only_opt(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        return [with_opt(reply(query, aa=False, ra=False))]

    w.append(
        World(
            "go-ignore-lame-referrals",
            resolv([NS1, NS2], FAST),
            {NS1: by_name({}, lame), NS2: by_name({"empty": only_opt}, ok)},
            gai_lookups(["www.golang.org.", "empty.com."]),
        )
    )

    # go TestDNSTransportFallback / NoFallbackOnTCP, c-ares TruncationRetry: TC over UDP, then
    # a TCP reply that is itself truncated (TC set) but has the answer.
    def tc_both(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        if transport == "udp":
            return [reply(query, tc=True)]
        got = {A: "1.2.3.4", AAAA: "2001:db8::1234"}[qtype]
        return [reply(query, [rr(name, qtype, got)], tc=name.startswith("tctcp"))]

    w.append(
        World(
            "tc-then-tcp",
            resolv([NS1], FAST),
            {NS1: by_name({}, tc_both)},
            gai_lookups(["tc.test.", "tctcp.test."]),
        )
    )
    # go TestDNSUseTCP / UseTCPTruncated: options use-vc, a truncated TCP reply is accepted.
    w.append(
        World(
            "use-vc",
            resolv([NS1], "options use-vc timeout:1 attempts:1"),
            {NS1: by_name({}, tc_both)},
            gai_lookups(["tc.test.", "tctcp.test."]),
        )
    )

    # go TestIgnoreDNSForgeries: garbage, then the wrong ID, then the right reply.
    def forgeries(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        real = addresses()(query, transport, name, qtype)
        assert isinstance(real, list)
        if transport == "tcp":
            return real
        qid = int.from_bytes(query[:2], "big")
        wrong = reply(
            query,
            [rr(name, qtype, "192.0.2.66" if qtype == A else "2001:db8::66")],
            qid=qid ^ 0x5A5A,
        )
        return [b"\x12\x34garbage-not-dns-at-all", wrong, *real]

    w.append(
        World(
            "go-ignore-forgeries",
            resolv([NS1], FAST),
            {NS1: by_name({}, forgeries)},
            gai_lookups(["forged.test."]),
        )
    )
    # go TestRetryTimeout / TestRotate: the first server times out, the second answers.
    w.append(
        World(
            "go-retry-timeout",
            resolv([NS1, NS2], FAST),
            {NS1: by_name({}, silent), NS2: by_name({}, ok)},
            gai_lookups(["retry.test."]),
            stateful=True,
        )
    )
    # Same answers from every server: glibc starts its rotation at a random server.
    rotate_servers: dict[str, Handler] = {ns: by_name({}, ok) for ns in (NS1, NS2, NS3)}
    w.append(
        World(
            "go-rotate",
            resolv([NS1, NS2, NS3], "options rotate timeout:1 attempts:1"),
            rotate_servers,
            gai_lookups(["rotate.test."]) * 2,
            ordered=False,  # glibc starts rotate at a random server
        )
    )
    # go TestDNSPacketSize / TestDNSTrustAD, glibc tst-resolv-trustad: what the queries carry.
    for opts in ("", "edns0", "trust-ad", "edns0 trust-ad"):
        w.append(
            World(
                "query-bits" + ("-" + opts.replace(" ", "-") if opts else ""),
                resolv([NS1], f"options {opts} timeout:1 attempts:1".replace("  ", " ")),
                {NS1: by_name({}, addresses())},
                gai_lookups(["bits.test."]),
            )
        )

    # go TestExtendedRCode: RCODE 0 in the header, extended RCODE bits in the OPT record.
    def ext_rcode(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        real = addresses()(query, transport, name, qtype)
        assert isinstance(real, list)
        return [with_opt(real[0], ext_rcode=1)]  # type: ignore[arg-type]

    w.append(
        World(
            "go-extended-rcode",
            resolv([NS1], "options edns0 timeout:1 attempts:1"),
            {NS1: by_name({}, ext_rcode)},
            gai_lookups(["extrcode.test."]),
        )
    )

    # go TestPTRandNonPTR / TestCVE202133195: non-PTR records in PTR answers, names that are no
    # host names.
    def ptr(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        last = name.split(".")[0]
        if last == "1":
            ans = [rr(name, PTR, "golang.org."), rr(name, A, "192.0.2.1")]
        elif last == "2":
            ans = [rr(name, PTR, "<html>.golang.org.")]
        elif last == "3":
            ans = [rr(name, PTR, "<html>.golang.org."), rr(name, PTR, "good.golang.org.")]
        elif last == "4":  # glibc tst-resolv-byaddr: NOERROR without a PTR record
            ans = []
        elif last == "5":
            return [reply(query, rcode=wire.NXDOMAIN)]
        else:
            return [reply(query, rcode=wire.SERVFAIL)]
        return [reply(query, ans)]

    reverse = [f"192.0.2.{i}" for i in range(1, 7)]
    w.append(
        World(
            "ptr-and-non-ptr",
            resolv([NS1], FAST),
            {NS1: by_name({}, ptr)},
            [("gethostbyaddr", (a,)) for a in reverse]
            + [("getnameinfo", ((a, 80), flags)) for a in reverse for flags in (0, 8)],
        )
    )
    # go TestSingleRequestLookup: A and AAAA one after the other, A first.
    for opt in ("single-request", "single-request-reopen"):
        w.append(
            World(
                "go-" + opt,
                resolv([NS1], f"options {opt} timeout:1 attempts:1"),
                {NS1: by_name({}, ok)},
                gai_lookups(["single.test."]),
            )
        )
    # go TestLongDNSNames: 253, 254 and 255 characters (rooted).
    long_names = [long_name(size) for size in (253, 254, 255)]
    w.append(
        World(
            "go-long-dns-names",
            resolv([NS1], FAST),
            {NS1: by_name({}, ok)},
            gai_lookups(long_names),
        )
    )

    # c-ares RetryWithoutEDNS, glibc tst-resolv-edns: FORMERR to an EDNS query; "tcp." forces
    # the TC -> TCP path.
    def edns(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        if name.startswith("formerr") and has_opt(query):
            return [reply(query, rcode=wire.FORMERR)]
        if name.startswith("tcp.") and transport == "udp":
            return [reply(query, tc=True)]
        return ok(query, transport, name, qtype)

    for opts in ("edns0", ""):
        w.append(
            World(
                "edns" + ("-" + opts if opts else "-off"),
                resolv([NS1], f"options {opts} timeout:1 attempts:1".replace("  ", " ")),
                {NS1: by_name({}, edns)},
                gai_lookups(["formerr.test.", "tcp.edns.test.", "plain.test."]),
            )
        )

    # c-ares SearchNoDataThenSuccess / ThenNoDataBare / ThenFail.
    def nodata_search(
        query: bytes, transport: str, name: str, qtype: int
    ) -> list[Sent | bytes] | str:
        table = {
            "ok.a.test": "nodata",
            "ok.b.test": "data",
            "bare.a.test": "nodata",
            "bare": "nodata",
            "fail.a.test": "nodata",
        }
        got = table.get(name)
        if got == "data":
            return ok(query, transport, name, qtype)
        if got == "nodata":
            return [reply(query)]
        return [reply(query, rcode=wire.NXDOMAIN)]

    w.append(
        World(
            "c-ares-search-nodata",
            resolv([NS1], "search a.test b.test", FAST),
            {NS1: by_name({}, nodata_search)},
            gai_lookups(["ok", "bare", "fail"]),
        )
    )

    # c-ares UnspecifiedFamilyV6/V4/NoData/Cname6A4.
    def cname6a4(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        if qtype == AAAA:
            target = "target." + name.split(".", 1)[1]
            return [reply(query, [rr(name, CNAME, target), rr(target, AAAA, "2001:db8::6")])]
        return [reply(query, [rr(name, A, "192.0.2.4")])]

    w.append(
        World(
            "c-ares-unspecified-family",
            resolv([NS1], FAST),
            {
                NS1: by_name(
                    {
                        "v6": addresses(None, "2001:db8::6"),
                        "v4": addresses("192.0.2.4", None),
                        "nodata": addresses(None, None),
                        "cname6a4": cname6a4,
                    }
                )
            },
            gai_lookups(["v6.test.", "v4.test.", "nodata.test.", "cname6a4.test."], canon=True),
        )
    )
    # c-ares MockTCPChannelTest.*Response: RCODEs over TCP.
    tcp_rcodes = {"servfail": 2, "notimp": 4, "refused": 5, "formerr": 1, "yxdomain": 6}
    w.append(
        World(
            "c-ares-tcp-rcodes",
            resolv([NS1], "options use-vc timeout:1 attempts:1"),
            {NS1: by_name({k: rcode(v) for k, v in tcp_rcodes.items()})},
            gai_lookups([f"{k}.test." for k in tcp_rcodes]),
        )
    )

    # glibc tst-bug18665(-tcp): replies near 2048 bytes; the first server closes TCP at once.
    def big(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        first = name.split(".")[0]
        if not (first.startswith("big") and first[3:].isdigit()):
            return [reply(query, rcode=wire.NXDOMAIN)]
        n = int(first[3:])
        recs = search_records(1, n, name, qtype)
        data = reply(query, recs)
        if transport == "udp" and len(data) > 512:
            return [reply(query, tc=True)]
        return [data]

    def closes(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        return CLOSE if transport == "tcp" else [reply(query, tc=True)]

    sizes = ["big120", "big126", "big127", "big128", "big72"]  # A: 16 bytes a record
    w.append(
        World(
            "glibc-bug18665-tcp",
            resolv([NS1, NS2], FAST),
            {NS1: by_name({}, closes), NS2: by_name({}, big)},
            gai_lookups([f"{s}.test." for s in sizes]),
        )
    )
    # glibc tst-resolv-short-response: bare 12-byte error replies.
    w.append(
        World(
            "glibc-short-response",
            resolv([NS1, NS2], FAST),
            {
                NS1: by_name(
                    {
                        "short-nxdomain": lambda q, t, n, qt: [header_only(q, wire.NXDOMAIN)],
                        "short-servfail": lambda q, t, n, qt: [header_only(q, wire.SERVFAIL)],
                        "short-refused": lambda q, t, n, qt: [header_only(q, wire.REFUSED)],
                    }
                ),
                NS2: by_name({}, ok),
            },
            gai_lookups(["short-nxdomain.test.", "short-servfail.test.", "short-refused.test."]),
        )
    )

    # glibc tst-resolv-txnid-collision: a reply with the right ID and the other question comes
    # first (what a collision of the two IDs looks like to the matching).
    def collide(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        real = ok(query, transport, name, qtype)
        assert isinstance(real, list)
        other = AAAA if qtype == A else A
        q = wire.parse(query).question[0]
        fake = reply(
            query,
            [rr(name, other, "192.0.2.77" if other == A else "2001:db8::77")],
            question=dataclasses.replace(q, qtype=other),
        )
        return [fake, *real]

    w.append(
        World(
            "glibc-txnid-collision",
            resolv([NS1], FAST),
            {NS1: by_name({}, collide)},
            gai_lookups(["collide.test."]),
        )
    )
    # glibc tst-resolv-semi-failure: one of the parallel queries fails.
    semi: dict[str, Rule] = {}
    for code_name in ("servfail", "refused", "notimp", "formerr", "nxdomain"):
        code = RCODES[code_name.upper()]
        semi[f"fail4-{code_name}"] = per_type(rcode(code), ok)
        semi[f"fail6-{code_name}"] = per_type(ok, rcode(code))
    w.append(
        World(
            "glibc-semi-failure",
            resolv([NS1], FAST),
            {NS1: by_name(semi)},
            gai_lookups([f"{k}.test." for k in semi]),
        )
    )
    # glibc tst-resolv-af-unspec-noerror-nodata: one family's NODATA with RA=0 (AA=0 as well:
    # a lame-looking reply) and the other family's data.
    nodata_ra0 = rcode(wire.NOERROR, ra=False, aa=False)
    w.append(
        World(
            "glibc-af-unspec-noerror-nodata",
            resolv([NS1], FAST),
            {
                NS1: by_name(
                    {
                        "a-only": per_type(ok, nodata_ra0),
                        "aaaa-only": per_type(nodata_ra0, ok),
                        "a-only-aa": per_type(ok, rcode(wire.NOERROR, ra=False, aa=True)),
                        "aaaa-only-aa": per_type(rcode(wire.NOERROR, ra=False, aa=True), ok),
                    }
                )
            },
            gai_lookups(
                ["a-only.test.", "aaaa-only.test.", "a-only-aa.test.", "aaaa-only-aa.test."]
            ),
        )
    )

    # glibc tst-resolv-canonname / -aliases / -invalid-cname.
    def chain(query: bytes, transport: str, name: str, qtype: int) -> list[Sent | bytes] | str:
        first = name.split(".")[0]
        links = {"chain": 2, "aliases": 60, "badcname": 1, "badmid": 2}.get(first)
        if links is None:
            return [reply(query, rcode=wire.NXDOMAIN)]
        recs, owner = [], name
        for i in range(links):
            target = f"l{i}.{name}"
            if first == "badcname" or (first == "badmid" and i == 0):
                target = f"bad_name{i}!.{name}"
            recs.append(rr(owner, CNAME, target))
            owner = target
        got = {A: "192.0.2.9", AAAA: "2001:db8::9"}.get(qtype)
        if got:
            recs.append(rr(owner, qtype, got))
        return [reply(query, recs)]

    w.append(
        World(
            "glibc-canonname-aliases",
            resolv([NS1], FAST),
            {NS1: by_name({}, chain)},
            gai_lookups(
                ["chain.test.", "aliases.test.", "badcname.test.", "badmid.test."], canon=True
            ),
        )
    )
    # glibc tst-resolv-noaaaa(-vc).
    for opts in ("no-aaaa", "no-aaaa use-vc"):
        w.append(
            World(
                opts.replace(" ", "-"),
                resolv([NS1], f"options {opts} timeout:1 attempts:1"),
                {NS1: by_name({"nodata": addresses(None, None)}, ok)},
                gai_lookups(["noaaaa.test.", "nodata.test."]),
            )
        )
    return w


def worlds(data: dict[str, Any]) -> dict[str, World]:
    out = [
        *search_worlds(data["glibc_tst_resolv_search"]),
        *strict_worlds(data["go_strict_errors"]),
        *other_worlds(),
    ]
    return {w.id: w for w in out}


# --- the server inside the sandbox --------------------------------------------------------------


def query_facts(server: str, query: bytes, transport: str) -> dict[str, Any]:
    """What the log keeps of a query."""
    msg = wire.parse(query)
    q = msg.question[0]
    return {
        "server": server,
        "name": wire.name_to_text(wire.name_lower(q.name)),
        "qtype": q.qtype,
        "transport": transport,
        "edns": None if msg.edns is None else msg.edns.payload,
        "ad": bool(msg.flags & 0x20),
        "rd": bool(msg.flags & 0x100),
    }


def serve(servers: dict[str, Handler], log_path: Path, watch_pid: int) -> None:
    """Serve ``servers`` on UDP and TCP port 53 until ``watch_pid`` is gone."""
    sel = selectors.DefaultSelector()
    log = log_path.open("a", buffering=1)
    timers: list[tuple[float, int, Callable[[], None]]] = []
    seq = 0
    sources: dict[str, socket.socket] = {}

    def note(server: str, query: bytes, transport: str) -> None:
        try:
            facts = query_facts(server, query, transport)
        except wire.WireError:
            facts = {"server": server, "transport": transport, "unreadable": True}
        log.write(json.dumps(facts) + "\n")

    def answer(host: str, query: bytes, transport: str) -> list[Sent | bytes] | str:
        try:
            return servers[host](query, transport)
        except Exception as exc:  # a broken handler shows in the log, the server goes on
            log.write(
                json.dumps({"server": host, "transport": transport, "error": repr(exc)}) + "\n"
            )
            return []

    def udp_reply(sock: socket.socket, host: str, data: bytes, peer: Any) -> None:
        for item in answer(host, data, "udp"):
            if isinstance(item, str):
                continue
            sent = item if isinstance(item, Sent) else Sent(item)
            out = sock
            if sent.source is not None:
                if sent.source[0] not in sources:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.bind(sent.source)
                    sources[sent.source[0]] = s
                out = sources[sent.source[0]]

            def send(out: socket.socket = out, payload: bytes = sent.data) -> None:
                out.sendto(payload, peer)

            if sent.delay:
                nonlocal seq
                seq += 1
                heapq.heappush(timers, (time.monotonic() + sent.delay, seq, send))
            else:
                send()

    for host in servers:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((host, 53))
        sel.register(u, selectors.EVENT_READ, ("udp", host))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((host, 53))
        t.listen(16)
        sel.register(t, selectors.EVENT_READ, ("listen", host))
    buffers: dict[socket.socket, bytes] = {}
    ready = log_path.parent / "ready"
    ready.with_suffix(".tmp").write_text(str(os.getpid()))
    ready.with_suffix(".tmp").rename(ready)
    last_check = time.monotonic()
    while True:
        now = time.monotonic()
        if now - last_check > 0.5:
            last_check = now
            try:
                os.kill(watch_pid, 0)
            except ProcessLookupError:
                return
        wait = 0.5 if not timers else max(0.0, min(0.5, timers[0][0] - now))
        for key, _ in sel.select(wait):
            kind, host = key.data
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            if kind == "udp":
                data, peer = sock.recvfrom(65535)
                if len(data) < 12:
                    continue
                note(host, data, "udp")
                udp_reply(sock, host, data, peer)
            elif kind == "listen":
                conn, _ = sock.accept()
                buffers[conn] = b""
                sel.register(conn, selectors.EVENT_READ, ("tcp", host))
            else:
                chunk = sock.recv(65535)
                buf = buffers[sock] + chunk
                closed = not chunk
                while len(buf) >= 2 and len(buf) >= 2 + int.from_bytes(buf[:2], "big"):
                    n = int.from_bytes(buf[:2], "big")
                    query, buf = buf[2 : 2 + n], buf[2 + n :]
                    note(host, query, "tcp")
                    out = answer(host, query, "tcp")
                    # Silence over TCP would hold glibc forever (its send_vc reads without a
                    # deadline): the connection closes instead.
                    if out == CLOSE or isinstance(out, str) or not out:
                        closed = True
                        break
                    for item in out:
                        payload = item.data if isinstance(item, Sent) else item
                        sock.sendall(len(payload).to_bytes(2, "big") + payload)
                buffers[sock] = buf
                if closed:
                    sel.unregister(sock)
                    del buffers[sock]
                    sock.close()
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            heapq.heappop(timers)[2]()


def main() -> None:
    world_id, vectors, log_path, watch_pid = sys.argv[1:5]
    data = load(Path(vectors))
    assert data is not None
    serve(worlds(data)[world_id].servers, Path(log_path), int(watch_pid))


if __name__ == "__main__":
    main()
