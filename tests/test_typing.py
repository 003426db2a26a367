"""A user's program that does ``import netdb as socket`` type-checks under ``mypy --strict`` as it
does against ``socket`` itself (typeshed's stubs), and netdb's public types are as precise."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# A program written against socket: every lookup function, the constants, the exceptions, the
# results used with their precise types (no casts, no Any).
PROGRAM = """
import asyncio

import {module} as socket


def addresses(host: str) -> list[str]:
    out: list[str] = []
    for family, kind, proto, canon, sockaddr in socket.getaddrinfo(
        host, 80, socket.AF_UNSPEC, socket.SOCK_STREAM, socket.IPPROTO_TCP, socket.AI_ADDRCONFIG
    ):
        if family == socket.AF_INET6:
            assert isinstance(sockaddr[0], str)
        out.append(str(sockaddr[0]))
        fam: socket.AddressFamily = family
        sk: socket.SocketKind = kind
        n: int = proto + fam.value + sk.value
        c: str = canon
        del n, c
    return out


def names() -> tuple[str, str]:
    name, aliases, addrs = socket.gethostbyname_ex("localhost")
    first: str = aliases[0] if aliases else addrs[0]
    host, service = socket.getnameinfo(("127.0.0.1", 80), socket.NI_NUMERICHOST)
    h, _, _ = socket.gethostbyaddr("127.0.0.1")
    return name + first + host + h, service


def numbers() -> int:
    port: int = socket.getservbyname("http", "tcp") + socket.getservbyname("http")
    name: str = socket.getservbyport(80) + socket.getservbyport(80, "tcp")
    proto: int = socket.getprotobyname("tcp")
    packed: bytes = socket.inet_aton("127.0.0.1") + socket.inet_pton(socket.AF_INET6, "::1")
    text: str = socket.inet_ntoa(packed[:4]) + socket.inet_ntop(socket.AF_INET, packed[:4])
    fqdn: str = socket.getfqdn() + socket.gethostname() + socket.gethostbyname("localhost")
    flags = socket.AI_CANONNAME | socket.AI_V4MAPPED | socket.AI_ALL | socket.AI_NUMERICSERV
    flags |= socket.NI_NAMEREQD | socket.NI_DGRAM | socket.AI_PASSIVE | socket.AI_NUMERICHOST
    kinds = (socket.SOCK_DGRAM, socket.SOCK_RAW, socket.IPPROTO_UDP, socket.AF_INET)
    errors = (socket.EAI_NONAME, socket.EAI_AGAIN, socket.EAI_FAIL, socket.EAI_SERVICE)
    return port + len(name + text + fqdn) + proto + flags + len(kinds) + sum(errors)


def failures() -> str:
    try:
        socket.getaddrinfo("nosuch.invalid", None)
    except socket.gaierror as exc:
        return str(exc.errno)
    except socket.herror as exc:
        return str(exc)
    except socket.timeout:
        return "timeout"
    except socket.error as exc:
        return str(exc)
    return str(socket.has_ipv6)
"""

NETDB_ONLY = """
import asyncio

import netdb
import netdb.aio


async def lookups(r: netdb.Resolver) -> list[str]:
    infos = await netdb.aio.getaddrinfo("localhost", 80, timeout=1.0, resolver=r)
    out = [str(sa[0]) for _, _, _, _, sa in infos]
    name, aliases, addrs = await netdb.aio.gethostbyname_ex("localhost", timeout=1.0)
    host, service = await netdb.aio.getnameinfo(("127.0.0.1", 80), 0)
    port: int = await netdb.aio.getservbyname("http", "tcp")
    proto: tuple[str, list[str], int] = netdb.getprotobynumber(6)
    return [*out, name, *aliases, *addrs, host, service, str(port), proto[0]]


r = netdb.Resolver(nameservers=["127.0.0.1"], timeout=1, attempts=1, lifetime=2.0, cache=False)
ex: tuple[str, list[str], list[str]] = r.gethostbyname_ex("localhost")
print(asyncio.run(lookups(r)), ex)
"""

# Mistakes socket's stubs catch, and so must netdb's.
WRONG = """
import netdb as socket

socket.gethostbyname(None)
socket.getservbyname("http", None)
socket.getnameinfo("127.0.0.1", 0)
x: int = socket.gethostbyname_ex("localhost")[0]
y: str = socket.getaddrinfo("localhost", 80)[0][0]
socket.getaddrinfo("localhost", 80.5)
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "user_program.py"
    program.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        cwd=tmp_path,
        env={"MYPYPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("module", ["socket", "netdb"])
def test_a_socket_program_type_checks_against_netdb(tmp_path: Path, module: str) -> None:
    res = _mypy(tmp_path, PROGRAM.format(module=module))
    assert res.returncode == 0, res.stdout + res.stderr


def test_netdb_own_api_type_checks(tmp_path: Path) -> None:
    res = _mypy(tmp_path, NETDB_ONLY)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mistakes_are_caught_as_socket_stubs_catch_them(tmp_path: Path) -> None:
    res = _mypy(tmp_path, WRONG)
    errors = [line for line in res.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(line.split(":")[1]) for line in errors})
    assert lines == [4, 5, 6, 7, 8, 9], res.stdout


def test_every_socket_constant_is_exported() -> None:
    """``__all__`` names the exceptions, enums, functions and every AF_/SOCK_/IPPROTO_/AI_/NI_/
    EAI_ constant (type checkers read no other re-export), and each is socket's own value."""
    import socket

    import netdb

    for name in netdb.__all__:
        assert hasattr(netdb, name), name
    prefixes = ("AF_", "SOCK_", "IPPROTO_", "AI_", "NI_", "EAI_")
    for name in ("AF_INET", "AF_INET6", "SOCK_STREAM", "IPPROTO_TCP", "AI_CANONNAME", "EAI_NONAME"):
        assert name in netdb.__all__
    for name in netdb.__all__:
        if name.startswith(prefixes):
            assert getattr(netdb, name) is getattr(socket, name)
    assert netdb.gaierror is socket.gaierror and netdb.AddressFamily is socket.AddressFamily


def test_help_says_where_settings_deadline_and_cache_come_from() -> None:
    import netdb
    import netdb.aio

    public = [
        "getaddrinfo",
        "getnameinfo",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getfqdn",
        "getservbyname",
        "getservbyport",
        "getprotobyname",
        "getprotobynumber",
    ]
    for module in (netdb, netdb.aio):
        for name in public:
            doc = getattr(module, name).__doc__ or ""
            assert "Deadline" in doc or "deadline" in doc, (module.__name__, name)
            assert "/etc/" in doc, (module.__name__, name)
            assert "cache" in doc.lower() or "parsed" in doc, (module.__name__, name)
    assert "gai.conf" in (netdb.getaddrinfo.__doc__ or "")
    assert "lifetime" in (netdb.getaddrinfo.__doc__ or "")
