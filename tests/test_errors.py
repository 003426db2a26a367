"""Error texts equal the running glibc's gai_strerror / hstrerror."""

from __future__ import annotations

import ctypes

import pytest

from netdb import errors

libc = ctypes.CDLL(None)
libc.gai_strerror.restype = ctypes.c_char_p
libc.gai_strerror.argtypes = [ctypes.c_int]
libc.hstrerror.restype = ctypes.c_char_p
libc.hstrerror.argtypes = [ctypes.c_int]


@pytest.mark.parametrize("code", [*range(-120, 3), 7, 100, 2**31 - 1])
def test_gai_strerror(code: int) -> None:
    assert errors.gai_strerror(code) == libc.gai_strerror(code).decode()


@pytest.mark.parametrize("code", [-2, -1, 0, 1, 2, 3, 4, 5, 99])
def test_hstrerror(code: int) -> None:
    assert errors.hstrerror(code) == libc.hstrerror(code).decode()


def test_gaierror_carries_code_and_text() -> None:
    exc = errors.GaiError(errors.EAI_NONAME)
    assert exc.args == (-2, "Name or service not known")
