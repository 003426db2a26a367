"""The ``netdb`` command: getent-compatible lookups, getaddrinfo and getnameinfo from a shell.

Owns the command line: the parser (argparse, standard library only), which module answers which
command, and the exit status, which follows getent(1) so scripts can swap one for the other:

* 0: every key was found (or the database was listed);
* 1: no command, or an unknown one (getent: wrong number of arguments, unknown database), and
  ``-s DATABASE:CONFIG`` naming a database getent does not know (as getent);
* 2: some key was not found / the lookup failed (``addrinfo``/``nameinfo``: a ``gaierror``;
  ``explain``: as ``addrinfo``, or ``hosts`` for ``--addr``);
* 64: a bad option or option value, or ``--etc`` not a directory (``EX_USAGE``, as getent's argp
  parser exits);
* 74: the output could not be written (``EX_IOERR``); 141 when the reader went away (as SIGPIPE);
* 130: interrupted (Ctrl-C).

``bulk`` has its own statuses (``cli/bulk.py``).  Help goes to stdout (``--help`` exits 0); errors
and usage hints go to stderr, never a traceback; a usage hint names the command the error is about
(``Try 'netdb hosts --help'``).

Global options go before or after the command: ``--etc DIR`` makes a command read the system
files (hosts, services, protocols, nsswitch.conf, host.conf, gai.conf, resolv.conf) from ``DIR``
instead of ``/etc``; ``DIR`` must be a directory.  Given both places, the one after the command
counts.  ``--json`` (every command but ``bulk``) prints one JSON value on stdout whatever the
outcome; its shapes are in ``_output.py``.  getent's ``-s``, ``-i`` and ``-A`` (the lookup
commands) may go before the command too, as ``getent -s files hosts web`` has them: every option
before the command word is read as if it came right after it, by that command's own parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..config.loader import SystemFiles
from . import addrinfo as _addrinfo
from . import bulk as _bulk
from . import explain as _explain_cmd
from . import getent as _getent
from . import run as _run_program
from ._context import Context, ServiceConfigError, make_context
from ._output import (
    Output,
    drop_stdout,
    error_object,
    exception_object,
    json_bytes,
    os_message,
    say,
    silence_closed_stderr,
    text_bytes,
    write_failed,
)

PROG = "netdb"
EXIT_OK = 0
EXIT_COMMAND = 1
EXIT_NOT_FOUND = 2
EXIT_USAGE = 64
EXIT_IOERR = 74
EXIT_SIGPIPE = 141
EXIT_INTERRUPT = 130

COMMANDS = (*_getent.DATABASES, "addrinfo", "nameinfo", "explain", "bulk")
# The commands that take --json.
JSON_COMMANDS = (*_getent.DATABASES, "addrinfo", "nameinfo", "explain")
# getent's -i/-A change only the ahosts* lookups; the other databases take them and ignore them.
_IDN_COMMANDS = ("ahosts", "ahostsv4", "ahostsv6")

_OUTPUT_STATUSES = "74 the output could not be written, 141 the reader went away, 130 interrupted"
_GETENT_EPILOG = (
    "Exit status (as getent): 0 every KEY was found (or the database was listed), 2 some KEY "
    "was not found, 1 -s names a database getent does not know, 64 bad usage (or --etc not a "
    f"directory), {_OUTPUT_STATUSES}.  "
    "--json prints one JSON array, an object per KEY in order: the entry's fields with "
    '"key", or {"key": KEY, "error": {"kind", "code", "name", "message"}} for a KEY not found '
    "(same exit status); without KEY, an object per entry listed.  A command line that fails "
    'as a whole prints {"error": {...}}.'
)
_SHAPES = {
    "hosts": '{"key", "name", "aliases", "family", "addresses"}',
    "ahosts": '{"key", "results": [{"family", "type", "protocol", "canonical_name", '
    '"sockaddr"}, ...]} (listing: as hosts)',
    "services": '{"key", "name", "port", "protocol", "aliases"}',
    "protocols": '{"key", "name", "number", "aliases"}',
}
_LOOKUP_STATUSES = (
    "Exit status: 0 the lookup succeeded, 2 it failed (the gaierror's message on stderr), "
    f"64 bad usage (or --etc not a directory), {_OUTPUT_STATUSES}."
)


class _UsageError(Exception):
    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse, but errors come back to :func:`main` instead of exiting with status 2.

    ``commands`` (of the top-level parser): each command's own parser.
    """

    commands: dict[str, _Parser]

    def error(self, message: str) -> NoReturn:
        raise _UsageError(self.prog, message)

    def _print_message(self, message: str, file: Any = None) -> None:
        """--help and --version: written and flushed here, a failure raised (argparse's own
        drops it, and the command would exit 0 with nothing written)."""
        if not message:
            return
        out = file or sys.stderr
        try:
            out.write(message)
            out.flush()
        except (OSError, ValueError) as exc:
            raise _WriteError(exc) from None


