"""DNS messages on the wire: queries out, replies in (RFC 1035 §4, RFC 6891 EDNS0).

Owns the byte format and nothing else: header, question, the three record sections, name
compression (RFC 1035 §4.1.4), the EDNS0 OPT pseudo-record (RFC 6891 §6), and the RDATA of A
(RFC 1035), AAAA (RFC 3596), CNAME, PTR, NS, SOA, MX, TXT (RFC 1035), SRV (RFC 2782) and CAA
(RFC 8659); any other type keeps its RDATA as bytes (RFC 3597).

Names are kept in uncompressed wire form (``b"\\x03www\\x07example\\x00"``), case preserved;
:func:`name_to_text` prints them as glibc's ``ns_name_ntop`` does.

Strict: every way a message can lie about itself is a :class:`WireError` naming the byte offset:
a header or section cut short, counts that run past the end, a compression pointer that does not
point strictly backwards (which also rules out loops), a reserved label type, a label over 63 or
a name over 255 bytes, RDATA that overruns its length or does not fill it, a second OPT, an OPT
outside the additional section or with an owner other than the root.  Bytes after the last record
are ignored (as glibc does; dnspython calls them trailing junk).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT, ANY, CAA = (
    1,
    2,
    5,
    6,
    12,
    15,
    16,
    28,
    33,
    41,
    255,
    257,
)
IN = 1
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5

TYPE_NAMES: dict[int, str] = {
    A: "A",
    NS: "NS",
    CNAME: "CNAME",
    SOA: "SOA",
    PTR: "PTR",
    MX: "MX",
    TXT: "TXT",
    AAAA: "AAAA",
    SRV: "SRV",
    OPT: "OPT",
    ANY: "ANY",
    CAA: "CAA",
}
_TYPES_BY_NAME = {v: k for k, v in TYPE_NAMES.items()}
RCODE_NAMES = {
    NOERROR: "NOERROR",
    FORMERR: "FORMERR",
    SERVFAIL: "SERVFAIL",
    NXDOMAIN: "NXDOMAIN",
    NOTIMP: "NOTIMP",
    REFUSED: "REFUSED",
}


def type_name(rtype: int) -> str:
    """``AAAA``, or ``TYPE65`` for a type without a mnemonic (RFC 3597 §5)."""
    return TYPE_NAMES.get(rtype) or f"TYPE{rtype}"


def type_from_text(text: str) -> int:
    """``aaaa``, ``TYPE65`` or ``65`` as a type number; ValueError otherwise."""
    upper = text.strip().upper()
    if upper in _TYPES_BY_NAME:
        return _TYPES_BY_NAME[upper]
    digits = upper[4:] if upper.startswith("TYPE") else upper
    if digits.isascii() and digits.isdigit() and len(digits) <= 5 and int(digits) < 65536:
        return int(digits)
    raise ValueError(f"unknown record type {text!r}")


class WireError(ValueError):
    """A message that is not valid DNS; ``offset`` is where reading failed."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at byte {offset}")
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Question:
    name: bytes
    qtype: int
    qclass: int = IN


@dataclass(frozen=True, slots=True)
class Soa:
    mname: bytes
    rname: bytes
    serial: int
    refresh: int
    retry: int
    expire: int
    minimum: int


@dataclass(frozen=True, slots=True)
class Mx:
    preference: int
    exchange: bytes


@dataclass(frozen=True, slots=True)
class Srv:
    priority: int
    weight: int
    port: int
    target: bytes


@dataclass(frozen=True, slots=True)
class Caa:
    flags: int
    tag: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class Record:
    name: bytes
    rtype: int
    rclass: int
    ttl: int
    data: object


@dataclass(frozen=True, slots=True)
class Edns:
    payload: int
    ext_rcode: int = 0
    version: int = 0
    do: bool = False
    options: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    flags: int
    question: tuple[Question, ...] = ()
    answer: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()
    edns: Edns | None = None

    @property
    def qr(self) -> bool:
        return bool(self.flags & 0x8000)

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF

    @property
    def aa(self) -> bool:
        return bool(self.flags & 0x0400)

    @property
    def tc(self) -> bool:
        return bool(self.flags & 0x0200)

    @property
    def rd(self) -> bool:
        return bool(self.flags & 0x0100)

    @property
    def ra(self) -> bool:
        return bool(self.flags & 0x0080)

    @property
    def ad(self) -> bool:
        return bool(self.flags & 0x0020)

    @property
    def cd(self) -> bool:
        return bool(self.flags & 0x0010)

    @property
    def rcode(self) -> int:
        """The RCODE, with the upper bits from EDNS when present (RFC 6891 §6.1.3)."""
        low = self.flags & 0xF
        return low | (self.edns.ext_rcode << 4) if self.edns is not None else low


