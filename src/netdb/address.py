"""IP address text <-> bytes, exactly as glibc and CPython's ``socket`` do it on Linux.

Owns ``inet_aton`` (the BSD forms of inet(3): one to four parts, decimal/octal/hex, anything after
a blank ignored), ``inet_pton``/``inet_ntop`` (inet_pton(3), inet_ntop(3) with glibc's choice of
the ``::`` run and its IPv4-mapped / IPv4-compatible output), ``inet_ntoa``, the numeric-host
parsing getaddrinfo applies (glibc's ``__inet_aton_exact`` and ``__inet6_scopeid_pton``, RFC 4007
``%scope``), and reverse-lookup names (RFC 1035 §3.5, RFC 3596 §2.5).

The drop-in functions raise what CPython raises (class, errno, message) for every bad argument;
the ``parse_*`` helpers used by the lookup layer return ``None`` instead of raising.  Text handed
in by the lookup layer is a C string seen one byte per character (latin-1).  Pure code: the
interface-name lookup a scope needs is passed in.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass

from .constants import AF_INET, AF_INET6

_DEC = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_OCT = frozenset("01234567")
_SPACE = frozenset(" \t\n\v\f\r")
_PART_MAX = (0xFFFFFFFF, 0xFFFFFF, 0xFFFF, 0xFF)


def _aton(text: str) -> tuple[bytes, int] | None:
    """glibc's ``inet_aton_end``: (address, index where parsing stopped) or None."""
    n = len(text)
    i = 0
    parts: list[int] = []
    val = 0
    while True:
        if i >= n or text[i] not in _DEC:
            return None
        digit = False  # every part needs a digit ("0x" alone is not a number)
        base = 10
        if text[i] == "0":
            i += 1
            if i < n and text[i] in "xX":
                base = 16
                i += 1
            else:
                base = 8
                digit = True
        val = 0
        while i < n:
            c = text[i]
            if c in _DEC:
                if base == 8 and c in "89":
                    return None
                val = val * base + (ord(c) - 48)
            elif base == 16 and c in _HEX:
                val = (val << 4) | int(c, 16)
            else:
                break
            if val > 0xFFFFFFFF:
                return None
            digit = True
            i += 1
        if i < n and text[i] == ".":
            if not digit or len(parts) > 2 or val > 0xFF:
                return None
            parts.append(val)
            i += 1
            continue
        break
    if i < n and text[i] not in _SPACE:
        return None
    if not digit or val > _PART_MAX[len(parts)]:
        return None
    word = val
    for k, part in enumerate(parts):
        word |= part << (24 - 8 * k)
    return word.to_bytes(4, "big"), i


def parse_ipv4_exact(text: str) -> bytes | None:
    """glibc's ``__inet_aton_exact``: a BSD-form IPv4 address with nothing after it."""
    res = _aton(text)
    if res is None or res[1] != len(text):
        return None
    return res[0]


