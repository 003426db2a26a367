"""The socket-compatible lookups as asyncio coroutines, with no thread anywhere.

Every function of :mod:`netdb` that can wait on the network is here as a coroutine with the same
arguments, answers and exceptions, plus two keywords:

* ``timeout=``: a deadline for the whole lookup (seconds), across every server, retry and search
  domain.  When it passes, the lookup stops asking and fails the way glibc fails when no server
  answers (``gaierror(EAI_AGAIN)``, ``herror(TRY_AGAIN)``, ...).
* ``resolver=``: a :class:`netdb.Resolver` with its own configuration (default: the module's).

The coroutines run the same sans-I/O core as the blocking functions (``netdb.dns``); this module
is only the asyncio *driver*: it performs the core's requests (``netdb.dns.ops``) with
non-blocking sockets, driven by callbacks of the event loop (see :class:`_Lookup`).  Identical
lookups in flight at the same time (same loop, resolver, function, arguments of the same types,
and deadline) share one: the later callers wait for the same answer, each getting lists and
exceptions of its own, as separate calls would.  Cancelling a call stops that call at once; the
lookup stops and closes its sockets when no call waits for it any more.

Arguments are checked when the coroutine is awaited (as ``loop.getaddrinfo`` checks them), with
``socket``'s messages; the twins of socket.py's Python functions (``getaddrinfo``, ``getfqdn``)
refuse a missing argument or an unknown keyword at the call, as any coroutine function does.

The driver knows no fast path: ``Resolver._gai_steps`` gives it the core's generator, which
for the most common lookup is the express lane's (``netdb.express``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import errno
import heapq
import itertools
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from . import _default_resolver, _explain, trace
from ._api import (
    _MISSING,
    OMITTED,
    AddrInfoList,
    HostEnt,
    Resolver,
    SockAddr,
    _gaierror,
    _getaddrinfo_too_many,
    _getfqdn_too_many,
)
from ._explain import Explanation
from ._io.driver import RECV_SIZE, Sock, open_tcp, open_udp, send_datagrams
from .address import _arity_error
from .dns.ops import (
    EXPIRED,
    Close,
    HErrno,
    Note,
    Op,
    Pause,
    TcpOpen,
    TcpRecv,
    TcpSend,
    UdpOpen,
    UdpRecv,
    UdpSend,
)
from .errors import GaiError

T = TypeVar("T")


_IN = select.EPOLLIN
_OUT = select.EPOLLOUT
_ERR = select.EPOLLERR | select.EPOLLHUP
_ONESHOT = select.EPOLLONESHOT

__all__ = [
    "explain",
    "getaddrinfo",
    "getfqdn",
    "gethostbyaddr",
    "gethostbyname",
    "gethostbyname_ex",
    "getnameinfo",
    "getprotobyname",
    "getprotobynumber",
    "getservbyname",
    "getservbyport",
]


class _Reactor:
    """One epoll set per event loop, registered once as a reader of that loop, and one timer.

    A lookup's sockets are armed in it one-shot while the lookup waits on them, so a wait costs
    one ``epoll_ctl`` instead of a reader callback added to and removed from the loop; a late
    datagram on a socket nobody waits on wakes nothing.  One readiness callback of the loop
    serves every ready socket of every lookup at once.  The lookups' deadlines wait in a heap of
    its own under one timer of the loop, set for the earliest (a lookup's deadline is not a
    timer handle of the loop, ordered by Python-level comparisons and cancelled one by one).
    It lives while lookups are in flight on its loop: the last one to end closes it, so no
    descriptor outlives the lookups.
    """

    __slots__ = (
        "__weakref__",
        "active",
        "armed",
        "dead",
        "ep",
        "live",
        "loop",
        "parked",
        "seq",
        "talking",
        "timer",
        "timer_at",
        "timers",
        "waiting",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)  # the loop keeps its reactor alive, not the other way
        self.ep = select.epoll()
        self.waiting: dict[int, _Lookup] = {}
        self.armed: set[int] = set()
        self.active = 0
        self.live: set[_Lookup] = set()  # the lookups in flight (see _reap)
        # Deadlines: (when, sequence, lookup); an entry is live while the lookup's timer_at
        # equals its time (see _Lookup._wait); ``dead`` counts entries left by ended lookups.
        self.timers: list[tuple[float, int, _Lookup]] = []
        self.seq = itertools.count()
        self.dead = 0
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        # Pacing: lookups that have opened their first socket, at most MAX_TALKING, and the
        # lookups waiting to open theirs, in order.
        self.talking = 0
        self.parked: collections.deque[_Lookup] = collections.deque()
        loop.add_reader(self.ep.fileno(), self._ready)

    def hang_up(self) -> None:
        """A lookup that was talking ended: the next parked one (if any) opens its socket, on
        the loop's next round (not inside the callback that ended the other)."""
        self.talking -= 1
        parked = self.parked
        while parked:
            lookup = parked.popleft()
            if lookup.done or lookup.wait_kind != _W_PARKED:
                continue  # cancelled, or its deadline passed while it waited
            self.talking += 1
            lookup.talking = True
            lookup.wait_kind = _W_OPENING
            loop = self.loop()
            if loop is not None and not loop.is_closed():
                loop.call_soon(lookup.unpark)
            return

    def leave(self) -> None:
        """A lookup ended; when none is left, the reactor closes on the loop's next round
        unless a lookup started meanwhile (awaiting lookups one after another keeps it)."""
        self.active -= 1
        if self.active <= 0:
            loop = self.loop()
            if loop is None or loop.is_closed():
                self._close_if_idle()
            else:
                loop.call_soon(self._close_if_idle)
        elif self.dead > 64 and self.dead * 2 > len(self.timers):
            # Drop the entries of ended lookups (they would keep them alive till their time).
            self.timers = [t for t in self.timers if t[2].timer_at == t[0]]
            heapq.heapify(self.timers)
            self.dead = 0

    def _close_if_idle(self) -> None:
        if self.active > 0 or self.ep.closed:
            return
        loop = self.loop()
        if loop is not None:
            with _REACTORS_LOCK:
                if _REACTORS.get(loop) is self:
                    del _REACTORS[loop]
            if not loop.is_closed():
                loop.remove_reader(self.ep.fileno())
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.timers.clear()
        self.ep.close()

    def arm(self, fd: int, events: int, lookup: _Lookup) -> None:
        self.waiting[fd] = lookup
        if fd in self.armed:
            self.ep.modify(fd, events | _ONESHOT)
        else:
            self.ep.register(fd, events | _ONESHOT)
            self.armed.add(fd)

    def forget(self, fd: int) -> None:
        """``fd`` is about to be closed (closing drops it from the epoll set)."""
        self.waiting.pop(fd, None)
        self.armed.discard(fd)

    def _ready(self) -> None:
        waiting = self.waiting
        for fd, events in self.ep.poll(0):
            lookup = waiting.pop(fd, None)
            if lookup is not None:
                lookup.wake(fd, events)

    def schedule(self, when: float, lookup: _Lookup) -> None:
        """Call ``lookup.on_timer()`` at ``when`` (monotonic seconds) unless it moved its
        deadline (``timer_at``) meanwhile."""
        heapq.heappush(self.timers, (when, next(self.seq), lookup))
        if self.timer is None or when < self.timer_at:
            loop = self.loop()
            if loop is None:
                return
            self._arm_timer(loop, when)

    def _arm_timer(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        """The loop's timer, for ``when`` in monotonic seconds: set by the delay from now, as
        the loop's own clock (``loop.time()``) need not be ``time.monotonic()``."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer_at = when
        self.timer = loop.call_later(max(0.0, when - time.monotonic()), self._expire)

    def _expire(self) -> None:
        self.timer = None
        timers = self.timers
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            when, _, lookup = heapq.heappop(timers)
            if lookup.timer_at == when:
                lookup.on_timer()
        if timers and not self.ep.closed and (self.timer is None or timers[0][0] < self.timer_at):
            loop = self.loop()
            if loop is not None and not loop.is_closed():
                self._arm_timer(loop, timers[0][0])


_REACTORS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Reactor] = (
    weakref.WeakKeyDictionary()
)
# Loops in several threads find, add, reap and drop reactors: one at a time (re-entrant: a
# reaped lookup's end drops its reactor).
_REACTORS_LOCK = threading.RLock()
_last: list[_Reactor] = []  # the reactor found last (most lookups run on one loop)


def _reactor(loop: asyncio.AbstractEventLoop) -> _Reactor:
    """The loop's reactor, counting one more lookup in flight on it."""
    # One read of _last: a loop in another thread may replace it between two.
    last = _last[0] if _last else None
    if last is not None and last.loop() is loop and not last.ep.closed:
        reactor = last
    else:
        with _REACTORS_LOCK:
            _reap()
            found = _REACTORS.get(loop)
            if found is None:
                found = _REACTORS[loop] = _Reactor(loop)
        reactor = found
        _last[:] = [reactor]
    reactor.active += 1
    return reactor


def _reap() -> None:
    """End the lookups of loops closed while they were in flight (their tasks left pending:
    nothing will ever resume or cancel them, and the loop's reactor holds them): close their
    sockets and the reactor's epoll set.  Done when a lookup starts on another loop, with
    ``_REACTORS_LOCK`` held."""
    for loop, reactor in list(_REACTORS.items()):
        if loop.is_closed():
            for lookup in list(reactor.live):
                lookup._finish()
            reactor._close_if_idle()


# What a lookup is waiting for (``_Lookup.wait_kind``): a socket, or (parked) its turn to
# open its first one, then (opening) the loop's round on which it opens it, or (paused) the
# loop's next round after a long stretch of work (a ``Pause`` request).
_W_UDP, _W_CONNECT, _W_SEND, _W_TCP, _W_PARKED, _W_OPENING, _W_PAUSED = 1, 2, 3, 4, 5, 6, 7

MAX_TALKING = 64
"""Lookups of one event loop that talk to DNS servers at once; the others wait their turn
(first come, first served, each within its own deadline) before they open a socket.  A thousand
lookups sent at once are two thousand datagrams in one burst, more than a server's socket
buffer holds (Knot on loopback dropped some at 256 lookups, 512 datagrams): each lost query then
waits out resolv.conf's timeout, five seconds by default, where the same lookups taken 64 at a
time are all answered, as fast (1,000 concurrent lookups on loopback: 6,600-7,000 names/s either
way when nothing is lost, 580 when a burst is).  64 in flight still answer 1,280 lookups/s from
a server 50 ms away; glibc under asyncio is paced by the thread pool's few threads (6 on two
cores).  Set it on the module to change it."""
MAX_READS = 8
"""Receives a lookup does at once, from data already waiting in its sockets, before it lets the
event loop run (it then waits on the socket as if empty, and goes on from the loop's next
readiness callback).  A server that keeps sending (a flood of stale or spurious replies, each
read and refused) then holds the loop for a few of them at a time, not for as long as it
sends.  A receive whose deadline has passed gives a timeout whatever waits in the socket, as
glibc's ``send_dg`` reads the clock before each poll."""
_PENDING = object()  # perform(): the request waits; the lookup resumes from a callback
_NO_CHUNKS: list[bytes] = []  # _Lookup.chunks outside a TCP read (never appended to)


class _Lookup:
    """One lookup driven on an event loop by callbacks: its generator, sockets and deadline.

    Requests that need no waiting are done at once; one that must wait arms its socket in the
    loop's :class:`_Reactor` and a timer for its deadline, and the lookup resumes from whichever
    fires first.  Each caller awaits a future of its own (:attr:`waiters`, the first one
    :attr:`fut`).  Whatever ends the lookup (answer, exception, cancellation) closes every
    socket it opened.

    """

    __slots__ = (
        "chunks",
        "deadline",
        "done",
        "expires",
        "fut",
        "gen",
        "h_errno",
        "key",
        "left",
        "loop",
        "parked_op",
        "reactor",
        "reads",
        "sent_on",
        "socks",
        "talking",
        "timer_at",
        "view",
        "wait_kind",
        "wait_own",
        "wait_sock",
        "waiters",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        gen: Generator[Op, Any, Any] | None,
        deadline: float | None,
    ) -> None:
        self.loop = loop
        self.reactor = _reactor(loop)
        self.reactor.live.add(self)
        self.done = False
        self.gen = gen
        self.deadline = deadline
        self.fut: asyncio.Future[Any] = loop.create_future()
        self.waiters = [self.fut]
        self.key: tuple[Any, ...] | None = None
        self.socks: list[Sock] = []
        self.sent_on: Sock | None = None
        self.h_errno: int | None = None
        self.expires = float("inf")
        self.timer_at = 0.0  # the deadline scheduled in the reactor, 0: none
        self.wait_kind = 0
        self.wait_sock: Sock | None = None
        self.wait_own = False
        self.chunks: list[bytes] = _NO_CHUNKS
        self.left = 0
        self.view: memoryview | None = None
        self.talking = False  # holds one of the reactor's MAX_TALKING turns
        self.parked_op: Op | None = None
        self.reads = 0  # receives done at once since the loop last ran this lookup

    # -- driving ---------------------------------------------------------------------------

    def start(self, op: Op) -> None:
        self._run(op, None)

    def _resume(self, result: Any) -> None:
        self.wait_kind = 0
        self.wait_sock = None
        self._run(None, result)

    def _run(self, op: Op | None, result: Any) -> None:
        """Send ``result`` in (unless ``op`` is the next request already), then perform
        requests until one has to wait or the generator ends."""
        gen = self.gen
        assert gen is not None
        self.reads = 0
        try:
            if op is None:
                op = gen.send(result)
            while True:
                result = self._perform(op)
                if result is _PENDING:
                    return
                op = gen.send(result)
        except StopIteration as stop:
            # Released first: the reactor's idle check runs before the caller resumes.
            self._finish()
            self._settle(stop.value, None)
        except BaseException as exc:
            self._finish()
            self._settle(None, exc)
            if not isinstance(exc, Exception):
                raise

    def _settle(self, value: Any, exc: BaseException | None) -> None:
        """Give every caller still waiting the answer (or the exception: the first caller
        this one, the others a copy each, as calls of their own would raise exceptions of
        their own, each with its own traceback)."""
        for waiter in self.waiters:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(value)
                else:
                    waiter.set_exception(exc if waiter is self.fut else _fresh(exc))

    def _finish(self) -> None:
        """Release everything: timer, waits, sockets, the generator."""
        reactor = self.reactor
        if self.timer_at:
            self.timer_at = 0.0
            reactor.dead += 1
        for sock in self.socks:
            fd = sock.fileno()
            if fd >= 0:
                reactor.forget(fd)
            sock.close()
        self.socks.clear()
        self.wait_kind = 0
        self.wait_sock = None
        if self.talking:
            self.talking = False
            reactor.hang_up()
        if self.gen is not None:
            self.gen.close()
        if not self.done:
            self.done = True
            reactor.live.discard(self)
            if self.key is not None and _IN_FLIGHT.get(self.key) is self:
                # (pop: a loop in another thread may have replaced or removed it meanwhile)
                _IN_FLIGHT.pop(self.key, None)
            reactor.leave()

    def join(self) -> asyncio.Future[Any]:
        """A future of its own for one more caller of this lookup (in flight)."""
        waiter: asyncio.Future[Any] = self.loop.create_future()
        self.waiters.append(waiter)
        return waiter

    def drop(self, waiter: asyncio.Future[Any]) -> None:
        """A caller stopped waiting (cancelled): the lookup stops when no caller is left."""
        # RuntimeError: its loop is closed (a task destroyed while pending, the loop closed
        # under it, closes its coroutine); the lookup still closes its sockets below.
        with contextlib.suppress(RuntimeError):
            waiter.cancel()
        if waiter in self.waiters:
            self.waiters.remove(waiter)
        if not self.done and all(w.done() for w in self.waiters):
            self._finish()

    # -- waiting ---------------------------------------------------------------------------

    def _wait(self, sock: Sock, events: int, deadline: float, kind: int) -> Any:
        own = self.deadline
        if own is not None and own <= deadline:
            until, self.wait_own = own, True
        else:
            until, self.wait_own = deadline, False
        if until <= time.monotonic():
            return self._timed_out(kind, sock)
        self.wait_kind = kind
        self.wait_sock = sock
        self.reactor.arm(sock.fileno(), events, self)
        if self.timer_at != until:
            self.timer_at = until
            self.reactor.schedule(until, self)
        return _PENDING

    def _timed_out(self, kind: int, sock: Sock) -> Any:
        own = self.wait_own
        if kind in (_W_UDP, _W_TCP):
            return EXPIRED if own else None
        if kind == _W_CONNECT:
            self._close_sock(sock)
            return EXPIRED if own else OSError(errno.ETIMEDOUT, "connect timed out")
        self.view = None
        return OSError(errno.ETIMEDOUT, "send timed out")

    def on_timer(self) -> None:
        """The deadline of the wait passed (called by the reactor)."""
        self.timer_at = 0.0
        kind = self.wait_kind
        sock = self.wait_sock
        if kind == _W_PARKED:
            # The lookup's own deadline passed before its turn came (it stays in the queue
            # until its turn is skipped).
            self.wait_kind = 0
            self.parked_op = None
            self._resume(EXPIRED)
            return
        if not kind or sock is None:
            return
        self.reactor.waiting.pop(sock.fileno(), None)
        self._resume(self._timed_out(kind, sock))

    def wake(self, fd: int, events: int) -> None:
        kind = self.wait_kind
        sock = self.wait_sock
        if not kind or sock is None or sock.fileno() != fd:
            return
        if kind == _W_UDP:
            result = self._udp_recv(sock, events)
        elif kind == _W_TCP:
            result = self._tcp_recv_more(sock)
        elif kind == _W_CONNECT:
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self._close_sock(sock)
                result = OSError(err, "connect failed")
            else:
                result = sock
        else:
            result = self._tcp_send_more(sock)
        if result is _PENDING:
            self.reactor.arm(fd, _OUT if kind in (_W_SEND, _W_CONNECT) else _IN, self)
            return
        self._resume(result)

    # -- requests --------------------------------------------------------------------------

    def _perform(self, op: Op) -> Any:
        if isinstance(op, UdpRecv):
            now = time.monotonic()
            if self.deadline is not None and now >= self.deadline:
                return EXPIRED
            if now >= op.deadline:
                return None  # a timeout, whatever waits in the socket (see MAX_READS)
            sock = op.sock
            assert isinstance(sock, Sock)
            if sock is self.sent_on:
                # Just sent: the reply cannot be there yet; wait without a failing read.
                self.sent_on = None
                return self._wait(sock, _IN, op.deadline, _W_UDP)
            self.reads += 1
            if self.reads > MAX_READS:
                return self._wait(sock, _IN, op.deadline, _W_UDP)  # the loop's turn first
            result = self._udp_recv(sock, 0)
            if result is _PENDING:
                return self._wait(sock, _IN, op.deadline, _W_UDP)
            return result
        if isinstance(op, Note):
            if op.expires < self.expires:
                self.expires = op.expires
            return None
        if isinstance(op, HErrno):
            self.h_errno = op.value
            return None
        if isinstance(op, Pause):
            # The loop's other callbacks first; the lookup's own deadline is the next
            # request's business, as ever.
            self.wait_kind = _W_PAUSED
            self.wait_sock = None
            self.loop.call_soon(self._unpause)
            return _PENDING
        if isinstance(op, Close):
            sock = op.sock
            assert isinstance(sock, Sock)
            self._close_sock(sock)
            return None
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return EXPIRED
        if isinstance(op, UdpSend):
            sock = op.sock
            assert isinstance(sock, Sock)
            sent = send_datagrams(sock, op.payloads)
            if sent is None:
                self.sent_on = sock
            return sent
        if isinstance(op, (UdpOpen, TcpOpen)):
            if not self.talking:
                reactor = self.reactor
                if reactor.talking >= MAX_TALKING:
                    return self._park(op)
                reactor.talking += 1
                self.talking = True
            return self._open(op)
        if isinstance(op, TcpSend):
            sock = op.sock
            assert isinstance(sock, Sock)
            self.view = memoryview(op.data)
            result = self._tcp_send_more(sock)
            if result is _PENDING:
                return self._wait(sock, _OUT, time.monotonic() + 30, _W_SEND)
            return result
        if isinstance(op, TcpRecv):
            if time.monotonic() >= op.deadline:
                return None
            sock = op.sock
            assert isinstance(sock, Sock)
            self.chunks = []
            self.left = op.size
            self.reads += 1
            if self.reads > MAX_READS:
                return self._wait(sock, _IN, op.deadline, _W_TCP)
            result = self._tcp_recv_more(sock)
            if result is _PENDING:
                return self._wait(sock, _IN, op.deadline, _W_TCP)
            return result
        raise TypeError(f"unknown request {op!r}")  # pragma: no cover

    def _park(self, op: Op) -> Any:
        """Wait for a turn to talk (see :data:`MAX_TALKING`), within the lookup's deadline."""
        self.parked_op = op
        self.wait_kind = _W_PARKED
        self.wait_sock = None
        self.reactor.parked.append(self)
        own = self.deadline
        if own is not None and self.timer_at != own:
            self.timer_at = own
            self.reactor.schedule(own, self)
        return _PENDING

    def _unpause(self) -> None:
        """The loop ran its other callbacks: the lookup goes on after its ``Pause``."""
        if self.done or self.wait_kind != _W_PAUSED:
            return
        self._resume(None)

    def unpark(self) -> None:
        """The lookup's turn came (:meth:`_Reactor.hang_up` gave it one): open, and go on."""
        op = self.parked_op
        self.parked_op = None
        if self.done or op is None or self.wait_kind != _W_OPENING:
            return
        self.wait_kind = 0
        if self.deadline is not None and time.monotonic() >= self.deadline:
            result: Any = EXPIRED
        else:
            result = self._open(op)
        if result is _PENDING:  # a TCP connect in progress: its wake-up goes on
            return
        self._run(None, result)

    def _open(self, op: Op) -> Any:
        """A UdpOpen or TcpOpen request done (a TCP connect may be _PENDING)."""
        if isinstance(op, UdpOpen):
            return self._udp_open(op)
        assert isinstance(op, TcpOpen)
        return self._tcp_open(op)

    def _close_sock(self, sock: Sock) -> None:
        fd = sock.fileno()
        if fd >= 0:
            self.reactor.forget(fd)
        sock.close()
        if sock in self.socks:
            self.socks.remove(sock)

    def _udp_open(self, op: UdpOpen) -> Any:
        sock = open_udp(op.server)
        if isinstance(sock, Sock):
            self.socks.append(sock)
        return sock

    def _udp_recv(self, sock: Sock, events: int) -> Any:
        try:
            return sock.recvfrom(RECV_SIZE)
        except BlockingIOError:
            if events & _ERR and not events & _IN:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                return OSError(err or errno.EIO, "poll error")
            return _PENDING
        except OSError as exc:
            return exc

    def _tcp_open(self, op: TcpOpen) -> Any:
        started = open_tcp(op.server)
        if isinstance(started, OSError):
            return started
        sock, err = started
        self.socks.append(sock)
        if err in (errno.EINPROGRESS, errno.EAGAIN):
            return self._wait(sock, _OUT, op.deadline, _W_CONNECT)
        if err:
            self._close_sock(sock)
            return OSError(err, "connect failed")
        return sock

    def _tcp_send_more(self, sock: Sock) -> Any:
        view = self.view
        while view:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                self.view = view
                return _PENDING
            except OSError as exc:
                self.view = None
                return exc
            view = view[sent:]
        self.view = None
        return None

    def _tcp_recv_more(self, sock: Sock) -> Any:
        chunks = self.chunks
        while self.left:
            try:
                data = sock.recv(self.left)
            except BlockingIOError:
                return _PENDING
            except OSError as exc:
                return exc
            if not data:
                break
            chunks.append(data)
            self.left -= len(data)
        self.chunks = _NO_CHUNKS
        return b"".join(chunks)


async def _join(lookup: _Lookup, waiter: asyncio.Future[Any]) -> Any:
    """Wait for ``lookup``'s answer as one of its callers, on the caller's own ``waiter``.

    The lookup runs on the loop's callbacks, not in any caller's task, so a caller that is
    cancelled only stops waiting; the lookup itself stops (and closes its sockets) when its last
    caller has gone.
    """
    try:
        return await waiter
    finally:
        if not waiter.done() or waiter.cancelled():
            lookup.drop(waiter)


async def run(gen: Generator[Op, Any, T], timeout: float | None = None) -> T:
    """Drive a sans-I/O lookup on the running event loop; ``timeout``: its own deadline."""
    try:
        op = gen.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    deadline = None if timeout is None else time.monotonic() + timeout
    lookup = _Lookup(asyncio.get_running_loop(), gen, deadline)
    lookup.start(op)
    return await _join(lookup, lookup.fut)  # type: ignore[no-any-return]


# Lookups in flight, by (resolver, function, arguments): identical calls share one.
_IN_FLIGHT: dict[tuple[Any, ...], _Lookup] = {}


async def _shared(
    key: tuple[Any, ...] | None,
    make: Callable[[], Generator[Op, Any, T]],
    timeout: float | None,
    driven: list[_Lookup] | None = None,
    resolver: Resolver | None = None,
) -> T:
    """Run the lookup ``make()``, or join an identical one already in flight; ``driven`` gets
    the driver when this call started the lookup itself (its notes: expiry, h_errno).

    ``key``: what makes two calls identical (see :func:`_key`), without the deadline: a call
    joins a lookup in flight only when that lookup's deadline is its own (see :func:`_joinable`).
    ``resolver``: whose per-thread ``h_errno`` the lookup leaves as glibc's would be left (the
    blocking driver does the same), so that a later ``herror`` reports what CPython would.
    """
    # The deadline first, as the blocking driver computes it (a timeout of a wrong type fails
    # the same way there), then the key.
    deadline = None if timeout is None else time.monotonic() + timeout
    if resolver is not None and resolver._files.due():
        await _files_ready(resolver)
    loop = asyncio.get_running_loop()
    pending = None if key is None else _IN_FLIGHT.get(key)
    if pending is not None and _joinable(pending, loop, deadline):
        try:
            joined: T = await _join(pending, pending.join())
        finally:
            if resolver is not None and pending.done:
                resolver._set_h_errno(pending.h_errno)
        return _own(joined)
    gen = make()
    try:
        first = gen.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    lookup = _Lookup(loop, gen, deadline)
    try:
        lookup.start(first)
        if driven is not None:
            driven.append(lookup)
        if key is not None and not lookup.done:
            lookup.key = key
            _IN_FLIGHT[key] = lookup
        value: T = await _join(lookup, lookup.fut)
    finally:
        if resolver is not None:
            resolver._set_h_errno(lookup.h_errno)
    return value


_JOIN_SLACK = 0.005
"""How much earlier than its own deadline a call may be answered "time is up" by the
identical lookup it joined (seconds): calls made together (a ``gather``) share one lookup."""


def _joinable(pending: _Lookup, loop: asyncio.AbstractEventLoop, deadline: float | None) -> bool:
    """May a call with ``deadline`` wait for ``pending`` instead of looking up itself?  Only on
    the same loop, while it runs, and when it ends when the call would have ended: no later than
    the call's deadline (never past it), and not much earlier (a lookup cut short by its own
    deadline would otherwise fail calls that still had time)."""
    if pending.loop is not loop or pending.done:
        return False
    theirs = pending.deadline
    if theirs is None or deadline is None:
        return theirs is None and deadline is None
    return theirs <= deadline and deadline - theirs <= _JOIN_SLACK


def _fresh(exc: BaseException) -> BaseException:
    """A copy of ``exc`` (same class, args and attributes; no traceback, cause or context)."""
    try:
        copied = copy.copy(exc)
    except Exception:  # an exception that cannot be rebuilt from its args: the same one
        return exc
    copied.__traceback__ = copied.__cause__ = copied.__context__ = None
    return copied


def _own(value: T) -> T:
    """A joined caller's own copy of the lists in an answer (``gethostbyname_ex``'s aliases and
    addresses): a call of its own would get lists nobody else holds."""
    if isinstance(value, tuple) and value.__class__ is tuple:
        owned = tuple(list(v) if v.__class__ is list else v for v in value)
        return owned  # type: ignore[return-value]
    return value


# The argument types a sharing key holds: compared and hashed by Python itself, never by code
# of the caller's (a str subclass's __hash__ may raise, or answer differently than str's).
_PLAIN = frozenset({str, bytes, int, float, bool, type(None)})


class _Unshared(Exception):
    """An argument of another type: the call looks up on its own (see :func:`_key`)."""


def _typed(value: object) -> object:
    cls = value.__class__
    if cls is tuple:
        return tuple(map(_typed, value))  # type: ignore[call-overload]
    if cls in _PLAIN:
        return (cls, value)
    raise _Unshared


def _key(resolver: Resolver, kind: str, *args: object) -> tuple[object, ...] | None:
    """What makes two calls identical: the resolver, the function and the arguments, each
    value keyed with its exact type (``80`` and ``80.0``, ``0`` and ``False`` are equal but
    can end differently: a TypeError for one), tuples item by item; None (the call does not
    share) when an argument is of another type than :data:`_PLAIN`'s."""
    try:
        return (id(resolver), kind, *map(_typed, args))
    except _Unshared:
        return None


_BUSY_WAIT = 0.002


async def _files_ready(r: Resolver) -> None:
    """``r``'s files brought up to date with the loop free between steps: a changed file is
    parsed a chunk of lines at a time (a few milliseconds each), not in one go under the loop, and
    calls at once share the one parse.  Called when the files are due a look (at most once a
    second with the default ``check_interval``), before the lookup reads them."""
    for busy in r._files.refresh_steps():
        # busy: another thread parses a file in one go (a blocking call): let it, a moment
        await asyncio.sleep(_BUSY_WAIT if busy else 0)


def _resolver(resolver: Resolver | None) -> Resolver:
    return resolver if resolver is not None else _default_resolver()


async def getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
    *too_many: NoReturn,
    timeout: float | None = None,
    resolver: Resolver | None = None,
) -> AddrInfoList:
    """``socket.getaddrinfo`` as a coroutine.

    Settings, cache: ``resolver``'s (default: the module's, over the system's files --
    ``/etc/nsswitch.conf``, ``/etc/hosts``, ``/etc/resolv.conf``, ... -- with its DNS reply
    cache and answer memo; see :mod:`netdb`).  Deadline: ``timeout`` seconds for the
    whole lookup, else the resolver's ``lifetime``, else glibc's own limits (resolv.conf's
    ``timeout`` times ``attempts``, per server and search domain).
    """
    if too_many:
        _getaddrinfo_too_many(host, port, family, type, proto, flags, *too_many)
    r = resolver if resolver is not None else _default_resolver()
    args = r._getaddrinfo_args(host, port, family, type, proto, flags)
    if r._files.due():
        await _files_ready(r)
    files, value = r._recall(args)
    if value is _MISSING:
        # _shared, unrolled for the most frequent lookup (no closures, no inner coroutine).
        wait = timeout if timeout is not None else r.lifetime
        deadline = None if wait is None else time.monotonic() + wait
        key = (id(r), "gai", *args)  # C-level arguments: exact types already
        loop = asyncio.get_running_loop()
        lookup = _IN_FLIGHT.get(key)
        if lookup is not None and _joinable(lookup, loop, deadline):
            try:
                value = await _join(lookup, lookup.join())
            finally:
                if lookup.done:  # as the driver leaves it (it may have been cancelled)
                    r._set_h_errno(lookup.h_errno)
        else:
            gen = r._gai_steps(args)
            try:
                first = gen.send(None)
            except StopIteration as stop:
                lookup = None
                value = stop.value
            else:
                lookup = _Lookup(loop, gen, deadline)
                lookup.start(first)
            if lookup is not None:
                if not lookup.done:
                    lookup.key = key
                    _IN_FLIGHT[key] = lookup
                fut = lookup.fut
                try:
                    value = await fut
                finally:
                    if not fut.done() or fut.cancelled():
                        lookup.drop(fut)
                    # Whatever ended it, as the blocking driver leaves h_errno.
                    r._set_h_errno(lookup.h_errno)
                # This call drove the lookup (a joined call only shares its answer).
                r._remember(args, files, value, lookup.expires, lookup.h_errno)
    if isinstance(value, GaiError):
        _gaierror(value)
    return list(value)


