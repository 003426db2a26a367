"""Several processes for one bulk run: fork workers, merge their output lines, forward Ctrl-C.

Owns the fan-out of the command's run over ``n`` forked processes (each a whole engine with its
own sockets, resolving every ``n``-th input line) and the merge of what they write to their pipes.
A worker writes complete output lines, and after each batch a control line that starts with a
NUL byte and holds JSON (its counts so far; the last one also says it is done).  Records never
hold a NUL byte (the formats escape it), so the parent copies everything up to a NUL straight to
the output.  SIGINT reaching the parent is forwarded to the workers, which write out the complete
records they have and stop; the parent drains every pipe to its end before it returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

Work = Callable[[int, Callable[[bytes], None]], None]


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


def fan_out(
    n: int,
    work: Work,
    write: Callable[[bytes], None],
    on_control: Callable[[int, dict[str, Any]], None],
) -> bool:
    """Run ``work(k, write_k)`` in ``n`` forked workers (``k`` = 0..n-1); copy their output to
    ``write`` and pass each control line to ``on_control(k, info)``.  True when interrupted."""
    fds: list[int] = []
    pids: list[int] = []
    for k in range(n):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                os.close(r)
                for other in fds:
                    os.close(other)
                signal.signal(signal.SIGINT, _stop_once)
                work(k, lambda data, w=w: write_all(w, data))  # type: ignore[misc]
            except BaseException:
                code = 70
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        os.close(w)
        fds.append(r)
        pids.append(pid)
    index = {fd: k for k, fd in enumerate(fds)}
    bufs = {fd: bytearray() for fd in fds}
    interrupted = False
    live = set(fds)
    while live:
        try:
            ready, _, _ = select.select(list(live), [], [])
            for fd in ready:
                data = os.read(fd, 1 << 20)
                if not data:
                    live.discard(fd)
                    os.close(fd)
                    continue
                buf = bufs[fd]
                buf += data
                cut = buf.rfind(b"\n") + 1
                if not cut:
                    continue
                chunk = bytes(buf[:cut])
                del buf[:cut]
                while chunk:
                    i = chunk.find(b"\x00")
                    if i < 0:
                        write(chunk)
                        break
                    if i:
                        write(chunk[:i])
                    j = chunk.index(b"\n", i)
                    on_control(index[fd], json.loads(chunk[i + 1 : j]))
                    chunk = chunk[j + 1 :]
        except KeyboardInterrupt:
            if not interrupted:
                interrupted = True
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)
    failed = False
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        failed = failed or os.waitstatus_to_exitcode(status) not in (0,)
    if failed and not interrupted:
        raise RuntimeError("a bulk worker failed (its traceback is on stderr)")
    return interrupted
