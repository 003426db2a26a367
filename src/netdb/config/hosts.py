"""/etc/hosts (hosts(5)) as glibc's files module reads it (``nss/nss_files/files-hosts.c``).

A line is an address and one or more names; the first name is the canonical one, the rest are
aliases.  The address is IPv6 if ``inet_pton(AF_INET6)`` takes it, else IPv4 if
``inet_pton(AF_INET)`` does (so ``127.1`` and ``0x7f.0.0.1`` are not addresses here, unlike in
getaddrinfo's numeric hosts); a line whose address is neither (an IPv6 zone ``%eth0`` included) is
skipped, and a line with only an address
answers to the empty name, as glibc's does.  Names compare
case-insensitively in ASCII; lookups return every matching line in file order.  Lines are read as
``__nss_readline`` reads them (``_lines.nss_lines``): a NUL byte ends one.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TypeVar

from ..address import parse_ipv4_strict, parse_ipv6
from ..constants import AF_INET, AF_INET6
from ..steps import finish
from ._lines import CHUNK, ascii_lower, fields, nss_lines

LONG_LINE = 512
"""Lines at least this long (bytes, newline included) are listed in ``HostsFile.long_lines``:
the shortest line that can overflow a buffer is longer (getaddrinfo's first buffer is 1 KiB,
CPython's ``gethostby*_r`` buffer 16 KiB)."""


@dataclass(frozen=True, slots=True)
class HostEntry:
    """One usable line: family, packed address, address text as written, names."""

    family: int
    packed: bytes
    address: str
    canonical: str
    aliases: tuple[str, ...]
    line: int = 0
    scope_id: int = 0
    # Where the line's C string ends (its first NUL byte, else its length with the newline):
    # glibc stores the alias pointers right after it in the caller's buffer.
    end: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class HostsFile:
    """The usable lines of a hosts file, with indexes by name and by address."""

    entries: tuple[HostEntry, ...]
    origin: str = ""
    # Each key's lines: the entry itself when it is the only one (no tuple per name for the
    # garbage collector to walk: a large file makes fewer objects), else a tuple of them.
    _by_name: dict[str, HostEntry | tuple[HostEntry, ...]] = field(default_factory=dict, repr=False)
    _by_addr: dict[tuple[int, bytes], HostEntry | tuple[HostEntry, ...]] = field(
        default_factory=dict, repr=False
    )
    # (line number, bytes read) of every line at least LONG_LINE long, comments included.
    long_lines: tuple[tuple[int, int], ...] = ()
    # The errno of a file that opened but could not be read (a directory: EISDIR), else 0.
    unreadable: int = 0
    # The file could not be opened (missing): glibc's files module answers UNAVAIL.
    missing: bool = False

    def by_name(self, name: str) -> tuple[HostEntry, ...]:
        """Lines naming ``name`` (canonical or alias, ASCII case-insensitive), in file order."""
        found = self._by_name.get(ascii_lower(name), ())
        return (found,) if type(found) is HostEntry else found  # type: ignore[return-value]

    def by_address(self, family: int, packed: bytes) -> tuple[HostEntry, ...]:
        """Lines carrying this address, in file order."""
        found = self._by_addr.get((family, packed), ())
        return (found,) if type(found) is HostEntry else found  # type: ignore[return-value]


def parse_hosts(text: str | None, origin: str = "/etc/hosts") -> HostsFile:
    """Parse the text of a hosts file (None: the file is missing, so no lines; a text with an
    ``errno`` attribute, ``loader.Unreadable``: it could not be read)."""
    return finish(parse_hosts_steps(text, origin))


def parse_hosts_steps(
    text: str | None, origin: str = "/etc/hosts"
) -> Generator[None, None, HostsFile]:
    """:func:`parse_hosts` in steps: it pauses (yields) after every :data:`CHUNK` lines and
    while it builds its indexes, so that a driver can let other work run in between (the
    asyncio front does: a hosts file of a million lines does not hold the event loop)."""
    unreadable = getattr(text, "errno", 0)
    if unreadable:
        return HostsFile((), origin, unreadable=unreadable)
    if text is None:
        return HostsFile((), origin, missing=True)
    entries: list[HostEntry] = []
    # A key's lines: the entry alone, then a list once a second one comes.
    by_name: dict[str, HostEntry | list[HostEntry]] = {}
    by_addr: dict[tuple[int, bytes], HostEntry | list[HostEntry]] = {}
    long_lines: list[tuple[int, int]] = []
    for number, line, length, end in nss_lines(text or ""):
        if not number % CHUNK:
            yield
        if length >= LONG_LINE:
            long_lines.append((number, length))
        parts = fields(line)
        if not parts:
            continue
        addr = parts[0]
        packed = parse_ipv6(addr)
        family = AF_INET6
        if packed is None:
            packed = parse_ipv4_strict(addr)
            family = AF_INET
            if packed is None:
                continue
        # A line with an address and no name is kept, its canonical name empty (glibc does so).
        canonical = parts[1] if len(parts) > 1 else ""
        entry = HostEntry(family, packed, addr, canonical, tuple(parts[2:]), number, 0, end)
        entries.append(entry)
        for name in parts[1:] or [""]:
            _index(by_name, ascii_lower(name), entry)
        _index(by_addr, (family, packed), entry)
    names = yield from _frozen(by_name)
    addresses = yield from _frozen(by_addr)
    return HostsFile(tuple(entries), origin, names, addresses, tuple(long_lines))


K = TypeVar("K")


def _index(index: dict[K, HostEntry | list[HostEntry]], key: K, entry: HostEntry) -> None:
    """File ``entry`` under ``key``: alone, then in a list once a second line comes (a key
    twice on one line counts once)."""
    had = index.get(key)
    if had is None:
        index[key] = entry
    elif isinstance(had, list):
        if had[-1] is not entry:
            had.append(entry)
    elif had is not entry:
        index[key] = [had, entry]


def _frozen(
    index: dict[K, HostEntry | list[HostEntry]],
) -> Generator[None, None, dict[K, HostEntry | tuple[HostEntry, ...]]]:
    """The index with each list of lines made a tuple (in steps, for a large file)."""
    out: dict[K, HostEntry | tuple[HostEntry, ...]] = {}
    for i, (key, found) in enumerate(index.items(), 1):
        out[key] = tuple(found) if isinstance(found, list) else found
        if not i % (4 * CHUNK):
            yield
    return out
