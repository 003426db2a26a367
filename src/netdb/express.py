"""The express lane of getaddrinfo: the common DNS lookup without the generator layers.

Rules of this file
------------------
* The lane decides nothing the full path (``gai`` -> the hosts walk -> ``nss_dns`` ->
  ``res_search`` -> ``res_query`` -> ``res_send``) would decide otherwise.  It is taken only where
  the full path's requests and answer are fixed by facts it checks, and it gives the lookup up to
  the full path at the first fact it does not check.
* Giving up never repeats or changes I/O.  The lane keeps what it did: the query IDs it drew,
  the clock readings it took, each request's result.  The full path's generator is then run on
  that record (:class:`Replay`): it draws the same IDs, reads the same clock, is told the same
  results, and carries on from the same state: same socket, deadlines and attempts.
* Pure code, like the rest of the core, and invisible to the drivers: :func:`steps` is a
  generator of the same requests as the full path's (``Resolver._gai_steps`` hands it to every
  driver), so the blocking driver, the asyncio driver and the tests' scripted one run it as they
  run any lookup.

Theory of operation
-------------------
The full path, for ``getaddrinfo(name, service)`` with ``name`` in no hosts line and one server
asked first, makes these requests: ``UdpOpen(server)``, ``UdpSend(sock, queries)``, ``UdpRecv``
until the replies are in, ``Close``, then the cache's expiry (``Note``) and glibc's ``h_errno``
(``HErrno``).  The queries are A and AAAA (no family: ``gethostbyname4_r``) or the one of the
family asked (``AF_INET``: ``gethostbyname2_r``; ``AF_INET6``: ``gethostbyname3_r``).  The IDs
come from the resolver's random source, in query order; the clock is read before the open
(``res_query``'s "now"), after it (``send_dg``'s deadline: ``timeout`` seconds on) and after
the exchange (the cache's "now").  :func:`plan` checks the conditions (below) and builds the
queries exactly as ``res_query`` would.

A datagram is *plain* (:func:`plain_reply`) when ``send_dg`` would just store it in the next
answer slot: from the server's address and port, at least a header, the ID of a query not yet
answered and the question echoed byte for byte, RCODE NOERROR, TC clear, and not a lame
referral.  Anything else (no reply by the deadline, an ICMP error, an error RCODE, a truncated
or spurious datagram) hands the lookup over, with that datagram or event as the last result of
the record.

With every reply plain, :func:`finish` (both families) or :func:`finish_one` reads them as the
full path would: a reply must hold answer records (otherwise ``res_search`` goes on searching),
and ``gaih_getanswer`` (or ``getanswer_r``) must give addresses; then the answer list is built by
``gai.results`` (service tuples and the RFC 3484 order as ever), both replies are stored in the
resolver's cache as ``res_query`` stores them, and the answer is returned.  Otherwise the lookup
is handed over once its I/O is done, and the full path gives whatever it gives (NXDOMAIN,
NODATA, no address for the name, ...).

Conditions (:class:`Lane` per hosts database, :func:`plan` per call): the hosts line is
``files``, sources that let unknown names through (not installed and continuing on UNAVAIL;
``myhostname`` continuing on NOTFOUND, for names that are not its own), then ``dns`` returning
on success (the lines distributions ship: see :func:`lane`); UDP; no ``rotate`` over several
servers; no ``single-request`` or ``single-request-reopen``, configured or sticky; no
``no-aaaa``; no ``sortlist`` for ``AF_INET``; at least one attempt; no flag but
``AI_ADDRCONFIG``; a host that is not numeric, is a valid host name, names no hosts line, and
whose first query name (as is, or under the first search domain when it has fewer than
``ndots`` dots) encodes and is a host name; the resolver's cache (when on) without the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import gai, nss_dns, nss_myhostname
from .config.hosts import HostsFile
from .constants import AF_INET, AF_INET6, AI_ADDRCONFIG
from .dns import wire
from .dns.cache import Cache
from .dns.cache import key as cache_key
from .dns.ops import (
    EXPIRED,
    Close,
    HErrno,
    Note,
    Op,
    Pause,
    Server,
    UdpOpen,
    UdpRecv,
    UdpSend,
)
from .dns.query import SendResult, SendState
from .dns.search import EDNS_PAYLOAD, MAXDNAME, Context, SearchConfig
from .errors import HOST_NOT_FOUND, GaiError
from .hostent import ERANGE, Address, Status
from .hosts import HostsDatabase, MyHostnameFactory

_QID = 0x10000

VERIFY = False
"""A testing aid: when true, the drivers replay every answer of the lane through the full path
(:func:`check`), and a different answer raises AssertionError in the caller."""
STATS = {"express": 0, "handed_over": 0}
"""Lookups the lane answered, and lookups it handed over to the full path (all drivers)."""
NETDB_SUCCESS = 0


@dataclass(frozen=True, slots=True)
class Lane:
    """What the lane needs of one hosts database and its DNS configuration."""

    db: HostsDatabase
    hosts: HostsFile
    config: SearchConfig
    state: SendState
    rng: Callable[[int], int]
    clock: Callable[[], float]
    server: Server
    seconds: int  # send_dg's wait for the first server
    first_domain: str | None  # the first search domain (leading dot dropped), None: no list
    cache: Cache | None = None  # the resolver's DNS cache (None: off)
    # The myhostname source when it comes before dns: the plan asks it whether the name is
    # one of its own (then the lane is not taken).
    myhostname: MyHostnameFactory | None = None
    # Service tuples of numeric (or no) services, by (service, socktype, protocol): they
    # depend on nothing else.
    services: dict[tuple[str | None, int, int], list[Any]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )


# Sources netdb serves; any other name in the hosts line is a module that is not installed,
# which glibc counts as UNAVAIL (and getaddrinfo as "could not locate any lookup function").
_SERVED = frozenset(("files", "dns", "myhostname"))


def lane(db: HostsDatabase) -> Lane | None:
    """The lane for lookups through ``db``, or None when its configuration rules it out.

    The hosts line must be ``files``, then sources that let a name they do not know through,
    then ``dns``, which returns on success; what comes after ``dns`` is consulted only when it
    fails, and then the lane hands over.  A source that is not installed (``mdns4_minimal``,
    ``resolve``) lets every name through when its action for UNAVAIL is to continue, as in
    ``[NOTFOUND=return]`` and ``[!UNAVAIL=return]``; ``myhostname`` when its action for
    NOTFOUND is to continue, and the plan checks that the name is none of its own.  These are
    the lines distributions ship (Debian's ``files myhostname dns``, Fedora's and Ubuntu's
    ``files mdns4_minimal [NOTFOUND=return] dns myhostname``, systemd's ``files resolve
    [!UNAVAIL=return] dns myhostname``).
    """
    sources = db.sources
    if len(sources) < 2 or db.dns is None:
        return None
    names = [getattr(s, "name", None) for s in sources]
    if names[0] != "files" or "dns" not in names:
        return None
    at = names.index("dns")
    if sources[0].action("notfound") != "continue":  # type: ignore[attr-defined]
        return None
    myhostname: MyHostnameFactory | None = None
    for source, name in zip(sources[1:at], names[1:at], strict=True):
        if name == "myhostname" and db.myhostname is not None:
            if source.action("notfound") != "continue":  # type: ignore[attr-defined]
                return None
            myhostname = db.myhostname
        elif name in _SERVED:
            return None  # files twice, or myhostname not served: the full path decides
        elif source.action("unavail") != "continue":  # type: ignore[attr-defined]
            return None
    on_success = sources[at].action("success")  # type: ignore[attr-defined]
    if on_success == "merge" or (on_success != "return" and at != len(sources) - 1):
        return None
    ctx = db.dns()
    cfg = ctx.config
    opts = cfg.send
    if (
        cfg.no_aaaa
        or not opts.servers
        or opts.use_vc
        or opts.single_request
        or opts.single_request_reopen
        or opts.attempts < 1
        or (opts.rotate and len(opts.servers) > 1)
    ):
        return None
    seconds = opts.timeout if opts.timeout >= 0 else -1
    if seconds <= 0:
        seconds = 1
    first: str | None = None
    if cfg.search:
        first = cfg.search[0]
        if first.startswith("."):
            first = first[1:]
    return Lane(
        db,
        db.hosts,
        cfg,
        ctx.state,
        ctx.rng,
        ctx.clock,
        opts.servers[0],
        seconds,
        first,
        ctx.cache,
        myhostname,
    )


@dataclass(slots=True)
class Plan:
    """One lookup in the lane: its queries (A and AAAA, or the one of its family) and what a
    plain reply to each looks like."""

    lane: Lane
    ctx: gai.GaiContext
    st: list[Any]  # gai's service tuples
    ids: tuple[int, ...]
    queries: tuple[bytes, ...]
    id1: bytes
    id2: bytes  # empty for one query
    question1: bytes
    question2: bytes
    family: int = 0  # AF_UNSPEC: A and AAAA (gethostbyname4); else one query of that family
    keys: tuple[bytes | None, bytes | None] = (None, None)  # the queries' cache keys

    def replay(self, clocks: list[float]) -> Replay:
        """The record of this plan's lookup for the full path to take over with: the clock
        readings ``clocks`` (in order), the plan's IDs, the sticky state as the plan saw it."""
        return Replay(clocks, list(self.ids), self.lane)