# --- names ------------------------------------------------------------------------------------

_SPECIAL = frozenset(b'".;\\()@$')
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def name_lower(wire: bytes) -> bytes:
    """ASCII-only case folding (RFC 4343): the form names are compared in."""
    return wire.translate(_LOWER)


def name_to_text(wire: bytes) -> str:
    """Presentation form as glibc's ``ns_name_ntop`` prints it: no trailing dot, root as ``.``,
    ``\\`` before ``. ; \\ ( ) @ $ "``, ``\\DDD`` for bytes outside 0x21-0x7e."""
    labels: list[str] = []
    i = 0
    while wire[i]:
        n = wire[i]
        raw = wire[i + 1 : i + 1 + n]
        if raw.isalnum() or (
            raw.isascii()
            and all(c > 0x20 and c < 0x7F for c in raw)
            and not _SPECIAL.intersection(raw)
        ):
            labels.append(raw.decode("ascii"))
        else:
            out = []
            for c in raw:
                if c in _SPECIAL:
                    out.append("\\" + chr(c))
                elif c <= 0x20 or c >= 0x7F:
                    out.append("\\%03d" % c)
                else:
                    out.append(chr(c))
            labels.append("".join(out))
        i += n + 1
    return ".".join(labels) if labels else "."


def name_from_text(text: str) -> bytes:
    """Wire form of a presentation-form name, as glibc's ``ns_name_pton`` reads it: ``\\X`` and
    ``\\DDD`` escapes, an optional trailing dot, ``.`` for the root.  ValueError (a WireError)
    for an empty label, a label over 63 bytes, a name over 255, a bad escape or a non-latin-1
    character."""
    if text == ".":
        return b"\x00"
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raise WireError("name holds a character outside latin-1", 0) from None
    if b"\\" not in raw:
        parts = raw.split(b".")
        if parts[-1] == b"":
            parts.pop()
        out = bytearray()
        for label in parts:
            n = len(label)
            if n == 0:
                raise WireError("empty label", len(out))
            if n > 63:
                raise WireError("label longer than 63 bytes", len(out))
            out.append(n)
            out += label
        out.append(0)
        if len(out) > 255:
            raise WireError("name longer than 255 bytes", 255)
        return bytes(out)
    return _name_from_escaped(raw)


def _name_from_escaped(raw: bytes) -> bytes:
    out = bytearray()
    label = bytearray()
    i = 0
    n = len(raw)
    ended = False
    while i < n:
        c = raw[i]
        i += 1
        if c == 0x5C:  # backslash
            if i >= n:
                raise WireError("escape at end of name", i)
            d = raw[i]
            if 0x30 <= d <= 0x39:
                digits = raw[i : i + 3]
                if len(digits) < 3 or not digits.isdigit() or int(digits) > 255:
                    raise WireError("bad \\DDD escape", i)
                label.append(int(digits))
                i += 3
            else:
                label.append(d)
                i += 1
        elif c == 0x2E:  # dot
            if not label:
                raise WireError("empty label", i)
            if len(label) > 63:
                raise WireError("label longer than 63 bytes", i)
            out.append(len(label))
            out += label
            label.clear()
            if i == n:
                ended = True
        else:
            label.append(c)
        if len(out) + len(label) > 255:
            raise WireError("name longer than 255 bytes", i)
    if not ended:
        if not label:
            raise WireError("empty label", i)
        if len(label) > 63:
            raise WireError("label longer than 63 bytes", i)
        out.append(len(label))
        out += label
    out.append(0)
    if len(out) > 255:
        raise WireError("name longer than 255 bytes", 255)
    return bytes(out)


MAX_HOPS = 128
"""Compression pointers one name may follow.  A name of at most 255 octets has at most 127
labels (RFC 1035 §3.1), and a pointer before each label and one to the root is all a compressor
can use; more is a chain of pointers to pointers, which no encoder writes."""

# What the name starting at an offset reads as, in one message: (the name from there on, the
# first pointer's target on the way or -1, pointers followed, offset just after the name as
# written there, offset just after the part the first pointer leads to or 0).  See
# :func:`_read_name`.
_Memo = dict[int, tuple[bytes, int, int, int, int]]


