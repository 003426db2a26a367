"""Internationalized names the way glibc converts them: through libidn2, when it is installed.

glibc's getaddrinfo hands ``AI_IDN`` names to ``idn2_lookup_ul`` (IDNA 2008 with UTS #46
non-transitional mapping) and ``AI_CANONIDN`` / ``NI_IDN`` names to ``idn2_to_unicode_lzlz``,
loading libidn2 on first use (``inet/idna.c``).  netdb loads the same library the same way, so the
answers are the same; without libidn2 it does what glibc does then (encoding fails with
``EAI_IDN_ENCODE``; decoding leaves the name as it is).  Names cross this module as C strings seen
one byte per character (latin-1), UTF-8 encoded as in the C.UTF-8 locale.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

IDN2_OK = 0
IDN2_MALLOC = -100


class IdnError(Exception):
    """The name cannot be converted (``code`` is libidn2's, or None without the library)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


@cache
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("idn2") or "libidn2.so.0"
    try:
        lib = ctypes.CDLL(name)
        for fn in (lib.idn2_lookup_ul, lib.idn2_to_unicode_lzlz):
            fn.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]
            fn.restype = ctypes.c_int
        lib.idn2_free.argtypes = [ctypes.c_void_p]
        lib.idn2_free.restype = None
    except (OSError, AttributeError):
        return None
    return lib


def _call(fn_name: str, name: str) -> str:
    lib = _library()
    if lib is None:
        raise IdnError(None)
    out = ctypes.c_void_p()
    rc = getattr(lib, fn_name)(name.encode("latin-1"), ctypes.byref(out), 0)
    if rc != IDN2_OK:
        raise IdnError(rc)
    try:
        return ctypes.string_at(out.value).decode("latin-1") if out.value else ""
    finally:
        lib.idn2_free(out)


def to_ascii(name: str) -> str:
    """``AI_IDN``: a non-ASCII name to its ``xn--`` form (IdnError when it cannot be)."""
    return _call("idn2_lookup_ul", name)


def to_unicode(name: str) -> str:
    """``AI_CANONIDN`` / ``NI_IDN``: ``xn--`` labels decoded (IdnError when they cannot be)."""
    if _library() is None:
        return name
    return _call("idn2_to_unicode_lzlz", name)