class Replay:
    """What the full path reads of a lookup the lane began, for it to read the same again: the
    recorded clock values and IDs first, then the real ones; the resolver's sticky
    single-request modes as the lane sent (off) until :meth:`over`, while writes to them go to
    the resolver's own state at once.  :attr:`db` is the hosts database to run it on."""

    __slots__ = ("clocks", "db", "ids", "lane", "state")

    def __init__(self, clocks: list[float], ids: list[int], lane: Lane) -> None:
        self.clocks = clocks
        self.ids = ids
        self.lane = lane
        self.state = AsSent(lane.state)
        self.db = dataclasses.replace(lane.db, dns=self.context)

    def over(self) -> None:
        """The record is replayed: the full path now sees the resolver's state as it is."""
        self.state.replaying = False

    def clock(self) -> float:
        if self.clocks:
            return self.clocks.pop(0)
        return self.lane.clock()

    def rng(self, n: int) -> int:
        if n == _QID and self.ids:
            return self.ids.pop(0)
        return self.lane.rng(n)

    def context(self) -> Context:
        """The ``dns`` source's per-lookup context, as the resolver would make it (its cache
        seen through :class:`Unasked` while the record is replayed)."""
        cache = self.lane.cache
        view = None if cache is None else Unasked(cache, self.state)
        return Context(self.lane.config, self.state, clock=self.clock, rng=self.rng, cache=view)


