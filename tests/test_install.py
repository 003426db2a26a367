"""netdb.install(), uninstall(), installed() and `netdb run`, in this process: what is replaced,
what comes back, threads, nesting, asyncio loops, and a program run unchanged.

Lookups here never reach glibc's DNS (this machine's resolv.conf must not be asked): the
resolver under test reads ``tests/fixtures/install/etc`` (``hosts: files``), where ``spyname``
is 127.0.0.7, a name only that resolver knows (every 127/8 address is local: nothing leaves).
The clients against real servers are in ``tests/test_install_clients.py`` (in the sandbox).
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import netdb
from netdb import _install

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "install"
ETC = FIXTURES / "etc"
SRC = Path(__file__).resolve().parents[1] / "src"
SOCKET_NAMES = _install._SOCKET_NAMES
LOOP = asyncio.base_events.BaseEventLoop


def spy_resolver() -> netdb.Resolver:
    return netdb.Resolver(files=netdb.SystemFiles.under(str(ETC)), check_interval=0)


def snapshot() -> dict[str, Any]:
    """Every attribute install() may touch, as the objects they are."""
    state: dict[str, Any] = {f"socket.{n}": getattr(socket, n) for n in SOCKET_NAMES}
    for n in ("getaddrinfo", "getnameinfo"):
        state[f"BaseEventLoop.{n}"] = LOOP.__dict__.get(n)
    return state


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    before = snapshot()
    yield
    netdb.uninstall()
    assert snapshot() == before


def test_install_replaces_every_function_and_uninstall_restores_the_same_objects() -> None:
    before = snapshot()
    r = spy_resolver()
    netdb.install(r)
    during = snapshot()
    assert all(during[k] is not before[k] for k in before), "every attribute replaced"
    assert socket.gethostbyname("spyname") == "127.0.0.7"
    assert socket.gethostbyname_ex("spyname") == (
        "spyname",
        ["spyname.install.test"],
        ["127.0.0.7"],
    )
    assert socket.gethostbyaddr("127.0.0.7") == ("spyname", ["spyname.install.test"], ["127.0.0.7"])
    assert socket.getfqdn("spyname") == "spyname.install.test"
    assert socket.getnameinfo(("127.0.0.7", 80), socket.NI_NUMERICSERV) == ("spyname", "80")
    assert socket.getaddrinfo("spyname", 80, type=socket.SOCK_STREAM) == [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.7", 80))
    ]
    # The stdlib's callers look the name up on the module at call time.
    with socket.create_server(("127.0.0.7", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("spyname", port), timeout=5) as conn:
            assert conn.getpeername() == ("127.0.0.7", port)
    netdb.install(r)  # twice: harmless, nothing saved twice
    assert snapshot() == during
    netdb.uninstall()
    after = snapshot()
    assert all(after[k] is before[k] for k in before)
    netdb.uninstall()  # harmless when not installed
    assert snapshot() == before


def test_a_reference_taken_while_installed_follows_uninstall() -> None:
    netdb.install(spy_resolver())
    held = socket.getaddrinfo
    netdb.uninstall()
    # What socket had before answers now (numeric: glibc's answer, no DNS).
    assert held("127.0.0.1", 80, type=socket.SOCK_STREAM) == socket.getaddrinfo(
        "127.0.0.1", 80, type=socket.SOCK_STREAM
    )


def test_uninstall_keeps_a_patch_put_on_top_by_someone_else() -> None:
    original = socket.gethostbyname
    netdb.install(spy_resolver())

    def theirs(name: str) -> str:
        return "192.0.2.9"

    socket.gethostbyname = theirs
    try:
        netdb.uninstall()
        assert socket.gethostbyname is theirs
        assert socket.getaddrinfo is snapshot()["socket.getaddrinfo"]
    finally:
        socket.gethostbyname = original


class Wrapper:
    """A patch of ``socket.getaddrinfo`` that holds what it replaced and calls it (a cache, a
    logger, ``mock.patch(wraps=...)``), counting its calls."""

    def __init__(self, held: Any) -> None:
        self.held, self.calls = held, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.held(*args, **kwargs)


def play(history: str) -> tuple[list[Wrapper], list[Any]]:
    """Play ``history`` on ``socket.getaddrinfo``: ``i`` install(), ``u`` uninstall(), ``w`` a
    Wrapper put on top of what is there, ``x`` the last Wrapper taken off (what it held put
    back, as mock.patch's stop), ``h`` a reference held.  Returns the wrappers and references."""
    r = spy_resolver()
    live: list[Wrapper] = []
    held: list[Any] = []
    for step in history.split():
        if step == "i":
            netdb.install(r)
        elif step == "u":
            netdb.uninstall()
        elif step == "w":
            live.append(Wrapper(socket.getaddrinfo))
            socket.getaddrinfo = live[-1]
        elif step == "x":
            socket.getaddrinfo = live.pop().held
        else:
            held.append(socket.getaddrinfo)
    return live, held


@pytest.mark.parametrize(
    ("history", "left"),
    [
        ("i w u x", "netdb"),  # mock.patch started while installed, stopped after
        ("i w u x i u", "glibc"),  # ... then a cycle: the original comes back, no loop
        ("i w u i u", "wrapper"),  # a wrapper over netdb's function, kept over a cycle
        ("i w u i u i u", "wrapper"),
        ("w i u", "wrapper"),  # a patch from before install() is put back
        ("w i u x", "glibc"),
        ("i h u", "glibc"),  # a reference taken while installed
        ("i w h u i h u", "wrapper"),
        ("i w u x w i u x", "netdb"),
    ],
)
def test_patches_of_others_never_loop_and_answer_as_the_original(history: str, left: str) -> None:
    """Whatever the order of install(), uninstall() and someone else's patches, a call through
    socket.getaddrinfo or a held reference gives glibc's own answer (numeric: no DNS), with
    each wrapper on the way run once, and socket is left with what the history says."""
    glibc = socket.getaddrinfo
    args = ("127.0.0.1", 80, 0, socket.SOCK_STREAM)
    expected = glibc(*args)
    try:
        live, held = play(history)
        now = socket.getaddrinfo
        assert {"glibc": now is glibc, "netdb": now is _install.getaddrinfo}.get(left, True)
        assert (left == "wrapper") == (now is (live[-1] if live else None))
        for fn in [now, *held]:
            for w in live:
                w.calls = 0
            assert fn(*args) == expected
            assert all(w.calls <= 1 for w in live), [w.calls for w in live]
    finally:
        netdb.uninstall()
        socket.getaddrinfo = glibc


def test_a_patch_of_the_loop_class_over_a_cycle_never_loops() -> None:
    """The same for asyncio's BaseEventLoop.getaddrinfo: a coroutine wrapper that awaits netdb's
    method, kept over an install()/uninstall() cycle, gets the original method's answer."""
    original = LOOP.__dict__["getaddrinfo"]
    netdb.install(spy_resolver())
    inner = LOOP.__dict__["getaddrinfo"]

    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await inner(self, *args, **kwargs)

    async def lookup() -> Any:
        return await asyncio.get_running_loop().getaddrinfo("127.0.0.1", 80, type=1)

    try:
        LOOP.getaddrinfo = wrapper  # type: ignore[method-assign]
        netdb.uninstall()
        netdb.install(spy_resolver())
        netdb.uninstall()
        assert LOOP.__dict__["getaddrinfo"] is wrapper
        assert asyncio.run(lookup()) == socket.getaddrinfo("127.0.0.1", 80, type=1)
    finally:
        LOOP.getaddrinfo = original  # type: ignore[method-assign]


def test_installed_blocks_of_threads_ending_out_of_order() -> None:
    """Thread A's block starts, then B's; A's ends first: B keeps its resolver until its own
    block ends, and then netdb is out with socket's own functions back."""
    ra, rb = spy_resolver(), spy_resolver()
    before = snapshot()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def a() -> None:
        with netdb.installed(ra):
            a_in.set()
            b_in.wait()
        a_out.set()

    def b() -> None:
        a_in.wait()
        with netdb.installed(rb):
            b_in.set()
            a_out.wait()
            # (no lookup of spyname here: with netdb out it would go to glibc's DNS)
            seen["b after a"] = _install.current()
            seen["replaced"] = socket.gethostbyname is _install.gethostbyname

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"b after a": rb, "replaced": True}
    assert _install.current() is None
    assert snapshot() == before


