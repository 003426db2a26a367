"""The sans-I/O sending core (``netdb.dns.query``) against scripted servers, no network.

A :class:`Net` performs the core's requests on a fake clock: each server is a function from a
query to the replies it sends (with delays, sources, TCP or not).  Every row of the tables is one
behaviour of glibc 2.36's ``res_send`` that the core must reproduce.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

from netdb.dns import wire
from netdb.dns.ops import Close, Note, Server, TcpOpen, TcpRecv, TcpSend, UdpOpen, UdpRecv, UdpSend
from netdb.dns.query import SendOptions, SendState, send

S1 = Server(2, "192.0.2.1")
S2 = Server(2, "192.0.2.2")
S3 = Server(2, "192.0.2.3")

# A handler answers one query: a list of (delay, reply bytes, source address or None = the
# server itself).  "refused" means the server port is closed (ICMP port unreachable).
Reply = tuple[float, bytes, tuple[str, int] | None]
Handler = Callable[[bytes, str], list[Reply] | str]


def question(query: bytes) -> wire.Question:
    return wire.parse(query).question[0]


def reply(
    query: bytes,
    *,
    rcode: int = wire.NOERROR,
    answers: int = 1,
    tc: bool = False,
    qid: int | None = None,
    qname: bytes | None = None,
    ra: bool = True,
) -> bytes:
    """A reply to ``query`` (its ID and question unless told otherwise)."""
    q = question(query)
    name = qname if qname is not None else q.name
    flags = 0x8000 | 0x0100 | (0x80 if ra else 0) | rcode
    if tc:
        flags |= 0x0200
    data = b"\x7f\x00\x00\x01" if q.qtype == wire.A else bytes(15) + b"\x01"
    records = tuple(
        wire.Record(name, q.qtype, wire.IN, 60, data) for _ in range(answers if not rcode else 0)
    )
    msg = wire.Message(
        id=int.from_bytes(query[:2], "big") if qid is None else qid,
        flags=flags,
        question=(wire.Question(name, q.qtype, q.qclass),),
        answer=records,
        authority=(),
        additional=(),
        edns=None,
    )
    return wire.build_message(msg)


@dataclass
class Sock:
    server: Server
    tcp: bool = False
    inbox: list[tuple[float, bytes, tuple[str, int]]] = field(default_factory=list)
    stream: bytes = b""
    closed: bool = False


@dataclass
class Net:
    """Performs the core's requests against scripted servers on a fake clock."""

    servers: dict[str, Handler]
    now: float = 1000.0
    sent: list[tuple[str, str, int, bool]] = field(
        default_factory=list
    )  # (server, name, type, tcp)
    opened: list[Sock] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def run(self, gen: Generator[Any, Any, Any]) -> Any:
        try:
            op = gen.send(None)
            while True:
                op = gen.send(self.perform(op))
        except StopIteration as stop:
            return stop.value

    def _deliver(self, sock: Sock, query: bytes) -> None:
        q = question(query)
        self.sent.append((sock.server.host, wire.name_to_text(q.name), q.qtype, sock.tcp))
        handler = self.servers.get(sock.server.host)
        out = handler(query, "tcp" if sock.tcp else "udp") if handler else "refused"
        if out == "refused":
            sock.inbox.append((self.now, b"", ("!refused", 0)))
            return
        assert isinstance(out, list)
        for delay, data, source in out:
            if sock.tcp:
                sock.stream += len(data).to_bytes(2, "big") + data
            else:
                src = source or (sock.server.host, sock.server.port)
                sock.inbox.append((self.now + delay, data, src))
        sock.inbox.sort(key=lambda item: item[0])

    def perform(self, op: Any) -> Any:
        if isinstance(op, Note):
            return None
        if isinstance(op, UdpOpen):
            sock = Sock(op.server)
            self.opened.append(sock)
            return sock
        if isinstance(op, UdpSend):
            for payload in op.payloads:
                self._deliver(op.sock, payload)
            return None
        if isinstance(op, UdpRecv):
            sock = op.sock
            if sock.inbox and sock.inbox[0][0] <= op.deadline:
                at, data, src = sock.inbox.pop(0)
                self.now = max(self.now, at)
                if src[0] == "!refused":
                    return OSError(errno.ECONNREFUSED, "refused")
                return data, src
            self.now = max(self.now, op.deadline)
            return None
        if isinstance(op, TcpOpen):
            if self.servers.get(op.server.host) is None:
                return OSError(errno.ECONNREFUSED, "refused")
            sock = Sock(op.server, tcp=True)
            self.opened.append(sock)
            return sock
        if isinstance(op, TcpSend):
            data = op.data
            while data:
                n = int.from_bytes(data[:2], "big")
                self._deliver(op.sock, data[2 : 2 + n])
                data = data[2 + n :]
            return None
        if isinstance(op, TcpRecv):
            sock = op.sock
            chunk, sock.stream = sock.stream[: op.size], sock.stream[op.size :]
            return chunk
        if isinstance(op, Close):
            op.sock.closed = True
            return None
        raise AssertionError(op)


