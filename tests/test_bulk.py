"""Bulk resolution (``netdb.bulk``, ``netdb bulk``): the pure parts as pure code, the whole in the
sandbox against Knot, through the fault proxy where a real server would not misbehave.

* ``LINES``: input lines into jobs (types, PTR from addresses, bad lines);
* ``RDATA``: record data in presentation form, against dnspython's reading of the same reply;
* the engine core against scripted datagrams: what is accepted (the right socket, ID, question in
  any letter case) and what is not (wrong ID, socket, question, not a response), timeouts and
  retries, MALFORMED, and a random storm of drops, duplicates and forgeries in which every line
  still ends as exactly one record;
* the sandbox: the command over ``tests/fixtures/bulk/mixed.txt`` (statuses, answers compared with
  what dnspython decodes from Knot directly), faults (drops, spoofing, wrong IDs, garbage, RCODEs,
  server down), TCP after truncation, --resume, the three formats, exit codes, the asyncio API.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from netdb.bulk import Options, Result, parse_line, to_csv, to_jsonl, to_text
from netdb.bulk._decode import decode
from netdb.bulk._engine import Engine
from netdb.bulk._records import rdata_text
from netdb.constants import AF_INET
from netdb.dns import wire
from netdb.dns.ops import Server
from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bulk"
A, AAAA = wire.A, wire.AAAA

# --- input lines -------------------------------------------------------------------------------

# (line text, type label, query names as text, error substring or None)
LINES: list[tuple[str, str, list[str], str | None]] = [
    ("www.example.test", "A+AAAA", ["www.example.test"], None),
    ("www.example.test.", "A+AAAA", ["www.example.test"], None),
    ("  www.example.test   mx  ", "MX", ["www.example.test"], None),
    ("example.test TYPE65", "TYPE65", ["example.test"], None),
    ("example.test 257", "CAA", ["example.test"], None),
    ("example.test both", "A+AAAA", ["example.test"], None),
    ("192.0.2.1 PTR", "PTR", ["1.2.0.192.in-addr.arpa"], None),
    ("2001:db8::1 ptr", "PTR", ["1." + "0." * 23 + "8.b.d.0.1.0.0.2.ip6.arpa"], None),
    ("1.2.0.192.in-addr.arpa PTR", "PTR", ["1.2.0.192.in-addr.arpa"], None),
    ("bücher.example", "A+AAAA", ["xn--bcher-kva.example"], None),
    ("", "A+AAAA", [], "empty line"),
    ("a..b", "A+AAAA", [], "empty label"),
    ("x" * 64 + ".test", "A+AAAA", [], "63"),
    ("a.test A extra", "A+AAAA", [], "unexpected text"),
    ("a.test NOSUCH", "NOSUCH", [], "unknown record type"),
    ("a.test 70000", "70000", [], "unknown record type"),
    # \x1c-\x1f are no blanks (str.split() cut at them in ASCII lines only): one name
    ("a.test\x1cA", "A+AAAA", ["a.test\\028A"], None),
    ("bü.test\x1cA", "A+AAAA", ["xn--b-eha.test\\028A"], None),
    ("a.test TYPE\u00b2", "TYPE\u00b2", [], "unknown record type"),
]


@pytest.mark.parametrize(("text", "label", "qnames", "error"), LINES)
def test_parse_line(text: str, label: str, qnames: list[str], error: str | None) -> None:
    job = parse_line(7, text)
    assert job.line == 7
    assert job.type == label
    if error is None:
        assert job.error is None
        assert [wire.name_to_text(q) for q in job.qnames] == qnames
    else:
        assert job.error is not None and error in job.error
        assert job.qnames == ()


def test_search_list_adds_candidates_only_for_relative_names() -> None:
    """res_search's order: fewer dots than ndots, the domains first and the name as is last."""
    job = parse_line(1, "www", search=("example.test", "other.test"))
    assert [wire.name_to_text(q) for q in job.qnames] == [
        "www.example.test",
        "www.other.test",
        "www",
    ]
    assert job.as_is == 2
    assert len(parse_line(1, "www.", search=("example.test",)).qnames) == 1


# --- record data against dnspython ------------------------------------------------------------

