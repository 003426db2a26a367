"""The ``explain`` command: why a name resolved as it did, step by step (``netdb.explain``).

``netdb explain HOST [PORT] [--family F] [--type T] [--proto P] [--flag FLAG ...]`` runs
``getaddrinfo(HOST, PORT, family, type, proto, flags)`` exactly as ``netdb addrinfo`` calls it (the
same resolver, built from ``--etc`` the same way), with its steps recorded; ``netdb explain --addr
ADDRESS`` does the same for ``gethostbyaddr(ADDRESS)``.

Owns the command's arguments and its output:

* text: the trace, one line per step (``_explain.render``: its first line names the call, and
  on failure its last line says what the call raised), then, when the call succeeded, a blank
  line and the result as ``netdb addrinfo`` prints it (``addrinfo.format_records``), or for
  ``--addr`` as ``netdb hosts ADDRESS`` prints a hosts entry (getent's ``%-15s %s`` line per
  address, then the aliases).  The trace holds no blank line, so everything after the first
  blank line is byte for byte the other command's output, with one exception: ``--addr``'s
  names go through ``printable`` as the trace's do (``netdb hosts`` prints their bytes, as
  getent does; ``netdb addrinfo``'s text escapes its canonical name itself).  ``--no-times``
  renders without times, IDs, round-trip times and parse times (``render(exp, times=False)``):
  stable output.
* ``--json``: one JSON document, ``Explanation.to_json()`` (README, "netdb explain"), whose
  ``result`` is what ``netdb addrinfo --json`` prints for the same call (``--addr``: ``{"name",
  "aliases", "addresses"}``) and whose ``error`` is the ``ERROR`` object that command prints.
* the failure of the call: the same message on stderr and the same exit status as ``netdb
  addrinfo HOST PORT ...`` (``--addr``: as ``netdb hosts ADDRESS``, which says nothing on stderr
  for an address not found and exits 2), see :func:`failure`.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import _explain
from .._explain import Explanation, printable
from ._context import Context
from ._output import error_object, exception_object, os_message, text_bytes
from .addrinfo import (
    addrinfo_record,
    ai_flag,
    ai_flags,
    family,
    format_records,
    protocol,
    socktype,
)

EXIT_OK = 0
EXIT_NOT_FOUND = 2
EXIT_USAGE = 64

SUMMARY = "why getaddrinfo(HOST, PORT, ...) or gethostbyaddr(ADDRESS) answered as it did"

DESCRIPTION = (
    "Run getaddrinfo(HOST, PORT, family, type, proto, flags), as 'netdb addrinfo' calls it, or "
    "gethostbyaddr(ADDRESS) with --addr, and show why it answered as it did: the files read, "
    "the nsswitch walk with each source's status and action, the hosts lines matched, the "
    "search list, each DNS query and reply, the cache, AI_ADDRCONFIG, the RFC 6724 sort, IDNA "
    "and the service expansion; one step per line, then a blank line and the result as "
    "'netdb addrinfo' prints it (for --addr: as 'netdb hosts ADDRESS' prints a hosts entry, "
    "getent's 'ADDRESS NAME ALIAS...' line; ADDRESS is read as socket.gethostbyaddr reads it, "
    "so 127.1 is 127.0.0.1, where netdb hosts looks up what inet_pton does not read as a "
    "name).  A control character, bidi override or byte "
    "that is not UTF-8 in a name or a file's line is written as Python's repr writes it (\\x1b), "
    "in the result too."
)

EPILOG = (
    "Exit status: that of 'netdb addrinfo HOST PORT ...' for the same call (with --addr: of "
    "'netdb hosts ADDRESS'): 0 the lookup succeeded, 2 it failed (the trace's last line says "
    "what it raised; stderr has addrinfo's message, and nothing for an address not found with "
    "--addr, as netdb hosts), 64 bad usage (or --etc not a "
    "directory), 74 the output could not be written, 141 the reader went away, 130 "
    'interrupted.  --json prints one JSON object: {"function", "arguments", "keywords", '
    '"seconds", "steps": [{"step": KIND, ..., "at": MS}, ...]} and "result" (as \'netdb '
    'addrinfo --json\' prints it; --addr: {"name", "aliases", "addresses"}) or "error" '
    '({"kind", "code", "name", "message"}); the step kinds are in README\'s "netdb explain" '
    "section.  --no-times leaves out times, query IDs, round-trip times and parse times, so "
    "that the same lookup prints the same text every time (for diffs and golden tests)."
)

Typed = Callable[[Callable[[str], int], str], Callable[[str], int]]


def add_parser(sub: Any, common: argparse.ArgumentParser, typed: Typed, formatter: Any) -> None:
    """Register ``explain`` on the ``netdb`` command's subparsers.

    ``typed`` wraps a word converter of ``addrinfo.py`` for argparse (the CLI's ``_typed``), so
    a bad ``--family``/``--type``/``--proto``/``--flag`` is the same usage error as addrinfo's.
    """
    p = sub.add_parser(
        "explain",
        parents=[common],
        formatter_class=formatter,
        help=SUMMARY,
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    p.add_argument("host", metavar="HOST", nargs="?", help="as addrinfo's HOST ('*': no host)")
    p.add_argument("port", metavar="PORT", nargs="?", help="a number or a service name")
    p.add_argument(
        "--addr",
        metavar="ADDRESS",
        help="explain gethostbyaddr(ADDRESS) instead (no HOST, PORT or getaddrinfo options)",
    )
    p.add_argument(
        "--family",
        type=typed(family, "family"),
        help="inet, inet6, unspec, ... (AF_ prefix optional) or a number (default: unspec)",
    )
    p.add_argument(
        "--type",
        type=typed(socktype, "type"),
        help="stream, dgram, raw, seqpacket, ... or a number (default: any)",
    )
    p.add_argument(
        "--proto",
        type=typed(protocol, "proto"),
        help="tcp, udp, sctp, udplite, ... or a number (default: any)",
    )
    p.add_argument(
        "--flag",
        dest="flags",
        action="append",
        type=typed(ai_flag, "flag"),
        metavar="FLAG",
        help="an AI_* flag (canonname, passive, v4mapped, all, addrconfig, numerichost, "
        "numericserv, ...; AI_ prefix optional) or a number; repeat for several",
    )
    p.add_argument(
        "--no-times",
        action="store_true",
        help="leave out times, query IDs, round-trip and parse times (stable output)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (see below)")


def usage_problem(ns: argparse.Namespace) -> str | None:
    """What is wrong with a parsed ``explain`` command line that argparse cannot see, or None."""
    if ns.addr is None:
        if ns.host is None:
            return "the following arguments are required: HOST (or --addr ADDRESS)"
        return None
    given = [
        word
        for word, value in (
            ("HOST", ns.host),
            ("--family", ns.family),
            ("--type", ns.type),
            ("--proto", ns.proto),
            ("--flag", ns.flags),
        )
        if value is not None
    ]
    if given:
        return f"--addr ADDRESS takes no {', '.join(given)}"
    return None


def explain_call(ctx: Context, ns: argparse.Namespace) -> Explanation:
    """The explanation of the call the command line asks for, on the context's resolver."""
    resolver = ctx.resolver
    if ns.addr is not None:
        return _explain.explain(resolver.gethostbyaddr, ns.addr)
    return _explain.explain(
        resolver.getaddrinfo,
        ns.host,
        ns.port,
        ns.family or 0,
        ns.type or 0,
        ns.proto or 0,
        ai_flags(ns.flags),
    )


@dataclass(frozen=True, slots=True)
class Failure:
    """How the command reports a failed call: stderr's message (None: nothing, as getent
    says nothing for a key not found), the usage hint's command (or None), the exit status
    and the ``--json`` ``ERROR`` object."""

    message: str | None
    hint: str | None
    status: int
    error: dict[str, Any]


def failure(exp: Explanation, ns: argparse.Namespace) -> Failure | None:
    """What ``netdb addrinfo`` (``--addr``: ``netdb hosts``) does for the call's exception."""
    exc = exp.error
    if exc is None:
        return None
    key = ns.addr if ns.addr is not None else ns.host
    if isinstance(exc, UnicodeError):  # the IDNA codec refused the name
        return Failure(f"{key}: {exc}", None, EXIT_NOT_FOUND, error_object("error", str(exc)))
    if isinstance(exc, (OverflowError, TypeError, ValueError)):
        return Failure(str(exc), "netdb explain", EXIT_USAGE, error_object("usage", str(exc)))
    if isinstance(exc, OSError):
        quiet = ns.addr is not None and isinstance(exc, socket.herror)
        message = None if quiet else f"{key}: {os_message(exc)}"
        return Failure(message, None, EXIT_NOT_FOUND, exception_object(exc))
    return Failure(f"{key}: {exc}", None, EXIT_NOT_FOUND, exception_object(exc))


def result_records(ctx: Context, exp: Explanation) -> Any:
    """The call's result as ``netdb addrinfo --json`` prints it (``--addr``: as ``to_json``)."""
    if exp.function == "getaddrinfo":
        return [addrinfo_record(ctx, *r) for r in exp.value]
    return _explain.result_json(exp.function, exp.value)


def json_document(ctx: Context, exp: Explanation, ns: argparse.Namespace) -> dict[str, Any]:
    """``Explanation.to_json()``, its ``result`` and ``error`` as ``netdb addrinfo --json``'s."""
    doc = exp.to_json()
    problem = failure(exp, ns)
    if problem is not None:
        doc["error"] = problem.error
    else:
        doc["result"] = result_records(ctx, exp)
    return doc


def host_lines(name: str, aliases: list[str], addresses: list[str]) -> bytes:
    """getent's ``print_hosts`` for what the front's ``gethostbyaddr`` returned (text), each
    name through :func:`~netdb._explain.printable` as in the trace: where ``netdb hosts``
    prints a hosts line's bytes as getent does, explain's own text never carries a control
    sequence or a line of its own."""
    names = [name, *aliases]
    tail = b"".join(b" " + text_bytes(printable(n)) for n in names) + b"\n"
    return b"".join(text_bytes(a).ljust(15, b" ") + tail for a in addresses)


def text(ctx: Context, exp: Explanation, *, times: bool) -> bytes:
    """The trace, then (when the call succeeded) a blank line and the result as printed by
    ``netdb addrinfo`` (``--addr``: ``netdb hosts``)."""
    rendered = _explain.render(exp, times=times)
    if exp.error is not None:
        return text_bytes(rendered + "\n")
    trace, _, _returns = rendered.rpartition("\n")  # the last line repeats the result
    if exp.function == "getaddrinfo":
        shown = text_bytes(format_records(result_records(ctx, exp)))
    else:
        name, aliases, addresses = exp.value
        shown = host_lines(name, aliases, addresses)
    return text_bytes(trace + "\n\n") + shown
