"""Errors as socket raises them, down to what a traceback does not show: no ``__context__``
and no ``__cause__`` (socket's come from C).  netdb raises its errors outside the ``except``
blocks that caught its own, so that code inspecting the chain (or printing it with
``traceback.print_exception(chain=True)`` after clearing ``__suppress_context__``) sees what it
would see with socket.  Numeric addresses and local files only: nothing here asks DNS."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

import netdb

Call = tuple[str, tuple[Any, ...]]
CALLS: list[Call] = [
    ("inet_ntop", (socket.AF_INET, "abcd")),
    ("inet_ntop", (socket.AF_INET, b"abc")),
    ("inet_ntop", (99, b"abcd")),
    ("inet_pton", (socket.AF_INET, "1.2.3")),
    ("inet_pton", (socket.AF_INET, b"1.2.3.4")),
    ("inet_aton", ("x",)),
    ("inet_ntoa", (b"abc",)),
    ("getaddrinfo", ("127.0.0.1", "no-such-service")),
    ("getaddrinfo", (None, None)),
    ("getaddrinfo", ("127.0.0.1", 80, 99)),
    ("getaddrinfo", ("127.0.0.1", 1.5)),
    ("getaddrinfo", ("127.0.0.1", 80, 0, 0, 0, -1)),
    ("getnameinfo", (("127.0.0.1",), 0)),
    ("getnameinfo", (("127.0.0.1", 80, 0), 0)),
    ("getnameinfo", (("127.0.0.1", 80), socket.NI_NUMERICHOST | socket.NI_NAMEREQD | 1 << 20)),
    ("getservbyname", ("no-such-service",)),
    ("getservbyport", (70000,)),
    ("getprotobyname", ("no-such-protocol",)),
    ("gethostbyname", (None,)),
    ("gethostbyaddr", (b"\0",)),
]


def _outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        fn(*args)
    except Exception as exc:
        return type(exc), exc.args, exc.__context__ is None, exc.__cause__ is None
    return "no error"


@pytest.mark.parametrize(("func", "args"), CALLS, ids=[f"{f}{a!r}" for f, a in CALLS])
def test_no_chained_exception(func: str, args: tuple[Any, ...]) -> None:
    want = _outcome(getattr(socket, func), args)
    assert want != "no error"
    assert _outcome(getattr(netdb, func), args) == want


def test_getnameinfo_not_found_has_no_context(tmp_path: Any) -> None:
    """NI_NAMEREQD for an address no source names (a files-only resolver)."""
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n")
    res = netdb.Resolver(files=netdb.SystemFiles.under(str(tmp_path)))
    with pytest.raises(socket.gaierror) as info:
        res.getnameinfo(("192.0.2.1", 80), socket.NI_NAMEREQD)
    assert info.value.args == (socket.EAI_NONAME, "Name or service not known")
    assert info.value.__context__ is None and info.value.__cause__ is None
    with pytest.raises(socket.gaierror) as info:
        res.getaddrinfo("nothere", 80)
    assert info.value.__context__ is None and info.value.__cause__ is None
