"""The getent(1) databases of the ``netdb`` command: hosts, ahosts*, services, protocols.

Follows glibc 2.36 ``getent`` (``nss/getent.c``) for these six databases: which lookup each key
goes to, the output format (``printf`` widths included) and the exit status (0 all keys found,
2 some key not found; no key enumerates the database).  The rules, database by database:

``hosts KEY``
    A key ``inet_pton`` takes as IPv6, then as IPv4, is looked up with ``gethostbyaddr``; any other
    key with ``gethostbyname2`` for ``AF_INET6``, then for ``AF_INET``.  One line per address:
    ``%-15s %s`` (address, official name), then `` alias`` for each alias.
``ahosts`` / ``ahostsv4`` / ``ahostsv6 KEY``
    ``getaddrinfo(KEY, NULL)`` with hints ``AI_V4MAPPED | AI_ADDRCONFIG | AI_CANONNAME`` plus the
    IDN flags (``--no-idn`` drops them, ``--no-addrconfig`` drops ``AI_ADDRCONFIG``), family
    ``AF_UNSPEC`` / ``AF_INET`` / ``AF_INET6`` (the last with ``AI_V4MAPPED`` again, a no-op).
    One line per result: ``%-15s %-6s %s`` (address, ``STREAM``/``DGRAM``/``RAW``/..., canonical
    name or nothing); an IPv6 scope id is printed after the address as ``%<index>``.
``services KEY``
    ``KEY`` is ``name``, ``port``, ``name/proto`` or ``port/proto``; the part before the first ``/``
    is a port when it starts with a digit, is all digits (``strtol`` stops at its end) and is at
    most 65535, else a name.  ``%-21s %d/%s`` then the aliases.
``protocols KEY``
    A key starting with a digit is a number (``atol``, then cut to a C ``int``: ``4294967302`` is
    6), anything else a name.  ``%-21s %d`` then the aliases.

Without keys, ``hosts`` and ``ahosts*`` enumerate the way ``gethostent`` does: the hosts file as
an ``AF_INET`` lookup reads it (IPv4 lines; IPv6 lines only when v4-mapped, as their IPv4 address,
or ``::1``, as ``127.0.0.1``); ``services``/``protocols`` print every parsed line of their file.
Services and protocols lookups and all enumerations walk the nsswitch.conf sources of their
database as glibc does (hosts lookups are walked by ``hosts.HostsDatabase``).

Each handler returns what it found as :class:`Entry` and :class:`Missing` items, one per key (or
per entry listed): each item holds both getent's text and the ``--json`` object (shapes in
``_output.py``), so the two outputs come from the same lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from ..address import inet_ntop, inet_pton
from ..config._lines import digits_value
from ..config.nsswitch import Source
from ..constants import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    AI_ADDRCONFIG,
    AI_CANONIDN,
    AI_CANONNAME,
    AI_IDN,
    AI_V4MAPPED,
)
from ..hostent import Status
from ..hosts import as_family
from ..names import family_name
from ._context import Context
from ._output import (
    arg_bytes,
    c_bytes,
    c_string,
    c_text,
    error_object,
    exception_object,
    herror_object,
)
from .addrinfo import addrinfo_record

FOUND = 0
NOT_FOUND = 2

T = TypeVar("T")

_DIGITS = frozenset("0123456789")
_LONG_MAX = 2**63 - 1

# getent's words for ai_socktype; any other type prints as its number.
_SOCKTYPE_WORDS: dict[int, str] = {
    1: "STREAM",
    2: "DGRAM",
    3: "RAW",
    5: "SEQPACKET",
    4: "RDM",
    6: "DCCP",
    10: "PACKET",
}


@dataclass(frozen=True, slots=True)
class Options:
    """getent's own options that change a lookup."""

    idn: bool = True  # not --no-idn
    addrconfig: bool = True  # not --no-addrconfig


@dataclass(frozen=True, slots=True)
class Entry:
    """What one key (or one listed entry) found: getent's lines and the ``--json`` object."""

    text: bytes
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Missing:
    """A key that was not found (getent prints nothing for it and exits 2)."""

    key: str
    error: dict[str, Any]

    @property
    def record(self) -> dict[str, Any]:
        return {"key": self.key, "error": self.error}


