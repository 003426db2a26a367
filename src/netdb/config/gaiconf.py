"""/etc/gai.conf (gai.conf(5)) as glibc 2.36 reads it (``sysdeps/posix/getaddrinfo.c``).

``label PREFIX/BITS VALUE`` and ``precedence PREFIX/BITS VALUE`` (an IPv6 prefix, bits 0..128,
default 128), ``scopev4 PREFIX/BITS VALUE`` (an IPv4-mapped prefix with bits 96..128, or a plain
IPv4 prefix with bits 0..32) and ``reload yes|no``.  A malformed line is ignored.  Giving any line
of a table replaces that whole built-in table (see ``sort.py``, which adds the catch-all entry
glibc adds and orders the entries most specific first).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..address import parse_ipv4_strict, parse_ipv6
from ..steps import Steps, finish
from ._lines import CHUNK, SPACE, strtoul

INT_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """An IPv6 prefix (16 bytes, bits past ``prefixlen`` ignored) and its value."""

    prefix: bytes
    prefixlen: int
    value: int


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """An IPv4 network (address and netmask as 32-bit ints) and its scope."""

    addr: int
    netmask: int
    value: int


@dataclass(frozen=True, slots=True)
class GaiConf:
    """What gai.conf gives; ``None`` for a table the file does not mention."""

    labels: tuple[PolicyRule, ...] | None = None
    precedences: tuple[PolicyRule, ...] | None = None
    scopev4: tuple[ScopeRule, ...] | None = None
    reload: bool = False
    origin: str = ""


def _number(text: str) -> int | None:
    """``strtoul(text, &end, 10)`` checked as gaiconf_init checks it: ``*end == '\\0'`` and no
    ERANGE.  An empty field (``precedence ::/0`` with no value, ``::/`` with no bits) reads as
    0: strtoul reads nothing and ``end`` is already at the string's end."""
    if text == "":
        return 0
    value, end = strtoul(text)
    if end == 0 or end != len(text) or value == 0xFFFFFFFFFFFFFFFF:
        return None
    return value


def _words(line: str) -> list[str]:
    line = line.split("#", 1)[0]
    out: list[str] = []
    cur = ""
    for ch in line:
        if ch in SPACE:
            if cur:
                out.append(cur)
                cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _policy(val1: str, val2: str) -> PolicyRule | None:
    addr, slash, bits_text = val1.partition("/")
    prefix = parse_ipv6(addr)
    bits: int | None = 128
    if slash:
        bits = _number(bits_text)
    value = _number(val2)
    if prefix is None or bits is None or bits > 128 or value is None or value > INT_MAX:
        return None
    return PolicyRule(prefix, bits, value)


def _scope(val1: str, val2: str) -> ScopeRule | None:
    addr, slash, bits_text = val1.partition("/")
    value = _number(val2)
    if value is None or value > INT_MAX:
        return None
    v6 = parse_ipv6(addr)
    if v6 is not None:
        if not v6.startswith(b"\x00" * 10 + b"\xff\xff"):
            return None
        bits = _number(bits_text) if slash else 128
        if bits is None or not 96 <= bits <= 128:
            return None
        mask = (0xFFFFFFFF << (128 - bits)) & 0xFFFFFFFF if bits != 96 else 0
        return ScopeRule(int.from_bytes(v6[12:], "big") & mask, mask, value)
    v4 = parse_ipv4_strict(addr)
    if v4 is None:
        return None
    bits = _number(bits_text) if slash else 32
    if bits is None or bits > 32:
        return None
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
    return ScopeRule(int.from_bytes(v4, "big") & mask, mask, value)


def parse_gai_conf(text: str | None, origin: str = "/etc/gai.conf") -> GaiConf:
    """Parse gai.conf (None: the file is missing, so the built-in tables)."""
    return finish(parse_gai_conf_steps(text, origin))


def parse_gai_conf_steps(text: str | None, origin: str = "/etc/gai.conf") -> Steps[GaiConf]:
    """:func:`parse_gai_conf` pausing every :data:`~._lines.CHUNK` lines (the asyncio front)."""
    labels: list[PolicyRule] = []
    precedences: list[PolicyRule] = []
    scopes: list[ScopeRule] = []
    reload = False
    for number, line in enumerate((text or "").split("\n"), 1):
        if not number % CHUNK:
            yield
        words = _words(line)
        if len(words) < 2:
            continue
        cmd, val1 = words[0], words[1]
        val2 = words[2] if len(words) > 2 else ""
        if cmd == "label":
            rule = _policy(val1, val2)
            if rule is not None:
                labels.append(rule)
        elif cmd == "precedence":
            rule = _policy(val1, val2)
            if rule is not None:
                precedences.append(rule)
        elif cmd == "scopev4":
            srule = _scope(val1, val2)
            if srule is not None:
                scopes.append(srule)
        elif cmd == "reload":
            reload = val1 == "yes"
    return GaiConf(
        tuple(labels) or None, tuple(precedences) or None, tuple(scopes) or None, reload, origin
    )
