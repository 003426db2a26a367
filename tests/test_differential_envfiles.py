"""Files the environment names, against glibc: HOSTALIASES (``res_search``'s aliases for names
without a dot) and RESOLV_HOST_CONF (host.conf's path).

Each table row is a file's text and the names looked up with it; the sandbox's worker has the
variable set, the file is rewritten between rows and netdb's default resolver started afresh
(glibc reads HOSTALIASES at every search and host.conf once, at its first use in the process:
RESOLV_HOST_CONF rows each get a worker of their own).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox.harness import COUNTS, Sandbox, Scenario
from tests.test_differential_dns import compare, name_cases, scenario

ALIASES_PATH = "/etc/hostaliases"

# (the file's text, the names asked with it)
ALIAS_FILES: list[tuple[str, list[str]]] = [
    # a plain map: to absolute names, to a name searched nowhere, case ignored, a CNAME chain
    (
        "al1 both.example.test\nAL2 v4only\nal3 c3a.example.test.\nal4\t x.y.example.test\n",
        ["al1", "Al1", "AL2", "al3", "al4", "al5", "both", "al1.", "al1.example.test"],
    ),
    # an alias over a name the search list would find; to a name that does not exist; to one
    # without data; to an address
    (
        "dup dup.example.test\nonlysub nothere.example.test\nnd nodata.example.test\n"
        "ip 192.0.2.1\n",
        ["dup", "onlysub", "nd", "ip"],
    ),
    # the first matching line wins; an alias with nothing after it stops the look-up there
    ("x v6only.example.test\nx both.example.test\nstop\nstop both.example.test\n", ["x", "stop"]),
    ("stop   \nafter both.example.test\n", ["stop", "after"]),
    # a line with no blank ends the reading: nothing after it counts
    ("first both.example.test\nnoblank\nlater both.example.test\n", ["first", "later"]),
    ("last both.example.test", ["last"]),
    ("only", ["only"]),
    # trailing dots on the alias, an escaped one, a leading blank (an empty alias), CR LF
    (
        "dotted. both.example.test\nesc\\. v4only.example.test\n  lead both.example.test\n"
        "crlf v6only.example.test\r\n",
        ["dotted", "esc", "esc.", "lead", "crlf"],
    ),
    # a NUL byte ends what a line says; a line longer than fgets' 8 KiB buffer reads as pieces
    (
        "nul\x00 both.example.test\nafter v4only.example.test\n"
        + "long "
        + "x" * 9000
        + " tail both.example.test\nnext v6only.example.test\n",
        ["nul", "after", "long", "tail", "next"],
    ),
    # targets that cannot be asked: too long, empty labels
    ("toolong " + "a" * 300 + "\nempty a..b\nroot .\n", ["toolong", "empty", "root"]),
    # names with a dot, an empty name and localhost (the hosts file answers) are not aliased
    ("x.y both.example.test\nlocalhost v6only.example.test\n", ["x.y", "localhost"]),
]


def _alias_scenario(extra_resolv: str = "") -> Scenario:
    base = scenario("hostaliases", env={"HOSTALIASES": ALIASES_PATH})
    return base.with_files(
        "hostaliases",
        resolv_conf="nameserver 127.0.0.1\nsearch example.test sub.example.test\n" + extra_resolv,
    )


def _alias_rows(box: Sandbox) -> None:
    for text, names in ALIAS_FILES:
        box.write(ALIASES_PATH.removeprefix("/etc/"), text)
        box.reset()
        compare(box, name_cases(names, full=False))
        COUNTS["hostaliases files"] += 1


def test_hostaliases(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    _alias_rows(sandboxes(_alias_scenario()))


def test_hostaliases_with_ndots_and_no_tld_query(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """The alias is looked up before ndots and no-tld-query have their say."""
    _alias_rows(sandboxes(_alias_scenario("options ndots:0 no-tld-query\n")))


def test_hostaliases_missing_file(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    base = scenario("hostaliases-missing", env={"HOSTALIASES": "/etc/nothere"})
    box = sandboxes(base)
    box.reset()
    compare(box, name_cases(["both", "dup", "onlysub"], full=False))


# --- RESOLV_HOST_CONF ------------------------------------------------------------------------

HOSTS = (
    "198.51.100.1 multi.test m.example.test\n192.0.2.10 multi.test\n"
    "10.0.0.1 multi.test\n127.0.0.1 multi.test localhost\n::1 multi.test\n"
)
CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("gethostbyname_ex", ("multi.test",)),
    ("gethostbyname", ("multi.test",)),
    ("getaddrinfo", ("multi.test", 80, socket.AF_INET, socket.SOCK_STREAM)),
    ("gethostbyaddr", ("198.51.100.1",)),
    ("getfqdn", ("multi.test",)),
]
# (host.conf, the other file's text or None for none, the environment)
HOST_CONF_ROWS: list[tuple[str, str | None, dict[str, str]]] = [
    ("multi off\n", "multi on\n", {"RESOLV_HOST_CONF": "/etc/host.conf.alt"}),
    ("multi on\n", "multi off\ntrim .example.test\n", {"RESOLV_HOST_CONF": "/etc/host.conf.alt"}),
    ("multi on\n", None, {"RESOLV_HOST_CONF": "/etc/host.conf.alt"}),
    ("multi on\n", None, {"RESOLV_HOST_CONF": ""}),
    ("multi on\n", None, {"RESOLV_HOST_CONF": "/etc"}),
    (
        "multi off\n",
        "multi on\n",
        {"RESOLV_HOST_CONF": "/etc/host.conf.alt", "RESOLV_MULTI": "off"},
    ),
]


def _rows() -> Iterator[Any]:
    for i, row in enumerate(HOST_CONF_ROWS):
        yield pytest.param(*row, id=f"row{i}")


@pytest.mark.parametrize(("host_conf", "other", "env"), list(_rows()))
def test_resolv_host_conf(host_conf: str, other: str | None, env: dict[str, str]) -> None:
    from tests.sandbox.harness import unavailable_reason

    if unavailable_reason() is not None:
        pytest.skip(f"differential sandbox unavailable: {unavailable_reason()}")
    files = {
        "hosts": HOSTS,
        "host.conf": host_conf,
        "nsswitch.conf": "hosts: files\n",
        "services": "http 80/tcp\n",
        "protocols": "tcp 6\n",
    }
    if other is not None:
        files["host.conf.alt"] = other
    with Sandbox(Scenario("resolv-host-conf", files, env=env)) as box:
        compare(box, iter(CALLS))


def test_explained_alias(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    """An explained lookup answers as glibc does and says which file gave the name."""
    box = sandboxes(_alias_scenario())
    box.write(ALIASES_PATH.removeprefix("/etc/"), "al1 both.example.test\n")
    box.reset()
    got = box.explain("getaddrinfo", "al1", 80, 0, socket.SOCK_STREAM)
    assert got["glibc"] == got["netdb"]
    facts = [s for s in got["steps"] if s["step"] == "fact" and s["what"] == "hostaliases"]
    assert facts and ALIASES_PATH in facts[0]["detail"], got["text"]
    assert any(p.get("path") == ALIASES_PATH for p in got["steps"]), got["text"]
