"""Hostile DNS replies: messages built to make a decoder work hard, for the tests and the proxy.

Each shape takes a query and returns a reply that echoes its ID and question (so every resolver
reads it) followed by records whose names make a naive decoder walk far: chains of compression
pointers, runs of one-byte labels pointed into at every label, pointer loops.  ``size`` is the
reply's length to aim for (at most 65,535: a TCP message; 65,507 fits a UDP datagram).

==================  ===========================================================================
``rdata_chain``     one record of a private type fills the first 16 KiB (all that pointers can
                    reach) with a chain of pointers, each to the one before it (the first to the
                    question); the CNAME (PTR for a PTR query) records after it point at chain
                    links (names of up to 8,000 jumps: glibc follows them, the strict codec
                    refuses more than 128)
``owner_chain``     the same chain; records of the asked type whose *owners* point at its links
``capped_chains``   chains of 127 jumps (which the strict codec allows) in the first 16 KiB,
                    records pointing at every link of every chain
``label_run``       runs of 127 one-byte labels in the first 16 KiB, records pointing at every
                    label of every run (names of up to 254 bytes, read from thousands of places)
``loop``            a CNAME whose target is a loop of two pointers, forward and back
``questions``       the question echoed, then thousands more, each name a pointer to the name of
                    the question before it, or past 16 KiB to one deep in that chain (QDCOUNT
                    says how many)
``addresses``       nothing but answers: records of the asked type owned by the question (4,000
                    distinct A or 2,300 AAAA addresses in 64 KB; PTR records naming it): every
                    one a valid answer, so the lookup's sort, merge and result building take
                    all of them
``mapped``          the same in 127.0.0.0/8, with the AAAA records IPv4-mapped (::ffff:127.x.y.z):
                    addresses a loopback-only host can reach in both families, whose RFC 6724
                    order (under a gai.conf that gives 127/8 global scope) only glibc's merge
                    sort decides, rule 9 comparing no IPv4 address with an IPv6 one
==================  ===========================================================================
"""

from __future__ import annotations

import struct

SHAPES = (
    "rdata_chain",
    "owner_chain",
    "capped_chains",
    "label_run",
    "loop",
    "questions",
    "addresses",
    "mapped",
)
_RR = struct.Struct("!HHIH")
_REACH = 0x3FFF  # the last offset a compression pointer can name (14 bits)
_PRIVATE_TYPE = 65280  # RFC 6895 private use: RDATA nobody reads as names
A, CNAME, PTR, AAAA = 1, 5, 12, 28


def _question_end(query: bytes) -> int:
    pos = 12
    while pos < len(query) and query[pos]:
        pos += query[pos] + 1
    return pos + 5


def _ptr(target: int) -> bytes:
    assert 0 <= target <= _REACH, target
    return struct.pack("!H", 0xC000 | target)


def _chain(start: int, links: int, first_target: int) -> bytes:
    """``links`` pointers written from ``start``: the first to ``first_target``, each next one
    to the one before it."""
    out = bytearray(_ptr(first_target))
    for i in range(1, links):
        out += _ptr(start + 2 * (i - 1))
    return bytes(out)


def _rdata_for(qtype: int, i: int = 0, mapped: bool = False) -> tuple[int, bytes]:
    """(type, RDATA) of an address record answering ``qtype``: loopback, or for ``i`` > 0 the
    ``i``-th of distinct addresses (198.18.0.0/15, 2001:db8::/32; ``mapped``: 127.1.0.0/16 in
    A records, the same IPv4-mapped in AAAA ones)."""
    if qtype == PTR:
        return PTR, _ptr(12)
    if mapped and i:
        v4 = bytes((127, 1 + (i >> 16) % 2)) + (i & 0xFFFF).to_bytes(2, "big")
        return (AAAA, bytes(10) + b"\xff\xff" + v4) if qtype == AAAA else (A, v4)
    if qtype == AAAA:
        return AAAA, (b"\x20\x01\x0d\xb8" + bytes(8) + i.to_bytes(4, "big")) if i else _LOOP6
    return A, (bytes((198, 18 + (i >> 16) % 2)) + (i & 0xFFFF).to_bytes(2, "big")) if i else _LOOP4


_LOOP4, _LOOP6 = b"\x7f\x00\x00\x01", bytes(15) + b"\x01"