class Unasked(Cache):
    """The resolver's cache as a replayed lookup sees it: the lane found nothing there (the plan
    checked), so while the record is replayed a lookup finds nothing either, whatever another
    lookup stored since; what the replayed lookup stores goes to the resolver's cache."""

    __slots__ = ("own", "sent")

    def __init__(self, own: Cache, sent: AsSent) -> None:  # no super().__init__: a view
        self.own = own
        self.sent = sent

    def lookup(
        self, query1: bytes, query2: bytes | None, now: float, anslen: int = 0
    ) -> SendResult | None:
        if self.sent.replaying:
            return None
        return self.own.lookup(query1, query2, now, anslen)

    def expiry(self, query1: bytes, query2: bytes | None, now: float) -> float:
        return self.own.expiry(query1, query2, now)

    def store(self, query1: bytes, query2: bytes | None, sent: SendResult, now: float) -> float:
        return self.own.store(query1, query2, sent, now)


class AsSent(SendState):
    """A resolver's :class:`SendState` as a replayed lookup sees it: single-request modes off
    (as they were when the lane sent) while ``replaying``, the resolver's own afterwards; every
    write goes to the resolver's own at once, so a fallback turns sticky for every lookup."""

    __slots__ = ("own", "replaying")

    def __init__(self, own: SendState) -> None:  # no super().__init__: nothing of its own
        self.own = own
        self.replaying = True

    @property
    def single_request(self) -> bool:
        return False if self.replaying else self.own.single_request

    @single_request.setter
    def single_request(self, value: bool) -> None:
        self.own.single_request = value

    @property
    def single_request_reopen(self) -> bool:
        return False if self.replaying else self.own.single_request_reopen

    @single_request_reopen.setter
    def single_request_reopen(self, value: bool) -> None:
        self.own.single_request_reopen = value

    @property
    def rotate_offset(self) -> int:
        return self.own.rotate_offset

    @rotate_offset.setter
    def rotate_offset(self, value: int) -> None:
        self.own.rotate_offset = value

    @property
    def rng(self) -> Callable[[int], int] | None:
        return self.own.rng

    @rng.setter
    def rng(self, value: Callable[[int], int] | None) -> None:
        self.own.rng = value


