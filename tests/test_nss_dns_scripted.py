"""The ``dns`` hosts source (``netdb.nss_dns``) against a scripted server, no namespaces.

The front's ``gethostbyname_ex``/``gethostbyname``/``gethostbyaddr``/``getnameinfo`` steps run
``nss_dns.gethostbyname3``/``gethostbyaddr`` (``getanswer``, ``getanswer_ptr``) over
:mod:`tests.scripted`'s model of the sandbox's Knot serving the fixture zones; ``getaddrinfo``
runs ``gethostbyname4`` (``gaih_getanswer``).  The recorded tables are glibc's own outcomes in
the differential sandbox (``tests/test_differential_dns.py``'s ``knot`` scenario and its
``no-aaaa``/``sortlist`` variants; ``tests/test_faults_dns.py``'s fault-proxy cases), where
netdb gave the same: CNAME chains and loops, aliases, the canonical name, host-name checks,
name lengths, ``h_errno`` before and after each call.  The last tables test the reading
functions on crafted replies.
"""

from __future__ import annotations

import errno
import functools
from pathlib import Path
from typing import Any

import pytest

from netdb import nss_dns
from netdb.constants import AF_INET, AF_INET6
from netdb.dns import wire
from netdb.errors import HOST_NOT_FOUND, NO_DATA, NO_RECOVERY, TRY_AGAIN
from netdb.hostent import Status
from tests import scripted

RESOLV = scripted.RESOLV


@functools.cache
def _zones() -> list[scripted.Zone]:
    return scripted.fixture_zones()


def resolver(
    tmp: Path, resolv: str = RESOLV, **servers: scripted.Handler
) -> scripted.ScriptedResolver:
    net = scripted.Net(dict(servers) or {scripted.KNOT: scripted.Authority(_zones())})
    return scripted.resolver(tmp, net, etc={"resolv": resolv})


def call(
    res: scripted.ScriptedResolver, func: str, args: tuple[Any, ...], before: int
) -> tuple[Any, int]:
    res._set_h_errno(before)
    return scripted.summary(res.call(func, *args)), res.h_errno


def _id(func: str, args: tuple[Any, ...]) -> str:
    return f"{func}:" + ",".join(str(a) for a in args)[:50]