def _c_arity(
    name: str, least: int, most: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Raise what CPython raises when ``socket.<name>`` (a ``METH_VARARGS`` builtin taking
    ``least`` to ``most`` positional arguments, no keywords) is called with ``args`` and
    ``kwargs`` (the keywords besides ``timeout=`` and ``resolver=``).

    The coroutines twin to ``socketmodule.c``'s builtins check their arguments when awaited
    (as ``await loop.run_in_executor(None, socket.gethostbyname, ...)`` does, and as
    ``loop.getaddrinfo`` checks their values), with the builtin's own messages; ``getaddrinfo``
    and ``getfqdn``, Python functions of ``socket.py``, keep Python's binding (a wrong call
    raises when made, as ``loop.getaddrinfo``'s does, with the same message as socket's).
    """
    if kwargs or not least <= len(args) <= most:
        raise _arity_error(name, least, args, kwargs, most)


# (least, most) positional arguments of the builtins the coroutines below are twins of.
_ARITY = {
    "getnameinfo": (2, 2),
    "gethostbyname": (1, 1),
    "gethostbyname_ex": (1, 1),
    "gethostbyaddr": (1, 1),
    "getservbyname": (1, 2),
    "getservbyport": (1, 2),
    "getprotobyname": (1, 1),
}


if TYPE_CHECKING:
    # The signatures socket documents (plus the two keywords).  At run time the twins of
    # socketmodule.c's builtins take *args/**kwargs, so that a wrong call raises the builtin's
    # own TypeError text (see _c_arity).

    async def getnameinfo(
        sockaddr: SockAddr,
        flags: int,
        /,
        *,
        timeout: float | None = None,
        resolver: Resolver | None = None,
    ) -> tuple[str, str]:
        """``socket.getnameinfo`` as a coroutine."""

    async def gethostbyname(
        hostname: str, /, *, timeout: float | None = None, resolver: Resolver | None = None
    ) -> str:
        """``socket.gethostbyname`` as a coroutine."""

    async def gethostbyname_ex(
        hostname: str, /, *, timeout: float | None = None, resolver: Resolver | None = None
    ) -> HostEnt:
        """``socket.gethostbyname_ex`` as a coroutine."""

    async def gethostbyaddr(
        ip_address: str, /, *, timeout: float | None = None, resolver: Resolver | None = None
    ) -> HostEnt:
        """``socket.gethostbyaddr`` as a coroutine."""

    async def getservbyname(
        servicename: str, protocolname: str = OMITTED, /, *, resolver: Resolver | None = None
    ) -> int:
        """``socket.getservbyname`` as a coroutine."""

    async def getservbyport(
        port: int, protocolname: str = OMITTED, /, *, resolver: Resolver | None = None
    ) -> str:
        """``socket.getservbyport`` as a coroutine."""

    async def getprotobyname(protocolname: str, /, *, resolver: Resolver | None = None) -> int:
        """``socket.getprotobyname`` as a coroutine."""

else:
    _WAITS_DOC = """

        Settings, cache: ``resolver``'s (default: the module's, over the system's files --
        ``/etc/nsswitch.conf``, ``/etc/hosts``, ``/etc/resolv.conf``, ... -- with its DNS reply
        cache and answer memo; see :mod:`netdb`).  Deadline: ``timeout`` seconds for the
        whole lookup, else the resolver's ``lifetime``, else glibc's own limits.
        """

    def _waiting(name, call, tag):
        """The coroutine of socket's ``name`` (``call``: its parameters, for the documentation):
        positional arguments counted as CPython counts them, then the resolver's ``*_steps``
        lookup run on the loop, shared with identical calls in flight (``tag`` in the key)."""
        least, most = _ARITY[name]

        async def lookup(*args, timeout=None, resolver=None, **kwargs):
            _c_arity(name, least, most, args, kwargs)
            r = _resolver(resolver)
            return await _shared(
                _key(r, tag, *args),
                lambda: getattr(r, name + "_steps")(*args),
                timeout if timeout is not None else r.lifetime,
                resolver=r,
            )

        lookup.__name__ = lookup.__qualname__ = name
        lookup.__doc__ = f"``socket.{name}({call})`` as a coroutine." + _WAITS_DOC
        return lookup

    getnameinfo = _waiting("getnameinfo", "sockaddr, flags", "gni")
    gethostbyname = _waiting("gethostbyname", "hostname", "ghbn")
    gethostbyname_ex = _waiting("gethostbyname_ex", "hostname", "ghbnx")
    gethostbyaddr = _waiting("gethostbyaddr", "ip_address", "ghba")

    async def getservbyname(*args, resolver=None, **kwargs):
        """``socket.getservbyname(servicename[, protocolname])`` (files only: never waits, so
        no deadline) from ``resolver``'s services file (default: ``/etc/services``, a bundled
        registry where it is missing), parsed once per change."""
        _c_arity("getservbyname", 1, 2, args, kwargs)
        return _resolver(resolver).getservbyname(*args)

    async def getservbyport(*args, resolver=None, **kwargs):
        """``socket.getservbyport(port[, protocolname])`` (files only: never waits, so no
        deadline) from ``resolver``'s services file (default: ``/etc/services``, a bundled
        registry where it is missing), parsed once per change."""
        _c_arity("getservbyport", 1, 2, args, kwargs)
        return _resolver(resolver).getservbyport(*args)

    async def getprotobyname(*args, resolver=None, **kwargs):
        """``socket.getprotobyname(protocolname)`` (files only: never waits, so no deadline)
        from ``resolver``'s protocols file (default: ``/etc/protocols``, a bundled registry
        where it is missing), parsed once per change."""
        _c_arity("getprotobyname", 1, 1, args, kwargs)
        return _resolver(resolver).getprotobyname(*args)


async def getfqdn(
    name: str = "",
    *too_many: NoReturn,
    timeout: float | None = None,
    resolver: Resolver | None = None,
) -> str:
    """``socket.getfqdn`` as a coroutine.

    Settings, cache: ``resolver``'s (default: the module's, over the system's files --
    ``/etc/nsswitch.conf``, ``/etc/hosts``, ``/etc/resolv.conf``, ... -- with its DNS reply
    cache and answer memo; see :mod:`netdb`).  Deadline: ``timeout`` seconds for the
    whole lookup, else the resolver's ``lifetime``, else glibc's own limits.
    """
    if too_many:
        _getfqdn_too_many(name, *too_many)
    r = _resolver(resolver)
    return await _shared(
        _key(r, "fqdn", name),
        lambda: r.getfqdn_steps(name),
        timeout if timeout is not None else r.lifetime,
        resolver=r,
    )


async def getprotobynumber(
    number: int, /, *, resolver: Resolver | None = None
) -> tuple[str, list[str], int]:
    """``getprotobynumber(3)`` (files only: never waits, so no deadline) from ``resolver``'s
    protocols file (default: ``/etc/protocols``, a bundled registry where it is missing),
    parsed once per change."""
    return _resolver(resolver).getprotobynumber(number)


async def explain(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Explanation:
    """:func:`netdb.explain` as a coroutine: the lookup ``func(*args, **kwargs)`` (one of this
    module's lookup coroutines, or of :mod:`netdb`'s functions, or a :class:`Resolver`'s) run on
    this event loop with its steps recorded.  ``timeout=`` and ``resolver=`` mean what they
    mean to this module's coroutines.  The lookup runs on its own: it never joins an identical
    one in flight (whose steps it would not see)."""
    timeout = kwargs.pop("timeout", None)
    chosen = kwargs.pop("resolver", None)
    r, name = _explain.target(func, coroutines=True)
    if chosen is not None:
        r = chosen
    started = time.perf_counter()
    rec, gen, error = _explain.prepare(r, name, func, args, kwargs)
    if func is globals().get(name):
        # This module's own function: a wrong call raises what calling it raises (a builtin's
        # text for the twins of builtins, socket.py's for too many arguments to getaddrinfo).
        try:
            if name in _ARITY:
                _c_arity(name, *_ARITY[name], args, kwargs)
            elif name == "getaddrinfo" and len(args) > 6:
                _getaddrinfo_too_many(*args)
        except TypeError as exc:
            if gen is not None:
                gen.close()
            gen, error = None, exc
    value = None
    if gen is not None:
        watched = trace.watched(gen, rec)
        try:
            value = await _shared(
                None, lambda: watched, timeout if timeout is not None else r.lifetime, resolver=r
            )
        except Exception as exc:
            error = exc
    seconds = time.perf_counter() - started
    return _explain.finish(r, name, args, kwargs, rec, value, error, seconds)
