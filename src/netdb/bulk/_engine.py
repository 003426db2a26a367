"""The bulk engine's core: many queries in flight over a few sockets, sans I/O.

Rules of this file
------------------
* Everything that decides lives here: which query goes next and where, which datagram is an
  answer to which query, when a try has timed out, what is tried again, what record a line gets.
  It never touches a socket or a clock: drivers (``_io/loop.py``, ``_io/aio.py``) pass in the
  time and the datagrams, and take the datagrams to send.
* Every admitted line ends as exactly one :class:`~._records.Result` in :attr:`Engine.finished`,
  whatever the network does: each try ends by an accepted reply or by its timeout, and the last
  try's end finishes the query.
* A reply is accepted only as the DNS core accepts one (``dns/query.py``): from the server asked
  (drivers use connected sockets, so the kernel drops datagrams from any other address or
  port), on the socket the query went out on, with the query's ID, with QR set and the same
  single question, the name compared case-insensitively (RFC 4343; RFC 5452 §9.1).  Anything
  else is counted as unmatched and dropped, at full speed.

Theory of operation
-------------------
Queries are built from a template: a fixed header (RD, QDCOUNT 1, ARCOUNT 1 for EDNS0) after the
ID, the name in wire form, the type and class, and an OPT record (RFC 6891 §6).  The in-flight
table maps ``socket << 16 | ID`` to the query.  IDs of a socket come from a shuffled list of all
65536 and go back at its end when a try ends, so an ID comes back only after every other one has
been used on that socket.  A try waits a retransmission timeout computed as TCP's (RFC 6298
§2: smoothed RTT plus four times its variation, from replies to first tries only, Karn's rule),
rounded up to a *level* (``min_timeout`` times a power of two, at most ``timeout``); the first
retry waits as long, and each later one twice the one before (RFC 6298 §5.5's backoff, from the
second timeout of a query on: a single lost datagram is the common loss, and doubling from it
leaves the last lines of a run waiting seconds for nothing); the last try a query can get waits
``timeout``, so that a line is reported TIMEOUT only after the full wait; before any sample
every try waits ``timeout``.  Every try of one level waits
the same time, so the times at which they end arrive in the order they were sent: the timer wheel
is one FIFO per level of (deadline, burst), a burst being the (query, try number) pairs that one
call of :meth:`Engine.poll_sends` sent at that level; a pair whose try already ended is skipped
when its burst comes up.  Tries go
to the servers in turn (the first try of each query to the next server round-robin, each retry to
the server after the previous one).  A TC reply hands the query to the driver for TCP
(:attr:`Engine.tcp_wanted`, :meth:`Engine.tcp_query`, :meth:`Engine.on_tcp_reply`).

The window adapts to what the server takes, as TCP's congestion window does (RFC 5681 §3.1).
It starts small (:data:`INITIAL_WINDOW` queries) and grows by one query per accepted reply (slow
start: it doubles every round trip), so a run finds the server's pace from below instead of
losing a burst first: a server's socket buffer (Knot's default, 208 KiB, holds about 270
queries) overflows when a window far past what it takes arrives at once, and tries lost before
any RTT sample would each wait the whole ``timeout``.  A try sent before the first sample is
given the sample's level when that sample comes (its deadline is moved earlier), so no try waits
``timeout`` for want of an estimate.  The window tells a server's overflow from a lossy path: a
server whose socket buffer overflows loses a run of queries sent together, a path that drops a
few packets in a hundred loses a few of every burst.  So the window is halved (at most once per
first-try timeout, down to :data:`MIN_WINDOW`), and slow start ends there, when at least
:data:`BURST_LOSS` tries of one burst, and over a quarter of it, timed out; lost tries of a
lossy path are retried without shrinking it.  After the first cut, every window's worth of
accepted replies grows it by a thirty-second, up to ``concurrency`` (past the size at which it
overflowed the server, it probes slowly, as TCP's congestion avoidance does).
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import random
import struct
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from ..dns import wire
from ._decode import decode
from ._jobs import Job
from ._limits import TokenBucket
from ._options import Options
from ._records import (
    NODATA,
    NOERROR,
    NXDOMAIN,
    SERVFAIL,
    TIMEOUT,
    UNREACHABLE,
    AnswerTuple,
    make_result,
)

_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ID = struct.Struct("!H").pack
_TRYING, _FLIGHT, _TCP, _DONE = 0, 1, 2, 3
# Statuses after which a search walk goes on to the next domain (glibc's res_search: "no such
# name", "no data" and, from the first reply, SERVFAIL); any other failure ends the list.
_SEARCH_ON = frozenset((NXDOMAIN, NODATA, SERVFAIL))
_NO_SERVER = frozenset((TIMEOUT, UNREACHABLE))  # statuses no server gave
# Datagrams per call of poll_sends at most: the driver reads replies between bursts, and a
# server's socket buffer (Knot's default: about 200 KiB, a few hundred queries) never gets a
# whole window at once.
MAX_BURST = 128
MIN_WINDOW = 16  # the window never shrinks below this many queries
INITIAL_WINDOW = 32  # the window at the start of a run (slow start grows it from there)
BURST_LOSS = 8  # tries of one burst that must time out (and over a quarter of it) for a cut
_IDS = tuple(struct.pack("!H", i) for i in range(65536))  # the ID field of every ID
# Send errors after which the datagram is only sent again (see Engine.send_failed).
_RESEND = frozenset((errno.ECONNREFUSED, errno.EAGAIN, errno.EINTR, errno.ENOBUFS, errno.ENOMEM))


class _Query:
    """One question of one line, across its tries."""

    __slots__ = (
        "answers",
        "body",
        "cname",
        "error",
        "gen",
        "key",
        "name",
        "qend",
        "qlower",
        "qname",
        "qtext",
        "qtype",
        "question",
        "sent_at",
        "server",
        "state",
        "status",
        "tname",
        "tries",
    )

    # Set when a try goes out or ends (read only after that).
    key: int
    server: int
    sent_at: float
    answers: tuple[AnswerTuple, ...]
    cname: tuple[str, ...]
    error: str | None

    def __init__(
        self, name: _Name, qname: bytes, qtext: str, qtype: int, tname: str, question: bytes,
        body: bytes,
    ) -> None:  # fmt: skip
        self.name = name
        self.qname = qname
        self.qtext = qtext
        self.qtype = qtype
        self.tname = tname
        self.question = question
        self.qlower = b""  # the name in lower case, made when a reply's letters differ
        self.qend = 12 + len(question)
        self.body = body
        self.tries = 0
        self.gen = 0
        self.state = _TRYING
        self.status = TIMEOUT


class _Name:
    """A line being resolved: its job, which candidate name, its queries, when it started."""

    __slots__ = ("base", "cand", "job", "kept", "pending", "queries", "rank", "started", "tries")

    def __init__(self, job: Job, base: int) -> None:
        self.job = job
        self.base = base
        self.cand = 0
        self.pending = 0
        self.queries: list[_Query] = []
        self.started = -1.0
        self.tries = 0
        self.kept: _Outcome | None = None  # what a failed search walk reports (see _walk)
        self.rank = 0


# What one candidate name of a line came to: status, answers, CNAME chain, error, statuses per
# type, server, the name queried when the record shows it.
_Outcome = tuple[
    str, tuple[AnswerTuple, ...], tuple[str, ...], "str | None", tuple[tuple[str, str], ...],
    "str | None", "str | None",
]  # fmt: skip


def _combine(statuses: Sequence[str]) -> str:
    """One status for a line of several types: NOERROR when any type has answers; the common
    status when all agree; NODATA when each is NODATA or NXDOMAIN; else the first failure."""
    if NOERROR in statuses:
        return NOERROR
    first = statuses[0]
    if all(s == first for s in statuses):
        return first
    for s in statuses:
        if s not in (NODATA, NXDOMAIN):
            return s
    return NODATA


def _same_question(q: _Query, data: bytes) -> bool:
    """The question of ``data`` is ``q``'s, the name's letters in another case (RFC 4343)."""
    end = q.qend
    n = end - 4
    if not q.qlower:
        q.qlower = q.qname.translate(_LOWER)
    return data[12:n].translate(_LOWER) == q.qlower and data[n:end] == q.question[-4:]


T = TypeVar("T")
# (line, name, type, status, answers, cname, server, tries, ms, statuses, qname, error) -> record
Maker = Callable[..., T]


class Engine(Generic[T]):
    """The core of a bulk run over ``len(sockets)`` sockets; ``sockets[i]`` is the index in
    ``options.servers`` of the server socket ``i`` is connected to.  ``make`` turns a finished
    line's fields into what :attr:`finished` holds (:class:`Result` by default; the command
    formats its output lines right there).  ``down`` maps the servers that cannot be reached
    (the driver could not open a socket to them) to why: they get no socket and no query."""

    def __init__(
        self,
        options: Options,
        sockets: Sequence[int],
        *,
        rng: random.Random | None = None,
        make: Maker[T] = make_result,  # type: ignore[assignment]
        down: Mapping[int, str] | None = None,
    ) -> None:
        self.options = options
        self.make = make
        self.servers = options.servers
        self.server_names = [str(s) for s in options.servers]
        self.server_socks = [
            [i for i, k in enumerate(sockets) if k == n] for n in range(len(options.servers))
        ]
        # server index -> (why it cannot be reached, until when: inf for good)
        self.down: dict[int, tuple[str, float]] = {
            k: (why, math.inf) for k, why in (down or {}).items()
        }
        if not all(socks or n in self.down for n, socks in enumerate(self.server_socks)):
            raise ValueError("every server needs a socket")
        self.rng = rng if rng is not None else random.Random(os.urandom(32))
        self.free_ids: list[deque[int]] = []
        for _ in sockets:
            ids = list(range(65536))
            self.rng.shuffle(ids)
            self.free_ids.append(deque(ids))
        self.inflight: dict[int, _Query] = {}
        self.ready: deque[_Query] = deque()
        levels = []
        wait = options.min_timeout
        while options.adaptive and wait < options.timeout:
            levels.append(wait)
            wait *= 2
        levels.append(options.timeout)
        self.levels = levels
        self.wheel: list[deque[tuple[float, list[tuple[_Query, int]]]]] = [deque() for _ in levels]
        self.level = len(levels) - 1  # the level of a first try (``timeout`` until a sample)
        self.srtt = -1.0
        self.rttvar = 0.0
        self.finished: deque[T] = deque()
        self.counts: Counter[str] = Counter()  # records made, by status
        self.tcp_wanted: deque[_Query] = deque()
        # TCP exchanges the driver holds (tcp_query to on_tcp_reply): they count in the window
        # as queries in flight do, or a server that truncates every reply would have every
        # line of the input admitted, each waiting its turn in the driver's TCP pool.
        self.tcp_flight = 0
        self.max_window = options.concurrency
        # What may be in flight now: slow start from INITIAL_WINDOW up to ``concurrency``, until
        # the first cut (see _congested).
        self.window = min(INITIAL_WINDOW, options.concurrency)
        self.slow_start = self.window < self.max_window
        self._used = 0  # the most in flight since the window last changed
        self._grow_at = math.inf  # when it may grow next (from the first RTT sample on)
        self._cut_until = 0.0
        # Bursts of first tries sent before the first RTT sample (at the ``timeout`` level):
        # the first sample moves them to its own level (see _sample).
        self._early: deque[tuple[float, list[tuple[_Query, int]]]] | None = deque()
        self.max_tries = options.retries + 1
        self.retry_on = options.retry_on
        self.retry_timeout = TIMEOUT in options.retry_on
        self.timeout = options.timeout
        self.search = options.search
        self.limiter = TokenBucket(options.rate) if options.rate is not None else None
        self.server_limits = (
            [TokenBucket(options.rate_per_server) for _ in options.servers]
            if options.rate_per_server is not None
            else None
        )
        self._rr = 0
        self._sock_cycles = [itertools.cycle(socks) for socks in self.server_socks]
        edns = options.edns_payload
        self._head = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00" + (b"\x01" if edns else b"\x00")
        self._opt = b"" if edns is None else b"\x00" + struct.pack("!HHIH", wire.OPT, edns, 0, 0)
        self._tails: dict[int, tuple[bytes, bytes, str]] = {}
        self.active = 0  # lines admitted and not finished
        self.sent = 0
        self.received = 0
        self.unmatched = 0
        self.retried = 0
        self.tcp = 0

    # --- lines in -------------------------------------------------------------------------------

    def room(self) -> int:
        """How many more queries the window takes now (admit lines while this is positive)."""
        return (
            self.window
            - len(self.inflight)
            - len(self.ready)
            - len(self.tcp_wanted)
            - self.tcp_flight
        )

    def admit(self, job: Job, now: float) -> None:
        """Take one input line; a line with an error is finished at once."""
        if job.error is not None:
            self.counts["INVALID"] += 1
            self.finished.append(
                self.make(
                    job.line,
                    job.name,
                    job.type,
                    "INVALID",
                    (),
                    (),
                    None,
                    0,
                    0.0,
                    (),
                    None,
                    job.error,
                )
            )
            return
        self.active += 1
        name = _Name(job, self._rr)
        self._rr += 1
        name.started = now
        self._start(name)

    def _start(self, name: _Name) -> None:
        job = name.job
        qname = job.qnames[name.cand]
        if (
            name.cand == job.as_is
            and job.name.isascii()
            and "\\" not in job.name
            and job.type != "PTR"
        ):
            qtext = job.name[:-1] if job.name.endswith(".") else job.name
        else:
            qtext = wire.name_to_text(qname)
        name.queries = []
        name.pending = len(job.qtypes)
        head = self._head
        tails = self._tails
        queries = name.queries
        ready = self.ready
        for qtype in job.qtypes:
            tail = tails.get(qtype)
            if tail is None:
                qtail = struct.pack("!HH", qtype, wire.IN)
                tail = tails[qtype] = (qtail, qtail + self._opt, wire.type_name(qtype))
            q = _Query(name, qname, qtext, qtype, tail[2], qname + tail[0], head + qname + tail[1])
            queries.append(q)
            ready.append(q)

    # --- datagrams out --------------------------------------------------------------------------

    def poll_sends(self, now: float) -> list[tuple[int, bytes]]:
        """The datagrams to send now, as (socket index, payload), within the window and rates."""
        ready = self.ready
        n = min(len(ready), self.window - len(self.inflight), MAX_BURST)
        if n <= 0:
            return []
        if self.limiter is not None:
            n = self.limiter.grant(now, n)
        out: list[tuple[int, bytes]] = []
        append = out.append
        inflight = self.inflight
        wheel = self.wheel
        levels = self.levels
        top = len(levels) - 1
        level = self.level
        nservers = len(self.servers)
        limits = self.server_limits
        cycles = self._sock_cycles
        free_ids = self.free_ids
        popleft = ready.popleft
        firsts: list[tuple[_Query, int]] = []  # the burst of first tries (at ``level``)
        first = firsts.append
        later: dict[int, list[tuple[_Query, int]]] = {}  # retries, by level
        last = self.max_tries if self.retry_timeout else 1  # a try that no retry follows
        down = self.down
        for _ in range(n):
            q = popleft()
            tries = q.tries
            k = (q.name.base + tries) % nservers if nservers > 1 else 0
            if down and k in down:
                k = self._up_server(k, now)
                if k < 0:
                    self._unreachable(q, now)
                    continue
            if limits is not None:
                for step in range(nservers):
                    kk = (k + step) % nservers
                    if down and kk in down:
                        continue
                    if limits[kk].grant(now, 1):
                        k = kk
                        break
                else:
                    ready.appendleft(q)
                    if self.limiter is not None:
                        self.limiter.give_back(n - len(out))
                    break
            si = next(cycles[k])
            qid = free_ids[si].popleft()
            key = (si << 16) | qid
            q.key = key
            q.server = k
            q.tries = tries + 1
            gen = q.gen + 1
            q.gen = gen
            q.state = _FLIGHT
            q.sent_at = now
            inflight[key] = q
            if tries + 1 >= last:
                later.setdefault(top, []).append((q, gen))
            elif tries:
                at = level + tries - 1
                if at > top:
                    at = top
                later.setdefault(at, []).append((q, gen))
            else:
                first((q, gen))
            append((si, _IDS[qid] + q.body))
        if firsts:
            entry = (now + levels[level], firsts)
            wheel[level].append(entry)
            early = self._early
            if early is not None:
                while early and early[0][0] <= now:  # those already timed out: bounded
                    early.popleft()
                early.append(entry)
        for at, burst in later.items():
            wheel[at].append((now + levels[at], burst))
        self.sent += len(out)
        if len(inflight) > self._used:
            self._used = len(inflight)
        return out

    def _up_server(self, k: int, now: float) -> int:
        """The first server from ``k`` on that can be reached (one down for a while is taken
        back when its time is up); -1 when none."""
        down = self.down
        nservers = len(self.servers)
        for step in range(nservers):
            kk = (k + step) % nservers
            entry = down.get(kk)
            if entry is None:
                return kk
            if entry[1] <= now:
                del down[kk]
                return kk
        return -1

    def _unreachable(self, q: _Query, now: float) -> None:
        """No server can be sent ``q``: it ends UNREACHABLE, with every server's reason."""
        q.status, q.answers, q.cname = UNREACHABLE, (), ()
        q.error = "; ".join(f"{self.server_names[k]}: {why}" for k, (why, _) in
                            sorted(self.down.items()))  # fmt: skip
        self._query_done(q, now)

    def send_failed(self, si: int, payload: bytes, err: OSError, now: float) -> None:
        """The driver's send of ``payload`` on socket ``si`` failed with ``err``.  A refusal
        reported for an earlier datagram (ECONNREFUSED, ICMP port unreachable) or a full buffer
        only sends it again; any other error (no route, EACCES from a firewall, ...) takes the
        socket's server out for ``timeout`` seconds and the query goes to another server, or
        ends UNREACHABLE when none is left (glibc's res_send moves to the next server on a
        send error too)."""
        if err.errno not in _RESEND:
            k = self._socket_server(si)
            if k >= 0:
                why = os.strerror(err.errno) if err.errno else str(err)
                self.down[k] = (why, now + self.timeout)
        self.unsend(si, payload)

    def _socket_server(self, si: int) -> int:
        for k, socks in enumerate(self.server_socks):
            if si in socks:
                return k
        return -1

    def unsend(self, si: int, payload: bytes) -> None:
        """The driver could not send ``payload`` on socket ``si`` (buffer full): it goes back to
        the front of the queue, its try not counted."""
        key = (si << 16) | (payload[0] << 8) | payload[1]
        q = self.inflight.pop(key, None)
        if q is None:
            return
        self.free_ids[si].append(key & 0xFFFF)
        q.tries -= 1
        q.gen += 1
        q.key = -1
        q.state = _TRYING
        self.sent -= 1
        self.ready.appendleft(q)

    # --- datagrams in ---------------------------------------------------------------------------

    def on_reply(self, si: int, data: bytes, now: float) -> None:
        """A datagram that came in on socket ``si``."""
        self.on_replies(si, (data,), now)

    def on_replies(self, si: int, batch: Sequence[bytes], now: float) -> None:
        """The datagrams that came in on socket ``si``, in the order they came (the drivers
        read a socket until it would block and hand over all they read at once)."""
        inflight = self.inflight
        get = inflight.get
        give_back = self.free_ids[si].append
        base = si << 16
        received = self.received
        accepted = 0
        for data in batch:
            received += 1
            if len(data) < 12:
                self.unmatched += 1
                continue
            key = base | (data[0] << 8) | data[1]
            q = get(key)
            if q is None or not data[2] & 0x80 or data[4] or data[5] != 1:
                self.unmatched += 1
                continue
            if data[12 : q.qend] != q.question and not _same_question(q, data):
                self.unmatched += 1
                continue
            del inflight[key]
            give_back(key & 0xFFFF)
            q.key = -1
            accepted += 1
            if q.tries == 1 and (received < 64 or not received & 3):  # 1 in 4 is plenty
                self._sample(now - q.sent_at)
            if data[2] & 0x02:  # TC: ask again over TCP (RFC 7766 §5)
                q.state = _TCP
                self.tcp_wanted.append(q)
                continue
            self._answered(q, data, now)
        self.received = received
        if accepted and self.window < self.max_window:
            if now >= self._grow_at:
                if self._used >= self.window >> 1:
                    self._grow(now)
            elif self._grow_at == math.inf and self.srtt >= 0:  # the first sample: from now
                self._grow_at = now + self.levels[self.level]

    def _grow(self, now: float) -> None:
        """A first-try timeout has passed since the window last changed, with no cut, and at
        least half the window was in flight at once meanwhile (it was in use): the window
        doubles in slow start, else it grows by a sixteenth.  Losses of what a window sent show
        only when their tries time out, so it grows at most once per first-try timeout, however
        short the round trip: it never outruns the news of its own overflow."""
        w = self.window
        self.window = min(self.max_window, w * 2 if self.slow_start else w + max(1, w >> 4))
        self._used = 0
        self._grow_at = now + self.levels[self.level]

    def _answered(self, q: _Query, data: bytes, now: float) -> None:
        """An accepted reply to ``q`` (over UDP or TCP): tried again on a ``retry_on`` status
        while tries are left, else the query is done."""
        status, q.answers, q.cname, q.error = decode(data, q.qend, q.qtype, q.qtext)
        q.status = status
        if status in self.retry_on and q.tries < self.max_tries:
            self.retried += 1
            q.state = _TRYING
            self.ready.appendleft(q)
            return
        q.state = _DONE  # _query_done, inline
        name = q.name
        name.pending -= 1
        if not name.pending:
            self._line_done(q, now)

    def _sample(self, rtt: float) -> None:
        """RFC 6298 §2.2-2.3, alpha 1/8, beta 1/4; the level of first tries follows."""
        if self.srtt < 0:
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        rto = self.srtt + 4 * self.rttvar
        levels = self.levels
        level = 0
        while level < len(levels) - 1 and levels[level] < rto:
            level += 1
        self.level = level
        if self._early is not None:
            self._retime_early()

    def _retime_early(self) -> None:
        """At the first RTT sample: the first tries sent before it (each waiting ``timeout``)
        wait the level the sample gives, counted from when they were sent.  Nothing waits at
        that level yet (before a sample every try waits at the top), so the wheel's order
        holds."""
        early = self._early
        self._early = None
        top = len(self.levels) - 1
        if not early or self.level == top:
            return
        wheel = self.wheel
        waiting = {id(entry) for entry in wheel[top]}
        bursts = [entry for entry in early if id(entry) in waiting]  # not yet timed out
        moved = {id(entry) for entry in bursts}
        wheel[top] = deque(e for e in wheel[top] if id(e) not in moved)
        shift = self.levels[self.level] - self.levels[top]
        wheel[self.level].extendleft(reversed([(at + shift, burst) for at, burst in bursts]))

    # --- TCP ------------------------------------------------------------------------------------

    def tcp_query(self, q: _Query) -> tuple[int, bytes]:
        """(server index, query message with a fresh ID) for the TCP exchange of ``q``."""
        q.tries += 1
        self.tcp += 1
        self.tcp_flight += 1
        return q.server, _ID(self.rng.randrange(65536)) + q.body

    def on_tcp_reply(self, q: _Query, query: bytes, data: bytes | None, now: float) -> None:
        """What the TCP exchange of ``q`` gave: the reply, or None (failed, timed out)."""
        self.tcp_flight -= 1
        ok = (
            data is not None
            and len(data) >= q.qend
            and data[:2] == query[:2]
            and data[2] & 0x80
            and data[4:6] == b"\x00\x01"
            and data[12 : q.qend - 4].translate(_LOWER) == q.qname.translate(_LOWER)
            and data[q.qend - 4 : q.qend] == q.question[-4:]
        )
        if data is not None and ok:
            self._answered(q, data, now)
        elif q.tries < self.max_tries:
            self.retried += 1
            self.tcp_wanted.append(q)
        else:
            q.status, q.answers, q.cname, q.error = TIMEOUT, (), (), None
            self._query_done(q, now)

    # --- time -----------------------------------------------------------------------------------

    def next_deadline(self, now: float) -> float | None:
        """When the engine next needs :meth:`on_timer` or :meth:`poll_sends` (None: no need)."""
        heads = [w[0][0] for w in self.wheel if w]
        t = min(heads) if heads else None
        if self.ready and len(self.inflight) < self.window:
            wake = now
            if self.limiter is not None:
                wake = self.limiter.next_time(now)
            if self.server_limits is not None:
                wake = max(wake, min(b.next_time(now) for b in self.server_limits))
            t = wake if t is None else min(t, wake)
        return t

    def on_timer(self, now: float) -> None:
        """End every try whose time is up."""
        for timeouts in self.wheel:
            while timeouts and timeouts[0][0] <= now:
                burst = timeouts.popleft()[1]
                lost = 0
                for q, gen in burst:
                    if q.gen == gen and q.state == _FLIGHT:
                        lost += 1
                        self._expire(q, now)
                if lost >= BURST_LOSS and lost * 4 > len(burst):
                    self._congested(now)

    def _congested(self, now: float) -> None:
        """Much of one burst timed out: halve the window and end slow start, at most once per
        timeout of a first try (the server's queue overflowed; RFC 5681 §3.1's decrease)."""
        if now >= self._cut_until:
            self.window = max(MIN_WINDOW, self.window >> 1)
            self.slow_start = False
            self._used = 0
            self._cut_until = now + self.levels[self.level]
            self._grow_at = self._cut_until

    def _expire(self, q: _Query, now: float) -> None:
        del self.inflight[q.key]
        self.free_ids[q.key >> 16].append(q.key & 0xFFFF)
        q.key = -1
        if self.retry_timeout and q.tries < self.max_tries:
            self.retried += 1
            q.state = _TRYING
            self.ready.appendleft(q)
            return
        if q.tries < self.max_tries or not self.retry_timeout or q.status == TIMEOUT:
            q.status, q.answers, q.cname, q.error = TIMEOUT, (), (), None
        self._query_done(q, now)

    # --- lines out ------------------------------------------------------------------------------

    def _query_done(self, q: _Query, now: float) -> None:
        q.state = _DONE
        name = q.name
        name.pending -= 1
        if not name.pending:
            self._line_done(q, now)

    def _line_done(self, q: _Query, now: float) -> None:
        """The last query of ``q``'s line is done: the next name of a search walk, or the
        record."""
        name = q.name
        queries = name.queries
        job = name.job
        if len(queries) == 1:
            status = q.status
            answers = q.answers
            cname = q.cname
            error = q.error
            per: tuple[tuple[str, str], ...] = ()
            server = self.server_names[q.server] if status not in _NO_SERVER else None
            tries = name.tries + q.tries
        elif len(queries) == 2:  # A and AAAA, the common line
            a, b = queries
            sa = a.status
            sb = b.status
            status = NOERROR if sa == NOERROR or sb == NOERROR else _combine((sa, sb))
            answers = a.answers + b.answers
            cname = a.cname or b.cname
            error = a.error or b.error
            per = ((a.tname, sa), (b.tname, sb))
            last = b if sb not in _NO_SERVER else a
            server = self.server_names[last.server] if last.status not in _NO_SERVER else None
            tries = name.tries + a.tries + b.tries
        else:
            statuses = [x.status for x in queries]
            status = _combine(statuses)
            answers = tuple(x for y in queries for x in y.answers)
            cname = next((x.cname for x in queries if x.cname), ())
            error = next((x.error for x in queries if x.error), None)
            per = tuple((x.tname, x.status) for x in queries)
            heard = [x for x in queries if x.status not in _NO_SERVER]
            last = heard[-1] if heard else q
            server = self.server_names[last.server] if last.status not in _NO_SERVER else None
            tries = name.tries + sum([x.tries for x in queries])
        # the name asked, where it is not the line's: PTR, a search-list name, an IDN's A-label
        asked_other = name.cand != job.as_is or job.type == "PTR" or not job.name.isascii()
        qname = q.qtext if asked_other else None
        if status != NOERROR and len(job.qnames) > 1:
            nxt = self._walk(name, (status, answers, cname, error, per, server, qname))
            if nxt >= 0:
                name.tries = tries
                name.cand = nxt
                self._start(name)
                return
            if name.kept is not None:
                status, answers, cname, error, per, server, qname = name.kept
        self.active -= 1
        self.counts[status] += 1
        name.queries = []  # no cycle left: the line's objects go as soon as nothing holds them
        name.kept = None
        self.finished.append(
            self.make(
                job.line,
                job.name,
                job.type,
                status,
                answers,
                cname,
                server,
                tries,
                (now - name.started) * 1000.0,
                per,
                qname,
                error,
            )
        )

    def _walk(self, name: _Name, outcome: _Outcome) -> int:
        """glibc's ``res_search`` after a candidate name failed with ``outcome``: the index of
        the next name to ask, or -1 when the walk ends.  Then :attr:`_Name.kept`, when set, is
        what the record reports: the failure of the name asked as is first, else the first
        NODATA of a search domain, else its first SERVFAIL; else the last name's own."""
        job = name.job
        cand = name.cand
        last = len(job.qnames) - 1
        status = outcome[0]
        if status == UNREACHABLE:  # glibc: ECONNREFUSED from res_send ends the walk at once
            name.kept = None
            return -1
        if cand == job.as_is:
            if cand == 0 and last > 0:  # asked as is first: any failure goes on to the list
                name.kept = outcome
                name.rank = 3
                return 1
            return -1  # asked as is last: the end
        rank = 2 if status == NODATA else 1 if status == SERVFAIL else 0
        if rank > name.rank:
            name.kept = outcome
            name.rank = rank
        if status in _SEARCH_ON:
            return cand + 1 if cand < last else -1
        # Any other failure ends the list; the name as is is still asked when it comes last.
        return last if job.as_is == last and cand < last else -1

    @property
    def idle(self) -> bool:
        """No line in progress."""
        return self.active == 0
