"""``netdb run SCRIPT [ARGS...]`` and ``netdb run -m MODULE [ARGS...]``: a Python program run
unchanged with netdb installed (:func:`netdb.install`), as ``coverage run`` runs one.

The program sees what ``python3 SCRIPT ARGS...`` (``python3 -m MODULE ARGS...``) would show
it, for as long as the process lives (threads that outlive the main code and atexit handlers
included): ``sys.argv`` (``[SCRIPT, ARGS...]`` as given; for a module, its file's full path
first), ``sys.path[0]`` (the script's real directory; a directory or zip file itself; the
current directory for ``-m``; ``''`` for ``-``), ``__file__`` (the path made absolute as python
does, without normalising it), ``__name__ == "__main__"`` with ``sys.modules["__main__"]`` its
own module (``__builtins__`` the module, as python's), its exit status (``sys.exit`` and
``SystemExit`` pass through untouched) and its exceptions: an uncaught one is printed by
``sys.excepthook`` with the frames python would show (the program's; for ``-m``, a directory or
a zip file also runpy's two, since python runs those through ``runpy._run_module_as_main`` and
so does this), status 1; an uncaught ``KeyboardInterrupt`` is printed the same way and goes on
up, so the process ends by SIGINT as python's.

Only netdb's own failures to start it are reported as ``netdb run: ...``, with python's text
after the prefix: a file that can't be opened (status 2), a module that can't be found or a
directory without ``__main__`` (status 1).

``--etc DIR`` (before ``run``) makes the installed resolver read ``DIR``'s files instead of
``/etc``'s.  Options for ``run`` itself come before SCRIPT or ``-m``; everything after belongs
to the program (``--`` may come before SCRIPT, as python's).

Not the same as python: modules netdb imported before the program started (``socket``,
``asyncio`` pieces, ...) are not imported again from the program's directory.
"""

from __future__ import annotations

import os
import runpy
import sys
import types
from collections.abc import Callable, Sequence

from ._output import say, write_failed

USAGE = "usage: netdb run [-h] SCRIPT [ARGS...] | netdb run [-h] -m MODULE [ARGS...]\n"
HELP = (
    USAGE
    + """
Run a Python program unchanged with netdb installed: socket's getaddrinfo, getnameinfo,
gethostbyname, gethostbyname_ex, gethostbyaddr and getfqdn, and asyncio's loop.getaddrinfo and
loop.getnameinfo (no thread pool), answered by netdb (see netdb.install).

positional arguments:
  SCRIPT         the program's file (a directory or zip file with __main__.py also works;
                 - reads the program from stdin)
  ARGS           the program's own arguments (sys.argv[1:])

options:
  -h, --help     show this help message and exit
  -m MODULE      run a module as a script, as python -m does

Exit status: the program's own (sys.exit, 1 for an uncaught exception); 2 when SCRIPT can't be
opened, 1 when MODULE can't be found, 64 bad usage.
"""
)
EXIT_USAGE = 64
EXIT_IOERR = 74
_PROG = "netdb run"


def _usage_error(message: str) -> int:
    say(f"{_PROG}: {message}\n{USAGE}Try 'netdb run --help' for more information.\n")
    return EXIT_USAGE


def _help() -> int:
    try:
        sys.stdout.write(HELP)
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        write_failed(_PROG, exc)
        return EXIT_IOERR
    return 0


def main(args: Sequence[str], etc: str | None = None) -> int:
    """Run the program ``args`` names; return its exit status (SystemExit passes through)."""
    args = list(args)
    if args[:1] == ["--"]:  # python's end of its own options
        del args[0]
    if not args:
        return _usage_error("missing SCRIPT or -m MODULE")
    first = args[0]
    if first in ("-h", "--help"):
        return _help()
    if first.startswith("-m"):
        if first == "-m" and len(args) < 2:
            return _usage_error("-m needs a MODULE")
        module, rest = (args[1], args[2:]) if first == "-m" else (first[2:], args[1:])
        return _installed(etc, lambda: _run_module(module, rest))
    if first.startswith("-") and first != "-":
        return _usage_error(f"unknown option {first} (options go before SCRIPT or -m)")
    if first == "-" and sys.stdin.isatty():
        return _usage_error("- reads the program from stdin, here a terminal (no interactive mode)")
    return _installed(etc, lambda: _run_script(first, args[1:]))


