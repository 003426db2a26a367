"""netdb: the name-lookup layer of Python's ``socket`` module, in Python.

``import netdb as socket`` works for every lookup function and constant: ``getaddrinfo``,
``getnameinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``, ``getfqdn``,
``gethostname``, ``getservbyname``, ``getservbyport``, ``getprotobyname`` (plus
``getprotobynumber``, which ``socket`` lacks), ``inet_aton``/``inet_ntoa``/``inet_pton``/
``inet_ntop``,
the ``AF_*``, ``SOCK_*``, ``IPPROTO_*``, ``AI_*``, ``NI_*``, ``EAI_*`` constants and the exception
classes, which *are* ``socket``'s own.  Answers equal glibc's for the same files and DNS servers
(see README.md for the documented differences).  :class:`Resolver` holds a configuration of its
own; :mod:`netdb.aio` has the same lookups as coroutines.
"""

from __future__ import annotations

import os as _os
import socket as _socket
from typing import Any

from ._api import Resolver
from .address import inet_aton, inet_ntoa, inet_ntop, inet_pton
from .config.loader import SystemFiles
from .names import family_name, protocol_name, socktype_name

# Exceptions and enums: socket's own objects, so `except socket.gaierror` catches ours.
error = _socket.error
gaierror = _socket.gaierror
herror = _socket.herror
timeout = _socket.timeout
AddressFamily = _socket.AddressFamily
SocketKind = _socket.SocketKind
has_ipv6 = _socket.has_ipv6

# The common constants by name (for type checkers); every other AF_/SOCK_/IPPROTO_/AI_/NI_/EAI_
# constant the running socket module has is copied below.
from socket import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    AF_UNSPEC,
    AI_ADDRCONFIG,
    AI_ALL,
    AI_CANONNAME,
    AI_NUMERICHOST,
    AI_NUMERICSERV,
    AI_PASSIVE,
    AI_V4MAPPED,
    EAI_ADDRFAMILY,
    EAI_AGAIN,
    EAI_BADFLAGS,
    EAI_FAIL,
    EAI_FAMILY,
    EAI_MEMORY,
    EAI_NODATA,
    EAI_NONAME,
    EAI_OVERFLOW,
    EAI_SERVICE,
    EAI_SOCKTYPE,
    EAI_SYSTEM,
    IPPROTO_ICMP,
    IPPROTO_IP,
    IPPROTO_IPV6,
    IPPROTO_RAW,
    IPPROTO_TCP,
    IPPROTO_UDP,
    NI_DGRAM,
    NI_MAXHOST,
    NI_MAXSERV,
    NI_NAMEREQD,
    NI_NOFQDN,
    NI_NUMERICHOST,
    NI_NUMERICSERV,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_RDM,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)

_PREFIXES = ("AF_", "SOCK_", "IPPROTO_", "AI_", "NI_", "EAI_")
globals().update({k: getattr(_socket, k) for k in dir(_socket) if k.startswith(_PREFIXES)})


def _default_files() -> SystemFiles:
    """The real /etc files; ``NETDB_BUNDLED_REGISTRY=0`` turns the bundled registries off."""
    return SystemFiles(bundled_registry=_os.environ.get("NETDB_BUNDLED_REGISTRY", "1") != "0")


_default = Resolver(files=_default_files())


def _default_resolver() -> Resolver:
    """The resolver behind the module-level functions (and ``netdb.aio``'s)."""
    return _default


def _reset_default_resolver() -> None:
    """Drop the default resolver's parsed files (tests that rewrite /etc use this)."""
    _default.invalidate()


def getaddrinfo(
    host: Any, port: Any, family: Any = 0, type: Any = 0, proto: Any = 0, flags: Any = 0
) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
    """Like ``socket.getaddrinfo``."""
    return _default.getaddrinfo(host, port, family, type, proto, flags)


def getnameinfo(sockaddr: Any, flags: Any) -> tuple[str, str]:
    """Like ``socket.getnameinfo``."""
    return _default.getnameinfo(sockaddr, flags)


def gethostbyname(hostname: Any) -> str:
    """Like ``socket.gethostbyname``."""
    return _default.gethostbyname(hostname)


def gethostbyname_ex(hostname: Any) -> tuple[str, list[str], list[str]]:
    """Like ``socket.gethostbyname_ex``."""
    return _default.gethostbyname_ex(hostname)


def gethostbyaddr(ip_address: Any) -> tuple[str, list[str], list[str]]:
    """Like ``socket.gethostbyaddr``."""
    return _default.gethostbyaddr(ip_address)


def getfqdn(name: str = "") -> str:
    """Like ``socket.getfqdn``."""
    return _default.getfqdn(name)


def gethostname() -> str:
    """Like ``socket.gethostname``."""
    return Resolver.gethostname()


def getservbyname(servicename: Any, protocolname: Any = None) -> int:
    """Like ``socket.getservbyname``; the bundled registry answers if /etc/services is missing."""
    return _default.getservbyname(servicename, protocolname)


def getservbyport(port: Any, protocolname: Any = None) -> str:
    """Like ``socket.getservbyport``."""
    return _default.getservbyport(port, protocolname)


def getprotobyname(protocolname: Any) -> int:
    """Like ``socket.getprotobyname``; the bundled registry answers if /etc/protocols is missing."""
    return _default.getprotobyname(protocolname)


def getprotobynumber(number: Any) -> tuple[str, list[str], int]:
    """``getprotobynumber(3)``, which ``socket`` lacks: ``(name, aliases, number)``."""
    return _default.getprotobynumber(number)


__all__ = [
    "AddressFamily",
    "Resolver",
    "SocketKind",
    "SystemFiles",
    "error",
    "family_name",
    "gaierror",
    "getaddrinfo",
    "getfqdn",
    "gethostbyaddr",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostname",
    "getnameinfo",
    "getprotobyname",
    "getprotobynumber",
    "getservbyname",
    "getservbyport",
    "has_ipv6",
    "herror",
    "inet_aton",
    "inet_ntoa",
    "inet_ntop",
    "inet_pton",
    "protocol_name",
    "socktype_name",
    "timeout",
]
