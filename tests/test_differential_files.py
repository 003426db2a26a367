"""netdb against glibc, function by function, on files and numeric hosts (no DNS).

Every case runs ``socket.F(args)`` and ``netdb.F(args)`` inside the same private namespace, over the
same fixture /etc (tests/fixtures/sandbox/basic/), and compares whole outcomes: the repr of the
result (values, order, enum types) or the exception's class and args.  Each table is one test that
reports every disagreement at once.  Scenarios: loopback only, and a veth pair with
documentation-range IPv4/IPv6 addresses and default routes (so RFC 3484 rules past rule 1 and
AI_ADDRCONFIG matter), and variants of the fixture files.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.harness import FIXTURES, Sandbox, Scenario

BASIC = Scenario.from_dir("basic")
VETH = Scenario.from_dir("basic", network="veth")
VETH4 = Scenario.from_dir("basic", network="veth4")
NAMED_HOST = Scenario.from_dir("basic", hostname="sandbox.example.test")
NO_FILES = BASIC.with_files("no-services-protocols", services=None, protocols=None)
# glibc knows no services or protocols without the files; netdb does the same with the switch off.
NO_REGISTRY = Scenario("no-registry", dict(NO_FILES.files), env={"NETDB_BUNDLED_REGISTRY": "0"})
MULTI_OFF = BASIC.with_files("multi-off", host_conf="multi off\n")
NO_HOSTCONF = BASIC.with_files("no-host-conf", host_conf=None)
GAICONF = BASIC.with_files(
    "gai-conf",
    gai_conf="label ::ffff:0:0/96 10\nprecedence ::ffff:0:0/96 100\nprecedence ::/0 5\n",
)
VETH_GAICONF = Scenario(
    "veth-gai-conf", dict(GAICONF.files), network="veth", hostname=GAICONF.hostname
)

NETWORKS = [BASIC, VETH, VETH4]


def fixture_names() -> list[str]:
    """Every name and alias in the fixture hosts file (read independently of netdb's parser)."""
    names: list[str] = []
    for line in (FIXTURES / "basic" / "hosts").read_text("latin-1").splitlines():
        fields = line.split("#", 1)[0].split()
        names.extend(f for f in fields[1:] if f not in names)
    return names


def fixture_addresses() -> list[str]:
    addrs: list[str] = []
    for line in (FIXTURES / "basic" / "hosts").read_text("latin-1").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] not in addrs:
            addrs.append(fields[0])
    return addrs


NAMES = fixture_names()
HOSTS: list[Any] = [
    *NAMES,
    *(n.upper() for n in NAMES[:12]),
    *(n + "." for n in NAMES[:12] if not n.endswith(".")),
    "web.example.test.",
    "trailing.example.test",
    "nosuch.example.test",
    "nosuch",
    "",
    " ",
    "*",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "017.0.0.1",
    "1.2.3.4.",
    "1.2.3",
    "999.1.1.1",
    "4294967295",
    "4294967296",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:1.2.3.4",
    "fe80::1%lo",
    "fe80::1%1",
    "fe80::1%nosuchif",
    "fe80::1%",
    "2001:db8::1%5",
    "2001:db8::1%lo",
    "ff02::1%lo",
    "1.2.3.4%lo",
    "::1%lo",
    "127.0.0.1 ",
    " 127.0.0.1",
    "1.2.3.4 junk",
    "bücher.example.test",
    b"web.example.test",
    b"127.0.0.1",
    b"caf\xc3\xa9.example",
    b"\xff\xfe.example",
    b"stra\xc3\x9fe.example.test",
    b"b\xc3\xbccher.example.test",
    b"a\\b\xc3\xa9.example.test",
    b"\xe2\x98\x83.example.test",
    None,
]
PORTS: list[Any] = [
    None,
    0,
    80,
    "80",
    "http",
    "www",
    "domain",
    "https",
    "ntp",
    "syslog",
    "sctponly",
    "dccponly",
    "udponly",
    "tcponly",
    "both",
    "both-alias",
    "Mixed",
    "mixed",
    "dupname",
    "nosuch",
    "",
    "-1",
    " 80",
    "80 ",
    "+80",
    "0x50",
    "65535",
    "65536",
    "4294967296",
    "99999999999999999999999",
    -1,
    65536,
    2**31,
    b"80",
    b"http",
    "*",
]
FAMILIES = [0, socket.AF_INET, socket.AF_INET6, socket.AF_UNIX, 99]
TYPE_PROTO = [
    (0, 0),
    (socket.SOCK_STREAM, 0),
    (socket.SOCK_DGRAM, 0),
    (socket.SOCK_RAW, 0),
    (socket.SOCK_SEQPACKET, 0),
    (socket.SOCK_RDM, 0),
    (6, 0),  # SOCK_DCCP
    (0, socket.IPPROTO_TCP),
    (0, socket.IPPROTO_UDP),
    (0, 132),  # SCTP
    (0, 136),  # UDPLITE
    (0, 33),  # DCCP
    (0, 99),
    (socket.SOCK_STREAM, socket.IPPROTO_UDP),
    (socket.SOCK_STREAM, 132),
    (socket.SOCK_SEQPACKET, 132),
    (socket.SOCK_DGRAM, 136),
    (socket.SOCK_RAW, 99),
    (socket.SOCK_RAW, socket.IPPROTO_TCP),
    (99, 0),
]
AI = socket
FLAGS = [
    0,
    AI.AI_PASSIVE,
    AI.AI_CANONNAME,
    AI.AI_NUMERICHOST,
    AI.AI_V4MAPPED,
    AI.AI_V4MAPPED | AI.AI_ALL,
    AI.AI_ALL,
    AI.AI_ADDRCONFIG,
    AI.AI_ADDRCONFIG | AI.AI_V4MAPPED,
    AI.AI_NUMERICSERV,
    AI.AI_CANONNAME | AI.AI_V4MAPPED | AI.AI_ALL,
    AI.AI_CANONNAME | AI.AI_PASSIVE,
    0x40,  # AI_IDN
    0x80 | AI.AI_CANONNAME,  # AI_CANONIDN
    0x100,
    0x800,
    -1,
]


