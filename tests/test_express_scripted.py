"""getaddrinfo's express lane (``netdb.express``) against scripted servers, no sockets.

:func:`tests.scripted.run_express` drives a lookup through the lane as the blocking driver
does (open, both queries, plain replies, :func:`express.finish`), checks a lane answer with
:func:`express.check` (the full path replayed on the lane's record must ask the same and
answer the same), and on a hand-over runs the full path on the record
(:class:`express.Replay`) and drives it on.  Each row compares the outcome with the full path's
on an identical scripted world, and says whether the lane itself answered.
"""

from __future__ import annotations

import functools
import socket
from pathlib import Path
from typing import Any

import pytest

from netdb import express
from netdb.dns import wire
from tests import scripted

STREAM = socket.SOCK_STREAM
PROXY = "127.0.0.3"


@functools.cache
def _zones() -> list[scripted.Zone]:
    return scripted.fixture_zones()


def world(
    tmp: Path, rules: list[dict[str, Any]] | None = None, **kw: Any
) -> scripted.ScriptedResolver:
    auth = scripted.Authority(_zones())
    if rules is None:
        net = scripted.Net({scripted.KNOT: auth})
        return scripted.resolver(tmp, net, **kw)
    servers = {PROXY: scripted.Faults(auth, rules), scripted.KNOT: auth}
    resolv = f"nameserver {PROXY}\nnameserver {scripted.KNOT}\nsearch example.test\noptions timeout:1 attempts:1\n"  # noqa: E501
    etc = {"resolv": resolv, **kw.pop("etc", {})}
    return scripted.resolver(tmp, scripted.Net(servers), etc=etc, **kw)


# (name, the lane answers it itself): otherwise the lookup is handed over and the full path
# reads the replies (no address, a search going on, a truncated reply, ...).
NAMES = [
    ("both", True),
    ("v4only", True),
    ("v6only", True),
    ("multi", True),
    ("cname1", True),
    ("c3a", True),
    ("MiXeD", True),
    ("dup", True),
    ("both.example.test", True),
    ("both.example.test.", True),
    ("onlysub", False),
    ("nothere", False),
    ("nodata", False),
    ("dangling", False),
    ("loopa", False),
    ("xzone", False),
    ("big4", False),
    ("bigboth", False),
    ("x.y", False),
    ("singlelabel", False),
]


@pytest.mark.parametrize(("name", "lane_answers"), NAMES)
def test_lane_answers_as_the_full_path(tmp_path: Path, name: str, lane_answers: bool) -> None:
    res = world(tmp_path / "lane")
    run = scripted.run_express(res, name, 80, 0, STREAM)
    assert run is not None
    full = world(tmp_path / "full")
    expected = scripted.summary(full.call("getaddrinfo", name, 80, 0, STREAM))
    assert run.answered == lane_answers
    assert scripted.summary(run.value) == expected
    assert res.net.queries == full.net.queries  # the same questions, once each
    if lane_answers:
        assert run.h_errno == full.h_errno


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
@pytest.mark.parametrize("name", [n for n, _ in NAMES])
def test_lane_answers_one_family_as_the_full_path(tmp_path: Path, name: str, family: int) -> None:
    """One family: one query (gethostbyname2_r for AF_INET, gethostbyname3_r for AF_INET6),
    answered in the lane when the reply is plain, handed over otherwise, as the full path."""
    res = world(tmp_path / "lane")
    run = scripted.run_express(res, name, 80, family, STREAM)
    assert run is not None
    full = world(tmp_path / "full")
    expected = scripted.summary(full.call("getaddrinfo", name, 80, family, STREAM))
    assert scripted.summary(run.value) == expected
    assert res.net.queries == full.net.queries
    if run.answered:
        assert run.h_errno == full.h_errno
    if name == "both":
        assert run.answered


# (fault, rules at the first server): the lane hands over at the fault, the full path goes on
# from the same socket, deadline and IDs and ends as it would have alone.
FAULTS = [
    ("drop everything", [{"name": "both.example.test", "action": "drop"}]),
    ("drop AAAA", [{"name": "both.example.test", "qtype": 28, "action": "drop"}]),
    ("SERVFAIL", [{"name": "both.example.test", "action": "rcode", "rcode": 2}]),
    (
        "SERVFAIL for AAAA",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 2}],
    ),
    (
        "NXDOMAIN for AAAA",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 3}],
    ),
    ("truncated", [{"name": "both.example.test", "transport": "udp", "action": "truncate"}]),
    ("wrong ID", [{"name": "both.example.test", "action": "wrong_id"}]),
    ("wrong question", [{"name": "both.example.test", "action": "wrong_question"}]),
    ("other source", [{"name": "both.example.test", "action": "other_source"}]),
    ("short", [{"name": "both.example.test", "action": "short"}]),
    ("garbage", [{"name": "both.example.test", "action": "garbage"}]),
    ("late", [{"name": "both.example.test", "action": "delay", "seconds": 0.5}]),
]


