"""The reply cache (``dns/cache.py``) as pure code: what is kept and how long (RFC 2308), what a
hit gives back, and eviction that stays flat at any size."""

from __future__ import annotations

import functools
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import scripted

from netdb.dns import cache, wire
from netdb.dns.query import SendResult

NAME = wire.name_from_text("www.example.test")
ZONE = wire.name_from_text("example.test")
SERVER = ("127.0.0.1", 53)


def query(name: bytes = NAME, qtype: int = wire.A, qid: int = 7) -> bytes:
    return wire.build_query(qid, name, qtype)


def reply(
    q: bytes,
    *,
    rcode: int = wire.NOERROR,
    ttls: tuple[int, ...] = (300,),
    soa: tuple[int, int] | None = None,
    tc: bool = False,
) -> bytes:
    """A reply to ``q``: one A record per TTL, an SOA (its TTL, its MINIMUM) in authority."""
    qmsg = wire.parse(q)
    question = qmsg.question[0]
    answers = tuple(
        wire.Record(
            question.name, wire.A, wire.IN, ttl, bytes([192, 0, 2 + ((i + 1) >> 8), (i + 1) & 255])
        )
        for i, ttl in enumerate(ttls)
    )
    authority: tuple[wire.Record, ...] = ()
    if soa is not None:
        data = wire.Soa(ZONE, ZONE, 1, 2, 3, 4, soa[1])
        authority = (wire.Record(ZONE, wire.SOA, wire.IN, soa[0], data),)
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return wire.build_message(wire.Message(qmsg.id, flags, (question,), answers, authority))


Q = query()
# (case, reply, seconds it may be kept or None)
TTL_RULES: list[tuple[str, bytes, int | None]] = [
    ("answers: the smallest TTL", reply(Q, ttls=(300, 60, 900)), 60),
    ("NXDOMAIN: SOA TTL", reply(Q, rcode=wire.NXDOMAIN, ttls=(), soa=(120, 3600)), 120),
    ("NXDOMAIN: SOA MINIMUM caps it", reply(Q, rcode=wire.NXDOMAIN, ttls=(), soa=(3600, 30)), 30),
    ("NODATA: SOA", reply(Q, ttls=(), soa=(50, 70)), 50),
    ("NXDOMAIN without SOA: not kept", reply(Q, rcode=wire.NXDOMAIN, ttls=()), None),
    ("SERVFAIL: not kept", reply(Q, rcode=wire.SERVFAIL, ttls=()), None),
    ("REFUSED: not kept", reply(Q, rcode=wire.REFUSED, ttls=()), None),
    ("truncated: not kept", reply(Q, tc=True), None),
    ("TTL 0: not kept", reply(Q, ttls=(0,)), None),
    ("TTL capped at a week", reply(Q, ttls=(2**31 - 1,)), cache.MAX_TTL),
    ("unparsable: not kept", b"\x00\x07\x81\x80\x00\x01\x00\x01" + b"\x00" * 6, None),
]


@pytest.mark.parametrize(("data", "ttl"), [pytest.param(d, t, id=c) for c, d, t in TTL_RULES])
def test_reply_ttl(data: bytes, ttl: int | None) -> None:
    assert cache.reply_ttl(data) == ttl


def sent(r1: bytes, r2: bytes = b"") -> SendResult:
    return SendResult(len(r1), r1, r2, 0, SERVER, False)  # type: ignore[arg-type]


def test_hit_gives_the_reply_in_the_querys_case() -> None:
    c = cache.Cache()
    q = query()
    c.store(q, None, sent(reply(q)), now=0.0)
    asked = query(wire.name_from_text("WWW.Example.TEST"), qid=99)
    hit = c.lookup(asked, None, now=10.0)
    assert hit is not None and hit.n == len(hit.answer1)
    # The question comes back as asked (servers echo the case), and so do the owners compressed
    # against it; the records are as stored.
    assert hit.answer1[12 : 12 + len(NAME)] == asked[12 : 12 + len(NAME)]
    got, stored = wire.parse(hit.answer1).answer, wire.parse(reply(q)).answer
    assert [(r.name, r.ttl, r.data) for r in got] == [
        (asked[12 : 12 + len(NAME)], 300, r.data) for r in stored
    ]
    assert (c.hits, c.misses) == (1, 0)


def test_entries_expire() -> None:
    c = cache.Cache()
    q = query()
    assert c.store(q, None, sent(reply(q, ttls=(30,))), now=100.0) == 130.0
    assert c.lookup(q, None, now=129.9) is not None
    assert c.lookup(q, None, now=130.0) is None
    assert len(c) == 0