def parse_ipv4_strict(text: str) -> bytes | None:
    """``inet_pton(AF_INET)``: exactly four decimal parts, no leading zeros, each <= 255."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    out = bytearray(4)
    for k, p in enumerate(parts):
        if not p or len(p) > 3 or not _DEC.issuperset(p) or (len(p) > 1 and p[0] == "0"):
            return None
        v = int(p)
        if v > 255:
            return None
        out[k] = v
    return bytes(out)


def parse_ipv6(text: str) -> bytes | None:
    """``inet_pton(AF_INET6)`` (RFC 4291 §2.2 text forms, as glibc accepts them)."""
    n = len(text)
    if n < 2 or n > 45:  # no valid form is shorter than "::" or longer than 45 characters
        return None
    i = 0
    if text[0] == ":":
        if text[1] != ":":
            return None
        i = 1
    words: list[int] = []
    gap = -1
    token = i  # where the current group began
    digits = 0
    val = 0
    while i < n:
        c = text[i]
        if c in _HEX:
            digits += 1
            if digits > 4:
                return None
            val = (val << 4) | int(c, 16)
        elif c == ":":
            token = i + 1
            if not digits:
                if gap >= 0:
                    return None
                gap = len(words)
            elif i + 1 == n or len(words) == 8:
                return None
            else:
                words.append(val)
                val = digits = 0
        elif c == "." and len(words) <= 6:
            v4 = parse_ipv4_strict(text[token:])
            if v4 is None:
                return None
            words.append((v4[0] << 8) | v4[1])
            words.append((v4[2] << 8) | v4[3])
            digits = 0
            break
        else:
            return None
        i += 1
    if digits:
        if len(words) == 8:
            return None
        words.append(val)
    if gap >= 0:
        if len(words) == 8:
            return None
        words[gap:gap] = [0] * (8 - len(words))
    elif len(words) != 8:
        return None
    return b"".join(w.to_bytes(2, "big") for w in words)


def format_ipv4(packed: bytes) -> str:
    """``inet_ntop(AF_INET)``."""
    return "%d.%d.%d.%d" % (packed[0], packed[1], packed[2], packed[3])


def format_ipv6(packed: bytes) -> str:
    """``inet_ntop(AF_INET6)`` as glibc writes it.

    The first longest run of two or more zero words becomes ``::``; an address whose first six
    words are zero (IPv4-compatible) or whose first five are zero and sixth ``ffff`` (IPv4-mapped)
    ends in dotted-quad form.
    """
    words = [(packed[k] << 8) | packed[k + 1] for k in range(0, 16, 2)]
    best_base, best_len = -1, 0
    k = 0
    while k < 8:
        if words[k] == 0:
            start = k
            while k < 8 and words[k] == 0:
                k += 1
            if k - start > best_len:
                best_base, best_len = start, k - start
        else:
            k += 1
    if best_len < 2:
        best_base = -1
    if best_base == 0 and (best_len == 6 or (best_len == 5 and words[5] == 0xFFFF)):
        prefix = "::" if best_len == 6 else "::ffff:"
        return prefix + format_ipv4(packed[12:])
    if best_base < 0:
        return ":".join("%x" % w for w in words)
    head = ":".join("%x" % w for w in words[:best_base])
    tail = ":".join("%x" % w for w in words[best_base + best_len :])
    return head + "::" + tail


# --- the socket-compatible functions -----------------------------------------------------------


def _str_arg(func: str, pos: int, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{func}() argument {pos} must be str, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError("embedded null character")
    return value if value.isascii() else value.encode("utf-8", "surrogatepass").decode("latin-1")


def _buffer(value: object) -> bytes:
    try:
        return bytes(memoryview(value))  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'") from None


def _int_arg(value: object) -> int:
    if isinstance(value, int):
        n = int(value)
    else:
        try:
            n = value.__index__()  # type: ignore[attr-defined]
        except AttributeError:
            raise TypeError(
                f"'{type(value).__name__}' object cannot be interpreted as an integer"
            ) from None
    if n > 2**31 - 1:
        raise OverflowError("signed integer is greater than maximum")
    if n < -(2**31):
        raise OverflowError("signed integer is less than minimum")
    return n


def inet_aton(string: str, /) -> bytes:
    """``socket.inet_aton``: BSD-form IPv4 text to 4 bytes (text after a blank is ignored)."""
    text = _str_arg("inet_aton", 1, string)
    res = _aton(text)
    if res is None:
        raise OSError("illegal IP address string passed to inet_aton")
    return res[0]


def inet_ntoa(packed_ip: bytes, /) -> str:
    """``socket.inet_ntoa``: 4 bytes to dotted-quad text."""
    data = _buffer(packed_ip)
    if len(data) != 4:
        raise OSError("packed IP wrong length for inet_ntoa")
    return format_ipv4(data)


def inet_pton(address_family: int, ip_string: str, /) -> bytes:
    """``socket.inet_pton`` for ``AF_INET`` and ``AF_INET6``."""
    af = _int_arg(address_family)
    text = _str_arg("inet_pton", 2, ip_string)
    if af == AF_INET:
        packed = parse_ipv4_strict(text)
    elif af == AF_INET6:
        packed = parse_ipv6(text)
    else:
        raise OSError(errno.EAFNOSUPPORT, os.strerror(errno.EAFNOSUPPORT))
    if packed is None:
        raise OSError("illegal IP address string passed to inet_pton")
    return packed


def inet_ntop(address_family: int, packed_ip: bytes, /) -> str:
    """``socket.inet_ntop`` for ``AF_INET`` and ``AF_INET6``."""
    af = _int_arg(address_family)
    data = _buffer(packed_ip)
    if af == AF_INET:
        if len(data) != 4:
            raise ValueError("invalid length of packed IP address string")
        return format_ipv4(data)
    if af == AF_INET6:
        if len(data) != 16:
            raise ValueError("invalid length of packed IP address string")
        return format_ipv6(data)
    raise ValueError(f"unknown address family {af}")


# --- numeric hosts as getaddrinfo sees them -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumericHost:
    """A host string that is an address: its family, packed bytes and IPv6 scope id."""

    family: int
    packed: bytes
    scope_id: int = 0


def _scope_by_name_allowed(packed: bytes) -> bool:
    """Link-local unicast, and node- or link-local multicast (glibc ``__inet6_scopeid_pton``)."""
    a, b = packed[0], packed[1]
    return (a == 0xFE and b & 0xC0 == 0x80) or (a == 0xFF and b & 0x0F in (1, 2))


def scope_id(packed: bytes, scope: str, ifindex: Callable[[str], int]) -> int | None:
    """The scope id a ``%scope`` suffix names, or None when glibc rejects it."""
    if _scope_by_name_allowed(packed):
        try:
            index = ifindex(scope)
        except (OSError, ValueError):
            index = 0
        if index:
            return index
    if scope and scope[0] in _DEC and _DEC.issuperset(scope):
        value = int(scope)
        if value <= 0xFFFFFFFF:
            return value
    return None


def parse_numeric_host(text: str, ifindex: Callable[[str], int]) -> NumericHost | None:
    """glibc getaddrinfo's numeric host: ``__inet_aton_exact``, else IPv6 with optional scope."""
    if not text:
        return None
    first = text[0]
    if first in _DEC:
        v4 = parse_ipv4_exact(text)
        if v4 is not None:
            return NumericHost(AF_INET, v4)
    if first not in _HEX and first != ":":
        return None
    head, percent, scope = text.partition("%")
    v6 = parse_ipv6(head)
    if v6 is None:
        return None
    if not percent:
        return NumericHost(AF_INET6, v6)
    sid = scope_id(v6, scope, ifindex)
    if sid is None:
        return None
    return NumericHost(AF_INET6, v6, sid)


def reverse_pointer(family: int, packed: bytes) -> str:
    """The PTR name for an address: ``4.3.2.1.in-addr.arpa`` / nibbles under ``ip6.arpa``."""
    if family == AF_INET:
        return ".".join(str(b) for b in reversed(packed)) + ".in-addr.arpa"
    nibbles = packed.hex()[::-1]
    return ".".join(nibbles) + ".ip6.arpa"