Item = Entry | Missing
Handler = Callable[[Context, Sequence[str], Options], list[Item]]


def status(items: Sequence[Item]) -> int:
    """getent's exit status for ``items``: 2 when some key was not found, else 0."""
    return NOT_FOUND if any(isinstance(i, Missing) for i in items) else FOUND


def _keyed(key: str | None, record: dict[str, Any]) -> dict[str, Any]:
    return record if key is None else {"key": key, **record}


def _not_found(key: str) -> Missing:
    return Missing(key, error_object("not_found", "not found"))


# --- C number parsing as getent does it ----------------------------------------------------------


def _leading_digits(text: str) -> str:
    end = 0
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    return text[:end]


def port_key(text: str) -> int | None:
    """The port ``strtol(text, &end, 10)`` gives when getent takes ``text`` as one, else None."""
    if not text or text[0] not in _DIGITS or not _DIGITS.issuperset(text):
        return None
    port = min(digits_value(text), _LONG_MAX)
    return port if port <= 65535 else None


def protocol_number_key(text: str) -> int | None:
    """``getprotobynumber(atol(text))``'s argument when ``text`` starts with a digit, else None.

    ``atol`` reads the leading digits (clamped to ``LONG_MAX`` on overflow); passing the ``long``
    as an ``int`` keeps its low 32 bits, two's complement.
    """
    if not text or text[0] not in _DIGITS:
        return None
    value = min(int(_leading_digits(text)), _LONG_MAX) & 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


# --- line formats ---------------------------------------------------------------------------------


def _pad(field: bytes, width: int) -> bytes:
    """``printf("%-<width>s")``: left-justified, padded with spaces to ``width`` bytes."""
    return field.ljust(width, b" ")


def _with_aliases(head: bytes, aliases: Iterable[str]) -> bytes:
    return head + b"".join(b" " + c_bytes(a) for a in aliases) + b"\n"


def host_lines(family: int, addresses: Iterable[bytes], name: str, aliases: Sequence[str]) -> bytes:
    """getent's ``print_hosts``: one line per address of a ``hostent``."""
    tail = _with_aliases(b" " + c_bytes(name), aliases)
    return b"".join(
        _pad(inet_ntop(family, packed).encode("ascii"), 15) + tail for packed in addresses
    )


def service_line(name: str, port: int, proto: str, aliases: Sequence[str]) -> bytes:
    """getent's ``print_services``."""
    head = _pad(c_bytes(name), 21) + b" %d/" % port + c_bytes(proto)
    return _with_aliases(head, aliases)


def protocol_line(name: str, number: int, aliases: Sequence[str]) -> bytes:
    """getent's ``print_protocols``."""
    return _with_aliases(_pad(c_bytes(name), 21) + b" %d" % number, aliases)


def addrinfo_line(address: str, scope_id: int, socktype: int, canonname: str) -> bytes:
    """One ``ahosts`` line: address, socket type word, canonical name (a core C string, printed
    as its bytes, or nothing).

    A nonzero IPv6 scope id follows the address as ``%<number>``; glibc 2.36 pads the pair to 15
    columns but counts the scope twice (``15 - len(address) - len(scope)`` is the width it gives
    the scope), and so do we.
    """
    word = _SOCKTYPE_WORDS.get(socktype, str(socktype))
    scope = b"%%%d" % scope_id if scope_id else b""
    head = address.encode("ascii")
    return (
        head
        + _pad(scope, 15 - len(head) - len(scope))
        + b" "
        + _pad(word.encode("ascii"), 6)
        + b" "
        + c_bytes(canonname)
        + b"\n"
    )


# --- the nsswitch walk ---------------------------------------------------------------------------
#
# Only the `files` source can answer here.  Any other source (db, dns for services, sss, ...) has no
# function for the lookup, which glibc's __nss_lookup/__nss_next2 treat as UNAVAIL: it is skipped
# while its UNAVAIL action is `continue`, else the walk ends there, and it never changes the answer
# a previous source gave.


