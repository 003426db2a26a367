"""A seeded differential hunt over forged DNS replies: glibc and netdb read the same odd bytes.

Each round makes up the replies to one name under ``fx.example.test`` (its A and AAAA queries)
and to one reverse name (its PTR query) from the fault proxy's ``forge`` vocabulary
(``tests/sandbox/faultproxy.py``): header flags (AA, RA, RD, QR, opcode), RCODEs, TC with the
TCP retry answered differently, the question echoed as asked, in upper or lower case; answer,
authority and additional records of random types and classes with owners that are the question
(a pointer or written out, in other cases), other names or the root; CNAME chains (short, long,
looping, dangling, to names glibc's host-name checks refuse), A and AAAA records with right and
wrong RDATA lengths, duplicates, many addresses, answer counts that lie, OPT records (with an
extended RCODE), replies cut short.  Then it looks the name and the address up through
getaddrinfo (families and flags, AI_CANONNAME among them), gethostbyname, gethostbyname_ex,
gethostbyaddr, getnameinfo (with and without NI_NAMEREQD) and getfqdn, reads ``h_errno`` after
the calls that leave it, and compares netdb's whole outcome with glibc's in the same sandbox
process, as ``test_differential_replies`` does for its curated table.

The AAAA reply of a pair is held back 30 ms so both resolvers read the A reply first (Knot's too,
when only the A reply is forged).  Replies
neither resolver takes (another ID or question over UDP) cost a timeout each: the bounded test
leaves them out; a longer hunt draws them now and then (``--slow``).

The test runs a bounded number of rounds with a fixed seed.  For a longer hunt:
``python -m tests.test_differential_replyfuzz --rounds N --seed S``.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from random import Random
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox import hunt as hunt_cli
from tests.sandbox.harness import Sandbox, SandboxError, Scenario, unavailable_reason
from tests.test_differential_dns import HOSTS, scenario

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

A, NS, CNAME, SOA, PTR, TXT, AAAA = 1, 2, 5, 6, 12, 16, 28
D = ".fx.example.test"
ST = socket.SOCK_STREAM
RESOLV = "nameserver 127.0.0.3\nsearch fx.example.test example.test\noptions timeout:1 attempts:1\n"
REPLYFUZZ = scenario("replyfuzz", resolv=RESOLV, hosts=HOSTS)


def with_options(options: str) -> Scenario:
    """The hunt's scenario with more resolv.conf options (``edns0``, ``single-request``, ...)."""
    if not options:
        return REPLYFUZZ
    return scenario("replyfuzz " + options, resolv=RESOLV + f"options {options}\n", hosts=HOSTS)


Call = tuple[str, tuple[Any, ...]]
Rules = list[dict[str, Any]]
# (rules, function, arguments, glibc's outcome, netdb's outcome)
Mismatch = tuple[Rules, str, tuple[Any, ...], str, str]

# Names a record may point at or be owned by (besides the question itself).
TARGETS = [
    "t" + D,
    "t" + D,
    "c1" + D,
    "T.FX.Example.TEST",
    "zzz" + D,
    "sp\\032ace" + D,
    "u_s" + D,
    "-d" + D,
    "a\\.b" + D,
    "h\\200i" + D,
    "*" + D,
    ".",
    "justone",
    "a" * 63 + D,
    ".".join(["a" * 60] * 3) + "." + "b" * 40 + D,
    "host.example.test",
]
RCODES = [1, 2, 3, 3, 4, 5, 6, 9, 15]
FLAGS = [0x8100, 0x8180, 0x8500, 0x8480, 0x8080, 0x9580, 0x0580, 0x8590, 0x85F0]
GAI_CALLS: list[tuple[int, int, int]] = [
    (socket.AF_UNSPEC, ST, 0),
    (socket.AF_UNSPEC, ST, socket.AI_CANONNAME),
    (socket.AF_INET, ST, socket.AI_CANONNAME),
    (socket.AF_INET, ST, 0),
    (socket.AF_INET6, ST, 0),
    (socket.AF_INET6, ST, socket.AI_CANONNAME),
    (socket.AF_INET6, ST, socket.AI_V4MAPPED),
    (socket.AF_INET6, ST, socket.AI_V4MAPPED | socket.AI_ALL | socket.AI_CANONNAME),
    (socket.AF_UNSPEC, 0, socket.AI_ADDRCONFIG),
    (socket.AF_UNSPEC, 0, socket.AI_CANONNAME | socket.AI_ADDRCONFIG),
]


def _mixed(text: str, rng: Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c for c in text)


