"""netdb.aiohttp.Resolver: aiohttp's ThreadedResolver's answers (dicts, order, exceptions) from
netdb.aio, with no thread; the aiohttp client on it against a real server, in the sandbox.

See tests/test_install_clients.py for the sandbox (Knot's ``install.test.`` behind the fault
proxy, 10.0.0.0/8 local, an aiohttp server on port 8080) and how a test tells who answered.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.sandbox.harness import Sandbox
from tests.test_install_clients import box, check_bad, check_switch, run

aiohttp = pytest.importorskip("aiohttp")

__all__ = ["box"]  # the sandbox fixture, shared with tests/test_install_clients.py


def test_resolver_is_an_aiohttp_abstract_resolver() -> None:
    import aiohttp.abc

    import netdb
    import netdb.aiohttp

    r = netdb.aiohttp.Resolver(netdb.Resolver(), timeout=1.0)
    assert isinstance(r, aiohttp.abc.AbstractResolver)
    assert netdb.aiohttp.Resolver.__module__ == "netdb.aiohttp"
    with pytest.raises(TypeError, match="must be a netdb"):
        netdb.aiohttp.Resolver("127.0.0.1")  # type: ignore[arg-type]

    async def numeric() -> list[object]:
        got = await r.resolve("127.0.0.1", 80, socket.AF_INET)
        await r.close()
        return list(got)

    assert asyncio.run(numeric()) == [
        {
            "hostname": "127.0.0.1",
            "host": "127.0.0.1",
            "port": 80,
            "family": socket.AF_INET,
            "proto": 6,
            "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
        }
    ]


def test_same_answers_as_threaded_resolver(box: Sandbox) -> None:
    got = run(
        box,
        """
        import aiohttp, netdb.aiohttp
        names = ["web.install.test", "dual.install.test", "many.install.test",
                 "alias.install.test", "v6.install.test", "both.example.test",
                 "multi.example.test", "v6only.example.test", "bigboth.example.test",
                 "localhost", "127.0.0.1", "::1", None, "",
                 # scope ids: ThreadedResolver asks getnameinfo for the address with its %zone
                 "fe80::1%lo", "fe80::1%1", "FE80::abcd%LO", "fe80::1%99", "fe80::1%nosuch",
                 "ff02::1%lo"] + BAD
        # Not scopes.example.test: glibc's order of its 13 addresses depends on which of the A
        # and AAAA replies came first (its comparison is not transitive there), and the proxy
        # answers the two in threads of their own.
        calls = [(n, port, fam) for n in names for port in (0, 443, "8080", "http")
                 for fam in (socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6, socket.AF_UNIX)]
        async def main():
            threaded = aiohttp.ThreadedResolver()
            ours = netdb.aiohttp.Resolver(netdb.Resolver(cache=False))
            glibc = [await aoutcome(threaded.resolve(*c)) for c in calls]
            before = pool_threads()
            mine = await asyncio.gather(*(aoutcome(ours.resolve(*c)) for c in calls))
            return glibc, list(mine), before, pool_threads()
        glibc, mine, before, after = asyncio.run(main())
        print(json.dumps(dict(glibc=glibc, mine=mine, threads=[before, after])))
        """,
    )
    assert got["mine"] == got["glibc"]
    assert got["threads"][0] == got["threads"][1]
    assert sum(o.startswith("ok ") for o in got["glibc"]) >= 20
    assert any("gaierror" in o for o in got["glibc"])


def test_aiohttp_client_with_the_netdb_resolver(box: Sandbox) -> None:
    got = run(
        box,
        """
        import aiohttp, netdb.aiohttp
        server = start_server()
        async def fetch(host, resolver):
            conn = aiohttp.TCPConnector(resolver=resolver)
            async with aiohttp.ClientSession(connector=conn,
                                             timeout=aiohttp.ClientTimeout(total=5)) as s:
                async with s.get(f"http://{host}:8080/") as r:
                    return await r.text()
        async def main():
            threaded = aiohttp.ThreadedResolver()
            direct = netdb.aiohttp.Resolver(DIRECT)
            proxied = netdb.aiohttp.Resolver(PROXIED)
            before = await aoutcome(fetch("hidden.install.test", threaded))
            fresh = pool_threads()
            during = await aoutcome(fetch("hidden.install.test", direct))
            web = await aoutcome(fetch("web.install.test", direct))
            executor = repr(asyncio.get_running_loop()._default_executor)
            after = await aoutcome(fetch("hidden.install.test", threaded))
            return dict(before=before, during=during, after=after, web=web,
                        executor=executor, fresh=fresh,
                        bad_glibc=[await atimed(fetch(n, threaded)) for n in BAD],
                        bad_netdb=[await atimed(fetch(n, proxied)) for n in BAD],
                        slow_glibc=await atimed(fetch("slow.install.test", threaded)),
                        slow_netdb=await atimed(fetch("slow.install.test", proxied)))
        # netdb first, in a loop of its own: no thread pool is ever made for its lookups.
        async def only_netdb():
            text = await aoutcome(fetch("hidden.install.test",
                                        netdb.aiohttp.Resolver(DIRECT)))
            return text, repr(asyncio.get_running_loop()._default_executor), pool_threads()
        alone = asyncio.run(only_netdb())
        got = asyncio.run(main())
        got["alone"] = alone
        server.kill()
        print(json.dumps(got))
        """,
    )
    check_switch(got)
    assert "aiohttp.client_exceptions.ClientConnectorDNSError" in got["before"]
    assert '"local": "10.11.0.1"' in got["web"]
    text, executor, threads = got["alone"]
    assert '"local": "10.11.0.2"' in text
    assert (executor, threads) == ("None", [])
    check_bad(got)