def _installed(etc: str | None, run: Callable[[], int]) -> int:
    """``run()`` with netdb installed (reading ``etc``'s files when given)."""
    from .. import Resolver, install
    from ._context import system_files

    install(Resolver(files=system_files(etc)) if etc is not None else None)
    return run()


def _run_script(script: str, rest: list[str]) -> int:
    sys.argv[:] = [script, *rest]
    if script == "-":
        _set_path0("")
        source = sys.stdin.buffer.read()
        return _execute(lambda: _run_code(source, "<stdin>", _stdin_globals()))
    path = _absolute(script)
    main = _fresh_main()
    if _importable(path):  # a directory or zip file: python runs its __main__ module
        _set_path0(path)
        return _execute(lambda: runpy._run_module_as_main("__main__", alter_argv=False))  # type: ignore[attr-defined]
    try:
        with open(path, "rb") as f:  # python reads the file before anything runs
            source = f.read()
    except OSError as exc:
        say(f"{_PROG}: can't open file {path!r}: [Errno {exc.errno}] {exc.strerror}\n")
        return 2
    _set_path0(os.path.dirname(os.path.realpath(path)))
    if _is_pyc(path, source):
        return _execute(lambda: _run_pyc(source, path, _file_globals(main, path, compiled=True)))
    return _execute(lambda: _run_code(source, path, _file_globals(main, path)))


def _is_pyc(path: str, data: bytes) -> bool:
    """Whether python runs the file as compiled bytecode: its name ends in ``.pyc``, or it
    starts with the first two bytes of this interpreter's magic number."""
    import importlib.util

    return path.endswith(".pyc") or data[:2] == importlib.util.MAGIC_NUMBER[:2]


def _run_pyc(data: bytes, filename: str, namespace: dict[str, object]) -> None:
    """Run a ``.pyc`` file's code as python does: the magic number checked, the 16-byte header
    skipped, the code object read (``RuntimeError`` as python raises it otherwise)."""
    import importlib.util
    import marshal

    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise RuntimeError("Bad magic number in .pyc file")
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        code = None
    if not isinstance(code, types.CodeType):
        raise RuntimeError("Bad code object in .pyc file")
    _run_compiled(code, namespace)


def _absolute(script: str) -> str:
    """The script's path as python makes it absolute: the current directory joined to a
    relative path, nothing normalised (``./x.py`` stays ``/cwd/./x.py`` in ``__file__`` and
    tracebacks); ``""`` and ``.`` are the current directory itself."""
    if script in ("", "."):
        return os.getcwd()
    return script if os.path.isabs(script) else os.path.join(os.getcwd(), script)


def _fresh_main() -> types.ModuleType:
    """A new ``__main__`` module in ``sys.modules``, as python starts a program with: the
    builtins module, an empty ``__annotations__``, ``BuiltinImporter`` as its loader.  It stays
    there after the program's code returns (threads, atexit handlers and pickle find it)."""
    import builtins
    import importlib.machinery

    main = types.ModuleType("__main__")
    main.__dict__.update(
        __builtins__=builtins,
        __annotations__={},
        __loader__=importlib.machinery.BuiltinImporter,
    )
    sys.modules["__main__"] = main
    return main


def _file_globals(main: types.ModuleType, path: str, compiled: bool = False) -> dict[str, object]:
    """``main``'s namespace as python gives a script file's (``compiled``: a ``.pyc`` file's)."""
    import importlib.machinery

    loader = (
        importlib.machinery.SourcelessFileLoader("__main__", path)
        if compiled
        else importlib.machinery.SourceFileLoader("__main__", path)
    )
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __loader__=loader,
        __spec__=None,
        __package__=None,
    )
    return main.__dict__