def _read_name(data: bytes, offset: int, memo: _Memo) -> tuple[bytes, int]:
    """(uncompressed name, offset after the name where it was written) starting at ``offset``.

    A name is read in parts: the bytes at ``offset`` up to a pointer, the bytes at its target
    up to the next pointer, and so on.  A pointer must point strictly before the start of the
    part it ends, so every chain of pointers ends (RFC 1035 §4.1.4: pointers refer to a *prior*
    occurrence), and the part it leads to must end before that start too: a name may not run
    into the bytes that pointed at it (dnspython's rule; glibc's parser, in ``nss_dns.py``, has
    no such rule and keeps its own).  A name follows at most :data:`MAX_HOPS` pointers.

    Bounded work: ``memo`` (one per message) keeps what every offset read so far reads as, and a
    walk stops at the first offset already read.  Every byte of a message is walked at most once
    whatever its names point at, so a message costs time linear in its size (a reply made of
    long chains of pointers would otherwise cost the square of it).  Reusing an offset ``p`` is
    exact: the walk from ``p`` alone met the same rules with bounds at least as wide, so it goes
    on as it went, provided that its first pointer goes below the start of the walk's current
    part, that its first part ends within the walk's bound and that the part its first pointer
    leads to ends before that start (checked); every later part is bounded as it was.
    """
    hit = memo.get(offset)
    if hit is not None:
        return hit[0], hit[3]
    end = len(data)
    steps: list[tuple[int, bytes | int]] = []  # (offset, the label there | a pointer's target)
    total = 1  # octets of the name so far, its root's zero octet counted
    hops = 0
    pos = offset
    limit = offset  # the start of the part being read: its pointer must go below this
    bound = end  # the part being read must end by this
    recall = True
    while True:
        if pos >= bound:
            raise WireError("name runs past the end, or into the pointer to it", pos)
        n = data[pos]
        if n == 0:
            tail = (b"\x00", -1, 0, pos + 1, 0)
            break
        kind = n & 0xC0
        if kind == 0:
            stop = pos + 1 + n
            if stop > bound:
                raise WireError("label runs past the end, or into the pointer to it", pos)
            total += n + 1
            if total > 255:
                raise WireError("name longer than 255 bytes", pos)
            steps.append((pos, data[pos:stop]))
            pos = stop
        elif kind == 0xC0:
            if pos + 2 > bound:
                raise WireError("pointer runs past the end, or into the pointer to it", pos)
            target = ((n & 0x3F) << 8) | data[pos + 1]
            if target >= limit:
                raise WireError("compression pointer does not point backwards", pos)
            hops += 1
            if hops > MAX_HOPS:
                raise WireError("name follows too many compression pointers", pos)
            steps.append((pos, target))
            bound = limit
            limit = target
            pos = target
        else:
            raise WireError("reserved label type", pos)
        hit = memo.get(pos) if recall else None
        if hit is not None:
            # Read before: the same name from here on, if it obeys this walk's bounds (see
            # above).  If not, the walk goes on by itself to raise at the offset where the name
            # breaks (it ends: the message fails).
            if (
                hit[1] < limit
                and hit[3] <= bound
                and hit[4] <= limit
                and total + len(hit[0]) - 1 <= 255
                and hops + hit[2] <= MAX_HOPS
            ):
                tail = hit
                break
            recall = False
    # Every offset walked now reads as the rest of this name from there on.
    name, first, nhops, after, after2 = tail
    for at, step in reversed(steps):
        if isinstance(step, bytes):
            name = step + name
        else:
            first = step
            nhops += 1
            after2 = after
            after = at + 2
        memo[at] = (name, first, nhops, after, after2)
    return name, after


def read_name(data: bytes, offset: int) -> tuple[bytes, int]:
    """Public form of the name reader: (name, offset just after it)."""
    return _read_name(bytes(data), offset, {})


# --- parsing ------------------------------------------------------------------------------------

_HEADER = struct.Struct("!HHHHHH")
_RRFIX = struct.Struct("!HHIH")
_QFIX = struct.Struct("!HH")
_H = struct.Struct("!H")
_SOAFIX = struct.Struct("!IIIII")
_SRVFIX = struct.Struct("!HHH")


def parse_header(data: bytes | bytearray | memoryview) -> tuple[int, int, int, int, int, int]:
    """(id, flags, qdcount, ancount, nscount, arcount)."""
    if len(data) < 12:
        raise WireError("message shorter than its 12-byte header", len(data))
    return _HEADER.unpack_from(data, 0)


