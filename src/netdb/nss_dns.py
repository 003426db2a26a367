"""The ``dns`` source of the hosts database: glibc 2.36's ``resolv/nss_dns/dns-host.c``.

Generators over the requests of ``dns/ops.py`` (the sans-I/O core), returning a
:class:`~netdb.hostent.HostAnswer` exactly as glibc's NSS functions would fill a ``hostent`` or
an address-tuple list, status and ``h_errno`` included:

* :func:`gethostbyname4` (getaddrinfo, ``AF_UNSPEC``): A and AAAA in parallel through
  ``res_search``; the replies read in arrival order; the canonical name is the last CNAME target
  that is a valid host name before the first address.
* :func:`gethostbyname3` (one family; ``gethostbyname2``/``gethostbyname`` check the name
  first): the query name and every valid CNAME target become aliases, the last of them the
  official name; addresses are the records of the asked type owned by the current name of the
  chain.
* :func:`gethostbyaddr`: the PTR query for the reverse name (``res_query``, no search list),
  following CNAMEs; the first PTR owned by the current name gives the host name.

The quirks kept on purpose, because glibc has them: an owner name is never checked against the
chain for CNAME records; a name becomes an alias only if it is a host name (letters, digits,
``-``, ``_``, not starting with ``-``) and prints in at most 256 characters (MAXHOSTNAMELEN as
dns-host.c redefines it); the reverse lookup refuses a PTR whose target is not a host name; the
query name must be a host name for ``gethostbyname2``/``4``; a successful A/AAAA pair still
leaves HOST_NOT_FOUND in ``h_errno`` when the second reply had no address.
"""

from __future__ import annotations

import errno as _errno
import functools
import re
from collections.abc import Generator, Sequence
from typing import Any

from .constants import AF_INET, AF_INET6
from .dns.ops import HErrno, Op
from .dns.search import A_AND_AAAA, Context, QueryResult, hostalias, res_query, res_search
from .dns.wire import name_from_text
from .errors import HOST_NOT_FOUND, NO_DATA, NO_RECOVERY, TRY_AGAIN
from .hostent import ERANGE, Address, HostAnswer, Status

NETDB_INTERNAL = -1
NETDB_SUCCESS = 0
MAXHOSTNAMELEN = 256  # dns-host.c redefines it (sys/param.h says 64)
NS_MAXCDNAME = 255
T_A, T_CNAME, T_PTR, T_AAAA = 1, 5, 12, 28
C_IN = 1
_RDLEN = {T_A: 4, T_AAAA: 16}


# --- glibc's wire-format name helpers (ns_name.c, res-name-checking.c) ----------------------


class _Bad(Exception):
    """A packet glibc's parser refuses."""


# What the name starting at an offset reads as, in one packet: (the name from there on, the
# bytes examined up to its last pointer jump or -1 when it has none, the offset just after the
# name as written there).  See :func:`unpack_name`.
Memo = dict[int, tuple[bytes, int, int]]