def _walk_lookup(sources: Sequence[Source], find: Callable[[], T | None]) -> T | None:
    """A keyed lookup (``getservbyname``, ...) through the sources: the last answer consulted."""
    found: T | None = None
    for source in sources:
        if source.name != "files":
            if source.action("unavail") != "continue":
                break
            continue
        found = find()
        if source.action("notfound" if found is None else "success") != "continue":
            break
    return found


def _walk_enumeration(sources: Sequence[Source], emit: Callable[[], None]) -> None:
    """``set*ent``/``get*ent``: each ``files`` source lists its whole file (``files files``
    lists it twice, as glibc does); ``[NOTFOUND=return]`` after one ends the listing."""
    for source in sources:
        if source.name != "files":
            if source.action("unavail") != "continue":
                break
            continue
        emit()
        if source.action("notfound") == "return":
            break


# --- hosts ------------------------------------------------------------------------------------


def _host_entry(
    key: str | None, family: int, addresses: Sequence[bytes], name: str, aliases: Sequence[str]
) -> Entry:
    record = {
        "name": c_text(name),
        "aliases": [c_text(a) for a in aliases],
        "family": family_name(family),
        "addresses": [inet_ntop(family, packed) for packed in addresses],
    }
    return Entry(host_lines(family, addresses, name, aliases), _keyed(key, record))


def _enumerate_hosts(ctx: Context) -> list[Item]:
    """``gethostent``: the hosts file as an ``AF_INET`` lookup reads it (``hosts.as_family``)."""
    table = ctx.files.hosts()
    items: list[Item] = []

    def emit() -> None:
        for entry in table.entries:
            packed = as_family(entry, AF_INET)
            if packed is not None:
                items.append(_host_entry(None, AF_INET, [packed], entry.canonical, entry.aliases))

    _walk_enumeration(ctx.sources("hosts"), emit)
    return items


def _parse_address(family: int, key: str) -> bytes | None:
    try:
        return inet_pton(family, key)
    except (OSError, ValueError, UnicodeError):
        return None


def hosts(ctx: Context, keys: Sequence[str], opts: Options) -> list[Item]:
    """``getent hosts [KEY...]``."""
    if not keys:
        return _enumerate_hosts(ctx)
    db = ctx.resolver.hosts_db()
    run = ctx.resolver._run
    items: list[Item] = []
    for key in keys:
        packed6 = _parse_address(AF_INET6, key)
        if packed6 is not None:
            answer = run(db.gethostbyaddr(AF_INET6, packed6))
        else:
            packed4 = _parse_address(AF_INET, key)
            if packed4 is not None:
                answer = run(db.gethostbyaddr(AF_INET, packed4))
            else:
                name = c_string(key)
                answer = run(db.gethostbyname2(name, AF_INET6))
                if answer.status is not Status.SUCCESS:
                    answer = run(db.gethostbyname2(name, AF_INET))
        if answer.status is not Status.SUCCESS:
            items.append(Missing(key, herror_object(answer.h_errno)))
            continue
        family = answer.addresses[0].family if answer.addresses else AF_INET
        packed = [a.packed for a in answer.addresses]
        items.append(_host_entry(key, family, packed, answer.name, answer.aliases))
    return items


# --- ahosts, ahostsv4, ahostsv6 ------------------------------------------------------------------


def _ahosts(family: int, extra_flags: int) -> Handler:
    def handler(ctx: Context, keys: Sequence[str], opts: Options) -> list[Item]:
        if not keys:
            return _enumerate_hosts(ctx)
        flags = AI_V4MAPPED | AI_CANONNAME | extra_flags
        if opts.addrconfig:
            flags |= AI_ADDRCONFIG
        if opts.idn:
            flags |= AI_IDN | AI_CANONIDN
        items: list[Item] = []
        for key in keys:
            # The key's own bytes, as getent passes them: AI_IDN (unless --no-idn) makes
            # getaddrinfo encode a non-ASCII name, not the front's str handling.  The canonical
            # names come back as bytes too (getent prints a Latin-1 name as it is).
            try:
                results = ctx.resolver._getaddrinfo_c(arg_bytes(key), family, 0, 0, flags)
            except (OSError, UnicodeError) as exc:
                items.append(Missing(key, exception_object(exc)))
                continue
            lines: list[bytes] = []
            records: list[dict[str, Any]] = []
            for fam, socktype, proto, canonname, sockaddr in results:
                address = str(sockaddr[0]).split("%", 1)[0]
                scope_id = sockaddr[3] if len(sockaddr) == 4 else 0
                lines.append(addrinfo_line(address, scope_id, socktype, canonname))
                records.append(
                    addrinfo_record(ctx, fam, socktype, proto, c_text(canonname), sockaddr)
                )
            record = {"key": key, "results": records}
            items.append(Entry(b"".join(lines), record))
        return items

    return handler


