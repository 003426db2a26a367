"""A reply to one bulk query, read into (status, answers, CNAME chain): RFC 1035 §4.1, RFC 2308.

Owns the reading of a reply already accepted by the engine (right ID, socket and question).  The
common case, a NOERROR reply whose answers are all A or AAAA records of the asked type owned by
the query name through the pointer ``0xC00C`` (what servers send for a plain address lookup),
with no authority section and at most an OPT record after them, is read in place; every other
reply goes through the strict codec (:func:`wire.parse`), and a reply it refuses is
``MALFORMED``.

The CNAME chain is followed inside the answer section from the query name (RFC 1034 §3.6.2),
names compared case-insensitively (RFC 4343), at most :data:`MAX_CHAIN` links (a loop ends it);
the answers are the records of the asked type owned by the chain's last name.  ``NODATA`` is a
NOERROR reply without such a record (RFC 2308 §2.2).
"""

from __future__ import annotations

from ..address import format_ipv6
from ..dns import wire
from ._records import MALFORMED, NODATA, NOERROR, NXDOMAIN, AnswerTuple, rcode_status, rdata_text

MAX_CHAIN = 16
_A, _AAAA, _CNAME, _ANY = wire.A, wire.AAAA, wire.CNAME, wire.ANY

Decoded = tuple[str, tuple[AnswerTuple, ...], tuple[str, ...], str | None]


def decode(data: bytes, qend: int, qtype: int, qtext: str) -> Decoded:
    """(status, answers, CNAME chain, error) of reply ``data`` whose question ends at ``qend``,
    to a query of type ``qtype`` for the name printed ``qtext``."""
    # The common case, read in place: NOERROR, one question, answers only, every one owned by
    # the question's name (0xC00C), of its type and size (the codec's one reader of it,
    # wire.plain_answers).
    if data[3] & 0xF or data[4] or data[5] != 1 or data[8] or data[9]:
        return _full(data, qtype)
    an = (data[6] << 8) | data[7]
    plain = _PLAIN.get(qtype)
    if not an or plain is None:
        return _full(data, qtype)
    size, tname = plain
    answers = wire.plain_answers(data, qend)
    if answers is None:
        return _full(data, qtype)
    end = len(data)
    pos = qend + len(answers) * (12 + size)
    if size == 4:
        o = _OCTET
        out = [(qtext, tname, ttl, "%s.%s.%s.%s" % (o[r[0]], o[r[1]], o[r[2]], o[r[3]]))
               for ttl, r in answers]  # fmt: skip
    else:
        out = [(qtext, tname, ttl, format_ipv6(r)) for ttl, r in answers]
    # What follows must be nothing, or only an OPT record that fits (RFC 6891 §6.1.2); anything
    # else is read by the strict codec.
    ar = (data[10] << 8) | data[11]
    if ar and (
        ar != 1
        or pos + 11 > end
        or data[pos]
        or data[pos + 1]
        or data[pos + 2] != 41
        or pos + 11 + ((data[pos + 9] << 8) | data[pos + 10]) > end
    ):
        return _full(data, qtype)
    return NOERROR, tuple(out), (), None


# qtype -> (RDATA size, mnemonic) of the types read in place
_PLAIN = {_A: (4, "A"), _AAAA: (16, "AAAA")}
_OCTET = tuple(str(i) for i in range(256))


def _full(data: bytes, qtype: int) -> Decoded:
    try:
        msg = wire.parse(data)
    except wire.WireError as exc:
        return MALFORMED, (), (), str(exc)
    if not msg.question:
        return MALFORMED, (), (), "reply without a question"
    qname = msg.question[0].name
    current = wire.name_lower(qname)
    chain: list[str] = []
    if qtype not in (_CNAME, _ANY):
        seen = {current}
        for _ in range(MAX_CHAIN):
            link = next(
                (r for r in msg.answer if r.rtype == _CNAME and wire.name_lower(r.name) == current),
                None,
            )
            if link is None or not isinstance(link.data, bytes):
                break
            chain.append(wire.name_to_text(link.data))
            current = wire.name_lower(link.data)
            if current in seen:
                break
            seen.add(current)
    answers = tuple(
        (wire.name_to_text(r.name), wire.type_name(r.rtype), r.ttl, rdata_text(r.rtype, r.data))
        for r in msg.answer
        if (qtype == _ANY or r.rtype == qtype) and wire.name_lower(r.name) == current
    )
    status = rcode_status(msg.rcode)
    if status == NOERROR and not answers:
        status = NODATA
    if status == NXDOMAIN:
        answers = ()
    return status, answers, tuple(chain), None