def unpack_name(msg: bytes, offset: int, memo: Memo) -> tuple[bytes, int]:
    """glibc ``ns_name_unpack``: (uncompressed name, bytes used at ``offset``).

    Pointers may point anywhere before the end (forward too); a loop is caught by counting the
    bytes examined (checked after each jump, against the packet's length); the name may take at
    most 255 bytes.

    Bounded work: ``memo`` (one per packet) keeps what every offset read so far reads as, and a
    walk stops at the first offset already read, so every byte is walked at most once per packet
    and a packet costs time linear in its size, where glibc (in C) pays the square of it for
    chains of pointers.  The outcome is glibc's: the walk from an offset does not depend on how
    it was reached, and both limits add up (the name's length, and the bytes examined, whose
    largest value is the one at the last jump).
    """
    hit = memo.get(offset)
    if hit is not None:
        return hit[0], hit[2] - offset
    end = len(msg)
    steps: list[tuple[int, bytes | None, int]] = []  # (offset, label | None for a jump, checked)
    size = 0  # bytes of the labels so far
    checked = 0
    last = -1  # ``checked`` just after the last jump
    src = offset
    while True:
        if src >= end:
            raise _Bad
        n = msg[src]
        if n == 0:
            tail: tuple[bytes, int, int] = (b"\x00", -1, src + 1)
            break
        kind = n & 0xC0
        if kind == 0:
            if size + n + 1 >= NS_MAXCDNAME or src + 1 + n >= end:
                raise _Bad
            steps.append((src, msg[src : src + 1 + n], checked))
            size += n + 1
            checked += n + 1
            src += 1 + n
        elif kind == 0xC0:
            if src + 1 >= end:
                raise _Bad
            target = ((n & 0x3F) << 8) | msg[src + 1]
            if target >= end:
                raise _Bad
            steps.append((src, None, checked))
            checked += 2
            if checked >= end:
                raise _Bad
            last = checked
            src = target
        else:
            raise _Bad
        hit = memo.get(src)
        if hit is not None:
            if size + len(hit[0]) - 1 >= NS_MAXCDNAME or (hit[1] >= 0 and checked + hit[1] >= end):
                raise _Bad
            if hit[1] >= 0:
                last = checked + hit[1]
            tail = hit
            break
    # Every offset walked now reads as the rest of this name from there on.
    name, _rel, after = tail
    for at, label, before in reversed(steps):
        if label is not None:
            name = label + name
        else:
            after = at + 2
        memo[at] = (name, last - before if last >= 0 and last > before else -1, after)
    return name, after - offset


def uncompressed_length(msg: bytes, offset: int) -> int:
    """glibc ``__ns_name_length_uncompressed``: length of an uncompressed name, or -1."""
    p = offset
    end = len(msg)
    while True:
        if p >= end:
            return -1
        b = msg[p]
        p += 1
        if b == 0:
            return p - offset if p - offset <= NS_MAXCDNAME else -1
        if b <= 63:
            if b > end - p:
                return -1
            p += b
        else:
            return -1


_HNOK = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
# A whole wire-form name of host-name labels, matched in C: a label of n bytes is the byte n and
# n host-name bytes, so each length byte picks its own branch and nothing backtracks.
_HNOK_NAME = re.compile(
    b"(?:"
    + b"|".join(re.escape(bytes([n])) + b"[0-9A-Za-z_-]{%d}" % n for n in range(1, 64))
    + b")*\x00"
)


def binary_hnok(name: bytes) -> bool:
    """glibc ``__res_binary_hnok``: every label made of [0-9A-Za-z_-], no leading ``-``.

    Time linear in the name with no Python step per label: a reply can hold thousands of
    names of 127 labels (see ``unpack_name``)."""
    if name[0] and name[1] == 0x2D:
        return False
    return _HNOK_NAME.fullmatch(name) is not None


_SPECIAL = frozenset(b'".;\\()@$')
# Host-name bytes, and the dots that replace label lengths.
_PLAIN = _HNOK | {0x2E}


def name_ntop(name: bytes, size: int) -> str | None:
    """glibc ``ns_name_ntop`` into a buffer of ``size`` bytes: the text, or None if too long."""
    if name == b"\x00":
        return "." if size >= 2 else None
    # Fast path: every label made of letters, digits, "-" and "_" prints as itself.
    raw = bytearray(name[1:-1])
    i = name[0]
    dots = 0
    while i < len(raw):
        n = raw[i]
        raw[i] = 0x2E
        dots += 1
        i += n + 1
    if _PLAIN.issuperset(raw) and raw.count(0x2E) == dots:
        text = raw.decode("ascii")
        return text if len(text) + 1 <= size else None
    parts: list[str] = []
    i = 0
    while name[i]:
        n = name[i]
        label = []
        for c in name[i + 1 : i + 1 + n]:
            if c in _SPECIAL:
                label.append("\\" + chr(c))
            elif c <= 0x20 or c >= 0x7F:
                label.append("\\%03d" % c)
            else:
                label.append(chr(c))
        parts.append("".join(label))
        i += n + 1
    text = ".".join(parts) if parts else "."
    if len(text) + 1 > size:
        return None
    return text


