"""netdb.address against glibc: upstream vectors, a curated table and generated inputs.

The ``inet_*`` functions and ``getaddrinfo(..., AI_NUMERICHOST)`` read no file and send nothing, so
the oracle -- CPython's ``socket`` over this machine's glibc -- is called in-process and whole
outcomes are compared: the result (type and value) or the exception (class and args).

Tables:

* ``VECTOR_CASES``: rows of ../shared/vectors (inet_addr_vectors.json; the numeric-host blocks of
  getaddrinfo_numeric_vectors.json), checked against the upstream expectation; skipped where the
  folder is absent;
* ``ORACLE_CASES``: calls of the four drop-in functions, each compared with ``socket``'s;
* ``HOST_CASES``: host strings, ``parse_numeric_host`` compared with getaddrinfo(AI_NUMERICHOST);
* ``SCOPE_CASES``: ``parse_scope_id`` with scripted interface tables (the one rule the machine's
  interfaces cannot exercise fully).

Hypothesis then feeds generated text, bytes and ints to the same comparisons.
"""

from __future__ import annotations

import array
import enum
import ipaddress
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from netdb import address
from netdb.address import NumericHost

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"

Outcome = tuple[Any, ...]


def outcome(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """``("ok", type, value)`` or ``("raise", exception class, args)``."""
    try:
        value = func(*args, **kwargs)
    except Exception as exc:
        return ("raise", type(exc), exc.args)
    return ("ok", type(value), value)


def ok(value: object) -> Outcome:
    return ("ok", type(value), value)


ATON_ERROR = ("raise", OSError, ("illegal IP address string passed to inet_aton",))
PTON_ERROR = ("raise", OSError, ("illegal IP address string passed to inet_pton",))
NTOA_LENGTH = ("raise", OSError, ("packed IP wrong length for inet_ntoa",))
NTOP_LENGTH = ("raise", ValueError, ("invalid length of packed IP address string",))

# --- upstream vectors ----------------------------------------------------------------------------


def _vectors(name: str) -> Any:
    path = VECTORS / name
    return json.loads(path.read_text()) if path.exists() else None


def _no_lookup(name: str) -> int:
    raise OSError("no interface in this test")


def _inet_vector_rows(data: Any) -> Iterator[Any]:
    """(id, netdb function, args, expected outcome) from inet_addr_vectors.json."""

    def aton(row: dict[str, Any]) -> Outcome:
        return ok(bytes.fromhex(row["expected_hex"])) if row["valid"] else ATON_ERROR

    def pton(row: dict[str, Any]) -> Outcome:
        return ok(bytes.fromhex(row["expected_hex"])) if row["valid"] else PTON_ERROR

    for i, row in enumerate(data["inet_aton"]):
        yield f"aton-{i}", address.inet_aton, (row["input"],), aton(row)
    for i, row in enumerate(data["inet_addr"]):  # inet_addr(3) == inet_aton's grammar
        valid = "invalid" not in row["expected"]
        assert not valid, "only invalid inet_addr rows are expected here"
        yield f"inet_addr-{i}", address.inet_aton, (row["input"],), ATON_ERROR
    for i, row in enumerate(data["inet_aton_exact_numeric_host"]["cases"]):
        packed = bytes.fromhex(row["expected_hex"]) if row["valid"] else None
        yield f"aton_exact-{i}", address.parse_ipv4_exact, (row["input"],), ok(packed)
        host = NumericHost(socket.AF_INET, packed) if packed else None
        yield (
            f"aton_exact-host-{i}",
            address.parse_numeric_host,
            (row["input"], _no_lookup),
            ok(host),
        )
    for family, block in (
        (socket.AF_INET, "inet_pton_AF_INET"),
        (socket.AF_INET6, "inet_pton_AF_INET6"),
    ):
        for i, row in enumerate(data[block]):
            if row.get("disputed"):
                continue
            yield f"{block}-{i}", address.inet_pton, (family, row["input"]), pton(row)
            if "inet_addr_expected_hex" in row:  # musl rows that also state inet_aton's answer
                want = row["inet_addr_expected_hex"]
                expect = (
                    ATON_ERROR
                    if want == "ffffffff" and row["input"] != "255.255.255.255"
                    else ok(bytes.fromhex(want))
                )
                yield f"{block}-aton-{i}", address.inet_aton, (row["input"],), expect
    for i, row in enumerate(data["inet_ntop_AF_INET6"]):
        packed = bytes.fromhex(row["packed_hex"])
        yield f"ntop6-{i}", address.inet_ntop, (socket.AF_INET6, packed), ok(row["expected"])
    for i, row in enumerate(data["inet_ntop_AF_INET6_bad_length"]):
        packed = bytes(row["packed_len"])
        yield f"ntop6-len-{i}", address.inet_ntop, (socket.AF_INET6, packed), NTOP_LENGTH
    for i, row in enumerate(data["inet_ntoa_and_ntop_AF_INET"]):
        packed = bytes.fromhex(row["packed_hex"])
        yield f"ntoa-{i}", address.inet_ntoa, (packed,), ok(row["expected"])
        yield f"ntop4-{i}", address.inet_ntop, (socket.AF_INET, packed), ok(row["expected"])
    for i, row in enumerate(data["inet_ntoa_bad_length"]):
        packed = bytes(row["packed_len"])
        yield f"ntoa-len-{i}", address.inet_ntoa, (packed,), NTOA_LENGTH
        yield f"ntop4-len-{i}", address.inet_ntop, (socket.AF_INET, packed), NTOP_LENGTH

    def canonical(text: str) -> str:
        return address.inet_ntop(socket.AF_INET6, address.inet_pton(socket.AF_INET6, text))

    for i, row in enumerate(data["ipv6_canonical_text"]):
        yield f"canonical-{i}", canonical, (row["input"],), ok(row["expected_canonical"])


def _numeric_host_vector_rows(data: Any) -> Iterator[Any]:
    """(id, parse_numeric_host, args, expected) from getaddrinfo_numeric_vectors.json."""
    seen: set[str] = set()
    for i, row in enumerate(data["glibc_tst_inet6_scopeid_pton"]["cases"]):
        host, expect = row["call"][0], row["expect"]
        if host in seen:  # each host appears once per family; the family check is gai.py's
            continue
        seen.add(host)
        want = None
        if "address" in expect:
            packed = ipaddress.IPv6Address(expect["address"]).packed
            want = NumericHost(socket.AF_INET6, packed, expect["scope_id"])
        yield f"scopeid-{i}", address.parse_numeric_host, (host, _no_lookup), ok(want)
    for i, row in enumerate(data["glibc_tst_resolv_trailing"]["cases"]):
        host = row["call"][0]
        if host in seen:
            continue
        seen.add(host)
        assert row["expect"] == {"error": "EAI_NONAME"}
        yield f"trailing-{i}", address.parse_numeric_host, (host, _no_lookup), ok(None)
    for i, row in enumerate(data["glibc_tst_resolv_nondecimal"]["cases"]):
        (result,) = row["expect_getaddrinfo_AF_INET_and_AF_UNSPEC"]
        want = NumericHost(socket.AF_INET, ipaddress.IPv4Address(result[4][0]).packed)
        yield f"nondecimal-{i}", address.parse_numeric_host, (row["query"], _no_lookup), ok(want)


def _vector_cases() -> list[Any]:
    inet = _vectors("inet_addr_vectors.json")
    gai = _vectors("getaddrinfo_numeric_vectors.json")
    if inet is None or gai is None:
        reason = f"upstream vectors not found at {VECTORS}"
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=reason))]
    rows = [*_inet_vector_rows(inet), *_numeric_host_vector_rows(gai)]
    return [pytest.param(func, args, want, id=name) for name, func, args, want in rows]