def queries(name: str = "www.example.test", pair: bool = True) -> tuple[bytes, bytes | None]:
    wname = wire.name_from_text(name)
    q1 = wire.build_query(0x1111, wname, wire.A)
    q2 = wire.build_query(0x2222, wname, wire.AAAA) if pair else None
    return q1, q2


def ok(query: bytes, transport: str) -> list[Reply]:
    return [(0.001, reply(query), None)]


def go(net: Net, *servers: Server, pair: bool = True, **opts: Any) -> Any:
    state = opts.pop("state", SendState())
    q1, q2 = queries(pair=pair)
    options = SendOptions(servers=servers, **{"timeout": 1, "attempts": 2, **opts})
    result = net.run(send(options, q1, q2, state=state, clock=net.clock))
    assert all(s.closed for s in net.opened), "every socket is closed at the end"
    return result


def test_parallel_pair_answered() -> None:
    net = Net({"192.0.2.1": ok})
    r = go(net, S1)
    assert r.n > 0 and r.answer2 and r.server == S1 and not r.tcp
    assert [q[2] for q in net.sent] == [wire.A, wire.AAAA]
    assert question(r.answer1).qtype == wire.A and question(r.answer2).qtype == wire.AAAA


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param(lambda q: (0.0, reply(q, qid=0x4242), None), id="wrong-id"),
        pytest.param(
            lambda q: (0.0, reply(q, qname=wire.name_from_text("evil.test")), None),
            id="wrong-question",
        ),
        pytest.param(lambda q: (0.0, reply(q), ("192.0.2.66", 53)), id="wrong-address"),
        pytest.param(lambda q: (0.0, reply(q), ("192.0.2.1", 5353)), id="wrong-port"),
    ],
)
def test_spoofed_reply_never_accepted(forgery: Callable[[bytes], Reply]) -> None:
    def server(query: bytes, transport: str) -> list[Reply]:
        # The forgery comes first, then the genuine reply.
        return [forgery(query), (0.01, reply(query, answers=2), None)]

    net = Net({"192.0.2.1": server})
    r = go(net, S1)
    assert wire.parse(r.answer1).answer and len(wire.parse(r.answer1).answer) == 2
    assert len(wire.parse(r.answer2).answer) == 2


def test_question_compared_without_case() -> None:
    def server(query: bytes, transport: str) -> list[Reply]:
        upper = wire.name_from_text("WWW.Example.TEST")
        return [(0.0, reply(query, qname=upper), None)]

    r = go(Net({"192.0.2.1": server}), S1, pair=False)
    assert r.n > 0