def plan(
    ctx: gai.GaiContext,
    way: Lane,
    host: str | None,
    service: str | None,
    family: int,
    socktype: int,
    protocol: int,
    flags: int,
) -> Plan | None:
    """The plan for this ``getaddrinfo`` call (IDs drawn), or None: the full path from the start.

    Nothing has happened when None is returned: no ID drawn, nothing sent; the clock is read
    only to ask the resolver's cache whether it holds the answer.
    """
    if flags & ~AI_ADDRCONFIG or not host or host == "*" or family not in _FAMILIES:
        return None
    if flags:
        # AI_ADDRCONFIG as gai.prologue applies it: an unspecified family narrowed to the one
        # with addresses when only one has; a family without addresses fails (full path).
        seen4, seen6 = ctx.addrconfig()
        if family == 0:
            if seen4 != seen6:
                family = AF_INET if seen4 else AF_INET6
        elif not (seen4 if family == AF_INET else seen6):
            return None
    if family == AF_INET and way.config.sortlist:
        return None  # gethostbyname3 reorders A answers by the sortlist: the full path does
    state = way.state
    if state.single_request or state.single_request_reopen:
        return None
    st = way.services.get((service, socktype, protocol))
    if st is None:
        try:
            _, _, st = gai.prologue(ctx, host, service, family, socktype, protocol, flags)
        except GaiError:
            return None
        number = None if service in (None, "*") else gai.strtoul_port(service or "")
        if service in (None, "*") or (number is not None and number >= 0):
            if len(way.services) >= 256:
                way.services.clear()
            way.services[(service, socktype, protocol)] = st
    wname = nss_dns.hnok_wire(host)
    if wname is None or gai.is_numeric(ctx, host, family, flags) or way.hosts.by_name(host):
        return None
    if way.myhostname is not None and not nss_myhostname.foreign(way.myhostname(), host):
        return None
    cfg = way.config
    if cfg.aliases.entries and "." not in host and cfg.aliases.lookup(host) is not None:
        return None  # res_search asks the HOSTALIASES name instead: the full path does
    domain = way.first_domain
    if not (host.count(".") >= cfg.ndots or host.endswith(".") or domain is None):
        qname = host + "." + domain
        if len(qname) >= MAXDNAME:
            return None
        try:
            wname = wire.name_from_text(qname)
        except ValueError:
            return None
        if not nss_dns.binary_hnok(wname):
            return None  # the replies' reader would refuse the name asked: the full path decides
    elif len(host) >= MAXDNAME:
        return None
    # (else the name asked is ``host``'s own wire form, which hnok_wire checked as binary_hnok)
    edns = EDNS_PAYLOAD if cfg.edns0 else None
    # The queries without their IDs (the cache's keys ignore IDs): built once.
    bare = [
        wire.build_query(0, wname, t, ad=cfg.trust_ad, edns_payload=edns) for t in _FAMILIES[family]
    ]
    cache = way.cache
    keys: tuple[bytes | None, bytes | None] = (None, None)
    if cache is not None:
        # The cache holds the answer: res_query gives it from there, with no I/O.
        now = way.clock()
        keys = (cache_key(bare[0]), cache_key(bare[1]) if len(bare) > 1 else None)
        if cache.expiry_keyed(keys[0], keys[1], now) > now:
            return None
    ids = tuple([way.rng(_QID) for _ in bare])
    queries = tuple([i.to_bytes(2, "big") + q[2:] for i, q in zip(ids, bare, strict=True)])
    end = 12 + len(wname) + 4
    q1 = queries[0]
    if len(queries) == 1:
        return Plan(way, ctx, st, ids, queries, q1[:2], b"", q1[12:end], b"", family, keys)
    q2 = queries[1]
    return Plan(way, ctx, st, ids, queries, q1[:2], q2[:2], q1[12:end], q2[12:end], family, keys)


