"""A large hosts file under the asyncio front: parsed in steps, the event loop free in between.

A hosts file of a hundred thousand lines (ad-blocking lists are that long) takes a few tenths of
a second to parse.  ``netdb.aio`` brings a resolver's files up to date before a lookup reads them
(``FileSet.refresh_steps``): the hosts file is parsed a chunk of lines at a time with the loop
free between chunks, and the calls made at once share one parse.  These tests run in-process on
files of their own (``hosts: files``, so no DNS), and check structure, not time: other tasks run
many times while the first lookups wait, the parse is made once, every answer is the blocking
resolver's on the same files, and a changed file is read again.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

import netdb
import netdb.aio
from netdb.config import hosts as hosts_parser
from netdb.config import loader
from netdb.config._lines import CHUNK
from netdb.config.loader import SystemFiles

LINES = 100_000


def write_files(root: Path, tag: str = "") -> None:
    lines = ["127.0.0.1 localhost", "::1 localhost"] + [
        f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255} ad{i}{tag}.example.test a{i}{tag}"
        for i in range(LINES)
    ]
    (root / "hosts").write_text("\n".join(lines) + "\n")
    (root / "nsswitch.conf").write_text("hosts: files\n")
    (root / "resolv.conf").write_text("nameserver 127.0.0.1\n")


def calls(tag: str = "") -> list[tuple[str, tuple[Any, ...]]]:
    picks = [0, 1, 4096, 50_000, LINES - 1]
    out: list[tuple[str, tuple[Any, ...]]] = []
    for i in picks:
        out.append(("getaddrinfo", (f"ad{i}{tag}.example.test", 80, socket.AF_INET)))
        out.append(("getaddrinfo", (f"a{i}{tag}", 443)))
        out.append(("gethostbyname_ex", (f"a{i}{tag}",)))
        out.append(("gethostbyaddr", (f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",)))
    out.append(("getaddrinfo", ("absent.example.test", 80)))
    return out


def outcome(fn: Any, *args: Any) -> str:
    try:
        return "ok " + repr(fn(*args))
    except Exception as exc:
        return f"raise {type(exc).__name__} {exc.args!r}"


async def aoutcome(coro: Any) -> str:
    try:
        return "ok " + repr(await coro)
    except Exception as exc:
        return f"raise {type(exc).__name__} {exc.args!r}"


async def with_ticker(work: Any) -> tuple[Any, int]:
    """Run ``work`` beside a task that counts how often the loop let it run."""
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    result = await work
    done = True
    await task
    return result, ticks


def test_stepped_parse_equals_the_plain_one(tmp_path: Path) -> None:
    write_files(tmp_path)
    text = loader.read_text(str(tmp_path / "hosts"))
    plain = hosts_parser.parse_hosts(text)
    steps = hosts_parser.parse_hosts_steps(text)
    pauses = 0
    while True:
        try:
            next(steps)
            pauses += 1
        except StopIteration as done:
            stepped = done.value
            break
    assert pauses >= LINES // CHUNK
    assert stepped.entries == plain.entries
    for name in ("localhost", "a0", "ad77.example.test", "A99999", "absent"):
        assert stepped.by_name(name) == plain.by_name(name)
    assert stepped.by_address(socket.AF_INET, bytes([10, 0, 1, 0])) == plain.by_address(
        socket.AF_INET, bytes([10, 0, 1, 0])
    )


def test_large_hosts_file_leaves_the_loop_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path)
    made = []
    real = loader.parse_hosts_steps

    def counted(text: str | None, origin: str = "/etc/hosts") -> Any:
        made.append(origin)
        return real(text, origin)

    monkeypatch.setattr(loader, "parse_hosts_steps", counted)
    cases = calls()
    blocking = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
    expected = [outcome(getattr(blocking, f), *args) for f, args in cases]
    assert len(made) == 1  # the blocking front's one parse (get: the steps run through)
    made.clear()

    async def at_once() -> list[str]:
        r = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
        return await asyncio.gather(
            *(aoutcome(getattr(netdb.aio, f)(*args, resolver=r)) for f, args in cases)
        )

    got, ticks = asyncio.run(with_ticker(at_once()))
    assert got == expected
    assert len(made) == 1  # one parse shared by every call
    # The parse paused every CHUNK lines and the other task ran at each pause.
    assert ticks >= LINES // CHUNK


def test_changed_hosts_file_is_read_again(tmp_path: Path) -> None:
    write_files(tmp_path)

    async def lookups(r: netdb.Resolver, tag: str) -> list[str]:
        return [await aoutcome(getattr(netdb.aio, f)(*args, resolver=r)) for f, args in calls(tag)]

    async def main() -> tuple[list[str], list[str]]:
        r = netdb.Resolver(files=SystemFiles.under(str(tmp_path)), check_interval=0)
        first = await lookups(r, "")
        write_files(tmp_path, "x")
        return first, await lookups(r, "x")

    first, second = asyncio.run(main())
    fresh = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
    assert second == [outcome(getattr(fresh, f), *args) for f, args in calls("x")]
    assert first != second


def test_a_name_with_thousands_of_addresses_is_ordered_with_the_loop_free(
    tmp_path: Path,
) -> None:
    """One name on 3,000 hosts lines (``multi on``: glibc takes every line): the RFC 3484
    order is made in steps (sources probed, candidates described and keys made a slice of
    ``steps.STEP`` at a time) and the loop runs other tasks between them; the answer is the
    blocking resolver's."""
    from netdb import steps

    n = 3000
    lines = ["127.0.0.1 localhost"] + [f"127.1.{i >> 8}.{i & 255} many" for i in range(n)]
    (tmp_path / "hosts").write_text("\n".join(lines) + "\n")
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    (tmp_path / "host.conf").write_text("multi on\n")
    blocking = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
    expected = blocking.getaddrinfo("many", 80, 0, socket.SOCK_STREAM)
    assert len(expected) == n

    async def lookup() -> Any:
        r = netdb.Resolver(files=SystemFiles.under(str(tmp_path)), cache=False)
        await netdb.aio.getaddrinfo("localhost", 80, resolver=r)  # the files read, first
        return await with_ticker(netdb.aio.getaddrinfo("many", 80, 0, 1, resolver=r))

    (got, ticks) = asyncio.run(lookup())
    assert got == expected
    assert ticks >= 3 * n // steps.STEP


