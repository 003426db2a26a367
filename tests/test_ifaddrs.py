"""netdb._io (interface addresses, sources, destination order) against the kernel and glibc.

Everything runs in private network and mount namespaces this test creates
(``unshare --net --mount``): the worker below sets up a network, mounts a tmpfs over ``/etc``
holding only ``hosts`` (one name, the case's addresses, one per line), ``nsswitch.conf``
(``hosts: files``), ``host.conf`` (``multi on``) and a ``gai.conf``, then compares:

* ``ifaddrs.dump_addresses`` with ``ip -j addr`` (address, peer, prefix length, flags, index);
* ``ifaddrs.dump_link_types`` with ``ip -j link``;
* ``route.source_address`` with ``ip -j route get``;
* ``ifaddrs.addrconfig_families`` with what glibc's ``AI_ADDRCONFIG`` decides;
* ``route.order_destinations`` on the hosts file's addresses with the order of
  ``socket.getaddrinfo(name, None, type=SOCK_STREAM)`` (glibc sorts them), and with ``group=3``
  with the whole ``socket.getaddrinfo(name, None)`` list (three socket types per address).

Where a row names the rule it is there for, the test also checks that rule really decided a
pair in the result, so a setup that stopped exercising it is noticed.  Nothing touches the
host's ``/etc`` or network; connect(2) on a UDP socket sends no packet.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netdb.sort import Candidate, Policy, decide

SRC = Path(__file__).resolve().parents[1] / "src"

# --- the worker, run inside the namespaces ------------------------------------------------------

WORKER = r"""
import json, os, socket, subprocess, sys, time
spec = json.loads(sys.stdin.read())
for kind in ("net", "mnt"):
    if os.readlink(f"/proc/self/ns/{kind}") == spec["parent"][kind]:
        sys.exit(f"refusing to run in the parent's {kind} namespace")
for cmd in spec["setup"]:
    subprocess.run(cmd, check=True, capture_output=True)
if spec["wait_dad"]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and subprocess.run(
        ["ip", "-6", "addr", "show", "tentative"], capture_output=True, text=True
    ).stdout.strip():
        time.sleep(0.05)
def ip_json(*args):
    return json.loads(subprocess.run(["ip", "-j", *args], capture_output=True, text=True,
                                     check=True).stdout or "[]")
out = {"ip_addr": ip_json("addr"), "ip_link": ip_json("link"), "route_get": {}}
for addr in spec["route_get"]:
    try:
        out["route_get"][addr] = ip_json("route", "get", addr)[0].get("prefsrc")
    except subprocess.CalledProcessError:
        out["route_get"][addr] = None
subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "netdb-sort-etc", "/etc"], check=True)
files = {"hosts": "", "nsswitch.conf": "hosts: files\n", "host.conf": "multi on\n",
         "gai.conf": spec["gai_conf"]}
for name, text in files.items():
    with open("/etc/" + name, "w") as f:
        f.write(text)
sys.path.insert(0, spec["src"])
from netdb._io import ifaddrs, route
from netdb.config.gaiconf import parse_gai_conf
from netdb.sort import Policy
policy = Policy.glibc(parse_gai_conf(spec["gai_conf"]))
addrs = ifaddrs.dump_addresses()
out["ours"] = None if addrs is None else [
    [a.family, a.address.hex(), a.local.hex(), a.prefixlen, a.flags, a.index] for a in addrs]
out["link_types"] = ifaddrs.dump_link_types()
out["sources"] = {}
for addr in spec["route_get"]:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    src = route.source_address(fam, socket.inet_pton(fam, addr))
    out["sources"][addr] = None if src is None else socket.inet_ntop(fam, src)
# Probes share a socket per family: the same answers again in the other order, each after a
# scoped link-local probe (which must not bind the shared socket to that interface).
out["sources_again"] = {}
for addr in reversed(spec["route_get"]):
    route.source_address(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, "fe80::1"), 1)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    src = route.source_address(fam, socket.inet_pton(fam, addr))
    out["sources_again"][addr] = None if src is None else socket.inet_ntop(fam, src)
