"""``netdb.explain``'s text and JSON forms for what the caller and the files can put in them, over
fixture files only (``hosts: files [NOTFOUND=return]``: no lookup reaches DNS).

* The text: a hosts line or a host name holding a newline, ESC, BEL, DEL, a C1 control, a bidi
  override or bytes that are not UTF-8 cannot add a line to the trace or reach the terminal as a
  control sequence (each comes out as ``repr`` writes it), so a spoofed step is impossible.
* The strings a step holds are text: a hosts line or a name in UTF-8 is that text (not its bytes
  one per character), a byte that is not UTF-8 a ``\\udcXX`` escape, in the steps, the text and
  the JSON form alike.
* Arguments JSON cannot hold (``nan``, ``inf``, a list that holds itself) and objects whose
  ``__repr__`` fails still give valid JSON and a text; the outcome stays the plain call's.
* ``netdb.explain`` takes netdb's functions, not ``netdb.aio``'s coroutines (whose plain call
  returns a coroutine and takes ``timeout=``), which ``netdb.aio.explain`` takes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import netdb
import netdb.aio
from netdb import _explain, trace
from tests.test_explain_api import files_resolver

HOSTS = (
    b"127.0.0.1 localhost\n"
    b"192.0.2.1 evil\x1b[2Jname al\x1b]0;title\x07ias\n"
    b"192.0.2.2 m\xc3\xbcller.test\n"
    b"192.0.2.3 bad\xffname\n"
    b"192.0.2.4 del\x7fc1\xc2\x9bbidi\xe2\x80\xaeend\n"
)


@pytest.fixture
def resolver(tmp_path: Path) -> netdb.Resolver:
    return files_resolver(tmp_path, HOSTS, services="http 80/tcp\n")


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # the outcome is the exception
        return ("raise", type(exc), exc.args)


def described(exp: _explain.Explanation, kind: type[Any]) -> list[tuple[Any, str]]:
    """(the step, its line of the text without times) for each step of ``kind``."""
    lines = _explain.render(exp, times=False).split("\n")[1:-1]
    return [(s, line) for s, line in zip(exp.steps, lines, strict=True) if isinstance(s, kind)]


# (call, its arguments, the hosts-line step's text, that step's line in the text)
LINES: list[tuple[str, tuple[Any, ...], str, str]] = [
    (
        "gethostbyaddr",
        ("192.0.2.1",),
        "192.0.2.1 evil\x1b[2Jname al\x1b]0;title\x07ias",
        "hosts-line  HOSTS line 2: 192.0.2.1 evil\\x1b[2Jname al\\x1b]0;title\\x07ias",
    ),
    (
        "getaddrinfo",
        ("evil\x1b[2Jname", 80),
        "192.0.2.1 evil\x1b[2Jname al\x1b]0;title\x07ias",
        "hosts-line  HOSTS line 2: 192.0.2.1 evil\\x1b[2Jname al\\x1b]0;title\\x07ias",
    ),
    (
        "gethostbyaddr",
        ("192.0.2.2",),
        "192.0.2.2 müller.test",
        "hosts-line  HOSTS line 3: 192.0.2.2 müller.test",
    ),
    (
        "getaddrinfo",
        ("müller.test".encode(), 80),
        "192.0.2.2 müller.test",
        "hosts-line  HOSTS line 3: 192.0.2.2 müller.test",
    ),
    (
        "gethostbyaddr",
        ("192.0.2.3",),
        "192.0.2.3 bad\udcffname",
        "hosts-line  HOSTS line 4: 192.0.2.3 bad\\udcffname",
    ),
    (
        "gethostbyaddr",
        ("192.0.2.4",),
        "192.0.2.4 del\x7fc1\x9bbidi\u202eend",
        "hosts-line  HOSTS line 5: 192.0.2.4 del\\x7fc1\\x9bbidi\\u202eend",
    ),
]


@pytest.mark.parametrize(("func", "args", "text", "line"), LINES)
def test_a_hosts_line_as_text(
    resolver: netdb.Resolver, func: str, args: tuple[Any, ...], text: str, line: str
) -> None:
    exp = netdb.explain(getattr(resolver, func), *args)
    path = resolver._files.files.hosts
    [(step, shown)] = described(exp, trace.HostsLine)
    assert (step.path, step.text) == (path, text)
    assert shown.replace(path, "HOSTS") == line
    assert json.loads(json.dumps(exp.to_json()))["steps"][len(exp.steps) - 1]["text"] == text


# (host, the source step's key, its line in the text)
KEYS: list[tuple[Any, str, str]] = [
    (
        "fake\nsource      files: success",
        "fake\nsource      files: success",
        "files [NOTFOUND=return]: notfound -> return   (gethostbyname4_r fake\\nsource"
        "      files: success)",
    ),
    (
        b"\x1b[31mred\r",
        "\x1b[31mred\r",
        "files [NOTFOUND=return]: notfound -> return   (gethostbyname4_r \\x1b[31mred\\r)",
    ),
    (
        b"b\xc3\xbccher\xfe",
        "bücher\udcfe",
        "files [NOTFOUND=return]: notfound -> return   (gethostbyname4_r bücher\\udcfe)",
    ),
]


@pytest.mark.parametrize(("host", "key", "line"), KEYS)
def test_a_host_name_as_text(resolver: netdb.Resolver, host: Any, key: str, line: str) -> None:
    exp = netdb.explain(resolver.getaddrinfo, host, 80)
    assert outcome(exp.outcome) == outcome(resolver.getaddrinfo, host, 80)
    [(step, shown)] = described(exp, trace.NssSource)
    assert step.key == key
    assert shown == "source      " + line
    text = str(exp)
    assert text.isprintable() or set(text) - set(text.replace("\n", "")) == {"\n"}
    assert text.count("\n") == len(exp.steps) + 1  # the call, each step, the outcome


class BadRepr:
    """An argument whose ``__repr__`` fails."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


