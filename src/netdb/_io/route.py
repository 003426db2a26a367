"""Source address selection for RFC 6724 ordering, the way glibc's getaddrinfo finds Source(D).

For each destination, a UDP socket of its family is connected to it (no packet is sent) and
``getsockname`` gives the source the kernel would use; a failure (no route) means "unusable"
(RFC 6724 rule 1).  The source's prefix length and flags come from the interface list.  The
decision itself is ``sort.py``'s.  Answers are kept until the kernel reports an address, route
or rule change (``watch.py``), so a repeated lookup costs no system call beyond one ``recv``.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from ..sort import Candidate, Policy, sort_candidates
from .ifaddrs import interface_addresses
from .watch import WATCH

_MAPPED = b"\x00" * 10 + b"\xff\xff"


_sources: dict[tuple[int, bytes, int], bytes | None] = {}
_sources_gen = -1


def cached_source_address(family: int, dst: bytes, scope_id: int = 0) -> bytes | None:
    """:func:`source_address`, remembered until the kernel reports an address or route change."""
    global _sources_gen
    gen = WATCH.generation()
    if gen != _sources_gen:
        _sources.clear()
        _sources_gen = gen
    key = (family, dst, scope_id)
    try:
        return _sources[key]
    except KeyError:
        pass
    if len(_sources) > 4096:
        _sources.clear()
    src = _sources[key] = source_address(family, dst, scope_id)
    return src


def source_address(family: int, dst: bytes, scope_id: int = 0) -> bytes | None:
    """The source address the kernel picks to reach ``dst``, or None when it cannot."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            if family == socket.AF_INET:
                s.connect((socket.inet_ntop(family, dst), 0))
            else:
                s.connect((socket.inet_ntop(family, dst), 0, 0, scope_id))
            return socket.inet_pton(family, s.getsockname()[0].split("%", 1)[0])
    except OSError:
        return None


def order_destinations(dests: Sequence[tuple[int, bytes, int]], policy: Policy) -> list[int]:
    """The permutation that sorts ``(family, packed, scope_id)`` destinations as glibc would."""
    known: dict[bytes, tuple[int, int]] = {}
    for a in interface_addresses():
        key = _MAPPED + a.address if a.family == socket.AF_INET else a.address
        known.setdefault(key, (a.prefixlen, a.flags))
    cands: list[Candidate] = []
    for i, (family, dst, scope) in enumerate(dests):
        src = cached_source_address(family, dst, scope)
        prefixlen, flags = 0, 0
        if src is not None:
            prefixlen, flags = known.get(_MAPPED + src if family == socket.AF_INET else src, (0, 0))
        cands.append(
            Candidate(family, dst, src, prefixlen, bool(flags & 0x24), bool(flags & 0x10), i)
        )
    return [c.index for c in sort_candidates(cands, policy)]
