"""Knowing when the kernel's addresses or routes change, without asking on every call.

glibc asks the kernel for the interface addresses (a netlink dump) and connects a UDP socket per
destination on every getaddrinfo that sorts.  netdb keeps those answers and listens instead: one
NETLINK_ROUTE socket joined to the address, route and rule notification groups (rtnetlink(7)).
Before a cached answer is used, ``poll`` with no wait (a poll object per thread) says whether
anything arrived (a non-blocking read then drains the socket, under a lock); any notification (or an
overflow, ENOBUFS) starts a new generation and the caches are dropped.  After ``fork`` the child
opens its own socket: a hook run in the child counts forks (:func:`forks`), so the per-call
check makes no ``getpid`` system call.  Where netlink is unavailable every call is a new
generation (no caching).
"""

from __future__ import annotations

import _socket
import errno
import os
import select
import socket
import threading

from .. import _fork

# rtnetlink multicast groups (bit masks of RTNLGRP_* - 1)
RTMGRP_LINK = 0x1
RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV4_ROUTE = 0x40
RTMGRP_IPV4_RULE = 0x80
RTMGRP_IPV6_IFADDR = 0x100
RTMGRP_IPV6_ROUTE = 0x400
RTMGRP_IPV6_RULE = 1 << 18
GROUPS = (
    RTMGRP_LINK
    | RTMGRP_IPV4_IFADDR
    | RTMGRP_IPV4_ROUTE
    | RTMGRP_IPV4_RULE
    | RTMGRP_IPV6_IFADDR
    | RTMGRP_IPV6_ROUTE
    | RTMGRP_IPV6_RULE
)


_forks = 0


def _forked() -> None:
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_forked)


def forks() -> int:
    """How many times this process's line has forked: it changes in a child (at once, in the
    child's only thread), so a kept socket or descriptor can tell it is the parent's."""
    return _forks


class KernelWatch:
    """A generation counter that moves whenever addresses, links, routes or rules change."""

    def __init__(self) -> None:
        # Re-entrant: a signal handler's lookup may come in while this thread holds it.
        self._lock = threading.RLock()
        _fork.renew_in_child(self)
        self._sock: _socket.socket | None = None
        self._forks = -1  # the fork count when the socket was opened here (-1: never)
        self._generation = 0
        # A poll object per thread (one object may not be polled by two threads at once), for
        # the socket of this epoch: opening a new socket starts a new epoch.
        self._epoch = 0
        self._local = threading.local()

    def renew_after_fork(self) -> None:
        """In a forked child: a fresh lock (the parent's socket is left by :func:`forks`)."""
        self._lock = threading.RLock()

    def _open(self) -> _socket.socket | None:
        try:
            sock = _socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            sock.bind((0, GROUPS))
            sock.setblocking(False)
        except OSError:
            return None
        return sock

    def _poller(self) -> select.poll | None:
        """This thread's poll object for the socket, when the socket is open."""
        local = self._local
        epoch = self._epoch  # before the socket: a socket opened meanwhile is a newer epoch
        if getattr(local, "epoch", -1) == epoch:
            poller: select.poll | None = local.poller
            return poller
        sock = self._sock
        poller = None
        if sock is not None:
            poller = select.poll()
            poller.register(sock, select.POLLIN)
        local.poller, local.epoch = poller, epoch
        return poller

    def generation(self) -> int:
        """The current generation; it changes when something the caches depend on changed."""
        if self._forks == _forks:
            poller = self._poller()
            if poller is not None:
                try:
                    ready = poller.poll(0)
                except RuntimeError:  # this thread polls already: a signal handler's lookup
                    ready = [(0, 0)]
                if not ready:
                    return self._generation  # nothing arrived: no lock, no failing read
        with self._lock:
            if self._forks != _forks:
                if self._sock is not None:
                    self._sock.close()
                self._sock = self._open()
                self._epoch += 1
                self._forks = _forks
                self._generation += 1
                return self._generation
            if self._sock is None:
                self._generation += 1
                return self._generation
            changed = False
            while True:
                try:
                    if not self._sock.recv(65536):
                        break
                    changed = True
                except BlockingIOError:
                    break
                except OSError as exc:
                    changed = True
                    if exc.errno != errno.ENOBUFS:
                        self._sock.close()
                        self._sock = None
                        self._epoch += 1
                    break
            if changed:
                self._generation += 1
            return self._generation


WATCH = KernelWatch()