class ReplyGen:
    """The forged replies of one round."""

    def __init__(self, rng: Random, slow: float = 0.0) -> None:
        self.rng = rng
        self.slow = slow

    def owner(self, qname: str, chain_end: str | None) -> str:
        r = self.rng
        k = r.random()
        if k < 0.6:
            return "@"
        if k < 0.7:
            return qname
        if k < 0.78:
            return _mixed(qname, r)
        if k < 0.88 and chain_end is not None:
            return chain_end
        return r.choice(TARGETS)

    def address(self, rtype: int) -> str:
        r = self.rng
        k = r.random()
        if rtype == A:
            if k < 0.85:
                return f"192.0.2.{r.randrange(1, 8)}"
            return "hex:" + bytes(r.randrange(256) for _ in range(r.choice([0, 3, 5, 8]))).hex()
        if k < 0.85:
            return f"2001:db8::{r.randrange(1, 8):x}"
        return "hex:" + bytes(r.randrange(256) for _ in range(r.choice([0, 4, 15, 17]))).hex()

    def record(self, qname: str, qtype: int, chain_end: str | None) -> list[Any]:
        r = self.rng
        owner = self.owner(qname, chain_end)
        k = r.random()
        if k < 0.55:
            rtype = qtype if qtype != PTR else r.choice([PTR, PTR, A])
        elif k < 0.65:
            rtype = AAAA if qtype == A else A
        elif k < 0.8:
            rtype = CNAME
        elif k < 0.87:
            rtype = PTR
        elif k < 0.93:
            rtype = TXT
        elif k < 0.97:
            rtype = NS
        else:
            rtype = SOA
        if rtype in (A, AAAA):
            value: Any = self.address(rtype)
        elif rtype in (CNAME, PTR, NS):
            value = r.choice([*TARGETS, "@", qname, "c2" + D])
        elif rtype == TXT:
            value = "x" * r.randrange(0, 30)
        else:
            value = r.choice([0, 60, 3600])
        rr: list[Any] = [owner, rtype, value]
        k = r.random()
        if k < 0.08:
            rr += [r.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF])]
        elif k < 0.14:
            rr += [60, r.choice([3, 4, 255, 254, 0])]
        return rr

    def chain(self, qname: str) -> tuple[list[list[Any]], str]:
        """A CNAME chain from the question: its records and its last name."""
        r = self.rng
        n = r.choice([1, 1, 1, 2, 3, 5, 9, 12, 17, 30])
        tag = r.choice(["c", "k"])
        names = [f"{tag}{i}{D}" for i in range(1, n + 1)]
        if r.random() < 0.2:
            names[-1] = r.choice(TARGETS)
        out: list[list[Any]] = []
        prev = "@" if r.random() < 0.8 else qname
        for name in names:
            out.append([prev, CNAME, name])
            prev = name
        if r.random() < 0.1:
            out.append([prev, CNAME, qname])  # a loop
        if r.random() < 0.15:
            r.shuffle(out)
        return out, names[-1]

    def answer(self, qname: str, qtype: int) -> list[list[Any]]:
        r = self.rng
        k = r.random()
        out: list[list[Any]] = []
        chain_end: str | None = None
        if k < 0.15:
            return out
        if k < 0.4:
            out, chain_end = self.chain(qname)
        n = r.choice([0, 1, 1, 1, 2, 2, 3, 4, 6])
        for _ in range(n):
            rr = self.record(qname, qtype, chain_end)
            if chain_end is not None and rr[0] == "@" and r.random() < 0.7:
                rr[0] = chain_end
            out.append(rr)
        if out and r.random() < 0.15:
            out.insert(r.randrange(len(out) + 1), list(r.choice(out)))
        if qtype != PTR and r.random() < 0.04:
            owner = chain_end or "@"
            many = r.choice([40, 120, 300])
            rtype = qtype
            out += [
                [owner, rtype, f"10.{i // 250}.{i % 250}.1" if rtype == A else f"2001:db8::{i:x}"]
                for i in range(many)
            ]
        if r.random() < 0.1:
            r.shuffle(out)
        return out

    def reply(self, qname: str, qtype: int, transport: str = "udp") -> dict[str, Any]:
        """One forge rule's reply parts (no name, type or action)."""
        r = self.rng
        out: dict[str, Any] = {"answer": self.answer(qname, qtype)}
        if r.random() < 0.25:
            out["rcode"] = r.choice(RCODES)
        if r.random() < 0.15:
            out["flags"] = r.choice(FLAGS)
        k = r.random()
        if k < 0.1:
            out["question"] = "upper"
        elif k < 0.15:
            out["question"] = "lower"
        elif k < 0.18 and transport == "tcp":
            # Over TCP a reply is matched by its ID alone.
            out["question"] = r.choice(TARGETS[:5])
        elif k < 0.2 and transport == "tcp":
            out["echo_qtype"] = r.choice([A, AAAA, PTR, TXT])
        elif transport == "udp" and r.random() < self.slow:
            # Over UDP, a reply neither resolver takes: a timeout.  (Not a reply cut inside
            # its question: glibc 2.36 compares the question with its answer buffer up to the
            # buffer's end, not the datagram's, so bytes left there from before decide whether
            # it takes such a reply; nothing outside glibc's memory can say what it does.)
            key = r.choice(["echo_qtype", "qdcount", "id_xor", "question"])
            out[key] = {
                "echo_qtype": AAAA if qtype == A else A,
                "qdcount": r.choice([0, 2]),
                "id_xor": 0x0101,
                "question": "zz" + D,
            }[key]
        if r.random() < 0.2:
            out["authority"] = [
                r.choice(
                    [
                        ["example.test", SOA, 60],
                        ["fx.example.test", SOA, 0],
                        ["@", SOA, 30],
                        ["example.test", NS, "ns.example.test"],
                        ["@", A, "192.0.2.99"],
                        ["@", CNAME, "t" + D],
                    ]
                )
                for _ in range(r.choice([1, 1, 2]))
            ]
        if r.random() < 0.15:
            out["additional"] = [
                r.choice(
                    [
                        ["ns.example.test", A, "192.0.2.53"],
                        ["@", A, "192.0.2.98"],
                        ["@", AAAA, "2001:db8::98"],
                        ["t" + D, A, "192.0.2.97"],
                    ]
                )
                for _ in range(r.choice([1, 2]))
            ]
        if r.random() < 0.1:
            out["opt"] = r.choice([512, 1232, 4096, 0])
            if r.random() < 0.4:
                out["opt_ttl"] = r.choice([0x01000000, 0x00008000, 0xFF000000, 0x00010000])
        if r.random() < 0.08:
            total = len(out["answer"]) + len(out.get("authority", []))
            out["ancount"] = max(0, total + r.choice([-2, -1, 1, 2, 5, 200]))
        if r.random() < 0.06 and "cut" not in out:
            # Cut after the question (a cut inside it is a reply not taken, mostly).
            out["cut"] = 18 + len(qname) + r.choice([0, 1, 2, 10, 11, 12, 14, 20, 40, 100])
        return out

    def rules(self, qname: str, qtypes: list[int]) -> Rules:
        """Forge rules for ``qname``'s queries of those types (the AAAA one held back)."""
        r = self.rng
        out: Rules = []
        for qtype in qtypes:
            hold = {"delay": 0.03} if qtype == AAAA else {}
            base = {"name": qname, "qtype": qtype, "action": "forge", **hold}
            if r.random() < 0.08:
                udp = {**self.reply(qname, qtype), "tc": True}
                if r.random() < 0.5:
                    udp["answer"] = []
                tcp = self.reply(qname, qtype, "tcp")
                if r.random() < 0.1:
                    tcp["tc"] = True
                out.append({**base, "transport": "udp", **udp})
                out.append({**base, "transport": "tcp", **tcp})
            else:
                out.append({**base, **self.reply(qname, qtype)})
        return out


