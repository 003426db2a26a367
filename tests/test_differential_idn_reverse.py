"""netdb against glibc for internationalised names and for reverse lookups over DNS.

Knot serves ``idn.test.`` (punycode names, CNAMEs to and from them) and the reverse zones
``113.0.203.in-addr.arpa.``, ``1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.`` and ``8.e.f.ip6.arpa.`` (PTR
targets in punycode, several PTRs, RFC 2317 CNAME chains, odd bytes, names that fail glibc's
host-name checks); see ``tests/fixtures/zones/README.md``.

Names reach glibc three ways and each is compared: a ``str`` host (CPython encodes it with its
``idna`` codec, IDNA 2003, before glibc sees it), a ``bytes`` host holding UTF-8 (glibc sees the
bytes; ``AI_IDN`` hands them to libidn2), and the punycode itself.  Answers come back through
``AI_CANONIDN`` and ``NI_IDN`` (libidn2's decoding, with glibc's fallback to the punycode).  Every
case runs ``socket.F(...)`` and ``netdb.F(...)`` in the same sandboxed process and the whole
outcomes (result, or exception class and arguments) must be equal.
"""

from __future__ import annotations

import itertools
import random
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario
from tests.test_differential_dns import compare

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

AF_INET, AF_INET6, AF_UNSPEC = socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC
STREAM = socket.SOCK_STREAM
CANON = socket.AI_CANONNAME
AI_IDN = 0x40
AI_CANONIDN = 0x80
NI_IDN = 0x20
NI_FLAGS = (
    socket.NI_NUMERICHOST,
    socket.NI_NUMERICSERV,
    socket.NI_NOFQDN,
    socket.NI_NAMEREQD,
    socket.NI_DGRAM,
    NI_IDN,
)

HOSTS = (
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    # Names in the files source for NI_IDN / AI_CANONIDN: punycode, raw UTF-8, not UTF-8.
    "203.0.113.200 xn--mller-kva.files.test files-puny\n"
    "203.0.113.201 m\u00fcller.files.test files-utf8\n"
    "203.0.113.202 XN--BCHER-KVA.files.test\n"
    "203.0.113.203 xn--abc-.files.test\n"
    # Over getnameinfo's NI_MAXHOST (1025) as it is, and only once NI_IDN decodes it.
    "203.0.113.205 " + "a" * 1100 + ".files.test\n"
    "203.0.113.206 "
    + ".".join(["xn--" + ("\U00010000" * 40).encode("punycode").decode()] * 8)
    + ".files.test\n"
    "203.0.113.207 " + "a" * 1013 + ".files.test\n"
)
# 512 and 514 name different services over TCP and UDP; 513/udp and 517/udp exist only for UDP.
SERVICES = (
    "http\t\t80/tcp\nhttp\t\t80/udp\n"
    "exec\t\t512/tcp\nbiff\t\t512/udp\n"
    "login\t\t513/tcp\nwho\t\t513/udp\n"
    "shell\t\t514/tcp\nsyslog\t\t514/udp\n"
    "talk\t\t517/udp\n"
    # 31 and 32 characters: the second does not fit getnameinfo's NI_MAXSERV (32) buffer.
    "s31-" + "x" * 27 + "\t600/tcp\n"
    "s32-" + "x" * 28 + "\t601/tcp\n"
    "short\t\t601/udp\n"
    "nullsvc\t\t0/udp\n"
    "top\t\t65535/tcp\n"
)


def scenario(
    name: str,
    *,
    dns: str,
    hostname: str,
    hosts: str = HOSTS,
    nsswitch: str = "hosts: files dns\n",
    resolv: str = "nameserver 127.0.0.1\nsearch idn.test example.test\n",
) -> Scenario:
    # The worker writes /etc files as latin-1: UTF-8 names go in as their bytes, and one
    # name (m\xfcller.latin1) is latin-1 itself, not UTF-8.
    hosts = hosts.encode().decode("latin-1") + "203.0.113.204 m\xfcller.latin1\n"
    files = {
        "hosts": hosts,
        "nsswitch.conf": nsswitch,
        "host.conf": "multi on\n",
        "services": SERVICES,
        "resolv.conf": resolv,
    }
    return Scenario(name, files, "loopback", hostname, {}, dns)


