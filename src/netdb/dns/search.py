"""Names to queries: glibc 2.36's ``res_query``, ``res_querydomain`` and ``res_search``.

``res_search`` (``resolv/res_query.c``) decides which absolute names to ask for and when to
stop; ``res_query`` builds the query (or the A and AAAA pair), has ``query.send`` ask the
servers, and turns the replies' RCODEs into an ``h_errno``.  Both are generators over the
requests of ``ops.py``.  As in glibc:

* A name with at least ``ndots`` dots, or a trailing dot, is tried as is first; a trailing dot
  ends the search there.  Then every search domain, in order, while the answer is "no such
  name" or "no data" (or SERVFAIL); any other failure stops the walk.  Last the name as is, if
  not tried yet, unless it has no dot and ``no-tld-query`` is set.  When nothing worked the
  error is that of the first, as-is query if there was one, else NO_DATA if any domain had the
  name without data, else TRY_AGAIN after a SERVFAIL, else the last one's.
* A reply pair counts as an answer when either reply is NOERROR with records; both failing
  gives HOST_NOT_FOUND (NXDOMAIN), TRY_AGAIN (SERVFAIL), NO_DATA (NOERROR without records) or
  NO_RECOVERY (anything else).
* ``no-aaaa``: an AAAA query is sent as an A query and its reply turned into "no data" (the
  RCODE kept, so NXDOMAIN stays NXDOMAIN).
* A name with no dot that the HOSTALIASES file maps (``config/hostaliases.py``) is asked as the
  name it stands for, as it is: no search list, and nothing else tried.
"""

from __future__ import annotations

import errno as _errno
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from .. import trace as _trace
from .._frozen import fast_init
from ..config.hostaliases import HostAliases
from ..config.resolv import ResolvConf
from ..errors import HOST_NOT_FOUND, NO_DATA, NO_RECOVERY, TRY_AGAIN
from . import wire
from .cache import Cache
from .ops import PAUSE, HErrno, Note, Op
from .query import SendOptions, SendResult, SendState, send

A_AND_AAAA = -1  # glibc's T_QUERY_A_AND_AAAA
MAXDNAME = 1025
EDNS_PAYLOAD = 1200  # RESOLV_EDNS_BUFFER_SIZE
NO_ALIASES = HostAliases()  # no HOSTALIASES file


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """What res_search and res_query need: the search rules and how to send."""

    send: SendOptions
    search: tuple[str, ...] = ()
    ndots: int = 1
    edns0: bool = False
    trust_ad: bool = False
    no_aaaa: bool = False
    no_tld_query: bool = False
    sortlist: tuple[tuple[bytes, bytes], ...] = ()
    aliases: HostAliases = NO_ALIASES

    @classmethod
    def from_resolv(
        cls, conf: ResolvConf, send: SendOptions, aliases: HostAliases = NO_ALIASES
    ) -> SearchConfig:
        opts = conf.options
        return cls(
            send=send,
            search=conf.search,
            ndots=conf.ndots,
            edns0="edns0" in opts,
            trust_ad="trust-ad" in opts,
            no_aaaa="no-aaaa" in opts,
            no_tld_query="no-tld-query" in opts,
            sortlist=tuple(
                (bytes(map(int, net.split("."))), bytes(map(int, mask.split("."))))
                for net, mask in conf.sortlist
            ),
            aliases=aliases,
        )


@fast_init
@dataclass(frozen=True, slots=True)
class Asked:
    """One query sent (for ``explain``): the name, the type(s), and what came of it."""

    name: str
    qtype: int
    result: SendResult


@fast_init
@dataclass(frozen=True, slots=True)
class QueryResult:
    """res_query / res_search's outcome.

    ``n`` < 0 is a failure (``h_errno`` and ``errno`` say which); otherwise ``answer1`` (``n``
    bytes, possibly none) and ``answer2`` are the reply slots as glibc's callers see them.
    """

    n: int
    answer1: bytes = b""
    answer2: bytes = b""
    h_errno: int = 0
    errno: int = 0
    asked: tuple[Asked, ...] = ()


