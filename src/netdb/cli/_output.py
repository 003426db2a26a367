"""Byte-exact output for the ``netdb`` command, and the C-string view of its arguments.

Owns how text reaches stdout.  glibc's tools print the bytes they hold; netdb's core holds C strings
as ``str`` with one character per byte (latin-1), and the socket-compatible front returns real text
(UTF-8 decoded).  :class:`Output` takes either kind and writes the same bytes ``printf`` would, so a
name with non-ASCII bytes is padded by bytes (``%-21s``) and comes out unchanged.

It also owns the reverse step: a command-line argument (``str`` decoded by Python with
``surrogateescape``) back to the bytes the shell passed, as a C string the core can take.

And the shapes of ``--json`` output (every lookup command takes ``--json``).  With ``--json``,
stdout holds exactly one JSON value (indented, UTF-8) whatever the exit status, which is the
same as without ``--json``; messages still go to stderr.  Strings are text: bytes that are not
UTF-8 appear as ``\\udcXX`` escapes (Python's ``surrogateescape``; ``os.fsencode`` gives the bytes
back).  The shapes:

``hosts``, ``ahosts``, ``ahostsv4``, ``ahostsv6``, ``services``, ``protocols``
    An array with one object per KEY, in the order given, each carrying ``"key"`` and either
    the entry's fields or ``"error"``; without KEY, one object per entry listed (no ``"key"``)::

        hosts:     {"key", "name", "aliases": [...], "family": "AF_INET", "addresses": [...]}
        ahosts*:   {"key", "results": [ADDRINFO, ...]}
        services:  {"key", "name", "port", "protocol", "aliases": [...]}
        protocols: {"key", "name", "number", "aliases": [...]}
        not found: {"key", "error": ERROR}

    (``ahosts*`` without KEY list the hosts file as ``hosts`` does, in the ``hosts`` shape.)
``addrinfo``
    An array of ``ADDRINFO``: ``{"family": "AF_INET6", "type": "SOCK_STREAM", "protocol":
    "IPPROTO_TCP", "canonical_name": "", "sockaddr": ["2001:db8::1", 443, 0, 0]}``.
``nameinfo``
    ``{"host": HOST, "service": SERVICE}``.

When the command fails as a whole (a bad command line, ``--etc`` not a directory, a failed
``addrinfo``/``nameinfo`` lookup), stdout holds ``{"error": ERROR}`` instead.  ``ERROR`` is
``{"kind", "code", "name", "message"}``; ``kind`` is ``"gaierror"`` (``code`` the ``EAI_*`` number,
``name`` its symbol), ``"herror"`` (``code`` h_errno, ``name`` its symbol, as ``HOST_NOT_FOUND``),
``"not_found"`` (a services or protocols key; ``code`` and ``name`` null), ``"usage"`` (exit 64,
or 1 for a database ``-s`` does not know) or ``"error"`` (anything else, as an IDNA codec error);
``message`` is the text stderr shows.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from typing import Any, BinaryIO, TextIO

from .. import errors
from ..trace import c_text as c_text  # a core C string as JSON text (one rule, shared)


def arg_bytes(arg: str) -> bytes:
    """The bytes the shell passed for the command-line argument ``arg``."""
    return os.fsencode(arg)


def c_string(arg: str) -> str:
    """Command-line argument ``arg`` as the core's C string (its original bytes, one per char)."""
    return os.fsencode(arg).decode("latin-1")


def c_bytes(text: str) -> bytes:
    """A core C string (one character per byte) back to its bytes."""
    return text.encode("latin-1")


def text_bytes(text: str) -> bytes:
    """Text from the socket-compatible front (real Unicode) as the UTF-8 bytes glibc held."""
    return text.encode("utf-8", "surrogateescape")


def std_buffer(stream: TextIO | None) -> BinaryIO:
    """The bytes under ``sys.stdin`` or ``sys.stdout``: ``OSError(EBADF)`` when the command was
    started with that descriptor closed (``>&-``), where Python leaves the stream None."""
    if stream is None:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))
    return stream.buffer


