"""netdb against glibc (CPython's ``socket``) on argument handling: every way to call a function
wrongly, or oddly, gives the same result or the same exception (class and args).

The probes: wrong types (None, bytes, bytearray, memoryview, ``str``/``int``/``bytes``/``tuple``
subclasses, bool, float, objects with ``__index__`` or only ``__str__``, lists, dicts), text with
NUL, lone surrogates, non-ASCII and IDNA trouble, very long text (past 255, 1024 and 65,536
characters), ports as text of every shape and as ints out of range, family/type/proto/flags out
of range or of the wrong type, keyword and positional calls, missing and extra arguments,
getnameinfo socket addresses of every shape, and the same through a :class:`netdb.Resolver`'s
methods (``Resolver.F`` in the worker: the default resolver's method, against ``socket.F``).

Arguments travel to the sandbox worker as Python source (``Index(80)``, ``StrSub("x")``: the
probe classes of ``tests/sandbox/worker.py``), so each case is written as the source of its
``(args, kwargs)``.  Fixed tables, then a seeded random mix of the same values (the seed is in
every failure message; ``NETDB_ARGS_SEED`` picks another).  Each table is one test that reports
every disagreement at once.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Iterator

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import COUNTS, Sandbox, Scenario

BASIC = Scenario.from_dir("basic")
SEED = int(os.environ.get("NETDB_ARGS_SEED", "20261205"))

Case = tuple[str, str]
"""(function name, Python source of ``(args, kwargs)``)."""


def call(func: str, *args: str, **kwargs: str) -> Case:
    """A case: ``args``/``kwargs`` are the Python source of each argument."""
    pos = "".join(a + ", " for a in args)
    kw = ", ".join(f"{k!r}: {v}" for k, v in kwargs.items())
    return func, f"(({pos}), {{{kw}}})"


def outcomes(box: Sandbox, func: str, source: str) -> tuple[str, str]:
    """(glibc, netdb) outcomes of a call given as source (arguments harness.to_source cannot
    write, such as the worker's probe objects)."""
    box._send({"op": "compare", "func": func, "call": source})
    reply = box._recv()
    COUNTS[func] += 1
    return reply["glibc"], reply["netdb"]


def compare(box: Sandbox, cases: Iterable[Case], limit: int = 40) -> int:
    """Run every case; fail with all the differences at once.  Returns the number of cases."""
    bad = []
    n = 0
    for func, source in cases:
        n += 1
        glibc, ours = outcomes(box, func, source)
        if glibc != ours:
            bad.append(f"{func}{source[:300]}\n    glibc: {glibc[:400]}\n    netdb: {ours[:400]}")
    assert not bad, f"[{box.scenario.name}, seed {SEED}] {len(bad)} of {n} differ:\n" + "\n".join(
        bad[:limit]
    )
    return n


def both(name: str) -> list[str]:
    """The module function and the default Resolver's method of that name."""
    return [name, "Resolver." + name]


# --- the values -----------------------------------------------------------------------------

# Host-like text and things that are not text.
TEXTS = [
    "None",
    '"localhost"',
    '"web.example.test"',
    'b"localhost"',
    'bytearray(b"localhost")',
    'memoryview(b"localhost")',
    'StrSub("localhost")',
    'StrEvil("localhost")',
    'StrEvil("127.0.0.1")',
    'BytesSub(b"localhost")',
    'StrOnly("localhost")',
    "1",
    "True",
    "1.5",
    "Index(1)",
    "IntSub(1)",
    '["localhost"]',
    '("localhost",)',
    "{}",
    "{1}",
    '""',
    '" "',
    '"."',
    '".."',
    '"..."',
    'b""',
    "bytearray()",
    '"a\\x00b"',
    'b"a\\x00b"',
    'bytearray(b"a\\x00")',
    'BytesSub(b"a\\x00")',
    'StrSub("a\\x00b")',
    'StrEvil("a\\x00b")',
    '"a\\x00\\ud800"',
    '"\\ud800\\x00"',
    '"\\ud800"',
    'StrSub("\\ud800")',
    'StrEvil("\\ud800")',
    '"a\\udcff.test"',
    'StrEvil("")',
    'StrSub("")',
    '"bücher.example.test"',
    'b"b\\xc3\\xbccher.example.test"',
    'b"\\xff"',
    'b"\\xe9"',
    '"\\x80"',
    '"é"',
    '"ß.test"',
    '"\\u200d.test"',
    '"\\ufeff"',
    '"ａｂｃ.test"',
    '"\\u3002"',
    '"a\\u3002b"',
    '"💩"',
    '"Ǆ"',
    '"xn--bcher-kva.example.test"',
    '"xn--"',
    '"xn--zz"',
    '"xn--ls8h"',
    '"a\\\\b"',
    '"٨٠"',
    '"٣.٣.٣.٣"',
    '"\\u0660.1.1.1"',
    '"¹²⁷.0.0.1"',
    '".localhost"',
    '"localhost."',
    '"localhost.."',
    '"LOCALHOST"',
    '"*"',
    '"\\t"',
    # lengths: labels of 63/64, names around 253/255, past 1024 (NI_MAXHOST) and 65,536
    '"a"*63',
    '"a"*64',
    '"a"*253',
    '"a"*256',
    '"a."*126+"a"',
    '("a"*63+".")*4',
    '("a"*63+".")*3+"a"*63',
    '("a"*63+".")*4+"a"',
    '"a."*128',
    '"a."*600',
    '"a"*1024',
    '"a"*1025',
    '"a"*1100',
    '"a."*40000',
    '"a"*65536',
    '"a"*65537',
    '"a"*70000',
    'StrSub("a"*70000)',
    'b"a"*1025',
    'b"a"*70000',
    # addresses
    '"127.0.0.1"',
    '"::1"',
    '"::ffff:127.0.0.1"',
    '"::127.0.0.1"',
    '"127.0.0.1\\x00junk"',
    'b"127.0.0.1\\x00junk"',
    '" 127.0.0.1"',
    '"127.0.0.1 "',
    '"127.0.0.1."',
    '"127.1"',
    '"0x7f.1"',
    '"0x7f000001"',
    '"2130706433"',
    '"1.2.3.4 junk"',
    '"[::1]"',
    '"fe80::1%lo"',
    '"fe80::1%1"',
    '"fe80::1%"',
    '"ff02::1%lo"',
    '"::1%lo"',
    '"::1%1"',
    '"255.255.255.255"',
    '"<broadcast>"',
    '"0.0.0.0"',
    '"::"',
    '"::FFFF:127.0.0.1"',
    '"::ffff:1.2.3.4"',
    '"::ffff:0:0"',
    '"1.2.3"',
    '"01.02.03.04"',
    '"1.2.3.4."',
    '"fe80::1%nosuchif"',
    'b"fe80::1%\\xff"',
    '"fe80::1%é"',
    '"fe80::1%4294967296"',
    '"fe80::1%lo\\x00junk"',
    '"192.0.2.250"',
    '"2001:db8::1"',
    "Index(Index(1))",
    "IntSub(0)",
]

PORTS = [
    "None",
    "0",
    "80",
    '"80"',
    '" 80"',
    '"80 "',
    '"+80"',
    '"0x50"',
    '"-1"',
    '"65536"',
    '"65535"',
    '"4294967376"',
    '"http"',
    '"HTTP"',
    '"٨٠"',
    '"\\u0668\\u0660"',
    'b"80"',
    'b"http"',
    'bytearray(b"80")',
    'memoryview(b"80")',
    "80.0",
    "True",
    "False",
    "IntSub(80)",
    "Index(80)",
    "-1",
    "65535",
    "65536",
    "-65536",
    "2**31",
    "2**31-1",
    "2**32+80",
    "2**63-1",
    "2**63",
    "-2**63",
    "-2**63-1",
    "2**64",
    '"80\\x00x"',
    '"\\ud800"',
    '""',
    'StrSub("80")',
    'StrEvil("80")',
    'BytesSub(b"80")',
    '"http\\x00"',
    '"a"*300',
    '"0"',
    '"00080"',
    '"1e2"',
    '"8_0"',
    '"http/tcp"',
    'StrOnly("80")',
    "[80]",
    '"\\x80"',
]

# Values for a C int ("i"): family, type, proto, flags.
INTS = [
    "0",
    "2",
    "10",
    "1",
    "-1",
    "2**31-1",
    "2**31",
    "-2**31",
    "-2**31-1",
    "2**63",
    "-2**63-1",
    "2**64",
    "1.0",
    "0.5",
    '"2"',
    'b"2"',
    "None",
    "True",
    "False",
    "Index(2)",
    "Index(2**40)",
    'Index("x")',
    "IntSub(2)",
    "Index(True)",
    "Index(IntSub(5))",
    "Index(-1)",
    "Index(2**31)",
    'StrOnly("2")',
]
AI_FLAGS = [*INTS, "1024", "0x400", "0xffff", "-2", "8", "16", "32", "64", "1|2|8", "0x7fffffff"]

SOCKADDRS = [
    '("127.0.0.1", 80)',
    '("::1", 80)',
    '("::1", 80, 0, 0)',
    '("::1", 80, 1)',
    '("127.0.0.1", 80, 0)',
    '("127.0.0.1", 80, 0, 0)',
    '("127.0.0.1",)',
    '("127.0.0.1", 80, 0, 0, 0)',
    "()",
    '"127.0.0.1"',
    '["127.0.0.1", 80]',
    "None",
    '{"a": 1}',
    '[("127.0.0.1", 80)]',
    'TupleSub(("127.0.0.1", 80))',
    '(b"127.0.0.1", 80)',
    '(bytearray(b"::1"), 80)',
    "(1, 80)",
    "(None, 80)",
    '("127.0.0.1", "80")',
    '("127.0.0.1", 80.0)',
    '("127.0.0.1", None)',
    '("127.0.0.1", -1)',
    '("127.0.0.1", 65536)',
    '("127.0.0.1", 2**31)',
    '("127.0.0.1", 2**63)',
    '("127.0.0.1", Index(80))',
    '("127.0.0.1", IntSub(80))',
    '("127.0.0.1", True)',
    '("::1", 80, 2**20)',
    '("::1", 80, 2**20-1)',
    '("::1", 80, -1)',
    '("::1", 80, 2**32)',
    '("::1", 80, 2**64)',
    '("::1", 80, 0, -1)',
    '("::1", 80, 0, 2**32)',
    '("::1", 80, 0, 2**32+1)',
    '("::1", 80, 0, 2**64)',
    '("::1", 80, 0, 1.0)',
    '("::1", 80, "0", 0)',
    '("::1", 80, 0, Index(1))',
    '("::1", 80, None, 0)',
    '("127.0.0.1", 80, "x", "y")',
    '("127.0.0.1", 80, 0, 0.5)',
    '("fe80::1%lo", 80, 0, 0)',
    '("fe80::1%1", 80, 0, 5)',
    '("fe80::1", 80, 0, 1)',
    '("fe80::1", 80, 0, 99)',
    '("localhost", 80)',
    '("web.example.test", 80)',
    '("nosuch.invalid", 80)',
    '("", 80)',
    '("a\\x00b", 80)',
    '("a\\x00\\ud800", 80)',
    '("\\ud800", 80)',
    '("\\ud800", "x")',
    '("bücher.example.test", 80)',
    '("a"*300, 80)',
    '("a"*70000, 80)',
    '(StrSub("127.0.0.1"), 80)',
    '(StrEvil("127.0.0.1"), 80)',
    '(StrEvil("\\ud800"), 80)',
    '("255.255.255.255", 0)',
    '("0.0.0.0", 0)',
    '("::", 0, 0, 0)',
    '("::ffff:127.0.0.1", 80, 0, 0)',
    '("127.1", 80)',
]
NI_FLAGS = [
    "0",
    "1",
    "2",
    "4",
    "8",
    "16",
    "31",
    "32",
    "256",
    "-1",
    "0x7fffffff",
    "2**31",
    "1.0",
    "None",
    '"0"',
    "Index(1)",
    "IntSub(1)",
    "True",
]

SERVICES = [
    '"http"',
    '"HTTP"',
    '"www"',
    '"domain"',
    '"80"',
    '"nosuch"',
    '""',
    '"http\\x00"',
    '"http\\x00\\ud800"',
    '"\\ud800"',
    'b"http"',
    "None",
    'StrSub("http")',
    'StrEvil("http")',
    "80",
    '"ß"',
    '"a"*2000',
    'bytearray(b"http")',
]
PROTOCOLS = [
    '"tcp"',
    '"udp"',
    '"TCP"',
    '"sctp"',
    '"ddp"',
    '""',
    '"nosuch"',
    '"tcp\\x00"',
    "None",
    'b"tcp"',
    'StrSub("tcp")',
    'StrEvil("tcp")',
    "6",
    '"\\ud800"',
    '"tcp "',
    '"é"',
]
BUFFERS = [
    'b"\\x7f\\x00\\x00\\x01"',
    "bytearray(4)",
    'memoryview(b"abcd")',
    'BytesSub(b"abcd")',
    'b"a"*16',
    'b""',
    'b"a"*5',
]


# --- the cases ------------------------------------------------------------------------------


def getaddrinfo_cases(rng: random.Random) -> Iterator[Case]:
    for f in both("getaddrinfo"):
        for host in TEXTS:
            yield call(f, host, "80")
            yield call(f, host, "None")
            yield call(f, host, "None", "0", "1", "0", "2")
        for port in PORTS:
            yield call(f, '"localhost"', port)
            yield call(f, "None", port)
            yield call(f, '"127.0.0.1"', port, "0", "1")
            yield call(f, '"localhost"', port, "0", "0", "0", "1024")  # AI_NUMERICSERV
        # Each number wrong alone, and with a wrong host or port (CPython converts the numbers
        # before the host and the port).
        for slot in range(4):
            for value in INTS:
                for host, port in (('"localhost"', "80"), ("1", "80"), ('"localhost"', "[1]")):
                    args = [host, port, "0", "0", "0", "0"]
                    args[2 + slot] = value
                    yield call(f, *args)
        for value in AI_FLAGS:
            yield call(f, '"localhost"', '"80"', flags=value)
        for family in ("0", "2", "10", "1", "3", "17", "-1", "44", "2**16+2"):
            for kind in ("0", "1", "2", "3", "4", "5", "6", "10", "-1", "2048|1", "524288|1"):
                for proto in ("0", "6", "17", "132", "1", "-1", "300"):
                    yield call(f, '"localhost"', '"80"', family, kind, proto)
        # a seeded mix of everything
        for _ in range(1200):
            args = [
                rng.choice(TEXTS),
                rng.choice(PORTS),
                rng.choice(INTS),
                rng.choice(INTS),
                rng.choice(INTS),
                rng.choice(AI_FLAGS),
            ]
            yield call(f, *args[: rng.randint(2, 6)])
        # numbers that are all valid C ints, mostly meaningless to getaddrinfo
        for _ in range(300):
            numbers = [str(rng.randint(-(2**31), 2**31 - 1)) for _ in range(4)]
            for i in range(4):
                if rng.random() < 0.6:
                    numbers[i] = str(rng.choice([0, 1, 2, 3, 6, 10, 17, 0x400, 0x1F, -1]))
            yield call(
                f, rng.choice(['"localhost"', '"::1"', "None", '"127.0.0.1"']), "80", *numbers
            )


def getnameinfo_cases(rng: random.Random) -> Iterator[Case]:
    for f in both("getnameinfo"):
        for sockaddr in SOCKADDRS:
            for flags in NI_FLAGS:
                yield call(f, sockaddr, flags)
        for host in TEXTS:
            yield call(f, f"({host}, 80)", "0")
            yield call(f, f"({host}, 80, 0, 0)", "8")
        for _ in range(200):
            host = rng.choice(['"127.0.0.1"', '"::1"', '"fe80::1"', '"localhost"', '"1.2.3.4"'])
            items = [host, rng.choice(PORTS), rng.choice(INTS), rng.choice(INTS)]
            sockaddr = "(" + "".join(i + ", " for i in items[: rng.randint(1, 4)]) + ")"
            yield call(f, sockaddr, rng.choice(NI_FLAGS))


# One-argument functions: (name, extra arguments worth a call of their own).
ONE_ARG = {
    "gethostbyname": [],
    "gethostbyname_ex": [],
    "gethostbyaddr": [],
    "getfqdn": [],
    "getprotobyname": [
        '"tcp"',
        '"TCP"',
        '"udp"',
        '"ip"',
        '"nosuch"',
        '"tcp "',
        '"tcp\\x00"',
        '"6"',
    ],
}


def one_arg_cases() -> Iterator[Case]:
    for name, extra in ONE_ARG.items():
        for f in both(name):
            for text in [*TEXTS, *extra]:
                yield call(f, text)


def service_cases() -> Iterator[Case]:
    for f in both("getservbyname"):
        for name in [*SERVICES, *TEXTS[:40]]:
            yield call(f, name)
            for proto in PROTOCOLS:
                yield call(f, name, proto)
    for f in both("getservbyport"):
        ports = [*PORTS, "53", "22", "7", "0", "-65535", "-2**31", "-2**31-1", "1.5"]
        for port in ports:
            yield call(f, port)
            yield call(f, port, '"tcp"')
            yield call(f, port, '"udp"')
            yield call(f, port, "None")
        for proto in [*PROTOCOLS, *TEXTS[:40]]:
            yield call(f, "80", proto)
            yield call(f, "99999", proto)
            yield call(f, "1.5", proto)


def inet_cases() -> Iterator[Case]:
    families = [
        "2",
        "10",
        "0",
        "1",
        "-1",
        "2**31",
        "2**63",
        "2.0",
        "None",
        "Index(2)",
        "IntSub(10)",
        '"2"',
    ]
    for value in [*TEXTS, *BUFFERS]:
        yield call("inet_aton", value)
        yield call("inet_ntoa", value)
        for family in families:
            yield call("inet_pton", family, value)
            yield call("inet_ntop", family, value)


# Every function's call forms: positional and keyword, missing and extra arguments, keywords
# CPython refuses.  For each: (typical positional arguments, their keyword names as
# socket.py or typeshed call them).
SIGNATURES: dict[str, tuple[list[str], list[str]]] = {
    "getaddrinfo": (
        ['"localhost"', "80", "0", "1", "0", "0"],
        ["host", "port", "family", "type", "proto", "flags"],
    ),
    "getnameinfo": (['("127.0.0.1", 80)', "0"], ["sockaddr", "flags"]),
    "gethostbyname": (['"localhost"'], ["hostname"]),
    "gethostbyname_ex": (['"localhost"'], ["hostname"]),
    "gethostbyaddr": (['"127.0.0.1"'], ["ip_address"]),
    "getfqdn": (['"localhost"'], ["name"]),
    "getservbyname": (['"http"', '"tcp"'], ["servicename", "protocolname"]),
    "getservbyport": (["80", '"tcp"'], ["port", "protocolname"]),
    "getprotobyname": (['"tcp"'], ["protocolname"]),
    "gethostname": ([], []),
    "inet_aton": (['"127.0.0.1"'], ["string"]),
    "inet_ntoa": (['b"abcd"'], ["packed_ip"]),
    "inet_pton": (["2", '"127.0.0.1"'], ["address_family", "ip_string"]),
    "inet_ntop": (["2", 'b"abcd"'], ["address_family", "packed_ip"]),
}


def call_form_cases(names: Iterable[str]) -> Iterator[Case]:
    for name in names:
        args, keywords = SIGNATURES[name]
        funcs = [name] if name.startswith("inet_") else both(name)
        for f in funcs:
            for n in range(len(args) + 3):  # too few, each count allowed, too many
                yield call(f, *[*args, "0", "0"][:n])
            yield call(f, *args, bogus="1")
            yield call(f, *args, "0", bogus="1")
            yield call(f, bogus="1")
            for k in range(len(args)):
                # the last arguments by keyword, then one argument twice
                yield call(f, *args[:k], **dict(zip(keywords[k:], args[k:], strict=True)))
                yield call(f, *args, **{keywords[k]: args[k]})
            yield call(f, **dict(zip(keywords, args, strict=True)))
            yield call(f, hostname='"localhost"', port="80")
            # names a Python method or wrapper might have for itself
            for keyword in ("self", "args", "kwargs", "_extra"):
                yield call(f, *args, **{keyword: "1"})
                yield call(f, **{keyword: "1"})


# --- the tests ------------------------------------------------------------------------------


def test_getaddrinfo_arguments(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    compare(sandboxes(BASIC), getaddrinfo_cases(random.Random(SEED)))


def test_getnameinfo_arguments(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    compare(sandboxes(BASIC), getnameinfo_cases(random.Random(SEED + 1)))


def test_host_function_arguments(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """gethostbyname, gethostbyname_ex, gethostbyaddr, getfqdn, getprotobyname."""
    compare(sandboxes(BASIC), one_arg_cases())


def test_service_arguments(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    compare(sandboxes(BASIC), service_cases())


def test_inet_arguments(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    compare(sandboxes(BASIC), inet_cases())


def test_call_forms(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """Missing, extra and keyword arguments: CPython's TypeError texts, function names and all."""
    compare(sandboxes(BASIC), call_form_cases(SIGNATURES))


# Odd names that reach the DNS: lengths around the limits, NUL-cut names, raw bytes.
DNS = Scenario(
    "args-knot",
    {
        "hosts": "127.0.0.1 localhost\n::1 localhost\n",
        "nsswitch.conf": "hosts: files dns\n",
        "host.conf": "multi on\n",
        "resolv.conf": "nameserver 127.0.0.1\nsearch example.test\n",
        "services": "http\t\t80/tcp\nhttp\t\t80/udp\n",
        "protocols": "ip\t0\tIP\ntcp\t6\tTCP\nudp\t17\tUDP\n",
    },
    dns="knot",
)


@pytest.mark.skipif(dnsservers.available() is not None, reason=str(dnsservers.available()))
def test_arguments_through_dns(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(DNS)
    box.reset()
    names = [t for t in TEXTS if t.startswith(('"', "b", "Str", "Bytes"))]
    cases: list[Case] = []
    for f in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn"):
        for name in names:
            # and glibc's h_errno after it: an argument refused leaves it as it was
            cases += [call(f, name), call("h_errno")]
    for name in names:
        cases.append(call("getaddrinfo", name, "80"))
        cases.append(call("getaddrinfo", name, "None", "0", "1", "0", "2"))  # AI_CANONNAME
        cases.append(call("getnameinfo", f"({name}, 80)", "0"))
    compare(box, cases)
