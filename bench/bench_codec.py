"""Cost of the DNS message codec (``netdb.dns.wire``) against dnspython, side by side in one run.

Run: ``python3 bench/bench_codec.py`` (from the checkout; needs dnspython, the ``bench`` extra).
``--quick`` measures fewer rounds.  No network at all: every message is built in memory.

Prints, per case, microseconds per call for ``wire.parse`` and ``dns.message.from_wire`` (best of
several ``timeit`` rounds) and the ratio dnspython/netdb (higher is better; the issue's floor for
parsing is 10x).  The cases: a compressed reply with a CNAME and four A records and an EDNS0 OPT,
an AAAA reply, and a 25-record reply (answers, NS authority, glue); then query building,
``wire.build_query`` against ``dns.message.make_query(...).to_wire()``.
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import dns.message
import dns.rrset

from netdb.dns import wire

FLOOR = 10.0


def _reply(qname: str, qtype: str, answers: list[tuple[str, int, str, list[str]]]) -> bytes:
    query = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    msg = dns.message.make_response(query)
    for owner, ttl, rtype, datas in answers:
        section = msg.answer
        if owner.startswith("@auth:"):
            section, owner = msg.authority, owner[6:]
        elif owner.startswith("@add:"):
            section, owner = msg.additional, owner[5:]
        section.append(dns.rrset.from_text(owner, ttl, "IN", rtype, *datas))
    return msg.to_wire()


def cases() -> dict[str, bytes]:
    """The replies measured, by name (all compressed by dnspython's writer, all with EDNS0)."""
    cname_a = _reply(
        "www.example.com.",
        "A",
        [
            ("www.example.com.", 300, "CNAME", ["web.cdn.example.net."]),
            ("web.cdn.example.net.", 60, "A", [f"192.0.2.{i}" for i in range(1, 5)]),
        ],
    )
    aaaa = _reply(
        "host.example.org.",
        "AAAA",
        [("host.example.org.", 3600, "AAAA", ["2001:db8::1", "2001:db8::2"])],
    )
    big = _reply(
        "pool.example.com.",
        "A",
        [
            ("pool.example.com.", 60, "A", [f"198.51.100.{i}" for i in range(1, 18)]),
            ("@auth:example.com.", 86400, "NS", [f"ns{i}.example.com." for i in range(1, 5)]),
            ("@add:ns1.example.com.", 86400, "A", ["203.0.113.1"]),
            ("@add:ns2.example.com.", 86400, "A", ["203.0.113.2"]),
            ("@add:ns3.example.com.", 86400, "AAAA", ["2001:db8::53"]),
            ("@add:ns4.example.com.", 86400, "AAAA", ["2001:db8::54"]),
        ],
    )
    return {"CNAME + 4 A, EDNS0": cname_a, "2 AAAA, EDNS0": aaaa, "25 records, EDNS0": big}


def best_us(fn: Callable[[], object], rounds: int) -> float:
    """Best-of-``rounds`` microseconds per call, each round long enough to time (~20 ms)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, number // 10)
    return min(timer.repeat(repeat=rounds, number=number)) / number * 1e6


def main(argv: list[str]) -> int:
    rounds = 3 if "--quick" in argv else 7
    print(f"{'case':<28}{'bytes':>6}{'netdb us':>11}{'dnspython us':>14}{'ratio':>8}")
    worst = float("inf")
    for name, data in cases().items():
        assert wire.parse(data).answer, name  # the case parses before it is timed
        ours = best_us(partial(wire.parse, data), rounds)
        theirs = best_us(partial(dns.message.from_wire, data), rounds)
        worst = min(worst, theirs / ours)
        print(f"parse {name:<22}{len(data):>6}{ours:>11.2f}{theirs:>14.2f}{theirs / ours:>7.1f}x")
    qname = wire.name_from_text("www.example.com")
    ours = best_us(lambda: wire.build_query(0x1234, qname, wire.A, edns_payload=1232), rounds)
    theirs = best_us(
        lambda: dns.message.make_query("www.example.com.", "A", use_edns=0, payload=1232).to_wire(),
        rounds,
    )
    print(f"{'build query A, EDNS0':<34}{ours:>11.2f}{theirs:>14.2f}{theirs / ours:>7.1f}x")
    verdict = "meets" if worst >= FLOOR else "BELOW"
    print(f"worst parse ratio {worst:.1f}x: {verdict} the {FLOOR:.0f}x floor")
    return 0 if worst >= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