def same_name(a: bytes, b: bytes) -> bool:
    """glibc ``__ns_samebinaryname``: equal names, ASCII letters compared without case."""
    return a.upper() == b.upper() if a.isascii() and b.isascii() else _same_slow(a, b)


def _same_slow(a: bytes, b: bytes) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x != y and not (
            (0x61 <= x <= 0x7A and x - 32 == y) or (0x61 <= y <= 0x7A and y - 32 == x)
        ):
            return False
    return True


class _Cursor:
    """glibc ``ns_rr_cursor``: one question (uncompressed name), then records one by one."""

    __slots__ = ("ancount", "memo", "msg", "pos", "qname", "qtype", "rcode")

    def __init__(self, msg: bytes) -> None:
        if len(msg) < 12 or msg[4] != 0 or msg[5] != 1:
            raise _Bad
        length = uncompressed_length(msg, 12)
        if length < 0 or len(msg) - (12 + length) < 4:
            raise _Bad
        self.msg = msg
        self.qname = msg[12 : 12 + length]
        self.qtype = int.from_bytes(msg[12 + length : 14 + length], "big")
        self.pos = 12 + length + 4
        self.ancount = int.from_bytes(msg[6:8], "big")
        self.rcode = msg[3] & 0xF
        self.memo: Memo = {}

    def next(self) -> tuple[bytes, int, int, int, int]:
        """(owner, type, class, rdata offset, rdata length) of the next record."""
        msg = self.msg
        pos = self.pos
        if pos + 1 < len(msg) and msg[pos] == 0xC0 and msg[pos + 1] == 12:
            # The usual owner: a pointer to the question name (already checked).
            owner = self.qname
            p = pos + 2
        else:
            owner, used = unpack_name(msg, pos, self.memo)
            p = pos + used
        if len(msg) - p < 10:
            raise _Bad
        rtype = (msg[p] << 8) | msg[p + 1]
        rclass = (msg[p + 2] << 8) | msg[p + 3]
        rdlen = (msg[p + 8] << 8) | msg[p + 9]
        p += 10
        if len(msg) - p < rdlen:
            raise _Bad
        self.pos = p + rdlen
        return owner, rtype, rclass, p, rdlen


# --- reading answers ------------------------------------------------------------------------


def _store_alias(name: bytes, aliases: list[str]) -> bool:
    """glibc ``getanswer_r_store_alias``: keep ``name`` if it is a printable host name."""
    if not binary_hnok(name):
        return False
    text = name_ntop(name, MAXHOSTNAMELEN + 1)
    if text is None:
        return False
    aliases.append(text)
    return True


def getanswer(packet: bytes, qtype: int, family: int, buflen: int | None = None) -> HostAnswer:
    """glibc ``getanswer_r``: a ``hostent`` for one family from one reply.

    ``buflen``: the caller's buffer is that many bytes and cannot grow (CPython's
    ``gethostbyname_ex``); a ``hostent`` that does not fit is :data:`~netdb.hostent.ERANGE`.
    glibc fills the buffer in record order: each alias's text and NUL, each address aligned to 4
    bytes, then the address and alias pointer arrays aligned to 8 (``gethostbyname3_context``).
    """
    answer, used = _hostent(packet, qtype, family)
    if buflen is not None and used > buflen:
        return ERANGE
    return answer


