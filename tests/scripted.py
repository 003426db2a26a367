"""A scripted DNS world for the sans-I/O core: no sockets, no namespaces, no servers to start.

Three parts, each usable alone:

* :class:`Authority` answers queries from zone files the way Knot answers them alone (the
  differential sandbox's ``knot`` scenario): authoritative (AA, no RA), CNAMEs followed inside
  their zone only, wildcards, empty non-terminals, NXDOMAIN/NODATA with the zone's SOA,
  referrals at delegations, the query's letter case echoed, UDP replies over 512 bytes (or the
  EDNS size) truncated to the question.  :func:`fixture_authority` serves
  ``tests/fixtures/zones`` as the sandbox's Knot does, so a scripted run meets the same answers
  glibc met there.
* :class:`Net` performs the core's requests (``netdb.dns.ops``) against *handlers*, one per
  server address, on a fake clock, answering each request with exactly the kind of result
  ``netdb._io.driver.Run.perform`` gives: a handle, ``None``, ``(payload, (host, port))``,
  ``None`` at a deadline, an ``OSError``, or ``EXPIRED`` once the lookup's own deadline
  (``lifetime``) has passed.  It keeps the queries asked, the ``HErrno`` facts and the ``Note``
  expiries, and checks that every socket opened is closed.
* :class:`ScriptedResolver`, a :class:`netdb.Resolver` over files in a directory, whose kernel
  facts (``AI_ADDRCONFIG``, interface names, destination order) are fixed instead of read from
  the kernel, and whose DNS context reads the :class:`Net`'s clock; its ``*_steps`` lookups are
  driven with :meth:`Net.run`.  :func:`run_express` drives a getaddrinfo through the express
  lane's core generator (``express.steps``), with the :class:`Net` in place of sockets.

A handler takes ``(query bytes, transport)`` (``"udp"``/``"tcp"``) and returns the datagrams the
server sends back, as :class:`Sent` items or plain bytes (sent at once), or ``REFUSED`` (the
port is closed: ICMP port unreachable, ECONNREFUSED).  An empty list is silence.
"""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import itertools
import re
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from netdb import express
from netdb._api import Resolver
from netdb.config.loader import SystemFiles
from netdb.constants import AF_INET
from netdb.dns import search, wire
from netdb.dns.cache import Cache
from netdb.dns.ops import (
    EXPIRED,
    Close,
    HErrno,
    Note,
    Pause,
    Server,
    TcpOpen,
    TcpRecv,
    TcpSend,
    UdpOpen,
    UdpRecv,
    UdpSend,
)
from netdb.dns.query import SendOptions, SendState
from netdb.hostent import Address
from netdb.sort import Candidate, Policy
from netdb.sort import order as sort_order
from netdb.steps import Steps, done

T = TypeVar("T")

ZONES = Path(__file__).resolve().parent / "fixtures" / "zones"
# (zone name, file): as tests/sandbox/dnsservers.py loads them into Knot.
FIXTURE_ZONES: tuple[tuple[str, str], ...] = (
    (".", "root.zone"),
    ("test.", "test.zone"),
    ("example.test.", "example.test.zone"),
    ("sub.example.test.", "sub.example.test.zone"),
    ("other.test.", "other.test.zone"),
    ("2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.zone"),
    ("100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.zone"),
    ("0/25.100.51.198.in-addr.arpa.", "0-25.100.51.198.in-addr.arpa.zone"),
    ("8.b.d.0.1.0.0.2.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.zone"),
)
KNOT = "127.0.0.1"
REFUSED = "refused"
CLOSE = "close"  # TCP: the server closes the connection without a reply
EDNS_SIZE = 1232  # Knot's default UDP payload limit with EDNS
CNAME_CHAIN = 5  # CNAME links Knot follows in one answer


# --- zones ------------------------------------------------------------------------------------


def _split(line: str) -> list[str]:
    """A zone file line's words (quoted strings kept whole, comments dropped)."""
    words: list[str] = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|(;.*)|(\S+)', line):
        if m.group(2) is not None:
            break
        words.append('"' + m.group(1) + '"' if m.group(1) is not None else m.group(3))
    return words


def _absolute(name: str, origin: str) -> bytes:
    """A zone file name in wire form, folded to lower case as Knot keeps every name."""
    if name == "@":
        name = origin
    elif not (name.endswith(".") and not name.endswith("\\.")):
        name += "." + origin if origin != "." else "."
    return wire.name_lower(wire.name_from_text(name))