def test_truncated_goes_tcp_to_same_server() -> None:
    def server(query: bytes, transport: str) -> list[Reply]:
        return [(0.0, reply(query, tc=transport == "udp", answers=0), None)]

    net = Net({"192.0.2.1": server, "192.0.2.2": ok})
    r = go(net, S1, S2)
    assert r.tcp and r.server == S1
    assert [(h, tcp) for h, _, _, tcp in net.sent] == [
        ("192.0.2.1", False),
        ("192.0.2.1", False),
        ("192.0.2.1", True),
        ("192.0.2.1", True),
    ]


@pytest.mark.parametrize("rcode", [wire.SERVFAIL, wire.REFUSED, wire.NOTIMP])
def test_error_rcode_tries_next_server(rcode: int) -> None:
    def bad(query: bytes, transport: str) -> list[Reply]:
        return [(0.0, reply(query, rcode=rcode), None)]

    net = Net({"192.0.2.1": bad, "192.0.2.2": ok})
    r = go(net, S1, S2)
    assert r.server == S2 and r.n > 0


def test_all_servfail_is_etimedout_after_every_attempt() -> None:
    def bad(query: bytes, transport: str) -> list[Reply]:
        return [(0.0, reply(query, rcode=wire.SERVFAIL), None)]

    net = Net({"192.0.2.1": bad, "192.0.2.2": bad})
    r = go(net, S1, S2, pair=False, attempts=3)
    assert r.n == -1 and r.errno == errno.ETIMEDOUT and r.slot1_rcode == wire.SERVFAIL
    assert [h for h, *_ in net.sent] == ["192.0.2.1", "192.0.2.2"] * 3


def test_lame_reply_counts_as_error() -> None:
    def lame(query: bytes, transport: str) -> list[Reply]:
        return [(0.0, reply(query, answers=0, ra=False), None)]

    net = Net({"192.0.2.1": lame, "192.0.2.2": ok})
    assert go(net, S1, S2, pair=False).server == S2


def test_bare_refused_header_matches_on_id() -> None:
    def bare(query: bytes, transport: str) -> list[Reply]:
        return [(0.0, query[:2] + b"\x81\x05" + bytes(8), None)]

    net = Net({"192.0.2.1": bare, "192.0.2.2": ok})
    r = go(net, S1, S2, pair=False)
    assert r.server == S2


def test_port_unreachable_everywhere_is_econnrefused() -> None:
    net = Net({})
    r = go(net, S1, S2)
    assert r.n == -1 and r.errno == errno.ECONNREFUSED


def test_silence_is_etimedout_with_glibc_timeouts() -> None:
    net = Net(
        {"192.0.2.1": lambda q, t: [], "192.0.2.2": lambda q, t: [], "192.0.2.3": lambda q, t: []}
    )
    start = net.now
    r = go(net, S1, S2, S3, timeout=2, attempts=2)
    assert r.n == -1 and r.errno == errno.ETIMEDOUT
    # Per server: timeout << index, divided by the server count for all but the first.
    per_round = 2 + (2 << 1) // 3 + (2 << 2) // 3
    assert net.now - start == pytest.approx(2 * per_round)


def test_one_reply_then_timeout_switches_to_single_request() -> None:
    def only_a(query: bytes, transport: str) -> list[Reply]:
        if question(query).qtype == wire.A:
            return [(0.0, reply(query), None)]
        return []

    state = SendState()
    net = Net({"192.0.2.1": only_a})
    r = go(net, S1, state=state, attempts=1)
    assert state.single_request and state.single_request_reopen
    # Gave up on the second reply: glibc reports a 1-byte second answer.
    assert r.n > 0 and len(r.answer2) == 1


def test_rotate_starts_at_the_counter() -> None:
    state = SendState(rotate_offset=1)
    net = Net({"192.0.2.1": ok, "192.0.2.2": ok})
    r = go(net, S1, S2, rotate=True, state=state)
    assert r.server == S2
    r = go(net, S1, S2, rotate=True, state=state)
    assert r.server == S1


def test_no_servers_is_esrch() -> None:
    r = go(Net({}))
    assert r.n == -1 and r.errno == errno.ESRCH
