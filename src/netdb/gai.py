"""getaddrinfo and getnameinfo semantics, as glibc 2.36 gives them (getaddrinfo(3), getnameinfo(3)).

Owns everything between the caller's arguments (already turned into C-level values by the front:
``host``/``service`` as ``str`` or ``None``, the four hint ints) and the list of results:

* flag validation, ``"*"`` meaning "no host"/"no service", ``AI_ADDRCONFIG`` narrowing;
* the service: ``strtoul``-style numbers (leading blanks and signs allowed, wrapped to 16 bits),
  names looked up per protocol in the services database, ``AI_NUMERICSERV``;
* socket types and protocols: the table of known (type, protocol) pairs and which of them a lookup
  without hints returns (stream/TCP, datagram/UDP, raw);
* numeric hosts (BSD ``inet_aton`` forms, IPv6 with ``%scope``), ``AI_NUMERICHOST``, the wildcard
  and
  loopback addresses for a missing host, ``AI_V4MAPPED``/``AI_ALL``, ``AI_CANONNAME``;
* the error codes glibc returns at each of those steps, in glibc's order.

What needs the outside world comes in through a :class:`GaiContext`: the services and hosts
databases, which families have configured addresses, the interface index of a scope name, and the
RFC 3484/6724 order of the destinations (see ``sort.py``).  This module does no I/O.
"""

from __future__ import annotations

import errno as _errno
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from . import trace as _trace
from ._frozen import fast_init
from .address import format_ipv4, format_ipv6, parse_ipv6, parse_numeric_host
from .config._lines import digits_value
from .config.nsswitch import refused_errno
from .constants import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    AI_ADDRCONFIG,
    AI_ALL,
    AI_CANONIDN,
    AI_CANONNAME,
    AI_IDN,
    AI_NUMERICHOST,
    AI_NUMERICSERV,
    AI_PASSIVE,
    AI_V4MAPPED,
    IPPROTO_DCCP,
    IPPROTO_SCTP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPPROTO_UDPLITE,
    NI_DGRAM,
    NI_IDN,
    NI_MAXHOST,
    NI_MAXSERV,
    NI_NAMEREQD,
    NI_NOFQDN,
    NI_NUMERICHOST,
    NI_NUMERICSERV,
    SOCK_DCCP,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from .dns.ops import PAUSE, HErrno, Note, Op
from .errors import (
    EAI_ADDRFAMILY,
    EAI_AGAIN,
    EAI_BADFLAGS,
    EAI_FAMILY,
    EAI_NODATA,
    EAI_NONAME,
    EAI_OVERFLOW,
    EAI_SERVICE,
    EAI_SOCKTYPE,
    EAI_SYSTEM,
    HOST_NOT_FOUND,
    NO_DATA,
    TRY_AGAIN,
    GaiError,
)
from .hostent import ERANGE, Address, HostAnswer, Status
from .hosts import NETDB_INTERNAL, HostsDatabase
from .steps import STEP, Steps

T = TypeVar("T")

# Flags glibc accepts (AI_IDN_ALLOW_UNASSIGNED / AI_IDN_USE_STD3_ASCII_RULES are deprecated, 0x300).
_GOOD_FLAGS = (
    AI_PASSIVE
    | AI_CANONNAME
    | AI_NUMERICHOST
    | AI_ADDRCONFIG
    | AI_V4MAPPED
    | AI_IDN
    | AI_CANONIDN
    | 0x0100
    | 0x0200
    | AI_NUMERICSERV
    | AI_ALL
)
_GOOD_NI_FLAGS = (
    NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | NI_IDN | 0x40 | 0x80
)


@dataclass(frozen=True, slots=True)
class _TypeProto:
    socktype: int
    protocol: int
    proto_any: bool  # raw: any protocol number goes, and it is echoed back
    no_service: bool  # raw: a service makes no sense
    default: bool  # returned when neither type nor protocol is hinted
    name: str  # the protocol name services are looked up under


# The (socket type, protocol) pairs getaddrinfo knows, in glibc's order.
_TYPEPROTO: tuple[_TypeProto, ...] = (
    _TypeProto(SOCK_STREAM, IPPROTO_TCP, False, False, True, "tcp"),
    _TypeProto(SOCK_DGRAM, IPPROTO_UDP, False, False, True, "udp"),
    _TypeProto(SOCK_DCCP, IPPROTO_DCCP, False, False, False, "dccp"),
    _TypeProto(SOCK_DGRAM, IPPROTO_UDPLITE, False, False, False, "udplite"),
    _TypeProto(SOCK_STREAM, IPPROTO_SCTP, False, False, False, "sctp"),
    _TypeProto(SOCK_SEQPACKET, IPPROTO_SCTP, False, False, False, "sctp"),
    _TypeProto(SOCK_RAW, 0, True, True, True, "raw"),
)
_DEFAULTS = tuple(tp for tp in _TYPEPROTO if tp.default)

