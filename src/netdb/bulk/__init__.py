"""Bulk DNS resolution: millions of names, every input line answered exactly once.

The public face of the bulk engine (issue 4).  ``netdb bulk`` is the command
(``netdb.cli.bulk``); for programs::

    async for result in netdb.bulk.resolve(["www.example.com", "example.com MX"],
                                           nameservers=["192.0.2.53"]):
        print(result.line, result.status, [a.data for a in result.answers])

Parts: ``_jobs.py`` (input lines), ``_options.py`` (settings), ``_records.py`` (the versioned
record schema and its formats), ``_decode.py`` (reading replies), ``_limits.py`` (rates),
``_engine.py`` (the sans-I/O core), ``_io/loop.py`` (the command's epoll driver), ``_io/aio.py``
(the asyncio driver).  This module imports no I/O module until a driver is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from ._jobs import BOTH, Job, parse_line, parse_type
from ._options import Options, make_options, parse_server, system_servers
from ._records import (
    SCHEMA_VERSION,
    STATUSES,
    Answer,
    Result,
    csv_header,
    to_csv,
    to_jsonl,
    to_text,
)


def _job_iter(names: Iterable[str | Job], options: Options) -> Iterator[Job]:
    for n, item in enumerate(names, 1):
        yield item if isinstance(item, Job) else parse_line(n, item, options.types, options.search)


async def _ajob_iter(names: AsyncIterable[str | Job], options: Options) -> AsyncIterator[Job]:
    n = 0
    async for item in names:
        n += 1
        yield item if isinstance(item, Job) else parse_line(n, item, options.types, options.search)


def _options(options: Options | None, nameservers: Iterable[str] | None, settings: Any) -> Options:
    if options is not None:
        return options
    if "types" in settings and isinstance(settings["types"], str):
        settings["types"] = parse_type(settings["types"])
    if "search" in settings and settings["search"] is None:
        settings["search"] = ()
    return make_options(nameservers, **settings)


def resolve(
    names: Iterable[str | Job] | AsyncIterable[str | Job],
    *,
    options: Options | None = None,
    nameservers: Iterable[str] | None = None,
    **settings: Any,
) -> AsyncIterator[Result]:
    """Resolve every input line of ``names`` (``"NAME [TYPE]"`` strings, numbered from 1, or
    :class:`Job` objects), yielding one :class:`Result` per line as each finishes.

    ``options`` or the settings of :class:`Options` as keywords (``concurrency``, ``rate``,
    ``rate_per_server``, ``timeout``, ``retries``, ``retry_on``, ``search``, ``types`` (``"both"``,
    ``"MX"``, ...), ``sockets_per_server``, ``edns_payload``); ``nameservers`` defaults to
    resolv.conf's.  Runs on the running asyncio loop, with no thread.
    """
    from ._io.aio import resolve_jobs

    opts = _options(options, nameservers, dict(settings))
    if isinstance(names, AsyncIterable):
        return resolve_jobs(_ajob_iter(names, opts), opts)
    return resolve_jobs(_job_iter(names, opts), opts)


def resolve_iter(
    names: Iterable[str | Job],
    *,
    options: Options | None = None,
    nameservers: Iterable[str] | None = None,
    **settings: Any,
) -> Iterator[Result]:
    """The same as :func:`resolve` as a plain iterator (the command's epoll driver)."""
    from ._io.loop import resolve_sync

    opts = _options(options, nameservers, dict(settings))
    return resolve_sync(_job_iter(names, opts), opts)


__all__ = [
    "BOTH",
    "SCHEMA_VERSION",
    "STATUSES",
    "Answer",
    "Job",
    "Options",
    "Result",
    "csv_header",
    "make_options",
    "parse_line",
    "parse_server",
    "resolve",
    "resolve_iter",
    "system_servers",
    "to_csv",
    "to_jsonl",
    "to_text",
]