@functools.lru_cache(maxsize=8)
def _hostent(packet: bytes, qtype: int, family: int) -> tuple[HostAnswer, int]:
    """:func:`getanswer`'s reading of ``packet``: the answer, and the bytes its ``hostent``
    takes of the caller's buffer (0 when it fails).  Kept for the last few replies: getaddrinfo
    asks again with its scratch buffer doubled each time the answer does not fit (as glibc, up
    to ten times for a 64 KB reply), and each try reads the same reply (from the cache, or sent
    again): it is read once."""
    try:
        c = _Cursor(packet)
    except _Bad:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY), 0
    aliases: list[str] = []
    if c.rcode == 3 or not _store_alias(c.qname, aliases):
        return HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND), 0
    expected = c.qname
    addresses: list[Address] = []
    want = _RDLEN[qtype]
    used = len(aliases[0]) + 1  # bytes of the caller's buffer taken so far
    try:
        for _ in range(c.ancount):
            owner, rtype, rclass, at, rdlen = c.next()
            if rclass != C_IN:
                continue
            if rtype == T_CNAME:
                # No check of the owner against the chain, as glibc.
                target, _used = unpack_name(packet, at, c.memo)
                if _store_alias(target, aliases):
                    used += len(aliases[-1]) + 1
                expected = target
            elif rtype == qtype and rdlen == want and same_name(owner, expected):
                addresses.append(Address(family, packet[at : at + rdlen]))
                used = -(-used // 4) * 4 + rdlen
    except _Bad:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY), 0
    if not addresses:
        return HostAnswer(Status.TRYAGAIN, h_errno=NO_RECOVERY), 0
    used = -(-used // 8) * 8 + 8 * (len(addresses) + 1) + 8 * len(aliases)
    answer = HostAnswer(
        Status.SUCCESS,
        name=aliases[-1],
        aliases=tuple(aliases[:-1]),
        addresses=tuple(addresses),
        h_errno=NETDB_SUCCESS,
    )
    return answer, used


def _answer_slice(
    packet: bytes, out: list[Address], store_canon: bool
) -> tuple[Status, int, str | None, bool]:
    """glibc ``gaih_getanswer_slice``: (status, h_errno, canonical name, canon stored), the
    addresses appended to ``out``."""
    status, h_errno, canon, stored, found = _slice(packet, store_canon)
    out += found
    return status, h_errno, canon, stored


@functools.lru_cache(maxsize=8)
def _slice(
    packet: bytes, store_canon: bool
) -> tuple[Status, int, str | None, bool, tuple[Address, ...]]:
    """:func:`_answer_slice`'s reading of ``packet``, with the addresses it found.  Kept for
    the last few replies, as :func:`_hostent`: :func:`gaih_overflows` and
    :func:`gaih_getanswer` read the same replies, on every try of getaddrinfo's growing
    scratch buffer."""
    out: list[Address] = []
    try:
        c = _Cursor(packet)
    except _Bad:
        return Status.UNAVAIL, NO_RECOVERY, None, False, ()
    qtype = c.qtype
    expected = c.qname
    canon_name: bytes | None = c.qname
    canon: str | None = None
    stored = False
    if c.ancount == 0 or not binary_hnok(c.qname):
        return Status.NOTFOUND, HOST_NOT_FOUND, None, False, ()
    have = False
    try:
        for _ in range(c.ancount):
            owner, rtype, _rclass, at, rdlen = c.next()
            if rtype == T_CNAME:
                target, _used = unpack_name(packet, at, c.memo)
                expected = target
                if store_canon and binary_hnok(target):
                    canon_name = target
            elif rtype == qtype and rdlen == _RDLEN.get(qtype, -1) and same_name(owner, expected):
                if store_canon and canon_name is not None:
                    canon = name_ntop(canon_name, MAXHOSTNAMELEN + 1)
                    stored = True
                    store_canon = False
                out.append(Address(AF_INET if rdlen == 4 else AF_INET6, packet[at : at + rdlen]))
                have = True
    except _Bad:
        return Status.UNAVAIL, NO_RECOVERY, canon, stored, tuple(out)
    if have:
        return Status.SUCCESS, NETDB_SUCCESS, canon, stored, tuple(out)
    return Status.NOTFOUND, HOST_NOT_FOUND, canon, stored, tuple(out)


def gaih_getanswer(packet1: bytes, packet2: bytes | None) -> HostAnswer:
    """glibc ``gaih_getanswer``: both replies, statuses combined as glibc's table says."""
    out: list[Address] = []
    status, h_errno = Status.NOTFOUND, HOST_NOT_FOUND
    canon: str | None = None
    if packet1:
        status, h_errno, canon, _stored = _answer_slice(packet1, out, True)
    if status in (Status.SUCCESS, Status.NOTFOUND) and packet2:
        status2, h2, canon2, _stored2 = _answer_slice(packet2, out, status is not Status.SUCCESS)
        if canon is None:
            canon = canon2
        h_errno = h2  # the second slice writes h_errno whatever the first said
        if status is not Status.SUCCESS and status2 is not Status.NOTFOUND:
            status = status2
    if status is Status.SUCCESS:
        # h_errno is what the last slice stored, even on success (HOST_NOT_FOUND when the
        # second reply had no address).
        return HostAnswer(Status.SUCCESS, name=canon or "", addresses=tuple(out), h_errno=h_errno)
    return HostAnswer(status, h_errno=h_errno)


GAIH_TUPLE = 40
"""``sizeof (struct gaih_addrtuple)`` on LP64 (next, name, family, addr[4], scopeid)."""


def fits_surely(count: int, buflen: int, *, tuples: bool) -> bool:
    """Whether an answer of ``count`` addresses and one name (no alias) fits a ``buflen``
    buffer whatever the name: the most either accounting can take for it, the name at its
    longest (255 octets and a NUL).  ``tuples``: :func:`gaih_overflows`' (the name, padding,
    one ``gaih_addrtuple`` per address), else :func:`getanswer`'s ``hostent`` (the name, each
    address with its padding and pointer, the NULLs).  Lets a caller skip the exact reckoning."""
    if tuples:
        return 256 + 8 + GAIH_TUPLE * count <= buflen
    return 256 + 16 + 24 * count <= buflen


def gaih_overflows(packet1: bytes, packet2: bytes | None, buflen: int) -> bool:
    """Whether :func:`gaih_getanswer`'s tuples outgrow its caller's ``buflen``-byte buffer
    (glibc then fails with ERANGE, and getaddrinfo doubles the buffer and asks again).

    ``gaih_getanswer_slice`` takes from the buffer, for each address, a ``struct
    gaih_addrtuple`` aligned to 8 bytes, and right after the first one that carries it, the
    canonical name's text and NUL; it reads the replies as :func:`gaih_getanswer` does."""
    used = 0
    store = True
    for packet in (packet1, packet2):
        if not packet:
            continue
        status, _h, canon, stored, found = _slice(packet, store)
        for i in range(len(found)):
            used = -(-used // 8) * 8 + GAIH_TUPLE
            if i == 0 and stored and canon is not None:
                used += len(canon) + 1
        if status not in (Status.SUCCESS, Status.NOTFOUND):
            break
        store = store and status is not Status.SUCCESS
    return used > buflen


def getanswer_ptr(packet: bytes) -> HostAnswer:
    """glibc ``getanswer_ptr``: the host name from a PTR reply (CNAMEs followed)."""
    try:
        c = _Cursor(packet)
    except _Bad:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY)
    expected = c.qname
    try:
        for _ in range(c.ancount):
            owner, rtype, rclass, at, _rdlen = c.next()
            if rclass != C_IN:
                continue
            if rtype == T_CNAME:
                expected, _used = unpack_name(packet, at, c.memo)
            elif rtype == T_PTR and same_name(owner, expected):
                target, _used = unpack_name(packet, at, c.memo)
                # The target must be a host name (glibc 2.36's source reads as if it checked
                # the owner when no CNAME came first; Debian 12's glibc checks the target).
                text = name_ntop(target, MAXHOSTNAMELEN + 1) if binary_hnok(target) else None
                if text is None:
                    return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY)
                return HostAnswer(Status.SUCCESS, name=text, h_errno=NETDB_SUCCESS)
    except _Bad:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY)
    return HostAnswer(Status.TRYAGAIN, h_errno=NO_RECOVERY)


