"""Input lines of bulk resolution: ``NAME [TYPE]`` into what to ask (RFC 1035 §3.1, RFC 3596).

Owns the reading of one input line.  A line is a name, optionally followed by blanks and a record
type: a mnemonic (``A``, ``AAAA``, ``MX``, ...), ``TYPEnnn`` or a number (RFC 3597 §5), or
``BOTH`` (A and AAAA, as getaddrinfo asks; the default).  For ``PTR`` the input may be an IPv4 or
IPv6 address, asked as its reverse name (RFC 1035 §3.5, RFC 3596 §2.5).  Names are absolute (a
trailing dot is allowed); non-ASCII names are encoded with IDNA (Python's ``idna`` codec, IDNA
2003).  A line that holds no name that can be asked becomes a :class:`Job` with an ``error``: it
gets an ``INVALID`` record, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._frozen import fast_init
from ..address import parse_ipv4_exact, parse_ipv6, reverse_pointer
from ..constants import AF_INET, AF_INET6
from ..dns import wire

BOTH = (wire.A, wire.AAAA)


@fast_init
@dataclass(frozen=True, slots=True)
class Job:
    """One input line: its number, the name as written, the type label, the names to try in
    order (wire form; several only with a search list) and the types to ask for each."""

    line: int
    name: str
    type: str
    qnames: tuple[bytes, ...] = ()
    qtypes: tuple[int, ...] = ()
    error: str | None = None


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


def _ptr_name(text: str) -> str:
    packed = parse_ipv4_exact(text)
    if packed is not None:
        return reverse_pointer(AF_INET, packed)
    packed6 = parse_ipv6(text) if ":" in text else None
    if packed6 is not None:
        return reverse_pointer(AF_INET6, packed6)
    return text


def parse_line(
    line: int,
    text: str,
    default: tuple[int, ...] = BOTH,
    search: tuple[str, ...] = (),
) -> Job:
    """The :class:`Job` of input line number ``line`` (its text without the newline).

    ``search`` is a search list: a name without a trailing dot is tried as given, then under each
    domain of the list (the order of ``res_search`` for a name with enough dots).
    """
    fields = text.split()
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
    qtext = _ptr_name(name) if qtypes == (wire.PTR,) else name
    try:
        first = _wire_name(qtext)
    except (ValueError, UnicodeError) as exc:
        return Job(line, name, label, error=f"bad name: {exc}")
    qnames = [first]
    if search and not qtext.endswith("."):
        for domain in search:
            domain = domain.strip(".")
            if not domain:
                continue
            try:
                qnames.append(_wire_name(qtext + "." + domain))
            except (ValueError, UnicodeError):
                continue  # too long under this domain: not asked there, as res_search skips it
    return Job(line, name, label, tuple(qnames), qtypes)
