"""A program that replaces ``socket.socket`` (PySocks' ``socket.socket = socks.socksocket``,
gevent and eventlet do likewise) gets the same answers from netdb: every socket netdb makes is
the kernel's own (``_socket.socket``), never the replacement.

The replacement here refuses to be made at all, so any place that still went through
``socket.socket`` fails the test.  (PySocks' class raised ``ValueError`` for netlink and raw
sockets, which netdb did not expect: lookups that sorted addresses or used AI_ADDRCONFIG
failed.)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netdb._io import driver, ifaddrs, myhost, route, watch
from netdb.bulk._io import sockets as bulk_sockets
from netdb.dns import wire
from netdb.dns.ops import Server
from tests import scripted
from tests.loopback import LoopbackServer
from tests.test_aio_loopback import LoopbackResolver, outcome


class Refused(socket.socket):
    """A replacement that refuses to be made (the test's own scripted server, in its thread,
    still gets sockets: it accepts TCP connections through the module's class)."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "loopback-dns":
            super().__init__(*args, **kwargs)
            return
        Refused.made += 1
        raise ValueError("Socket type must be stream or datagram (a proxy library's socket)")


QUERY = wire.build_query(0x1234, wire.name_from_text("both.example.test"), wire.A)


def _every_socket_netdb_makes(server: LoopbackServer) -> dict[str, Callable[[], Any]]:
    udp = Server(socket.AF_INET, "127.0.0.1", server.port)
    return {
        "netlink watch": lambda: watch.KernelWatch()._open() is not None,
        "netlink dump": lambda: ifaddrs.dump_addresses() is not None,
        "SIOCGIFCONF": lambda: isinstance(ifaddrs._read_ipv4_networks(), tuple),
        "v6only probe": lambda: route._ipv6_socket_is_v6only(-12345) is not None,
        "source probe": lambda: route._source(socket.AF_INET, bytes([127, 0, 0, 1]), 0),
        "myhostname outbound": lambda: myhost.outbound_source(
            socket.AF_INET, bytes([127, 0, 0, 1]), 1
        ),
        "driver tcp": lambda: not isinstance(driver.open_tcp(udp), OSError),
        "driver udp": lambda: not isinstance(driver.open_udp(udp), OSError),
        "bulk udp": lambda: bulk_sockets.open_udp(udp).close() is None,
        "bulk tcp": lambda: bulk_sockets.tcp_exchange(udp, QUERY, 0.2) is None,
    }


def test_every_socket_is_the_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackServer(scripted.Table({}, default="drop")) as server:
        Refused.made = 0
        monkeypatch.setattr(socket, "socket", Refused)
        made = {what: make() for what, make in _every_socket_netdb_makes(server).items()}
        monkeypatch.undo()
    assert Refused.made == 0
    assert made["netlink watch"] and made["netlink dump"] and made["driver tcp"]


@pytest.mark.parametrize("resolv", ["", "options use-vc\n"])
def test_lookups_answer_alike(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, resolv: str) -> None:
    """Lookups that sort several addresses, use AI_ADDRCONFIG, or go over TCP answer as they
    do with socket.socket in place."""
    calls = [
        ("both", 80, 0, socket.SOCK_STREAM),
        ("multi", 80, 0, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG),
        ("bigboth", 80),
        ("nothere", 80),
    ]
    with LoopbackServer(scripted.Authority(scripted.fixture_zones())) as server:
        res = LoopbackResolver(tmp_path / "a", server.address, resolv=resolv or None)
        want = [scripted.summary(outcome(res.getaddrinfo, *c)) for c in calls]
        Refused.made = 0
        monkeypatch.setattr(socket, "socket", Refused)
        res2 = LoopbackResolver(tmp_path / "b", server.address, resolv=resolv or None)
        got = [scripted.summary(outcome(res2.getaddrinfo, *c)) for c in calls]
    assert got == want
    assert Refused.made == 0
