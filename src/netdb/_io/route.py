"""Source(D) for each destination, and the order getaddrinfo gives its answers (glibc 2.36).

Owns the kernel half of RFC 6724 ordering, as ``getaddrinfo`` in glibc's
``sysdeps/posix/getaddrinfo.c`` does it: for each destination a UDP socket is connected to it
(connect(2) on a datagram socket only picks a route and a source; no packet leaves) and
``getsockname`` gives the source the kernel would use; a failure (``ENETUNREACH``, ``EINVAL``
for a link-local address without a scope, ...) means Source(D) is undefined.  The source is then
looked up in glibc's interface address list (``ifaddrs.source_table``) for its prefix length,
flags and interface, and the interface's type says whether it is a tunnel (rule 7).  The
decision itself is ``sort.py``'s.

glibc details kept here:

* glibc reuses one socket: it opens one of the first destination's family and opens a new one
  only for an IPv6 destination met while the socket is IPv4.  An IPv4 destination met while the
  socket is IPv6 is connected through it (unless IPv6 sockets are v6-only, then glibc falls back
  to IPv4), and that changes how the source is looked up: through an IPv4 socket any 127/8
  source is looked up as 127.0.0.1, through an IPv6 socket as itself.
* Only when the list holds more than one address does glibc sort at all.
* The sort runs over getaddrinfo's whole result list, one entry per address and socket type
  (``group``), which can matter when the comparison is not transitive (see ``sort.py``).

Sources are kept until the kernel reports an address, route or rule change (``watch.py``).
"""

from __future__ import annotations

import _socket
import functools
import socket
import threading
from collections.abc import Callable, Sequence

from .. import trace
from ..config.gaiconf import PolicyRule
from ..sort import PREFER_DA, RULES, Candidate, Policy, grouped, order, sort_candidates
from ..sort import order_steps as order_steps_of
from ..steps import STEP, Steps, finish
from . import ifaddrs, watch
from .watch import WATCH

_MAPPED = b"\x00" * 10 + b"\xff\xff"
_LOOP4 = b"\x7f\x00\x00\x01"
_PROBE_TYPE = int(socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
_AF_INET6 = int(socket.AF_INET6)
_inet_ntop = _socket.inet_ntop
_inet_pton = _socket.inet_pton
_CACHE_LIMIT = 4096

_CacheKey = tuple[int, bytes, int]
_sources: dict[_CacheKey, bytes | None] = {}
_orders: dict[tuple[tuple[_CacheKey, ...], Policy, int], list[int]] = {}
_cache_gen = -1
_v6only: tuple[int, bool | None] | None = None


def _generation() -> int:
    """The kernel-state generation; moving to a new one drops what this module kept."""
    global _cache_gen
    gen = WATCH.generation()
    if gen != _cache_gen:
        _sources.clear()
        _orders.clear()
        _cache_gen = gen
    return gen


def source_address(family: int, dst: bytes, scope_id: int = 0) -> bytes | None:
    """The source address the kernel picks to reach ``dst`` (packed), or None when it has none.

    As glibc probes: a UDP socket connected to ``dst`` (no packet leaves) and asked its name.
    glibc opens a socket per getaddrinfo call and dissolves its association between two
    destinations; netdb keeps one socket per family and thread across calls and dissolves it
    after every probe, so each probe starts from a socket in the state of a new one.  A scoped
    probe (connecting to a scoped address binds the socket to that interface), or any probe
    where the association cannot be dissolved, has a socket of its own.
    """
    dissolve = _dissolver()
    if dissolve is None or scope_id:
        try:
            # The C socket type: no Python-level socket object to make and close for a probe.
            alone = _socket.socket(family, _PROBE_TYPE)
        except OSError:
            return None
        try:
            return _probe(alone, family, dst, scope_id)
        finally:
            alone.close()
    probe = _probes
    if probe.forks != watch.forks():  # a forked child: its copies are the parent's sockets
        probe.reset()
    # Taken out while it probes: a probe made meanwhile on this thread (a signal handler's
    # lookup, between this one's connect and getsockname) makes a socket of its own.
    sock = probe.socks.pop(family, None)
    if sock is None:
        try:
            sock = _socket.socket(family, _PROBE_TYPE)
        except OSError:
            return None
    found = _probe(sock, family, dst, 0)
    if dissolve(sock.fileno()) != 0 or family in probe.socks:
        sock.close()  # no clean slate for the next probe, or one is kept already
    else:
        probe.socks[family] = sock
    return found


def _probe(sock: _socket.socket, family: int, dst: bytes, scope_id: int) -> bytes | None:
    """Connect ``sock`` to ``dst`` and read the source the kernel picked (None: no route)."""
    if family == _AF_INET6:
        where: tuple[str, int] | tuple[str, int, int, int] = (
            _inet_ntop(family, dst),
            0,
            0,
            scope_id,
        )
    else:
        where = (_inet_ntop(family, dst), 0)
    try:
        # connect_ex: a refusal (ENETUNREACH, ...) comes back as a number, not an exception.
        if sock.connect_ex(where):
            return None
        host = sock.getsockname()[0]
    except (OSError, OverflowError, ValueError):
        return None
    return _inet_pton(family, host.partition("%")[0])


@functools.cache
def _dissolver() -> Callable[[int], int] | None:
    """``connect(fd, {AF_UNSPEC})``, as glibc's getaddrinfo calls it between two probes on one
    socket: the kernel dissolves a datagram socket's association (peer, route, source address,
    port), so the next connect(2) picks a route and source afresh, as on a new socket.  Python's
    ``connect`` cannot pass that address, so it is libc's, through ctypes (imported on the first
    probe: it costs milliseconds a program that never sorts should not pay); None where ctypes
    cannot reach it."""
    try:
        import ctypes

        connect = ctypes.PyDLL(None).connect  # never blocks: no need to let the GIL go
        connect.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_uint)
        connect.restype = ctypes.c_int
    except (ImportError, OSError, AttributeError):
        return None
    unspec = ctypes.create_string_buffer(16)  # a struct sockaddr, all zero: sa_family AF_UNSPEC
    where = ctypes.addressof(unspec)

    def dissolve(fd: int, _buffer: object = unspec) -> int:  # (_buffer: keeps it alive)
        return connect(fd, where, 16)  # type: ignore[no-any-return]

    return dissolve