@pytest.mark.parametrize(("func", "args", "want"), _vector_cases())
def test_upstream_vectors(func: Callable[..., Any], args: tuple[Any, ...], want: Outcome) -> None:
    assert outcome(func, *args) == want


# --- the drop-in functions against socket, in-process --------------------------------------------


class Index:
    """An object that is an integer only through ``__index__``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


class Family(enum.IntEnum):
    INET = 2


class Sneaky(int):
    """An int subclass whose __index__/__int__ lie: C reads the value itself."""

    def __index__(self) -> int:
        return 99

    def __int__(self) -> int:
        return 99


class LongName:
    """A class whose name is longer than the converters' %.50s / %.100s cuts."""


LongName.__name__ = LongName.__qualname__ = "L" * 120

RELEASED = memoryview(b"\x01\x02\x03\x04")
RELEASED.release()
NON_CONTIGUOUS = memoryview(b"\x01x\x02x\x03x\x04x")[::2]
ZEROS = bytes(16)

# fmt: off
ATON_TEXT = [
    # BSD forms: one to four parts, hex, octal, per-part limits
    "127.0.0.1", "127.1", "127.0.1", "0x7f.1", "0x7F000001", "017700000001", "0177.0.0.1",
    "4294967295", "4294967296", "0xffffffff", "0x100000000", "1.16777215", "1.16777216",
    "1.2.65535", "1.2.65536", "1.2.3.255", "1.2.3.256", "256.1", "0x", "0x.1", "1.0x", "0xg",
    "08", "09.1", "00", "0", "000000000000000000000000001", "0x0000000000000000000001",
    "99999999999999999999", "18446744073709551616", "1.2.3.4.5", "1..2", ".1.2.3", "1.2.3.",
    "1.2.3.4.", "", ".", "a", "1a", "-1", "+1", "1.-1", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\t",
    "1.2.3.4\n", "1.2.3.4\v", "1.2.3.4\f", "1.2.3.4\r", "1.2.3.4 junk", "1.2.3.4\tjunk",
    "1.2.3.4 \xe9", "1.2.3.4\xa0", "1.2.3.4\x85", "1.2.3.4\x1c", "1.2.3.4\u2028", "1.2. 3.4",
    "1.2.3.4x", "1.2.3.0x", "0b101", "1e3", "1_000", "0x1_0", "\u0661.2.3.4", "1.2.3.\u0664",
    "\uff11.2.3.4", "\xb2.2.3.4", "1.2.3.4\U0001f600", "0X7F.0X0.0X0.0X1", "1.2.0xabcd",
]
PTON4_TEXT = [
    "0.0.0.0", "255.255.255.255", "1.2.3.4", "01.2.3.4", "1.2.3.04", "1.2.3.00", "0.0.0.00",
    "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "0x1.2.3.4",
    "1.2.3.", "1..2.3", "", "1.2.3.\u0664", "\u0661.2.3.4", "1.2.3.1000", "1.2.3.0255",
]
PTON6_TEXT = [
    "::", "::1", "1::", "1::2", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::3:4:5:6:7:8", "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", ":::", "1:::2", "1::2::3", ":1::",
    "::1:", "1:", ":1", ":", "", "12345::", "0000:0000:0000:0000:0000:0000:0000:0001", "00000::1",
    "fFfF::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5::1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4", "::1.2.3", "::1.2.3.4.5", "::01.2.3.4", "::256.0.0.0", "1.2.3.4::",
    "::1.2.3.4:1", "::ffff:1.2.3.4 ", " ::1", "::1 ", "::1%1", "::g", "::0x1", "fe80::1%lo",
    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "::ffff:255.255.255.255x", "::\u0661",
    "1.2.3.4", "::ffff:1.2.3", "a:b:c:d:e:f:1.2.3.4", "::a:1.2.3.4", "::1.2.3.4%1",
]
NTOP6_PACKED = [bytes.fromhex(h) for h in (
    "00000000000000000000000000000000", "00000000000000000000000000000001",
    "01000000000000000000000000000000", "00000000000000000000ffff01020304",
    "00000000000000000000ffff00000000", "00000000000000000000000001020304",
    "00000000000000000000000000010000", "00000000000000000000000001000000",
    "00000000000000000000000000000100", "0000000000000000ffff000000000000",
    "00000000000000000000fffe01020304", "00000000000000000000000101020304",
    "00010000000200000000000000030000", "00010000000000020000000000000003",
    "00010000000000020000000000030000", "20010db8000000000001000000000001",
    "0001000200030004000500060007ffff", "00000001000000000000000000000000",
    "fe800000000000000000000000000001", "000102030405060708090a0b0c0d0e0f",
)]
# fmt: on