# The queries of each family, in the order res_query sends them.
_FAMILIES = {0: (wire.A, wire.AAAA), AF_INET: (wire.A,), AF_INET6: (wire.AAAA,)}


def plain_reply(plan: Plan, data: bytes, source: object, have1: bool, have2: bool) -> int:
    """1 or 2: ``data`` from ``source`` is a plain reply to the first or second query (see the
    module docstring); 0: anything else."""
    server = plan.lane.server
    if (
        len(data) < 12
        or data[4:6] != b"\x00\x01"
        or data[3] & 0x0F  # RCODE
        or data[2] & 0x02  # TC
        or not isinstance(source, tuple)
        or len(source) < 2
        or source[1] != server.port
        or source[0] != server.host
    ):
        return 0
    if (
        data[6:8] == b"\x00\x00"
        and not data[2] & 0x04  # AA
        and not data[3] & 0x80  # RA
        and data[10:12] == b"\x00\x00"
    ):
        return 0  # a lame referral: send_dg moves to the next server
    rid = data[:2]
    if not have1 and rid == plan.id1 and data[12 : 12 + len(plan.question1)] == plan.question1:
        return 1
    if not have2 and rid == plan.id2 and data[12 : 12 + len(plan.question2)] == plan.question2:
        return 2
    return 0


Done = tuple[list[gai.AddrInfo], int, tuple[tuple[int, Any], ...]]
"""A lane's answer: the answer list, glibc's ``h_errno`` after it, and what was read of the
replies in the order of the queries' slots (``Cache.store_keyed``'s ``read``; empty if
nothing)."""


def finish(plan: Plan, first: bytes, second: bytes, first_is_a: bool) -> Done | None:
    """The answer (:data:`Done`) from the two plain replies in order of arrival
    (``first_is_a``: the first one answers the A query); None when the full path must read them
    (no address, or a search going on)."""
    if first[6:8] == b"\x00\x00" and second[6:8] == b"\x00\x00":
        return None  # NODATA twice: res_search tries the next name
    addresses: list[Address] = []
    skip = 12 + len(plan.question1)
    read: list[Any] = []
    if _only_addresses(first, skip, first_is_a, addresses, read) and _only_addresses(
        second, skip, not first_is_a, addresses, read
    ):
        # gaih_getanswer on such replies: every record an address of the name asked; h_errno
        # is what the second slice stored (HOST_NOT_FOUND when it had no record).
        h_errno = NETDB_SUCCESS if second[6:8] != b"\x00\x00" else HOST_NOT_FOUND
        # gaih_getanswer's tuples (and the name) may not fit getaddrinfo's first 1024-byte
        # buffer: glibc then asks again with a larger one (the full path's business).
        if not nss_dns.fits_surely(len(addresses), gai.SCRATCH_BUFLEN, tuples=True) and (
            nss_dns.gaih_overflows(first, second, gai.SCRATCH_BUFLEN)
        ):
            return None
        # (a plain reply echoes the question byte for byte: it ends where the query's does)
        known: tuple[tuple[int, Any], ...] = ((skip, read[0]), (skip, read[1]))
        if not first_is_a:
            known = known[::-1]
    else:
        ans = nss_dns.gaih_getanswer(first, second)
        if ans.status is not Status.SUCCESS or not ans.addresses:
            return None
        if nss_dns.gaih_overflows(first, second, gai.SCRATCH_BUFLEN):
            return None  # as above
        addresses = list(ans.addresses)
        h_errno = ans.h_errno
        known = ()
    return gai.results(plan.ctx, addresses, plan.st, None), h_errno, known


