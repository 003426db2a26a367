"""A seeded differential hunt over odd resolv.conf files, LOCALDOMAIN and RES_OPTIONS.

Each round writes a generated ``/etc/resolv.conf`` full of what real files hold and what glibc
2.36's ``res_init`` tolerates or refuses -- nameserver lines with junk after the address, scope
ids, inet_aton-only forms, more than three servers, dead servers (127.0.0.4: nothing listens, so
the kernel refuses at once) before live ones; ``domain`` and ``search`` lines in every order, with
many, long, dotted, rooted and empty domains; keywords without values, leading blanks, tabs, CRLF,
NUL bytes, bytes that are not UTF-8, comments whole-line and after values, very long lines;
``options`` lines with every option glibc 2.36 knows and values in and out of range, unknown and
glued words; ``sortlist`` lines -- and sometimes sets RES_OPTIONS and LOCALDOMAIN (which glibc
reads when it loads the file).  Then it looks up names whose answers say what was parsed: names
that exist only below one search domain (``dup``, ``onlysub``, ``target`` in ``other.test``), a
search domain that answers every name (``wild.example.test``) against names of one to three dots
for ``ndots``, AAAA-only names for ``no-aaaa``, single-label names for ``no-tld-query``, reverse
lookups; each through getaddrinfo, gethostbyname(_ex), gethostbyaddr, getnameinfo and getfqdn,
and compares netdb's whole outcome with glibc's in the same sandbox process.

glibc notices a rewritten resolv.conf (and then reads the environment again) on its next lookup;
netdb's sandbox resets its own caches.  Some configurations keep glibc's thread on the old
configuration for good (``no-reload``; an ``ndots`` that does not fit ``_res``'s four bits, which
makes ``_res`` stop matching its configuration): after such a round the hunt starts a fresh
sandbox, so every round is compared on the configuration it wrote.

The test runs a bounded number of rounds with a fixed seed.  For a longer hunt:
``python -m tests.test_differential_resolvfuzz --rounds N --seed S``.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from random import Random
from typing import Any

import pytest

from tests.sandbox import dnsservers
from tests.sandbox import hunt as hunt_cli
from tests.sandbox.harness import Sandbox, SandboxError, Scenario, unavailable_reason

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)

Call = tuple[str, tuple[Any, ...]]
# (resolv.conf text, environment, function, arguments, glibc's outcome, netdb's outcome)
Mismatch = tuple[str, dict[str, str], str, tuple[Any, ...], str, str]

# The host name gives the search list when the file has none: "other.test" (where "target" is).
HOSTNAME = "box.other.test"
FILES = {
    "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost\n192.0.2.250 infiles\n",
    "nsswitch.conf": "hosts: files dns\n",
    "host.conf": "multi on\n",
    "services": "http\t\t80/tcp\ndomain\t\t53/udp\n",
}

# --- pieces of resolv.conf ---------------------------------------------------------------------

# Nameserver words: live (Knot on 127.0.0.1 and ::1, in any spelling glibc might take), dead
# (127.0.0.4 in several spellings: refused at once) and refused by glibc's parser.
SERVER_LIVE = [
    "127.0.0.1",
    "::1",
    "127.1",
    "127.0.1",
    "0x7f.0.0.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "127.000.000.001",
    "0:0:0:0:0:0:0:1",
    "::0001",
    "::1%lo",
    "::1%1",
    "::1%0",
    "::1%",
    "::1%eth9",
    "::1%99",
    "::ffff:127.0.0.1",
    "::FFFF:7f00:1",
]
SERVER_DEAD = [
    "127.0.0.4",
    "127.4",
    "127.0.4",
    "0x7f000004",
    "2130706436",
    "::ffff:127.0.0.4",
    "127.0.0.04",
    # Unreachable at once in the sandbox: link-local with and without a scope, no route.
    "fe80::1%lo",
    "fe80::1%1",
    "fe80::1",
    "fe80::53%eth9",
    "ff02::1%lo",
    "2001:db8::53",
]
SERVER_BAD = [
    "localhost",
    "127.0.0.1.",
    "127.0.0.256",
    "1.2.3.4.5",
    "[::1]",
    "::1/128",
    "127.0.0.1:53",
    "127.0.0.1#53",
    "0x1ffffffff",
    "::1::",
    ":::1",
    "%lo",
    "127.0.0.1%lo",
    "caf\xe9",
    "\xff",
    "4294967297",
    "+127.0.0.1",
    "",
]
# What can follow a nameserver's address on its line (glibc ignores it after a space or tab).
AFTER_SERVER = [
    "",
    "",
    "",
    " ",
    "\t",
    " junk",
    "\tjunk words",
    " # comment",
    "# comment",
    ";comment",
    " ; 127.0.0.4",
    "\r",
    " \r",
    "\v",
    "\f",
    "\x00junk",
    " \x00",
    " 127.0.0.4",
    ",127.0.0.4",
    "\xe9",
]

DOMAINS = [
    "example.test",
    "example.test",
    "sub.example.test",
    "sub.example.test",
    "other.test",
    "wild.example.test",
    "wild.example.test",
    "test",
    "ent.example.test",
    ".",
    "..",
    "example.test.",
    ".example.test",
    "sub.example.test.",
    "EXAMPLE.TEST",
    "Sub.Example.Test",
    "nosuch.test",
    "nosuch.invalid",
    "a" * 63 + ".test",
    ".".join(["b" * 60] * 4),
    "c" * 250,
    "d" * 254,
    "e" * 300,
    "caf\xe9.test",
    "\xff\xfe",
    "x#y",
    "#",
    ";",
    "other.test#",
    "example.test,sub.example.test",
    "sub..example.test",
]
# Domains only the environment can hold (the file is written one byte per character).
ENV_DOMAINS = ["\xe9" * 40, "\xe9" * 20, "\udce9" * 40 + ".test", "\udce9" * 70, "caf\xe9.test"]
# Option words: every option glibc 2.36 knows (and some it does not), values in and out of
# range, glued and misspelt forms, later glibc's "-flag" and "strict-error".
NUMBERS = [
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "15",
    "16",
    "30",
    "31",
    "99",
    "-1",
    "-15",
    "",
    "x",
    "2x",
    "+2",
    " 2",
    "\t2",
    "0x3",
    "007",
    "2147483647",
    "2147483648",
    "4294967297",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1.5",
    ":",
]
FLAG_WORDS = [
    "rotate",
    "edns0",
    "single-request",
    "single-request-reopen",
    "no-tld-query",
    "no_tld_query",
    "use-vc",
    "trust-ad",
    "no-aaaa",
    "inet6",
    "ip6-bytestring",
    "ip6-dotint",
    "no-ip6-dotint",
    "debug",
    "insecure1",
    "insecure2",
    "strict-error",
    "-rotate",
    "-no-aaaa",
    "rotatex",
    "no-aaaaa",
    "no-tld-query-please",
    "edns",
    "single",
    "no-aaa",
    "NO-AAAA",
    "Rotate",
    "ndots",
    "ndots=2",
    "ndots :2",
    "NDOTS:2",
    "timeout",
    "attempts",
    "foo",
    "foo:bar",
    ",",
    "#",
    "#no-aaaa",
]
# Rare, and each one keeps glibc's thread on this configuration (the hunt then restarts).
FLAG_RARE = ["no-reload", "no-reload", "no-reloadx"]
SORTLIST_WORDS = [
    "192.0.2.0/255.255.255.0",
    "192.0.2.12",
    "192.0.2.11&255.255.255.255",
    "198.51.100.0",
    "10.0.0.0/8",
    "192.0.2.10/255.255.255.254",
    "2001:db8::/32",
    "2001:db8::",
    "192.0.2.13/junk",
    "192.0.2",
    "127.1",
    ";",
    "; 192.0.2.12",
]
KEYWORD_TYPOS = {
    "nameserver": ["Nameserver", "nameservers", "name server", "nameserver:", "NAMESERVER"],
    "search": ["Search", "searches", "search:", "SEARCH"],
    "domain": ["Domain", "domains", "domain:", "DOMAIN"],
    "options": ["Options", "option", "options:", "OPTIONS"],
    "sortlist": ["Sortlist", "sortlists"],
}
# What sits between a keyword and its value: only a space or a tab makes it a keyword.
KEY_SEPS = [" "] * 6 + ["\t"] * 3 + ["  ", " \t", "\t\t", "", "\v", "\f", "\r", "\x00", ":"]
WORD_SEPS = [" "] * 6 + ["\t"] * 2 + ["  ", " \t ", "\v", "\f", "\r", ",", "\x00"]
ENDS = ["\n"] * 12 + ["\r\n", "\r\n", " \n", "\t\n", " # end\n", "#\n", " ;x\n", "\x00x\n"]
COMMENTS = [
    "# nameserver 127.0.0.4",
    "; nameserver 127.0.0.4",
    "#search other.test",
    ";options no-aaaa",
    "#",
    ";",
    " # indented comment",
    "\t; indented",
    "",
    "",
    "\r",
    "   ",
    "garbage",
    "\x00search wild.example.test",
    "\x00",
    "caf\xe9 \xff\xfe",
    "nameserver",
    "search",
    "domain",
    "options",
    "sortlist",
]

# Names whose answers say which search domain, ndots or option was in force.
NAMES = [
    "both",
    "v4only",
    "v6only",
    "dup",
    "onlysub",
    "target",
    "x.y",
    "a.ent",
    "a",
    "singlelabel",
    "singlelabel.",
    "intest",
    "intest.test",
    "nothere",
    "both.example.test",
    "both.example.test.",
    "v6only.example.test",
    "target.other.test",
    "q.r.wild",
    "p.q.r.wild",
    "p.q.r.s",
    "multi",
    "c3a",
    "nodata",
    "big4",
    "wild",
    "Both",
    "infiles",
    "localhost",
]
ADDRESSES = ["192.0.2.1", "192.0.2.4", "192.0.2.10", "2001:db8::6", "192.0.2.99", "127.0.0.1"]
GAI_FLAGS = [0, 0, socket.AI_CANONNAME, socket.AI_ADDRCONFIG, socket.AI_V4MAPPED | socket.AI_ALL]
NI_FLAGS = [0, socket.NI_NAMEREQD, socket.NI_NOFQDN, socket.NI_NUMERICSERV]


class ResolvGen:
    """One random resolv.conf, LOCALDOMAIN and RES_OPTIONS."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng

    def keyword(self, word: str) -> str:
        r = self.rng
        lead = r.choice(["", "", "", "", "", "", "", "", " ", "\t"])
        if r.random() < 0.04:
            word = r.choice(KEYWORD_TYPOS[word])
        return lead + word + r.choice(KEY_SEPS)

    def server(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.45:
            a = r.choice(SERVER_LIVE[:2]) if r.random() < 0.5 else r.choice(SERVER_LIVE)
        elif k < 0.75:
            a = r.choice(SERVER_DEAD)
        else:
            a = r.choice(SERVER_BAD)
        return a + r.choice(AFTER_SERVER)

    def domain(self) -> str:
        r = self.rng
        if r.random() < 0.03:
            return ".".join(r.choice(["f", "g" * 30, "h" * 63]) for _ in range(r.randrange(2, 12)))
        return r.choice(DOMAINS)

    def domains(self) -> str:
        r = self.rng
        n = r.choice([0, 1, 1, 1, 2, 2, 3, 4, 6, 7, 9])
        out = ""
        for i in range(n):
            if i:
                out += r.choice(WORD_SEPS)
            out += self.domain()
        if r.random() < 0.15:
            out += r.choice([" ", "\t", " # comment", "#c", " ;c", "\r", " other.test"])
        return out

    def number(self) -> str:
        return self.rng.choice(NUMBERS)

    def option(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.25:
            return "ndots:" + self.number()
        if k < 0.35:
            return "timeout:" + self.number()
        if k < 0.45:
            return "attempts:" + self.number()
        if k < 0.47:
            return r.choice(FLAG_RARE)
        return r.choice(FLAG_WORDS[:9]) if r.random() < 0.6 else r.choice(FLAG_WORDS)

    def options(self) -> str:
        r = self.rng
        out = ""
        for i in range(r.choice([0, 1, 1, 2, 2, 3, 4, 6])):
            if i:
                out += r.choice(WORD_SEPS)
            out += self.option()
        if r.random() < 0.1:
            out = r.choice([" ", "\t", "  "]) + out
        if r.random() < 0.1:
            out += r.choice([" ", "\t", " # comment", "#", "\r"])
        return out

    def line(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.3:
            return self.keyword("nameserver") + self.server()
        if k < 0.45:
            return self.keyword("search") + self.domains()
        if k < 0.55:
            return self.keyword("domain") + self.domains()
        if k < 0.75:
            return self.keyword("options") + self.options()
        if k < 0.8:
            words = [r.choice(SORTLIST_WORDS) for _ in range(r.randrange(0, 4))]
            return self.keyword("sortlist") + r.choice(WORD_SEPS).join(words)
        if k < 0.81:
            return self.keyword("search") + " ".join(self.domain() for _ in range(300))
        if k < 0.82:
            return self.keyword("options") + " ".join(self.option() for _ in range(400))
        return r.choice(COMMENTS)

    def file(self) -> str:
        r = self.rng
        k = r.random()
        if k < 0.02:
            return ""
        lines = [self.line() for _ in range(r.randrange(1, 10))]
        if r.random() < 0.5:
            # Most files name a server: a live one, or a dead one first, up to five.
            servers = [self.keyword("nameserver") + self.server() for _ in range(r.randrange(5))]
            at = r.randrange(len(lines) + 1)
            lines[at:at] = servers
        if r.random() < 0.15:
            i = r.randrange(len(lines))
            lines.insert(i, lines[i])
        text = "".join(line + r.choice(ENDS) for line in lines)
        if r.random() < 0.2:
            text = text.rstrip("\n")
        # glibc 2.36 spins forever on some sortlist lines: those are left out (netdb's parser
        # ends them; tests/config/test_resolv.py checks that).
        return "".join(line for line in text.splitlines(keepends=True) if not glibc_spins_on(line))

    def env(self) -> dict[str, str]:
        r = self.rng
        env: dict[str, str] = {}
        if r.random() < 0.2:
            env["LOCALDOMAIN"] = r.choice(
                [
                    self.domains(),
                    self.domains(),
                    "",
                    " ",
                    " other.test",
                    "other.test\nwild.example.test",
                    "sub.example.test\texample.test",
                    # Non-ASCII: C sees the bytes Python encodes (UTF-8, surrogateescape), so
                    # "\xe9" * 40 is an 80-byte label there and "\udce9" * 40 a 40-byte one.
                    r.choice(ENV_DOMAINS) + r.choice(WORD_SEPS) + self.domains(),
                ]
            )
        if r.random() < 0.25:
            env["RES_OPTIONS"] = r.choice([self.options(), self.options(), "", " ", "\t"])
        # os.environ cannot hold a NUL; the C environment would end the value there anyway.
        return {k: v.partition("\x00")[0] for k, v in env.items()}


def calls(rng: Random) -> Iterator[Call]:
    """The lookups of one round: a sample of names and addresses through every function."""
    for name in rng.sample(NAMES, 9):
        k = rng.random()
        if k < 0.4:
            fam = rng.choice([socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6])
            flags = rng.choice(GAI_FLAGS)
            if flags & socket.AI_V4MAPPED:
                fam = socket.AF_INET6
            yield "getaddrinfo", (name, 80, fam, socket.SOCK_STREAM, 0, flags)
        elif k < 0.6:
            yield "gethostbyname", (name,)
        elif k < 0.8:
            yield "gethostbyname_ex", (name,)
        elif k < 0.9:
            yield "getfqdn", (name,)
        else:
            yield "getaddrinfo", (name, None)
    for address in rng.sample(ADDRESSES, 2):
        if rng.random() < 0.5:
            yield "gethostbyaddr", (address,)
        else:
            yield "getnameinfo", ((address, 80), rng.choice(NI_FLAGS))


def glibc_spins_on(line: str) -> bool:
    """Whether glibc 2.36's sortlist loop never ends on this line: where a network should
    start it finds a character that neither ends the list nor can start a network ("/", "&",
    C whitespace other than a blank, a byte above 0x7f)."""
    if not line.startswith(("sortlist ", "sortlist\t")):
        return False
    text = line.partition("\n")[0].partition("\x00")[0]
    i, n = 8, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] == ";":
            return False
        start = i
        while i < n and text[i] not in "/&;" and text[i].isascii() and not text[i].isspace():
            i += 1
        if i == start:
            return True
        net_ok = _aton_exact(text[start:i])
        if net_ok and i < n and text[i] in "/&":
            i += 1
            while i < n and text[i] != ";" and text[i].isascii() and not text[i].isspace():
                i += 1


def _aton_exact(text: str) -> bool:
    """Whether glibc's inet_aton takes all of ``text`` (Python's inet_aton is glibc's)."""
    if not text or not text.isascii() or text != text.strip() or not text[0].isalnum():
        return False
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


# --- when glibc's thread stays on a configuration ----------------------------------------------

_NDOTS = re.compile(r"ndots:([\s]*)([-+]?)(\d*)")


def keeps_glibc(text: str, env: dict[str, str]) -> bool:
    """Whether this configuration may keep glibc's thread on it for good (so the next round
    needs a fresh process): ``no-reload`` set, or an ``ndots`` value that C's ``atoi`` makes
    negative, which ``_res``'s four-bit field cannot hold (glibc then finds ``_res`` changed by
    the application and never reloads).  Judged generously: a false alarm costs a restart."""
    words = text + "\n" + env.get("RES_OPTIONS", "")
    if "no-reload" in words:
        return True
    for m in _NDOTS.finditer(words):
        sign, digits = m.group(2), m.group(3)
        if sign == "-" and digits.strip("0"):
            return True
        if len(digits.lstrip("0")) > 9:
            return True
    return False


def _set_env(box: Sandbox, env: dict[str, str]) -> None:
    """Set (or unset) LOCALDOMAIN and RES_OPTIONS in the worker's process environment."""
    for key in ("LOCALDOMAIN", "RES_OPTIONS"):
        if key in env:
            expr = f"__import__('os').environ.__setitem__({key!r}, {env[key]!r})"
        else:
            expr = f"__import__('os').environ.pop({key!r}, None)"
        box.inspect(expr)


def scenario(name: str = "resolvfuzz") -> Scenario:
    files = dict(FILES, **{"resolv.conf": "nameserver 127.0.0.1\n"})
    return Scenario(name, files, hostname=HOSTNAME, dns="knot")


ROUND_LIMIT = 60.0  # seconds a round may take before its worker is killed
# glibc 2.36 aborts the process when the search list's first entry does not fit in _res.defdname
# (256 bytes with its NUL), or a later one does not while the entries before it take 56 bytes
# or less ("search a " + "d" * 254 aborts, "search " + "a" * 60 + " " + "d" * 254 does not):
# update_from_conf's assertion that _res matches the configuration fails (resolv_conf_matches
# compares the bytes used with sizeof (_res.dnsrch), the pointer array, not with the name
# buffer).  Such a round has no glibc outcome to compare with.
GLIBC_ABORT = "update_from_conf: Assertion `resolv_conf_matches (resp, conf)' failed"


def _probe_rotation(box: Sandbox, servers: str) -> tuple[str, str]:
    box.write("resolv.conf", servers + "options use-vc rotate\n")
    box.reset()
    return box.outcomes("gethostbyname", "x.")


def sync_rotation(box: Sandbox) -> None:
    """Put netdb's rotation counter in step with glibc's, modulo 6 (2 and 3 servers).

    Both start rotate at a random server once per process (see test_rotation_survives_reloads),
    so a round whose outcome depends on the server asked last (dead servers that fail
    differently, over TCP) would disagree by chance.  Probes with such servers show where each
    counter stands: two servers tell its parity, three consecutive probes of three servers (one
    of them failing differently) its value modulo 3.  Each probe moves both counters by one;
    netdb's is moved one more until all the probes agree."""
    two = "nameserver 127.0.0.4\nnameserver fe80::1\n"
    three = two + "nameserver fe80::1\n"
    for _ in range(6):
        probes = [_probe_rotation(box, two)] + [_probe_rotation(box, three) for _ in range(3)]
        if all(g == o for g, o in probes):
            return
        box.inspect(
            "setattr(netdb._default._state, 'rotate_offset', "
            "netdb._default._state.rotate_offset + 1)"
        )
    raise AssertionError(f"rotation counters never agreed: {probes}")


class Hunt:
    """Rounds over one sandbox, replaced when a round leaves glibc's thread stuck."""

    def __init__(self, box: Sandbox | None = None) -> None:
        self.own: list[Sandbox] = []
        if box is not None:
            sync_rotation(box)
        self.box = box if box is not None else self._start()
        self.stuck = False
        self.aborts: list[str] = []

    def _start(self) -> Sandbox:
        box = Sandbox(scenario())
        self.own.append(box)
        sync_rotation(box)
        return box

    def close(self) -> None:
        for box in self.own:
            box.close()
        self.own.clear()

    def round(self, rng: Random, bad: list[Mismatch]) -> int:
        gen = ResolvGen(rng)
        text = gen.file()
        env = gen.env()
        if self.stuck:
            if self.box in self.own:
                self.box.close()
                self.own.remove(self.box)
            self.box = self._start()
        box = self.box
        _set_env(box, env)
        box.write("resolv.conf", text)
        box.reset()
        self.stuck = keeps_glibc(text, env)
        n = 0
        # A round that hangs (a glibc loop the generator did not foresee) ends the worker.
        watchdog = threading.Timer(ROUND_LIMIT, box.proc.kill)
        watchdog.start()
        try:
            for func, args in calls(rng):
                n += 1
                try:
                    glibc, ours = box.outcomes(func, *args)
                except SandboxError as exc:
                    self.stuck = True
                    if GLIBC_ABORT in str(exc):
                        # No glibc outcome to compare: the round is counted, not judged.
                        self.aborts.append(text)
                        return n - 1
                    bad.append((text, env, func, args, "worker died", str(exc)[-300:]))
                    return n
                if glibc != ours:
                    bad.append((text, env, func, args, glibc, ours))
                elif func.startswith("gethostby") and rng.random() < 0.5:
                    # What the lookup left in h_errno (glibc's global, netdb's copy of it).
                    n += 1
                    glibc, ours = box.outcomes("h_errno")
                    if glibc != ours:
                        bad.append((text, env, "h_errno after " + func, args, glibc, ours))
        finally:
            watchdog.cancel()
        return n


def hunt(rounds: int, seed: int, box: Sandbox | None = None) -> tuple[int, list[Mismatch], int]:
    """``rounds`` generated configurations: (cases compared, mismatches, rounds where glibc
    aborted)."""
    rng = Random(f"resolv-{seed}")
    bad: list[Mismatch] = []
    cases = 0
    h = Hunt(box)
    try:
        for _ in range(rounds):
            cases += h.round(rng, bad)
    finally:
        h.close()
    return cases, bad, len(h.aborts)


def _report(bad: list[Mismatch], limit: int = 12) -> str:
    out = []
    for text, env, func, args, glibc, ours in bad[:limit]:
        out.append(
            f"resolv.conf {text[:700]!r} env {env!r}\n  {func}{args!r}\n"
            f"    glibc: {glibc}\n    netdb: {ours}"
        )
    return f"{len(bad)} disagree:\n" + "\n".join(out)


# --- regression table: what the hunt found -----------------------------------------------------

# (resolv.conf, environment): each looked up with the names below, every outcome and the
# h_errno after each compared.
REGRESSIONS: list[tuple[str, dict[str, str]]] = [
    # An unencodable search name ("x.y.." , "both.sub..example.test") after a refused or
    # unasked as-is query: res_mkquery leaves errno EMSGSIZE, so the dns module says NOTFOUND.
    ("nameserver 127.0.0.4\nsearch .. example.test\n", {}),
    ("nameserver 127.0.0.4\nsearch nosuch.test sub..example.test example.test\n", {}),
    ("nameserver 127.0.0.1\nsearch .. example.test\noptions attempts:0\n", {}),
    ("nameserver 127.0.0.1\nsearch example.test\noptions attempts:x ndots:3\n", {}),
    ("nameserver 127.0.0.1\nsearch " + "d" * 250 + " example.test\noptions timeout:-1\n", {}),
    # Non-ASCII in the environment: glibc reads the bytes (UTF-8, or surrogate-escaped bytes).
    ("nameserver 127.0.0.1\n", {"LOCALDOMAIN": "\xe9" * 40 + " example.test"}),
    ("nameserver 127.0.0.1\n", {"LOCALDOMAIN": "\udce9" * 40 + " example.test"}),
    ("nameserver 127.0.0.1\n", {"LOCALDOMAIN": "\udce9" * 70 + "\tsub.example.test"}),
    ("search example.test\n", {"RES_OPTIONS": "ndots:2\xa0no-aaaa attempts:1 \xe9 no-aaaa"}),
]
REGRESSION_NAMES = ["both", "x.y", "dup", "v6only", "both.example.test", "p.q.r.wild", "target"]


def regression_calls() -> Iterator[Call]:
    for name in REGRESSION_NAMES:
        yield "gethostbyname", (name,)
        yield "h_errno", ()
        yield "gethostbyname_ex", (name,)
        yield "getaddrinfo", (name, 80, socket.AF_INET, socket.SOCK_STREAM, 0, 0)
        yield "getaddrinfo", (name, None)


@pytest.mark.parametrize(("text", "env"), REGRESSIONS)
def test_regressions(
    sandboxes: Callable[[Scenario], Sandbox], text: str, env: dict[str, str]
) -> None:
    box = sandboxes(scenario("resolvfuzz-regressions"))
    _set_env(box, env)
    box.write("resolv.conf", text)
    box.reset()
    bad = []
    for func, args in regression_calls():
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append(f"{func}{args!r}\n    glibc: {glibc}\n    netdb: {ours}")
    _set_env(box, {})
    assert not bad, f"resolv.conf {text!r} env {env!r}:\n" + "\n".join(bad)


# glibc's rotate starts at a random server once per process (res_send.c's nameserver_offset keeps
# its counter in a static) and moves on by one per res_send whatever resolv.conf does meanwhile;
# netdb drew a new start whenever the configuration changed.  Two dead servers that fail
# differently over TCP (127.0.0.4 refuses the connection; fe80::1 has no scope, so connect fails
# at once with another error) make the last server asked visible in the outcome.  The start is
# random in both, so what is compared is whether each outcome differs from the one before.
ROTATE_SERVERS = "nameserver 127.0.0.4\nnameserver fe80::1\noptions use-vc rotate\n"


def test_rotation_survives_reloads(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(scenario("resolvfuzz-regressions"))
    seen: list[tuple[str, str]] = []
    for i in range(12):
        # A configuration that really differs each time (netdb compares the parsed one), read
        # at once (netdb looks at the file at most once a second unless reset).
        box.write("resolv.conf", ROTATE_SERVERS + f"options attempts:{i % 2 + 1}\n")
        box.reset()
        seen.append(box.outcomes("gethostbyname", "x."))
    glibc = [g for g, _ in seen]
    ours = [o for _, o in seen]
    assert len(set(glibc)) == 2, glibc  # the servers do fail differently
    moved = [(glibc[i] != glibc[i - 1], ours[i] != ours[i - 1]) for i in range(1, len(seen))]
    assert all(g == o for g, o in moved), "\n".join(f"{g}  |  {o}" for g, o in seen)


# --- the bounded test --------------------------------------------------------------------------

TEST_ROUNDS = 350


def test_resolvfuzz() -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"differential sandbox unavailable: {reason}")
    # The hunt starts its own sandboxes: it replaces one that a round leaves stuck.
    cases, bad, aborts = hunt(TEST_ROUNDS, 1)
    assert cases > 5 * TEST_ROUNDS
    assert aborts < TEST_ROUNDS // 10
    assert not bad, _report(bad)


def main(argv: list[str] | None = None) -> int:
    opts = hunt_cli.parser(__doc__, 500).parse_args(argv)
    reason = unavailable_reason() or dnsservers.available()
    if reason:
        print(reason)
        return 2
    started = time.monotonic()
    cases, bad, aborts = hunt(opts.rounds, opts.seed)
    spent = time.monotonic() - started
    print(
        f"== resolv.conf: {opts.rounds} files, {cases} cases, {len(bad)} mismatches, "
        f"{aborts} rounds where glibc aborted ({spent:.1f} s, seed {opts.seed})"
    )
    rows = [[t, e, fn, repr(a), g, o] for t, e, fn, a, g, o in bad]
    return hunt_cli.conclude(opts, bad, rows, _report)


if __name__ == "__main__":
    sys.exit(main())
