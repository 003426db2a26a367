"""Input lines of bulk resolution: ``NAME [TYPE]`` into what to ask (RFC 1035 §3.1, RFC 3596).

Owns the reading of one input line.  A line is a name, optionally followed by blanks and a record
type: a mnemonic (``A``, ``AAAA``, ``MX``, ...), ``TYPEnnn`` or a number (RFC 3597 §5), or
``BOTH`` (A and AAAA, as getaddrinfo asks; the default).  For ``PTR`` the input is an IPv4 or
IPv6 address, asked as its reverse name (RFC 1035 §3.5, RFC 3596 §2.5), or a name under
``in-addr.arpa`` or ``ip6.arpa``; anything else is INVALID.  Names are absolute (a trailing dot is
allowed) unless a search list is given; non-ASCII names are encoded with IDNA (Python's ``idna``
codec, IDNA 2003).  A line that is not UTF-8 is INVALID (``_records`` says how it is written).
A line that holds no name that can be asked becomes a :class:`Job` with an ``error``: it gets an
``INVALID`` record, never an exception.  So does a line of more than :data:`MAX_LINE`
characters (a name and its type take at most a quarter of that): :func:`read_lines` reads a
stream's lines in bounded memory, however long one of them is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from .._frozen import fast_init
from ..address import parse_ipv4_exact, parse_ipv6, reverse_pointer
from ..constants import AF_INET, AF_INET6
from ..dns import wire
from ._records import NOT_UTF8, escape_undecodable

BOTH = (wire.A, wire.AAAA)
_PTR = (wire.PTR,)
# The longest input line, in characters (its newline left out).  A name takes at most about
# 1,000 (255 bytes, each written as a \DDD escape), a type a dozen.
MAX_LINE = 4096
TOO_LONG = (
    f"the line is longer than {MAX_LINE} characters (name cut, and escaped: a byte that is not "
    "UTF-8 as \\xHH, a backslash as \\\\)"
)
# The bytes of a line that are read at most: a UTF-8 character takes at most 4, so a line cut
# here still decodes to more than MAX_LINE characters.
READ_LIMIT = 4 * (MAX_LINE + 1)


@fast_init
@dataclass(frozen=True, slots=True)
class Job:
    """One input line: its number, the name as written, the type label, the names to try in
    order (wire form; several only with a search list, in ``res_search``'s order), the types to
    ask for each, and which of the names is the one as written."""

    line: int
    name: str
    type: str
    qnames: tuple[bytes, ...] = ()
    qtypes: tuple[int, ...] = ()
    error: str | None = None
    as_is: int = 0  # the index in ``qnames`` of the name as written (-1: not asked)


_LABELS: dict[tuple[int, ...], str] = {}


def type_label(qtypes: tuple[int, ...]) -> str:
    """``A+AAAA``, ``MX``, ``TYPE65``: how a line's types are written in its record."""
    label = _LABELS.get(qtypes)
    if label is None:
        label = "+".join(wire.type_name(t) for t in qtypes)
        if len(_LABELS) < 1024:
            _LABELS[qtypes] = label
    return label


def parse_type(text: str) -> tuple[int, ...]:
    """``both`` -> (A, AAAA); ``mx`` -> (MX,); ``65`` / ``TYPE65`` -> (65,); ValueError else."""
    if text.upper() in ("BOTH", "A+AAAA", "ADDR"):
        return BOTH
    return (wire.type_from_text(text),)


def _wire_name(text: str) -> bytes:
    if not text.isascii():
        text = text.encode("idna").decode("ascii")
    return wire.name_from_text(text)


_LENGTH = {n: bytes((n,)) for n in range(1, 64)}  # the length byte of a label of n bytes


def _plain_wire(text: str) -> bytes | None:
    """The wire form of an ASCII name without escapes, as ``wire.name_from_text`` gives it;
    None when it has an escape or is no valid name (then the codec says why)."""
    if "\\" in text:
        return None
    labels = text.encode("ascii").split(b".")
    if not labels[-1]:
        labels.pop()
    try:
        out = b"".join([_LENGTH[len(label)] + label for label in labels]) + b"\x00"
    except KeyError:  # an empty label (or the root alone), or one over 63 bytes
        return None
    return out if len(out) <= 255 else None


_REVERSE = (".in-addr.arpa", ".ip6.arpa")
_BLANKS = re.compile(r"[ \t\r\v\f]+")


def _ptr_name(text: str) -> str | None:
    """The name a PTR line asks: the reverse name of an address, or a name already under
    ``in-addr.arpa`` / ``ip6.arpa``; None for anything else."""
    packed = parse_ipv4_exact(text)
    if packed is not None:
        return reverse_pointer(AF_INET, packed)
    packed6 = parse_ipv6(text) if ":" in text else None
    if packed6 is not None:
        return reverse_pointer(AF_INET6, packed6)
    if text.rstrip(".").lower().endswith(_REVERSE):
        return text
    return None


def _not_utf8(line: int, text: str, default: tuple[int, ...]) -> Job:
    """The job of a line that is not UTF-8 (read with ``surrogateescape``): INVALID, its name
    and type escaped (see ``_records``)."""
    fields = _BLANKS.split(text.strip(" \t\r\v\f"))
    name = escape_undecodable(fields[0])
    label = escape_undecodable(fields[1]) if len(fields) > 1 else type_label(default)
    return Job(line, name, label, error=NOT_UTF8)


def read_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``stream``, each ending at ``\\n`` (kept; the last line may lack it), in
    bounded memory: of a line longer than :data:`READ_LIMIT` bytes, only the first
    :data:`READ_LIMIT` come (without a newline); the rest is read and dropped."""
    readline = stream.readline
    while True:
        line = readline(READ_LIMIT)
        if len(line) == READ_LIMIT and line[-1] != 10:  # no newline within the limit
            while True:
                rest = readline(READ_LIMIT)
                if not rest or rest[-1] == 10:
                    break
        elif not line:
            return
        yield line


def decode_line(raw: bytes | bytearray) -> str:
    """An input line's bytes as the text :func:`parse_line` takes (undecodable bytes kept as
    ``surrogateescape`` does), no more of them than a line can use."""
    return bytes(raw[:READ_LIMIT]).decode("utf-8", "surrogateescape")


def _too_long(line: int, text: str, default: tuple[int, ...]) -> Job:
    """The job of a line over :data:`MAX_LINE` characters: INVALID, with the start of its first
    field, escaped, as its name."""
    name = _BLANKS.split(text[: MAX_LINE + 1].lstrip(" \t\r\v\f"), 1)[0]
    return Job(line, escape_undecodable(name), type_label(default), error=TOO_LONG)


def search_plan(
    qtext: str, search: tuple[str, ...], ndots: int = 1, no_tld_query: bool = False
) -> tuple[tuple[bytes, ...], int]:
    """The names glibc's ``res_search`` asks for ``qtext``, in its order, and the index of the
    name as is among them (-1: not asked).  ValueError or UnicodeError when ``qtext`` itself is
    no name.

    A name with a trailing dot, or no search list: the name alone.  A name with at least
    ``ndots`` dots: the name as is, then under each search domain; with fewer: under each
    domain, then the name as is (not with ``no_tld_query`` for a name without a dot, nor after
    the root domain on the list, which asked it already).  A domain under which the name is too
    long (or no name) ends the list there, as ``res_querydomain``'s failure ends glibc's walk.
    """
    first = _wire_name(qtext)
    if not search or qtext.endswith("."):
        return (first,), 0
    dots = qtext.count(".")
    out: list[bytes] = []
    as_is = -1
    if dots >= ndots:
        out.append(first)
        as_is = 0
    root = False
    for domain in search:
        if domain.startswith("."):
            domain = domain[1:]
        if not domain:
            root = True
            out.append(first)
            continue
        try:
            out.append(_wire_name(qtext + "." + domain))
        except (ValueError, UnicodeError):
            break
    if as_is < 0 and not root and (dots or not no_tld_query):
        as_is = len(out)
        out.append(first)
    return tuple(out), as_is


def _blank_fields(text: str) -> list[str]:
    """The fields of ``text`` between runs of blanks (space, tab, CR, VT, FF)."""
    stripped = text.strip(" \t\r\v\f")
    return _BLANKS.split(stripped) if stripped else []


def parse_line(
    line: int,
    text: str,
    default: tuple[int, ...] = BOTH,
    search: tuple[str, ...] = (),
    ndots: int = 1,
    no_tld_query: bool = False,
) -> Job:
    """The :class:`Job` of input line number ``line`` (its text without the newline; bytes
    that are not UTF-8 as ``surrogateescape`` reads them).

    ``search`` is a search list, walked as ``res_search`` does (see :func:`search_plan`); PTR
    lines never search (their names are absolute, as ``gethostbyaddr`` asks them).
    """
    if len(text) > MAX_LINE:
        return _too_long(line, text, default)
    if text.isascii():
        if "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text:
            # (str.split() would cut at these separators too; they are no blanks here)
            fields = _blank_fields(text)
        else:
            fields = text.split()
        if len(fields) == 1 and not search and default != _PTR:
            # The common line, a name alone asked as is: what search_plan gives, quicker.
            name = fields[0]
            qname = _plain_wire(name)
            if qname is not None:
                return Job(line, name, type_label(default), (qname,), default, None, 0)
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _not_utf8(line, text, default)
        fields = _blank_fields(text)
    if not fields:
        return Job(line, text.strip(), type_label(default), error="empty line")
    name = fields[0]
    qtypes = default
    if len(fields) > 2:
        return Job(
            line, name, type_label(default), error=f"unexpected text after the type: {fields[2]!r}"
        )
    if len(fields) == 2:
        try:
            qtypes = parse_type(fields[1])
        except ValueError as exc:
            return Job(line, name, fields[1], error=str(exc))
    label = type_label(qtypes)
    if qtypes == (wire.PTR,):
        qtext = _ptr_name(name)
        if qtext is None:
            return Job(
                line,
                name,
                label,
                error="not an IP address (a PTR line holds an address, or a name under "
                "in-addr.arpa or ip6.arpa)",
            )
        search = ()
    else:
        qtext = name
    try:
        qnames, as_is = search_plan(qtext, search, ndots, no_tld_query)
    except (ValueError, UnicodeError) as exc:
        return Job(line, name, label, error=f"bad name: {exc}")
    if not qnames:
        return Job(line, name, label, error="no name to ask (no-tld-query and no search domain)")
    return Job(line, name, label, qnames, qtypes, as_is=as_is)
