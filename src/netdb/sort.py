"""Destination address ordering for getaddrinfo: RFC 6724 §6 as glibc 2.36 applies it.

Owns the comparison of two destinations (each with the source address the kernel would use, its
prefix length and flags) and the policy tables it consults.  By default it reproduces glibc's
``rfc3484_sort``: glibc's built-in tables are still RFC 3484's (IPv4-mapped precedence 10, ULA
label 6 with the default precedence 40, Teredo label 7), IPv4 addresses are classified as
IPv4-mapped IPv6 addresses, IPv4 scopes come from the ``scopev4`` table, and rule 9 (longest
matching prefix) also orders IPv4 destinations, but only those inside the source's subnet.
``Policy.rfc6724()`` offers RFC 6724's own table as an explicit choice.  Sorting is stable: ties
keep getaddrinfo's order (rule 10).  Pure code: the sources come in with the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cmp_to_key

from .config.gaiconf import GaiConf, PolicyRule, ScopeRule
from .constants import AF_INET, AF_INET6

_MAPPED = b"\x00" * 10 + b"\xff\xff"


def _rule(prefix: str, bits: int, value: int) -> PolicyRule:
    from .address import parse_ipv6

    packed = parse_ipv6(prefix)
    assert packed is not None
    return PolicyRule(packed, bits, value)


# glibc's built-in tables (RFC 3484 §2.1 with glibc's ULA/site-local/Teredo additions).
GLIBC_LABELS = (
    _rule("::1", 128, 0),
    _rule("2002::", 16, 2),
    _rule("::", 96, 3),
    _rule("::ffff:0:0", 96, 4),
    _rule("fec0::", 10, 5),
    _rule("fc00::", 7, 6),
    _rule("2001::", 32, 7),
    _rule("::", 0, 1),
)
GLIBC_PRECEDENCE = (
    _rule("::1", 128, 50),
    _rule("2002::", 16, 30),
    _rule("::", 96, 20),
    _rule("::ffff:0:0", 96, 10),
    _rule("::", 0, 40),
)
GLIBC_SCOPEV4 = (
    ScopeRule(0xA9FE0000, 0xFFFF0000, 2),  # 169.254/16 link-local
    ScopeRule(0x7F000000, 0xFF000000, 2),  # 127/8 loopback
    ScopeRule(0, 0, 14),
)
# RFC 6724 §2.1 default policy table, most specific first.
RFC6724_LABELS = (
    _rule("::1", 128, 0),
    _rule("::ffff:0:0", 96, 4),
    _rule("::", 96, 3),
    _rule("2001::", 32, 5),
    _rule("2002::", 16, 2),
    _rule("3ffe::", 16, 12),
    _rule("fec0::", 10, 11),
    _rule("fc00::", 7, 13),
    _rule("::", 0, 1),
)
RFC6724_PRECEDENCE = (
    _rule("::1", 128, 50),
    _rule("::ffff:0:0", 96, 35),
    _rule("::", 96, 1),
    _rule("2001::", 32, 5),
    _rule("2002::", 16, 30),
    _rule("3ffe::", 16, 1),
    _rule("fec0::", 10, 1),
    _rule("fc00::", 7, 3),
    _rule("::", 0, 40),
)


def _table(
    rules: tuple[PolicyRule, ...] | None, default: tuple[PolicyRule, ...], catch_all: int
) -> tuple[PolicyRule, ...]:
    """A gai.conf table as glibc completes it: a ``::/0`` entry added, most specific first."""
    if rules is None:
        return default
    full = list(rules)
    if not any(r.prefixlen == 0 for r in full):
        full.append(PolicyRule(bytes(16), 0, catch_all))
    return tuple(sorted(full, key=lambda r: -r.prefixlen))


@dataclass(frozen=True, slots=True)
class Policy:
    """Label, precedence and IPv4 scope tables, and whether rule 9 applies to IPv4."""

    labels: tuple[PolicyRule, ...]
    precedence: tuple[PolicyRule, ...]
    scopev4: tuple[ScopeRule, ...]
    ipv4_rule9: bool = True

    @classmethod
    def glibc(cls, gai: GaiConf | None = None) -> Policy:
        if gai is None:
            return cls(GLIBC_LABELS, GLIBC_PRECEDENCE, GLIBC_SCOPEV4)
        scopes: tuple[ScopeRule, ...] = GLIBC_SCOPEV4
        if gai.scopev4 is not None:
            full = list(gai.scopev4)
            if not any(s.netmask == 0 for s in full):
                full.append(ScopeRule(0, 0, 14))
            scopes = tuple(sorted(full, key=lambda s: -s.netmask))
        return cls(
            _table(gai.labels, GLIBC_LABELS, 1),
            _table(gai.precedences, GLIBC_PRECEDENCE, 40),
            scopes,
        )

    @classmethod
    def rfc6724(cls) -> Policy:
        return cls(RFC6724_LABELS, RFC6724_PRECEDENCE, GLIBC_SCOPEV4, ipv4_rule9=False)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A destination and what the kernel said about reaching it.

    ``src`` is the source address the kernel picked (None: unreachable); ``src_prefixlen``,
    ``src_deprecated`` and ``src_home`` describe that source as the interface list shows it.
    """

    family: int
    dst: bytes
    src: bytes | None = None
    src_prefixlen: int = 0
    src_deprecated: bool = False
    src_home: bool = False
    index: int = 0


