"""Error codes and the core's exceptions.

Owns the ``EAI_*`` codes and their texts (glibc's ``gai_strerror``, checked against the running
libc by the tests), the ``h_errno`` codes of ``gethostbyaddr`` (``herror``), and the exceptions the
core raises.  The core never imports :mod:`socket`; the front turns a :class:`GaiError` into
``socket.gaierror(code, message)`` and a :class:`HostError` into ``socket.herror(code, message)``
at the API edge, so callers see exactly the classes, ``errno`` and messages CPython gives.
"""

from __future__ import annotations

import os

# <netdb.h> on glibc
EAI_BADFLAGS = -1
EAI_NONAME = -2
EAI_AGAIN = -3
EAI_FAIL = -4
EAI_NODATA = -5
EAI_FAMILY = -6
EAI_SOCKTYPE = -7
EAI_SERVICE = -8
EAI_ADDRFAMILY = -9
EAI_MEMORY = -10
EAI_SYSTEM = -11
EAI_OVERFLOW = -12
EAI_INPROGRESS = -100
EAI_CANCELED = -101
EAI_NOTCANCELED = -102
EAI_ALLDONE = -103
EAI_INTR = -104
EAI_IDN_ENCODE = -105

GAI_MESSAGES: dict[int, str] = {
    EAI_BADFLAGS: "Bad value for ai_flags",
    EAI_NONAME: "Name or service not known",
    EAI_AGAIN: "Temporary failure in name resolution",
    EAI_FAIL: "Non-recoverable failure in name resolution",
    EAI_NODATA: "No address associated with hostname",
    EAI_FAMILY: "ai_family not supported",
    EAI_SOCKTYPE: "ai_socktype not supported",
    EAI_SERVICE: "Servname not supported for ai_socktype",
    EAI_ADDRFAMILY: "Address family for hostname not supported",
    EAI_MEMORY: "Memory allocation failure",
    EAI_SYSTEM: "System error",
    # glibc 2.36 has no text for EAI_OVERFLOW: gai_strerror(-12) is "Unknown error".
    EAI_INPROGRESS: "Processing request in progress",
    EAI_CANCELED: "Request canceled",
    EAI_NOTCANCELED: "Request not canceled",
    EAI_ALLDONE: "All requests done",
    EAI_INTR: "Interrupted by a signal",
    EAI_IDN_ENCODE: "Parameter string not correctly encoded",
}

# h_errno values (<netdb.h>) and hstrerror texts
HOST_NOT_FOUND = 1
TRY_AGAIN = 2
NO_RECOVERY = 3
NO_DATA = 4

H_MESSAGES: dict[int, str] = {
    0: "Resolver Error 0 (no error)",
    HOST_NOT_FOUND: "Unknown host",
    TRY_AGAIN: "Host name lookup failure",
    NO_RECOVERY: "Unknown server error",
    NO_DATA: "No address associated with name",
}


def gai_strerror(code: int) -> str:
    """The text glibc's ``gai_strerror`` gives for ``code``."""
    return GAI_MESSAGES.get(code, "Unknown error")


def hstrerror(code: int) -> str:
    """The text glibc's ``hstrerror`` gives for ``code``."""
    if code < 0:
        return "Resolver internal error"
    return H_MESSAGES.get(code, "Unknown resolver error")


class NetdbError(Exception):
    """Base of the core's lookup failures; the front maps each to ``socket``'s class."""


class GaiError(NetdbError):
    """A getaddrinfo-style failure: becomes ``socket.gaierror(code, gai_strerror(code))``, except
    ``EAI_SYSTEM`` with a known ``errno`` (what glibc's ``errno`` holds then), which CPython
    reports as ``OSError(errno, strerror(errno))`` (see :func:`system_error`)."""

    def __init__(self, code: int, detail: str = "", errno: int | None = None) -> None:
        super().__init__(code, detail or gai_strerror(code))
        self.code = code
        self.detail = detail
        self.errno = errno


def system_error(errno_value: int) -> OSError:
    """What CPython's ``set_gaierror`` raises for ``EAI_SYSTEM``: ``PyErr_SetFromErrno`` of
    ``OSError``, the errno's own subclass (``IsADirectoryError``, ...) with ``strerror``'s text,
    and ``"Error"`` for errno 0."""
    text = os.strerror(errno_value) if errno_value else "Error"
    return OSError(errno_value, text)


class HostError(NetdbError):
    """A gethostby*-style failure: becomes ``socket.herror(code, hstrerror(code))``."""

    def __init__(self, code: int) -> None:
        super().__init__(code, hstrerror(code))
        self.code = code
