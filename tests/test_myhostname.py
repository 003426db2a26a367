"""The ``myhostname`` source: netdb against systemd's libnss_myhostname.so.2 under glibc.

Differential tables run ``socket.F`` and ``netdb.F`` side by side in sandboxes whose nsswitch
``hosts:`` line names ``myhostname`` (alone, after ``files``, before it, behind a
``[NOTFOUND=return]``), over several interface layouts: loopback only, the harness's veth pairs,
and layouts built on top of them with ``ip`` inside the sandbox (extra addresses of every scope,
deprecated ones, several default routes with metrics, IPv6 link-local gateways, multipath routes,
an IPv4 route via an IPv6 next hop, IPv6 disabled).  Without ``libnss_myhostname.so.2`` (Debian
package ``libnss-myhostname``) or namespaces the differential tests skip, saying why.

The pure tests build ``nss_myhostname.Host`` values and check the rules of systemd's source that
a table cannot show one by one (order keys, filters, fallbacks).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netdb import nss_myhostname as mh
from netdb.hostent import Status
from tests.sandbox.harness import Sandbox, Scenario

AF4, AF6, UNSPEC = socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC

# --- pure: nss_myhostname from constructed Host values ----------------------------------------

V0, V1 = 3, 2
LL0 = bytes.fromhex("fe800000000000000000000000000001")
DOC4 = socket.inet_pton(AF4, "192.0.2.1")
DOC6 = socket.inet_pton(AF6, "2001:db8::1")


def a4(text: str) -> bytes:
    return socket.inet_pton(AF4, text)


def a6(text: str) -> bytes:
    return socket.inet_pton(AF6, text)


LOOPBACK_ONLY = mh.Host(
    "box",
    (
        mh.LocalAddress(AF4, a4("127.0.0.1"), 1, mh.RT_SCOPE_HOST),
        mh.LocalAddress(AF6, a6("::1"), 1, mh.RT_SCOPE_HOST),
    ),
)
LAYOUT = mh.Host(
    "box",
    (
        mh.LocalAddress(AF6, DOC6, V0, 0),
        mh.LocalAddress(AF6, LL0, V0, 253),
        mh.LocalAddress(AF4, a4("198.51.100.1"), V1, 0),
        mh.LocalAddress(AF4, DOC4, V0, 0),
        mh.LocalAddress(AF4, DOC4, V0, 0),  # the same again: dropped
        mh.LocalAddress(AF4, a4("192.0.2.9"), V0, 253),  # link scope: after global ones
        mh.LocalAddress(AF4, a4("192.0.2.77"), V0, mh.RT_SCOPE_HOST),  # never
        mh.LocalAddress(AF6, a6("2001:db8:1::1"), V0, 0, mh.IFA_F_DEPRECATED),  # never
        *LOOPBACK_ONLY.addresses,
    ),
    (
        mh.Gateway(AF6, AF6, a6("fe80::2"), V0, 1024, LL0),
        mh.Gateway(AF4, AF4, a4("192.0.2.2"), V0, 100, DOC4),
        mh.Gateway(AF4, AF4, a4("198.51.100.2"), V1, 50, a4("198.51.100.1")),
        mh.Gateway(AF4, AF6, a6("fe80::3"), V0, 0, None),  # IPv4 route via IPv6, no source
    ),
)


def packed(answer: Any) -> list[tuple[int, bytes, int]]:
    return [(a.family, a.packed, a.scope_id) for a in answer.addresses]


def test_local_addresses_order_scope_and_filters() -> None:
    # IPv4 first; then scope (global 0 before link 253), ifindex, bytes; host scope and
    # deprecated addresses left out, repeats dropped; link-local IPv6 carries its interface.
    assert [(a.family, a.packed, a.scope_id) for a in mh.local_addresses(LAYOUT, UNSPEC)] == [
        (AF4, a4("198.51.100.1"), 0),  # interface 2 before interface 3
        (AF4, DOC4, 0),
        (AF4, a4("192.0.2.9"), 0),
        (AF6, DOC6, 0),
        (AF6, LL0, V0),
    ]
    assert mh.local_addresses(LOOPBACK_ONLY, UNSPEC) == []


def test_gateways_sorted_by_metric_and_filtered_by_route_family() -> None:
    assert [a.packed for a in mh.local_gateways(LAYOUT, UNSPEC)] == [
        a4("198.51.100.2"),
        a4("192.0.2.2"),
        a6("fe80::3"),
        a6("fe80::2"),
    ]
    # An IPv6 lookup dumps IPv6 routes only: the IPv4 route's IPv6 next hop is not among them.
    assert [a.packed for a in mh.local_gateways(LAYOUT, AF6)] == [a6("fe80::2")]
    assert [a.scope_id for a in mh.local_gateways(LAYOUT, AF6)] == [V0]
    # Outbounds: one per gateway with a bound source, on the gateway's interface.
    assert [a.packed for a in mh.local_outbounds(LAYOUT, UNSPEC)] == [a4("198.51.100.1"), DOC4, LL0]


@pytest.mark.parametrize(
    "name",
    [
        "localhost",
        "LOCALHOST.",
        "localhost.localdomain",
        "localhost.LOCALDOMAIN.",
        "a.localhost",
        "a.b.localhost.",
        "x.localhost.localdomain",
        ".localhost",
    ],
)
def test_localhost_names(name: str) -> None:
    ans = mh.gethostbyname4(LAYOUT, name)
    assert (ans.status, ans.name) == (Status.SUCCESS, "localhost")
    assert packed(ans) == [(AF4, a4("127.0.0.1"), 0), (AF6, a6("::1"), 0)]
    assert packed(mh.gethostbyname3(LAYOUT, name, AF6)) == [(AF6, a6("::1"), 0)]


@pytest.mark.parametrize(
    "name", ["localhostx", "xlocalhost", "localhost..", "localdomain", "gateway", "_gateway.."]
)
def test_names_not_served(name: str) -> None:
    assert mh.gethostbyname4(LAYOUT, name).status is Status.NOTFOUND
    assert mh.gethostbyname3(LAYOUT, name, AF4).status is Status.NOTFOUND


def test_hostname_is_case_sensitive_and_takes_one_dot() -> None:
    assert mh.gethostbyname4(LAYOUT, "box.").name == "box"
    for name in ("BOX", "box..", "box.lan"):
        assert mh.gethostbyname4(LAYOUT, name).status is Status.NOTFOUND


def test_hostname_without_addresses_falls_back() -> None:
    ans = mh.gethostbyname4(LOOPBACK_ONLY, "box")
    assert packed(ans) == [(AF4, a4("127.0.0.2"), 0), (AF6, a6("::1"), 0)]
    six = mh.gethostbyname3(LOOPBACK_ONLY, "box", AF6)
    assert (six.name, six.aliases, packed(six)) == ("box", ("localhost",), [(AF6, a6("::1"), 0)])
    four = mh.gethostbyname3(LOOPBACK_ONLY, "box", AF4)
    assert (four.aliases, packed(four)) == ((), [(AF4, a4("127.0.0.2"), 0)])
    # gethostbyname3 carries no scope ids.
    assert {a.scope_id for a in mh.gethostbyname3(LAYOUT, "box", AF6).addresses} == {0}


def test_ipv6_disabled() -> None:
    host = mh.Host("box", LOOPBACK_ONLY.addresses[:1], ipv6=False)
    assert packed(mh.gethostbyname4(host, "localhost")) == [(AF4, a4("127.0.0.1"), 0)]
    assert mh.gethostbyname3(host, "localhost", AF6).status is Status.NOTFOUND
    assert mh.gethostbyaddr(host, AF6, a6("::1")).status is Status.NOTFOUND


def test_reverse() -> None:
    def rev(family: int, addr: bytes) -> tuple[str, tuple[str, ...], list[bytes]]:
        ans = mh.gethostbyaddr(LAYOUT, family, addr)
        return ans.name, ans.aliases, [a.packed for a in ans.addresses]

    assert rev(AF4, a4("127.0.0.2")) == ("box", (), [a4("127.0.0.2")])
    assert rev(AF4, a4("127.0.0.1")) == ("localhost", (), [a4("127.0.0.1")])
    assert rev(AF6, a6("::1")) == ("localhost", ("box",), [a6("::1")])
    assert rev(AF4, a4("192.0.2.9")) == ("box", (), [a4("198.51.100.1"), DOC4, a4("192.0.2.9")])
    assert rev(AF4, a4("192.0.2.2"))[0] == "_gateway"
    for family, addr in ((AF4, a4("127.0.0.3")), (AF4, a4("192.0.2.77")), (AF6, a6("2001:db8::9"))):
        assert mh.gethostbyaddr(LAYOUT, family, addr).status is Status.NOTFOUND
    assert mh.gethostbyaddr(LAYOUT, AF4, DOC6).status is Status.UNAVAIL


def test_unset_node_name() -> None:
    assert mh.hostname("") == "localhost"
    assert mh.hostname("(none)") == "localhost"
    assert mh.hostname("localhost") == "localhost"
    assert mh.default_hostname("deflt.example") == "deflt.example"
    for bad in (None, "", "a..b", "trailing.", "under_score", "x" * 65):
        assert mh.default_hostname(bad) == "localhost"


def test_answers_are_never_kept() -> None:
    """TTL 0: the hosts database's step for myhostname tells the driver the answer is stale."""
    from netdb.dns.ops import HErrno, Note
    from netdb.hosts import HostsDatabase

    class Source:
        name = "myhostname"

        @staticmethod
        def action(status: str) -> str:
            return "return" if status == "success" else "continue"

    from netdb.config.hosts import parse_hosts

    db = HostsDatabase((Source(),), parse_hosts(""), myhostname=lambda: LAYOUT)
    gen = db.by_name4("box")
    ops = []
    try:
        while True:
            ops.append(gen.send(None))
    except StopIteration as stop:
        answer = stop.value
    assert answer.status is Status.SUCCESS
    assert any(isinstance(op, Note) and op.expires == float("-inf") for op in ops)
    assert HErrno(0) in ops
    # A name the module never answers for is NOTFOUND whatever the kernel says: that answer may
    # be kept (the front keys it on the host's name; test_changes_are_seen_at_once checks that a
    # new host name is seen at once), the others not.
    for name, kept in (("elsewhere.example", True), ("_gateway", False), ("box", False)):
        ops = []
        gen = db.by_name4(name)
        try:
            while True:
                ops.append(gen.send(None))
        except StopIteration as stop:
            answer = stop.value
        assert (answer.status is Status.NOTFOUND) is (name == "elsewhere.example")
        assert kept is not any(isinstance(op, Note) for op in ops), name