T = TypeVar("T")


def steps(
    plan: Plan,
    full: Callable[[HostsDatabase], Generator[Op, Any, T]],
    convert: Callable[[list[gai.AddrInfo]], T],
) -> Generator[Op, Any, T]:
    """The lookup of ``plan`` as a sans-I/O generator: the full path's requests, yielded as it
    yields them (the open, the send of both queries, the receives, the close, the cache's
    expiry and glibc's ``h_errno``), without its layers.  ``full(db)`` is the full path on the
    hosts database ``db``: at the first thing the lane does not cover it is made on the lane's
    record (:class:`Replay`), fed the results already in, and driven on from there.  The answer
    is ``convert`` of the answer list, or whatever the full path returns.  The drivers cannot
    tell this generator from the full path's."""
    lane = plan.lane
    single = len(plan.queries) == 1
    log: list[Any] = []
    clocks = [lane.clock()]  # res_query's "now"
    sock: Any = None
    until = 0.0
    opened = yield UdpOpen(lane.server)
    log.append(opened)
    if not (opened is EXPIRED or isinstance(opened, BaseException)):
        sock = opened
        now = lane.clock()
        clocks.append(now)  # send_dg's start of the wait
        until = now + lane.seconds
        sent = yield UdpSend(sock, plan.queries)
        log.append(sent)
        have = 0
        first = b""
        while sent is None:
            got = yield UdpRecv(sock, until)
            log.append(got)
            if got.__class__ is not tuple:
                break
            which = plain_reply(plan, got[0], got[1], have == 1, have == 2)
            if not which:
                break
            if single:
                done = finish_one(plan, got[0])
            elif not have:
                have, first = which, got[0]
                continue
            else:
                done = finish(plan, first, got[0], have == 1)
            if done is None:
                break
            results, h_errno, known = done
            value = convert(results)
            if VERIFY:
                replayed = full(plan.replay(list(clocks)).db)
                check(plan, replayed, log, sock, until, value, h_errno)
            STATS["express"] += 1
            yield Close(sock)
            now = lane.clock()  # res_query's clock after res_send
            cache = lane.cache
            if cache is None:
                yield Note(now)
            else:
                # The replies in the queries' slots, as res_send gives them to res_query.
                if single:
                    one, two = got[0], b""
                else:
                    one, two = (first, got[0]) if have == 1 else (got[0], first)
                sent_ = SendResult(len(one), one, two, 0, lane.server)
                key1, key2 = plan.keys
                yield Note(cache.store_keyed(key1, not single, key2, sent_, now, known))
            yield HErrno(h_errno)
            return value
    # Hand over: the full path, made on the record, replays it and goes on.
    STATS["handed_over"] += 1
    replay = plan.replay(clocks)
    gen = full(replay.db)
    try:
        step = 0
        if not log:
            replay.over()
        op = gen.send(None)
        while step < len(log):
            if isinstance(op, (Note, HErrno, Pause)):
                result = yield op
            else:
                if not same_request(plan, step, op, sock, until):
                    raise RuntimeError(f"netdb: express lane record differs at {step}: {op!r}")
                result = log[step]
                step += 1
                if step == len(log):
                    replay.over()
            op = gen.send(result)
        while True:
            op = gen.send((yield op))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        gen.close()


