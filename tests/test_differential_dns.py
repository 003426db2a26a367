"""netdb against glibc over real DNS servers: every function, flag and resolv.conf option.

Each scenario is a sandbox (``tests/sandbox``) where Knot serves the fixture zones
(``tests/fixtures/zones/README.md``), alone (``knot``) or behind Unbound (``unbound``), and
/etc holds the scenario's resolv.conf, nsswitch.conf and hosts.  Every case runs
``socket.F(...)`` and ``netdb.F(...)`` in the same process, in the same order (glibc keeps state
between calls, such as ``h_errno``; so does netdb), and the whole outcomes must be equal.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

AF_INET, AF_INET6, AF_UNSPEC = socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC
CANON, V4MAPPED, ALL, ADDRCONFIG = (
    socket.AI_CANONNAME,
    socket.AI_V4MAPPED,
    socket.AI_ALL,
    socket.AI_ADDRCONFIG,
)
HOSTS = (
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    "192.0.2.250 infiles infiles.example.test\n"
    "2001:db8::250 infiles\n"
)
RESOLV = "nameserver 127.0.0.1\nsearch example.test sub.example.test\n"
NSSWITCH = "hosts: files dns\n"

# Names that exercise the zones: answers of both families, one, none; CNAME chains, loops,
# dangling; wildcards; search-list order; host-name checks; name lengths around glibc's limits.
NAMES = [
    "both",
    "both.example.test",
    "both.example.test.",
    "BOTH.Example.TEST",
    "v4only",
    "v6only",
    "multi",
    "scopes",
    "ula",
    "linklocal",
    "mapped",
    "cname1",
    "c3a",
    "c10-1",
    "loopa",
    "selfloop",
    "dangling",
    "tonodata",
    "nodata",
    "mxonly",
    "xzone",
    "anything.wild",
    "deep.er.wild",
    "x.wildc",
    "ent",
    "a.ent",
    "MiXeD",
    "mixed",
    "cnmixed",
    "under_score",
    "tobad",
    "tounder",
    "-dash",
    "ttldiff",
    "dup",
    "onlysub",
    "x.y",
    "l63" + "a" * 60,
    "long.l63" + "a" * 60,
    "tolong",
    "t63-" + "a" * 46,
    "t64-" + "a" * 47,
    "t65-" + "a" * 48,
    "cn63",
    "cn64",
    "cn65",
    "big4",
    "big6",
    "bigboth",
    "singlelabel",
    "intest.test",
    "intest",
    "nothere",
    "no.such.name.invalid",
    "infiles",
    "localhost",
    "a..b",
    "x" * 64 + ".example.test",
    ".".join(["abcdefghi"] * 26),
    "sp ace",
    "dot\\.inlabel",
]
ADDRESSES = [
    "192.0.2.1",
    "192.0.2.4",
    "192.0.2.10",
    "192.0.2.50",
    "192.0.2.51",
    "192.0.2.52",
    "192.0.2.53",
    "192.0.2.54",
    "192.0.2.55",
    "192.0.2.99",
    "198.51.100.1",
    "198.51.100.2",
    "198.51.100.3",
    "2001:db8::1",
    "2001:db8::6",
    "2001:db8::99",
    "::ffff:192.0.2.1",
    "10.0.0.1",
    "192.0.2.250",
]
GAI_FLAGS = [0, CANON, V4MAPPED, V4MAPPED | ALL, CANON | V4MAPPED, ADDRCONFIG, CANON | ADDRCONFIG]


def name_cases(names: list[str], *, full: bool = True) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The lookups by name: getaddrinfo across families and flags, gethostbyname(_ex)."""
    for name in names:
        yield "gethostbyname", (name,)
        yield "gethostbyname_ex", (name,)
        for family in (AF_UNSPEC, AF_INET, AF_INET6):
            flag_set = GAI_FLAGS if full else [0, CANON]
            for flags in flag_set:
                if flags & V4MAPPED and family != AF_INET6:
                    continue
                yield "getaddrinfo", (name, 80, family, socket.SOCK_STREAM, 0, flags)
        if full:
            yield "getaddrinfo", (name, None)
            yield "getfqdn", (name,)


