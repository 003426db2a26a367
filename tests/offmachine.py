"""A guard in the test process: nothing it does may send a packet off this machine.

The suite's rule is that DNS goes only to servers the tests start on loopback (inside private
namespaces, for the differential tests).  The pytest process itself runs in the machine's own
network namespace, where ``/etc/resolv.conf`` names a real resolver; a test that reached glibc's
resolver with a name glibc would send to DNS, or a driver socket aimed at a remote server, would
break that rule silently.  ``install()`` adds a Python audit hook (PEP 578) that sees every
socket the process connects or sends through, and every lookup handed to glibc, and refuses the
ones that could leave the machine:

* ``connect``, ``sendto`` and ``sendmsg`` to an address that is neither loopback nor one of this
  machine's own addresses.  ``connect(2)`` on a datagram socket only picks a route and sends
  nothing, but a socket connected so is there to send (``send`` raises no audit event), so only
  the known probes may: the RFC 6724 source probe (port 0) and the functions in ``_PROBES``.
* glibc lookups (``socket.getaddrinfo``, ``gethostbyname(_ex)``, ``gethostbyaddr``,
  ``getnameinfo``) of anything but a numeric address or ``localhost`` forward (or any host with
  ``AI_NUMERICHOST``, which asks no source), and ``127.0.0.1`` or ``::1`` in reverse: anything
  else may go to the machine's DNS server.

A refused call raises ``OffMachine`` where it was made (the test fails there) and is recorded,
so that ``conftest.py`` fails the session even when the code under test swallowed the error.
The guard only watches; it changes no answer.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
import sys
from pathlib import Path
from typing import Any

VIOLATIONS: list[str] = []


class OffMachine(RuntimeError):
    """A test tried to reach beyond this machine."""


def _own_addresses() -> frozenset[str]:
    """This machine's IPv4 (``/proc/net/fib_trie``'s LOCAL routes) and IPv6 addresses."""
    found: set[str] = set()
    try:
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
    except OSError:
        lines = []
    for before, line in itertools.pairwise(lines):
        if "/32 host LOCAL" in line:
            found.add(before.split()[-1])
    try:
        for row in Path("/proc/net/if_inet6").read_text().splitlines():
            hexa = row.split()[0]
            found.add(str(ipaddress.IPv6Address(bytes.fromhex(hexa))))
    except (OSError, ValueError, IndexError):
        pass
    return frozenset(found)


_OWN = _own_addresses()
_PROBES = {("myhost.py", "outbound_source")}
"""Functions that connect a datagram socket to a remote address only to read the source the
kernel picks, and never send on it (``myhostname``'s ``_outbound`` probe, to a gateway's port
53)."""
_LOOPBACK_REVERSE = {"127.0.0.1", "::1"}


def _on_machine(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    text = host.partition("%")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified or str(ip) in _OWN


def _numeric(host: object) -> bool:
    """What glibc's getaddrinfo takes as an address without asking any source."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    try:
        socket.inet_aton(host)
        return True
    except (OSError, ValueError):
        pass
    try:
        socket.inet_pton(socket.AF_INET6, host.partition("%")[0])
        return True
    except (OSError, ValueError):
        return False


def _local_name(host: object) -> bool:
    return host is None or _numeric(host) or host in ("localhost", b"localhost")


_SOCKET_GETADDRINFO = socket.getaddrinfo.__code__


def _numeric_only() -> bool:
    """Whether the ``socket.getaddrinfo`` call being audited passed ``AI_NUMERICHOST`` (the
    audit event leaves the flags out; socket.py's wrapper, two frames up, holds them)."""
    frame = sys._getframe(2)
    if frame.f_code is not _SOCKET_GETADDRINFO:
        return False
    return bool(frame.f_locals.get("flags", 0) & socket.AI_NUMERICHOST)


def _refuse(what: str) -> None:
    VIOLATIONS.append(what)
    raise OffMachine(f"this test would reach beyond the machine: {what}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return
        host, port = address[0], address[1]
        if _on_machine(host):
            return
        if event == "socket.connect" and sock.type == socket.SOCK_DGRAM:
            if port == 0:
                return  # the RFC 6724 source-address probe: no packet
            caller = sys._getframe(1).f_code
            if (Path(caller.co_filename).name, caller.co_name) in _PROBES:
                return
        _refuse(f"{event[7:]} to {address!r}")
    elif event == "socket.getaddrinfo":
        if not (_local_name(args[0]) or _numeric_only()):
            _refuse(f"glibc getaddrinfo({args[0]!r})")
    elif event == "socket.gethostbyname":  # ("" and "<broadcast>": CPython answers them itself)
        if not (_local_name(args[0]) or args[0] in ("", "<broadcast>")):
            _refuse(f"glibc gethostbyname({args[0]!r})")
    elif event == "socket.gethostbyaddr":
        if not (args[0] in _LOOPBACK_REVERSE or args[0] == "localhost"):
            _refuse(f"glibc gethostbyaddr({args[0]!r})")
    elif event == "socket.getnameinfo":
        sockaddr = args[0]
        if not (isinstance(sockaddr, tuple) and sockaddr[0] in _LOOPBACK_REVERSE):
            _refuse(f"glibc getnameinfo({sockaddr!r})")


_installed = False


def install() -> None:
    """Add the hook (once per process; audit hooks cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
