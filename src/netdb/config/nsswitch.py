"""/etc/nsswitch.conf (nsswitch.conf(5)) as glibc 2.36 reads it (``nss/nss_database.c``).

Each ``database: source [STATUS=action] source ...`` line lists the sources in order; an action
list in brackets applies to the source before it (``!STATUS`` negates; statuses ``success``,
``notfound``, ``unavail``, ``tryagain``; actions ``return``, ``continue``, ``merge``; all
case-insensitive).  Without criteria a source returns on success and continues otherwise.  A
database without a line (or a missing file) gets glibc 2.36's default (``nss_database.c``):
``hosts`` is ``files dns``, every other database ``files``.  (``dns [!UNAVAIL=return]
files``, which nsswitch.conf(5) still documents, is the default of older glibc.)  A malformed
action list makes glibc drop the rest of that line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._lines import ascii_lower

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

    def sources(self, database: str) -> tuple[Source, ...]:
        found = self.databases.get(database)
        if found is not None:
            return found
        return DEFAULT_HOSTS if database == "hosts" else (Source("files"),)

    def hosts_sources(self) -> tuple[Source, ...]:
        return self.sources("hosts")


DEFAULT_HOSTS = (Source("files"), Source("dns"))


def _parse_sources(spec: str) -> tuple[Source, ...] | None:
    out: list[Source] = []
    i, n = 0, len(spec)
    while i < n:
        while i < n and spec[i] in " \t":
            i += 1
        if i >= n:
            break
        if spec[i] == "[":
            close = spec.find("]", i)
            if close < 0 or not out:
                return tuple(out) if out else None
            acts = dict(out[-1].actions)
            for item in spec[i + 1 : close].split():
                status, eq, action = item.partition("=")
                status, action = ascii_lower(status), ascii_lower(action)
                negate = status.startswith("!")
                status = status[1:] if negate else status
                if not eq or status not in STATUSES or action not in ACTIONS:
                    return tuple(out)
                targets = [s for s in STATUSES if s != status] if negate else [status]
                for t in targets:
                    acts[t] = action
            out[-1] = Source(out[-1].name, tuple(acts.items()))
            i = close + 1
            continue
        j = i
        while j < n and spec[j] not in " \t[":
            j += 1
        out.append(Source(spec[i:j]))
        i = j
    return tuple(out)


def parse_nsswitch(text: str | None, origin: str = "/etc/nsswitch.conf") -> NsswitchConf:
    """Parse the text of nsswitch.conf (None: the file is missing)."""
    dbs: dict[str, tuple[Source, ...]] = {}
    for line in (text or "").split("\n"):
        line = line.split("#", 1)[0].strip()
        name, colon, spec = line.partition(":")
        if not colon or not name.strip():
            continue
        key = ascii_lower(name.strip())
        if key in dbs:
            continue  # glibc keeps the first line for a database
        sources = _parse_sources(spec)
        if sources:
            dbs[key] = sources
    return NsswitchConf(dbs, origin)