@pytest.mark.parametrize("call", ["install", "uninstall"])
def test_a_call_outside_every_block_outlasts_another_threads_block(call: str) -> None:
    """install()/uninstall() from code in no block set the bottom layer: a block another thread
    has open keeps its resolver until it ends, and then the call is in force (it used to land
    in that block's layer and be undone with it)."""
    r0, r1 = spy_resolver(), spy_resolver()
    before = snapshot()
    if call == "uninstall":
        netdb.install(r0)
    entered, go = threading.Event(), threading.Event()

    def a() -> None:
        with netdb.installed(r1):
            entered.set()
            go.wait()

    t = threading.Thread(target=a)
    t.start()
    entered.wait()
    try:
        if call == "install":
            netdb.install(r0)
        else:
            netdb.uninstall()
        assert _install.current() is r1  # the block's layer is still in force
    finally:
        go.set()
        t.join()
    if call == "install":
        assert _install.current() is r0
        netdb.uninstall()
    assert _install.current() is None
    assert snapshot() == before


def test_install_inside_a_block_lasts_until_it_ends() -> None:
    r0, r1 = spy_resolver(), spy_resolver()
    with netdb.installed(r0):
        netdb.install(r1)
        assert _install.current() is r1
    assert _install.current() is None


def test_installed_nests_and_gives_back_what_was_there() -> None:
    outer, inner = spy_resolver(), spy_resolver()
    with netdb.installed(outer) as got:
        assert got is outer and _install.current() is outer
        with netdb.installed(inner) as got2:
            assert got2 is inner and _install.current() is inner
        assert _install.current() is outer
        assert socket.gethostbyname("spyname") == "127.0.0.7"
    assert _install.current() is None
    netdb.install(outer)
    with netdb.installed():
        assert _install.current() is netdb._default_resolver()
    assert _install.current() is outer