_SPACE = " \t\n\v\f\r"


class GaiContext(Protocol):
    """What getaddrinfo/getnameinfo need from outside: databases and kernel facts."""

    def hosts_db(self) -> HostsDatabase: ...

    def service_port(self, name: str, proto: str) -> int | None:
        """Port of service ``name`` for protocol ``proto``, or None."""

    def service_name(self, port: int, proto: str) -> str | None:
        """Name of the service on ``port`` for protocol ``proto``, or None."""

    def addrconfig(self) -> tuple[bool, bool]:
        """(an IPv4 address is configured, an IPv6 address is configured), as glibc counts."""

    def ifindex(self, name: str) -> int:
        """Interface index of ``name``, 0 when there is none."""

    def ifname(self, index: int) -> str | None:
        """Interface name of ``index``, None when there is none."""

    def order(self, addresses: Sequence[Address], group: int) -> list[int]:
        """The RFC 3484 order of the answers, each address standing for ``group`` consecutive
        answers (one per socket type): a permutation of ``len(addresses) * group`` indexes."""

    def order_steps(self, addresses: Sequence[Address], group: int) -> Steps[list[int]]:
        """:meth:`order`, stepped (:mod:`netdb.steps`), for a long answer: each step becomes a
        :class:`Pause` of the lookup."""

    def local_domain(self) -> Generator[Op, Any, str]:
        """The domain ``NI_NOFQDN`` strips (glibc's ``nrl_domainname``)."""

    def idn_to_ascii(self, name: str) -> str:
        """``AI_IDN``: a non-ASCII name (UTF-8 bytes as latin-1 text) in its ``xn--`` form;
        raises GaiError(EAI_IDN_ENCODE) when it has none."""

    def idn_to_unicode(self, name: str) -> str:
        """``AI_CANONIDN``/``NI_IDN``: ``xn--`` labels decoded to UTF-8 (as latin-1 text); the
        name unchanged when that fails."""

    @property
    def h_errno(self) -> int:
        """glibc's global ``h_errno`` as the previous lookups of this thread left it (read where
        glibc's answer depends on a value no module of this lookup wrote)."""


SockAddr = tuple[str, int] | tuple[str, int, int, int]
AddrInfo = tuple[int, int, int, str, SockAddr]


def strtoul_port(text: str) -> int | None:
    """glibc's numeric-service test: ``strtoul(text, &end, 10)`` with ``*end == 0``.

    Returns the value as getaddrinfo stores it (converted to C ``int``; may be negative) or None
    when ``text`` is not entirely a number.
    """
    i, n = 0, len(text)
    while i < n and text[i] in _SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    start = i
    while i < n and "0" <= text[i] <= "9":
        i += 1
    if i == start or i != n:
        return None
    value = digits_value(text[start:i])
    if value > 0xFFFFFFFFFFFFFFFF:
        value = 0xFFFFFFFFFFFFFFFF
    elif negative:
        value = -value & 0xFFFFFFFFFFFFFFFF
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


@fast_init
@dataclass(frozen=True, slots=True)
class _ServTuple:
    socktype: int
    protocol: int
    port: int


def _servtuples(
    ctx: GaiContext, service: str | None, num: int | None, socktype: int, protocol: int
) -> list[_ServTuple]:
    """glibc's ``get_servtuples``: the (type, protocol, port) triples results are made of."""
    tp: _TypeProto | None = None
    if socktype or protocol:
        for cand in _TYPEPROTO:
            if socktype and socktype != cand.socktype:
                continue
            if protocol and not cand.proto_any and protocol != cand.protocol:
                continue
            tp = cand
            break
        if tp is None:
            raise GaiError(EAI_SOCKTYPE if socktype else EAI_SERVICE)
    if service is not None and tp is not None and tp.no_service:
        raise GaiError(EAI_SERVICE)
    if service is None or (num is not None and num >= 0):
        port = (num or 0) & 0xFFFF if service is not None else 0
        if tp is not None:
            return [_ServTuple(tp.socktype, protocol if tp.proto_any else tp.protocol, port)]
        return [_ServTuple(d.socktype, d.protocol, port) for d in _DEFAULTS]
    if tp is not None:
        found = ctx.service_port(service, tp.name)
        if found is None:
            raise GaiError(EAI_SERVICE)
        return [_ServTuple(tp.socktype, protocol if tp.proto_any else tp.protocol, found)]
    out: list[_ServTuple] = []
    for cand in _TYPEPROTO:
        if cand.no_service:
            continue
        if socktype and socktype != cand.socktype:
            continue
        if protocol and not cand.proto_any and protocol != cand.protocol:
            continue
        found = ctx.service_port(service, cand.name)
        if found is not None:
            out.append(_ServTuple(cand.socktype, cand.protocol, found))
    if not out:
        raise GaiError(EAI_SERVICE)
    return out