@pytest.mark.parametrize("rules", [pytest.param(r, id=i) for i, r in FAULTS])
def test_hand_over_replays_the_record(tmp_path: Path, rules: list[dict[str, Any]]) -> None:
    res = world(tmp_path / "lane", rules)
    run = scripted.run_express(res, "both", 80, 0, STREAM)
    assert run is not None
    full = world(tmp_path / "full", rules)
    expected = scripted.summary(full.call("getaddrinfo", "both", 80, 0, STREAM))
    assert scripted.summary(run.value) == expected
    assert res.net.asked == full.net.asked  # nothing asked twice, nothing left out
    assert res._state.single_request == full._state.single_request
    assert res._state.single_request_reopen == full._state.single_request_reopen
    if rules[0]["action"] != "delay":
        assert not run.answered and run.replayed >= 2


def test_sticky_single_request_takes_the_lane_away(tmp_path: Path) -> None:
    res = world(tmp_path, [{"name": "both.example.test", "qtype": 28, "action": "drop"}])
    assert scripted.run_express(res, "both", 80, 0, STREAM) is not None
    assert res._state.single_request  # the fallback turned sticky during the replay
    assert scripted.run_express(res, "v4only", 80, 0, STREAM) is None


# (case, resolv.conf extra, hosts line, resolver keywords): no lane at all.
NO_LANE = [
    ("no-aaaa", "options no-aaaa\n", "hosts: files dns\n", {}),
    ("use-vc", "options use-vc\n", "hosts: files dns\n", {}),
    ("single-request", "options single-request\n", "hosts: files dns\n", {}),
    ("rotate over two", "nameserver 127.0.0.2\noptions rotate\n", "hosts: files dns\n", {}),
    ("dns first", "", "hosts: dns files\n", {}),
    ("dns only", "", "hosts: dns\n", {}),
    ("files return on notfound", "", "hosts: files [NOTFOUND=return] dns\n", {}),
]


@pytest.mark.parametrize(("extra", "hosts", "kw"), [pytest.param(*r[1:], id=r[0]) for r in NO_LANE])
def test_configurations_without_a_lane(
    tmp_path: Path, extra: str, hosts: str, kw: dict[str, Any]
) -> None:
    res = world(tmp_path, etc={"resolv": scripted.RESOLV + extra, "nsswitch": hosts}, **kw)
    assert express.lane(res.hosts_db()) is None
    assert scripted.run_express(res, "both", 80, 0, STREAM) is None


def test_rotate_with_one_server_keeps_the_lane(tmp_path: Path) -> None:
    res = world(tmp_path, etc={"resolv": scripted.RESOLV + "options rotate\n"})
    assert express.lane(res.hosts_db()) is not None


# (case, getaddrinfo arguments): the lane does not plan these, nothing drawn.
NO_PLAN = [
    ("a flag", ("both", 80, 0, STREAM, 0, socket.AI_CANONNAME)),
    ("numeric IPv4", ("192.0.2.1", 80, 0, STREAM)),
    ("numeric IPv6", ("2001:db8::1", 80, 0, STREAM)),
    ("in the hosts file", ("infiles", 80, 0, STREAM)),
    ("no host", (None, 80, 0, STREAM)),
    ("not a host name", ("sp ace", 80, 0, STREAM)),
    ("unknown service", ("both", "nosuch", 0, STREAM)),
    (
        "too long",
        ("a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "." + "e" * 60, 80, 0, 0),
    ),
]


@pytest.mark.parametrize("args", [pytest.param(a, id=i) for i, a in NO_PLAN])
def test_calls_the_lane_does_not_plan(tmp_path: Path, args: tuple[Any, ...]) -> None:
    drawn: list[int] = []
    ids = scripted.ids()

    def rng(n: int) -> int:
        drawn.append(n)
        return ids(n)

    res = world(tmp_path, rng=rng)
    assert scripted.run_express(res, *args) is None
    assert drawn == [] and res.net.asked == []


def test_plan_builds_the_queries_res_query_would(tmp_path: Path) -> None:
    res = world(tmp_path, etc={"resolv": scripted.RESOLV + "options edns0 trust-ad\n"})
    plan = res._express(res._getaddrinfo_args("both", 80, 0, STREAM, 0, 0))
    assert plan is not None
    q1, q2 = (wire.parse(q) for q in plan.queries)
    assert [wire.name_to_text(q.question[0].name) for q in (q1, q2)] == ["both.example.test"] * 2
    assert [q.question[0].qtype for q in (q1, q2)] == [wire.A, wire.AAAA]
    assert all(q.edns is not None and q.edns.payload == 1200 and q.ad for q in (q1, q2))
    assert (q1.id, q2.id) == plan.ids
