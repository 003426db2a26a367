"""What a lookup did, step by step: the records of ``netdb explain`` and how the core makes them.

Owns the step types (immutable records, one per kind of fact), the :class:`Recorder` that keeps
them in the order they happened, and :func:`watched`, which runs a core lookup generator with a
recorder in force and records its requests and their results (the DNS exchanges: server, name,
type, ID, UDP or TCP, round-trip time, RCODE, flags, counts, truncation, timeouts).

The decisions inside the core (the nsswitch walk, the search list, the cache, the memo,
``AI_ADDRCONFIG``, the RFC 6724 comparisons, IDNA, the service expansion) are recorded where
they are made: each such place asks :func:`recorder` and records only when a recorder is in
force.  No recorder is in force outside :func:`watched`, so a plain lookup records nothing and
pays one context-variable read at those places; the express lane, which a plain getaddrinfo
takes for the common DNS lookup, has none (an explained getaddrinfo takes the full path, whose
answer is the lane's by construction: see ``express.py``).

The recorder lives in a :class:`contextvars.ContextVar` that :func:`watched` sets only while the
lookup's own code runs (around each step of its generator), so lookups interleaved on one event
loop, or running in other threads, never record into each other's explanation.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Generator
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from .dns import wire
from .dns.ops import (
    EXPIRED,
    Op,
    TcpOpen,
    TcpRecv,
    TcpSend,
    UdpOpen,
    UdpRecv,
    UdpSend,
)

T = TypeVar("T")


# --- the steps -------------------------------------------------------------------------------
#
# Every step has ``at``: seconds from the start of the explained call to when it was recorded.
# ``kind`` (a class attribute) names the step in the JSON form and the rendering.


@dataclass(frozen=True, slots=True)
class FileRead:
    """A system file the lookup depends on: where, whether it exists, when netdb parsed it and
    how long that took (``parse_ms``), and the lines of it that matter to this lookup."""

    kind = "file"
    path: str
    present: bool
    parse_ms: float | None
    lines: tuple[str, ...] = ()
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Idna:
    """A host name turned into its ASCII form: ``how`` is ``"python"`` (Python's ``idna``
    codec, IDNA 2003, as ``socket`` encodes a ``str`` host) or ``"AI_IDN"`` (libidn2, IDNA
    2008, as glibc's getaddrinfo does with that flag)."""

    kind = "idna"
    given: str
    encoded: str
    how: str
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Memo:
    """The answer memo: ``hit`` with the seconds the remembered answer still holds (None:
    until the files or the kernel change), or a miss."""

    kind = "memo"
    hit: bool
    holds_s: float | None = None
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Services:
    """getaddrinfo's service and socket-type expansion: the service asked for and each
    ``(socktype, protocol, port)`` it expands to (glibc's ``gaih_inet_typeproto`` table); none
    when the service has no entry for the socket types asked (the call fails with
    ``EAI_SERVICE``, or ``EAI_SOCKTYPE`` for a socket type glibc does not know)."""

    kind = "services"
    service: str | None
    entries: tuple[tuple[int, int, int], ...]
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Numeric:
    """The host is a numeric address (no source is consulted)."""

    kind = "numeric"
    host: str
    family: int
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Addrconfig:
    """``AI_ADDRCONFIG``'s facts: whether the host has an IPv4 and an IPv6 address (loopback
    aside), hence which families the lookup asks for."""

    kind = "addrconfig"
    ipv4: bool
    ipv6: bool
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class NssSource:
    """One source of the nsswitch walk: what it answered (``success``, ``notfound``,
    ``unavail``, ``tryagain``; ``unavail (not installed)`` for a source netdb has no module for,
    which glibc counts as a module it cannot load; ``ERANGE`` when the caller's fixed buffer is
    too small) and the action that followed (``return``, ``continue``, ``merge``; after
    ``ERANGE``: ``stop (buffer too small)``), with the source's ``[STATUS=action]`` criteria."""

    kind = "source"
    database: str
    function: str
    key: str
    source: str
    status: str
    action: str
    criteria: str = ""
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class HostsLine:
    """A hosts-file line that the ``files`` source matched."""

    kind = "hosts-line"
    path: str
    line: int
    text: str
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class SearchStart:
    """The search-list walk begins: the name, its dots against ``ndots``, the search list, and
    the order it gives (``as-is first`` or ``search list first``)."""

    kind = "search"
    name: str
    dots: int
    ndots: int
    search: tuple[str, ...]
    order: str
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class SearchTry:
    """One candidate name of the search walk: what the query said and why the walk stopped or
    went on."""

    kind = "candidate"
    name: str
    outcome: str
    decision: str
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """The DNS cache for one question (name, types): a hit with the seconds left of its TTL,
    or a miss."""

    kind = "cache"
    name: str
    qtypes: tuple[str, ...]
    hit: bool
    ttl_left: float | None = None
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Query:
    """A DNS query sent: server, transport, ID, name, type, and which try of it this is."""

    kind = "query"
    server: str
    transport: str
    id: int
    name: str
    qtype: str
    attempt: int
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Reply:
    """A DNS message received: its ID, RCODE, header flags, section counts, size and the
    round-trip time since the query with that ID went out (None: no query had that ID)."""

    kind = "reply"
    server: str
    transport: str
    id: int
    name: str
    qtype: str
    rcode: str
    flags: tuple[str, ...]
    counts: tuple[int, int, int, int]
    size: int
    rtt_ms: float | None
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Silence:
    """A wait that ended with nothing: ``what`` is ``timeout`` (the try's deadline passed),
    ``expired`` (the lookup's own deadline passed) or an error (``ECONNREFUSED``, ...), of a
    receive, a connect or a send (a send that fails, as after an ICMP port unreachable,
    leaves nothing to wait for)."""

    kind = "no-reply"
    server: str
    transport: str
    what: str
    waited_ms: float
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Compared:
    """One comparison of the RFC 6724 sort: ``first`` came before ``second`` by ``rule``
    (its number and name; 10: no rule told them apart, their order stays)."""

    kind = "compare"
    first: str
    second: str
    rule: int
    reason: str
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class SortPolicy:
    """The RFC 6724 policy table the sort used, where it came from (``glibc``: glibc's
    built-in RFC 3484 table, ``gai.conf``: that file's lines, ``rfc6724``: the RFC's own), and
    each destination with its source address."""

    kind = "policy"
    origin: str
    rows: tuple[str, ...]
    destinations: tuple[str, ...]
    at: float = field(default=0.0, kw_only=True)


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact of the lookup with no record type of its own (``what``: a short label)."""

    kind = "fact"
    what: str
    detail: str
    at: float = field(default=0.0, kw_only=True)


Step = (
    FileRead
    | Idna
    | Memo
    | Services
    | Numeric
    | Addrconfig
    | NssSource
    | HostsLine
    | SearchStart
    | SearchTry
    | CacheLookup
    | Query
    | Reply
    | Silence
    | Compared
    | SortPolicy
    | Fact
)

STEP_TYPES: tuple[type[Any], ...] = (
    FileRead,
    Idna,
    Memo,
    Services,
    Numeric,
    Addrconfig,
    NssSource,
    HostsLine,
    SearchStart,
    SearchTry,
    CacheLookup,
    Query,
    Reply,
    Silence,
    Compared,
    SortPolicy,
    Fact,
)
"""Every step type, for the JSON schema's documentation and its tests."""


def c_text(text: str) -> str:
    """A C string of the core (one character per byte, as the files are read and the front
    passes names down) as the text a step holds: its bytes read as UTF-8, a byte that is not
    UTF-8 kept as a surrogate escape (``\\udcXX``, Python's ``surrogateescape``)."""
    if text.isascii():
        return text
    return text.encode("latin-1").decode("utf-8", "surrogateescape")


def step_fields(step: Step) -> dict[str, Any]:
    """A step's fields (``at`` and ``kind`` included) as JSON-ready values."""
    out: dict[str, Any] = {"step": step.kind}
    for f in fields(step):
        value = getattr(step, f.name)
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


# --- the recorder ----------------------------------------------------------------------------


class Recorder:
    """The steps of one explained lookup, in order, each stamped with its time from the start."""

    __slots__ = ("_clock", "_start", "steps")

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._start: float = clock()
        self.steps: list[Step] = []

    def elapsed(self) -> float:
        return float(self._clock() - self._start)

    def add(self, step: Step) -> None:
        self.steps.append(replace(step, at=self.elapsed()))


_CURRENT: ContextVar[Recorder | None] = ContextVar("netdb_trace", default=None)


def recorder() -> Recorder | None:
    """The recorder of the explained lookup whose code is running, or None (a plain lookup)."""
    return _CURRENT.get()


def watched(gen: Generator[Op, Any, T], rec: Recorder) -> Generator[Op, Any, T]:
    """``gen`` run with ``rec`` in force: the same requests, results and answer; the core's
    decisions and every DNS exchange recorded into ``rec``."""
    wire_log = _Exchanges(rec)
    result: Any = None
    while True:
        token = _CURRENT.set(rec)
        try:
            op = gen.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            _CURRENT.reset(token)
        wire_log.request(op)
        result = yield op
        wire_log.result(op, result)


# --- DNS exchanges, read off the requests and their results ----------------------------------

_FLAGS: tuple[tuple[int, str], ...] = (
    (0x8000, "qr"),
    (0x0400, "aa"),
    (0x0200, "tc"),
    (0x0100, "rd"),
    (0x0080, "ra"),
    (0x0020, "ad"),
    (0x0010, "cd"),
)


def rcode_name(rcode: int) -> str:
    """``NXDOMAIN``, or ``RCODE9`` for a code without a mnemonic here."""
    return wire.RCODE_NAMES.get(rcode) or f"RCODE{rcode}"


def _question(msg: bytes) -> tuple[int, str, str]:
    """(ID, name, type) of a message's first question; what can be read of a bad one."""
    ident = int.from_bytes(msg[:2], "big") if len(msg) >= 2 else -1
    try:
        _, questions = wire.parse_questions(msg)
    except wire.WireError:
        return ident, "?", "?"
    if not questions:
        return ident, "", ""
    q = questions[0]
    try:
        name = wire.name_to_text(q.name)
    except (wire.WireError, ValueError):
        name = "?"
    return ident, name, wire.type_name(q.qtype)


class _Exchanges:
    """Turns the requests of a lookup and their results into Query/Reply/Silence steps."""

    __slots__ = ("_rec", "_sent", "_servers", "_tries", "_wait_from")

    def __init__(self, rec: Recorder) -> None:
        self._rec = rec
        self._servers: dict[int, tuple[str, str]] = {}  # id(handle) -> (server, transport)
        self._sent: dict[tuple[int, int], float] = {}  # (id(handle), ID) -> time sent
        self._tries: dict[tuple[str, str, str], int] = {}
        self._wait_from: dict[int, float] = {}

    def _queries(self, sock: object, payloads: tuple[bytes, ...]) -> None:
        server, transport = self._servers.get(id(sock), ("?", "?"))
        now = self._rec.elapsed()
        for p in payloads:
            ident, name, qtype = _question(p)
            key = (server, name, qtype)
            self._tries[key] = attempt = self._tries.get(key, 0) + 1
            self._sent[id(sock), ident] = now
            self._rec.add(Query(server, transport, ident, name, qtype, attempt))
        self._wait_from[id(sock)] = now

    def _reply(self, sock: object, msg: bytes) -> None:
        server, transport = self._servers.get(id(sock), ("?", "?"))
        ident, name, qtype = _question(msg)
        sent = self._sent.get((id(sock), ident))
        now = self._rec.elapsed()
        rtt = None if sent is None else round((now - sent) * 1000, 3)
        bits = int.from_bytes(msg[2:4], "big") if len(msg) >= 4 else 0
        counts = tuple(
            int.from_bytes(msg[i : i + 2], "big") if len(msg) >= i + 2 else 0 for i in (4, 6, 8, 10)
        )
        flags = tuple(label for bit, label in _FLAGS if bits & bit)
        self._rec.add(
            Reply(
                server,
                transport,
                ident,
                name,
                qtype,
                rcode_name(bits & 0xF),
                flags,
                (counts[0], counts[1], counts[2], counts[3]),
                len(msg),
                rtt,
            )
        )
        self._wait_from[id(sock)] = now

    def _silence(self, sock: object, what: str) -> None:
        server, transport = self._servers.get(id(sock), ("?", "?"))
        now = self._rec.elapsed()
        waited = now - self._wait_from.get(id(sock), now)
        self._rec.add(Silence(server, transport, what, round(waited * 1000, 3)))

    def request(self, op: Op) -> None:
        if isinstance(op, UdpSend):
            self._queries(op.sock, op.payloads)
        elif isinstance(op, TcpSend):
            data, msgs = op.data, []
            while len(data) >= 2:
                n = int.from_bytes(data[:2], "big")
                msgs.append(data[2 : 2 + n])
                data = data[2 + n :]
            self._queries(op.sock, tuple(msgs))

    def result(self, op: Op, result: Any) -> None:
        if isinstance(op, (UdpSend, TcpSend)):
            if isinstance(result, OSError):  # the queries did not all go out
                self._silence(op.sock, _why(result))
            return
        if isinstance(op, (UdpOpen, TcpOpen)):
            transport = "udp" if isinstance(op, UdpOpen) else "tcp"
            handle = result[0] if isinstance(result, tuple) else result
            if isinstance(result, OSError) or result is EXPIRED:
                self._rec.add(Silence(str(op.server), transport, _why(result), 0.0))
            else:
                self._servers[id(handle)] = (str(op.server), transport)
            return
        if isinstance(op, UdpRecv):
            if isinstance(result, tuple):
                self._reply(op.sock, result[0])
            else:
                self._silence(op.sock, _why(result))
        elif isinstance(op, TcpRecv):
            if isinstance(result, (bytes, bytearray)):
                # A read of a message's body (not of its two-byte length prefix).
                if op.size != 2 and len(result) >= 12:
                    self._reply(op.sock, bytes(result))
            else:
                self._silence(op.sock, _why(result))


def _why(result: Any) -> str:
    if result is None:
        return "timeout"
    if result is EXPIRED:
        return "expired"
    if isinstance(result, OSError):
        code = result.errno
        return errno.errorcode.get(code, str(code)) if code is not None else str(result)
    return "nothing"
