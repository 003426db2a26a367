"""The asyncio driver of the bulk engine: ``async for result in netdb.bulk.resolve(...)``.

Owns the same loop as ``loop.py`` on asyncio's event loop, for programs that do their own I/O:
the engine's sockets are watched with ``loop.add_reader`` (each readiness event drains the socket
until ``BlockingIOError``), the engine's next deadline is a single timer, input may be a plain or
an async iterable, and truncated replies are asked again over TCP with asyncio streams.  No
thread is started.  Leaving the ``async for`` early (break, cancellation) closes every socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable

from ...dns.ops import Server
from .._engine import Engine, _Query
from .._jobs import Job
from .._options import Options
from .._records import Result
from .sockets import drain, open_all


async def _tcp_exchange(server: Server, query: bytes, timeout: float) -> bytes | None:
    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            writer.write(struct.pack("!H", len(query)) + query)
            head = await reader.readexactly(2)
            return await reader.readexactly(struct.unpack("!H", head)[0])
        finally:
            writer.close()

    try:
        return await asyncio.wait_for(exchange(), timeout)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return None


async def resolve_jobs(
    jobs: Iterable[Job] | AsyncIterable[Job], options: Options
) -> AsyncIterator[Result]:
    """Every record of ``jobs``, in the order they finish."""
    loop = asyncio.get_running_loop()
    tcp_tasks: set[asyncio.Task[None]] = set()
    socks, owners, down = open_all(options)
    try:
        engine: Engine[Result] = Engine(options, owners, down=down)
        clock = time.monotonic
        wake = asyncio.Event()

        def readable(si: int) -> None:
            drain(socks[si].recv, si, engine.on_replies, clock())
            wake.set()

        for si, s in enumerate(socks):
            loop.add_reader(s.fileno(), readable, si)

        async def tcp(q: _Query, k: int, query: bytes) -> None:
            reply = await _tcp_exchange(options.servers[k], query, options.timeout)
            engine.on_tcp_reply(q, query, reply, clock())
            wake.set()

        if isinstance(jobs, AsyncIterable):
            ajobs: AsyncIterator[Job] | None = jobs.__aiter__()
            sjobs = None
        else:
            ajobs = None
            sjobs = iter(jobs)
        eof = False
        finished = engine.finished
        while True:
            now = clock()
            room = engine.room()
            while not eof and room > 0:
                job: Job | None
                if sjobs is not None:
                    job = next(sjobs, None)
                else:
                    assert ajobs is not None
                    try:
                        job = await ajobs.__anext__()
                    except StopAsyncIteration:
                        job = None
                if job is None:
                    eof = True
                    break
                engine.admit(job, now)
                room -= len(job.qtypes)
            for si, payload in engine.poll_sends(now):
                try:
                    socks[si].send(payload)
                except BlockingIOError:
                    engine.unsend(si, payload)
                except OSError as exc:
                    engine.send_failed(si, payload, exc, now)
            while finished:
                yield finished.popleft()
            if eof and engine.idle:
                return
            deadline = engine.next_deadline(clock())
            wait = 1.0 if deadline is None else max(0.0, deadline - clock())
            if wait > 0:
                wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), min(wait, 1.0))
            else:
                await asyncio.sleep(0)
            engine.on_timer(clock())
            while engine.tcp_wanted:
                q = engine.tcp_wanted.popleft()
                task = loop.create_task(tcp(q, *engine.tcp_query(q)))
                tcp_tasks.add(task)
                task.add_done_callback(tcp_tasks.discard)
            while finished:
                yield finished.popleft()
    finally:
        for s in socks:
            with contextlib.suppress(Exception):
                loop.remove_reader(s.fileno())
            s.close()
        for t in list(tcp_tasks):
            t.cancel()
