"""Byte-exact output for the ``netdb`` command, and the C-string view of its arguments.

Owns how text reaches stdout.  glibc's tools print the bytes they hold; netdb's core holds C strings
as ``str`` with one character per byte (latin-1), and the socket-compatible front returns real text
(UTF-8 decoded).  :class:`Output` takes either kind and writes the same bytes ``printf`` would, so a
name with non-ASCII bytes is padded by bytes (``%-21s``) and comes out unchanged.

It also owns the reverse step: a command-line argument (``str`` decoded by Python with
``surrogateescape``) back to the bytes the shell passed, as a C string the core can take.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


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
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            buffer.write(data)
            buffer.flush()
        else:  # a text-only stream (some test doubles): keep the bytes via surrogateescape
            out.write(data.decode("utf-8", "surrogateescape"))
            out.flush()
