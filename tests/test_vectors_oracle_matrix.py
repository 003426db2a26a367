"""getaddrinfo_oracle_matrix.jsonl: 6,120 getaddrinfo and 65 getnameinfo calls on numeric hosts.

Each row of the file (read from ../shared/vectors at run time; skipped where that folder is absent)
holds a call and what CPython 3.13 over glibc 2.36 returned for it on the machine that extracted
the file (``cpython``).  Whole outcomes are compared: the repr of the result list (order, enum
types, sockaddrs) or the exception's class and args, in the text form the sandbox worker uses.

Two modes:

* **recorded oracle, in-process**: netdb runs over :data:`ETC`, a fixed /etc holding exactly what
  the rows read (the services they name, the hosts line behind the getnameinfo rows, a ``files``
  switch), so no row depends on this machine's files and nothing queries DNS.  Two facts still
  come from the kernel; the rows that depend on them are checked here only when this machine
  has the same facts as the extraction machine (see :func:`_machine_rules`), and always in
  the sandbox.
* **live glibc, sandbox**: every row in a private namespace whose /etc is :data:`ETC`, glibc's and
  netdb's outcomes from the same process, on a loopback-only network (where the recorded oracle
  holds too, which is asserted) and on a veth network with documentation-range addresses (where
  the order of several addresses is the kernel's routes' business: netdb against glibc only).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import netdb
from tests.conftest import load_vectors
from tests.sandbox.harness import Sandbox, Scenario

MATRIX = "getaddrinfo_oracle_matrix.jsonl"

# The /etc both modes read.  services: the lines of Debian 12's netbase (the extraction machine's
# /etc/services) for the names the rows use ("domain", "http") or that getnameinfo answers for
# their ports (22, 53, 80, 443; the NI_DGRAM rows tell which have a udp line).  hosts: the
# extraction machine named 127.0.0.1 "localhost" and nothing else among the rows' addresses
# (its NI_NAMEREQD rows).  nsswitch: files only, so nothing is ever asked of DNS.
ETC = {
    "services": (
        "ssh\t\t22/tcp\n"
        "domain\t\t53/tcp\n"
        "domain\t\t53/udp\n"
        "http\t\t80/tcp\t\twww\n"
        "https\t\t443/tcp\n"
        "https\t\t443/udp\n"
    ),
    "hosts": "127.0.0.1\tlocalhost\n",
    "nsswitch.conf": "hosts: files\nservices: files\n",
}
LOOPBACK = Scenario("oracle-matrix", dict(ETC))
VETH = Scenario("oracle-matrix-veth", dict(ETC), network="veth")


def _flags(names: Any) -> int:
    value = 0
    for name in names or ():
        value |= getattr(socket, name)
    return value


def _const(name: Any) -> int:
    return 0 if name == 0 else int(getattr(socket, name))


def call_of(row: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """(function name, arguments) of a row, symbolic names mapped through ``socket``."""
    if row["kind"] == "getnameinfo":
        return "getnameinfo", (tuple(row["sockaddr"]), _flags(row["flags"]))
    host, port, family, socktype, proto, flags = row["call"]
    return "getaddrinfo", (host, port, _const(family), _const(socktype), proto, _flags(flags))


def _exception_class(name: str) -> type[BaseException]:
    cls = getattr(socket, name, None) or __builtins__[name]  # type: ignore[index]
    assert isinstance(cls, type) and issubclass(cls, BaseException), name
    return cls


def recorded(row: dict[str, Any]) -> str:
    """The row's ``cpython`` outcome, as text in the sandbox worker's form."""
    o = row["cpython"]
    if not o["ok"]:
        cls = _exception_class(o["error"])
        args = (int(getattr(socket, o["eai"])), o["msg"]) if "eai" in o else (o["msg"],)
        return f"raise {cls.__module__}.{cls.__qualname__} {args!r}"
    if row["kind"] == "getnameinfo":
        return "ok " + repr(tuple(o["result"]))
    result = [
        (socket.AddressFamily[f], socket.SocketKind[t], p, c, tuple(sa))
        for f, t, p, c, sa in o["result"]
    ]
    return "ok " + repr(result)


def outcome(func: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """What the sandbox worker reports for a call (``ok`` + repr, or class and args)."""
    try:
        return "ok " + repr(func(*args))
    except Exception as exc:  # the outcome is the exception: its class and args
        return f"raise {type(exc).__module__}.{type(exc).__qualname__} {exc.args!r}"


# --- which rows the recorded oracle applies to on this machine -----------------------------------


def _addresses(row: dict[str, Any]) -> set[str]:
    o = row["cpython"]
    if row["kind"] != "getaddrinfo" or not o["ok"]:
        return set()
    return {str(r[4][0]) for r in o["result"]}


def _names_interface(row: dict[str, Any]) -> bool:
    if row["kind"] == "getnameinfo":
        sa = row["sockaddr"]
        return len(sa) == 4 and sa[3] != 0
    host = row["call"][0]
    return isinstance(host, str) and "%" in host


@cache
def _same_order_as_recorded() -> bool:
    """Does this machine's kernel order the loopback pair as the extraction machine's did?

    glibc sorts several addresses by RFC 3484 with the source address the kernel's routes give
    each one (no route: rule 1 puts it last).  The matrix's several-address answers are all
    ``::1`` and ``127.0.0.1`` (host None); their recorded order, IPv6 first, holds where both
    are routable, as on a machine with loopback up in both families.  Live glibc tells.
    """
    try:
        got = socket.getaddrinfo(None, 0, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except OSError:
        return False
    return [r[4][0] for r in got] == ["::1", "127.0.0.1"]


@cache
def _same_interfaces_as_recorded() -> bool:
    """Interface index 1 is ``lo`` (the rows' ``%1``, ``%lo`` and scope id 1) and no interface
    has index 42 (a scope id the rows expect printed as a number), as on the extraction machine."""
    index = dict(socket.if_nameindex())
    return index.get(1) == "lo" and 42 not in index


def _machine_rules() -> list[tuple[str, Callable[[dict[str, Any]], bool]]]:
    """(rule, excludes-row) for the in-process mode: rows whose recorded answer comes from a
    kernel fact this machine does not share.  Every such row is still checked in the sandbox."""
    rules: list[tuple[str, Callable[[dict[str, Any]], bool]]] = []
    if not _same_order_as_recorded():
        rules.append(
            (
                "order of several addresses (kernel routes differ here)",
                lambda r: len(_addresses(r)) > 1,
            )
        )
    if not _same_interfaces_as_recorded():
        rules.append(("interface names/indexes differ here", _names_interface))
    return rules


def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = load_vectors(MATRIX)
    assert len(rows) == 6185, "the matrix's size changed: review the rules of this file"
    return rows


# --- recorded oracle, in-process -----------------------------------------------------------------


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> netdb.Resolver:
    etc: Path = tmp_path_factory.mktemp("etc")
    for name, text in ETC.items():
        (etc / name).write_text(text)
    return netdb.Resolver(files=netdb.SystemFiles.under(str(etc)))


@pytest.mark.parametrize("kind", ["getaddrinfo", "getnameinfo"])
def test_recorded_oracle(resolver: netdb.Resolver, kind: str) -> None:
    rows = [r for r in _rows() if r["kind"] == kind]
    excluded: dict[str, int] = {}
    rules = _machine_rules()
    kept = []
    for row in rows:
        rule = next((name for name, excludes in rules if excludes(row)), None)
        if rule is None:
            kept.append(row)
        else:
            excluded[rule] = excluded.get(rule, 0) + 1

    bad: list[str] = []
    for row in kept:
        func, args = call_of(row)
        want, got = recorded(row), outcome(getattr(resolver, func), args)
        if want != got:
            bad.append(f"{func}{args!r}\n    cpython 3.13/glibc 2.36: {want}\n    netdb: {got}")
    assert kept, "no row left to check"
    assert not bad, f"{len(bad)}/{len(kept)} disagree (excluded: {excluded}):\n" + "\n".join(
        bad[:25]
    )


# --- live glibc, sandbox -------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", [LOOPBACK, VETH], ids=["loopback", "veth"])
def test_live_glibc(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    rows = _rows()
    bad: list[str] = []
    stale: list[str] = []
    for row in rows:
        func, args = call_of(row)
        glibc, ours = box.outcomes(func, *args)
        if ours != glibc:
            bad.append(f"{func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
        # On loopback only, the sandbox is the extraction machine as far as these rows can
        # tell (same files, ::1 and 127.0.0.1 both routable, lo is index 1): the recorded
        # oracle must hold there too, or ETC does not say what the rows read.
        if scenario is LOOPBACK and glibc != recorded(row):
            stale.append(f"{func}{args!r}\n    glibc:    {glibc}\n    recorded: {recorded(row)}")
    assert not bad, f"[{scenario.name}] {len(bad)}/{len(rows)} disagree:\n" + "\n".join(bad[:25])
    assert not stale, f"{len(stale)} rows: live glibc != recorded:\n" + "\n".join(stale[:25])