def _as_v6(family: int, packed: bytes) -> bytes:
    return _MAPPED + packed if family == AF_INET else packed


def _match(table: tuple[PolicyRule, ...], addr16: bytes, default: int) -> int:
    value = int.from_bytes(addr16, "big")
    for r in table:
        if r.prefixlen == 0:
            return r.value
        shift = 128 - r.prefixlen
        if value >> shift == int.from_bytes(r.prefix, "big") >> shift:
            return r.value
    return default


def _scope(policy: Policy, family: int, packed: bytes) -> int:
    if family == AF_INET:
        v = int.from_bytes(packed, "big")
        for s in policy.scopev4:
            if v & s.netmask == s.addr:
                return s.value
        return 14
    if packed[0] == 0xFF:  # multicast: the scope field
        return packed[1] & 0x0F
    if (packed[0] == 0xFE and packed[1] & 0xC0 == 0x80) or packed == bytes(15) + b"\x01":
        return 2  # link-local, and loopback treated as link-local (RFC 4291 §2.5.3)
    if packed[0] == 0xFE and packed[1] & 0xC0 == 0xC0:
        return 5  # site-local
    return 14


def _common_prefix(a: bytes, b: bytes) -> int:
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return len(a) * 8 - x.bit_length()


@dataclass(frozen=True, slots=True)
class _Facts:
    c: Candidate
    usable: bool
    dst_scope: int
    src_scope: int
    dst_label: int
    src_label: int
    precedence: int


def _facts(policy: Policy, c: Candidate) -> _Facts:
    dst6 = _as_v6(c.family, c.dst)
    usable = c.src is not None
    src = c.src if c.src is not None else bytes(len(c.dst))
    return _Facts(
        c,
        usable,
        _scope(policy, c.family, c.dst),
        _scope(policy, c.family, src) if usable else 0,
        _match(policy.labels, dst6, 2**31 - 1),
        _match(policy.labels, _as_v6(c.family, src), 2**31 - 1) if usable else 0,
        _match(policy.precedence, dst6, 0),
    )


def _compare(policy: Policy, a: _Facts, b: _Facts) -> int:
    """Negative when ``a`` goes first (glibc ``rfc3484_sort``)."""
    # Rule 1: avoid unusable destinations (no source address).
    if a.usable != b.usable:
        return -1 if a.usable else 1
    # Rule 2: prefer matching scope (destination scope equal to its source's).
    if a.usable:
        am, bm = a.dst_scope == a.src_scope, b.dst_scope == b.src_scope
        if am != bm:
            return -1 if am else 1
    # Rule 3: avoid deprecated source addresses.
    if a.usable and a.c.src_deprecated != b.c.src_deprecated:
        return 1 if a.c.src_deprecated else -1
    # Rule 4: prefer home addresses.
    if a.usable and a.c.src_home != b.c.src_home:
        return -1 if a.c.src_home else 1
    # Rule 5: prefer matching label.
    if a.usable:
        am, bm = a.dst_label == a.src_label, b.dst_label == b.src_label
        if am != bm:
            return -1 if am else 1
    # Rule 6: prefer higher precedence.
    if a.precedence != b.precedence:
        return -1 if a.precedence > b.precedence else 1
    # Rule 7: prefer native transport.
    # TODO: glibc asks the kernel whether the source's interface is a tunnel (__check_native);
    # netdb treats every interface as native, so this rule never decides.
    # Rule 8: prefer smaller scope.
    if a.dst_scope != b.dst_scope:
        return -1 if a.dst_scope < b.dst_scope else 1
    # Rule 9: use longest matching prefix (IPv4 only inside the source's subnet, glibc).
    if a.usable and a.c.family == b.c.family:
        if a.c.family == AF_INET6:
            bits_a = _common_prefix(a.c.dst, a.c.src or b"")
            bits_b = _common_prefix(b.c.dst, b.c.src or b"")
        elif policy.ipv4_rule9:
            bits_a = _ipv4_prefix(a.c)
            bits_b = _ipv4_prefix(b.c)
        else:
            bits_a = bits_b = 0
        if bits_a != bits_b:
            return -1 if bits_a > bits_b else 1
    # Rule 10: otherwise leave the order unchanged (the sort is stable).
    return 0


def _ipv4_prefix(c: Candidate) -> int:
    assert c.src is not None
    d, s = int.from_bytes(c.dst, "big"), int.from_bytes(c.src, "big")
    # glibc shifts 0xffffffff left by 32 - prefixlen; for an unknown prefix length (0) the x86
    # shift count wraps to 0, so the mask keeps every bit.
    mask = (0xFFFFFFFF << (32 - c.src_prefixlen)) & 0xFFFFFFFF if c.src_prefixlen else 0xFFFFFFFF
    if s & mask != d & mask:
        return 0
    return 32 - (d ^ s).bit_length()


def sort_candidates(cands: Sequence[Candidate], policy: Policy) -> list[Candidate]:
    """``cands`` in getaddrinfo's order under ``policy``."""
    if len(cands) < 2:
        return list(cands)
    facts = [_facts(policy, c) for c in cands]
    facts.sort(key=cmp_to_key(lambda x, y: _compare(policy, x, y)))
    return [f.c for f in facts]


__all__ = ["AF_INET6", "Candidate", "Policy", "sort_candidates"]