# (function, arguments, h_errno before, outcome, h_errno after) in the knot scenario.
ZONE_ROWS: list[tuple[str, tuple[Any, ...], int, Any, int]] = [
    ("gethostbyname_ex", ("both",), 0, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("gethostbyname", ("both",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("both.example.test",), 0, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("gethostbyname", ("both.example.test",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("both.example.test.",), 0, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("gethostbyname", ("both.example.test.",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("BOTH.Example.TEST",), 0, ("BOTH.Example.TEST", [], ["192.0.2.1"]), 1),
    ("gethostbyname", ("BOTH.Example.TEST",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("v4only",), 0, ("v4only.example.test", [], ["192.0.2.4"]), 1),
    ("gethostbyname", ("v4only",), 1, "192.0.2.4", 0),
    ("gethostbyname_ex", ("v6only",), 1, "gaierror -5", 4),
    ("gethostbyname", ("v6only",), 0, "gaierror -5", 4),
    (
        "gethostbyname_ex",
        ("multi",),
        0,
        ("multi.example.test", [], ["192.0.2.10", "192.0.2.11", "192.0.2.12"]),
        1,
    ),
    ("gethostbyname", ("multi",), 0, "192.0.2.10", 0),
    ("gethostbyname_ex", ("ula",), 0, ("ula.example.test", [], ["192.0.2.21"]), 1),
    ("gethostbyname", ("ula",), 0, "192.0.2.21", 0),
    ("gethostbyname_ex", ("linklocal",), 0, ("linklocal.example.test", [], ["10.1.1.1"]), 1),
    ("gethostbyname", ("linklocal",), 0, "10.1.1.1", 0),
    ("gethostbyname_ex", ("mapped",), 0, "gaierror -5", 4),
    ("gethostbyname", ("mapped",), 0, "gaierror -5", 4),
    (
        "gethostbyname_ex",
        ("cname1",),
        0,
        ("both.example.test", ["cname1.example.test"], ["192.0.2.1"]),
        1,
    ),
    ("gethostbyname", ("cname1",), 0, "192.0.2.1", 0),
    (
        "gethostbyname_ex",
        ("c3a",),
        0,
        (
            "both.example.test",
            ["c3a.example.test", "c3b.example.test", "c3c.example.test"],
            ["192.0.2.1"],
        ),
        1,
    ),
    ("gethostbyname", ("c3a",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("c10-1",), 0, "gaierror -5", 3),
    ("gethostbyname", ("c10-1",), 1, "gaierror -5", 3),
    ("gethostbyname_ex", ("loopa",), 1, "gaierror -5", 3),
    ("gethostbyname", ("loopa",), 1, "gaierror -5", 3),
    ("gethostbyname_ex", ("selfloop",), 1, "gaierror -5", 3),
    ("gethostbyname", ("selfloop",), 1, "gaierror -5", 3),
    ("gethostbyname_ex", ("dangling",), 1, "gaierror -2", 1),
    ("gethostbyname", ("dangling",), 1, "gaierror -2", 1),
    ("gethostbyname_ex", ("tonodata",), 1, "gaierror -5", 3),
    ("gethostbyname", ("tonodata",), 1, "gaierror -5", 3),
    ("gethostbyname_ex", ("nodata",), 1, "gaierror -5", 4),
    ("gethostbyname", ("nodata",), 4, "gaierror -5", 4),
    ("gethostbyname_ex", ("mxonly",), 4, "gaierror -5", 4),
    ("gethostbyname", ("mxonly",), 4, "gaierror -5", 4),
    ("gethostbyname_ex", ("xzone",), 4, "gaierror -5", 3),
    ("gethostbyname", ("xzone",), 1, "gaierror -5", 3),
    (
        "gethostbyname_ex",
        ("anything.wild",),
        1,
        ("anything.wild.example.test", [], ["192.0.2.88"]),
        1,
    ),
    ("gethostbyname", ("anything.wild",), 0, "192.0.2.88", 0),
    (
        "gethostbyname_ex",
        ("deep.er.wild",),
        0,
        ("deep.er.wild.example.test", [], ["192.0.2.88"]),
        1,
    ),
    ("gethostbyname", ("deep.er.wild",), 0, "192.0.2.88", 0),
    (
        "gethostbyname_ex",
        ("x.wildc",),
        0,
        ("both.example.test", ["x.wildc.example.test"], ["192.0.2.1"]),
        1,
    ),
    ("gethostbyname", ("x.wildc",), 0, "192.0.2.1", 0),
    ("gethostbyname_ex", ("ent",), 0, "gaierror -5", 4),
    ("gethostbyname", ("ent",), 4, "gaierror -5", 4),
    ("gethostbyname_ex", ("a.ent",), 4, ("a.ent.example.test", [], ["192.0.2.99"]), 1),
    ("gethostbyname", ("a.ent",), 1, "192.0.2.99", 0),
    ("gethostbyname_ex", ("MiXeD",), 1, ("MiXeD.example.test", [], ["192.0.2.55"]), 1),
    ("gethostbyname", ("MiXeD",), 0, "192.0.2.55", 0),
    ("gethostbyname_ex", ("mixed",), 0, ("mixed.example.test", [], ["192.0.2.55"]), 1),
    ("gethostbyname", ("mixed",), 0, "192.0.2.55", 0),
    (
        "gethostbyname_ex",
        ("cnmixed",),
        0,
        ("mixed.example.test", ["cnmixed.example.test"], ["192.0.2.55"]),
        1,
    ),
    ("gethostbyname", ("cnmixed",), 0, "192.0.2.55", 0),
    ("gethostbyname_ex", ("under_score",), 0, ("under_score.example.test", [], ["192.0.2.60"]), 1),
    ("gethostbyname", ("under_score",), 1, "192.0.2.60", 0),
    ("gethostbyname_ex", ("tobad",), 1, ("tobad.example.test", [], ["192.0.2.61"]), 1),
    ("gethostbyname", ("tobad",), 1, "192.0.2.61", 0),
    (
        "gethostbyname_ex",
        ("tounder",),
        1,
        ("under_score.example.test", ["tounder.example.test"], ["192.0.2.60"]),
        1,
    ),
    ("gethostbyname", ("tounder",), 1, "192.0.2.60", 0),
    ("gethostbyname_ex", ("-dash",), 1, "gaierror -2", 1),
    ("gethostbyname", ("-dash",), 1, "gaierror -2", 1),
    ("gethostbyname_ex", ("ttldiff",), 1, ("ttldiff.example.test", [], ["192.0.2.70"]), 1),
    ("gethostbyname", ("ttldiff",), 0, "192.0.2.70", 0),
    ("gethostbyname_ex", ("dup",), 0, ("dup.example.test", [], ["192.0.2.111"]), 1),
    ("gethostbyname", ("dup",), 1, "192.0.2.111", 0),
    ("gethostbyname_ex", ("onlysub",), 1, ("onlysub.sub.example.test", [], ["192.0.2.113"]), 1),
    ("gethostbyname", ("onlysub",), 0, "192.0.2.113", 0),
    ("gethostbyname_ex", ("x.y",), 0, ("x.y.example.test", [], ["192.0.2.120"]), 1),
    ("gethostbyname", ("x.y",), 1, "192.0.2.120", 0),
    (
        "gethostbyname_ex",
        ("l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        1,
        (
            "l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            [],
            ["192.0.2.130"],
        ),
        1,
    ),
    (
        "gethostbyname",
        ("l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        1,
        "192.0.2.130",
        0,
    ),
    (
        "gethostbyname_ex",
        ("long.l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        1,
        (
            "long.l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            [],
            ["192.0.2.131"],
        ),
        1,
    ),
    (
        "gethostbyname",
        ("long.l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        1,
        "192.0.2.131",
        0,
    ),
    (
        "gethostbyname_ex",
        ("tolong",),
        1,
        (
            "l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            ["tolong.example.test"],
            ["192.0.2.130"],
        ),
        1,
    ),
    ("gethostbyname", ("tolong",), 1, "192.0.2.130", 0),
    (
        "gethostbyname_ex",
        ("t63-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        1,
        ("t63-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test", [], ["192.0.2.103"]),
        1,
    ),
    ("gethostbyname", ("t63-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",), 0, "192.0.2.103", 0),
    (
        "gethostbyname_ex",
        ("t64-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        0,
        ("t64-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test", [], ["192.0.2.104"]),
        1,
    ),
    (
        "gethostbyname",
        ("t64-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        0,
        "192.0.2.104",
        0,
    ),
    (
        "gethostbyname_ex",
        ("t65-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        0,
        ("t65-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test", [], ["192.0.2.105"]),
        1,
    ),
    (
        "gethostbyname",
        ("t65-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
        0,
        "192.0.2.105",
        0,
    ),
    (
        "gethostbyname_ex",
        ("cn63",),
        0,
        (
            "t63-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            ["cn63.example.test"],
            ["192.0.2.103"],
        ),
        1,
    ),
    ("gethostbyname", ("cn63",), 0, "192.0.2.103", 0),
    (
        "gethostbyname_ex",
        ("cn64",),
        0,
        (
            "t64-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            ["cn64.example.test"],
            ["192.0.2.104"],
        ),
        1,
    ),
    ("gethostbyname", ("cn64",), 0, "192.0.2.104", 0),
    (
        "gethostbyname_ex",
        ("cn65",),
        0,
        (
            "t65-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            ["cn65.example.test"],
            ["192.0.2.105"],
        ),
        1,
    ),
    ("gethostbyname", ("cn65",), 0, "192.0.2.105", 0),
    (
        "gethostbyname_ex",
        ("big4",),
        0,
        (
            "big4.example.test",
            [],
            [
                "198.51.100.1",
                "198.51.100.2",
                "198.51.100.3",
                "198.51.100.4",
                "198.51.100.5",
                "198.51.100.6",
                "198.51.100.7",
                "198.51.100.8",
                "198.51.100.9",
                "198.51.100.10",
                "198.51.100.11",
                "198.51.100.12",
                "198.51.100.13",
                "198.51.100.14",
                "198.51.100.15",
                "198.51.100.16",
                "198.51.100.17",
                "198.51.100.18",
                "198.51.100.19",
                "198.51.100.20",
                "198.51.100.21",
                "198.51.100.22",
                "198.51.100.23",
                "198.51.100.24",
                "198.51.100.25",
                "198.51.100.26",
                "198.51.100.27",
                "198.51.100.28",
                "198.51.100.29",
                "198.51.100.30",
                "198.51.100.31",
                "198.51.100.32",
                "198.51.100.33",
                "198.51.100.34",
                "198.51.100.35",
                "198.51.100.36",
                "198.51.100.37",
                "198.51.100.38",
                "198.51.100.39",
                "198.51.100.40",
            ],
        ),
        1,
    ),
    ("gethostbyname", ("big4",), 1, "198.51.100.1", 0),
    ("gethostbyname_ex", ("big6",), 1, "gaierror -5", 4),
    ("gethostbyname", ("big6",), 0, "gaierror -5", 4),
    (
        "gethostbyname_ex",
        ("bigboth",),
        0,
        (
            "bigboth.example.test",
            [],
            [
                "203.0.113.1",
                "203.0.113.2",
                "203.0.113.3",
                "203.0.113.4",
                "203.0.113.5",
                "203.0.113.6",
                "203.0.113.7",
                "203.0.113.8",
                "203.0.113.9",
                "203.0.113.10",
                "203.0.113.11",
                "203.0.113.12",
                "203.0.113.13",
                "203.0.113.14",
                "203.0.113.15",
                "203.0.113.16",
                "203.0.113.17",
                "203.0.113.18",
                "203.0.113.19",
                "203.0.113.20",
                "203.0.113.21",
                "203.0.113.22",
                "203.0.113.23",
                "203.0.113.24",
                "203.0.113.25",
            ],
        ),
        1,
    ),
    ("gethostbyname", ("bigboth",), 0, "203.0.113.1", 0),
    ("gethostbyname_ex", ("singlelabel",), 0, ("singlelabel", [], ["192.0.2.200"]), 1),
    ("gethostbyname", ("singlelabel",), 0, "192.0.2.200", 0),
    ("gethostbyname_ex", ("intest.test",), 0, ("intest.test", [], ["192.0.2.150"]), 1),
    ("gethostbyname", ("intest.test",), 1, "192.0.2.150", 0),
    ("gethostbyname_ex", ("intest",), 1, "gaierror -2", 1),
    ("gethostbyname", ("intest",), 1, "gaierror -2", 1),
    ("gethostbyname_ex", ("nothere",), 1, "gaierror -2", 1),
    ("gethostbyname", ("nothere",), 1, "gaierror -2", 1),
    ("gethostbyname_ex", ("no.such.name.invalid",), 1, "gaierror -2", 1),
    ("gethostbyname", ("no.such.name.invalid",), 1, "gaierror -2", 1),
    (
        "gethostbyname_ex",
        ("infiles",),
        1,
        ("infiles", ["infiles.example.test"], ["192.0.2.250"]),
        1,
    ),
    ("gethostbyname", ("infiles",), 1, "192.0.2.250", 1),
    (
        "gethostbyname_ex",
        ("localhost",),
        1,
        ("localhost", ["ip6-localhost"], ["127.0.0.1", "127.0.0.1"]),
        1,
    ),
    ("gethostbyname", ("localhost",), 1, "127.0.0.1", 1),
    (
        "gethostbyname_ex",
        ("a..b",),
        1,
        "UnicodeError encoding with 'idna' codec failed (UnicodeError: label empty or too long)",
        1,
    ),
    (
        "gethostbyname",
        ("a..b",),
        1,
        "UnicodeError encoding with 'idna' codec failed (UnicodeError: label empty or too long)",
        1,
    ),
    (
        "gethostbyname_ex",
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example.test",),
        1,
        "UnicodeError encoding with 'idna' codec failed (UnicodeError: label empty or too long)",
        1,
    ),
    (
        "gethostbyname",
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example.test",),
        1,
        "UnicodeError encoding with 'idna' codec failed (UnicodeError: label empty or too long)",
        1,
    ),
    (
        "gethostbyname_ex",
        (
            "abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi",
        ),
        1,
        "gaierror -2",
        1,
    ),
    (
        "gethostbyname",
        (
            "abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi",
        ),
        1,
        "gaierror -2",
        1,
    ),
    ("gethostbyname_ex", ("sp ace",), 1, "gaierror -2", 1),
    ("gethostbyname", ("sp ace",), 1, "gaierror -2", 1),
    ("gethostbyname_ex", ("dot\\.inlabel",), 1, "gaierror -2", 1),
    ("gethostbyname", ("dot\\.inlabel",), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("192.0.2.1",), 1, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("getnameinfo", (("192.0.2.1", 80), 0), 1, ("both.example.test", "http"), 1),
    ("getnameinfo", (("192.0.2.1", 80), 8), 1, ("both.example.test", "http"), 1),
    ("gethostbyaddr", ("192.0.2.4",), 1, ("v4only.example.test", [], ["192.0.2.4"]), 1),
    ("getnameinfo", (("192.0.2.4", 80), 0), 1, ("v4only.example.test", "http"), 1),
    ("getnameinfo", (("192.0.2.4", 80), 8), 1, ("v4only.example.test", "http"), 1),
    ("gethostbyaddr", ("192.0.2.10",), 1, ("multi.example.test", [], ["192.0.2.10"]), 1),
    ("getnameinfo", (("192.0.2.10", 80), 0), 1, ("multi.example.test", "http"), 1),
    ("getnameinfo", (("192.0.2.10", 80), 8), 1, ("multi.example.test", "http"), 1),
    ("gethostbyaddr", ("192.0.2.50",), 1, "herror 1", 1),
    ("getnameinfo", (("192.0.2.50", 80), 0), 1, ("192.0.2.50", "http"), 1),
    ("getnameinfo", (("192.0.2.50", 80), 8), 1, "gaierror -2", 1),
    (
        "gethostbyaddr",
        ("192.0.2.51",),
        1,
        (
            "l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test",
            [],
            ["192.0.2.51"],
        ),
        1,
    ),
    (
        "getnameinfo",
        (("192.0.2.51", 80), 0),
        1,
        ("l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test", "http"),
        1,
    ),
    (
        "getnameinfo",
        (("192.0.2.51", 80), 8),
        1,
        ("l63aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.test", "http"),
        1,
    ),
    ("gethostbyaddr", ("192.0.2.52",), 1, "herror 1", 1),
    ("getnameinfo", (("192.0.2.52", 80), 0), 1, ("192.0.2.52", "http"), 1),
    ("getnameinfo", (("192.0.2.52", 80), 8), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("192.0.2.53",), 1, ("under_score.example.test", [], ["192.0.2.53"]), 1),
    ("getnameinfo", (("192.0.2.53", 80), 0), 1, ("under_score.example.test", "http"), 1),
    ("getnameinfo", (("192.0.2.53", 80), 8), 1, ("under_score.example.test", "http"), 1),
    ("gethostbyaddr", ("192.0.2.54",), 1, ("mixed.example.test", [], ["192.0.2.54"]), 1),
    ("getnameinfo", (("192.0.2.54", 80), 0), 1, ("mixed.example.test", "http"), 1),
    ("getnameinfo", (("192.0.2.54", 80), 8), 1, ("mixed.example.test", "http"), 1),
    ("gethostbyaddr", ("192.0.2.55",), 1, "herror 4", 4),
    ("getnameinfo", (("192.0.2.55", 80), 0), 4, ("192.0.2.55", "http"), 4),
    ("getnameinfo", (("192.0.2.55", 80), 8), 4, "gaierror -2", 4),
    ("gethostbyaddr", ("192.0.2.99",), 4, "herror 1", 1),
    ("getnameinfo", (("192.0.2.99", 80), 0), 1, ("192.0.2.99", "http"), 1),
    ("getnameinfo", (("192.0.2.99", 80), 8), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("198.51.100.1",), 1, "herror 1", 1),
    ("getnameinfo", (("198.51.100.1", 80), 0), 1, ("198.51.100.1", "http"), 1),
    ("getnameinfo", (("198.51.100.1", 80), 8), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("198.51.100.2",), 1, ("ok25.example.test", [], ["198.51.100.2"]), 1),
    ("getnameinfo", (("198.51.100.2", 80), 0), 1, ("ok25.example.test", "http"), 1),
    ("getnameinfo", (("198.51.100.2", 80), 8), 1, ("ok25.example.test", "http"), 1),
    ("gethostbyaddr", ("198.51.100.3",), 1, "herror 1", 1),
    ("getnameinfo", (("198.51.100.3", 80), 0), 1, ("198.51.100.3", "http"), 1),
    ("getnameinfo", (("198.51.100.3", 80), 8), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("2001:db8::1",), 1, ("both.example.test", [], ["2001:db8::1"]), 1),
    ("getnameinfo", (("2001:db8::1", 80), 0), 1, ("both.example.test", "http"), 1),
    ("getnameinfo", (("2001:db8::1", 80), 8), 1, ("both.example.test", "http"), 1),
    ("gethostbyaddr", ("2001:db8::6",), 1, ("v6only.example.test", [], ["2001:db8::6"]), 1),
    ("getnameinfo", (("2001:db8::6", 80), 0), 1, ("v6only.example.test", "http"), 1),
    ("getnameinfo", (("2001:db8::6", 80), 8), 1, ("v6only.example.test", "http"), 1),
    ("gethostbyaddr", ("2001:db8::99",), 1, "herror 1", 1),
    ("getnameinfo", (("2001:db8::99", 80), 0), 1, ("2001:db8::99", "http"), 1),
    ("getnameinfo", (("2001:db8::99", 80), 8), 1, "gaierror -2", 1),
    ("gethostbyaddr", ("::ffff:192.0.2.1",), 1, "OSError 97", 1),
    ("getnameinfo", (("::ffff:192.0.2.1", 80), 0), 1, ("both.example.test", "http"), 1),
    ("getnameinfo", (("::ffff:192.0.2.1", 80), 8), 1, ("both.example.test", "http"), 1),
    ("gethostbyaddr", ("10.0.0.1",), 1, "herror 4", 4),
    ("getnameinfo", (("10.0.0.1", 80), 0), 4, ("10.0.0.1", "http"), 4),
    ("getnameinfo", (("10.0.0.1", 80), 8), 4, "gaierror -2", 4),
    (
        "gethostbyaddr",
        ("192.0.2.250",),
        4,
        ("infiles", ["infiles.example.test"], ["192.0.2.250"]),
        4,
    ),
    ("getnameinfo", (("192.0.2.250", 80), 0), 4, ("infiles", "http"), 4),
    ("getnameinfo", (("192.0.2.250", 80), 8), 4, ("infiles", "http"), 4),
]


@pytest.mark.parametrize(
    ("func", "args", "before", "expected", "after"),
    [pytest.param(*r, id=_id(r[0], r[1])) for r in ZONE_ROWS],
)
def test_lookups_over_the_zones_are_glibcs(
    tmp_path: Path, func: str, args: tuple[Any, ...], before: int, expected: Any, after: int
) -> None:
    assert call(resolver(tmp_path), func, args, before) == (expected, after)


VARIANTS = {
    "no-aaaa": RESOLV + "options no-aaaa\n",
    "sortlist": RESOLV + "sortlist 192.0.2.12 192.0.2.0/255.255.255.0\n",
}
# (variant, function, arguments, h_errno before, outcome, h_errno after): no-aaaa (AAAA asked as
# A, its reply turned into "no data"); sortlist (gethostbyname's IPv4 order).
VARIANT_ROWS: list[tuple[str, str, tuple[Any, ...], int, Any, int]] = [
    ("no-aaaa", "gethostbyname_ex", ("both",), 0, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("no-aaaa", "getaddrinfo", ("both", 80, 0, 1), 1, ["192.0.2.1"], 0),
    ("no-aaaa", "gethostbyname_ex", ("v4only",), 0, ("v4only.example.test", [], ["192.0.2.4"]), 1),
    ("no-aaaa", "getaddrinfo", ("v4only", 80, 0, 1), 1, ["192.0.2.4"], 0),
    ("no-aaaa", "gethostbyname_ex", ("v6only",), 0, "gaierror -5", 4),
    ("no-aaaa", "getaddrinfo", ("v6only", 80, 0, 1), 4, "gaierror -5", 4),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("c3a",),
        4,
        (
            "both.example.test",
            ["c3a.example.test", "c3b.example.test", "c3c.example.test"],
            ["192.0.2.1"],
        ),
        1,
    ),
    ("no-aaaa", "getaddrinfo", ("c3a", 80, 0, 1), 1, ["192.0.2.1"], 0),
    ("no-aaaa", "gethostbyname_ex", ("dup",), 0, ("dup.example.test", [], ["192.0.2.111"]), 1),
    ("no-aaaa", "getaddrinfo", ("dup", 80, 0, 1), 1, ["192.0.2.111"], 0),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("onlysub",),
        0,
        ("onlysub.sub.example.test", [], ["192.0.2.113"]),
        1,
    ),
    ("no-aaaa", "getaddrinfo", ("onlysub", 80, 0, 1), 1, ["192.0.2.113"], 0),
    ("no-aaaa", "gethostbyname_ex", ("x.y",), 0, ("x.y.example.test", [], ["192.0.2.120"]), 1),
    ("no-aaaa", "getaddrinfo", ("x.y", 80, 0, 1), 1, ["192.0.2.120"], 0),
    ("no-aaaa", "gethostbyname_ex", ("singlelabel",), 0, ("singlelabel", [], ["192.0.2.200"]), 1),
    ("no-aaaa", "getaddrinfo", ("singlelabel", 80, 0, 1), 1, ["192.0.2.200"], 0),
    ("no-aaaa", "gethostbyname_ex", ("nothere",), 0, "gaierror -2", 1),
    ("no-aaaa", "getaddrinfo", ("nothere", 80, 0, 1), 1, "gaierror -2", 1),
    ("no-aaaa", "gethostbyname_ex", ("nodata",), 1, "gaierror -5", 4),
    ("no-aaaa", "getaddrinfo", ("nodata", 80, 0, 1), 4, "gaierror -5", 4),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("big4",),
        4,
        (
            "big4.example.test",
            [],
            [
                "198.51.100.1",
                "198.51.100.2",
                "198.51.100.3",
                "198.51.100.4",
                "198.51.100.5",
                "198.51.100.6",
                "198.51.100.7",
                "198.51.100.8",
                "198.51.100.9",
                "198.51.100.10",
                "198.51.100.11",
                "198.51.100.12",
                "198.51.100.13",
                "198.51.100.14",
                "198.51.100.15",
                "198.51.100.16",
                "198.51.100.17",
                "198.51.100.18",
                "198.51.100.19",
                "198.51.100.20",
                "198.51.100.21",
                "198.51.100.22",
                "198.51.100.23",
                "198.51.100.24",
                "198.51.100.25",
                "198.51.100.26",
                "198.51.100.27",
                "198.51.100.28",
                "198.51.100.29",
                "198.51.100.30",
                "198.51.100.31",
                "198.51.100.32",
                "198.51.100.33",
                "198.51.100.34",
                "198.51.100.35",
                "198.51.100.36",
                "198.51.100.37",
                "198.51.100.38",
                "198.51.100.39",
                "198.51.100.40",
            ],
        ),
        1,
    ),
    (
        "no-aaaa",
        "getaddrinfo",
        ("big4", 80, 0, 1),
        1,
        [
            "198.51.100.1",
            "198.51.100.2",
            "198.51.100.3",
            "198.51.100.4",
            "198.51.100.5",
            "198.51.100.6",
            "198.51.100.7",
            "198.51.100.8",
            "198.51.100.9",
            "198.51.100.10",
            "198.51.100.11",
            "198.51.100.12",
            "198.51.100.13",
            "198.51.100.14",
            "198.51.100.15",
            "198.51.100.16",
            "198.51.100.17",
            "198.51.100.18",
            "198.51.100.19",
            "198.51.100.20",
            "198.51.100.21",
            "198.51.100.22",
            "198.51.100.23",
            "198.51.100.24",
            "198.51.100.25",
            "198.51.100.26",
            "198.51.100.27",
            "198.51.100.28",
            "198.51.100.29",
            "198.51.100.30",
            "198.51.100.31",
            "198.51.100.32",
            "198.51.100.33",
            "198.51.100.34",
            "198.51.100.35",
            "198.51.100.36",
            "198.51.100.37",
            "198.51.100.38",
            "198.51.100.39",
            "198.51.100.40",
        ],
        0,
    ),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("bigboth",),
        0,
        (
            "bigboth.example.test",
            [],
            [
                "203.0.113.1",
                "203.0.113.2",
                "203.0.113.3",
                "203.0.113.4",
                "203.0.113.5",
                "203.0.113.6",
                "203.0.113.7",
                "203.0.113.8",
                "203.0.113.9",
                "203.0.113.10",
                "203.0.113.11",
                "203.0.113.12",
                "203.0.113.13",
                "203.0.113.14",
                "203.0.113.15",
                "203.0.113.16",
                "203.0.113.17",
                "203.0.113.18",
                "203.0.113.19",
                "203.0.113.20",
                "203.0.113.21",
                "203.0.113.22",
                "203.0.113.23",
                "203.0.113.24",
                "203.0.113.25",
            ],
        ),
        1,
    ),
    (
        "no-aaaa",
        "getaddrinfo",
        ("bigboth", 80, 0, 1),
        1,
        [
            "203.0.113.1",
            "203.0.113.2",
            "203.0.113.3",
            "203.0.113.4",
            "203.0.113.5",
            "203.0.113.6",
            "203.0.113.7",
            "203.0.113.8",
            "203.0.113.9",
            "203.0.113.10",
            "203.0.113.11",
            "203.0.113.12",
            "203.0.113.13",
            "203.0.113.14",
            "203.0.113.15",
            "203.0.113.16",
            "203.0.113.17",
            "203.0.113.18",
            "203.0.113.19",
            "203.0.113.20",
            "203.0.113.21",
            "203.0.113.22",
            "203.0.113.23",
            "203.0.113.24",
            "203.0.113.25",
        ],
        0,
    ),
    ("no-aaaa", "gethostbyname_ex", ("xzone",), 0, "gaierror -5", 3),
    ("no-aaaa", "getaddrinfo", ("xzone", 80, 0, 1), 3, "gaierror -2", 1),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("both.example.test.",),
        1,
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    ("no-aaaa", "getaddrinfo", ("both.example.test.", 80, 0, 1), 1, ["192.0.2.1"], 0),
    ("no-aaaa", "gethostbyname_ex", ("intest",), 0, "gaierror -2", 1),
    ("no-aaaa", "getaddrinfo", ("intest", 80, 0, 1), 1, "gaierror -2", 1),
    (
        "no-aaaa",
        "gethostbyname_ex",
        ("infiles",),
        1,
        ("infiles", ["infiles.example.test"], ["192.0.2.250"]),
        1,
    ),
    ("no-aaaa", "getaddrinfo", ("infiles", 80, 0, 1), 1, ["2001:db8::250", "192.0.2.250"], 1),
    ("sortlist", "gethostbyname_ex", ("both",), 0, ("both.example.test", [], ["192.0.2.1"]), 1),
    ("sortlist", "getaddrinfo", ("both", 80, 0, 1), 1, ["2001:db8::1", "192.0.2.1"], 0),
    ("sortlist", "gethostbyname_ex", ("v4only",), 0, ("v4only.example.test", [], ["192.0.2.4"]), 1),
    ("sortlist", "getaddrinfo", ("v4only", 80, 0, 1), 1, ["192.0.2.4"], 1),
    ("sortlist", "gethostbyname_ex", ("v6only",), 1, "gaierror -5", 4),
    ("sortlist", "getaddrinfo", ("v6only", 80, 0, 1), 4, ["2001:db8::6"], 0),
    (
        "sortlist",
        "gethostbyname_ex",
        ("c3a",),
        0,
        (
            "both.example.test",
            ["c3a.example.test", "c3b.example.test", "c3c.example.test"],
            ["192.0.2.1"],
        ),
        1,
    ),
    ("sortlist", "getaddrinfo", ("c3a", 80, 0, 1), 1, ["2001:db8::1", "192.0.2.1"], 0),
    ("sortlist", "gethostbyname_ex", ("dup",), 0, ("dup.example.test", [], ["192.0.2.111"]), 1),
    ("sortlist", "getaddrinfo", ("dup", 80, 0, 1), 1, ["192.0.2.111"], 1),
    (
        "sortlist",
        "gethostbyname_ex",
        ("onlysub",),
        1,
        ("onlysub.sub.example.test", [], ["192.0.2.113"]),
        1,
    ),
    ("sortlist", "getaddrinfo", ("onlysub", 80, 0, 1), 1, ["2001:db8::113", "192.0.2.113"], 0),
    ("sortlist", "gethostbyname_ex", ("x.y",), 0, ("x.y.example.test", [], ["192.0.2.120"]), 1),
    ("sortlist", "getaddrinfo", ("x.y", 80, 0, 1), 1, ["192.0.2.120"], 1),
    ("sortlist", "gethostbyname_ex", ("singlelabel",), 1, ("singlelabel", [], ["192.0.2.200"]), 1),
    ("sortlist", "getaddrinfo", ("singlelabel", 80, 0, 1), 1, ["2001:db8::200", "192.0.2.200"], 0),
    ("sortlist", "gethostbyname_ex", ("nothere",), 0, "gaierror -2", 1),
    ("sortlist", "getaddrinfo", ("nothere", 80, 0, 1), 1, "gaierror -2", 1),
    ("sortlist", "gethostbyname_ex", ("nodata",), 1, "gaierror -5", 4),
    ("sortlist", "getaddrinfo", ("nodata", 80, 0, 1), 4, "gaierror -5", 4),
    (
        "sortlist",
        "gethostbyname_ex",
        ("big4",),
        4,
        (
            "big4.example.test",
            [],
            [
                "198.51.100.1",
                "198.51.100.2",
                "198.51.100.3",
                "198.51.100.4",
                "198.51.100.5",
                "198.51.100.6",
                "198.51.100.7",
                "198.51.100.8",
                "198.51.100.9",
                "198.51.100.10",
                "198.51.100.11",
                "198.51.100.12",
                "198.51.100.13",
                "198.51.100.14",
                "198.51.100.15",
                "198.51.100.16",
                "198.51.100.17",
                "198.51.100.18",
                "198.51.100.19",
                "198.51.100.20",
                "198.51.100.21",
                "198.51.100.22",
                "198.51.100.23",
                "198.51.100.24",
                "198.51.100.25",
                "198.51.100.26",
                "198.51.100.27",
                "198.51.100.28",
                "198.51.100.29",
                "198.51.100.30",
                "198.51.100.31",
                "198.51.100.32",
                "198.51.100.33",
                "198.51.100.34",
                "198.51.100.35",
                "198.51.100.36",
                "198.51.100.37",
                "198.51.100.38",
                "198.51.100.39",
                "198.51.100.40",
            ],
        ),
        1,
    ),
    (
        "sortlist",
        "getaddrinfo",
        ("big4", 80, 0, 1),
        1,
        [
            "198.51.100.1",
            "198.51.100.2",
            "198.51.100.3",
            "198.51.100.4",
            "198.51.100.5",
            "198.51.100.6",
            "198.51.100.7",
            "198.51.100.8",
            "198.51.100.9",
            "198.51.100.10",
            "198.51.100.11",
            "198.51.100.12",
            "198.51.100.13",
            "198.51.100.14",
            "198.51.100.15",
            "198.51.100.16",
            "198.51.100.17",
            "198.51.100.18",
            "198.51.100.19",
            "198.51.100.20",
            "198.51.100.21",
            "198.51.100.22",
            "198.51.100.23",
            "198.51.100.24",
            "198.51.100.25",
            "198.51.100.26",
            "198.51.100.27",
            "198.51.100.28",
            "198.51.100.29",
            "198.51.100.30",
            "198.51.100.31",
            "198.51.100.32",
            "198.51.100.33",
            "198.51.100.34",
            "198.51.100.35",
            "198.51.100.36",
            "198.51.100.37",
            "198.51.100.38",
            "198.51.100.39",
            "198.51.100.40",
        ],
        1,
    ),
    (
        "sortlist",
        "gethostbyname_ex",
        ("bigboth",),
        1,
        (
            "bigboth.example.test",
            [],
            [
                "203.0.113.1",
                "203.0.113.2",
                "203.0.113.3",
                "203.0.113.4",
                "203.0.113.5",
                "203.0.113.6",
                "203.0.113.7",
                "203.0.113.8",
                "203.0.113.9",
                "203.0.113.10",
                "203.0.113.11",
                "203.0.113.12",
                "203.0.113.13",
                "203.0.113.14",
                "203.0.113.15",
                "203.0.113.16",
                "203.0.113.17",
                "203.0.113.18",
                "203.0.113.19",
                "203.0.113.20",
                "203.0.113.21",
                "203.0.113.22",
                "203.0.113.23",
                "203.0.113.24",
                "203.0.113.25",
            ],
        ),
        1,
    ),
    (
        "sortlist",
        "getaddrinfo",
        ("bigboth", 80, 0, 1),
        1,
        [
            "2001:db8:200::1",
            "2001:db8:200::2",
            "2001:db8:200::3",
            "2001:db8:200::4",
            "2001:db8:200::5",
            "2001:db8:200::6",
            "2001:db8:200::7",
            "2001:db8:200::8",
            "2001:db8:200::9",
            "2001:db8:200::10",
            "2001:db8:200::11",
            "2001:db8:200::12",
            "2001:db8:200::13",
            "2001:db8:200::14",
            "2001:db8:200::15",
            "2001:db8:200::16",
            "2001:db8:200::17",
            "2001:db8:200::18",
            "2001:db8:200::19",
            "2001:db8:200::20",
            "2001:db8:200::21",
            "2001:db8:200::22",
            "2001:db8:200::23",
            "2001:db8:200::24",
            "2001:db8:200::25",
            "203.0.113.1",
            "203.0.113.2",
            "203.0.113.3",
            "203.0.113.4",
            "203.0.113.5",
            "203.0.113.6",
            "203.0.113.7",
            "203.0.113.8",
            "203.0.113.9",
            "203.0.113.10",
            "203.0.113.11",
            "203.0.113.12",
            "203.0.113.13",
            "203.0.113.14",
            "203.0.113.15",
            "203.0.113.16",
            "203.0.113.17",
            "203.0.113.18",
            "203.0.113.19",
            "203.0.113.20",
            "203.0.113.21",
            "203.0.113.22",
            "203.0.113.23",
            "203.0.113.24",
            "203.0.113.25",
        ],
        0,
    ),
    ("sortlist", "gethostbyname_ex", ("xzone",), 0, "gaierror -5", 3),
    ("sortlist", "getaddrinfo", ("xzone", 80, 0, 1), 3, "gaierror -2", 1),
    (
        "sortlist",
        "gethostbyname_ex",
        ("both.example.test.",),
        1,
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "sortlist",
        "getaddrinfo",
        ("both.example.test.", 80, 0, 1),
        1,
        ["2001:db8::1", "192.0.2.1"],
        0,
    ),
    ("sortlist", "gethostbyname_ex", ("intest",), 0, "gaierror -2", 1),
    ("sortlist", "getaddrinfo", ("intest", 80, 0, 1), 1, "gaierror -2", 1),
    (
        "sortlist",
        "gethostbyname_ex",
        ("infiles",),
        1,
        ("infiles", ["infiles.example.test"], ["192.0.2.250"]),
        1,
    ),
    ("sortlist", "getaddrinfo", ("infiles", 80, 0, 1), 1, ["2001:db8::250", "192.0.2.250"], 1),
]


@pytest.mark.parametrize(
    ("variant", "func", "args", "before", "expected", "after"),
    [pytest.param(*r, id=r[0] + "-" + _id(r[1], r[2])) for r in VARIANT_ROWS],
)
def test_no_aaaa_and_sortlist_are_glibcs(
    tmp_path: Path,
    variant: str,
    func: str,
    args: tuple[Any, ...],
    before: int,
    expected: Any,
    after: int,
) -> None:
    res = resolver(tmp_path, VARIANTS[variant])
    assert call(res, func, args, before) == (expected, after)
    if variant == "no-aaaa":
        assert all(qtype != wire.AAAA for _, qtype in res.net.queries)


# (fault, resolv.conf, proxy rules, function, arguments, outcome, h_errno after): each fault's
# calls in order on one resolver (sticky single-request modes carry over), the proxy on
# 127.0.0.3 in front of the zones, 127.0.0.1 the zones themselves.
FAULT_ROWS: list[tuple[str, str, list[dict[str, Any]], str, tuple[Any, ...], Any, int]] = [
    (
        "drop",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "drop"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "drop",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "drop"}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        "gaierror -2",
        1,
    ),
    (
        "drop",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "drop"}],
        "gethostbyname_ex",
        ("both",),
        "gaierror -2",
        1,
    ),
    (
        "drop-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "drop"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["192.0.2.1"],
        0,
    ),
    (
        "drop-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "drop"}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "drop-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "drop"}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "drop-first-retried",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:2\n",
        [{"name": "v4only.example.test", "action": "drop_first", "n": 1}],
        "getaddrinfo",
        ("v4only", 80, 0, 1),
        ["192.0.2.4"],
        1,
    ),
    (
        "truncate-tcp",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "truncate"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["2001:db8::1", "192.0.2.1"],
        0,
    ),
    (
        "truncate-tcp",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "truncate"}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "truncate-tcp",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "truncate"}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "truncate-tcp-closed",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [
            {"name": "both.example.test", "transport": "udp", "action": "truncate"},
            {"name": "both.example.test", "transport": "tcp", "action": "tcp_close"},
        ],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "garbage",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "garbage"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "short",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "short"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "short",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "short"}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        "gaierror -2",
        1,
    ),
    (
        "wrong-id",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "wrong_id"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "wrong-question",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "wrong_question"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "other-source",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "other_source"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "servfail",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -3",
        2,
    ),
    (
        "servfail",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        "gaierror -3",
        2,
    ),
    (
        "servfail",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 2}],
        "gethostbyname_ex",
        ("both",),
        "gaierror -2",
        2,
    ),
    (
        "servfail-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["192.0.2.1"],
        0,
    ),
    (
        "servfail-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "servfail-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 2}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "refused",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "refused",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        "gaierror -2",
        1,
    ),
    (
        "refused",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "gethostbyname_ex",
        ("both",),
        "gaierror -2",
        1,
    ),
    (
        "notimp-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 4}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["192.0.2.1"],
        0,
    ),
    (
        "notimp-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 4}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "notimp-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 4}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "nxdomain-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 3}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["192.0.2.1"],
        1,
    ),
    (
        "nxdomain-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 3}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "nxdomain-aaaa",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "both.example.test", "qtype": 28, "action": "rcode", "rcode": 3}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "servfail-first-domain",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "dup.example.test", "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("dup", 80, 0, 1),
        "gaierror -3",
        2,
    ),
    (
        "servfail-first-domain",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "dup.example.test", "action": "rcode", "rcode": 2}],
        "getaddrinfo",
        ("dup", 80, 2, 1, 0, 2),
        "gaierror -3",
        2,
    ),
    (
        "servfail-first-domain",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "dup.example.test", "action": "rcode", "rcode": 2}],
        "gethostbyname_ex",
        ("dup",),
        "gaierror -2",
        2,
    ),
    (
        "refused-then-real-server",
        "nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch example.test\noptions timeout:1 attempts:1\n",  # noqa: E501
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["2001:db8::1", "192.0.2.1"],
        0,
    ),
    (
        "refused-then-real-server",
        "nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch example.test\noptions timeout:1 attempts:1\n",  # noqa: E501
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "getaddrinfo",
        ("both", 80, 2, 1, 0, 2),
        ["192.0.2.1 canon=both.example.test"],
        0,
    ),
    (
        "refused-then-real-server",
        "nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch example.test\noptions timeout:1 attempts:1\n",  # noqa: E501
        [{"name": "both.example.test", "action": "rcode", "rcode": 5}],
        "gethostbyname_ex",
        ("both",),
        ("both.example.test", [], ["192.0.2.1"]),
        1,
    ),
    (
        "drop-then-real-server",
        "nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch example.test\noptions timeout:1 attempts:1\n",  # noqa: E501
        [{"name": "both.example.test", "action": "drop"}],
        "getaddrinfo",
        ("both", 80, 0, 1),
        ["2001:db8::1", "192.0.2.1"],
        0,
    ),
    (
        "delay-past-timeout",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:2\n",
        [{"name": "v4only.example.test", "action": "delay", "seconds": 1.3}],
        "getaddrinfo",
        ("v4only", 80, 0, 1),
        "gaierror -2",
        1,
    ),
    (
        "ptr-servfail",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "in-addr.arpa", "action": "rcode", "rcode": 2}],
        "gethostbyaddr",
        ("192.0.2.1",),
        "herror 2",
        2,
    ),
    (
        "ptr-servfail",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "in-addr.arpa", "action": "rcode", "rcode": 2}],
        "getnameinfo",
        (("192.0.2.1", 80), 0),
        "gaierror -3",
        2,
    ),
    (
        "ptr-drop",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "in-addr.arpa", "action": "drop"}],
        "gethostbyaddr",
        ("192.0.2.1",),
        "herror 2",
        2,
    ),
    (
        "ptr-drop",
        "nameserver 127.0.0.3\nsearch example.test\noptions timeout:1 attempts:1\n",
        [{"name": "in-addr.arpa", "action": "drop"}],
        "getnameinfo",
        (("192.0.2.1", 80), 0),
        "gaierror -3",
        2,
    ),
]