# (type, dnspython rdata text); dnspython builds the reply, our decoder reads it
RDATA: list[tuple[str, str]] = [
    ("A", "192.0.2.1"),
    ("AAAA", "2001:db8::1"),
    ("AAAA", "::ffff:192.0.2.1"),
    ("CNAME", "target.example.test."),
    ("NS", "ns.example.test."),
    ("PTR", "host.example.test."),
    ("MX", "10 mail.example.test."),
    ("TXT", '"hello world" "two"'),
    ("TXT", '"quote\\" and \\\\ back" "\\255"'),
    ("SOA", "ns.example.test. hostmaster.example.test. 1 3600 600 86400 120"),
    ("SRV", "10 20 443 web.example.test."),
    ("CAA", '0 issue "ca.example.net"'),
    ("TYPE999", "\\# 4 01020304"),
]


def _reply(qname: str, rdtype: str, answers: list[tuple[str, str, str]], rcode: int = 0) -> bytes:
    query = dns.message.make_query(qname, dns.rdatatype.from_text(rdtype))
    query.id = 0x1234
    resp = dns.message.make_response(query)
    resp.set_rcode(rcode)
    for owner, typ, text in answers:
        resp.answer.append(dns.rrset.from_text(owner, 300, "IN", typ, text))
    return resp.to_wire()


def _qend(data: bytes) -> int:
    _, end = wire.read_name(data, 12)
    return end + 4


def _dnspython_text(rdtype: str, text: str) -> str:
    """dnspython's presentation form, names without the trailing dot (as glibc prints them)."""
    rd = dns.rrset.from_text("q.example.test.", 300, "IN", rdtype, text)[0]
    out = rd.to_text()
    if rdtype in ("CNAME", "NS", "PTR", "MX", "SRV"):
        out = out.rstrip(".")
    if rdtype == "SOA":
        parts = out.split()
        out = " ".join([parts[0].rstrip("."), parts[1].rstrip("."), *parts[2:]])
    return out


@pytest.mark.parametrize(("rdtype", "text"), RDATA)
def test_rdata_text_matches_dnspython(rdtype: str, text: str) -> None:
    data = _reply("q.example.test.", rdtype, [("q.example.test.", rdtype, text)])
    qtype = wire.type_from_text(rdtype)
    status, answers, chain, error = decode(data, _qend(data), qtype, "q.example.test")
    assert (status, chain, error) == ("NOERROR", (), None)
    assert len(answers) == 1
    owner, rtype, ttl, rdata = answers[0]
    assert (owner, rtype, ttl) == ("q.example.test", wire.type_name(qtype), 300)
    assert rdata == _dnspython_text(rdtype, text)
    # The slow path (the full codec) reads the same.
    assert rdata_text(qtype, wire.parse(data).answer[0].data) == rdata


def test_decode_chain_nxdomain_nodata_and_malformed() -> None:
    chained = _reply(
        "a.example.test.",
        "A",
        [
            ("a.example.test.", "CNAME", "B.example.test."),
            ("b.example.test.", "CNAME", "c.example.test."),
            ("c.example.test.", "A", "192.0.2.9"),
            ("other.example.test.", "A", "192.0.2.10"),
        ],
    )
    status, answers, chain, _ = decode(chained, _qend(chained), A, "a.example.test")
    assert status == "NOERROR"
    assert chain == ("B.example.test", "c.example.test")
    assert [(a[0], a[3]) for a in answers] == [("c.example.test", "192.0.2.9")]
    nx = _reply("n.example.test.", "A", [("n.example.test.", "CNAME", "gone.example.test.")], 3)
    assert decode(nx, _qend(nx), A, "n")[0:3] == ("NXDOMAIN", (), ("gone.example.test",))
    nodata = _reply("n.example.test.", "AAAA", [])
    assert decode(nodata, _qend(nodata), AAAA, "n")[0] == "NODATA"
    servfail = _reply("n.example.test.", "A", [], 2)
    assert decode(servfail, _qend(servfail), A, "n")[0] == "SERVFAIL"
    good = _reply("m.example.test.", "A", [("m.example.test.", "A", "192.0.2.1")])
    cut = good[:-2]
    status, _, _, error = decode(cut, _qend(cut), A, "m")
    assert status == "MALFORMED" and error is not None


def test_formats_round_trip() -> None:
    job = parse_line(3, "c.example.test")
    assert job.error is None
    r = Result(
        3,
        'we"ird\\name',
        "A+AAAA",
        "NOERROR",
        (),
        ("x.example.test",),
        "127.0.0.1:53",
        2,
        1.5,
        (("A", "NOERROR"), ("AAAA", "NODATA")),
    )
    obj = json.loads(to_jsonl(r))
    assert obj == {
        "v": 1,
        "line": 3,
        "name": 'we"ird\\name',
        "type": "A+AAAA",
        "status": "NOERROR",
        "cname": ["x.example.test"],
        "statuses": {"A": "NOERROR", "AAAA": "NODATA"},
        "server": "127.0.0.1:53",
        "tries": 2,
        "ms": 1.5,
    }
    row = next(csv.reader(io.StringIO(to_csv(r))))
    assert row[:4] == ["3", 'we"ird\\name', "A+AAAA", "NOERROR"]
    assert to_text(r).split("\t")[:4] == ["3", 'we"ird\\name', "A+AAAA", "NOERROR"]


