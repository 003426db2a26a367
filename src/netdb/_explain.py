"""``netdb.explain``: one lookup run with its steps recorded, and what the record says.

Owns :func:`explain` (and the coroutine form's preparation, which ``netdb.aio.explain`` drives),
:class:`Explanation` (the outcome, the steps, their JSON form and their rendering for a person).

The explained lookup is the lookup: ``explain(f, *args)`` runs the same ``*_steps`` generator that
``f(*args)`` runs, on the same resolver (its files, memo and cache), through the same driver and
deadline, with a recorder in force (``trace.watched``).  The recorder only listens: the core's
decisions are made as in a plain call.  Two things differ, neither in the answer: a getaddrinfo
takes the full path instead of the express lane (the lane answers as the full path does, which
``express.VERIFY`` checks; only the full path has the steps), and a hosts walk or an order that
was remembered is worked out again so that its steps can be seen (both memos keep pure results).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import trace
from ._api import Resolver
from .dns.ops import Op
from .names import family_name, protocol_name, socktype_name

FUNCTIONS = ("getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")
"""The lookups that can be explained."""

_FILES = {
    "getaddrinfo": ("nsswitch", "hosts", "host_conf", "resolv", "host_aliases", "gai", "services"),
    "getnameinfo": ("nsswitch", "hosts", "host_conf", "resolv", "services"),
    "gethostbyname": ("nsswitch", "hosts", "host_conf", "resolv", "host_aliases", "gai"),
    "gethostbyname_ex": ("nsswitch", "hosts", "host_conf", "resolv", "host_aliases", "gai"),
    "gethostbyaddr": ("nsswitch", "hosts", "host_conf", "resolv", "gai"),
}


@dataclass(frozen=True, slots=True)
class Explanation:
    """What one lookup did and what it gave.

    ``function`` and ``arguments`` say which call; ``steps`` are the records of
    :mod:`netdb.trace` in the order things happened; :meth:`outcome` returns what the call
    returned or raises what it raised.
    """

    function: str
    arguments: tuple[Any, ...]
    keywords: tuple[tuple[str, Any], ...]
    steps: tuple[trace.Step, ...]
    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    #: the protocols database's name of a number (names results' protocols in to_json)
    protocols: Callable[[int], str | None] | None = field(default=None, compare=False, repr=False)

    def outcome(self) -> Any:
        """Exactly what the call returns, or raises exactly what it raised."""
        if self.error is not None:
            raise self.error
        return self.value

    def call_text(self) -> str:
        """The call as Python would write it (each argument's ``repr``, see :func:`safe_repr`)."""
        parts = [safe_repr(a) for a in self.arguments]
        parts += [f"{k}={safe_repr(v)}" for k, v in self.keywords]
        return f"{self.function}({', '.join(parts)})"

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see README, "netdb explain"): the call, the steps, and ``result`` or
        ``error``."""
        doc: dict[str, Any] = {
            "function": self.function,
            "arguments": [_jsonable(a) for a in self.arguments],
            "keywords": {k: _jsonable(v) for k, v in self.keywords},
            "seconds": round(self.seconds, 6),
            "steps": [_step_json(s) for s in self.steps],
        }
        if self.error is not None:
            doc["error"] = error_json(self.error)
        else:
            doc["result"] = result_json(self.function, self.value, self.protocols)
        return doc

    def __str__(self) -> str:
        return render(self)


def _step_json(step: trace.Step) -> dict[str, Any]:
    out = trace.step_fields(step)
    out["at"] = round(out["at"] * 1000, 3)  # milliseconds, as the rendering shows
    return out


_NESTING = 8
"""How deep the JSON form of an argument follows tuples and lists (a list may hold itself)."""


def _jsonable(value: Any, depth: int = 0) -> Any:
    """An argument as JSON: strings, numbers, booleans and None as they are (``bytes`` as text,
    surrogate-escaped), tuples and lists as arrays; anything else, a float JSON cannot hold
    (``nan``, ``inf``) and what lies deeper than :data:`_NESTING` as its ``repr`` text."""
    if isinstance(value, float) and not math.isfinite(value):
        return safe_repr(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (tuple, list)) and depth < _NESTING:
        return [_jsonable(v, depth + 1) for v in value]
    return safe_repr(value)


def safe_repr(value: object) -> str:
    """``repr(value)``, or ``<T object>`` when the object's own ``__repr__`` fails: an argument
    or an exception of the caller's must not make the explanation fail."""
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__qualname__} object>"


