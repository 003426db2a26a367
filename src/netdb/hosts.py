"""Host name <-> address through the nsswitch ``hosts:`` sources.

Owns what glibc's NSS layer does for the hosts database: walking the sources of the ``hosts:`` line
in order, applying their ``[STATUS=action]`` criteria (nsswitch.conf(5)), and the ``files``
source's answers (glibc ``nss/nss_files/files-hosts.c``):

* ``gethostbyname4`` (used by getaddrinfo for ``AF_UNSPEC``): every line naming the host, both
  families, in file order; the canonical name is the first matching line's first name.
* ``gethostbyname3`` for one family (used by getaddrinfo for ``AF_INET``/``AF_INET6``, and by
  ``gethostbyname``): the matching lines of that family merged into one ``hostent``.
* ``gethostbyaddr``: the first line with that address.

Names compare case-insensitively (ASCII), exactly as written: a trailing dot is part of the name.
Sources netdb cannot serve yet (``dns``, ``mdns4_minimal``, ``resolve``, ...) answer ``UNAVAIL``
the way glibc treats a module it cannot load, and the answer records that they were skipped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .config.hosts import HostEntry, HostsFile
from .constants import AF_INET, AF_INET6, AF_UNSPEC
from .errors import HOST_NOT_FOUND, NO_RECOVERY


class Status(enum.Enum):
    """An NSS module's status (``enum nss_status``)."""

    SUCCESS = "success"
    NOTFOUND = "notfound"
    UNAVAIL = "unavail"
    TRYAGAIN = "tryagain"


@dataclass(frozen=True, slots=True)
class Address:
    """One address of an answer: family, packed bytes, IPv6 scope id."""

    family: int
    packed: bytes
    scope_id: int = 0


@dataclass(frozen=True, slots=True)
class HostAnswer:
    """What one source (or the whole walk) answered for a name or an address.

    ``name`` is the canonical name, ``aliases`` the other names (a ``hostent``'s ``h_aliases``),
    ``addresses`` in the order the source gave them.  ``h_errno`` matters only when ``status`` is
    not ``SUCCESS``.  ``trace`` lists ``(source, status)`` for every source consulted: the start of
    what ``netdb explain`` prints.
    """

    status: Status
    name: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    h_errno: int = HOST_NOT_FOUND
    trace: tuple[tuple[str, str], ...] = field(default=(), compare=False)


NOT_FOUND = HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND)
UNAVAILABLE = HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY)


def _entry_address(entry: HostEntry) -> Address:
    return Address(entry.family, entry.packed, getattr(entry, "scope_id", 0))


# --- the `files` source ------------------------------------------------------------------------


def files_by_name4(hosts: HostsFile, name: str, *, multi: bool = True) -> HostAnswer:
    """``_nss_files_gethostbyname4_r``: the lines naming ``name``, both families, file order.

    Every such line with ``multi on`` (host.conf), only the first one without.
    """
    entries = hosts.by_name(name)
    if not multi:
        entries = entries[:1]
    if not entries:
        return NOT_FOUND
    return HostAnswer(
        Status.SUCCESS,
        name=entries[0].canonical,
        addresses=tuple(_entry_address(e) for e in entries),
    )


_LOOPBACK6 = bytes(15) + b"\x01"
_MAPPED = b"\x00" * 10 + b"\xff\xff"


def as_family(entry: HostEntry, family: int) -> bytes | None:
    """The address of a hosts line as a lookup for ``family`` sees it, or None (line skipped).

    For ``AF_INET`` the files module also takes IPv6 lines holding an IPv4-mapped address (as
    that IPv4 address) and ``::1`` (as 127.0.0.1); for ``AF_INET6`` only IPv6 lines count.
    """
    if entry.family == family:
        return entry.packed
    if family == AF_INET and entry.family == AF_INET6:
        if entry.packed.startswith(_MAPPED):
            return entry.packed[12:]
        if entry.packed == _LOOPBACK6:
            return b"\x7f\x00\x00\x01"
    return None


def _merge(entries: Sequence[tuple[HostEntry, bytes]], family: int) -> HostAnswer:
    """One ``hostent`` from all matching lines, as glibc's files module merges them (multi on).

    The first line gives ``h_name``; the aliases are those of every matching line (later lines'
    canonical names included when they differ from the first one's), without repeats; addresses
    keep file order, repeats included.
    """
    first = entries[0][0]
    aliases: list[str] = list(first.aliases)
    for e, _ in entries[1:]:
        for alias in (e.canonical, *e.aliases):
            if alias != first.canonical and alias not in aliases:
                aliases.append(alias)
    return HostAnswer(
        Status.SUCCESS,
        name=first.canonical,
        aliases=tuple(aliases),
        addresses=tuple(Address(family, packed) for _, packed in entries),
    )


def files_by_name(hosts: HostsFile, name: str, family: int, *, multi: bool = True) -> HostAnswer:
    """``_nss_files_gethostbyname3_r`` for one family (``AF_INET`` or ``AF_INET6``)."""
    entries = []
    for e in hosts.by_name(name):
        packed = as_family(e, family)
        if packed is not None:
            entries.append((e, packed))
            if not multi:
                break
    if not entries:
        return NOT_FOUND
    return _merge(entries, family)


def files_by_address(hosts: HostsFile, family: int, packed: bytes) -> HostAnswer:
    """``_nss_files_gethostbyaddr2_r``: the first line carrying that address.

    Lines are seen as for a lookup by name in that family (see :func:`as_family`), so an IPv4
    address also matches an IPv4-mapped IPv6 line, and 127.0.0.1 a ``::1`` line.
    """
    entries = list(hosts.by_address(family, packed))
    if family == AF_INET:
        entries += hosts.by_address(AF_INET6, _MAPPED + packed)
        if packed == b"\x7f\x00\x00\x01":
            entries += hosts.by_address(AF_INET6, _LOOPBACK6)
    if not entries:
        return NOT_FOUND
    e = min(entries, key=lambda entry: entry.line)
    return HostAnswer(
        Status.SUCCESS, name=e.canonical, aliases=tuple(e.aliases), addresses=(_entry_address(e),)
    )


