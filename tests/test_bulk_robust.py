"""Bulk resolution on hostile input, odd options and hard ends (issue 9, "Bulk: nothing lost, no
tracebacks").

* Input bytes: every line gets one record, valid JSON / CSV / text whatever the bytes; a line
  that is not UTF-8 is INVALID with its bytes recoverable; only ``\\n`` ends a line.
* An unreachable server is a status (UNREACHABLE) on every line's record, not a crash.
* Deaths: a worker killed, the main process killed, ``| head``: one true line, no traceback, the
  documented exit status, the workers gone with their parent.
* ``PTR`` lines hold addresses; ``--search`` walks as glibc's ``res_search``; the keywords of
  ``netdb.bulk.resolve`` take what README says and reject the rest.

Pure parts run as pure code; the command runs in the sandbox against Knot (and the fault proxy),
never off this machine.  New names are looked up at run time, so that this file also runs (and
fails) against the code before the fix.
"""

from __future__ import annotations

import csv
import io
import json
import random
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netdb.bulk
from netdb.bulk import Options, Result, _jobs, _records, parse_line
from netdb.bulk._engine import Engine
from netdb.bulk._io import sockets
from netdb.constants import AF_INET
from netdb.dns.ops import Server
from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario

# --- input bytes -> records ---------------------------------------------------------------------


def _line_text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _records_of(raw: bytes) -> tuple[str, str, str, Any]:
    """The JSON, CSV and text records of input line ``raw`` when it is INVALID (or a stand-in
    NOERROR record for a line that can be asked), and its job."""
    job = parse_line(1, _line_text(raw))
    fields = (
        job.line, job.name, job.type, "INVALID" if job.error else "NOERROR", (), (), None, 0, 0.0,
        (), None, job.error,
    )  # fmt: skip
    return (
        _records.jsonl_line(*fields),
        _records.csv_line(*fields),
        _records.text_line(*fields),
        job,
    )


def _check_record_bytes(jsonl: str, csvl: str, textl: str) -> dict[str, Any]:
    for rec in (jsonl, csvl, textl):
        data = rec.encode("utf-8")  # a lone surrogate (an undecodable byte) raises here
        assert b"\x00" not in data and b"\n" not in data, rec
        assert not data.startswith(b"\x00")
    obj = json.loads(jsonl.encode("utf-8"))
    assert isinstance(obj, dict) and obj["line"] == 1
    for key in ("name", "type"):
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in obj[key]), obj  # valid Unicode
    [row] = list(csv.reader(io.StringIO(csvl)))
    assert len(row) == 10 and row[0] == "1"
    assert len(textl.split("\t")) == 10
    return obj


def test_line_not_utf8_is_invalid_and_its_bytes_come_back() -> None:
    raw = b"caf\xe9\\x41.example.test \xff"
    jsonl, csvl, textl, job = _records_of(raw)
    obj = _check_record_bytes(jsonl, csvl, textl)
    assert obj["status"] == "INVALID"
    assert "not UTF-8" in obj["error"]
    # The escape is unambiguous: the literal backslash is doubled, the bad byte is \xHH.
    assert obj["name"] == "caf\\xe9\\\\x41.example.test"
    assert obj["type"] == "\\xff"
    assert netdb.bulk.unescape_bytes(obj["name"]) == b"caf\xe9\\x41.example.test"
    assert netdb.bulk.unescape_bytes(obj["type"]) == b"\xff"
    row = next(csv.reader(io.StringIO(csvl)))
    assert row[1] == obj["name"] and row[2] == obj["type"]
    assert job.qnames == ()


def test_type_field_is_escaped_in_json() -> None:
    """An unknown type is written as given: a quote or a NUL in it must not break the record."""
    for raw in (b'x.test a"b', b"x.test \x00\x01", b"x.test \\", b"x.test \xc3\xa9"):
        jsonl, csvl, textl, _job = _records_of(raw)
        obj = _check_record_bytes(jsonl, csvl, textl)
        assert obj["status"] == "INVALID"
        if b"\xc3" not in raw:
            assert obj["type"] == raw.split(b" ", 1)[1].decode()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40).filter(lambda b: b"\n" not in b))
def test_any_bytes_one_valid_record(raw: bytes) -> None:
    jsonl, csvl, textl, job = _records_of(raw)
    obj = _check_record_bytes(jsonl, csvl, textl)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert obj["status"] == "INVALID"
        first = raw.replace(b"\t", b" ").replace(b"\r", b" ").replace(b"\x0b", b" ")
        first = first.replace(b"\x0c", b" ").strip(b" ").split(b" ")[0]
        assert netdb.bulk.unescape_bytes(obj["name"]) == first
    else:
        assert obj["name"] == job.name


# --- long lines: bounded memory ------------------------------------------------------------------

LIMIT = _jobs.READ_LIMIT
# (stream bytes, the lines read_lines gives): a line over READ_LIMIT bytes comes cut, without
# its newline, and the rest of it is never held.
READS: list[tuple[bytes, list[bytes]]] = [
    (b"", []),
    (b"a", [b"a"]),
    (b"a\nb\n", [b"a\n", b"b\n"]),
    (b"a\r\n\rb\n\n", [b"a\r\n", b"\rb\n", b"\n"]),
    (b"x" * (LIMIT - 1) + b"\nz", [b"x" * (LIMIT - 1) + b"\n", b"z"]),
    (b"x" * LIMIT + b"\nz\n", [b"x" * LIMIT, b"z\n"]),
    (b"x" * (5 * LIMIT) + b"\n\n", [b"x" * LIMIT, b"\n"]),
    (b"y\n" + b"x" * (5 * LIMIT + 3), [b"y\n", b"x" * LIMIT]),
]