# The host name's domain is what NI_NOFQDN strips (glibc's nrl_domainname: the domain of
# localhost's name, else of the host name, else of the host name's canonical name, else of
# 127.0.0.1's name); "box" is a CNAME in idn.test to a name in xn--fiq228c.idn.test.
KNOT = scenario("idn-knot", dns="knot", hostname="box.idn.test")
UNBOUND = scenario("idn-unbound", dns="unbound", hostname="box")
LOCAL_DOMAINS = [
    scenario("nofqdn-none", dns="knot", hostname="sandbox"),
    scenario(
        "nofqdn-localhost",
        dns="knot",
        hostname="box.idn.test",
        hosts="127.0.0.1 localhost.xn--fiq228c.idn.test localhost\n" + HOSTS,
    ),
    scenario(
        "nofqdn-files-alias",
        dns="knot",
        hostname="solo",
        hosts=HOSTS + "203.0.113.210 solo.idn.test.idn.test solo\n",
    ),
    scenario(
        "nofqdn-loopback-name",
        dns="knot",
        hostname="nowhere",
        hosts="127.0.0.1 lo.idn.test localhost\n" + HOSTS,
    ),
]

# --- (1) internationalised names ---------------------------------------------------------------

# Unicode names as a program writes them.  Python's codec (IDNA 2003: nameprep, NFKC, ß -> ss,
# ZWJ/ZWNJ dropped, U+3002/U+FF0E/U+FF61 as dots) encodes the str forms; the bytes forms go to
# glibc (and to libidn2 under AI_IDN: IDNA 2008 with UTS #46) as they are.
UNICODE_NAMES = [
    "müller.idn.test",
    "MÜLLER.idn.test",
    "Müller.IDN.Test",
    "mu\u0308ller.idn.test",  # not NFC
    "müller.idn.test.",
    "müller",  # one label: the search list
    "straße.idn.test",
    "STRASSE.idn.test",
    "ελληνικά.idn.test",
    "ΕΛΛΗΝΙΚΆ.idn.test",
    "中文.idn.test",
    "中文\u3002idn\u3002test",  # ideographic full stop
    "中文\uff0eidn\uff0etest",  # fullwidth full stop
    "中文\uff61idn\uff61test.",  # halfwidth ideographic full stop, trailing dot
    "日本語.idn.test",
    "☕.idn.test",
    "💩.idn.test",
    "a\u200db.idn.test",  # ZWJ
    "a\u200cb.idn.test",  # ZWNJ
    "ａｂｃ.idn.test",  # fullwidth letters
    "ﬁ.idn.test",
    "müller.中文.idn.test",
    "sub.müller.idn.test",
    "ñandú.idn.test",
    "中国.idn.test",
    "ü.idn.test",
    "ß.idn.test",
    "ς.idn.test",
    "σ.idn.test",
    "café.idn.test",
    "cafe\u0301.idn.test",
    "müller..idn.test",
    "m\\üller.idn.test",
    "ü" * 60 + ".idn.test",
    "nothere-ü.idn.test",
    "１２７.0.0.1",  # fullwidth digits
    "müller.files.test",
]
# Names already in their DNS form (CNAMEs to and from punycode, labels libidn2 cannot decode).
ASCII_NAMES = [
    "xn--mller-kva.idn.test",
    "XN--MLLER-KVA.IDN.TEST",
    "XN--BCHER-KVA.idn.test",
    "xn--bcher-kva",
    "to-idn",
    "to-emoji",
    "to-bad",
    "to-upper",
    "to-two",
    "xn--and-6ma2c",
    "xn--fiqs8s",
    "xn--ls8h",
    "xn--abc-",
    "xn--a.idn.test",
    "xn--53h.idn.test",
    "xn--zca",
    "203.0.113.1",
    "files-puny",
    "files-utf8",
    "xn--mller-kva.files.test",
    "XN--BCHER-KVA.files.test",
    "xn--abc-.files.test",
]
# bytes that are not UTF-8, and a backslash beside non-ASCII (glibc refuses both under AI_IDN).
RAW_NAMES = [
    b"m\xfcller.idn.test",
    b"m\xc3\xbcller\\.idn.test",
    b"\xe2\x98\x95.idn.test",
    b"m\xc3",
    b"\xc3\xbc.idn.test",
    b"m\xc3\xbcller.files.test",
    b"m\xfcller.latin1",
    b"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1",  # fullwidth digits: 127.0.0.1
    b"M\xc3\x9cLLER.IDN.TEST",
    # Numeric only once libidn2 has mapped them (fullwidth digits, ideographic full stops).
    "１２７\u30020\u30020\u30021".encode(),
    "::ｆｆｆｆ:１２７.0.0.1".encode(),
    "fe80::1%ｌｏ".encode(),
    "fe80::1%l\u00f6".encode(),
    b"a\xe2\x80\x8db.idn.test",
    b"\xc3\xbc" * 130 + b".idn.test",
    b"\xc3\xbc" * 30 + b"." + b"x" * 200 + b".idn.test",
]
GAI_FLAGS = [
    0,
    AI_IDN,
    CANON,
    CANON | AI_CANONIDN,
    AI_IDN | CANON,
    AI_IDN | CANON | AI_CANONIDN,
    AI_CANONIDN,
    AI_IDN | socket.AI_NUMERICHOST | CANON | AI_CANONIDN,
]


