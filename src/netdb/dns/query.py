"""One question (or an A/AAAA pair) across the configured servers: glibc 2.36's ``res_send``.

Rules of this file
------------------
* All of the sending logic lives here, as one generator (:func:`send`) that yields the requests of
  ``ops.py`` and decides what every reply, timeout and error means.  It never touches a socket or
  a clock of its own: ``clock`` is a parameter, sockets are the driver's.
* The behaviour is glibc 2.36's ``resolv/res_send.c`` (``__res_context_send``, ``send_dg``,
  ``send_vc``), release branch as Debian 12 ships it; where that code is odd, this code is odd the
  same way and says so.  The only deliberate differences: a TCP exchange is bounded by the same
  per-server time as a UDP one (glibc can wait forever on a silent TCP server), and a driver's
  overall deadline (``ops.EXPIRED``) ends the walk at once.

Theory of operation
-------------------
``send`` walks ``attempts`` rounds over the servers (starting at a rotating offset with
``rotate``).  Each server gets one *exchange*:

UDP exchange (``_send_dg``)
    One connected UDP socket per server, opened on first use within this call and reused for the
    server's later rounds (so a retry reuses the port and the query ID, as glibc's does).  Both
    queries go out at once, unless ``single-request`` (send the second after the first answer)
    or ``single-request-reopen`` (and on a new socket).  The wait is ``timeout << index``
    seconds, divided by the number of servers for every server but the first, at least 1.
    A datagram counts only if it has the ID of a query not yet answered *and* the same question
    (names compared case-insensitively), except that a bare 12-byte SERVFAIL/NOTIMP/REFUSED
    matches on the ID alone.  Replies fill the first free answer slot in arrival order.

    ===================================  ================================================
    reply or event                       what happens
    ===================================  ================================================
    SERVFAIL, NOTIMP, REFUSED            next server; with two queries in parallel, wait
                                         for the other reply first (the error's slot
                                         stays empty)
    NOERROR, no answers, AA=RA=0, no     same as an error reply (a lame referral)
    additional records
    TC set                               the same server again over TCP, and TCP for every
                                         later server, one round only
    timeout with one of two replies      switch this resolver to single-request (sticky),
                                         resend; then to single-request-reopen; then give
                                         up on the second reply (its slot: 1 byte)
    timeout, nothing usable              next server (counts as "got somewhere")
    ICMP error, short reply (< 12)       next server
    ===================================  ================================================

TCP exchange (``_send_vc``)
    Both queries written at once on one connection; replies matched by ID only, in arrival
    order.  A reset before the first reply is retried once on a new connection.

When every exchange failed, the error is ETIMEDOUT if any UDP server was heard from or timed
out, ECONNREFUSED if none was, or the TCP error.
"""

from __future__ import annotations

import errno as _errno
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from .._frozen import fast_init
from . import wire
from .ops import EXPIRED, Close, Op, Server, TcpOpen, TcpRecv, TcpSend, UdpOpen, UdpRecv, UdpSend

HFIXEDSZ = 12
_ERROR_RCODES = frozenset((wire.SERVFAIL, wire.NOTIMP, wire.REFUSED))


@dataclass(frozen=True, slots=True)
class SendOptions:
    """What ``res_send`` takes from the resolver configuration."""

    servers: tuple[Server, ...]
    timeout: int = 5  # _res.retrans
    attempts: int = 2  # _res.retry
    rotate: bool = False
    use_vc: bool = False
    single_request: bool = False
    single_request_reopen: bool = False
    ignore_tc: bool = False


@dataclass(slots=True)
class SendState:
    """What glibc keeps in ``_res`` between calls: sticky fallbacks and the rotation counter.

    glibc keeps the sticky modes per thread and drops them when resolv.conf changes; a
    :class:`netdb.Resolver` keeps them per configuration.  The rotation counter is one per
    process in glibc (a static in ``nameserver_offset``, drawn at random on first use and
    never reset): a Resolver carries it over into the state of its next configuration.
    """

    single_request: bool = False  # RES_F_SNGLKUP
    single_request_reopen: bool = False  # RES_F_SNGLKUPREOP
    rotate_offset: int = -1  # -1: not drawn yet
    rng: Callable[[int], int] | None = field(default=None, repr=False)