def test_install_takes_only_a_resolver() -> None:
    with pytest.raises(TypeError, match=r"netdb\.Resolver"):
        netdb.install("127.0.0.1")  # type: ignore[arg-type]
    assert _install.current() is None


def test_threads_installing_and_uninstalling_at_once_never_break_a_lookup() -> None:
    r = spy_resolver()
    errors: list[BaseException] = []
    stop = threading.Event()

    def toggle() -> None:
        for i in range(300):
            if i % 2:
                netdb.uninstall()
            else:
                netdb.install(r)

    def lookup() -> None:
        while not stop.is_set():
            try:  # numeric: glibc or netdb, the same answer, never DNS
                assert socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)
            except BaseException as exc:
                errors.append(exc)
                return

    readers = [threading.Thread(target=lookup) for _ in range(2)]
    writers = [threading.Thread(target=toggle) for _ in range(4)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    netdb.install(r)
    assert socket.gethostbyname("spyname") == "127.0.0.7"


def test_event_loops_before_after_and_running_resolve_without_an_executor() -> None:
    r = spy_resolver()
    early = asyncio.new_event_loop()
    try:
        netdb.install(r)
        late = asyncio.new_event_loop()

        async def lookups() -> Any:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo("spyname", 80, type=socket.SOCK_STREAM)
            name = await loop.getnameinfo(("127.0.0.7", 80), socket.NI_NUMERICSERV)
            return infos, name, loop._default_executor  # type: ignore[attr-defined]

        expected = (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.7", 80))],
            ("spyname", "80"),
            None,  # asyncio never made its thread pool
        )
        for loop in (early, late):
            assert loop.run_until_complete(lookups()) == expected
        late.close()
    finally:
        netdb.uninstall()
        early.close()

    async def install_while_running() -> Any:
        netdb.install(r)
        try:
            return await lookups()
        finally:
            netdb.uninstall()

    assert asyncio.run(install_while_running()) == expected


def test_loop_lookup_errors_are_sockets_and_the_deadline_is_the_resolvers() -> None:
    netdb.install(spy_resolver())

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        out = []
        for host in ("nosuch", "a" * 64, "x"):
            try:
                await loop.getaddrinfo(host, 80)
                out.append("ok")
            except Exception as exc:
                out.append(f"{type(exc).__name__} {exc}")
        return out

    assert asyncio.run(main()) == [
        "gaierror [Errno -2] Name or service not known",
        "UnicodeError encoding with 'idna' codec failed (UnicodeError: label too long)",
        "gaierror [Errno -2] Name or service not known",
    ]


def test_importing_netdb_imports_neither_asyncio_nor_aiohttp() -> None:
    code = (
        "import sys, netdb, netdb.aiohttp\n"
        "print('asyncio' in sys.modules, 'aiohttp' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["False", "False"]


# --- netdb run --------------------------------------------------------------------------------


def netdb_run(*args: str, cwd: Path = FIXTURES) -> tuple[int, list[dict[str, Any]], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "netdb.cli", "--etc", str(ETC), "run", *args],
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, reports, proc.stderr


def python(*args: str, cwd: Path = FIXTURES) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ((), 0),
        (("--flag", "-x", "value"), 0),
        (("exit", "5"), 5),
        (("exit", "0"), 0),
        (("message",), 1),
        (("raise",), 1),
    ],
)
def test_run_script_sees_what_python_shows_it(args: tuple[str, ...], status: int) -> None:
    rc, reports, err = netdb_run("prog.py", *args)
    assert rc == status, err
    (report,) = reports
    assert report == {
        "argv": ["prog.py", *args],
        "name": "__main__",
        "main_is_me": True,
        "file": str(FIXTURES / "prog.py"),
        "path0": str(FIXTURES),
        "installed": "netdb._install",  # socket's functions are netdb's ...
        "spyname": "127.0.0.7",  # ... and answer from --etc's files
    }
    if args[:1] in (("message",), ("raise",)):
        # The same stderr as python's own run of the program, which fails on spyname first
        # when glibc does not know it, so compare with what python prints for the exception.
        expected = {
            "message": "a message\n",
            "raise": 'raise LookupError("from the program")',
        }[args[0]]
        assert expected in err
        if args[0] == "raise":
            assert err.startswith("Traceback (most recent call last):\n")
            assert "netdb" not in err.split("\n", 2)[1], "no frame of netdb's before the program's"
            assert err.endswith("LookupError: from the program\n")


