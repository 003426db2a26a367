"""/etc/nsswitch.conf (nsswitch.conf(5)) as glibc 2.36 reads it (``nss/nss_database.c``).

Each ``database: source [STATUS=action] source ...`` line lists the sources in order; an action
list in brackets applies to the source before it (``!STATUS`` negates; statuses ``success``,
``notfound``, ``unavail``, ``tryagain``; actions ``return``, ``continue``, ``merge``; all
case-insensitive).  Without criteria a source returns on success and continues otherwise.  A
database without a line (or a missing file) gets glibc 2.36's default (``nss_database.c``):
``hosts`` is ``files dns``, every other database ``files``.  (``dns [!UNAVAIL=return]
files``, which nsswitch.conf(5) still documents, is the default of older glibc.)  A malformed
action list makes glibc refuse the whole file (see :func:`parse_nsswitch` for the rest of what
glibc's reader does with odd lines).
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..steps import Steps, finish
from ._lines import CHUNK

STATUSES = ("success", "notfound", "unavail", "tryagain")
ACTIONS = ("return", "continue", "merge")
_DEFAULT = {
    "success": "return",
    "notfound": "continue",
    "unavail": "continue",
    "tryagain": "continue",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One source of a database line and what to do after each status it can return."""

    name: str
    actions: tuple[tuple[str, str], ...] = ()

    def action(self, status: str) -> str:
        """``return``, ``continue`` or ``merge`` after ``status``."""
        for st, act in self.actions:
            if st == status:
                return act
        return _DEFAULT[status]


@dataclass(frozen=True, slots=True)
class NsswitchConf:
    """The databases a file configures (others fall back to glibc's defaults)."""

    databases: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)
    origin: str = ""
    # glibc refused the file (malformed criteria on a known database's line): every lookup
    # through NSS fails (getaddrinfo: EAI_SYSTEM with errno EINVAL).
    broken: bool = False

    def sources(self, database: str) -> tuple[Source, ...]:
        found = self.databases.get(database)
        if found is not None:
            return found
        return DEFAULT_HOSTS if database == "hosts" else (Source("files"),)

    def hosts_sources(self) -> tuple[Source, ...]:
        return self.sources("hosts")


DEFAULT_HOSTS = (Source("files"), Source("dns"))


# glibc 2.36's databases (nss/databases.def): a line for any of these must parse, or the whole
# file is refused; lines for other names (sudoers, automount, ...) are skipped unread.
DATABASES = frozenset(
    {
        *("aliases", "ethers", "group", "group_compat", "gshadow", "hosts", "initgroups"),
        *("netgroup", "networks", "passwd", "passwd_compat", "protocols", "publickey", "rpc"),
        *("services", "shadow", "shadow_compat"),
    }
)
_SPACE = " \t\n\v\f\r"
_STATUS_WORDS = {w.upper(): w for w in STATUSES}
_ACTION_WORDS = {w.upper(): w for w in ACTIONS}

_REFUSED = "(nsswitch.conf refused: errno "


def refused(errno_value: int) -> tuple[Source, ...]:
    """What every database walks when glibc refuses the file: one source no module serves
    (glibc's ``__nss_database_get`` fails, so lookups end unavailable with ``errno_value``)."""
    return (Source(f"{_REFUSED}{errno_value})"),)


def refused_errno(source: str) -> int | None:
    """The errno of a :func:`refused` source, or None for any other source."""
    if source.startswith(_REFUSED) and source.endswith(")"):
        return int(source[len(_REFUSED) : -1])
    return None


BROKEN = refused(errno.EINVAL)
"""The sources of a file whose criteria do not parse (errno EINVAL)."""


