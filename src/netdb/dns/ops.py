"""The I/O vocabulary of the sans-I/O DNS core: what a driver is asked to do, and its answers.

The core (``query.py``, ``search.py``, ``nss_dns.py``) is written as generators.  A generator
*yields* one of the requests below and is *sent* the result; it *returns* its answer.  A driver
(``netdb._io.driver`` for blocking calls, ``netdb.aio`` for asyncio) performs each request on
real sockets; a test can perform them from a script.  Errors come back as values (an
``OSError`` instance), never as exceptions thrown into the generator, so the core decides what
every failure means, as glibc's ``res_send.c`` does.

Requests and their results:

=================  =====================================================================
``UdpOpen``        a UDP socket *connected* to the server (so the kernel drops datagrams
                   from anyone else and reports ICMP errors): a handle, or ``OSError``
``UdpSend``        send each payload as one datagram: ``None``, or ``OSError``
``UdpRecv``        the next datagram by ``deadline``: ``(payload, (host, port))``, ``None``
                   at the deadline, or ``OSError`` (ECONNREFUSED after ICMP unreachable)
``TcpOpen``        a TCP connection by ``deadline``: a handle, or ``OSError``
``TcpSend``        write all of ``data``: ``None``, or ``OSError``
``TcpRecv``        exactly ``size`` bytes by ``deadline`` (fewer at end of stream):
                   ``bytes``, ``None`` at the deadline, or ``OSError``
``Close``          close a handle: ``None``
``Note``           no I/O: tells the driver a fact (the answer's expiry, for memos)
``HErrno``         no I/O: glibc's global ``h_errno`` changed (see the class)
``Pause``          no I/O: a long stretch of work was done; a driver that serves other work
                   may let it run before it resumes the lookup: ``None``
=================  =====================================================================

A driver may also hold a deadline of its own for the whole lookup (``timeout=``): it then cuts
every wait short and answers :data:`EXPIRED` instead of a result once that deadline has passed;
the core stops asking and reports a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._frozen import fast_init
from ..constants import AF_INET6


@dataclass(frozen=True, slots=True)
class Server:
    """A name server: address family, address text, port and IPv6 scope (interface index)."""

    family: int
    host: str
    port: int = 53
    scope_id: int = 0

    @property
    def sockaddr(self) -> tuple[str, int] | tuple[str, int, int, int]:
        if self.family == AF_INET6:
            return (self.host, self.port, 0, self.scope_id)
        return (self.host, self.port)

    def __str__(self) -> str:
        if self.family == AF_INET6:
            scope = f"%{self.scope_id}" if self.scope_id else ""
            return f"[{self.host}{scope}]:{self.port}"
        return f"{self.host}:{self.port}"


@fast_init
@dataclass(frozen=True, slots=True)
class UdpOpen:
    server: Server


@fast_init
@dataclass(frozen=True, slots=True)
class UdpSend:
    sock: object
    payloads: tuple[bytes, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class UdpRecv:
    sock: object
    deadline: float


@fast_init
@dataclass(frozen=True, slots=True)
class TcpOpen:
    server: Server
    deadline: float


@fast_init
@dataclass(frozen=True, slots=True)
class TcpSend:
    sock: object
    data: bytes


@fast_init
@dataclass(frozen=True, slots=True)
class TcpRecv:
    sock: object
    size: int
    deadline: float


@fast_init
@dataclass(frozen=True, slots=True)
class Close:
    sock: object


@fast_init
@dataclass(frozen=True, slots=True)
class Note:
    """A fact for the driver, no I/O: ``expires`` is when a DNS-derived answer goes stale."""

    expires: float


@fast_init
@dataclass(frozen=True, slots=True)
class HErrno:
    """No I/O: glibc's (thread-local) global ``h_errno`` now holds ``value``.

    CPython's ``gethostbyname_ex`` and ``gethostbyaddr`` raise ``herror`` with that global, not
    with the status the lookup returned, so the front keeps track of it.
    """

    value: int


@dataclass(frozen=True, slots=True)
class Pause:
    """No I/O: the core has just done a long stretch of work (probing the sources of
    thousands of answers, say) and has more to do.  The blocking driver goes straight on; the
    asyncio driver lets the event loop run its other callbacks first, so that no lookup holds
    the loop for the whole of a huge answer."""


PAUSE = Pause()


class Expired:
    """The type of :data:`EXPIRED`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EXPIRED"


EXPIRED = Expired()
"""The driver's answer to any request once the lookup's own deadline has passed."""

Op = UdpOpen | UdpSend | UdpRecv | TcpOpen | TcpSend | TcpRecv | Close | Note | HErrno | Pause
