"""A scripted DNS server on real sockets: :mod:`tests.scripted`'s handlers on loopback.

The scripted world (:mod:`tests.scripted`) drives the sans-I/O core with no sockets at all; this
module puts the same handlers (:class:`~tests.scripted.Authority`, :class:`~tests.scripted.Table`,
:class:`~tests.scripted.Faults`) behind a UDP and a TCP socket on 127.0.0.1, one port for both,
served by a thread of the test process.  The drivers (the blocking one in ``netdb._io`` and the
asyncio one in ``netdb.aio``) then run against it with real sockets, real readiness and real
time, on a machine that cannot create namespaces: no DNS leaves the loopback interface, and the
only server asked is the one the test started.

What the handlers can say that real sockets cannot: a UDP reply from another source
(``Sent.source``) is sent from the server's own address; ``REFUSED`` (an ICMP port unreachable)
is not supported (point the resolver at a port nobody listens on instead).  ``Sent.delay`` is
honoured (each datagram leaves that long after its query arrived), and ``CLOSE`` closes a TCP
connection without a reply.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import selectors
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from tests.scripted import CLOSE, REFUSED, Handler, Sent

_MAX_TCP = 2 + 65535


class LoopbackServer:
    """Serves ``handler`` on 127.0.0.1 (UDP and TCP, the same port) until closed.

    ``address``: ``"127.0.0.1:PORT"``, as ``Resolver(nameservers=...)`` takes it.  ``queries``
    counts the messages the handler was given, by transport.  Use it as a context manager.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.queries = {"udp": 0, "tcp": 0}
        self._udp, self._listen = _bind_pair()
        self.port = self._udp.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._udp, selectors.EVENT_READ, self._on_udp)
        self._sel.register(self._listen, selectors.EVENT_READ, self._on_accept)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._buffers: dict[socket.socket, bytearray] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="loopback-dns", daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop = True
        self._wake_w.send(b"x")
        if self._thread.is_alive():
            self._thread.join(5)
        for sock in [self._udp, self._listen, self._wake_r, self._wake_w, *self._buffers]:
            sock.close()
        self._sel.close()

    # --- the server's thread ------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop:
            timeout = None
            if self._due:
                timeout = max(0.0, self._due[0][0] - time.monotonic())
            for key, _ in self._sel.select(timeout):
                if key.data is not None:
                    key.data(key.fileobj)
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                heapq.heappop(self._due)[2]()

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), action))

    def _answers(self, query: bytes, transport: str) -> list[Sent] | str:
        self.queries[transport] += 1
        out = self.handler(query, transport)
        if out == REFUSED:
            raise AssertionError("REFUSED needs a closed port: use one nobody listens on")
        if isinstance(out, str):
            return out
        return [item if isinstance(item, Sent) else Sent(item) for item in out]

    def _on_udp(self, sock: socket.socket) -> None:
        try:
            query, peer = sock.recvfrom(65535)
        except OSError:
            return
        out = self._answers(query, "udp")
        for sent in out if isinstance(out, list) else ():
            self._later(sent.delay, functools.partial(_send_to, sock, sent.data, peer))

    def _on_accept(self, listen: socket.socket) -> None:
        try:
            conn, _ = listen.accept()
        except OSError:
            return
        conn.setblocking(False)
        self._buffers[conn] = bytearray()
        self._sel.register(conn, selectors.EVENT_READ, self._on_stream)

    def _on_stream(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(_MAX_TCP)
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buf = self._buffers[conn]
        buf += data
        while len(buf) >= 2 and len(buf) >= 2 + int.from_bytes(buf[:2], "big"):
            size = int.from_bytes(buf[:2], "big")
            query = bytes(buf[2 : 2 + size])
            del buf[: 2 + size]
            out = self._answers(query, "tcp")
            if out == CLOSE:
                self._drop(conn)
                return
            for sent in out if isinstance(out, list) else ():
                framed = len(sent.data).to_bytes(2, "big") + sent.data
                self._later(sent.delay, functools.partial(self._write, conn, framed))

    def _write(self, conn: socket.socket, framed: bytes) -> None:
        if conn not in self._buffers:
            return  # closed meanwhile
        conn.setblocking(True)
        conn.settimeout(2)
        try:
            conn.sendall(framed)
        except OSError:
            self._drop(conn)
            return
        conn.setblocking(False)

    def _drop(self, conn: socket.socket) -> None:
        if self._buffers.pop(conn, None) is not None:
            self._sel.unregister(conn)
            conn.close()


def _send_to(sock: socket.socket, data: bytes, peer: tuple[str, int]) -> None:
    with contextlib.suppress(OSError):  # the client is gone
        sock.sendto(data, peer)


def _bind_pair() -> tuple[socket.socket, socket.socket]:
    """A UDP and a listening TCP socket on 127.0.0.1, bound to one free port."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(64)
        return udp, tcp
    raise OSError("no free port on 127.0.0.1 for both UDP and TCP")


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (UDP or TCP) for now."""
    udp, tcp = _bind_pair()
    port: int = udp.getsockname()[1]
    udp.close()
    tcp.close()
    return port