# glibc leaves h_errno 0 after this call; netdb 3 (see test_h_errno_after_a_given_up_aaaa_reply).
KNOWN = {("drop-aaaa", 0)}


# Not replayed: with the reply delayed 1.3 s and ``timeout:1 attempts:2``, the scripted clock
# hands the first round's late replies to the retry (same socket, same IDs) and the lookup
# succeeds, where glibc and netdb in the sandbox both failed; the sandbox's timing is not
# modelled here (left for a closer look).
UNMODELLED = {"delay-past-timeout"}


def _fault_ids() -> list[str]:
    return [f for f in dict.fromkeys(r[0] for r in FAULT_ROWS) if f not in UNMODELLED]


def _run_fault(tmp: Path, fault: str) -> list[tuple[Any, int]]:
    rows = [r for r in FAULT_ROWS if r[0] == fault]
    auth = scripted.Authority(_zones())
    servers = {"127.0.0.3": scripted.Faults(auth, rows[0][2]), scripted.KNOT: auth}
    res = scripted.resolver(tmp, scripted.Net(servers), etc={"resolv": rows[0][1]})
    return [call(res, func, args, res.h_errno) for _, _, _, func, args, _, _ in rows]


@pytest.mark.parametrize("fault", _fault_ids())
def test_faults_are_glibcs(tmp_path: Path, fault: str) -> None:
    rows = [r for r in FAULT_ROWS if r[0] == fault]
    got = _run_fault(tmp_path, fault)
    for i, (row, (outcome, h_errno)) in enumerate(zip(rows, got, strict=True)):
        assert outcome == row[5], (fault, i, row[3], row[4])
        if (fault, i) not in KNOWN:
            assert h_errno == row[6], (fault, i, row[3], row[4])