def _arena(start: int, shape: str) -> tuple[bytes, list[int], int]:
    """(records of a private type that fill the offsets pointers can reach from ``start``, the
    offsets worth pointing at inside them, how many records)."""
    out = bytearray()
    targets: list[int] = []
    count = 0
    if shape in ("rdata_chain", "owner_chain", "loop"):
        links = (_REACH - start - 12) // 2
        at = start + 12
        out += b"\xc0\x0c" + _RR.pack(_PRIVATE_TYPE, 1, 60, 2 * links) + _chain(at, links, 12)
        # The far end first: the longest walks.
        targets = [at + 2 * (links - 1 - (i * 7919) % links) for i in range(links)]
        count = 1
    elif shape == "capped_chains":
        links = 127
        while start + len(out) + 12 + 2 * links <= _REACH:
            at = start + len(out) + 12
            out += b"\xc0\x0c" + _RR.pack(_PRIVATE_TYPE, 1, 60, 2 * links) + _chain(at, links, 12)
            targets += [at + 2 * i for i in range(links)]
            count += 1
    elif shape == "label_run":
        run = b"\x01a" * 127 + b"\x00"
        while start + len(out) + 12 + len(run) <= _REACH:
            at = start + len(out) + 12
            out += b"\xc0\x0c" + _RR.pack(_PRIVATE_TYPE, 1, 60, len(run)) + run
            targets += [at + 2 * i for i in range(127)]
            count += 1
    return bytes(out), targets, count


def reply(query: bytes, shape: str, size: int = 65000) -> bytes:
    """A reply to ``query`` of about ``size`` bytes in ``shape`` (see the module docstring)."""
    size = min(size, 65535)
    qend = _question_end(query)
    qtype = struct.unpack_from("!H", query, qend - 4)[0]
    body = bytearray(query[12:qend])
    qd = 1
    name_type = PTR if qtype == PTR else CNAME
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    if shape == "questions":
        prev = 12
        reachable = []
        while 12 + len(body) + 6 <= size and qd < 65535:
            at = 12 + len(body)
            body += _ptr(prev) + struct.pack("!HH", qtype, 1)
            if at <= _REACH:
                reachable.append(at)
                prev = at
            else:  # past what pointers reach: point back into the chain, deep first
                prev = reachable[-1 - (qd * 7919) % len(reachable)]
            qd += 1
        return struct.pack("!HHHHHH", struct.unpack_from("!H", query)[0], 0x8180, qd, 0, 0, 0) + (
            bytes(body)
        )
    if shape in ("addresses", "mapped"):
        count = 0
        while 12 + len(body) + 12 + 16 <= size and count < 65535:
            count += 1
            rtype, rdata = _rdata_for(qtype, count, shape == "mapped")
            body += b"\xc0\x0c" + _RR.pack(rtype, 1, 60, len(rdata)) + rdata
        header = struct.pack("!HHHHHH", struct.unpack_from("!H", query)[0], 0x8180, 1, count, 0, 0)
        return header + bytes(body)
    if shape == "loop":
        # RDATA: a pointer to the next two bytes, which point back at it; then more CNAMEs to it.
        at = 12 + len(body) + 12
        body += b"\xc0\x0c" + _RR.pack(name_type, 1, 60, 4) + _ptr(at + 2) + _ptr(at)
        targets = [at]
        count = 1
    else:
        arena, targets, count = _arena(12 + len(body), shape)
        body += arena
    rtype, rdata = _rdata_for(qtype)
    i = 0
    while True:
        target = targets[i % len(targets)]
        if shape == "owner_chain":
            rec = _ptr(target) + _RR.pack(rtype, 1, 60, len(rdata)) + rdata
        else:
            rec = b"\xc0\x0c" + _RR.pack(name_type, 1, 60, 2) + _ptr(target)
        if 12 + len(body) + len(rec) > size or count == 65535:
            break
        body += rec
        count += 1
        i += 1
    header = struct.pack("!HHHHHH", struct.unpack_from("!H", query)[0], 0x8180, 1, count, 0, 0)
    return header + bytes(body)


def query(name: str, qtype: int, qid: int = 0x4242) -> bytes:
    """A plain query (RD set) for tests that need one to answer."""
    wname = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wname + struct.pack("!HH", qtype, 1)
