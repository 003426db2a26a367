"""netdb._io's kernel facts on this machine itself, read-only, with no namespace.

``tests/test_ifaddrs.py`` builds networks in private namespaces and compares there; a machine
that cannot create namespaces still has a network of its own, whatever it holds (containers'
veths, bridges, tunnels, addresses of every flag), and netdb reads it the same way.  Each test
reads it twice, through netdb and through the kernel's other interfaces, and compares:

* ``ifaddrs.dump_addresses`` with ``ip -j addr`` (netlink read by iproute2);
* ``ifaddrs.dump_link_types`` with ``/sys/class/net/*/type`` (the kernel's ARPHRD_* numbers);
* ``route.source_address`` with ``ip -j route get`` (the kernel's source choice), for
  documentation-range destinations and for each of the machine's own addresses;
* ``ifaddrs.addrconfig_families`` with glibc's ``AI_ADDRCONFIG`` verdict on numeric hosts.

Nothing is sent: netlink dumps, ``ip route get`` and connect(2) on a UDP socket send no packet,
and a numeric ``getaddrinfo`` asks no server.  A fact that changes between the two reads (an
address coming or going meanwhile) is read again, a few times, before it counts as a difference.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from netdb._io import ifaddrs, route
from tests.test_ifaddrs import ROUTE_GET, ip_addresses, our_addresses

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("ip") is None, reason="needs Linux and `ip`"
)

T = TypeVar("T")


def ip_json(*args: str) -> list[dict[str, Any]]:
    out = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True).stdout
    result: list[dict[str, Any]] = json.loads(out or "[]")
    return result


def settled(read: Callable[[], tuple[T, T]], tries: int = 5) -> tuple[T, T]:
    """``read()``'s (ours, theirs), read again while they differ (the network may change
    between the two reads), at most ``tries`` times."""
    ours, theirs = read()
    for _ in range(tries - 1):
        if ours == theirs:
            break
        ours, theirs = read()
    return ours, theirs


def _ours_hex() -> list[list[Any]]:
    addrs = ifaddrs.dump_addresses()
    assert addrs is not None, "netlink gave no address dump"
    return [
        [a.family, a.address.hex(), a.local.hex(), a.prefixlen, a.flags, a.index] for a in addrs
    ]


def test_interface_addresses_match_ip_on_this_machine() -> None:
    def read() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        return our_addresses(_ours_hex()), ip_addresses(ip_json("addr"))

    ours, theirs = settled(read)
    assert ours == theirs
    assert any(row[2] == "127.0.0.1" for row in ours), "loopback's address is missing"


def test_link_types_match_sysfs_on_this_machine() -> None:
    def read() -> tuple[dict[int, int], dict[int, int]]:
        sysfs = {}
        for dev in Path("/sys/class/net").iterdir():
            try:
                index = int((dev / "ifindex").read_text())
                kind = int((dev / "type").read_text())
            except OSError:
                continue  # gone meanwhile
            sysfs[index] = kind
        return dict(ifaddrs.dump_link_types() or {}), sysfs

    ours, theirs = settled(read)
    assert ours == theirs
    assert 772 in ours.values()  # ARPHRD_LOOPBACK: lo


def _destinations() -> list[str]:
    own = [
        a["local"]
        for iface in ip_json("addr")
        for a in iface.get("addr_info", [])
        if not a["local"].startswith("fe80")  # link-local: a scope of its own, not here
    ]
    return sorted(set(ROUTE_GET) | set(own))


def _route_get(addr: str) -> str | None:
    try:
        found = ip_json("route", "get", addr)
    except subprocess.CalledProcessError:  # unreachable, no route
        return None
    prefsrc = found[0].get("prefsrc") if found else None
    return str(prefsrc) if prefsrc is not None else None


def _our_source(addr: str) -> str | None:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    src = route.source_address(fam, socket.inet_pton(fam, addr))
    return None if src is None else socket.inet_ntop(fam, src)


def test_source_addresses_match_route_get_on_this_machine() -> None:
    dests = _destinations()

    def read() -> tuple[dict[str, str | None], dict[str, str | None]]:
        return {a: _our_source(a) for a in dests}, {a: _route_get(a) for a in dests}

    ours, theirs = settled(read)
    assert ours == theirs
    assert ours["127.0.0.1"] == "127.0.0.1"


def test_addrconfig_matches_glibc_on_this_machine() -> None:
    def seen(family: int, host: str) -> bool:
        try:
            socket.getaddrinfo(host, None, family, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
        except socket.gaierror:
            return False
        return True

    def read() -> tuple[list[bool], list[bool]]:
        glibc = [seen(socket.AF_INET, "127.0.0.1"), seen(socket.AF_INET6, "::1")]
        return list(ifaddrs.addrconfig_families()), glibc

    ours, theirs = settled(read)
    assert ours == theirs