@fast_init
@dataclass(frozen=True, slots=True)
class SendResult:
    """``res_send``'s outcome.

    ``n`` is glibc's return value: -1 on failure (``errno`` says why), else the length of the
    first answer slot (possibly 0 when that slot holds only an error reply).  ``answer1`` and
    ``answer2`` are the slots (``answer2`` empty when there was no second reply; one byte when
    glibc gave up waiting for it).  ``server`` answered, over TCP when ``tcp``.
    """

    n: int
    answer1: bytes = b""
    answer2: bytes = b""
    errno: int = 0
    server: Server | None = None
    tcp: bool = False
    slot1_rcode: int = 0
    expired: bool = False
    # With ``send(..., scratch=n)``: the caller's answer buffer of n bytes as glibc leaves it
    # (every datagram or TCP message received written over the start of it, zeros at first).
    buffer: bytes = b""
    # With ``send(..., anslen=n)``: a message for the first slot did not fit the caller's buffer
    # of n bytes, and glibc read it (and the rest) into a 64 KiB one instead; ``slot1_rcode``
    # is then the RCODE the caller's own buffer was left with.
    moved: bool = False
    # The RCODE of the truncated UDP reply that sent the exchange over TCP (for the cache).
    tc_rcode: int = 0


QuestionKey = tuple[int, tuple[tuple[bytes, int, int], ...], bytes]


def _question_key(msg: bytes) -> QuestionKey | None:
    """(QDCOUNT, questions with lower-cased names, the first question's bytes as sent) of a
    query or reply; None when unparsable."""
    qend = wire.question_end(msg)
    if qend > 0:
        # One uncompressed question (every query netdb builds): read it in place.
        qtype = (msg[qend - 4] << 8) | msg[qend - 3]
        qclass = (msg[qend - 2] << 8) | msg[qend - 1]
        return 1, ((wire.name_lower(msg[12 : qend - 4]), qtype, qclass),), msg[12:qend]
    try:
        qd, questions = wire.parse_questions(msg)
    except wire.WireError:
        return None
    first = b""
    if questions and len(msg) >= 12 + len(questions[0].name) + 4:
        first = msg[12 : 12 + len(questions[0].name) + 4]
        if first[: len(questions[0].name)] != questions[0].name:
            first = b"\xff"  # compressed: never equal to a reply's bytes
    keys = tuple((wire.name_lower(q.name), q.qtype, q.qclass) for q in questions)
    return qd, keys, first


def queries_match(query: bytes, reply: bytes, key: QuestionKey | None = None) -> bool:
    """glibc ``res_queriesmatch``: same question count, and each question of the query appears
    in the reply (name compared case-insensitively, type, class).  UPDATE messages always match.
    ``key`` is ``_question_key(query)`` when the caller has it already.
    """
    if len(query) < HFIXEDSZ or len(reply) < HFIXEDSZ:
        return False
    if (query[2] >> 3) & 0xF == 5 and (reply[2] >> 3) & 0xF == 5:
        return True
    if query[4:6] != reply[4:6]:
        return False
    q = key if key is not None else _question_key(query)
    if q is None:
        return False
    if q[0] == 1 and reply[12 : 12 + len(q[2])] == q[2]:
        return True  # the one question echoed byte for byte: the common case
    r = _question_key(reply)
    if r is None:
        return False
    return all(item in r[1] for item in q[1])


@dataclass(slots=True)
class _Call:
    """State of one ``send`` call (glibc's EXT(statp) sockets, gotsomewhere, terrno, v_circuit)."""

    opts: SendOptions
    state: SendState
    clock: Callable[[], float]
    socks: dict[int, object] = field(default_factory=dict)
    gotsomewhere: bool = False
    terrno: int = _errno.ETIMEDOUT
    v_circuit: bool = False
    expired: bool = False
    # RCODE of the last reply written to the first answer buffer (res_search looks at it).
    slot1_rcode: int = 0
    # The first answer buffer itself, kept only when the caller asks (``send``'s scratch).
    buffer: bytearray | None = None
    # The size of the caller's first answer buffer (0: not followed), and whether glibc has
    # replaced it with a larger one for a message that did not fit (see ``send``'s anslen).
    anslen: int = 0
    moved: bool = False
    tc_rcode: int = 0

    def slot1(self, size: int, rcode: int) -> None:
        """A message of ``size`` bytes read into the first slot: into the caller's buffer,
        unless it does not fit there (glibc's ``send_dg`` asks FIONREAD, ``send_vc`` reads the
        length first, and both read into a new 64 KiB buffer, which the caller then keeps)."""
        if not self.moved:
            if self.anslen and size > self.anslen:
                self.moved = True
            else:
                self.slot1_rcode = rcode

    def received(self, data: bytes) -> None:
        """A message read into the first answer buffer, when it is kept (``send`` keeps it for
        one query only, where every message read goes there)."""
        buf = self.buffer
        if buf is not None:
            n = min(len(data), len(buf))
            buf[:n] = data[:n]

    def close_all(self) -> Generator[Op, Any, None]:
        for sock in self.socks.values():
            yield Close(sock)
        self.socks.clear()