def test_a_pair_needs_both_halves() -> None:
    c = cache.Cache()
    qa, qaaaa = query(qtype=wire.A), query(qtype=wire.AAAA, qid=8)
    ra = reply(qa, ttls=(300,))
    # Only the A reply can be kept: the pair is not an answer, and the expiry says so.
    assert c.store(qa, qaaaa, sent(ra, reply(qaaaa, rcode=wire.SERVFAIL, ttls=())), 0.0) == 0.0
    assert c.lookup(qa, qaaaa, now=1.0) is None
    assert c.lookup(qa, None, now=1.0) is not None


def _fill(c: cache.Cache, n: int, now: float, ttl: int, start: int = 0) -> list[bytes]:
    names = []
    for i in range(start, start + n):
        q = query(wire.name_from_text(f"h{i}.example.test"))
        c.store(q, None, sent(reply(q, ttls=(ttl,))), now=now)
        names.append(q)
    return names


def test_full_cache_drops_stale_entries_before_the_oldest() -> None:
    c = cache.Cache(size=100)
    old_fresh = _fill(c, 50, now=0.0, ttl=10_000)  # oldest, still fresh
    _fill(c, 50, now=0.0, ttl=10, start=50)  # newer, stale at t=20
    new = _fill(c, 50, now=20.0, ttl=10_000, start=100)
    assert len(c) == 100
    assert all(c.lookup(q, None, now=21.0) is not None for q in old_fresh + new)


def test_full_cache_of_fresh_entries_drops_the_oldest() -> None:
    c = cache.Cache(size=100)
    first = _fill(c, 100, now=0.0, ttl=10_000)
    _fill(c, 10, now=1.0, ttl=10_000, start=100)
    assert len(c) == 100
    assert [c.lookup(q, None, now=2.0) is not None for q in first[:12]] == [False] * 10 + [True] * 2


def test_expiry_bookkeeping_stays_bounded_under_churn() -> None:
    """Replacing and evicting entries leaves heap items behind; the heap is rebuilt before it
    grows past twice the live entries (memory bounded; no insert ever scans the entries)."""
    c = cache.Cache(size=1000)
    for rnd in range(20):
        _fill(c, 1000, now=float(rnd), ttl=5 + rnd % 3, start=(rnd % 4) * 700)
        assert len(c) <= 1000
        assert len(c._expiry) <= 2 * len(c) + 64


def _big(i: int, records: int, ttl: int = 10_000) -> tuple[bytes, bytes]:
    """A query and a reply of ``records`` A records (16 bytes each, past the question)."""
    q = query(wire.name_from_text(f"big{i}.example.test"))
    return q, reply(q, ttls=(ttl,) * records)


def _kept_bytes(c: cache.Cache) -> int:
    return sum(len(e.reply) for e in c._entries.values())


def test_the_bytes_kept_are_bounded_too() -> None:
    """A server answering every name with a big reply fills the bytes before the count: the
    oldest go, the bytes stay within ``max_bytes``, and a reply bigger than all of it is not
    kept at all (it is asked again, as glibc asks every time)."""
    c = cache.Cache(size=10_000, max_bytes=100_000)
    pairs = [_big(i, 600) for i in range(40)]  # about 9.6 KB each
    for q, r in pairs:
        c.store(q, None, sent(r), now=0.0)
        assert c.bytes == _kept_bytes(c) <= 100_000
    kept = [c.lookup(q, None, now=1.0) is not None for q, _ in pairs]
    assert kept == [False] * (40 - len(c)) + [True] * len(c)
    assert len(c) == 100_000 // len(pairs[0][1])
    q, r = _big(99, 7_000)  # 112 KB: more than the whole budget
    c.store(q, None, sent(r), now=1.0)
    assert c.lookup(q, None, now=1.0) is None
    assert c.bytes == _kept_bytes(c)


def test_stale_replies_give_their_bytes_back_first() -> None:
    c = cache.Cache(size=10_000, max_bytes=100_000)
    fresh = [_big(i, 300) for i in range(10)]  # about 4.8 KB each, kept long
    stale = [_big(i, 300, ttl=5) for i in range(10, 20)]
    for q, r in fresh + stale:
        c.store(q, None, sent(r), now=0.0)
    q, r = _big(50, 2_000)  # 32 KB: needs the room of the stale ones
    c.store(q, None, sent(r), now=10.0)
    assert all(c.lookup(q, None, now=10.0) is not None for q, _ in fresh)
    assert c.lookup(q, None, now=10.0) is not None
    assert c.bytes == _kept_bytes(c) <= 100_000