def reverse_of(address: str) -> str:
    packed = socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
    if len(packed) == 4:
        return ".".join(str(b) for b in reversed(packed)) + ".in-addr.arpa"
    return ".".join(reversed(packed.hex())) + ".ip6.arpa"


def make_round(rng: Random, index: int, slow: float = 0.0) -> tuple[Rules, list[Call]]:
    """The rules and the calls of one round."""
    gen = ReplyGen(rng, slow)
    label = f"r{index}"
    name = label + D
    rules = gen.rules(name, [A, AAAA])
    if rng.random() < 0.3:
        # One of the pair passes to Knot (which has no such name: NXDOMAIN or REFUSED).
        rules = [x for x in rules if x["qtype"] == rng.choice([A, AAAA])]
        if not any(x["qtype"] == AAAA for x in rules):
            # Knot's AAAA reply is held back as a forged one is: which reply of the pair comes
            # first decides what h_errno a search walk leaves, in glibc and in netdb alike.
            rules.append({"name": name, "qtype": AAAA, "action": "delay", "seconds": 0.03})
    v6 = rng.random() < 0.4
    address = f"2001:db8:77::{index % 0xFFFF:x}" if v6 else f"203.0.113.{index % 250 + 1}"
    rev = reverse_of(address)
    rules += gen.rules(rev, [PTR])
    # The name as asked: in full (asked as is first), or reached through the search list
    # ("rN": fx.example.test first; "rN.fx": as is first, Knot refuses, then the search list).
    k = rng.random()
    asked = name if k < 0.6 else label if k < 0.75 else label + ".fx" if k < 0.85 else name
    if rng.random() < 0.15:
        asked = _mixed(asked, rng)
    calls: list[Call] = []
    pool: list[Call] = [("gethostbyname", (asked,)), ("gethostbyname_ex", (asked,))]
    pool += [("getaddrinfo", (asked, 80, fam, st, 0, fl)) for fam, st, fl in GAI_CALLS]
    pool += [("getaddrinfo", (asked, None))]
    for func, args in rng.sample(pool, rng.randrange(4, 8)):
        calls.append((func, args))
        if func.startswith("gethostby") or rng.random() < 0.3:
            calls.append(("h_errno", ()))
    addr: list[Call] = [
        ("gethostbyaddr", (address,)),
        ("getnameinfo", ((address, 80), 0)),
        ("getnameinfo", ((address, 80), socket.NI_NAMEREQD)),
        ("getnameinfo", ((address, 80), socket.NI_NAMEREQD | socket.NI_NOFQDN)),
    ]
    for func, args in rng.sample(addr, rng.randrange(1, 4)):
        calls.append((func, args))
        if func == "gethostbyaddr":
            calls.append(("h_errno", ()))
    if rng.random() < 0.1:
        calls.append(("getfqdn", (rng.choice([asked, address]),)))
    return rules, calls


