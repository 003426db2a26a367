"""The interface addresses, as glibc's ``__check_pf`` reads them (``sysdeps/unix/sysv/linux/
check_pf.c``).

One RTM_GETADDR dump over a NETLINK_ROUTE socket (rtnetlink(7)): every IPv4 and IPv6 address with
its prefix length, ``IFA_F_*`` flags and interface index.  From the same list come the two facts
getaddrinfo needs: whether an IPv4 / IPv6 address is configured for ``AI_ADDRCONFIG`` (glibc counts
every address except exactly 127.0.0.1 and ::1) and the prefix length and flags of a source
address for RFC 6724 rules 3, 4 and 9.  The list is kept until ``watch.WATCH`` sees the kernel
report a change.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

from .watch import WATCH

NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_GETADDR = 22
RTM_NEWADDR = 20
NLM_F_REQUEST = 0x01
NLM_F_DUMP = 0x300
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_F_OPTIMISTIC = 0x04
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20

_NLMSGHDR = struct.Struct("=IHHII")
_IFADDRMSG = struct.Struct("=BBBBI")
_RTATTR = struct.Struct("=HH")


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    family: int
    address: bytes
    prefixlen: int
    flags: int
    index: int

    @property
    def deprecated(self) -> bool:
        return bool(self.flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC))

    @property
    def home(self) -> bool:
        return bool(self.flags & IFA_F_HOMEADDRESS)


def _align(n: int) -> int:
    return (n + 3) & ~3


_cache: tuple[int, list[InterfaceAddress]] | None = None


def interface_addresses() -> list[InterfaceAddress]:
    """Every configured IPv4/IPv6 address, kept until the kernel reports a change."""
    global _cache
    gen = WATCH.generation()
    cached = _cache
    if cached is not None and cached[0] == gen:
        return cached[1]
    found = dump_addresses()
    _cache = (gen, found)
    return found


def dump_addresses() -> list[InterfaceAddress]:
    """Every configured IPv4/IPv6 address, asked of the kernel now (empty without netlink)."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    except OSError:
        return []
    out: list[InterfaceAddress] = []
    with sock:
        seq = os.getpid() & 0xFFFF
        req = _NLMSGHDR.pack(
            _NLMSGHDR.size + _IFADDRMSG.size, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0
        )
        req += _IFADDRMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
        try:
            sock.sendto(req, (0, 0))
        except OSError:
            return []
        done = False
        while not done:
            try:
                data = sock.recv(65536)
            except OSError:
                return out
            if not data:
                break
            off = 0
            while off + _NLMSGHDR.size <= len(data):
                length, mtype, _, _, _ = _NLMSGHDR.unpack_from(data, off)
                if length < _NLMSGHDR.size:
                    done = True
                    break
                if mtype in (NLMSG_DONE, NLMSG_ERROR):
                    done = True
                    break
                if mtype == RTM_NEWADDR:
                    out.extend(_parse_addr(data, off + _NLMSGHDR.size, off + length))
                off += _align(length)
    return out


def _parse_addr(data: bytes, start: int, end: int) -> list[InterfaceAddress]:
    family, prefixlen, flags, _, index = _IFADDRMSG.unpack_from(data, start)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return []
    off = start + _IFADDRMSG.size
    address = local = None
    while off + _RTATTR.size <= end:
        rlen, rtype = _RTATTR.unpack_from(data, off)
        if rlen < _RTATTR.size:
            break
        payload = data[off + _RTATTR.size : off + rlen]
        if rtype == IFA_ADDRESS:
            address = payload
        elif rtype == IFA_LOCAL:
            local = payload
        off += _align(rlen)
    chosen = local if local is not None else address
    if chosen is None:
        return []
    return [InterfaceAddress(family, bytes(chosen), prefixlen, flags, index)]


_LOOP4 = b"\x7f\x00\x00\x01"
_LOOP6 = bytes(15) + b"\x01"


def addrconfig_families() -> tuple[bool, bool]:
    """(an IPv4 address other than 127.0.0.1 exists, an IPv6 address other than ::1 exists)."""
    seen4 = seen6 = False
    for a in interface_addresses():
        if a.family == socket.AF_INET:
            seen4 = seen4 or a.address != _LOOP4
        else:
            seen6 = seen6 or a.address != _LOOP6
    return seen4, seen6