class _WriteError(Exception):
    """Help or version text that could not be written (the ``OSError`` in ``args[0]``)."""


class _Help(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


def _typed(convert: Callable[[str], int], what: str) -> Callable[[str], int]:
    """An argparse ``type=`` that reports a :class:`~.addrinfo.WordError` with its own text."""

    def parse(text: str) -> int:
        try:
            return convert(text)
        except _addrinfo.WordError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = what
    return parse


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("netdb")
    except Exception:
        return "unknown"


_ETC_HELP = (
    "read hosts, services, protocols, nsswitch.conf, resolv.conf, ... from DIR (a directory) "
    "instead of /etc"
)


def build_parser() -> _Parser:
    """The whole command line (also what ``--help`` prints)."""
    parser = _Parser(
        prog=PROG,
        formatter_class=_Help,
        description="Look up hosts, services and protocols the way glibc does, in pure Python.  "
        "Global options (--etc, and --json, -s, -i, -A for the commands that take them) go "
        "before or after the command.",
        epilog=(
            "Exit status: 0 found, 1 no or unknown command, 2 a key was not found or the lookup "
            "failed, 64 bad usage (or --etc not a directory), 74 the output could not be "
            "written, 141 the reader went away, 130 interrupted; bulk has its own (see "
            f"'{PROG} bulk --help').  Every command but bulk takes --json.  "
            f"Run '{PROG} COMMAND --help' for a command's options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument("--etc", metavar="DIR", help=_ETC_HELP)
    # Checked here, taken by the command's own parser (see _main): SUPPRESS keeps them out.
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print one JSON value whatever the outcome (every command but bulk and run)",
    )
    parser.add_argument(
        "-s",
        "--service",
        metavar="CONFIG",
        default=argparse.SUPPRESS,
        help="getent's -s (hosts, ahosts*, services, protocols)",
    )
    for short, long, what in (("-i", "--no-idn", "-i"), ("-A", "--no-addrconfig", "-A")):
        parser.add_argument(
            short,
            long,
            action="store_true",
            default=argparse.SUPPRESS,
            help=f"getent's {what} (hosts, ahosts*, services, protocols)",
        )
    common = _Parser(add_help=False)
    # SUPPRESS: given after the command it wins; not given, the global one (or None) stays.
    common.add_argument("--etc", metavar="DIR", default=argparse.SUPPRESS, help=_ETC_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    for name, (_handler, summary) in _getent.DATABASES.items():
        idn = name in _IDN_COMMANDS
        shape = _SHAPES["ahosts" if idn else name]
        p = sub.add_parser(
            name,
            parents=[common],
            formatter_class=_Help,
            help=summary,
            description=f"{summary}.  Output and exit status as `getent {name}`; "
            "without KEY, list the whole database."
            + ("" if idn else "  getent's -i and -A are taken and change nothing here."),
            epilog=f"{_GETENT_EPILOG}  An entry: {shape}.",
        )
        p.add_argument("keys", nargs="*", metavar="KEY")
        p.add_argument(
            "-i",
            "--no-idn",
            action="store_true",
            help="disable IDN encoding (as getent -i)" if idn else argparse.SUPPRESS,
        )
        p.add_argument(
            "-A",
            "--no-addrconfig",
            action="store_true",
            help="do not filter out unsupported IPv4/IPv6 addresses (as getent -A)"
            if idn
            else argparse.SUPPRESS,
        )
        p.add_argument(
            "-s",
            "--service",
            metavar="CONFIG",
            help="sources to use instead of nsswitch.conf's: 'files' for every database, or "
            "'DATABASE:CONFIG' for one (as getent -s)",
        )
        p.add_argument("--json", action="store_true", help="print a JSON array (see below)")

    p = sub.add_parser(
        "addrinfo",
        parents=[common],
        formatter_class=_Help,
        help="getaddrinfo(HOST, PORT, ...) as Python's socket module calls it",
        description="Call getaddrinfo(HOST, PORT, family, type, proto, flags) and print each "
        "result with names for its numbers.  HOST '*' means no host; PORT may be a number or a "
        "service name.  A control character in the canonical name is written as Python's repr "
        "writes it (\\x1b), as the socket address is; --json has the name as it is.",
        epilog=f"{_LOOKUP_STATUSES}  --json prints an array of "
        '{"family", "type", "protocol", "canonical_name", "sockaddr"}, or {"error": {"kind", '
        '"code", "name", "message"}} when the call fails (kind "gaierror": code is the EAI_* '
        "number, name its symbol).",
    )
    p.add_argument("host", metavar="HOST")
    p.add_argument("port", metavar="PORT", nargs="?")
    p.add_argument(
        "--family",
        type=_typed(_addrinfo.family, "family"),
        default=0,
        help="inet, inet6, unspec, ... (AF_ prefix optional) or a number (default: unspec)",
    )
    p.add_argument(
        "--type",
        type=_typed(_addrinfo.socktype, "type"),
        default=0,
        help="stream, dgram, raw, seqpacket, ... or a number (default: any)",
    )
    p.add_argument(
        "--proto",
        type=_typed(_addrinfo.protocol, "proto"),
        default=0,
        help="tcp, udp, sctp, udplite, ... or a number (default: any)",
    )
    p.add_argument(
        "--flag",
        dest="flags",
        action="append",
        type=_typed(_addrinfo.ai_flag, "flag"),
        metavar="FLAG",
        help="an AI_* flag (canonname, passive, v4mapped, all, addrconfig, numerichost, "
        "numericserv, ...; AI_ prefix optional) or a number; repeat for several",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text (see below)")

    p = sub.add_parser(
        "nameinfo",
        parents=[common],
        formatter_class=_Help,
        help="getnameinfo((ADDRESS, PORT), flags): print HOST SERVICE",
        description="Call getnameinfo((ADDRESS, PORT), flags), or getnameinfo((ADDRESS, PORT, "
        "FLOWINFO, SCOPE_ID), flags) with --flowinfo/--scope-id, and print 'HOST SERVICE'.",
        epilog=f'{_LOOKUP_STATUSES}  --json prints {{"host": HOST, "service": SERVICE}}, or '
        '{"error": {"kind", "code", "name", "message"}} when the call fails.',
    )
    p.add_argument("address", metavar="ADDRESS")
    p.add_argument("port", metavar="PORT", nargs="?", type=int, default=0)
    p.add_argument(
        "--scope-id",
        type=int,
        metavar="N",
        help="pass the IPv6 4-tuple (ADDRESS, PORT, FLOWINFO, N): the interface index of a "
        "link-local address",
    )
    p.add_argument(
        "--flowinfo", type=int, metavar="N", help="IPv6 flow label of the 4-tuple (default 0)"
    )
    p.add_argument(
        "--flag",
        dest="flags",
        action="append",
        type=_typed(_addrinfo.ni_flag, "flag"),
        metavar="FLAG",
        help="an NI_* flag (namereqd, numerichost, numericserv, nofqdn, dgram, ...; NI_ prefix "
        "optional) or a number; repeat for several",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text (see below)")
    _explain_cmd.add_parser(sub, common, _typed, _Help)
    _bulk.add_parser(sub, common)
    # `run` is parsed by cli/run.py (the program's arguments are not netdb's): listed here only.
    sub.add_parser("run", add_help=False, help="run a Python program with netdb installed")
    parser.commands = dict(sub.choices)
    return parser


# The global options that take a value (the next word, unless written --opt=VALUE).
_VALUE_OPTIONS = ("--etc", "--service")


def _takes_value(word: str) -> bool:
    """Whether option ``word`` (before the command) takes the next word as its value: --etc and
    --service (or an abbreviation: --e, --se, ...), -s, or -s closing a cluster (-iAs)."""
    if word.startswith("--"):
        return (
            "=" not in word and len(word) >= 3 and any(o.startswith(word) for o in _VALUE_OPTIONS)
        )
    return word.endswith("s") and set(word[1:-1]) <= {"i", "A"}


def _command_index(args: Sequence[str]) -> int | None:
    """Where the command word is: the first word that is neither an option nor an option's
    value."""
    i = 0
    while i < len(args):
        word = args[i]
        if not word.startswith("-") or word == "-":
            return i
        i += 2 if _takes_value(word) else 1
    return None


def _end_of_options_dropped(args: list[str]) -> list[str]:
    """``args`` without a ``--`` that ends the global options before the command word
    (``netdb -- hosts localhost``, as getent takes it)."""
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            return args[:i] + args[i + 1 :]
        if not word.startswith("-") or word == "-":
            break
        i += 2 if _takes_value(word) else 1
    return args


def _wants_json(args: Sequence[str], index: int) -> bool:
    """Whether the command at ``args[index]`` was given --json (or an abbreviation of it)."""
    if args[index] not in JSON_COMMANDS:
        return False
    for word in args[index + 1 :]:
        if word == "--":
            return False
        if len(word) >= 3 and "--json".startswith(word):
            return True
    return False


class _Report:
    """Where a run's results and errors go: stdout (collected), stderr, and --json's object."""

    def __init__(self) -> None:
        self.out = Output()
        self.json = False

    def fail(
        self,
        message: str,
        hint: str | None,
        code: int,
        error: dict[str, Any] | None = None,
    ) -> int:
        """Say ``message`` (and ``Try 'HINT --help'``) on stderr; with --json, ``{"error": ...}``
        on stdout too (``error``, or a usage error with ``message``)."""
        say(f"{PROG}: {message}\n")
        if hint is not None:
            say(f"Try '{hint} --help' for more information.\n")
        if self.json:
            self.out.add(json_bytes({"error": error or error_object("usage", message)}))
        return code


def _fail(message: str, hint: str | None, code: int) -> int:
    return _Report().fail(message, hint, code)


def _negative_key(args: Sequence[str], keys: Sequence[str]) -> str | None:
    """A key that getent's option parser would have taken for an option (``-1``), if any."""
    if "--" in args:
        return None
    return next((k for k in keys if k.startswith("-") and k != "-"), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``netdb`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    silence_closed_stderr()
    args = _end_of_options_dropped(list(sys.argv[1:] if argv is None else argv))
    index = _command_index(args)
    if index is not None and args[index] == "run":
        # The program's SystemExit, KeyboardInterrupt and exit status are its own (cli/run.py).
        try:
            ns = build_parser().parse_args(args[:index])
        except _UsageError as exc:
            return _fail(exc.message, exc.prog, EXIT_USAGE)
        if set(vars(ns)) - {"etc", "command"}:
            return _fail("run takes --etc, no other global option", f"{PROG} run", EXIT_USAGE)
        problem = _etc_problem(ns.etc)
        if problem is not None:
            return _fail(problem, None, EXIT_USAGE)
        return _run_program.main(args[index + 1 :], etc=ns.etc)
    report = _Report()
    unwritten: BaseException | None = None  # what could not be written (help text, results)
    try:
        status = _main(args, report)
    except KeyboardInterrupt:
        if report.json:  # the one JSON value, whatever the outcome: an interruption's
            report.out = Output()
            report.out.add(json_bytes({"error": error_object("interrupted", "interrupted")}))
            try:
                report.out.flush()
            except (OSError, KeyboardInterrupt):
                drop_stdout()
        return EXIT_INTERRUPT
    except SystemExit as exc:  # --help / --version
        status = exc.code if isinstance(exc.code, int) else EXIT_OK
    except _WriteError as exc:
        unwritten = exc.args[0]
    try:
        report.out.flush()
    except OSError as exc:
        unwritten = unwritten or exc
    except KeyboardInterrupt:
        return EXIT_INTERRUPT
    if isinstance(unwritten, BrokenPipeError):
        drop_stdout()
        return EXIT_SIGPIPE
    if unwritten is not None:
        write_failed(PROG, unwritten)
        return EXIT_IOERR
    return status


def _main(args: list[str], report: _Report) -> int:
    """Parse ``args`` and run the command; raises SystemExit for --help and --version."""
    if not args:
        return report.fail("missing command", PROG, EXIT_COMMAND)
    parser = build_parser()
    index = _command_index(args)
    # --json with no command, or an unknown one: the usage error as JSON too
    report.json = any(len(w) >= 3 and "--json".startswith(w) for w in args[:index])
    try:
        # the global options (and --help/--version) before the command word
        ns = parser.parse_args(args if index is None else args[:index])
        if index is None:
            return report.fail("missing command", PROG, EXIT_COMMAND)
        command = args[index]
        if command not in COMMANDS:
            return report.fail(f"unknown command: {command}", PROG, EXIT_COMMAND)
        # The options before the command word, as if they came right after it.
        args = [command, *args[:index], *args[index + 1 :]]
        report.json = _wants_json(args, 0)
        # the command's own parser: its usage errors name it ("Try 'netdb hosts --help'")
        ns = parser.commands[command].parse_args(args[1:], namespace=argparse.Namespace(etc=None))
    except _UsageError as exc:
        return report.fail(exc.message, exc.prog, EXIT_USAGE)
    ns.command = command
    problem = _etc_problem(ns.etc)
    if problem is not None:
        return report.fail(problem, None, EXIT_USAGE)
    return _run(ns, args, report)


def _etc_problem(etc: str | None) -> str | None:
    """What is wrong with ``--etc DIR`` (missing, not a directory), or None."""
    if etc is None:
        return None
    try:
        SystemFiles.under(etc)
    except OSError as exc:
        return f"--etc {etc}: {exc.strerror or exc}"
    return None


def _run(ns: argparse.Namespace, args: Sequence[str], report: _Report) -> int:
    """Run the parsed command, collecting its output in ``report``; return the exit status."""
    command: str = ns.command
    if command in _getent.DATABASES:
        bad = _negative_key(args, ns.keys)
        if bad is not None:
            return report.fail(
                f"invalid option: {bad} (put '--' before keys that start with '-')",
                f"{PROG} {command}",
                EXIT_USAGE,
            )
    if command == "bulk":
        return _bulk.run(ns)
    if command == "explain":
        problem = _explain_cmd.usage_problem(ns)
        if problem is not None:
            return report.fail(problem, f"{PROG} explain", EXIT_USAGE)
    try:
        ctx = make_context(ns.etc, getattr(ns, "service", None))
    except ServiceConfigError as exc:
        return report.fail(str(exc), f"{PROG} {command}", EXIT_COMMAND)
    except OSError as exc:  # --etc went away since it was checked
        return report.fail(f"--etc {ns.etc}: {exc.strerror or exc}", None, EXIT_USAGE)
    try:
        if command in _getent.DATABASES:
            return _run_getent(ctx, command, ns, report)
        if command == "addrinfo":
            return _run_addrinfo(ctx, ns, report)
        if command == "explain":
            return _run_explain(ctx, ns, report)
        return _run_nameinfo(ctx, ns, report)
    except OSError as exc:  # a lookup failed in a way its command has no words for
        return report.fail(os_message(exc), None, EXIT_NOT_FOUND, exception_object(exc))


def _run_getent(ctx: Context, command: str, ns: argparse.Namespace, report: _Report) -> int:
    handler = _getent.DATABASES[command][0]
    opts = _getent.Options(idn=not ns.no_idn, addrconfig=not ns.no_addrconfig)
    items = handler(ctx, ns.keys, opts)
    if ns.json:
        report.out.add(json_bytes([item.record for item in items]))
    else:
        for item in items:
            if isinstance(item, _getent.Entry):
                report.out.add(item.text)
    return _getent.status(items)


def _run_addrinfo(ctx: Context, ns: argparse.Namespace, report: _Report) -> int:
    flags = _addrinfo.ai_flags(ns.flags)
    try:
        records = _addrinfo.addrinfo_records(
            ctx, ns.host, ns.port, ns.family, ns.type, ns.proto, flags
        )
    except UnicodeError as exc:  # the IDNA codec refused HOST, as socket.getaddrinfo does
        message = f"{ns.host}: {exc}"
        return report.fail(message, None, EXIT_NOT_FOUND, error_object("error", str(exc)))
    except (OverflowError, TypeError, ValueError) as exc:
        return report.fail(str(exc), f"{PROG} addrinfo", EXIT_USAGE)
    except OSError as exc:
        message = f"{ns.host}: {os_message(exc)}"
        return report.fail(message, None, EXIT_NOT_FOUND, exception_object(exc))
    if ns.json:
        report.out.add(json_bytes(records))
    else:
        report.out.add(text_bytes(_addrinfo.format_records(records)))
    return EXIT_OK


def _run_explain(ctx: Context, ns: argparse.Namespace, report: _Report) -> int:
    """The lookup with its steps recorded: the trace, then what ``addrinfo`` (``--addr``:
    ``hosts``) prints, with that command's message and exit status on failure."""
    exp = _explain_cmd.explain_call(ctx, ns)
    failure = _explain_cmd.failure(exp, ns)
    if ns.json:
        report.out.add(json_bytes(_explain_cmd.json_document(ctx, exp, ns)))
    else:
        report.out.add(_explain_cmd.text(ctx, exp, times=not ns.no_times))
    if failure is None:
        return EXIT_OK
    if failure.message is not None:
        say(f"{PROG}: {failure.message}\n")
        if failure.hint is not None:
            say(f"Try '{failure.hint} --help' for more information.\n")
    return failure.status


def _run_nameinfo(ctx: Context, ns: argparse.Namespace, report: _Report) -> int:
    sockaddr: tuple[str | int, ...] = (ns.address, ns.port)
    if ns.scope_id is not None or ns.flowinfo is not None:
        sockaddr += (ns.flowinfo or 0, ns.scope_id or 0)
    try:
        record = _addrinfo.nameinfo(ctx, sockaddr, _addrinfo.ni_flags(ns.flags))
    except UnicodeError as exc:  # a name found that is not UTF-8, as socket.getnameinfo raises
        message = f"{ns.address}: {exc}"
        return report.fail(message, None, EXIT_NOT_FOUND, error_object("error", str(exc)))
    except (OverflowError, TypeError, ValueError) as exc:
        return report.fail(str(exc), f"{PROG} nameinfo", EXIT_USAGE)
    except OSError as exc:
        message = f"{ns.address}: {os_message(exc)}"
        return report.fail(message, None, EXIT_NOT_FOUND, exception_object(exc))
    if ns.json:
        report.out.add(json_bytes(record))
    else:
        report.out.add(text_bytes(_addrinfo.nameinfo_line(record)))
    return EXIT_OK


__all__ = ["build_parser", "main"]
