"""Knowing when the kernel's addresses or routes change, without asking on every call.

glibc asks the kernel for the interface addresses (a netlink dump) and connects a UDP socket per
destination on every getaddrinfo that sorts.  netdb keeps those answers and listens instead: one
NETLINK_ROUTE socket joined to the address, route and rule notification groups (rtnetlink(7)).
Before a cached answer is used, ``poll`` with no wait says whether anything arrived (a
non-blocking read then drains the socket); any notification (or an
overflow, ENOBUFS) starts a new generation and the caches are dropped.  After ``fork`` the child
opens its own socket.  Where netlink is unavailable every call is a new generation (no caching).
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading

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


class KernelWatch:
    """A generation counter that moves whenever addresses, links, routes or rules change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._pid = -1
        self._generation = 0
        self._poller: select.poll | None = None  # the socket, when it is open: nothing pending?

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            sock.bind((0, GROUPS))
            sock.setblocking(False)
        except OSError:
            return None
        return sock

    def generation(self) -> int:
        """The current generation; it changes when something the caches depend on changed."""
        poller = self._poller
        if poller is not None and self._pid == os.getpid() and not poller.poll(0):
            return self._generation  # nothing arrived: no lock, no failing read
        with self._lock:
            if self._pid != os.getpid():
                if self._sock is not None:
                    self._sock.close()
                self._poller = None
                self._sock = self._open()
                if self._sock is not None:
                    self._poller = select.poll()
                    self._poller.register(self._sock, select.POLLIN)
                self._pid = os.getpid()
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
                        self._poller = None
                    break
            if changed:
                self._generation += 1
            return self._generation


WATCH = KernelWatch()
