"""``netdb.aio.explain`` in the sandbox: explained coroutines, concurrently, answer as glibc does.

The explained lookups run together on one loop, interleaved with plain ones; each explanation
holds its own lookup's steps and none of another's (the recorder is set only while its own
lookup's code runs).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.sandbox import dnsservers
from tests.sandbox.harness import Sandbox, Scenario
from tests.test_aio import AIO, run

pytestmark = pytest.mark.skipif(
    dnsservers.available() is not None, reason=str(dnsservers.available())
)


def test_explained_coroutines_interleaved(sandboxes: Callable[[Scenario], Sandbox]) -> None:
    box = sandboxes(AIO)
    box.fault([{"name": "nodata.example.test", "action": "delay", "delay": 0.2}])
    try:
        got = run(
            box,
            """
            names = ["both", "v4only", "onlysub", "nothere", "nodata", "infiles"]
            calls = [("getaddrinfo", (n, 80, 0, socket.SOCK_STREAM)) for n in names]
            calls += [("gethostbyname_ex", (n,)) for n in names[:3]]
            calls += [("gethostbyaddr", ("192.0.2.1",)), ("getnameinfo", (("192.0.2.1", 80), 0))]
            glibc = [outcome(getattr(socket, f), *a) for f, a in calls]
            async def explained(f, a, r):
                exp = await netdb.aio.explain(getattr(netdb.aio, f), *a, resolver=r)
                asked = sorted({s.name for s in exp.steps if s.kind == "query"})
                return outcome(exp.outcome), asked
            async def main():
                r = netdb.Resolver(cache=False, memoize=False)
                plain = [getattr(netdb.aio, f)(*a, resolver=r) for f, a in calls]
                got = await asyncio.gather(
                    *(explained(f, a, r) for f, a in calls), *plain, return_exceptions=True
                )
                return got[: len(calls)]
            ours = asyncio.run(main())
            print(json.dumps({"glibc": glibc, "ours": [o for o, _ in ours],
                              "asked": [a for _, a in ours], "names": names}))
            """,
        )
    finally:
        box.fault([])
    assert got["ours"] == got["glibc"]
    # Each explanation saw only its own name's queries, though all ran on the loop at once.
    for name, asked in zip(got["names"], got["asked"], strict=False):
        assert all(q.split(".")[0] == name for q in asked), (name, asked)
    assert got["asked"][0] == ["both.example.test"]
    assert got["asked"][5] == []  # infiles: the hosts file answered