# Every file is parsed in steps by the asyncio front, not the hosts file alone: a services file
# of 1M lines held the loop 7.6 s, gai.conf 4 s, resolv.conf's sortlist 3.9 s.
BIG_LINES = 60_000
BIG_FILES: dict[str, tuple[str, str]] = {
    "services": ("services", "".join(f"s{i} {i % 60000 + 1}/tcp\n" for i in range(BIG_LINES))),
    "protocols": ("protocols", "".join(f"p{i} {i}\n" for i in range(BIG_LINES))),
    "gai": ("gai.conf", "".join(f"label ::ffff:10.0.{i % 250}.0/120 {i}\n"
                                for i in range(BIG_LINES))),
    "nsswitch": ("nsswitch.conf", "".join(f"x{i}: files\n" for i in range(BIG_LINES))
                 + "hosts: files\n"),
    "host_conf": ("host.conf", "multi on\n" * BIG_LINES),
    "resolv": ("resolv.conf", "nameserver 127.0.0.1\n" + "sortlist 10.0.0.0\n" * BIG_LINES),
}  # fmt: skip


@pytest.mark.parametrize("role", [*BIG_FILES, "hostaliases"])
def test_every_large_file_is_parsed_with_the_loop_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    (tmp_path / "hosts").write_text("127.0.0.1 localhost www\n")
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    if role == "hostaliases":
        aliases = tmp_path / "aliases"
        aliases.write_text("".join(f"a{i} b{i}.test\n" for i in range(BIG_LINES)))
        monkeypatch.setenv("HOSTALIASES", str(aliases))
    else:
        name, text = BIG_FILES[role]
        (tmp_path / name).write_text(text)
    cases = [("getaddrinfo", ("www", 80, socket.AF_INET)), ("getservbyname", ("http", "tcp"))]
    blocking = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
    expected = [outcome(getattr(blocking, f), *args) for f, args in cases[:1]]

    async def lookup() -> list[str]:
        r = netdb.Resolver(files=SystemFiles.under(str(tmp_path)))
        return [await aoutcome(netdb.aio.getaddrinfo(*cases[0][1], resolver=r))]

    got, ticks = asyncio.run(with_ticker(lookup()))
    assert got == expected
    assert ticks >= BIG_LINES // CHUNK  # the parse paused every CHUNK lines
