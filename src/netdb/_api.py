"""The socket-compatible API: argument handling, result types and exceptions as CPython gives them.

Owns the edge between Python callers and the core: CPython's argument conversion for each
function (``socketmodule.c``: IDNA encoding of ``str`` hosts, ``"et"``/``"s"``/``"i"`` parsing and
their exact ``TypeError``/``ValueError``/``OverflowError`` messages, C-string truncation at NUL),
turning the core's :class:`~netdb.errors.GaiError`/:class:`~netdb.errors.HostError` into
``socket.gaierror``/``socket.herror``, and families/socket types into ``socket``'s enums.

:class:`Resolver` holds one configuration (which files, whether the bundled registries answer for
missing ones) and implements the core's :class:`~netdb.gai.GaiContext` on top of the config
loader and the kernel queries in ``_io``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import operator
import os
import secrets
import socket as _socket
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, Literal, NoReturn, TypeAlias, TypeVar, cast

from . import express, gai
from . import trace as _trace
from ._io import driver as _driver
from ._io import idn as _idn
from ._io import ifaddrs as _ifaddrs
from ._io import myhost as _myhost
from ._io import route as _route
from ._io.watch import WATCH
from .address import (
    _arity_error,
    _c_int,
    _c_string,
    _tp_name,
    format_ipv4,
    format_ipv6,
    parse_ipv4_strict,
    parse_ipv6,
)
from .config.loader import FileSet, SystemFiles
from .config.resolv import NAMESERVER_PORT, ResolvConf
from .constants import AF_INET, AF_INET6, AF_UNSPEC, AI_ADDRCONFIG, AI_PASSIVE, SOCK_DGRAM
from .dns.cache import Cache
from .dns.ops import PAUSE, HErrno, Note, Op, Server
from .dns.query import SendOptions, SendState
from .dns.search import Context, SearchConfig
from .errors import (
    EAI_ADDRFAMILY,
    EAI_IDN_ENCODE,
    EAI_MEMORY,
    EAI_SYSTEM,
    GaiError,
    gai_strerror,
    hstrerror,
    system_error,
)
from .hostent import Address, Status
from .hosts import CPYTHON_BUFLEN, HostsDatabase
from .sort import Policy
from .steps import STEP, Steps

T = TypeVar("T")
_F = TypeVar("_F", bound=Callable[..., Any])

# The result and argument types of typeshed's ``socket`` stubs, so that a program type-checked
# against ``socket`` checks the same against ``netdb``.
AddrInfo: TypeAlias = (
    tuple[Literal[_socket.AddressFamily.AF_INET], _socket.SocketKind, int, str, tuple[str, int]]
    | tuple[
        Literal[_socket.AddressFamily.AF_INET6],
        _socket.SocketKind,
        int,
        str,
        tuple[str, int, int, int] | tuple[int, bytes],
    ]
)
"""One ``getaddrinfo`` answer: family, socket type, protocol, canonical name, socket address."""
AddrInfoList: TypeAlias = list[AddrInfo]
SockAddr: TypeAlias = tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes]
"""What ``getnameinfo`` takes: an IPv4 or IPv6 socket address."""
HostEnt: TypeAlias = tuple[str, list[str], list[str]]
"""``(name, aliases, addresses)`` of ``gethostbyname_ex``/``gethostbyaddr``."""

_AddressFamily = _socket.AddressFamily
_SocketKind = _socket.SocketKind
_FAMILIES: dict[int, Any] = {int(m): m for m in _AddressFamily}
_KINDS: dict[int, Any] = {int(m): m for m in _SocketKind}

MEMO_SIZE = 10_000  # as many answers as the DNS cache keeps replies
MEMO_RESULTS = 64
"""The longest answer the memo keeps (results: 21 addresses for three socket types).  A server
can answer with thousands of addresses (6,432 in two 64 KB replies, 19,296 results with three
socket types, 3.3 MB of tuples): kept, 10,000 such answers would be 33 GB.  A longer answer is
worked out again from the DNS cache's replies, in time linear in them."""
_FOREVER = float("inf")
# A getaddrinfo answer kept: (value or GaiError, files snapshot, kernel generation or -1,
# expiry, glibc's h_errno after it or None, the host's node name when the hosts line has
# ``myhostname`` or None).
_MISSING: Any = object()
"""No remembered answer (see ``Resolver._recall``)."""
_MemoEntry = tuple[Any, object, int, float, "int | None", "str | None"]
# What a memoized answer was computed from: (files snapshot, node name or None); see _inputs.
_Inputs = tuple[object, "str | None"]
LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
_type_of = type  # ``type`` is a parameter's name in getaddrinfo


# --- CPython argument conversion ----------------------------------------------------------------


