"""A bounded fuzz target: mutated replies through every decoder, in CI on every run.

Seeds are real replies (records of every type the codec knows, compressed as servers compress
them) and the hostile shapes of ``tests/sandbox/hostile.py`` (at 1.5 KB, and now and then at
64 KB); each round mutates one (bytes
flipped, compression pointers planted, cuts, splices, counts raised to 65,535) and hands it to
every decoder a reply can meet.  Each must

* finish within :data:`BUDGET` seconds on the message, and
* end as documented: the codec returns a message or raises ``WireError`` (a ``ValueError``);
  every other decoder returns a value and never raises;
* agree with the plain walk of its name rule (``tests/test_hostile_replies.py``) on the whole
  outcome, where the plain walk is cheap enough to run (messages under 2 KB).

``NETDB_FUZZ_ROUNDS`` sets the number of rounds (default 20,000: about 15 s here);
``NETDB_FUZZ_SEED`` the seed (default: a fixed one, so a failure repeats).
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable
from typing import Any

import pytest

from netdb import nss_dns
from netdb.bulk import _decode
from netdb.dns import cache, query, wire
from tests.dns import test_cache
from tests.sandbox import hostile
from tests.test_hostile_replies import plain_read_name, plain_unpack_name, timed

ROUNDS = int(os.environ.get("NETDB_FUZZ_ROUNDS", "20000"))
SEED = int(os.environ.get("NETDB_FUZZ_SEED", "20261205"))
BUDGET = 0.25

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV = 1, 2, 5, 6, 12, 15, 16, 28, 33


def _seeds() -> list[tuple[bytes, bytes]]:
    """(query, reply) pairs to mutate."""
    out = []
    for qtype, name in (
        (A, "www.example.test"),
        (AAAA, "www.example.test"),
        (PTR, "1.2.0.192.in-addr.arpa"),
    ):
        q = hostile.query(name, qtype)
        qname = wire.name_from_text(name)
        target = wire.name_from_text("host.example.test")
        records = [
            wire.Record(qname, CNAME, 1, 300, target),
            wire.Record(target, A, 1, 300, b"\xc0\x00\x02\x01"),
            wire.Record(target, AAAA, 1, 300, bytes(15) + b"\x01"),
            wire.Record(qname, PTR, 1, 300, target),
            wire.Record(qname, MX, 1, 300, wire.Mx(10, target)),
            wire.Record(qname, TXT, 1, 300, (b"v=spf1", b"")),
            wire.Record(qname, SRV, 1, 300, wire.Srv(1, 2, 443, target)),
        ]
        soa = wire.Record(
            wire.name_from_text("example.test"),
            SOA,
            1,
            300,
            wire.Soa(wire.name_from_text("ns.example.test"), target, 1, 2, 3, 4, 5),
        )
        msg = wire.Message(
            struct.unpack_from("!H", q)[0],
            0x8180,
            (wire.Question(qname, qtype, 1),),
            tuple(records),
            (soa,),
            (),
            None,
        )
        out.append((q, wire.build_message(msg)))
        for shape in hostile.SHAPES:
            out.append((q, hostile.reply(q, shape, 1500)))
    # Negative replies compressed as servers compress them (the cache reads their SOA in place).
    shapes = random.Random(1)
    for _ in range(6):
        data = bytes(test_cache._negative(shapes))
        qend = wire.question_end(data)
        out.append((data[:4] + b"\x00\x01" + bytes(6) + data[12:qend], data))
    return out


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if not b:
            break
        at = rng.randrange(len(b))
        if kind < 0.3:
            b[at] = rng.getrandbits(8)
        elif kind < 0.55:
            # A compression pointer, backwards, forwards or onto another pointer.
            b[at : at + 2] = struct.pack("!H", 0xC000 | rng.randrange(0, min(len(b) + 4, 0x4000)))
        elif kind < 0.65:
            del b[at:]
        elif kind < 0.8:
            n = rng.randint(1, 64)
            src = rng.randrange(len(b))
            b[at:at] = b[src : src + n]
        elif kind < 0.9 and len(b) >= 12:
            field = rng.choice((4, 6, 8, 10))
            b[field : field + 2] = struct.pack("!H", rng.choice((0, 1, 2, 255, 65535)))
        else:
            b[at:at] = bytes([rng.choice((1, 63, 0x40, 0x80, 0))])
    return bytes(b)


def _run(fn: Callable[..., Any], *args: Any) -> str:
    try:
        return "ok " + repr(fn(*args))
    except wire.WireError as exc:
        return f"WireError {exc}"


def _decoders(reply: bytes, q: bytes) -> dict[str, Callable[[], str]]:
    qend = len(q)
    qtype = struct.unpack_from("!H", q, qend - 4)[0]
    return {
        "wire.parse": lambda: _run(wire.parse, reply),
        "wire.parse_questions": lambda: _run(wire.parse_questions, reply),
        "bulk": lambda: (
            _run(_decode.decode, reply, qend, qtype, "www.example.test")
            if len(reply) >= qend
            else "short"
        ),
        "cache.reply_ttl": lambda: _run(cache.reply_ttl, reply),
        "res_send match": lambda: _run(query.queries_match, q, reply),
        "getanswer": lambda: _run(nss_dns.getanswer, reply, A if qtype == PTR else qtype, 2, 16383),
        "gaih_getanswer": lambda: _run(nss_dns.gaih_getanswer, reply, reply),
        "getanswer_ptr": lambda: _run(nss_dns.getanswer_ptr, reply),
    }


def test_fuzz_every_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    seeds = _seeds()
    plain_checked = 0
    for i in range(ROUNDS):
        q, seed = rng.choice(seeds)
        reply = _mutate(rng, seed)
        roll = rng.random()
        if roll < 0.003:
            # Now and then a whole 64 KB hostile reply, mutated: the sizes where work that grows
            # faster than the message shows.
            reply = _mutate(rng, hostile.reply(q, rng.choice(hostile.SHAPES), 65535))
        elif roll < 0.1:
            reply = _mutate(rng, reply + hostile.reply(q, rng.choice(hostile.SHAPES), 600)[12:])
        outcomes: dict[str, str] = {}
        for name, run in _decoders(reply, q).items():
            try:
                outcomes[name], took = timed(run)
            except Exception as exc:  # anything but WireError from the codec is a defect
                raise AssertionError(
                    f"round {i} (seed {SEED}): {name} raised {exc!r} on {reply.hex()}"
                ) from exc
            assert took < BUDGET, (
                f"round {i} (seed {SEED}): {name} took {took:.3f} s on {reply.hex()}"
            )
        if len(reply) < 2048 and i % 2 == 0:
            with monkeypatch.context() as m:
                m.setattr(wire, "_read_name", plain_read_name)
                m.setattr(nss_dns, "unpack_name", plain_unpack_name)
                plain = {name: run() for name, run in _decoders(reply, q).items()}
            assert outcomes == plain, (
                f"round {i} (seed {SEED}): memo changed an outcome on {reply.hex()}"
            )
            with monkeypatch.context() as m:
                m.setattr(wire, "question_end", lambda _data: -1)  # no in-place reading
                parsed = _run(cache.reply_ttl, reply)
            assert outcomes["cache.reply_ttl"] == parsed, (
                f"round {i} (seed {SEED}): the in-place reading differs on {reply.hex()}"
            )
            plain_checked += 1
    assert plain_checked > ROUNDS // 10