@pytest.mark.xfail(
    strict=True,
    reason="bug: after an A+AAAA lookup whose AAAA reply glibc gave up on (1-byte second "
    "slot, single-request-reopen), glibc leaves h_errno 0 but netdb reports NO_RECOVERY (3): "
    "gaih_getanswer reads the 1-byte slot as a packet and stores NO_RECOVERY",
)
def test_h_errno_after_a_given_up_aaaa_reply(tmp_path: Path) -> None:
    outcome, h_errno = _run_fault(tmp_path, "drop-aaaa")[0]
    assert outcome == ["192.0.2.1"]
    assert h_errno == 0


# --- the reading functions on crafted replies ---------------------------------------------

NAME = "www.example.test"
Q_A = wire.build_query(1, wire.name_from_text(NAME), wire.A)
Q_AAAA = wire.build_query(2, wire.name_from_text(NAME), wire.AAAA)
Q_PTR = wire.build_query(3, wire.name_from_text("1.2.0.192.in-addr.arpa"), wire.PTR)
A1 = scripted.rr(NAME, wire.A, "192.0.2.1")
CN = scripted.rr(NAME, wire.CNAME, "alias.example.test")
A_ALIAS = scripted.rr("alias.example.test", wire.A, "192.0.2.2")
A_OTHER = scripted.rr("other.example.test", wire.A, "192.0.2.3")
BAD_CN = scripted.rr(NAME, wire.CNAME, "sp\\032ace.example.test")