class Context:
    """Per-lookup state: the configuration, the resolver's sticky state, clock, RNG, cache,
    the queries sent so far, errno as glibc would leave it, and whether the driver's deadline
    passed."""

    __slots__ = (
        "anslen",
        "asked",
        "cache",
        "clock",
        "config",
        "errno",
        "expired",
        "moved",
        "rng",
        "slot1_rcode",
        "state",
    )

    def __init__(
        self,
        config: SearchConfig,
        state: SendState,
        *,
        clock: Callable[[], float],
        rng: Callable[[int], int],
        cache: Cache | None = None,
    ) -> None:
        self.config = config
        self.state = state
        self.clock = clock
        self.rng = rng
        self.expired = False
        self.cache = cache
        self.asked: list[Asked] = []
        self.errno = 0
        # The RCODE in the answer buffer res_search's caller passed (its SERVFAIL test reads
        # it there), that buffer's size (0: glibc never replaces it) and whether glibc has
        # replaced it with a larger one, into which the rest of the walk reads.
        self.slot1_rcode = 0
        self.anslen = 0
        self.moved = False


def mkquery(ctx: Context, name: str | bytes, qtype: int) -> bytes | None:
    """glibc ``res_mkquery`` (+ ``res_nopt`` with edns0): None when the name cannot be encoded.
    ``name`` is text, or already in wire form."""
    if isinstance(name, bytes):
        wname = name
    else:
        try:
            wname = wire.name_from_text(name)
        except ValueError:
            return None
    cfg = ctx.config
    return wire.build_query(
        ctx.rng(0x10000),
        wname,
        qtype,
        ad=cfg.trust_ad,
        edns_payload=EDNS_PAYLOAD if cfg.edns0 else None,
    )


NO_AAAA_BUFFER = 1024  # gethostbyname3_context's dns_packet_buffer: the A query's answer buffer


def _name_skip(buf: bytes, pos: int) -> int:
    """glibc ``__ns_name_skip`` in ``buf``: the offset after the name at ``pos``, or -1."""
    end = len(buf)
    while pos < end:
        n = buf[pos]
        pos += 1
        if n == 0:
            break
        kind = n & 0xC0
        if kind == 0:
            pos += n
            continue
        if kind == 0xC0:
            pos += 1
            break
        if n == 0x41:  # an EDNS0 bit-string label: a count of bits, then the bits
            if pos >= end:
                return -1
            bits = buf[pos] or 256
            pos += (bits + 7) // 8 + 1
            continue
        return -1
    return -1 if pos > end else pos


def _no_aaaa_result(sent: SendResult, nquery: int) -> tuple[SendResult, bool]:
    """glibc ``__res_handle_no_aaaa`` after its A query: (what res_query goes on with, whether
    ``res_send``'s failure still counts).

    glibc reads its answer buffer (zeroed before the A query, then written by every datagram
    or TCP message received), whatever ``res_send`` returned: when the question there is of
    type A it becomes the AAAA question of a reply without records ("no data", the RCODE
    kept) and the result is ``res_send``'s; otherwise the buffer is left as it is and the
    result is not set, so ``res_query`` carries on with the length of the AAAA query it built
    and reads the buffer as a reply: zeros (no reply at all) read as NOERROR without records,
    "no data", not "try again"."""
    buf = sent.buffer
    if not buf:  # from the cache: the reply glibc's buffer would hold
        buf = sent.answer1[: sent.n] + bytes(max(0, NO_AAAA_BUFFER - sent.n))
    after = _name_skip(buf, 12)
    errno = sent.errno if after >= 0 else _errno.EMSGSIZE
    if after >= 0 and len(buf) - after >= 4 and buf[after : after + 2] == b"\x00\x01":
        patched = buf[:6] + bytes(6) + buf[12:after] + b"\x00\x1c" + buf[after + 2 :]
        n = sent.n if sent.n <= 0 else after + 4
        result = SendResult(
            n, patched, b"", errno, sent.server, sent.tcp, sent.slot1_rcode, sent.expired
        )
        return result, True
    result = SendResult(
        nquery, buf, b"", errno, sent.server, sent.tcp, sent.slot1_rcode, sent.expired
    )
    return result, sent.n < 0


def _rcode(msg: bytes) -> int:
    return msg[3] & 0xF if len(msg) >= 12 else 0


def _ancount(msg: bytes) -> int:
    return int.from_bytes(msg[6:8], "big") if len(msg) >= 12 else 0


