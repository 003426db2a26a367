"""What bulk resolution answers for one input line: the record, its statuses, its three formats.

Owns the output schema (version :data:`SCHEMA_VERSION`), the status vocabulary and the text form
of record data (RFC 1035 §5.1 presentation format; RFC 3597 §5 ``\\# len hex`` for types without
one).  Pure code: formatting only, no I/O.

JSON Lines schema, version 1 (one object per input line, keys in this order; optional keys are
left out when empty):

=============  ===========================================================================
``v``          schema version (1)
``line``       the input line number, from 1
``name``       the name as written on the input line (an address for PTR)
``type``       ``A+AAAA`` (both, the default), ``A``, ``PTR``, ``TYPE65``, ...
``status``     one of :data:`STATUSES`
``qname``      the name queried, when it differs from ``name`` (PTR, search list, IDN)
``answers``    ``[{"name", "type", "ttl", "data"}, ...]`` of the asked type(s) at the end of the
               CNAME chain, in the server's order (A answers before AAAA answers)
``cname``      the CNAME chain followed from the query name: ``[target, target, ...]``
``statuses``   per type, when several types were asked: ``{"A": "NOERROR", "AAAA": "NODATA"}``
``server``     the server that gave the final answer (``host:port``), absent on TIMEOUT
``tries``      queries sent for this line, retries included
``ms``         milliseconds from the first query sent to the last answer
``error``      what was wrong (INVALID input, MALFORMED reply, UNREACHABLE server)
=============  ===========================================================================

Every record is valid UTF-8 whatever the input bytes: JSON output is ASCII (``\\uXXXX`` escapes),
CSV and text are UTF-8.  Input lines are read as bytes and end at ``\\n`` only (a ``\\r`` before
it is dropped with the blanks around the fields; elsewhere a ``\\r`` is a blank between fields).  A
line that is not valid UTF-8 is ``INVALID`` with the error :data:`NOT_UTF8`, and its ``name`` and
``type`` are written escaped so that the bytes can be had back: each byte that is not part of a
UTF-8 character as ``\\xHH`` (two lower-case hex digits) and a backslash as ``\\\\``; every other
character as itself.  ``unescape_bytes`` undoes it.  A line longer than ``_jobs.MAX_LINE``
characters is ``INVALID`` with the error ``_jobs.TOO_LONG``: its ``name`` is the start of the line's
first field, escaped the same way (a cut may split a character).  Only such records are escaped
(the error says so); in every other record ``name`` is the line's text as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _js
from typing import Any

from ..address import format_ipv6
from ..dns import wire

SCHEMA_VERSION = 1

NOERROR = "NOERROR"
NXDOMAIN = "NXDOMAIN"
NODATA = "NODATA"  # NOERROR without an answer of the asked type (RFC 2308 §2.2)
SERVFAIL = "SERVFAIL"
REFUSED = "REFUSED"
FORMERR = "FORMERR"
NOTIMP = "NOTIMP"
TIMEOUT = "TIMEOUT"  # no acceptable reply within the tries
MALFORMED = "MALFORMED"  # a reply to the question that is no valid DNS message
INVALID = "INVALID"  # the input line holds no name that can be asked
UNREACHABLE = "UNREACHABLE"  # no server could be sent the query (no route, ...; ``error`` says)

STATUSES = (NOERROR, NXDOMAIN, NODATA, SERVFAIL, REFUSED, FORMERR, NOTIMP, TIMEOUT, MALFORMED,
            INVALID, UNREACHABLE)  # fmt: skip
NOT_UTF8 = "the line is not UTF-8 (name and type escaped: a byte as \\xHH, a backslash as \\\\)"
RCODE_STATUS = {
    wire.NOERROR: NOERROR,
    wire.FORMERR: FORMERR,
    wire.SERVFAIL: SERVFAIL,
    wire.NXDOMAIN: NXDOMAIN,
    wire.NOTIMP: NOTIMP,
    wire.REFUSED: REFUSED,
}


def escape_undecodable(text: str) -> str:
    """``text`` read with ``surrogateescape`` as valid Unicode: each undecodable byte (a lone
    surrogate U+DC80-U+DCFF) as ``\\xHH``, a backslash as ``\\\\``; any other lone surrogate
    as ``\\uXXXX`` (only a str from Python can hold one)."""
    out = []
    for c in text:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif 0xDC80 <= o <= 0xDCFF:
            out.append("\\x%02x" % (o - 0xDC00))
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(c)
    return "".join(out)


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})")


def unescape_bytes(text: str) -> bytes:
    """The bytes of a field that :func:`escape_undecodable` wrote (``name`` and ``type`` of a
    record whose error is :data:`NOT_UTF8`; ``name`` of one whose error is ``_jobs.TOO_LONG``)."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos : m.start()].encode("utf-8")
        code = m.group(1)
        if code == "\\":
            out += b"\\"
        elif code[0] == "x":
            out.append(int(code[1:], 16))
        else:
            out += chr(int(code[1:], 16)).encode("utf-8", "surrogatepass")
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def rcode_status(rcode: int) -> str:
    """The status of a reply's RCODE: ``SERVFAIL``, or ``RCODE9`` for one without a name."""
    return RCODE_STATUS.get(rcode) or f"RCODE{rcode}"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer record: owner name, type mnemonic, TTL and data in presentation form."""

    name: str
    type: str
    ttl: int
    data: str


@dataclass(frozen=True, slots=True)
class Result:
    """The one record an input line gets (see the module docstring for each field)."""

    line: int
    name: str
    type: str
    status: str
    answers: tuple[Answer, ...] = ()
    cname: tuple[str, ...] = ()
    server: str | None = None
    tries: int = 0
    ms: float = 0.0
    statuses: tuple[tuple[str, str], ...] = ()
    qname: str | None = None
    error: str | None = None


# --- record data as text ------------------------------------------------------------------------


def _chars(s: bytes) -> str:
    """A <character-string> in quotes (RFC 1035 §5.1): ``\\"`` and ``\\\\`` escaped, bytes
    outside 0x20-0x7e as ``\\DDD``."""
    out = []
    for c in s:
        if c == 0x22 or c == 0x5C:
            out.append("\\" + chr(c))
        elif c < 0x20 or c > 0x7E:
            out.append("\\%03d" % c)
        else:
            out.append(chr(c))
    return '"' + "".join(out) + '"'


def rdata_text(rtype: int, data: object) -> str:
    """Presentation form of decoded RDATA (``wire.parse``'s objects); names without the
    trailing dot, as :func:`wire.name_to_text` prints them."""
    if rtype == wire.A and isinstance(data, bytes) and len(data) == 4:
        return "%d.%d.%d.%d" % (data[0], data[1], data[2], data[3])
    if rtype == wire.AAAA and isinstance(data, bytes) and len(data) == 16:
        return format_ipv6(data)
    if rtype in (wire.CNAME, wire.PTR, wire.NS) and isinstance(data, bytes):
        return wire.name_to_text(data)
    if isinstance(data, wire.Mx):
        return f"{data.preference} {wire.name_to_text(data.exchange)}"
    if isinstance(data, wire.Soa):
        return (
            f"{wire.name_to_text(data.mname)} {wire.name_to_text(data.rname)} {data.serial} "
            f"{data.refresh} {data.retry} {data.expire} {data.minimum}"
        )
    if isinstance(data, wire.Srv):
        return f"{data.priority} {data.weight} {data.port} {wire.name_to_text(data.target)}"
    if isinstance(data, wire.Caa):
        return f"{data.flags} {data.tag.decode('latin-1')} {_chars(data.value)}"
    if isinstance(data, tuple):
        return " ".join(_chars(s) for s in data if isinstance(s, bytes))
    raw = bytes(data) if isinstance(data, (bytes, bytearray)) else b""
    return f"\\# {len(raw)} {raw.hex()}" if raw else "\\# 0"


# --- the three output formats -------------------------------------------------------------------

# What the engine hands a record maker: (name, type, ttl, data) answers and the other fields.
AnswerTuple = tuple[str, str, int, str]


_STATUSES_JSON: dict[tuple[tuple[str, str], ...], str] = {}


def jsonl_line(
    line: int,
    name: str,
    rtype: str,
    status: str,
    answers: Sequence[AnswerTuple],
    cname: Sequence[str],
    server: str | None,
    tries: int,
    ms: float,
    statuses: Sequence[tuple[str, str]],
    qname: str | None,
    error: str | None,
) -> str:
    """One JSON object, no newline (keys in schema order, ASCII only)."""
    jname = _js(name)
    head = '{"v":1,"line":%d,"name":%s,"type":%s,"status":"%s"' % (line, jname, _js(rtype), status)
    parts = [head]
    if qname is not None:
        parts.append(',"qname":' + _js(qname))
    if answers:
        owner = ""
        jowner = ""
        out = []
        for n, t, ttl, d in answers:
            if n != owner:
                owner = n
                jowner = jname if n == name else _js(n)
            out.append('{"name":%s,"type":"%s","ttl":%d,"data":%s}' % (jowner, t, ttl, _js(d)))
        parts.append(',"answers":[' + ",".join(out) + "]")
    if cname:
        parts.append(',"cname":[' + ",".join(_js(c) for c in cname) + "]")
    if statuses:
        key = tuple(statuses)
        text = _STATUSES_JSON.get(key)
        if text is None:
            text = ',"statuses":{' + ",".join(f'"{t}":"{s}"' for t, s in statuses) + "}"
            if len(_STATUSES_JSON) < 4096:
                _STATUSES_JSON[key] = text
        parts.append(text)
    if server is not None:
        parts.append(',"server":"' + server + '"')
    parts.append(',"tries":%d,"ms":%.3f' % (tries, ms))
    if error is not None:
        parts.append(',"error":' + _js(error))
    parts.append("}")
    return "".join(parts)


def _raw(r: Result) -> tuple[Any, ...]:
    return (
        r.line,
        r.name,
        r.type,
        r.status,
        [(a.name, a.type, a.ttl, a.data) for a in r.answers],
        r.cname,
        r.server,
        r.tries,
        r.ms,
        r.statuses,
        r.qname,
        r.error,
    )


def to_jsonl(r: Result) -> str:
    """One JSON object, no newline (keys in schema order, ASCII only)."""
    return jsonl_line(*_raw(r))


CSV_HEADER = ("line", "name", "type", "status", "answers", "cname", "server", "tries", "ms",
              "error")  # fmt: skip


def _fields(
    line: int,
    name: str,
    rtype: str,
    status: str,
    answers: Sequence[AnswerTuple],
    cname: Sequence[str],
    server: str | None,
    tries: int,
    ms: float,
    statuses: Sequence[tuple[str, str]],
    qname: str | None,
    error: str | None,
) -> list[str]:
    return [
        str(line),
        _clean(name),
        _clean(rtype),
        status,
        "; ".join(f"{t} {d}" for _, t, _, d in answers),
        " ".join(cname),
        server or "",
        str(tries),
        "%.3f" % ms,
        _clean(error) if error else "",
    ]


def _clean(text: str) -> str:
    """A field from the input for CSV and text: a NUL as ``\\x00`` (no NUL byte in a record)
    and a newline as a space (a record is one line)."""
    if "\x00" in text or "\n" in text:
        text = text.replace("\x00", "\\x00").replace("\n", " ")
    return text


def text_line(*fields: Any) -> str:
    """Tab-separated: line, name, type, status, answers (``TYPE DATA`` joined by ``; ``), the
    CNAME chain (space-separated), server, tries, ms, error.  Tabs, carriage returns and newlines
    inside a field become spaces."""
    return "\t".join(
        f.replace("\t", " ").replace("\r", " ").replace("\n", " ") for f in _fields(*fields)
    )


def csv_line(*fields: Any) -> str:
    """One CSV row (RFC 4180 quoting) with the columns of :data:`CSV_HEADER`, no newline."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(_fields(*fields))
    return buf.getvalue()


def to_text(r: Result) -> str:
    """The text form of a record (see :func:`text_line`)."""
    return text_line(*_raw(r))


def to_csv(r: Result) -> str:
    """The CSV row of a record (see :func:`csv_line`)."""
    return csv_line(*_raw(r))


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(CSV_HEADER)
    return buf.getvalue()


def make_result(
    line: int,
    name: str,
    rtype: str,
    status: str,
    answers: Sequence[AnswerTuple],
    cname: Sequence[str],
    server: str | None,
    tries: int,
    ms: float,
    statuses: Sequence[tuple[str, str]],
    qname: str | None,
    error: str | None,
) -> Result:
    """The :class:`Result` of the engine's fields (the API's record maker)."""
    return Result(
        line,
        name,
        rtype,
        status,
        tuple(Answer(*a) for a in answers),
        tuple(cname),
        server,
        tries,
        ms,
        tuple(statuses),
        qname,
        error,
    )


FORMATTERS = {"jsonl": to_jsonl, "text": to_text, "csv": to_csv}
LINE_MAKERS = {"jsonl": jsonl_line, "text": text_line, "csv": csv_line}
