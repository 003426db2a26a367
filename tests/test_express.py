"""The express lane's pure parts (``netdb.express``): what counts as a plain reply, the fast
reading of plain answers against ``nss_dns.gaih_getanswer``, and the record a hand-over replays.

The lane end to end (against glibc, under every fault of the proxy, each answer replayed
through the full path as a check) is in ``tests/test_aio.py``.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from netdb import express, nss_dns
from netdb.config.hosts import parse_hosts
from netdb.constants import AF_INET, AF_INET6
from netdb.dns import wire
from netdb.dns.ops import Server
from netdb.dns.query import SendState
from netdb.errors import HOST_NOT_FOUND
from netdb.hostent import Address, Status
from netdb.hosts import HostsDatabase

SERVER = Server(AF_INET, "192.0.2.53")
NAME = wire.name_from_text("www.example.test")
QUESTION_A = NAME + b"\x00\x01\x00\x01"
QUESTION_AAAA = NAME + b"\x00\x1c\x00\x01"
V4 = bytes([192, 0, 2, 1])
V6 = bytes.fromhex("20010db8000000000000000000000001")


def lane() -> express.Lane:
    fake: Any = None  # the parts of a lane these tests never touch
    db = HostsDatabase((), parse_hosts(""))
    return express.Lane(db, db.hosts, fake, SendState(), fake, fake, SERVER, 5, None)


def plan() -> express.Plan:
    q1 = wire.build_query(0x1111, NAME, wire.A)
    q2 = wire.build_query(0x2222, NAME, wire.AAAA)
    fake: Any = None
    return express.Plan(
        lane(), fake, [], (0x1111, 0x2222), (q1, q2), q1[:2], q2[:2], QUESTION_A, QUESTION_AAAA
    )


def record(rtype: int, rdata: bytes, owner: bytes = b"\xc0\x0c", rclass: int = 1) -> bytes:
    return owner + struct.pack("!HHIH", rtype, rclass, 300, len(rdata)) + rdata


def reply(
    qid: int,
    question: bytes,
    records: list[bytes],
    *,
    flags: int = 0x8180,  # QR RD RA, NOERROR
    qdcount: int = 1,
    arcount: int = 0,
) -> bytes:
    header = struct.pack("!HHHHHH", qid, flags, qdcount, len(records), 0, arcount)
    return header + question + b"".join(records)


A1 = reply(0x1111, QUESTION_A, [record(1, V4)])
AAAA1 = reply(0x2222, QUESTION_AAAA, [record(28, V6)])
HERE = ("192.0.2.53", 53)

# (case, datagram, source, answered already (A, AAAA), expected: 1 A, 2 AAAA, 0 hand over)
PLAIN = [
    ("A reply", A1, HERE, (False, False), 1),
    ("AAAA reply", AAAA1, HERE, (False, False), 2),
    ("AAAA reply after the A one", AAAA1, HERE, (True, False), 2),
    ("A reply again", A1, HERE, (True, False), 0),
    ("no data, RA set", reply(0x1111, QUESTION_A, []), HERE, (False, False), 1),
    ("lame referral", reply(0x1111, QUESTION_A, [], flags=0x8100), HERE, (False, False), 0),
    ("no data, AA set", reply(0x1111, QUESTION_A, [], flags=0x8500), HERE, (False, False), 1),
    ("SERVFAIL", reply(0x1111, QUESTION_A, [], flags=0x8182), HERE, (False, False), 0),
    ("NXDOMAIN", reply(0x1111, QUESTION_A, [], flags=0x8183), HERE, (False, False), 0),
    ("truncated", reply(0x1111, QUESTION_A, [], flags=0x8380), HERE, (False, False), 0),
    ("wrong ID", reply(0x1112, QUESTION_A, [record(1, V4)]), HERE, (False, False), 0),
    ("A question, AAAA ID", reply(0x2222, QUESTION_A, [record(1, V4)]), HERE, (False, False), 0),
    (
        "question in other case",
        reply(0x1111, wire.name_from_text("WWW.example.test") + b"\x00\x01\x00\x01", []),
        HERE,
        (False, False),
        0,
    ),
    ("two questions", reply(0x1111, QUESTION_A, [], qdcount=2), HERE, (False, False), 0),
    ("header only", A1[:12], HERE, (False, False), 0),
    ("short", A1[:11], HERE, (False, False), 0),
    ("other port", A1, ("192.0.2.53", 5353), (False, False), 0),
    ("other address", A1, ("192.0.2.54", 53), (False, False), 0),
    ("mapped address", A1, ("::ffff:192.0.2.53", 53, 0, 0), (False, False), 0),
]


@pytest.mark.parametrize(
    ("data", "source", "have", "expected"),
    [pytest.param(d, s, h, e, id=c) for c, d, s, h, e in PLAIN],
)
def test_plain_reply(data: bytes, source: object, have: tuple[bool, bool], expected: int) -> None:
    assert express.plain_reply(plan(), data, source, *have) == expected


# Reply pairs in order of arrival (the first one answering A when first_is_a).
CNAME = record(5, wire.name_from_text("alias.example.test"))
READ = [
    ("A then AAAA", A1, AAAA1, True, True),
    ("AAAA then A", AAAA1, A1, False, True),
    (
        "two of each",
        reply(1, QUESTION_A, [record(1, V4), record(1, V4[::-1])]),
        reply(2, QUESTION_AAAA, [record(28, V6), record(28, V6[::-1])]),
        True,
        True,
    ),
    ("no AAAA", A1, reply(2, QUESTION_AAAA, []), True, True),
    ("no A", reply(1, QUESTION_A, []), AAAA1, True, True),
    ("a CNAME first", reply(1, QUESTION_A, [CNAME, record(1, V4)]), AAAA1, True, False),
    ("class CH", reply(1, QUESTION_A, [record(1, V4, rclass=3)]), AAAA1, True, False),
    ("owner spelt out", reply(1, QUESTION_A, [record(1, V4, owner=NAME)]), AAAA1, True, False),
    ("AAAA in the A reply", reply(1, QUESTION_A, [record(28, V6)]), AAAA1, True, False),
    ("A of 16 bytes", reply(1, QUESTION_A, [record(1, V6)]), AAAA1, True, False),
    ("record cut short", A1[:-1], AAAA1, True, False),
    ("extra records after", A1 + b"\x00" * 5, AAAA1, True, True),
]


@pytest.mark.parametrize(
    ("first", "second", "first_is_a", "fast"),
    [pytest.param(f, s, a, k, id=c) for c, f, s, a, k in READ],
)
def test_fast_reading_is_gaih_getanswer(
    first: bytes, second: bytes, first_is_a: bool, fast: bool
) -> None:
    """Where the fast reader takes both replies it gives what gaih_getanswer gives (the
    addresses, and h_errno as the second slice left it); anything else it refuses whole."""
    out: list[Address] = []
    skip = 12 + len(QUESTION_A)
    taken = express._only_addresses(first, skip, first_is_a, out) and express._only_addresses(
        second, skip, not first_is_a, out
    )
    assert taken == fast
    if not taken:
        return
    ans = nss_dns.gaih_getanswer(first, second)
    assert ans.status is Status.SUCCESS
    assert tuple(out) == ans.addresses
    assert {a.family for a in out} <= {AF_INET, AF_INET6}
    expected_h = 0 if second[6:8] != b"\x00\x00" else HOST_NOT_FOUND
    assert ans.h_errno == expected_h


def test_a_refused_reply_leaves_nothing_behind() -> None:
    out: list[Address] = [Address(AF_INET, V4)]
    bad = reply(1, QUESTION_A, [record(1, V4), CNAME])
    assert not express._only_addresses(bad, 12 + len(QUESTION_A), True, out)
    assert out == [Address(AF_INET, V4)]


def test_replay_gives_the_recorded_clock_and_ids_first() -> None:
    way = lane()
    drawn = iter([7, 8, 9])
    way = express.Lane(
        way.db,
        way.hosts,
        way.config,
        way.state,
        lambda n: next(drawn),
        lambda: 100.0,
        SERVER,
        5,
        None,
    )
    record_ = express.Replay([1.0, 2.0], [0x1111, 0x2222], way)
    assert [record_.clock(), record_.clock(), record_.clock()] == [1.0, 2.0, 100.0]
    assert [record_.rng(0x10000), record_.rng(0x10000), record_.rng(0x10000)] == [
        0x1111,
        0x2222,
        7,
    ]
    assert record_.rng(3) == 8  # not a query ID: the real source
    assert record_.db.dns is not None and record_.db.dns().state is record_.state


def test_replayed_state_reads_as_sent_and_writes_through() -> None:
    own = SendState(single_request=True)
    seen = express.AsSent(own)
    assert not seen.single_request and not seen.single_request_reopen
    seen.single_request_reopen = True  # a fallback during the replay turns sticky at once
    assert own.single_request_reopen and not seen.single_request_reopen
    seen.replaying = False
    assert seen.single_request and seen.single_request_reopen
    seen.rotate_offset = 4
    assert own.rotate_offset == 4 == seen.rotate_offset
