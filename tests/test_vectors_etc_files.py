"""etc_files_vectors.json: /etc file semantics from Go, glibc and c-ares tests, services, protocols.

The file (read from ../shared/vectors at run time; skipped where that folder is absent) holds Go's
hosts testdata with by-name, by-addr and canonical-name expectations, glibc's files-backend test
scenarios, c-ares hosts cases, nsswitch.conf parse cases and service/protocol lookups with the
answers CPython 3.13 over glibc 2.36 gave on Debian 12 (``cpython*``).

glibc is the oracle.  Two modes:

* **in-process**: netdb over a temporary /etc holding the row's file, checked against the row's
  expectation only where that expectation is glibc's own (glibc's tests, the recorded
  ``cpython`` answers) or where the vector file says glibc agrees (Go's rows outside the
  differences its ``rules`` list); each exclusion is a rule in :data:`RULES` (a predicate and why).
* **live glibc, sandbox**: every file of every block written to the sandbox's /etc, and every
  row's lookups (each by-name row as given, with a trailing dot, lower- and upper-cased) run
  through ``socket.F`` and ``netdb.F`` in the same process: whole outcomes compared, whatever
  Go or c-ares expect.
"""

from __future__ import annotations

import ast
import socket
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import netdb
from tests.conftest import load_vectors
from tests.sandbox.harness import Sandbox, Scenario

VECTORS = "etc_files_vectors.json"
FILES_ONLY = "hosts: files\n"
MULTI_ON = "multi on\n"


def vectors() -> Any:
    return load_vectors(VECTORS)


def outcome(func: Callable[..., Any], *args: Any) -> str:
    """The sandbox worker's form of an outcome: ``ok`` + repr, or the exception's class and args."""
    try:
        return "ok " + repr(func(*args))
    except Exception as exc:  # the outcome is the exception: its class and args
        return f"raise {type(exc).__module__}.{type(exc).__qualname__} {exc.args!r}"


def resolver(files: dict[str, str]) -> netdb.Resolver:
    """A resolver over a temporary /etc holding exactly ``files``, whose hosts line must not
    name ``dns``: in-process lookups never leave the files (DNS is the sandbox's business)."""
    root = Path(tempfile.mkdtemp(prefix="netdb-etc-vectors-"))
    for name, text in files.items():
        (root / name).write_text(text, encoding="latin-1")
    res = netdb.Resolver(files=netdb.SystemFiles.under(str(root)), check_interval=0)
    sources = [getattr(s, "name", "") for s in res.hosts_db().sources]
    assert "dns" not in sources, f"an in-process resolver would query DNS: hosts: {sources}"
    return res


def terminated(files: dict[str, str]) -> dict[str, str]:
    """glibc's tests configure NSS in code; the vector file writes their nsswitch.conf without
    a final newline, and glibc 2.36 never reads a last line without one: the in-process mode
    terminates it (the sandbox also runs the file as written)."""
    return {
        k: v if k != "nsswitch.conf" or v.endswith("\n") else v + "\n" for k, v in files.items()
    }


def variants(name: str) -> list[str]:
    """The spellings each by-name row is checked with (the README's rule)."""
    return list(dict.fromkeys([name, name + ".", name.lower(), name.upper()]))


def fields(text: str) -> Iterator[list[str]]:
    """The fields of each hosts line, comments cut (read independently of netdb's parser)."""
    for line in text.splitlines():
        f = line.split("#", 1)[0].split()
        if f:
            yield f


def host_names(text: str) -> list[str]:
    return list(dict.fromkeys(n for f in fields(text) for n in f[1:]))


def host_addrs(text: str) -> list[str]:
    return list(dict.fromkeys(f[0] for f in fields(text)))


# --- rules: which rows state glibc's behaviour ---------------------------------------------------


def _zone(addrs: Sequence[str]) -> bool:
    # Go accepts "fe80::1%lo0" in a hosts file; glibc's files module reads the address with
    # inet_pton, which has no zone, and ignores the line (the vector file's rules say so).
    return any("%" in a for a in addrs)


