"""``netdb.explain``'s steps for DNS lookups, against the scripted server (no sockets, no network).

:mod:`tests.scripted` serves the fixture zones as the sandbox's Knot does (on ``127.0.0.1``, with
``search example.test sub.example.test``); an explained lookup is what ``netdb.explain`` runs
(``_explain.prepare``: the files steps and the lookup's generator), driven by the scripted
:class:`~tests.scripted.Net` through ``trace.watched``.  Each test checks that the outcome equals
a plain call's on a fresh resolver and net (same files, same server) and that the steps name
what decided: the search walk's candidates and decisions, the queries and replies with their
server, name and type, a hosts line shadowing DNS, ``[NOTFOUND=return]``, a silent server, TC
and the retry over TCP, a reverse lookup.
"""

from __future__ import annotations

import errno
import functools
from pathlib import Path
from typing import Any

from netdb import _explain, trace
from netdb.dns.ops import UdpSend
from tests import scripted

SERVER = "127.0.0.1:53"


@functools.cache
def _zones() -> list[scripted.Zone]:
    return scripted.fixture_zones()


def _net(
    servers: dict[str, scripted.Handler] | None = None, net: type[scripted.Net] = scripted.Net
) -> scripted.Net:
    return net(servers or {scripted.KNOT: scripted.Authority(_zones())})


class SendRefused(scripted.Net):
    """A net on which every UDP send to 127.0.0.2 fails with ECONNREFUSED, as a send does once
    an ICMP port unreachable came back for the socket."""

    def perform(self, op: Any) -> Any:
        if isinstance(op, UdpSend) and op.sock.server.host == "127.0.0.2":
            self.requests.append(op)
            return ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        return super().perform(op)


def _outcome(value: Any, error: BaseException | None) -> Any:
    return ("raise", type(error).__name__, error.args) if error is not None else value


def explained(
    tmp: Path,
    func: str,
    *args: Any,
    servers: dict[str, scripted.Handler] | None = None,
    net: type[scripted.Net] = scripted.Net,
    **etc: Any,
) -> tuple[_explain.Explanation, scripted.Net]:
    """``func(*args)`` explained on a scripted resolver (its net a ``net``), checked against a
    plain call."""
    res = scripted.resolver(tmp / "explained", _net(servers, net), etc=etc)
    rec, gen, error = _explain.prepare(res, func, getattr(res, func), args, {}, res.net.clock)
    value = None
    if gen is not None:
        try:
            value = res.net.run(trace.watched(gen, rec))
        except Exception as exc:  # the outcome is the exception
            error = exc
    exp = _explain.finish(res, func, args, {}, rec, value, error, 0.0)
    plain = scripted.resolver(tmp / "plain", _net(servers, net), etc=etc)
    assert _outcome(exp.value, exp.error) == plain.call(func, *args)
    try:
        assert exp.outcome() == value
    except Exception as exc:
        assert exc is error
    return exp, res.net


def steps(exp: _explain.Explanation, kind: type[Any]) -> list[Any]:
    return [s for s in exp.steps if isinstance(s, kind)]


def exchanges(exp: _explain.Explanation) -> list[tuple[str, str, str, str]]:
    """(kind, server, name, type) of every query and reply, in order."""
    return [
        (s.kind, s.server, s.name, s.qtype)
        for s in exp.steps
        if isinstance(s, (trace.Query, trace.Reply))
    ]