@dataclass(slots=True)
class _Exchange:
    """What one exchange with one server gave: glibc's (return value, resplen2, buffers)."""

    n: int  # <0 fatal, 0 try the next server, >0 done (or TCP wanted)
    answer1: bytes = b""
    answer2: bytes = b""


def _rotation(opts: SendOptions, state: SendState) -> int:
    """``nameserver_offset``: a per-resolver counter started at a random value (rotate only)."""
    count = len(opts.servers)
    if count <= 1 or not opts.rotate:
        return 0
    if state.rotate_offset < 0:
        state.rotate_offset = state.rng(1 << 30) if state.rng is not None else 0
    offset = state.rotate_offset
    state.rotate_offset += 1
    return offset % count


def send(
    opts: SendOptions,
    query1: bytes,
    query2: bytes | None,
    *,
    state: SendState,
    clock: Callable[[], float],
    scratch: int = 0,
    anslen: int = 0,
) -> Generator[Op, Any, SendResult]:
    """glibc ``__res_context_send``: ask the servers until one gives usable replies.

    ``scratch`` (one query only): the size of the caller's answer buffer, zeroed first, whose
    contents at the end the result carries (``SendResult.buffer``): glibc's no-aaaa mode reads
    it whatever ``res_send`` returned.  ``anslen``: the size of the caller's answer buffer when
    glibc may replace it (``res_search`` passes ``answerp``): ``SendResult.moved`` and
    ``slot1_rcode`` then say what became of it."""
    if not opts.servers:
        return SendResult(-1, errno=_errno.ESRCH, buffer=bytes(scratch))
    call = _Call(opts, state, clock)
    call.anslen = anslen
    if scratch > 0 and query2 is None:
        call.buffer = bytearray(scratch)
    call.v_circuit = opts.use_vc or len(query1) > 512 or (query2 is not None and len(query2) > 512)
    count = len(opts.servers)
    offset = _rotation(opts, state)
    attempt = 0
    result: SendResult | None = None
    while attempt < opts.attempts and result is None:
        for shift in range(count):
            ns = shift + offset
            if ns >= count:
                ns -= count
            while True:  # glibc's "same_ns"
                if call.v_circuit:
                    attempt = opts.attempts  # TCP: one round only
                    ex = yield from _send_vc(call, ns, query1, query2)
                else:
                    ex = yield from _send_dg(call, ns, query1, query2)
                if ex.n < 0:
                    result = SendResult(-1, errno=call.terrno)
                elif ex.n == 0 and (query2 is None or not ex.answer2):
                    break  # next server
                elif ex.n == 1 and not ex.answer1 and call.v_circuit:
                    continue  # truncated over UDP: the same server over TCP
                else:
                    result = SendResult(
                        ex.n, ex.answer1, ex.answer2, 0, opts.servers[ns], call.v_circuit
                    )
                break
            if result is not None:
                break
            if call.expired:
                result = SendResult(-1, errno=_errno.ETIMEDOUT, expired=True)
                break
        attempt += 1
    yield from call.close_all()
    if result is None:
        if not call.v_circuit:
            err = _errno.ETIMEDOUT if call.gotsomewhere else _errno.ECONNREFUSED
        else:
            err = call.terrno
        result = SendResult(-1, errno=err)
    if (
        call.buffer is not None
        or result.slot1_rcode != call.slot1_rcode
        or call.expired
        or call.moved
        or call.tc_rcode
    ):
        result = SendResult(
            result.n,
            result.answer1,
            result.answer2,
            result.errno,
            result.server,
            result.tcp,
            call.slot1_rcode,
            call.expired,
            b"" if call.buffer is None else bytes(call.buffer),
            call.moved,
            call.tc_rcode,
        )
    return result


