"""netdb under programs that were written for ``socket``: :func:`install`, :func:`uninstall`,
:func:`installed`.

Owns the process-wide switch.  :func:`install` puts netdb in place of glibc where Python
programs reach the resolver, without changing them:

* the ``socket`` module's ``getaddrinfo``, ``getnameinfo``, ``gethostbyname``,
  ``gethostbyname_ex``, ``gethostbyaddr`` and ``getfqdn``.  The standard library looks these up
  on the module when it calls them (``socket.create_connection`` calls the module's global
  ``getaddrinfo``; ``http.client``, ``urllib``, ``smtplib``, ``ftplib``, ``logging.handlers``,
  ``ssl`` (through ``create_connection``), urllib3 and requests all go through one of these), so
  they all get netdb's answers;
* asyncio's ``BaseEventLoop.getaddrinfo`` and ``getnameinfo``, the methods every standard event
  loop inherits (``asyncio.open_connection``, ``loop.create_connection``, ``loop.sock_connect``,
  aiohttp's ``ThreadedResolver``, httpx/httpcore and anyio on asyncio): they await
  :mod:`netdb.aio` instead of running glibc in the loop's thread pool, so no thread and no
  executor is involved.  Methods are looked up on the class at call time, so loops created before
  :func:`install`, loops already running and loops created later are all covered.

Not covered (README says so too): a loop class that defines its own ``getaddrinfo`` (uvloop
resolves through libuv in C), names given straight to a socket method (``sock.connect(("name",
80))``, ``sendto``, ``bind``: CPython resolves those in C), ``_socket``'s functions, and a
reference to one of socket's functions taken before :func:`install` (``from socket import
getaddrinfo`` at import time keeps glibc's).  A reference taken while installed follows
:func:`uninstall` back to what was there.

Rules: every replacement reads the installed resolver from one module global, so a switch is one
assignment, atomic under the GIL; :func:`install` and :func:`uninstall` hold one lock while they
change attributes.  The originals are saved by the first :func:`install` and put back by
:func:`uninstall`, each only where netdb's own replacement is still in place (a later patch
someone else put on top stays theirs).
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from ._api import AddrInfoList, HostEnt, Resolver, SockAddr

__all__ = ["install", "installed", "uninstall"]

# The resolver the replacements answer with; None: not installed (they fall back to the saved
# originals, so a reference taken while installed keeps working after uninstall()).
_resolver: Resolver | None = None
_lock = threading.RLock()
# (owner object, attribute name) -> what was there before install(); _MISSING if nothing was.
_saved: dict[tuple[Any, str], Any] = {}
# The same, kept after uninstall(): what a replacement called then falls back to.
_fallback: dict[tuple[Any, str], Any] = {}
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


def _original(owner: Any, name: str) -> Callable[..., Any]:
    """What ``owner.name`` was before install() (the live attribute when nothing was saved)."""
    fn = _fallback.get((owner, name), _MISSING)
    if fn is _MISSING and owner is socket:
        fn = _GLIBC[name]
    elif fn is _MISSING:  # the class had none of its own: what it inherited
        fn = next(base.__dict__[name] for base in owner.__mro__[1:] if name in base.__dict__)
    return fn  # type: ignore[no-any-return]


# glibc's functions as the socket module had them when netdb was imported: the fallback of a
# replacement called after uninstall() when install() never saved anything for it.
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
        return _original(socket, "getaddrinfo")(  # type: ignore[no-any-return]
            host, port, family, type, proto, flags
        )
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
            return _original(socket, name)(*args, **kwargs)
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
        return _original(socket, "getfqdn")(name)  # type: ignore[no-any-return]
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
        original = _original(_base_loop(), "getaddrinfo")
        return await original(  # type: ignore[no-any-return]
            self, host, port, family=family, type=type, proto=proto, flags=flags
        )
    from . import aio

    # Deadline: the resolver's lifetime (aio's default when timeout is None).
    return await aio.getaddrinfo(host, port, family, type, proto, flags, resolver=r)


async def _loop_getnameinfo(self: Any, sockaddr: SockAddr, flags: int = 0) -> tuple[str, str]:
    r = _resolver
    if r is None:
        original = _original(_base_loop(), "getnameinfo")
        return await original(self, sockaddr, flags)  # type: ignore[no-any-return]
    from . import aio

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
    global _resolver
    if resolver is None:
        from . import _default_resolver

        resolver = _default_resolver()
    elif not isinstance(resolver, Resolver):
        raise TypeError(f"resolver must be a netdb.Resolver, not {type(resolver).__name__}")
    with _lock:
        for owner, replacements in _targets():
            for name, fn in replacements.items():
                if (owner, name) not in _saved:
                    was = owner.__dict__.get(name, _MISSING)
                    _saved[(owner, name)] = _fallback[(owner, name)] = was
                if owner.__dict__.get(name) is not fn:
                    setattr(owner, name, fn)
        _resolver = resolver


def uninstall() -> None:
    """Put back what :func:`install` replaced: the exact objects that were there (an attribute
    someone else has replaced since stays theirs).  Harmless when not installed."""
    global _resolver
    with _lock:
        _resolver = None
        for (owner, name), was in list(_saved.items()):
            if owner.__dict__.get(name) is _replacement(owner, name):
                if was is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, was)
        _saved.clear()


def _replacement(owner: Any, name: str) -> Callable[..., Any] | None:
    table = _SOCKET_REPLACEMENTS if owner is socket else _LOOP_REPLACEMENTS
    return table.get(name)


def current() -> Resolver | None:
    """The installed resolver, None when netdb is not installed."""
    return _resolver


@contextlib.contextmanager
def installed(resolver: Resolver | None = None) -> Iterator[Resolver]:
    """``with netdb.installed(resolver):`` -- :func:`install` for the block, then back to what
    was before it (not installed, or installed with the resolver that was).  Yields the
    resolver that answers."""
    with _lock:
        before = _resolver
        install(resolver)
        now = _resolver
    assert now is not None
    try:
        yield now
    finally:
        with _lock:
            if before is None:
                uninstall()
            else:
                install(before)
