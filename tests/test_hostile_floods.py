"""A server that keeps sending: a receive ends by its deadline, and the asyncio loop keeps running.

A flood of stale or spurious replies (wrong ID, wrong question: each read and refused by
``res_send``) must not keep a wait alive past its deadline, as glibc's ``send_dg`` reads the
clock before each poll; and the asyncio driver must not read the whole flood in one callback of
the loop.  Before, both drivers read whatever waited in a socket without looking at the
deadline, and the asyncio one went on reading as long as data was there: a sender faster than
netdb's reading (about 70,000 datagrams a second) held a lookup, and the event loop, for as
long as it sent.

Here the flood is queued in the socket before the receive (the kernel holds about 200 small
datagrams), so no race with a sender decides the outcome:

* each driver, asked for a receive whose deadline has passed, gives the timeout (``None``, or
  ``EXPIRED`` past the lookup's own deadline) whatever waits, over UDP and TCP;
* an asyncio lookup that meets a queued flood reads at most ``MAX_READS`` of it per turn of
  the loop, and still ends by the server's timeout.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import pytest

import netdb
import netdb.aio
from netdb import aio
from netdb._io import driver
from netdb.constants import AF_INET
from netdb.dns.ops import EXPIRED, Server, TcpRecv, UdpRecv

FLOOD = 150  # datagrams queued at once (the kernel's default buffer holds about 200)


@pytest.fixture
def udp_pair() -> Iterator[tuple[socket.socket, driver.Sock]]:
    """(a server socket on loopback, the driver's socket connected to it)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    client = driver.open_udp(Server(AF_INET, "127.0.0.1", server.getsockname()[1]))
    assert isinstance(client, driver.Sock)
    try:
        yield server, client
    finally:
        client.close()
        server.close()


@pytest.fixture
def tcp_pair() -> Iterator[tuple[socket.socket, driver.Sock]]:
    """(the server's end of a loopback TCP connection, the driver's end)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    started = driver.open_tcp(Server(AF_INET, "127.0.0.1", listener.getsockname()[1]))
    assert not isinstance(started, OSError)
    client = started[0]
    server, _ = listener.accept()
    listener.close()
    try:
        yield server, client
    finally:
        client.close()
        server.close()


def _flood_udp(server: socket.socket, client: driver.Sock, count: int = FLOOD) -> None:
    for i in range(count):
        server.sendto(struct.pack("!HH", i, 0x8180) + bytes(8), client.getsockname())
    time.sleep(0.05)  # delivered on loopback at once; a margin for a busy machine


RECEIVES = [
    # (the lookup's own deadline from now, the receive's deadline from now, result)
    pytest.param(None, -0.01, "timeout", id="past-its-deadline"),
    pytest.param(-0.01, 5.0, "expired", id="past-the-lookups-deadline"),
    pytest.param(None, 5.0, "data", id="on-time"),
]


def _result(value: Any) -> str:
    if value is None:
        return "timeout"
    if value is EXPIRED:
        return "expired"
    return "data" if isinstance(value, (bytes, tuple)) else repr(value)


@pytest.mark.parametrize(("own", "deadline", "want"), RECEIVES)
def test_blocking_udp_receive_ends_by_its_deadline(
    udp_pair: tuple[socket.socket, driver.Sock], own: float | None, deadline: float, want: str
) -> None:
    server, client = udp_pair
    _flood_udp(server, client)
    now = time.monotonic()
    run = driver.Run(None if own is None else now + own)
    start = time.perf_counter()
    got = run._udp_recv(UdpRecv(client, now + deadline))
    assert _result(got) == want
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(("own", "deadline", "want"), RECEIVES)
def test_blocking_tcp_receive_ends_by_its_deadline(
    tcp_pair: tuple[socket.socket, driver.Sock], own: float | None, deadline: float, want: str
) -> None:
    server, client = tcp_pair
    server.sendall(bytes(4096))
    time.sleep(0.05)
    now = time.monotonic()
    run = driver.Run(None if own is None else now + own)
    start = time.perf_counter()
    got = run._tcp_recv(TcpRecv(client, 2, now + deadline))
    assert _result(got) == want
    assert time.perf_counter() - start < 0.5


def test_asyncio_lookup_reads_a_flood_a_few_datagrams_a_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server answers the query with 150 datagrams of the wrong ID, queued before the
    lookup reads any: the loop runs between every ``MAX_READS`` of them (it ran once for all
    150 before), and the lookup ends when the server's one second is over, with glibc's
    outcome for a server that never answers."""
    turn = 0
    per_turn: dict[int, int] = {}
    read = aio._Lookup._udp_recv

    def counted(self: Any, sock: Any, events: int) -> Any:
        per_turn[turn] = per_turn.get(turn, 0) + 1
        return read(self, sock, events)

    monkeypatch.setattr(aio._Lookup, "_udp_recv", counted)

    async def main() -> tuple[str, float]:
        nonlocal turn
        loop = asyncio.get_running_loop()
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
        server.setblocking(False)
        stop = False

        def tick() -> None:
            nonlocal turn
            turn += 1
            if not stop:
                loop.call_soon(tick)

        tick()
        resolver = netdb.Resolver(
            nameservers=[f"127.0.0.1:{server.getsockname()[1]}"], timeout=1, attempts=1
        )
        start = time.perf_counter()
        lookup = asyncio.ensure_future(
            netdb.aio.getaddrinfo("flood.example.test", 80, AF_INET, resolver=resolver)
        )
        query, source = await loop.sock_recvfrom(server, 512)
        wrong = struct.pack("!H", struct.unpack_from("!H", query)[0] ^ 0x5555) + query[2:]
        for _ in range(FLOOD):  # all queued before the lookup's next turn
            server.sendto(wrong[:2] + b"\x81\x80" + wrong[4:], source)
        try:
            await lookup
            outcome = "answer"
        except socket.gaierror as exc:
            outcome = f"gaierror {exc.args[0]}"
        stop = True
        server.close()
        return outcome, time.perf_counter() - start

    outcome, took = asyncio.run(main())
    assert outcome == f"gaierror {socket.EAI_AGAIN}"
    assert 0.9 < took < 1.5
    assert sum(per_turn.values()) > aio.MAX_READS * 4  # the flood was read
    assert max(per_turn.values()) <= aio.MAX_READS + 1, per_turn