def res_query(ctx: Context, name: str, qtype: int) -> Generator[Op, Any, QueryResult]:
    """glibc ``__res_context_query`` for ``name`` (absolute or not: it is sent as given)."""
    cfg = ctx.config
    if not ctx.moved:
        ctx.slot1_rcode = wire.NOERROR  # res_query's "hp->rcode = NOERROR", in its buffer
    q2: bytes | None = None
    if qtype == A_AND_AAAA:
        try:
            wname = wire.name_from_text(name)
        except ValueError:
            q1 = None
        else:
            q1 = mkquery(ctx, wname, wire.A)
            q2 = mkquery(ctx, wname, wire.AAAA)
    else:
        q1 = mkquery(ctx, name, qtype)
    if q1 is None:
        # res_mkquery refused the name (an empty label, a label over 63 bytes, a name over
        # 255): ns_name_pton and ns_name_pack say so with EMSGSIZE, which res_search's walk and
        # the dns module then read (an ECONNREFUSED of an earlier query no longer counts).
        ctx.errno = _errno.EMSGSIZE
        yield HErrno(NO_RECOVERY)
        return QueryResult(-1, h_errno=NO_RECOVERY, errno=ctx.errno)

    no_aaaa = qtype == wire.AAAA and cfg.no_aaaa
    nquery = len(q1)
    if no_aaaa:
        q1 = mkquery(ctx, name, wire.A)
        assert q1 is not None
        q1 = q1[:10] + b"\0\0" + q1[12 : 12 + len(wire.name_from_text(name)) + 4]

    now = ctx.clock()
    cache = ctx.cache
    # The caller's buffer may be replaced (res_send's answerp) while it is still the first;
    # no-aaaa's A query is sent with none (a large reply is cut to the buffer instead).
    anslen = 0 if ctx.moved or no_aaaa else ctx.anslen
    cached = cache.lookup(q1, q2, now, anslen) if cache is not None else None
    rec = _trace.recorder()
    if rec is not None:
        _cache_step(rec, name, qtype, cache, cached, q1, q2, now)
    if cached is not None:
        sent = cached
        assert cache is not None
        yield Note(cache.expiry(q1, q2, now))
    else:
        sent = yield from send(
            cfg.send,
            q1,
            q2,
            state=ctx.state,
            clock=ctx.clock,
            scratch=NO_AAAA_BUFFER if no_aaaa else 0,
            anslen=anslen,
        )
        ctx.expired = sent.expired
        now = ctx.clock()
        yield Note(cache.store(q1, q2, sent, now) if cache is not None else now)
    ctx.asked.append(Asked(name, qtype, sent))
    if not ctx.moved:
        ctx.slot1_rcode = sent.slot1_rcode
        ctx.moved = sent.moved
    failed = False
    if no_aaaa:
        sent, failed = _no_aaaa_result(sent, nquery)
    if sent.n < 0:
        ctx.errno = sent.errno
        yield HErrno(TRY_AGAIN)
        return QueryResult(-1, sent.answer1, sent.answer2, TRY_AGAIN, sent.errno)
    # errno as res_send left it: 0 after an answer, its error when no-aaaa read on regardless.
    ctx.errno = sent.errno if failed else 0

    a1 = sent.answer1[: sent.n]
    a2 = sent.answer2
    hp = a1
    hp2 = a1
    if q2 is not None and len(a2) >= 12:
        hp2 = a2
        if sent.n < 12:
            hp = hp2
    r1, r2 = _rcode(hp), _rcode(hp2)
    c1, c2 = _ancount(hp), _ancount(hp2)
    if (r1 != wire.NOERROR or c1 == 0) and (r2 != wire.NOERROR or c2 == 0):
        have = (r1 == wire.NOERROR and c1 != 0) or (r2 == wire.NOERROR and c2 != 0)
        code = r2 if r1 == wire.NOERROR else r1
        if code == wire.NXDOMAIN:
            h = HOST_NOT_FOUND
        elif code == wire.SERVFAIL:
            h = TRY_AGAIN
        elif code == wire.NOERROR:
            h = NO_DATA
        else:
            h = NO_RECOVERY
        if not (have and code in (wire.NXDOMAIN, wire.NOERROR, wire.FORMERR, wire.NOTIMP)):
            yield HErrno(h)
            return QueryResult(-1, a1, a2, h, 0, tuple(ctx.asked))
    return QueryResult(sent.n, a1, a2, 0, 0, tuple(ctx.asked))