def _reopen(call: _Call, ns: int) -> Generator[Op, Any, int]:
    """glibc ``reopen``: 1 with a connected socket for server ``ns``, 0 when connect failed."""
    if ns in call.socks:
        return 1
    got = yield UdpOpen(call.opts.servers[ns])
    if got is EXPIRED:
        call.expired = True
        return 0
    if isinstance(got, OSError):
        # glibc tells socket() failures (fatal) from connect() failures (next server); a driver
        # reports both as OSError: only running out of descriptors is fatal.
        if got.errno in (_errno.EMFILE, _errno.ENFILE, _errno.ENOBUFS, _errno.ENOMEM):
            call.terrno = got.errno or _errno.EIO
            return -1
        yield from call.close_all()
        return 0
    call.socks[ns] = got
    return 1


def _fail(call: _Call) -> Generator[Op, Any, _Exchange]:
    """glibc ``close_and_return_error``: close every socket, try the next server."""
    yield from call.close_all()
    return _Exchange(0)


def _send_dg(call: _Call, ns: int, q1: bytes, q2: bytes | None) -> Generator[Op, Any, _Exchange]:
    """glibc ``send_dg``: one UDP exchange with server ``ns``."""
    opts, state = call.opts, call.state
    seconds = opts.timeout << ns if opts.timeout >= 0 else -1
    if ns > 0:
        seconds = int(seconds / len(opts.servers))
    if seconds <= 0:
        seconds = 1
    reopen_mode = opts.single_request_reopen or state.single_request_reopen
    single = opts.single_request or state.single_request or reopen_mode
    save_gotsomewhere = call.gotsomewhere
    id1 = q1[:2]
    id2 = q2[:2] if q2 is not None else b""
    key1 = _question_key(q1)
    key2 = _question_key(q2) if q2 is not None else None
    resplen = 0
    answer1 = b""
    answer2 = b""

    reopen = True
    while True:  # retry_reopen / retry
        if reopen:
            r = yield from _reopen(call, ns)
            if r <= 0:
                return _Exchange(r)
            reopen = False
        sock = call.socks[ns]
        finish = call.clock() + seconds
        recv1 = False
        recv2 = q2 is None
        # Send: both at once (sendmmsg), or the first only in single-request mode.
        to_send = (q1,) if (q2 is None or single) else (q1, q2)
        sent = yield UdpSend(sock, to_send)
        if isinstance(sent, OSError):
            return (yield from _fail(call))
        pending_second = q2 is not None and single
        restart = False
        while True:  # wait
            got = yield UdpRecv(sock, finish)
            if got is EXPIRED:
                call.expired = True
                call.gotsomewhere = True
                return _Exchange(0)
            if got is None:
                # Timeout.
                if resplen > 1 and (recv1 or (q2 is not None and recv2)):
                    if not single:
                        state.single_request = True
                        single = True
                        call.gotsomewhere = save_gotsomewhere
                        restart = True
                        break
                    if not reopen_mode:
                        state.single_request_reopen = True
                        reopen_mode = True
                        call.gotsomewhere = save_gotsomewhere
                        yield from call.close_all()
                        reopen = True
                        restart = True
                        break
                    return _Exchange(resplen, answer1, b"\0")
                call.gotsomewhere = True
                return _Exchange(0)
            if isinstance(got, OSError):
                return (yield from _fail(call))
            data, source = got
            if not _from_server(source, opts.servers[ns]):
                continue  # not from the server asked: dropped, as a connected socket would
            call.gotsomewhere = True
            call.received(data)
            if len(data) < HFIXEDSZ:
                call.terrno = _errno.EMSGSIZE
                return (yield from _fail(call))
            rid = data[:2]
            flags2, flags3 = data[2], data[3]
            rcode = flags3 & 0xF
            first_slot = not (recv1 or recv2) or q2 is None
            if first_slot:
                call.slot1(len(data), rcode)
            is_error = rcode in _ERROR_RCODES
            skip_match = len(data) == HFIXEDSZ and data[4:6] == b"\0\0" and is_error
            matching = 0
            if not recv1 and rid == id1 and (skip_match or queries_match(q1, data, key1)):
                matching = 1
            if (
                q2 is not None
                and not recv2
                and rid == id2
                and (skip_match or queries_match(q2, data, key2))
            ):
                matching = 2
            if matching == 0:
                continue  # spurious datagram: keep waiting
            lame = (
                rcode == wire.NOERROR
                and data[6:8] == b"\0\0"
                and not flags2 & 0x04  # AA
                and not flags3 & 0x80  # RA
                and data[10:12] == b"\0\0"
            )
            if is_error or lame:
                # glibc "next_ns"
                if recv1 or (q2 is not None and recv2):
                    return _Exchange(resplen, answer1, b"")
                if q2 is not None and not single:
                    resplen = 0
                    answer1 = b""
                    if matching == 1:
                        recv1 = True
                    else:
                        recv2 = True
                    continue
                return (yield from _fail(call))
            if not opts.ignore_tc and flags2 & 0x02:
                call.tc_rcode = rcode
                call.v_circuit = True
                yield from call.close_all()
                return _Exchange(1)
            if first_slot:
                resplen = len(data)
                answer1 = data
                answer2 = b""
            else:
                answer2 = data
            if matching == 1:
                recv1 = True
            else:
                recv2 = True
            if not (recv1 and recv2):
                if single and pending_second:
                    if reopen_mode:
                        yield from call.close_all()
                        r = yield from _reopen(call, ns)
                        if r <= 0:
                            return _Exchange(r)
                        sock = call.socks[ns]
                    assert q2 is not None
                    sent = yield UdpSend(sock, (q2,))
                    if isinstance(sent, OSError):
                        return (yield from _fail(call))
                    pending_second = False
                continue
            return _Exchange(resplen, answer1, answer2 if q2 is not None else b"")
        if restart:
            continue