# (case, records of the A reply, rcode, (status, official name, aliases, addresses, h_errno))
GETANSWER = [
    ("address", [A1], 0, (Status.SUCCESS, NAME, (), ("192.0.2.1",), 0)),
    (
        "chain: alias then address",
        [CN, A_ALIAS],
        0,
        (Status.SUCCESS, "alias.example.test", (NAME,), ("192.0.2.2",), 0),
    ),
    ("owner off the chain is skipped", [CN, A_OTHER], 0, (Status.TRYAGAIN, None, None, (), 3)),
    (
        "an invalid CNAME target is no alias but is followed",
        [BAD_CN, scripted.rr("sp\\032ace.example.test", wire.A, "192.0.2.9")],
        0,
        (Status.SUCCESS, NAME, (), ("192.0.2.9",), 0),
    ),
    ("no records", [], 0, (Status.TRYAGAIN, None, None, (), NO_RECOVERY)),
    ("NXDOMAIN", [], 3, (Status.NOTFOUND, None, None, (), HOST_NOT_FOUND)),
    (
        "AAAA record in an A reply",
        [scripted.rr(NAME, wire.AAAA, "2001:db8::1")],
        0,
        (Status.TRYAGAIN, None, None, (), NO_RECOVERY),
    ),
]


def _text(ans: Any) -> tuple[Any, ...]:
    import ipaddress

    addrs = tuple(str(ipaddress.ip_address(a.packed)) for a in ans.addresses)
    if ans.status is not Status.SUCCESS:
        return (ans.status, None, None, addrs, ans.h_errno)
    return (ans.status, ans.name, ans.aliases, addrs, ans.h_errno)


