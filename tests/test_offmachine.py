"""The test process's guard (``tests/offmachine.py``) refuses what could leave the machine.

Each refused call raises where it is made, before any packet or query: glibc is never reached
with the name and no socket is connected or sent on.  The records the cases leave are taken
back, so the session's own check (``conftest.py``) sees only real violations.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import offmachine


@pytest.fixture(autouse=True)
def own_records() -> Iterator[None]:
    before = len(offmachine.VIOLATIONS)
    yield
    del offmachine.VIOLATIONS[before:]


def _connect(family: int, kind: int, address: Any) -> Callable[[], Any]:
    def go() -> Any:
        with socket.socket(family, kind) as s:
            return s.connect_ex(address)

    return go


def _sendto(address: Any) -> Callable[[], Any]:
    def go() -> Any:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            return s.sendto(b"\0" * 12, address)

    return go


def _numeric_only(host: str) -> None:
    with pytest.raises(socket.gaierror):  # glibc refuses the name without asking a source
        socket.getaddrinfo(host, 80, flags=socket.AI_NUMERICHOST)


REFUSED: list[tuple[str, Callable[[], Any]]] = [
    ("gethostbyname", lambda: socket.gethostbyname("name.invalid")),
    ("gethostbyname_ex", lambda: socket.gethostbyname_ex("name.invalid")),
    ("getaddrinfo", lambda: socket.getaddrinfo("name.invalid", 80)),
    ("gethostbyaddr", lambda: socket.gethostbyaddr("192.0.2.77")),
    ("getnameinfo", lambda: socket.getnameinfo(("192.0.2.77", 80), 0)),
    ("getfqdn", lambda: socket.getfqdn("name.invalid")),
    ("udp to port 53", _connect(socket.AF_INET, socket.SOCK_DGRAM, ("192.0.2.77", 53))),
    ("tcp", _connect(socket.AF_INET, socket.SOCK_STREAM, ("192.0.2.77", 53))),
    ("sendto", _sendto(("192.0.2.77", 53))),
]

ALLOWED: list[tuple[str, Callable[[], Any]]] = [
    ("numeric getaddrinfo", lambda: socket.getaddrinfo("192.0.2.77", 80)),
    ("AI_NUMERICHOST", lambda: _numeric_only("name.invalid")),
    ("localhost", lambda: socket.gethostbyname("localhost")),
    ("loopback reverse", lambda: socket.getnameinfo(("127.0.0.1", 80), socket.NI_NUMERICHOST)),
    ("source probe", _connect(socket.AF_INET, socket.SOCK_DGRAM, ("192.0.2.77", 0))),
    ("loopback udp", _connect(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 53))),
    ("loopback sendto", _sendto(("127.0.0.1", 9))),
]


@pytest.mark.parametrize(("what", "call"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_before_anything_leaves(what: str, call: Callable[[], Any]) -> None:
    before = len(offmachine.VIOLATIONS)
    with pytest.raises(offmachine.OffMachine):
        call()
    assert len(offmachine.VIOLATIONS) == before + 1


@pytest.mark.parametrize(("what", "call"), ALLOWED, ids=[r[0] for r in ALLOWED])
def test_what_stays_on_the_machine_goes_through(what: str, call: Callable[[], Any]) -> None:
    before = len(offmachine.VIOLATIONS)
    call()
    assert len(offmachine.VIOLATIONS) == before
