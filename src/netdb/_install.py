"""netdb under programs that were written for ``socket``: :func:`install`, :func:`uninstall`,
:func:`installed`.

Owns the process-wide switch.  :func:`install` puts netdb in place of glibc where Python
programs reach the resolver, without changing them:

* the ``socket`` module's ``getaddrinfo``, ``getnameinfo``, ``gethostbyname``,
  ``gethostbyname_ex``, ``gethostbyaddr`` and ``getfqdn``.  The standard library looks these up
  on the module when it calls them (``socket.create_connection`` calls the module's global
  ``getaddrinfo``; ``http.client``, ``urllib``, ``smtplib``, ``ftplib``, ``email.utils``,
  ``logging.handlers`` over TCP, ``ssl`` (through ``create_connection``), urllib3 and requests
  all go through one of these), so they all get netdb's answers;
* asyncio's ``BaseEventLoop.getaddrinfo`` and ``getnameinfo``, the methods every standard event
  loop inherits (``asyncio.open_connection``, ``loop.create_connection``, ``loop.sock_connect``,
  aiohttp's ``ThreadedResolver``, httpx/httpcore and anyio on asyncio): they await
  :mod:`netdb.aio` instead of running glibc in the loop's thread pool, so no thread and no
  executor is involved.  Methods are looked up on the class at call time, so loops created before
  :func:`install`, loops already running and loops created later are all covered.

Not covered (README says so too): a loop class that defines its own ``getaddrinfo`` (uvloop
resolves through libuv in C), names given straight to a socket method (``sock.connect(("name",
80))``, ``sendto``, ``bind``: CPython resolves those in C; logging's ``DatagramHandler`` and
UDP ``SysLogHandler`` send to the name), ``_socket``'s functions, and a
reference to one of socket's functions taken before :func:`install` (``from socket import
getaddrinfo`` at import time keeps glibc's), and other processes (multiprocessing's ``spawn`` and
``forkserver`` children start without netdb; ``fork`` children keep it).  A reference taken
while installed follows :func:`uninstall` back to what was below netdb (see the contract below).

Rules: every replacement reads the installed resolver from one module global, so a switch is one
assignment, atomic under the GIL; :func:`install` and :func:`uninstall` hold one lock while they
change attributes.

The contract with other patches of the same attributes (each attribute on its own):

* :func:`install` saves the object it replaces; :func:`uninstall` puts that very object back
  where netdb's replacement is still in place.  A patch someone put on top of netdb's
  replacement since stays theirs (netdb remembers it was on top).
* A replacement called while netdb is not installed (a reference taken while it was, or held by
  a patch put on top of it) passes the call to what was *below* netdb: the object install()
  saved, but never a patch seen on top of netdb's replacement.  A call that comes back to the
  replacement while it is passing one on (a patch that holds the replacement and was saved as
  an original) goes to what the process had before netdb's first install, so no chain of
  patches loops.
* netdb's own replacement found in place by install() (put back by someone's undo after
  :func:`uninstall`) is not saved as an original: uninstall() then puts back what it stood for.

:func:`installed` blocks are layers: each block's exit takes away its own layer and the state
below it comes back, also when blocks of different threads end out of order.  :func:`install`
and :func:`uninstall` set the layer of the calling code: inside a block (of its thread, or of its
asyncio task), that block's, until it ends; outside every block, the bottom one, which a block
another thread has open does not undo.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from ._api import AddrInfoList, HostEnt, Resolver, SockAddr, off_thread

__all__ = ["install", "installed", "uninstall"]

# The resolver the replacements answer with; None: not installed (they pass the call on to what
# was below netdb, so a reference taken while installed keeps working after uninstall()).
_resolver: Resolver | None = None
_lock = threading.RLock()


def _renew_lock() -> None:
    global _lock
    _lock = threading.RLock()


os.register_at_fork(after_in_child=_renew_lock)  # another thread may have held it
_Key = tuple[Any, str]  # (owner object, attribute name)
# What uninstall() puts back, while installed; _MISSING if the owner had nothing of its own.
_saved: dict[_Key, Any] = {}
# What a replacement called while not installed passes the call to: the latest original saved
# that was not a patch seen on top of netdb's replacement.
_below: dict[_Key, Any] = {}
# The first original ever saved: where a call that came back to the replacement goes.
_first: dict[_Key, Any] = {}
# The patch found on top of netdb's replacement by the last uninstall() (left in place).
_on_top: dict[_Key, Any] = {}
# The attributes whose replacement is passing a call on to an original, in this context (a
# thread, or an asyncio task): a call that comes back meanwhile goes to _first's object.
_passing: contextvars.ContextVar[frozenset[_Key]] = contextvars.ContextVar(
    "netdb_install_passing", default=frozenset()
)
_MISSING = object()

_SOCKET_NAMES = (
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostbyaddr",
    "getfqdn",
)
_LOOP_NAMES = ("getaddrinfo", "getnameinfo")
_F = TypeVar("_F", bound=Callable[..., Any])


def _inherited(owner: Any, name: str) -> Any:
    """What ``owner`` has as ``name`` without an attribute of its own (socket's: glibc's, as
    socket had it when netdb was imported; a class's: what it inherits)."""
    if owner is socket:
        return _GLIBC[name]
    return next(base.__dict__[name] for base in owner.__mro__[1:] if name in base.__dict__)


def _usable(owner: Any, name: str, fn: Any) -> Any:
    return _inherited(owner, name) if fn is _MISSING else fn


@contextlib.contextmanager
def _passing_on(owner: Any, name: str) -> Iterator[Callable[..., Any]]:
    """The original a replacement called while not installed hands the call to (see the
    module): what was below netdb, or, for a call that came back to the replacement while it
    was passing one on, what the process had before netdb's first install."""
    key = (owner, name)
    active = _passing.get()
    fn = (_first if key in active else _below).get(key, _MISSING)
    token = _passing.set(active | {key})
    try:
        yield _usable(owner, name, fn)
    finally:
        _passing.reset(token)


# glibc's functions as the socket module had them when netdb was imported: what a replacement
# falls back to when install() never saved anything for it.
_GLIBC: dict[str, Callable[..., Any]] = {name: getattr(socket, name) for name in _SOCKET_NAMES}


# --- the socket module's functions ---------------------------------------------------------------


def getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> AddrInfoList:
    r = _resolver
    if r is None:
        with _passing_on(socket, "getaddrinfo") as original:
            return original(host, port, family, type, proto, flags)  # type: ignore[no-any-return]
    return r.getaddrinfo(host, port, family, type, proto, flags)


def _positional(func: _F) -> _F:
    """A replacement for a ``METH_VARARGS`` function of ``socket`` (positional arguments only):
    the call goes on as it came, to the resolver's method (whose checks give CPython's
    ``TypeError`` texts for a wrong count or a keyword) or, after uninstall(), to the original.
    ``func`` gives the name, signature and documentation."""
    name = func.__name__

    def call(*args: Any, **kwargs: Any) -> Any:
        r = _resolver
        if r is None:
            with _passing_on(socket, name) as original:
                return original(*args, **kwargs)
        return getattr(r, name)(*args, **kwargs)

    return cast(_F, functools.wraps(func)(call))


@_positional
def getnameinfo(sockaddr: SockAddr, flags: int, /) -> tuple[str, str]:
    """``socket.getnameinfo`` through the installed resolver."""
    raise AssertionError  # pragma: no cover - _positional calls the resolver


@_positional
def gethostbyname(hostname: str, /) -> str:
    """``socket.gethostbyname`` through the installed resolver."""
    raise AssertionError  # pragma: no cover


@_positional
def gethostbyname_ex(hostname: str, /) -> HostEnt:
    """``socket.gethostbyname_ex`` through the installed resolver."""
    raise AssertionError  # pragma: no cover


@_positional
def gethostbyaddr(ip_address: str, /) -> HostEnt:
    """``socket.gethostbyaddr`` through the installed resolver."""
    raise AssertionError  # pragma: no cover


def getfqdn(name: str = "") -> str:
    r = _resolver
    if r is None:
        with _passing_on(socket, "getfqdn") as original:
            return original(name)  # type: ignore[no-any-return]
    return r.getfqdn(name)


# --- asyncio's event-loop methods ----------------------------------------------------------------


async def _loop_getaddrinfo(
    self: Any,
    host: bytes | str | None,
    port: bytes | str | int | None,
    *,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> AddrInfoList:
    r = _resolver
    if r is None:
        with _passing_on(_base_loop(), "getaddrinfo") as original:
            return await original(  # type: ignore[no-any-return]
                self, host, port, family=family, type=type, proto=proto, flags=flags
            )
    from . import aio

    # Deadline: the resolver's lifetime (aio's default when timeout is None).  glibc would run
    # in the loop's executor: this thread's h_errno stays as it is.
    with off_thread():
        return await aio.getaddrinfo(host, port, family, type, proto, flags, resolver=r)


async def _loop_getnameinfo(self: Any, sockaddr: SockAddr, flags: int = 0) -> tuple[str, str]:
    r = _resolver
    if r is None:
        with _passing_on(_base_loop(), "getnameinfo") as original:
            return await original(self, sockaddr, flags)  # type: ignore[no-any-return]
    from . import aio

    with off_thread():
        return await aio.getnameinfo(sockaddr, flags, resolver=r)


_loop_getaddrinfo.__name__ = _loop_getaddrinfo.__qualname__ = "getaddrinfo"
_loop_getnameinfo.__name__ = _loop_getnameinfo.__qualname__ = "getnameinfo"
_loop_getaddrinfo.__doc__ = """``loop.getaddrinfo`` answered by :mod:`netdb.aio` (no thread, no
executor), as installed by :func:`netdb.install`; the deadline is the resolver's ``lifetime``."""
_loop_getnameinfo.__doc__ = """``loop.getnameinfo`` answered by :mod:`netdb.aio` (no thread, no
executor), as installed by :func:`netdb.install`; the deadline is the resolver's ``lifetime``."""


def _base_loop() -> type:
    import asyncio.base_events

    return asyncio.base_events.BaseEventLoop


_SOCKET_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    "getaddrinfo": getaddrinfo,
    "getnameinfo": getnameinfo,
    "gethostbyname": gethostbyname,
    "gethostbyname_ex": gethostbyname_ex,
    "gethostbyaddr": gethostbyaddr,
    "getfqdn": getfqdn,
}
_LOOP_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    "getaddrinfo": _loop_getaddrinfo,
    "getnameinfo": _loop_getnameinfo,
}
for _name, _fn in _SOCKET_REPLACEMENTS.items():
    _fn.__doc__ = (
        f"``socket.{_name}`` answered by netdb's installed resolver (see :func:`netdb.install`)"
        f"; after :func:`netdb.uninstall`, what ``socket.{_name}`` was before.\n\n"
        + (_GLIBC[_name].__doc__ or "")
    )