def parse_questions(data: bytes) -> tuple[int, tuple[Question, ...]]:
    """(QDCOUNT, the questions): the part of a message that matches a reply to its query."""
    qd = parse_header(data)[2]
    pos = 12
    out = []
    memo: _Memo = {}
    for _ in range(qd):
        name, pos = _read_name(data, pos, memo)
        if pos + 4 > len(data):
            raise WireError("question runs past the end", pos)
        qtype, qclass = _QFIX.unpack_from(data, pos)
        pos += 4
        out.append(Question(name, qtype, qclass))
    return qd, tuple(out)


def _rdata(data: bytes, rtype: int, start: int, rdlen: int, memo: _Memo) -> object:
    stop = start + rdlen
    if rtype == A:
        if rdlen != 4:
            raise WireError("A record RDATA is not 4 bytes", start)
        return data[start:stop]
    if rtype == AAAA:
        if rdlen != 16:
            raise WireError("AAAA record RDATA is not 16 bytes", start)
        return data[start:stop]
    if rtype in (CNAME, PTR, NS):
        name, end = _read_name(data, start, memo)
        if end != stop:
            raise WireError("name does not fill the RDATA", start)
        return name
    if rtype == SOA:
        mname, p = _read_name(data, start, memo)
        rname, p = _read_name(data, p, memo)
        if p + 20 != stop:
            raise WireError("SOA RDATA has the wrong length", start)
        return Soa(mname, rname, *_SOAFIX.unpack_from(data, p))
    if rtype == MX:
        if rdlen < 3:
            raise WireError("MX RDATA too short", start)
        exchange, end = _read_name(data, start + 2, memo)
        if end != stop:
            raise WireError("MX RDATA has the wrong length", start)
        return Mx(_H.unpack_from(data, start)[0], exchange)
    if rtype == TXT:
        strings = []
        p = start
        while p < stop:
            n = data[p]
            if p + 1 + n > stop:
                raise WireError("TXT string runs past the RDATA", p)
            strings.append(data[p + 1 : p + 1 + n])
            p += 1 + n
        if not strings:
            raise WireError("TXT RDATA is empty", start)
        return tuple(strings)
    if rtype == SRV:
        if rdlen < 7:
            raise WireError("SRV RDATA too short", start)
        target, end = _read_name(data, start + 6, memo)
        if end != stop:
            raise WireError("SRV RDATA has the wrong length", start)
        priority, weight, port = _SRVFIX.unpack_from(data, start)
        return Srv(priority, weight, port, target)
    if rtype == CAA:
        if rdlen < 2:
            raise WireError("CAA RDATA too short", start)
        taglen = data[start + 1]
        if start + 2 + taglen > stop:
            raise WireError("CAA tag runs past the RDATA", start)
        return Caa(
            data[start], data[start + 2 : start + 2 + taglen], data[start + 2 + taglen : stop]
        )
    return data[start:stop]


def parse(raw: bytes | bytearray | memoryview) -> Message:
    """A whole message, strictly (see the module docstring); :class:`WireError` otherwise."""
    data = bytes(raw)
    qid, flags, qd, an, ns, ar = parse_header(data)
    end = len(data)
    pos = 12
    questions = []
    read_name = _read_name
    # One memo for every name of the message: bounded work (see _read_name), and owners
    # compressed to an earlier name cost one dict lookup.
    memo: _Memo = {}
    for _ in range(qd):
        name, pos = read_name(data, pos, memo)
        if pos + 4 > end:
            raise WireError("question runs past the end", pos)
        qtype, qclass = _QFIX.unpack_from(data, pos)
        pos += 4
        questions.append(Question(name, qtype, qclass))
    sections: list[tuple[Record, ...]] = []
    edns: Edns | None = None
    unpack = _RRFIX.unpack_from
    for index, count in enumerate((an, ns, ar)):
        records: list[Record] = []
        append = records.append
        for _ in range(count):
            at = pos
            name, pos = read_name(data, pos, memo)
            if pos + 10 > end:
                raise WireError("record header runs past the end", pos)
            rtype, rclass, ttl, rdlen = unpack(data, pos)
            pos += 10
            stop = pos + rdlen
            if stop > end:
                raise WireError("RDATA runs past the end", pos)
            if (rtype == A and rdlen == 4) or (rtype == AAAA and rdlen == 16):
                append(Record(name, rtype, rclass, ttl, data[pos:stop]))
            elif rtype == OPT:
                if index != 2:
                    raise WireError("OPT record outside the additional section", at)
                if edns is not None:
                    raise WireError("second OPT record", at)
                if name != b"\x00":
                    raise WireError("OPT record not owned by the root", at)
                edns = Edns(
                    rclass,
                    ttl >> 24,
                    (ttl >> 16) & 0xFF,
                    bool(ttl & 0x8000),
                    _options(data, pos, stop) if rdlen else (),
                )
            else:
                append(Record(name, rtype, rclass, ttl, _rdata(data, rtype, pos, rdlen, memo)))
            pos = stop
        sections.append(tuple(records))
    return Message(qid, flags, tuple(questions), sections[0], sections[1], sections[2], edns)