_V4MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"


def _map4(packed: bytes) -> bytes:
    return _V4MAPPED_PREFIX + packed


@dataclass(slots=True)
class _Found:
    addresses: list[Address]
    canon: str | None = None
    got_ipv6: bool = False


def _numeric(ctx: GaiContext, name: str, family: int, flags: int) -> _Found | None:
    """glibc's ``text_to_binary_address``; None when ``name`` is not numeric."""
    num = parse_numeric_host(name, ctx.ifindex)
    if num is None:
        # An IPv6 address whose scope glibc cannot use is an error, not a name to look up; the
        # family check comes first (text_to_binary_address).
        head, percent, _ = name.partition("%")
        packed6 = parse_ipv6(head) if percent else None
        if packed6 is not None:
            if family == AF_INET and not packed6.startswith(_V4MAPPED_PREFIX):
                raise GaiError(EAI_ADDRFAMILY)
            if family not in (AF_UNSPEC, AF_INET6, AF_INET):
                raise GaiError(EAI_ADDRFAMILY)
            raise GaiError(EAI_NONAME)
        if flags & AI_NUMERICHOST:
            raise GaiError(EAI_NONAME)
        return None
    canon = name if flags & AI_CANONNAME else None
    if num.family == AF_INET:
        if family in (AF_UNSPEC, AF_INET):
            return _Found([Address(AF_INET, num.packed)], canon)
        if family == AF_INET6 and flags & AI_V4MAPPED:
            return _Found([Address(AF_INET6, _map4(num.packed))], canon)
        raise GaiError(EAI_ADDRFAMILY)
    if family in (AF_UNSPEC, AF_INET6):
        return _Found([Address(AF_INET6, num.packed, num.scope_id)], canon)
    if family == AF_INET and num.packed.startswith(_V4MAPPED_PREFIX):
        return _Found([Address(AF_INET, num.packed[12:])], canon)
    raise GaiError(EAI_ADDRFAMILY)


def _system(db: HostsDatabase, errno_value: int | None) -> GaiError:
    """``EAI_SYSTEM``, carrying in ``errno`` what glibc's ``errno`` holds then (None: unknown),
    which CPython reports as ``OSError(errno, strerror(errno))``: EINVAL (EISDIR) when glibc
    refused (could not read) nsswitch.conf, else ``errno_value`` (EBUSY: a module that could not
    be loaded, or a ``merge`` action, ended getaddrinfo's walk), else EISDIR when the hosts file
    could not be read."""
    refusal = refused_errno(getattr(db.sources[0], "name", "")) if db.sources else None
    if refusal is not None:
        errno_value = refusal
    elif errno_value is None and db.hosts.unreadable:
        errno_value = db.hosts.unreadable
    return GaiError(EAI_SYSTEM, errno=errno_value)


def _walk_errno(db: HostsDatabase, ans: HostAnswer) -> int | None:
    """glibc's errno after getaddrinfo's walk ended UNAVAIL with NETDB_INTERNAL: EBUSY when the
    last source's module could not be loaded or asked to merge, else unknown."""
    if ans.trace:
        source, status = ans.trace[-1]
        if not db.serves(source) or status in ("success", "notfound"):
            return _errno.EBUSY
    return None


SCRATCH_BUFLEN = 1024
"""The first buffer getaddrinfo hands ``gethostbyname2_r`` (a ``struct scratch_buffer``)."""


def _written(
    gen: Generator[Op, Any, HostAnswer], seen: list[int]
) -> Generator[Op, Any, HostAnswer]:
    """``gen``'s requests passed on, with the values it stores in the global h_errno (its
    ``HErrno`` requests) appended to ``seen``."""
    try:
        op = gen.send(None)
        while True:
            if isinstance(op, HErrno):
                seen.append(op.value)
            op = gen.send((yield op))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def _merge_refused(db: HostsDatabase, ans: HostAnswer) -> bool:
    """Did ``gethostby*_r`` fail on a ``merge`` the hosts database cannot do (EINVAL)?

    ``hosts.walk_steps`` answers UNAVAIL then while the last source that ran (sources no module
    serves are passed over) succeeded; no module wrote ``h_errnop`` for that failure."""
    if ans.status is not Status.UNAVAIL:
        return False
    ran = [status for source, status in ans.trace if db.serves(source)]
    return ran[-1:] == ["success"]


