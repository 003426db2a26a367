"""Names for numbers: complete for what getaddrinfo returns, never a KeyError."""

from __future__ import annotations

import socket

import pytest

from netdb import names


@pytest.mark.parametrize("member", list(socket.AddressFamily))
def test_family_names_match_socket(member: socket.AddressFamily) -> None:
    if member.name.startswith("AF_") and member.name not in ("AF_ROUTE",):
        assert names.family_name(int(member)) in {
            m.name for m in socket.AddressFamily if m == member
        }


@pytest.mark.parametrize("member", list(socket.SocketKind))
def test_socktype_names_match_socket(member: socket.SocketKind) -> None:
    if member.name not in ("SOCK_CLOEXEC", "SOCK_NONBLOCK"):
        assert names.socktype_name(int(member)) == member.name


@pytest.mark.parametrize("name", [n for n in dir(socket) if n.startswith("IPPROTO_")])
def test_protocol_names_match_socket(name: str) -> None:
    number = getattr(socket, name)
    aliases = {n for n in dir(socket) if n.startswith("IPPROTO_") and getattr(socket, n) == number}
    assert names.protocol_name(number) in aliases


@pytest.mark.parametrize(
    ("number", "registry", "expected"),
    [
        (132, None, "IPPROTO_SCTP"),
        (136, None, "IPPROTO_UDPLITE"),
        (262, None, "IPPROTO_MPTCP"),
        (253, {253: "exp1"}.get, "IPPROTO_EXP1"),
        (254, {}.get, "254"),
        (-1, None, "-1"),
        (10**9, None, "1000000000"),
    ],
)
def test_protocol_name_fallbacks(number: int, registry: object, expected: str) -> None:
    assert names.protocol_name(number, registry) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [-5, 46, 999, 2**40])
def test_unknown_numbers_never_raise(number: int) -> None:
    assert names.family_name(number) == str(number)
    assert names.socktype_name(number) == str(number)
