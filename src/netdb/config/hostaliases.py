"""The HOSTALIASES file (hostname(7)) as glibc 2.36's ``res_search`` reads it
(``__res_context_hostalias`` in ``resolv/res_query.c``).

When the environment names such a file and a name asked of DNS has no dot at all, glibc looks
the name up there first: a line holds an alias and the name it stands for, and the first line
whose alias is the name (as ``ns_samename`` compares: ASCII case ignored, trailing dots not
counted) sends that name to the servers as it is, with no search list.  Its reading rules, all
kept here:

* the file is read with ``fgets`` into a ``BUFSIZ`` (8,192-byte) buffer, so a longer line is
  read as several pieces, and a NUL byte ends what the piece says;
* the alias is the piece up to its first C ``isspace`` character (a piece that starts with a
  blank has an empty alias); a piece with no blank at all (the file's last line without a
  newline, or the rest of a long line) ends the reading there;
* the name it stands for starts after the blanks that follow the alias and ends at the next
  blank; an alias that matches with nothing after it ends the reading with no alias found;
* the name is cut to 1,024 characters (the ``NS_MAXDNAME`` buffer it is copied into); an alias
  of more than 1,023 characters never matches (``ns_makecanon`` refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..steps import Steps, finish
from ._lines import CHUNK, SPACE, ascii_lower, fgets_pieces

_BUFSIZ = 8192
_NAME_MAX = 1024  # the NS_MAXDNAME buffer the name is copied into, less its terminating NUL
_CANON_MAX = 1023  # ns_makecanon needs the name, a dot and a NUL in NS_MAXDNAME bytes


@dataclass(frozen=True, slots=True)
class HostAliases:
    """The lines of a HOSTALIASES file that ``res_search`` can reach: ``(alias, name)`` in file
    order, ``name`` None where an alias has nothing after it (a match there ends the look-up
    with no alias).  ``origin``: the file's path ("" when the environment names none)."""

    entries: tuple[tuple[str, str | None], ...] = ()
    origin: str = ""
    #: each alias as compared (canonical form) -> what its first line gives
    first: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, name: str) -> str | None:
        """The name ``name`` stands for, or None (``name`` is asked as it is, searched)."""
        want = _canonical(name)
        return None if want is None else self.first.get(want)


def _canonical(name: str) -> str | None:
    """``ns_makecanon`` then ``strcasecmp``'s view: trailing unescaped dots dropped, ASCII
    lower-cased; None when the name is too long to be made canonical."""
    if len(name) > _CANON_MAX:
        return None
    n = len(name)
    while n >= 1 and name[n - 1] == ".":
        if n >= 2 and name[n - 2] == "\\" and (n < 3 or name[n - 3] != "\\"):
            break
        n -= 1
    return ascii_lower(name[:n])


def parse_host_aliases(text: str | None, origin: str = "") -> HostAliases:
    """The aliases of a HOSTALIASES file's ``text`` (None: no file, no aliases)."""
    return finish(parse_host_aliases_steps(text, origin))


def parse_host_aliases_steps(text: str | None, origin: str = "") -> Steps[HostAliases]:
    """:func:`parse_host_aliases` pausing every :data:`~._lines.CHUNK` pieces."""
    entries: list[tuple[str, str | None]] = []
    for number, piece in enumerate(fgets_pieces(text or "", _BUFSIZ), 1):
        if not number % CHUNK:
            yield
        end = 0
        while end < len(piece) and piece[end] not in SPACE:
            end += 1
        if end == len(piece):
            break  # no blank in the piece: glibc stops reading the file
        start = end + 1
        while start < len(piece) and piece[start] in SPACE:
            start += 1
        if start == len(piece):
            entries.append((piece[:end], None))
            continue
        stop = start + 1
        while stop < len(piece) and piece[stop] not in SPACE:
            stop += 1
        entries.append((piece[:end], piece[start:stop][:_NAME_MAX]))
    first: dict[str, str | None] = {}
    for number, (alias, target) in enumerate(entries, 1):
        if not number % CHUNK:
            yield
        key = _canonical(alias)
        if key is not None:
            first.setdefault(key, target)
    return HostAliases(tuple(entries), origin, first)
