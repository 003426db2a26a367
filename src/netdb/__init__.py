"""netdb: the name-lookup layer of Python's ``socket`` module, in Python.

``import netdb as socket`` works for every lookup function and constant: ``getaddrinfo``,
``getnameinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``, ``getfqdn``,
``gethostname``, ``getservbyname``, ``getservbyport``, ``getprotobyname`` (plus
``getprotobynumber``, which ``socket`` lacks), ``inet_aton``/``inet_ntoa``/``inet_pton``/
``inet_ntop``,
the ``AF_*``, ``SOCK_*``, ``IPPROTO_*``, ``AI_*``, ``NI_*``, ``EAI_*`` constants and the exception
classes, which *are* ``socket``'s own.  Answers equal glibc's for the same files and DNS servers
(see README.md for the documented differences).  :class:`Resolver` holds a configuration of its
own; :mod:`netdb.aio` has the same lookups as coroutines.  :func:`install` puts netdb under
programs written for ``socket`` and asyncio (``netdb run`` does it for a whole program;
:mod:`netdb.aiohttp` has a resolver for aiohttp).

The functions here all use one default :class:`Resolver`:

* settings: the system's files, as glibc reads them -- ``/etc/nsswitch.conf``, ``/etc/hosts``,
  ``/etc/host.conf`` (or the file ``RESOLV_HOST_CONF`` names), ``/etc/resolv.conf`` (with
  ``LOCALDOMAIN`` and ``RES_OPTIONS``), the file ``HOSTALIASES`` names, ``/etc/gai.conf``,
  ``/etc/services``, ``/etc/protocols``; a changed file is seen within a
  second (its size, mtime and inode are checked at most once a second).  Where ``/etc/services``
  or ``/etc/protocols`` is missing, a bundled registry answers (``NETDB_BUNDLED_REGISTRY=0``
  turns that off, as glibc has none);
* deadline: none of its own -- glibc's limits hold (resolv.conf's ``timeout`` per try, times
  ``attempts``, per server and search domain).  ``Resolver(lifetime=...)`` bounds a whole lookup;
  the coroutines of :mod:`netdb.aio` take ``timeout=``;
* cache: DNS replies are kept until their TTL runs out (RFC 2308 negative TTLs for "no such
  name"), and whole getaddrinfo and hosts-file answers while the files, the kernel's addresses and
  routes and those TTLs stand.  ``Resolver(cache=False, memoize=False)`` has neither.
"""

from __future__ import annotations

import os as _os
import socket as _socket

# Exceptions and enums: socket's own objects, so `except socket.gaierror` catches ours.
from socket import (
    AddressFamily,
    SocketKind,
    error,
    gaierror,
    has_ipv6,
    herror,
    timeout,
)
from typing import TYPE_CHECKING

from ._api import _GETHOSTNAME, AddrInfoList, Resolver, SockAddr, _noargs, _varargs
from ._api import OMITTED as _OMITTED
from ._explain import Explanation, explain
from ._install import install, installed, uninstall
from .address import inet_aton, inet_ntoa, inet_ntop, inet_pton
from .config.loader import SystemFiles
from .names import family_name, protocol_name, socktype_name

