"""The interface addresses and link types, as glibc's getaddrinfo reads them over rtnetlink.

Owns the two netlink dumps glibc 2.36 makes (rtnetlink(7), netlink(7)): ``RTM_GETADDR`` in
``__check_pf`` (``sysdeps/unix/sysv/linux/check_pf.c``) and ``RTM_GETLINK`` in ``__check_native``
(``check_native.c``), parsed with ``struct`` from ``nlmsghdr``/``ifaddrmsg``/``ifinfomsg`` and
their ``rtattr`` lists, and the facts getaddrinfo takes from them:

* :func:`addrconfig_families` -- ``AI_ADDRCONFIG``'s (seen IPv4, seen IPv6): any IPv4 address
  other than exactly 127.0.0.1 counts (127.0.0.2 does), any IPv6 address other than ::1 counts
  (link-local, deprecated and tentative ones too).  When netlink fails glibc says (True, True).
* :func:`source_table` -- the list glibc looks a source address up in (rules 3, 4, 7 and 9):
  every address (IPv4 ones IPv4-mapped) with its prefix length, flags and interface, sorted by
  address.  glibc keeps it only when an IPv6 address other than ::1 exists; otherwise the list
  is empty and every source has prefix length 0 and no interface.
* :func:`link_types` -- interface index -> ARPHRD type, for rule 7 (tunnels are not native).
* :func:`ipv4_networks` -- the IPv4 networks host.conf's ``reorder`` compares answers with,
  read as ``res_hconf.c`` reads them (``SIOCGIFCONF``/``SIOCGIFNETMASK`` ioctls, once).

Which address glibc takes from a message: ``IFA_ADDRESS`` when present, else ``IFA_LOCAL``.  On
a point-to-point link ``IFA_ADDRESS`` is the *peer*, so glibc lists the peer there.

Dumps are kept until ``watch.WATCH`` reports an address, link, route or rule change.
"""

from __future__ import annotations

import _socket
import array
import contextlib
import fcntl
import itertools
import os
import socket
import struct
import sys
import threading
from dataclasses import dataclass

from .watch import WATCH

# rtnetlink(7) and netlink(7) numbers
NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
NLM_F_REQUEST = 0x01
NLM_F_DUMP = 0x300  # NLM_F_ROOT | NLM_F_MATCH
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_FLAGS = 8
IFA_F_TEMPORARY = 0x01
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
ARPHRD_TUNNEL = 768
ARPHRD_TUNNEL6 = 769
ARPHRD_SIT = 776
TUNNEL_TYPES = frozenset({ARPHRD_TUNNEL, ARPHRD_TUNNEL6, ARPHRD_SIT})

_NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index
_IFINFOMSG = struct.Struct("=BxHiII")  # family, type, index, flags, change
_RTATTR = struct.Struct("=HH")  # len, type
_U32 = struct.Struct("=I")
_MAPPED = b"\x00" * 10 + b"\xff\xff"
_LOOPBACK4 = b"\x7f\x00\x00\x01"
_LOOPBACK6 = bytes(15) + b"\x01"
_TIMEOUT = 2.0
_SEQ = itertools.count(1)


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    """One address of one interface, as an ``RTM_NEWADDR`` message gives it.

    ``address`` is what glibc reads (``IFA_ADDRESS``, else ``IFA_LOCAL``: the peer on a
    point-to-point link); ``local`` is the interface's own address (``IFA_LOCAL``, else
    ``IFA_ADDRESS``), what ``ip addr`` shows.  ``flags`` are the ``IFA_F_*`` bits (the 32-bit
    ``IFA_FLAGS`` attribute when the kernel sends one; its low 8 bits are ``ifa_flags``).
    """

    family: int
    address: bytes
    prefixlen: int
    flags: int
    index: int
    local: bytes

    @property
    def deprecated(self) -> bool:
        """What glibc calls deprecated (rule 3): ``IFA_F_DEPRECATED`` or ``IFA_F_OPTIMISTIC``."""
        return bool(self.flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC))

    @property
    def home(self) -> bool:
        """A Mobile IPv6 home address (rule 4)."""
        return bool(self.flags & IFA_F_HOMEADDRESS)

    @property
    def key(self) -> bytes:
        """The 16 bytes glibc files it under: IPv4 addresses IPv4-mapped."""
        return _MAPPED + self.address if self.family == socket.AF_INET else self.address


def _align(n: int) -> int:
    return (n + 3) & ~3