class Text(str):
    """A str subclass: CPython's "s" converter accepts it."""


# arguments of the wrong kind, or of the right kind with a twist
# fmt: off
NOT_TEXT: list[object] = [
    b"1.2.3.4", bytearray(b"1.2.3.4"), memoryview(b"1.2.3.4"), None, 1, 1.5, ["1.2.3.4"],
    array.array("b"), Index(2), LongName(), LongName, type, object(),
]
ODD_TEXT = [
    "1.2.3.4\x00", "\x00", "1.2.3.4 \x00", "\udc80", "1.2.3.4\udc80", "1.2.3.4 \udc80",
    "\udc80\udc81x", "\x00\udc80", Text("1.2.3.4"), Text("::1"),
]
FAMILIES: list[object] = [
    0, 1, -1, 3, 99, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63),
    -(2**63) - 1, 2**64, 10**30, True, False, Family.INET, socket.AF_INET, socket.AF_INET6,
    Index(2), Index(10), Index(2**40), "2", 2.0, None, b"2", LongName(), Sneaky(2), Sneaky(10),
]
BUFFERS: list[object] = [
    b"\x01\x02\x03\x04", bytearray(b"\x01\x02\x03\x04"), memoryview(b"\x01\x02\x03\x04"),
    array.array("i", [1]), array.array("h", [1, 2]), array.array("B", range(16)),
    memoryview(bytes(range(16))).cast("I"), NON_CONTIGUOUS, RELEASED, "1234", None, 1,
    [1, 2, 3, 4], LongName(), b"", b"\x01\x02\x03", bytes(5), bytes(15), bytes(17),
]
# fmt: on


