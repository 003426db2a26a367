"""What the ``myhostname`` source reads from the kernel, as systemd 252's nss-myhostname reads it.

Owns building ``nss_myhostname.Host`` (the decisions are the core's, in ``nss_myhostname.py``):

* the node name, ``uname(2)`` (``gethostname_malloc``: unset means ``$SYSTEMD_DEFAULT_HOSTNAME``
  when that is a valid name, else ``localhost``);
* every interface address, one ``RTM_GETADDR`` dump (rtnetlink(7)) read as systemd's
  ``local_addresses`` reads it: ``IFA_LOCAL`` (else ``IFA_ADDRESS``), the scope and the 8-bit
  ``ifa_flags`` (``ifaddrs.py`` keeps glibc's view, which has neither);
* the default routes of the main table, one ``RTM_GETROUTE`` dump as ``local_gateways`` reads it:
  destination and source prefix length 0, ``RTA_PRIORITY``, then ``RTA_OIF`` with ``RTA_GATEWAY``
  (or, for IPv4, ``RTA_VIA``), else the next hops of ``RTA_MULTIPATH`` (filed under the route's
  ``RTA_OIF``, 0 when it has none, as systemd does);
* for each gateway the source address the kernel binds a UDP socket to when it is connected
  towards the gateway (``local_outbounds``: ``IP_UNICAST_IF``/``SO_BINDTOIFINDEX`` to the gateway's
  interface, connect to port 53, ``getsockname``; no packet leaves);
* whether IPv6 is enabled (``socket_ipv6_is_enabled``: ``/proc/net/if_inet6`` exists and
  ``net.ipv6.conf.all.disable_ipv6`` is not set).

The kernel part is kept until ``watch.WATCH`` reports an address, link or route change; the node
name is read on every lookup.
"""

from __future__ import annotations

import _socket
import contextlib
import os
import socket
import struct

from ..nss_myhostname import Gateway, Host, LocalAddress, default_hostname, hostname
from .ifaddrs import RTM_GETADDR, RTM_NEWADDR, _attrs, _dump
from .watch import WATCH

RTM_NEWROUTE = 24
RTM_GETROUTE = 26
IFA_ADDRESS = 1
IFA_LOCAL = 2
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_MULTIPATH = 9
RTA_VIA = 18
RT_TABLE_MAIN = 254
RTN_UNICAST = 1
SO_BINDTOIFINDEX = 62
IP_UNICAST_IF = 50
IPV6_UNICAST_IF = 76

_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")  # family, dst_len, src_len, tos, table, protocol, scope, type
_RTNEXTHOP = struct.Struct("=HBBi")  # len, flags, hops, ifindex
_U32 = struct.Struct("=I")
_U16 = struct.Struct("=H")
_SIZES: dict[int, int] = {int(socket.AF_INET): 4, int(socket.AF_INET6): 16}


def parse_address(payload: bytes) -> LocalAddress | None:
    """An ``RTM_NEWADDR`` payload as ``local_addresses`` sees it; None unless IPv4/IPv6."""
    if len(payload) < _IFADDRMSG.size:
        return None
    family, _, flags, scope, index = _IFADDRMSG.unpack_from(payload)
    size = _SIZES.get(family)
    if size is None:
        return None
    attrs = _attrs(payload, _IFADDRMSG.size)
    for kind in (IFA_LOCAL, IFA_ADDRESS):
        value = attrs.get(kind)
        if value is not None and len(value) == size:
            return LocalAddress(family, bytes(value), index, scope, flags)
    return None


def _via(value: bytes) -> tuple[int, bytes] | None:
    """A ``struct rtvia`` (family, then the address)."""
    if len(value) < 2:
        return None
    family = _U16.unpack_from(value)[0]
    size = _SIZES.get(family)
    if size is None or len(value) < 2 + size:
        return None
    return family, bytes(value[2 : 2 + size])


def _nexthops(value: bytes, family: int) -> list[tuple[int, bytes]]:
    """The next hops of ``RTA_MULTIPATH`` (``rtnexthop`` records): (family, address) each."""
    hops: list[tuple[int, bytes]] = []
    off = 0
    while off + _RTNEXTHOP.size <= len(value):
        length = _RTNEXTHOP.unpack_from(value, off)[0]
        if length < _RTNEXTHOP.size or off + length > len(value):
            break
        attrs = _attrs(value[off : off + length], _RTNEXTHOP.size)
        gateway = attrs.get(RTA_GATEWAY)
        if gateway is not None and len(gateway) == _SIZES[family]:
            hops.append((family, bytes(gateway)))
        elif RTA_VIA in attrs:
            via = _via(attrs[RTA_VIA])
            if via is not None:
                hops.append(via)
        off += (length + 3) & ~3
    return hops