def finish_one(plan: Plan, reply: bytes) -> Done | None:
    """The answer (:data:`Done`) from the plain reply to a plan's one
    query (``AF_INET``: gethostbyname2_r; ``AF_INET6``: gethostbyname3_r, both reading it with
    ``getanswer_r``); None when the full path must read it (no address: the search goes on)."""
    if reply[6:8] == b"\x00\x00":
        return None  # NODATA: res_search tries the next name
    is_a = plan.family == AF_INET
    addresses: list[Address] = []
    skip = 12 + len(plan.question1)
    read: list[Any] = []
    known: tuple[tuple[int, Any], ...] = ()
    qtype = wire.A if is_a else wire.AAAA
    if _only_addresses(reply, skip, is_a, addresses, read):
        h_errno = NETDB_SUCCESS
        known = ((skip, read[0]),)
        # getanswer_r's hostent (name, addresses, pointers) may not fit getaddrinfo's first
        # 1024-byte buffer: glibc then asks again with a larger one (the full path's business).
        if not nss_dns.fits_surely(len(addresses), gai.SCRATCH_BUFLEN, tuples=False) and (
            nss_dns.getanswer(reply, qtype, plan.family, gai.SCRATCH_BUFLEN) is ERANGE
        ):
            return None
    else:
        ans = nss_dns.getanswer(reply, qtype, plan.family, gai.SCRATCH_BUFLEN)
        if ans is ERANGE:
            return None  # as above
        if ans.status is not Status.SUCCESS or not ans.addresses:
            return None
        addresses = list(ans.addresses)
        h_errno = ans.h_errno
    return gai.results(plan.ctx, addresses, plan.st, None), h_errno, known


def _only_addresses(
    packet: bytes, at: int, is_a: bool, out: list[Address], read: list[Any] | None = None
) -> bool:
    """Append the addresses of ``packet``'s answer section (starting at ``at``) to ``out`` when
    every record is an address of the question's own type and class IN owned by the question
    name (compressed to offset 12); False, with ``out`` unchanged, for anything else.
    ``read``: where to append what ``wire.plain_answers`` gave."""
    found = wire.plain_answers(packet, at)
    if read is not None:
        read.append(found)
    if found is None:
        return False
    family = AF_INET if is_a else AF_INET6
    out += [Address(family, rdata) for _, rdata in found]
    return True


def same_request(plan: Plan, step: int, op: object, sock: object, deadline: float) -> bool:
    """Whether the full path's request ``op`` is the lane's request number ``step`` (0 the open,
    1 the send, then the receives), checked while a record is replayed: a difference would be a
    bug of the lane."""
    if step == 0:
        return isinstance(op, UdpOpen) and op.server == plan.lane.server
    if step == 1:
        return isinstance(op, UdpSend) and op.sock is sock and tuple(op.payloads) == plan.queries
    return isinstance(op, UdpRecv) and op.sock is sock and op.deadline == deadline


def check(
    plan: Plan,
    full: Generator[Op, Any, Any],
    log: Sequence[Any] | None,
    sock: object,
    until: float,
    value: object,
    h_errno: int,
) -> None:
    """:data:`VERIFY`: the full path ``full`` (made on ``plan.replay(...).db``), run on the
    lane's whole record ``log``, must ask for the same requests and nothing more but the
    socket's close, and end with the same ``value`` and ``h_errno``; AssertionError if not."""
    log = log or ()
    step = 0
    seen: int | None = None
    try:
        op = full.send(None)
        while True:
            result: Any = None
            if isinstance(op, HErrno):
                seen = op.value
            elif isinstance(op, (Note, Pause)):
                pass
            elif step < len(log):
                if not same_request(plan, step, op, sock, until):
                    raise AssertionError(f"express lane: request {step} differs: {op!r}")
                result = log[step]
                step += 1
            elif not (isinstance(op, Close) and op.sock is sock):
                raise AssertionError(f"express lane: the full path asks for more: {op!r}")
            op = full.send(result)
    except StopIteration as stop:
        answer = stop.value
    if answer != value or seen != h_errno or step != len(log):
        raise AssertionError(f"express lane: {value!r}, {h_errno} != {answer!r}, {seen}")