# --- the NSS entry points ---------------------------------------------------------------------


def hnok_wire(name: str) -> bytes | None:
    """glibc ``res_hnok`` on a text name (printable ASCII, encodable, a host name), giving the
    name's wire form when it passes and None when not."""
    if not (name.isascii() and name.isprintable()) or " " in name:
        return None
    try:
        wname = name_from_text(name)
    except ValueError:
        return None
    return wname if binary_hnok(wname) else None


@functools.lru_cache(maxsize=4096)
def res_hnok(name: str) -> bool:
    """glibc ``res_hnok`` on a text name: printable ASCII, encodable, a host name."""
    return hnok_wire(name) is not None


def _search_failed(r: QueryResult) -> Generator[Op, Any, HostAnswer]:
    """The status ``_nss_dns_gethostbyname*_r`` gives when ``res_search`` fails."""
    e = r.errno
    if e == _errno.ESRCH:
        yield HErrno(TRY_AGAIN)
        return HostAnswer(Status.TRYAGAIN, h_errno=TRY_AGAIN)
    if e in (_errno.EMFILE, _errno.ENFILE):
        yield HErrno(NETDB_INTERNAL)
        return HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
    if e in (_errno.ECONNREFUSED, _errno.ETIMEDOUT):
        return HostAnswer(Status.UNAVAIL, h_errno=r.h_errno)
    return HostAnswer(Status.NOTFOUND, h_errno=r.h_errno)