def seen(family, host):
    try:
        socket.getaddrinfo(host, None, family, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
    except socket.gaierror:
        return False
    return True
out["glibc_addrconfig"] = [seen(socket.AF_INET, "127.0.0.1"), seen(socket.AF_INET6, "::1")]
out["addrconfig"] = list(ifaddrs.addrconfig_families())
def entry(ai):
    return [ai[0], socket.inet_pton(ai[0], ai[4][0]).hex(), ai[1]]
out["cases"] = {}
for case in spec["cases"]:
    hosts = case["hosts"]
    if hosts is None:
        flags = case["flags"]
        first = ["::", "0.0.0.0"] if flags & socket.AI_PASSIVE else ["::1", "127.0.0.1"]
        name, service = None, "80"
    else:
        with open("/etc/hosts", "w") as f:
            f.write("".join(f"{a} name\n" for a in hosts))
        first, flags, name, service = hosts, 0, "name", None
    dests = [(socket.AF_INET6 if ":" in a else socket.AF_INET, a) for a in first]
    dests = [(f, socket.inet_pton(f, a), 0) for f, a in dests]
    res = {"dests": [[f, d.hex()] for f, d, _ in dests]}
    try:
        res["glibc"] = [entry(ai) for ai in socket.getaddrinfo(
            name, service, 0, socket.SOCK_STREAM, 0, flags)]
        res["glibc_full"] = [entry(ai) for ai in socket.getaddrinfo(name, service, 0, 0, 0, flags)]
    except socket.gaierror as exc:
        res["glibc"] = res["glibc_full"] = repr(exc)
    res["ours"] = route.order_destinations(dests, policy)
    res["ours_full"] = route.order_destinations(dests, policy, group=3)
    res["cands"] = [
        [c.family, c.dst.hex(), None if c.src is None else c.src.hex(), c.src_prefixlen,
         c.src_deprecated, c.src_home, c.src_native, c.index]
        for c in route.candidates(dests)
    ]
    out["cases"][case["id"]] = res
print(json.dumps(out))
"""

# --- setups ---------------------------------------------------------------------------------------

LO_UP = [["ip", "link", "set", "lo", "up"]]
VETH = [
    *LO_UP,
    ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
    ["ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"],
    ["ip", "link", "set", "v0", "up"],
    ["ip", "link", "set", "v1", "up"],
    ["ip", "route", "add", "default", "via", "192.0.2.2"],
    ["ip", "-6", "route", "add", "default", "via", "2001:db8::2"],
]
VETH_IPV4_ONLY = [  # no IPv6 address but ::1: glibc's source list is then empty
    *LO_UP,
    ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["ip", "link", "set", "v0", "addrgenmode", "none"],
    ["ip", "link", "set", "v1", "addrgenmode", "none"],
    ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
    ["ip", "link", "set", "v0", "up"],
    ["ip", "link", "set", "v1", "up"],
    ["ip", "route", "add", "default", "via", "192.0.2.2"],
]
VETH_TENTATIVE = [  # the peer stays down: no carrier, so DAD never ends
    *LO_UP,
    ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["ip", "link", "set", "v0", "addrgenmode", "none"],
    ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
    ["ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "v0"],
    ["ip", "link", "set", "v0", "up"],
]
VETH_RICH = [
    *VETH,
    ["ip", "addr", "add", "10.0.0.1/8", "dev", "v0"],
    # point-to-point: glibc lists the peer, so the local address is not found as a source
    ["ip", "addr", "add", "192.0.2.77", "peer", "203.0.113.5/32", "dev", "v0"],
    ["ip", "addr", "add", "127.6.0.1", "peer", "127.7.0.1", "dev", "v0"],
    ["ip", "-6", "addr", "add", "2001:db8:5::1", "peer", "2001:db8:6::1/128", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "fd00::1/64", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "fec0::1/64", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "2002:c000:201::1/48", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "2001:db8:7::1/64", "dev", "v0", "nodad", "preferred_lft", "0"],
    ["ip", "-6", "addr", "add", "2001:db8:8::1/64", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "2001:db8:9::1/64", "dev", "v0", "nodad", "home"],
    # routes whose preferred source is the deprecated / home address
    ["ip", "-6", "route", "add", "2001:db8:70::/48", "via", "2001:db8::2", "src", "2001:db8:7::1"],
    ["ip", "-6", "route", "add", "2001:db8:80::/48", "via", "2001:db8::2", "src", "2001:db8:8::1"],
    ["ip", "-6", "route", "add", "2001:db8:90::/48", "via", "2001:db8::2", "src", "2001:db8:9::1"],
]
VETH_OPTIMISTIC = [  # no carrier, so the optimistic address stays optimistic (and tentative)
    *LO_UP,
    ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["ip", "link", "set", "v0", "addrgenmode", "none"],
    ["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/v0/optimistic_dad"],
    ["ip", "link", "set", "v0", "up"],
    ["ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"],
    ["ip", "-6", "addr", "add", "2001:db8:7::1/64", "dev", "v0", "optimistic"],
    ["ip", "-6", "addr", "add", "2001:db8:8::1/64", "dev", "v0", "nodad"],
    ["ip", "-6", "route", "add", "2001:db8:70::/48", "dev", "v0", "src", "2001:db8:7::1"],
    ["ip", "-6", "route", "add", "2001:db8:80::/48", "dev", "v0", "src", "2001:db8:8::1"],
]
LOOPBACK_EXTRA = [  # 127.0.0.2 and a link-local address count for AI_ADDRCONFIG
    *LO_UP,
    ["ip", "addr", "add", "127.0.0.2/8", "dev", "lo"],
    ["ip", "-6", "addr", "add", "fe80::1/64", "dev", "lo", "nodad"],
]
SETUPS: dict[str, tuple[list[list[str]], bool]] = {  # name: (commands, wait for DAD)
    "nothing": ([], False),
    "loopback": (LO_UP, False),
    "loopback-extra": (LOOPBACK_EXTRA, False),
    "veth": (VETH, True),
    "veth-ipv4-only": (VETH_IPV4_ONLY, False),
    "veth-tentative": (VETH_TENTATIVE, False),
    "veth-optimistic": (VETH_OPTIMISTIC, False),
    "veth-rich": (VETH_RICH, True),
}

GAI_CONFS = {
    "default": "",
    "ipv4-first": "precedence ::ffff:0:0/96 100\n",  # the line Debian's gai.conf suggests
    "rfc6724": "".join(
        f"label {p} {lab}\nprecedence {p} {prec}\n"
        for p, prec, lab in [
            ("::1/128", 50, 0),
            ("::/0", 40, 1),
            ("::ffff:0:0/96", 35, 4),
            ("2002::/16", 30, 2),
            ("2001::/32", 5, 5),
            ("fc00::/7", 3, 13),
            ("::/96", 1, 3),
            ("fec0::/10", 1, 11),
            ("3ffe::/16", 1, 12),
        ]
    ),
    "scopev4": "scopev4 ::ffff:10.0.0.0/104 5\nscopev4 192.0.2.0/24 2\n",
}

MIXED = [
    "192.0.2.9",
    "2001:db8::9",
    "10.1.2.3",
    "fd00::9",
    "::1",
    "127.0.0.1",
    "169.254.1.1",
    "fe80::1",
    "2002:c633:6401::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "::ffff:192.0.2.9",
    "198.51.100.7",
    "fec0::9",
    "::192.0.2.9",
]
IPV4 = [
    "192.0.2.200",
    "192.0.2.3",
    "10.9.9.9",
    "192.0.2.1",
    "127.0.0.1",
    "169.254.9.9",
    "198.51.100.1",
    "10.0.0.2",
]
IPV6 = [
    "2001:db8::ffff",
    "2001:db8::2",
    "2001:db8:1::1",
    "2001:db8::1",
    "fd00::9",
    "fec0::9",
    "2002:c633:6401::1",
    "2001:db8:6::1",
]
SPLIT = ["10.9.9.9", "::ffff:192.0.2.9", "10.0.0.2", "10.128.0.1", "::ffff:10.0.0.9"]

# (setup, gai.conf, id, hosts file addresses or None for getaddrinfo(None, ...) with flags,
#  flags, the rule this row is there for or None)
ORDER_CASES: list[tuple[str, str, str, list[str] | None, int, int | None]] = [
    ("nothing", "default", "mixed", MIXED, 0, 6),
    ("nothing", "default", "ipv4", IPV4, 0, 8),
    ("loopback", "default", "mixed", MIXED, 0, 1),
    ("loopback", "default", "mixed-reversed", MIXED[::-1], 0, 1),
    ("loopback", "default", "ipv4", IPV4, 0, 1),
    ("loopback", "default", "loopbacks", ["127.1.0.1", "127.0.0.3", "127.0.0.1"], 0, 9),
    ("loopback", "default", "passive", None, socket.AI_PASSIVE, 5),
    # with an IPv6 address besides ::1 glibc knows the sources' prefix lengths (127/8)
    ("loopback-extra", "default", "loopbacks", ["127.1.0.1", "127.0.0.3", "127.0.0.1"], 0, 9),
    ("loopback-extra", "default", "mixed", MIXED, 0, None),
    ("loopback", "default", "no-host", None, 0, None),
    ("veth", "default", "mixed", MIXED, 0, None),
    ("veth", "default", "mixed-reversed", MIXED[::-1], 0, None),
    ("veth", "default", "ipv4", IPV4, 0, 9),
    ("veth", "default", "ipv6", IPV6, 0, 9),
    ("veth", "default", "ipv6-reversed", IPV6[::-1], 0, None),
    ("veth", "default", "passive", None, socket.AI_PASSIVE, None),
    ("veth", "default", "no-host", None, 0, None),
    ("veth", "ipv4-first", "mixed", MIXED, 0, 6),
    ("veth", "rfc6724", "mixed", MIXED, 0, 6),
    ("veth", "scopev4", "ipv4", IPV4, 0, 2),
    ("veth-ipv4-only", "default", "mixed", MIXED, 0, None),
    ("veth-ipv4-only", "default", "ipv4", IPV4, 0, None),
    ("veth-ipv4-only", "default", "subnet", ["192.0.2.200", "192.0.2.3", "192.0.2.1"], 0, 9),
    ("veth-tentative", "default", "mixed", MIXED, 0, None),
    # glibc counts an optimistic source as deprecated
    ("veth-optimistic", "default", "optimistic", ["2001:db8:70::9", "2001:db8:80::9"], 0, 3),
    ("veth-rich", "default", "mixed", MIXED, 0, None),
    ("veth-rich", "default", "mixed-reversed", MIXED[::-1], 0, None),
    ("veth-rich", "default", "ipv4", IPV4, 0, 9),
    ("veth-rich", "default", "ipv6", IPV6, 0, None),
    ("veth-rich", "default", "deprecated", ["2001:db8:70::9", "2001:db8:80::9"], 0, 3),
    ("veth-rich", "default", "home", ["2001:db8:80::9", "2001:db8:90::9"], 0, 4),
    ("veth", "default", "label", ["2002:c633:6401::1", "2001:db8::9"], 0, 5),
    # rule 7: a point-to-point source is missing from glibc's list (it holds the peer)
    ("veth-rich", "default", "ptp-ipv4", ["203.0.113.5", "198.51.100.1"], 0, 7),
    ("veth-rich", "default", "ptp-ipv6", ["2001:db8:6::1", "2001:db8::9"], 0, 7),
    # glibc's socket walk: after an IPv6 destination the IPv4 ones go through an IPv6 socket,
    # and a 127/8 source is then looked up as itself (absent here) instead of as 127.0.0.1
    ("veth-rich", "default", "walk-v4-first", ["127.6.0.1", "198.51.100.1", "2001:db8::9"], 0, 8),
    ("veth-rich", "default", "walk-v6-first", ["2001:db8::9", "127.6.0.1", "198.51.100.1"], 0, 7),
    # rule 9 never compares IPv4 with IPv4-mapped IPv6: the merge sort's order shows
    ("veth-rich", "default", "merge-amc", ["10.9.9.9", "::ffff:192.0.2.9", "10.0.0.2"], 0, None),
    ("veth-rich", "default", "merge-mac", ["::ffff:192.0.2.9", "10.9.9.9", "10.0.0.2"], 0, 9),
    # ... and here leaves 10.0.0.1, the best by rule 9, last (a Tim sort would put it first)
    (
        "veth-rich",
        "default",
        "merge-abmc",
        ["10.9.9.9", "10.0.0.2", "::ffff:192.0.2.9", "10.0.0.1"],
        0,
        9,
    ),
    # glibc sorts its whole answer list (three socket types per address): here that splits
    # 10.0.0.2's answers (see test_whole_list_sort_splits_an_address)
    ("veth-rich", "default", "split", SPLIT, 0, 9),
    ("veth-rich", "ipv4-first", "mixed", MIXED, 0, None),
    ("veth-rich", "rfc6724", "mixed", MIXED, 0, None),
    ("veth-rich", "scopev4", "ipv4", IPV4, 0, None),
]

ROUTE_GET = [
    "192.0.2.9",
    "198.51.100.1",
    "10.9.9.9",
    "169.254.1.1",
    "127.0.0.1",
    "203.0.113.5",
    "2001:db8::9",
    "2001:db8:70::9",
    "fd00::9",
    "2002:c633:6401::1",
    "::1",
]


@functools.cache
def unavailable_reason() -> str | None:
    if sys.platform != "linux":
        return "needs Linux namespaces"
    for tool in ("unshare", "ip", "mount"):
        if shutil.which(tool) is None:
            return f"needs `{tool}`"
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"unshare --net --mount is not permitted here: {probe.stderr.strip()}"
    return None


@functools.cache
def run(setup: str, gai: str) -> dict[str, Any]:
    """The worker's findings for one network setup and gai.conf (every case of that pair)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    commands, wait_dad = SETUPS[setup]
    cases = [
        {"id": cid, "hosts": hosts, "flags": flags}
        for s, g, cid, hosts, flags, _ in ORDER_CASES
        if (s, g) == (setup, gai)
    ]
    spec = {
        "parent": {k: os.readlink(f"/proc/self/ns/{k}") for k in ("net", "mnt")},
        "setup": commands,
        "wait_dad": wait_dad,
        "gai_conf": GAI_CONFS[gai],
        "src": str(SRC),
        "route_get": ROUTE_GET,
        "cases": cases,
    }
    proc = subprocess.run(
        ["unshare", "--net", "--mount", sys.executable, "-I", "-c", WORKER],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"worker failed ({setup}, {gai}):\n{proc.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def text(family: int, hexed: str) -> str:
    return str(ipaddress.ip_address(bytes.fromhex(hexed)))


# --- interface addresses ------------------------------------------------------------------------

# ip's flag names -> IFA_F_* bits; "dynamic" is shown when IFA_F_PERMANENT is absent.
IP_FLAGS = {
    "nodad": 0x02,
    "optimistic": 0x04,
    "dadfailed": 0x08,
    "home": 0x10,
    "deprecated": 0x20,
    "tentative": 0x40,
    "mngtmpaddr": 0x100,
    "noprefixroute": 0x200,
}
SETUP_NAMES = list(SETUPS)


def ip_addresses(ip_addr: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """The addresses ``ip -j addr`` lists, as :func:`our_addresses` writes them."""
    want = set()
    for iface in ip_addr:
        for a in iface.get("addr_info", []):
            fam = socket.AF_INET if a["family"] == "inet" else socket.AF_INET6
            local = ipaddress.ip_address(a["local"])
            # glibc reads IFA_ADDRESS: the peer on a point-to-point link
            peer = ipaddress.ip_address(a.get("address", a["local"]))
            bits = sum(bit for name, bit in IP_FLAGS.items() if a.get(name))
            permanent = not a.get("dynamic")
            want.add(
                (fam, str(peer), str(local), a["prefixlen"], bits, permanent, iface["ifindex"])
            )
    return want


def our_addresses(ours: list[list[Any]]) -> set[tuple[Any, ...]]:
    """``ifaddrs.dump_addresses`` rows (the worker's hex form) in :func:`ip_addresses`'s."""
    return {
        (fam, text(fam, addr), text(fam, local), plen, flags & sum(IP_FLAGS.values()),
         bool(flags & 0x80), index)
        for fam, addr, local, plen, flags, index in ours
    }  # fmt: skip


ARPHRD = {"loopback": 772, "ether": 1, "sit": 776, "tunnel": 768, "tunnel6": 769, "none": 65534}


def ip_link_types(ip_link: list[dict[str, Any]]) -> dict[str, int]:
    """Interface index (text) -> ARPHRD_* type, from ``ip -j link``."""
    return {str(link["ifindex"]): ARPHRD[link["link_type"]] for link in ip_link}


@pytest.mark.parametrize("setup", SETUP_NAMES)
def test_interface_addresses_match_ip(setup: str) -> None:
    found = run(setup, "default")
    assert found["ours"] is not None
    assert our_addresses(found["ours"]) == ip_addresses(found["ip_addr"])


@pytest.mark.parametrize("setup", SETUP_NAMES)
def test_link_types_match_ip(setup: str) -> None:
    found = run(setup, "default")
    assert found["link_types"] == ip_link_types(found["ip_link"])


@pytest.mark.parametrize("setup", SETUP_NAMES)
def test_addrconfig_matches_glibc(setup: str) -> None:
    found = run(setup, "default")
    assert found["addrconfig"] == found["glibc_addrconfig"]


EXPECTED_ADDRCONFIG = {
    "nothing": [False, False],
    "loopback": [False, False],  # 127.0.0.1 and ::1 do not count
    "loopback-extra": [True, True],
    "veth": [True, True],
    "veth-ipv4-only": [True, False],
    "veth-tentative": [True, True],  # a tentative IPv6 address counts
    "veth-optimistic": [False, True],
    "veth-rich": [True, True],
}


@pytest.mark.parametrize("setup", SETUP_NAMES)
def test_addrconfig_setups_cover_each_answer(setup: str) -> None:
    """The setups really produce the answers they are there for (glibc's own verdict)."""
    assert run(setup, "default")["glibc_addrconfig"] == EXPECTED_ADDRCONFIG[setup]


@pytest.mark.parametrize("setup", SETUP_NAMES)
def test_source_address_matches_route_get(setup: str) -> None:
    found = run(setup, "default")
    assert found["sources"] == found["route_get"]
    assert found["sources_again"] == found["route_get"]


# --- destination order --------------------------------------------------------------------------


def _candidate(row: list[Any]) -> Candidate:
    fam, dst, src, plen, dep, home, native, index = row
    return Candidate(
        fam, bytes.fromhex(dst), None if src is None else bytes.fromhex(src), plen, dep, home,
        native, index,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "gai", "case_id", "rule"),
    [pytest.param(s, g, cid, rule, id=f"{s}-{g}-{cid}") for s, g, cid, _, _, rule in ORDER_CASES],
)
def test_order_matches_glibc(setup: str, gai: str, case_id: str, rule: int | None) -> None:
    res = run(setup, gai)["cases"][case_id]
    assert isinstance(res["glibc"], list), res["glibc"]
    dests = [(fam, text(fam, hexed)) for fam, hexed in res["dests"]]
    glibc = [(fam, text(fam, hexed)) for fam, hexed, _ in res["glibc"]]
    assert sorted(glibc) == sorted(dests), "the hosts file gave other addresses"
    ours = [dests[i] for i in res["ours"]]
    assert ours == glibc
    socktypes = [socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW]
    glibc_full = [(fam, text(fam, hexed), st) for fam, hexed, st in res["glibc_full"]]
    ours_full = [(*dests[k // 3], socktypes[k % 3]) for k in res["ours_full"]]
    assert ours_full == glibc_full
    if rule is not None:
        cands = {c.index: c for c in map(_candidate, res["cands"])}
        policy = Policy.glibc(_gai(gai))
        ordered = [cands[i] for i in res["ours"]]
        rules = {decide(a, b, policy)[1] for a, b in itertools.pairwise(ordered)}
        assert rule in rules, f"rule {rule} decided nothing here (rules seen: {sorted(rules)})"


def _gai(name: str) -> Any:
    from netdb.config.gaiconf import parse_gai_conf

    return parse_gai_conf(GAI_CONFS[name])


def test_whole_list_sort_splits_an_address() -> None:
    """Sorting addresses and then listing each one's socket types is not what glibc does: it
    sorts the whole list, and with a non-transitive comparison one address's answers can end
    up apart.  Callers that want glibc's exact list pass ``group``."""
    res = run("veth-rich", "default")["cases"]["split"]
    assert isinstance(res["glibc_full"], list), res["glibc_full"]
    expanded = [3 * i + j for i in res["ours"] for j in range(3)]
    assert expanded != res["ours_full"]
    first = [(fam, hexed) for fam, hexed, _ in res["glibc_full"]]
    runs = [key for key, _ in itertools.groupby(first)]
    assert len(runs) > len(set(runs)), "no address has its answers apart"