def _oracle_rows() -> Iterator[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """(function name, args, kwargs) for netdb.address and socket alike."""
    for text in ATON_TEXT:
        yield "inet_aton", (text,), {}
    for text in PTON4_TEXT + ATON_TEXT:
        yield "inet_pton", (socket.AF_INET, text), {}
    for text in PTON6_TEXT:
        yield "inet_pton", (socket.AF_INET6, text), {}
    for packed in NTOP6_PACKED:
        yield "inet_ntop", (socket.AF_INET6, packed), {}
    for packed in (
        b"\x00\x00\x00\x00",
        b"\xff\xff\xff\xff",
        b"\x01\x0a\x64\xc8",
        b"\x7f\x00\x00\x01",
    ):
        yield "inet_ntop", (socket.AF_INET, packed), {}
        yield "inet_ntoa", (packed,), {}
    # argument counts and keywords
    for name, args in (
        ("inet_aton", ()),
        ("inet_aton", ("1.2.3.4", 1)),
        ("inet_ntoa", ()),
        ("inet_ntoa", (b"1234", b"")),
        ("inet_pton", ()),
        ("inet_pton", (2,)),
        ("inet_pton", (2, "1.2.3.4", 3)),
        ("inet_ntop", ()),
        ("inet_ntop", (2,)),
        ("inet_ntop", (2, b"1234", 3)),
    ):
        yield name, args, {}
    yield "inet_aton", (), {"string": "1.2.3.4"}
    yield "inet_aton", ("1.2.3.4",), {"x": 1}
    yield "inet_ntoa", (), {"packed_ip": b"1234"}
    yield "inet_pton", (), {"address_family": 2, "ip_string": "1.2.3.4"}
    yield "inet_pton", (2,), {"ip_string": "1.2.3.4"}
    yield "inet_ntop", (2, b"1234"), {"x": 1}
    yield "inet_aton", ("1.2.3.4",), {}  # an empty **kwargs is no keyword at all
    for value in NOT_TEXT:
        yield "inet_aton", (value,), {}
        yield "inet_pton", (socket.AF_INET, value), {}
        yield "inet_pton", (99, value), {}
    for text in ODD_TEXT:
        yield "inet_aton", (text,), {}
        yield "inet_pton", (socket.AF_INET, text), {}
        yield "inet_pton", (socket.AF_INET6, text), {}
        yield "inet_pton", (99, text), {}
    for af in FAMILIES:
        yield "inet_pton", (af, "1.2.3.4"), {}
        yield "inet_pton", (af, "::1"), {}
        yield "inet_pton", (af, b"x"), {}
        yield "inet_ntop", (af, b"\x01\x02\x03\x04"), {}
        yield "inet_ntop", (af, ZEROS), {}
        yield "inet_ntop", (af, "x"), {}
    for value in BUFFERS:
        yield "inet_ntoa", (value,), {}
        yield "inet_ntop", (socket.AF_INET, value), {}
        yield "inet_ntop", (socket.AF_INET6, value), {}
        yield "inet_ntop", (99, value), {}


ORACLE_CASES = [
    pytest.param(name, args, kwargs, id=f"{i}-{name}")
    for i, (name, args, kwargs) in enumerate(_oracle_rows())
]


@pytest.mark.parametrize(("name", "args", "kwargs"), ORACLE_CASES)
def test_same_outcome_as_socket(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    mine = outcome(getattr(address, name), *args, **kwargs)
    theirs = outcome(getattr(socket, name), *args, **kwargs)
    assert mine == theirs


# --- numeric hosts against getaddrinfo(AI_NUMERICHOST) -------------------------------------------


def glibc_numeric_host(host: str) -> NumericHost | None:
    """What getaddrinfo(AI_NUMERICHOST) makes of the C string ``host`` (latin-1 text)."""
    try:
        infos = socket.getaddrinfo(
            host.encode("latin-1"),
            None,
            socket.AF_UNSPEC,
            socket.SOCK_STREAM,
            0,
            socket.AI_NUMERICHOST,
        )
    except socket.gaierror:
        return None
    ((family, _, _, _, sockaddr),) = infos
    packed = socket.inet_pton(family, sockaddr[0])
    return NumericHost(int(family), packed, sockaddr[3] if family == socket.AF_INET6 else 0)


def _interface_names() -> list[str]:
    try:
        return [name for _, name in socket.if_nameindex()]
    except OSError:
        return ["lo"]


INTERFACES = _interface_names()
# fmt: off
SCOPES = [
    *INTERFACES, "0", "1", "01", "00000000000000000000000000000000001", "4294967295",
    "4294967296", "99999999999", "", "+1", "-1", " 1", "1 ", "0x1", "1a", "lo ", "nosuchif0",
    "\u0661", "\xe9", "l" * 20, "1%2", "%", "lo%x",
]
SCOPED = [
    "fe80::1", "fe80::1:2", "febf::1", "fec0::1", "ff02::1", "ff01::1", "ff12::1", "ff32::2",
    "ff05::1", "ff0e::1", "::", "::1", "2001:db8::1", "::ffff:1.2.3.4", "::1.2.3.4", "fe8::1",
    "1.2.3.4", "bad",
]
HOSTS = [
    *ATON_TEXT, *PTON4_TEXT, *PTON6_TEXT, "localhost", "example.com", "1.2.3.4.in-addr.arpa",
    "1password.com", "0x7f.1.", "127.0.0.1.", "[::1]", "::1/128", "1.2.3.4/8", "1.2.3.4:80",
    *(f"{a}%{s}" for a in SCOPED for s in SCOPES),
]
# fmt: on
HOST_CASES = [pytest.param(h, id=f"{i}-{h!r}") for i, h in enumerate(dict.fromkeys(HOSTS))]


def _c_string_host(host: str) -> str:
    """``host`` as the lookup layer hands it over: its UTF-8 bytes one per character."""
    return host.encode("utf-8", "surrogatepass").decode("latin-1")


@pytest.mark.parametrize("host", HOST_CASES)
def test_numeric_host_matches_getaddrinfo(host: str) -> None:
    text = _c_string_host(host)
    if "\x00" in text:
        pytest.skip("a C string has no NUL")
    assert address.parse_numeric_host(text, socket.if_nametoindex) == glibc_numeric_host(text)


def _ifindex_table(table: dict[str, int]) -> Callable[[str], int]:
    def ifindex(name: str) -> int:
        return table.get(name, 0)

    return ifindex


def _ifindex_raising(exc: Exception) -> Callable[[str], int]:
    def ifindex(name: str) -> int:
        raise exc

    return ifindex


LINK_LOCAL = bytes.fromhex("fe800000000000000000000000000001")
GLOBAL = bytes.fromhex("20010db8000000000000000000000001")
SCOPE_CASES = [
    # (packed, scope, ifindex, expected): names only for link-local / ffx1 / ffx2 multicast
    (LINK_LOCAL, "eth7", _ifindex_table({"eth7": 7}), 7),
    (GLOBAL, "eth7", _ifindex_table({"eth7": 7}), None),
    (LINK_LOCAL, "eth7", _ifindex_table({}), None),  # an ifindex that answers 0
    (LINK_LOCAL, "eth7", _ifindex_raising(OSError(19, "No such device")), None),
    (LINK_LOCAL, "eth\x007", _ifindex_raising(ValueError("embedded null byte")), None),
    (LINK_LOCAL, "5", _ifindex_raising(OSError(19, "No such device")), 5),
    (LINK_LOCAL, "5", _ifindex_table({"5": 9}), 9),  # an interface named "5" wins over the number
    (GLOBAL, "5", _ifindex_table({"5": 9}), 5),
    (bytes.fromhex("ff020000000000000000000000000001"), "eth7", _ifindex_table({"eth7": 7}), 7),
    (bytes.fromhex("ff310000000000000000000000000001"), "eth7", _ifindex_table({"eth7": 7}), 7),
    (bytes.fromhex("ff050000000000000000000000000001"), "eth7", _ifindex_table({"eth7": 7}), None),
    (bytes.fromhex("febf0000000000000000000000000001"), "eth7", _ifindex_table({"eth7": 7}), 7),
    (bytes.fromhex("fec00000000000000000000000000001"), "eth7", _ifindex_table({"eth7": 7}), None),
    (GLOBAL, "4294967295", _no_lookup, 4294967295),
    (GLOBAL, "4294967296", _no_lookup, None),
    (GLOBAL, "0" * 5000 + "7", _no_lookup, 7),
    (GLOBAL, "1" * 5000, _no_lookup, None),
    (GLOBAL, "", _no_lookup, None),
]


@pytest.mark.parametrize(("packed", "scope", "ifindex", "want"), SCOPE_CASES)
def test_scope_id_rules(
    packed: bytes, scope: str, ifindex: Callable[[str], int], want: int | None
) -> None:
    assert address.parse_scope_id(packed, scope, ifindex) == want


# --- reverse names -------------------------------------------------------------------------------

REVERSE_CASES = [
    (socket.AF_INET, b"\x01\x02\x03\x04", ok("4.3.2.1.in-addr.arpa")),
    (
        socket.AF_INET6,
        bytes.fromhex("20010db8000000000000000000000001"),
        ok("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
    ),
    (socket.AF_INET, bytes(16), "ValueError"),
    (socket.AF_INET6, bytes(4), "ValueError"),
    (99, bytes(4), "ValueError"),
]


@pytest.mark.parametrize(("family", "packed", "want"), REVERSE_CASES)
def test_reverse_pointer(family: int, packed: bytes, want: Outcome | str) -> None:
    got = outcome(address.reverse_pointer, family, packed)
    if want == "ValueError":
        assert got[:2] == ("raise", ValueError)
    else:
        assert got == want


# --- generated inputs ----------------------------------------------------------------------------

# fmt: off
TEXT_ALPHABET = st.sampled_from([
    *"0123456789abcdefABCDEFxX.:%", " ", "\t", "\n", "\v", "\f", "\r", "\xa0", "\x85", "\xe9",
    "\u0661", "\uff11", "\U0001f600", "g", "-", "+", "_", "\x00",
])
# fmt: on
RAW_TEXT = st.text(TEXT_ALPHABET, max_size=24)
C_NUMBER = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 2**33).map(str),
    st.integers(0, 2**33).map(lambda n: "0" + format(n, "o")),
    st.integers(0, 2**33).map(lambda n: "0x" + format(n, "x")),
    st.integers(0, 2**33).map(lambda n: "0X" + format(n, "X")),
    st.sampled_from(["", "0", "00", "0x", "08", "019", "0x0g", "4294967295", "4294967296"]),
)
IPV4_LIKE = st.lists(C_NUMBER, min_size=1, max_size=5).map(".".join)
HEX_GROUP = st.one_of(
    st.integers(0, 0xFFFF).map(lambda n: format(n, "x")),
    st.integers(0, 0xFFFF).map(lambda n: format(n, "04X")),
    st.sampled_from(["", "0", "00000", "12345", "g", "1.2.3.4", "255.255.255.255", "01.2.3.4"]),
)
IPV6_LIKE = st.lists(HEX_GROUP, min_size=1, max_size=10).map(":".join)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A structured address, sometimes with a character inserted or a suffix added."""
    text = draw(base)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(TEXT_ALPHABET) + text[at:]
    if draw(st.integers(0, 3)) == 0:
        text += draw(RAW_TEXT)
    return text


ANY_TEXT = st.one_of(RAW_TEXT, mutated(IPV4_LIKE), mutated(IPV6_LIKE))
HYPOTHESIS = settings(max_examples=1500, deadline=None)


@HYPOTHESIS
@given(text=ANY_TEXT)
@example(text="1:2:3:4:5:6:7::")
@example(text="0x7f.1 junk")
def test_text_functions_match_socket(text: str) -> None:
    assert outcome(address.inet_aton, text) == outcome(socket.inet_aton, text)
    for family in (socket.AF_INET, socket.AF_INET6):
        assert outcome(address.inet_pton, family, text) == outcome(socket.inet_pton, family, text)


def _pton_or_none(family: int, text: str) -> bytes | None:
    try:
        return socket.inet_pton(family, text)
    except (OSError, ValueError):
        return None


@HYPOTHESIS
@given(text=ANY_TEXT)
def test_parse_helpers_match_socket(text: str) -> None:
    if "\x00" in text:
        return
    assert address.parse_ipv4_strict(text) == _pton_or_none(socket.AF_INET, text)
    assert address.parse_ipv6(text) == _pton_or_none(socket.AF_INET6, text)


PACKED = st.one_of(
    st.binary(max_size=20),
    st.binary(min_size=16, max_size=16),
    st.lists(
        st.sampled_from([b"\x00\x00", b"\x00\x01", b"\xff\xff", b"\x12\x34"]),
        min_size=8,
        max_size=8,
    ).map(b"".join),
    st.binary(min_size=6, max_size=6).map(lambda tail: bytes(10) + tail),
)


@HYPOTHESIS
@given(packed=PACKED)
def test_bytes_functions_match_socket(packed: bytes) -> None:
    assert outcome(address.inet_ntoa, packed) == outcome(socket.inet_ntoa, packed)
    for family in (socket.AF_INET, socket.AF_INET6):
        assert outcome(address.inet_ntop, family, packed) == outcome(
            socket.inet_ntop, family, packed
        )


@HYPOTHESIS
@given(family=st.one_of(st.integers(), st.integers(-(2**70), 2**70), st.sampled_from([2, 10])))
def test_family_numbers_match_socket(family: int) -> None:
    assert outcome(address.inet_pton, family, "::1") == outcome(socket.inet_pton, family, "::1")
    assert outcome(address.inet_ntop, family, ZEROS) == outcome(socket.inet_ntop, family, ZEROS)


@HYPOTHESIS
@given(packed=st.binary(min_size=16, max_size=16) | PACKED.filter(lambda p: len(p) == 16))
def test_ipv6_round_trip(packed: bytes) -> None:
    text = address.format_ipv6(packed)
    assert address.parse_ipv6(text) == packed
    assert address.parse_numeric_host(text, _no_lookup) == NumericHost(socket.AF_INET6, packed)
    assert (
        address.reverse_pointer(socket.AF_INET6, packed)
        == ipaddress.IPv6Address(packed).reverse_pointer
    )


@HYPOTHESIS
@given(packed=st.binary(min_size=4, max_size=4))
def test_ipv4_round_trip(packed: bytes) -> None:
    text = address.format_ipv4(packed)
    assert address.parse_ipv4_strict(text) == packed
    assert address.parse_ipv4_exact(text) == packed
    assert address.inet_aton(text) == packed
    assert address.parse_numeric_host(text, _no_lookup) == NumericHost(socket.AF_INET, packed)
    assert (
        address.reverse_pointer(socket.AF_INET, packed)
        == ipaddress.IPv4Address(packed).reverse_pointer
    )
    # every BSD spelling of the same address
    word = int.from_bytes(packed, "big")
    for spelling in (
        str(word),
        hex(word),
        "0%o" % word,
        f"{packed[0]}.{word & 0xFFFFFF}",
        f"{packed[0]}.{packed[1]}.{word & 0xFFFF:#x}",
    ):
        assert address.parse_ipv4_exact(spelling) == packed


SCOPE_TEXT = st.one_of(
    st.sampled_from(SCOPES), st.text(TEXT_ALPHABET, max_size=6), st.integers(0, 2**33).map(str)
)
HOST_TEXT = st.one_of(
    ANY_TEXT,
    st.builds(lambda a, s: f"{a}%{s}", st.sampled_from(SCOPED) | mutated(IPV6_LIKE), SCOPE_TEXT),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789.-"), max_size=20),
)


@HYPOTHESIS
@given(host=HOST_TEXT)
@example(host="fe80::1%lo")
@example(host="0xc0.0250.2.1")
def test_numeric_host_matches_getaddrinfo_generated(host: str) -> None:
    text = _c_string_host(host)
    if "\x00" in text:
        return
    assert address.parse_numeric_host(text, socket.if_nametoindex) == glibc_numeric_host(text)