def result_json(
    function: str, value: Any, protocols: Callable[[int], str | None] | None = None
) -> Any:
    """A lookup's result in JSON: getaddrinfo's as ``netdb addrinfo --json`` prints them
    (``protocols``: the protocols database's names, for numbers ``<netinet/in.h>`` lacks)."""
    if function == "getaddrinfo":
        return [
            {
                "family": family_name(int(f)),
                "type": socktype_name(int(t)),
                "protocol": protocol_name(int(p), protocols),
                "canonical_name": c,
                "sockaddr": list(sa),
            }
            for f, t, p, c, sa in value
        ]
    if function == "getnameinfo":
        return {"host": value[0], "service": value[1]}
    if function in ("gethostbyname_ex", "gethostbyaddr"):
        return {"name": value[0], "aliases": list(value[1]), "addresses": list(value[2])}
    return _jsonable(value)


def error_json(exc: BaseException) -> dict[str, Any]:
    """The ``ERROR`` object of ``--json`` output for a lookup's exception."""
    from .cli._output import exception_object  # the one shape of every --json error

    return exception_object(exc)


# --- running an explained lookup ---------------------------------------------------------------


def target(func: Callable[..., Any], *, coroutines: bool = False) -> tuple[Resolver, str]:
    """The resolver and function name behind ``func``: a module function of ``netdb`` (or, for
    ``netdb.aio.explain``, with ``coroutines``, of ``netdb.aio``), a :class:`Resolver`'s bound
    method, or ``socket``'s function while :func:`netdb.install` has it (the installed
    resolver's).  ``netdb.explain`` refuses ``netdb.aio``'s coroutines: a plain call of one
    returns a coroutine, not an answer, and takes ``timeout=``/``resolver=``, which only
    ``netdb.aio.explain`` understands."""
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if isinstance(owner, Resolver) and name in FUNCTIONS:
        return owner, name
    module = getattr(func, "__module__", "")
    if module == "netdb._install" and name in FUNCTIONS:
        from . import _install

        # socket's function while netdb.install() is in force: the installed resolver's.
        if func is getattr(_install, name) and _install._resolver is not None:
            return _install._resolver, name
    if module == "netdb.aio" and not coroutines and name in FUNCTIONS:
        raise TypeError(
            f"explain() takes netdb's functions, not netdb.aio's coroutine {name}(): "
            "await netdb.aio.explain(...) explains those"
        )
    if module in ("netdb", "netdb.aio") and name in FUNCTIONS:
        import importlib

        from . import _default_resolver

        # The module's own function (netdb.aio is already imported when its function is here).
        if func is getattr(importlib.import_module(module), name):
            return _default_resolver(), name
    raise TypeError(
        "explain() takes one of netdb's lookup functions (getaddrinfo, getnameinfo, "
        "gethostbyname, gethostbyname_ex, gethostbyaddr), the module's or a Resolver's; "
        f"got {func!r}"
    )