_LOOP: list[Any] = []
_LOOP.append(_LOOP)

# (arguments of getaddrinfo, their JSON form, the first line of the text)
ODD_ARGUMENTS: list[tuple[tuple[Any, ...], list[Any], str]] = [
    (("web", float("nan")), ["web", "nan"], "explain getaddrinfo('web', nan)"),
    (
        ("web", 80, float("inf")),
        ["web", 80, "inf"],
        "explain getaddrinfo('web', 80, inf)",
    ),
    ((BadRepr(), 80), ["<BadRepr object>", 80], "explain getaddrinfo(<BadRepr object>, 80)"),
    (
        (_LOOP, 80),
        [[[[[[[[["[[...]]"]]]]]]]], 80],
        "explain getaddrinfo([[...]], 80)",
    ),
]


@pytest.mark.parametrize(("args", "arguments", "first"), ODD_ARGUMENTS)
def test_arguments_json_cannot_hold(
    resolver: netdb.Resolver, args: tuple[Any, ...], arguments: list[Any], first: str
) -> None:
    exp = netdb.explain(resolver.getaddrinfo, *args)
    assert outcome(exp.outcome) == outcome(resolver.getaddrinfo, *args)
    doc = json.loads(json.dumps(exp.to_json(), allow_nan=False))
    assert doc["arguments"] == arguments
    assert str(exp).split("\n")[0] == first


def test_an_ascii_name_the_codec_refuses(resolver: netdb.Resolver) -> None:
    host = "x" * 64 + ".test"
    exp = netdb.explain(resolver.getaddrinfo, host, 80)
    plain = outcome(resolver.getaddrinfo, host, 80)
    assert outcome(exp.outcome) == plain
    assert plain[1] is UnicodeError  # the codec's text varies between Python versions
    assert [s for s in exp.steps if isinstance(s, (trace.Fact, trace.Idna))] == [
        trace.Fact("idna", f"{host!r} cannot be encoded: {plain[2][0]}", at=exp.steps[-1].at)
    ]


COROUTINES = ["getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"]


@pytest.mark.parametrize("name", COROUTINES)
def test_explain_takes_no_coroutine(resolver: netdb.Resolver, name: str) -> None:
    func = getattr(netdb.aio, name)
    with pytest.raises(TypeError) as raised:
        netdb.explain(func, "127.0.0.1", 80, timeout=1)
    assert raised.value.args == (
        f"explain() takes netdb's functions, not netdb.aio's coroutine {name}(): "
        "await netdb.aio.explain(...) explains those",
    )

    async def explained() -> Any:
        exp = await netdb.aio.explain(func, "192.0.2.2", resolver=resolver, timeout=1)
        return outcome(exp.outcome)

    async def plain() -> Any:
        try:
            return ("ok", await func("192.0.2.2", resolver=resolver, timeout=1))
        except Exception as exc:  # the outcome is the exception
            return ("raise", type(exc), exc.args)

    assert asyncio.run(explained()) == asyncio.run(plain())