@pytest.mark.parametrize(
    ("records", "rcode", "expected"), [pytest.param(r, c, e, id=i) for i, r, c, e in GETANSWER]
)
def test_getanswer(records: list[wire.Record], rcode: int, expected: tuple[Any, ...]) -> None:
    packet = scripted.make_reply(Q_A, records, rcode=rcode)
    assert _text(nss_dns.getanswer(packet, wire.A, AF_INET)) == expected


AAAA1 = scripted.rr(NAME, wire.AAAA, "2001:db8::1")
# (case, A reply records, AAAA reply records or None, (status, canon, addresses, h_errno))
GAIH = [
    ("both", [A1], [AAAA1], (Status.SUCCESS, NAME, ("192.0.2.1", "2001:db8::1"), 0)),
    ("A only: h_errno of the empty second", [A1], [], (Status.SUCCESS, NAME, ("192.0.2.1",), 1)),
    ("AAAA only", [], [AAAA1], (Status.SUCCESS, NAME, ("2001:db8::1",), 0)),
    (
        "canon: last valid CNAME target",
        [CN, A_ALIAS],
        [],
        (Status.SUCCESS, "alias.example.test", ("192.0.2.2",), 1),
    ),
    ("neither", [], [], (Status.NOTFOUND, None, (), HOST_NOT_FOUND)),
    ("one reply", [A1], None, (Status.SUCCESS, NAME, ("192.0.2.1",), 0)),
]