def _simple(ctx: GaiContext, db: HostsDatabase, name: str) -> Generator[Op, Any, _Found]:
    """glibc's ``try_simple_gethostbyname`` (``AF_INET`` without ``AI_CANONNAME``)."""
    seen: list[int] = []
    size = SCRATCH_BUFLEN
    if db.overflows_first(name, AF_INET, size):
        # The first try's ERANGE leaves NETDB_INTERNAL in the global h_errno; the retry with a
        # larger buffer writes it only if a module fails.
        seen.append(NETDB_INTERNAL)
        yield HErrno(NETDB_INTERNAL)
        size = _doubled(lambda n: db.overflows_first(name, AF_INET, n), size)
    # The dns module's hostent must fit the scratch buffer too: each ERANGE (NETDB_INTERNAL
    # stored) makes glibc double the buffer and run the whole walk again, queries and all.
    dns = any(getattr(s, "name", "") == "dns" for s in db.sources)
    ans, _ = yield from _grown(
        lambda n: _written(
            db.gethostbyname2(name, AF_INET, global_h=True, buflen=n if dns else None), seen
        ),
        size,
    )
    if _merge_refused(db, ans):
        # gethostbyname2_r returned EINVAL with h_errno as it found it: the global h_errno this
        # lookup (or, before it, the thread's previous lookups) left decides, as in glibc: after
        # a lookup that left NETDB_INTERNAL this is EAI_SYSTEM (errno EINVAL), after one that
        # left TRY_AGAIN EAI_AGAIN, else EAI_NODATA.  The answer depends on that history: the
        # note keeps it out of the resolver's memo.
        yield Note(0.0)
        h_errno = seen[-1] if seen else ctx.h_errno
        if h_errno == NETDB_INTERNAL:
            raise GaiError(EAI_SYSTEM, errno=_errno.EINVAL)
        if h_errno == TRY_AGAIN:
            raise GaiError(EAI_AGAIN)
        raise GaiError(EAI_NODATA)
    if ans.status is Status.SUCCESS:
        if not ans.addresses:
            raise GaiError(EAI_NONAME)
        return _Found([Address(AF_INET, a.packed[:4]) for a in ans.addresses])
    if (
        ans.status is Status.NOTFOUND
        or (
            ans.trace
            and refused_errno(ans.trace[-1][0]) is None
            and not any(db.serves(source) for source, _ in ans.trace)
        )
        or (
            # The dns module's UNAVAIL when the query failed (ECONNREFUSED, ETIMEDOUT) puts
            # errno back as it found it (0): with HOST_NOT_FOUND (a search walk whose last name
            # failed after an NXDOMAIN) the return is 0.  Its other failures set errno.
            ans.status is Status.UNAVAIL
            and ans.trace
            and ans.trace[-1][0] == "dns"
            and ans.h_errno == HOST_NOT_FOUND
        )
    ):
        # gethostbyname2_r returned 0: found nothing, or no module could be loaded at all (errno
        # untouched), or the module restored errno; h_errno decides between NODATA and NONAME.
        if ans.h_errno == NO_DATA:
            raise GaiError(EAI_NODATA)
        raise GaiError(EAI_NONAME)
    if ans.h_errno == NETDB_INTERNAL:
        raise _system(db, None)
    if ans.h_errno == TRY_AGAIN:
        raise GaiError(EAI_AGAIN)
    raise GaiError(EAI_NODATA)


def _no_data(ans: HostAnswer) -> int:
    """glibc's ``no_data`` for a failed module call."""
    if ans.h_errno == TRY_AGAIN:
        return EAI_AGAIN
    return 1 if ans.h_errno == NO_DATA else 0


def _doubled(overflows: Callable[[int], bool], size: int) -> int:
    """The scratch buffer's size after glibc's retries: doubled until ``overflows`` says no."""
    while overflows(size):
        size *= 2
    return size


def _grown(
    call: Callable[[int], Generator[Op, Any, HostAnswer]], size: int, *, stored: bool = False
) -> Generator[Op, Any, tuple[HostAnswer, int]]:
    """``call(size)`` made again with the scratch buffer doubled as long as it answers
    :data:`ERANGE` (its queries sent again each time, as glibc runs the module again): the
    answer, and the buffer's size it fitted.  ``stored``: each ERANGE stores NETDB_INTERNAL in
    the global h_errno here (a caller whose ``call`` does not store it itself)."""
    while True:
        ans = yield from call(size)
        if ans is not ERANGE:
            return ans, size
        if stored:
            yield HErrno(NETDB_INTERNAL)
        size *= 2