# --- the engine core against scripted datagrams -------------------------------------------------

SERVER = Server(AF_INET, "192.0.2.53")
SERVER2 = Server(AF_INET, "192.0.2.54")


def _engine(**kw: Any) -> Engine:
    opts = Options((SERVER, SERVER2), **{"timeout": 1.0, "retries": 1, **kw})
    return Engine(opts, [0, 0, 1, 1], rng=random.Random(1))


def _answer(
    query: bytes, rcode: int = 0, qname: str | None = None, addr: str = "192.0.2.7"
) -> bytes:
    msg = dns.message.from_wire(query)
    resp = dns.message.make_response(msg)
    resp.set_rcode(rcode)
    q = msg.question[0]
    if qname is not None:
        resp.question[0].name = dns.name.from_text(qname)
    if rcode == 0 and q.rdtype == dns.rdatatype.A:
        resp.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A", addr))
    return resp.to_wire()


def test_engine_accepts_only_the_reply_to_the_query() -> None:
    eng = _engine()
    eng.admit(parse_line(1, "www.example.test A"), 0.0)
    [(si, query)] = eng.poll_sends(0.0)
    assert query[2:] == wire.build_query(0, wire.name_from_text("www.example.test"), A,
                                         edns_payload=1232)[2:]  # fmt: skip
    other_socket = (si + 1) % 4
    flipped = bytes([query[0] ^ 1]) + query[1:]
    forged = [
        (other_socket, _answer(query, addr="192.0.2.66")),  # right ID, wrong socket
        (si, _answer(flipped, addr="192.0.2.66")),  # wrong ID
        (si, _answer(query, qname="wwx.example.test", addr="192.0.2.66")),  # wrong question
        (si, query),  # the query itself: QR clear
        (si, query[:11]),  # shorter than a header
    ]
    for sock, data in forged:
        eng.on_reply(sock, data, 0.1)
    assert not eng.finished and eng.unmatched == len(forged)
    # The same question in other letter case is the reply (RFC 4343, 0x20 echo).
    eng.on_reply(si, _answer(query, qname="WwW.ExAmple.TEST"), 0.2)
    [res] = eng.finished
    assert (res.status, [a.data for a in res.answers], res.tries) == ("NOERROR", ["192.0.2.7"], 1)
    assert res.server == "192.0.2.53:53"
    assert eng.idle


def test_engine_timeout_retry_to_next_server_then_timeout() -> None:
    eng = _engine()
    eng.admit(parse_line(1, "t.example.test A"), 0.0)
    [(s1, q1)] = eng.poll_sends(0.0)
    eng.on_timer(0.5)
    assert not eng.finished and not eng.poll_sends(0.5)
    eng.on_timer(1.0)
    [(s2, _)] = eng.poll_sends(1.0)
    assert (s1 < 2) != (s2 < 2), "the retry goes to the other server"
    late = _answer(q1)
    eng.on_reply(s1, late, 1.1)  # a late reply to the first try: its ID is no longer in flight
    assert not eng.finished
    eng.on_timer(2.0)
    [res] = eng.finished
    assert (res.status, res.tries, res.server) == ("TIMEOUT", 2, None)