def idn_cases() -> Iterator[tuple[str, tuple[Any, ...]]]:
    hosts: list[str | bytes] = [*UNICODE_NAMES, *ASCII_NAMES]
    hosts += [n.encode() for n in UNICODE_NAMES]
    hosts += RAW_NAMES
    for host in hosts:
        for flags in GAI_FLAGS:
            yield "getaddrinfo", (host, 80, AF_UNSPEC, STREAM, 0, flags)
        yield "getaddrinfo", (host, None, AF_INET, 0, 0, AI_IDN)
        # The forms programs use most (netdb's express lane takes some of them).
        yield "getaddrinfo", (host, 80)
        yield "getaddrinfo", (host, 443, AF_UNSPEC, STREAM, 0, socket.AI_ADDRCONFIG)
        yield "getaddrinfo", (host, None, AF_INET6, 0, 0, AI_IDN | CANON | AI_CANONIDN)
        yield "h_errno", ()
        yield "gethostbyname", (host,)
        yield "gethostbyname_ex", (host,)
        yield "gethostbyaddr", (host,)
        if isinstance(host, str):
            yield "getfqdn", (host,)


# Seeded generated names: pieces that IDNA 2003, IDNA 2008 / UTS #46 and glibc's own checks treat
# differently (case, sharp s and sigmas, dots of other scripts, joiners, combining marks, soft
# hyphen, NFKC compatibility forms, symbols, right-to-left scripts, backslash, space, "_").
PIECES = [
    *"abcXYZ019-_.",
    "\\",
    " ",
    "ü",
    "Ü",
    "ß",
    "ς",
    "Σ",
    "\u3002",
    "\uff0e",
    "\uff61",
    "\u200d",
    "\u200c",
    "\u0308",
    "\u0301",
    "\u00ad",
    "\u200b",
    "Ⅷ",
    "ﬁ",
    "İ",
    "☕",
    "💩",
    "中",
    "א",
    "ب",
    "١",
    "xn--",
    "xn--mller-kva",
    "müller",
    "straße",
]
SUFFIXES = ["", ".", ".idn.test", ".idn.test.", "\u3002idn\u3002test"]
GENERATED = 300


def generated_names(seed: int, count: int) -> Iterator[str | bytes]:
    rng = random.Random(seed)
    for _ in range(count):
        name = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        name += rng.choice(SUFFIXES)
        yield name
        data = bytearray(name.encode())
        if rng.random() < 0.2:
            data[rng.randrange(len(data))] = rng.randrange(0x80, 0x100)
        yield bytes(data)


def generated_cases(seed: int) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for host in generated_names(seed, GENERATED):
        yield "getaddrinfo", (host, 80, AF_UNSPEC, STREAM, 0, AI_IDN | CANON | AI_CANONIDN)
        yield "getaddrinfo", (host, 80, AF_INET, STREAM, 0, 0)
        if isinstance(host, str):
            yield "gethostbyname_ex", (host,)


# --- (2) reverse lookups -----------------------------------------------------------------------

# 2001:db8:1::1:NN: a PTR target "o\\NNNx.idn.test." for every octet NN (ns_name_ntop's escapes,
# the host-name check, NI_IDN on what passes).
OCTET_PTRS = [f"2001:db8:1::1:{octet:x}" for octet in range(256)]

