"""The command's driver of the bulk engine: one thread, epoll (or ``selectors``), no asyncio.

Owns the loop around :class:`~netdb.bulk._engine.Engine`: reading input lines as the window has
room (so memory stays flat however long the input), sending what the engine says, draining every
readable socket until ``BlockingIOError`` on each readiness event, passing the time, and handing
finished records out as an iterator.  Truncated replies are asked again over TCP in a small pool
of threads (rare, and a slow TCP server must not stall the UDP flow).
"""

from __future__ import annotations

import _socket
import contextlib
import queue
import select
import selectors
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...dns.ops import Server
from .._engine import Engine
from .._jobs import Job
from .._options import Options
from .._records import Result, make_result
from .sockets import GSO, drain, open_all, send_all, tcp_exchange

BATCH = 256  # lines admitted per turn at most


class Run:
    """One bulk run over ``jobs``: iterate it for the records; :attr:`engine` has the counts."""

    def __init__(
        self, jobs: Iterable[Job], options: Options, make: Callable[..., Any] = make_result
    ) -> None:
        self.options = options
        self.jobs = iter(jobs)
        self.eof = False
        self._tcp_pool: ThreadPoolExecutor | None = None
        self._tcp_done: queue.SimpleQueue[tuple[object, bytes, bytes | None]] = queue.SimpleQueue()
        self._tcp_busy = 0
        self._gso = GSO  # datagrams of one size go out in one sendmsg (until the kernel says no)
        self.socks, owners, down = open_all(options)
        try:
            self.engine: Engine[Any] = Engine(options, owners, make=make, down=down)
            self._wake_r, self._wake_w = _socket.socketpair()
            self._wake_r.setblocking(False)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for s in self.socks:
            s.close()
        self.socks.clear()
        if self._tcp_pool is not None:
            self._tcp_pool.shutdown(wait=False, cancel_futures=True)
        for name in ("_wake_r", "_wake_w"):
            pair = getattr(self, name, None)
            if pair is not None:
                pair.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _admit(self, now: float) -> None:
        engine = self.engine
        jobs = self.jobs
        room = engine.room()
        count = 0
        while room > 0 and count < BATCH:
            job = next(jobs, None)
            if job is None:
                self.eof = True
                return
            engine.admit(job, now)
            room -= len(job.qtypes)
            count += 1

    def _send(self, now: float) -> None:
        engine = self.engine
        sends = engine.poll_sends(now)
        if sends:

            def failed(si: int, payload: bytes, exc: OSError) -> None:
                engine.send_failed(si, payload, exc, now)

            self._gso = send_all(self.socks, sends, engine.unsend, failed, self._gso)

    def _start_tcp(self) -> None:
        engine = self.engine
        while engine.tcp_wanted:
            q = engine.tcp_wanted.popleft()
            k, query = engine.tcp_query(q)
            if self._tcp_pool is None:
                self._tcp_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="netdb-tcp")
            self._tcp_busy += 1
            self._tcp_pool.submit(self._tcp_work, q, query, self.options.servers[k])

    def _tcp_work(self, q: object, query: bytes, server: Server) -> None:
        reply = tcp_exchange(server, query, self.options.timeout)
        self._tcp_done.put((q, query, reply))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _finish_tcp(self, now: float) -> None:
        while True:
            try:
                q, query, reply = self._tcp_done.get_nowait()
            except queue.Empty:
                return
            self._tcp_busy -= 1
            self.engine.on_tcp_reply(q, query, reply, now)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Any]]:
        """The records as they finish, in lists (one per turn of the loop that finished any)."""
        engine = self.engine
        finished = engine.finished
        socks = self.socks
        clock = time.monotonic
        on_reply = engine.on_replies
        poll: Callable[[float], list[tuple[int, int]]]
        fds: dict[int, int] = {}
        if hasattr(select, "epoll"):
            ep = select.epoll()
            for i, s in enumerate(socks):
                ep.register(s.fileno(), select.EPOLLIN)
                fds[s.fileno()] = i
            ep.register(self._wake_r.fileno(), select.EPOLLIN)
            poll = ep.poll
            closer: Callable[[], None] = ep.close
        else:  # pragma: no cover - Linux has epoll
            sel = selectors.DefaultSelector()
            for i, s in enumerate(socks):
                sel.register(s, selectors.EVENT_READ)
                fds[s.fileno()] = i
            sel.register(self._wake_r, selectors.EVENT_READ)

            def poll(timeout: float) -> list[tuple[int, int]]:
                return [(k.fd, ev) for k, ev in sel.select(timeout)]

            closer = sel.close
        wake_fd = self._wake_r.fileno()
        recvs = [s.recv for s in socks]
        try:
            while True:
                now = clock()
                if not self.eof:
                    self._admit(now)
                self._send(now)
                if finished:
                    yield list(finished)
                    finished.clear()
                if self.eof and engine.idle:
                    return
                deadline = engine.next_deadline(now)
                wait = 1.0 if deadline is None else max(0.0, deadline - clock())
                events = poll(min(wait, 1.0))
                now = clock()
                for fd, _ in events:
                    if fd == wake_fd:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                        self._finish_tcp(now)
                        continue
                    si = fds[fd]
                    drain(recvs[si], si, on_reply, now)
                engine.on_timer(now)
                if engine.tcp_wanted:
                    self._start_tcp()
                if finished:
                    yield list(finished)
                    finished.clear()
        finally:
            closer()


def resolve_sync(jobs: Iterable[Job], options: Options) -> Iterator[Result]:
    """Every record of ``jobs`` (in the order they finish), closing the sockets at the end."""
    with Run(jobs, options) as run:
        yield from run
