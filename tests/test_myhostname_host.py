"""The ``myhostname`` source on this machine itself, with no namespace: netdb against systemd's
``libnss_myhostname.so.2`` called directly.

``tests/test_myhostname.py`` runs glibc with a fixture ``nsswitch.conf`` inside namespaces; a
machine without them still has its own host name, addresses and routes.  Here the module's entry
points are called through ctypes (no nsswitch involved, so this machine's configuration does not
matter) beside ``netdb.nss_myhostname`` on the facts ``netdb._io.myhost`` reads from the kernel,
and the whole answers are compared: status, canonical name, and every address with its family
and scope id, in order.  Nothing is sent (netlink dumps only).  Facts that change between the
two reads (an address coming or going) are read again a few times before they count.
"""

from __future__ import annotations

import ctypes
import socket
from typing import Any

import pytest

from netdb import nss_myhostname as mh
from netdb._io import myhost
from netdb.hostent import HostAnswer, Status

try:
    LIB: ctypes.CDLL | None = ctypes.CDLL("libnss_myhostname.so.2")
except OSError:
    LIB = None

pytestmark = pytest.mark.skipif(LIB is None, reason="needs libnss_myhostname.so.2")


class _Tuple(ctypes.Structure):
    """glibc's ``struct gaih_addrtuple``."""


_Tuple._fields_ = [
    ("next", ctypes.POINTER(_Tuple)),
    ("name", ctypes.c_char_p),
    ("family", ctypes.c_int),
    ("addr", ctypes.c_uint32 * 4),
    ("scopeid", ctypes.c_uint32),
]

_STATUS = {1: "success", 0: "notfound", -1: "unavail", -2: "tryagain"}


def _nss(entry: str, *head: Any) -> tuple[int, Any]:
    """The module's ``entry`` called with ``head`` and the tail every NSS entry point takes (a
    buffer and its size, ``errnop``, ``h_errnop``, ``ttlp``): its ``nss_status``, and the buffer
    the answer points into (the caller holds it while it reads the answer)."""
    assert LIB is not None
    buf = ctypes.create_string_buffer(65536)
    err, herr, ttl = ctypes.c_int(), ctypes.c_int(), ctypes.c_int32()
    tail = (buf, ctypes.c_size_t(len(buf)), ctypes.byref(err), ctypes.byref(herr))
    status: int = getattr(LIB, entry)(*head, *tail, ctypes.byref(ttl))
    return status, buf


def theirs4(name: str) -> tuple[Any, ...]:
    """``_nss_myhostname_gethostbyname4_r(name)``: (status, canonical name, addresses)."""
    pat = ctypes.POINTER(_Tuple)()
    status, _buf = _nss("_nss_myhostname_gethostbyname4_r", name.encode(), ctypes.byref(pat))
    if status != 1:
        return (_STATUS.get(status, status), "", ())
    addresses = []
    canon = ""
    node = pat
    while node:
        t = node.contents
        if t.name and not canon:
            canon = t.name.decode()
        size = 4 if t.family == socket.AF_INET else 16
        packed = bytes(t.addr)[:size]
        addresses.append((t.family, socket.inet_ntop(t.family, packed), t.scopeid))
        node = t.next
    return ("success", canon, tuple(addresses))


def ours4(name: str) -> tuple[Any, ...]:
    answer: HostAnswer = mh.gethostbyname4(myhost.host(), name)
    if answer.status is not Status.SUCCESS:
        return (answer.status.value, "", ())
    addresses = tuple(
        (a.family, socket.inet_ntop(a.family, a.packed), a.scope_id) for a in answer.addresses
    )
    return ("success", answer.name, addresses)


NAMES = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "localhost.localdomain",
    "foo.localhost",
    "_gateway",
    "_outbound",
    "nothere.invalid",
    "",
]


@pytest.mark.parametrize("name", [*NAMES, "<node name>", "<node name, upper case>"])
def test_gethostbyname4_is_the_modules(name: str) -> None:
    node = socket.gethostname()
    if name == "<node name>":
        name = node
    elif name == "<node name, upper case>":
        name = node.upper()
    ours, theirs = ours4(name), theirs4(name)
    for _ in range(4):  # the network may change between the two reads
        if ours == theirs:
            break
        ours, theirs = ours4(name), theirs4(name)
    assert ours == theirs


class _Hostent(ctypes.Structure):
    _fields_ = [
        ("h_name", ctypes.c_char_p),
        ("h_aliases", ctypes.POINTER(ctypes.c_char_p)),
        ("h_addrtype", ctypes.c_int),
        ("h_length", ctypes.c_int),
        ("h_addr_list", ctypes.POINTER(ctypes.POINTER(ctypes.c_char))),
    ]


def _strings(array: Any) -> tuple[str, ...]:
    out = []
    i = 0
    while array[i]:
        out.append(array[i].decode())
        i += 1
    return tuple(out)


def theirs_addr(family: int, text: str) -> tuple[Any, ...]:
    """``_nss_myhostname_gethostbyaddr2_r``: (status, name, aliases, addresses)."""
    packed = socket.inet_pton(family, text)
    ent = _Hostent()
    head = (packed, ctypes.c_uint(len(packed)), ctypes.c_int(family), ctypes.byref(ent))
    status, _buf = _nss("_nss_myhostname_gethostbyaddr2_r", *head)
    if status != 1:
        return (_STATUS.get(status, status), "", (), ())
    addresses = []
    i = 0
    while ent.h_addr_list[i]:
        raw = ctypes.string_at(ent.h_addr_list[i], ent.h_length)
        addresses.append(socket.inet_ntop(family, raw))
        i += 1
    return ("success", ent.h_name.decode(), _strings(ent.h_aliases), tuple(addresses))


def ours_addr(family: int, text: str) -> tuple[Any, ...]:
    answer = mh.gethostbyaddr(myhost.host(), family, socket.inet_pton(family, text))
    if answer.status is not Status.SUCCESS:
        return (answer.status.value, "", (), ())
    addresses = tuple(socket.inet_ntop(a.family, a.packed) for a in answer.addresses)
    return ("success", answer.name, answer.aliases, addresses)


def _addresses() -> list[tuple[int, str]]:
    fixed = ["127.0.0.1", "127.0.0.2", "::1", "192.0.2.99", "2001:db8::99", "0.0.0.0", "::"]
    own = [a.packed for a in myhost.dump_addresses()]
    texts = {socket.inet_ntop(socket.AF_INET6 if len(p) == 16 else socket.AF_INET, p) for p in own}
    return [
        (socket.AF_INET6 if ":" in t else socket.AF_INET, t) for t in sorted(texts | set(fixed))
    ]


def test_gethostbyaddr_is_the_modules() -> None:
    cases = _addresses()

    def read() -> tuple[list[Any], list[Any]]:
        return [ours_addr(f, t) for f, t in cases], [theirs_addr(f, t) for f, t in cases]

    ours, theirs = read()
    for _ in range(4):  # the network may change between the two reads
        if ours == theirs:
            break
        ours, theirs = read()
    assert ours == theirs
    assert ("success", "localhost", (), ("127.0.0.1",)) in theirs