def run_round(box: Sandbox, rules: Rules, calls: list[Call], bad: list[Mismatch]) -> int:
    box.fault(rules)
    n = 0
    for func, args in calls:
        n += 1
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append((rules, func, args, glibc, ours))
    return n


def hunt(
    rounds: int,
    seed: int,
    box: Sandbox | None = None,
    slow: float = 0.0,
    where: Scenario = REPLYFUZZ,
) -> tuple[int, list[Mismatch]]:
    """``rounds`` forged rounds: (cases compared, mismatches)."""
    rng = Random(f"replies-{seed}")
    bad: list[Mismatch] = []
    cases = 0
    own = box is None
    if box is None:
        box = Sandbox(where)
    try:
        for i in range(rounds):
            rules, calls = make_round(rng, i, slow)
            try:
                cases += run_round(box, rules, calls, bad)
            except SandboxError as exc:
                bad.append((rules, "worker died", (), "", str(exc)[-300:]))
                if not own:
                    raise
                box.close()
                box = Sandbox(where)
        box.fault([])
    finally:
        if own:
            box.close()
    return cases, bad


def _report(bad: list[Mismatch], limit: int = 12) -> str:
    out = []
    for rules, func, args, glibc, ours in bad[:limit]:
        out.append(
            f"rules {json.dumps(rules)[:1500]}\n  {func}{args!r}\n"
            f"    glibc: {glibc[:600]}\n    netdb: {ours[:600]}"
        )
    return f"{len(bad)} disagree:\n" + "\n".join(out)


# --- the bounded test --------------------------------------------------------------------------

TEST_ROUNDS = 200


def test_make_round_is_seeded() -> None:
    """The same seed draws the same rounds; another seed others."""
    a = [make_round(Random("replies-3"), i) for i in range(5)]
    b = [make_round(Random("replies-3"), i) for i in range(5)]
    c = [make_round(Random("replies-4"), i) for i in range(5)]
    assert a == b
    assert a != c
    for rules, calls in a:
        assert all(r["action"] == "forge" for r in rules)
        assert calls


def test_replyfuzz() -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"differential sandbox unavailable: {reason}")
    cases, bad = hunt(TEST_ROUNDS, 1)
    assert cases > 5 * TEST_ROUNDS
    assert not bad, _report(bad)


def main(argv: list[str] | None = None) -> int:
    ap = hunt_cli.parser(__doc__, 200)
    ap.add_argument(
        "--slow", type=float, default=0.0, help="chance of a reply never taken (a timeout)"
    )
    ap.add_argument("--options", default="", help="more resolv.conf options, e.g. 'edns0'")
    opts = ap.parse_args(argv)
    reason = unavailable_reason() or dnsservers.available()
    if reason:
        print(reason)
        return 2
    started = time.monotonic()
    cases, bad = hunt(opts.rounds, opts.seed, slow=opts.slow, where=with_options(opts.options))
    spent = time.monotonic() - started
    print(
        f"== forged replies: {opts.rounds} rounds, {cases} cases, {len(bad)} mismatches "
        f"({spent:.1f} s, seed {opts.seed}{', options ' + opts.options if opts.options else ''})"
    )
    rows = [[r, fn, repr(a), g, o] for r, fn, a, g, o in bad]
    return hunt_cli.conclude(opts, bad, rows, _report)


if __name__ == "__main__":
    sys.exit(main())
