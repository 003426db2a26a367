"""Settings of a bulk run: servers, window, rates, timeout, retries (one frozen dataclass).

Owns the defaults and their clamping, in one place, and the reading of name-server text
(``192.0.2.1``, ``192.0.2.1:5353``, ``2001:db8::1``, ``[2001:db8::1]:5353``) and of the system's
servers from resolv.conf (resolv.conf(5), read as glibc's ``res_init`` does: ``config.resolv``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..config.resolv import ResolvConf, parse_resolv_conf
from ..constants import AF_INET, AF_INET6
from ..dns.ops import Server
from ._jobs import BOTH
from ._records import MALFORMED, SERVFAIL, STATUSES, TIMEOUT

DEFAULT_RETRY_ON = frozenset((TIMEOUT, SERVFAIL, MALFORMED))
MAX_WINDOW_PER_SOCKET = 60000  # below the 65536 IDs of a socket, so an ID is never reused early


def _port_digits(text: str) -> bool:
    """A port's text: ASCII digits, few enough to be a port."""
    return text.isascii() and text.isdigit() and len(text) <= 5


def parse_server(text: str) -> Server:
    """A name server from its text form; ValueError if it is not an address (and port)."""
    from ..address import parse_ipv4_exact, parse_ipv6, parse_scope_id

    port = 53
    host = text.strip()
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not _port_digits(rest[1:]):
                raise ValueError(f"bad name server {text!r}")
            port = int(rest[1:])
    elif host.count(":") == 1:
        host, _, p = host.partition(":")
        if not _port_digits(p):
            raise ValueError(f"bad name server {text!r}")
        port = int(p)
    if not 0 < port < 65536:
        raise ValueError(f"bad port in name server {text!r}")
    addr, percent, scope = host.partition("%")
    if parse_ipv4_exact(host) is not None:
        return Server(AF_INET, host, port)
    packed = parse_ipv6(addr)
    if packed is None:
        raise ValueError(f"name server {text!r} is not an IP address")
    if not percent:
        return Server(AF_INET6, addr, port)
    # An interface name or a number, as glibc's res_init reads resolv.conf's ``fe80::1%eth0``.
    scope_id = parse_scope_id(packed, scope, _ifindex)
    if scope_id is None:
        raise ValueError(f"bad scope in name server {text!r} (no such interface?)")
    return Server(AF_INET6, addr, port, scope_id)


def _ifindex(name: str) -> int:
    """The index of network interface ``name`` (0: none)."""
    import socket  # only for a scope given by name: the module stays free of I/O imports

    try:
        return socket.if_nametoindex(name)
    except (OSError, ValueError):
        return 0


def system_servers(
    path: str = "/etc/resolv.conf", env: Mapping[str, str] | None = None
) -> tuple[Server, ...]:
    """The servers resolv.conf names (127.0.0.1 when it names none or is missing)."""
    try:
        with open(path, encoding="latin-1") as f:
            text: str | None = f.read()
    except OSError:
        text = None
    conf = parse_resolv_conf(text, env=os.environ if env is None else env, hostname="")
    return tuple(
        parse_server(f"[{h}]:{p}" if ":" in h else f"{h}:{p}") for h, p in conf.nameservers
    )