# The answer buffers the host lookups give res_search (with answerp, so that glibc may replace
# them with larger ones): gethostbyname3_context's 1,024 bytes, gethostbyname4's 2,048 (whose
# no-aaaa query passes no answerp: its buffer is never replaced).
HOST_ANSLEN = 1024
GAI_ANSLEN = 2048


def _aliased(ctx: Context, name: str) -> str:
    """The name nss_dns searches: a name with no dot becomes the one HOSTALIASES gives it (and
    ``res_search`` then looks that one up in the file again)."""
    if "." in name:
        return name
    alias = hostalias(ctx, name)
    return name if alias is None else alias


def gethostbyname4(
    ctx: Context, name: str, buflen: int | None = None
) -> Generator[Op, Any, HostAnswer]:
    """``_nss_dns_gethostbyname4_r``: A and AAAA (only A with ``no-aaaa``); ``buflen``: the
    caller's buffer (getaddrinfo's scratch buffer), too small for the answer: :data:`ERANGE`."""
    if not res_hnok(name):
        return HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND)
    name = _aliased(ctx, name)
    if ctx.config.no_aaaa:
        r = yield from res_search(ctx, name, T_A)
        if r.n < 0:
            return (yield from _search_failed(r))
        if buflen is not None and gaih_overflows(r.answer1[: r.n], None, buflen):
            return ERANGE
        return gaih_getanswer(r.answer1[: r.n], None)
    r = yield from res_search(ctx, name, A_AND_AAAA, GAI_ANSLEN)
    if r.n < 0:
        return (yield from _search_failed(r))
    if buflen is not None and gaih_overflows(r.answer1[: r.n], r.answer2 or None, buflen):
        return ERANGE
    return gaih_getanswer(r.answer1[: r.n], r.answer2 or None)


def gethostbyname3(
    ctx: Context, name: str, family: int, *, check: bool = False, buflen: int | None = None
) -> Generator[Op, Any, HostAnswer]:
    """``_nss_dns_gethostbyname3_r`` (``check=True``: ``gethostbyname2_r``/``gethostbyname_r``,
    which refuse a query name that is not a host name); ``buflen`` as for :func:`getanswer`."""
    if check and not res_hnok(name):
        return HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND)
    if family == AF_INET:
        qtype = T_A
    elif family == AF_INET6:
        qtype = T_AAAA
    else:
        return HostAnswer(Status.UNAVAIL, h_errno=NO_DATA)
    name = _aliased(ctx, name)
    r = yield from res_search(ctx, name, qtype, HOST_ANSLEN)
    if r.n < 0:
        return (yield from _search_failed(r))
    ans = getanswer(r.answer1[: r.n], qtype, family, buflen)
    if ans.status is Status.SUCCESS and qtype == T_A and ctx.config.sortlist:
        ans = HostAnswer(
            ans.status,
            ans.name,
            ans.aliases,
            addrsort(ans.addresses, ctx.config.sortlist),
            ans.h_errno,
        )
    return ans