def test_engine_timeout_follows_the_rtt_and_backs_off() -> None:
    """RFC 6298: after a 10 ms reply a try waits the 0.05 s floor, its first retry as long, the
    next one 0.1 s; the last try waits the whole ``timeout``; with adaptive=False every try
    waits ``timeout``."""
    eng = _engine(timeout=2.0, retries=3)
    eng.admit(parse_line(1, "a.example.test A"), 0.0)
    [(si, q)] = eng.poll_sends(0.0)
    eng.on_reply(si, _answer(q), 0.01)
    assert [r.status for r in eng.finished] == ["NOERROR"]
    eng.finished.clear()
    eng.admit(parse_line(2, "b.example.test A"), 1.0)
    [_] = eng.poll_sends(1.0)
    at = 1.0
    for n, wait in enumerate((0.05, 0.05, 0.1, 2.0)):  # the first try, then each retry
        eng.on_timer(at + wait - 0.001)
        assert not eng.ready and not eng.finished
        at += wait
        eng.on_timer(at)
        if n < 3:
            [_] = eng.poll_sends(at)  # the retry
    assert [(r.status, r.tries) for r in eng.finished] == [("TIMEOUT", 4)]
    fixed = _engine(timeout=2.0, adaptive=False)
    fixed.admit(parse_line(1, "a.example.test A"), 0.0)
    [(si, q)] = fixed.poll_sends(0.0)
    fixed.on_reply(si, _answer(q), 0.01)
    fixed.admit(parse_line(2, "b.example.test A"), 1.0)
    [_] = fixed.poll_sends(1.0)
    fixed.on_timer(2.9)
    assert not fixed.ready
    fixed.on_timer(3.0)
    assert fixed.ready


def test_engine_retries_servfail_and_reports_malformed() -> None:
    eng = _engine()
    eng.admit(parse_line(1, "s.example.test A"), 0.0)
    [(si, q)] = eng.poll_sends(0.0)
    eng.on_reply(si, _answer(q, rcode=2), 0.1)
    [(si2, q2)] = eng.poll_sends(0.1)
    eng.on_reply(si2, _answer(q2, rcode=2), 0.2)
    [res] = eng.finished
    assert (res.status, res.tries) == ("SERVFAIL", 2)
    eng.finished.clear()
    eng.admit(parse_line(2, "m.example.test A"), 1.0)
    [(si, q)] = eng.poll_sends(1.0)
    eng.on_reply(si, _answer(q)[:-3], 1.1)
    [(si, q)] = eng.poll_sends(1.1)
    eng.on_reply(si, _answer(q)[:-3], 1.2)
    [res] = eng.finished
    assert res.status == "MALFORMED" and res.error


def test_engine_rate_limit_and_window() -> None:
    eng = _engine(rate=100.0, concurrency=1000)
    for n in range(50):
        eng.admit(parse_line(n + 1, f"n{n}.example.test A"), 0.0)
    first = eng.poll_sends(0.0)
    assert len(first) == 2  # a 50th of a second's worth
    assert len(eng.poll_sends(0.1)) == 2  # bursts never exceed it
    eng2 = _engine(concurrency=5)
    for n in range(50):
        eng2.admit(parse_line(n + 1, f"n{n}.example.test A"), 0.0)
    assert len(eng2.poll_sends(0.0)) == 5
    eng3 = _engine(concurrency=1000)
    eng3.window = 1000  # as slow start leaves it (tests/test_bulk_window.py)
    for n in range(300):
        eng3.admit(parse_line(n + 1, f"n{n}.example.test A"), 0.0)
    assert [len(eng3.poll_sends(0.0)) for _ in range(4)] == [128, 128, 44, 0]  # bursts


