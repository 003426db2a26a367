"""netdb's resolver for aiohttp: ``aiohttp.TCPConnector(resolver=netdb.aiohttp.Resolver())``.

:class:`Resolver` implements ``aiohttp.abc.AbstractResolver`` on :mod:`netdb.aio`: lookups are
coroutines on the event loop, with no thread and no executor.  It answers as aiohttp's own
``ThreadedResolver`` does over glibc -- the same ``getaddrinfo(host, port, family,
SOCK_STREAM, 0, AI_ADDRCONFIG)`` call, the same result dicts (``hostname``, ``host``, ``port``,
``family``, ``proto``, ``flags``) in the same order, ``getnameinfo`` for an IPv6 address with a
scope id, and the same exception on failure (``socket.gaierror``, which aiohttp's connector
turns into ``ClientConnectorDNSError``) -- with glibc's answers, a deadline per lookup and
netdb's cache.

Importing this module does not import aiohttp: the class is made the first time
``netdb.aiohttp.Resolver`` is read (then aiohttp is imported, to subclass its
``AbstractResolver``).
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from ._api import Resolver as _NetdbResolver

if TYPE_CHECKING:
    from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = ["Resolver"]

_AF_INET6 = socket.AF_INET6
_SOCK_STREAM = socket.SOCK_STREAM
_AI_ADDRCONFIG = socket.AI_ADDRCONFIG
_NI_NUMERIC = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
_AI_NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class _Methods:
    """The resolver's behaviour; :class:`Resolver` is this plus aiohttp's ``AbstractResolver``."""

    def __init__(
        self, resolver: _NetdbResolver | None = None, *, timeout: float | None = None
    ) -> None:
        """``resolver``: the :class:`netdb.Resolver` that answers (default: the module's,
        over the system's files); ``timeout``: a deadline in seconds for each lookup (default:
        the resolver's ``lifetime``, else glibc's limits from resolv.conf)."""
        if resolver is not None and not isinstance(resolver, _NetdbResolver):
            raise TypeError(f"resolver must be a netdb.Resolver, not {type(resolver).__name__}")
        self.resolver = resolver
        self.timeout = timeout

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The addresses of ``host`` for a TCP connection to ``port``, as aiohttp's
        ``ThreadedResolver.resolve`` gives them; ``socket.gaierror`` when there are none."""
        from . import aio
        from ._api import off_thread

        r, timeout = self.resolver, self.timeout
        # ThreadedResolver asks loop.getaddrinfo and getnameinfo (glibc in the executor): the
        # loop thread's h_errno stays as it is.
        with off_thread():
            infos = await aio.getaddrinfo(
                host, port, family, _SOCK_STREAM, 0, _AI_ADDRCONFIG, timeout=timeout, resolver=r
            )
            hosts: list[ResolveResult] = []
            for fam, _, proto, _, address in infos:
                if fam == _AF_INET6:
                    if len(address) < 3:  # a Python without IPv6 (as aiohttp skips these)
                        continue
                    if address[3]:  # a scope id (link-local): the address with its %zone
                        name, service = await aio.getnameinfo(
                            address, _NI_NUMERIC, timeout=timeout, resolver=r
                        )
                        resolved, port = name, int(service)
                    else:
                        resolved, port = str(address[0]), int(address[1])
                else:
                    resolved, port = str(address[0]), int(address[1])
                hosts.append(
                    {
                        "hostname": host,
                        "host": resolved,
                        "port": port,
                        "family": fam,
                        "proto": proto,
                        "flags": _AI_NUMERIC,
                    }
                )
            return hosts

    async def close(self) -> None:
        """Nothing to release: lookups hold sockets only while they run."""


if TYPE_CHECKING:

    class Resolver(_Methods, AbstractResolver):
        """aiohttp's ``AbstractResolver`` answered by :mod:`netdb.aio` (see the module)."""

else:

    def __getattr__(name: str) -> Any:
        if name != "Resolver":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from aiohttp.abc import AbstractResolver

        cls = type(
            "Resolver",
            (_Methods, AbstractResolver),
            {
                "__module__": __name__,
                "__qualname__": "Resolver",
                "__doc__": "aiohttp's ``AbstractResolver`` answered by :mod:`netdb.aio` "
                "(see the module): ``Resolver(resolver=None, *, timeout=None)``.",
            },
        )
        globals()["Resolver"] = cls
        return cls