@pytest.mark.parametrize(
    ("first", "second", "expected"), [pytest.param(f, s, e, id=i) for i, f, s, e in GAIH]
)
def test_gaih_getanswer(
    first: list[wire.Record], second: list[wire.Record] | None, expected: tuple[Any, ...]
) -> None:
    p1 = scripted.make_reply(Q_A, first)
    p2 = None if second is None else scripted.make_reply(Q_AAAA, second)
    ans = nss_dns.gaih_getanswer(p1, p2)
    import ipaddress

    addrs = tuple(str(ipaddress.ip_address(a.packed)) for a in ans.addresses)
    got = (ans.status, ans.name if ans.status is Status.SUCCESS else None, addrs, ans.h_errno)
    assert got == expected


PTR_OWNER = "1.2.0.192.in-addr.arpa"
# (case, records, (status, name, h_errno))
PTR = [
    (
        "PTR",
        [scripted.rr(PTR_OWNER, wire.PTR, "host.example.test")],
        (Status.SUCCESS, "host.example.test", 0),
    ),
    (
        "first PTR wins",
        [
            scripted.rr(PTR_OWNER, wire.PTR, "one.example.test"),
            scripted.rr(PTR_OWNER, wire.PTR, "two.example.test"),
        ],
        (Status.SUCCESS, "one.example.test", 0),
    ),
    (
        "CNAME followed",
        [
            scripted.rr(PTR_OWNER, wire.CNAME, "1.sub.rev.test"),
            scripted.rr("1.sub.rev.test", wire.PTR, "classless.example.test"),
        ],
        (Status.SUCCESS, "classless.example.test", 0),
    ),
    (
        "target not a host name",
        [scripted.rr(PTR_OWNER, wire.PTR, "sp\\032ace.example.test")],
        (Status.UNAVAIL, None, NO_RECOVERY),
    ),
    ("no PTR", [], (Status.TRYAGAIN, None, NO_RECOVERY)),
]