def parse_zone(text: str, origin: str, knot: str = KNOT) -> list[wire.Record]:
    """The records of a zone file (the subset the fixtures use); ``@KNOT@`` is ``knot``."""
    records: list[wire.Record] = []
    ttl = 3600
    owner = wire.name_from_text(origin)
    for raw in text.replace("@KNOT@", knot).splitlines():
        words = _split(raw)
        if not words:
            continue
        if words[0] == "$TTL":
            ttl = int(words[1])
            continue
        if not raw[0].isspace():
            owner = _absolute(words.pop(0), origin)
        rttl = ttl
        if words[0].isdigit():
            rttl = int(words.pop(0))
        if words[0] == "IN":
            words.pop(0)
        rtype, rdata = wire.type_from_text(words[0]), words[1:]
        data: object
        if rtype == wire.A:
            data = ipaddress.IPv4Address(rdata[0]).packed
        elif rtype == wire.AAAA:
            data = ipaddress.IPv6Address(rdata[0]).packed
        elif rtype in (wire.CNAME, wire.PTR, wire.NS):
            data = _absolute(rdata[0], origin)
        elif rtype == wire.MX:
            data = wire.Mx(int(rdata[0]), _absolute(rdata[1], origin))
        elif rtype == wire.TXT:
            data = tuple(w.strip('"').encode() for w in rdata)
        elif rtype == wire.SOA:
            nums = [int(w) for w in rdata[2:]]
            data = wire.Soa(_absolute(rdata[0], origin), _absolute(rdata[1], origin), *nums)
        else:  # pragma: no cover - the fixtures use no other type
            raise ValueError(f"zone type {words[0]} not supported")
        records.append(wire.Record(owner, rtype, wire.IN, rttl, data))
    return records