def _leading_zero(text: str) -> bool:
    # Go reads "127.000.000.002" as decimal and the vector file's rules say glibc reads it as
    # inet_aton would (octal); glibc 2.36's files module reads IPv4 with inet_pton, which refuses
    # leading zeros, and ignores the line (measured in the sandbox).  Go's rows over such a
    # file state Go's answer.
    for f in fields(text):
        parts = f[0].split(".")
        if len(parts) == 4 and any(len(p) > 1 and p[0] == "0" for p in parts):
            return True
    return False


def _loopback6(text: str, name: str) -> bool:
    # glibc's files module answers an AF_INET lookup from a "::1" line too, as 127.0.0.1
    # (files-hosts.c maps the IPv6 loopback); Go lists ::1 under IPv6 only.
    return any(f[0] == "::1" and name.lower() in (n.lower() for n in f[1:]) for f in fields(text))


def _several_ipv6(addrs: Sequence[str]) -> bool:
    # glibc's getaddrinfo sorts several addresses (RFC 3484, with the source address the kernel's
    # routes give each one): file order holds only where the routes say so.  gethostbyname_ex
    # (IPv4, file order) has no IPv6 counterpart in socket, so several IPv6 addresses are the
    # sandbox's to check.
    return sum(":" in a for a in addrs) > 1


EXCLUDED: dict[str, int] = {}


def _exclude(rule: str) -> None:
    EXCLUDED[rule] = EXCLUDED.get(rule, 0) + 1


def _check(bad: list[str], what: str, got: str, want: str) -> None:
    if got != want:
        bad.append(f"{what}\n    want:  {want}\n    netdb: {got}")


def _ok(value: object) -> str:
    return "ok " + repr(value)


def _gai_error(code: int) -> str:
    return f"raise socket.gaierror {(code, socket.gai_strerror(code))!r}"


