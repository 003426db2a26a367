"""``netdb.explain`` against glibc in the sandbox: the explained outcome is socket's, and the steps
name what decided it.

Each case runs ``socket.F(...)`` and ``netdb.explain(netdb.F, ...)`` in the same sandbox (same
files, same Knot, same fault proxy) and asserts two things: ``outcome()`` equals socket's outcome
(result or exception, compared whole as the differential suites compare them), and the recorded
steps hold the source, search decision, DNS exchange or RFC 6724 rule that made the answer what
it is.  ``NETDB_TEST_EXPLAIN=1`` runs every differential suite through ``netdb.explain`` as well
(see README).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario
from tests.test_differential_dns import ADDRESSES, HOSTS, NAMES, name_cases, scenario
from tests.test_faults_dns import PROXIED

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

STREAM = socket.SOCK_STREAM
AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6


def explained(box: Sandbox, func: str, *args: Any) -> dict[str, Any]:
    """The explanation of ``func(*args)``, after checking its outcome is glibc's."""
    r = box.explain(func, *args)
    assert r["netdb"] == r["glibc"], (
        f"[{box.scenario.name}] {func}{args!r}\n  glibc: {r['glibc']}\n  netdb: {r['netdb']}\n"
        + r["text"]
    )
    return r


def steps(r: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in r["steps"] if s["step"] == kind]


# --- every name and address of the main scenario: outcome() is socket's ---------------------