_ADDRESS_SIZES = {A: 4, AAAA: 16}


def question_end(data: bytes) -> int:
    """Where the one question of ``data`` ends, when it is written plainly (QDCOUNT 1, a name of
    plain labels, no pointer): -1 otherwise.  Replies to netdb's queries echo it so."""
    n = len(data)
    if n < 17 or data[4] or data[5] != 1:
        return -1
    end = 12
    while end < n and 0 < data[end] < 64:
        end += data[end] + 1
    if end >= n or data[end] or end - 11 > 255 or end + 5 > n:
        return -1
    return end + 5


def plain_answers(data: bytes, qend: int) -> list[tuple[int, bytes]] | None:
    """The answer section of ``data`` read in place, as ``[(ttl, rdata), ...]``, when it is the
    common reply to an address query: every record owned by the question's name through the
    pointer ``0xC00C``, of the question's type (A or AAAA), class IN, with RDATA of that type's
    size; None for anything else (then :func:`parse` reads it).  ``qend`` is where the question
    ends (:func:`question_end`).  It reads exactly what :func:`parse` would accept of the answer
    section, nothing after it."""
    qtype = (data[qend - 4] << 8) | data[qend - 3]
    size = _ADDRESS_SIZES.get(qtype)
    if size is None or data[qend - 2] or data[qend - 1] != 1:
        return None
    count = (data[6] << 8) | data[7]
    end = len(data)
    out = []
    at = qend
    unpack = _PLAIN_RR
    for _ in range(count):
        stop = at + 12 + size
        if stop > end:
            return None
        owner, rtype, rclass, ttl, rdlen = unpack(data, at)
        if owner != 0xC00C or rtype != qtype or rclass != 1 or rdlen != size:
            return None
        out.append((ttl, data[at + 12 : stop]))
        at = stop
    return out


_PLAIN_RR = struct.Struct("!HHHIH").unpack_from  # owner pointer, type, class, TTL, RDLENGTH


def plain_soa(data: bytes, qend: int) -> tuple[int, int] | None:
    """(TTL, MINIMUM) of the SOA record of a negative reply (RFC 2308) read in place, when the
    reply is the common one: no answer, this one record in the authority section (NSCOUNT 1),
    its owner a pointer into the question's name, MNAME and RNAME plain labels ending in the root
    or in a pointer to a name written before them; None for anything else (then :func:`parse`
    reads it).  It accepts exactly what :func:`parse` would accept of that record and concludes
    the same.  ``qend`` is where the question ends (:func:`question_end`)."""
    end = len(data)
    if data[8] or data[9] != 1 or qend + 12 > end:
        return None
    # Where a name may start, with its length: the question name's labels (plain, from 12).
    starts: dict[int, int] = {}
    at = 12
    size = qend - 16  # the question name's length, its root octet counted
    while True:
        starts[at] = size
        n = data[at]
        if not n:
            break
        size -= n + 1
        at += n + 1
    owner = ((data[qend] << 8) | data[qend + 1]) ^ 0xC000
    if owner not in starts:  # (an owner written any other way: parse reads it)
        return None
    rtype, _rclass, ttl, rdlen = _RRFIX.unpack_from(data, qend + 2)
    at = qend + 12
    stop = at + rdlen
    if rtype != SOA or stop > end:
        return None
    starts[qend] = starts[owner]
    for _ in range(2):  # MNAME, RNAME
        first = at
        labels: list[tuple[int, int]] = []  # (offset, length) of each plain label
        while True:
            if at >= stop:
                return None
            n = data[at]
            if n == 0:
                tail = 1
                starts[at] = 1
                at += 1
                break
            if n < 64:
                labels.append((at, n))
                at += n + 1
                continue
            if n & 0xC0 != 0xC0 or at + 2 > stop:
                return None
            target = ((n & 0x3F) << 8) | data[at + 1]
            found = starts.get(target)
            if found is None or target >= first:
                return None
            tail = starts[at] = found
            at += 2
            break
        size = tail + sum(n + 1 for _, n in labels)
        if size > 255:
            return None
        for offset, n in labels:
            starts[offset] = size
            size -= n + 1
    if at + 20 != stop:
        return None
    return ttl, _SOAFIX.unpack_from(data, at)[4]


