"""The epoll driver's sends: datagrams of one socket and size in one sendmsg (UDP_SEGMENT)."""

from __future__ import annotations

import errno
import struct

from netdb.bulk._io.sockets import GSO_MAX, SOL_UDP, UDP_SEGMENT, send_all


class FakeSock:
    def __init__(self, sendmsg_error: OSError | None = None) -> None:
        self.sent: list[bytes] = []
        self.msgs: list[tuple[bytes, int]] = []
        self.sendmsg_error = sendmsg_error

    def send(self, payload: bytes) -> int:
        self.sent.append(payload)
        return len(payload)

    def sendmsg(self, bufs: list[bytes], cmsgs: list[tuple[int, int, bytes]]) -> int:
        if self.sendmsg_error is not None:
            raise self.sendmsg_error
        [(level, kind, data)] = cmsgs
        assert (level, kind) == (SOL_UDP, UDP_SEGMENT)
        self.msgs.append((b"".join(bufs), struct.unpack("=H", data)[0]))
        return sum(map(len, bufs))


def _payloads(n: int, size: int, tag: int = 0) -> list[bytes]:
    return [bytes((tag, i & 255)) + bytes(size - 2) for i in range(n)]


def test_groups_by_socket_and_size() -> None:
    socks = [FakeSock(), FakeSock()]
    a, b, c = _payloads(3, 30), _payloads(2, 40, 1), _payloads(1, 30, 2)
    sends = [(0, a[0]), (0, b[0]), (1, c[0]), (0, a[1]), (0, b[1]), (0, a[2])]
    gone: list[tuple[int, bytes]] = []
    ok = send_all(socks, sends, lambda si, p: gone.append((si, p)), None, True)  # type: ignore[arg-type]
    assert ok and not gone
    assert socks[0].msgs == [(b"".join(a), 30), (b"".join(b), 40)]
    assert socks[1].sent == [c[0]] and not socks[1].msgs  # one datagram: a plain send


def test_long_groups_are_cut() -> None:
    sock = FakeSock()
    p = _payloads(GSO_MAX + 5, 20)
    assert send_all([sock], [(0, x) for x in p], print, print, True)  # type: ignore[list-item]
    assert [len(m) // 20 for m, _ in sock.msgs] == [GSO_MAX, 5]
    assert b"".join(m for m, _ in sock.msgs) == b"".join(p)


def test_no_gso_falls_back_to_send() -> None:
    sock = FakeSock(OSError(errno.EINVAL, "no"))
    p = _payloads(4, 20)
    assert not send_all([sock], [(0, x) for x in p], print, print, True)  # type: ignore[list-item]
    assert sock.sent == p
    plain = FakeSock()
    assert not send_all([plain], [(0, x) for x in p], print, print, False)  # type: ignore[list-item]
    assert plain.sent == p and not plain.msgs


def test_full_buffer_and_errors_reach_the_engine() -> None:
    p = _payloads(3, 20)
    unsent: list[bytes] = []
    sock = FakeSock(BlockingIOError(errno.EAGAIN, "full"))
    send_all([sock], [(0, x) for x in p], lambda si, x: unsent.append(x), print, True)  # type: ignore[list-item]
    assert unsent == p
    failed: list[tuple[bytes, int]] = []
    sock = FakeSock(OSError(errno.ENETUNREACH, "no route"))
    assert send_all(
        [sock],  # type: ignore[list-item]
        [(0, x) for x in p],
        print,
        lambda si, x, exc: failed.append((x, exc.errno or 0)),
        True,
    )
    assert failed == [(x, errno.ENETUNREACH) for x in p]
