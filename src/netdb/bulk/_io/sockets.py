"""UDP sockets and TCP exchanges for the bulk drivers (RFC 1035 §4.2, RFC 7766).

Owns opening the engine's sockets: non-blocking, *connected* UDP sockets (the kernel then drops
datagrams from any other address or port, and the source port is a random ephemeral one chosen
at bind time), with receive buffers as large as the kernel allows; and one blocking-free TCP
exchange with a deadline, used when a reply came truncated.
"""

from __future__ import annotations

import _socket
import contextlib
import errno
import os
import socket
import struct
import sys
import time
from collections.abc import Callable

from ...dns.ops import Server
from .._options import Options

RCVBUF = 8 << 20
SNDBUF = 4 << 20
# UDP generic segmentation offload (Linux 4.18, ``udp(7)``): one ``sendmsg`` of several
# datagrams of one size, which the kernel cuts apart (``UDP_SEGMENT``, the size as a u16).
SOL_UDP = 17
UDP_SEGMENT = 103
GSO = sys.platform == "linux"  # whether to try it
GSO_MAX = 64  # segments per sendmsg at most (the kernel's UDP_MAX_SEGMENTS)
# Errors that say the kernel or the path can't segment (not that the server can't be reached):
# the datagrams go out one by one from then on.
_NO_GSO = frozenset((errno.EINVAL, errno.ENOPROTOOPT, errno.EOPNOTSUPP, errno.EIO, errno.EMSGSIZE))


MAX_DATAGRAM = 65535
"""What one receive takes: a whole UDP reply, as large as an ``edns_payload`` may allow (a
smaller buffer cuts a longer reply short and makes it MALFORMED; it costs no more to offer)."""

DRAIN_MAX = 1024
"""Datagrams one :func:`drain` reads at most: a server that keeps sending (a flood) must not
keep the loop reading, away from its timers and sends, with the batch growing as long as it
sends.  The socket stays readable, and the loop's next turn reads on."""


def drain(
    recv: Callable[[int], bytes],
    si: int,
    on_replies: Callable[[int, list[bytes], float], None],
    now: float,
) -> None:
    """Read socket ``si`` (its ``recv``) until it would block, or :data:`DRAIN_MAX` datagrams;
    what it read to ``on_replies``."""
    batch: list[bytes] = []
    append = batch.append
    for _ in range(DRAIN_MAX):
        try:
            append(recv(MAX_DATAGRAM))
        except BlockingIOError:
            break
        except OSError:
            continue  # ICMP unreachable reported on a connected socket
    if batch:
        on_replies(si, batch, now)


def send_all(
    socks: list[_socket.socket],
    sends: list[tuple[int, bytes]],
    unsend: Callable[[int, bytes], None],
    failed: Callable[[int, bytes, OSError], None],
    gso: bool,
) -> bool:
    """Send the datagrams ``sends`` ((socket index, payload), as the engine gives them): those of
    one socket and one size together in one ``sendmsg`` with ``UDP_SEGMENT`` when ``gso``, else
    one ``send`` each.  A datagram that finds the buffer full goes to ``unsend``, one whose send
    failed to ``failed`` with the error.  False when the kernel can't segment (the caller
    passes ``gso=False`` from then on; what it refused went out one by one)."""
    if gso and len(sends) > 1:
        groups: dict[int, list[bytes]] = {}
        for si, payload in sends:
            key = (si << 16) | len(payload)
            group = groups.get(key)
            if group is None:
                groups[key] = [payload]
            else:
                group.append(payload)
        for key, group in groups.items():
            si = key >> 16
            if len(group) == 1:
                _send_one(socks[si], si, group[0], unsend, failed)
                continue
            size = struct.pack("=H", key & 0xFFFF)
            sendmsg = socks[si].sendmsg
            for at in range(0, len(group), GSO_MAX):
                chunk = group[at : at + GSO_MAX]
                try:
                    sendmsg([b"".join(chunk)], [(SOL_UDP, UDP_SEGMENT, size)])
                except BlockingIOError:
                    for payload in chunk:
                        unsend(si, payload)
                except OSError as exc:
                    if exc.errno in _NO_GSO:
                        gso = False
                        for payload in chunk:
                            _send_one(socks[si], si, payload, unsend, failed)
                    else:
                        for payload in chunk:
                            failed(si, payload, exc)
        return gso
    for si, payload in sends:
        _send_one(socks[si], si, payload, unsend, failed)
    return gso


def _send_one(
    sock: _socket.socket,
    si: int,
    payload: bytes,
    unsend: Callable[[int, bytes], None],
    failed: Callable[[int, bytes, OSError], None],
) -> None:
    try:
        sock.send(payload)
    except BlockingIOError:
        unsend(si, payload)
    except OSError as exc:  # an earlier ICMP error, no route, ...: the engine decides
        failed(si, payload, exc)


# Errors opening a socket that are this machine's shortage, not the server's: never "down".
_SHORTAGE = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))


def open_all(options: Options) -> tuple[list[_socket.socket], list[int], dict[int, str]]:
    """The run's UDP sockets: (sockets, the server index of each, the servers that cannot be
    reached -> why).  A server no socket can be connected to (no route: ENETUNREACH; an
    address family the kernel lacks, ...) is down; running out of descriptors or memory is an
    OSError (nothing opened is left open)."""
    socks: list[_socket.socket] = []
    owners: list[int] = []
    down: dict[int, str] = {}
    try:
        for n, server in enumerate(options.servers):
            for _ in range(options.sockets_per_server):
                try:
                    socks.append(open_udp(server))
                except OSError as exc:
                    if exc.errno in _SHORTAGE:
                        raise
                    down[n] = os.strerror(exc.errno) if exc.errno else str(exc)
                    break
                owners.append(n)
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks, owners, down


def open_udp(server: Server) -> _socket.socket:
    """A non-blocking UDP socket bound to a random port and connected to ``server``."""
    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    s = _socket.socket(family, socket.SOCK_DGRAM)
    try:
        for opt, force, size in (
            (socket.SO_RCVBUF, 33, RCVBUF),  # SO_RCVBUFFORCE
            (socket.SO_SNDBUF, 32, SNDBUF),  # SO_SNDBUFFORCE
        ):
            try:
                s.setsockopt(socket.SOL_SOCKET, force, size)
            except OSError:
                with contextlib.suppress(OSError):
                    s.setsockopt(socket.SOL_SOCKET, opt, size)
        s.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
        s.connect(server.sockaddr)
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


def _recv_exact(s: _socket.socket, n: int, deadline: float) -> bytes | None:
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def tcp_exchange(server: Server, query: bytes, timeout: float) -> bytes | None:
    """One query over TCP (two-byte length prefix, RFC 1035 §4.2.2); the reply, or None when
    the server refused, closed or did not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    try:
        s = _socket.socket(server.family, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        with contextlib.closing(s):
            s.settimeout(timeout)
            s.connect(server.sockaddr)
            s.sendall(struct.pack("!H", len(query)) + query)
            head = _recv_exact(s, 2, deadline)
            if head is None:
                return None
            return _recv_exact(s, struct.unpack("!H", head)[0], deadline)
    except OSError:
        return None