def _options(data: bytes, pos: int, stop: int) -> tuple[tuple[int, bytes], ...]:
    out = []
    while pos < stop:
        if pos + 4 > stop:
            raise WireError("EDNS option header runs past the RDATA", pos)
        code, length = struct.unpack_from("!HH", data, pos)
        pos += 4
        if pos + length > stop:
            raise WireError("EDNS option runs past the RDATA", pos)
        out.append((code, data[pos : pos + length]))
        pos += length
    return tuple(out)


# --- building -----------------------------------------------------------------------------------


def build_query(
    qid: int,
    name: bytes,
    qtype: int,
    qclass: int = IN,
    *,
    rd: bool = True,
    ad: bool = False,
    edns_payload: int | None = None,
    do: bool = False,
) -> bytes:
    """A query as glibc's ``res_mkquery`` makes it (RD set, AD with ``trust-ad``), plus an OPT
    record without options when ``edns_payload`` is given (glibc's ``res_nopt``)."""
    flags = (0x0100 if rd else 0) | (0x0020 if ad else 0)
    arcount = 1 if edns_payload is not None else 0
    out = _HEADER.pack(qid, flags, 1, 0, 0, arcount) + name + _QFIX.pack(qtype, qclass)
    if edns_payload is not None:
        out += b"\x00" + struct.pack("!HHIH", OPT, edns_payload, 0x8000 if do else 0, 0)
    return out


class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()
        self.names: dict[bytes, int] = {}

    def name(self, name: bytes, compress: bool = True) -> None:
        i = 0
        while name[i]:
            suffix = name_lower(name[i:])
            at = self.names.get(suffix) if compress else None
            if at is not None:
                self.buf += _H.pack(0xC000 | at)
                return
            if len(self.buf) < 0x4000:
                self.names.setdefault(suffix, len(self.buf))
            n = name[i]
            self.buf += name[i : i + 1 + n]
            i += n + 1
        self.buf.append(0)

    def record(self, r: Record) -> None:
        self.name(r.name)
        self.buf += struct.pack("!HHI", r.rtype, r.rclass, r.ttl)
        at = len(self.buf)
        self.buf += b"\0\0"
        d = r.data
        if isinstance(d, Soa):
            self.name(d.mname)
            self.name(d.rname)
            self.buf += _SOAFIX.pack(d.serial, d.refresh, d.retry, d.expire, d.minimum)
        elif isinstance(d, Mx):
            self.buf += _H.pack(d.preference)
            self.name(d.exchange)
        elif isinstance(d, Srv):
            self.buf += _SRVFIX.pack(d.priority, d.weight, d.port)
            self.name(d.target, compress=False)
        elif isinstance(d, Caa):
            self.buf += bytes((d.flags, len(d.tag))) + d.tag + d.value
        elif isinstance(d, tuple):
            for s in d:
                self.buf += bytes((len(s),)) + s
        elif r.rtype in (CNAME, PTR, NS) and isinstance(d, bytes):
            self.name(d)
        else:
            assert isinstance(d, (bytes, bytearray))
            self.buf += d
        struct.pack_into("!H", self.buf, at, len(self.buf) - at - 2)


def build_message(msg: Message) -> bytes:
    """Any message (replies too, for tests and test servers), with name compression."""
    w = _Writer()
    arcount = len(msg.additional) + (1 if msg.edns is not None else 0)
    w.buf += _HEADER.pack(
        msg.id, msg.flags, len(msg.question), len(msg.answer), len(msg.authority), arcount
    )
    for q in msg.question:
        w.name(q.name)
        w.buf += _QFIX.pack(q.qtype, q.qclass)
    for r in (*msg.answer, *msg.authority, *msg.additional):
        w.record(r)
    if msg.edns is not None:
        e = msg.edns
        opts = b"".join(struct.pack("!HH", c, len(v)) + v for c, v in e.options)
        ttl = (e.ext_rcode << 24) | (e.version << 16) | (0x8000 if e.do else 0)
        w.buf += b"\x00" + struct.pack("!HHIH", OPT, e.payload, ttl, len(opts)) + opts
    return bytes(w.buf)