def _dump(msg_type: int, body: bytes) -> list[tuple[int, bytes]] | None:
    """Send one dump request; (type, payload) of every answer message, None when it failed."""
    try:
        sock = _socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 0)
    except OSError:
        return None
    out: list[tuple[int, bytes]] = []
    with contextlib.closing(sock):
        try:
            sock.settimeout(_TIMEOUT)
            sock.bind((0, 0))
            pid = sock.getsockname()[0]
            seq = next(_SEQ) & 0xFFFFFFFF
            header = _NLMSGHDR.pack(
                _NLMSGHDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, seq, 0
            )
            sock.sendto(header + body, (0, 0))
            while True:
                data, _, msg_flags, _ = sock.recvmsg(65536)
                if msg_flags & socket.MSG_TRUNC:
                    return None
                off = 0
                while off + _NLMSGHDR.size <= len(data):
                    length, mtype, _, mseq, mpid = _NLMSGHDR.unpack_from(data, off)
                    if length < _NLMSGHDR.size or off + length > len(data):
                        break
                    if mseq == seq and mpid == pid:
                        if mtype == NLMSG_DONE:
                            return out
                        if mtype == NLMSG_ERROR:
                            return None
                        out.append((mtype, data[off + _NLMSGHDR.size : off + length]))
                    off += _align(length)
        except OSError:
            return None


def _attrs(payload: bytes, start: int) -> dict[int, bytes]:
    """The ``rtattr`` list of a message: type -> first payload of that type."""
    found: dict[int, bytes] = {}
    off = start
    while off + _RTATTR.size <= len(payload):
        rlen, rtype = _RTATTR.unpack_from(payload, off)
        if rlen < _RTATTR.size or off + rlen > len(payload):
            break
        found.setdefault(rtype, payload[off + _RTATTR.size : off + rlen])
        off += _align(rlen)
    return found


def parse_address(payload: bytes) -> InterfaceAddress | None:
    """An ``RTM_NEWADDR`` payload (``ifaddrmsg`` + attributes); None unless IPv4/IPv6."""
    if len(payload) < _IFADDRMSG.size:
        return None
    family, prefixlen, flags, _, index = _IFADDRMSG.unpack_from(payload)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return None
    attrs = _attrs(payload, _IFADDRMSG.size)
    address = attrs.get(IFA_ADDRESS, attrs.get(IFA_LOCAL))
    if address is None:
        return None
    local = attrs.get(IFA_LOCAL, address)
    if IFA_FLAGS in attrs and len(attrs[IFA_FLAGS]) >= 4:
        flags = _U32.unpack_from(attrs[IFA_FLAGS])[0]
    return InterfaceAddress(family, bytes(address), prefixlen, flags, index, bytes(local))


def dump_addresses() -> list[InterfaceAddress] | None:
    """Every IPv4/IPv6 address, asked of the kernel now, in its order; None when netlink fails."""
    msgs = _dump(RTM_GETADDR, struct.pack("=B3x", socket.AF_UNSPEC))
    if msgs is None:
        return None
    out = []
    for mtype, payload in msgs:
        if mtype == RTM_NEWADDR:
            found = parse_address(payload)
            if found is not None:
                out.append(found)
    return out


def dump_link_types() -> dict[int, int] | None:
    """Interface index -> ARPHRD_* type, asked of the kernel now; None when netlink fails."""
    msgs = _dump(RTM_GETLINK, struct.pack("=B3x", socket.AF_UNSPEC))
    if msgs is None:
        return None
    types: dict[int, int] = {}
    for mtype, payload in msgs:
        if mtype == RTM_NEWLINK and len(payload) >= _IFINFOMSG.size:
            _, arphrd, index, _, _ = _IFINFOMSG.unpack_from(payload)
            types.setdefault(index, arphrd)
    return types


def glibc_families(addrs: list[InterfaceAddress] | None) -> tuple[bool, bool]:
    """(seen IPv4, seen IPv6) as ``__check_pf`` computes them from a dump."""
    if addrs is None:
        return True, True  # glibc: "we cannot determine ... be pessimistic"
    seen4 = any(a.family == socket.AF_INET and a.address != _LOOPBACK4 for a in addrs)
    seen6 = any(a.family == socket.AF_INET6 and a.address != _LOOPBACK6 for a in addrs)
    return seen4, seen6


@dataclass(frozen=True, slots=True)
class SourceTable:
    """glibc's ``in6ai`` list: addresses by their 16-byte key, found by glibc's binary search.

    ``entries`` are sorted by key, stably (glibc's merge sort keeps dump order among equal
    keys), and :meth:`find` probes them exactly as glibc's ``bsearch`` does, so when an address
    sits on two interfaces it finds the same one glibc finds.
    """

    entries: tuple[InterfaceAddress, ...]
    keys: tuple[bytes, ...]

    @classmethod
    def build(cls, addrs: list[InterfaceAddress]) -> SourceTable:
        ordered = tuple(sorted(addrs, key=lambda a: a.key))
        return cls(ordered, tuple(a.key for a in ordered))

    def find(self, key: bytes) -> InterfaceAddress | None:
        lo, hi = 0, len(self.keys)
        while lo < hi:
            mid = (lo + hi) // 2
            probe = self.keys[mid]
            if key < probe:
                hi = mid
            elif key > probe:
                lo = mid + 1
            else:
                return self.entries[mid]
        return None