def prepare(
    resolver: Resolver,
    name: str,
    func: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Any,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[trace.Recorder, Generator[Op, Any, Any] | None, BaseException | None]:
    """The recorder (holding the files step; its times read ``clock``), and the lookup's
    generator or the exception its arguments raise before any step (as the plain call raises
    it)."""
    rec = trace.Recorder(clock)
    gen: Generator[Op, Any, Any] | None = None
    error: BaseException | None = None
    try:
        _bind(func, args, kwargs)
        _files_steps(resolver, name, rec)
        _idna_step(name, args, kwargs, rec)
        gen = getattr(resolver, name + "_steps")(*args, **kwargs)
    except Exception as exc:  # the plain call raises the same, before any lookup
        error = exc
    return rec, gen, error


def _bind(func: Callable[..., Any], args: Sequence[Any], kwargs: Any) -> None:
    """Raise what calling ``func`` raises when the arguments do not fit its signature."""
    import inspect

    try:
        inspect.signature(func).bind(*args, **kwargs)
    except TypeError:
        func(*args, **kwargs)  # fails in the binding, before its body runs: Python's own message
        raise
    except ValueError:  # no signature to read (a builtin): let the call itself say
        return


def explain(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Explanation:
    """Run ``func(*args, **kwargs)`` (one of netdb's lookup functions: ``getaddrinfo``,
    ``getnameinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``, the module's
    or a :class:`Resolver`'s) and return its :class:`Explanation`.

    The lookup is the one the plain call makes (same resolver, files, memo, cache, deadline);
    ``explanation.outcome()`` returns its result or raises its exception.
    """
    resolver, name = target(func)
    started = time.perf_counter()
    rec, gen, error = prepare(resolver, name, func, args, kwargs)
    value = None
    if gen is not None:
        try:
            value = resolver._run(trace.watched(gen, rec))
        except Exception as exc:
            error = exc
    return finish(resolver, name, args, kwargs, rec, value, error, time.perf_counter() - started)


def finish(
    resolver: Resolver,
    name: str,
    args: Sequence[Any],
    kwargs: Any,
    rec: trace.Recorder,
    value: Any,
    error: BaseException | None,
    seconds: float,
) -> Explanation:
    files = resolver._files

    def protocols(number: int) -> str | None:
        entry = files.protocols().by_number(number)
        return None if entry is None else str(entry.name)

    return Explanation(
        name,
        tuple(args),
        tuple(kwargs.items()),
        tuple(rec.steps),
        value,
        error,
        seconds,
        protocols,
    )


# --- steps the front records itself --------------------------------------------------------


def _files_steps(resolver: Resolver, name: str, rec: trace.Recorder) -> None:
    files = resolver._files
    watched = files.watched()
    for role in _FILES[name]:
        w = watched[role]
        value = w.get()
        if role == "host_aliases" and not w.path:
            continue  # the environment names no HOSTALIASES file
        present = os.path.exists(w.path)
        ms = None if w.parse_seconds is None else round(w.parse_seconds * 1000, 3)
        rec.add(trace.FileRead(w.path, present, ms, _lines(role, value, resolver)))


def _lines(role: str, value: Any, resolver: Resolver) -> tuple[str, ...]:
    """The parts of a parsed file that matter to a hosts lookup, as lines of that file."""
    if role == "nsswitch":
        sources = value.hosts_sources()
        words = []
        for s in sources:
            words.append(s.name)
            if s.actions:
                words.append("[" + " ".join(f"{st.upper()}={act}" for st, act in s.actions) + "]")
        line = trace.c_text("hosts: " + " ".join(words))
        return (line if "hosts" in value.databases else line + "  (glibc's default)",)
    if role == "resolv":
        conf = resolver.resolv_conf()
        out = [f"nameserver {h}" + (f" (port {p})" if p != 53 else "") for h, p in conf.nameservers]
        if conf.search:
            out.append("search " + " ".join(conf.search))
        opts = sorted(conf.options)
        out.append(
            f"options ndots:{conf.ndots} timeout:{conf.timeout} attempts:{conf.attempts}"
            + "".join(" " + o for o in opts)
        )
        return tuple(map(trace.c_text, out))
    if role == "host_conf":
        return (f"multi {'on' if value.multi else 'off'}",)
    if role == "host_aliases":
        return (f"{len(value.entries)} aliases (for names without a dot)",)
    if role == "hosts":
        return (f"{len(value.entries)} usable lines",)
    if role == "services":
        origin = getattr(value, "origin", "")
        return (f"origin {origin}",) if origin else ()
    if role == "gai":
        return _gai_lines(value)
    return ()


def _gai_lines(conf: Any) -> tuple[str, ...]:
    import socket

    from ._io.route import rule_line

    out = [rule_line("label", r) for r in conf.labels or ()]
    out += [rule_line("precedence", r) for r in conf.precedences or ()]
    for r in conf.scopev4 or ():
        addr = socket.inet_ntop(socket.AF_INET, r.addr.to_bytes(4, "big"))
        bits = bin(r.netmask).count("1")
        out.append(f"scopev4 ::ffff:{addr}/{96 + bits} {r.value}")
    return tuple(out)


def _idna_step(name: str, args: Sequence[Any], kwargs: Any, rec: trace.Recorder) -> None:
    """A ``str`` host goes through Python's ``idna`` codec first: the step when it is not
    ASCII, a fact when the codec refuses it (an ASCII name too: a label over 63 characters,
    an empty label)."""
    host: Any = args[0] if args else kwargs.get("host", kwargs.get("hostname"))
    if name == "getnameinfo" or not isinstance(host, str):
        return
    try:
        encoded = str.encode(host, "idna").decode("ascii")
    except UnicodeError as exc:
        rec.add(trace.Fact("idna", f"{safe_repr(host)} cannot be encoded: {exc}"))
        return
    if not host.isascii():
        rec.add(trace.Idna(host, encoded, "python"))


# --- rendering --------------------------------------------------------------------------------


def render(exp: Explanation, *, times: bool = True) -> str:
    """The explanation for a person: the call, one line per step, then the outcome.

    Each line goes through :func:`printable`: what a step holds (a hosts line, a name from the
    command line, a file's path) can neither start a line of its own nor reach the terminal as
    a control sequence."""
    lines = [f"explain {exp.call_text()}"]
    for step in exp.steps:
        when = f"{step.at * 1000:8.3f} ms  " if times else ""
        lines.append(f"{when}{step.kind:<11} {describe(step, times=times)}")
    if exp.error is not None:
        lines.append(f"raises {type(exp.error).__name__}{_args(exp.error)}")
    else:
        lines.append(f"returns {safe_repr(exp.value)}")
    return "\n".join(map(printable, lines))


def printable(text: str) -> str:
    """``text`` with every character ``str.isprintable`` refuses (controls such as newline and
    ESC, DEL, C1 controls, line and paragraph separators, format characters such as bidi
    overrides, lone surrogates) written as ``repr`` writes it: ``\\x1b``, ``\\u2028``,
    ``\\udcff``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _args(exc: BaseException) -> str:
    if len(exc.args) != 1:
        return safe_repr(exc.args)
    return f"({safe_repr(exc.args[0])})"


def describe(step: trace.Step, *, times: bool = True) -> str:
    """One step as a line of text (without its time and kind)."""
    if isinstance(step, trace.FileRead):
        state = "present" if step.present else "missing"
        parsed = ""
        if step.parse_ms is not None and times:
            parsed = f", parsed in {step.parse_ms:.3f} ms"
        tail = "; ".join(step.lines)
        return f"{step.path} ({state}{parsed})" + (f": {tail}" if tail else "")
    if isinstance(step, trace.Idna):
        return f"{step.given!r} -> {step.encoded!r} ({step.how})"
    if isinstance(step, trace.Memo):
        if not step.hit:
            return "miss: the lookup runs"
        holds = "until the files or the kernel change"
        if step.holds_s is not None:
            holds = f"for {step.holds_s:.3f} s more" if times else "for the DNS answer's TTL"
        return f"hit: a remembered answer, valid {holds}"
    if isinstance(step, trace.Services):
        if not step.entries:
            return f"service {step.service!r} -> none for these socket types (EAI_SERVICE)"
        shown = ", ".join(
            f"{socktype_name(t)}/{protocol_name(p)} port {port}" for t, p, port in step.entries
        )
        return f"service {step.service!r} -> {shown}"
    if isinstance(step, trace.Numeric):
        return f"{step.host!r} is a numeric {family_name(step.family)} address: no source asked"
    if isinstance(step, trace.Addrconfig):
        v4 = "has" if step.ipv4 else "has no"
        v6 = "has" if step.ipv6 else "has no"
        return f"AI_ADDRCONFIG: the host {v4} IPv4 and {v6} IPv6 addresses (loopback aside)"
    if isinstance(step, trace.NssSource):
        crit = f" {step.criteria}" if step.criteria else ""
        return f"{step.source}{crit}: {step.status} -> {step.action}   ({step.function} {step.key})"
    if isinstance(step, trace.HostsLine):
        return f"{step.path} line {step.line}: {step.text}"
    if isinstance(step, trace.SearchStart):
        search = " ".join(step.search) if step.search else "(empty)"
        return f"{step.name!r}: {step.dots} dots, ndots {step.ndots}, search {search}: {step.order}"
    if isinstance(step, trace.SearchTry):
        return f"{step.name}: {step.outcome}; {step.decision}"
    if isinstance(step, trace.CacheLookup):
        types = "+".join(step.qtypes)
        if not step.hit:
            return f"{step.name} {types}: miss"
        left = f", {step.ttl_left:.0f} s of TTL left" if times and step.ttl_left is not None else ""
        return f"{step.name} {types}: hit{left}"
    if isinstance(step, trace.Query):
        ident = f" id {step.id}" if times else ""
        again = f" (try {step.attempt})" if step.attempt > 1 else ""
        return f"{step.transport} {step.server}{ident}: {step.name} {step.qtype}{again}"
    if isinstance(step, trace.Reply):
        ident = f" id {step.id}" if times else ""
        rtt = f" in {step.rtt_ms:.3f} ms" if step.rtt_ms is not None and times else ""
        if step.rtt_ms is None:
            rtt = " (answers no query of this lookup)"
        qd, an, ns, ar = step.counts
        return (
            f"{step.transport} {step.server}{ident}: {step.name} {step.qtype} {step.rcode}"
            f" [{' '.join(step.flags)}] qd {qd} an {an} ns {ns} ar {ar}, {step.size} bytes{rtt}"
        )
    if isinstance(step, trace.Silence):
        waited = f" after {step.waited_ms:.3f} ms" if times else ""
        return f"{step.transport} {step.server}: {step.what}{waited}"
    if isinstance(step, trace.Compared):
        return f"{step.first} before {step.second}: rule {step.rule} ({step.reason})"
    if isinstance(step, trace.SortPolicy):
        dests = "; ".join(step.destinations)
        return f"RFC 6724 sort with the {step.origin} policy table ({len(step.rows)} rows): {dests}"
    if isinstance(step, trace.Fact):
        return f"{step.what}: {step.detail}"
    return repr(step)


def to_text(exp: Explanation) -> str:
    """The JSON form as text (indented)."""
    return json.dumps(exp.to_json(), indent=2, ensure_ascii=False)