def test_threads_sharing_a_cache_keep_its_count_and_bytes_true() -> None:
    """Stores, replacements, evictions and stale drops from several threads at once (the
    module's resolver is shared): the bytes counted are the bytes kept, within both bounds."""

    c = cache.Cache(size=300, max_bytes=200_000)
    errors: list[Exception] = []
    replies = [_big(i, 1 + i % 40, ttl=1 + i % 3) for i in range(600)]

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for step in range(5_000):
                q, r = replies[rng.randrange(len(replies))]
                now = step / 500
                if rng.random() < 0.5:
                    c.store(q, None, sent(r), now=now)
                else:
                    c.lookup(q, None, now=now)
        except Exception as exc:  # a race the lock should have kept out
            errors.append(exc)

    scripted.in_threads(*[functools.partial(churn, n) for n in range(4)])
    assert errors == []
    assert c.bytes == _kept_bytes(c) <= 200_000
    assert len(c) <= 300


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reply_ttl_in_place_reads_what_parse_reads(rng: random.Random) -> None:
    """The in-place reading of the common answer (``wire.plain_answers``) concludes what the
    strict codec concludes, on plain answers and on every kind of damage done to them."""
    q = query(qtype=rng.choice((wire.A, wire.AAAA)))
    data = bytearray(reply(q, ttls=tuple(rng.choice((0, 1, 60, 2**31)) for _ in range(3))))
    if q[-3] == wire.AAAA:  # the records of reply() are A: make them the question's type
        data = bytearray(reply(q, ttls=(60, 30)))
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(data))
        data[at] = rng.choice((0, 1, 4, 16, 0x1C, 0xC0, 0x0C, 0xFF, rng.getrandbits(8)))
    if rng.random() < 0.2:
        del data[rng.randrange(12, len(data)) :]
    fast = cache.reply_ttl(bytes(data))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(wire, "question_end", lambda _data: -1)
        slow = cache.reply_ttl(bytes(data))
    assert fast == slow


def _negative(rng: random.Random) -> bytearray:
    """A negative reply as authoritative servers write it (Knot's compression): the SOA owner a
    pointer to the zone's apex inside the question, MNAME and RNAME compressed against the
    apex, the owner or each other, or written out."""
    labels = [rng.choice((b"h1", b"www", b"a" * 63, b"x")) for _ in range(rng.randint(0, 3))]
    zone = [b"example", b"test"][: rng.randint(1, 2)]
    qname = b"".join(bytes([len(x)]) + x for x in labels + zone) + b"\x00"
    apex = 12 + sum(len(x) + 1 for x in labels)
    qend = 12 + len(qname) + 4
    rcode = rng.choice((wire.NOERROR, wire.NXDOMAIN))
    head = struct.pack("!HHHHHH", 7, 0x8400 | rcode, 1, 0, 1, 0)
    question = qname + struct.pack("!HH", rng.choice((wire.A, wire.AAAA)), 1)

    def ptr(at: int) -> bytes:
        return struct.pack("!H", 0xC000 | at)

    mname = b"\x02ns" + rng.choice((ptr(apex), ptr(qend), ptr(12), b"\x07example\x04test\x00"))
    mstart = qend + 12
    rname = b"\x0ahostmaster" + rng.choice((ptr(apex), ptr(mstart), ptr(mstart + 3), ptr(qend)))
    fixed = struct.pack("!IIIII", 1, 3600, 600, 86400, rng.choice((0, 30, 300, 2**32 - 1)))
    rdata = mname + rname + fixed
    rr = ptr(apex) + struct.pack("!HHIH", wire.SOA, 1, rng.choice((0, 60, 900, 2**31)), len(rdata))
    return bytearray(head + question + rr + rdata)


@settings(max_examples=600, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reply_ttl_of_negative_replies_in_place_reads_what_parse_reads(rng: random.Random) -> None:
    """The in-place reading of a negative reply's SOA (``wire.plain_soa``) concludes what the
    strict codec concludes, on the shapes servers write and on every kind of damage done to
    them (pointers that go forward or nowhere, labels past the RDATA, names too long, extra
    records, trailing bytes)."""
    data = _negative(rng)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(data))
        data[at] = rng.choice((0, 1, 2, 4, 6, 0x3F, 0x40, 0xC0, 0x0C, 0xFF, rng.getrandbits(8)))
    if rng.random() < 0.15:
        del data[rng.randrange(12, len(data)) :]
    if rng.random() < 0.1:
        data += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))
    fast = cache.reply_ttl(bytes(data))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(wire, "question_end", lambda _data: -1)
        slow = cache.reply_ttl(bytes(data))
    assert fast == slow


def test_negative_replies_of_the_common_shape_are_read_in_place() -> None:
    """The shapes of :func:`_negative` undamaged are all read in place (the test above compares
    the conclusions; this one makes sure it compares the in-place reading)."""
    rng = random.Random(5)
    for _ in range(200):
        data = bytes(_negative(rng))
        qend = wire.question_end(data)
        soa = wire.plain_soa(data, qend)
        assert soa is not None
        msg = wire.parse(data)
        assert soa == (msg.authority[0].ttl, msg.authority[0].data.minimum)  # type: ignore[attr-defined]
