"""/etc/services (services(5)) as glibc's files module reads it (``files-service.c``).

A line is ``name port/protocol [aliases...]``.  The port is read by ``strtoul`` with base 0 (a sign,
``0x`` hex and ``0`` octal allowed) and kept modulo 2**16, exactly as glibc stores it with
``htons``; anything but ``/``
right after the number skips the line.  Lookups take the first matching line in file order; names
and protocols compare case-sensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._lines import fields, nss_lines, strtoul


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


def parse_services(text: str | None, origin: str = "/etc/services") -> ServicesFile:
    """Parse the text of a services file (None: missing, so no lines)."""
    entries: list[ServiceEntry] = []
    by_name: dict[tuple[str, str | None], ServiceEntry] = {}
    by_port: dict[tuple[int, str | None], ServiceEntry] = {}
    for number, line, _, _ in nss_lines(text or ""):
        parts = fields(line)
        if len(parts) < 2:
            continue
        value, end = strtoul(parts[1], 0)
        # glibc takes the number as an unsigned 32-bit value: a larger one (or a negative one,
        # which strtoul wraps to a huge value) skips the line.
        if end == 0 or end >= len(parts[1]) or parts[1][end] != "/" or value > 0xFFFFFFFF:
            continue
        proto = parts[1][end + 1 :]
        entry = ServiceEntry(parts[0], value & 0xFFFF, proto, tuple(parts[2:]), number)
        entries.append(entry)
        for name in (entry.name, *entry.aliases):
            by_name.setdefault((name, proto), entry)
            by_name.setdefault((name, None), entry)
        by_port.setdefault((entry.port, proto), entry)
        by_port.setdefault((entry.port, None), entry)
    return ServicesFile(tuple(entries), origin, by_name, by_port)
