"""The blocking driver: runs a sans-I/O lookup (``netdb.dns.ops``) on real sockets.

Each request is done the way glibc's ``res_send.c`` does it: UDP sockets are non-blocking,
close-on-exec, *connected* to the server (so the kernel drops datagrams from anyone else and
reports ICMP port-unreachable as ECONNREFUSED) with IP_RECVERR/IPV6_RECVERR on; waits use
``poll(2)``.  A fresh socket per lookup means a fresh random source port (the kernel picks it).

A lookup may have its own deadline (``timeout=``): every wait is cut to it, and past it every
request is answered with :data:`~netdb.dns.ops.EXPIRED`.  Whatever happens, including an
exception in the caller's thread, every socket the lookup opened is closed when it ends.
"""

from __future__ import annotations

import _socket
import errno
import select
import socket
import time
from collections.abc import Generator
from typing import Any, TypeVar

from ..dns.ops import (
    EXPIRED,
    Close,
    HErrno,
    Note,
    Op,
    Pause,
    Server,
    TcpOpen,
    TcpRecv,
    TcpSend,
    UdpOpen,
    UdpRecv,
    UdpSend,
)

T = TypeVar("T")

_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
_IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
_FLAGS = getattr(socket, "SOCK_NONBLOCK", 0) | getattr(socket, "SOCK_CLOEXEC", 0)
_POLLIN = select.POLLIN
_POLLOUT = select.POLLOUT
_POLLERR = select.POLLERR | select.POLLHUP | select.POLLNVAL
RECV_SIZE = 65536
_ON_TIME = object()  # Run._late: the deadline has not passed
Sock = _socket.socket
"""The drivers' socket type: the C socket itself, without ``socket.socket``'s Python layer (a
socket is made and closed per lookup), and out of reach of a program that replaces
``socket.socket`` (PySocks, gevent, eventlet do): netdb's sockets are always the kernel's."""


def open_udp(server: Server) -> Sock | OSError:
    """A UDP socket as glibc's ``send_dg`` opens one: non-blocking, close-on-exec, ICMP errors
    reported (IP_RECVERR/IPV6_RECVERR), connected to ``server``; or why not (closed again)."""
    try:
        sock = Sock(server.family, socket.SOCK_DGRAM | _FLAGS)
    except OSError as exc:
        return exc
    try:
        if server.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVERR, 1)
        else:
            sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
        sock.connect(server.sockaddr)
    except OSError as exc:
        sock.close()
        return exc
    return sock


def send_datagrams(sock: Sock, payloads: tuple[bytes, ...]) -> OSError | None:
    """Send each payload as one datagram: None, or the error that stopped it."""
    try:
        for payload in payloads:
            sock.send(payload)
    except OSError as exc:
        return exc
    return None


def open_tcp(server: Server) -> tuple[Sock, int] | OSError:
    """A non-blocking TCP socket with its connect to ``server`` begun: the socket and
    ``connect_ex``'s errno (0, EINPROGRESS/EAGAIN while under way, else why it failed)."""
    try:
        sock = Sock(server.family, socket.SOCK_STREAM | _FLAGS)
    except OSError as exc:
        return exc
    return sock, sock.connect_ex(server.sockaddr)