class _Omitted:
    """The default of an optional argument: CPython tells "not given" from ``None``
    (``getservbyname("http", None)`` is a TypeError, not "any protocol")."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<omitted>"


OMITTED: Any = _Omitted()


def _varargs(name: str, least: int, most: int, *, on: Any = None) -> Callable[[_F], _F]:
    """Call the decorated method the way CPython calls a ``METH_VARARGS`` builtin of
    ``socketmodule.c``: keywords refused, and ``least`` to ``most`` positional arguments (after
    ``self``) counted as ``PyArg_ParseTuple`` counts them, with CPython's ``TypeError`` texts
    naming ``name``.  ``inspect.signature`` still reads the decorated function's own signature
    (``__wrapped__``).

    ``on``: decorate a module-level function instead, which calls the method of the same name
    of the resolver ``on``; the call goes straight to that method's undecorated body (checked
    once, one frame), and the decorated function gives the name, signature and documentation.
    """

    def wrap(func: _F) -> _F:
        if on is None:

            def call_method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                if kwargs or not least <= len(args) <= most:
                    raise _arity_error(name, least, args, kwargs, most)
                return func(self, *args)

            return cast(_F, functools.wraps(func)(call_method))
        method = getattr(type(on), func.__name__).__wrapped__.__get__(on)

        def call(*args: Any, **kwargs: Any) -> Any:
            if kwargs or not least <= len(args) <= most:
                raise _arity_error(name, least, args, kwargs, most)
            return method(*args)

        return cast(_F, functools.wraps(func)(call))

    return wrap


def _noargs(name: str) -> Callable[[_F], _F]:
    """Call the decorated function the way CPython calls a ``METH_NOARGS`` builtin called
    ``name`` (its module-qualified name, as CPython's messages give it)."""

    def wrap(func: _F) -> _F:
        def call(*args: Any, **kwargs: Any) -> Any:
            if kwargs:
                raise TypeError(f"{name}() takes no keyword arguments")
            if args:
                raise TypeError(f"{name}() takes no arguments ({len(args)} given)")
            return func()

        return cast(_F, functools.wraps(func)(call))

    return wrap


_GETHOSTNAME = f"{_socket.gethostname.__module__}.{_socket.gethostname.__name__}"
"""``socket.gethostname``'s name in CPython's messages (``_socket.gethostname``)."""


def _python_signature(name: str, template: Callable[..., Any]) -> Callable[..., NoReturn]:
    """A function that raises what calling ``socket.py``'s function ``name`` (whose parameters
    ``template`` has) raises for too many positional arguments: Python's own message."""
    template.__name__ = template.__qualname__ = name

    def too_many(*args: Any) -> NoReturn:
        template(*args)
        raise AssertionError(f"{name}() accepted {len(args)} arguments")  # pragma: no cover

    return too_many


# socket.py's parameters of its two Python-level functions.
_getaddrinfo_too_many = _python_signature(
    "getaddrinfo", lambda host, port, family=0, type=0, proto=0, flags=0: None
)
_getfqdn_too_many = _python_signature("getfqdn", lambda name="": None)


def _c_uint_bits(value: object) -> int:
    """PyArg ``"I"``: any int (``__index__``), wrapped to 32 bits without an overflow check."""
    return operator.index(value) & 0xFFFFFFFF  # type: ignore[arg-type]


def _c_str(data: bytes) -> str:
    """A C string seen as text: cut at the first NUL, bytes kept one-to-one (latin-1)."""
    nul = data.find(b"\x00")
    if nul >= 0:
        data = data[:nul]
    return data.decode("latin-1")


def _idna(text: str) -> bytes:
    """``text.encode("idna")``, with the codec's own ASCII rule checked inline for speed."""
    # Every label under 64 characters, none empty but the last: no leading dot, no "..".
    if (
        text.isascii()
        and ".." not in text
        and not text.startswith(".")
        and max(map(len, text.split("."))) < 64
    ):
        return text.encode("ascii")
    return text.encode("idna")


def _idna_arg(value: str) -> bytes:
    """``PyUnicode_AsEncodedString(value, "idna")``: a ``str`` subclass goes to the codec itself
    (which calls its methods, as CPython's does), never through an overridden ``encode``."""
    if type(value) is str:
        return _idna(value)
    return str.encode(value, "idna")


def _et_idna(func: str, value: object) -> str:
    """PyArg ``"et"`` with ``idna`` (gethostbyname, gethostbyname_ex, gethostbyaddr)."""
    if isinstance(value, str):
        data = _idna_arg(value)
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        name = "None" if value is None else _tp_name(value)
        raise TypeError(f"{func}() argument 1 must be str, bytes or bytearray, not {name}")
    if b"\x00" in data:
        raise TypeError(
            f"{func}() argument 1 must be encoded string without null bytes, not {_tp_name(value)}"
        )
    return data.decode("latin-1")


def _s_arg(func: str, pos: int, value: object) -> str:
    """PyArg ``"s"``: a ``str`` (its characters, whatever a subclass's methods say) that
    encodes to UTF-8 and holds no NUL, passed on as UTF-8."""
    if type(value) is str and value.isascii() and "\x00" not in value:
        return value
    return _utf8(_c_string(func, pos, value))


def _utf8(text: str) -> str:
    """``text`` as its UTF-8 bytes seen one-to-one (latin-1), the way the core sees C strings."""
    if text.isascii():
        return text
    return text.encode("utf-8").decode("latin-1")


def _out(text: str) -> str:
    """A C string from the core back to Python (``PyUnicode_FromString``: strict UTF-8)."""
    if text.isascii():
        return text
    return text.encode("latin-1").decode("utf-8")


def _gaierror(exc: GaiError) -> NoReturn:
    if exc.errno is not None and exc.code == EAI_SYSTEM:
        raise system_error(exc.errno) from None
    raise _socket.gaierror(exc.code, gai_strerror(exc.code)) from None


def _herror(code: int) -> NoReturn:
    raise _socket.herror(code, hstrerror(code)) from None


def _gai_tuple(results: Sequence[gai.AddrInfo]) -> tuple[Any, ...]:
    """getaddrinfo's answers with socket's enums for families and socket types."""
    return tuple(
        (_FAMILIES.get(f, f), _KINDS.get(s, s), pro, _out(canon) if canon else canon, sa)
        for f, s, pro, canon, sa in results
    )


# --- the resolver ---------------------------------------------------------------------------------


class _Expiry:
    """Collects the ``Note`` requests of a lookup (the earliest time its answer goes stale) and
    the last ``HErrno`` it reported (passed on too)."""

    __slots__ = ("expires", "h_errno")

    def __init__(self, h_errno: int | None = None) -> None:
        self.expires = _FOREVER
        self.h_errno = h_errno

    def collect(self, gen: Generator[Op, Any, T]) -> Generator[Op, Any, T]:
        """Run ``gen`` as part of the caller's lookup, keeping its notes to itself."""
        try:
            op = gen.send(None)
            while True:
                if isinstance(op, Note):
                    if op.expires < self.expires:
                        self.expires = op.expires
                    op = gen.send(None)
                else:
                    if isinstance(op, HErrno):
                        self.h_errno = op.value
                    op = gen.send((yield op))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


class _Entropy:
    """Unpredictable numbers for query IDs and server rotation, from the kernel's CSPRNG.

    Never Python's Mersenne Twister, whose next outputs can be predicted from past ones.  Query
    IDs are drawn 2,048 at a time (one ``getrandom`` of 4 KiB) and each is used once; a forked
    child drops the parent's unused ones.  Threads racing for the same ID may both get it: IDs
    must be unpredictable, not unique (glibc's are not unique across threads either).
    """

    __slots__ = ("ids",)

    def __init__(self) -> None:
        self.ids: list[int] = []

    def forget(self) -> None:
        self.ids = []

    def __call__(self, n: int) -> int:
        if n <= 1:
            return 0
        if n == 0x10000:  # a query ID: 16 random bits, every value equally likely
            ids = self.ids
            if not ids:
                ids = self.ids = list(_IDS.unpack(os.urandom(_IDS.size)))
            return ids.pop()
        return secrets.randbelow(n)


_IDS = struct.Struct("=2048H")
_rng = _Entropy()
os.register_at_fork(after_in_child=_rng.forget)


def _server(host: str, port: int, ifindex: Callable[[str], int]) -> Server:
    """A resolv.conf / ``nameservers=`` entry as a :class:`Server`."""
    if ":" in host:
        addr, _, scope = host.partition("%")
        scope_id = 0
        if scope:
            scope_id = int(scope) if scope.isascii() and scope.isdigit() else ifindex(scope)
        return Server(AF_INET6, addr, port, scope_id)
    return Server(AF_INET, host, port)


def _parse_nameserver(text: str) -> tuple[str, int]:
    """``"192.0.2.1"``, ``"192.0.2.1:5353"``, ``"::1"``, ``"[::1]:5353"`` -> (host, port)."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = _port_of(text, rest[1:]) if rest.startswith(":") else NAMESERVER_PORT
    elif text.count(":") == 1:
        host, _, p = text.partition(":")
        port = _port_of(text, p)
    else:
        host, port = text, NAMESERVER_PORT
    return host, port


def _port_of(text: str, digits: str) -> int:
    """A name server's port: ASCII digits, 1 to 65535 (``int`` would also take ``" 53"``,
    ``"5_3"`` and other scripts' digits)."""
    if digits.isascii() and digits.isdigit() and 0 < int(digits) < 65536:
        return int(digits)
    raise ValueError(f"bad port in name server {text!r}")


OFF_THREAD: contextvars.ContextVar[bool] = contextvars.ContextVar("netdb_off_thread", default=False)
"""Set while netdb answers a call that glibc would make in another thread (asyncio's
``loop.getaddrinfo``/``getnameinfo`` run it in the loop's executor; install() and the aiohttp
resolver answer them in the loop's own thread): the calling thread's ``h_errno`` is left as it
was, as glibc's executor thread leaves it."""


@contextlib.contextmanager
def off_thread() -> Iterator[None]:
    """:data:`OFF_THREAD` for the block (the calling task's context only)."""
    token = OFF_THREAD.set(True)
    try:
        yield
    finally:
        OFF_THREAD.reset(token)


class Resolver:
    """One lookup configuration and the socket-compatible functions over it.

    ``files`` says which system files are read (defaults: the real ``/etc`` ones) and whether the
    bundled service/protocol registries answer when ``/etc/services`` or ``/etc/protocols`` is
    missing.  ``check_interval`` is how often (seconds) a file's mtime/size is checked for changes:
    0 checks on every call, like glibc re-reading; the default 1.0 is netdb's documented
    difference (a changed file is seen within a second).  ``memoize=False`` recomputes every answer
    (the memo never changes an answer, only its cost; benchmarks use this to show both).

    DNS: ``nameservers`` (``"192.0.2.1"``, ``"[2001:db8::1]:5353"``, ...), ``timeout`` (seconds
    per try) and ``attempts`` replace what resolv.conf says; ``lifetime`` bounds every lookup as a
    whole (seconds; None: only glibc's own limits).  ``cache`` keeps replies for their TTL
    (``True``: a cache of its own, ``False``: none, or a :class:`~netdb.dns.cache.Cache` to share).
    """

    def __init__(
        self,
        *,
        files: SystemFiles | None = None,
        check_interval: float = 1.0,
        rfc6724: bool = False,
        memoize: bool = True,
        nameservers: Sequence[str] | None = None,
        timeout: int | None = None,
        attempts: int | None = None,
        lifetime: float | None = None,
        cache: bool | Cache = True,
    ) -> None:
        self._files = FileSet(files or SystemFiles(), check_interval=check_interval)
        self._rfc6724 = rfc6724
        self._memoize = memoize
        self._db_key: object = None
        self._db: HostsDatabase | None = None
        self._lane_db: HostsDatabase | None = None
        self._lane: express.Lane | None = None
        self._policy_key: object = None
        self._policy: Policy | None = None
        self._memo: OrderedDict[tuple[object, ...], _MemoEntry] = OrderedDict()
        self._node_key: object = None  # the files snapshot _node_dependent was computed for
        self._node_dependent = False
        self._nameservers = (
            None if nameservers is None else tuple(_parse_nameserver(n) for n in nameservers)
        )
        self._timeout = timeout
        self._attempts = attempts
        self.lifetime = lifetime
        if cache is True:
            self.cache: Cache | None = Cache()
        elif cache is False:
            self.cache = None
        else:
            self.cache = cache
        self._search: SearchConfig | None = None
        self._state = SendState(rng=_rng)
        self._tls = threading.local()
        self._local_domain: str | None = None

    @property
    def h_errno(self) -> int:
        """glibc's global ``h_errno`` as this resolver's lookups would have left it (per
        thread): what CPython's ``gethostbyname_ex``/``gethostbyaddr`` report on failure."""
        value: int = getattr(self._tls, "h_errno", 0)
        return value

    def _set_h_errno(self, value: int | None) -> None:
        if value is not None and not OFF_THREAD.get():
            self._tls.h_errno = value

    # the DNS configuration ------------------------------------------------------------------------

    def resolv_conf(self) -> ResolvConf:
        """resolv.conf as glibc reads it, with this resolver's own settings over it."""
        conf = self._files.resolv()
        changes: dict[str, Any] = {}
        if self._nameservers is not None:
            changes["nameservers"] = self._nameservers
        if self._timeout is not None:
            changes["timeout"] = self._timeout
        if self._attempts is not None:
            changes["attempts"] = self._attempts
        if changes:
            import dataclasses

            conf = dataclasses.replace(conf, **changes)
        return conf

    def _search_config(self) -> SearchConfig:
        conf = self.resolv_conf()
        opts = conf.options
        servers = conf.nameservers if self._nameservers is not None else conf.nameservers_legacy
        send = SendOptions(
            servers=tuple(_server(h, p, self.ifindex) for h, p in servers),
            timeout=conf.timeout,
            attempts=conf.attempts,
            rotate="rotate" in opts,
            use_vc="use-vc" in opts,
            single_request="single-request" in opts,
            single_request_reopen="single-request-reopen" in opts,
        )
        return SearchConfig.from_resolv(conf, send, self._files.host_aliases())

    def _dns_context(self) -> Context:
        assert self._search is not None
        return Context(self._search, self._state, clock=time.monotonic, rng=_rng, cache=self.cache)

    def _run(self, gen: Generator[Op, Any, T]) -> T:
        deadline = None if self.lifetime is None else time.monotonic() + self.lifetime
        run = _driver.Run(deadline)
        try:
            return _driver.drive(gen, None, run)
        finally:
            self._set_h_errno(run.h_errno)

    # GaiContext ---------------------------------------------------------------------------------

    def hosts_db(self) -> HostsDatabase:
        snap = self._files.snapshot()
        if self._db is None or self._db_key is not snap:
            nss = self._files.nsswitch()
            search = self._search_config()
            if search != self._search:
                # glibc starts afresh (sticky single-request modes included) when resolv.conf
                # changes, all but the rotation counter: res_send.c's nameserver_offset keeps
                # it in a static, drawn once per process and never reset.
                self._search = search
                self._state = SendState(rng=_rng, rotate_offset=self._state.rotate_offset)
            host_conf = self._files.host_conf()
            self._db = HostsDatabase(
                tuple(nss.hosts_sources()),
                self._files.hosts(),
                host_conf.multi,
                self._memoize,
                self._dns_context,
                myhostname=_myhost.host,
                reorder=host_conf.reorder,
                trim=host_conf.trim,
                local_nets=_ifaddrs.ipv4_networks,
            )
            self._db_key = snap
        return self._db

    def service_port(self, name: str, proto: str) -> int | None:
        entry = self._database("services", lambda: self._files.services().by_name(name, proto))
        return None if entry is None else int(entry.port)

    def service_name(self, port: int, proto: str) -> str | None:
        entry = self._database("services", lambda: self._files.services().by_port(port, proto))
        return None if entry is None else str(entry.name)

    def addrconfig(self) -> tuple[bool, bool]:
        return _ifaddrs.addrconfig_families()

    def ifindex(self, name: str) -> int:
        try:
            # The core hands C strings over as latin-1 text; the kernel wants those bytes.
            return _socket.if_nametoindex(os.fsdecode(name.encode("latin-1")))
        except (OSError, ValueError):
            return 0

    def ifname(self, index: int) -> str | None:
        try:
            return _socket.if_indextoname(index)
        except (OSError, OverflowError, ValueError):
            return None

    def order(self, addresses: Sequence[Address], group: int = 1) -> list[int]:
        dests = [(a.family, a.packed, a.scope_id) for a in addresses]
        return _route.order_destinations(dests, self._sort_policy(), group)

    def order_steps(self, addresses: Sequence[Address], group: int = 1) -> Steps[list[int]]:
        dests = [(a.family, a.packed, a.scope_id) for a in addresses]
        return _route.order_steps(dests, self._sort_policy(), group)

    def _sort_policy(self) -> Policy:
        """The RFC 6724 policy: glibc's table, or gai.conf's while that file stands."""
        gai_conf = self._files.gai()
        if self._policy is None or self._policy_key is not gai_conf:
            self._policy = Policy.rfc6724() if self._rfc6724 else Policy.glibc(gai_conf)
            self._policy_key = gai_conf
        return self._policy

    def idn_to_ascii(self, name: str) -> str:
        if "\\" in name:
            raise GaiError(EAI_IDN_ENCODE)  # glibc refuses backslashes in non-ASCII names
        try:
            name.encode("latin-1").decode("utf-8")
            return _idn.to_ascii(name)
        except (UnicodeError, _idn.IdnError) as exc:
            code = getattr(exc, "code", None)
            raise GaiError(EAI_MEMORY if code == _idn.IDN2_MALLOC else EAI_IDN_ENCODE) from None

    def idn_to_unicode(self, name: str) -> str:
        try:
            return _idn.to_unicode(name)
        except _idn.IdnError:
            return name

    def local_domain(self) -> Generator[Op, Any, str]:
        """glibc's ``nrl_domainname`` (for ``NI_NOFQDN``): the domain of localhost's canonical
        name, else of the host name, else of the host name's canonical name, else of
        127.0.0.1's name.  Worked out once and kept, as glibc keeps it for the process."""
        if self._local_domain is not None:
            return self._local_domain
        db = self.hosts_db()
        domain = ""
        canon = (yield from db.gethostbyname2("localhost", AF_INET)).name
        name = os.uname().nodename
        if "." in canon:
            domain = canon.split(".", 1)[1]
        elif "." in name:
            domain = name.split(".", 1)[1]
        else:
            canon = (yield from db.gethostbyname2(name, AF_INET)).name
            if "." in canon:
                domain = canon.split(".", 1)[1]
            else:
                canon = (yield from db.gethostbyaddr(AF_INET, b"\x7f\x00\x00\x01")).name
                if "." in canon:
                    domain = canon.split(".", 1)[1]
        self._local_domain = domain
        return domain

    # socket-compatible functions ----------------------------------------------------------------

    def getaddrinfo(
        __self,  # not "self": socket.py's function has no such keyword either
        /,
        host: bytes | str | None,
        port: bytes | str | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
        *_extra: NoReturn,
    ) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
        """``socket.getaddrinfo`` with this resolver's settings, deadline (``lifetime``) and
        cache (see the class).  (Typed loosely for the ``netdb`` command, which indexes socket
        addresses by family; ``netdb.getaddrinfo`` has typeshed's exact result type.)"""
        if _extra:  # socket.py's function has no self to count: its own message
            _getaddrinfo_too_many(host, port, family, type, proto, flags, *_extra)
        args = __self._getaddrinfo_args(host, port, family, type, proto, flags)
        files, value = __self._recall(args)
        if value is _MISSING:
            # The driver itself collects the answer's expiry and glibc's h_errno.
            deadline = None if __self.lifetime is None else time.monotonic() + __self.lifetime
            run = _driver.Run(deadline)
            try:
                value = _driver.drive(__self._gai_steps(args), None, run)
            finally:
                __self._set_h_errno(run.h_errno)
            __self._remember(args, files, value, run.expires, run.h_errno)
        if isinstance(value, GaiError):
            _gaierror(value)
        return list(value)

    def _getaddrinfo_args(
        self, host: object, port: object, family: object, type: object, proto: object, flags: object
    ) -> tuple[str | None, str | None, int, int, int, int]:
        # CPython converts the four numbers first ("OO|iiii"), then the host, then the port.
        fam, st, pr, fl = _c_int(family), _c_int(type), _c_int(proto), _c_int(flags)
        if host is None:
            h = None
        elif isinstance(host, str):
            h = _c_str(_idna_arg(host))
        elif isinstance(host, bytes):
            h = _c_str(host)
        else:
            raise TypeError("getaddrinfo() argument 1 must be string or None")
        if _type_of(port) is int:  # CPython checks for exactly int (not bool)
            if not LONG_MIN <= port <= LONG_MAX:
                raise OverflowError("Python int too large to convert to C long")
            p: str | None = str(port)
        elif isinstance(port, str):
            # PyUnicode_AsUTF8: the characters, whatever a subclass's encode() says.
            p = _c_str(str.encode(port, "utf-8"))
        elif isinstance(port, bytes):
            p = _c_str(port)
        elif port is None:
            p = None
        else:
            raise OSError("Int or String expected")
        return (h, p, fam, st, pr, fl)

    def _getaddrinfo_c(
        self, host: bytes, family: int, type: int, proto: int, flags: int
    ) -> list[gai.AddrInfo]:
        """``getaddrinfo(host, None, ...)`` for ``getent ahosts``: the same lookup, settings,
        deadline and errors as :meth:`getaddrinfo`, but each canonical name as the core holds it
        (a C string, one character per byte) where the front decodes it as UTF-8, as CPython's
        ``PyUnicode_FromString`` does (``UnicodeDecodeError`` for a hosts file's Latin-1 name,
        which getent prints as it is).  Families and socket types stay plain ints; no memo."""
        args = self._getaddrinfo_args(host, None, family, type, proto, flags)
        failed: GaiError | None = None
        try:
            return self._run(gai.getaddrinfo(self, *args))
        except GaiError as exc:
            failed = exc
        _gaierror(failed)  # out of the except block: no context, as socket's errors have none

    def getaddrinfo_steps(
        self,
        host: object,
        port: object,
        family: object = 0,
        type: object = 0,
        proto: object = 0,
        flags: object = 0,
    ) -> Generator[Op, Any, AddrInfoList]:
        """``socket.getaddrinfo`` as a sans-I/O lookup (arguments checked before any step)."""
        args = self._getaddrinfo_args(host, port, family, type, proto, flags)
        return self._list(self._gai(*args))

    @staticmethod
    def _list(
        gen: Generator[Op, Any, tuple[Any, ...]],
    ) -> Generator[Op, Any, list[Any]]:
        return list((yield from gen))

    def _gai(
        self,
        host: str | None,
        service: str | None,
        family: int,
        socktype: int,
        proto: int,
        flags: int,
    ) -> Generator[Op, Any, tuple[Any, ...]]:
        """The core's getaddrinfo with C-level arguments, remembered while its inputs stand.

        A result depends on the arguments, the files (hosts, nsswitch.conf, host.conf, services,
        gai.conf) and, when it was sorted, used ``AI_ADDRCONFIG`` or an interface scope, on the
        kernel's addresses and routes.  It is kept with the parsed files it was computed from and,
        where needed, the kernel generation (``_io/watch.py``), and recomputed when any of them
        changed: the same answer as computing afresh, without the work.
        """
        key = (host, service, family, socktype, proto, flags)
        files = self._inputs()
        hit = self._memo_hit(key, files)
        value: tuple[Any, ...] | GaiError
        rec = _trace.recorder()
        if rec is not None:
            holds = None if hit is None or hit[3] == _FOREVER else hit[3] - time.monotonic()
            rec.add(_trace.Memo(hit is not None, None if holds is None else round(holds, 3)))
        if hit is not None:
            value = hit[0]
            if hit[4] is not None:
                yield HErrno(hit[4])
        else:
            notes = _Expiry()
            value = yield from notes.collect(self._gai_steps(key))
            self._remember(key, files, value, notes.expires, notes.h_errno)
        if isinstance(value, GaiError):
            _gaierror(value)
        return value

    def _gai_value(
        self, key: tuple[Any, ...], db: HostsDatabase | None = None
    ) -> Generator[Op, Any, tuple[Any, ...] | GaiError]:
        """The core's getaddrinfo with Python's types on the results; a failure is returned.
        ``db``: the hosts database to use (see ``gai.getaddrinfo``)."""
        try:
            results = yield from gai.getaddrinfo(self, *key, db=db)
        except GaiError as exc:
            return exc
        if len(results) <= STEP:
            return _gai_tuple(results)
        converted: list[Any] = []
        for start in range(0, len(results), STEP):  # a long answer: the loop runs in between
            converted += _gai_tuple(results[start : start + STEP])
            yield PAUSE
        return tuple(converted)

    def _gai_steps(self, key: tuple[Any, ...]) -> Generator[Op, Any, tuple[Any, ...] | GaiError]:
        """The getaddrinfo lookup every driver runs: the express lane's generator where its
        plan applies (``netdb.express``: the same requests and answer as the full path, without
        its layers), else the full path.  A failure is returned, not raised."""
        if _trace.recorder() is not None:
            return self._gai_value(key)  # explained: the full path, whose steps are seen
        plan = self._express(key)
        if plan is None:
            return self._gai_value(key)
        return express.steps(plan, lambda db: self._gai_value(key, db), _gai_tuple)

    def _express(self, key: tuple[Any, ...]) -> express.Plan | None:
        """The express plan of a getaddrinfo (``netdb.express``; IDs drawn), or None when the
        lane does not apply (nothing drawn)."""
        db = self.hosts_db()
        if self._lane_db is not db:
            self._lane = express.lane(db)
            self._lane_db = db
        way = self._lane
        if way is None:
            return None
        return express.plan(self, way, *key)

    def _inputs(self) -> _Inputs:
        """What a getaddrinfo answer depends on besides its arguments and the kernel: the parsed
        files and, when the hosts line has ``myhostname``, the host's node name (that module
        says NOTFOUND to every other name, but the node name is one of its names).  Read before
        the lookup, so a name changed meanwhile only makes the answer miss."""
        files = self._files.snapshot()
        if files is not self._node_key:
            db = self.hosts_db()
            self._node_dependent = any(getattr(s, "name", None) == "myhostname" for s in db.sources)
            self._node_key = files
        if not self._node_dependent:
            return files, None
        node = os.uname().nodename
        # An unset name makes the module read $SYSTEMD_DEFAULT_HOSTNAME: not kept then.
        return files, (node if node and node != "(none)" else "")

    def _remember(
        self,
        key: tuple[Any, ...],
        inputs: _Inputs,
        value: tuple[Any, ...] | GaiError,
        expires: float,
        h_errno: int | None,
    ) -> None:
        """Keep a getaddrinfo answer in the memo while its inputs stand (see ``_gai``)."""
        if not self._memoize or not (expires == _FOREVER or expires > time.monotonic()):
            return
        if not isinstance(value, GaiError) and len(value) > MEMO_RESULTS:
            return
        files, node = inputs
        if node == "":
            return
        host, flags = key[0], key[5]
        kernel = (
            flags & AI_ADDRCONFIG
            or (host is not None and "%" in host)
            or (not isinstance(value, GaiError) and len({r[4] for r in value}) > 1)
        )
        memo = self._memo
        if len(memo) >= MEMO_SIZE:
            # The oldest answer goes: O(1), never a scan or a purge.
            with contextlib.suppress(KeyError):  # another thread emptied it first
                memo.popitem(last=False)
        memo[key] = (
            value,
            files,
            WATCH.generation() if kernel else -1,
            expires,
            h_errno,
            node,
        )

    def _recall(self, key: tuple[Any, ...]) -> tuple[_Inputs, Any]:
        """What a getaddrinfo of C-level arguments ``key`` depends on (see :meth:`_inputs`) and
        its remembered answer (h_errno left as the lookup left it), or :data:`_MISSING`: the
        memo check of the blocking and asyncio ``getaddrinfo``."""
        files = self._inputs()
        hit = self._memo_hit(key, files)
        if hit is None:
            return files, _MISSING
        self._set_h_errno(hit[4])
        return files, hit[0]

    def _memo_hit(self, key: tuple[object, ...], inputs: _Inputs) -> _MemoEntry | None:
        hit = self._memo.get(key)
        if (
            hit is not None
            and hit[1] is inputs[0]
            and hit[5] == inputs[1]
            and (hit[2] < 0 or hit[2] == WATCH.generation())
            and self._memoize
            and (hit[3] == _FOREVER or hit[3] > time.monotonic())
        ):
            return hit
        return None

    @_varargs("getnameinfo", 2, 2)
    def getnameinfo(self, sockaddr: SockAddr | tuple[Any, ...], flags: int, /) -> tuple[str, str]:
        """``socket.getnameinfo`` with this resolver's settings, deadline and cache."""
        return self._run(self.getnameinfo_steps(sockaddr, flags))

    def getnameinfo_steps(
        self, sockaddr: object, flags: object
    ) -> Generator[Op, Any, tuple[str, str]]:
        """``socket.getnameinfo`` as a sans-I/O lookup."""
        fl = _c_int(flags)
        if not isinstance(sockaddr, tuple):
            raise TypeError("getnameinfo() argument 1 must be a tuple")
        if not 2 <= len(sockaddr) <= 4 or not isinstance(sockaddr[0], str):
            raise TypeError("getnameinfo(): illegal sockaddr argument")
        host = _s_arg("getnameinfo", 1, sockaddr[0])
        port = _c_int(sockaddr[1])
        flowinfo = _c_uint_bits(sockaddr[2]) if len(sockaddr) > 2 else 0
        scope_id = _c_uint_bits(sockaddr[3]) if len(sockaddr) > 3 else 0
        if flowinfo > 0xFFFFF:
            raise OverflowError("getnameinfo(): flowinfo must be 0-1048575.")
        res = yield from self._gai(host, str(port), AF_UNSPEC, SOCK_DGRAM, 0, 4)
        if len(res) > 1:
            raise OSError("sockaddr resolved to multiple addresses")
        fam, _, _, _, sa = res[0]
        if fam == AF_INET:
            if len(sockaddr) != 2:
                raise OSError("IPv4 sockaddr must be 2 tuple")
            packed = parse_ipv4_strict(sa[0])
            sid = 0
        else:
            packed = parse_ipv6(sa[0])
            sid = scope_id
        assert packed is not None
        try:
            h, s = yield from gai.getnameinfo(self, fam, packed, int(sa[1]), sid, fl)
        except GaiError as exc:
            failed = exc
        else:
            return _out(h), _out(s)
        _gaierror(failed)  # out of the except block: no context, as socket's errors have none

    def _setipaddr(self, name: str, af: int) -> Generator[Op, Any, tuple[int, bytes]]:
        """CPython's ``setipaddr``: the one address a gethostby* call starts from."""
        if name == "":
            res = yield from self._gai(None, "0", af, SOCK_DGRAM, 0, AI_PASSIVE)
            if len(res) > 1:
                raise OSError("wildcard resolved to multiple address")
            fam, _, _, _, sa = res[0]
            return fam, _packed(fam, sa[0])
        if name in ("255.255.255.255", "<broadcast>"):
            if af not in (AF_INET, AF_UNSPEC):
                raise OSError("address family mismatched")
            return AF_INET, b"\xff\xff\xff\xff"
        if af in (AF_UNSPEC, AF_INET):
            v4 = parse_ipv4_strict(name)
            if v4 is not None:
                return AF_INET, v4
        if af in (AF_UNSPEC, AF_INET6) and "%" not in name:
            v6 = parse_ipv6(name)
            if v6 is not None:
                return AF_INET6, v6
        res = yield from self._gai(name, None, af, 0, 0, 0)
        fam, _, _, _, sa = res[0]
        return fam, _packed(fam, sa[0])

    @_varargs("gethostbyname", 1, 1)
    def gethostbyname(self, hostname: str, /) -> str:
        """``socket.gethostbyname`` with this resolver's settings, deadline and cache."""
        return self._run(self.gethostbyname_steps(hostname))

    def gethostbyname_steps(self, hostname: object) -> Generator[Op, Any, str]:
        """``socket.gethostbyname`` as a sans-I/O lookup."""
        name = _et_idna("gethostbyname", hostname)
        fam, packed = yield from self._setipaddr(name, AF_INET)
        return format_ipv4(packed) if fam == AF_INET else format_ipv6(packed)

    def _hostent(
        self, ans_name: str, aliases: Sequence[str], addrs: Sequence[Address], af: int
    ) -> tuple[str, list[str], list[str]]:
        fmt: Callable[[bytes], str] = format_ipv4 if af == AF_INET else format_ipv6
        # CPython's gethost_common decodes the aliases, then the name (its UnicodeDecodeError
        # names the first string that fails in that order).
        names = [_out(a) for a in aliases]
        return _out(ans_name), names, [fmt(a.packed) for a in addrs]

    @_varargs("gethostbyname_ex", 1, 1)
    def gethostbyname_ex(self, hostname: str, /) -> HostEnt:
        """``socket.gethostbyname_ex`` with this resolver's settings, deadline and cache."""
        return self._run(self.gethostbyname_ex_steps(hostname))

    def gethostbyname_ex_steps(
        self, hostname: object
    ) -> Generator[Op, Any, tuple[str, list[str], list[str]]]:
        """``socket.gethostbyname_ex`` as a sans-I/O lookup."""
        name = _et_idna("gethostbyname_ex", hostname)
        track = _Expiry(self.h_errno)
        fam, _ = yield from track.collect(self._setipaddr(name, AF_INET))
        db = self.hosts_db()
        ans = yield from track.collect(db.gethostbyname2(name, AF_INET, buflen=CPYTHON_BUFLEN))
        if ans.status is not Status.SUCCESS:
            # CPython reports glibc's global h_errno, not the status gethostbyname_r gave.
            _herror(track.h_errno if track.h_errno is not None else 0)
        kind = ans.addresses[0].family if ans.addresses else AF_INET
        if kind != fam:
            raise OSError(97, os.strerror(97))
        return self._hostent(ans.name, ans.aliases, ans.addresses, fam)

    @_varargs("gethostbyaddr", 1, 1)
    def gethostbyaddr(self, ip_address: str, /) -> HostEnt:
        """``socket.gethostbyaddr`` with this resolver's settings, deadline and cache."""
        return self._run(self.gethostbyaddr_steps(ip_address))

    def gethostbyaddr_steps(
        self, ip_address: object
    ) -> Generator[Op, Any, tuple[str, list[str], list[str]]]:
        """``socket.gethostbyaddr`` as a sans-I/O lookup."""
        name = _et_idna("gethostbyaddr", ip_address)
        track = _Expiry(self.h_errno)
        fam, packed = yield from track.collect(self._setipaddr(name, AF_UNSPEC))
        db = self.hosts_db()
        ans = yield from track.collect(db.gethostbyaddr(fam, packed, buflen=CPYTHON_BUFLEN))
        if ans.status is not Status.SUCCESS:
            # CPython reports glibc's global h_errno, not the status gethostbyaddr_r gave.
            _herror(track.h_errno if track.h_errno is not None else 0)
        if ans.addresses and ans.addresses[0].family != fam:
            # An IPv4-mapped address answered as IPv4: CPython refuses the other family.
            raise OSError(97, os.strerror(97))
        return self._hostent(ans.name, ans.aliases, ans.addresses, fam)

    def getfqdn(__self, /, name: str = "", *_extra: NoReturn) -> str:
        """``socket.getfqdn`` (the pure-Python algorithm of ``socket.py`` over this resolver's
        ``gethostbyaddr``: its settings, deadline and cache)."""
        if _extra:  # socket.py's function has no self to count: its own message
            _getfqdn_too_many(name, *_extra)
        return __self._run(__self.getfqdn_steps(name))

    def getfqdn_steps(self, name: str = "") -> Generator[Op, Any, str]:
        """``socket.getfqdn`` as a sans-I/O lookup."""
        name = name.strip()
        if not name or name in ("0.0.0.0", "::"):
            name = self.gethostname()
        try:
            hostname, aliases, _ = yield from self.gethostbyaddr_steps(name)
        except OSError:
            return name
        for candidate in [hostname, *aliases]:
            if "." in candidate:
                return candidate
        return hostname

    @staticmethod
    @_noargs(_GETHOSTNAME)
    def gethostname() -> str:
        """``socket.gethostname``: the kernel's node name (``uname(2)``)."""
        return os.uname().nodename

    def _database(self, name: str, files_lookup: Callable[[], T | None]) -> T | None:
        """Walk the nsswitch sources of ``services`` or ``protocols`` (only ``files`` is served;
        any other source, such as ``db``, is unavailable as in a glibc without that module)."""
        found: T | None = None
        for source in self._files.nsswitch().sources(name):
            if source.name == "files":
                found = files_lookup()
                status = "success" if found is not None else "notfound"
            else:
                found, status = None, "unavail"
            if source.action(status) == "return":
                break
        return found

    @_varargs("getservbyname", 1, 2)
    def getservbyname(self, servicename: str, protocolname: str = OMITTED, /) -> int:
        """``socket.getservbyname`` from this resolver's services file (never waits)."""
        name = _s_arg("getservbyname", 1, servicename)
        proto = None if protocolname is OMITTED else _s_arg("getservbyname", 2, protocolname)
        entry = self._database("services", lambda: self._files.services().by_name(name, proto))
        if entry is None:
            raise OSError("service/proto not found")
        return int(entry.port)

    @_varargs("getservbyport", 1, 2)
    def getservbyport(self, port: int, protocolname: str = OMITTED, /) -> str:
        """``socket.getservbyport`` from this resolver's services file (never waits)."""
        n = _c_int(port)
        proto = None if protocolname is OMITTED else _s_arg("getservbyport", 2, protocolname)
        if not 0 <= n <= 0xFFFF:
            raise OverflowError("getservbyport: port must be 0-65535.")
        entry = self._database("services", lambda: self._files.services().by_port(n, proto))
        if entry is None:
            raise OSError("port/proto not found")
        return _out(entry.name)

    @_varargs("getprotobyname", 1, 1)
    def getprotobyname(self, protocolname: str, /) -> int:
        """``socket.getprotobyname`` from this resolver's protocols file (never waits)."""
        name = _s_arg("getprotobyname", 1, protocolname)
        entry = self._database("protocols", lambda: self._files.protocols().by_name(name))
        if entry is None:
            raise OSError("protocol not found")
        return int(entry.number)

    def getprotobynumber(self, number: int, /) -> tuple[str, list[str], int]:
        """``getprotobynumber(3)`` (which ``socket`` lacks): ``(name, aliases, number)``, from
        this resolver's protocols file (never waits)."""
        n = _c_int(number)
        entry = self._database("protocols", lambda: self._files.protocols().by_number(n))
        if entry is None:
            raise OSError("protocol not found")
        # Decoded as CPython decodes a hostent (gethost_common): the aliases, then the name, so
        # a UnicodeDecodeError names the first alias that fails before a name that fails.
        aliases = [_out(a) for a in entry.aliases]
        return _out(entry.name), aliases, int(entry.number)

    def invalidate(self) -> None:
        """Forget every parsed file: the next call re-reads what it needs."""
        self._files.invalidate()
        self._memo.clear()
        self._db = None
        self._policy = None
        # The resolver state (sticky single-request fallbacks, rotation) survives: glibc's
        # survives until resolv.conf really changes (hosts_db compares the configuration).
        if self.cache is not None:
            self.cache.clear()


# Python's own TypeErrors for the two functions socket.py defines in Python name them as
# "getaddrinfo()" and "getfqdn()", not as methods of a class; their signatures as inspect (and
# netdb.explain, which binds the arguments first) reads them do not show ``*_extra``.
for _method in (Resolver.getaddrinfo, Resolver.getfqdn):
    _method.__qualname__ = _method.__name__
    _sig = inspect.signature(_method)
    _method.__signature__ = _sig.replace(  # type: ignore[union-attr]
        parameters=[p for p in _sig.parameters.values() if p.kind is not p.VAR_POSITIONAL]
    )
del _method, _sig


def _packed(fam: int, text: str) -> bytes:
    packed = parse_ipv4_strict(text) if fam == AF_INET else parse_ipv6(text)
    if packed is None:  # pragma: no cover - the core formats what it parsed
        raise GaiError(EAI_ADDRFAMILY)
    return packed