def test_run_module_and_missing_targets() -> None:
    rc, reports, err = netdb_run("-m", "runpkg", "three")
    assert rc == 3, err
    assert reports == [
        {
            "argv": [str(FIXTURES / "runpkg" / "__main__.py"), "three"],
            "name": "__main__",
            "main_is_me": True,
            "path0": str(FIXTURES),
            "installed": "netdb._install",
            "spyname": "127.0.0.7",
        }
    ]
    rc, reports, err = netdb_run("no-such-file.py")
    assert (rc, reports) == (2, [])
    assert err == (
        f"netdb run: can't open file {str(FIXTURES / 'no-such-file.py')!r}: "
        "[Errno 2] No such file or directory\n"
    )
    assert python("no-such-file.py")[0] == 2
    rc, reports, err = netdb_run("-m", "no_such_module")
    assert (rc, reports, err) == (1, [], "netdb run: No module named no_such_module\n")
    assert python("-m", "no_such_module")[0] == 1
    rc, _, err = netdb_run()
    assert rc == 64 and "missing SCRIPT" in err
    rc, _, _ = netdb_run("--help")
    assert rc == 0


# --- netdb run against python itself ------------------------------------------------------------

PROBE = FIXTURES / "probe.py"


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """probe.py as every kind of program python runs: a file, a package for -m, a directory
    and a zip file with __main__.py; also a directory without one, a syntax error, a subdir."""
    import zipfile

    root = tmp_path_factory.mktemp("programs")
    source = PROBE.read_text()
    (root / "probe.py").write_text(source)
    for package in ("pkg", "app"):
        (root / package).mkdir()
        (root / package / "__main__.py").write_text(source)
    (root / "pkg" / "__init__.py").write_text("")
    with zipfile.ZipFile(root / "app.zip", "w") as z:
        z.writestr("__main__.py", source)
    (root / "empty").mkdir()
    (root / "sub").mkdir()
    (root / "bad.py").write_text("print('unclosed'\n")
    import py_compile

    py_compile.compile(str(root / "probe.py"), cfile=str(root / "probe.pyc"), doraise=True)
    (root / "compiled").write_bytes((root / "probe.pyc").read_bytes())  # no .pyc suffix
    (root / "badmagic.pyc").write_bytes(b"xxxx" + bytes(40))
    (root / "badcode.pyc").write_bytes((root / "probe.pyc").read_bytes()[:20])
    return root


