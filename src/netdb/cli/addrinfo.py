"""The ``addrinfo`` and ``nameinfo`` commands: getaddrinfo(3) and getnameinfo(3) from a shell.

Owns turning words into the hint numbers (``--family inet6``, ``--type dgram``, ``--proto sctp``,
``--flag canonname``; any number works too), calling the socket-compatible front exactly as a Python
program would (``socket.getaddrinfo(HOST, PORT, family, type, proto, flags)``), and printing the
results with names for every number (``names.py``: protocol 132 prints ``IPPROTO_SCTP``, never a
``KeyError``), as text blocks or as the records ``--json`` prints (shapes in ``_output.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import constants
from .._explain import printable
from ..names import FAMILIES, PROTOCOLS, SOCKTYPES, family_name, protocol_name, socktype_name
from ._context import Context

_AI_FLAGS: dict[str, int] = {
    k[3:].lower(): v for k, v in vars(constants).items() if k.startswith("AI_") and type(v) is int
}
_NI_FLAGS: dict[str, int] = {
    k[3:].lower(): v
    for k, v in vars(constants).items()
    if k.startswith("NI_") and type(v) is int and k not in ("NI_MAXHOST", "NI_MAXSERV")
}


def _word_table(names: Mapping[int, str], prefix: str) -> dict[str, int]:
    table = {name[len(prefix) :].lower(): n for n, name in names.items() if name.startswith(prefix)}
    return table


FAMILY_WORDS = _word_table(FAMILIES, "AF_")
SOCKTYPE_WORDS = _word_table(SOCKTYPES, "SOCK_")
PROTOCOL_WORDS = _word_table(PROTOCOLS, "IPPROTO_")


class WordError(ValueError):
    """A word that names no constant of its kind; the message says which words would do."""


def number_or_word(text: str, table: Mapping[str, int], prefix: str, what: str) -> int:
    """``text`` as an int (decimal or ``0x``/``0o``/``0b``) or as a name from ``table``.

    Names compare case-insensitively and may carry ``prefix`` (``AF_``, ``SOCK_``, ...).
    """
    try:
        return int(text, 0)
    except ValueError:
        pass
    word = text.lower()
    if word.startswith(prefix.lower()):
        word = word[len(prefix) :]
    if word in table:
        return table[word]
    choices = ", ".join(sorted(table))
    raise WordError(f"unknown {what} {text!r} (use a number or one of: {choices})")


def family(text: str) -> int:
    return number_or_word(text, FAMILY_WORDS, "AF_", "family")


def socktype(text: str) -> int:
    return number_or_word(text, SOCKTYPE_WORDS, "SOCK_", "socket type")


def protocol(text: str) -> int:
    return number_or_word(text, PROTOCOL_WORDS, "IPPROTO_", "protocol")


def ai_flag(text: str) -> int:
    return number_or_word(text, _AI_FLAGS, "AI_", "getaddrinfo flag")


def ni_flag(text: str) -> int:
    return number_or_word(text, _NI_FLAGS, "NI_", "getnameinfo flag")


def _combine(flags: Sequence[int] | None) -> int:
    value = 0
    for f in flags or ():
        value |= f
    return value


def addrinfo_record(
    ctx: Context, fam: int, st: int, pr: int, canon: str, sockaddr: tuple[Any, ...]
) -> dict[str, Any]:
    """One result of the front's ``getaddrinfo`` as a record with names for the numbers."""
    return {
        "family": family_name(int(fam)),
        "type": socktype_name(int(st)),
        "protocol": protocol_name(int(pr), ctx.protocol_registry),
        "canonical_name": canon,
        "sockaddr": list(sockaddr),
    }


def addrinfo_records(
    ctx: Context, host: str | None, port: str | None, fam: int, st: int, pr: int, flags: int
) -> list[dict[str, Any]]:
    """The results of the front's ``getaddrinfo`` as records with names for the numbers."""
    results = ctx.resolver.getaddrinfo(host, port, fam, st, pr, flags)
    return [addrinfo_record(ctx, *result) for result in results]


def format_records(records: Sequence[Mapping[str, Any]]) -> str:
    """Text blocks, one per result, a blank line between.

    For a person, as the socket address's ``repr`` already is: a canonical name (the hosts
    file's or a server's text) holding a control character, a bidi override or a byte that is
    not UTF-8 shows it as ``repr`` writes it (``\\x1b``), as ``netdb explain``'s trace does, so
    neither can reach the terminal as a control sequence; ``--json`` has the name as it is."""
    blocks = [
        f"Family:         {r['family']}\n"
        f"Type:           {r['type']}\n"
        f"Protocol:       {r['protocol']}\n"
        f"Canonical name: {printable(r['canonical_name'])}\n"
        f"Socket address: {tuple(r['sockaddr'])!r}\n"
        for r in records
    ]
    return "\n".join(blocks)


def ai_flags(flags: Sequence[int] | None) -> int:
    return _combine(flags)


def ni_flags(flags: Sequence[int] | None) -> int:
    return _combine(flags)


def nameinfo(ctx: Context, sockaddr: tuple[str | int, ...], flags: int) -> dict[str, str]:
    """The front's ``getnameinfo(sockaddr, flags)`` as ``{"host": HOST, "service": SERVICE}``."""
    host, service = ctx.resolver.getnameinfo(sockaddr, flags)
    return {"host": host, "service": service}


def nameinfo_line(record: Mapping[str, str]) -> str:
    """``HOST SERVICE``."""
    return f"{record['host']} {record['service']}\n"