def _gethosts(
    db: HostsDatabase,
    source: str,
    gen: Generator[Op, Any, HostAnswer],
    name: str,
    family: int,
    check: bool,
    size: int,
) -> Generator[Op, Any, tuple[HostAnswer, int]]:
    """glibc ``gethosts``'s call of one module over getaddrinfo's scratch buffer of ``size``
    bytes (the answer, and the buffer's size after, which the next calls start with).  A try
    that runs out of room stores NETDB_INTERNAL in the global h_errno, and the call is made
    again with the buffer doubled: the ``files`` module runs out while it reads its lines (no
    I/O: ``gen`` answers the last try), the ``dns`` module when its ``getanswer_r`` writes the
    ``hostent`` (each try sends its queries again); other modules take ``gen`` as is."""
    if source == "files":
        if db.files_overflow(3, name, size, family):
            yield HErrno(NETDB_INTERNAL)
            size = _doubled(lambda n: db.files_overflow(3, name, n, family), size)
        return (yield from gen), size
    if source != "dns":
        return (yield from gen), size
    gen.close()

    def call(n: int) -> Generator[Op, Any, HostAnswer]:
        made = db.call(source, 3, (name, family, check, n))
        assert made is not None
        return made

    return (yield from _grown(call, size, stored=True))


def _nss(
    ctx: GaiContext, db: HostsDatabase, name: str, family: int, flags: int
) -> Generator[Op, Any, _Found]:
    """glibc's ``get_nss_addresses``: the hosts sources, per family as the hints ask."""
    if db.sources and refused_errno(getattr(db.sources[0], "name", "")) is not None:
        # glibc could not read nsswitch.conf: the walk asks no source and stores no h_errno,
        # and fails with EAI_SYSTEM when the global h_errno (as the thread's earlier lookups
        # left it) holds NETDB_INTERNAL, else finds nothing.  That history decides: the note
        # keeps the answer out of the resolver's memo.
        yield Note(0.0)
        if ctx.h_errno == NETDB_INTERNAL:
            raise _system(db, None)
        raise GaiError(EAI_NONAME)
    if family == AF_UNSPEC:
        # Every source netdb serves has gethostbyname4_r: one walk, both families at once.
        # The dns module's answer may not fit the scratch buffer (NETDB_INTERNAL stored):
        # glibc doubles it and runs the walk again, queries and all.
        ans, _ = yield from _grown(lambda n: db.by_name4(name, n), SCRATCH_BUFLEN)
        if ans.status is Status.SUCCESS:
            canon = ans.name if flags & AI_CANONNAME else None
            if not ans.addresses:
                raise GaiError(EAI_NODATA)
            return _Found(list(ans.addresses), canon)
        if ans.status in (Status.TRYAGAIN, Status.UNAVAIL) and ans.h_errno == NETDB_INTERNAL:
            raise _system(db, _walk_errno(db, ans))
        nd = _no_data(ans)
        if nd:
            raise GaiError(EAI_AGAIN if nd == EAI_AGAIN else EAI_NODATA)
        raise GaiError(EAI_NONAME)

    # One family: per source, gethostbyname3_r (with AI_CANONNAME) or gethostbyname2_r for
    # AF_INET6 and/or AF_INET, the two statuses combined before the source's action is taken.
    # gethostbyname2_r (dns) first checks that the name is a host name; gethostbyname3_r doesn't.
    check = not flags & AI_CANONNAME
    want4 = family == AF_INET
    status = Status.UNAVAIL
    h_errno = NETDB_INTERNAL
    no_data = no_inet6_data = 0
    found = _Found([])
    sys_errno: int | None = None
    merging = False
    size = SCRATCH_BUFLEN  # the scratch buffer, grown by each ERANGE and kept for later calls
    for source in db.sources:
        sys_errno = None
        found = _Found([])
        if merging:
            # The previous source asked to merge, which the hosts database cannot: what was
            # found is dropped and the walk stops (h_errno NETDB_INTERNAL, errno EBUSY).
            h_errno = NETDB_INTERNAL
            yield HErrno(NETDB_INTERNAL)
            sys_errno = _errno.EBUSY
            if status is Status.SUCCESS:
                status = Status.NOTFOUND
            break
        no_data = 0
        inet6_status = Status.UNAVAIL
        status = Status.UNAVAIL
        source_name: str = source.name  # type: ignore[attr-defined]
        served = db.call(source_name, 3, (name, AF_INET6, check))
        if served is None:
            # The module cannot be loaded: glibc's "could not locate any lookup function".
            h_errno = NETDB_INTERNAL
            sys_errno = _errno.EBUSY
            yield HErrno(NETDB_INTERNAL)
        else:
            if family == AF_INET6:
                ans6, size = yield from _gethosts(
                    db, source_name, served, name, AF_INET6, check, size
                )
                written6 = ans6.h_errno if source_name == "dns" else ans6.written
                if written6 is not None:
                    yield HErrno(written6)
                status, h_errno = ans6.status, ans6.h_errno
                no_data = _gethosts_no_data(ans6, db)
                if ans6.status is Status.SUCCESS:
                    found.addresses.extend(ans6.addresses)
                    found.canon = ans6.name
                    found.got_ipv6 = bool(ans6.addresses)
                no_inet6_data = no_data
                inet6_status = status
            if want4 or (flags & AI_V4MAPPED and (flags & AI_ALL or not found.got_ipv6)):
                gen4 = db.call(source_name, 3, (name, AF_INET, check))
                assert gen4 is not None
                ans4, size = yield from _gethosts(db, source_name, gen4, name, AF_INET, check, size)
                written4 = ans4.h_errno if source_name == "dns" else ans4.written
                if written4 is not None:
                    yield HErrno(written4)
                status, h_errno = ans4.status, ans4.h_errno
                no_data = _gethosts_no_data(ans4, db)
                if ans4.status is Status.SUCCESS:
                    if family == AF_INET6:
                        found.addresses.extend(
                            Address(AF_INET6, _map4(a.packed)) for a in ans4.addresses
                        )
                        if ans4.addresses:
                            found.got_ipv6 = False
                    else:
                        found.addresses.extend(ans4.addresses)
                    if found.canon is None:
                        found.canon = ans4.name
                if want4:
                    no_inet6_data = no_data
                    inet6_status = status
            if Status.SUCCESS in (inet6_status, status):
                status = Status.SUCCESS
            elif inet6_status is Status.TRYAGAIN:
                status = Status.TRYAGAIN
            elif status is Status.UNAVAIL and inet6_status is not Status.UNAVAIL:
                status = inet6_status
        action: str = source.action(status.value)  # type: ignore[attr-defined]
        if action == "return":
            break
        if action == "merge":
            merging = True  # at the last source, a plain continue
    if status in (Status.TRYAGAIN, Status.UNAVAIL) and h_errno == NETDB_INTERNAL:
        raise _system(db, sys_errno)
    if status is not Status.SUCCESS:
        if no_data and no_inet6_data:
            raise GaiError(
                EAI_AGAIN if no_data == EAI_AGAIN and no_inet6_data == EAI_AGAIN else EAI_NODATA
            )
        raise GaiError(EAI_NONAME)
    if not flags & AI_CANONNAME:
        found.canon = None
    if not found.addresses:
        raise GaiError(EAI_NONAME)
    return found