@pytest.mark.parametrize(("data", "lines"), READS, ids=lambda v: repr(v)[:40])
def test_read_lines_bounds_every_line(data: bytes, lines: list[bytes]) -> None:
    assert list(_jobs.read_lines(io.BufferedReader(io.BytesIO(data)))) == lines


MAX = _jobs.MAX_LINE
# (input line as read, (status, name)): a line over MAX_LINE characters is INVALID (TOO_LONG)
# with the start of its first field, escaped, as its name; one of MAX_LINE is read as usual.
LONG_LINES: list[tuple[bytes, tuple[str, str]]] = [
    (b"x" * MAX, ("bad name: label longer than 63 bytes at byte 0", "x" * MAX)),
    (b"x" * (MAX + 1), (_jobs.TOO_LONG, "x" * (MAX + 1))),
    (b"a.test" + b" " * MAX + b"A", (_jobs.TOO_LONG, "a.test")),
    (b"\xc3\xa9" * (MAX + 1), (_jobs.TOO_LONG, "\xe9" * (MAX + 1))),
    (b"\xff\\" * LIMIT, (_jobs.TOO_LONG, "\\xff\\\\" * ((MAX + 1) // 2) + "\\xff")),
]


@pytest.mark.parametrize(("raw", "outcome"), LONG_LINES, ids=lambda v: repr(v)[:40])
def test_long_line_is_invalid_with_its_name_cut(raw: bytes, outcome: tuple[str, str]) -> None:
    [line] = _jobs.read_lines(io.BufferedReader(io.BytesIO(raw + b"\n")))
    for text in (_jobs.decode_line(line.rstrip(b"\n")), raw.decode("utf-8", "surrogateescape")):
        job = parse_line(1, text)
        assert (job.error, job.name) == outcome
        jsonl, csvl, textl, _ = _records_of(line.rstrip(b"\n"))
        _check_record_bytes(jsonl, csvl, textl)
    if outcome[0] == _jobs.TOO_LONG:
        assert raw.startswith(netdb.bulk.unescape_bytes(outcome[1]).rstrip(b" "))


# --- PTR lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("notanip PTR", False),
        ("www.example.test PTR", False),
        ("192.0.2.1 PTR", True),
        ("2001:db8::1 PTR", True),
        ("1.2.0.192.in-addr.arpa PTR", True),
        ("1.2.0.192.IN-ADDR.ARPA. PTR", True),
    ],
)
def test_ptr_line_holds_an_address(text: str, ok: bool) -> None:
    job = parse_line(1, text)
    assert (job.error is None) == ok, job
    if not ok:
        assert job.qnames == () and "address" in (job.error or "")


# --- the engine: search walk, unreachable servers -----------------------------------------------

SERVER = Server(AF_INET, "192.0.2.53")
SERVER2 = Server(AF_INET, "192.0.2.54")


def _reply(query: bytes, rcode: int, addr: str | None) -> bytes:
    msg = dns.message.from_wire(query)
    resp = dns.message.make_response(msg)
    resp.set_rcode(dns.rcode.Rcode(rcode))
    if addr is not None:
        q = msg.question[0]
        resp.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A", addr))
    return resp.to_wire()


Zone = dict[str, tuple[int, str | None]]  # name -> (rcode, A address or None: no data)


def _walk(
    lines: list[str], zone: Zone, search: tuple[str, ...], ndots: int = 1
) -> tuple[list[Any], list[str]]:
    """Every line through an engine (no retries) answered from ``zone`` (other names: REFUSED,
    as Knot answers for names outside its zones): (records by line, names asked in order)."""
    opts = Options((SERVER,), timeout=1.0, retries=0, search=search, ndots=ndots)
    eng: Engine[Result] = Engine(opts, [0], rng=random.Random(3))
    asked: list[str] = []
    for n, text in enumerate(lines, 1):
        eng.admit(parse_line(n, text, opts.types, search, ndots), 0.0)
    now = 0.0
    while not eng.idle:
        sent = eng.poll_sends(now)
        assert sent, "the engine stalled"
        for si, query in sent:
            name = dns.message.from_wire(query).question[0].name.to_text().rstrip(".").lower()
            asked.append(name)
            rcode, addr = zone.get(name, (5, None))
            eng.on_reply(si, _reply(query, rcode, addr), now + 0.001)
        now += 0.01
    return sorted(eng.finished, key=lambda r: r.line), asked


ZONE: Zone = {
    "web.ux.test": (0, "192.0.2.80"),
    "nodata.ux.test": (0, None),
    "sf.ux.test": (2, None),
    "sf.other.test": (0, "192.0.2.81"),
    "a.b": (0, None),
    "a.b.ux.test": (3, None),
    "x.y.ux.test": (0, "192.0.2.82"),
    "gone": (3, None),
}


def test_search_short_name_asks_the_domains_first() -> None:
    """``web`` (no dot, ndots 1): web.ux.test first, found; the bare name never asked."""
    [r], asked = _walk(["web A"], ZONE, ("ux.test", "other.test"))
    assert asked == ["web.ux.test"]
    assert (r.status, r.qname, [a.data for a in r.answers]) == ("NOERROR", "web.ux.test",
                                                                 ["192.0.2.80"])  # fmt: skip


def test_search_goes_on_past_nxdomain_nodata_servfail() -> None:
    [r], asked = _walk(["sf A"], ZONE, ("ux.test", "other.test"))
    assert asked == ["sf.ux.test", "sf.other.test"]
    assert (r.status, r.qname) == ("NOERROR", "sf.other.test")


def test_search_stops_the_list_on_refused_but_asks_the_name_as_is() -> None:
    """REFUSED from a domain ends the list (glibc: TRY_AGAIN without SERVFAIL); the name as
    is, not asked yet, still is (here: NXDOMAIN, which is what the record says)."""
    [r], asked = _walk(["gone A"], ZONE, ("refused.test", "ux.test"))
    assert asked == ["gone.refused.test", "gone"]
    assert (r.status, r.qname) == ("NXDOMAIN", None)


def test_search_name_with_dots_as_is_first_and_its_nodata_is_reported() -> None:
    """``a.b`` (one dot, ndots 1) is asked as is first: NODATA; then a.b.ux.test: NXDOMAIN; the
    record reports the first answer's NODATA, as glibc's saved h_errno."""
    [r], asked = _walk(["a.b A"], ZONE, ("ux.test",))
    assert asked == ["a.b", "a.b.ux.test"]
    assert (r.status, r.qname, r.tries) == ("NODATA", None, 2)
    # With ndots 2 the same name is a short one: the domain first, then as is.
    [r2], asked2 = _walk(["x.y A"], ZONE, ("ux.test",), ndots=2)
    assert asked2 == ["x.y.ux.test"] and r2.status == "NOERROR"


def test_search_nodata_under_a_domain_wins_over_later_nxdomain() -> None:
    [r], asked = _walk(["nodata A"], ZONE, ("ux.test", "other.test"))
    assert asked == ["nodata.ux.test", "nodata.other.test", "nodata"]
    assert (r.status, r.qname) == ("NODATA", "nodata.ux.test")


def test_search_trailing_dot_and_ptr_never_search() -> None:
    recs, asked = _walk(["web. A", "192.0.2.1 PTR"], ZONE, ("ux.test",))
    assert sorted(asked) == ["1.2.0.192.in-addr.arpa", "web"]
    assert [r.status for r in recs] == ["REFUSED", "REFUSED"]


def test_engine_skips_a_server_it_cannot_reach() -> None:
    opts = Options((SERVER, SERVER2), timeout=1.0, retries=1)
    eng: Engine[Result] = Engine(
        opts, [0, 0], rng=random.Random(1), down={1: "Network is unreachable"}
    )
    for n in range(6):
        eng.admit(parse_line(n + 1, f"h{n}.example.test A"), 0.0)
    sent = eng.poll_sends(0.0)
    assert len(sent) == 6 and {si for si, _ in sent} <= {0, 1}  # both sockets are server 0's
    for si, q in sent:
        eng.on_reply(si, _reply(q, 0, "192.0.2.7"), 0.01)
    assert {r.status for r in eng.finished} == {"NOERROR"}
    assert {r.server for r in eng.finished} == {"192.0.2.53:53"}


def test_engine_every_server_down_is_unreachable_at_once() -> None:
    opts = Options((SERVER,), timeout=1.0, retries=2)
    eng: Engine[Result] = Engine(opts, [], rng=random.Random(1), down={0: "Network is unreachable"})
    eng.admit(parse_line(1, "both.example.test"), 0.0)
    eng.admit(parse_line(2, "bad..name"), 0.0)
    assert eng.poll_sends(0.0) == []
    recs = sorted(eng.finished, key=lambda r: r.line)
    assert [r.status for r in recs] == ["UNREACHABLE", "INVALID"]
    assert recs[0].error == "192.0.2.53:53: Network is unreachable"
    assert recs[0].server is None and recs[0].tries == 0
    assert eng.idle and "UNREACHABLE" in netdb.bulk.STATUSES


def test_engine_send_error_moves_to_the_next_server() -> None:
    import errno

    opts = Options((SERVER, SERVER2), timeout=1.0, retries=1)
    eng: Engine[Result] = Engine(opts, [0, 1], rng=random.Random(1))
    eng.admit(parse_line(1, "a.example.test A"), 0.0)
    eng.admit(parse_line(2, "b.example.test A"), 0.0)
    sent = eng.poll_sends(0.0)
    assert sorted(si for si, _ in sent) == [0, 1]
    for si, q in sent:
        if si == 1:  # no route to the second server
            eng.send_failed(si, q, OSError(errno.ENETUNREACH, "Network is unreachable"), 0.0)
        else:
            eng.on_reply(si, _reply(q, 0, "192.0.2.7"), 0.01)
    [(si, q)] = eng.poll_sends(0.01)
    assert si == 0, "the query went to the server that can be reached"
    eng.on_reply(si, _reply(q, 0, "192.0.2.7"), 0.02)
    assert sorted((r.line, r.status, r.tries) for r in eng.finished) == [
        (1, "NOERROR", 1),
        (2, "NOERROR", 1),
    ]
    # With the only server unreachable, the line ends UNREACHABLE without waiting.
    eng2: Engine[Result] = Engine(Options((SERVER,), timeout=1.0), [0], rng=random.Random(1))
    eng2.admit(parse_line(1, "c.example.test A"), 0.0)
    [(si, q)] = eng2.poll_sends(0.0)
    eng2.send_failed(si, q, OSError(errno.EHOSTUNREACH, "No route to host"), 0.0)
    assert eng2.poll_sends(0.0) == []
    [r] = eng2.finished
    assert (r.status, r.error) == ("UNREACHABLE", "192.0.2.53:53: No route to host")


# --- keywords of the API ------------------------------------------------------------------------


def _opts(**kw: Any) -> Options:
    return netdb.bulk.make_options(["127.0.0.1"], **kw)


def test_keywords_take_what_readme_says() -> None:
    assert _opts(search="ux.test").search == ("ux.test",)
    assert _opts(search="a.test b.test").search == ("a.test", "b.test")
    assert _opts(search=["a.test"]).search == ("a.test",)
    assert _opts(search=None).search == () and _opts(search=False).search == ()
    system = _opts(search=True)  # resolv.conf's list (read, never queried)
    assert isinstance(system.search, tuple) and all(isinstance(d, str) for d in system.search)
    assert _opts(types=("MX",)).types == (15,)
    assert _opts(types="both").types == (1, 28)
    assert _opts(types=["A", "AAAA"]).types == (1, 28)
    assert _opts(types="TYPE65").types == (65,) and _opts(types=65).types == (65,)
    assert _opts(retry_on="timeout,servfail").retry_on == {"TIMEOUT", "SERVFAIL"}
    assert _opts(retry_on=()).retry_on == frozenset()
    assert netdb.bulk.make_options("127.0.0.1 127.0.0.2").servers[1].host == "127.0.0.2"


@pytest.mark.parametrize(
    ("kw", "exc"),
    [
        ({"search": 5}, TypeError),
        ({"search": [b"ux.test"]}, TypeError),
        ({"types": ("NOPE",)}, ValueError),
        ({"types": 3.5}, TypeError),
        ({"types": True}, TypeError),
        ({"types": ()}, ValueError),
        ({"types": 70000}, ValueError),
        ({"concurrency": "10"}, TypeError),
        ({"concurrency": 2.5}, TypeError),
        ({"timeout": True}, TypeError),
        ({"timeout": float("inf")}, ValueError),
        ({"timeout": float("nan")}, ValueError),
        ({"rate": float("nan")}, ValueError),
        ({"edns_payload": 70000}, ValueError),
        ({"edns_payload": 100}, ValueError),
        ({"retry_on": [1]}, TypeError),
        ({"retry_on": ["NOSUCH"]}, ValueError),
        ({"ndots": 16}, ValueError),
        ({"sockets_per_server": 0}, ValueError),
        ({"sockets_per_server": 10**30}, ValueError),
        ({"sockets_per_server": 257}, ValueError),
        ({"bogus": 1}, TypeError),
    ],
)
def test_keywords_reject_the_rest(kw: dict[str, Any], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        netdb.bulk.resolve(["x.test"], nameservers=["127.0.0.1"], **kw)
    with pytest.raises(exc):
        netdb.bulk.resolve_iter(["x.test"], nameservers=["127.0.0.1"], **kw)


LO = socket.if_nametoindex("lo")
# (name server text, (host, port, scope id) or the exception): a scope is a number or, on a
# link-local address, an interface name, as glibc reads resolv.conf (the name was taken for 0,
# and the run's every record was UNREACHABLE "Invalid argument").
SERVERS: list[tuple[str, tuple[str, int, int] | type[Exception]]] = [
    ("fe80::1%lo", ("fe80::1", 53, LO)),
    ("[fe80::1%lo]:5353", ("fe80::1", 5353, LO)),
    ("fe80::1%7", ("fe80::1", 53, 7)),
    ("2001:db8::1%7", ("2001:db8::1", 53, 7)),
    ("fe80::1%no-such-if", ValueError),
    ("fe80::1%4294967296", ValueError),
    ("fe80::1%", ValueError),
    ("::1%lo", ValueError),  # a name only for link-local addresses (glibc's rule)
]


@pytest.mark.parametrize(("text", "expected"), SERVERS, ids=repr)
def test_name_server_scope(text: str, expected: tuple[str, int, int] | type[Exception]) -> None:
    if isinstance(expected, tuple):
        server = netdb.bulk.parse_server(text)
        assert (server.host, server.port, server.scope_id) == expected
    else:
        with pytest.raises(expected):
            netdb.bulk.parse_server(text)


def test_options_and_settings_not_both() -> None:
    with pytest.raises(TypeError):
        netdb.bulk.resolve_iter(["x"], options=_opts(), retries=1)
    with pytest.raises(TypeError):
        netdb.bulk.resolve_iter("x.test", nameservers=["127.0.0.1"])  # one str is no lines


# --- the sandbox --------------------------------------------------------------------------------

BULK = Scenario(
    "bulk-robust",
    files={
        "resolv.conf": "nameserver 127.0.0.1\nsearch example.test\n",
        "hosts": "127.0.0.1 localhost\n",
        "nsswitch.conf": "hosts: files dns\n",
    },
    dns="knot",
)
PROXY = "127.0.0.3"
PY = sys.executable


@pytest.fixture
def box(sandboxes: Callable[[Scenario], Sandbox]) -> Sandbox:
    if dnsservers.available() is not None:
        pytest.skip(str(dnsservers.available()))
    b = sandboxes(BULK)
    b.fault([])
    return b


def bulk(box: Sandbox, *args: str) -> tuple[int, str, str]:
    """The command in the sandbox, under a 60 s limit (a hang is a failure, not a stall)."""
    return box.run("timeout", "60", PY, "-m", "netdb.cli", "bulk", *args)


HOSTILE = [
    b"both.example.test",
    b"caf\xe9.example.test",  # latin-1, not UTF-8
    b"\xff\xfe\x00x A",  # bytes that are never UTF-8, and a NUL
    b"v4only.example.test A\r",  # CRLF: the CR is dropped
    b"lone.example.test\rv4only.example.test A",  # a lone CR ends no line
    b'x.example.test a"b',  # a quote in an unknown type
    b"x.example.test \x00",  # a NUL as the type
    b"b\xc3\xbccher.example.test A",  # UTF-8 (IDNA): a name that can be asked
    b"",
    b"\xc3",  # a cut UTF-8 sequence
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "text"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_hostile_bytes_one_valid_record_per_line(
    box: Sandbox, tmp_path: Path, fmt: str, workers: str
) -> None:
    infile = tmp_path / "in.txt"
    infile.write_bytes(b"\n".join(HOSTILE) + b"\n")
    outfile = tmp_path / f"out.{fmt}"
    rc, _, err = bulk(box, "-s", "127.0.0.1", "-q", "-w", workers, "-f", fmt, "-o",
                      str(outfile), str(infile))  # fmt: skip
    assert rc == 0, err
    assert "Traceback" not in err
    text = outfile.read_bytes().decode("utf-8")  # strict: every byte is valid UTF-8
    assert "\x00" not in text
    if fmt == "jsonl":
        recs = {}
        for line in text.splitlines():
            obj = json.loads(line)
            assert not any(0xD800 <= ord(c) <= 0xDFFF for c in obj["name"] + obj["type"])
            recs[obj["line"]] = obj
        assert len(recs) == len(text.splitlines())
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))[1:]
        assert all(len(row) == 10 for row in rows), rows
        recs = {int(r[0]): {"name": r[1], "type": r[2], "status": r[3]} for r in rows}
        assert len(recs) == len(rows)
    else:
        lines = text.split("\n")[:-1]
        assert all(len(line.split("\t")) == 10 for line in lines)
        recs = {int(f[0]): {"name": f[1], "type": f[2], "status": f[3]} for f in
                (line.split("\t") for line in lines)}  # fmt: skip
        assert len(recs) == len(lines)
    assert sorted(recs) == list(range(1, len(HOSTILE) + 1))
    assert recs[1]["status"] == "NOERROR"
    assert recs[2]["status"] == "INVALID"
    assert netdb.bulk.unescape_bytes(recs[2]["name"]) == b"caf\xe9.example.test"
    assert recs[3]["status"] == "INVALID"
    assert (recs[4]["name"], recs[4]["type"], recs[4]["status"]) == (
        "v4only.example.test", "A", "NOERROR"
    )  # fmt: skip
    # One line, one record: the CR is a blank between fields, never a line end.
    assert recs[5]["status"] == "INVALID" and recs[5]["name"] == "lone.example.test"
    assert recs[6]["status"] == "INVALID" and recs[6]["type"] == 'a"b'
    assert recs[7]["status"] == "INVALID"
    assert recs[8]["status"] == "NXDOMAIN"  # bücher.example.test, asked as xn--bcher-kva
    assert recs[9]["status"] == "INVALID"
    assert recs[10]["status"] == "INVALID"


def test_hostile_bytes_on_stdin(box: Sandbox, tmp_path: Path) -> None:
    infile = tmp_path / "in.txt"
    infile.write_bytes(b"\n".join(HOSTILE) + b"\n")
    outfile = tmp_path / "out.jsonl"
    rc, _, err = box.run(
        "bash", "-c", f"timeout 60 {PY} -m netdb.cli bulk -s 127.0.0.1 -q -o {outfile} - < {infile}"
    )
    assert rc == 0 and "Traceback" not in err, err
    recs = [json.loads(line) for line in outfile.read_bytes().decode("utf-8").splitlines()]
    assert sorted(r["line"] for r in recs) == list(range(1, len(HOSTILE) + 1))


RSS = r"""
import resource, subprocess, sys
rc = subprocess.run([sys.executable, "-m", "netdb.cli", "bulk", *sys.argv[1:]]).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_huge_line_costs_bounded_memory(box: Sandbox, tmp_path: Path, workers: str) -> None:
    """A 96 MiB line (no newline for all of it) is one INVALID record among the others, and the
    command's memory stays that of a short input (it held the line, six times over, before)."""
    infile = tmp_path / "in.txt"
    with infile.open("wb") as f:
        f.write(b"both.example.test\n")
        f.write(b"huge" + b"\xff" * (96 << 20) + b"\n")
        f.write(b"v4only.example.test A")  # the last line, without a newline
    outfile = tmp_path / "out.jsonl"
    rc, out, err = box.run("timeout", "120", PY, "-c", RSS, "-s", "127.0.0.1", "-q", "-w", workers,
                           "-o", str(outfile), str(infile))  # fmt: skip
    status, peak_mib = map(int, out.split())
    assert (rc, status) == (0, 0), err
    assert peak_mib < 80, peak_mib
    recs = sorted(map(json.loads, outfile.read_text().splitlines()), key=lambda r: r["line"])
    assert [(r["line"], r["status"], r.get("error")) for r in recs] == [
        (1, "NOERROR", None), (2, "INVALID", _jobs.TOO_LONG), (3, "NOERROR", None)
    ]  # fmt: skip
    assert recs[1]["name"] == "huge" + "\\xff" * (_jobs.MAX_LINE - 3)


# (options and redirections, exit status, stderr): a closed stdin or stdout is the input or the
# output that cannot be used; a closed stderr silences the summary, not the run.
CLOSED: list[tuple[str, int, str]] = [
    ("-q IN >&-", 74, "netdb bulk: stdout: Bad file descriptor\n"),
    ("-q - <&- >/dev/null", 66, "netdb bulk: stdin: Bad file descriptor\n"),
    ("-q -o OUT IN <&-", 0, ""),
    ("-o OUT IN 2>&-", 0, ""),
    ("-o OUT - <IN 2>&-", 0, ""),
]


@pytest.mark.parametrize(("words", "status", "err"), CLOSED, ids=repr)
def test_closed_standard_streams(
    box: Sandbox, tmp_path: Path, words: str, status: int, err: str
) -> None:
    """``netdb bulk ... >&-``: 74 in one line, where it was an internal error (70), and a
    closed stderr made the run exit 1 after writing every record."""
    infile, outfile = tmp_path / "in.txt", tmp_path / "out.jsonl"
    infile.write_text("both.example.test\nbad..x\n")
    words = words.replace("OUT", str(outfile)).replace("IN", str(infile))
    rc, _, stderr = box.run("bash", "-c", f"timeout 60 {PY} -m netdb.cli bulk -s 127.0.0.1 {words}")
    assert (rc, stderr) == (status, err)
    if status == 0:
        statuses = sorted(json.loads(x)["status"] for x in outfile.read_text().splitlines())
        assert statuses == ["INVALID", "NOERROR"]


def test_workers_on_a_pipe_lose_no_line(box: Sandbox, tmp_path: Path) -> None:
    """``-w 2 /dev/stdin`` with a pipe behind it: one worker reads it, every line answered."""
    infile = tmp_path / "in.txt"
    infile.write_text("".join(f"n{i}.wild.example.test A\n" for i in range(3000)))
    outfile = tmp_path / "out.jsonl"
    rc, _, err = box.run("bash", "-c", f"cat {infile} | timeout 60 {PY} -m netdb.cli bulk "
                         f"-s 127.0.0.1 -q -w 2 -o {outfile} /dev/stdin")  # fmt: skip
    assert rc == 0, err
    recs = [json.loads(x) for x in outfile.read_text().splitlines()]
    assert sorted(r["line"] for r in recs) == list(range(1, 3001))
    assert {r["status"] for r in recs} == {"NOERROR"}


def test_unreachable_server_is_a_status_not_a_crash(box: Sandbox, tmp_path: Path) -> None:
    """192.0.2.53 has no route in the sandbox (ENETUNREACH): every line UNREACHABLE, exit 0;
    with a second server that answers, every line is answered by it."""
    infile = tmp_path / "in.txt"
    infile.write_text("both.example.test\nbad..x\nv4only.example.test A\n192.0.2.1 PTR\n")
    for workers in ("1", "2"):
        outfile = tmp_path / f"out{workers}.jsonl"
        rc, _, err = bulk(box, "-s", "192.0.2.53", "-w", workers, "-o", str(outfile), str(infile))
        assert rc == 0, err
        assert "Traceback" not in err and "UNREACHABLE 3" in err, err
        recs = sorted((json.loads(x) for x in outfile.read_text().splitlines()),
                      key=lambda r: r["line"])  # fmt: skip
        assert [r["status"] for r in recs] == ["UNREACHABLE", "INVALID", "UNREACHABLE",
                                               "UNREACHABLE"]  # fmt: skip
        assert recs[0]["error"] == "192.0.2.53:53: Network is unreachable"
        assert "server" not in recs[0]
    outfile = tmp_path / "two.jsonl"
    rc, _, err = bulk(box, "-s", "192.0.2.53", "-s", "127.0.0.1", "-q", "-o", str(outfile),
                      str(infile))  # fmt: skip
    assert rc == 0, err
    recs = [json.loads(x) for x in outfile.read_text().splitlines()]
    assert sorted(r["status"] for r in recs) == ["INVALID", "NOERROR", "NOERROR", "NOERROR"]
    assert {r.get("server") for r in recs} == {None, "127.0.0.1:53"}


API_UNREACHABLE = r"""
import asyncio, json
import netdb.bulk

async def main():
    a = [r.status async for r in netdb.bulk.resolve(["both.example.test"],
                                                    nameservers=["192.0.2.53"])]
    s = sorted(r.status for r in netdb.bulk.resolve_iter(["both.example.test", "x.test PTR"],
                                                   nameservers="192.0.2.53"))
    print(json.dumps([a, s]))

asyncio.run(main())
"""


def test_unreachable_server_through_the_api(box: Sandbox) -> None:
    rc, out, err = box.run("timeout", "60", PY, "-c", API_UNREACHABLE)
    assert rc == 0, err
    assert json.loads(out) == [["UNREACHABLE"], ["INVALID", "UNREACHABLE"]]


KILL = r"""
import json, os, signal, subprocess, sys, time
mode, infile, outfile, errfile = sys.argv[1:5]
with open(errfile, "wb") as err:
    p = subprocess.Popen([sys.executable, "-m", "netdb.cli", "bulk", "-s", "127.0.0.3", "-c", "10",
                          "-w", "2", "-o", outfile, infile], stderr=err)
time.sleep(1.5)
with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
    workers = [int(x) for x in f.read().split()]
def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
gone_after = None
if mode == "worker":
    os.kill(workers[0], signal.SIGKILL)
    rc = p.wait(60)
else:
    os.kill(p.pid, signal.SIGKILL)
    rc = p.wait(60)
    start = time.monotonic()
    while any(alive(w) for w in workers) and time.monotonic() - start < 8:
        time.sleep(0.05)
    gone_after = time.monotonic() - start
    time.sleep(0.5)
print(json.dumps({"rc": rc, "workers": len(workers), "gone_after": gone_after,
                  "alive": [w for w in workers if alive(w)]}))
"""


@pytest.mark.parametrize("mode", ["worker", "main"])
def test_killed_worker_or_main_process(box: Sandbox, tmp_path: Path, mode: str) -> None:
    """SIGKILL to a worker: exit 70 and one true line; SIGKILL to the main process: its workers
    die with it, quietly.  The records written are complete lines either way."""
    box.fault([{"name": "wild.example.test", "action": "delay", "seconds": 0.2}])
    infile = tmp_path / "in.txt"
    infile.write_text("".join(f"k{i}.wild.example.test A\n" for i in range(200)))
    outfile, errfile = tmp_path / "out.jsonl", tmp_path / "err.txt"
    rc, out, err = box.run(PY, "-c", KILL, mode, str(infile), str(outfile), str(errfile))
    assert rc == 0, err
    got = json.loads(out)
    assert got["workers"] == 2
    stderr = errfile.read_text()
    assert "Traceback" not in stderr, stderr
    for line in outfile.read_text().split("\n")[:-1]:
        json.loads(line)  # complete lines are complete records (a kill may cut the last one)
    if mode == "worker":
        assert got["rc"] == 70, stderr
        lines = stderr.splitlines()
        assert len(lines) == 1, stderr
        assert "killed by SIGKILL" in lines[0] and "--resume" in lines[0]
        assert "traceback" not in lines[0]
    else:
        assert got["rc"] == -9
        assert got["alive"] == [] and got["gone_after"] < 2.0, got
        assert stderr == ""


PIPE = r"""
set -o pipefail
timeout 60 {py} -m netdb.cli bulk -s 127.0.0.1 -w {w} {infile} 2>{errfile} | head -n 1 >/dev/null
echo "${{PIPESTATUS[0]}}"
sleep 1
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_head_closes_the_pipe_quietly(box: Sandbox, tmp_path: Path, workers: str) -> None:
    infile = tmp_path / "in.txt"
    infile.write_text("".join(f"p{i}.wild.example.test A\n" for i in range(4000)))
    errfile = tmp_path / "err.txt"
    script = PIPE.format(py=PY, w=workers, infile=infile, errfile=errfile)
    _rc, out, err = box.run("bash", "-c", script)
    assert out.strip() == "141", (out, err)
    assert errfile.read_text() == ""


def test_search_follows_res_search(box: Sandbox, tmp_path: Path) -> None:
    """resolv.conf: ``search example.test``, ndots 1.  ``both`` is asked under the domain first
    (the bare name, REFUSED by the proxy here, is never asked); ``nodata.example.test`` (as is
    first: NODATA, then under the domain: NXDOMAIN) is NODATA."""
    box.fault([{"name": "both", "action": "rcode", "rcode": 5}])
    infile = tmp_path / "in.txt"
    infile.write_text("both\nnodata.example.test\nnodata\nnosuch\n")
    outfile = tmp_path / "out.jsonl"
    rc, _, err = bulk(box, "-s", PROXY, "--search", "-q", "-o", str(outfile), str(infile))
    assert rc == 0, err
    recs = {r["line"]: r for r in map(json.loads, outfile.read_text().splitlines())}
    assert (recs[1]["status"], recs[1]["qname"], recs[1]["tries"]) == (
        "NOERROR", "both.example.test", 2
    )  # fmt: skip
    assert (recs[2]["status"], recs[2].get("qname")) == ("NODATA", None)
    assert (recs[3]["status"], recs[3]["qname"]) == ("NODATA", "nodata.example.test")
    assert recs[4]["status"] == "NXDOMAIN"  # nosuch.example.test, then nosuch (the root zone)
    asked = [e["name"] for e in box.fault_log()]
    assert "both" not in asked
    rc, out, _ = bulk(box, "--help")
    assert "res_search" in out and "ndots" in out


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--timeout", "inf"], 64),
        (["--timeout", "nan"], 64),
        (["--min-timeout", "inf"], 64),
        (["--rate", "nan"], 64),
        (["--edns-payload", "70000"], 64),
        (["--edns-payload", "-1"], 64),
        (["--ndots", "99"], 64),
        (["--sockets", "0"], 64),
        (["--workers", "65"], 64),
        (["--workers", "-1"], 64),
    ],
)
def test_odd_options_are_usage_errors(box: Sandbox, tmp_path: Path, args: list[str],
                                      code: int) -> None:  # fmt: skip
    infile = tmp_path / "in.txt"
    infile.write_text("both.example.test\n")
    rc, _, err = bulk(box, "-s", "127.0.0.1", *args, str(infile))
    assert rc == code, err
    assert "Traceback" not in err and err.startswith("netdb bulk: "), err


def test_odd_files_are_one_line_errors(box: Sandbox, tmp_path: Path) -> None:
    infile = tmp_path / "in.txt"
    infile.write_text("both.example.test\n")
    servers = tmp_path / "servers.txt"
    servers.write_bytes(b"127.0.0.1 \xff\n")
    rc, _, err = bulk(box, "--nameservers-file", str(servers), str(infile))
    assert rc == 64 and "Traceback" not in err, err
    # --resume with an output that is a directory: it cannot be read or written.
    rc, _, err = bulk(box, "-s", "127.0.0.1", "--resume", "-o", str(tmp_path), str(infile))
    assert rc == 74 and "Traceback" not in err, err
    assert len(err.splitlines()) == 1
    rc, out, _ = bulk(box, "--help")
    for code in ("0 ", "64 ", "66 ", "70 ", "71 ", "74 ", "130 ", "141 "):
        assert code in " ".join(out.split()), code


# --- the workers' merge, in-process -------------------------------------------------------------


def test_fan_out_failed_worker_is_one_true_line(capfd: pytest.CaptureFixture[str]) -> None:
    """A worker that raises: the others' output is whole, the failure is one line that names
    the exception (no traceback anywhere), and a NUL inside a record is copied, not taken for a
    control line."""
    from netdb.bulk._io import workers

    out: list[bytes] = []
    infos: list[tuple[int, dict[str, Any]]] = []

    def work(k: int, write: Callable[[bytes], None]) -> None:
        write(b'{"k":%d,"s":"a\x00b"}\n' % k + workers.control({"n": k}))
        if k == 1:
            raise ValueError("boom\nsecond line")

    with pytest.raises(workers.WorkerError) as caught:
        workers.fan_out(2, work, out.append, lambda k, info: infos.append((k, info)))
    message = str(caught.value)
    assert message.startswith("worker 2 of 2 (pid ") and message.endswith(
        "failed: ValueError: boom"
    )
    assert caught.value.code == 70
    assert sorted(b"".join(out).splitlines()) == [b'{"k":0,"s":"a\x00b"}', b'{"k":1,"s":"a\x00b"}']
    assert sorted(infos) == [(0, {"n": 0}), (1, {"n": 1})]
    assert "Traceback" not in capfd.readouterr().err


# --- a hostile server: truncation everywhere, floods, trickles -----------------------------------


def test_tcp_exchanges_count_in_the_window() -> None:
    """A server that truncates every reply sends every query to TCP, where it answers nothing,
    one exchange a turn of the driver.  The exchanges the driver holds count in the window: a
    driver admitting lines while ``room()`` is positive holds at most a window of lines, where
    it used to take the whole input and queue it for its TCP pool (20,000 lines: 19,215
    exchanges waiting, 92 MB).  Every line still ends, once, after its try over TCP."""
    opts = Options((SERVER,), timeout=1.0, retries=1, concurrency=40)
    eng: Engine[Result] = Engine(opts, [0], rng=random.Random(5))
    lines = deque(range(1, 1001))
    held: deque[tuple[Any, bytes]] = deque()  # the driver's TCP exchanges, oldest first
    most = 0
    now = 0.0
    for _ in range(100_000):  # turns of the driver's loop
        while eng.room() > 0 and lines:
            n = lines.popleft()
            eng.admit(parse_line(n, f"n{n}.example.test A"), now)
        for si, query in eng.poll_sends(now):
            eng.on_reply(si, query[:2] + b"\x83\x80" + query[4:], now)  # QR, TC, RD, RA
        while eng.tcp_wanted:
            q = eng.tcp_wanted.popleft()
            held.append((q, eng.tcp_query(q)[1]))
        most = max(most, eng.active)
        if held:
            q, query = held.popleft()
            eng.on_tcp_reply(q, query, None, now)
        now += 0.01
        if not lines and eng.idle:
            break
    assert most <= opts.concurrency
    assert sorted(r.line for r in eng.finished) == list(range(1, 1001))
    assert {(r.status, r.tries) for r in eng.finished} == {("TIMEOUT", 2)}  # UDP, then TCP


class _Flood:
    """A socket's ``recv`` under a flood that never stops (it gives up after ``limit`` reads,
    so that a reader without a bound fails the test instead of hanging it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reads = 0

    def __call__(self, size: int) -> bytes:
        self.reads += 1
        if self.reads > self.limit:
            raise BlockingIOError
        return b"\x12\x34\x81\x80" + bytes(8)


def test_drain_reads_a_flood_a_bounded_batch_at_a_time() -> None:
    """The bulk drivers read a readable socket into one batch: under a flood that never stops
    they read at most ``DRAIN_MAX`` datagrams, then the loop's timers and sends get their turn
    (before: as long as the flood lasted, the batch growing all the while)."""
    flood = _Flood(200_000)
    batches: list[int] = []
    start = time.perf_counter()
    sockets.drain(flood, 0, lambda si, batch, now: batches.append(len(batch)), 0.0)
    assert batches == [sockets.DRAIN_MAX]
    assert time.perf_counter() - start < 0.5


def test_a_drain_reads_whole_datagrams_of_any_size() -> None:
    """A reply as large as an ``edns_payload`` of 65535 allows comes whole (a 4 KB buffer cut
    anything longer, and the record was MALFORMED)."""
    from netdb.bulk._io.sockets import drain

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        rx.bind(("127.0.0.1", 0))
        rx.setblocking(False)
        sizes = [12, 1232, 4097, 9000, 65507]  # 65507: IPv4's largest UDP payload
        for n in sizes:
            tx.sendto(bytes([n % 251]) * n, rx.getsockname())
        got: list[bytes] = []
        drain(rx.recv, 0, lambda si, batch, now: got.extend(batch), 0.0)
        assert [len(d) for d in got] == sizes
    finally:
        rx.close()
        tx.close()
