"""/etc/services (services(5)) as glibc's files module reads it (``files-service.c``).

A line is ``name port/protocol [aliases...]``.  The port is read by ``strtoul`` with base 0 (a sign,
``0x`` hex and ``0`` octal allowed) and kept modulo 2**16, exactly as glibc stores it with
``htons``; the number must be followed by ``/`` (a run of them counts as one) or end the line
(``name 80``: an empty protocol); anything else right after it skips the line.  Lookups take
the first matching line in file order; names and protocols compare case-sensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..steps import Steps, finish
from ._lines import CHUNK, SPACE, fields, nss_lines, strtoul


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One usable line."""

    name: str
    port: int
    proto: str
    aliases: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class ServicesFile:
    """The usable lines of a services file, with first-match indexes."""

    entries: tuple[ServiceEntry, ...]
    origin: str = ""
    _by_name: dict[tuple[str, str | None], ServiceEntry] = field(default_factory=dict, repr=False)
    _by_port: dict[tuple[int, str | None], ServiceEntry] = field(default_factory=dict, repr=False)

    def by_name(self, name: str, proto: str | None = None) -> ServiceEntry | None:
        """``getservbyname``: first line naming ``name`` (for ``proto`` when given)."""
        return self._by_name.get((name, proto))

    def by_port(self, port: int, proto: str | None = None) -> ServiceEntry | None:
        """``getservbyport``: first line with ``port`` (for ``proto`` when given)."""
        return self._by_port.get((port, proto))


def _parse_line(line: str) -> tuple[str, int, str, list[str]] | None:
    """One line as glibc's ``LINE_PARSER`` reads it: (name, port, protocol, aliases) or None.

    The line is cut at its first ``#``.  The name runs to the first blank (then every blank is
    skipped); the port is ``strtoul``'s number there, which must be followed by ``/`` (every
    ``/`` that follows is skipped) or by the end of the line (the protocol is then empty, so
    ``"name 80"`` is a line but ``"name 80 "`` is not); the protocol runs to the next blank; the
    rest are aliases.
    """
    line = line.lstrip(SPACE)  # __nss_readline skips leading blanks (nss_lines may keep them)
    hash_at = line.find("#")
    if hash_at >= 0:
        line = line[:hash_at]
    n = len(line)
    i = 0
    while i < n and line[i] not in SPACE:
        i += 1
    name = line[:i]
    while i < n and line[i] in SPACE:
        i += 1
    rest = line[i:]
    value, end = strtoul(rest, 0)
    # A number past 32 bits (or a negative one, which strtoul wraps) skips the line.
    if end == 0 or value > 0xFFFFFFFF:
        return None
    if end < len(rest):
        if rest[end] != "/":
            return None
        while end < len(rest) and rest[end] == "/":
            end += 1
    rest = rest[end:]
    j = 0
    while j < len(rest) and rest[j] not in SPACE:
        j += 1
    return name, value & 0xFFFF, rest[:j], fields(rest[j:])


def parse_services(text: str | None, origin: str = "/etc/services") -> ServicesFile:
    """Parse the text of a services file (None: missing, so no lines)."""
    return finish(parse_services_steps(text, origin))


def parse_services_steps(text: str | None, origin: str = "/etc/services") -> Steps[ServicesFile]:
    """:func:`parse_services` pausing every :data:`~._lines.CHUNK` lines (the asyncio front)."""
    entries: list[ServiceEntry] = []
    by_name: dict[tuple[str, str | None], ServiceEntry] = {}
    by_port: dict[tuple[int, str | None], ServiceEntry] = {}
    for number, line, _, _ in nss_lines(text or ""):
        if not number % CHUNK:
            yield
        parsed = _parse_line(line)
        if parsed is None:
            continue
        name, port, proto, aliases = parsed
        entry = ServiceEntry(name, port, proto, tuple(aliases), number)
        entries.append(entry)
        for alias in (entry.name, *entry.aliases):
            by_name.setdefault((alias, proto), entry)
            by_name.setdefault((alias, None), entry)
        by_port.setdefault((entry.port, proto), entry)
        by_port.setdefault((entry.port, None), entry)
    return ServicesFile(tuple(entries), origin, by_name, by_port)
