"""A seeded differential hunt over odd system files: netdb against glibc in the sandbox.

Each round writes generated files (hosts, services, protocols, nsswitch.conf, host.conf,
gai.conf) full of the quirks real files have -- tabs and spaces, CR and CRLF, NUL bytes, form
feeds, comments mid-line, lines without names, duplicates, case and trailing-dot variants, long
lines, hundreds of aliases, inet_aton-only and invalid addresses, scoped and mapped IPv6, bytes
that are not UTF-8, no final newline, an empty file, a directory in the file's place -- then calls
every function on names and addresses drawn from what it wrote (and some absent ones) and
compares netdb's whole outcome with glibc's.

The test runs a bounded number of rounds per area with a fixed seed.  For a longer hunt:
``python -m tests.test_differential_filefuzz [AREA ...] --rounds N --seed S`` (areas: hosts,
hosts-multi-off, hosts-veth, services, protocols, nsswitch, hostconf, gaiconf).
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox import hunt as hunt_cli
from tests.sandbox.harness import Sandbox, SandboxError, Scenario, unavailable_reason

Call = tuple[str, tuple[Any, ...]]

BASE_FILES = {
    "nsswitch.conf": "hosts: files\nservices: files\nprotocols: files\n",
    "host.conf": "multi on\n",
    "resolv.conf": "nameserver 127.0.0.1\n",
}

# --- pieces of files ---------------------------------------------------------------------------

SEPS = [" ", "\t", "  ", " \t ", "\t\t", "\v", "\f", "\r", " \r ", "\t\f"]
ENDS = ["\n"] * 8 + ["\r\n", "\r\n", "\r", " \n", "\t\n", " # end\n", "#\n"]

V4_GOOD = ["192.0.2.%d", "198.51.100.%d", "203.0.113.%d", "127.0.0.%d", "10.0.0.%d"]
V4_ODD = [
    "127.1",
    "0x7f.0.0.1",
    "010.0.0.1",
    "0x7f000001",
    "2130706433",
    "192.0.2.040",
    "192.0.2.1.",
    "192.0.2",
    "192.0.2.256",
    "999.1.1.1",
    "1.2.3.4x",
    "0.0.0.0",
    "255.255.255.255",
    "192.0.2.01",
    "+1.2.3.4",
    " 1.2.3.4",
    # inet_aton's other forms: hex and octal parts, fewer parts, bounds of each form
    "0x7f.1",
    "0X7F.0.0.1",
    "127.0x1",
    "0177.1",
    "1.0x2.3",
    "0x",
    "0x.1",
    "00",
    "0",
    "4294967295",
    "4294967296",
    "0xffffffff",
    "1.16777215",
    "1.16777216",
    "1.2.65535",
    "1.2.65536",
    "08.1.1.1",
    "1..2.3",
    "1.2.3.4.5",
    "0x100.1.1.1",
    "1e1.2.3.4",
]
V6_GOOD = ["2001:db8::%x", "fe80::%x", "::ffff:192.0.2.%d", "::192.0.2.%d", "2001:DB8::%X"]
V6_ODD = [
    "::1",
    "::",
    "fe80::1%lo",
    "fe80::1%1",
    "fe80::1%eth0",
    "fe80::1%",
    "2001:db8::1/64",
    "2001:db8:::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "::1.2.3.4.5",
    "[::1]",
    "ff02::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
    "::FFFF:192.0.2.9",
    # mapped and compatible forms, scope ids of every kind, odd zero runs
    "::ffff:1.2.3",
    "::ffff:0x7f.0.0.1",
    "::ffff:0:192.0.2.5",
    "::0.0.0.1",
    "::255.255.255.255",
    "FE80::1%LO",
    "fe80::1%lo%lo",
    "fe80::1%4294967295",
    "fe80::1%4294967296",
    "fe80::1%0",
    "::ffff:192.0.2.1%lo",
    "2001:db8::1%lo",
    "ff02::1%lo",
    "1::",
    "::1:2:3:4:5:6:7",
    "0:0:0:0:0:0:0:1",
    "fe80:0000::01",
]
NAME_POOL = [
    "web",
    "Web",
    "WEB",
    "web.example.test",
    "Web.Example.Test",
    "web.example.test.",
    "mail",
    "mail.",
    "db",
    "db.example.test",
    "localhost",
    "LocalHost",
    "a",
    "x-y",
    "under_score",
    "star*",
    "pct%lo",
    "123",
    "1.2.3.4",
    "192.0.2.7",
    "::1",
    "caf\xe9",
    "caf\xc3\xa9",
    "\xff\xfe",
    "b\xfccher.example.test",
    "stra\xc3\x9fe",
    ".",
    "..",
    "-",
    "dot..dot",
    "x" * 63,
    "y" * 64 + ".test",
    "z" * 255,
    "Mixed.CASE",
    "mixed.case",
    "tail.",
    "TAIL",
    # at the limits: a 253/254/255/256-character name, labels of 63 and 64, NI_MAXHOST (1025)
    ".".join(["a" * 63] * 3) + "." + "b" * 61,
    ".".join(["a" * 63] * 3) + "." + "b" * 62,
    ".".join(["a" * 63] * 3) + "." + "b" * 62 + ".",
    ".".join(["a" * 63] * 4),
    "c" * 1024,
    "d" * 1025,
    "e" * 1023 + ".",
    "UPPER.x",
    "0x7f.1",
    "fe80::1%lo",
]
ABSENT = ["nosuch", "nosuch.example.test", "", "webx", "we", "WEB.", "localhost.localdomain"]


_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def aupper(text: str) -> str:
    """Upper-case in ASCII only (the files stay latin-1)."""
    return text.translate(_UPPER)


class HostsGen:
    """A random hosts file and the names/addresses it mentions."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: list[str] = []
        self.addresses: list[str] = []

    def address(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.45:
            a = r.choice(V4_GOOD) % r.randrange(0, 4)
        elif k < 0.7:
            pat = r.choice(V6_GOOD)
            a = pat % r.randrange(0, 4)
        elif k < 0.85:
            a = r.choice(V4_ODD)
        else:
            a = r.choice(V6_ODD)
        self.addresses.append(a)
        return a

    def name(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.8:
            n = r.choice(NAME_POOL)
        elif k < 0.9:
            n = aupper(r.choice(NAME_POOL))
        else:
            n = "".join(r.choice("abcXYZ.-_0\xe9") for _ in range(r.randrange(1, 12)))
        self.names.append(n)
        return n

    def sep(self) -> str:
        return self.rng.choice(SEPS)

    def line(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.05:
            return "#" + r.choice(["", " comment", " 192.0.2.1 web", "#"])
        if k < 0.08:
            return ""
        if k < 0.10:
            return r.choice(["   ", "\t", "\f", "\v", "\r"])
        lead = r.choice(["", "", "", "", " ", "\t", "  ", "\f"])
        parts = [self.address()]
        nnames = r.choice([0, 1, 1, 1, 2, 2, 3, 4, 6])
        if r.random() < 0.03:
            nnames = r.choice([100, 300, 900])
        for _ in range(nnames):
            parts.append(self.name() if r.random() < 0.9 or not self.names else self.names[-1])
        out = lead
        for i, p in enumerate(parts):
            if i:
                out += self.sep()
            out += p
            if r.random() < 0.04:
                out += r.choice(["#", "#c", " #c", "\x00", "\x00junk "])
        if r.random() < 0.15:
            out += self.sep()
        if r.random() < 0.1:
            out += r.choice(["# trailing", "\t# tab comment", "#", " # x y z"])
        if r.random() < 0.02:
            out += " " * r.choice([1100, 8300, 16400])
        return out

    def file(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.02:
            return ""
        if k < 0.03:
            return r.choice(["\n", "\r\n", "\x00", "#", "   "])
        lines = [self.line() for _ in range(r.randrange(1, 14))]
        if r.random() < 0.2 and lines:
            lines.append(r.choice(lines))  # a duplicate line
        if r.random() < 0.15 and len(lines) > 1:
            i = r.randrange(len(lines))
            lines.insert(i, lines[i])
        text = "".join(line + r.choice(ENDS) for line in lines)
        if r.random() < 0.25:
            text = text.rstrip("\n")  # no final newline
        return text


def name_variants(rng: random.Random, names: list[str]) -> list[Any]:
    """Queries: names from the file, changed a little, and absent ones; non-ASCII as bytes."""
    out: list[Any] = []
    pool = list(dict.fromkeys(names))
    rng.shuffle(pool)
    for n in pool[:8]:
        out.append(n)
        v = rng.random()
        if v < 0.3:
            out.append(aupper(n))
        elif v < 0.5:
            out.append(n + "." if not n.endswith(".") else n[:-1])
        elif v < 0.6:
            out.append(n.translate(_LOWER))
    out.extend(rng.sample(ABSENT, 2))
    queries: list[Any] = []
    for n in out:
        if not n.isascii():
            queries.append(n.encode("latin-1"))
        elif "\x00" in n:
            continue
        else:
            queries.append(n)
    return list(dict.fromkeys(queries))


def address_queries(addresses: list[str]) -> list[str]:
    """The file's addresses as getnameinfo/gethostbyaddr take them (those that parse)."""
    out: list[str] = []
    for a in dict.fromkeys(addresses):
        for fam in (socket.AF_INET, socket.AF_INET6):
            try:
                packed = socket.inet_pton(fam, a)
            except OSError:
                continue
            out.append(socket.inet_ntop(fam, packed))
        if "." in a and ":" not in a:
            with contextlib.suppress(OSError):
                out.append(socket.inet_ntoa(socket.inet_aton(a)))
    out.extend(["192.0.2.250", "::ffff:192.0.2.1", "127.0.0.1", "::1"])
    return list(dict.fromkeys(out))


GAI_FLAGS = [
    0,
    socket.AI_CANONNAME,
    socket.AI_V4MAPPED | socket.AI_ALL,
    socket.AI_V4MAPPED,
    socket.AI_CANONNAME | socket.AI_V4MAPPED | socket.AI_ALL,
    socket.AI_ADDRCONFIG,
    socket.AI_NUMERICHOST,
    socket.AI_PASSIVE | socket.AI_CANONNAME,
]
NI_FLAGS = [
    0,
    socket.NI_NAMEREQD,
    socket.NI_NUMERICHOST,
    socket.NI_NOFQDN,
    socket.NI_DGRAM,
    socket.NI_NUMERICSERV,
    socket.NI_NOFQDN | socket.NI_NAMEREQD,
]


def host_calls(rng: random.Random, names: list[Any], addrs: list[str]) -> Iterator[Call]:
    for n in names:
        yield "gethostbyname_ex", (n,)
        yield "gethostbyname", (n,)
        fam = rng.choice([0, 0, socket.AF_INET, socket.AF_INET6])
        fl = rng.choice(GAI_FLAGS)
        yield "getaddrinfo", (n, rng.choice([None, 80, "http"]), fam, socket.SOCK_STREAM, 0, fl)
        if rng.random() < 0.3:
            yield "getfqdn", (n.decode("latin-1") if isinstance(n, bytes) else n,)
    for a in addrs:
        yield "gethostbyaddr", (a,)
        port = rng.choice([0, 80, 53, 65535])
        sa: tuple[Any, ...] = (a, port) if ":" not in a else (a, port, 0, rng.choice([0, 0, 1]))
        yield "getnameinfo", (sa, rng.choice(NI_FLAGS))


# --- services and protocols --------------------------------------------------------------------

SVC_NAMES = ["http", "www", "HTTP", "domain", "dns", "ssh", "x", "a-b", "svc_1", "caf\xe9", "1234"]
SVC_NAMES += ["b\xfcx", "Http", "80"]
SVC_PROTOS = ["tcp", "udp", "sctp", "TCP", "dccp", "tc", "ddp", "", "tcp6", "Tcp", "u\xe9"]
SVC_PORTS = [
    "80",
    "0",
    "53",
    "65535",
    "65536",
    "70000",
    "4294967295",
    "4294967296",
    "-1",
    "+80",
    "0x50",
    "0120",
    "08",
    " 80",
    "80a",
    "",
    "22",
    "-0",
    "0080",
    "00000000000000000000080",
    "65535",
    "131152",
    "18446744073709551615",
    "18446744073709551616",
    "-65456",
    "1e2",
    "8_0",
]


def services_file(rng: random.Random) -> tuple[str, list[str], list[str], list[int]]:
    names: list[str] = []
    protos: list[str] = []
    ports: list[int] = []
    lines: list[str] = []
    for _ in range(rng.randrange(1, 14)):
        k = rng.random()
        if k < 0.08:
            lines.append(rng.choice(["# comment", "", "   ", "\t#x"]))
            continue
        name = rng.choice(SVC_NAMES)
        port = rng.choice(SVC_PORTS)
        proto = rng.choice(SVC_PROTOS)
        names.append(name)
        protos.append(proto)
        with contextlib.suppress(ValueError):
            ports.append(int(port, 0) & 0xFFFF)
        slash = rng.choice(["/", "/", "/", "/", " /", "//", ""])
        aliases = [rng.choice(SVC_NAMES) for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        if rng.random() < 0.03:
            aliases += [f"al{i}" for i in range(rng.choice([200, 600]))]
        names.extend(aliases)
        sep = rng.choice(SEPS)
        line = rng.choice(["", "", " ", "\t"]) + name + sep + port + slash + proto
        for a in aliases:
            line += rng.choice(SEPS) + a
        if rng.random() < 0.1:
            line += rng.choice(["#c", " # c", "\x00x", "#"])
        if rng.random() < 0.05:
            at = rng.randrange(len(line) + 1)
            line = line[:at] + rng.choice(["#", "\x00"]) + line[at:]
        lines.append(line)
    if rng.random() < 0.2:
        lines.append(rng.choice(lines))
    text = "".join(line + rng.choice(ENDS) for line in lines)
    if rng.random() < 0.25:
        text = text.rstrip("\n")
    return text, names, protos, ports


def service_calls(
    rng: random.Random, names: list[str], protos: list[str], ports: list[int]
) -> Iterator[Call]:
    qnames = list(dict.fromkeys([*names, "nosuch", "HTTP", "http"]))
    qprotos: list[Any] = list(dict.fromkeys([None, *protos, "tcp", "udp"]))
    for n in qnames:
        if not n.isascii() or "\x00" in n:
            continue
        for p in rng.sample(qprotos, min(3, len(qprotos))):
            if p is not None and ("\x00" in p or not p.isascii()):
                continue
            yield "getservbyname", (n,) if p is None else (n, p)
        if rng.random() < 0.3:
            yield "getaddrinfo", ("127.0.0.1", n, 0, rng.choice([0, 1, 2]))
    for port in list(dict.fromkeys([*ports, 80, 0])):
        for p in rng.sample(qprotos, min(3, len(qprotos))):
            if p is not None and ("\x00" in p or not p.isascii()):
                continue
            yield "getservbyport", (port,) if p is None else (port, p)
        if rng.random() < 0.3:
            yield "getnameinfo", (("127.0.0.1", port), rng.choice([0, socket.NI_DGRAM]))


PROTO_NAMES = ["tcp", "TCP", "udp", "ip", "icmp", "sctp", "x", "a-b", "caf\xe9", "6", "p_1"]
PROTO_NAMES += ["Tcp", "b\xfcx", "n\xff"]
PROTO_NUMS = ["6", "17", "0", "255", "256", "65536", "-1", "4294967295", "4294967296", "0x11"]
PROTO_NUMS += ["017", "+6", "6a", "2147483648", "132", ""]
PROTO_NUMS += ["-0", "0006", "-2147483648", "-2147483649", "18446744073709551615", "1e1", "6_0"]


def protocols_file(rng: random.Random) -> tuple[str, list[str], list[int]]:
    names: list[str] = []
    nums: list[int] = []
    lines: list[str] = []
    for _ in range(rng.randrange(1, 12)):
        if rng.random() < 0.08:
            lines.append(rng.choice(["# comment", "", "   "]))
            continue
        name = rng.choice(PROTO_NAMES)
        num = rng.choice(PROTO_NUMS)
        names.append(name)
        try:
            value = int(num, 10)
            nums.append(value - (1 << 32) if value >= 1 << 31 else value)
        except ValueError:
            pass
        aliases = [rng.choice(PROTO_NAMES) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
        if rng.random() < 0.03:
            aliases += [f"al{i}" for i in range(rng.choice([200, 600]))]
        names.extend(aliases)
        line = rng.choice(["", "", " ", "\t"]) + name + rng.choice(SEPS) + num
        for a in aliases:
            line += rng.choice(SEPS) + a
        if rng.random() < 0.1:
            line += rng.choice(["#c", " # c", "\x00x", "#"])
        lines.append(line)
    if rng.random() < 0.2:
        lines.append(rng.choice(lines))
    text = "".join(line + rng.choice(ENDS) for line in lines)
    if rng.random() < 0.25:
        text = text.rstrip("\n")
    return text, names, nums


def protocol_calls(rng: random.Random, names: list[str], nums: list[int]) -> Iterator[Call]:
    for n in dict.fromkeys([*names, "nosuch", "tcp"]):
        if n.isascii() and "\x00" not in n:
            yield "getprotobyname", (n,)
    for num in dict.fromkeys([*nums, 6, 0]):
        if -(2**31) <= num < 2**31:
            yield "getprotobynumber", (num,)
    if rng.random() < 0.5:
        yield "getaddrinfo", ("127.0.0.1", 80, 0, 0, rng.choice([0, 6, 17, 132]))


# --- configuration files -----------------------------------------------------------------------


def nsswitch_file(rng: random.Random) -> str:
    sources = ["files", "files", "dns", "FILES", "Files", "nosuch", "myhostname", "db", "#", "x]"]
    actions = [
        "[NOTFOUND=return]",
        "[!UNAVAIL=return]",
        "[notfound=RETURN]",
        "[SUCCESS=continue]",
        "[UNAVAIL=return]",
        "[TRYAGAIN=return]",
        "[!SUCCESS=return]",
        "[NOTFOUND=merge]",
        "[NOTFOUND = return]",
        "[ NOTFOUND=return UNAVAIL=return ]",
        "[!NOTFOUND=continue]",
        "[success=return notfound=return]",
        "[NOTFOUND=return][SUCCESS=continue]",
        "[NOTFOUND=return]files",
        "[ ! NOTFOUND = return ]",
        "[!notfound=Return]",
        "[NOTFOUND=return ]",
        "[\tNOTFOUND=return\t]",
        "[SUCCESS=return NOTFOUND=continue UNAVAIL=return TRYAGAIN=continue]",
        "[NOTFOUND=return NOTFOUND=continue]",
        "[!SUCCESS=continue]",
        "[Success=Merge]",
        "[!TRYAGAIN=return]",
    ]
    bad_actions = ["[NOTFOUND=return", "[BOGUS=return]", "[NOTFOUND=bogus]", "[]", "[! NOTFOUND=x]"]
    keys = ["hosts", "hosts", "hosts", "Hosts", "HOSTS", " hosts", "hosts ", "host", "hostsx"]
    keys += ["#hosts", "\thosts"]
    lines = []
    for _ in range(rng.randrange(1, 4)):
        key = rng.choice(keys)
        colon = rng.choice([":", ":", ": ", ":\t", " :", "", "::", " : "])
        spec = ""
        # glibc dereferences the empty list of a "hosts:" line with no source: always one.
        for _ in range(rng.randrange(1, 4)):
            spec += rng.choice([" ", "\t", "  "]) + rng.choice(sources)
            if rng.random() < 0.4:
                spec += rng.choice(["", " "]) + rng.choice(actions)
        if rng.random() < 0.03:
            spec += " " + rng.choice(bad_actions)
        if rng.random() < 0.1:
            spec += rng.choice([" # comment", "#", "\r", "\x00 myhostname"])
        lines.append(key + colon + spec)
    lines += ["services: files", "protocols: files"]
    if rng.random() < 0.05:
        lines.append(rng.choice(["passwd: files [BOGUS]", "sudoers: files [BOGUS]", "rpc: [x"]))
    rng.shuffle(lines)
    text = "".join(line + rng.choice(["\n", "\n", "\r\n"]) for line in lines)
    if rng.random() < 0.2:
        text = text[:-1]  # no final newline: glibc never reads that line
    return text


def hostconf_file(rng: random.Random) -> str:
    choices = [
        "multi on",
        "multi off",
        "MULTI ON",
        "multi On",
        "multi",
        "multi yes",
        "multi on off",
        "multi\ton",
        "order hosts,bind",
        "spoof warn",
        "nospoof on",
        "reorder on",
        "trim example.test",
        "bogus on",
        "# multi on",
        "multi on # c",
        "multi off#c",
        "  multi on",
        "",
        "multi  on\r",
        "multi ON",
        "multi onx",
        "multi o",
        "multi 1",
        "multi\ton\t",
        "multi  off  ",
        "multi on\x00",
        "\tmulti off",
        "multi=on",
        "trim .test",
        "trim test",
        "trim .TEST",
        "trim .example.test,.test",
        "trim example.test.",
        "reorder off",
        "reorder",
        "nospoof off",
        " " * 247 + "multi off",
        "trim ,.test",
        "trim a b c d .test",
        "trim x;.test",
        "multi,on",
    ]
    lines = [rng.choice(choices) for _ in range(rng.randrange(0, 5))]
    text = "".join(line + rng.choice(["\n", "\n", "\r\n"]) for line in lines)
    if rng.random() < 0.2:
        text = text.rstrip("\n")
    return text


def gaiconf_file(rng: random.Random) -> str:
    prefixes = [
        "::/0",
        "::1/128",
        "::ffff:0:0/96",
        "2001:db8::/32",
        "2001:db8::/64",
        "2001:db8::1/128",
        "fe80::/10",
        "::/96",
        "2002::/16",
        "::ffff:192.0.2.0/120",
        "fc00::/7",
        "::/129",
        "::/",
        "bogus/8",
        "::ffff:0:0/96/1",
        "::ffff:0.0.0.0/96",
        "::/00",
        "::/+0",
        "::/ 0",
        "::/0x10",
        "::/-1",
        "::/4294967296",
        "2001:db8::/032",
        "2001:DB8::/32",
        "::ffff:0:0/95",
        "::ffff:0:0/97",
        "fe80::%lo/10",
        "::1/127",
    ]
    v4 = ["192.0.2.0/24", "127.0.0.0/8", "0.0.0.0/0", "::ffff:192.0.2.0/120", "::ffff:0:0/96"]
    v4 += ["10.0.0.0/33", "::ffff:127.0.0.0/104", "1.2.3.4/-1", "192.0.2.0/"]
    v4 += ["192.0.2.1/32", "127.1/8", "0x7f.0.0.0/8", "169.254.0.0/16", "10.0.0.0/8", "::/0"]
    v4 += ["::ffff:169.254.0.0/112", "192.0.2.0/024", "10.0.0.0/0"]
    # No prefix without "/": gaiconf_init then tests an uninitialised end pointer (undefined
    # behaviour; scopev4 lines crash the process), so there is no answer to compare with.
    values = ["0", "1", "5", "10", "40", "50", "100", "-1", "2147483647", "2147483648", "x", ""]
    values += ["0x10", "010", "+5", "4294967295", "4294967296", "5x", "14", "15", "16", "2"]
    lines = []
    for _ in range(rng.randrange(0, 7)):
        k = rng.random()
        if k < 0.35:
            cmd = rng.choice(["label", "label", "Label", "labels"])
            lines.append(f"{cmd} {rng.choice(prefixes)} {rng.choice(values)}")
        elif k < 0.7:
            cmd = rng.choice(["precedence", "precedence", "PRECEDENCE"])
            lines.append(f"{cmd}{rng.choice(SEPS[:5])}{rng.choice(prefixes)} {rng.choice(values)}")
        elif k < 0.85:
            lines.append(f"scopev4 {rng.choice(v4)} {rng.choice(values)}")
        elif k < 0.92:
            lines.append(rng.choice(["reload yes", "reload no", "reload", "reload YES"]))
        else:
            lines.append(rng.choice(["# c", "", "bogus 1 2", "label", "precedence ::/0"]))
        if rng.random() < 0.1:
            lines[-1] += rng.choice([" # c", "#", " extra"])
    return "".join(line + rng.choice(["\n", "\n", "\r\n"]) for line in lines)


GAI_HOSTS = (
    "192.0.2.10 multi.test\n"
    "2001:db8::10 multi.test\n"
    "::ffff:198.51.100.1 multi.test\n"
    "10.0.0.1 multi.test\n"
    "fe80::1 multi.test\n"
    "127.0.0.1 multi.test localhost\n"
    "::1 multi.test localhost\n"
    "2002:c000:201::1 multi.test\n"
    "fc00::1 multi.test\n"
    "169.254.1.1 multi.test\n"
    "203.0.113.1 other.test\n"
    "2001:db8:1::1 other.test\n"
)


def config_calls(rng: random.Random) -> Iterator[Call]:
    for name in ["multi.test", "other.test", "localhost", "nosuch", "MULTI.TEST", "127.0.0.1"]:
        yield "gethostbyname_ex", (name,)
        for fam in (0, socket.AF_INET, socket.AF_INET6):
            yield "getaddrinfo", (name, 80, fam, socket.SOCK_STREAM, 0, rng.choice(GAI_FLAGS))
    yield "gethostbyaddr", ("192.0.2.10",)
    yield "gethostbyaddr", ("2001:db8::10",)
    yield "getservbyname", ("http",)
    yield "getprotobyname", ("tcp",)
    yield "getnameinfo", (("10.0.0.1", 80), rng.choice(NI_FLAGS))


# --- running -----------------------------------------------------------------------------------

Mismatch = tuple[str, str, tuple[Any, ...], str, str]


# FILEFUZZ_H_ERRNO=1: after each call that agrees, compare glibc's global h_errno with netdb's
# (CPython's gethostbyname_ex/gethostbyaddr report it), to find where they part.
TRACK_H_ERRNO = os.environ.get("FILEFUZZ_H_ERRNO") == "1"


def _compare(box: Sandbox, label: str, calls: Iterator[Call], bad: list[Mismatch]) -> int:
    n = 0
    for func, args in calls:
        n += 1
        try:
            glibc, ours = box.outcomes(func, *args)
        except SandboxError as exc:
            bad.append((label, func, args, "worker died", str(exc)[-300:]))
            return n
        if TRACK_H_ERRNO and glibc == ours:
            g_h, o_h = box.outcomes("h_errno")
            if g_h != o_h:
                bad.append((label, "h_errno after " + func, args, g_h, o_h))
        if glibc != ours:
            bad.append((label, func, args, glibc, ours))
    return n


def round_hosts(box: Sandbox, rng: random.Random, bad: list[Mismatch]) -> int:
    gen = HostsGen(rng)
    text = gen.file()
    box.write("hosts", text)
    box.reset()
    names = name_variants(rng, gen.names)
    addrs = address_queries(gen.addresses)
    rng.shuffle(addrs)
    return _compare(box, repr(text), host_calls(rng, names, addrs[:8]), bad)


def round_services(box: Sandbox, rng: random.Random, bad: list[Mismatch]) -> int:
    text, names, protos, ports = services_file(rng)
    box.write("services", text)
    box.reset()
    return _compare(box, repr(text), service_calls(rng, names, protos, ports), bad)


def round_protocols(box: Sandbox, rng: random.Random, bad: list[Mismatch]) -> int:
    text, names, nums = protocols_file(rng)
    box.write("protocols", text)
    box.reset()
    return _compare(box, repr(text), protocol_calls(rng, names, nums), bad)


def config_round(area: str, rng: random.Random) -> tuple[dict[str, str], list[Call]]:
    """The files of one configuration round and the calls to make on them."""
    files = dict(BASE_FILES, hosts=GAI_HOSTS, services="http 80/tcp www\n")
    files["protocols"] = "tcp 6 TCP\n"
    if area == "nsswitch":
        files["nsswitch.conf"] = nsswitch_file(rng)
        if rng.random() < 0.2:
            files["hosts"] = ""
        calls = [c for c in config_calls(rng) if rng.random() < 0.5]
    elif area == "hostconf":
        files["host.conf"] = hostconf_file(rng)
        calls = list(config_calls(rng))
    else:
        files["gai.conf"] = gaiconf_file(rng)
        calls = [c for c in config_calls(rng) if c[0] == "getaddrinfo"]
    return files, calls


# glibc reads host.conf once per process, and gai.conf once (again only after ``reload yes``):
# each configuration round gets a sandbox of its own, so glibc reads the round's file.
CONFIG_AREAS = {"nsswitch": "loopback", "hostconf": "loopback", "gaiconf": "veth"}
FILE_ROUNDS: dict[str, Callable[[Sandbox, random.Random, list[Mismatch]], int]] = {
    "hosts": round_hosts,
    "hosts-multi-off": round_hosts,
    "hosts-veth": round_hosts,
    "services": round_services,
    "protocols": round_protocols,
}
AREAS = [*FILE_ROUNDS, *CONFIG_AREAS]


def scenario(area: str) -> Scenario:
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n")
    files["services"] = "http 80/tcp www\n"
    files["protocols"] = "tcp 6 TCP\n"
    if area == "hosts-multi-off":
        files["host.conf"] = "multi off\n"
    return Scenario(
        f"filefuzz-{area}", files, network="veth" if area == "hosts-veth" else "loopback"
    )


def hunt(
    area: str, rounds: int, seed: int, box: Sandbox | None = None
) -> tuple[int, list[Mismatch]]:
    """``rounds`` generated files of ``area``: (cases compared, mismatches)."""
    rng = random.Random(f"{area}-{seed}")
    bad: list[Mismatch] = []
    cases = 0
    if area in FILE_ROUNDS:
        own = box is None
        box = Sandbox(scenario(area)) if box is None else box
        try:
            for _ in range(rounds):
                cases += FILE_ROUNDS[area](box, rng, bad)
        finally:
            if own:
                box.close()
        return cases, bad
    for _ in range(rounds):
        files, calls = config_round(area, rng)
        label = {k: v for k, v in files.items() if k in ("nsswitch.conf", "host.conf", "gai.conf")}
        if files["hosts"] != GAI_HOSTS:
            label["hosts"] = files["hosts"]
        with Sandbox(Scenario(f"filefuzz-{area}", files, network=CONFIG_AREAS[area])) as fresh:
            cases += _compare(fresh, repr(label), iter(calls), bad)
    return cases, bad


def _report(bad: list[Mismatch], limit: int = 12) -> str:
    out = []
    for label, func, args, glibc, ours in bad[:limit]:
        out.append(f"file {label[:600]}\n  {func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
    return f"{len(bad)} disagree:\n" + "\n".join(out)


# --- the bounded test --------------------------------------------------------------------------

TEST_ROUNDS = {"hosts": 30, "hosts-veth": 10, "services": 30, "protocols": 30, "nsswitch": 50}
TEST_ROUNDS.update({"hostconf": 15, "gaiconf": 25})


@pytest.mark.parametrize("area", list(TEST_ROUNDS))
def test_filefuzz(sandboxes: Callable[[Scenario], Sandbox], area: str) -> None:
    if area in FILE_ROUNDS:
        cases, bad = hunt(area, TEST_ROUNDS[area], 1, sandboxes(scenario(area)))
    else:
        if unavailable_reason() is not None:
            pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
        cases, bad = hunt(area, TEST_ROUNDS[area], 1)
    assert cases > TEST_ROUNDS[area]
    assert not bad, _report(bad)


def main(argv: list[str] | None = None) -> int:
    ap = hunt_cli.parser(__doc__, 200)
    ap.add_argument("areas", nargs="*", default=AREAS)
    opts = ap.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(reason)
        return 2
    status = 0
    dump: list[Any] = []
    for area in opts.areas:
        cases, bad = hunt(area, opts.rounds, opts.seed)
        print(f"== {area}: {opts.rounds} files, {cases} cases, {len(bad)} mismatches")
        rows = [[area, label, func, repr(args), g, o] for label, func, args, g, o in bad]
        dump.extend(rows)
        status |= hunt_cli.conclude(opts, bad, dump, _report)
    return status


if __name__ == "__main__":
    sys.exit(main())


# --- regression tables: the classes the hunt found --------------------------------------------

# services: the number ends at "/" (a run of them is one) or at the end of the line (an empty
# protocol); "#" cuts the line first; a NUL ends it; a blank after the number skips the line.
SERVICES_LINES = (
    "a 80\nb 81 \nc 4294967296/tcp\nd -1/udp\ne 82/tcp/udp\nf 83/\ng 84//tcp\nh 85/ /tcp\n"
    "i\t86/tcp#x\nj 87#/tcp\nk 0x58/tcp\nl 089/tcp\nm 90\t/tcp\nn 18446744073709551616/tcp\n"
    "o 91/tcp\x00junk\np\n#q 92/tcp\n r  0/\vHTTP \nhttp  429496\x007296/ddp\n"
    " domain\t65535\x00/ddp \r x\n  lastsvc 93"
)


def test_services_line_ends(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n", services=SERVICES_LINES)
    files["protocols"] = "tcp 6\nudp 17\n"
    box = sandboxes(Scenario("filefuzz-services-lines", files))
    bad: list[Mismatch] = []
    names = [*"abcdefghijklmnopqr", "#q", "http", "HTTP", "domain", "x", "lastsvc", "lastsvcsvc"]
    protos: list[tuple[str, ...]] = [(), ("",), ("tcp",), ("/tcp",), ("tcp/udp",), ("udp",)]
    calls = [("getservbyname", (n, *p)) for n in names for p in protos]
    calls += [
        ("getservbyport", (port, *p)) for port in [*range(78, 95), 0, 65531, 36280] for p in protos
    ]
    calls += [
        ("getaddrinfo", ("127.0.0.1", n, 0, t)) for n in ("a", "g", "r", "http") for t in (0, 1)
    ]
    calls += [("getnameinfo", (("127.0.0.1", port), 0)) for port in (0, 80, 84, 87)]
    n = _compare(box, "SERVICES_LINES", iter(calls), bad)
    assert n == len(calls)
    assert not bad, _report(bad, 30)


# nsswitch.conf as glibc 2.36's nss_database.c reads it, and the walks over sources no module
# serves and over "merge" actions (gethostby*_r and getaddrinfo's own walk differ).
NSSWITCH_VARIANTS = [
    "hosts: files\n",
    "hosts: files",  # a last line without a newline is never read: the default, files dns
    "HOSTS: myhostname\n",  # database names are case-sensitive
    "hosts files\n",
    "hosts :myhostname\n",
    " hosts:: myhostname\n",
    "hosts: myhostname # files\n",  # no comments: "#" is a source
    "#hosts: myhostname\n",
    "hosts: myhostname\nhosts: files\n",  # the last line of a database wins
    "hosts: myhostname [ notfound = return ] files\n",
    "hosts: myhostname [NOTFOUND=return]files\n",
    "hosts:myhostname[NOTFOUND=return][SUCCESS=continue] files\n",
    "hosts: myhostname [!NOTFOUND=return] files\n",
    "hosts: myhostname\x00 files\n",
    "hosts: nosuch\n",
    "hosts: files nosuch\n",
    "hosts: nosuch files\n",
    "hosts: nosuch [UNAVAIL=return] files\n",
    "hosts: myhostname[!NOTFOUND=continue]\t# FILES\n",
    "hosts: files [!NOTFOUND=continue] # #\n",
    "hosts: dns db nosuch [!NOTFOUND=continue]\n",
    "hosts: dns files # nosuch\n",
    "hosts: files [SUCCESS=merge] myhostname\n",
    "hosts: files [SUCCESS=merge] files\n",
    "hosts: files [SUCCESS=merge]\n",
    "hosts: files [NOTFOUND=merge]\n",
    "hosts: files [NOTFOUND=merge] myhostname\n",
    "hosts: myhostname [NOTFOUND=merge] files\n",
    "hosts: myhostname [BOGUS=return] files\n",  # refused: lookups fail, errno EINVAL
    "hosts: files\npasswd: files [BOGUS]\n",
    "hosts: files\nsudoers: files [BOGUS]\n",  # not a glibc database: never parsed
    "hosts: files []\n",
]
NSS_CALLS: list[Call] = [
    ("getaddrinfo", ("multi.test", 80, 2, 1)),
    ("h_errno", ()),
    ("getaddrinfo", ("nosuch", 80, 2, 1)),
    ("h_errno", ()),
    ("getaddrinfo", ("sandbox", 80, 2, 1)),
    ("getaddrinfo", ("multi.test", 80, 0, 1)),
    ("getaddrinfo", ("multi.test", 80, 10, 1)),
    ("getaddrinfo", ("multi.test", 80, 2, 1, 0, 2)),
    ("h_errno", ()),
    ("gethostbyname_ex", ("multi.test",)),
    ("gethostbyname_ex", ("nosuch",)),
    ("gethostbyaddr", ("192.0.2.10",)),
    ("gethostbyaddr", ("192.0.2.99",)),
    ("h_errno", ()),
    ("getnameinfo", (("192.0.2.10", 80), 0)),
    ("getnameinfo", (("192.0.2.99", 80), 0)),
    ("getservbyname", ("http",)),
    ("getprotobyname", ("tcp",)),
    # getaddrinfo's own walk after each h_errno a lookup can leave (a refused file's walk
    # answers by it), with h_errno checked after each call.
    ("gethostbyname_ex", ("nosuch",)),
    ("getaddrinfo", ("multi.test", 80, 0, 1)),
    ("h_errno", ()),
    ("getaddrinfo", ("multi.test", 80, 10, 1)),
    ("h_errno", ()),
    ("getaddrinfo", ("multi.test", 80, 2, 1, 0, 2)),
    ("h_errno", ()),
    ("gethostbyname_ex", ("multi.test",)),
    ("getaddrinfo", ("multi.test", 80, 0, 1, 0, 2)),
    ("h_errno", ()),
    ("getfqdn", ("multi.test",)),
    ("h_errno", ()),
]


@pytest.mark.parametrize("nsswitch", NSSWITCH_VARIANTS)
def test_nsswitch_variants(nsswitch: str) -> None:
    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    files = dict(BASE_FILES, hosts="192.0.2.10 multi.test\n2001:db8::1 multi.test\n")
    files.update({"nsswitch.conf": nsswitch, "services": "http 80/tcp\n", "protocols": "tcp 6\n"})
    bad: list[Mismatch] = []
    with Sandbox(Scenario("filefuzz-nsswitch-variant", files)) as box:
        _compare(box, repr(nsswitch), iter(NSS_CALLS), bad)
    assert not bad, _report(bad, 30)


# gai.conf: an empty value or prefix length reads as 0 (strtoul reads nothing, its end is the
# field's end), so "precedence ::/0" is "precedence ::/0 0".
GAICONF_VARIANTS = [
    "precedence ::/0\n",
    "precedence ::/0\nprecedence ::ffff:0:0/96 \n",
    "label ::/ 3\nprecedence ::ffff:0:0/96 50\n",
    "scopev4 0.0.0.0/0\nprecedence ::ffff:0:0/96 x\n",
    "label ::ffff:0:0/96 \nreload yes\n",
]


@pytest.mark.parametrize("gai_conf", GAICONF_VARIANTS)
def test_gaiconf_empty_fields(gai_conf: str) -> None:
    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    files = dict(BASE_FILES, hosts=GAI_HOSTS, services="http 80/tcp\n", protocols="tcp 6\n")
    files["gai.conf"] = gai_conf
    calls: list[Call] = [
        ("getaddrinfo", (h, 80, f, 1, 0, fl))
        for h in ("multi.test", "other.test")
        for f in (0, 10)
        for fl in (0, 2, 8 | 16)
    ]
    bad: list[Mismatch] = []
    with Sandbox(Scenario("filefuzz-gaiconf-variant", files, network="veth")) as box:
        _compare(box, repr(gai_conf), iter(calls), bad)
    assert not bad, _report(bad, 30)


# host.conf's reorder (gethostbyname_r, gethostbyname2_r, gethostbyaddr_r: the first address on
# a local IPv4 network swaps with the first) and trim (gethostbyaddr_r only); and res_hconf.c's
# reading: values by prefix ("onx" is on, "o" changes nothing), a command word that ends at "#"
# or ",", 255-byte fgets pieces, a NUL that ends the line, empty and glued trim domains.
HOSTCONF_VARIANTS = [
    "reorder on\n",
    "reorder on\ntrim .test\n",
    "trim .test\nmulti off\n",
    "multi onx\n",
    "MULTI\tOn # c\nreorder offline\n",
    "multi on\nmulti o\nmulti\nmulti,off\nmulti#off\n",
    "multi on\x00\nreorder o\x00n\n",
    "multi on\n" + " " * 247 + "multi off\n",
    "multi on\ntrim ,.test\n",
    "multi on\ntrim x;.test\n",
    "trim a b c d .test\n",
    "trim a ,  .test\n",
    "trim\ntrim .test\n",
    "trim .test,\nmulti on\n",
]


# The environment variables res_hconf.c reads after the file (by the same rules, with no leading
# blanks skipped): RESOLV_MULTI, RESOLV_REORDER, RESOLV_ADD_TRIM_DOMAINS, RESOLV_OVERRIDE_....
HOSTCONF_ENVS: list[tuple[str, dict[str, str]]] = [
    ("multi off\n", {"RESOLV_MULTI": "onx"}),
    ("multi on\n", {"RESOLV_MULTI": " off"}),
    ("multi on\n", {"RESOLV_MULTI": "OFF"}),
    ("reorder off\n", {"RESOLV_REORDER": "On"}),
    ("trim .example.test\n", {"RESOLV_ADD_TRIM_DOMAINS": ".test"}),
    ("trim .example.test .x\n", {"RESOLV_ADD_TRIM_DOMAINS": " .test"}),
    ("trim .test\n", {"RESOLV_OVERRIDE_TRIM_DOMAINS": ".example.test"}),
    ("trim .test\n", {"RESOLV_OVERRIDE_TRIM_DOMAINS": ""}),
]
HOSTCONF_CALLS: list[Call] = [
    ("gethostbyname_ex", ("multi.test",)),
    ("gethostbyname", ("multi.test",)),
    ("getaddrinfo", ("multi.test", 80, 2, 1)),
    ("getaddrinfo", ("multi.test", 80, 0, 1, 0, 2)),
    ("gethostbyaddr", ("192.0.2.10",)),
    ("gethostbyaddr", ("198.51.100.1",)),
    ("gethostbyaddr", ("127.0.0.1",)),
    ("getnameinfo", (("192.0.2.10", 80), 0)),
    ("getfqdn", ("multi.test",)),
]


def _hostconf_case(host_conf: str, network: str, env: dict[str, str]) -> None:
    """HOSTCONF_CALLS with ``host_conf`` and ``env``, on hosts lines that show multi, reorder
    and trim."""
    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    hosts = (
        "198.51.100.1 multi.test m.example.test\n192.0.2.10 multi.test\n"
        "10.0.0.1 multi.test\n127.0.0.1 multi.test localhost\n::1 multi.test\n"
    )
    files = dict(BASE_FILES, hosts=hosts, services="http 80/tcp\n", protocols="tcp 6\n")
    files["host.conf"] = host_conf
    bad: list[Mismatch] = []
    scen = Scenario("filefuzz-hostconf-variant", files, network=network, env=env)
    with Sandbox(scen) as box:
        _compare(box, repr((host_conf, env)), iter(HOSTCONF_CALLS), bad)
    assert not bad, _report(bad, 30)


@pytest.mark.parametrize("network", ["loopback", "veth"])
@pytest.mark.parametrize("host_conf", HOSTCONF_VARIANTS)
def test_hostconf_reorder_and_trim(host_conf: str, network: str) -> None:
    _hostconf_case(host_conf, network, {})


@pytest.mark.parametrize(("host_conf", "env"), HOSTCONF_ENVS)
def test_hostconf_environment(host_conf: str, env: dict[str, str]) -> None:
    _hostconf_case(host_conf, "veth", env)


def test_first_try_overflow_leaves_netdb_internal(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """getaddrinfo's AF_INET path starts gethostbyname2_r with a 1024-byte buffer and retries a
    larger one on ERANGE: the global h_errno keeps NETDB_INTERNAL, which CPython's
    gethostbyname_ex then reports when its own 16 KiB buffer overflows."""
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n", host_conf="multi off\n")
    files.update({"services": "http 80/tcp\n", "protocols": "tcp 6\n", "host.conf": "multi off\n"})
    box = sandboxes(Scenario("filefuzz-first-try", files))
    bad: list[Mismatch] = []
    for width in (100, 200, 1200, 2100, 17000):
        text = "192.0.2.1 long " + "x" * width + "\n192.0.2.2 target t2\n" + "192.0.2.3 big "
        text += " ".join(f"alias{i:05d}" for i in range(1500)) + "\n"
        box.write("hosts", text)
        box.reset()
        calls: list[Call] = [
            ("h_errno", ()),
            ("gethostbyname_ex", ("target",)),
            ("h_errno", ()),
            ("gethostbyname_ex", ("big",)),
            ("h_errno", ()),
            ("getaddrinfo", ("target", 80, 2, 1)),
            ("h_errno", ()),
            ("gethostbyaddr", ("192.0.2.3",)),
        ]
        _compare(box, f"width {width}", iter(calls), bad)
    assert not bad, _report(bad, 30)


def _scratch_files() -> Iterator[tuple[str, str]]:
    """Hosts files around the sizes of getaddrinfo's first scratch buffer (1 KiB): a matching
    line whose parse leaves no room for gethostbyname4_r's address tuple, comment and invalid
    lines only the line reader sees, many aliases, and lines that need several doublings."""
    for width in range(940, 1000, 4):
        yield f"edge{width}", "192.0.2.1 target " + "y" * width + "\n::1 target\n"
        yield f"edge6-{width}", "::2 target " + "y" * width + "\n192.0.2.1 target\n"
    for width in (985, 995, 1500, 4090):
        yield f"comment{width}", "#" + "c" * width + "\n192.0.2.1 target\n::1 target\n"
        yield f"invalid{width}", "999.1.1.1 " + "c" * width + "\n192.0.2.1 target\n::1 target\n"
    for count in (110, 125, 130):
        aliases = " ".join(f"a{i}" for i in range(count))
        yield f"aliases{count}", f"192.0.2.1 target {aliases}\n::1 target\n"
    yield "both-long", "192.0.2.1 target " + "y" * 3000 + "\n::1 target " + "z" * 5000 + "\n"


SCRATCH_CALLS: list[Call] = [
    ("getaddrinfo", ("target", None, 0, 1)),
    ("getaddrinfo", ("target", None, socket.AF_INET6, 1)),
    ("getaddrinfo", ("target", None, socket.AF_INET, 1, 0, socket.AI_CANONNAME)),
    ("getaddrinfo", ("target", None, socket.AF_INET, 1)),
    ("getaddrinfo", ("target", None, socket.AF_INET6, 1, 0, socket.AI_V4MAPPED | socket.AI_ALL)),
    ("getaddrinfo", ("target", None, socket.AF_INET6, 1, 0, socket.AI_V4MAPPED)),
    ("gethostbyaddr", ("target",)),  # CPython: getaddrinfo (AF_UNSPEC), then gethostbyaddr_r
]


@pytest.mark.parametrize("multi", ["off", "on"])
def test_scratch_buffer_retries_leave_netdb_internal(
    sandboxes: Callable[[Scenario], Sandbox], multi: str
) -> None:
    """getaddrinfo hands the files module a 1 KiB scratch buffer, doubles it on ERANGE and keeps
    it for the rest of the call (gethostbyname4_r for AF_UNSPEC; gethostbyname3_r per family
    otherwise): a try that ran out of room leaves NETDB_INTERNAL in the global h_errno unless
    a later one reads the file to its end (multi on, or no match).  Checked after each call,
    with HOST_NOT_FOUND stored before it."""
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n")
    files["host.conf"] = f"multi {multi}\n"
    box = sandboxes(Scenario(f"filefuzz-scratch-{multi}", files))
    bad: list[Mismatch] = []
    for label, text in _scratch_files():
        box.write("hosts", text)
        box.reset()
        calls: list[Call] = []
        for call in SCRATCH_CALLS:
            calls += [("gethostbyname_ex", ("nothere",)), call, ("h_errno", ())]
        _compare(box, label, iter(calls), bad)
    assert not bad, _report(bad, 30)


def test_names_that_are_not_utf8(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """CPython decodes a hostent's aliases before its name (strict UTF-8): with several names
    that are not UTF-8, the UnicodeDecodeError names the first alias that fails."""
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n")
    box = sandboxes(Scenario("filefuzz-not-utf8", files))
    box.write(
        "hosts",
        "192.0.2.7 n\xe9 a\xe9 plain\n192.0.2.8 ok\xc3\xa9 b\xff plain8\n"
        "192.0.2.9 c\xe9 fine plain9\n",
    )
    box.reset()
    bad: list[Mismatch] = []
    calls: list[Call] = [
        (f, (arg,))
        for f in ("gethostbyname_ex", "gethostbyaddr")
        for arg in ("plain", "plain8", "plain9", "192.0.2.7", "192.0.2.8", "192.0.2.9")
    ]
    _compare(box, "not utf-8", iter(calls), bad)
    assert not bad, _report(bad, 30)


# A directory where a file should be: glibc opens it and the first read fails (EISDIR).  hosts:
# the files source is unavailable (EAI_SYSTEM, errno EISDIR); services and protocols: nothing
# is found (netdb's bundled registry stands in only for a missing file); nsswitch.conf: glibc
# refuses the configuration as for malformed criteria; host.conf and gai.conf: as if empty.
@pytest.mark.parametrize(
    "path", ["hosts", "services", "protocols", "nsswitch.conf", "host.conf", "gai.conf"]
)
def test_directory_in_place_of_a_file(path: str) -> None:
    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    files = dict(BASE_FILES, hosts="127.0.0.1 localhost\n::1 localhost\n")
    files.update({"services": "http 80/tcp\n", "protocols": "tcp 6 TCP\n"})
    files["gai.conf"] = "precedence ::/0 1\n"
    calls: list[Call] = [
        ("getaddrinfo", ("localhost", 80, 0, 1)),
        ("getaddrinfo", ("localhost", 80, 2, 1)),
        ("getaddrinfo", ("localhost", 80, 10, 1)),
        ("gethostbyname_ex", ("localhost",)),
        ("gethostbyaddr", ("127.0.0.1",)),
        ("getnameinfo", (("127.0.0.1", 80), 0)),
        ("getnameinfo", (("127.0.0.1", 80), 1)),
        ("getservbyname", ("http",)),
        ("getservbyport", (80,)),
        ("getprotobyname", ("tcp",)),
        ("getprotobynumber", (6,)),
        ("getaddrinfo", ("127.0.0.1", "http")),
        ("h_errno", ()),
    ]
    bad: list[Mismatch] = []
    with Sandbox(Scenario("filefuzz-directory", files)) as box:
        rc, _, err = box.run("sh", "-c", f"rm -f /etc/{path} && mkdir /etc/{path}")
        assert rc == 0, err
        box.reset()
        _compare(box, f"/etc/{path} is a directory", iter(calls), bad)
    assert not bad, _report(bad, 30)


@pytest.mark.parametrize(
    "nsswitch",
    ["hosts: files\n", "hosts: files [UNAVAIL=return] myhostname\n", "hosts: files myhostname\n"],
)
def test_missing_hosts_file(nsswitch: str) -> None:
    """No /etc/hosts: glibc's files module answers UNAVAIL (fopen's ENOENT), which only
    gethostbyname4_r reports in h_errno; getaddrinfo's AF_INET path then says EAI_NODATA."""
    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    files = dict(BASE_FILES, services="http 80/tcp\n", protocols="tcp 6\n")
    files["nsswitch.conf"] = nsswitch
    calls: list[Call] = []
    for first in [
        ("getaddrinfo", ("localhost", 80, 0, 1)),
        ("getaddrinfo", ("localhost", 80, 2, 1)),
        ("getaddrinfo", ("localhost", 80, 10, 1)),
        ("getaddrinfo", ("localhost", 80, 2, 1, 0, 2)),
        ("gethostbyname_ex", ("localhost",)),
        ("getnameinfo", (("127.0.0.1", 80), 8)),
    ]:
        calls += [first, ("h_errno", ()), ("gethostbyaddr", ("127.0.0.1",)), ("h_errno", ())]
    bad: list[Mismatch] = []
    with Sandbox(Scenario("filefuzz-no-hosts", files)) as box:
        _compare(box, "no /etc/hosts", iter(calls), bad)
    assert not bad, _report(bad, 30)