@dataclass(frozen=True, slots=True)
class Options:
    """How a bulk run asks.

    ``servers``: where queries go (a name's tries walk them in turn); ``concurrency``: queries in
    flight at most; ``rate`` / ``rate_per_server``: queries per second at most (None: no limit);
    ``timeout``: the longest a try waits (seconds); with ``adaptive`` (the default) a try waits
    the RTT-based retransmission timeout (RFC 6298), at least ``min_timeout``, doubled for each
    retry after the first, at most ``timeout`` (the last try: ``timeout``); without, every try
    waits ``timeout``; ``retries``: tries after the first; ``retry_on``: the statuses that are
    tried again (TIMEOUT, SERVFAIL, MALFORMED by default); ``search``: a search list, walked as
    glibc's ``res_search`` walks it (off by default: names are absolute); ``ndots``: the dots a
    name needs to be asked as is before the search list (resolv.conf's ``ndots``, 1 by default,
    at most 15); ``no_tld_query``: a name without a dot is not asked as is after the list;
    ``sockets_per_server``: UDP sockets (source ports) per server; ``edns_payload``: the EDNS0
    UDP size offered (RFC 6891 §6.2.5; None: no OPT record); ``types``: the default types.
    """

    servers: tuple[Server, ...]
    concurrency: int = 1000
    rate: float | None = None
    rate_per_server: float | None = None
    timeout: float = 2.0
    min_timeout: float = 0.05
    adaptive: bool = True
    retries: int = 3
    retry_on: frozenset[str] = DEFAULT_RETRY_ON
    search: tuple[str, ...] = ()
    ndots: int = 1
    no_tld_query: bool = False
    sockets_per_server: int = 2
    edns_payload: int | None = 1232
    types: tuple[int, ...] = BOTH

    def __post_init__(self) -> None:
        _check_types(self)
        if not self.servers:
            raise ValueError("no name server")
        if not 0 <= self.ndots <= 15:
            raise ValueError("ndots must be 0 to 15")
        if self.edns_payload is not None and not 512 <= self.edns_payload <= 65535:
            raise ValueError("edns_payload must be 512 to 65535 (None: no EDNS)")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not (0 < self.timeout < math.inf and 0 < self.min_timeout < math.inf):
            raise ValueError("a timeout must be a positive number of seconds")
        if self.min_timeout > self.timeout:
            object.__setattr__(self, "min_timeout", self.timeout)
        if self.retries < 0:
            raise ValueError("retries must not be negative")
        if not 1 <= self.sockets_per_server <= MAX_SOCKETS_PER_SERVER:
            raise ValueError(f"sockets_per_server must be 1 to {MAX_SOCKETS_PER_SERVER}")
        for rate in (self.rate, self.rate_per_server):
            if rate is not None and not 0 < rate < math.inf:
                raise ValueError("a rate must be a positive number")
        bad = (
            set(self.retry_on) - set(STATUSES) - {s for s in self.retry_on if s.startswith("RCODE")}
        )
        if bad:
            raise ValueError(f"unknown status to retry on: {', '.join(sorted(bad))}")
        cap = MAX_WINDOW_PER_SOCKET * self.sockets_per_server * len(self.servers)
        if self.concurrency > cap:
            object.__setattr__(self, "concurrency", cap)


MAX_SOCKETS_PER_SERVER = 256
"""More source ports per server than this buy nothing (the window of each socket is
``MAX_WINDOW_PER_SOCKET``) and would only run the process out of descriptors."""

_INTS = ("concurrency", "retries", "ndots", "sockets_per_server")
_NUMBERS = ("timeout", "min_timeout")
_OPTIONAL_NUMBERS = ("rate", "rate_per_server")


def _check_types(o: Options) -> None:
    """TypeError for a setting of the wrong type (bool is no number here)."""

    def bad(field: str, what: str) -> TypeError:
        value = getattr(o, field)
        return TypeError(f"{field} must be {what}, not {type(value).__name__}")

    for field in _INTS:
        v = getattr(o, field)
        if not isinstance(v, int) or isinstance(v, bool):
            raise bad(field, "an int")
    for field in (*_NUMBERS, *_OPTIONAL_NUMBERS):
        v = getattr(o, field)
        if v is None and field in _OPTIONAL_NUMBERS:
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise bad(field, "a number" + (" or None" if field in _OPTIONAL_NUMBERS else ""))
    if o.edns_payload is not None and (
        not isinstance(o.edns_payload, int) or isinstance(o.edns_payload, bool)
    ):
        raise bad("edns_payload", "an int or None")
    for field in ("adaptive", "no_tld_query"):
        if not isinstance(getattr(o, field), bool):
            raise bad(field, "a bool")
    if not isinstance(o.servers, tuple) or not all(isinstance(s, Server) for s in o.servers):
        raise TypeError("servers must be a tuple of Server")
    if not isinstance(o.search, tuple) or not all(isinstance(d, str) for d in o.search):
        raise TypeError("search must be a tuple of str")
    if not isinstance(o.retry_on, frozenset) or not all(isinstance(s, str) for s in o.retry_on):
        raise TypeError("retry_on must be a frozenset of str")
    if (
        not isinstance(o.types, tuple)
        or not o.types
        or not all(isinstance(t, int) and not isinstance(t, bool) for t in o.types)
    ):
        raise TypeError("types must be a non-empty tuple of int")
    if not all(0 <= t <= 65535 for t in o.types):
        raise ValueError("a type must be 0 to 65535")