@pytest.mark.parametrize(("records", "expected"), [pytest.param(r, e, id=i) for i, r, e in PTR])
def test_getanswer_ptr(records: list[wire.Record], expected: tuple[Any, ...]) -> None:
    ans = nss_dns.getanswer_ptr(scripted.make_reply(Q_PTR, records))
    assert (ans.status, ans.name or None, ans.h_errno) == expected


# --- what a failed search gives (``_search_failed``), through gethostbyname4/3 ----------------

# (case, servers, (status, h_errno))
FAILURES = [
    ("no server answers (port closed)", {}, (Status.UNAVAIL, TRY_AGAIN)),
    ("silence", {scripted.KNOT: lambda q, t: []}, (Status.UNAVAIL, TRY_AGAIN)),
    (
        "SERVFAIL",
        {scripted.KNOT: scripted.Table({}, default=wire.SERVFAIL)},
        (Status.UNAVAIL, TRY_AGAIN),
    ),
    ("NXDOMAIN everywhere", {scripted.KNOT: scripted.Table({})}, (Status.NOTFOUND, HOST_NOT_FOUND)),
    (
        "no data everywhere",
        {
            scripted.KNOT: scripted.Table(
                {(n, None): [] for n in ("x.example.test", "x.sub.example.test", "x")}
            )
        },
        (Status.NOTFOUND, NO_DATA),
    ),
]


@pytest.mark.parametrize(
    ("servers", "expected"), [pytest.param(s, e, id=i) for i, s, e in FAILURES]
)
@pytest.mark.parametrize("which", ["gethostbyname4", "gethostbyname3"])
def test_failed_searches(servers: dict[str, Any], expected: tuple[Status, int], which: str) -> None:
    net = scripted.Net(dict(servers))
    ctx = scripted.context(net)
    if which == "gethostbyname4":
        ans = net.run(nss_dns.gethostbyname4(ctx, "x"))
    else:
        ans = net.run(nss_dns.gethostbyname3(ctx, "x", AF_INET6))
    assert (ans.status, ans.h_errno) == expected


def test_no_servers_is_tryagain() -> None:
    net = scripted.Net({})
    ctx = scripted.context(net, scripted.search_config(servers=()))
    ans = net.run(nss_dns.gethostbyname4(ctx, "x"))
    assert (ans.status, ans.h_errno) == (Status.TRYAGAIN, TRY_AGAIN)
    assert net.h_errno == TRY_AGAIN and not net.asked


@pytest.mark.parametrize(
    ("name", "queried"),
    [("sp ace", False), ("-dash", False), ("under_score", True), ("a" * 64, False)],
)
def test_gethostbyname4_checks_the_name_first(name: str, queried: bool) -> None:
    net = scripted.Net({scripted.KNOT: scripted.Table({})})
    ans = net.run(nss_dns.gethostbyname4(scripted.context(net), name))
    assert ans.status is Status.NOTFOUND
    assert bool(net.asked) == queried


@pytest.mark.parametrize(
    ("family", "packed", "qname"),
    [
        (AF_INET, bytes([192, 0, 2, 1]), "1.2.0.192.in-addr.arpa"),
        (AF_INET6, bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 1]), "1.2.0.192.in-addr.arpa"),
        (AF_INET6, bytes(12) + bytes([192, 0, 2, 1]), "1.2.0.192.in-addr.arpa"),
        (AF_INET6, bytes(15) + b"\x01", "1." + "0." * 31 + "ip6.arpa"),
    ],
)
def test_gethostbyaddr_asks_the_reverse_name_without_search(
    family: int, packed: bytes, qname: str
) -> None:
    net = scripted.Net({scripted.KNOT: scripted.Table({})})
    ans = net.run(nss_dns.gethostbyaddr(scripted.context(net), family, packed))
    assert net.queries == [(qname, wire.PTR)]
    assert (ans.status, ans.h_errno) == (Status.NOTFOUND, HOST_NOT_FOUND)
    assert errno.ECONNREFUSED  # errno is the module, kept for the failure tables