class Run:
    """One lookup being driven: its sockets, its deadline, the earliest expiry it was told."""

    __slots__ = ("deadline", "expires", "h_errno", "io", "socks")

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.expires = float("inf")
        self.socks: list[Sock] = []
        self.io = False
        self.h_errno: int | None = None

    def _until(self, deadline: float) -> tuple[float, bool]:
        """The wait's end and whether it is the lookup's own deadline."""
        own = self.deadline
        if own is not None and own <= deadline:
            return own, True
        return deadline, False

    def _wait(self, sock: Sock, events: int, deadline: float) -> int | None:
        """poll() one socket until ``deadline``: revents, 0 on timeout, None when the lookup's
        own deadline passed."""
        until, own = self._until(deadline)
        poller = select.poll()
        poller.register(sock, events)
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return None if own else 0
            try:
                ready = poller.poll(max(1, int(left * 1000 + 0.999)))
            except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                continue
            if ready:
                return ready[0][1]

    def perform(self, op: Op) -> Any:
        """Do one request; errors are returned, not raised (see ``dns/ops.py``)."""
        if isinstance(op, Note):
            if op.expires < self.expires:
                self.expires = op.expires
            return None
        if isinstance(op, HErrno):
            self.h_errno = op.value
            return None
        if isinstance(op, Pause):
            return None  # nothing else to serve: go straight on
        self.io = True
        if (
            self.deadline is not None
            and time.monotonic() >= self.deadline
            and not isinstance(op, Close)
        ):
            return EXPIRED
        if isinstance(op, UdpRecv):
            return self._udp_recv(op)
        if isinstance(op, UdpSend):
            sock = op.sock
            assert isinstance(sock, Sock)
            return send_datagrams(sock, op.payloads)
        if isinstance(op, UdpOpen):
            return self._udp_open(op)
        if isinstance(op, Close):
            sock = op.sock
            assert isinstance(sock, Sock)
            sock.close()
            return None
        if isinstance(op, TcpOpen):
            return self._tcp_open(op)
        if isinstance(op, TcpSend):
            return self._tcp_send(op)
        if isinstance(op, TcpRecv):
            return self._tcp_recv(op)
        raise TypeError(f"unknown request {op!r}")

    def _udp_open(self, op: UdpOpen) -> Any:
        sock = open_udp(op.server)
        if isinstance(sock, Sock):
            self.socks.append(sock)
        return sock

    def _late(self, deadline: float) -> Any:
        """What a receive by ``deadline`` gives once it (or the lookup's own deadline) has
        passed: None or EXPIRED, whatever waits in the socket; :data:`_ON_TIME` before.  A
        server that keeps sending (a flood of stale or spurious replies) cannot keep a wait
        alive past its deadline, as glibc's ``send_dg`` reads the clock before each poll."""
        until, own = self._until(deadline)
        if time.monotonic() < until:
            return _ON_TIME
        return EXPIRED if own else None

    def _udp_recv(self, op: UdpRecv) -> Any:
        sock = op.sock
        assert isinstance(sock, Sock)
        while True:
            late = self._late(op.deadline)
            if late is not _ON_TIME:
                return late
            try:
                return sock.recvfrom(RECV_SIZE)
            except BlockingIOError:
                pass
            except OSError as exc:
                return exc
            revents = self._wait(sock, _POLLIN, op.deadline)
            if revents is None:
                return EXPIRED
            if revents == 0:
                return None
            if revents & _POLLERR and not revents & _POLLIN:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                return OSError(err or errno.EIO, "poll error")

    def _tcp_open(self, op: TcpOpen) -> Any:
        started = open_tcp(op.server)
        if isinstance(started, OSError):
            return started
        sock, err = started
        self.socks.append(sock)
        if err in (errno.EINPROGRESS, errno.EAGAIN):
            revents = self._wait(sock, _POLLOUT, op.deadline)
            if revents is None:
                sock.close()
                return EXPIRED
            if revents == 0:
                sock.close()
                return OSError(errno.ETIMEDOUT, "connect timed out")
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            sock.close()
            return OSError(err, "connect failed")
        return sock

    def _tcp_send(self, op: TcpSend) -> Any:
        sock = op.sock
        assert isinstance(sock, Sock)
        view = memoryview(op.data)
        while view:
            try:
                sent = sock.send(view)
                view = view[sent:]
                continue
            except BlockingIOError:
                pass
            except OSError as exc:
                return exc
            revents = self._wait(sock, _POLLOUT, time.monotonic() + 30)
            if not revents:
                return OSError(errno.ETIMEDOUT, "send timed out")
        return None

    def _tcp_recv(self, op: TcpRecv) -> Any:
        sock = op.sock
        assert isinstance(sock, Sock)
        chunks: list[bytes] = []
        left = op.size
        while left:
            late = self._late(op.deadline)
            if late is not _ON_TIME:
                return late
            try:
                data = sock.recv(left)
            except BlockingIOError:
                revents = self._wait(sock, _POLLIN, op.deadline)
                if revents is None:
                    return EXPIRED
                if revents == 0:
                    return None
                continue
            except OSError as exc:
                return exc
            if not data:
                break
            chunks.append(data)
            left -= len(data)
        return b"".join(chunks)

    def close(self) -> None:
        for sock in self.socks:
            sock.close()
        self.socks.clear()


def run(gen: Generator[Op, Any, T], deadline: float | None = None) -> T:
    """Drive ``gen`` to its end and return its value.

    The fast path, a lookup that needs no request at all, costs one generator step.
    """
    try:
        op = gen.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    return drive(gen, op, Run(deadline))


def drive(gen: Generator[Op, Any, T], op: Op | None, driver: Run) -> T:
    """Drive ``gen`` with ``driver`` (whose ``expires``/``io`` stay readable afterwards, even
    when the lookup raised); ``op`` is its first request if already taken, else None."""
    try:
        if op is None:
            op = gen.send(None)
        while True:
            result = driver.perform(op)
            op = gen.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        gen.close()
        driver.close()
