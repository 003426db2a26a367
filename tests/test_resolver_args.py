"""``Resolver(nameservers=...)``: the forms it takes and the ones it refuses.

A port is ASCII digits from 1 to 65535 (``int()`` alone would take ``" 53"``, ``"5_3"`` and
other scripts' digits); a scope after ``%`` is a number only in ASCII digits, else an interface
name (``"²"`` is a digit to ``str.isdigit`` but no number to ``int``).
"""

from __future__ import annotations

import pytest

import netdb
from netdb.constants import AF_INET, AF_INET6
from netdb.dns.ops import Server

GOOD = [
    ("192.0.2.1", Server(AF_INET, "192.0.2.1", 53)),
    ("192.0.2.1:5353", Server(AF_INET, "192.0.2.1", 5353)),
    ("[::1]:5353", Server(AF_INET6, "::1", 5353)),
    ("::1", Server(AF_INET6, "::1", 53)),
    ("fe80::1%7", Server(AF_INET6, "fe80::1", 53, 7)),
    ("fe80::1%\u00b2", Server(AF_INET6, "fe80::1", 53, 0)),  # no such interface
]
BAD = ["192.0.2.1:\u0665\u0663", "192.0.2.1:5_3", "192.0.2.1: 53", "[::1]:0", "[::1]:65536"]


@pytest.mark.parametrize(("text", "server"), GOOD)
def test_nameserver_forms(text: str, server: Server) -> None:
    got = netdb.Resolver(nameservers=[text])._search_config().send.servers
    assert got == (server,)


@pytest.mark.parametrize("text", BAD)
def test_bad_ports_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="bad port in name server"):
        netdb.Resolver(nameservers=[text])._search_config()
