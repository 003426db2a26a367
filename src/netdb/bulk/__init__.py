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

from ._jobs import BOTH, Job, decode_line, parse_line
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
    unescape_bytes,
)


def _job(n: int, item: object, o: Options) -> Job:
    if isinstance(item, Job):
        return item
    if isinstance(item, (bytes, bytearray)):
        item = decode_line(item)
    if not isinstance(item, str):
        raise TypeError(f"an input line must be a str, bytes or Job, not {type(item).__name__}")
    if item.endswith("\n"):
        item = item[:-1]
    return parse_line(n, item, o.types, o.search, o.ndots, o.no_tld_query)


def _job_iter(names: Iterable[str | bytes | Job], options: Options) -> Iterator[Job]:
    for n, item in enumerate(names, 1):
        yield _job(n, item, options)


async def _ajob_iter(
    names: AsyncIterable[str | bytes | Job], options: Options
) -> AsyncIterator[Job]:
    n = 0
    async for item in names:
        n += 1
        yield _job(n, item, options)


def _options(options: Options | None, nameservers: object, settings: dict[str, Any]) -> Options:
    if options is not None:
        if nameservers is not None or settings:
            raise TypeError("pass options=, or nameservers= and settings, not both")
        if not isinstance(options, Options):
            raise TypeError(f"options must be an Options, not {type(options).__name__}")
        return options
    return make_options(nameservers, **settings)


def _check_names(names: object) -> None:
    if isinstance(names, (str, bytes, bytearray)):
        raise TypeError("names must be an iterable of lines, not one " + type(names).__name__)
    if not isinstance(names, (Iterable, AsyncIterable)):
        raise TypeError(f"names must be an iterable of lines, not {type(names).__name__}")


def resolve(
    names: Iterable[str | bytes | Job] | AsyncIterable[str | bytes | Job],
    *,
    options: Options | None = None,
    nameservers: Iterable[str] | str | None = None,
    **settings: Any,
) -> AsyncIterator[Result]:
    """Resolve every input line of ``names`` (``"NAME [TYPE]"`` strings or bytes, numbered from
    1, or :class:`Job` objects), yielding one :class:`Result` per line as each finishes.

    ``options``, or the settings of :class:`Options` as keywords: ``concurrency``,
    ``retries``, ``sockets_per_server``, ``ndots`` (int); ``timeout``, ``min_timeout``, ``rate``,
    ``rate_per_server`` (seconds or queries/s; the rates None for no limit); ``adaptive``,
    ``no_tld_query`` (bool); ``edns_payload`` (512-65535, None: no EDNS); ``retry_on`` (statuses,
    a list or a comma-separated str); ``search`` (a list of domains, or a str of them separated
    by blanks, True for resolv.conf's list and ndots, False or None for none); ``types``
    (``"both"``, ``"MX"``, ``"TYPE65"``, ``65``, or a list of those).  Anything else is a
    TypeError or ValueError, raised here.  ``nameservers`` (addresses, a list or one str)
    defaults to resolv.conf's.  Runs on the running asyncio loop, with no thread.
    """
    from ._io.aio import resolve_jobs

    _check_names(names)
    opts = _options(options, nameservers, dict(settings))
    if isinstance(names, AsyncIterable):
        return resolve_jobs(_ajob_iter(names, opts), opts)
    return resolve_jobs(_job_iter(names, opts), opts)


def resolve_iter(
    names: Iterable[str | bytes | Job],
    *,
    options: Options | None = None,
    nameservers: Iterable[str] | str | None = None,
    **settings: Any,
) -> Iterator[Result]:
    """The same as :func:`resolve` as a plain iterator (the command's epoll driver)."""
    from ._io.loop import resolve_sync

    _check_names(names)
    if isinstance(names, AsyncIterable) and not isinstance(names, Iterable):
        raise TypeError("resolve_iter takes a plain iterable (resolve takes an async one)")
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
    "unescape_bytes",
]
