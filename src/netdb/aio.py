"""The socket-compatible lookups as asyncio coroutines, with no thread anywhere.

Every function of :mod:`netdb` that can wait on the network is here as a coroutine with the same
arguments, answers and exceptions, plus two keywords:

* ``timeout=``: a deadline for the whole lookup (seconds), across every server, retry and search
  domain.  When it passes, the lookup stops asking and fails the way glibc fails when no server
  answers (``gaierror(EAI_AGAIN)``, ``herror(TRY_AGAIN)``, ...).
* ``resolver=``: a :class:`netdb.Resolver` with its own configuration (default: the module's).

The coroutines run the same sans-I/O core as the blocking functions (``netdb.dns``); this module
is only the asyncio *driver*: it performs the core's requests (``netdb.dns.ops``) with
non-blocking sockets and the event loop's reader callbacks.  Cancelling a lookup closes its
sockets at once.  Identical lookups in flight at the same time (same resolver, function and
arguments) share one: the later callers wait for the first one's answer.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from . import _default_resolver
from ._api import Resolver, _gaierror
from ._io.driver import _FLAGS, _IP_RECVERR, _IPV6_RECVERR, RECV_SIZE
from .dns.ops import (
    EXPIRED,
    Close,
    HErrno,
    Note,
    Op,
    TcpOpen,
    TcpRecv,
    TcpSend,
    UdpOpen,
    UdpRecv,
    UdpSend,
)
from .errors import GaiError

T = TypeVar("T")

__all__ = [
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


class _Run:
    """One lookup being driven on the running loop: its sockets and its own deadline."""

    __slots__ = ("deadline", "expires", "h_errno", "loop", "socks")

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        self.loop = loop
        self.deadline = deadline
        self.socks: list[socket.socket] = []
        self.h_errno: int | None = None
        self.expires = float("inf")

    def close(self) -> None:
        for sock in self.socks:
            sock.close()
        self.socks.clear()

    async def _readable(self, sock: socket.socket, deadline: float) -> bool | None:
        """Wait until ``sock`` is readable: True, False at ``deadline``, None at the lookup's
        own deadline."""
        own = self.deadline is not None and self.deadline <= deadline
        until = self.deadline if own and self.deadline is not None else deadline
        delay = until - time.monotonic()
        if delay <= 0:
            return None if own else False
        loop = self.loop
        fut: asyncio.Future[bool] = loop.create_future()

        def ready(value: bool) -> None:
            if not fut.done():
                fut.set_result(value)

        fd = sock.fileno()
        loop.add_reader(fd, ready, True)
        timer = loop.call_later(delay, ready, False)
        try:
            got = await fut
        finally:
            loop.remove_reader(fd)
            timer.cancel()
        if got:
            return True
        return None if own else False

    def _expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _udp_open(self, op: UdpOpen) -> Any:
        server = op.server
        try:
            sock = socket.socket(server.family, socket.SOCK_DGRAM | _FLAGS)
        except OSError as exc:
            return exc
        self.socks.append(sock)
        sock.setblocking(False)
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

    async def _udp_recv(self, op: UdpRecv) -> Any:
        sock = op.sock
        assert isinstance(sock, socket.socket)
        while True:
            try:
                return sock.recvfrom(RECV_SIZE)
            except BlockingIOError:
                pass
            except OSError as exc:
                return exc
            ok = await self._readable(sock, op.deadline)
            if ok is None:
                return EXPIRED
            if not ok:
                return None

    async def _tcp_open(self, op: TcpOpen) -> Any:
        server = op.server
        try:
            sock = socket.socket(server.family, socket.SOCK_STREAM | _FLAGS)
        except OSError as exc:
            return exc
        sock.setblocking(False)
        self.socks.append(sock)
        own = self.deadline is not None and self.deadline <= op.deadline
        until = self.deadline if own and self.deadline is not None else op.deadline
        try:
            await asyncio.wait_for(
                self.loop.sock_connect(sock, server.sockaddr), max(0.0, until - time.monotonic())
            )
        except asyncio.TimeoutError:
            sock.close()
            return EXPIRED if own else OSError(errno.ETIMEDOUT, "connect timed out")
        except OSError as exc:
            sock.close()
            return exc
        return sock

    async def _tcp_recv(self, op: TcpRecv) -> Any:
        sock = op.sock
        assert isinstance(sock, socket.socket)
        chunks: list[bytes] = []
        left = op.size
        while left:
            try:
                data = sock.recv(left)
            except BlockingIOError:
                ok = await self._readable(sock, op.deadline)
                if ok is None:
                    return EXPIRED
                if not ok:
                    return None
                continue
            except OSError as exc:
                return exc
            if not data:
                break
            chunks.append(data)
            left -= len(data)
        return b"".join(chunks)

    async def _tcp_send(self, op: TcpSend) -> Any:
        sock = op.sock
        assert isinstance(sock, socket.socket)
        try:
            await asyncio.wait_for(self.loop.sock_sendall(sock, op.data), 30)
        except asyncio.TimeoutError:
            return OSError(errno.ETIMEDOUT, "send timed out")
        except OSError as exc:
            return exc
        return None

    async def drive(self, gen: Generator[Op, Any, T], op: Op) -> T:
        try:
            while True:
                result: Any = None
                if isinstance(op, Note):
                    if op.expires < self.expires:
                        self.expires = op.expires
                elif isinstance(op, HErrno):
                    self.h_errno = op.value
                elif self._expired() and not isinstance(op, Close):
                    result = EXPIRED
                elif isinstance(op, UdpRecv):
                    result = await self._udp_recv(op)
                elif isinstance(op, UdpSend):
                    sock = op.sock
                    assert isinstance(sock, socket.socket)
                    try:
                        for payload in op.payloads:
                            sock.send(payload)
                    except OSError as exc:
                        result = exc
                elif isinstance(op, UdpOpen):
                    result = self._udp_open(op)
                elif isinstance(op, Close):
                    sock = op.sock
                    assert isinstance(sock, socket.socket)
                    sock.close()
                elif isinstance(op, TcpOpen):
                    result = await self._tcp_open(op)
                elif isinstance(op, TcpSend):
                    result = await self._tcp_send(op)
                elif isinstance(op, TcpRecv):
                    result = await self._tcp_recv(op)
                else:  # pragma: no cover
                    raise TypeError(f"unknown request {op!r}")
                op = gen.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            gen.close()
            self.close()


async def run(gen: Generator[Op, Any, T], timeout: float | None = None) -> T:
    """Drive a sans-I/O lookup on the running event loop; ``timeout``: its own deadline."""
    try:
        op = gen.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    deadline = None if timeout is None else time.monotonic() + timeout
    return await _Run(asyncio.get_running_loop(), deadline).drive(gen, op)


# In-flight lookups, by (resolver, function, arguments): their shared future.
_IN_FLIGHT: dict[tuple[Any, ...], asyncio.Future[Any]] = {}


async def _shared(
    key: tuple[Any, ...],
    make: Callable[[], Generator[Op, Any, T]],
    timeout: float | None,
    driven: list[_Run] | None = None,
) -> T:
    """Run the lookup ``make()``, or join an identical one already in flight; ``driven`` gets
    the driver when this call ran the lookup itself (its notes: expiry, h_errno)."""
    try:
        hash(key)
    except TypeError:
        return await run(make(), timeout)
    pending = _IN_FLIGHT.get(key)
    if pending is not None and pending.get_loop() is asyncio.get_running_loop():
        result: T = await asyncio.shield(pending)
        return result
    gen = make()
    try:
        first = gen.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Any] = loop.create_future()
    _IN_FLIGHT[key] = fut
    deadline = None if timeout is None else time.monotonic() + timeout
    driver = _Run(loop, deadline)
    if driven is not None:
        driven.append(driver)
    try:
        value = await driver.drive(gen, first)
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            fut.cancel()
        else:
            fut.set_exception(exc)
            fut.exception()  # retrieved: no "never retrieved" warning when nobody joined
        raise
    else:
        fut.set_result(value)
        return value
    finally:
        if _IN_FLIGHT.get(key) is fut:
            del _IN_FLIGHT[key]


def _resolver(resolver: Resolver | None) -> Resolver:
    return resolver if resolver is not None else _default_resolver()


async def getaddrinfo(
    host: object,
    port: object,
    family: object = 0,
    type: object = 0,
    proto: object = 0,
    flags: object = 0,
    *,
    timeout: float | None = None,
    resolver: Resolver | None = None,
) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
    """``socket.getaddrinfo`` as a coroutine."""
    r = _resolver(resolver)
    args = r._getaddrinfo_args(host, port, family, type, proto, flags)
    files = r._files.snapshot()
    hit = r._memo_hit(args, files)
    if hit is not None:
        r._set_h_errno(hit[4])
        value = hit[0]
    else:
        notes: list[_Run] = []
        value = await _shared(
            (id(r), "gai", timeout, *args),
            lambda: r._gai_value(args),
            timeout if timeout is not None else r.lifetime,
            notes,
        )
        if notes:
            # This call drove the lookup (a joined call only shares its answer).
            r._set_h_errno(notes[0].h_errno)
            r._remember(args, files, value, notes[0].expires, notes[0].h_errno)
    if isinstance(value, GaiError):
        _gaierror(value)
    return list(value)


async def getnameinfo(
    sockaddr: object,
    flags: object,
    *,
    timeout: float | None = None,
    resolver: Resolver | None = None,
) -> tuple[str, str]:
    """``socket.getnameinfo`` as a coroutine."""
    r = _resolver(resolver)
    return await _shared(
        (id(r), "gni", timeout, sockaddr, flags),
        lambda: r.getnameinfo_steps(sockaddr, flags),
        timeout if timeout is not None else r.lifetime,
    )


async def gethostbyname(
    hostname: object, *, timeout: float | None = None, resolver: Resolver | None = None
) -> str:
    """``socket.gethostbyname`` as a coroutine."""
    r = _resolver(resolver)
    return await _shared(
        (id(r), "ghbn", timeout, hostname),
        lambda: r.gethostbyname_steps(hostname),
        timeout if timeout is not None else r.lifetime,
    )


async def gethostbyname_ex(
    hostname: object, *, timeout: float | None = None, resolver: Resolver | None = None
) -> tuple[str, list[str], list[str]]:
    """``socket.gethostbyname_ex`` as a coroutine."""
    r = _resolver(resolver)
    return await _shared(
        (id(r), "ghbnx", timeout, hostname),
        lambda: r.gethostbyname_ex_steps(hostname),
        timeout if timeout is not None else r.lifetime,
    )


async def gethostbyaddr(
    ip_address: object, *, timeout: float | None = None, resolver: Resolver | None = None
) -> tuple[str, list[str], list[str]]:
    """``socket.gethostbyaddr`` as a coroutine."""
    r = _resolver(resolver)
    return await _shared(
        (id(r), "ghba", timeout, ip_address),
        lambda: r.gethostbyaddr_steps(ip_address),
        timeout if timeout is not None else r.lifetime,
    )


async def getfqdn(
    name: str = "", *, timeout: float | None = None, resolver: Resolver | None = None
) -> str:
    """``socket.getfqdn`` as a coroutine."""
    r = _resolver(resolver)
    return await _shared(
        (id(r), "fqdn", timeout, name),
        lambda: r.getfqdn_steps(name),
        timeout if timeout is not None else r.lifetime,
    )


async def getservbyname(
    servicename: object, protocolname: object = None, *, resolver: Resolver | None = None
) -> int:
    """``socket.getservbyname`` (files only: never waits)."""
    return _resolver(resolver).getservbyname(servicename, protocolname)


async def getservbyport(
    port: object, protocolname: object = None, *, resolver: Resolver | None = None
) -> str:
    """``socket.getservbyport`` (files only: never waits)."""
    return _resolver(resolver).getservbyport(port, protocolname)


async def getprotobyname(protocolname: object, *, resolver: Resolver | None = None) -> int:
    """``socket.getprotobyname`` (files only: never waits)."""
    return _resolver(resolver).getprotobyname(protocolname)


async def getprotobynumber(
    number: object, *, resolver: Resolver | None = None
) -> tuple[str, list[str], int]:
    """``getprotobynumber(3)`` (files only: never waits)."""
    return _resolver(resolver).getprotobynumber(number)