def _cache_step(
    rec: _trace.Recorder,
    name: str,
    qtype: int,
    cache: Cache | None,
    cached: SendResult | None,
    q1: bytes,
    q2: bytes | None,
    now: float,
) -> None:
    qtypes = ("A", "AAAA") if qtype == A_AND_AAAA else (wire.type_name(qtype),)
    if cache is None:
        rec.add(_trace.Fact("cache", "off: the question goes to the servers"))
    elif cached is None:
        rec.add(_trace.CacheLookup(_trace.c_text(name), qtypes, False))
    else:
        left = round(cache.expiry(q1, q2, now) - now, 3)
        rec.add(_trace.CacheLookup(_trace.c_text(name), qtypes, True, left))


def _outcome(r: QueryResult, two: bool) -> str:
    """A query's outcome as an explanation says it."""
    if _found(r, two):
        return "answer"
    return {
        HOST_NOT_FOUND: "NXDOMAIN (host not found)",
        NO_DATA: "no data (the name exists, not this type)",
        TRY_AGAIN: "try again (SERVFAIL or no reply)",
        NO_RECOVERY: "no recovery (refused, malformed or unencodable)",
    }.get(r.h_errno, f"h_errno {r.h_errno}")


_ENDS_THE_WALK = (
    "stop: this failure ends the walk (glibc: only NXDOMAIN, no data and SERVFAIL go on)"
)


def _tried(
    rec: _trace.Recorder, name: str, domain: str | None, r: QueryResult, two: bool, decision: str
) -> None:
    full = name if domain is None else name + "." + domain
    rec.add(_trace.SearchTry(_trace.c_text(full), _outcome(r, two), decision))


def res_querydomain(
    ctx: Context, name: str, domain: str | None, qtype: int
) -> Generator[Op, Any, QueryResult]:
    """glibc ``__res_context_querydomain``: ``name.domain`` (or ``name``), length-checked."""
    if domain is None:
        if not 0 < len(name.encode("latin-1", "replace")) <= MAXDNAME - 1:
            yield HErrno(NO_RECOVERY)
            return QueryResult(-1, h_errno=NO_RECOVERY, errno=ctx.errno)
        longname = name
    else:
        if len(name) + len(domain) + 1 >= MAXDNAME:
            yield HErrno(NO_RECOVERY)
            return QueryResult(-1, h_errno=NO_RECOVERY, errno=ctx.errno)
        longname = name + "." + domain
    return (yield from res_query(ctx, longname, qtype))


def _found(r: QueryResult, two: bool) -> bool:
    return r.n > 0 or (r.n == 0 and two and len(r.answer2) > 0)