ahosts = _ahosts(AF_UNSPEC, 0)
ahostsv4 = _ahosts(AF_INET, 0)
ahostsv6 = _ahosts(AF_INET6, AI_V4MAPPED)


# --- services, protocols ---------------------------------------------------------------------


def _service_entry(
    key: str | None, name: str, port: int, proto: str, aliases: Sequence[str]
) -> Entry:
    record = {
        "name": c_text(name),
        "port": port,
        "protocol": c_text(proto),
        "aliases": [c_text(a) for a in aliases],
    }
    return Entry(service_line(name, port, proto, aliases), _keyed(key, record))


def services(ctx: Context, keys: Sequence[str], opts: Options) -> list[Item]:
    """``getent services [KEY...]``."""
    table = ctx.files.services()
    sources = ctx.sources("services")
    items: list[Item] = []
    if not keys:

        def emit() -> None:
            for e in table.entries:
                items.append(_service_entry(None, e.name, e.port, e.proto, e.aliases))

        _walk_enumeration(sources, emit)
        return items
    for key in keys:
        name, slash, proto_text = c_string(key).partition("/")
        proto = proto_text if slash else None
        port = port_key(name)
        if port is None:
            entry = _walk_lookup(sources, partial(table.by_name, name, proto))
        else:
            entry = _walk_lookup(sources, partial(table.by_port, port, proto))
        if entry is None:
            items.append(_not_found(key))
        else:
            items.append(_service_entry(key, entry.name, entry.port, entry.proto, entry.aliases))
    return items


def _protocol_entry(key: str | None, name: str, number: int, aliases: Sequence[str]) -> Entry:
    record = {"name": c_text(name), "number": number, "aliases": [c_text(a) for a in aliases]}
    return Entry(protocol_line(name, number, aliases), _keyed(key, record))


def protocols(ctx: Context, keys: Sequence[str], opts: Options) -> list[Item]:
    """``getent protocols [KEY...]``."""
    table = ctx.files.protocols()
    sources = ctx.sources("protocols")
    items: list[Item] = []
    if not keys:

        def emit() -> None:
            for e in table.entries:
                items.append(_protocol_entry(None, e.name, e.number, e.aliases))

        _walk_enumeration(sources, emit)
        return items
    for key in keys:
        text = c_string(key)
        number = protocol_number_key(text)
        if number is None:
            entry = _walk_lookup(sources, partial(table.by_name, text))
        else:
            entry = _walk_lookup(sources, partial(table.by_number, number))
        if entry is None:
            items.append(_not_found(key))
        else:
            items.append(_protocol_entry(key, entry.name, entry.number, entry.aliases))
    return items


DATABASES: dict[str, tuple[Handler, str]] = {
    "hosts": (hosts, "host names and addresses (gethostbyname2/gethostbyaddr), like getent hosts"),
    "ahosts": (ahosts, "getaddrinfo with AF_UNSPEC, like getent ahosts"),
    "ahostsv4": (ahostsv4, "getaddrinfo with AF_INET, like getent ahostsv4"),
    "ahostsv6": (ahostsv6, "getaddrinfo with AF_INET6 and AI_V4MAPPED, like getent ahostsv6"),
    "services": (services, "network services (name, port, name/proto, port/proto)"),
    "protocols": (protocols, "IP protocols by name or number, like getent protocols"),
}