if TYPE_CHECKING:
    # Every constant typeshed gives socket on Linux (Python >= 3.10), by name for type checkers;
    # at run time they (and any newer ones) are copied from the running socket module below.
    from socket import (
        AF_ALG,
        AF_APPLETALK,
        AF_ASH,
        AF_ATMPVC,
        AF_ATMSVC,
        AF_AX25,
        AF_BRIDGE,
        AF_CAN,
        AF_ECONET,
        AF_INET,
        AF_INET6,
        AF_IPX,
        AF_IRDA,
        AF_KEY,
        AF_LLC,
        AF_NETBEUI,
        AF_NETLINK,
        AF_NETROM,
        AF_PACKET,
        AF_PPPOX,
        AF_QIPCRTR,
        AF_RDS,
        AF_ROSE,
        AF_ROUTE,
        AF_SECURITY,
        AF_SNA,
        AF_TIPC,
        AF_UNIX,
        AF_UNSPEC,
        AF_VSOCK,
        AF_WANPIPE,
        AF_X25,
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
        IPPROTO_AH,
        IPPROTO_DSTOPTS,
        IPPROTO_EGP,
        IPPROTO_ESP,
        IPPROTO_FRAGMENT,
        IPPROTO_GRE,
        IPPROTO_HOPOPTS,
        IPPROTO_ICMP,
        IPPROTO_ICMPV6,
        IPPROTO_IDP,
        IPPROTO_IGMP,
        IPPROTO_IP,
        IPPROTO_IPIP,
        IPPROTO_IPV6,
        IPPROTO_MPTCP,
        IPPROTO_NONE,
        IPPROTO_PIM,
        IPPROTO_PUP,
        IPPROTO_RAW,
        IPPROTO_ROUTING,
        IPPROTO_RSVP,
        IPPROTO_SCTP,
        IPPROTO_TCP,
        IPPROTO_TP,
        IPPROTO_UDP,
        IPPROTO_UDPLITE,
        NI_DGRAM,
        NI_MAXHOST,
        NI_MAXSERV,
        NI_NAMEREQD,
        NI_NOFQDN,
        NI_NUMERICHOST,
        NI_NUMERICSERV,
        SOCK_CLOEXEC,
        SOCK_DGRAM,
        SOCK_NONBLOCK,
        SOCK_RAW,
        SOCK_RDM,
        SOCK_SEQPACKET,
        SOCK_STREAM,
        AF_DECnet,
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


_WHERE = """

    Settings come from the system's files through the default resolver (``/etc/nsswitch.conf``,
    {files}), re-checked at most once a second.  Deadline: {deadline}.  Cache: {cache}.
    ``netdb.Resolver(...)`` has the same method with a configuration of its own; ``netdb.aio``
    the same as a coroutine, with ``timeout=``.
    """
_DNS_DEADLINE = (
    "none of its own; glibc's limits hold (resolv.conf's ``timeout`` per try, times "
    "``attempts``, per server and search domain) -- ``Resolver(lifetime=...)`` bounds the whole "
    "lookup"
)
_DNS_CACHE = (
    "DNS replies are kept for their TTL and whole answers while the files, the kernel's "
    "addresses and routes and those TTLs stand (``Resolver(cache=False, memoize=False)``: "
    "neither)"
)
_HOST_FILES = (
    "``/etc/hosts``, ``/etc/host.conf`` (or ``RESOLV_HOST_CONF``'s file), ``/etc/resolv.conf`` "
    "with ``LOCALDOMAIN`` and ``RES_OPTIONS``, ``HOSTALIASES``'s file"
)


def _doc(text: str, files: str, deadline: str = _DNS_DEADLINE, cache: str = _DNS_CACHE) -> str:
    return text + _WHERE.format(files=files, deadline=deadline, cache=cache)


def getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> AddrInfoList:
    return _default.getaddrinfo(host, port, family, type, proto, flags)


@_varargs("getnameinfo", 2, 2, on=_default)
def getnameinfo(sockaddr: SockAddr, flags: int, /) -> tuple[str, str]:
    return _default.getnameinfo(sockaddr, flags)


@_varargs("gethostbyname", 1, 1, on=_default)
def gethostbyname(hostname: str, /) -> str:
    return _default.gethostbyname(hostname)


@_varargs("gethostbyname_ex", 1, 1, on=_default)
def gethostbyname_ex(hostname: str, /) -> tuple[str, list[str], list[str]]:
    return _default.gethostbyname_ex(hostname)


@_varargs("gethostbyaddr", 1, 1, on=_default)
def gethostbyaddr(ip_address: str, /) -> tuple[str, list[str], list[str]]:
    return _default.gethostbyaddr(ip_address)


def getfqdn(name: str = "") -> str:
    return _default.getfqdn(name)


@_noargs(_GETHOSTNAME)
def gethostname() -> str:
    """Like ``socket.gethostname``: the kernel's node name (``uname(2)``); no file, no DNS, no
    deadline and no cache (read afresh on every call)."""
    return Resolver.gethostname()


@_varargs("getservbyname", 1, 2, on=_default)
def getservbyname(servicename: str, protocolname: str = _OMITTED, /) -> int:
    return _default.getservbyname(servicename, protocolname)


@_varargs("getservbyport", 1, 2, on=_default)
def getservbyport(port: int, protocolname: str = _OMITTED, /) -> str:
    return _default.getservbyport(port, protocolname)


@_varargs("getprotobyname", 1, 1, on=_default)
def getprotobyname(protocolname: str, /) -> int:
    return _default.getprotobyname(protocolname)


def getprotobynumber(number: int, /) -> tuple[str, list[str], int]:
    return _default.getprotobynumber(number)


_SERVICES = "``/etc/services`` (a bundled registry where it is missing)"
_PROTOCOLS = "``/etc/protocols`` (a bundled registry where it is missing)"
_NO_WAIT = "none needed (files only: no I/O that can wait)"
_PARSED = "the parsed file, until it changes"
getaddrinfo.__doc__ = _doc(
    """Like ``socket.getaddrinfo``: the addresses for ``host`` and ``port`` as
    ``(family, type, proto, canonname, sockaddr)`` tuples, in glibc's order (RFC 3484 with
    ``/etc/gai.conf``); ``socket.gaierror`` when there are none.""",
    _HOST_FILES + ", ``/etc/gai.conf``, " + _SERVICES,
)
getnameinfo.__doc__ = _doc(
    """Like ``socket.getnameinfo``: ``(host, service)`` for a socket address, by reverse lookup
    (hosts file, DNS PTR) unless ``NI_NUMERICHOST``.""",
    _HOST_FILES + ", " + _SERVICES,
)
gethostbyname.__doc__ = _doc(
    """Like ``socket.gethostbyname``: one IPv4 address as text (getaddrinfo underneath).""",
    _HOST_FILES,
)
gethostbyname_ex.__doc__ = _doc(
    """Like ``socket.gethostbyname_ex``: ``(name, aliases, IPv4 addresses)``;
    ``socket.herror`` with glibc's ``h_errno`` when the hosts sources have no answer.""",
    _HOST_FILES,
)
gethostbyaddr.__doc__ = _doc(
    """Like ``socket.gethostbyaddr``: ``(name, aliases, addresses)`` for an address (or a name,
    looked up first); ``socket.herror`` when there is no name for it.""",
    _HOST_FILES,
)
getfqdn.__doc__ = _doc(
    """Like ``socket.getfqdn``: the first name with a dot among ``gethostbyaddr(name)``'s, else
    its canonical name, else ``name`` itself (the host name when empty).""",
    _HOST_FILES,
)
getservbyname.__doc__ = _doc(
    """Like ``socket.getservbyname``: the port of a service (for one protocol if given).""",
    _SERVICES,
    _NO_WAIT,
    _PARSED,
)
getservbyport.__doc__ = _doc(
    """Like ``socket.getservbyport``: the service name of a port (for one protocol if given).""",
    _SERVICES,
    _NO_WAIT,
    _PARSED,
)
getprotobyname.__doc__ = _doc(
    """Like ``socket.getprotobyname``: the number of a protocol.""",
    _PROTOCOLS,
    _NO_WAIT,
    _PARSED,
)
getprotobynumber.__doc__ = _doc(
    """``getprotobynumber(3)``, which ``socket`` lacks: ``(name, aliases, number)``;
    ``OSError("protocol not found")`` when there is none.""",
    _PROTOCOLS,
    _NO_WAIT,
    _PARSED,
)

__all__ = [
    "AF_ALG",
    "AF_APPLETALK",
    "AF_ASH",
    "AF_ATMPVC",
    "AF_ATMSVC",
    "AF_AX25",
    "AF_BRIDGE",
    "AF_CAN",
    "AF_ECONET",
    "AF_INET",
    "AF_INET6",
    "AF_IPX",
    "AF_IRDA",
    "AF_KEY",
    "AF_LLC",
    "AF_NETBEUI",
    "AF_NETLINK",
    "AF_NETROM",
    "AF_PACKET",
    "AF_PPPOX",
    "AF_QIPCRTR",
    "AF_RDS",
    "AF_ROSE",
    "AF_ROUTE",
    "AF_SECURITY",
    "AF_SNA",
    "AF_TIPC",
    "AF_UNIX",
    "AF_UNSPEC",
    "AF_VSOCK",
    "AF_WANPIPE",
    "AF_X25",
    "AI_ADDRCONFIG",
    "AI_ALL",
    "AI_CANONNAME",
    "AI_NUMERICHOST",
    "AI_NUMERICSERV",
    "AI_PASSIVE",
    "AI_V4MAPPED",
    "EAI_ADDRFAMILY",
    "EAI_AGAIN",
    "EAI_BADFLAGS",
    "EAI_FAIL",
    "EAI_FAMILY",
    "EAI_MEMORY",
    "EAI_NODATA",
    "EAI_NONAME",
    "EAI_OVERFLOW",
    "EAI_SERVICE",
    "EAI_SOCKTYPE",
    "EAI_SYSTEM",
    "IPPROTO_AH",
    "IPPROTO_DSTOPTS",
    "IPPROTO_EGP",
    "IPPROTO_ESP",
    "IPPROTO_FRAGMENT",
    "IPPROTO_GRE",
    "IPPROTO_HOPOPTS",
    "IPPROTO_ICMP",
    "IPPROTO_ICMPV6",
    "IPPROTO_IDP",
    "IPPROTO_IGMP",
    "IPPROTO_IP",
    "IPPROTO_IPIP",
    "IPPROTO_IPV6",
    "IPPROTO_MPTCP",
    "IPPROTO_NONE",
    "IPPROTO_PIM",
    "IPPROTO_PUP",
    "IPPROTO_RAW",
    "IPPROTO_ROUTING",
    "IPPROTO_RSVP",
    "IPPROTO_SCTP",
    "IPPROTO_TCP",
    "IPPROTO_TP",
    "IPPROTO_UDP",
    "IPPROTO_UDPLITE",
    "NI_DGRAM",
    "NI_MAXHOST",
    "NI_MAXSERV",
    "NI_NAMEREQD",
    "NI_NOFQDN",
    "NI_NUMERICHOST",
    "NI_NUMERICSERV",
    "SOCK_CLOEXEC",
    "SOCK_DGRAM",
    "SOCK_NONBLOCK",
    "SOCK_RAW",
    "SOCK_RDM",
    "SOCK_SEQPACKET",
    "SOCK_STREAM",
    "AF_DECnet",
    "AddressFamily",
    "Explanation",
    "Resolver",
    "SocketKind",
    "SystemFiles",
    "error",
    "explain",
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
    "install",
    "installed",
    "protocol_name",
    "socktype_name",
    "timeout",
    "uninstall",
]
if not TYPE_CHECKING:
    # A constant this Python's socket module lacks is not exported (``from netdb import *``).
    __all__ = [name for name in __all__ if name in globals()]
