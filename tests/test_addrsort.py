"""nss_dns's ``addrsort`` (resolv.conf's ``sortlist``) against glibc's loop written out as it
is in ``dns-host.c``: every entry walked for every address, the first match's index kept in a C
``short``.  netdb looks entries up by mask instead; the order must be the same, and a long
sortlist must cost its distinct masks, not its length (glibc's sandboxed answers for sortlist
files are compared in ``tests/test_differential_dns.py``)."""

from __future__ import annotations

import random
import time

import pytest

from netdb.constants import AF_INET
from netdb.hostent import Address
from netdb.nss_dns import addrsort


def glibc_addrsort(addresses: list[Address], sortlist: list[tuple[bytes, bytes]]) -> list[Address]:
    ap = list(addresses)
    num = min(len(ap), 35)
    aval = []
    needsort = 0
    for i in range(num):
        j = 0
        while j < len(sortlist):
            net, mask = sortlist[j]
            if net == bytes(a & m for a, m in zip(ap[i].packed, mask, strict=True)):
                break
            j += 1
        j = ((j + 0x8000) & 0xFFFF) - 0x8000
        aval.append(j)
        if needsort == 0 and i > 0 and j < aval[i - 1]:
            needsort = i
    if not needsort:
        return ap
    while needsort < num:
        needsort += 1
        j = needsort - 2
        while j >= 0 and aval[j] > aval[j + 1]:
            aval[j], aval[j + 1] = aval[j + 1], aval[j]
            ap[j], ap[j + 1] = ap[j + 1], ap[j]
            j -= 1
    return ap


def _v4(rng: random.Random) -> bytes:
    return bytes([192, 0, rng.choice((2, 3)), rng.randrange(4)])


def _entry(rng: random.Random) -> tuple[bytes, bytes]:
    mask = rng.choice([bytes([255, 255, 255, 0]), bytes([255] * 4), bytes([255, 255, 0, 0]),
                       bytes([255, 0, 255, 0]), bytes(4)])  # fmt: skip
    net = bytes(a & m for a, m in zip(_v4(rng), mask, strict=True))
    if rng.random() < 0.2:
        net = _v4(rng)  # a network not under its own mask: it never matches (glibc's rule)
    return net, mask


@pytest.mark.parametrize("seed", range(40))
def test_same_order_as_glibcs_loop(seed: int) -> None:
    rng = random.Random(seed)
    sortlist = [_entry(rng) for _ in range(rng.randrange(0, 12))]
    addresses = [Address(AF_INET, _v4(rng)) for _ in range(rng.randrange(1, 40))]
    assert list(addrsort(addresses, tuple(sortlist))) == glibc_addrsort(addresses, sortlist)


def test_ranks_past_a_short() -> None:
    """Entries past 32,767 wrap in glibc's ``short aval[]``: a match there ranks before one
    near the start."""
    filler = [(bytes([10, 0, i >> 8 & 255, i & 255]), bytes([255] * 4)) for i in range(40_000)]
    sortlist = [*filler[:5], (bytes([192, 0, 2, 0]), bytes([255, 255, 255, 0])), *filler[5:]]
    sortlist.append((bytes([192, 0, 3, 0]), bytes([255, 255, 255, 0])))  # index 40,001
    addresses = [Address(AF_INET, bytes([192, 0, 2, 1])), Address(AF_INET, bytes([192, 0, 3, 1]))]
    want = glibc_addrsort(addresses, sortlist)
    assert want[0].packed == bytes([192, 0, 3, 1])
    assert list(addrsort(addresses, tuple(sortlist))) == want


def test_a_long_sortlist_costs_its_masks() -> None:
    sortlist = tuple((bytes([10, i >> 16 & 255, i >> 8 & 255, i & 255]), bytes([255] * 4))
                     for i in range(300_000))  # fmt: skip
    addresses = [Address(AF_INET, bytes([10, 0, 1, i])) for i in range(35)]
    addrsort(addresses, sortlist)  # the index is made once
    started = time.perf_counter()
    for _ in range(100):
        addrsort(addresses, sortlist)
    assert time.perf_counter() - started < 0.5  # the walk took about 0.4 s a call