def test_nxdomain_on_the_first_domain_then_a_hit(tmp_path: Path) -> None:
    exp, _ = explained(tmp_path, "getaddrinfo", "onlysub", 80, 0, 1)
    assert scripted.summary(exp.outcome()) == ["2001:db8::113", "192.0.2.113"]
    (start,) = steps(exp, trace.SearchStart)
    assert (start.name, start.dots, start.ndots, start.order) == (
        "onlysub",
        0,
        1,
        "search list first",
    )
    assert start.search == ("example.test", "sub.example.test")
    tries = [(t.name, t.decision) for t in steps(exp, trace.SearchTry)]
    assert tries == [
        ("onlysub.example.test", "go on"),
        ("onlysub.sub.example.test", "stop: answered"),
    ]
    assert "NXDOMAIN" in steps(exp, trace.SearchTry)[0].outcome
    assert exchanges(exp) == [
        ("query", SERVER, "onlysub.example.test", "A"),
        ("query", SERVER, "onlysub.example.test", "AAAA"),
        ("reply", SERVER, "onlysub.example.test", "A"),
        ("reply", SERVER, "onlysub.example.test", "AAAA"),
        ("query", SERVER, "onlysub.sub.example.test", "A"),
        ("query", SERVER, "onlysub.sub.example.test", "AAAA"),
        ("reply", SERVER, "onlysub.sub.example.test", "A"),
        ("reply", SERVER, "onlysub.sub.example.test", "AAAA"),
    ]
    replies = steps(exp, trace.Reply)
    assert [r.rcode for r in replies] == ["NXDOMAIN", "NXDOMAIN", "NOERROR", "NOERROR"]
    assert all("aa" in r.flags and "qr" in r.flags and r.transport == "udp" for r in replies)
    assert [r.counts[1] for r in replies] == [0, 0, 1, 1]
    ids = {(q.name, q.qtype): q.id for q in steps(exp, trace.Query)}
    assert all(ids[r.name, r.qtype] == r.id and r.rtt_ms is not None for r in replies)
    (dns,) = [s for s in steps(exp, trace.NssSource) if s.source == "dns"]
    assert (dns.status, dns.action) == ("success", "return")


def test_ndots_sends_a_name_to_the_search_list_first(tmp_path: Path) -> None:
    resolv = "nameserver 127.0.0.1\nsearch example.test sub.example.test\noptions ndots:3\n"
    exp, net = explained(tmp_path, "getaddrinfo", "both.example.test", 80, 0, 1, resolv=resolv)
    (start,) = steps(exp, trace.SearchStart)
    assert (start.dots, start.ndots, start.order) == (2, 3, "search list first")
    tries = [(t.name, t.decision.split(":")[0]) for t in steps(exp, trace.SearchTry)]
    assert tries == [
        ("both.example.test.example.test", "go on"),
        ("both.example.test.sub.example.test", "go on"),
        ("both.example.test", "stop"),
    ]
    assert [n for n, _ in net.queries][::2] == [t for t, _ in tries]
    # the default ndots (1): as is first, one candidate
    exp, _ = explained(tmp_path / "ndots1", "getaddrinfo", "both.example.test", 80, 0, 1)
    (start,) = steps(exp, trace.SearchStart)
    assert start.order == "as-is first"
    assert [t.name for t in steps(exp, trace.SearchTry)] == ["both.example.test"]


def test_a_hosts_line_shadows_dns(tmp_path: Path) -> None:
    hosts = scripted.HOSTS + "192.0.2.222 both\n"
    exp, net = explained(tmp_path, "getaddrinfo", "both", 80, 0, 1, hosts=hosts)
    assert scripted.summary(exp.outcome()) == ["192.0.2.222"]
    assert net.asked == []
    assert not steps(exp, trace.Query) and not steps(exp, trace.SearchStart)
    (files,) = steps(exp, trace.NssSource)
    assert (files.source, files.status, files.action) == ("files", "success", "return")
    (line,) = steps(exp, trace.HostsLine)
    assert (line.line, line.text) == (5, "192.0.2.222 both")
    assert line.path.endswith("/hosts")


def test_notfound_return_stops_the_walk(tmp_path: Path) -> None:
    nsswitch = "hosts: files [NOTFOUND=return] dns\n"
    exp, net = explained(tmp_path, "getaddrinfo", "both", 80, 0, 1, nsswitch=nsswitch)
    assert scripted.summary(_outcome(None, exp.error)) == "gaierror -2"
    assert net.asked == []
    (files,) = steps(exp, trace.NssSource)
    assert (files.source, files.status, files.action, files.criteria) == (
        "files",
        "notfound",
        "return",
        "[NOTFOUND=return]",
    )
    assert "raises gaierror(-2, 'Name or service not known')" in _explain.render(exp)