def _parse_sources(spec: str) -> tuple[Source, ...] | None:
    """``__nss_action_parse``: the sources of one line, or None when its criteria are malformed.

    A source name runs to a blank or ``[``; ``[`` opens criteria, each ``[!]STATUS = ACTION``
    (blanks allowed around ``=``, words case-insensitive), up to ``]``.  Anything else there
    (an unknown word, a missing ``=``, no ``]`` before the end, ``[]``) is an error.  A ``[``
    where a source name should start ends the list (what follows is ignored).
    """
    out: list[Source] = []
    i, n = 0, len(spec)

    def skip(k: int) -> int:
        while k < n and spec[k] in _SPACE:
            k += 1
        return k

    def word(k: int) -> int:
        while k < n and spec[k] not in _SPACE and spec[k] not in "=]":
            k += 1
        return k

    while True:
        i = skip(i)
        if i >= n:
            return tuple(out)
        j = i
        while j < n and spec[j] not in _SPACE and spec[j] != "[":
            j += 1
        if j == i:
            return tuple(out)  # "[" where a name should be: the list ends here
        name = spec[i:j]
        acts: dict[str, str] = {}
        i = skip(j)
        if i < n and spec[i] == "[":
            i = skip(i + 1)
            while True:
                negate = i < n and spec[i] == "!"
                if negate:
                    i += 1
                j = word(i)
                status = _STATUS_WORDS.get(spec[i:j].upper())
                i = skip(j)
                if status is None or i >= n or spec[i] != "=":
                    return None
                i = skip(i + 1)
                j = word(i)
                action = _ACTION_WORDS.get(spec[i:j].upper())
                if action is None:
                    return None
                if negate:
                    keep = acts.get(status, _DEFAULT[status])
                    acts = {st: action for st in STATUSES}
                    acts[status] = keep
                else:
                    acts[status] = action
                i = skip(j)
                if i < n and spec[i] == "]":
                    i += 1
                    break
        out.append(Source(name, tuple(acts.items())))


def parse_nsswitch(text: str | None, origin: str = "/etc/nsswitch.conf") -> NsswitchConf:
    """:func:`parse_nsswitch_steps` run through."""
    return finish(parse_nsswitch_steps(text, origin))


def parse_nsswitch_steps(
    text: str | None, origin: str = "/etc/nsswitch.conf"
) -> Steps[NsswitchConf]:
    """Parse the text of nsswitch.conf (None: the file is missing) as glibc 2.36 does
    (``nss/nss_database.c``).

    Lines are read with ``getline``: a last line without a newline is never processed.  A line is
    a C string (cut at a NUL byte); leading blanks are skipped; the database name runs to a
    blank or ``:`` and must be one of :data:`DATABASES`, spelled exactly (case counts); then
    every blank and ``:`` is skipped (``hosts files`` and ``hosts :: files`` are ``hosts:
    files``).  There are no comments: a ``#`` starting the line makes an unknown database name,
    elsewhere it is a source name.  A later line for a database replaces an earlier one.  A
    line of a known database whose criteria do not parse makes glibc refuse the whole file:
    every database then walks :data:`BROKEN`.  A file that opens but cannot be read (a
    directory) is refused the same way, with its errno.
    """
    dbs: dict[str, tuple[Source, ...]] = {}
    unreadable = getattr(text, "errno", 0)
    if unreadable:
        # It opened but could not be read (a directory: EISDIR): glibc's reload fails.
        return NsswitchConf({db: refused(unreadable) for db in DATABASES}, origin, broken=True)
    lines = (text or "").split("\n")[:-1]  # the text after the last newline is never read
    for number, line in enumerate(lines, 1):
        if not number % CHUNK:
            yield
        nul = line.find("\x00")
        if nul >= 0:
            line = line[:nul]
        i, n = 0, len(line)
        while i < n and line[i] in _SPACE:
            i += 1
        j = i
        while j < n and line[j] not in _SPACE and line[j] != ":":
            j += 1
        if j >= n or j == i:
            continue
        name = line[i:j]
        while j < n and (line[j] in _SPACE or line[j] == ":"):
            j += 1
        if name not in DATABASES:
            continue
        sources = _parse_sources(line[j:])
        if sources is None:
            return NsswitchConf({db: BROKEN for db in DATABASES}, origin, broken=True)
        dbs[name] = sources
    return NsswitchConf(dbs, origin)