def outcome(argv: list[str], cwd: Path, stdin: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``argv`` run in ``cwd``."""
    proc = subprocess.run(
        argv,
        cwd=cwd,
        input=stdin,
        env=dict(os.environ, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("args", "reports"),
    [
        (("probe.py",), 3),
        (("probe.py", "-x", "--etc", "y", "-m", "z"), 3),  # the program's options, not netdb's
        (("./probe.py", "exit", "3"), 3),  # __file__ and tracebacks keep ./ as python's
        (("sub/../probe.py", "exit", "msg"), 3),
        (("probe.py", "exit", "None"), 3),
        (("probe.py", "raise"), 3),
        (("probe.py", "kbd"), 3),  # the traceback, then death by SIGINT (status -2)
        (("probe.py", "stdin"), 3),
        (("--", "probe.py"), 3),
        (("-m", "pkg", "-m", "x"), 3),
        (("-m", "pkg", "raise"), 3),  # runpy's two frames, as python -m shows them
        (("-mpkg", "kbd"), 3),
        (("-m", "pkg.__main__", "exit", "4"), 3),
        (("app", "raise"), 3),
        (("app.zip", "-x"), 3),
        (("app.zip", "kbd"), 3),
        (("-", "from", "stdin"), 3),
        (("probe.pyc", "exit", "3"), 3),  # compiled: python runs the bytecode
        (("compiled", "kbd"), 3),  # known by its magic number
        (("badmagic.pyc",), 0),
        (("badcode.pyc",), 0),
        (("bad.py",), 0),
        (("missing.py",), 0),
        (("-m", "missing"), 0),
        (("-m", "pkg.missing"), 0),
        (("-m", ".pkg"), 0),
        (("empty",), 0),
        ((".",), 0),
        (("",), 0),
    ],
)
def test_run_gives_what_python_gives(programs: Path, args: tuple[str, ...], reports: int) -> None:
    """stdout (what the program saw at the start, from a thread that outlived its main code and
    from atexit), stderr and exit status of ``netdb run ARGS`` are python's for ``python3
    ARGS``; only a failure to start the program says ``netdb run:`` where python says its own
    path.  ``reports``: how many times the program reports (0: it never starts)."""
    stdin = PROBE.read_text() if args[0] == "-" else "typed by the user\n"
    python = outcome([sys.executable, *args], programs, stdin)
    ours = outcome(
        [sys.executable, "-m", "netdb.cli", "--etc", str(ETC), "run", *args], programs, stdin
    )
    status, out, err = python
    assert ours == (status, out, err.replace(f"{sys.executable}: ", "netdb run: "))
    assert out.count('"when"') == reports, "the program ran (and reported three times) or not"


CONSOLE_SCRIPT = "import sys, _netdb_cli; sys.exit(_netdb_cli.main())"


@pytest.mark.parametrize(
    "args",
    [("probe.py", "kbd"), ("-mpkg", "kbd"), ("probe.pyc", "raise"), ("probe.py", "exit", "5")],
)
def test_run_through_the_console_script(programs: Path, args: tuple[str, ...]) -> None:
    """The installed ``netdb`` command (``_netdb_cli.main``, which turns a Ctrl-C while netdb
    starts into status 130) lets the program's own KeyboardInterrupt end it as python's does:
    the traceback, then death by SIGINT (it exited 130 in silence)."""
    python = outcome([sys.executable, *args], programs, "")
    ours = outcome(
        [sys.executable, "-c", CONSOLE_SCRIPT, "--etc", str(ETC), "run", *args], programs, ""
    )
    assert ours == python


def whose_getaddrinfo(_: object = None) -> str:
    """In a multiprocessing child: the module socket.getaddrinfo comes from."""
    return str(socket.getaddrinfo.__module__)


def test_multiprocessing_children_as_readme_says() -> None:
    """README's claim: fork children keep install(), spawn and forkserver children start
    without it (socket's own function)."""
    import multiprocessing

    netdb.install(spy_resolver())
    seen = {}
    for method in ("fork", "spawn", "forkserver"):
        with multiprocessing.get_context(method).Pool(1) as pool:
            seen[method] = pool.apply(whose_getaddrinfo)
    assert seen == {"fork": "netdb._install", "spawn": "socket", "forkserver": "socket"}