def test_a_silent_server_then_the_next(tmp_path: Path) -> None:
    resolv = "nameserver 127.0.0.2\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
    servers: dict[str, scripted.Handler] = {
        "127.0.0.2": lambda query, transport: [],
        scripted.KNOT: scripted.Authority(_zones()),
    }
    exp, _ = explained(
        tmp_path, "getaddrinfo", "both.example.test", 80, 0, 1, servers=servers, resolv=resolv
    )
    assert scripted.summary(exp.outcome()) == ["2001:db8::1", "192.0.2.1"]
    silences = steps(exp, trace.Silence)
    assert silences and {(s.server, s.what) for s in silences} == {("127.0.0.2:53", "timeout")}
    assert silences[0].waited_ms >= 0  # the recorder's own clock: no real time passes here
    first_reply = steps(exp, trace.Reply)[0]
    assert first_reply.server == SERVER and first_reply.rcode == "NOERROR"
    assert exp.steps.index(silences[-1]) < exp.steps.index(first_reply)
    asked = [(q.server, q.qtype) for q in steps(exp, trace.Query)]
    assert asked[:2] == [("127.0.0.2:53", "A"), ("127.0.0.2:53", "AAAA")]


def test_a_send_that_fails_then_the_next_server(tmp_path: Path) -> None:
    resolv = "nameserver 127.0.0.2\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
    servers: dict[str, scripted.Handler] = {
        "127.0.0.2": scripted.Authority(_zones()),
        scripted.KNOT: scripted.Authority(_zones()),
    }
    exp, _ = explained(
        tmp_path,
        "gethostbyname",
        "v4only.example.test",
        servers=servers,
        net=SendRefused,
        resolv=resolv,
    )
    assert exp.outcome() == "192.0.2.4"
    assert [
        (s.kind, s.server, getattr(s, "what", getattr(s, "rcode", "")))
        for s in exp.steps
        if isinstance(s, (trace.Query, trace.Reply, trace.Silence))
    ] == [
        ("query", "127.0.0.2:53", ""),
        ("no-reply", "127.0.0.2:53", "ECONNREFUSED"),
        ("query", SERVER, ""),
        ("reply", SERVER, "NOERROR"),
    ]


def test_truncation_then_tcp(tmp_path: Path) -> None:
    exp, _ = explained(tmp_path, "gethostbyname_ex", "big4.example.test")
    name, _aliases, addresses = exp.outcome()
    assert name == "big4.example.test" and len(addresses) > 14
    udp = [r for r in steps(exp, trace.Reply) if r.transport == "udp"]
    tcp = [r for r in steps(exp, trace.Reply) if r.transport == "tcp"]
    assert udp and "tc" in udp[0].flags
    assert tcp and "tc" not in tcp[-1].flags and tcp[-1].counts[1] == len(addresses)
    assert any(q.transport == "tcp" for q in steps(exp, trace.Query))


def test_reverse_lookup(tmp_path: Path) -> None:
    exp, _ = explained(tmp_path, "gethostbyaddr", "192.0.2.1")
    assert exp.outcome() == ("both.example.test", [], ["192.0.2.1"])
    assert ("query", SERVER, "1.2.0.192.in-addr.arpa", "PTR") in exchanges(exp)
    sources = [(s.source, s.status, s.action) for s in steps(exp, trace.NssSource)]
    assert sources == [("files", "notfound", "continue"), ("dns", "success", "return")]
    doc = exp.to_json()
    assert doc["result"] == {
        "name": "both.example.test",
        "aliases": [],
        "addresses": ["192.0.2.1"],
    }
    kinds = [s["step"] for s in doc["steps"]]
    assert kinds[0] == "file" and "query" in kinds and "reply" in kinds