@dataclass
class Zone:
    origin: bytes
    records: list[wire.Record]
    nodes: dict[bytes, list[wire.Record]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in self.records:
            self.nodes.setdefault(wire.name_lower(r.name), []).append(r)

    @property
    def soa(self) -> wire.Record:
        return next(r for r in self.nodes[wire.name_lower(self.origin)] if r.rtype == wire.SOA)


def _parent(name: bytes) -> bytes:
    return name[name[0] + 1 :] if name[0] else name


def _under(name: bytes, origin: bytes) -> bool:
    return name.endswith(origin) and (
        len(name) == len(origin) or _label_boundary(name, len(name) - len(origin))
    )


def _label_boundary(name: bytes, at: int) -> bool:
    i = 0
    while i < at:
        i += name[i] + 1
    return i == at


class Authority:
    """An authoritative server for some zones, answering as Knot does alone (module docstring).

    Call it as a handler: ``authority(query, transport)``.  ``log`` keeps every question asked
    (name as text, type, transport)."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self.zones = sorted(zones, key=lambda z: -len(z.origin))
        self.log: list[tuple[str, int, str]] = []

    def zone_for(self, lname: bytes) -> Zone | None:
        for z in self.zones:
            if _under(lname, wire.name_lower(z.origin)):
                return z
        return None

    def __call__(self, query: bytes, transport: str) -> list[Sent | bytes] | str:
        q = wire.parse(query)
        question = q.question[0]
        self.log.append((wire.name_to_text(question.name), question.qtype, transport))
        msg = self.answer(q)
        data = wire.build_message(msg)
        limit = 65535 if transport == "tcp" else (512 if q.edns is None else EDNS_SIZE)
        if q.edns is not None:
            limit = min(limit, max(512, q.edns.payload))
        if len(data) > limit:
            data = wire.build_message(
                dataclasses.replace(
                    msg, flags=msg.flags | 0x0200, answer=(), authority=(), additional=()
                )
            )
        return [data]

    def answer(self, q: wire.Message) -> wire.Message:
        question = q.question[0]
        flags = 0x8000 | (q.flags & 0x0100)  # QR, RD echoed; no RA
        edns = wire.Edns(EDNS_SIZE) if q.edns is not None else None
        lname = wire.name_lower(question.name)
        zone = self.zone_for(lname)
        if zone is None:
            return wire.Message(q.id, flags | wire.REFUSED, q.question, edns=edns)
        answer: list[wire.Record] = []
        name = question.name
        seen: set[bytes] = set()
        while True:
            lname = wire.name_lower(name)
            seen.add(lname)
            cut = self._delegation(zone, lname)
            if cut is not None:
                if answer:  # a CNAME into a delegated zone: not followed
                    return wire.Message(
                        q.id, flags | 0x0400, q.question, tuple(answer), tuple(cut), edns=edns
                    )
                glue = tuple(
                    g
                    for ns in cut
                    for g in zone.nodes.get(wire.name_lower(ns.data), [])  # type: ignore[arg-type]
                    if g.rtype in (wire.A, wire.AAAA)
                )
                return wire.Message(q.id, flags, q.question, (), tuple(cut), glue, edns)
            node = zone.nodes.get(lname)
            if node is None:
                node = self._wildcard(zone, lname)
            if node is None:
                exists = any(_under(other, lname) for other in zone.nodes)  # an empty non-terminal
                rcode = wire.NOERROR if exists else wire.NXDOMAIN
                return wire.Message(
                    q.id, flags | 0x0400 | rcode, q.question, tuple(answer), (zone.soa,), edns=edns
                )
            cname = [r for r in node if r.rtype == wire.CNAME]
            if cname and question.qtype != wire.CNAME:
                if len(answer) == CNAME_CHAIN:  # Knot follows at most 5 links
                    return wire.Message(q.id, flags | 0x0400, q.question, tuple(answer), edns=edns)
                r = cname[0]
                answer.append(dataclasses.replace(r, name=name))
                target = r.data
                assert isinstance(target, bytes)
                if target in seen or not _under(target, wire.name_lower(zone.origin)):
                    return wire.Message(q.id, flags | 0x0400, q.question, tuple(answer), edns=edns)
                name = target
                continue
            found = [
                dataclasses.replace(r, name=name)
                for r in node
                if r.rtype == question.qtype and r.rclass == question.qclass
            ]
            if not found:
                return wire.Message(
                    q.id, flags | 0x0400, q.question, tuple(answer), (zone.soa,), edns=edns
                )
            answer += found
            return wire.Message(q.id, flags | 0x0400, q.question, tuple(answer), edns=edns)

    @staticmethod
    def _delegation(zone: Zone, lname: bytes) -> list[wire.Record] | None:
        origin = wire.name_lower(zone.origin)
        at = lname
        while at != origin and _under(at, origin):
            ns = [r for r in zone.nodes.get(at, []) if r.rtype == wire.NS]
            if ns:
                return ns
            at = _parent(at)
        return None

    @staticmethod
    def _wildcard(zone: Zone, lname: bytes) -> list[wire.Record] | None:
        origin = wire.name_lower(zone.origin)
        at = _parent(lname)
        while _under(at, origin):
            if at in zone.nodes or any(_under(o, at) for o in zone.nodes if o != at):
                # The closest encloser: its wildcard, if any, answers.
                return zone.nodes.get(b"\x01*" + at)
            if at == origin:
                return None
            at = _parent(at)
        return None


def fixture_zones(knot: str = KNOT) -> list[Zone]:
    return [
        Zone(wire.name_from_text(origin), parse_zone((ZONES / f).read_text(), origin, knot))
        for origin, f in FIXTURE_ZONES
    ]


def fixture_authority(knot: str = KNOT) -> Authority:
    """``tests/fixtures/zones`` served as the sandbox's Knot serves them."""
    return Authority(fixture_zones(knot))


# --- handlers and replies ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A datagram a server sends: ``delay`` seconds after the query, from ``source`` (None:
    the server's own address and port)."""

    data: bytes
    delay: float = 0.0
    source: tuple[str, int] | None = None


Handler = Callable[[bytes, str], "list[Sent | bytes] | str"]


def make_reply(
    query: bytes,
    answers: Sequence[wire.Record] = (),
    *,
    rcode: int = wire.NOERROR,
    aa: bool = True,
    ra: bool = True,
    tc: bool = False,
    authority: Sequence[wire.Record] = (),
    qid: int | None = None,
    question: wire.Question | None = None,
) -> bytes:
    """A reply to ``query`` (its ID and question unless told otherwise)."""
    q = wire.parse(query)
    flags = 0x8000 | (q.flags & 0x0100) | rcode
    flags |= (0x0400 if aa else 0) | (0x80 if ra else 0) | (0x0200 if tc else 0)
    return wire.build_message(
        wire.Message(
            q.id if qid is None else qid,
            flags,
            (question or q.question[0],),
            tuple(answers),
            tuple(authority),
        )
    )


def rr(name: str, rtype: int, data: object, ttl: int = 300) -> wire.Record:
    """A record from text: an address for A/AAAA, a name for CNAME/PTR, raw data otherwise."""
    if rtype in (wire.A, wire.AAAA) and isinstance(data, str):
        data = ipaddress.ip_address(data).packed
    elif rtype in (wire.CNAME, wire.PTR, wire.NS) and isinstance(data, str):
        data = wire.name_from_text(data)
    return wire.Record(wire.name_from_text(name), rtype, wire.IN, ttl, data)


def soa(zone: str, ttl: int = 300, minimum: int = 60) -> wire.Record:
    z = wire.name_from_text(zone)
    return wire.Record(z, wire.SOA, wire.IN, ttl, wire.Soa(z, z, 1, 2, 3, 4, minimum))


def question_of(query: bytes) -> tuple[str, int]:
    """(name as text, lower case; type) of a query."""
    q = wire.parse(query).question[0]
    return wire.name_to_text(wire.name_lower(q.name)), q.qtype


class Table:
    """A handler from a table: ``{(name, qtype): reply}``, where a reply is a function of the
    query (see :func:`make_reply`), a list of records (NOERROR), an RCODE int, ``"drop"``
    (silence) or ``REFUSED``; ``(name, None)`` rows answer every type.  Questions not in the
    table get ``default`` (NXDOMAIN).  ``log`` keeps (name, type, transport) of every query."""

    def __init__(
        self, rows: dict[tuple[str, int | None], Any], default: Any = wire.NXDOMAIN, **reply_kw: Any
    ) -> None:
        self.rows = {(n.lower().rstrip("."), t): v for (n, t), v in rows.items()}
        self.default = default
        self.kw = reply_kw
        self.log: list[tuple[str, int, str]] = []

    def __call__(self, query: bytes, transport: str) -> list[Sent | bytes] | str:
        name, qtype = question_of(query)
        self.log.append((name, qtype, transport))
        row = self.rows.get((name, qtype), self.rows.get((name, None), self.default))
        if row == "drop":
            return []
        if row == REFUSED:
            return REFUSED
        if callable(row):
            out = row(query, transport)
            return out if isinstance(out, (list, str)) else [out]
        if isinstance(row, int):
            return [make_reply(query, rcode=row, **self.kw)]
        return [make_reply(query, [r for r in row if r.rtype in (qtype, wire.CNAME)], **self.kw)]


class Faults:
    """A handler in front of another, misbehaving as ``tests/sandbox/faultproxy.py`` does for
    queries that match a rule (the first rule whose ``name`` is the query name or a parent
    of it, ``qtype`` and ``transport`` match when given).  Actions: ``drop``, ``drop_first``
    (the first ``n`` matching queries), ``delay`` (``seconds``), ``truncate`` (UDP: TC and the
    question only), ``tcp_close`` (TCP: the connection closes), ``garbage``, ``rcode``
    (``rcode``: a reply with RA and no records), ``short`` (7 bytes), ``wrong_id``,
    ``wrong_question``, ``other_source`` (the reply comes from another address)."""

    def __init__(self, real: Handler, rules: list[dict[str, Any]]) -> None:
        self.real = real
        self.rules = rules
        self.counts: dict[int, int] = {}
        self.log: list[tuple[str, int, str, str]] = []

    def _rule(self, query: bytes, transport: str) -> tuple[str, dict[str, Any]]:
        name, qtype = question_of(query)
        for i, rule in enumerate(self.rules):
            want = rule.get("name", "").lower().rstrip(".")
            if want and not (name == want or name.endswith("." + want)):
                continue
            if rule.get("qtype") not in (None, qtype) or rule.get("transport") not in (
                None,
                transport,
            ):
                continue
            action = rule["action"]
            if action == "drop_first":
                self.counts[i] = self.counts.get(i, 0) + 1
                action = "drop" if self.counts[i] <= rule.get("n", 1) else "pass"
            self.log.append((name, qtype, transport, action))
            return action, rule
        self.log.append((name, qtype, transport, "pass"))
        return "pass", {}

    def _real(self, query: bytes, transport: str) -> bytes:
        out = self.real(query, transport)
        assert isinstance(out, list) and out
        first = out[0]
        return first.data if isinstance(first, Sent) else first

    def __call__(self, query: bytes, transport: str) -> list[Sent | bytes] | str:
        action, rule = self._rule(query, transport)
        if action == "drop" or (action == "tcp_close" and transport == "tcp"):
            return CLOSE if transport == "tcp" else []
        if action == "truncate" and transport == "udp":
            return [make_reply(query, aa=False, tc=True)]
        if action == "garbage":
            return [query[:2] + b"\xff" * 38]
        if action == "rcode":
            return [make_reply(query, rcode=int(rule.get("rcode", 2)), aa=False)]
        real = self._real(query, transport)
        if action == "delay":
            return [Sent(real, float(rule.get("seconds", 1)))]
        if action == "short":
            return [real[:7]]
        if action == "wrong_id":
            return [(int.from_bytes(real[:2], "big") ^ 0x5A5A).to_bytes(2, "big") + real[2:]]
        if action == "wrong_question":
            b = bytearray(real)
            b[13] = ord("z") if b[13] != ord("z") else ord("y")
            return [bytes(b)]
        if action == "other_source" and transport == "udp":
            return [Sent(real, source=("127.0.0.9", 53))]
        return [real]


# --- performing the core's requests ---------------------------------------------------------


@dataclass(eq=False)
class FakeSock:
    server: Server
    tcp: bool = False
    inbox: list[tuple[float, int, bytes, tuple[str, int] | str]] = field(default_factory=list)
    stream: bytes = b""
    eof: bool = False
    closed: bool = False


class LookupFailed(Exception):
    """The generator raised: ``exc`` is what it raised (Net.run re-raises it)."""


@dataclass
class Net:
    """Performs the core's requests against scripted servers on a fake clock (module docstring).

    ``servers`` maps a server's address text to its handler; an address not in it has its
    port closed.  ``lifetime``: the lookup's own deadline, seconds from the start of each
    :meth:`run` (None: none)."""

    servers: dict[str, Handler]
    now: float = 1000.0
    lifetime: float | None = None
    asked: list[tuple[str, str, int, str]] = field(default_factory=list)
    herrnos: list[int] = field(default_factory=list)
    notes: list[float] = field(default_factory=list)
    pauses: int = 0
    opened: list[FakeSock] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    deadline: float | None = None
    _order: Iterable[int] = field(default_factory=itertools.count)

    def clock(self) -> float:
        return self.now

    @property
    def h_errno(self) -> int | None:
        """glibc's global h_errno as the lookups left it (None: never set)."""
        return self.herrnos[-1] if self.herrnos else None

    @property
    def queries(self) -> list[tuple[str, int]]:
        """(name, type) of every query sent, in order (both transports)."""
        return [(name, qtype) for _, name, qtype, _ in self.asked]

    def run(self, gen: Generator[Any, Any, Any]) -> Any:
        """Drive ``gen`` to its end: its value (or its exception, raised); every socket it
        opened must be closed by then."""
        self.deadline = None if self.lifetime is None else self.now + self.lifetime
        try:
            op = gen.send(None)
            while True:
                op = gen.send(self.perform(op))
        except StopIteration as stop:
            value = stop.value
        finally:
            gen.close()
        assert all(s.closed for s in self.opened), "a socket was left open"
        return value

    def outcome(self, gen: Generator[Any, Any, Any]) -> Any:
        """:meth:`run`, with an exception returned as ``("raise", type name, args)``."""
        try:
            return self.run(gen)
        except Exception as exc:  # the outcome *is* the exception
            return ("raise", type(exc).__name__, exc.args)

    def _deliver(self, sock: FakeSock, query: bytes) -> None:
        name, qtype = question_of(query)
        transport = "tcp" if sock.tcp else "udp"
        self.asked.append((sock.server.host, name, qtype, transport))
        handler = self.servers.get(sock.server.host)
        out = handler(query, transport) if handler is not None else REFUSED
        if out == CLOSE:
            sock.eof = True
            return
        if out == REFUSED:
            sock.inbox.append((self.now, next(self._order), b"", REFUSED))  # type: ignore[call-overload]
            return
        assert isinstance(out, list)
        for item in out:
            sent = item if isinstance(item, Sent) else Sent(item)
            if sock.tcp:
                sock.stream += len(sent.data).to_bytes(2, "big") + sent.data
            else:
                src = sent.source or (sock.server.host, sock.server.port)
                order = next(self._order)  # type: ignore[call-overload]
                sock.inbox.append((self.now + sent.delay, order, sent.data, src))
        sock.inbox.sort(key=lambda item: (item[0], item[1]))

    def perform(self, op: Any) -> Any:
        """One request's result, as the blocking driver gives it."""
        if isinstance(op, Note):
            self.notes.append(op.expires)
            return None
        if isinstance(op, HErrno):
            self.herrnos.append(op.value)
            return None
        if isinstance(op, Pause):
            self.pauses += 1
            return None
        self.requests.append(op)
        if self.deadline is not None and self.now >= self.deadline and not isinstance(op, Close):
            return EXPIRED
        if isinstance(op, UdpOpen):
            sock = FakeSock(op.server)
            self.opened.append(sock)
            return sock
        if isinstance(op, UdpSend):
            for payload in op.payloads:
                self._deliver(op.sock, payload)
            return None
        if isinstance(op, UdpRecv):
            return self._recv(op.sock, op.deadline)
        if isinstance(op, TcpOpen):
            if self.servers.get(op.server.host) is None:
                return OSError(errno.ECONNREFUSED, "connect failed")
            sock = FakeSock(op.server, tcp=True)
            self.opened.append(sock)
            return sock
        if isinstance(op, TcpSend):
            data = op.data
            while data:
                n = int.from_bytes(data[:2], "big")
                self._deliver(op.sock, data[2 : 2 + n])
                data = data[2 + n :]
            return None
        if isinstance(op, TcpRecv):
            sock = op.sock
            if not sock.stream:
                return b"" if sock.eof else self._wait(op.deadline)
            chunk, sock.stream = sock.stream[: op.size], sock.stream[op.size :]
            return chunk
        if isinstance(op, Close):
            op.sock.closed = True
            return None
        raise AssertionError(f"unknown request {op!r}")

    def _wait(self, deadline: float) -> Any:
        """Nothing arrives by ``deadline``: None, or EXPIRED when the lookup's own deadline
        comes first."""
        if self.deadline is not None and self.deadline <= deadline:
            self.now = max(self.now, self.deadline)
            return EXPIRED
        self.now = max(self.now, deadline)
        return None

    def _recv(self, sock: FakeSock, deadline: float) -> Any:
        inbox = sock.inbox
        limit = deadline if self.deadline is None else min(deadline, self.deadline)
        if inbox and inbox[0][0] <= limit:
            at, _, data, src = inbox.pop(0)
            self.now = max(self.now, at)
            if src == REFUSED:
                return OSError(errno.ECONNREFUSED, "Connection refused")
            return data, src
        return self._wait(deadline)


# --- search contexts ----------------------------------------------------------------------------


def ids(start: int = 0x1000) -> Callable[[int], int]:
    """A deterministic random source: query IDs counting up from ``start``."""
    counter = itertools.count(start)

    def rng(n: int) -> int:
        return next(counter) % n if n > 1 else 0

    return rng


SERVER = Server(AF_INET, KNOT)


def search_config(
    *,
    search_list: Sequence[str] = ("example.test", "sub.example.test"),
    servers: Sequence[Server] = (SERVER,),
    timeout: int = 1,
    attempts: int = 1,
    **kw: Any,
) -> search.SearchConfig:
    send_kw = {k: kw.pop(k) for k in list(kw) if k in SendOptions.__dataclass_fields__}
    send = SendOptions(servers=tuple(servers), timeout=timeout, attempts=attempts, **send_kw)
    return search.SearchConfig(send=send, search=tuple(search_list), **kw)


def context(
    net: Net,
    config: search.SearchConfig | None = None,
    *,
    cache: Cache | None = None,
    state: SendState | None = None,
) -> search.Context:
    """A per-lookup search context on ``net``'s clock, with counting query IDs."""
    return search.Context(
        config or search_config(),
        state or SendState(),
        clock=net.clock,
        rng=ids(),
        cache=cache,
    )


# --- a resolver with fixed kernel facts ---------------------------------------------------------

HOSTS = (
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    "192.0.2.250 infiles infiles.example.test\n"
    "2001:db8::250 infiles\n"
)
RESOLV = "nameserver 127.0.0.1\nsearch example.test sub.example.test\n"
SERVICES = (
    "http\t\t80/tcp\nhttp\t\t80/udp\n"
    "domain\t\t53/tcp\ndomain\t\t53/udp\n"
    "tcponly\t\t7001/tcp\nudponly\t\t7002/udp\n"
    "sctpsvc\t\t9001/sctp\ndccpsvc\t\t9002/dccp\n"
)


def write_etc(
    root: Path,
    *,
    hosts: str = HOSTS,
    resolv: str = RESOLV,
    nsswitch: str = "hosts: files dns\n",
    services: str = SERVICES,
    gai: str | None = None,
) -> SystemFiles:
    """/etc files for a :class:`ScriptedResolver` under ``root``."""
    files = {
        "hosts": hosts,
        "resolv.conf": resolv,
        "nsswitch.conf": nsswitch,
        "services": services,
        "host.conf": "multi on\n",
        "protocols": "tcp 6 TCP\nudp 17 UDP\n",
    }
    if gai is not None:
        files["gai.conf"] = gai
    for name, text in files.items():
        (root / name).write_text(text, encoding="latin-1")
    return SystemFiles.under(str(root))


_LOOP4 = bytes([127, 0, 0, 1])
_LOOP6 = bytes(15) + b"\x01"


def _loopback_source(a: Address) -> tuple[bytes | None, int]:
    """The source the kernel of a loopback-only namespace picks for ``a``: loopback for
    loopback and unspecified destinations, none for anything else."""
    if a.family == AF_INET:
        if a.packed[0] == 127 or a.packed == bytes(4):
            return _LOOP4, 8
        return None, 0
    if a.packed in (_LOOP6, bytes(16)):
        return _LOOP6, 128
    return None, 0


def run_counting(steps: Steps[T]) -> tuple[T, int]:
    """A stepped computation (``netdb.steps``) run through: (its result, the steps it took)."""
    taken = 0
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value, taken  # type: ignore[no-any-return]
        taken += 1


def loopback_candidates(addresses: Sequence[Address]) -> list[Candidate]:
    """The addresses as RFC 3484 candidates in a namespace with only a loopback interface (the
    differential sandbox's ``loopback`` profile): only loopback and unspecified destinations
    have a source (loopback itself)."""
    out = []
    for i, a in enumerate(addresses):
        src, plen = _loopback_source(a)
        out.append(Candidate(a.family, a.packed, src, plen, index=i))
    return out


def loopback_order(policy: Policy) -> Callable[[Sequence[Address], int], list[int]]:
    """glibc's order in a namespace with only a loopback interface (see
    :func:`loopback_candidates`)."""

    def order(addresses: Sequence[Address], group: int = 1) -> list[int]:
        return sort_order(loopback_candidates(addresses), policy, group)

    return order


class FixedFacts(Resolver):
    """A :class:`netdb.Resolver` whose kernel facts are fixed instead of read from the kernel.

    ``addrconfig``: (IPv4 configured, IPv6 configured); ``interfaces``: name -> index;
    ``order``: the destination order (default :func:`loopback_order` under glibc's table).
    """

    def fix_facts(
        self,
        addrconfig: tuple[bool, bool] = (True, True),
        interfaces: dict[str, int] | None = None,
        order: Callable[[Sequence[Address], int], list[int]] | None = None,
    ) -> None:
        self._facts = addrconfig
        self._interfaces = dict(interfaces or {"lo": 1, "eth0": 2})
        self._order = order or loopback_order(Policy.glibc())

    def addrconfig(self) -> tuple[bool, bool]:
        return self._facts

    def ifindex(self, name: str) -> int:
        return self._interfaces.get(name, 0)

    def ifname(self, index: int) -> str | None:
        return next((n for n, i in self._interfaces.items() if i == index), None)

    def order(self, addresses: Sequence[Address], group: int = 1) -> list[int]:
        return self._order(addresses, group)

    def order_steps(self, addresses: Sequence[Address], group: int = 1) -> Steps[list[int]]:
        return done(self._order(addresses, group))


class ScriptedResolver(FixedFacts):
    """A :class:`FixedFacts` resolver whose DNS runs on ``net``.  Cache and memo off unless
    asked for, so every lookup reaches the scripted server.
    """

    def __init__(
        self,
        files: SystemFiles,
        net: Net,
        *,
        addrconfig: tuple[bool, bool] = (True, True),
        interfaces: dict[str, int] | None = None,
        order: Callable[[Sequence[Address], int], list[int]] | None = None,
        cache: bool | Cache = False,
        memoize: bool = False,
        rng: Callable[[int], int] | None = None,
    ) -> None:
        super().__init__(files=files, check_interval=0, cache=cache, memoize=memoize)
        self.fix_facts(addrconfig, interfaces, order)
        self.net = net
        self._ids = rng or ids()
        self._state = SendState(rng=self._ids)

    def _dns_context(self) -> search.Context:
        assert self._search is not None
        return search.Context(
            self._search, self._state, clock=self.net.clock, rng=self._ids, cache=self.cache
        )

    def hosts_db(self) -> Any:
        db = super().hosts_db()
        if self._state.rng is not self._ids:  # resolv.conf (re)read: a fresh state
            self._state = SendState(rng=self._ids)
        return db

    def call(self, func: str, *args: Any) -> Any:
        """``Resolver.<func>_steps(*args)`` driven on the net, as the blocking driver runs
        ``Resolver.<func>``: its outcome (see :meth:`Net.outcome`), glibc's global h_errno
        (:attr:`h_errno`) left as the lookup's last ``HErrno`` set it."""
        seen = len(self.net.herrnos)
        try:
            try:
                gen = getattr(self, func + "_steps")(*args)
            except Exception as exc:  # arguments checked before any step
                return ("raise", type(exc).__name__, exc.args)
            return self.net.outcome(gen)
        finally:
            if len(self.net.herrnos) > seen:
                self._set_h_errno(self.net.herrnos[-1])


def resolver(
    tmp: Path, net: Net | None = None, *, etc: dict[str, Any] | None = None, **kw: Any
) -> ScriptedResolver:
    """A :class:`ScriptedResolver` over :func:`write_etc` files in ``tmp``, on ``net``
    (default: the fixture zones on 127.0.0.1)."""
    tmp.mkdir(parents=True, exist_ok=True)
    files = write_etc(tmp, **(etc or {}))
    return ScriptedResolver(files, net or Net({KNOT: fixture_authority()}), **kw)


# --- the express lane: its core generator, driven as every driver drives a lookup -------------


@dataclass
class LaneRun:
    """How a getaddrinfo went through the lane: ``answered`` by the lane itself or handed
    over; the value (or exception outcome); the h_errno the lane reported when it answered."""

    answered: bool
    value: Any
    h_errno: int | None = None
    replayed: int = 0


def run_express(res: ScriptedResolver, *args: Any) -> LaneRun | None:
    """``res.getaddrinfo(*args)`` through the express lane on ``res.net`` (None: no plan, the
    lane does not apply): the core's lane generator (``express.steps``), driven as every
    driver drives a lookup, with :data:`express.VERIFY` on (a lane answer is replayed through
    the full path, which must ask the same and answer the same); ``replayed``: how many of the
    lane's requests the full path took from its record on a hand-over."""
    net = res.net
    full_args = (*args, *(0, 0, 0, 0)[: max(0, 6 - len(args))])
    key = res._getaddrinfo_args(*full_args)
    plan = res._express(key)
    if plan is None:
        return None
    asked: list[Any] = []
    replayed = 0

    def full(db: Any) -> Any:
        gen = res._gai_value(key, db)
        nonlocal replayed
        replayed = sum(1 for op in asked if not isinstance(op, (Note, HErrno, Pause)))
        return gen

    before = dict(express.STATS)
    verify = express.VERIFY
    express.VERIFY = True
    h_errno = None
    try:
        gen = express.steps(plan, full, _api_tuple)
        try:
            op = gen.send(None)
            while True:
                asked.append(op)
                if isinstance(op, HErrno):
                    h_errno = op.value
                op = gen.send(net.perform(op))
        except StopIteration as stop:
            value = stop.value
    finally:
        express.VERIFY = verify
    answered = express.STATS["express"] > before["express"]
    assert all(s.closed for s in net.opened), "a socket was left open"
    if isinstance(value, Exception):  # the core's GaiError: socket.gaierror at the front
        value = ("raise", "gaierror", (value.code,))  # type: ignore[attr-defined]
    else:
        value = [tuple(r) for r in value]
    if answered:
        return LaneRun(True, value, h_errno)
    return LaneRun(False, value, replayed=replayed)


def _api_tuple(results: Sequence[Any]) -> Any:
    from netdb._api import _gai_tuple

    return _gai_tuple(results)


def plain(value: Any) -> Any:
    """A getaddrinfo outcome with ints for enums (comparable with recorded glibc outcomes)."""
    if isinstance(value, list):
        return [tuple(int(f) if i < 2 else f for i, f in enumerate(t)) for t in value]
    return value


def summary(outcome: Any) -> Any:
    """A lookup outcome in a short form that loses nothing the tables compare: an exception
    as ``"<class> <first arg>"``; a getaddrinfo list as one string per entry (the address,
    ``%flowinfo/scope`` when not zero, ``type/proto/port`` unless ``1/6/80``, ``canon=`` when
    set; IPv6 entries are the ones with a ``:``); anything else as it is."""
    if isinstance(outcome, tuple) and outcome and outcome[0] == "raise":
        _, cls, args = outcome
        return f"{cls} {args[0]}" if args else cls
    if isinstance(outcome, list) and all(isinstance(t, tuple) and len(t) == 5 for t in outcome):
        out = []
        for family, socktype, proto, canon, sa in outcome:
            assert (family == 10) == (len(sa) == 4)
            text = sa[0]
            if len(sa) == 4 and (sa[2], sa[3]) != (0, 0):
                text += f"%{sa[2]}/{sa[3]}"
            if (int(socktype), proto, sa[1]) != (1, 6, 80):
                text += f" {int(socktype)}/{proto}/{sa[1]}"
            if canon:
                text += f" canon={canon}"
            out.append(text)
        return out
    return outcome


def in_threads(*targets: Callable[[], object], switch_interval: float = 1e-6) -> None:
    """Run ``targets`` each in a thread of its own and wait for them all, the interpreter
    switching threads every ``switch_interval`` seconds meanwhile (races show sooner)."""
    import sys
    import threading

    old = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        threads = [threading.Thread(target=t) for t in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