# --- walking the sources -----------------------------------------------------------------------

NETDB_INTERNAL = -1

Lookup = Callable[[str], HostAnswer]
"""A source's answer, given the source name (``files``, ``dns``, ...)."""


def walk(sources: Sequence[object], lookup: Lookup) -> HostAnswer:
    """Consult ``sources`` (parsed ``hosts:`` entries) in order, as glibc's ``nss_next_action``.

    Each source has ``name`` and ``action(status) -> str`` (``"return"``, ``"continue"`` or
    ``"merge"``).  The answer is the last consulted source's, with the trace of all of them.
    """
    trace: list[tuple[str, str]] = []
    answer = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
    for source in sources:
        source_name: str = source.name  # type: ignore[attr-defined]
        answer = lookup(source_name)
        trace.append((source_name, answer.status.value))
        action: str = source.action(answer.status.value)  # type: ignore[attr-defined]
        if action == "return":
            break
        if action == "merge":
            # The hosts database does not support merging: glibc stops (errno EBUSY).
            answer = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
            break
    return HostAnswer(
        answer.status, answer.name, answer.aliases, answer.addresses, answer.h_errno, tuple(trace)
    )


_UNSERVED = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
_DIGITS_DOTS = frozenset("0123456789.")
_HEX_COLON_DOTS = frozenset("0123456789abcdefABCDEF:.")


@dataclass(frozen=True, slots=True)
class HostsDatabase:
    """The hosts database as NSS presents it: the ``hosts:`` sources and what each one reads."""

    sources: tuple[object, ...]
    hosts: HostsFile
    multi: bool = True
    memoize: bool = True
    # Answers already computed from this (immutable) database, by (method, arguments).
    _memo: dict[tuple[object, ...], HostAnswer] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _remember(self, key: tuple[object, ...], compute: Callable[[], HostAnswer]) -> HostAnswer:
        if not self.memoize:
            return compute()
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= 4096:
                self._memo.clear()
            found = self._memo[key] = compute()
        return found

    def _source(self, source: str, files: Callable[[], HostAnswer]) -> HostAnswer:
        if source == "files":
            return files()
        return _UNSERVED

    def by_name4(self, name: str) -> HostAnswer:
        """``gethostbyname4_r`` through the sources (getaddrinfo, ``AF_UNSPEC``)."""
        return self._remember((4, name), lambda: self._by_name4(name))

    def _by_name4(self, name: str) -> HostAnswer:
        return walk(
            self.sources,
            lambda s: self._source(s, lambda: files_by_name4(self.hosts, name, multi=self.multi)),
        )

    def by_name3(self, name: str, family: int) -> HostAnswer:
        """``gethostbyname3_r`` for one family through the sources."""
        return self._remember((3, name, family), lambda: self._by_name3(name, family))

    def _by_name3(self, name: str, family: int) -> HostAnswer:
        return walk(
            self.sources,
            lambda s: self._source(
                s, lambda: files_by_name(self.hosts, name, family, multi=self.multi)
            ),
        )

    def gethostbyname2(self, name: str, family: int) -> HostAnswer:
        """``gethostbyname2_r``: numeric shortcuts of ``nss/digits_dots.c``, then the sources.

        A name made only of digits and dots (no trailing dot) is an IPv4 address or not found; one
        that starts like an IPv6 address and holds only hex digits, colons and dots is an IPv6
        address or not found; neither reaches the sources.
        """
        return self._remember((2, name, family), lambda: self._gethostbyname2(name, family))

    def _gethostbyname2(self, name: str, family: int) -> HostAnswer:
        from .address import parse_ipv4_exact, parse_ipv6

        if name and name[-1] != ".":
            first = name[0]
            if first.isdigit() and _DIGITS_DOTS.issuperset(name):
                packed = parse_ipv4_exact(name) if family == AF_INET else parse_ipv6(name)
                if packed is None:
                    return NOT_FOUND
                return HostAnswer(Status.SUCCESS, name=name, addresses=(Address(family, packed),))
            starts_v6 = first == ":" or (first in _HEX_COLON_DOTS and first != "." and ":" in name)
            if starts_v6 and _HEX_COLON_DOTS.issuperset(name):
                packed6 = parse_ipv6(name)
                if packed6 is None or family == AF_INET:
                    return NOT_FOUND
                return HostAnswer(
                    Status.SUCCESS, name=name, addresses=(Address(AF_INET6, packed6),)
                )
        return self.by_name3(name, family)

    def gethostbyaddr(self, family: int, packed: bytes) -> HostAnswer:
        """``gethostbyaddr_r`` through the sources (the IPv6 unspecified address is never found)."""
        if family == AF_INET6 and packed == bytes(16):
            return NOT_FOUND
        return self._remember((1, family, packed), lambda: self._gethostbyaddr(family, packed))

    def _gethostbyaddr(self, family: int, packed: bytes) -> HostAnswer:
        return walk(
            self.sources,
            lambda s: self._source(s, lambda: files_by_address(self.hosts, family, packed)),
        )


def family_filter(answer: HostAnswer, family: int) -> tuple[Address, ...]:
    """The addresses of ``answer`` of one family (``AF_UNSPEC`` = all)."""
    if family == AF_UNSPEC:
        return answer.addresses
    return tuple(a for a in answer.addresses if a.family == family)