def addrsort(
    addresses: Sequence[Address], sortlist: Sequence[tuple[bytes, bytes]]
) -> tuple[Address, ...]:
    """glibc ``addrsort``: IPv4 answers ordered by the first ``sortlist`` entry they match.

    An insertion sort over at most 35 (MAX_NR_ADDRS) addresses that starts at the first one out
    of order, as glibc's, so equal ranks keep their order.  An address's rank is the index of
    the first entry whose network is the address under its mask (the entry count when none
    is), kept in a C ``short`` as glibc keeps it.  The entries are looked up by mask and
    network (:func:`_sort_index`), not walked, so a long sortlist costs its distinct masks.
    """
    ap = list(addresses)
    num = min(len(ap), 35)
    index = _sort_index(sortlist)
    nsort = len(sortlist)
    aval: list[int] = []
    needsort = 0
    for i in range(num):
        addr = int.from_bytes(ap[i].packed, "big")
        j = nsort
        for mask, first in index:
            found = first.get(addr & mask, nsort)
            if found < j:
                j = found
        j = ((j + 0x8000) & 0xFFFF) - 0x8000  # short aval[]
        aval.append(j)
        if needsort == 0 and i > 0 and j < aval[i - 1]:
            needsort = i
    if not needsort:
        return tuple(ap)
    while True:
        needsort += 1
        if needsort > num:
            break
        j = needsort - 2
        while j >= 0:
            if aval[j] > aval[j + 1]:
                aval[j], aval[j + 1] = aval[j + 1], aval[j]
                ap[j], ap[j + 1] = ap[j + 1], ap[j]
            else:
                break
            j -= 1
    return tuple(ap)


_SORT_INDEX: tuple[object, list[tuple[int, dict[int, int]]]] = ((), [])


def _sort_index(sortlist: Sequence[tuple[bytes, bytes]]) -> list[tuple[int, dict[int, int]]]:
    """``sortlist`` by mask: (mask, {network: index of its first entry}), built once per
    sortlist (the last one asked is kept)."""
    global _SORT_INDEX
    kept, index = _SORT_INDEX
    if kept is sortlist:
        return index
    by_mask: dict[int, dict[int, int]] = {}
    for j, (net, mask) in enumerate(sortlist):
        by_mask.setdefault(int.from_bytes(mask, "big"), {}).setdefault(
            int.from_bytes(net, "big"), j
        )
    index = list(by_mask.items())
    _SORT_INDEX = (sortlist, index)
    return index


_MAPPED = bytes(10) + b"\xff\xff"
_TUNNELLED = bytes(12)


def reverse_name(family: int, packed: bytes) -> str:
    """The PTR query name glibc builds (``in-addr.arpa`` or nibbles under ``ip6.arpa``)."""
    if family == AF_INET:
        return "%d.%d.%d.%d.in-addr.arpa" % (packed[3], packed[2], packed[1], packed[0])
    hexd = packed.hex()
    return ".".join(reversed(hexd)) + ".ip6.arpa"


def gethostbyaddr(ctx: Context, family: int, packed: bytes) -> Generator[Op, Any, HostAnswer]:
    """``_nss_dns_gethostbyaddr2_r``: PTR for the address (IPv4-mapped and -compatible IPv6
    addresses are looked up as IPv4)."""
    if (
        family == AF_INET6
        and len(packed) == 16
        and (
            packed.startswith(_MAPPED)
            or (packed.startswith(_TUNNELLED) and packed[12:] != b"\0\0\0\x01")
        )
    ):
        packed = packed[12:]
        family = AF_INET
    if family not in (AF_INET, AF_INET6):
        return HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
    r = yield from res_query(ctx, reverse_name(family, packed), T_PTR)
    if r.n < 0:
        return HostAnswer(Status.NOTFOUND, h_errno=r.h_errno)
    ans = getanswer_ptr(r.answer1[: r.n])
    if ans.status is not Status.SUCCESS:
        return ans
    return HostAnswer(
        Status.SUCCESS, name=ans.name, addresses=(Address(family, packed),), h_errno=NETDB_SUCCESS
    )