def call(func: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    """``("ok", value)`` or ``("raise", exception class, args)``."""
    try:
        return ("ok", func(*args))
    except Exception as exc:  # the outcome is the exception: its class and args
        return ("raise", type(exc), exc.args)


def project(got: tuple[Any, ...], part: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The part of a successful outcome a row states (a failure stays whole)."""
    return ("ok", part(got[1])) if got[0] == "ok" else got


def addresses(rows: list[tuple[Any, ...]]) -> list[str]:
    return list(dict.fromkeys(r[4][0] for r in rows))


class Table:
    """Rows checked in-process: every disagreement reported at once, exclusions counted."""

    def __init__(self) -> None:
        self.bad: list[str] = []
        self.checked = 0
        self.excluded: dict[str, int] = {}

    def exclude(self, rule: str) -> None:
        self.excluded[rule] = self.excluded.get(rule, 0) + 1

    def check(self, what: str, got: tuple[Any, ...], want: tuple[Any, ...]) -> None:
        self.checked += 1
        if got != want:
            self.bad.append(f"{what}\n    want:  {want}\n    netdb: {got}")

    def verdict(self, name: str) -> None:
        assert self.checked or self.excluded, f"[{name}] no row at all"
        assert not self.bad, (
            f"[{name}] {len(self.bad)}/{self.checked} disagree (excluded: {self.excluded}):\n"
            + "\n".join(self.bad[:25])
        )


TRAILING_DOT = "trailing dot: Go's rule (glibc's files module matches names as written)"
ZONE = "zone-suffixed address: Go reads the line, glibc's files module ignores it"
SEVERAL_V6 = "several IPv6 addresses: getaddrinfo sorts them by the kernel's routes"


# --- Go hosts testdata, in-process ---------------------------------------------------------------

GO_FILES = [
    "testdata/hosts",
    "testdata/singleline-hosts",
    "testdata/ipv4-hosts",
    "testdata/ipv6-hosts",
    "testdata/case-hosts",
    "testdata/aliases",
]


@pytest.mark.parametrize("path", GO_FILES)
def test_go_hosts_in_process(path: str) -> None:
    """Go's expectations where glibc shares them: by name (IPv4 through gethostbyname_ex, which
    keeps file order under ``multi on``; one IPv6 address through getaddrinfo), by address
    (gethostbyaddr: the first matching line, its first name and aliases), canonical names."""
    go = vectors()["go_hosts"]
    text = go["files"][path]
    res = resolver({"hosts": text, "host.conf": MULTI_ON, "nsswitch.conf": FILES_ONLY})
    t = Table()
    by_name = go["lookup_by_name"].get(path, [])
    by_addr = go["lookup_by_addr"].get(path, [])
    canonical = go["canonical_name_via_aliases_file"] if path == "testdata/aliases" else []
    if _leading_zero(text):
        for _ in [*by_name, *by_addr, *canonical]:
            t.exclude("leading-zero IPv4 lines: glibc ignores them (inet_pton), Go reads decimal")
        by_name, by_addr, canonical = [], [], []
    for row in by_name:
        if _zone(row["addrs"]):
            t.exclude(ZONE)
            continue
        v4 = [a for a in row["addrs"] if ":" not in a]
        v6 = [a for a in row["addrs"] if ":" in a]
        for name in variants(row["name"]):
            if name.endswith("."):
                t.exclude(TRAILING_DOT)
                continue
            if v4 and _loopback6(text, name):
                t.exclude("a ::1 line: glibc answers AF_INET with 127.0.0.1 from it, Go does not")
            elif v4:
                got = project(call(res.gethostbyname_ex, name), lambda v: v[2])
                t.check(f"gethostbyname_ex({name!r})[2]", got, ("ok", v4))
            if len(v6) == 1:
                got = call(res.getaddrinfo, name, None, socket.AF_INET6, socket.SOCK_STREAM)
                t.check(f"getaddrinfo({name!r}, AF_INET6)", project(got, addresses), ("ok", v6))
            elif v6:
                t.exclude(SEVERAL_V6)
    for row in by_addr:
        if _zone([row["addr"]]):
            t.exclude(ZONE)
            continue
        names = row["names"]
        want = ("ok", (names[0], names[1:], [row["addr"]]))
        t.check(f"gethostbyaddr({row['addr']!r})", call(res.gethostbyaddr, row["addr"]), want)
    for row in canonical:
        for name in variants(row["lookup"]):
            if name.endswith("."):
                t.exclude(TRAILING_DOT)
                continue
            want = ("ok", row["canonical"])
            got = call(res.gethostbyname_ex, name)
            t.check(f"gethostbyname_ex({name!r})[0]", project(got, lambda v: v[0]), want)
            got = call(res.getaddrinfo, name, None, socket.AF_INET, 0, 0, socket.AI_CANONNAME)
            t.check(f"getaddrinfo({name!r}, AI_CANONNAME)", project(got, lambda v: v[0][3]), want)
    t.verdict(path)


# --- glibc's files-backend scenarios, in-process (their expectations are glibc's) ----------------


def _expression(text: str) -> Any:
    """A Python literal written with socket's constant names (``AF_INET``, ``SOCK_STREAM``)."""

    def value(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id.isupper():
            return getattr(socket, node.id)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [value(e) for e in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        raise ValueError(f"not a literal: {ast.dump(node)}")

    return value(ast.parse(text.strip(), mode="eval").body)


def _const(name: Any) -> int:
    return 0 if name == 0 else int(getattr(socket, name))


def _flags(names: Sequence[str]) -> int:
    value = 0
    for name in names:
        value |= getattr(socket, name)
    return value


def _etc(files: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("/etc/"): v for k, v in files.items()}


def multi_hosts(count: int) -> str:
    """tst-nss-files-hosts-multi's hosts file for ``count`` (its ``generator``)."""
    lines = ["127.0.0.1 localhost localhost.localdomain", "::1 localhost localhost.localdomain"]
    for i in range(count):
        lines += [
            f"10.4.{i // 256}.{i % 256} www4.example.com",
            f"10.46.{i // 256}.{i % 256} www.example.com",
            f"192.0.2.1 alias.example.com v4-{i}.example.com",
            f"2001:db8::6:{i:x} www6.example.com",
            f"2001:db8::46:{i:x} www.example.com",
            f"2001:db8::1 alias.example.com v6-{i}.example.com",
        ]
    return "\n".join(lines) + "\n"


def _file_addrs(text: str, name: str, v6: bool) -> list[str]:
    return [f[0] for f in fields(text) if name in f[1:] and (":" in f[0]) == v6]


# The counts tst-nss-files-hosts-multi runs (its generator: 1..111, 1111, 22222).
MULTI_COUNTS = [*range(1, 112), 1111, 22222]
# CPython's gethostbyname_ex passes a fixed 16 KiB buffer where glibc's test grows its own: the
# hostent of the larger counts (1111 aliases and more) does not fit, and the outcome is not the
# test's; the sandbox compares those with live glibc.
HOSTENT_FITS = 111


def test_glibc_files_backend_in_process() -> None:
    gb = vectors()["glibc_files_backend"]
    t = Table()

    ga2 = gb["bug-ga2"]
    res = resolver(terminated(_etc(ga2["files"])))
    host, port, fam, st, proto, fl = ga2["call"]
    want = _expression(ga2["expect"].split("->", 1)[1])
    got = call(res.getaddrinfo, host, port, _const(fam), _const(st), proto, fl)
    t.check(f"bug-ga2 getaddrinfo{tuple(ga2['call'])}", got, ("ok", want))

    # tst-nss-files-hosts-v4mapped came with the fix of glibc bug 25457 (glibc 2.38): glibc 2.36
    # does not find a v4-mapped address in the files database, so its expectation is not 2.36's.
    # The sandbox compares netdb with glibc 2.36 on the same files.
    t.exclude("tst-nss-files-hosts-v4mapped: a glibc 2.38 fix, not glibc 2.36's behaviour")

    long = gb["tst-nss-files-hosts-long"]
    text = "\n".join(long["hosts_lines"]) + "\n"
    res = resolver(
        {"hosts": text, "host.conf": long["host_conf"] + "\n", "nsswitch.conf": FILES_ONLY}
    )
    for name, fam, v6 in (("test4", socket.AF_INET, False), ("test6", socket.AF_INET6, True)):
        got = project(call(res.getaddrinfo, name, None, fam), addresses)
        t.check(f"hosts-long getaddrinfo({name!r})", got, ("ok", _file_addrs(text, name, v6)))

    eai_noname = ("raise", socket.gaierror, (socket.EAI_NONAME, "Name or service not known"))
    for count in MULTI_COUNTS:
        text = multi_hosts(count)
        res = resolver({"hosts": text, "host.conf": MULTI_ON, "nsswitch.conf": FILES_ONLY})
        tcp = (socket.SOCK_STREAM, socket.IPPROTO_TCP)
        for name in ("www.example.com", "www4.example.com", "alias.example.com"):
            v4 = _file_addrs(text, name, False)
            if count > HOSTENT_FITS:
                t.exclude("hostent larger than CPython's fixed gethostbyname_ex buffer")
            else:
                got = call(res.gethostbyname_ex, name)
                aliases = [
                    n for f in fields(text) if ":" not in f[0] and name in f[1:] for n in f[2:]
                ]
                t.check(
                    f"multi {count} gethostbyname_ex({name!r})", got, ("ok", (name, aliases, v4))
                )
            for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
                # The set of addresses and the first row's canonname (the order is the kernel
                # routes' business: RFC 3484 sorting, checked against live glibc in the sandbox).
                got = call(res.getaddrinfo, name, "80", fam, *tcp, socket.AI_CANONNAME)
                v6 = _file_addrs(text, name, True)
                want_addrs = {socket.AF_UNSPEC: v4 + v6, socket.AF_INET: v4, socket.AF_INET6: v6}[
                    fam
                ]
                if not want_addrs:
                    continue
                t.check(
                    f"multi {count} getaddrinfo({name!r}, {fam!r}, AI_CANONNAME)",
                    project(got, lambda v: (v[0][3], sorted(r[4][0] for r in v))),
                    ("ok", (name, sorted(want_addrs))),
                )
        got = call(res.getaddrinfo, "www6.example.com", "80", socket.AF_INET, *tcp)
        t.check(f"multi {count} getaddrinfo('www6.example.com', AF_INET)", got, eai_noname)

    actions = gb["tst-nss-gai-actions"]
    hosts = "".join(f"192.0.0.{k}\texample.org\n" for k in range(1, 251))
    for line in actions["nsswitch"]:
        res = resolver({"hosts": hosts, "nsswitch.conf": line + "\n"})
        got = call(res.getaddrinfo, "example.org", "80")
        if "merge" in line:  # "merge is not supported for hosts -> getaddrinfo fails"
            t.check(f"[{line}] getaddrinfo fails", (got[0],), ("raise",))
        else:  # the STREAM/TCP, DGRAM/UDP, RAW/IP triple for 192.0.0.1 exactly once
            t.check(
                f"[{line}] getaddrinfo: 192.0.0.1's triple",
                project(got, lambda v: [(r[1], r[2]) for r in v if r[4][0] == "192.0.0.1"]),
                ("ok", [(socket.SOCK_STREAM, 6), (socket.SOCK_DGRAM, 17), (socket.SOCK_RAW, 0)]),
            )
    t.verdict("glibc files backend")


# --- services and protocols: the recorded oracle against the bundled registry --------------------


def test_services_protocols_recorded_oracle_bundled_registry() -> None:
    """Without /etc/services and /etc/protocols netdb answers from its bundled registry, which
    must give what glibc gave over Debian's files for these well-known entries."""
    data = vectors()
    res = resolver({"nsswitch.conf": FILES_ONLY})
    t = Table()

    def want(o: dict[str, Any]) -> tuple[Any, ...]:
        if o["ok"]:
            return ("ok", o["result"])
        cls = (
            getattr(socket, o["error"], None)
            or {"OSError": OSError, "OverflowError": OverflowError}[o["error"]]
        )
        return ("raise", cls, (o["msg"],))

    for row in data["services"]:
        got = call(res.getservbyname, row["name"], row["proto"])
        t.check(
            f"getservbyname({row['name']!r}, {row['proto']!r})",
            got,
            want(row["cpython_getservbyname"]),
        )
    for proto, o in data["cpython_getprotobyname_oracle"].items():
        t.check(f"getprotobyname({proto!r})", call(res.getprotobyname, proto), want(o))
    for key, o in data["cpython_getservby"]["cpython"].items():
        t.check(f"getservby {key}", call(*_servby_call(res, key)), want(o))
    t.verdict("services/protocols")


def _servby_call(target: Any, key: str) -> tuple[Any, ...]:
    """The call behind a key of ``cpython_getservby`` (its ``checks`` say which): ``port13``,
    ``port13_udp``, ``port_-1``; ``daytime_tcp``, ``daytime_any`` (protocol omitted)."""
    if key.startswith("port"):
        rest = key[4:]
        number, _, proto = rest[1:].partition("_") if rest.startswith("_") else rest.partition("_")
        return (target.getservbyport, int(number), *((proto,) if proto else ()))
    name, _, proto = key.rpartition("_")
    return (target.getservbyname, name, *((proto,) if proto != "any" else ()))


# --- live glibc, sandbox: every file, every row, whatever the row's library expects ---------------


def _name_calls(name: str) -> Iterator[tuple[Any, ...]]:
    """The by-name lookups of one spelling: gethostbyname(_ex) and getaddrinfo per family."""
    yield ("gethostbyname_ex", name)
    yield ("gethostbyname", name)
    for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
        yield ("getaddrinfo", name, None, fam, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
        yield ("getaddrinfo", name, "80", fam)


def _addr_calls(addr: str) -> Iterator[tuple[Any, ...]]:
    yield ("gethostbyaddr", addr)
    host = addr.split("%", 1)[0]
    sockaddr = (host, 0, 0, 0) if ":" in host else (host, 0)
    yield ("getnameinfo", sockaddr, socket.NI_NAMEREQD)


def _hosts_calls(text: str, names: Sequence[str] = (), addrs: Sequence[str] = ()) -> list[Any]:
    """Every spelling of every name (the rows' and the file's) and every address."""
    calls: list[Any] = []
    for name in dict.fromkeys([*names, *host_names(text)]):
        for spelling in variants(name):
            calls.extend(_name_calls(spelling))
    for addr in dict.fromkeys([*addrs, *host_addrs(text)]):
        calls.extend(_addr_calls(addr))
    return calls


def _scenarios(data: Any) -> Iterator[tuple[str, dict[str, str], list[Any]]]:
    """(name, /etc files, calls) for every file of the vector file."""
    go = data["go_hosts"]
    for path, text in go["files"].items():
        names = [r["name"] for r in go["lookup_by_name"].get(path, [])]
        if path == "testdata/aliases":
            names += [r["lookup"] for r in go["canonical_name_via_aliases_file"]]
        addrs = [r["addr"] for r in go["lookup_by_addr"].get(path, [])]
        calls = _hosts_calls(text, names, addrs)
        for host_conf in (MULTI_ON, None):
            files = {"hosts": text, "nsswitch.conf": FILES_ONLY}
            if host_conf:
                files["host.conf"] = host_conf
            yield f"go {path} multi={'on' if host_conf else 'off'}", files, calls

    gb = data["glibc_files_backend"]
    ga2 = gb["bug-ga2"]
    host, port, fam, st, proto, fl = ga2["call"]
    ga2_call = ("getaddrinfo", host, port, _const(fam), _const(st), proto, fl)
    v4m = gb["tst-nss-files-hosts-v4mapped"]
    sockaddr, flags = v4m["call_getnameinfo"]
    v4m_calls: list[Any] = [
        ("getnameinfo", tuple(sockaddr), _flags(flags)),
        ("getnameinfo", tuple(sockaddr), 0),
        ("gethostbyaddr", sockaddr[0]),
        *_hosts_calls(_etc(v4m["files"])["hosts"]),
    ]
    for files, calls in ((_etc(ga2["files"]), [ga2_call]), (_etc(v4m["files"]), v4m_calls)):
        for form in (files, terminated(files)):  # as written, and with the switch line read
            yield f"glibc {sorted(form.items())!r:.60}", form, calls
    long = gb["tst-nss-files-hosts-long"]
    text = "\n".join(long["hosts_lines"]) + "\n"
    files = {"hosts": text, "host.conf": long["host_conf"] + "\n", "nsswitch.conf": FILES_ONLY}
    yield "glibc hosts-long", files, _hosts_calls(text)
    actions = gb["tst-nss-gai-actions"]
    for n in (1, 250):
        hosts = "".join(f"192.0.0.{k}\texample.org\n" for k in range(1, n + 1))
        for line in actions["nsswitch"]:
            calls = [("getaddrinfo", "example.org", "80"), *_hosts_calls(hosts)]
            yield f"glibc [{line}] x{n}", {"hosts": hosts, "nsswitch.conf": line + "\n"}, calls

    ca = data["c_ares_hosts"]
    texts = [ca["hosts"], *(c["hosts"] for c in ca["cases"] if "hosts" in c)]
    for i, text in enumerate(texts):
        names = [c["name"] for c in ca["cases"] if c.get("hosts", ca["hosts"]) == text]
        files = {"hosts": text, "nsswitch.conf": FILES_ONLY, "host.conf": MULTI_ON}
        yield f"c-ares hosts {i}", files, _hosts_calls(text, names)

    # nsswitch.conf as Go's and glibc's parse cases write it (and terminated): what glibc makes
    # of each file shows in lookups through the databases it configures.
    base = {
        "hosts": "192.0.2.10 known.example known\n",
        "services": "http 80/tcp www\ndomain 53/udp\n",
        "protocols": "ip 0 IP\ntcp 6 TCP\nudp 17 UDP\n",
        "resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    }
    switch_calls: list[Any] = [
        *_name_calls("known.example"),
        ("gethostbyaddr", "192.0.2.10"),
        ("getservbyname", "http", "tcp"),
        ("getservbyname", "www"),
        ("getservbyport", 53, "udp"),
        ("getprotobyname", "TCP"),
        ("getprotobynumber", 17),
    ]
    texts = [c["in"] for c in data["nsswitch_go_parse"]["cases"]]
    texts += [c["in"] for c in data["nsswitch_glibc_samples"]]
    for i, text in enumerate(texts):
        for form in dict.fromkeys([text, text if text.endswith("\n") else text + "\n"]):
            yield f"nsswitch {i} {form!r:.40}", {**base, "nsswitch.conf": form}, switch_calls

    # Services and protocols: this machine's files (Debian's, where the oracle came from).
    etc = {n: Path("/etc", n) for n in ("services", "protocols")}
    if all(p.is_file() for p in etc.values()):
        files = {n: p.read_bytes().decode("latin-1") for n, p in etc.items()}
        files["nsswitch.conf"] = "services: files\nprotocols: files\n"
        calls = []
        for row in data["services"]:
            calls += [("getservbyname", row["name"], row["proto"]), ("getservbyname", row["name"])]
            if row["ok"]:
                calls += [("getservbyport", row["port"], row["proto"])]
        calls += [("getprotobyname", p) for p in data["cpython_getprotobyname_oracle"]]
        calls += [_servby_call(_Named(), key) for key in data["cpython_getservby"]["cpython"]]
        yield "services+protocols (this machine's files)", files, calls


class _Named:
    """Stands in for a module in :func:`_servby_call`: its attributes are their own names."""

    def __getattr__(self, name: str) -> str:
        return name


# The multi test's hosts files (every count glibc's test runs), written in turn into one sandbox.
def _multi_calls() -> list[Any]:
    calls: list[Any] = []
    for name in ("www.example.com", "www4.example.com", "www6.example.com", "alias.example.com"):
        calls.append(("gethostbyname_ex", name))
        for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6):
            for flags in (0, socket.AI_CANONNAME):
                tcp = (socket.SOCK_STREAM, socket.IPPROTO_TCP)
                calls.append(("getaddrinfo", name, "80", fam, *tcp, flags))
    return calls


def _run(box: Sandbox, calls: Sequence[Any], where: str, bad: list[str]) -> int:
    for func, *args in calls:
        glibc, ours = box.outcomes(func, *args)
        if glibc != ours:
            bad.append(f"[{where}] {func}{tuple(args)!r}\n    glibc: {glibc}\n    netdb: {ours}")
    return len(calls)


def test_live_glibc(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """Every scenario's calls in a sandbox of its own, then the multi files in one."""
    data = vectors()
    bad: list[str] = []
    n = 0
    for name, files, calls in _scenarios(data):
        box = Sandbox(Scenario(name, files))
        try:
            n += _run(box, calls, name, bad)
        finally:
            box.close()
    box = sandboxes(
        Scenario("etc-vectors-multi", {"nsswitch.conf": FILES_ONLY, "host.conf": MULTI_ON})
    )
    for count in MULTI_COUNTS:
        box.write("hosts", multi_hosts(count))
        box.reset()
        n += _run(box, _multi_calls(), f"multi {count}", bad)
    assert not bad, f"{len(bad)}/{n} disagree:\n" + "\n".join(bad[:25])
