"""The ``myhostname`` source of the hosts database, as systemd's nss-myhostname answers.

Owns what ``libnss_myhostname.so.2`` (systemd 252, ``src/nss-myhostname/nss-myhostname.c`` and the
address lists of ``src/shared/local-addresses.c``) answers, computed from a :class:`Host`: the
kernel's node name, interface addresses and default routes as ``_io/myhost.py`` read them at
lookup time.  nss-myhostname(8) describes the names; the details below are the library's, checked
against the real module in the differential sandbox.

Names it knows (everything else is NOTFOUND, ``h_errno`` HOST_NOT_FOUND):

* ``localhost``, ``localhost.localdomain`` and every name under ``.localhost`` or
  ``.localhost.localdomain``, each with or without one trailing dot, in any letter case: canonical
  name ``localhost``, addresses 127.0.0.1 and ::1 (never the interfaces').
* ``_gateway`` (any case, optional trailing dot): the next hops of the main table's default
  routes, canonical name ``_gateway``; NOTFOUND when there is none.
* ``_outbound`` (likewise): the source address the kernel picks towards each gateway.
* the host name exactly as the kernel has it (case-sensitive), or it followed by one dot:
  canonical name the kernel's, addresses every local address in scope (not ``host``/``nowhere``
  scope, not deprecated) of the asked family.  With none, 127.0.0.2 (IPv4) and ::1 (IPv6; the
  ``hostent`` for IPv6 then carries the alias ``localhost``).

Address lists are ordered as ``local-addresses.c`` sorts them: IPv4 before IPv6, then lowest
scope, route metric, interface index, and bytes; equal entries are dropped.  In
``gethostbyname4`` an IPv6 link-local address carries its interface as scope id.  Lookups by
address: 127.0.0.2 is the host name, 127.0.0.1 is ``localhost``, ::1 is ``localhost`` with the
host name as alias, a local address is the host name (with all local addresses of that family),
a gateway is ``_gateway``.  Answers have no TTL (systemd reports 0): nothing may be kept.  When
IPv6 is disabled (``net.ipv6.conf.all.disable_ipv6``), IPv6 lookups are NOTFOUND and ::1 is left
out.  A success also clears glibc's global ``h_errno`` (the module writes it directly).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from .constants import AF_INET, AF_INET6, AF_UNSPEC
from .errors import HOST_NOT_FOUND, NO_DATA, NO_RECOVERY
from .hostent import NOT_FOUND, Address, HostAnswer, Status

__all__ = [
    "Gateway",
    "Host",
    "LocalAddress",
    "default_hostname",
    "gethostbyaddr",
    "gethostbyname3",
    "gethostbyname4",
    "hostname",
    "is_gateway_name",
    "is_localhost",
    "is_outbound_name",
]

# rtnetlink(7): address scopes, address flags
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255
IFA_F_DEPRECATED = 0x20
NETDB_SUCCESS = 0

_LOOPBACK4 = b"\x7f\x00\x00\x01"
_LOCALADDRESS4 = b"\x7f\x00\x00\x02"  # systemd's INADDR_LOCALADDRESS: maps back to the host name
_LOOPBACK6 = bytes(15) + b"\x01"
_SIZES = {AF_INET: 4, AF_INET6: 16}


@dataclass(frozen=True, slots=True)
class LocalAddress:
    """One interface address (an ``RTM_NEWADDR``): the interface's own address (``IFA_LOCAL``,
    else ``IFA_ADDRESS``), its scope (``RT_SCOPE_*``) and its ``ifa_flags``."""

    family: int
    packed: bytes
    ifindex: int
    scope: int = 0
    flags: int = 0


@dataclass(frozen=True, slots=True)
class Gateway:
    """One next hop of a default route of the main table (``RTM_NEWROUTE``).

    ``route_family`` is the route's own family (an IPv4 route may go via an IPv6 next hop,
    ``RTA_VIA``), ``family``/``packed`` the next hop's, ``metric`` the route's ``RTA_PRIORITY``;
    ``source`` is the address the kernel bound a UDP socket connected to this gateway to (what
    ``_outbound`` answers), None when it bound none.
    """

    route_family: int
    family: int
    packed: bytes
    ifindex: int
    metric: int = 0
    source: bytes | None = None


@dataclass(frozen=True, slots=True)
class Host:
    """What nss-myhostname reads from the system at lookup time (in the kernel's order)."""

    hostname: str
    addresses: tuple[LocalAddress, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    ipv6: bool = True  # systemd's socket_ipv6_is_enabled()


# --- the names ----------------------------------------------------------------------------------

_LOCAL_NAMES = frozenset(
    {"localhost", "localhost.", "localhost.localdomain", "localhost.localdomain."}
)
_LOCAL_SUFFIXES = (".localhost", ".localhost.", ".localhost.localdomain", ".localhost.localdomain.")


def _lower(name: str) -> str:
    """ASCII-only case folding (systemd compares with ``strcasecmp`` in the C locale)."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def is_localhost(name: str) -> bool:
    """RFC 6761 §6.3 localhost names, plus ``localhost.localdomain`` (hostname-util's rule)."""
    return _is_localhost_lower(_lower(name))


def _is_localhost_lower(low: str) -> bool:
    return low in _LOCAL_NAMES or low.endswith(_LOCAL_SUFFIXES)


_GATEWAY_NAMES = frozenset(("_gateway", "_gateway."))
_OUTBOUND_NAMES = frozenset(("_outbound", "_outbound."))


def is_gateway_name(name: str) -> bool:
    return _lower(name) in _GATEWAY_NAMES


def is_outbound_name(name: str) -> bool:
    return _lower(name) in _OUTBOUND_NAMES


def _is_hostname(host: Host, name: str) -> bool:
    """The kernel's name exactly, or it with one dot after (case matters here)."""
    return name == host.hostname or name == host.hostname + "."


def foreign(host: Host, name: str) -> bool:
    """Whether ``name`` is none of the names this module answers for (localhost names,
    ``_gateway``, ``_outbound``, the host's name): then its answer is NOTFOUND whatever the
    kernel's addresses and routes, as long as the host's name stays what it is."""
    low = _lower(name)  # folded once for the three names that ignore case
    return not (
        _is_localhost_lower(low)
        or low in _GATEWAY_NAMES
        or low in _OUTBOUND_NAMES
        or _is_hostname(host, name)
    )


_LDH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def default_hostname(from_env: str | None) -> str:
    """``get_default_hostname()``: ``$SYSTEMD_DEFAULT_HOSTNAME`` when it is a valid host name
    (``hostname_is_valid``: dot-separated non-empty labels of letters, digits and hyphens, at
    most 64 characters, no trailing dot), else ``localhost``.  (systemd would next try
    os-release's ``DEFAULT_HOSTNAME``, which Debian does not set: not read here.)"""
    if from_env and len(from_env) <= 64:
        labels = from_env.split(".")
        if all(label and _LDH.issuperset(label) for label in labels):
            return from_env
    return "localhost"


def hostname(nodename: str, default: str = "localhost") -> str:
    """``gethostname_malloc()``: the kernel's node name, or the default host name when it is
    unset (empty or ``(none)``); ``localhost`` itself is allowed."""
    return default if nodename in ("", "(none)") else nodename


# --- the address lists (local-addresses.c) ------------------------------------------------------


_T = TypeVar("_T")
_Key = tuple[int, int, int, int, bytes]


def _sorted_unique(items: Iterable[tuple[_Key, _T]]) -> list[_T]:
    """systemd's ``address_compare`` order (family IPv4 first, scope, metric, ifindex, bytes),
    then ``suppress_duplicates`` (neighbours that compare equal)."""
    out: list[_T] = []
    last: _Key | None = None
    for key, addr in sorted(items, key=lambda item: item[0]):
        if key != last:
            out.append(addr)
            last = key
    return out


def _family_rank(family: int) -> int:
    return 0 if family == AF_INET else 1


def _scope_id(family: int, packed: bytes, ifindex: int) -> int:
    """The scope id of a ``gaih_addrtuple``: the interface for IPv6 link-local (fe80::/10)."""
    if family == AF_INET6 and packed[0] == 0xFE and packed[1] & 0xC0 == 0x80:
        return ifindex
    return 0


def local_addresses(host: Host, family: int) -> list[Address]:
    """``local_addresses(NULL, 0, af, ...)``: addresses in scope, not deprecated, sorted."""
    found = []
    for a in host.addresses:
        if family != AF_UNSPEC and a.family != family:
            continue
        if a.family not in _SIZES or a.flags & IFA_F_DEPRECATED:
            continue
        if a.scope in (RT_SCOPE_HOST, RT_SCOPE_NOWHERE):
            continue
        key = (_family_rank(a.family), a.scope, 0, a.ifindex, a.packed)
        found.append((key, Address(a.family, a.packed, _scope_id(a.family, a.packed, a.ifindex))))
    return _sorted_unique(found)


def _gateways(host: Host, family: int) -> list[Gateway]:
    """The gateways ``local_gateways`` lists for ``family``: it dumps the routes of that family
    only, then keeps the next hops of that family."""
    return [
        g
        for g in host.gateways
        if family == AF_UNSPEC or (g.route_family == family and g.family == family)
    ]


def local_gateways(host: Host, family: int) -> list[Address]:
    """``local_gateways(NULL, 0, af, ...)``, sorted, without repeats."""
    return _sorted_unique(
        (
            (_family_rank(g.family), 0, g.metric, g.ifindex, g.packed),
            Address(g.family, g.packed, _scope_id(g.family, g.packed, g.ifindex)),
        )
        for g in _gateways(host, family)
        if g.family in _SIZES
    )


def local_outbounds(host: Host, family: int) -> list[Address]:
    """``local_outbounds(NULL, 0, af, ...)``: the bound source towards each gateway (the null
    address means none), on the gateway's interface, sorted, without repeats."""
    gateways = _sorted_unique(
        ((_family_rank(g.family), 0, g.metric, g.ifindex, g.packed), g)
        for g in _gateways(host, family)
        if g.family in _SIZES
    )
    found = []
    for g in gateways:
        src = g.source
        if src is None or src == bytes(len(src)):
            continue
        key = (_family_rank(g.family), 0, 0, g.ifindex, src)
        found.append((key, Address(g.family, src, _scope_id(g.family, src, g.ifindex))))
    return _sorted_unique(found)


# --- the NSS functions --------------------------------------------------------------------------


def _success(name: str, addresses: Iterable[Address], aliases: tuple[str, ...] = ()) -> HostAnswer:
    return HostAnswer(
        Status.SUCCESS,
        name=name,
        aliases=aliases,
        addresses=tuple(addresses),
        h_errno=NETDB_SUCCESS,
        written=NETDB_SUCCESS,
    )


def gethostbyname4(host: Host, name: str) -> HostAnswer:
    """``_nss_myhostname_gethostbyname4_r``: both families in one list (getaddrinfo's
    ``AF_UNSPEC``); scope ids on IPv6 link-local addresses."""
    if is_localhost(name):
        canonical, fallback4 = "localhost", _LOOPBACK4
        addresses: list[Address] = []
    elif is_gateway_name(name):
        addresses = local_gateways(host, AF_UNSPEC)
        if not addresses:
            return NOT_FOUND
        canonical, fallback4 = "_gateway", _LOCALADDRESS4
    elif is_outbound_name(name):
        addresses = local_outbounds(host, AF_UNSPEC)
        if not addresses:
            return NOT_FOUND
        canonical, fallback4 = "_outbound", _LOCALADDRESS4
    elif _is_hostname(host, name):
        addresses = local_addresses(host, AF_UNSPEC)
        canonical, fallback4 = host.hostname, _LOCALADDRESS4
    else:
        return NOT_FOUND
    if not addresses:
        addresses = [Address(AF_INET, fallback4)]
        if host.ipv6:
            addresses.append(Address(AF_INET6, _LOOPBACK6))
    return _success(canonical, addresses)


def _hostent(
    canonical: str,
    family: int,
    addresses: list[Address],
    fallback4: bytes,
    ipv6: bool,
    alias: str | None = None,
) -> HostAnswer:
    """``fill_in_hostent``: one family's addresses (no scope ids), or the fallback address."""
    found = [Address(family, a.packed) for a in addresses if a.family == family]
    if not found:
        if family == AF_INET:
            found = [Address(AF_INET, fallback4)]
        elif ipv6:
            found = [Address(AF_INET6, _LOOPBACK6)]
    return _success(canonical, found, () if alias is None else (alias,))


def gethostbyname3(host: Host, name: str, family: int) -> HostAnswer:
    """``_nss_myhostname_gethostbyname3_r`` for one family (``AF_UNSPEC`` means IPv4)."""
    if family == AF_UNSPEC:
        family = AF_INET
    if family not in _SIZES:
        # EAFNOSUPPORT
        return HostAnswer(Status.UNAVAIL, h_errno=NO_DATA, written=NO_DATA)
    if family == AF_INET6 and not host.ipv6:
        return NOT_FOUND
    alias = None
    if is_localhost(name):
        canonical, fallback4 = "localhost", _LOOPBACK4
        addresses: list[Address] = []
    elif is_gateway_name(name):
        addresses = local_gateways(host, family)
        if not addresses:
            return NOT_FOUND
        canonical, fallback4 = "_gateway", _LOCALADDRESS4
    elif is_outbound_name(name):
        addresses = local_outbounds(host, family)
        if not addresses:
            return NOT_FOUND
        canonical, fallback4 = "_outbound", _LOCALADDRESS4
    elif _is_hostname(host, name):
        addresses = local_addresses(host, family)
        canonical, fallback4 = host.hostname, _LOCALADDRESS4
        if not addresses and family == AF_INET6:
            alias = "localhost"
    else:
        return NOT_FOUND
    return _hostent(canonical, family, addresses, fallback4, host.ipv6, alias)


def gethostbyaddr(host: Host, family: int, packed: bytes) -> HostAnswer:
    """``_nss_myhostname_gethostbyaddr2_r``."""
    if family not in _SIZES:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_DATA, written=NO_DATA)
    if len(packed) != _SIZES[family]:
        # EINVAL
        return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY, written=NO_RECOVERY)
    if family == AF_INET:
        if packed == _LOCALADDRESS4:
            return _hostent(host.hostname, AF_INET, [], _LOCALADDRESS4, host.ipv6)
        if packed == _LOOPBACK4:
            return _hostent("localhost", AF_INET, [], _LOOPBACK4, host.ipv6)
    else:
        if not host.ipv6:
            return HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND, written=HOST_NOT_FOUND)
        if packed == _LOOPBACK6:
            return _hostent("localhost", AF_INET6, [], _LOCALADDRESS4, True, host.hostname)
    addresses = local_addresses(host, family)
    if any(a.packed == packed for a in addresses):
        return _hostent(host.hostname, family, addresses, _LOCALADDRESS4, host.ipv6)
    gateways = local_gateways(host, family)
    if any(a.packed == packed for a in gateways):
        return _hostent("_gateway", family, gateways, _LOCALADDRESS4, host.ipv6)
    return NOT_FOUND
