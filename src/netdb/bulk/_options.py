"""Settings of a bulk run: servers, window, rates, timeout, retries (one frozen dataclass).

Owns the defaults and their clamping, in one place, and the reading of name-server text
(``192.0.2.1``, ``192.0.2.1:5353``, ``2001:db8::1``, ``[2001:db8::1]:5353``) and of the system's
servers from resolv.conf (resolv.conf(5), read as glibc's ``res_init`` does: ``config.resolv``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..config.resolv import parse_resolv_conf
from ..constants import AF_INET, AF_INET6
from ..dns.ops import Server
from ._jobs import BOTH
from ._records import MALFORMED, SERVFAIL, STATUSES, TIMEOUT

DEFAULT_RETRY_ON = frozenset((TIMEOUT, SERVFAIL, MALFORMED))
MAX_WINDOW_PER_SOCKET = 60000  # below the 65536 IDs of a socket, so an ID is never reused early


def parse_server(text: str) -> Server:
    """A name server from its text form; ValueError if it is not an address (and port)."""
    from ..address import parse_ipv4_exact, parse_ipv6

    port = 53
    host = text.strip()
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"bad name server {text!r}")
            port = int(rest[1:])
    elif host.count(":") == 1:
        host, _, p = host.partition(":")
        if not p.isdigit():
            raise ValueError(f"bad name server {text!r}")
        port = int(p)
    if not 0 < port < 65536:
        raise ValueError(f"bad port in name server {text!r}")
    addr, _, scope = host.partition("%")
    if parse_ipv4_exact(host) is not None:
        return Server(AF_INET, host, port)
    if parse_ipv6(addr) is not None:
        return Server(AF_INET6, addr, port, int(scope) if scope.isdigit() else 0)
    raise ValueError(f"name server {text!r} is not an IP address")


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
    tried again (TIMEOUT, SERVFAIL, MALFORMED by default); ``search``: domains tried after a name
    that is not found (off by default: names are absolute);
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
    sockets_per_server: int = 2
    edns_payload: int | None = 1232
    types: tuple[int, ...] = BOTH

    def __post_init__(self) -> None:
        if not self.servers:
            raise ValueError("no name server")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.timeout <= 0 or self.min_timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.min_timeout > self.timeout:
            object.__setattr__(self, "min_timeout", self.timeout)
        if self.retries < 0:
            raise ValueError("retries must not be negative")
        if self.sockets_per_server < 1:
            raise ValueError("sockets_per_server must be at least 1")
        for rate in (self.rate, self.rate_per_server):
            if rate is not None and rate <= 0:
                raise ValueError("a rate must be positive")
        bad = (
            set(self.retry_on) - set(STATUSES) - {s for s in self.retry_on if s.startswith("RCODE")}
        )
        if bad:
            raise ValueError(f"unknown status to retry on: {', '.join(sorted(bad))}")
        cap = MAX_WINDOW_PER_SOCKET * self.sockets_per_server * len(self.servers)
        if self.concurrency > cap:
            object.__setattr__(self, "concurrency", cap)


def make_options(servers: Iterable[str | Server] | None = None, **settings: object) -> Options:
    """:class:`Options` from server texts (None: resolv.conf's) and keyword settings."""
    parsed = (
        system_servers()
        if servers is None
        else tuple(s if isinstance(s, Server) else parse_server(s) for s in servers)
    )
    return Options(parsed, **settings)  # type: ignore[arg-type]