def test_every_case_of_the_main_scenario(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(scenario("knot"))
    box.reset()
    bad = []
    cases = list(name_cases(NAMES, full=False))
    cases += [("gethostbyaddr", (a,)) for a in ADDRESSES]
    cases += [("getnameinfo", ((a, 80), socket.NI_NAMEREQD)) for a in ADDRESSES]
    for func, args in cases:
        r = box.explain(func, *args)
        if r["netdb"] != r["glibc"]:
            bad.append(f"{func}{args!r}\n    glibc: {r['glibc']}\n    netdb: {r['netdb']}")
        assert r["steps"], f"{func}{args!r}: no steps recorded"
    assert not bad, f"{len(bad)} of {len(cases)} differ:\n" + "\n".join(bad[:30])


# --- the cases issue 12 names --------------------------------------------------------------


def test_hosts_line_shadows_dns(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    hosts = HOSTS + "192.0.2.77 both.example.test both\n"
    box = sandboxes(scenario("explain-shadow", hosts=hosts))
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
    [src] = steps(r, "source")
    assert (src["source"], src["status"], src["action"]) == ("files", "success", "return")
    [line] = steps(r, "hosts-line")
    assert line["text"] == "192.0.2.77 both.example.test both" and line["line"] == 5
    assert not steps(r, "query"), "DNS was asked though files answered"
    assert "192.0.2.77" in r["glibc"]


def test_ndots_sends_a_name_to_the_search_list_first(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    resolv = "nameserver 127.0.0.1\nsearch example.test sub.example.test\noptions ndots:2\n"
    box = sandboxes(scenario("explain-ndots", resolv=resolv))
    box.reset()
    r = explained(box, "getaddrinfo", "x.y", 80, 0, STREAM)
    [start] = steps(r, "search")
    assert (start["dots"], start["ndots"], start["order"]) == (1, 2, "search list first")
    tries = steps(r, "candidate")
    assert tries[0]["name"] == "x.y.example.test"
    assert [q["name"] for q in steps(r, "query")][:2] == ["x.y.example.test"] * 2
    # With the default ndots:1 the same name is asked as it is first.
    box2 = sandboxes(scenario("knot"))
    box2.reset()
    r2 = explained(box2, "getaddrinfo", "x.y", 80, 0, STREAM)
    assert steps(r2, "search")[0]["order"] == "as-is first"
    assert steps(r2, "candidate")[0]["name"] == "x.y"


def test_nxdomain_on_the_first_domain_then_a_hit_on_the_second(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    box = sandboxes(scenario("knot"))
    box.reset()
    r = explained(box, "getaddrinfo", "onlysub", 80, 0, STREAM)
    tries = steps(r, "candidate")
    assert [t["name"] for t in tries] == ["onlysub.example.test", "onlysub.sub.example.test"]
    assert tries[0]["outcome"].startswith("NXDOMAIN") and tries[0]["decision"] == "go on"
    assert tries[1]["outcome"] == "answer" and tries[1]["decision"] == "stop: answered"
    replies = steps(r, "reply")
    assert {(x["name"], x["rcode"]) for x in replies} == {
        ("onlysub.example.test", "NXDOMAIN"),
        ("onlysub.sub.example.test", "NOERROR"),
    }
    for x in replies:
        assert x["server"] == "127.0.0.1:53" and x["transport"] == "udp"
        assert x["rtt_ms"] is not None and "qr" in x["flags"]
    assert {q["qtype"] for q in steps(r, "query")} == {"A", "AAAA"}


def test_notfound_return_stops_the_walk(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(scenario("explain-nfr", nsswitch="hosts: files [NOTFOUND=return] dns\n"))
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
    [src] = steps(r, "source")
    assert (src["source"], src["status"], src["action"]) == ("files", "notfound", "return")
    assert src["criteria"] == "[NOTFOUND=return]"
    assert not steps(r, "query")
    assert "gaierror" in r["glibc"]


def test_uninstalled_sources_count_as_glibc_counts_them(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    line = "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n"
    box = sandboxes(scenario("explain-ubuntu", nsswitch=line))
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
    walk = [(s["source"], s["status"], s["action"]) for s in steps(r, "source")]
    assert walk == [
        ("files", "notfound", "continue"),
        ("mdns4_minimal", "unavail (not installed)", "continue"),
        ("dns", "success", "return"),
    ]


ROUTED = scenario("explain-routed", network="veth")


def test_rule_6_puts_ipv6_before_ipv4(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(ROUTED)
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
    [policy] = steps(r, "policy")
    assert policy["origin"] == "glibc"
    assert "precedence ::ffff:0.0.0.0/96 10" in policy["rows"]
    [cmp] = steps(r, "compare")
    assert (cmp["first"], cmp["second"], cmp["rule"]) == ("2001:db8::1", "192.0.2.1", 6)
    assert r["glibc"].index("2001:db8::1") < r["glibc"].index("192.0.2.1")


def test_gai_conf_precedence_reverses_rule_6(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(
        ROUTED.with_files("explain-routed-gaiconf", gai_conf="precedence ::ffff:0:0/96 100\n")
    )
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
    [policy] = steps(r, "policy")
    assert policy["origin"] == "gai.conf"
    assert "precedence ::ffff:0.0.0.0/96 100" in policy["rows"]
    [cmp] = steps(r, "compare")
    assert (cmp["first"], cmp["second"], cmp["rule"]) == ("192.0.2.1", "2001:db8::1", 6)
    [gai] = [s for s in steps(r, "file") if s["path"] == "/etc/gai.conf"]
    assert gai["lines"] == ["precedence ::ffff:0.0.0.0/96 100"]
    assert r["glibc"].index("192.0.2.1") < r["glibc"].index("2001:db8::1")


def test_addrconfig_facts(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(ROUTED)
    box.reset()
    r = explained(box, "getaddrinfo", "both", 80, 0, STREAM, 0, socket.AI_ADDRCONFIG)
    [facts] = steps(r, "addrconfig")
    assert (facts["ipv4"], facts["ipv6"]) == (True, True)


def test_cache_and_memo_on_a_second_lookup(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(scenario("knot"))
    box.reset()
    explained(box, "getaddrinfo", "v4only", 80, 0, STREAM)
    again = explained(box, "getaddrinfo", "v4only", 80, 0, STREAM)
    assert [m["hit"] for m in steps(again, "memo")] == [True]
    assert not steps(again, "query")
    # Another call shape of the same name misses the memo and finds the replies in the cache.
    other = explained(box, "getaddrinfo", "v4only", 443, 0, STREAM)
    hits = [c for c in steps(other, "cache") if c["hit"]]
    assert hits and hits[0]["ttl_left"] > 0
    assert not steps(other, "query")


def test_a_silent_server_times_out_in_the_steps(
    sandboxes: Callable[[Scenario], Sandbox],
) -> None:
    box = sandboxes(PROXIED)
    box.fault([{"name": "both.example.test", "action": "drop"}])
    try:
        r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
        silences = steps(r, "no-reply")
        assert silences and all(s["what"] == "timeout" for s in silences)
        assert all(s["server"] == "127.0.0.3:53" for s in silences)
        assert silences[0]["waited_ms"] >= 900  # options timeout:1
    finally:
        box.fault([])


def test_truncation_goes_to_tcp_in_the_steps(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(PROXIED)
    box.fault([{"name": "both.example.test", "transport": "udp", "action": "truncate"}])
    try:
        r = explained(box, "getaddrinfo", "both", 80, 0, STREAM)
        replies = steps(r, "reply")
        assert any(x["transport"] == "udp" and "tc" in x["flags"] for x in replies)
        assert any(x["transport"] == "tcp" and x["rcode"] == "NOERROR" for x in replies)
    finally:
        box.fault([])


def test_reverse_lookups(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(scenario("knot"))
    box.reset()
    r = explained(box, "gethostbyaddr", "192.0.2.1")
    assert [q["name"] for q in steps(r, "query")] == ["1.2.0.192.in-addr.arpa"]
    assert [q["qtype"] for q in steps(r, "query")] == ["PTR"]
    r = explained(box, "gethostbyaddr", "192.0.2.250")
    [line] = steps(r, "hosts-line")
    assert line["text"].startswith("192.0.2.250 infiles")
    explained(box, "getnameinfo", ("2001:db8::1", 80), 0)
    explained(box, "gethostbyname", "both")
    explained(box, "gethostbyname_ex", "nothere")
