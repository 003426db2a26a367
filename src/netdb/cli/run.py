"""``netdb run SCRIPT [ARGS...]`` and ``netdb run -m MODULE [ARGS...]``: a Python program run
unchanged with netdb installed (:func:`netdb.install`), as ``coverage run`` runs one.

The program sees what ``python3 SCRIPT ARGS...`` (``python3 -m MODULE ARGS...``) would show
it: ``sys.argv`` (``[SCRIPT, ARGS...]``; for a module, its file's full path first),
``sys.path[0]`` (the script's directory; the current directory for ``-m``), ``__name__ ==
"__main__"`` with ``sys.modules["__main__"]`` its own module (``runpy`` for ``-m``, a directory
or a zip file), its exit status (``sys.exit`` and ``SystemExit`` pass through untouched) and its
exceptions (an uncaught one is printed by ``sys.excepthook`` with the program's own frames
only, status 1).  Only netdb's own failures to start it are reported as ``netdb run: ...``: a
file that can't be opened (status 2, as python's), a module that can't be found (status 1, as
python's).

``--etc DIR`` (before ``run``) makes the installed resolver read ``DIR``'s files instead of
``/etc``'s.  Options for ``run`` itself come before SCRIPT or ``-m``; everything after belongs
to the program.
"""

from __future__ import annotations

import os
import runpy
import sys
import types
from collections.abc import Sequence

USAGE = "usage: netdb run [-h] SCRIPT [ARGS...] | netdb run [-h] -m MODULE [ARGS...]\n"
HELP = (
    USAGE
    + """
Run a Python program unchanged with netdb installed: socket's getaddrinfo, getnameinfo,
gethostbyname, gethostbyname_ex, gethostbyaddr and getfqdn, and asyncio's loop.getaddrinfo and
loop.getnameinfo (no thread pool), answered by netdb (see netdb.install).

positional arguments:
  SCRIPT         the program's file (a directory or zip file with __main__.py also works)
  ARGS           the program's own arguments (sys.argv[1:])

options:
  -h, --help     show this help message and exit
  -m MODULE      run a module as a script, as python -m does

Exit status: the program's own (sys.exit, 1 for an uncaught exception); 2 when SCRIPT can't be
opened, 1 when MODULE can't be found, 64 bad usage.
"""
)
EXIT_USAGE = 64
_PROG = "netdb run"


def _usage_error(message: str) -> int:
    sys.stderr.write(f"{_PROG}: {message}\n{USAGE}Try 'netdb run --help' for more information.\n")
    return EXIT_USAGE


def main(args: Sequence[str], etc: str | None = None) -> int:
    """Run the program ``args`` names; return its exit status (SystemExit passes through)."""
    args = list(args)
    if not args:
        return _usage_error("missing SCRIPT or -m MODULE")
    first = args[0]
    if first in ("-h", "--help"):
        sys.stdout.write(HELP)
        return 0
    module: str | None = None
    if first == "-m" or (first.startswith("-m") and len(first) > 2):
        if first == "-m":
            if len(args) < 2:
                return _usage_error("-m needs a MODULE")
            module, rest = args[1], args[2:]
        else:
            module, rest = first[2:], args[1:]
    elif first.startswith("-") and first != "-":
        return _usage_error(f"unknown option {first} (options go before SCRIPT or -m)")
    else:
        script, rest = first, args[1:]

    from .. import Resolver, install
    from ..config.loader import SystemFiles

    install(Resolver(files=SystemFiles.under(etc)) if etc is not None else None)
    if module is not None:
        return _run_module(module, rest)
    return _run_script(script, rest)


def _run_script(script: str, rest: list[str]) -> int:
    path = os.path.abspath(script)
    try:
        os.stat(path)
    except OSError as exc:
        sys.stderr.write(f"{_PROG}: can't open file {path!r}: [Errno {exc.errno}] {exc.strerror}\n")
        return 2
    sys.argv[:] = [script, *rest]
    if os.path.isdir(path) or _is_zip(path):
        _set_path0(None)  # runpy puts the directory or zip file there, as python does
        return _execute(lambda: runpy.run_path(path, run_name="__main__"))
    _set_path0(os.path.dirname(os.path.realpath(path)))
    return _execute(lambda: _run_file(path))


def _run_file(path: str) -> None:
    """Run a source file as python runs its script: a fresh ``__main__`` module that stays in
    ``sys.modules`` (atexit handlers and pickling still find it), ``__file__`` absolute,
    ``sys.argv[0]`` as given (``runpy.run_path`` would put ``path`` there, and take its module
    back out of ``sys.modules`` at the end)."""
    import builtins
    import importlib.machinery
    import io

    with io.open_code(path) as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __builtins__=builtins,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
        __spec__=None,
        __package__=None,
    )
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _run_module(module: str, rest: list[str]) -> int:
    sys.argv[:] = ["-m", *rest]  # runpy puts the module's file in sys.argv[0], as python -m
    _set_path0(os.getcwd())
    return _execute(lambda: runpy.run_module(module, run_name="__main__", alter_sys=True))


def _is_zip(path: str) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def _set_path0(directory: str | None) -> None:
    """``sys.path[0]`` as python gives the program (the netdb command's own entry there goes);
    None: runpy puts a directory or zip file there itself."""
    if sys.path:
        if directory is None:
            del sys.path[0]
        else:
            sys.path[0] = directory


# The frames of starting a program (ours, runpy's, the import system's), trimmed from tracebacks.
_LAUNCH_FILES = {os.path.abspath(__file__), os.path.abspath(runpy.__file__)}


def _launching(frame: types.FrameType) -> bool:
    name = frame.f_code.co_filename
    return (
        os.path.abspath(name) in _LAUNCH_FILES
        or name.startswith("<frozen ")
        or name.endswith(("pkgutil.py",))
    )


def _execute(start: object) -> int:
    """Run ``start()``: the program's SystemExit and KeyboardInterrupt propagate as they would
    from ``python``; another exception is printed as python prints it (status 1)."""
    assert callable(start)
    try:
        start()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and _launching(tb.tb_frame):
            tb = tb.tb_next
        if tb is None and isinstance(exc, ImportError):
            # runpy could not find or load the module: nothing of the program ran.
            sys.stderr.write(f"{_PROG}: {exc}\n")
            return 1
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        return 1
    return 0