@pytest.mark.parametrize("seed", range(5))
def test_engine_storm_every_line_exactly_once(seed: int) -> None:
    """Drops, duplicates, forgeries, late replies, SERVFAILs: each line still ends once."""
    rnd = random.Random(seed)
    eng = _engine(retries=2, concurrency=64)
    lines = [f"h{n}.example.test {'A' if n % 3 else 'both'}" for n in range(1, 400)]
    lines[17] = "bad..line"
    pending = list(enumerate(lines, 1))
    now = 0.0
    results: list[Result] = []
    backlog: list[tuple[int, bytes]] = []
    while pending or not eng.idle:
        while pending and eng.room() > 0:
            n, text = pending.pop(0)
            eng.admit(parse_line(n, text), now)
        for si, q in eng.poll_sends(now):
            fate = rnd.random()
            if fate < 0.2:
                continue  # lost
            reply = _answer(q, rcode=2 if fate < 0.25 else 0)
            if fate > 0.9:
                backlog.append((si, _answer(q, qname="evil.example.test")))
                backlog.append((si ^ 1, reply))
            backlog.append((si, reply))
            if fate > 0.8:
                backlog.append((si, reply))  # duplicate
        rnd.shuffle(backlog)
        keep = backlog[len(backlog) // 2 :]
        for si, data in backlog[: len(backlog) // 2]:
            eng.on_reply(si, data, now)
        backlog = keep
        now += 0.25
        eng.on_timer(now)
        results.extend(eng.finished)
        eng.finished.clear()
    assert sorted(r.line for r in results) == list(range(1, len(lines) + 1))
    assert {r.status for r in results} <= {"NOERROR", "TIMEOUT", "SERVFAIL", "INVALID"}
    assert next(r for r in results if r.line == 18).status == "INVALID"
    for r in results:
        assert all(a.data == "192.0.2.7" for a in r.answers), "a forgery was accepted"
    assert not eng.inflight and not eng.ready


# --- the sandbox --------------------------------------------------------------------------------

pytestmark_sandbox = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)
BULK = Scenario(
    "bulk",
    files={
        "resolv.conf": "nameserver 127.0.0.1\nsearch example.test\n",
        "hosts": "127.0.0.1 localhost\n",
        "nsswitch.conf": "hosts: files dns\n",
    },
    dns="knot",
)
PROXY = "127.0.0.3"
FAST = ["--timeout", "0.3", "--retries", "2", "-q"]


@pytest.fixture
def box(sandboxes: Callable[[Scenario], Sandbox]) -> Sandbox:
    if dnsservers.available() is not None:
        pytest.skip(str(dnsservers.available()))
    b = sandboxes(BULK)
    b.fault([])
    return b


def bulk(
    box: Sandbox, *args: str, stdin: str | None = None, tmp: Path | None = None
) -> tuple[int, str, str]:
    argv = [sys.executable, "-m", "netdb.cli", "bulk", *args]
    if stdin is not None:
        assert tmp is not None
        path = tmp / f"in-{abs(hash(stdin))}.txt"
        path.write_text(stdin)
        argv.append(str(path))
    return box.run(*argv)


def records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# line -> (status, type label, cname chain or None)
MIXED: dict[int, tuple[str, str, list[str] | None]] = {
    1: ("NOERROR", "A+AAAA", None),
    2: ("NOERROR", "A", None),
    3: ("NOERROR", "AAAA", None),
    4: ("NOERROR", "A+AAAA", ["both.example.test"]),
    5: ("NOERROR", "A", ["c3b.example.test", "c3c.example.test", "both.example.test"]),
    6: ("NXDOMAIN", "A+AAAA", None),
    7: ("NODATA", "A+AAAA", None),
    8: ("NOERROR", "PTR", None),
    10: ("NODATA", "MX", None),
    11: ("NOERROR", "MX", None),
    12: ("NOERROR", "SOA", None),
    13: ("NOERROR", "NS", None),
    14: ("NOERROR", "TXT", None),
    15: ("NOERROR", "CNAME", None),
    16: ("NOERROR", "A", None),
    17: ("NXDOMAIN", "A", ["nothere.example.test"]),
    18: ("INVALID", "A+AAAA", None),
    19: ("INVALID", "A+AAAA", None),
    20: ("INVALID", "NOSUCHTYPE", None),
    21: ("INVALID", "A+AAAA", None),
    22: ("NOERROR", "MX", None),
    23: ("NOERROR", "A+AAAA", None),
}

ORACLE = r"""
import json, sys
import dns.message, dns.query, dns.rdatatype, dns.rcode
out = {}
for key in json.loads(sys.argv[1]):
    qname, qtype = key.split("|")
    q = dns.message.make_query(qname, dns.rdatatype.from_text(qtype))
    r = dns.query.udp(q, "127.0.0.1", timeout=2)
    out[key] = {
        "rcode": dns.rcode.to_text(r.rcode()),
        "rrs": sorted(
            [rr.name.to_text().rstrip(".").lower(), dns.rdatatype.to_text(rr.rdtype), rr.ttl,
             rd.to_text()]
            for rr in r.answer for rd in rr
        ),
    }
print(json.dumps(out))
"""


def _norm(text: str, rtype: str) -> str:
    if rtype in ("CNAME", "NS", "PTR", "MX", "SRV"):
        return text.rstrip(".")
    if rtype == "SOA":
        p = text.split()
        return " ".join([p[0].rstrip("."), p[1].rstrip("."), *p[2:]])
    return text


def test_mixed_input_one_record_per_line_and_dnspython_agrees(box: Sandbox) -> None:
    rc, out, err = box.run(
        sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", str(FIXTURES / "mixed.txt")
    )
    assert rc == 0, err
    recs = {r["line"]: r for r in records(out)}
    n_lines = len((FIXTURES / "mixed.txt").read_text().splitlines())
    assert sorted(recs) == list(range(1, n_lines + 1))
    assert len(records(out)) == n_lines
    for line, (status, label, chain) in MIXED.items():
        r = recs[line]
        assert (r["status"], r["type"]) == (status, label), r
        if chain is not None:
            assert r["cname"] == chain, r
        assert r["v"] == 1
        if status == "INVALID":
            assert r["error"]
        else:
            assert r["server"] == "127.0.0.1:53" and r["tries"] >= 1
    assert recs[8]["answers"][0]["data"] == "both.example.test"
    assert recs[8]["qname"] == "1.2.0.192.in-addr.arpa"
    # Compare the answer records with dnspython's own query and decoding.
    keys = []
    for r in recs.values():
        if r["status"] == "INVALID":
            continue
        qname = r.get("qname", r["name"])
        keys += [f"{qname}|{t}" for t in r["type"].split("+")]
    rc, oracle_out, err = box.run(sys.executable, "-c", ORACLE, json.dumps(keys))
    assert rc == 0, err
    oracle = json.loads(oracle_out)
    for r in recs.values():
        if r["status"] == "INVALID":
            continue
        qname = r.get("qname", r["name"])
        expected_rrs = []
        rcodes = []
        for t in r["type"].split("+"):
            o = oracle[f"{qname}|{t}"]
            rcodes.append(o["rcode"])
            expected_rrs += [
                [n, typ, ttl, _norm(text, typ)] for n, typ, ttl, text in o["rrs"] if typ == t
            ]
        got = sorted(
            [a["name"].lower(), a["type"], a["ttl"], a["data"]] for a in r.get("answers", [])
        )
        assert got == sorted(expected_rrs), (r, oracle[f"{qname}|{r['type'].split('+')[0]}"])
        if r["status"] == "NXDOMAIN":
            assert "NXDOMAIN" in rcodes
        if r["status"] in ("NOERROR", "NODATA"):
            assert "NOERROR" in rcodes


def test_workers_give_the_same_records(box: Sandbox, tmp_path: Path) -> None:
    """--workers 3: each line once, the same records as one process (ms and tries aside)."""

    def run(*extra: str) -> dict[int, dict[str, Any]]:
        outfile = tmp_path / f"out{len(extra)}.jsonl"
        rc, _, err = box.run(
            sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", *extra,
            "-o", str(outfile), str(FIXTURES / "mixed.txt"),
        )  # fmt: skip
        assert rc == 0, err
        recs = records(outfile.read_text())
        by_line = {r["line"]: r for r in recs}
        assert len(by_line) == len(recs)
        for r in recs:
            r.pop("ms")
        return by_line

    one = run("--workers", "1")
    three = run("--workers", "3")
    assert three == one
    assert sorted(three) == list(
        range(1, len((FIXTURES / "mixed.txt").read_text().splitlines()) + 1)
    )


# (id, fault rules, expected status of both.example.test A, may the answer be real?)
FAULTS: list[tuple[str, list[dict[str, Any]], str]] = [
    ("spoof", [{"name": "example.test", "action": "spoof"}], "NOERROR"),
    ("wrong-id", [{"name": "example.test", "action": "wrong_id"}], "TIMEOUT"),
    ("wrong-question", [{"name": "example.test", "action": "wrong_question"}], "TIMEOUT"),
    ("other-source", [{"name": "example.test", "action": "other_source"}], "TIMEOUT"),
    ("garbage", [{"name": "example.test", "action": "garbage"}], "TIMEOUT"),
    ("short", [{"name": "example.test", "action": "short"}], "TIMEOUT"),
    ("drop", [{"name": "example.test", "action": "drop"}], "TIMEOUT"),
    ("servfail", [{"name": "example.test", "action": "rcode", "rcode": 2}], "SERVFAIL"),
    ("refused", [{"name": "example.test", "action": "rcode", "rcode": 5}], "REFUSED"),
    ("nxdomain", [{"name": "example.test", "action": "rcode", "rcode": 3}], "NXDOMAIN"),
    ("truncated-then-tcp", [{"name": "example.test", "action": "truncate"}], "NOERROR"),
]


@pytest.mark.parametrize(("rules", "status"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_faults_every_line_one_record(
    box: Sandbox, tmp_path: Path, rules: list[dict[str, Any]], status: str
) -> None:
    box.fault(rules)
    names = [f"n{i}.wild.example.test A" for i in range(12)] + ["both.example.test A"]
    rc, out, err = bulk(box, "-s", PROXY, *FAST, stdin="\n".join(names) + "\n", tmp=tmp_path)
    assert rc == 0, err
    recs = records(out)
    assert sorted(r["line"] for r in recs) == list(range(1, len(names) + 1))
    assert {r["status"] for r in recs} == {status}
    for r in recs:
        for a in r.get("answers", ()):
            assert a["data"] in ("192.0.2.88", "192.0.2.1"), "a forged answer was accepted"
        if status == "TIMEOUT":
            assert r["tries"] == 3 and "server" not in r
        if status == "NOERROR":
            assert r["answers"]
    log = box.fault_log()
    if rules[0]["action"] == "truncate":
        assert any(e["transport"] == "tcp" for e in log)


def test_drops_are_retried_and_answered(box: Sandbox, tmp_path: Path) -> None:
    names = [f"d{i}.wild.example.test" for i in range(30)]
    # The first query of each name from each client socket is lost.
    box.fault([{"name": n, "action": "drop_first", "n": 1} for n in names])
    rc, out, err = bulk(
        box, "-s", PROXY, "--timeout", "0.3", "--retries", "4", "-q",
        stdin="\n".join(names) + "\n", tmp=tmp_path,
    )  # fmt: skip
    assert rc == 0, err
    recs = records(out)
    assert sorted(r["line"] for r in recs) == list(range(1, 31))
    assert all(r["status"] == "NOERROR" for r in recs), [
        r for r in recs if r["status"] != "NOERROR"
    ]
    assert all(r["tries"] >= 3 for r in recs)  # A and AAAA each lost at least once


def test_server_down_is_timeout_with_exit_zero(box: Sandbox, tmp_path: Path) -> None:
    rc, out, err = bulk(
        box, "-s", "127.0.0.9", "--timeout", "0.2", "--retries", "1",
        stdin="both.example.test\nbad..x\nv4only.example.test A\n", tmp=tmp_path,
    )  # fmt: skip
    assert rc == 0
    recs = records(out)
    assert [r["status"] for r in sorted(recs, key=lambda r: r["line"])] == [
        "TIMEOUT",
        "INVALID",
        "TIMEOUT",
    ]
    assert "TIMEOUT 2" in err and "INVALID 1" in err  # the summary


def test_two_servers_one_down(box: Sandbox, tmp_path: Path) -> None:
    names = [f"s{i}.wild.example.test A" for i in range(20)]
    rc, out, err = bulk(
        box, "-s", "127.0.0.9", "-s", "127.0.0.1", "--timeout", "0.2", "--retries", "1", "-q",
        stdin="\n".join(names) + "\n", tmp=tmp_path,
    )  # fmt: skip
    assert rc == 0, err
    recs = records(out)
    assert len(recs) == 20 and all(r["status"] == "NOERROR" for r in recs)
    assert {r["server"] for r in recs} == {"127.0.0.1:53"}


def test_tcp_after_truncation_without_edns(box: Sandbox, tmp_path: Path) -> None:
    rc, out, err = bulk(
        box, "-s", "127.0.0.1", "--edns-payload", "0", "-q",
        stdin="big4.example.test A\nbigboth.example.test\n", tmp=tmp_path,
    )  # fmt: skip
    assert rc == 0, err
    recs = {r["line"]: r for r in records(out)}
    assert len(recs[1]["answers"]) == 40
    assert len(recs[2]["answers"]) == 50
    assert recs[1]["tries"] == 2  # UDP (truncated), then TCP


def test_formats_and_usage_errors(box: Sandbox, tmp_path: Path) -> None:
    text = "both.example.test\nnosuch.example.test A\n"
    rc, out, _ = bulk(box, "-s", "127.0.0.1", "-q", "--format", "csv", stdin=text, tmp=tmp_path)
    assert rc == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["line", "name", "type", "status", "answers", "cname", "server", "tries",
                       "ms", "error"]  # fmt: skip
    by_line = {row[0]: row for row in rows[1:]}
    assert by_line["1"][3] == "NOERROR" and by_line["1"][4] == "A 192.0.2.1; AAAA 2001:db8::1"
    assert by_line["2"][3] == "NXDOMAIN"
    rc, out, _ = bulk(box, "-s", "127.0.0.1", "-q", "--format", "text", stdin=text, tmp=tmp_path)
    assert rc == 0
    fields = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    assert fields["1"][1:4] == ["both.example.test", "A+AAAA", "NOERROR"]
    assert fields["2"][3] == "NXDOMAIN"
    for argv, code in [
        (["--concurrency", "0"], 64),
        (["-s", "not-an-address"], 64),
        (["--type", "NOPE"], 64),
        (["--resume"], 64),
        (["/nonexistent/input"], 66),
    ]:
        rc, _, err = bulk(box, *argv)
        assert rc == code, (argv, err)
        assert "Traceback" not in err


def test_resume_skips_what_is_written(box: Sandbox, tmp_path: Path) -> None:
    lines = [f"r{i}.wild.example.test A" for i in range(40)]
    infile = tmp_path / "in.txt"
    infile.write_text("\n".join(lines) + "\n")
    outfile = tmp_path / "out.jsonl"
    # A previous run that wrote lines 1-10 and was killed in the middle of line 11.
    first = [
        json.dumps({"v": 1, "line": n, "name": lines[n - 1].split()[0], "type": "A",
                    "status": "NOERROR"})
        for n in range(1, 11)
    ]  # fmt: skip
    outfile.write_text("\n".join(first) + '\n{"v":1,"line":11,"na')
    rc, _, err = box.run(
        sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", "--resume",
        "-o", str(outfile), str(infile),
    )  # fmt: skip
    assert rc == 0, err
    assert "10 skipped" in err
    recs = records(outfile.read_text())
    assert sorted(r["line"] for r in recs) == list(range(1, 41))
    assert all(r["status"] == "NOERROR" for r in recs)
    # Resuming a finished run adds nothing.
    rc, _, err = box.run(
        sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", "--resume",
        "-o", str(outfile), str(infile),
    )  # fmt: skip
    assert rc == 0 and "40 skipped" in err
    assert len(records(outfile.read_text())) == 40


@pytest.mark.parametrize("workers", ["1", "2"])
def test_interrupt_then_resume_loses_no_line(box: Sandbox, tmp_path: Path, workers: str) -> None:
    """SIGINT in the middle of a run against a slow server, then --resume: every line once."""
    names = [f"i{i}.wild.example.test A" for i in range(300)]
    box.fault([{"name": "wild.example.test", "action": "delay", "seconds": 0.2}])
    infile = tmp_path / "in.txt"
    infile.write_text("\n".join(names) + "\n")
    outfile = tmp_path / "out.jsonl"
    script = (
        "import subprocess, sys, time, signal\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'netdb.cli', 'bulk', '-s', {PROXY!r}, "
        f"'-c', '{20 // int(workers)}', '-w', {workers!r}, '-o', {str(outfile)!r}, "
        f"{str(infile)!r}], stderr=subprocess.PIPE)\n"
        "time.sleep(2.0)\n"
        "p.send_signal(signal.SIGINT)\n"
        "err = p.communicate()[1].decode()\n"
        "print(p.returncode)\n"
        "sys.stderr.write(err)\n"
    )
    rc, out, err = box.run(sys.executable, "-c", script)
    assert rc == 0, err
    assert out.strip() == "130", err
    partial = records(outfile.read_text())
    assert 0 < len(partial) < len(names)
    box.fault([])
    rc, _, err = box.run(
        sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.1", "--resume",
        "-o", str(outfile), str(infile),
    )  # fmt: skip
    assert rc == 0, err
    recs = records(outfile.read_text())
    assert sorted(r["line"] for r in recs) == list(range(1, len(names) + 1))


API = r"""
import asyncio, json, sys, threading
import netdb.bulk

async def names():
    for line in ["both.example.test", "nosuch.example.test A", "192.0.2.1 PTR", "bad..x"]:
        yield line

async def main():
    threads = threading.active_count()
    out = []
    async for r in netdb.bulk.resolve(names(), nameservers=["127.0.0.1"], timeout=1.0):
        out.append([r.line, r.status, [a.data for a in r.answers]])
    plain = [r.status async for r in netdb.bulk.resolve(["v4only.example.test A"],
                                                         nameservers=["127.0.0.1"])]
    sync = [r.status for r in netdb.bulk.resolve_iter(["v6only.example.test AAAA"],
                                                      nameservers=["127.0.0.1"])]
    print(json.dumps({"out": sorted(out), "plain": plain, "sync": sync,
                      "threads": threading.active_count() - threads}))

asyncio.run(main())
"""


def test_asyncio_api(box: Sandbox) -> None:
    rc, out, err = box.run(sys.executable, "-c", API)
    assert rc == 0, err
    got = json.loads(out)
    assert got["out"] == [
        [1, "NOERROR", ["192.0.2.1", "2001:db8::1"]],
        [2, "NXDOMAIN", []],
        [3, "NOERROR", ["both.example.test"]],
        [4, "INVALID", []],
    ]
    assert got["plain"] == ["NOERROR"] and got["sync"] == ["NOERROR"]
    assert got["threads"] == 0