class _ProbeSockets(threading.local):
    """This thread's probe socket per family, kept between probes (a socket costs more than
    the probe itself), in the process that made them."""

    def __init__(self) -> None:
        self.forks = watch.forks()
        self.socks: dict[int, _socket.socket] = {}

    def reset(self) -> None:
        for sock in self.socks.values():
            sock.close()  # the child's descriptors only: the parent's sockets stay open
        self.socks.clear()
        self.forks = watch.forks()


_probes = _ProbeSockets()


def _source(family: int, dst: bytes, scope_id: int) -> bytes | None:
    key = (family, dst, scope_id)
    found = _sources.get(key, _sources)
    if found is not _sources:
        return found  # type: ignore[return-value]
    if len(_sources) >= _CACHE_LIMIT:
        _sources.clear()
    found = _sources[key] = source_address(family, dst, scope_id)
    return found


def _ipv6_socket_is_v6only(gen: int) -> bool | None:
    """Whether a new IPv6 socket is v6-only (None: IPv6 sockets cannot be made)."""
    global _v6only
    if _v6only is not None and _v6only[0] == gen:
        return _v6only[1]
    try:
        s = _socket.socket(socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        try:
            answer: bool | None = bool(s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
        finally:
            s.close()
    except OSError:
        answer = None
    _v6only = (gen, answer)
    return answer


def _lookup_keys(dests: Sequence[tuple[int, bytes, int]], gen: int) -> list[bool]:
    """For each destination, whether glibc connects it through an IPv4 socket (so that a 127/8
    source is looked up as 127.0.0.1): glibc's one-socket walk over the list."""
    through_ipv4: list[bool] = []
    af = 0  # the family of glibc's socket; 0 when it has none
    for family, _, _ in dests:
        if af == 0 or (af == socket.AF_INET and family == socket.AF_INET6):
            af = family
            if af == socket.AF_INET6 and _ipv6_socket_is_v6only(gen) is None:
                af = 0  # socket() failed: glibc tries again for the next destination
        elif af == socket.AF_INET6 and family == socket.AF_INET and _ipv6_socket_is_v6only(gen):
            af = socket.AF_INET  # EAFNOSUPPORT on a v6-only socket: glibc reopens as IPv4
        through_ipv4.append(af == socket.AF_INET)
    return through_ipv4


def candidates(dests: Sequence[tuple[int, bytes, int]], gen: int | None = None) -> list[Candidate]:
    """One :class:`Candidate` per ``(family, packed, scope_id)`` destination, as glibc fills
    its ``sort_result`` entries; ``index`` is the destination's position.  ``gen``: the
    kernel-state generation when the caller has just read it (:func:`_generation`)."""
    if gen is None:
        gen = _generation()
    n = len(dests)
    sources = [_source(f, d, s) for f, d, s in dests]
    if not any(src is not None for src in sources):
        return _unusable(dests)
    table = ifaddrs.source_table(gen)
    found = _found(dests, sources, _lookup_keys(dests, gen), table, 0, n)
    return _described(dests, sources, found, _types(found, sources, gen), 0, n)


def candidates_steps(dests: Sequence[tuple[int, bytes, int]], gen: int) -> Steps[list[Candidate]]:
    """:func:`candidates`, stepped (:mod:`netdb.steps`), for a long list: probed, looked up
    and described a slice of :data:`~netdb.steps.STEP` destinations at a time."""
    n = len(dests)
    sources: list[bytes | None] = []
    for lo in range(0, n, STEP):
        sources += [_source(f, d, s) for f, d, s in dests[lo : lo + STEP]]
        yield
    if not any(src is not None for src in sources):
        return _unusable(dests)
    table = ifaddrs.source_table(gen)
    through_ipv4 = _lookup_keys(dests, gen)
    found: list[ifaddrs.InterfaceAddress | None] = []
    for lo in range(0, n, STEP):
        found += _found(dests, sources, through_ipv4, table, lo, min(n, lo + STEP))
        yield
    types = _types(found, sources, gen)
    out: list[Candidate] = []
    for lo in range(0, n, STEP):
        out += _described(dests, sources, found, types, lo, min(n, lo + STEP))
        yield
    return out


def _unusable(dests: Sequence[tuple[int, bytes, int]]) -> list[Candidate]:
    return [Candidate(f, d, None, index=i) for i, (f, d, _) in enumerate(dests)]


def _found(
    dests: Sequence[tuple[int, bytes, int]],
    sources: list[bytes | None],
    through_ipv4: list[bool],
    table: ifaddrs.SourceTable | None,
    lo: int,
    hi: int,
) -> list[ifaddrs.InterfaceAddress | None]:
    """The interface address of the source of each of ``dests[lo:hi]``, as glibc looks it up
    (through an IPv4 socket, any 127/8 source as 127.0.0.1)."""
    out: list[ifaddrs.InterfaceAddress | None] = []
    for i in range(lo, hi):
        src = sources[i]
        if src is None or table is None:
            out.append(None)
        elif dests[i][0] == socket.AF_INET:
            out.append(table.find(_MAPPED + (_LOOP4 if through_ipv4[i] and src[0] == 127 else src)))
        else:
            out.append(table.find(src))
    return out


def _types(
    found: list[ifaddrs.InterfaceAddress | None], sources: list[bytes | None], gen: int
) -> dict[int, int] | None:
    """The interfaces' link types, when rule 7 needs them: when two usable destinations leave
    through different interfaces (or one through an interface glibc could not name)."""
    usable_ifaces = {
        None if a is None else a.index for a, s in zip(found, sources, strict=True) if s
    }
    return ifaddrs.link_types(gen) if len(usable_ifaces) > 1 else None


def _described(
    dests: Sequence[tuple[int, bytes, int]],
    sources: list[bytes | None],
    found: list[ifaddrs.InterfaceAddress | None],
    types: dict[int, int] | None,
    lo: int,
    hi: int,
) -> list[Candidate]:
    """The candidates ``dests[lo:hi]`` make, their sources described."""
    out: list[Candidate] = []
    for i in range(lo, hi):
        family, dst, _ = dests[i]
        src, addr = sources[i], found[i]
        if src is None:
            out.append(Candidate(family, dst, None, index=i))
        elif addr is None:
            out.append(Candidate(family, dst, src, src_native=types is None, index=i))
        else:
            native = types is None or (
                addr.index in types and types[addr.index] not in ifaddrs.TUNNEL_TYPES
            )
            out.append(
                Candidate(
                    family,
                    dst,
                    src,
                    src_prefixlen=addr.prefixlen,
                    src_deprecated=addr.deprecated,
                    src_home=addr.home,
                    src_native=native,
                    index=i,
                )
            )
    return out


def order_destinations(
    dests: Sequence[tuple[int, bytes, int]], policy: Policy, group: int = 1
) -> list[int]:
    """The order glibc's getaddrinfo gives ``(family, packed, scope_id)`` destinations.

    With ``group`` = 1 the result is a permutation of destination indexes.  With ``group`` > 1
    each destination stands for ``group`` consecutive answers (one per socket type, as
    getaddrinfo lists them) and the result is a permutation of ``len(dests) * group`` answer
    indexes, sorted as glibc sorts its whole answer list.  A short answer's order is kept in a
    memo; a long one, or an explained lookup's, is :func:`order_steps` run through.
    """
    n = len(dests)
    if n < 2:  # glibc sorts only when there is more than one address
        return list(range(n * group))
    if n > MEMO_MAX or trace.recorder() is not None:
        return finish(order_steps(dests, policy, group))
    return _memo_order(dests, policy, group, _generation())


MEMO_MAX = 64
"""Destination lists longer than this are not kept in the memo of orders: a key holds each
destination, and a server that answers with thousands of addresses would fill the memo's
entries with megabytes of them."""


def _memo_order(
    dests: Sequence[tuple[int, bytes, int]], policy: Policy, group: int, gen: int
) -> list[int]:
    """The order of a short list (at most :data:`MEMO_MAX`), through the memo of orders
    (dropped with the sources when the kernel's state changes, see :func:`_generation`)."""
    memo_key = (tuple(dests), policy, group)
    known = _orders.get(memo_key)
    if known is not None:
        return list(known)
    found = order(candidates(dests, gen), policy, group)
    if len(_orders) >= _CACHE_LIMIT:
        _orders.clear()
    _orders[memo_key] = found
    return list(found)


def order_steps(
    dests: Sequence[tuple[int, bytes, int]], policy: Policy, group: int = 1
) -> Steps[list[int]]:
    """:func:`order_destinations`, stepped (:mod:`netdb.steps`): a long answer (thousands of
    addresses in a 64 KB reply or a hosts file) is probed, described and sorted in slices, so
    that the asyncio driver lets the loop run between them."""
    n = len(dests)
    if n < 2:  # glibc sorts only when there is more than one address
        return list(range(n * group))
    gen = _generation()
    rec = trace.recorder()
    if rec is not None and n * group <= EXPLAINED_MAX:
        return _explained_order(dests, policy, group, rec)
    if rec is not None:
        # Too long to record each comparison (n log n of them): the table and the sources
        # are recorded, and the order is made as a plain lookup's is.
        cands = yield from candidates_steps(dests, gen)
        _record_policy(cands, policy, rec)
        said = f"{n * group} answers: comparisons not recorded (more than {EXPLAINED_MAX})"
        rec.add(trace.Fact("sort", said))
        return (yield from order_steps_of(cands, policy, group))
    if n <= MEMO_MAX:
        return _memo_order(dests, policy, group, gen)
    # A long answer is kept in no memo: it would hold megabytes in each entry.
    cands = yield from candidates_steps(dests, gen)
    return (yield from order_steps_of(cands, policy, group))


def _text(family: int, packed: bytes | None) -> str:
    if packed is None:
        return "none"
    return socket.inet_ntop(family, packed)


def _explained_order(
    dests: Sequence[tuple[int, bytes, int]],
    policy: Policy,
    group: int,
    rec: trace.Recorder,
) -> list[int]:
    """:func:`order_destinations` for an explained lookup: the same sort, computed afresh (the
    memo of orders is a cache of this pure computation), with its table, each destination's
    source address and every comparison recorded."""
    cands = candidates(dests)
    _record_policy(cands, policy, rec)
    expanded = grouped(cands, group)
    names = {c.index: _text(c.family, c.dst) for c in expanded}
    if group > 1:
        names = {i: f"{t} (#{i % group + 1} of its {group} socket types)" for i, t in names.items()}
    by_pos = [names[c.index] for c in expanded]

    def told(a: int, b: int, preferred: int, rule: int) -> None:
        first, second = (a, b) if preferred == PREFER_DA else (b, a)
        rec.add(trace.Compared(by_pos[first], by_pos[second], rule, RULES[rule]))

    return [c.index for c in sort_candidates(expanded, policy, told)]


EXPLAINED_MAX = 512
"""The longest answer list (addresses times socket types) whose sort an explained lookup
records comparison by comparison (a few thousand steps at most); a longer one is sorted as a
plain lookup's is, in steps, with a ``sort`` fact saying so."""


def _record_policy(cands: Sequence[Candidate], policy: Policy, rec: trace.Recorder) -> None:
    """The sort's policy table and each destination's source, as one step."""
    shown = []
    for c in cands:
        if c.src is None:
            shown.append(f"{_text(c.family, c.dst)}: no source address (unusable)")
        else:
            native = "" if c.src_native else ", not native"
            flags = (", deprecated" if c.src_deprecated else "") + (", home" if c.src_home else "")
            scope, label, precedence = policy.classify(c.family, c.dst)
            shown.append(
                f"{_text(c.family, c.dst)}: source {_text(c.family, c.src)}/{c.src_prefixlen}"
                f"{flags}{native}; precedence {precedence}, label {label}, scope {scope}"
            )
    origin = {"glibc": "glibc", "glibc+gai.conf": "gai.conf"}.get(policy.name, policy.name)
    rows = tuple(rule_line("precedence", r) for r in policy.precedences) + tuple(
        rule_line("label", r) for r in policy.labels
    )
    rec.add(trace.SortPolicy(origin, rows, tuple(shown)))


def rule_line(word: str, rule: PolicyRule) -> str:
    """A policy-table row as a gai.conf line (``precedence ::ffff:0.0.0.0/96 10``)."""
    return f"{word} {socket.inet_ntop(socket.AF_INET6, rule.prefix)}/{rule.prefixlen} {rule.value}"
