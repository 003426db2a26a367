"""Several processes for one bulk run: fork workers, merge their output lines, forward Ctrl-C.

Owns the fan-out of the command's run over ``n`` forked processes (each a whole engine with its
own sockets, resolving every ``n``-th input line) and the merge of what they write to their pipes.
A worker writes complete output lines, and after each batch a control line that starts with a
NUL byte and holds JSON (its counts so far; the last one also says it is done; a worker that
fails says why in one).  Records never start with a NUL byte (JSON starts with ``{``, text and
CSV with the line number), so the parent copies every other line straight to the output.  SIGINT
reaching the parent is forwarded to the workers, which write out the complete records they have
and stop; the parent drains every pipe to its end before it returns.

Nothing prints a traceback.  A worker dies quietly with its parent: the kernel kills it when the
parent goes (``PR_SET_PDEATHSIG``), and a write to a parent that is gone kills it (SIGPIPE, as a
shell tool dies).  A worker that fails writes one line of why in its last control line; a worker
killed by a signal is reported by the parent (:class:`WorkerError`).  When the parent itself
cannot go on (its output is closed or full) it kills its workers before it raises.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import signal
from collections.abc import Callable
from typing import Any, NoReturn

Work = Callable[[int, Callable[[bytes], None]], None]
PR_SET_PDEATHSIG = 1


SHORTAGE = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.EAGAIN))
EXIT_SOFTWARE = 70
EXIT_OSERR = 71


class WorkerError(Exception):
    """A worker died before it finished (killed by a signal, or failed): one line, why;
    ``code`` is 71 when it ran out of descriptors, memory or processes, else 70."""

    def __init__(self, message: str, code: int = EXIT_SOFTWARE) -> None:
        super().__init__(message)
        self.code = code


class ShortageError(OSError):
    """This machine ran out of what the run needs (descriptors, memory, processes)."""


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def control(info: dict[str, Any]) -> bytes:
    """A worker's control line (see the module docstring)."""
    return b"\x00" + json.dumps(info).encode() + b"\n"


def _stop_once(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _die_with(parent: int) -> None:
    """In a worker: be killed when ``parent`` ends (Linux; elsewhere the next write does it)."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent went before prctl took effect
        os._exit(0)


def _worker(k: int, r: int, w: int, others: list[int], parent: int, work: Work) -> NoReturn:
    """The forked side: run ``work(k, ...)`` and leave with ``os._exit``, never a traceback."""
    code = 0
    try:
        _die_with(parent)
        os.close(r)
        for other in others:
            os.close(other)
        signal.signal(signal.SIGINT, _stop_once)
        work(k, lambda data: write_all(w, data))
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 141  # the parent is gone: nobody to tell
    except BaseException as exc:  # reported in one line, as the module docstring says
        code = EXIT_OSERR if isinstance(exc, OSError) and exc.errno in SHORTAGE else EXIT_SOFTWARE
        text = str(exc).splitlines()[0] if str(exc) else ""
        why = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        with contextlib.suppress(OSError):
            write_all(w, control({"failed": why}))
    finally:
        os._exit(code)


def _status(k: int, n: int, pid: int, status: int, failure: str | None) -> str | None:
    """Why worker ``k`` did not finish, in one line (None: it did, or it stopped on Ctrl-C)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGINT:
            return None
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"worker {k + 1} of {n} (pid {pid}) was killed by {name}"
    code = os.waitstatus_to_exitcode(status)
    if code in (0, 130):
        return None
    if failure is not None:
        return f"worker {k + 1} of {n} (pid {pid}) failed: {failure}"
    return f"worker {k + 1} of {n} (pid {pid}) exited with status {code}"


def fan_out(
    n: int,
    work: Work,
    write: Callable[[bytes], None],
    on_control: Callable[[int, dict[str, Any]], None],
) -> bool:
    """Run ``work(k, write_k)`` in ``n`` forked workers (``k`` = 0..n-1); copy their output to
    ``write`` and pass each control line to ``on_control(k, info)``.  True when interrupted;
    :class:`WorkerError` when a worker died before it finished (the others finish first)."""
    fds: list[int] = []
    pids: list[int] = []
    failures: dict[int, str] = {}
    parent = os.getpid()
    interrupted = False
    try:
        for k in range(n):
            try:
                r, w = os.pipe()
                pid = os.fork()
            except OSError as exc:
                raise ShortageError(exc.errno, f"cannot start a worker: {exc.strerror}") from None
            if pid == 0:  # the worker
                _worker(k, r, w, fds, parent, work)
            os.close(w)
            fds.append(r)
            pids.append(pid)
        index = {fd: k for k, fd in enumerate(fds)}
        bufs = {fd: bytearray() for fd in fds}
        live = set(fds)
        while live:
            try:
                ready, _, _ = select.select(list(live), [], [])
                for fd in ready:
                    data = os.read(fd, 1 << 20)
                    if not data:
                        live.discard(fd)
                        continue
                    buf = bufs[fd]
                    buf += data
                    cut = buf.rfind(b"\n") + 1
                    if not cut:
                        continue
                    chunk = bytes(buf[:cut])
                    del buf[:cut]
                    _split(chunk, index[fd], write, on_control, failures)
            except KeyboardInterrupt:
                if not interrupted:
                    interrupted = True
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    for pid in pids:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGINT)
    except BaseException:
        # The parent cannot go on (its output is closed or full, ...): the workers go too.
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        for pid in pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        raise
    for fd in fds:
        os.close(fd)
    problems: list[str] = []
    code = EXIT_SOFTWARE
    for k, pid in enumerate(pids):
        _, status = os.waitpid(pid, 0)
        why = _status(k, n, pid, status, failures.get(k))
        if why is not None:
            if not problems and os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_OSERR:
                code = EXIT_OSERR
            problems.append(why)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WorkerError(problems[0] + more, code)
    return interrupted


def _split(
    chunk: bytes,
    k: int,
    write: Callable[[bytes], None],
    on_control: Callable[[int, dict[str, Any]], None],
    failures: dict[int, str],
) -> None:
    """Copy the records of ``chunk`` (whole lines) to ``write``; the control lines (a NUL at
    the start of a line) to ``on_control``, or to ``failures`` when one says why it failed."""
    start = search = 0
    while True:
        i = chunk.find(b"\x00", search)
        if i < 0:
            break
        if i and chunk[i - 1] != 0x0A:  # a NUL inside a record is no control line
            search = i + 1
            continue
        if i > start:
            write(chunk[start:i])
        j = chunk.index(b"\n", i)
        try:
            info = json.loads(chunk[i + 1 : j])
        except ValueError:
            info = None
        if isinstance(info, dict):
            if "failed" in info:
                failures[k] = str(info["failed"])
            else:
                on_control(k, info)
        start = search = j + 1
    if start < len(chunk):
        write(chunk[start:] if start else chunk)
