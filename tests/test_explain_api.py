"""``netdb.explain`` as a library, over fixture files only (no namespaces, no DNS): outcome() is
the plain call's outcome whatever the arguments, the JSON form is JSON, the steps are the typed
records of ``netdb.trace``, and the functions it accepts."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from pathlib import Path
from typing import Any

import pytest

import netdb
import netdb.aio
from netdb import _explain, trace

HOSTS = "127.0.0.1 localhost\n192.0.2.10 web.example.test web\n2001:db8::10 web.example.test\n"


def files_resolver(
    tmp_path: Path, hosts: str | bytes, services: str = "http 80/tcp\nhttp 80/udp\n"
) -> netdb.Resolver:
    """A resolver over ``hosts`` alone (``[NOTFOUND=return]``: nothing goes to DNS)."""
    data = hosts.encode() if isinstance(hosts, str) else hosts
    (tmp_path / "hosts").write_bytes(data)
    (tmp_path / "nsswitch.conf").write_text("hosts: files [NOTFOUND=return] dns\n")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    (tmp_path / "services").write_text(services)
    return netdb.Resolver(files=netdb.SystemFiles.under(str(tmp_path)))


@pytest.fixture
def resolver(tmp_path: Path) -> netdb.Resolver:
    return files_resolver(tmp_path, HOSTS)


def outcome(fn: Any, *args: Any, **kwargs: Any) -> str:
    try:
        return "ok " + repr(fn(*args, **kwargs))
    except Exception as exc:
        return f"raise {type(exc).__name__} {exc.args!r}"


CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("getaddrinfo", ("web", 80), {}),
    ("getaddrinfo", ("web", "http"), {"type": socket.SOCK_STREAM}),
    ("getaddrinfo", ("web", "nosuchservice"), {}),
    ("getaddrinfo", ("nosuch", 80), {}),
    ("getaddrinfo", ("192.0.2.1", 80), {"flags": socket.AI_NUMERICHOST}),
    ("getaddrinfo", ("web", 80), {"flags": 0x10000}),
    ("getaddrinfo", ("web", 80), {"family": 12345}),
    ("getaddrinfo", (1, 80), {}),
    ("getaddrinfo", ("web",), {}),
    ("getaddrinfo", ("web", 80), {"bogus": 1}),
    ("getaddrinfo", ("bücher", 80), {}),
    ("getaddrinfo", ("a\x00b", 80), {}),
    ("getaddrinfo", (None, 80), {"flags": socket.AI_PASSIVE}),
    ("gethostbyname", ("web",), {}),
    ("gethostbyname", ("nosuch",), {}),
    ("gethostbyname", (b"web",), {}),
    ("gethostbyname_ex", ("web",), {}),
    ("gethostbyaddr", ("192.0.2.10",), {}),
    ("gethostbyaddr", ("192.0.2.99",), {}),
    ("gethostbyaddr", ("not an address",), {}),
    ("getnameinfo", (("192.0.2.10", 80), 0), {}),
    ("getnameinfo", (("192.0.2.10", 80), socket.NI_NUMERICSERV), {}),
    ("getnameinfo", (("192.0.2.10",), 0), {}),
    ("getnameinfo", (("192.0.2.99", 80), socket.NI_NAMEREQD), {}),
]


@pytest.mark.parametrize(("func", "args", "kwargs"), CALLS)
def test_outcome_is_the_plain_calls(
    resolver: netdb.Resolver, func: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    plain = outcome(getattr(resolver, func), *args, **kwargs)
    resolver.invalidate()
    exp = netdb.explain(getattr(resolver, func), *args, **kwargs)
    assert outcome(exp.outcome) == plain
    doc = json.loads(json.dumps(exp.to_json()))
    assert ("result" in doc) != ("error" in doc)
    assert doc["function"] == func
    for step in exp.steps:
        assert type(step) in trace.STEP_TYPES
        assert dataclasses.is_dataclass(step)
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.at = 1.0  # type: ignore[misc]
    times = [s.at for s in exp.steps]
    assert times == sorted(times)


def test_rendering_without_times_is_stable(resolver: netdb.Resolver) -> None:
    texts = []
    for _ in range(2):
        resolver.invalidate()
        exp = netdb.explain(resolver.getaddrinfo, "web", "http", type=socket.SOCK_STREAM)
        texts.append(_explain.render(exp, times=False))
    assert texts[0] == texts[1]
    assert "source      files [NOTFOUND=return]: success -> return" in texts[0]
    assert str(exp).startswith("explain getaddrinfo('web', 'http', type=")


def test_memo_hit_on_a_second_call(resolver: netdb.Resolver) -> None:
    first = netdb.explain(resolver.getaddrinfo, "web", 80)
    again = netdb.explain(resolver.getaddrinfo, "web", 80)
    assert [s.hit for s in first.steps if isinstance(s, trace.Memo)] == [False]
    assert [s.hit for s in again.steps if isinstance(s, trace.Memo)] == [True]
    assert again.outcome() == first.outcome() == resolver.getaddrinfo("web", 80)


def test_idna_step(resolver: netdb.Resolver) -> None:
    exp = netdb.explain(resolver.getaddrinfo, "bücher", 80)
    [idna] = [s for s in exp.steps if isinstance(s, trace.Idna)]
    assert (idna.given, idna.encoded, idna.how) == ("bücher", "xn--bcher-kva", "python")


def test_functions_it_takes(resolver: netdb.Resolver) -> None:
    with pytest.raises(TypeError, match="explain\\(\\) takes one of netdb's lookup functions"):
        netdb.explain(socket.getaddrinfo, "web", 80)  # glibc's: nothing to explain
    with pytest.raises(TypeError):
        netdb.explain(resolver.getservbyname, "http")
    with netdb.installed(resolver):
        exp = netdb.explain(socket.getaddrinfo, "web", 80)  # socket's, netdb installed
        assert exp.outcome() == resolver.getaddrinfo("web", 80)
    assert netdb.explain(netdb.getaddrinfo, "127.0.0.1", 80).outcome() == netdb.getaddrinfo(
        "127.0.0.1", 80
    )


def test_the_coroutine_form(resolver: netdb.Resolver) -> None:
    async def main() -> tuple[Any, Any, Any]:
        a = await netdb.aio.explain(netdb.aio.getaddrinfo, "web", 80, resolver=resolver)
        b = await netdb.aio.explain(resolver.gethostbyname, "nosuch")
        c = await netdb.aio.explain(netdb.aio.getnameinfo, ("192.0.2.10", 80), 0, resolver=resolver)
        return a, b, c

    a, b, c = asyncio.run(main())
    assert a.outcome() == resolver.getaddrinfo("web", 80)
    assert outcome(b.outcome) == outcome(resolver.gethostbyname, "nosuch")
    assert c.outcome() == ("web.example.test", "http")
    assert any(isinstance(s, trace.NssSource) for s in a.steps)


@pytest.mark.parametrize(("count", "recorded"), [(100, True), (400, False)])
def test_a_long_sort_is_summed_up_not_recorded_comparison_by_comparison(
    tmp_path: Path, count: int, recorded: bool
) -> None:
    """One name on many hosts lines (``multi on``): up to ``route.EXPLAINED_MAX`` answers the
    explanation holds every comparison of the sort; beyond, the table and the sources as ever,
    then a ``sort`` fact instead of the n log n comparisons (the sort runs in steps, as a
    plain lookup's), and the outcome is the plain call's."""
    from netdb._io import route

    lines = [f"127.2.{i >> 8}.{i & 255} many" for i in range(count)]
    lines += [f"::ffff:127.3.{i >> 8}.{i & 255} many" for i in range(count // 4)]
    res = files_resolver(tmp_path, "\n".join(lines) + "\n")
    (tmp_path / "host.conf").write_text("multi on\n")
    res.invalidate()
    plain = res.getaddrinfo("many", 80)
    res.invalidate()
    exp = netdb.explain(res.getaddrinfo, "many", 80)
    assert exp.outcome() == plain and len(plain) == 3 * (count + count // 4)
    compared = [s for s in exp.steps if isinstance(s, trace.Compared)]
    facts = [s for s in exp.steps if isinstance(s, trace.Fact) and s.what == "sort"]
    [policy] = [s for s in exp.steps if isinstance(s, trace.SortPolicy)]
    assert len(policy.destinations) == count + count // 4
    assert (len(plain) > route.EXPLAINED_MAX) == (not recorded)
    if recorded:
        assert compared and not facts
    else:
        assert not compared
        assert [f.detail for f in facts] == [
            f"{len(plain)} answers: comparisons not recorded (more than {route.EXPLAINED_MAX})"
        ]