def _targets() -> list[tuple[Any, dict[str, Callable[..., Any]]]]:
    return [(socket, _SOCKET_REPLACEMENTS), (_base_loop(), _LOOP_REPLACEMENTS)]


# --- the switch ----------------------------------------------------------------------------------


def install(resolver: Resolver | None = None) -> None:
    """Answer every lookup of this process with netdb: ``socket``'s ``getaddrinfo``,
    ``getnameinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr`` and ``getfqdn``,
    and asyncio's ``loop.getaddrinfo``/``loop.getnameinfo`` (through :mod:`netdb.aio`: no thread,
    no executor), for loops created before and after.

    ``resolver``: the :class:`netdb.Resolver` that answers (default: the module's, over the
    system's files).  Its settings give each lookup its deadline (``Resolver(lifetime=...)``;
    without one, glibc's own limits from resolv.conf).  Installing again only switches the
    resolver; :func:`uninstall` puts back what was there before the first.  Thread-safe.

    Not covered: event loops that define their own ``getaddrinfo`` (uvloop), host names passed
    straight to a socket's ``connect``/``sendto``/``bind`` (resolved by CPython in C), and
    references to socket's functions taken before the call (``from socket import getaddrinfo``).
    """
    resolver = _checked(resolver)
    with _lock:
        _own_layer().resolver = resolver
        _apply()


