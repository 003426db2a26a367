"""/etc/resolv.conf, LOCALDOMAIN and RES_OPTIONS as glibc 2.36's ``res_init`` reads them.

Follows resolv.conf(5) where it is right and glibc 2.36 (``resolv/res_init.c``,
``resolv/resolv_conf.c``, ``resolv/res_query.c``) where the two disagree, checked against the
resolver state glibc builds on this machine (see ``tests/config/test_resolv.py``).  What glibc does,
line by line:

* Lines end at ``\\n`` only; a NUL ends the line's text.  A line is a comment only when its very
  first character is ``#`` or ``;``; there are no trailing comments (``search a # b`` searches
  ``#`` and ``b`` too).  A keyword counts only at the start of the line and followed by a space or
  a tab; anything else is ignored.
* ``domain X``: the search list becomes ``[X]`` (``X`` ends at a space, tab).  ``search A B ...``:
  the search list becomes the words (separated by spaces and tabs only).  The later of the two
  wins; an empty ``domain``/``search`` line changes nothing.  Both are ignored when LOCALDOMAIN is
  set; its words are the search list (its first word may be empty).  LOCALDOMAIN, RES_OPTIONS
  and the host name are read as the bytes the C library holds (Python's str encoded as putenv
  gets it), one character per byte like the file: a non-ASCII character can be two bytes there.
* ``nameserver A``: the first word (up to a space or tab; anything after it is ignored) as an
  ``inet_aton`` address with nothing trailing (a CRLF line's ``\\r`` makes it invalid), else as
  ``inet_pton(AF_INET6)`` with an optional ``%scope``.  Every one is kept, in order; the legacy
  ``_res`` view holds the first three.  None at all: 127.0.0.1.
* ``sortlist NET[/MASK] ...``: ``inet_aton`` forms, ``/`` or ``&`` before the mask, ``;`` ends the
  list; a missing or bad mask gives the classful mask of NET.
* ``options``: ``ndots:N`` (capped at 15, kept in four bits), ``timeout:N`` (capped at 30),
  ``attempts:N`` (capped at 5), each through C ``atoi``; flag names match as prefixes of the word.
  RES_OPTIONS is applied the same way after the file and the defaults.
* No search list: the part of the host name after its first dot, if it has one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from netdb.address import (
    _scope_name_allowed,
    format_ipv4,
    format_ipv6,
    parse_ipv4_exact,
    parse_ipv6,
    parse_scope_id,
)

from ..steps import Steps, finish
from ._lines import CHUNK

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_NDOTS",
    "DEFAULT_TIMEOUT",
    "NAMESERVER_PORT",
    "ResolvConf",
    "candidate_names",
    "parse_resolv_conf",
]

NAMESERVER_PORT = 53
DEFAULT_NDOTS = 1
DEFAULT_TIMEOUT = 5  # RES_TIMEOUT
DEFAULT_ATTEMPTS = 2  # RES_DFLRETRY
MAX_NDOTS = 15  # RES_MAXNDOTS
MAX_TIMEOUT = 30  # RES_MAXRETRANS
MAX_ATTEMPTS = 5  # RES_MAXRETRY
MAX_NAMESERVERS_LEGACY = 3  # MAXNS
MAX_SEARCH_LEGACY = 6  # MAXDNSRCH
SEARCH_LEGACY_BYTES = 256  # sizeof (_res.defdname): the legacy entries and their NULs share it
MAXDNAME = 1025  # res_query's name buffer

# glibc 2.36's option words, in the order it tries them (a word matches when it starts with the
# name, so "single-request-reopen" must come before "single-request").  ``None``: recognised and
# without effect ("inet6" has been a no-op since glibc 2.26).
_FLAGS_236: tuple[tuple[str, str | None], ...] = (
    ("inet6", None),
    ("rotate", "rotate"),
    ("edns0", "edns0"),
    ("single-request-reopen", "single-request-reopen"),
    ("single-request", "single-request"),
    ("no_tld_query", "no-tld-query"),
    ("no-tld-query", "no-tld-query"),
    ("no-reload", "no-reload"),
    ("use-vc", "use-vc"),
    ("trust-ad", "trust-ad"),
    ("no-aaaa", "no-aaaa"),
)
# Later glibc (what upstream's tst-resolv-res_init expects today) adds "strict-error" and lets a
# leading "-" clear a flag.  Not glibc 2.36: only used with ``upstream=True``.
_FLAGS_UPSTREAM = (*_FLAGS_236, ("strict-error", "strict-error"))

_BLANKS = " \t"
_C_SPACE = " \t\n\v\f\r"
_SORT_MASK_SEP = "/&"
_LONG_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ResolvConf:
    """The resolver configuration glibc's ``res_init`` builds (its extended, unlimited view).

    ``nameservers``: (address text, port) in file order; IPv6 text is canonical and keeps a usable
    ``%scope`` (a number, or for link-local addresses an interface name the caller maps to an
    index).  ``search``: the whole search list.  ``options``: glibc's names for the flags set.
    ``sortlist``: (network, mask) as dotted quads.  ``ndots``/``timeout``/``attempts`` are the
    values glibc's ``_res`` holds (a negative ``timeout:``/``attempts:`` stays negative).
    """

    nameservers: tuple[tuple[str, int], ...] = (("127.0.0.1", NAMESERVER_PORT),)
    search: tuple[str, ...] = ()
    ndots: int = DEFAULT_NDOTS
    timeout: int = DEFAULT_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    options: frozenset[str] = frozenset()
    sortlist: tuple[tuple[str, str], ...] = ()

    @property
    def nameservers_legacy(self) -> tuple[tuple[str, int], ...]:
        """The servers the legacy ``_res.nsaddr_list`` holds: the first three."""
        return self.nameservers[:MAX_NAMESERVERS_LEGACY]

    @property
    def search_legacy(self) -> tuple[str, ...]:
        """``_res.dnsrch``: at most six entries, cut where they no longer fit in 256 bytes."""
        out: list[str] = []
        used = 0
        for entry in self.search[:MAX_SEARCH_LEGACY]:
            used += len(entry) + 1  # one character per byte, as the loader decodes (latin-1)
            if used > SEARCH_LEGACY_BYTES:
                break
            out.append(entry)
        return tuple(out)

    @property
    def sortlist_legacy(self) -> tuple[tuple[str, str], ...]:
        """``_res.sort_list``: the first ten (MAXRESOLVSORT) entries."""
        return self.sortlist[:10]


# --- small C emulations ----------------------------------------------------------------------


def _atoi(text: str, start: int) -> int:
    """C ``atoi(text + start)`` on glibc: ``(int) strtol(..., 10)``."""
    n = len(text)
    i = start
    while i < n and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    begin = i
    while i < n and "0" <= text[i] <= "9":
        i += 1
    digits = text[begin:i]
    if not digits:
        return 0
    if len(digits) > 20:
        value = _LONG_MAX + 1 if negative else _LONG_MAX
    else:
        value = int(digits)
        value = min(value, _LONG_MAX + 1) if negative else min(value, _LONG_MAX)
    if negative:
        value = -value
    value &= 0xFFFFFFFF  # the long is narrowed to int
    return value - (1 << 32) if value & 0x80000000 else value


def _c_text(value: str) -> str:
    """A value of Python's ``os.environ`` (or ``os.uname()``) as the C library holds it: the
    bytes Python encodes it to (the filesystem encoding with surrogateescape, as putenv gets
    them), one character per byte, the way the file itself is read (latin-1)."""
    if value.isascii():
        return value
    return os.fsencode(value).decode("latin-1")


def _words(text: str) -> list[str]:
    """glibc's in-place split of a search list: the first word as it starts, then every run of
    characters after a space or tab (the first word can be empty, later ones cannot)."""
    parts = text.replace("\t", " ").split(" ")
    return [parts[0], *(p for p in parts[1:] if p)]


def _classful_mask(packed: bytes) -> str:
    first = packed[0]
    if first < 0x80:
        return "255.0.0.0"
    if first < 0xC0:
        return "255.255.0.0"
    return "255.255.255.0"


def _token_end(line: str, i: int, stop: str) -> int:
    """Advance over characters that are ASCII, not C whitespace and not in ``stop``."""
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in stop or ch in _C_SPACE or ord(ch) > 0x7F:
            break
        i += 1
    return i


# --- the parser ------------------------------------------------------------------------------


class _State:
    """The mutable parse state (glibc's ``struct resolv_conf_parser``)."""

    __slots__ = ("attempts", "flags", "ndots", "search", "servers", "sortlist", "timeout")

    def __init__(self) -> None:
        self.ndots = DEFAULT_NDOTS
        self.timeout = DEFAULT_TIMEOUT
        self.attempts = DEFAULT_ATTEMPTS
        self.flags: dict[str, None] = {}  # insertion-ordered set
        self.search: list[str] = []
        self.servers: list[tuple[str, int]] = []
        self.sortlist: list[tuple[str, str]] = []

    def set_options(self, text: str, upstream: bool) -> None:
        """glibc's ``res_setoptions``: words separated by spaces and tabs."""
        table = _FLAGS_UPSTREAM if upstream else _FLAGS_236
        n = len(text)
        i = 0
        while i < n:
            while i < n and text[i] in _BLANKS:
                i += 1
            if text.startswith("ndots:", i):
                value = _atoi(text, i + 6)
                self.ndots = (value if value <= MAX_NDOTS else MAX_NDOTS) & 0xF
            elif text.startswith("timeout:", i):
                value = _atoi(text, i + 8)
                self.timeout = value if value <= MAX_TIMEOUT else MAX_TIMEOUT
            elif text.startswith("attempts:", i):
                value = _atoi(text, i + 9)
                self.attempts = value if value <= MAX_ATTEMPTS else MAX_ATTEMPTS
            else:
                clear = upstream and text.startswith("-", i)
                at = i + 1 if clear else i
                for word, flag in table:
                    if text.startswith(word, at):
                        if flag is not None:
                            if clear:
                                self.flags.pop(flag, None)
                            else:
                                self.flags[flag] = None
                        break
            while i < n and text[i] not in _BLANKS:
                i += 1

    def add_nameserver(self, rest: str) -> None:
        rest = rest.lstrip(_BLANKS)
        if not rest:
            return
        cut = len(rest)
        for ch in _BLANKS:
            at = rest.find(ch, 0, cut)
            if at >= 0:
                cut = at
        word = rest[:cut]
        v4 = parse_ipv4_exact(word)
        if v4 is not None:
            self.servers.append((format_ipv4(v4), NAMESERVER_PORT))
            return
        head, percent, scope = word.partition("%")
        packed = parse_ipv6(head) if head else None
        if packed is None:
            return
        text = format_ipv6(packed)
        if percent and scope:
            # glibc drops a scope it cannot use.  On link-local addresses an interface name is
            # tried first: netdb keeps the name for the caller to map to an index.
            if _scope_name_allowed(packed) and not scope.isdigit():
                text += "%" + scope
            else:
                number = parse_scope_id(packed, scope, _no_interfaces)
                if number is not None:
                    text += "%" + str(number)
        self.servers.append((text, NAMESERVER_PORT))

    def add_sortlist(self, line: str, i: int) -> None:
        n = len(line)
        while True:
            while i < n and line[i] in _BLANKS:
                i += 1
            if i >= n or line[i] == ";":
                return
            start = i
            i = _token_end(line, i, _SORT_MASK_SEP + ";")
            if i == start:
                # glibc 2.36 loops forever here ("/", "&", \v, \f, \r or a non-ASCII character
                # where a network should start, e.g. a CRLF line end): netdb ends the line.
                return
            net = parse_ipv4_exact(line[start:i])
            if net is None:
                continue
            mask = _classful_mask(net)
            if i < n and line[i] in _SORT_MASK_SEP:
                i += 1
                mask_start = i
                i = _token_end(line, i, ";")
                packed_mask = parse_ipv4_exact(line[mask_start:i])
                if packed_mask is not None:
                    mask = format_ipv4(packed_mask)
            self.sortlist.append((format_ipv4(net), mask))


def _no_interfaces(name: str) -> int:
    """A pure parser knows no interfaces: only numeric scopes resolve here."""
    return 0


def parse_resolv_conf(
    text: str | None,
    *,
    env: Mapping[str, str],
    hostname: str,
    upstream: bool = False,
) -> ResolvConf:
    """:func:`parse_resolv_conf_steps` run through."""
    return finish(parse_resolv_conf_steps(text, env=env, hostname=hostname, upstream=upstream))


def parse_resolv_conf_steps(
    text: str | None,
    *,
    env: Mapping[str, str],
    hostname: str,
    upstream: bool = False,
) -> Steps[ResolvConf]:
    """The configuration glibc 2.36 builds from resolv.conf ``text`` (None: the file is missing),
    the LOCALDOMAIN and RES_OPTIONS variables in ``env`` and ``gethostname()``'s ``hostname``.
    ``text`` has one character per byte (latin-1); ``env`` and ``hostname`` are Python's views
    (``os.environ``, ``os.uname()``), which are read as the bytes C sees.

    ``upstream=True`` also accepts what later glibc releases added ("strict-error", "-flag" to
    clear a flag); glibc 2.36 ignores both.
    """
    state = _State()
    localdomain = env.get("LOCALDOMAIN")
    if localdomain is not None:
        localdomain = _c_text(localdomain)
        state.search = _words(localdomain.partition("\n")[0])
    if text:
        for number, raw in enumerate(text.split("\n"), 1):
            if not number % CHUNK:
                yield
            line = raw.partition("\0")[0] if "\0" in raw else raw
            if len(line) < 7:
                continue
            first = line[0]
            if first == "d":
                if line.startswith(("domain ", "domain\t")) and localdomain is None:
                    value = line[7:].lstrip(_BLANKS)
                    if value:
                        cut = len(value)
                        for ch in " \t":
                            at = value.find(ch)
                            if 0 <= at < cut:
                                cut = at
                        state.search = [value[:cut]]
            elif first == "s":
                if line.startswith(("search ", "search\t")):
                    if localdomain is None:
                        value = line[7:].lstrip(_BLANKS)
                        if value:
                            state.search = _words(value)
                elif line.startswith(("sortlist ", "sortlist\t")):
                    state.add_sortlist(line, 8)
            elif first == "n":
                if line.startswith(("nameserver ", "nameserver\t")):
                    state.add_nameserver(line[11:])
            elif first == "o" and line.startswith(("options ", "options\t")):
                state.set_options(line[7:], upstream)
    if not state.servers:
        state.servers.append(("127.0.0.1", NAMESERVER_PORT))
    if not state.search:
        _, dot, domain = _c_text(hostname)[:255].partition(".")
        if dot:
            state.search = [domain]
    res_options = env.get("RES_OPTIONS")
    if res_options is not None:
        state.set_options(_c_text(res_options), upstream)
    return ResolvConf(
        nameservers=tuple(state.servers),
        search=tuple(state.search),
        ndots=state.ndots,
        timeout=state.timeout,
        attempts=state.attempts,
        options=frozenset(state.flags),
        sortlist=tuple(state.sortlist),
    )


# --- the search list at work -----------------------------------------------------------------


def _absolute(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _is_onion(name: str) -> bool:
    return name.rstrip(".").lower().rpartition(".")[2] == "onion"


def candidate_names(conf: ResolvConf, name: str, *, rfc7686: bool = False) -> tuple[str, ...]:
    """The absolute names glibc's ``res_search`` queries for ``name``, in order (res_query.c).

    With at least ``ndots`` dots, or a trailing dot, the name as given comes first (and alone,
    with the trailing dot).  Then ``name.domain`` for every search domain (a leading dot on a domain
    is dropped; an empty or "." domain tries the name itself there).  Last the name as given, if
    it was not tried yet, unless it has no dot and "no-tld-query" is set.  Names too long for
    glibc's buffer are left out (glibc fails them without a query).  The walk stops early on
    some answers; that is the caller's business.  ``rfc7686=True`` drops ``.onion`` names
    (RFC 7686 §2, as Go does; glibc 2.36 does not).  HOSTALIASES is not consulted (bulk's
    ``--search`` walks absolute names only).
    """
    dots = name.count(".")
    trailing_dot = name.endswith(".")
    out: list[str] = []
    tried_as_is = False
    if dots >= conf.ndots or trailing_dot:
        if 0 < len(name) < MAXDNAME:
            out.append(_absolute(name))
        if trailing_dot:
            return _onion_filter(out, rfc7686)
        tried_as_is = True
    # res_init always sets RES_DEFNAMES and RES_DNSRCH, so every name without a trailing dot
    # walks the search list.
    root_on_list = False
    for domain in conf.search:
        if domain.startswith("."):
            domain = domain[1:]
        if not domain:
            root_on_list = True
        if len(name) + len(domain) + 1 < MAXDNAME:
            out.append(_absolute(name + "." + domain))
    searched = bool(conf.search)
    if (
        (dots or not searched or "no-tld-query" not in conf.options)
        and not (tried_as_is or root_on_list)
        and 0 < len(name) < MAXDNAME
    ):
        out.append(_absolute(name))
    return _onion_filter(out, rfc7686)


def _onion_filter(names: list[str], rfc7686: bool) -> tuple[str, ...]:
    if rfc7686:
        return tuple(n for n in names if not _is_onion(n))
    return tuple(names)