def say(text: str) -> None:
    """Write a message to stderr.  When stderr cannot take it (a full disk, a reader gone, a
    descriptor open for reading only), the rest of the process's messages go nowhere: the exit
    status still says what happened, and nothing fails at exit on what stderr still held."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        drop_stderr()


def write_failed(prog: str, exc: BaseException) -> None:
    """The command's output could not be written: say so in one line, and drop stdout so that
    nothing fails again at exit on what it still holds."""
    drop_stdout()
    say(f"{prog}: write error: {getattr(exc, 'strerror', None) or exc}\n")


def drop_stdout() -> None:
    """Point fd 1 at /dev/null, so that the exit-time flush of what stdout still holds for a
    reader that went away (or a full disk) is quiet."""
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stdout)
        return
    os.dup2(devnull, fd)
    os.close(devnull)


def drop_stderr() -> None:
    """Messages from now on go to /dev/null: fd 2 as well (an exit-time flush of the old stream
    then succeeds quietly), and a fresh ``sys.stderr`` with nothing buffered."""
    try:
        fd = sys.stderr.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stderr)
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
        return
    os.dup2(devnull, fd)
    os.close(devnull)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process


def silence_closed_stderr() -> None:
    """Started with stderr closed (``2>&-``), the command's messages go nowhere; its exit status
    still says what happened.  (The descriptor this opens takes the free number 2 with them.)"""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process


class Output:
    """Lines of bytes collected for stdout, written in one go by :meth:`flush`."""

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def add(self, line: bytes) -> None:
        """Append ``line`` (which carries its own newline)."""
        self._chunks.append(line)

    def flush(self, stream: TextIO | None = None) -> None:
        """Write everything collected to ``stream`` (default: the current ``sys.stdout``)."""
        out = sys.stdout if stream is None else stream
        data = b"".join(self._chunks)
        self._chunks.clear()
        if not data:
            return
        if out is None:  # started with stdout closed
            std_buffer(out)
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            buffer.write(data)
            buffer.flush()
        else:  # a text-only stream (some test doubles): keep the bytes via surrogateescape
            out.write(data.decode("utf-8", "surrogateescape"))
            out.flush()


# --- JSON ----------------------------------------------------------------------------------------

_EAI_NAMES = {v: k for k, v in vars(errors).items() if k.startswith("EAI_") and type(v) is int}
_H_NAMES = {
    errors.HOST_NOT_FOUND: "HOST_NOT_FOUND",
    errors.TRY_AGAIN: "TRY_AGAIN",
    errors.NO_RECOVERY: "NO_RECOVERY",
    errors.NO_DATA: "NO_DATA",
    -1: "NETDB_INTERNAL",
    0: "NETDB_SUCCESS",
}


def json_bytes(value: object) -> bytes:
    """``value`` as indented JSON and a newline, valid UTF-8 whatever its strings hold.

    A lone surrogate (an undecodable byte kept by ``surrogateescape``) can only be inside a string,
    where ``backslashreplace`` turns it into the JSON escape ``\\udcXX``.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace")


def error_object(
    kind: str, message: str, code: int | None = None, name: str | None = None
) -> dict[str, Any]:
    """The ``ERROR`` object of ``--json`` output."""
    return {"kind": kind, "code": code, "name": name, "message": message}


def herror_object(h_errno: int) -> dict[str, Any]:
    """A hosts lookup that failed with ``h_errno``."""
    return error_object("herror", errors.hstrerror(h_errno), h_errno, _H_NAMES.get(h_errno))


def exception_object(exc: BaseException) -> dict[str, Any]:
    """The ``ERROR`` object of a lookup's exception (gaierror, herror, another OSError, ...)."""
    if isinstance(exc, socket.gaierror) and isinstance(exc.errno, int):
        return error_object("gaierror", os_message(exc), exc.errno, _EAI_NAMES.get(exc.errno))
    if isinstance(exc, socket.herror) and isinstance(exc.errno, int):
        return error_object("herror", os_message(exc), exc.errno, _H_NAMES.get(exc.errno))
    if isinstance(exc, OSError) and isinstance(exc.errno, int):
        return error_object("error", os_message(exc), exc.errno, errno.errorcode.get(exc.errno))
    return error_object("error", str(exc))


def os_message(exc: OSError) -> str:
    """``gaierror(-2, 'Name or service not known')`` -> its message; other errors as str()."""
    if len(exc.args) == 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return str(exc)