def address_cases(addresses: list[str]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for address in addresses:
        yield "gethostbyaddr", (address,)
        yield "getfqdn", (address,)
        for flags in (0, socket.NI_NAMEREQD, socket.NI_NOFQDN, socket.NI_NUMERICSERV):
            yield "getnameinfo", ((address, 80), flags)


def _short(value: object) -> str:
    """A long argument or outcome cut in its middle, for the failure report."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) < 300 else text[:150] + f"...({len(text)} chars)..." + text[-100:]


def compare(box: Sandbox, cases: Iterator[tuple[str, tuple[Any, ...]]]) -> int:
    """Run every case; fail with all the differences at once.  Returns the number compared."""
    bad = []
    n = 0
    for func, args in cases:
        n += 1
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append(
                f"{func}{_short(args)}\n    glibc: {_short(glibc)}\n    netdb: {_short(ours)}"
            )
    assert not bad, f"[{box.scenario.name}] {len(bad)} of {n} differ:\n" + "\n".join(bad[:60])
    return n


def scenario(
    name: str,
    *,
    dns: str = "knot",
    resolv: str | None = RESOLV,
    nsswitch: str = NSSWITCH,
    hosts: str = HOSTS,
    network: str = "loopback",
    hostname: str = "sandbox",
    env: dict[str, str] | None = None,
) -> Scenario:
    files = {
        "hosts": hosts,
        "nsswitch.conf": nsswitch,
        "host.conf": "multi on\n",
        "services": "http\t\t80/tcp\nhttp\t\t80/udp\n",
    }
    if resolv is not None:
        files["resolv.conf"] = resolv
    return Scenario(name, files, network, hostname, env or {}, dns)


# --- the main scenarios: every name and address, every function ----------------------------

MAIN = {
    "knot": scenario("knot"),
    "unbound": scenario("unbound", dns="unbound"),
    "knot-veth": scenario("knot-veth", network="veth"),
}


@pytest.mark.parametrize("key", list(MAIN))
def test_names(sandboxes: Callable[[Scenario], Sandbox], key: str) -> None:
    box = sandboxes(MAIN[key])
    box.reset()
    compare(box, name_cases(NAMES, full=key != "knot-veth"))


@pytest.mark.parametrize("key", list(MAIN))
def test_addresses(sandboxes: Callable[[Scenario], Sandbox], key: str) -> None:
    box = sandboxes(MAIN[key])
    box.reset()
    compare(box, address_cases(ADDRESSES))


def test_cached_answers_stay_glibcs(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """The second time round netdb answers from its cache and memo: still glibc's answers."""
    box = sandboxes(MAIN["knot"])
    box.reset()
    cases = list(name_cases(NAMES[:30], full=False)) + list(address_cases(ADDRESSES[:8]))
    compare(box, iter(cases))
    compare(box, iter(cases))


# --- resolv.conf options, environment, nsswitch lines: fewer names each ----------------------

SOME = [
    "both",
    "v4only",
    "v6only",
    "c3a",
    "dup",
    "onlysub",
    "x.y",
    "singlelabel",
    "nothere",
    "nodata",
    "big4",
    "bigboth",
    "xzone",
    "both.example.test.",
    "intest",
]

VARIANTS: dict[str, Scenario] = {
    "ndots2": scenario("ndots2", resolv=RESOLV + "options ndots:2\n"),
    "ndots0": scenario("ndots0", resolv=RESOLV + "options ndots:0\n"),
    "no-search": scenario("no-search", resolv="nameserver 127.0.0.1\n"),
    "search-root": scenario("search-root", resolv="nameserver 127.0.0.1\nsearch . example.test\n"),
    "domain": scenario("domain", resolv="nameserver 127.0.0.1\ndomain sub.example.test\n"),
    "no-tld-query": scenario("no-tld-query", resolv=RESOLV + "options no-tld-query\n"),
    "edns0": scenario("edns0", resolv=RESOLV + "options edns0\n"),
    "use-vc": scenario("use-vc", resolv=RESOLV + "options use-vc\n"),
    "single-request": scenario("single-request", resolv=RESOLV + "options single-request\n"),
    "single-request-reopen": scenario(
        "single-request-reopen", resolv=RESOLV + "options single-request-reopen\n"
    ),
    "trust-ad": scenario("trust-ad", resolv=RESOLV + "options trust-ad\n"),
    "no-aaaa": scenario("no-aaaa", resolv=RESOLV + "options no-aaaa\n"),
    "rotate": scenario(
        "rotate",
        resolv="nameserver 127.0.0.1\nnameserver ::1\nsearch example.test\noptions rotate\n",
    ),
    "ipv6-server": scenario("ipv6-server", resolv="nameserver ::1\nsearch example.test\n"),
    "dead-first": scenario(
        "dead-first",
        resolv="nameserver 127.0.0.4\nnameserver 127.0.0.1\nsearch example.test\n",
    ),
    "all-dead": scenario(
        "all-dead", resolv="nameserver 127.0.0.4\nsearch example.test\noptions attempts:1\n"
    ),
    "no-resolv-conf": scenario("no-resolv-conf", resolv=None, hostname="box.example.test"),
    "localdomain": scenario("localdomain", env={"LOCALDOMAIN": "sub.example.test example.test"}),
    "res-options": scenario("res-options", env={"RES_OPTIONS": "ndots:3 no-aaaa"}),
    "sortlist": scenario(
        "sortlist", resolv=RESOLV + "sortlist 192.0.2.12 192.0.2.0/255.255.255.0\n"
    ),
    "nss-dns-only": scenario("nss-dns-only", nsswitch="hosts: dns\n"),
    "nss-dns-files": scenario("nss-dns-files", nsswitch="hosts: dns files\n"),
    "nss-notfound-return": scenario(
        "nss-notfound-return", nsswitch="hosts: dns [NOTFOUND=return] files\n"
    ),
    "nss-unavail-return": scenario(
        "nss-unavail-return", nsswitch="hosts: dns [!UNAVAIL=return] files\n"
    ),
    "nss-files-return": scenario(
        "nss-files-return", nsswitch="hosts: files [NOTFOUND=return] dns\n"
    ),
    "nss-none": scenario("nss-none", nsswitch=""),
}


@pytest.mark.parametrize("key", list(VARIANTS))
def test_options(sandboxes: Callable[[Scenario], Sandbox], key: str) -> None:
    box = sandboxes(VARIANTS[key])
    box.reset()
    compare(box, name_cases([*SOME, "infiles", "localhost"], full=False))
    compare(box, address_cases(["192.0.2.1", "2001:db8::6", "192.0.2.99", "192.0.2.250"]))