# --- differential: glibc with libnss_myhostname.so.2 in the sandbox ------------------------------


def _module_path() -> str | None:
    """Where glibc loads ``libnss_myhostname.so.2`` from: the directory of the running libc."""
    dirs = []
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if os.path.basename(path).startswith("libc.so"):
            dirs.append(os.path.dirname(path))
    for d in [*dirs, "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64"]:
        path = os.path.join(d, "libnss_myhostname.so.2")
        if os.path.exists(path):
            return path
    return None


_BASE = Scenario.from_dir("basic").files
_FILES = {**_BASE, **Scenario.from_dir("myhostname").files}


def scenario(
    name: str, hosts_line: str, network: str = "veth", hostname: str = "sandbox"
) -> Scenario:
    files = dict(_FILES)
    files["nsswitch.conf"] = f"hosts: {hosts_line}\nservices: files\nprotocols: files\n"
    return Scenario(f"myhostname-{name}", files, network=network, hostname=hostname)


# Extra layouts built with `ip` inside a sandbox on top of its network profile.
LAYOUTS: dict[str, list[list[str]]] = {
    "plain": [],
    "busy": [
        ["ip", "addr", "add", "198.51.100.1/24", "dev", "v1"],
        ["ip", "addr", "add", "192.0.2.1/25", "dev", "v0"],  # same address again, on v0
        ["ip", "addr", "add", "192.0.2.9/32", "dev", "v0", "scope", "link"],
        ["ip", "addr", "add", "192.0.2.77/32", "dev", "v0", "scope", "host"],
        ["ip", "addr", "add", "127.0.0.9/8", "dev", "lo"],
        ["ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "v0", "nodad", "preferred_lft", "0"],
        ["ip", "-6", "addr", "add", "fd00::1/64", "dev", "v1", "nodad"],
        ["ip", "route", "add", "default", "via", "198.51.100.2", "metric", "50"],
        ["ip", "-6", "route", "add", "default", "via", "fe80::2", "dev", "v1", "metric", "10"],
    ],
    "multipath": [
        ["ip", "route", "del", "default"],
        [
            "ip",
            "route",
            "add",
            "default",
            "nexthop",
            "via",
            "192.0.2.3",
            "dev",
            "v0",
            "nexthop",
            "via",
            "192.0.2.2",
            "dev",
            "v0",
        ],
        ["ip", "-6", "route", "del", "default"],
        [
            "ip",
            "-6",
            "route",
            "add",
            "default",
            "nexthop",
            "via",
            "fe80::3",
            "dev",
            "v0",
            "nexthop",
            "via",
            "fe80::2",
            "dev",
            "v1",
        ],
    ],
    "via6": [
        ["ip", "route", "del", "default"],
        ["ip", "-4", "route", "add", "default", "via", "inet6", "fe80::2", "dev", "v0"],
    ],
    "no-ipv6": [["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"]],
}

# Scenario name -> None (layout applied) or why it could not be.
_prepared: dict[str, str | None] = {}


def prepared(
    sandboxes: Callable[[Scenario], Sandbox], sc: Scenario, layout: str = "plain"
) -> Sandbox:
    """The sandbox of ``sc`` with ``layout`` applied once (the scenario's name says which)."""
    if _module_path() is None:
        pytest.skip("libnss_myhostname.so.2 is not installed (apt-get install libnss-myhostname)")
    box = sandboxes(sc)
    if sc.name not in _prepared:
        _prepared[sc.name] = None
        for cmd in LAYOUTS[layout]:
            rc, _, err = box.run(*cmd)
            if rc != 0:
                _prepared[sc.name] = f"layout {layout}: {' '.join(cmd)} failed: {err.strip()}"
                break
    reason = _prepared[sc.name]
    if reason is not None:
        pytest.skip(reason)
    return box


def run_table(box: Sandbox, func: str, calls: Iterable[tuple[Any, ...]]) -> int:
    """Compare every call; fail once, listing every disagreement (first 25 shown)."""
    bad: list[str] = []
    n = 0
    for args in calls:
        n += 1
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append(f"{func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
        if func in ("gethostbyaddr", "gethostbyname", "gethostbyname_ex", "getnameinfo"):
            glibc, ours = box.outcomes("h_errno")
            if glibc != ours:
                bad.append(f"h_errno after {func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
    assert not bad, f"[{box.scenario.name}] {len(bad)}/{n} disagree:\n" + "\n".join(bad[:25])
    return n


def names_for(hostname: str) -> list[Any]:
    short = hostname.split(".")[0]
    return [
        hostname,
        hostname.upper(),
        hostname + ".",
        hostname.encode() + b"..",
        short,
        short + ".example",
        "localhost",
        "LOCALHOST",
        "localhost.",
        "localhost.localdomain",
        "LocalHost.LocalDomain.",
        "foo.localhost",
        "a.b.localhost.",
        "x.localhost.localdomain",
        b".localhost",
        b"localhost..",
        "localhostx",
        "localdomain",
        "_gateway",
        "_GATEWAY",
        "_gateway.",
        "gateway",
        "_outbound",
        "_Outbound.",
        b"_outbound..",
        "files-v0",
        "filesonly.example.test",
        "nosuch",
    ]


ADDRESSES = [
    "127.0.0.1",
    "127.0.0.2",
    "127.0.0.3",
    "127.0.0.9",
    "127.1.2.3",
    "::1",
    "::ffff:127.0.0.2",
    "192.0.2.1",
    "192.0.2.2",
    "192.0.2.3",
    "192.0.2.9",
    "192.0.2.77",
    "198.51.100.1",
    "198.51.100.2",
    "10.0.0.7",
    "10.9.9.9",
    "2001:db8::1",
    "2001:db8::2",
    "2001:db8:1::1",
    "fd00::1",
    "fe80::2",
    "fe80::3",
    "2001:db8::99",
]

GAI_ARGS = [
    (UNSPEC, 0),
    (UNSPEC, socket.AI_CANONNAME),
    (UNSPEC, socket.AI_ADDRCONFIG),
    (UNSPEC, socket.AI_ADDRCONFIG | socket.AI_CANONNAME),
    (AF4, 0),
    (AF4, socket.AI_CANONNAME),
    (AF6, 0),
    (AF6, socket.AI_CANONNAME),
    (AF6, socket.AI_V4MAPPED),
    (AF6, socket.AI_V4MAPPED | socket.AI_ALL | socket.AI_CANONNAME),
    (AF6, socket.AI_ADDRCONFIG | socket.AI_V4MAPPED),
]

ORDERS = {
    "after-files": "files myhostname",
    "before-files": "myhostname files",
    "alone": "myhostname",
    "notfound-return": "files [NOTFOUND=return] myhostname",
    "success-continue": "myhostname [SUCCESS=continue] files",
}

# (scenario id, nsswitch order, network profile, layout, host name)
CASES = [
    ("lo", "after-files", "loopback", "plain", "sandbox"),
    ("lo-alone", "alone", "loopback", "plain", "sandbox"),
    ("lo-dotted", "before-files", "loopback", "plain", "sandbox.example.test"),
    ("veth", "after-files", "veth", "plain", "sandbox"),
    ("veth-before", "before-files", "veth", "plain", "sandbox"),
    ("veth-nfr", "notfound-return", "veth", "plain", "sandbox"),
    ("veth-sc", "success-continue", "veth", "plain", "sandbox"),
    ("veth4", "alone", "veth4", "plain", "Mixed-Case"),
    ("busy", "alone", "veth", "busy", "sandbox"),
    ("busy-before", "before-files", "veth", "busy", "host.example"),
    ("multipath", "alone", "veth", "multipath", "sandbox"),
    ("via6", "alone", "veth", "via6", "sandbox"),
    ("no-ipv6", "alone", "veth", "no-ipv6", "sandbox"),
    ("lo-localhost", "alone", "loopback", "plain", "localhost"),
]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def case(
    request: pytest.FixtureRequest, sandboxes: Callable[[Scenario], Sandbox]
) -> Iterator[tuple[Sandbox, str]]:
    sid, order, network, layout, hostname = request.param
    sc = scenario(sid, ORDERS[order], network, hostname)
    yield prepared(sandboxes, sc, layout), hostname


def test_getaddrinfo(case: tuple[Sandbox, str]) -> None:
    box, hostname = case
    run_table(
        box,
        "getaddrinfo",
        (
            (name, None, fam, socket.SOCK_STREAM, 0, flags)
            for name in names_for(hostname)
            for fam, flags in GAI_ARGS
        ),
    )
    # Every socket type and a service, for the names that answer.
    run_table(box, "getaddrinfo", ((n, 80) for n in (hostname, "localhost", "_gateway")))


@pytest.mark.parametrize("func", ["gethostbyname", "gethostbyname_ex"])
def test_gethostbyname(case: tuple[Sandbox, str], func: str) -> None:
    box, hostname = case
    run_table(box, func, ((n,) for n in names_for(hostname)))


def test_gethostbyaddr(case: tuple[Sandbox, str]) -> None:
    box, hostname = case
    # Link-local addresses of this sandbox, read from the kernel by `ip` (they are random).
    rc, out, _ = box.run("ip", "-6", "-o", "addr", "show", "scope", "link")
    local = [f.split()[3].split("/")[0] for f in out.splitlines()] if rc == 0 else []
    run_table(box, "gethostbyaddr", ((a,) for a in [*ADDRESSES, *local, hostname, "localhost"]))


def test_getnameinfo(case: tuple[Sandbox, str]) -> None:
    box, _ = case
    _, out, _ = box.run("ip", "-6", "-o", "addr", "show", "scope", "link")
    local = [(f.split()[3].split("/")[0], int(f.split()[0].rstrip(":"))) for f in out.splitlines()]
    sockaddrs: list[Any] = [(a, 0) for a in ADDRESSES]
    sockaddrs += [(a, 0, 0, idx) for a, idx in local] + [("fe80::2", 0, 0, 3)]
    flags = [0, socket.NI_NAMEREQD, socket.NI_NOFQDN, socket.NI_NUMERICHOST]
    run_table(box, "getnameinfo", ((sa, f) for sa in sockaddrs for f in flags))


def test_getfqdn(case: tuple[Sandbox, str]) -> None:
    box, hostname = case
    names = ["", hostname, "localhost", "127.0.0.2", "::1", "192.0.2.1", "_gateway", "nosuch"]
    run_table(box, "getfqdn", ((n,) for n in names))
    run_table(box, "gethostname", [()])


def test_unset_host_name(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """An empty node name: systemd's default host name (from the environment, else localhost)."""
    unset = ["python3", "-c", "import socket; socket.sethostname('')"]
    for env in ({}, {"SYSTEMD_DEFAULT_HOSTNAME": "deflt"}, {"SYSTEMD_DEFAULT_HOSTNAME": "bad_"}):
        sc = scenario("unset-" + "-".join(env.values()), "myhostname", "veth")
        sc = Scenario(sc.name, sc.files, sc.network, sc.hostname, dict(env))
        box = prepared(sandboxes, sc)
        assert box.run(*unset)[0] == 0
        run_table(box, "gethostbyaddr", [("127.0.0.2",), ("::1",), ("192.0.2.1",)])
        run_table(box, "getaddrinfo", [(n, None, 0, 1, 0, 2) for n in ("deflt", "localhost", "")])


def test_changes_are_seen_at_once(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """No TTL: a new host name, a new address or a removed route shows on the next lookup."""
    box = prepared(sandboxes, scenario("changes", "files myhostname", "veth", "before"))
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("getaddrinfo", ("before", None, 0, socket.SOCK_STREAM)),
        ("getaddrinfo", ("after", None, 0, socket.SOCK_STREAM)),
        ("getaddrinfo", ("_gateway", None, 0, socket.SOCK_STREAM)),
        ("gethostbyaddr", ("198.51.100.1",)),
        ("getfqdn", ()),
    ]

    def compare() -> None:
        for func, args in calls:
            box.check(func, *args)

    compare()
    assert box.run("hostname", "after")[0] == 0
    compare()
    assert box.run("ip", "addr", "add", "198.51.100.1/24", "dev", "v1")[0] == 0
    assert box.run("ip", "route", "del", "default")[0] == 0
    compare()
    assert box.run("ip", "-6", "route", "del", "default")[0] == 0
    compare()