def _gethosts_no_data(ans: HostAnswer, db: HostsDatabase) -> int:
    """glibc ``gethosts``: a failed call's ``no_data`` (EAI_SYSTEM when h_errno says errno
    holds the reason, which aborts the whole lookup)."""
    if ans.status is Status.SUCCESS:
        return 0
    if ans.h_errno == NETDB_INTERNAL:
        raise _system(db, None)
    if ans.h_errno == TRY_AGAIN:
        return EAI_AGAIN
    return 1 if ans.h_errno == NO_DATA else 0


def getaddrinfo(
    ctx: GaiContext,
    host: str | None,
    service: str | None,
    family: int = AF_UNSPEC,
    socktype: int = 0,
    protocol: int = 0,
    flags: int = 0,
    *,
    db: HostsDatabase | None = None,
) -> Generator[Op, Any, list[AddrInfo]]:
    """glibc's ``getaddrinfo``; raises :class:`GaiError` with glibc's code.

    ``db``: the hosts database to consult instead of ``ctx.hosts_db()`` (the asyncio driver's
    express lane hands a lookup over with one whose ``dns`` source replays what it did).
    """
    host, family, st = prologue(ctx, host, service, family, socktype, protocol, flags)

    if host is None:
        addrs: list[Address] = []
        passive = bool(flags & AI_PASSIVE)
        if family in (AF_UNSPEC, AF_INET6):
            addrs.append(Address(AF_INET6, bytes(16) if passive else bytes(15) + b"\x01"))
        if family in (AF_UNSPEC, AF_INET):
            addrs.append(Address(AF_INET, bytes(4) if passive else b"\x7f\x00\x00\x01"))
        found = _Found(addrs)
    else:
        orig_host = host
        rec = _trace.recorder()
        if flags & AI_IDN and not host.isascii():
            host = ctx.idn_to_ascii(host)
            if rec is not None:
                rec.add(_trace.Idna(_trace.c_text(orig_host), _trace.c_text(host), "AI_IDN"))
        numeric = _numeric(ctx, host, family, flags)
        if numeric is not None:
            found = numeric
            if rec is not None:
                fams = {a.family for a in numeric.addresses}
                fam = fams.pop() if len(fams) == 1 else family
                rec.add(_trace.Numeric(_trace.c_text(host), fam))
        else:
            if db is None:
                db = ctx.hosts_db()
            if family == AF_INET and not flags & AI_CANONNAME:
                found = yield from _simple(ctx, db, host)
            else:
                found = yield from _nss(ctx, db, host, family, flags)
            if flags & AI_CANONNAME and found.canon is None:
                found.canon = orig_host
        if flags & AI_CANONNAME and flags & AI_CANONIDN and found.canon is not None:
            found.canon = ctx.idn_to_unicode(found.canon)

    addresses = found.addresses
    if found.got_ipv6 and flags & (AI_V4MAPPED | AI_ALL) == AI_V4MAPPED:
        addresses = [a for a in addresses if not a.packed.startswith(_V4MAPPED_PREFIX)]
    if len(addresses) <= STEP:
        return results(ctx, addresses, st, found.canon)
    return (yield from _paced(results_steps(ctx, addresses, st, found.canon)))