_EMPTY = SourceTable((), ())


def glibc_source_table(addrs: list[InterfaceAddress] | None) -> SourceTable | None:
    """The list ``__check_pf`` hands getaddrinfo: None when netlink failed, empty unless an
    IPv6 address other than ::1 exists."""
    if addrs is None:
        return None
    if not glibc_families(addrs)[1]:
        return _EMPTY
    return SourceTable.build(addrs)


# --- kept until the kernel reports a change -------------------------------------------------------

_addrs: tuple[int, list[InterfaceAddress] | None] | None = None
_links: tuple[int, dict[int, int] | None] | None = None
_table: tuple[int, SourceTable | None] | None = None


def interface_addresses(gen: int | None = None) -> list[InterfaceAddress] | None:
    """:func:`dump_addresses`, kept until the kernel reports a change (``gen``: a
    ``WATCH.generation()`` the caller already has)."""
    global _addrs
    if gen is None:
        gen = WATCH.generation()
    cached = _addrs
    if cached is not None and cached[0] == gen:
        return cached[1]
    found = dump_addresses()
    _addrs = (gen, found)
    return found


def addrconfig_families() -> tuple[bool, bool]:
    """(seen IPv4, seen IPv6) for ``AI_ADDRCONFIG``, as glibc 2.36 counts them."""
    return glibc_families(interface_addresses())


def source_table(gen: int | None = None) -> SourceTable | None:
    """glibc's source lookup list (see :func:`glibc_source_table`), kept like the dump."""
    global _table
    if gen is None:
        gen = WATCH.generation()
    cached = _table
    if cached is not None and cached[0] == gen:
        return cached[1]
    table = glibc_source_table(interface_addresses(gen))
    _table = (gen, table)
    return table


def link_types(gen: int | None = None) -> dict[int, int] | None:
    """:func:`dump_link_types`, kept until the kernel reports a change."""
    global _links
    if gen is None:
        gen = WATCH.generation()
    cached = _links
    if cached is not None and cached[0] == gen:
        return cached[1]
    found = dump_link_types()
    _links = (gen, found)
    return found


# --- host.conf's reorder: the interfaces' IPv4 networks, as res_hconf.c reads them ------------

_SIOCGIFCONF = 0x8912
_SIOCGIFNETMASK = 0x891B
# struct ifreq: a 16-byte name, then a union as large as struct ifmap (24 bytes with 64-bit
# longs, 16 with 32-bit ones); struct ifconf: an int length, then the buffer's address.
_IFREQ = 16 + (24 if struct.calcsize("P") == 8 else 16)
_IFCONF = struct.Struct("@iP")
_nets: tuple[tuple[int, int], ...] = ()
_nets_lock = threading.RLock()  # re-entrant: a signal handler's lookup may come in


def _renew_nets_lock() -> None:
    global _nets_lock
    _nets_lock = threading.RLock()


os.register_at_fork(after_in_child=_renew_nets_lock)  # another thread may have held it


def ipv4_networks() -> tuple[tuple[int, int], ...]:
    """``(address, netmask)`` of each IPv4 interface address (32-bit, network order read as
    big-endian), the table host.conf's ``reorder`` compares answers with.

    As glibc's ``_res_hconf_reorder_addrs``: read once per process with ``SIOCGIFCONF`` (every
    IPv4 address, with its interface label) and ``SIOCGIFNETMASK`` per entry (asked by label, so
    an address sharing its label with an earlier one gets that one's mask), and read again on
    the next call while it found nothing.  Kept across ``fork``, as glibc's static table is.
    """
    global _nets
    if _nets:
        return _nets
    with _nets_lock:
        if not _nets:
            _nets = _read_ipv4_networks()
        return _nets


def _read_ipv4_networks() -> tuple[tuple[int, int], ...]:
    try:
        sock = _socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    except OSError:
        return ()
    with contextlib.closing(sock):
        fd = sock.fileno()
        size = 64 * _IFREQ
        while True:
            buf = array.array("B", bytes(size))
            try:
                got = fcntl.ioctl(fd, _SIOCGIFCONF, _IFCONF.pack(size, buf.buffer_info()[0]))
            except OSError:
                return ()
            length = _IFCONF.unpack(got)[0]
            if length < size:  # a full buffer may have been cut short: ask with a larger one
                break
            size *= 2
        raw = buf.tobytes()[:length]
        nets = []
        for at in range(0, length - _IFREQ + 1, _IFREQ):
            req = raw[at : at + _IFREQ]
            if int.from_bytes(req[16:18], sys.byteorder) != socket.AF_INET:
                continue
            address = int.from_bytes(req[20:24], "big")
            try:
                mask = fcntl.ioctl(fd, _SIOCGIFNETMASK, req)
            except OSError:
                continue
            nets.append((address, int.from_bytes(mask[20:24], "big")))
        return tuple(nets)