def _from_server(source: object, server: Server) -> bool:
    """A reply counts only from the address and port the query went to."""
    if not isinstance(source, tuple) or len(source) < 2:
        return False
    host, port = source[0], source[1]
    if port != server.port:
        return False
    if host == server.host:
        return True
    # An IPv4 server reached through a mapped address, or text forms that differ.
    return isinstance(host, str) and host.lower().removeprefix("::ffff:") == server.host.lower()


def _send_vc(call: _Call, ns: int, q1: bytes, q2: bytes | None) -> Generator[Op, Any, _Exchange]:
    """glibc ``send_vc``: both queries over one TCP connection, replies matched by ID."""
    opts = call.opts
    server = opts.servers[ns]
    seconds = max(opts.timeout, 1)
    connreset = False
    while True:  # same_ns
        finish = call.clock() + seconds
        yield from call.close_all()
        sock = yield TcpOpen(server, finish)
        if sock is EXPIRED:
            call.expired = True
            return _Exchange(0)
        if isinstance(sock, OSError):
            call.terrno = sock.errno or _errno.ECONNREFUSED
            return _Exchange(0)
        call.socks[-1] = sock
        payload = len(q1).to_bytes(2, "big") + q1
        if q2 is not None:
            payload += len(q2).to_bytes(2, "big") + q2
        sent = yield TcpSend(sock, payload)
        if isinstance(sent, OSError):
            call.terrno = sent.errno or _errno.EPIPE
            return (yield from _fail(call))
        recv1 = False
        recv2 = q2 is None
        resplen = 0
        answer1 = b""
        answer2 = b""
        retry_conn = False
        while True:  # read_len
            head = yield TcpRecv(sock, 2, finish)
            if head is EXPIRED:
                call.expired = True
                call.terrno = _errno.ETIMEDOUT
                return (yield from _fail(call))
            if head is None or isinstance(head, OSError) or len(head) < 2:
                if isinstance(head, OSError):
                    call.terrno = head.errno or 0
                    if head.errno == _errno.ECONNRESET and not connreset:
                        connreset = True
                        retry_conn = True
                        break
                elif head is None:
                    call.terrno = _errno.ETIMEDOUT
                else:
                    call.terrno = 0
                return (yield from _fail(call))
            rlen = int.from_bytes(head, "big")
            if rlen < HFIXEDSZ:
                call.terrno = _errno.EMSGSIZE
                return (yield from _fail(call))
            body = yield TcpRecv(sock, rlen, finish)
            if body is EXPIRED:
                call.expired = True
            if body is None or body is EXPIRED or isinstance(body, OSError) or len(body) < rlen:
                call.terrno = (body.errno or 0) if isinstance(body, OSError) else 0
                return (yield from _fail(call))
            call.received(body)
            first_slot = not (recv1 or recv2) or q2 is None
            if first_slot:
                call.slot1(rlen, body[3] & 0xF)  # read there before its ID is looked at
            rid = body[:2]
            if (recv1 or rid != q1[:2]) and (recv2 or q2 is None or rid != q2[:2]):
                continue  # a stale reply: wait for ours
            if first_slot:
                resplen = rlen
                answer1 = body
            else:
                answer2 = body
            if not recv1 and rid == q1[:2]:
                recv1 = True
            else:
                recv2 = True
            if not (recv1 and recv2):
                continue
            return _Exchange(resplen, answer1, answer2)
        if retry_conn:
            continue
