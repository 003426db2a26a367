"""``netdb bulk``: resolve a stream of names, one record per input line (JSON Lines, text, CSV).

Owns the command's options, input and output files, ``--resume``, the progress line and the
summary.  The resolution itself is ``netdb.bulk`` (its epoll driver).  Input is read and output
written as a stream, so memory stays flat however long the input is; ``--resume`` keeps a bitmap
of the line numbers already in the output (one bit a line).

Input is read as bytes: a line ends at ``\\n`` only, and a line that is not UTF-8 gets an INVALID
record with its name escaped (``netdb.bulk._records``).

Exit status (:data:`EXIT_HELP`): 0 when every input line got its record (whatever the DNS said,
an unreachable server included), 64 bad usage, 66 the input cannot be read, 70 a worker process
died or an internal error (its records are missing), 71 no socket or process could be had (out
of descriptors, memory), 74 the output cannot be written, 130 interrupted, 141 the reader of the
output went away (``| head``: quietly, as a tool killed by SIGPIPE).  After 70, 74 or 130 the
records written are complete lines: run again with ``--resume``.  Every failure is one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import json
import os
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..bulk import _jobs
from ..bulk._io.workers import ShortageError, WorkerError
from ..bulk._options import DEFAULT_RETRY_ON, Options, parse_server, system_servers
from ..bulk._records import LINE_MAKERS, STATUSES, csv_header
from ..config.resolv import parse_resolv_conf
from ._output import drop_stdout, say, std_buffer

EXIT_OK = 0
EXIT_USAGE = 64
EXIT_NOINPUT = 66
EXIT_IOERR = 74
EXIT_SOFTWARE = 70
EXIT_OSERR = 71
EXIT_INTERRUPT = 130
EXIT_SIGPIPE = 141
EXIT_HELP = (
    "Exit status: 0 every line got its record (whatever DNS answered; a server that cannot be "
    "reached makes UNREACHABLE records), 64 bad usage, 66 input unreadable, 70 a worker process "
    "died or an internal error (lines are missing), 71 out of sockets, descriptors or "
    "processes, 74 output not written, 130 interrupted, 141 the output's reader went away "
    "(| head), quietly. After 70, 74 or 130 the records written are complete lines: run "
    "again with --resume."
)
_FLUSH_EVERY = 512
# The default run forks two workers only for an input of at least this many bytes (about 15,000
# names): a second worker's start-up (fork, its own sockets and ID lists, ~25 ms here) is paid
# back from about 20,000 names on (2 cores, Knot on the same machine: 10,000 names took the same
# time with one worker as with two, 30,000 names 10% less with two, 100,000 15% less).
SPLIT_BYTES = 256 << 10
# More processes than this would only compete for the cores and the sockets' buffers.
MAX_WORKERS = 64


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``bulk`` on the ``netdb`` command's subparsers."""
    p = sub.add_parser(
        "bulk",
        parents=[common],
        help="resolve many names (one per line, optionally 'NAME TYPE'), one record each",
        description="Resolve every line of FILE (or stdin) - 'NAME' or 'NAME TYPE' - and write "
        "one record per line (JSON Lines, schema v1, by default). TYPE: both (A and AAAA, the "
        "default), A, AAAA, PTR (the input is an address), CNAME, NS, MX, TXT, SOA, SRV, CAA, "
        "TYPEnnn or a number. A line ends at a newline only (a CR before it is dropped); a line "
        "that is not UTF-8 gets an INVALID record, its bad bytes written \\xHH.",
        epilog=EXIT_HELP,
    )
    p.add_argument("input", metavar="FILE", nargs="?", default="-", help="input ('-': stdin)")
    p.add_argument("-o", "--output", metavar="FILE", help="write records here (default stdout)")
    p.add_argument(
        "-f", "--format", choices=("jsonl", "text", "csv"), default="jsonl", help="output format"
    )
    p.add_argument("-t", "--type", default="both", help="type of lines without one (both)")
    p.add_argument(
        "-s",
        "--nameserver",
        action="append",
        metavar="ADDR",
        help="server to ask (ADDR, ADDR:PORT, [V6]:PORT); repeat for several "
        "(default: resolv.conf's)",
    )
    p.add_argument("--nameservers-file", metavar="FILE", help="servers, one per line")
    p.add_argument(
        "-c", "--concurrency", type=int, default=1000, help="queries in flight at most (1000)"
    )
    p.add_argument("--rate", type=float, help="queries per second at most, in all")
    p.add_argument("--rate-per-server", type=float, help="queries per second at most, per server")
    p.add_argument(
        "--timeout",
        type=float,
        default=2.0,
        help="the longest a try waits, seconds (2); tries wait the RTT-based retransmission "
        "timeout (RFC 6298) between --min-timeout and this, doubled per retry after the first",
    )
    p.add_argument(
        "--min-timeout", type=float, default=0.05, help="the shortest a try waits, seconds (0.05)"
    )
    p.add_argument(
        "--fixed-timeout", action="store_true", help="every try waits --timeout (no RTT estimate)"
    )
    p.add_argument("--retries", type=int, default=3, help="tries after the first (3)")
    p.add_argument(
        "--retry-on",
        action="append",
        metavar="STATUS",
        help="statuses tried again, comma-separated or repeated "
        f"(default {','.join(sorted(DEFAULT_RETRY_ON))}; 'none' for none)",
    )
    p.add_argument(
        "--search",
        action="store_true",
        help="walk resolv.conf's search list as glibc's res_search does (off: names are "
        "absolute): a name with fewer dots than ndots is asked under each search domain "
        "first, then as is; one with at least ndots dots as is first, then under each domain; "
        "a trailing dot: as is only. The walk goes on past NXDOMAIN, NODATA and SERVFAIL and "
        "ends at an answer or any other failure (REFUSED, TIMEOUT, ...), which still leaves "
        "the name as is to ask when it comes last. When nothing is found the record reports "
        "the name asked as is first, else a NODATA, else a SERVFAIL, else the last name. PTR "
        "lines never search",
    )
    p.add_argument(
        "--search-domain", action="append", metavar="DOMAIN", help="a search domain (implies "
        "--search, with this list instead of resolv.conf's)",
    )  # fmt: skip
    p.add_argument(
        "--ndots",
        type=int,
        metavar="N",
        help="dots a name needs to be asked as is before the search list (default: "
        "resolv.conf's ndots, 1)",
    )
    p.add_argument(
        "--edns-payload",
        type=int,
        default=1232,
        help="EDNS0 UDP size offered (1232; 0: no EDNS, replies over 512 bytes come truncated "
        "and are asked again over TCP)",
    )
    p.add_argument(
        "--sockets",
        type=int,
        default=2,
        help="UDP sockets per server, shared by the workers (2; at most 256)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip input lines already in the output file (needs --output, same input)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress line on stderr (default: when stderr is a terminal)",
    )
    p.add_argument(
        "-w",
        "--workers",
        type=int,
        default=0,
        help="processes sharing the lines of a FILE input, each with its own sockets, at most "
        f"{MAX_WORKERS} (default 0: two when the machine has two cores or more and FILE is a "
        "file of 256 KiB or more, else one; stdin, a pipe or a FIFO: always one)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")