V4_PTRS = [f"203.0.113.{i}" for i in range(1, 52)] + ["203.0.113.99"]
# The files source's names, and IPv4 written as inet_aton reads it.
OTHER_ADDRESSES = [
    "203.0.113.200",
    "203.0.113.201",
    "203.0.113.202",
    "203.0.113.203",
    "203.0.113.204",
    "203.0.113.205",
    "203.0.113.206",
    "203.0.113.207",
    "203.0.113.01",
    "0xcb.0.113.1",
    "3405803777",
    "203.113.1",
    "203.0.113.1 ",
]
V6_PTRS = [
    "2001:db8:1::1",
    "2001:db8:1::2",
    "2001:db8:1::3",
    "2001:db8:1::4",
    "2001:db8:1::5",
    "2001:db8:1::7",
    "2001:db8:1::99",
    "2001:db8:1:0:0:0:0:1",
    "2001:0DB8:0001::0001",
    "::ffff:203.0.113.1",
    "::FFFF:203.0.113.8",
    "::ffff:cb00:7109",
    "::203.0.113.1",
    "::203.0.113.10",
    "::0.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fe80::2",
    "fe80::1%lo",
    "fe80::1%1",
    "2001:db8:1::1%lo",
    "::ffff:203.0.113.1%lo",
    "fe80::1%eth9",
    "fe80::1%",
    "fe80::1%0",
    "fe80::1%4294967295",
    "fe80::1%-1",
    "FE80::0:1%1",
    "[2001:db8:1::1]",
    "2001:db8:1::1.2.3.4",
    "::ffff:0:203.0.113.1",
    "64:ff9b::203.0.113.1",
    # Through a DNAME: in the zone, then a CNAME out of it, then into the IPv4 reverse zone.
    "2001:db8:1:2::1",
    "2001:db8:1:2::2",
    "2001:db8:1:2::3",
    "2001:db8:1:3::1",
]
ADDRESSES = V4_PTRS + V6_PTRS + OTHER_ADDRESSES
PORTS = [0, 80, 512, 513, 517, 600, 601, 65535]


