"""/etc/host.conf (host.conf(5)) as glibc 2.36 reads it (``resolv/res_hconf.c``).

``multi on|off`` changes lookups through the files module: with it, ``gethostbyname`` merges
every line naming the host; without it, the first line answers.  ``reorder`` and ``trim`` are
applied by the hosts layer (gethostbyname*_r and gethostbyaddr_r); ``order``, ``spoof`` and
``nospoof`` change nothing.

glibc's reading rules, all kept here:

* the file is read with ``fgets`` into a 256-byte buffer: a longer line is read as several, each
  parsed on its own; the newline and anything from a NUL byte on are not seen;
* blanks are C ``isspace``; a line whose first word starts with ``#`` is a comment; the command
  word ends at a blank, ``#`` or ``,`` and is matched with ASCII case ignored;
* ``multi``/``reorder`` read their value by prefix, case ignored: ``on`` for anything starting
  with "on" (``onx``), ``off`` for anything starting with "off"; anything else leaves the flag as
  it was; what follows the value is ignored;
* ``trim`` reads domains that end at a blank, ``#`` or ``,`` (``;`` and ``:`` separate only
  after a blank), at most four in all; an empty one is kept (and stops trimming at it);
* ``RESOLV_MULTI``, ``RESOLV_REORDER``, ``RESOLV_ADD_TRIM_DOMAINS`` and
  ``RESOLV_OVERRIDE_TRIM_DOMAINS`` apply after the file, by the same rules but with no leading
  blanks skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..steps import Steps, finish
from ._lines import CHUNK, SPACE, ascii_lower, fgets_pieces


@dataclass(frozen=True, slots=True)
class HostConf:
    multi: bool = False
    reorder: bool = False
    trim: tuple[str, ...] = ()
    origin: str = ""


_LINE_BYTES = 255  # do_init's fgets buffer holds 256 bytes with the terminating NUL
TRIMDOMAINS_MAX = 4  # res_hconf.h
_WORD_END = SPACE + "#,"


def _c_lines(text: str) -> Iterator[str]:
    """The C strings ``parse_line`` is handed: ``fgets`` pieces of at most 255 bytes, each cut at
    its newline (``do_init`` overwrites it) and at its first NUL byte."""
    for piece in fgets_pieces(text, _LINE_BYTES + 1):
        yield piece.split("\n", 1)[0]


def _skip(text: str, i: int, chars: str, stop: bool) -> int:
    """The index of the first character at or after ``i`` that is (``stop``) or is not in
    ``chars`` (``skip_ws``: blanks skipped; ``skip_string``: up to a word's end)."""
    while i < len(text) and (text[i] in chars) is not stop:
        i += 1
    return i


def boolean(value: str) -> bool | None:
    """``arg_bool``: True for a value starting with "on", False for one starting with "off"
    (ASCII case ignored), None (the flag unchanged) otherwise."""
    head = ascii_lower(value[:3])
    if head[:2] == "on":
        return True
    if head == "off":
        return False
    return None


def trim_domains(args: str, trims: list[str]) -> None:
    """``arg_trimdomain_list``: the domains of ``args`` appended to ``trims`` (at most
    TRIMDOMAINS_MAX in all; a list delimiter with nothing after it ends the list)."""
    i = 0
    while True:
        if len(trims) >= TRIMDOMAINS_MAX:
            return
        end = _skip(args, i, _WORD_END, True)
        trims.append(args[i:end])
        i = _skip(args, end, SPACE, False)
        if i < len(args) and args[i] in ",;:":
            i = _skip(args, i + 1, SPACE, False)
            if i == len(args) or args[i] == "#":
                return
        if i == len(args) or args[i] == "#":
            return


def parse_host_conf(
    text: str | None, env: Mapping[str, str] | None = None, origin: str = "/etc/host.conf"
) -> HostConf:
    return finish(parse_host_conf_steps(text, env, origin))


def parse_host_conf_steps(
    text: str | None, env: Mapping[str, str] | None = None, origin: str = "/etc/host.conf"
) -> Steps[HostConf]:
    """:func:`parse_host_conf` pausing every :data:`~._lines.CHUNK` lines (the asyncio front)."""
    flags = {"multi": False, "reorder": False}
    trim: list[str] = []
    for number, line in enumerate(_c_lines(text or ""), 1):
        if not number % CHUNK:
            yield
        start = _skip(line, 0, SPACE, False)
        if start == len(line) or line[start] == "#":
            continue
        end = _skip(line, start, _WORD_END, True)
        command = ascii_lower(line[start:end])
        args = line[_skip(line, end, SPACE, False) :]
        if command in flags:
            value = boolean(args)
            if value is not None:
                flags[command] = value
        elif command == "trim":
            trim_domains(args, trim)
    env = env or {}
    for command in flags:
        if f"RESOLV_{command.upper()}" in env:
            value = boolean(env[f"RESOLV_{command.upper()}"])
            if value is not None:
                flags[command] = value
    if "RESOLV_ADD_TRIM_DOMAINS" in env:
        trim_domains(env["RESOLV_ADD_TRIM_DOMAINS"], trim)
    if "RESOLV_OVERRIDE_TRIM_DOMAINS" in env:
        trim.clear()
        trim_domains(env["RESOLV_OVERRIDE_TRIM_DOMAINS"], trim)
    return HostConf(flags["multi"], flags["reorder"], tuple(trim), origin)