def run_table(box: Sandbox, func: str, calls: Iterable[tuple[Any, ...]]) -> None:
    """Compare every call; fail once, listing every disagreement (first 25 shown)."""
    bad: list[str] = []
    n = 0
    for args in calls:
        n += 1
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append(f"{func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
    assert not bad, f"[{box.scenario.name}] {len(bad)}/{n} disagree:\n" + "\n".join(bad[:25])


@pytest.fixture(params=NETWORKS, ids=lambda s: s.name + "-" + s.network)
def box(request: pytest.FixtureRequest, sandboxes: Callable[[Scenario], Sandbox]) -> Sandbox:
    return sandboxes(request.param)


# --- getaddrinfo ---------------------------------------------------------------------------------


def test_getaddrinfo_hosts_families_flags(box: Sandbox) -> None:
    run_table(
        box,
        "getaddrinfo",
        ((h, None, f, 0, 0, fl) for h, f, fl in itertools.product(HOSTS, FAMILIES[:3], FLAGS)),
    )


def test_getaddrinfo_services_types_protocols(box: Sandbox) -> None:
    hosts = ["127.0.0.1", "::1", "web", None, "nosuch", "v6only.example.test"]
    run_table(
        box,
        "getaddrinfo",
        (
            (h, p, f, t, pr, fl)
            for h, p, f, (t, pr), fl in itertools.product(
                hosts, PORTS, [0, socket.AF_INET6], TYPE_PROTO, [0, AI.AI_NUMERICSERV]
            )
        ),
    )


def test_getaddrinfo_families_and_flag_bits(box: Sandbox) -> None:
    hosts = ["web", "127.0.0.1", "::1", None, "many", "nosuch", "mixed.example.test"]
    flag_bits = [1 << i for i in range(12)] + [0x7FF, 0x3F, 0x1F]
    run_table(
        box,
        "getaddrinfo",
        (
            (h, 53, f, 0, 0, fl)
            for h, f, fl in itertools.product(hosts, [*FAMILIES, -1, 2**31 - 1], flag_bits)
        ),
    )


def test_getaddrinfo_argument_errors(box: Sandbox) -> None:
    calls: list[tuple[Any, ...]] = [
        (5, 80),
        (bytearray(b"x"), 80),
        ("127.0.0.1", True),
        ("127.0.0.1", 2**70),
        ("127.0.0.1", 2.5),
        ("127.0.0.1", [80]),
        ("127.0.0.1", "\udcff"),
        ("127.0.0.1\x00junk", 80),
        (b"127.0.0.1\x00junk", 80),
        ("127.0.0.1", "80\x00x"),
        ("127.0.0.1", 80, 2**40),
        ("127.0.0.1", 80, -(2**40)),
        ("127.0.0.1", 80, "x"),
        ("127.0.0.1", 80, 2.0),
        ("127.0.0.1", 80, 0, 2**31),
        ("127.0.0.1", 80, 0, 0, 0, 2**31),
        ("127.0.0.1", 80, 2**70),
        ("127.0.0.1", 80, 0, -(2**70)),
        ("127.0.0.1", 80, None),
        ("127.0.0.1", 80, 0, 0, 1.5),
        ("127.0.0.1", 80, 0, 0, 0, "1"),
        ("a..b", 80),
        ("x" * 64 + ".test", 80),
        ("x" * 63 + ".test", 80),
        ("x" * 64, 80),
        ("\udcff", 80),
        ("é" * 70, 80),
        (None, None),
        ("*", "*"),
        (None, "*"),
        ("*", None),
    ]
    run_table(box, "getaddrinfo", calls)


# --- getnameinfo ---------------------------------------------------------------------------------

SOCKADDRS: list[Any] = [
    *((a, 80) for a in fixture_addresses() if ":" not in a),
    *((a, 443, 0, 0) for a in fixture_addresses() if ":" in a),
    ("127.0.0.1", 0),
    ("127.0.0.2", 22),
    ("192.0.2.10", 53),
    ("192.0.2.99", 9997),
    ("10.9.9.9", 123),
    ("::1", 80),
    ("::1", 80, 0, 0),
    ("::1", 80, 1048575, 7),
    ("::1", 80, 1048576, 0),
    ("::1", 80, -1, 0),
    ("fe80::1", 80, 0, 1),
    ("fe80::1", 80, 0, 99),
    ("fe80::1%lo", 80),
    ("ff02::1", 80, 0, 1),
    ("2001:db8::1", 80, 0, 5),
    ("::ffff:192.0.2.10", 80),
    ("::ffff:192.0.2.50", 80),
    ("::192.0.2.51", 80),
    ("::", 80),
    ("0.0.0.0", 80),
    ("255.255.255.255", 80),
    ("localhost", 80),
    ("web", 80),
    ("127.1", 80),
    ("127.0.0.1", 80, 1),
    ("127.0.0.1",),
    ("127.0.0.1", "x"),
    ("127.0.0.1", 2**31),
    ("127.0.0.1", -1),
    ("127.0.0.1", 65536),
    ("127.0.0.1", 70000),
    (b"::1", 80),
    ("::1", 80, 0, 0, 0),
    ("", 80),
    ("*", 80),
    ("nosuch", 80),
]
NI_FLAGS = [0, 1, 2, 4, 8, 16, 32, 1 | 2, 8 | 1, 4 | 16, 64, 128, 256, 2**31 - 1, -1]


def test_getnameinfo(box: Sandbox) -> None:
    calls = [(sa, fl) for sa, fl in itertools.product(SOCKADDRS, NI_FLAGS)]
    calls += [(["127.0.0.1", 80], 0), ("127.0.0.1", 0), (("127.0.0.1", 80), "x")]
    run_table(box, "getnameinfo", calls)


# --- gethostby* ---------------------------------------------------------------------------------

GETHOST_INPUTS: list[Any] = [
    *HOSTS,
    *fixture_addresses(),
    "<broadcast>",
    "255.255.255.255",
    "0.0.0.0",
    "::",
    "a\x00b",
    b"a\x00b",
    5,
    bytearray(b"127.0.0.1"),
    memoryview(b"127.0.0.1"),
]


@pytest.mark.parametrize("func", ["gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn"])
def test_gethostby(box: Sandbox, func: str) -> None:
    inputs = [x for x in GETHOST_INPUTS if x is not None and not isinstance(x, memoryview)]
    if func == "getfqdn":
        inputs = [x for x in inputs if isinstance(x, str)]
    run_table(box, func, ((x,) for x in inputs))


def test_gethostname_and_fqdn_default(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    for scenario in (BASIC, NAMED_HOST):
        box = sandboxes(scenario)
        run_table(box, "gethostname", [()])
        run_table(box, "getfqdn", [(), ("",), ("0.0.0.0",), ("::",)])


# --- services and protocols ----------------------------------------------------------------------


def fixture_words(name: str) -> list[str]:
    words: list[str] = []
    for line in (FIXTURES / "basic" / name).read_text("latin-1").splitlines():
        for w in line.split("#", 1)[0].split():
            for part in w.split("/"):
                if part and part not in words:
                    words.append(part)
    return words


SERVICE_NAMES = [*fixture_words("services"), "nosuch", "", "HTTP", "http ", "ht\x00tp", b"http", 5]
PROTO_NAMES: list[Any] = [None, "tcp", "udp", "sctp", "dccp", "xyz", "", "TCP", b"tcp", "tc\x00p"]


NSS_DB = BASIC.with_files(
    "nss-db-sources",
    nsswitch_conf="hosts: files\nservices: db [UNAVAIL=return] files\nprotocols: db files\n",
)
NSS_NONE = BASIC.with_files("nss-no-file", nsswitch_conf=None)
NSS_RETURN = BASIC.with_files(
    "nss-notfound-return",
    nsswitch_conf="hosts: files [NOTFOUND=return] files\nservices: files [!SUCCESS=return]\n"
    "protocols: files [SUCCESS=continue] files\n",
)


@pytest.mark.parametrize(
    "scenario", [BASIC, NO_REGISTRY, NSS_DB, NSS_NONE, NSS_RETURN], ids=lambda s: s.name
)
def test_services(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    run_table(
        box,
        "getservbyname",
        [
            (*(n,), *(() if p is None else (p,)))
            for n, p in itertools.product(SERVICE_NAMES, PROTO_NAMES)
        ],
    )
    ports: list[Any] = [
        0,
        7,
        21,
        22,
        53,
        80,
        88,
        123,
        443,
        514,
        3868,
        5004,
        8080,
        9987,
        9993,
        9994,
        9995,
        9996,
        9997,
        9998,
        9999,
        70000 & 0xFFFF,
        65535,
        65536,
        -1,
        2**31,
        "80",
        1.5,
    ]
    run_table(
        box,
        "getservbyport",
        [(*(n,), *(() if p is None else (p,))) for n, p in itertools.product(ports, PROTO_NAMES)],
    )


@pytest.mark.parametrize(
    "scenario", [BASIC, NO_REGISTRY, NSS_DB, NSS_NONE, NSS_RETURN], ids=lambda s: s.name
)
def test_protocols(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    names: list[Any] = [
        *fixture_words("protocols"),
        "nosuch",
        "",
        "Tcp",
        "tcp ",
        b"tcp",
        6,
        "t\x00cp",
    ]
    run_table(box, "getprotobyname", ((n,) for n in names))
    numbers: list[Any] = [*range(0, 300), -1, 2**31 - 1, 2**31, -(2**31) - 1]
    run_table(box, "getprotobynumber", ((n,) for n in numbers))


def test_bundled_registry_answers_where_files_are_missing(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    """The one deliberate difference here: netdb answers from its bundled registry by default."""
    box = sandboxes(NO_FILES)
    assert box.outcomes("getservbyname", "http", "tcp") == (
        "raise builtins.OSError ('service/proto not found',)",
        "ok 80",
    )
    assert box.outcomes("getservbyport", 53, "udp") == (
        "raise builtins.OSError ('port/proto not found',)",
        "ok 'domain'",
    )
    assert box.outcomes("getprotobyname", "sctp") == (
        "raise builtins.OSError ('protocol not found',)",
        "ok 132",
    )
    glibc, ours = box.outcomes("getaddrinfo", "127.0.0.1", "https", 0, 1)
    assert glibc.startswith("raise socket.gaierror (-8,") and "443" in ours


def test_changed_files_are_picked_up(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """A rewritten /etc file is seen without a restart: at once after ``reset``, and by itself
    once the documented check interval (one second) has passed."""
    import time

    box = sandboxes(BASIC.with_files("reload"))
    before = box.check("getaddrinfo", "web", 80, 0, 1)
    box.write("hosts", "192.0.2.200 web\n")  # shorter file: size changes too
    box.reset()
    after = box.check("getaddrinfo", "web", 80, 0, 1)
    assert before != after and "192.0.2.200" in after
    # Same size, new content, no reset: mtime_ns/inode tell, once the interval has passed.
    box.write("hosts", "192.0.2.201 web\n")
    time.sleep(1.1)
    assert "192.0.2.201" in box.check("getaddrinfo", "web", 80, 0, 1)
    box.write("services", "http 8080/tcp\n")
    time.sleep(1.1)
    assert box.check("getservbyname", "http") == "ok 8080"
    box.write("nsswitch.conf", "hosts: files [NOTFOUND=return]\nservices: files\n")
    box.write("hosts", "")
    time.sleep(1.1)
    box.check("getaddrinfo", "web", 80)


# --- file variants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [MULTI_OFF, NO_HOSTCONF, GAICONF, VETH_GAICONF, NSS_RETURN],
    ids=lambda s: s.name,
)
def test_file_variants(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    hosts = [
        "web",
        "web.example.test",
        "many",
        "many.example.test",
        "mixed.example.test",
        "localhost",
        "dup.example.test",
        "::1",
        "nosuch",
    ]
    run_table(
        box,
        "getaddrinfo",
        ((h, 80, f, 1, 0, fl) for h, f, fl in itertools.product(hosts, FAMILIES[:3], FLAGS[:11])),
    )
    run_table(box, "gethostbyname_ex", ((h,) for h in hosts))
    run_table(box, "gethostbyaddr", ((a,) for a in fixture_addresses()))


# --- generated cases ----------------------------------------------------------------------------

_host_chars = st.sampled_from(
    [*"abcdefxyz0123456789.:-_%*LOCALHOST ", "web", "::", "127.", "example", "test", "\x00", "é"]
)
gen_hosts = st.one_of(
    st.sampled_from(NAMES),
    st.lists(_host_chars, max_size=12).map("".join),
    st.binary(max_size=12),
    st.none(),
)
gen_ports = st.one_of(
    st.none(),
    st.integers(-(2**33), 2**33),
    st.sampled_from(PORTS),
    st.text(alphabet="0123456789+- htpdomain\t", max_size=8),
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    host=gen_hosts,
    port=gen_ports,
    family=st.sampled_from([0, 2, 10, 1, 17, -1]),
    tp=st.sampled_from(TYPE_PROTO),
    flags=st.one_of(st.sampled_from(FLAGS), st.integers(0, 0xFFF)),
)
def test_getaddrinfo_generated(
    sandboxes: Callable[[Scenario], Sandbox],
    host: Any,
    port: Any,
    family: int,
    tp: tuple[int, int],
    flags: int,
) -> None:
    box = sandboxes(VETH)
    box.check("getaddrinfo", host, port, family, tp[0], tp[1], flags)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    host=st.one_of(
        st.sampled_from(fixture_addresses()), st.lists(_host_chars, max_size=10).map("".join)
    ),
    port=st.integers(-5, 70000),
    extra=st.lists(st.integers(-2, 2**21), max_size=2),
    flags=st.one_of(st.sampled_from(NI_FLAGS), st.integers(0, 0x1FF)),
)
def test_getnameinfo_generated(
    sandboxes: Callable[[Scenario], Sandbox], host: str, port: int, extra: list[int], flags: int
) -> None:
    box = sandboxes(BASIC)
    box.check("getnameinfo", (host, port, *extra), flags)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.one_of(st.sampled_from(NAMES), st.lists(_host_chars, max_size=10).map("".join)),
    func=st.sampled_from(["gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn"]),
)
def test_gethostby_generated(
    sandboxes: Callable[[Scenario], Sandbox], name: str, func: str
) -> None:
    sandboxes(BASIC).check(func, name)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.one_of(
        st.sampled_from(fixture_words("services")),
        st.text(alphabet="abcdehilmnoprstuvwxyz0123456789-/ ", max_size=8),
    ),
    proto=st.sampled_from(PROTO_NAMES[:8]),
    port=st.integers(-3, 66000),
)
def test_services_generated(
    sandboxes: Callable[[Scenario], Sandbox], name: str, proto: Any, port: int
) -> None:
    box = sandboxes(BASIC)
    args = () if proto is None else (proto,)
    box.check("getservbyname", name, *args)
    box.check("getservbyport", port, *args)


def test_fixture_dir_exists() -> None:
    assert Path(FIXTURES / "basic" / "hosts").exists()


# --- odd files: what glibc's line reader and parsers do with them (issue 9) ---------------------

# Every line ends in a newline except the last; the quirks below are those of __nss_readline
# (fgets, so a NUL byte ends the C string; leading blanks stripped with a memmove that leaves the
# string's last characters behind when no newline follows) and of the files modules' merging.
ODD_HOSTS = (
    "127.0.0.1\tlocalhost\n"
    "192.0.2.10 web.example.test web\n"
    "192.0.2.10 web.example.test web\n"
    "192.0.2.12 Web.Example.Test web other\n"
    "192.0.2.11 nul.example.test nulalias\x00hidden more\n"
    "  192.0.2.13 indentnul.example.test ab\x00cd\n"
    "\x00192.0.2.14 startnul.example.test\n"
    "192.0.2.15 cut\x00.example.test\n"
    "::ffff:192.0.2.20 mapped\n"
    "::1 v6loop\n"
    "192.0.2.21 after-mapped\n"
    "\t 192.0.2.22 lastline.example.test last"
)
ODD_HOSTS_BOX = BASIC.with_files("odd-hosts", hosts=ODD_HOSTS)
ODD_SERVICES_BOX = BASIC.with_files(
    "odd-services",
    services="http 80/tcp www\x00junk\n"
    "  nulsvc 81/tcp a\x00b\n"
    "x\x00y 82/tcp\n"
    "\x00hidden 83/tcp\n"
    "cutproto 84/tc\x00p\n"
    "dup 85/tcp\n"
    "dup 85/tcp\n"
    "  lastsvc 86/tcp",
    protocols="tcp 6 TCP\x00junk\n"
    "  nulproto 200 a\x00b\n"
    "x\x00y 201\n"
    "cutnum 20\x002\n"
    "n\xe9 204 a\xe9 b\xff\n"  # not UTF-8: the first alias's error, as CPython's hostents
    "  lastproto 203",
)


def test_odd_hosts_lines(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """Repeated lines keep every alias; a NUL byte ends a line; an indented last line without a
    newline reads with its tail twice; an IPv4-mapped line answers the IPv4 address."""
    box = sandboxes(ODD_HOSTS_BOX)
    names = [
        "web",
        "web.example.test",
        "WEB.EXAMPLE.TEST",
        "other",
        "nulalias",
        "hidden",
        "more",
        "nul.example.test",
        "indentnul.example.test",
        "ab",
        "abab",
        "cd",
        "startnul.example.test",
        "cut",
        "cut.example.test",
        "mapped",
        "v6loop",
        "after-mapped",
        "lastline.example.test",
        "last",
        "lastst",
        "last t",
    ]
    addrs = [
        "192.0.2.10",
        "192.0.2.11",
        "192.0.2.12",
        "192.0.2.13",
        "192.0.2.14",
        "192.0.2.15",
        "192.0.2.20",
        "::ffff:192.0.2.20",
        "192.0.2.21",
        "192.0.2.22",
        "127.0.0.1",
        "::1",
    ]
    for func in ("gethostbyname_ex", "gethostbyname", "getfqdn"):
        run_table(box, func, ((n,) for n in names))
    run_table(box, "gethostbyaddr", ((a,) for a in addrs))
    run_table(box, "getfqdn", ((a,) for a in addrs))
    run_table(
        box,
        "getaddrinfo",
        ((n, None, f, 1, 0, fl) for n in names for f in (0, 2, 10) for fl in (0, 2, 8 | 16)),
    )
    run_table(box, "getnameinfo", (((a, 80), fl) for a in addrs if ":" not in a for fl in (0, 8)))


def test_odd_services_and_protocols_lines(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(ODD_SERVICES_BOX)
    names = ["http", "www", "wwwjunk", "junk", "nulsvc", "a", "b", "ab", "x", "y", "xy", "hidden"]
    names += ["cutproto", "dup", "lastsvc"]
    run_table(box, "getservbyname", ((n, *p) for n in names for p in ((), ("tcp",), ("tc",))))
    run_table(box, "getservbyport", ((p, *q) for p in range(79, 88) for q in ((), ("tcp",))))
    run_table(box, "getservbyport", [(84, "tc"), (86, "tcp"), (86, "tcpcp")])
    protos = ["tcp", "TCP", "TCPjunk", "nulproto", "a", "b", "ab", "x", "xy", "cutnum", "lastproto"]
    run_table(box, "getprotobyname", ((n,) for n in protos))
    run_table(box, "getprotobynumber", ((n,) for n in [6, 20, 200, 201, 202, 203, 204, 2033]))


def _aliases_line(address: str, name: str, count: int, width: int) -> str:
    return f"{address} {name} " + " ".join(f"a{i:0{width}d}" for i in range(count))


def test_hosts_entries_that_overflow_cpythons_buffer(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    """CPython's gethostbyname_ex/gethostbyaddr give glibc a fixed 16383-byte buffer; a line that
    does not fit (reading it, its alias pointers, or the merged answer) fails the lookup with
    ERANGE, and CPython raises herror with the global h_errno.  Swept across each boundary."""
    box = sandboxes(BASIC.with_files("overflow"))
    cases = 0
    for width in (1, 3, 7):
        for count in range(300, 3001):
            line = _aliases_line("192.0.2.30", "big", count, width)
            # The alias array ends near 16383 bytes: ((33 + len + 1) rounded to 8) + 8 (n + 2).
            need = -(-(34 + len(line)) // 8) * 8 + 8 * (count + 2)
            if abs(need - 16383) > 24:
                continue
            cases += 1
            box.write("hosts", f"127.0.0.1 localhost\n{line}\n192.0.2.31 after\n::1 v6after\n")
            box.reset()
            run_table(box, "gethostbyname_ex", [("big",), ("after",), ("localhost",)])
            run_table(box, "gethostbyaddr", [("192.0.2.30",), ("192.0.2.31",), ("::1",)])
            run_table(box, "gethostbyaddr", [("127.0.0.1",)])
    assert cases >= 8
    # Lines as long as the line buffer allows (comments too), around fgets' limit.
    for length in range(16340, 16356):
        box.write("hosts", "127.0.0.1 localhost\n#" + "x" * (length - 2) + "\n192.0.2.31 after\n")
        box.reset()
        run_table(box, "gethostbyname_ex", [("after",), ("localhost",)])
        run_table(box, "gethostbyaddr", [("192.0.2.31",), ("127.0.0.1",)])
    # Merging several lines (multi on) fills the rest of the buffer with strings and pointers.
    for more in range(0, 800, 20):
        first = _aliases_line("192.0.2.40", "two", 900, 1)
        second = _aliases_line("192.0.2.41", "Two", more, 4)
        box.write("hosts", f"{first}\n{second}\n192.0.2.42 two\n")
        box.reset()
        run_table(box, "gethostbyname_ex", [("two",), ("TWO",)])
    # digits_dots sizes its hostent for the name first: a long numeric name overflows too.
    run_table(box, "gethostbyname_ex", [(b"0" * n + b"1",) for n in range(16335, 16350)])


# --- argument errors: CPython's exact TypeError/ValueError/OverflowError texts -----------------

# Values of every kind a caller may pass by mistake, for every argument of every function.
WRONG: list[Any] = [
    None,
    b"x",
    bytearray(b"x"),
    memoryview(b"x"),
    1.5,
    5,
    True,
    2**70,
    -(2**70),
    [1],
    ("a",),
    {"a": 1},
    "\udcff",
    "a\x00b",
]


def test_argument_errors_of_every_function(box: Sandbox) -> None:
    run_table(box, "gethostbyname", ((w,) for w in WRONG))
    run_table(box, "gethostbyname_ex", ((w,) for w in WRONG))
    run_table(box, "gethostbyaddr", ((w,) for w in WRONG))
    run_table(box, "getservbyname", ((w,) for w in WRONG))
    run_table(box, "getservbyname", (("http", w) for w in WRONG))
    run_table(box, "getservbyport", ((w,) for w in WRONG))
    run_table(box, "getservbyport", ((80, w) for w in WRONG))
    run_table(box, "getprotobyname", ((w,) for w in WRONG))
    run_table(box, "getaddrinfo", ((w, 80) for w in WRONG))
    run_table(box, "getaddrinfo", (("127.0.0.1", w) for w in WRONG))
    for position in range(2, 6):
        run_table(
            box,
            "getaddrinfo",
            (("127.0.0.1", 80, *([0] * (position - 2)), w) for w in WRONG),
        )
    run_table(box, "getnameinfo", ((w, 0) for w in WRONG))
    run_table(box, "getnameinfo", ((("127.0.0.1", 80), w) for w in WRONG))
    run_table(box, "getnameinfo", (((w, 80), 0) for w in WRONG))
    run_table(box, "getnameinfo", ((("127.0.0.1", w), 0) for w in WRONG))
    run_table(box, "getnameinfo", ((("::1", 80, w), 0) for w in WRONG))
    run_table(box, "getnameinfo", ((("::1", 80, 0, w), 0) for w in WRONG))