def parse_route(payload: bytes) -> list[Gateway]:
    """The gateways ``local_gateways`` takes from one ``RTM_NEWROUTE`` payload."""
    if len(payload) < _RTMSG.size:
        return []
    family, dst_len, src_len, _, table, _, _, _, _ = _RTMSG.unpack_from(payload)
    if dst_len != 0 or src_len != 0 or table != RT_TABLE_MAIN or family not in _SIZES:
        return []
    attrs = _attrs(payload, _RTMSG.size)
    metric = (
        _U32.unpack_from(attrs[RTA_PRIORITY])[0] if len(attrs.get(RTA_PRIORITY, b"")) >= 4 else 0
    )
    oif = 0
    if len(attrs.get(RTA_OIF, b"")) >= 4:
        oif = _U32.unpack_from(attrs[RTA_OIF])[0]
        gateway = attrs.get(RTA_GATEWAY)
        if gateway is not None and len(gateway) == _SIZES[family]:
            return [Gateway(family, family, bytes(gateway), oif, metric)]
        if family != socket.AF_INET:
            return []
        via = _via(attrs[RTA_VIA]) if RTA_VIA in attrs else None
        if via is not None:
            return [Gateway(family, via[0], via[1], oif, metric)]
    if RTA_MULTIPATH not in attrs:
        return []
    return [
        Gateway(family, hop_family, packed, oif, metric)
        for hop_family, packed in _nexthops(attrs[RTA_MULTIPATH], family)
    ]


def outbound_source(family: int, packed: bytes, ifindex: int) -> bytes | None:
    """The address the kernel binds a UDP socket connected towards a gateway to (None: none)."""
    try:
        sock = _socket.socket(
            family, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK
        )
    except OSError:
        return None
    with contextlib.closing(sock):
        # Both are best effort in systemd too (failures are only logged).
        with contextlib.suppress(OSError):
            if family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_IP, IP_UNICAST_IF, struct.pack("!I", ifindex))
            else:
                sock.setsockopt(socket.IPPROTO_IPV6, IPV6_UNICAST_IF, ifindex)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, SO_BINDTOIFINDEX, ifindex)
        host = socket.inet_ntop(family, packed)
        try:
            if family == socket.AF_INET6:
                sock.connect((host, 53, 0, ifindex))
            else:
                sock.connect((host, 53))
        except (OSError, OverflowError):
            pass  # systemd ignores this too: a binding may still have happened
        try:
            bound = sock.getsockname()[0]
        except OSError:
            return None
    return socket.inet_pton(family, bound.partition("%")[0])


def dump_addresses() -> tuple[LocalAddress, ...]:
    msgs = _dump(RTM_GETADDR, struct.pack("=B3x", socket.AF_UNSPEC))
    found = []
    for mtype, payload in msgs or ():
        if mtype == RTM_NEWADDR:
            parsed = parse_address(payload)
            if parsed is not None:
                found.append(parsed)
    return tuple(found)


def dump_gateways() -> tuple[Gateway, ...]:
    """Every default-route gateway, with the source the kernel picks towards it."""
    body = _RTMSG.pack(socket.AF_UNSPEC, 0, 0, 0, RT_TABLE_MAIN, 0, 0, RTN_UNICAST, 0)
    msgs = _dump(RTM_GETROUTE, body)
    found = []
    for mtype, payload in msgs or ():
        if mtype == RTM_NEWROUTE:
            for g in parse_route(payload):
                src = outbound_source(g.family, g.packed, g.ifindex)
                found.append(Gateway(g.route_family, g.family, g.packed, g.ifindex, g.metric, src))
    return tuple(found)


def ipv6_enabled() -> bool:
    """systemd's ``socket_ipv6_is_enabled``."""
    if not os.path.exists("/proc/net/if_inet6"):
        return False
    try:
        with open("/proc/sys/net/ipv6/conf/all/disable_ipv6", encoding="ascii") as f:
            value = f.read().strip().lower()
    except (OSError, ValueError):
        return True
    return value not in ("1", "yes", "y", "true", "t", "on")


_kernel: tuple[int, tuple[tuple[LocalAddress, ...], tuple[Gateway, ...], bool]] | None = None


def host() -> Host:
    """The ``Host`` nss-myhostname would see now (``hosts.MyHostnameFactory``)."""
    global _kernel, _last
    gen = WATCH.generation()
    cached = _kernel
    if cached is None or cached[0] != gen:
        cached = _kernel = (gen, (dump_addresses(), dump_gateways(), ipv6_enabled()))
    nodename = os.uname().nodename
    default = (
        default_hostname(os.environ.get("SYSTEMD_DEFAULT_HOSTNAME"))
        if not nodename or nodename == "(none)"
        else ""
    )
    last = _last
    if last is not None and last[0] is cached and last[1] == nodename and last[2] == default:
        return last[3]  # the same facts as the last call: the same (immutable) Host
    addresses, gateways, ipv6 = cached[1]
    made = Host(hostname(nodename, default), addresses, gateways, ipv6)
    _last = (cached, nodename, default, made)
    return made


_last: tuple[object, str, str, Host] | None = None
