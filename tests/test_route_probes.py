"""The source-address probes of ``_io/route.py`` on their kept sockets, against a socket per probe.

A probe connects a UDP socket to a destination (no packet leaves) and reads the source the kernel
picked.  netdb keeps one socket per family and thread and dissolves its association after each
probe (``connect`` to ``AF_UNSPEC``, as glibc does between its own probes), so every probe must
see the socket as new: the same answer as on a fresh socket, in any order, after a failed or a
scoped probe, in other threads and in a forked child.  Loopback destinations only: these run
outside the sandbox, and connect(2) on a datagram socket sends nothing.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest

from netdb._io import route
from tests.scripted import run_counting

V4 = ["127.0.0.1", "127.0.0.9", "127.1.2.3", "0.0.0.0", "255.255.255.255", "224.0.0.1"]
V6 = ["::1", "::ffff:127.0.0.1", "fe80::1", "ff02::1", "2001:db8::1", "::"]
CASES = [(socket.AF_INET, a) for a in V4] + [(socket.AF_INET6, a) for a in V6]


def fresh(family: int, text: str, scope_id: int = 0) -> bytes | None:
    """The probe on a socket of its own."""
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((text, 0, 0, scope_id) if family == socket.AF_INET6 else (text, 0))
        except OSError:
            return None
        return socket.inet_pton(family, s.getsockname()[0].partition("%")[0])


def probe(family: int, text: str, scope_id: int = 0) -> bytes | None:
    return route.source_address(family, socket.inet_pton(family, text), scope_id)


def has_ipv6() -> bool:
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not has_ipv6(), reason="needs IPv6 sockets")


def kept_are_clean() -> None:
    """Every kept socket is unconnected and unbound, as a new one is."""
    for family, sock in route._probes.socks.items():
        with pytest.raises(OSError):
            sock.getpeername()
        assert sock.getsockname()[0] in ("0.0.0.0", "::"), family
        assert sock.getsockname()[1] == 0


def test_probes_match_a_socket_each_in_any_order() -> None:
    expected = {case: fresh(*case) for case in CASES}
    assert any(v is not None for v in expected.values())
    assert any(v is None for v in expected.values())  # failures are among the cases
    for order in (CASES, CASES[::-1], CASES[::2] + CASES[1::2]):
        for case in order:
            assert probe(*case) == expected[case], case
            kept_are_clean()
    assert set(route._probes.socks) == {socket.AF_INET, socket.AF_INET6}


def test_scoped_probe_leaves_the_kept_socket_alone() -> None:
    lo = socket.if_nametoindex("lo")
    probe(socket.AF_INET6, "::1")
    kept = route._probes.socks[socket.AF_INET6]
    assert probe(socket.AF_INET6, "fe80::1", lo) == fresh(socket.AF_INET6, "fe80::1", lo)
    assert route._probes.socks[socket.AF_INET6] is kept
    kept_are_clean()
    assert probe(socket.AF_INET6, "::1") == fresh(socket.AF_INET6, "::1")


def test_each_thread_has_its_own_sockets() -> None:
    probe(socket.AF_INET, "127.0.0.1")
    mine = route._probes.socks[socket.AF_INET]
    seen: list[object] = []

    def other() -> None:
        for _ in range(200):
            assert probe(socket.AF_INET, "127.0.0.9") == fresh(socket.AF_INET, "127.0.0.9")
        seen.append(route._probes.socks[socket.AF_INET])

    threads = [threading.Thread(target=other) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(200):
        assert probe(socket.AF_INET, "127.0.0.1") == fresh(socket.AF_INET, "127.0.0.1")
    for t in threads:
        t.join()
    assert len(seen) == 4 and all(s is not mine for s in seen)
    assert len({id(s) for s in seen}) == 4


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_probes_on_sockets_of_its_own() -> None:
    probe(socket.AF_INET, "127.0.0.1")
    parents = route._probes.socks[socket.AF_INET]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's clean-up
        ok = probe(socket.AF_INET, "127.0.0.9") == fresh(socket.AF_INET, "127.0.0.9")
        ok = ok and route._probes.socks[socket.AF_INET] is not parents
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.close(read)
    os.waitpid(pid, 0)
    assert route._probes.socks[socket.AF_INET] is parents
    assert parents.fileno() >= 0
    kept_are_clean()
    assert probe(socket.AF_INET, "127.0.0.1") == fresh(socket.AF_INET, "127.0.0.1")


def test_kernel_watch_in_many_threads_at_once() -> None:
    """The watch's no-wait check runs in every thread at once (a poll object may not be polled
    by two threads together: each thread has its own), and a change is seen by all of them."""
    from netdb._io.watch import KernelWatch

    watch = KernelWatch()
    start = watch.generation()
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        try:
            for _ in range(5000):
                assert watch.generation() >= start
        except BaseException as exc:  # pragma: no cover - the failure reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_long_order_is_made_in_steps_and_is_the_order_made_in_one_go() -> None:
    """getaddrinfo orders a long answer in steps (``route.order_steps``: sources probed and
    candidates described a slice at a time, then the stepped sort): the permutation is that of
    the candidates probed in one go and sorted in one go, and the source of each candidate is
    the kernel's."""
    from netdb import steps
    from netdb.sort import Policy
    from netdb.sort import order as sort_order

    dests = [(socket.AF_INET, bytes([127, 0, i >> 8, i & 255]), 0) for i in range(700)]
    dests += [(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a), 0) for a in V6]
    dests += [(socket.AF_INET, socket.inet_pton(socket.AF_INET, a), 0) for a in V4]
    cands = route.candidates(dests)
    assert [c.src for c in cands] == [route.source_address(f, d, s) for f, d, s in dests]
    for policy in (Policy.glibc(), Policy.rfc6724()):
        stepped, taken = run_counting(route.order_steps(dests, policy, 3))
        assert taken >= 2 * len(dests) // steps.STEP
        assert stepped == sort_order(cands, policy, 3) == route.order_destinations(dests, policy, 3)
