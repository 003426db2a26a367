"""Numbers longer than Python's ``int()`` takes (4,300 decimal digits), where C's ``strtoul``
reads on and saturates: in a service string, and in the files (a port in /etc/services, a
protocol number, a gai.conf value).  One such line used to make every lookup of the process
raise ``ValueError``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import netdb
from netdb.config._lines import digits_value, strtoul
from netdb.gai import strtoul_port

BIG = "1" * 5000


@pytest.mark.parametrize(
    ("text", "base", "value"),
    [
        ("0" * 6000 + "42", 10, 42),
        (BIG, 10, 1 << 64),
        ("f" * 17, 16, 1 << 64),
        ("7" * 22, 8, int("7" * 22, 8)),
    ],
)
def test_digits_value(text: str, base: int, value: int) -> None:
    assert digits_value(text, base) == value


def test_strtoul_saturates() -> None:
    assert strtoul(BIG) == (0xFFFFFFFFFFFFFFFF, len(BIG))
    assert strtoul("-" + BIG) == (0xFFFFFFFFFFFFFFFF, len(BIG) + 1)
    assert strtoul_port(BIG) == -1  # ULONG_MAX as a C int
    assert strtoul_port("0" * 5000 + "80") == 80


@pytest.mark.parametrize("port", [BIG, BIG.encode(), "0" * 9000 + "80", " " + BIG])
def test_service_strings(port: str | bytes) -> None:
    def outcome(fn: object) -> object:
        try:
            return fn("127.0.0.1", port, 0, socket.SOCK_STREAM)  # type: ignore[operator]
        except OSError as exc:
            return type(exc), exc.args

    assert outcome(netdb.getaddrinfo) == outcome(socket.getaddrinfo)


def test_files_with_huge_numbers(tmp_path: Path) -> None:
    (tmp_path / "nsswitch.conf").write_text("hosts: files\nservices: files\nprotocols: files\n")
    (tmp_path / "hosts").write_text("127.0.0.1 www\n")
    (tmp_path / "services").write_text(f"http 80/tcp\nbig {'5' * 5000}/tcp\n")
    (tmp_path / "protocols").write_text(f"tcp 6 TCP\nbig {'7' * 5000} BIG\n")
    (tmp_path / "gai.conf").write_text(f"precedence ::1/128 {'9' * 5000}\nlabel ::/0 {BIG}\n")
    res = netdb.Resolver(files=netdb.SystemFiles.under(str(tmp_path)))
    assert res.getaddrinfo("www", 80, 0, socket.SOCK_STREAM)[0][4] == ("127.0.0.1", 80)
    assert res.gethostbyname("www") == "127.0.0.1"
    assert res.getservbyname("http", "tcp") == 80
    assert res.getprotobyname("tcp") == 6