class _Layer:
    """One state of the switch: the resolver installed (None: not installed).  The bottom layer
    is install()'s and uninstall()'s outside any block; each :func:`installed` block adds one."""

    __slots__ = ("resolver",)

    def __init__(self, resolver: Resolver | None) -> None:
        self.resolver = resolver


# The innermost layer is in force; install() and uninstall() set the caller's own: that of the
# innermost block the calling code is in (its thread's, or its task's), the bottom one outside
# every block, so a call made outside a block outlasts the blocks other threads have open.
_layers: list[_Layer] = [_Layer(None)]
_in_block: contextvars.ContextVar[_Layer | None] = contextvars.ContextVar(
    "netdb_install_block", default=None
)


def _own_layer() -> _Layer:
    """The layer install() and uninstall() set for the calling code (the lock held): its
    innermost open block's, or the bottom one."""
    layer = _in_block.get()
    return layer if layer is not None and layer in _layers else _layers[0]


def _checked(resolver: Resolver | None) -> Resolver:
    """``resolver``, or the module's when None; TypeError for anything but a Resolver."""
    if resolver is None:
        from . import _default_resolver

        return _default_resolver()
    if not isinstance(resolver, Resolver):
        raise TypeError(f"resolver must be a netdb.Resolver, not {type(resolver).__name__}")
    return resolver