def reverse_cases(keys: list[str]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for address in keys:
        yield "gethostbyaddr", (address,)
        yield "getfqdn", (address,)
        for flags in (0, NI_IDN, NI_IDN | socket.NI_NOFQDN, socket.NI_NAMEREQD):
            yield "getnameinfo", ((address, 80), flags)
            # glibc's thread-global h_errno as the lookup left it (CPython's herror reports it).
            yield "h_errno", ()
    for name in ("", "box.idn.test", "box", "localhost", "müller.idn.test", "to-idn"):
        yield "getfqdn", (name,)
        yield "gethostbyaddr", (name,)
    yield "getnameinfo", (("müller.idn.test", 80), NI_IDN)
    yield "getnameinfo", (("xn--mller-kva.idn.test", 80), 0)


def flag_sets() -> Iterator[int]:
    for n in range(len(NI_FLAGS) + 1):
        for combo in itertools.combinations(NI_FLAGS, n):
            yield sum(combo)


# Every NI_* combination on these, with ports that name services only for one protocol.
EVERY_FLAG = [
    ("203.0.113.1", 0),
    ("203.0.113.3", 512),
    ("203.0.113.12", 513),
    ("203.0.113.16", 517),
    ("203.0.113.99", 65535),
    ("2001:db8:1::7", 514, 0, 0),
    ("::ffff:203.0.113.38", 80),
    ("fe80::1%lo", 512),
    ("fe80::1", 513, 0, 1),
    ("fe80::1", 517, 7, 99),
    ("fe80::99%1", 514),
    ("ff02::1%lo", 80),
    ("ff01::1%1", 80),
    ("ff02::1", 0, 0, 1),
    ("fe80::1", 65535, 0xFFFFF, 0),
    ("203.0.113.45", 80),
    ("203.0.113.46", 80),
    ("203.0.113.202", 80),
    ("203.0.113.201", 513),
    ("203.0.113.204", 513),
    ("203.0.113.205", 600),
    ("203.0.113.206", 601),
    ("203.0.113.207", 601),
]


def nameinfo_cases() -> Iterator[tuple[str, tuple[Any, ...]]]:
    for sockaddr in EVERY_FLAG:
        for flags in flag_sets():
            yield "getnameinfo", (sockaddr, flags)
            yield "h_errno", ()
    # glibc's deprecated IDN bits (0xc0) are accepted and ignored; any other bit is EAI_BADFLAGS.
    for flags in (0x40, 0x80, 0xC0, 0xE0, 0x100, 0x200 | NI_IDN, -1, 0x7FFFFFFF):
        yield "getnameinfo", (("203.0.113.1", 80), flags)
    for address in ("203.0.113.21", "2001:db8:1::1", "::1", "203.0.113.26"):
        for port in PORTS:
            for flags in (0, socket.NI_DGRAM, socket.NI_DGRAM | socket.NI_NUMERICSERV):
                yield "getnameinfo", ((address, port), flags)


@pytest.mark.parametrize("scenario", [KNOT, UNBOUND], ids=lambda s: s.name)
def test_idn_names(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    box.reset()
    assert compare(box, idn_cases()) > 500


@pytest.mark.parametrize("scenario", [KNOT, UNBOUND], ids=lambda s: s.name)
def test_reverse_lookups(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    box.reset()
    assert compare(box, reverse_cases(ADDRESSES)) > 300


@pytest.mark.parametrize("scenario", LOCAL_DOMAINS, ids=lambda s: s.name)
def test_nofqdn_local_domain(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    box.reset()
    addresses = ["203.0.113.1", "203.0.113.17", "203.0.113.45", "203.0.113.46", "203.0.113.21"]
    addresses += ["203.0.113.210", "127.0.0.1", "::1", "2001:db8:1::2"]
    # h_errno first: the first NI_NOFQDN call works out the domain with lookups of its own.
    cases: list[tuple[str, tuple[Any, ...]]] = [("h_errno", ())]
    for address in addresses:
        for flags in (socket.NI_NOFQDN, socket.NI_NOFQDN | NI_IDN, socket.NI_NOFQDN | 8):
            cases += [("getnameinfo", ((address, 80), flags)), ("h_errno", ())]
    cases += [("getfqdn", (name,)) for name in ("", "solo", "box", "localhost", "127.0.0.1")]
    assert compare(box, iter(cases)) == len(cases)


# Reverse lookups that fail inside glibc (a module that cannot be loaded: NETDB_INTERNAL; a
# server that refuses: TRY_AGAIN), each followed by the h_errno it leaves for CPython's herror.
DEAD = "nameserver 127.0.0.4\noptions attempts:1\n"
FAILING = [
    scenario("nss-unloadable", dns="knot", hostname="sandbox", nsswitch="hosts: nosuchmodule\n"),
    scenario(
        "nss-unloadable-dns", dns="knot", hostname="sandbox", nsswitch="hosts: nosuchmodule dns\n"
    ),
    scenario(
        "nss-dns-unloadable", dns="knot", hostname="sandbox", nsswitch="hosts: dns nosuchmodule\n"
    ),
    scenario("dns-dead", dns="knot", hostname="sandbox", resolv=DEAD),
    scenario("dns-dead-only", dns="knot", hostname="sandbox", resolv=DEAD, nsswitch="hosts: dns\n"),
]


@pytest.mark.parametrize("scenario", FAILING, ids=lambda s: s.name)
def test_failing_sources(sandboxes: Callable[[Scenario], Sandbox], scenario: Scenario) -> None:
    box = sandboxes(scenario)
    box.reset()
    cases: list[tuple[str, tuple[Any, ...]]] = []
    for address in ("203.0.113.1", "203.0.113.99", "127.0.0.1", "2001:db8:1::1", "fe80::1%lo"):
        for flags in (0, socket.NI_NAMEREQD, NI_IDN | socket.NI_NOFQDN, socket.NI_NUMERICHOST):
            cases += [("getnameinfo", ((address, 80), flags)), ("h_errno", ())]
            cases += [("gethostbyaddr", (address,)), ("h_errno", ())]
            cases += [("getnameinfo", ((address, 80), flags)), ("h_errno", ())]
        cases += [("getfqdn", (address,)), ("h_errno", ())]
    assert compare(box, iter(cases)) == len(cases)


def test_generated_names(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(KNOT)
    box.reset()
    assert compare(box, generated_cases(20261205)) > 2 * GENERATED


def test_every_octet_in_ptr_targets(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(KNOT)
    box.reset()
    cases = (
        ("getnameinfo", ((address, 0), flags))
        for address in OCTET_PTRS
        for flags in (0, NI_IDN, socket.NI_NAMEREQD)
    )
    assert compare(box, itertools.chain(cases, reverse_cases(OCTET_PTRS[::17]))) > 768


def test_nameinfo_every_flag(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(KNOT)
    box.reset()
    assert compare(box, nameinfo_cases()) == 2 * 64 * len(EVERY_FLAG) + 8 + 4 * len(PORTS) * 3


def test_cached_answers_stay_glibcs(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """The second time round netdb answers from its cache and memo: still glibc's answers."""
    box = sandboxes(KNOT)
    box.reset()
    cases = [
        *itertools.islice(idn_cases(), 300),
        *reverse_cases(V4_PTRS[:20] + V6_PTRS[:8]),
    ]
    compare(box, iter(cases))
    compare(box, iter(cases))
