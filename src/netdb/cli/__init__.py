"""The ``netdb`` command: getent-compatible lookups, getaddrinfo and getnameinfo from a shell.

Owns the command line: the parser (argparse, standard library only), which module answers which
command, and the exit status, which follows getent(1) so scripts can swap one for the other:

* 0: every key was found (or the database was listed);
* 1: no command, or an unknown one (getent: wrong number of arguments, unknown database);
* 2: some key was not found / the lookup failed (``addrinfo``/``nameinfo``: a ``gaierror``);
* 64: a bad option or option value (``EX_USAGE``, as getent's argp parser exits);
* 74: the output could not be written (``EX_IOERR``); 141 when the reader went away (as SIGPIPE).

Help goes to stdout (``--help`` exits 0); errors and usage hints go to stderr, never a traceback.
``--etc DIR`` makes a command read the system files (hosts, services, protocols, nsswitch.conf,
host.conf, gai.conf, resolv.conf) from ``DIR`` instead of ``/etc``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from . import addrinfo as _addrinfo
from . import bulk as _bulk
from . import getent as _getent
from ._context import Context, ServiceConfigError, make_context
from ._output import Output, text_bytes

PROG = "netdb"
EXIT_OK = 0
EXIT_COMMAND = 1
EXIT_NOT_FOUND = 2
EXIT_USAGE = 64
EXIT_IOERR = 74
EXIT_SIGPIPE = 141
EXIT_INTERRUPT = 130

COMMANDS = (*_getent.DATABASES, "addrinfo", "nameinfo", "bulk")


class _UsageError(Exception):
    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse, but errors come back to :func:`main` instead of exiting with status 2."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(self.prog, message)


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


def build_parser() -> _Parser:
    """The whole command line (also what ``--help`` prints)."""
    parser = _Parser(
        prog=PROG,
        description="Look up hosts, services and protocols the way glibc does, in pure Python.",
        epilog=(
            "Exit status: 0 found, 1 no or unknown command, 2 a key was not found or the lookup "
            "failed, 64 bad usage, 74 output not written.  "
            f"Run '{PROG} COMMAND --help' for a command's options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    common = _Parser(add_help=False)
    common.add_argument(
        "--etc",
        metavar="DIR",
        help="read hosts, services, protocols, nsswitch.conf, ... from DIR instead of /etc",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    for name, (_handler, summary) in _getent.DATABASES.items():
        p = sub.add_parser(
            name,
            parents=[common],
            help=summary,
            description=f"{summary}.  Output and exit status as `getent {name}`; "
            "without KEY, list the whole database.",
        )
        p.add_argument("keys", nargs="*", metavar="KEY")
        p.add_argument(
            "-i", "--no-idn", action="store_true", help="disable IDN encoding (as getent -i)"
        )
        p.add_argument(
            "-A",
            "--no-addrconfig",
            action="store_true",
            help="do not filter out unsupported IPv4/IPv6 addresses, with ahosts* (as getent -A)",
        )
        p.add_argument(
            "-s",
            "--service",
            metavar="CONFIG",
            help="sources to use instead of nsswitch.conf's: 'files' for every database, or "
            "'DATABASE:CONFIG' for one (as getent -s)",
        )

    p = sub.add_parser(
        "addrinfo",
        parents=[common],
        help="getaddrinfo(HOST, PORT, ...) as Python's socket module calls it",
        description="Call getaddrinfo(HOST, PORT, family, type, proto, flags) and print each "
        "result with names for its numbers.  HOST '*' means no host; PORT may be a number or a "
        "service name.",
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
    p.add_argument("--json", action="store_true", help="print a JSON array instead of text")

    p = sub.add_parser(
        "nameinfo",
        parents=[common],
        help="getnameinfo((ADDRESS, PORT), flags): print HOST SERVICE",
        description="Call getnameinfo((ADDRESS, PORT), flags), or getnameinfo((ADDRESS, PORT, "
        "FLOWINFO, SCOPE_ID), flags) with --flowinfo/--scope-id, and print 'HOST SERVICE'.",
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
    _bulk.add_parser(sub, common)
    return parser


def _fail(message: str, hint: str | None, code: int) -> int:
    sys.stderr.write(f"{PROG}: {message}\n")
    if hint is not None:
        sys.stderr.write(f"Try '{hint} --help' for more information.\n")
    return code


def _negative_key(args: Sequence[str], keys: Sequence[str]) -> str | None:
    """A key that getent's option parser would have taken for an option (``-1``), if any."""
    if "--" in args:
        return None
    return next((k for k in keys if k.startswith("-") and k != "-"), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``netdb`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return _fail("missing command", PROG, EXIT_COMMAND)
    first = args[0]
    if not first.startswith("-") and first not in COMMANDS:
        return _fail(f"unknown command: {first}", PROG, EXIT_COMMAND)
    parser = build_parser()
    try:
        ns = parser.parse_args(args)
    except _UsageError as exc:
        return _fail(exc.message, exc.prog, EXIT_USAGE)
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if ns.command is None:
        return _fail("missing command", PROG, EXIT_COMMAND)
    out = Output()
    try:
        status = _run(ns, args, out)
        out.flush()
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_SIGPIPE
    except OSError as exc:  # lookups report their own errors: this is writing the output
        _drop_stdout()
        return _fail(f"write error: {exc.strerror or exc}", None, EXIT_IOERR)
    except KeyboardInterrupt:
        return EXIT_INTERRUPT
    return status


def _drop_stdout() -> None:
    """Point fd 1 at /dev/null so Python's exit-time flush of unwritable output stays quiet."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stdout)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(ns: argparse.Namespace, args: Sequence[str], out: Output) -> int:
    """Run the parsed command, collecting its output in ``out``; return the exit status."""
    command: str = ns.command
    if command in _getent.DATABASES:
        bad = _negative_key(args, ns.keys)
        if bad is not None:
            hint = f"{PROG} {command}"
            return _fail(
                f"invalid option: {bad} (put '--' before keys that start with '-')",
                hint,
                EXIT_USAGE,
            )
    if command == "bulk":
        return _bulk.run(ns)
    try:
        ctx = make_context(ns.etc, getattr(ns, "service", None))
    except ServiceConfigError as exc:
        return _fail(str(exc), f"{PROG} {command}", EXIT_COMMAND)
    if command in _getent.DATABASES:
        handler = _getent.DATABASES[command][0]
        opts = _getent.Options(idn=not ns.no_idn, addrconfig=not ns.no_addrconfig)
        return handler(ctx, ns.keys, opts, out)
    if command == "addrinfo":
        return _run_addrinfo(ctx, ns, out)
    return _run_nameinfo(ctx, ns, out)


def _run_addrinfo(ctx: Context, ns: argparse.Namespace, out: Output) -> int:
    flags = _addrinfo.ai_flags(ns.flags)
    try:
        records = _addrinfo.addrinfo_records(
            ctx, ns.host, ns.port, ns.family, ns.type, ns.proto, flags
        )
    except UnicodeError as exc:  # the IDNA codec refused HOST, as socket.getaddrinfo does
        return _fail(f"{ns.host}: {exc}", None, EXIT_NOT_FOUND)
    except (OverflowError, TypeError, ValueError) as exc:
        return _fail(str(exc), f"{PROG} addrinfo", EXIT_USAGE)
    except OSError as exc:
        return _fail(f"{ns.host}: {_os_message(exc)}", None, EXIT_NOT_FOUND)
    out.add(text_bytes(_addrinfo.format_records(records, ns.json)))
    return EXIT_OK


def _run_nameinfo(ctx: Context, ns: argparse.Namespace, out: Output) -> int:
    sockaddr: tuple[str | int, ...] = (ns.address, ns.port)
    if ns.scope_id is not None or ns.flowinfo is not None:
        sockaddr += (ns.flowinfo or 0, ns.scope_id or 0)
    try:
        line = _addrinfo.nameinfo(ctx, sockaddr, _addrinfo.ni_flags(ns.flags))
    except (OverflowError, TypeError, ValueError) as exc:
        return _fail(str(exc), f"{PROG} nameinfo", EXIT_USAGE)
    except OSError as exc:
        return _fail(f"{ns.address}: {_os_message(exc)}", None, EXIT_NOT_FOUND)
    out.add(text_bytes(line))
    return EXIT_OK


def _os_message(exc: OSError) -> str:
    """``gaierror(-2, 'Name or service not known')`` -> its message; other errors as str()."""
    if len(exc.args) == 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return str(exc)


__all__ = ["build_parser", "main"]