def _paced(steps: Steps[T]) -> Generator[Op, Any, T]:
    """A stepped computation (:mod:`netdb.steps`) with a :class:`Pause` request at each step,
    where the asyncio driver lets the event loop run other tasks."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        yield PAUSE


def prologue(
    ctx: GaiContext,
    host: str | None,
    service: str | None,
    family: int,
    socktype: int,
    protocol: int,
    flags: int,
) -> tuple[str | None, int, list[_ServTuple]]:
    """getaddrinfo's checks before the host is looked at, in glibc's order: (the host, ``None``
    for none; the family after ``AI_ADDRCONFIG``; the service tuples).  Raises GaiError."""
    if host == "*":
        host = None
    if service == "*":
        service = None
    if host is None and service is None:
        raise GaiError(EAI_NONAME)
    if flags & ~_GOOD_FLAGS:
        raise GaiError(EAI_BADFLAGS)
    if flags & AI_CANONNAME and host is None:
        raise GaiError(EAI_BADFLAGS)
    rec = _trace.recorder()
    if flags & AI_ADDRCONFIG:
        seen4, seen6 = ctx.addrconfig()
        if rec is not None:
            rec.add(_trace.Addrconfig(seen4, seen6))
        if family == AF_UNSPEC and (seen4 or seen6):
            if seen4 != seen6:
                family = AF_INET if seen4 else AF_INET6
        elif (family == AF_INET and not seen4) or (family == AF_INET6 and not seen6):
            raise GaiError(EAI_NONAME)
    if family not in (AF_UNSPEC, AF_INET, AF_INET6):
        raise GaiError(EAI_FAMILY)
    num: int | None = None
    if service:
        num = strtoul_port(service)
        if num is None and flags & AI_NUMERICSERV:
            raise GaiError(EAI_NONAME)
        if num is None:
            num = -1
    else:
        service = None
    try:
        st = _servtuples(ctx, service, num, socktype, protocol)
    except GaiError:
        if rec is not None:
            rec.add(_trace.Services(service and _trace.c_text(service), ()))
        raise
    if rec is not None:
        entries = tuple((t.socktype, t.protocol, t.port) for t in st)
        rec.add(_trace.Services(service and _trace.c_text(service), entries))
    return host, family, st


def is_numeric(ctx: GaiContext, host: str, family: int, flags: int) -> bool:
    """Whether getaddrinfo takes ``host`` as a numeric address (or refuses it as one) without
    asking any source."""
    try:
        return _numeric(ctx, host, family, flags) is not None
    except GaiError:
        return True


def results(
    ctx: GaiContext, addresses: Sequence[Address], st: Sequence[_ServTuple], canon: str | None
) -> list[AddrInfo]:
    """The answer list: one entry per address and service tuple, in glibc's order, the
    canonical name on the first entry."""
    if not addresses:
        raise GaiError(EAI_NONAME)
    out = _entries(addresses, st)
    if len(addresses) > 1:
        # glibc sorts its whole answer list (one entry per address and socket type), which can
        # split one address's entries; the canonical name then goes to the new first entry.
        out = [out[i] for i in ctx.order(addresses, len(st))]
    return _canon_first(out, canon)


def results_steps(
    ctx: GaiContext, addresses: Sequence[Address], st: Sequence[_ServTuple], canon: str | None
) -> Steps[list[AddrInfo]]:
    """:func:`results`, stepped (:mod:`netdb.steps`), for a long answer: its entries made and
    put in order a slice of addresses at a time, its order made in steps
    (``ctx.order_steps``)."""
    if not addresses:
        raise GaiError(EAI_NONAME)
    n = len(addresses)
    out: list[AddrInfo] = []
    for start in range(0, n, STEP):
        out += _entries(addresses[start : start + STEP], st)
        yield
    if n > 1:
        order = yield from ctx.order_steps(addresses, len(st))
        ordered: list[AddrInfo] = []
        for start in range(0, len(order), STEP):
            ordered += [out[i] for i in order[start : start + STEP]]
            yield
        out = ordered
    return _canon_first(out, canon)


def _entries(addresses: Sequence[Address], st: Sequence[_ServTuple]) -> list[AddrInfo]:
    """One answer per address and service tuple, in that order."""
    out: list[AddrInfo] = []
    for a in addresses:
        if a.family == AF_INET6:
            host = format_ipv6(a.packed)
            scope = a.scope_id
            for s in st:
                out.append((AF_INET6, s.socktype, s.protocol, "", (host, s.port, 0, scope)))
        else:
            host = format_ipv4(a.packed)
            for s in st:
                out.append((a.family, s.socktype, s.protocol, "", (host, s.port)))
    return out


def _canon_first(out: list[AddrInfo], canon: str | None) -> list[AddrInfo]:
    """The answers with the canonical name (if any) on the first one."""
    if canon:
        f0, s0, p0, _, sa0 = out[0]
        out[0] = (f0, s0, p0, canon, sa0)
    return out


# --- getnameinfo ---------------------------------------------------------------------------------


def _strip_local_domain(name: str, domain: str) -> str:
    """``NI_NOFQDN``: cut ``name`` before the local domain where it first appears after a dot.

    glibc looks for the domain anywhere in the name (``strstr``), not only at its end.
    """
    at = name.find(domain) if domain else -1
    if at > 0 and name[at - 1] == ".":
        return name[: at - 1]
    return name


def getnameinfo(
    ctx: GaiContext, family: int, packed: bytes, port: int, scope_id: int, flags: int
) -> Generator[Op, Any, tuple[str, str]]:
    """glibc's ``getnameinfo`` for an IPv4 or IPv6 socket address."""
    if flags & ~_GOOD_NI_FLAGS:
        raise GaiError(EAI_BADFLAGS)
    if family not in (AF_INET, AF_INET6):
        raise GaiError(EAI_FAMILY)

    host: str | None = None
    if not flags & NI_NUMERICHOST:
        db = ctx.hosts_db()
        if family == AF_INET6 and packed.startswith(_V4MAPPED_PREFIX):
            ans = yield from db.gethostbyaddr(AF_INET6, packed)
        else:
            ans = yield from db.gethostbyaddr(family, packed)
        if ans.status is Status.SUCCESS:
            host = ans.name
            if flags & NI_NOFQDN:
                host = _strip_local_domain(host, (yield from ctx.local_domain()))
            if flags & NI_IDN:
                host = ctx.idn_to_unicode(host)
            # CPython's host buffer holds NI_MAXHOST bytes with the NUL (glibc copies the name
            # into it or fails): names cross here one byte per character.
            if len(host) >= NI_MAXHOST:
                raise GaiError(EAI_OVERFLOW)
        elif ans.h_errno == NETDB_INTERNAL:
            # glibc's gni_host_inet_name stores the status in the global h_errno before it
            # gives up (the nss call itself may have left the global as it was).
            yield HErrno(NETDB_INTERNAL)
            # errno as gethostbyaddr_r left it: 0 after a module it could not load.
            unloaded = bool(ans.trace) and not db.serves(ans.trace[-1][0])
            raise _system(db, 0 if unloaded else None)
        elif ans.h_errno == TRY_AGAIN:
            yield HErrno(TRY_AGAIN)
            raise GaiError(EAI_AGAIN)
        elif flags & NI_NAMEREQD:
            raise GaiError(EAI_NONAME)
    if host is None:
        if flags & NI_NAMEREQD and flags & NI_NUMERICHOST:
            raise GaiError(EAI_NONAME)
        if family == AF_INET6:
            host = format_ipv6(packed)
            if scope_id:
                first, second = packed[0], packed[1]
                link_local = (first == 0xFE and second & 0xC0 == 0x80) or (
                    first == 0xFF and second & 0x0F == 0x02
                )
                ifname = ctx.ifname(scope_id) if link_local else None
                host += "%" + (ifname if ifname is not None else str(scope_id))
        else:
            host = format_ipv4(packed)

    serv: str | None = None
    proto = "udp" if flags & NI_DGRAM else "tcp"
    if not flags & NI_NUMERICSERV:
        serv = ctx.service_name(port, proto)
        # ... and its service buffer NI_MAXSERV bytes (a number always fits).
        if serv is not None and len(serv) >= NI_MAXSERV:
            raise GaiError(EAI_OVERFLOW)
    rec = _trace.recorder()
    if rec is not None:
        if flags & NI_NUMERICSERV:
            said = f"port {port}: numeric (NI_NUMERICSERV)"
        elif serv is None:
            said = f"port {port}/{proto}: no services entry, the number stands"
        else:
            said = f"port {port}/{proto}: {_trace.c_text(serv)!r} (services)"
        rec.add(_trace.Fact("service", said))
    if serv is None:
        serv = str(port)
    return host, serv