def _apply() -> None:
    """Make socket and asyncio what the innermost layer says (the lock held)."""
    global _resolver
    resolver = _layers[-1].resolver
    if resolver is None:
        _resolver = None  # first: a lookup racing with the restore goes to the original
        _restore()
    else:
        _replace()
        _resolver = resolver


def _replace() -> None:
    """Put netdb's replacements in place, saving what each replaces (see the module)."""
    for owner, replacements in _targets():
        for name, fn in replacements.items():
            key = (owner, name)
            if key not in _saved:
                _saved[key] = _original_of(key, owner.__dict__.get(name, _MISSING), fn)
            if owner.__dict__.get(name) is not fn:
                setattr(owner, name, fn)


def _original_of(key: _Key, was: Any, fn: Callable[..., Any]) -> Any:
    """What uninstall() will put back for ``key``, found as ``was`` where ``fn`` goes; notes
    what the replacement passes calls on to."""
    if was is fn:  # netdb's own, put back by someone after uninstall(): what it stood for
        return _below[key] if key in _below else _inherited(*key)
    if was is not _on_top.get(key, _MISSING):
        _below[key] = was
    _first.setdefault(key, was)
    return was


def _restore() -> None:
    """Put back what _replace() saved where netdb's replacement is still in place."""
    for (owner, name), was in _saved.items():
        now = owner.__dict__.get(name, _MISSING)
        if now is not _replacement(owner, name):
            _on_top[(owner, name)] = now  # theirs stays
        elif was is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, was)
    _saved.clear()


def uninstall() -> None:
    """Put back what :func:`install` replaced: the exact objects that were there (an attribute
    someone else has replaced since stays theirs).  Harmless when not installed.  Inside an
    :func:`installed` block, until the block ends."""
    with _lock:
        _own_layer().resolver = None
        _apply()


def _replacement(owner: Any, name: str) -> Callable[..., Any] | None:
    table = _SOCKET_REPLACEMENTS if owner is socket else _LOOP_REPLACEMENTS
    return table.get(name)


def current() -> Resolver | None:
    """The installed resolver, None when netdb is not installed."""
    return _resolver


@contextlib.contextmanager
def installed(resolver: Resolver | None = None) -> Iterator[Resolver]:
    """``with netdb.installed(resolver):`` -- :func:`install` for the block, then back to what
    the layer below says (not installed, or installed with its resolver), also when blocks of
    several threads end out of order.  Yields the resolver that answers."""
    answering = _checked(resolver)
    layer = _Layer(answering)
    with _lock:
        _layers.append(layer)
        _apply()
    token = _in_block.set(layer)
    try:
        yield answering
    finally:
        _in_block.reset(token)
        with _lock:
            _layers.remove(layer)
            _apply()