def _words(value: str) -> list[str]:
    return value.replace(",", " ").split()


def _servers(servers: object) -> tuple[Server, ...]:
    if servers is None:
        return system_servers()
    if isinstance(servers, (str, Server)):
        servers = _words(servers) if isinstance(servers, str) else [servers]
    if not isinstance(servers, Iterable):
        raise TypeError(
            f"nameservers must be addresses (a list of str), not {type(servers).__name__}"
        )
    out = []
    for s in servers:
        if isinstance(s, Server):
            out.append(s)
        elif isinstance(s, str):
            out.append(parse_server(s))
        else:
            raise TypeError(f"a name server must be a str, not {type(s).__name__}")
    return tuple(out)


def _search(value: object) -> tuple[str, ...] | None:
    """``search=``: a list of domains, one str of them (blank-separated, as resolv.conf's
    ``search`` line), True (resolv.conf's list: None here), False or None (off)."""
    if value is None or value is False:
        return ()
    if value is True:
        return None
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        out = tuple(value)
        for d in out:
            if not isinstance(d, str):
                raise TypeError(f"a search domain must be a str, not {type(d).__name__}")
        return out
    raise TypeError(
        f"search must be a list of domains, a str, True or False, not {type(value).__name__}"
    )


def _types(value: object) -> tuple[int, ...]:
    """``types=``: ``"both"``, ``"MX"``, ``"TYPE65"``, a number, or a list of those."""
    from ._jobs import parse_type

    items = [value] if isinstance(value, (str, int)) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, bytearray)):
        raise TypeError(f"types must be a type name, a number or a list of them, not "
                        f"{type(value).__name__}")  # fmt: skip
    out: list[int] = []
    for t in items:
        if isinstance(t, bool) or not isinstance(t, (str, int)):
            raise TypeError(f"a type must be a str or an int, not {type(t).__name__}")
        for code in parse_type(t) if isinstance(t, str) else (t,):
            if not 0 <= code <= 65535:
                raise ValueError(f"type {code} is not 0 to 65535")
            if code not in out:
                out.append(code)
    if not out:
        raise ValueError("types must name at least one type")
    return tuple(out)


def _retry_on(value: object) -> frozenset[str]:
    """``retry_on=``: statuses, as a list or one comma- or blank-separated str."""
    items = _words(value) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, bytearray)):
        raise TypeError(f"retry_on must be a list of statuses, not {type(value).__name__}")
    out = set()
    for s in items:
        if not isinstance(s, str):
            raise TypeError(f"a status must be a str, not {type(s).__name__}")
        out.add(s.upper())
    return frozenset(out)


def make_options(servers: object = None, **settings: object) -> Options:
    """:class:`Options` from server texts (None: resolv.conf's) and keyword settings, in the
    forms the README gives: ``search`` (a list of domains, a str of them, True for
    resolv.conf's list and ``ndots``, False or None for none), ``types`` (``"both"``,
    ``"MX"``, ``65``, or a list of those), ``retry_on`` (a list of statuses, or a str of them),
    the numbers as numbers.  TypeError or ValueError for anything else."""
    parsed = _servers(servers)
    if "search" in settings:
        search = _search(settings["search"])
        if search is None:
            conf = _system_conf()
            settings["search"] = conf.search
            settings.setdefault("ndots", conf.ndots)
            settings.setdefault("no_tld_query", "no-tld-query" in conf.options)
        else:
            settings["search"] = search
    if "types" in settings:
        settings["types"] = _types(settings["types"])
    if "retry_on" in settings:
        settings["retry_on"] = _retry_on(settings["retry_on"])
    return Options(parsed, **settings)  # type: ignore[arg-type]


def _system_conf(path: str = "/etc/resolv.conf") -> ResolvConf:
    try:
        with open(path, encoding="latin-1") as f:
            text: str | None = f.read()
    except OSError:
        text = None
    return parse_resolv_conf(text, env=os.environ, hostname="")