def _stdin_globals() -> dict[str, object]:
    """A fresh ``__main__``'s namespace as python gives a program read from stdin."""
    main = _fresh_main()
    main.__dict__.update(__file__="<stdin>", __cached__=None)
    return main.__dict__


def _run_code(source: bytes, filename: str, namespace: dict[str, object]) -> None:
    """Compile and run the program's source in its ``__main__`` namespace; then, as python
    does after running a file (not when the program exits through SystemExit), take
    ``__file__`` and ``__cached__`` back out of it (atexit handlers see them gone)."""
    _run_compiled(compile(source, filename, "exec", dont_inherit=True), namespace)


def _run_compiled(code: types.CodeType, namespace: dict[str, object]) -> None:
    try:
        exec(code, namespace)
    except SystemExit:
        raise
    except BaseException:
        _forget_file(namespace)
        raise
    _forget_file(namespace)


def _forget_file(namespace: dict[str, object]) -> None:
    namespace.pop("__file__", None)
    namespace.pop("__cached__", None)


def _run_module(module: str, rest: list[str]) -> int:
    sys.argv[:] = ["-m", *rest]  # runpy puts the module's file in sys.argv[0], as python -m
    _set_path0(os.getcwd())
    _fresh_main()
    return _execute(lambda: runpy._run_module_as_main(module, alter_argv=True))  # type: ignore[attr-defined]


def _importable(path: str) -> bool:
    """Whether python would run ``path`` as a directory or zip file: an import hook takes it."""
    import pkgutil

    return pkgutil.get_importer(path) is not None


def _set_path0(directory: str) -> None:
    """``sys.path[0]`` as python gives the program, in place of the netdb command's own."""
    if sys.path:
        sys.path[0] = directory
    else:
        sys.path.append(directory)


def _program_part(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback python would show: without the entries of this file (starting the
    program); runpy's, for a module, stay, as python -m shows them."""
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def _launch_failure(exc: SystemExit) -> str | None:
    """runpy's message when it could not find the module (or a directory's ``__main__``):
    python prints ``sys.executable: MESSAGE`` and exits 1; None for the program's SystemExit."""
    prefix = f"{sys.executable}: "
    if not (isinstance(exc.code, str) and exc.code.startswith(prefix)):
        return None
    tb = _program_part(exc.__traceback__)
    while tb is not None and tb.tb_frame.f_code.co_filename in _RUNPY_FILES:
        tb = tb.tb_next
    return exc.code[len(prefix) :] if tb is None else None


_RUNPY_FILES = {"<frozen runpy>", runpy.__file__}


def _print_at_exit(exc: BaseException, tb: types.TracebackType | None) -> None:
    """Have the hook that prints ``exc`` at the top of the interpreter (python's way for an
    uncaught KeyboardInterrupt, before it ends by SIGINT) show only ``tb``."""
    hook = sys.excepthook

    def program_part(kind: type[BaseException], value: BaseException, whole: object) -> None:
        if value is exc:
            hook(kind, value.with_traceback(tb), tb)
        else:
            hook(kind, value, whole)  # type: ignore[arg-type]

    sys.excepthook = program_part


def _execute(start: Callable[[], object]) -> int:
    """Run ``start()``: the program's SystemExit and KeyboardInterrupt propagate as they would
    from ``python``; another exception is printed as python prints it (status 1)."""
    try:
        start()
    except SystemExit as exc:
        message = _launch_failure(exc)
        if message is None:
            raise
        say(f"{_PROG}: {message}\n")
        return 1
    except KeyboardInterrupt as exc:
        _print_at_exit(exc, _program_part(exc.__traceback__))
        exc.netdb_program = True  # type: ignore[attr-defined]  # (the console script lets it by)
        raise
    except BaseException as exc:
        tb = _program_part(exc.__traceback__)
        # as python's top level: sys.last_* for post-mortem use (atexit, pdb.pm), then the hook
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        return 1
    return 0
