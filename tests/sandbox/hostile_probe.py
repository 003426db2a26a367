"""Run inside the sandbox by tests/test_hostile_lookups.py: one lookup, blocking and asyncio.

``python3 hostile_probe.py FUNC ARG DEADLINE [aio-first]`` makes
``netdb.Resolver(lifetime=DEADLINE).FUNC`` and ``netdb.aio.FUNC(..., timeout=DEADLINE)`` calls
(in that order, or the asyncio one first: then it finds nothing the other left in the process's
memos) and prints one JSON object: each call's outcome and seconds taken, and the longest the
asyncio loop went without running a ticker task that wants to run every 5 ms (how long the
lookup held the loop).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import netdb
import netdb.aio


def _args(func: str, arg: str) -> tuple[Any, ...]:
    return (arg, 80) if func == "getaddrinfo" else (arg,)


def _outcome(value: Any) -> str:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}{value.args!r}"
    return "ok"


async def _aio(func: str, arg: str, deadline: float) -> dict[str, Any]:
    gaps: list[float] = []
    stop = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    start = time.perf_counter()
    try:
        value: Any = await getattr(netdb.aio, func)(*_args(func, arg), timeout=deadline)
    except Exception as exc:  # the outcome is reported, whatever it is
        value = exc
    took = time.perf_counter() - start
    stop = True
    await task
    return {"outcome": _outcome(value), "seconds": took, "max_gap": max(gaps)}


def _sync(func: str, arg: str, deadline: float) -> dict[str, Any]:
    resolver = netdb.Resolver(lifetime=deadline)
    start = time.perf_counter()
    try:
        value: Any = getattr(resolver, func)(*_args(func, arg))
    except Exception as exc:  # the outcome is reported, whatever it is
        value = exc
    return {"outcome": _outcome(value), "seconds": time.perf_counter() - start}


def main() -> None:
    func, arg, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if sys.argv[4:] == ["aio-first"]:
        aio = asyncio.run(_aio(func, arg, deadline))
        sync = _sync(func, arg, deadline)
    else:
        sync = _sync(func, arg, deadline)
        aio = asyncio.run(_aio(func, arg, deadline))
    print(json.dumps({"sync": sync, "aio": aio}))


if __name__ == "__main__":
    main()