class _Usage(Exception):
    pass


def _fail(message: str, code: int) -> int:
    say(f"netdb bulk: {message}\n")
    return code


def _resolv_path(ns: argparse.Namespace) -> str:
    return os.path.join(ns.etc or "/etc", "resolv.conf")


def _options(ns: argparse.Namespace) -> Options:
    texts: list[str] = list(ns.nameserver or ())
    if ns.nameservers_file:
        try:
            with open(ns.nameservers_file, encoding="utf-8", errors="surrogateescape") as f:
                texts += [w for line in f for w in line.split("#")[0].split()]
        except OSError as exc:
            raise _Usage(f"{ns.nameservers_file}: {exc.strerror or exc}") from None
    try:
        servers = (
            tuple(parse_server(t) for t in texts) if texts else system_servers(_resolv_path(ns))
        )
        types = _jobs.parse_type(ns.type)
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    search: tuple[str, ...] = ()
    ndots = 1
    no_tld_query = False
    if ns.search_domain or ns.search:
        try:
            with open(_resolv_path(ns), encoding="latin-1") as f:
                text: str | None = f.read()
        except OSError:
            text = None
        conf = parse_resolv_conf(text, env=os.environ, hostname="")
        search = tuple(ns.search_domain) if ns.search_domain else conf.search
        ndots = conf.ndots
        no_tld_query = "no-tld-query" in conf.options
    if ns.ndots is not None:
        ndots = ns.ndots
    retry_on = DEFAULT_RETRY_ON
    if ns.retry_on:
        words = {w.strip().upper() for item in ns.retry_on for w in item.split(",") if w.strip()}
        retry_on = frozenset(words - {"NONE"})
    try:
        return Options(
            servers,
            concurrency=ns.concurrency,
            rate=ns.rate,
            rate_per_server=ns.rate_per_server,
            timeout=ns.timeout,
            min_timeout=ns.min_timeout,
            adaptive=not ns.fixed_timeout,
            retries=ns.retries,
            retry_on=retry_on,
            search=search,
            ndots=ndots,
            no_tld_query=no_tld_query,
            sockets_per_server=ns.sockets,
            edns_payload=ns.edns_payload or None,
            types=types,
        )
    except ValueError as exc:
        raise _Usage(str(exc)) from None


