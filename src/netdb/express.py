"""The express lane of getaddrinfo: the common DNS lookup without the generator layers.

Rules of this file
------------------
* The lane decides nothing the full path (``gai`` -> the hosts walk -> ``nss_dns`` ->
  ``res_search`` -> ``res_query`` -> ``res_send``) would decide otherwise.  It is taken only where
  the full path's requests and answer are fixed by facts it checks, and it gives the lookup up to
  the full path at the first fact it does not check.
* Giving up never repeats or changes I/O.  The driver keeps what the lane did: the query IDs it
  drew, the clock readings it took, each request's result.  The full path's generator is then
  run on that record (:class:`Replay`): it draws the same IDs, reads the same clock, is told the
  same results, and carries on from the same state: same socket, deadlines and attempts.
* Pure code, like the rest of the core: the driver does the I/O (``netdb.aio``).

Theory of operation
-------------------
The full path, for ``getaddrinfo(name, service)`` with no family and no flags under
``hosts: files dns``, with ``name`` in no hosts line and one server asked first, makes these
requests: ``UdpOpen(server)``, ``UdpSend(sock, (A query, AAAA query))``, ``UdpRecv`` until both
replies are in, ``Close``.  The IDs come from the resolver's random source, A first; the clock
is read before the open (``res_query``'s "now") and after it (``send_dg``'s deadline:
``timeout`` seconds on).  :func:`plan` checks the conditions (below) and builds the two queries
exactly as ``res_query`` would; the driver opens, sends and waits the same way.

A datagram is *plain* (:func:`plain_reply`) when ``send_dg`` would just store it in the next
answer slot: from the server's address and port, at least a header, the ID of a query not yet
answered and the question echoed byte for byte, RCODE NOERROR, TC clear, and not a lame
referral.  Anything else (no reply by the deadline, an ICMP error, an error RCODE, a truncated
or spurious datagram) hands the lookup over, with that datagram or event as the last result of
the record.

With both replies plain, :func:`finish` reads them as the full path would: at least one must
hold answer records (otherwise ``res_search`` goes on searching), and ``gaih_getanswer`` must
give addresses; then the answer list is built by ``gai.results`` (service tuples and the
RFC 3484 order as ever).  Otherwise the lookup is handed over once its I/O is done, and the
full path gives whatever it gives (NXDOMAIN, NODATA, no address for the name, ...).

Conditions (:class:`Lane` per hosts database, :func:`plan` per call): hosts sources exactly
``files dns`` (``files`` continuing on NOTFOUND, ``dns`` not merging on SUCCESS); no DNS cache;
UDP; no ``rotate`` over several servers; no ``single-request`` or ``single-request-reopen``,
configured or sticky; no ``no-aaaa``; at least one attempt; the family ``AF_UNSPEC`` and no
flags; a host that is not numeric, is a valid host name, names no hosts line, and whose first
query name (as is, or under the first search domain when it has fewer than ``ndots`` dots)
encodes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

from . import gai, nss_dns
from .config.hosts import HostsFile
from .constants import AF_INET, AF_INET6
from .dns import wire
from .dns.ops import Close, HErrno, Note, Op, Server, UdpOpen, UdpRecv, UdpSend
from .dns.query import SendState
from .dns.search import EDNS_PAYLOAD, MAXDNAME, Context, SearchConfig
from .errors import HOST_NOT_FOUND, GaiError
from .hostent import Address, Status
from .hosts import HostsDatabase

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
    # Service tuples of numeric (or no) services, by (service, socktype, protocol): they
    # depend on nothing else.
    services: dict[tuple[str | None, int, int], list[Any]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )


def lane(db: HostsDatabase) -> Lane | None:
    """The lane for lookups through ``db``, or None when its configuration rules it out."""
    sources = db.sources
    if len(sources) != 2 or db.dns is None:
        return None
    files, dns = sources
    if getattr(files, "name", None) != "files" or getattr(dns, "name", None) != "dns":
        return None
    if files.action("notfound") != "continue":  # type: ignore[attr-defined]
        return None
    if dns.action("success") == "merge":  # type: ignore[attr-defined]
        return None
    ctx = db.dns()
    cfg = ctx.config
    opts = cfg.send
    if (
        ctx.cache is not None
        or cfg.no_aaaa
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
    return Lane(db, db.hosts, cfg, ctx.state, ctx.rng, ctx.clock, opts.servers[0], seconds, first)


@dataclass(slots=True)
class Plan:
    """One lookup in the lane: its two queries and what a plain reply to each looks like."""

    lane: Lane
    ctx: gai.GaiContext
    st: list[Any]  # gai's service tuples
    ids: tuple[int, int]
    queries: tuple[bytes, bytes]
    id1: bytes
    id2: bytes
    question1: bytes
    question2: bytes

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
        """The ``dns`` source's per-lookup context, as the resolver would make it."""
        return Context(self.lane.config, self.state, clock=self.clock, rng=self.rng, cache=None)


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

    Nothing has happened when None is returned: no ID drawn, no clock read.
    """
    if family or flags or not host or host == "*":
        return None
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
    cfg = way.config
    domain = way.first_domain
    if not (host.count(".") >= cfg.ndots or host.endswith(".") or domain is None):
        qname = host + "." + domain
        if len(qname) >= MAXDNAME:
            return None
        try:
            wname = wire.name_from_text(qname)
        except ValueError:
            return None
    elif len(host) >= MAXDNAME:
        return None
    id1 = way.rng(_QID)
    id2 = way.rng(_QID)
    edns = EDNS_PAYLOAD if cfg.edns0 else None
    q1 = wire.build_query(id1, wname, wire.A, ad=cfg.trust_ad, edns_payload=edns)
    q2 = wire.build_query(id2, wname, wire.AAAA, ad=cfg.trust_ad, edns_payload=edns)
    end = 12 + len(wname) + 4
    return Plan(way, ctx, st, (id1, id2), (q1, q2), q1[:2], q2[:2], q1[12:end], q2[12:end])


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


def finish(
    plan: Plan, first: bytes, second: bytes, first_is_a: bool
) -> tuple[list[gai.AddrInfo], int] | None:
    """The answer list and glibc's ``h_errno`` after it, from the two plain replies in order of
    arrival (``first_is_a``: the first one answers the A query); None when the full path must
    read them (no address, or a search going on)."""
    if first[6:8] == b"\x00\x00" and second[6:8] == b"\x00\x00":
        return None  # NODATA twice: res_search tries the next name
    addresses: list[Address] = []
    skip = 12 + len(plan.question1)
    if _only_addresses(first, skip, first_is_a, addresses) and _only_addresses(
        second, skip, not first_is_a, addresses
    ):
        # gaih_getanswer on such replies: every record an address of the name asked; h_errno
        # is what the second slice stored (HOST_NOT_FOUND when it had no record).
        h_errno = NETDB_SUCCESS if second[6:8] != b"\x00\x00" else HOST_NOT_FOUND
    else:
        ans = nss_dns.gaih_getanswer(first, second)
        if ans.status is not Status.SUCCESS or not ans.addresses:
            return None
        addresses = list(ans.addresses)
        h_errno = ans.h_errno
    return gai.results(plan.ctx, addresses, plan.st, None), h_errno


def _only_addresses(packet: bytes, at: int, is_a: bool, out: list[Address]) -> bool:
    """Append the addresses of ``packet``'s answer section (starting at ``at``) to ``out`` when
    every record is an address of the question's own type and class IN owned by the question
    name (compressed to offset 12); False, with ``out`` unchanged, for anything else."""
    count = (packet[6] << 8) | packet[7]
    end = len(packet)
    if is_a:
        head, size, family = b"\xc0\x0c\x00\x01\x00\x01", 4, AF_INET
    else:
        head, size, family = b"\xc0\x0c\x00\x1c\x00\x01", 16, AF_INET6
    found: list[Address] = []
    for _ in range(count):
        data = at + 12
        if (
            data + size > end
            or packet[at : at + 6] != head
            or packet[at + 10] != 0
            or packet[at + 11] != size
        ):
            return False
        found.append(Address(family, packet[data : data + size]))
        at = data + size
    out += found
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
            elif isinstance(op, Note):
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
