"""/etc/protocols (protocols(5)) as glibc's files module reads it (``files-proto.c``).

A line is ``name number [aliases...]``; the number is read by ``strtoul`` as an unsigned 32-bit
value and kept as a C ``int`` (so ``4294967295`` is -1; ``-1`` skips the line); a number followed
by anything else skips the line.  Lookups take the first
matching line; names compare case-sensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..steps import Steps, finish
from ._lines import CHUNK, fields, nss_lines, strtoul


@dataclass(frozen=True, slots=True)
class ProtocolEntry:
    """One usable line."""

    name: str
    number: int
    aliases: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class ProtocolsFile:
    """The usable lines of a protocols file, with first-match indexes."""

    entries: tuple[ProtocolEntry, ...]
    origin: str = ""
    _by_name: dict[str, ProtocolEntry] = field(default_factory=dict, repr=False)
    _by_number: dict[int, ProtocolEntry] = field(default_factory=dict, repr=False)

    def by_name(self, name: str) -> ProtocolEntry | None:
        """``getprotobyname``: first line naming ``name`` (official name or alias)."""
        return self._by_name.get(name)

    def by_number(self, number: int) -> ProtocolEntry | None:
        """``getprotobynumber``: first line with ``number``."""
        return self._by_number.get(number)


def parse_protocols(text: str | None, origin: str = "/etc/protocols") -> ProtocolsFile:
    """Parse the text of a protocols file (None: missing, so no lines)."""
    return finish(parse_protocols_steps(text, origin))


def parse_protocols_steps(text: str | None, origin: str = "/etc/protocols") -> Steps[ProtocolsFile]:
    """:func:`parse_protocols` pausing every :data:`~._lines.CHUNK` lines (the asyncio front)."""
    entries: list[ProtocolEntry] = []
    by_name: dict[str, ProtocolEntry] = {}
    by_number: dict[int, ProtocolEntry] = {}
    for lineno, line, _, _ in nss_lines(text or ""):
        if not lineno % CHUNK:
            yield
        parts = fields(line)
        if len(parts) < 2:
            continue
        value, end = strtoul(parts[1])
        # An unsigned 32-bit value (negative numbers wrap past it and skip the line), kept as int.
        if end == 0 or end != len(parts[1]) or value > 0xFFFFFFFF:
            continue
        number = value - (1 << 32) if value >= 1 << 31 else value
        entry = ProtocolEntry(parts[0], number, tuple(parts[2:]), lineno)
        entries.append(entry)
        for name in (entry.name, *entry.aliases):
            by_name.setdefault(name, entry)
        by_number.setdefault(number, entry)
    return ProtocolsFile(tuple(entries), origin, by_name, by_number)