# --- resume -------------------------------------------------------------------------------------


def _line_number(record: str, fmt: str) -> int | None:
    try:
        if fmt == "jsonl":
            value = json.loads(record).get("line")
            return value if isinstance(value, int) else None
        first = record.split("\t" if fmt == "text" else ",", 1)[0]
        return int(first) if first.isdigit() else None
    except (ValueError, AttributeError):
        return None


def done_lines(path: str, fmt: str) -> bytearray:
    """A bitmap of the line numbers recorded in ``path``; a last line cut short (the run was
    killed while writing it) is cut off the file, so that line is resolved again."""
    seen = bytearray()
    try:
        f = open(path, "r+b")  # noqa: SIM115 - kept open to truncate at the end
    except FileNotFoundError:
        return seen
    with f:
        good = 0
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            good += len(raw)
            n = _line_number(raw.decode("utf-8", "surrogateescape").rstrip("\r\n"), fmt)
            if n is None or n <= 0:
                continue
            byte = n >> 3
            if byte >= len(seen):
                seen.extend(bytes(byte + 1 - len(seen) + len(seen) // 2))
            seen[byte] |= 1 << (n & 7)
        f.truncate(good)
    return seen


def _is_done(seen: bytearray, n: int) -> bool:
    byte = n >> 3
    return byte < len(seen) and bool(seen[byte] & (1 << (n & 7)))


# --- input --------------------------------------------------------------------------------------


def _jobs_of(
    stream: IO[bytes],
    options: Options,
    seen: bytearray | None,
    skipped: list[int],
    shard: tuple[int, int] | None = None,
) -> Iterator[_jobs.Job]:
    """The jobs of the input lines (numbered from 1; every ``shard[1]``-th from ``shard[0]``),
    without those ``seen`` marks done."""
    parse = _jobs.parse_line
    types, search = options.types, options.search
    ndots, no_tld = options.ndots, options.no_tld_query
    mine, every = shard if shard is not None else (0, 1)
    lines: Iterator[tuple[int, bytes]] = enumerate(_jobs.read_lines(stream), 1)
    if every > 1:
        lines = itertools.islice(lines, mine, None, every)
    for n, text in lines:
        if seen is not None and _is_done(seen, n):
            skipped[0] += 1
            continue
        if text.endswith(b"\n"):
            text = text[:-1]
        yield parse(n, text.decode("utf-8", "surrogateescape"), types, search, ndots, no_tld)


def _count_lines(path: str) -> int | None:
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return None


# --- progress and summary -----------------------------------------------------------------------


class _Progress:
    def __init__(self, total: int | None, stream: IO[str]) -> None:
        self.total = total
        self.stream = stream
        self.start = time.monotonic()
        self.last = 0.0

    def show(self, done: int, counts: Counter[str], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = ""
        if self.total and rate > 0:
            left = max(self.total - done, 0) / rate
            eta = f"  ETA {int(left // 60)}:{int(left % 60):02d}"
        errors = " ".join(
            f"{s} {counts[s]}" for s in STATUSES if s not in ("NOERROR", "NODATA") and counts[s]
        )
        total = f"/{self.total}" if self.total else ""
        self.stream.write(f"\r\x1b[K{done}{total} names  {rate:,.0f}/s{eta}  {errors}")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def _summary(per_worker: dict[int, dict[str, Any]], elapsed: float, interrupted: bool) -> str:
    counts = _merged(per_worker)
    skipped = sum(i.get("skipped", 0) for i in per_worker.values())
    done = sum(counts.values())
    rate = done / elapsed if elapsed > 0 else 0.0
    parts = ", ".join(f"{s} {n}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    lines = [
        f"netdb bulk: {done} names in {elapsed:.2f} s ({rate:,.0f} names/s)"
        + (f", {skipped} skipped (--resume)" if skipped else ""),
        f"  statuses: {parts or 'none'}",
    ]
    q = {k: sum(i.get(k, 0) for i in per_worker.values()) for k in
         ("sent", "retried", "tcp", "received", "unmatched")}  # fmt: skip
    lines.append(
        f"  queries: {q['sent']} sent, {q['retried']} retried, {q['tcp']} over TCP, "
        f"{q['received']} datagrams received, {q['unmatched']} unmatched (dropped)"
    )
    if interrupted:
        lines.append("  interrupted: the records written are complete; run again with --resume")
    return "\n".join(lines) + "\n"


# --- the command --------------------------------------------------------------------------------


def _stats(engine: Any, counts: Counter[str], skipped: int, done: bool) -> dict[str, Any]:
    info: dict[str, Any] = {"counts": dict(counts), "skipped": skipped, "done": done}
    if engine is not None:
        for key in ("sent", "retried", "tcp", "received", "unmatched"):
            info[key] = getattr(engine, key)
    return info


def _resolve(
    stream: IO[bytes],
    options: Options,
    fmt: str,
    seen: bytearray | None,
    shard: tuple[int, int] | None,
    write: Callable[[bytes], None],
    after_chunk: Callable[[Any, Counter[str], int], None],
) -> tuple[Any, Counter[str], int, bool]:
    """Resolve the lines of ``stream`` (every ``shard[1]``-th from ``shard[0]``) and write their
    records; (engine, counts, skipped, interrupted)."""
    from ..bulk._io.loop import Run

    counts: Counter[str] = Counter()
    skipped = [0]
    buf: list[str] = []
    engine = None
    interrupted = False
    try:
        jobs = _jobs_of(stream, options, seen, skipped, shard)
        try:
            run = Run(jobs, options, LINE_MAKERS[fmt])
        except OSError as exc:
            raise ShortageError(exc.errno, f"cannot open sockets: {exc.strerror}") from None
        with run as bulk:
            engine = bulk.engine
            counts = engine.counts
            _quiet_gc()
            for records in bulk.batches():
                buf += records
                if len(buf) >= _FLUSH_EVERY:
                    buf.append("")
                    write("\n".join(buf).encode("utf-8", "backslashreplace"))
                    buf.clear()
                    after_chunk(engine, counts, skipped[0])
    except KeyboardInterrupt:
        interrupted = True
    if buf:
        buf.append("")
        write("\n".join(buf).encode("utf-8", "backslashreplace"))
    return engine, counts, skipped[0], interrupted


def _quiet_gc() -> None:
    """Keep the cycle collector off the hot path of this process: what exists now (modules, the
    engine's ID lists) is frozen out of every collection, and collections come rarely.  The
    engine makes no reference cycles, so everything is still freed as soon as it is done with."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _open_input(path: str) -> IO[bytes]:
    """The input as bytes: lines end at ``\\n`` only (no universal newlines, no decoding)."""
    if path == "-":
        return std_buffer(sys.stdin)
    return open(path, "rb")


def run(ns: argparse.Namespace) -> int:
    """Run ``netdb bulk`` with the parsed arguments ``ns``; the exit status."""
    try:
        return _run(ns)
    except BrokenPipeError:  # the output's reader went away (| head): quietly, as SIGPIPE would
        drop_stdout()
        return EXIT_SIGPIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPT
    except Exception as exc:  # "never a traceback": one line, and the status
        first = str(exc).splitlines()[0] if str(exc) else ""
        return _fail(f"internal error: {type(exc).__name__}: {first}", EXIT_SOFTWARE)


def worker_count(path: str, requested: int = 0, cores: int | None = None) -> int:
    """The workers that share input ``path``: ``requested`` (``--workers``) or, for 0, two on a
    machine of two cores or more for a regular file of at least :data:`SPLIT_BYTES`, else one (a
    second worker's start-up would not pay for itself).  Only a regular file is shared: each
    worker reads it from the start, where from stdin, a pipe or a FIFO the lines one worker
    reads would be lost to the others, so those always get one."""
    try:
        st = None if path == "-" else os.stat(path)
    except OSError:
        return 1
    if st is None or not stat.S_ISREG(st.st_mode):
        return 1
    if requested:
        return requested
    cores = (os.cpu_count() or 1) if cores is None else cores
    return 2 if cores >= 2 and st.st_size >= SPLIT_BYTES else 1


def _run(ns: argparse.Namespace) -> int:
    try:
        options = _options(ns)
        if ns.resume and not ns.output:
            raise _Usage("--resume needs --output FILE")
        if not 0 <= ns.workers <= MAX_WORKERS:
            raise _Usage(f"--workers must be 0 to {MAX_WORKERS}")
    except _Usage as exc:
        say(f"netdb bulk: {exc}\nTry 'netdb bulk --help' for more information.\n")
        return EXIT_USAGE
    fmt: str = ns.format
    workers = worker_count(ns.input, ns.workers)
    try:
        stream = _open_input(ns.input)
    except OSError as exc:
        return _fail(
            f"{ns.input if ns.input != '-' else 'stdin'}: {exc.strerror or exc}", EXIT_NOINPUT
        )
    if ns.output and _same_file(stream, ns.output):
        stream.close()
        return _fail(f"{ns.output}: the output is the input file", EXIT_USAGE)
    try:
        seen = done_lines(ns.output, fmt) if ns.resume else None
    except OSError as exc:
        stream.close()
        return _fail(f"{ns.output}: {exc.strerror or exc}", EXIT_IOERR)
    try:
        if ns.output:
            exists = os.path.exists(ns.output) and os.path.getsize(ns.output) > 0
            out: IO[bytes] = open(ns.output, "ab" if ns.resume else "wb")  # noqa: SIM115
        else:
            exists = False
            out = std_buffer(sys.stdout)
    except OSError as exc:
        stream.close()
        return _fail(f"{ns.output or 'stdout'}: {exc.strerror or exc}", EXIT_IOERR)
    show = ns.progress if ns.progress is not None else sys.stderr.isatty()
    total = _count_lines(ns.input) if show and ns.input != "-" else None
    progress = _Progress(total, sys.stderr) if show else None
    start = time.monotonic()
    per_worker: dict[int, dict[str, Any]] = {}

    def emit(data: bytes) -> None:
        out.write(data)

    try:
        if fmt == "csv" and not (ns.resume and exists):
            out.write((csv_header() + "\n").encode())
        if workers == 1:

            def shown(engine: Any, counts: Counter[str], skipped: int) -> None:
                if progress is not None:
                    progress.show(sum(counts.values()) + skipped, counts)

            engine, counts, skipped, interrupted = _resolve(
                stream, options, fmt, seen, None, emit, shown
            )
            per_worker[0] = _stats(engine, counts, skipped, True)
        else:
            from ..bulk._io.workers import control, fan_out

            if ns.input != "-":
                stream.close()
            out.flush()
            # The window, the sockets and the rates are the run's: each worker takes its share.
            share = dataclasses.replace(
                options,
                concurrency=max(1, options.concurrency // workers),
                sockets_per_server=max(1, options.sockets_per_server // workers),
                rate=None if options.rate is None else options.rate / workers,
                rate_per_server=(
                    None if options.rate_per_server is None else options.rate_per_server / workers
                ),
            )

            def work(k: int, write: Callable[[bytes], None]) -> None:
                def report(engine: Any, counts: Counter[str], skipped: int) -> None:
                    write(control(_stats(engine, counts, skipped, False)))

                with _open_input(ns.input) as mine:
                    engine, counts, skipped, stopped = _resolve(
                        mine, share, fmt, seen, (k, workers), write, report
                    )
                info = _stats(engine, counts, skipped, True)
                info["interrupted"] = stopped
                write(control(info))

            def on_control(k: int, info: dict[str, Any]) -> None:
                per_worker[k] = info
                if progress is not None:
                    counts = _merged(per_worker)
                    skipped = sum(i.get("skipped", 0) for i in per_worker.values())
                    progress.show(sum(counts.values()) + skipped, counts)

            interrupted = fan_out(workers, work, emit, on_control)
            interrupted = interrupted or any(i.get("interrupted") for i in per_worker.values())
    except ShortageError as exc:
        if progress is not None:
            progress.end()
        return _fail(f"{exc.strerror or exc}", EXIT_OSERR)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        if progress is not None:
            progress.end()
        return _fail(f"{ns.output or 'output'}: {exc.strerror or exc}", EXIT_IOERR)
    except WorkerError as exc:
        if progress is not None:
            progress.end()
        return _fail(
            f"{exc}; the records written are complete lines: run again with --resume", exc.code
        )
    finally:
        closing = _close_output(out, bool(ns.output))
        if ns.output:
            _cut_partial_record(ns.output)
        if ns.input != "-":
            stream.close()
    if closing is not None:  # the last records did not reach the output
        if progress is not None:
            progress.end()
        if isinstance(closing, BrokenPipeError) and not ns.output:
            raise closing
        if not ns.output:
            drop_stdout()
        return _fail(f"{ns.output or 'output'}: {closing.strerror or closing}", EXIT_IOERR)
    if progress is not None:
        progress.end()
    if not ns.quiet:
        say(_summary(per_worker, time.monotonic() - start, interrupted))
    return EXIT_INTERRUPT if interrupted else EXIT_OK


def _same_file(stream: IO[bytes], path: str) -> bool:
    """Whether ``path`` names the file ``stream`` reads (writing it would destroy the input)."""
    try:
        a, b = os.fstat(stream.fileno()), os.stat(path)
    except (OSError, ValueError, AttributeError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _cut_partial_record(path: str) -> None:
    """Leave the output file ending after its last complete record: a write cut short (a full
    disk, an interruption) may have left part of one, where README promises complete lines."""
    try:
        with open(path, "rb+") as f:
            end = f.seek(0, os.SEEK_END)
            pos = end
            while pos > 0:
                step = min(pos, 65536)
                f.seek(pos - step)
                block = f.read(step)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    pos = pos - step + newline + 1
                    break
                pos -= step
            if pos != end:
                f.truncate(pos)
    except OSError:
        pass  # (not a regular file, or gone: nothing to cut)


def _close_output(out: IO[bytes], owned: bool) -> OSError | None:
    """Flush the output (and close it when it is the run's own file); the error that kept the
    last records from it, if any."""
    failed: OSError | None = None
    try:
        out.flush()
    except OSError as exc:
        failed = exc
    if owned:
        try:
            out.close()
        except OSError as exc:
            failed = failed or exc
    return failed


def _merged(per_worker: dict[int, dict[str, Any]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for info in per_worker.values():
        total.update(info.get("counts", {}))
    return total