def res_search(
    ctx: Context, name: str, qtype: int, anslen: int = 0
) -> Generator[Op, Any, QueryResult]:
    """glibc ``__res_context_search``: the search list at work (see the module docstring).

    ``anslen``: the size of the answer buffer the caller passes with ``answerp`` (nss_dns: 1,024
    bytes for one type, 2,048 for A and AAAA), 0 for none.  The walk's SERVFAIL test reads the
    RCODE there, also once glibc has read a reply too large for it into a buffer of its own and
    goes on in that one: the caller's then keeps the last message read into it."""
    cfg = ctx.config
    ctx.anslen = anslen
    ctx.moved = False
    two = qtype == A_AND_AAAA
    ctx.errno = 0
    h_errno = HOST_NOT_FOUND
    yield HErrno(HOST_NOT_FOUND)  # "true if we never query"
    dots = name.count(".")
    trailing_dot = name.endswith(".")
    saved_herrno = -1
    tried_as_is = False
    got_nodata = got_servfail = False
    root_on_list = searched = False
    last: QueryResult | None = None

    rec = _trace.recorder()
    if rec is not None:
        first = "as-is first" if dots >= cfg.ndots or trailing_dot else "search list first"
        if trailing_dot:
            first = "as-is only (trailing dot)"
        search = tuple(map(_trace.c_text, cfg.search))
        rec.add(_trace.SearchStart(_trace.c_text(name), dots, cfg.ndots, search, first))
    alias = None if dots else hostalias(ctx, name)
    if alias is not None:
        return _with_asked((yield from res_query(ctx, alias, qtype)), ctx)
    if dots >= cfg.ndots or trailing_dot:
        r = yield from res_querydomain(ctx, name, None, qtype)
        if r.n > 0 or trailing_dot or (r.n == 0 and two and r.answer2) or ctx.expired:
            if rec is not None:
                why = "answered" if _found(r, two) else "a name with a trailing dot is not searched"
                _tried(
                    rec, name, None, r, two, "stop: " + ("deadline passed" if ctx.expired else why)
                )
            return _with_asked(r, ctx)
        if rec is not None:
            _tried(rec, name, None, r, two, "go on: the search list next")
        last = r
        saved_herrno = r.h_errno
        tried_as_is = True

    # res_init sets RES_DEFNAMES and RES_DNSRCH: every name without a trailing dot searches.
    for walked, domain in enumerate(cfg.search, 1):
        if not walked % _WALK_STEP:
            yield PAUSE  # a long list answered from the cache: no I/O to let the loop run
        searched = True
        if domain.startswith("."):
            domain = domain[1:]
        if not domain:
            root_on_list = True
        r = yield from res_querydomain(ctx, name, domain, qtype)
        if _found(r, two) or ctx.expired:
            if rec is not None:
                why = "deadline passed" if ctx.expired and not _found(r, two) else "answered"
                _tried(rec, name, domain, r, two, "stop: " + why)
            return _with_asked(r, ctx)
        last = r
        h_errno = r.h_errno
        if ctx.errno == _errno.ECONNREFUSED:
            if rec is not None:
                _tried(rec, name, domain, r, two, "stop: connection refused")
            yield HErrno(TRY_AGAIN)
            return _with_asked(QueryResult(-1, r.answer1, r.answer2, TRY_AGAIN, ctx.errno), ctx)
        stop = False
        if h_errno == NO_DATA:
            got_nodata = True
            decision = "go on (no data remembered)"
        elif h_errno == HOST_NOT_FOUND:
            decision = "go on"
        elif h_errno == TRY_AGAIN and ctx.slot1_rcode == wire.SERVFAIL:
            got_servfail = True
            decision = "go on (SERVFAIL remembered)"
        else:
            stop = True
            decision = _ENDS_THE_WALK
        if rec is not None:
            _tried(rec, name, domain, r, two, decision)
        if stop:
            break

    if (dots or not searched or not cfg.no_tld_query) and not (tried_as_is or root_on_list):
        r = yield from res_querydomain(ctx, name, None, qtype)
        if rec is not None:
            _tried(
                rec, name, None, r, two, "stop: " + ("answered" if _found(r, two) else "last name")
            )
        if _found(r, two):
            return _with_asked(r, ctx)
        last = r
        h_errno = r.h_errno

    if saved_herrno != -1:
        h_errno = saved_herrno
        yield HErrno(h_errno)
    elif got_nodata:
        h_errno = NO_DATA
        yield HErrno(h_errno)
    elif got_servfail:
        h_errno = TRY_AGAIN
        yield HErrno(h_errno)
    a1 = last.answer1 if last is not None else b""
    return QueryResult(-1, a1, b"", h_errno, ctx.errno, tuple(ctx.asked))


def hostalias(ctx: Context, name: str) -> str | None:
    """glibc ``__res_context_hostalias``: the name the HOSTALIASES file gives ``name``, or None.

    ``res_search`` asks that name as it is; nss_dns's host lookups (which try it first, on a
    name with no dot) search it."""
    aliases = ctx.config.aliases
    if not aliases.entries:
        return None
    alias = aliases.lookup(name)
    rec = _trace.recorder()
    if alias is not None and rec is not None:
        rec.add(
            _trace.Fact(
                "hostaliases",
                f"{_trace.c_text(aliases.origin)} gives {_trace.c_text(name)} the name"
                f" {_trace.c_text(alias)}",
            )
        )
    return alias


_WALK_STEP = 256
"""Search domains asked between two pauses of the walk (glibc has no limit on the list)."""


def _with_asked(r: QueryResult, ctx: Context) -> QueryResult:
    return QueryResult(r.n, r.answer1, r.answer2, r.h_errno, r.errno, tuple(ctx.asked))
