"""Host name <-> address through the nsswitch ``hosts:`` sources.

Owns what glibc's NSS layer does for the hosts database: walking the sources of the ``hosts:`` line
in order, applying their ``[STATUS=action]`` criteria (nsswitch.conf(5)), and the ``files``
source's answers (glibc ``nss/nss_files/files-hosts.c``):

* ``gethostbyname4`` (used by getaddrinfo for ``AF_UNSPEC``): every line naming the host, both
  families, in file order; the canonical name is the first matching line's first name.
* ``gethostbyname3`` for one family (used by getaddrinfo for ``AF_INET``/``AF_INET6``, and by
  ``gethostbyname``): the matching lines of that family merged into one ``hostent``.
* ``gethostbyaddr``: the first line with that address.

Names compare case-insensitively (ASCII), exactly as written: a trailing dot is part of the name.
Sources netdb cannot serve yet (``dns``, ``mdns4_minimal``, ``resolve``, ...) answer ``UNAVAIL``
the way glibc treats a module it cannot load, and the answer records that they were skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import nss_dns, nss_myhostname
from . import trace as _trace
from .config._lines import ascii_lower
from .config.hosts import HostEntry, HostsFile
from .constants import AF_INET, AF_INET6, AF_UNSPEC
from .dns.ops import HErrno, Note, Op
from .dns.search import Context
from .errors import HOST_NOT_FOUND
from .hostent import ERANGE, NOT_FOUND, Address, HostAnswer, Status

NETDB_INTERNAL = -1


def _entry_address(entry: HostEntry) -> Address:
    return Address(entry.family, entry.packed, getattr(entry, "scope_id", 0))


# --- the `files` source ------------------------------------------------------------------------


def files_by_name4(hosts: HostsFile, name: str, *, multi: bool = True) -> HostAnswer:
    """``_nss_files_gethostbyname4_r``: the lines naming ``name``, both families, file order.

    Every such line with ``multi on`` (host.conf), only the first one without.
    """
    entries = hosts.by_name(name)
    if not multi:
        entries = entries[:1]
    if not entries:
        return NOT_FOUND
    return HostAnswer(
        Status.SUCCESS,
        name=entries[0].canonical,
        addresses=tuple(_entry_address(e) for e in entries),
        # With multi on the file is read to its end, which sets HOST_NOT_FOUND on the way.
        written=HOST_NOT_FOUND if multi else None,
    )


_LOOPBACK6 = bytes(15) + b"\x01"
_MAPPED = b"\x00" * 10 + b"\xff\xff"


def as_family(entry: HostEntry, family: int) -> bytes | None:
    """The address of a hosts line as a lookup for ``family`` sees it, or None (line skipped).

    For ``AF_INET`` the files module also takes IPv6 lines holding an IPv4-mapped address (as
    that IPv4 address) and ``::1`` (as 127.0.0.1); for ``AF_INET6`` only IPv6 lines count.
    """
    if entry.family == family:
        return entry.packed
    if family == AF_INET and entry.family == AF_INET6:
        if entry.packed.startswith(_MAPPED):
            return entry.packed[12:]
        if entry.packed == _LOOPBACK6:
            return b"\x7f\x00\x00\x01"
    return None


def _merge(entries: Sequence[tuple[HostEntry, bytes]], family: int) -> HostAnswer:
    """One ``hostent`` from all matching lines, as glibc's files module merges them (multi on).

    The first line gives ``h_name``; each later line adds its aliases, then its canonical name
    when that differs (``strcmp``, case included) from the first line's.  Nothing is dropped as a
    repeat: the same line twice gives every alias twice (glibc's ``gethostbyname3_multi``: "there
    is a duplication in the alias list but this is really the user's problem").  Addresses keep
    file order, repeats included.
    """
    first = entries[0][0]
    aliases: list[str] = list(first.aliases)
    for e, _ in entries[1:]:
        aliases.extend(e.aliases)
        if e.canonical != first.canonical:
            aliases.append(e.canonical)
    return HostAnswer(
        Status.SUCCESS,
        name=first.canonical,
        aliases=tuple(aliases),
        addresses=tuple(Address(family, packed) for _, packed in entries),
    )


def _name_entries(
    hosts: HostsFile, name: str, family: int, multi: bool
) -> list[tuple[HostEntry, bytes]]:
    """The lines ``gethostbyname3_r`` takes for ``name`` in ``family``, with their addresses."""
    entries = []
    for e in hosts.by_name(name):
        packed = as_family(e, family)
        if packed is not None:
            entries.append((e, packed))
            if not multi:
                break
    return entries


def files_by_name(hosts: HostsFile, name: str, family: int, *, multi: bool = True) -> HostAnswer:
    """``_nss_files_gethostbyname3_r`` for one family (``AF_INET`` or ``AF_INET6``)."""
    entries = _name_entries(hosts, name, family, multi)
    if not entries:
        return NOT_FOUND
    merged = _merge(entries, family)
    if not multi:
        return merged
    return HostAnswer(
        merged.status, merged.name, merged.aliases, merged.addresses, written=HOST_NOT_FOUND
    )


def _address_entry(hosts: HostsFile, family: int, packed: bytes) -> HostEntry | None:
    """The first line ``gethostbyaddr2_r`` takes for the address, or None."""
    entries = list(hosts.by_address(family, packed))
    if family == AF_INET:
        entries += hosts.by_address(AF_INET6, _MAPPED + packed)
        if packed == b"\x7f\x00\x00\x01":
            entries += hosts.by_address(AF_INET6, _LOOPBACK6)
    if not entries:
        return None
    return min(entries, key=lambda entry: entry.line)


def files_by_address(hosts: HostsFile, family: int, packed: bytes) -> HostAnswer:
    """``_nss_files_gethostbyaddr2_r``: the first line carrying that address.

    Lines are seen as for a lookup by name in that family (see :func:`as_family`), so an IPv4
    address also matches an IPv4-mapped IPv6 line, and 127.0.0.1 a ``::1`` line.
    """
    e = _address_entry(hosts, family, packed)
    if e is None:
        return NOT_FOUND
    # The line is parsed for the family asked: an IPv4-mapped line (or ``::1``) answers an IPv4
    # question with the IPv4 address, as an AF_INET hostent.
    address = _entry_address(e) if e.family == family else Address(family, packed)
    return HostAnswer(
        Status.SUCCESS, name=e.canonical, aliases=tuple(e.aliases), addresses=(address,)
    )


# --- the caller's fixed buffer (CPython's gethostby*_r) -----------------------------------------

CPYTHON_BUFLEN = 16383
"""The buffer CPython's ``gethostbyname_ex``/``gethostbyaddr`` hand ``gethostby*_r``:
``char buf[16384]``, passed as ``sizeof buf - 1`` (``Modules/socketmodule.c``).  Every other
caller in glibc (getaddrinfo, getnameinfo, getent) grows its buffer and retries instead."""

# ERANGE (from hostent): one object for every source, compared by identity, since a genuine
# TRYAGAIN can carry NETDB_INTERNAL too.

# glibc's parser_data: struct hostent_data (16 address bytes, two pointers) before the line.
_ENTDATA = 32


def _align(n: int, to: int) -> int:
    return -(-n // to) * to


def _list_end(entry: HostEntry) -> int:
    """Where the parsed line's alias pointer array starts in the buffer (``parse_list``: after
    the line's C string, aligned for pointers)."""
    return _align(_ENTDATA + entry.end + 1, 8)


def first_overflow(hosts: HostsFile, family: int, buflen: int) -> float:
    """The first line (number) a fixed ``buflen`` cannot read for a lookup in ``family``; inf if
    none.  ``__nss_readline`` needs the line and its NUL two bytes short of the line buffer (the
    last byte is its truncation marker); ``parse_list`` needs the alias pointers, a NULL and one
    spare slot after the line's C string, for the lines it parses (those whose address the
    lookup's family takes; every usable line for ``AF_UNSPEC``, gethostbyname4_r's)."""
    first: float = float("inf")
    room = buflen - _ENTDATA - 2
    for number, length in hosts.long_lines:
        if length > room:
            first = number
            break
    for e in hosts.entries:
        if e.line >= first:
            break
        if _list_end(e) + 8 * (len(e.aliases) + 2) > buflen and (
            family == AF_UNSPEC or as_family(e, family) is not None
        ):
            first = e.line
            break
    return first


def name4_overflows(hosts: HostsFile, name: str, multi: bool, buflen: int) -> bool:
    """Whether ``_nss_files_gethostbyname4_r`` for ``name`` runs out of a ``buflen`` buffer.

    It reads the lines into the buffer as they come; a line naming the host stays there (its
    parse up to the end of its alias array) followed by the answer's ``gaih_addrtuple``, and the
    next line is read after them.  Without ``multi`` the first such line ends the search.  With
    ``multi`` the lines between two matches are checked against the whole buffer (the lines
    after the first match read into less room; getaddrinfo's retry then reads the file to its
    end, which stores HOST_NOT_FOUND whatever the tries before stored)."""
    entries = hosts.by_name(name)
    if not multi:
        entries = entries[:1]
    first = first_overflow(hosts, AF_UNSPEC, buflen)
    if not entries:
        return first < float("inf")  # the whole file is read
    if first <= entries[0].line:
        return True
    used = 0
    for e in entries:
        used += _list_end(e) + 8 * (len(e.aliases) + 1)  # the parse up to its aliases' NULL
        if used + 8 > buflen:  # parse_list's spare slot (checked while parsing)
            return True
        used = _align(used, 8) + nss_dns.GAIH_TUPLE
        if used > buflen:
            return True
    return False


def multi_overflows(entries: Sequence[tuple[HostEntry, bytes]], family: int, buflen: int) -> bool:
    """Whether ``gethostbyname3_multi`` runs out of a fixed ``buflen`` merging these lines.

    It re-uses the buffer from the first line's alias array on: each later line's address (4 or
    16 bytes, 4-aligned), its aliases and its differing canonical name as C strings, then the
    address and alias pointer arrays with their NULLs (so even one line needs a slot more than
    its parse did).
    """
    first = entries[0][0]
    used = _list_end(first)
    size = 4 if family == AF_INET else 16
    aliases = len(first.aliases)
    for e, _ in entries[1:]:
        used = _align(used, 4) + size
        used += sum(len(a) + 1 for a in e.aliases)
        aliases += len(e.aliases)
        if e.canonical != first.canonical:
            used += len(e.canonical) + 1
            aliases += 1
    used = _align(used, 8) + 8 * (len(entries) + 1) + 8 * (aliases + 1)
    return used > buflen


# --- walking the sources -----------------------------------------------------------------------


def _now(answer: HostAnswer) -> Generator[Op, Any, HostAnswer]:
    return answer
    yield  # pragma: no cover - makes this a generator


def _uncached(answer: HostAnswer) -> Generator[Op, Any, HostAnswer]:
    """An answer with a TTL of 0 (``myhostname``): never kept.  A success also clears glibc's
    global ``h_errno``, which that module writes directly."""
    yield Note(float("-inf"))
    if answer.status is Status.SUCCESS:
        yield HErrno(0)
    return answer


StepLookup = Callable[[str], Generator[Op, Any, HostAnswer]]


def reorder_addresses(
    addresses: tuple[Address, ...], nets: Sequence[tuple[int, int]]
) -> tuple[Address, ...]:
    """``_res_hconf_reorder_addrs``: the first IPv4 address on one of ``nets`` (address,
    netmask) swaps places with the first address; IPv6 answers stay as they are."""
    for i, a in enumerate(addresses):
        if a.family != AF_INET:
            return addresses
        value = int.from_bytes(a.packed[:4], "big")
        if any((value ^ net) & mask == 0 for net, mask in nets):
            if i == 0:
                return addresses
            out = list(addresses)
            out[0], out[i] = out[i], out[0]
            return tuple(out)
    return addresses


def trim_domain(name: str, trims: Sequence[str]) -> str:
    """``_res_hconf_trim_domain``: the first of ``trims`` that ends ``name`` (ASCII case
    ignored), and is shorter than it, is cut off."""
    for trim in trims:
        if len(name) > len(trim) and ascii_lower(name[len(name) - len(trim) :]) == ascii_lower(
            trim
        ):
            return name[: len(name) - len(trim)]
    return name


def walk_steps(
    sources: Sequence[object],
    lookup: StepLookup,
    what: tuple[str, str] = ("", ""),
    *,
    gaih: bool = True,
    serves: Callable[[str], bool] | None = None,
    merge_break: Callable[[], Generator[Op, Any, None]] | None = None,
) -> Generator[Op, Any, HostAnswer]:
    """:func:`walk` for sources that may need I/O (the sans-I/O form).  ``what``: the NSS
    function and its key as text, for an explained lookup's records.

    ``merge`` (the hosts database cannot merge) ends the walk as glibc's callers do.
    getaddrinfo's own walk (``gaih``): a source whose action is ``merge`` makes the next
    iteration drop what was found and stop (``h_errno`` NETDB_INTERNAL, errno EBUSY; the
    ``merge_break`` callback reports that ``h_errno``) with the merging source's status (a
    success counts as not found); at the last source it is a plain ``continue``.
    ``gethostby*_r`` (``gaih`` false, ``nss/getXXbyYY_r.c``): a source no module serves
    (``serves``) is passed over, leaving the answer of the last one that ran (its UNAVAIL action
    ``return`` still stops the walk); ``merge`` after a failure is ``continue``.  The hosts
    database has no function to copy or merge a ``hostent`` (both give EINVAL), so ``merge``
    after a success works out as: saving the answer fails, the status becomes UNAVAIL and the
    walk goes on by the source's UNAVAIL action; each source that runs after it then either
    succeeds too (merging fails: UNAVAIL, nothing saved any more, the walk goes on by *its*
    UNAVAIL action) or fails, and the failed copy-back still sets the status to success: the
    saved answer is the result (and stays saved), the walk goes on by that source's SUCCESS
    action.  No source left after the save: UNAVAIL.  None of these failures writes
    ``h_errnop`` (see ``gai._simple``).  (A source that fails after writing into the caller's
    buffer, as ``files`` does while it reads lines, leaves glibc a corrupted saved answer; that
    is not reproduced: netdb gives the saved answer back as it was.)
    """
    trace: list[tuple[str, str]] = []
    rec = _trace.recorder()
    answer = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
    merging = False
    ran = False
    # gethostby*_r: a success saved for a merge (``do_merge`` in getXXbyYY_r.c).
    saved: HostAnswer | None = None
    for source in sources:
        source_name: str = source.name  # type: ignore[attr-defined]
        if gaih and merging:
            if merge_break is not None:
                yield from merge_break()
            status = answer.status
            answer = HostAnswer(
                Status.NOTFOUND if status is Status.SUCCESS else status, h_errno=NETDB_INTERNAL
            )
            merging = False
            break
        got = yield from lookup(source_name)
        if not gaih and serves is not None and not serves(source_name):
            # __nss_next2 passes over a module it cannot load (while its UNAVAIL action is
            # continue): the answer stays the last module's that ran.
            trace.append((source_name, Status.UNAVAIL.value))
            action_u: str = source.action(Status.UNAVAIL.value)  # type: ignore[attr-defined]
            if rec is not None:
                rec.add(_nss_step(what, source, "unavail (not installed)", action_u))
            if not ran:
                answer = got
            if action_u == "return":
                break
            continue
        ran = True
        answer = got
        trace.append((source_name, answer.status.value))
        if answer is ERANGE:
            if rec is not None:
                rec.add(_nss_step(what, source, "ERANGE", "stop (buffer too small)"))
            break  # the caller's buffer is too small: glibc gives up rather than go on
        if saved is not None:
            if answer.status is Status.SUCCESS:
                # Merging this success into the saved one: EINVAL; nothing is saved any more.
                answer = HostAnswer(Status.UNAVAIL, h_errno=saved.h_errno)
                saved = None
            else:
                # Copying the saved one back fails too, but the status is set to success after
                # it: the saved answer, still in the caller's buffer, is the result.  It stays
                # saved: a source that runs after this one is merged with it in turn.
                answer = saved
        action: str = source.action(answer.status.value)  # type: ignore[attr-defined]
        if action == "merge" and not gaih and answer.status is Status.SUCCESS:
            # Saving the success for the merge fails (EINVAL): UNAVAIL, and its action.
            saved = answer
            answer = HostAnswer(Status.UNAVAIL, h_errno=saved.h_errno)
            action = source.action(Status.UNAVAIL.value)  # type: ignore[attr-defined]
        if rec is not None:
            status_text = answer.status.value
            if answer is _UNSERVED:
                status_text += " (not installed)"
            rec.add(_nss_step(what, source, status_text, action))
        if action == "return":
            break
        if action == "merge" and gaih:
            merging = True
    if answer is ERANGE:
        return ERANGE  # the caller tells it by identity (getaddrinfo grows its buffer)
    return HostAnswer(
        answer.status, answer.name, answer.aliases, answer.addresses, answer.h_errno, tuple(trace)
    )


def _nss_step(what: tuple[str, str], source: object, status: str, action: str) -> _trace.NssSource:
    acts = getattr(source, "actions", ())
    criteria = " ".join(f"[{st.upper()}={act}]" for st, act in acts)
    return _trace.NssSource(
        "hosts",
        what[0],
        _trace.c_text(what[1]),
        _trace.c_text(getattr(source, "name", "?")),
        status,
        action,
        _trace.c_text(criteria),
    )


_UNSERVED = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL)
_UNREADABLE = HostAnswer(Status.UNAVAIL, h_errno=NETDB_INTERNAL, written=NETDB_INTERNAL)
_NO_FILE = HostAnswer(Status.UNAVAIL, h_errno=HOST_NOT_FOUND)
_NO_FILE4 = HostAnswer(Status.UNAVAIL, h_errno=HOST_NOT_FOUND, written=HOST_NOT_FOUND)
_DIGITS_DOTS = frozenset("0123456789.")
_HEX_COLON_DOTS = frozenset("0123456789abcdefABCDEF:.")
_HEX_COLON = frozenset("0123456789abcdefABCDEF:")

DnsFactory = Callable[[], Context]
"""Makes the per-lookup context of the ``dns`` source (configuration, state, cache, clock)."""
MyHostnameFactory = Callable[[], "nss_myhostname.Host"]
"""Gives the ``myhostname`` source the host's name and local addresses, read at lookup time."""


@dataclass(frozen=True, slots=True)
class HostsDatabase:
    """The hosts database as NSS presents it: the ``hosts:`` sources and what each one reads.

    Every lookup is a generator over the requests of ``dns/ops.py`` (none when no source needs
    the network); walks that consulted only ``files`` are memoized for this (immutable) database.
    """

    sources: tuple[object, ...]
    hosts: HostsFile
    multi: bool = True
    memoize: bool = True
    dns: DnsFactory | None = None
    # The ``myhostname`` source (nss_myhostname.py) given the host's name and addresses.
    myhostname: MyHostnameFactory | None = None
    # host.conf's ``reorder`` and ``trim`` (gethostby*_r's post-processing of a success), and
    # the IPv4 networks of the host's interfaces (address, netmask) that ``reorder`` reads.
    reorder: bool = False
    trim: tuple[str, ...] = ()
    local_nets: Callable[[], Sequence[tuple[int, int]]] | None = None
    # Walks already computed from this (immutable) database, by (kind, arguments).
    _memo: dict[tuple[object, ...], tuple[HostAnswer, tuple[int, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # first_overflow of the hosts file, by (family, buffer length).
    _overflow: dict[tuple[int, int], float] = field(default_factory=dict, compare=False, repr=False)

    def call(
        self, source: str, kind: int, key: tuple[Any, ...]
    ) -> Generator[Op, Any, HostAnswer] | None:
        """One source's NSS function: ``kind`` 4 (``gethostbyname4_r``: name), 3
        (``gethostbyname3_r``: name, family, check[, fixed buffer length]) or 1
        (``gethostbyaddr2_r``: family, packed[, fixed buffer length]);
        None when netdb has no such source (glibc: the module cannot be loaded)."""
        if source == "files":
            return _now(self._files(kind, key))
        if source == "dns" and self.dns is not None:
            ctx = self.dns()
            if kind == 4:
                gen = nss_dns.gethostbyname4(ctx, key[0], key[1] if len(key) > 1 else None)
            elif kind == 3:
                buflen = key[3] if len(key) > 3 else None
                gen = nss_dns.gethostbyname3(ctx, key[0], key[1], check=key[2], buflen=buflen)
            else:
                gen = nss_dns.gethostbyaddr(ctx, key[0], key[1])
            return gen
        if source == "myhostname" and self.myhostname is not None:
            host = self.myhostname()
            if kind == 4:
                answer = nss_myhostname.gethostbyname4(host, key[0])
            elif kind == 3:
                answer = nss_myhostname.gethostbyname3(host, key[0], key[1])
            else:
                return _uncached(nss_myhostname.gethostbyaddr(host, key[0], key[1]))
            if answer.status is Status.NOTFOUND and nss_myhostname.foreign(host, key[0]):
                # Not a name of the module's: the answer holds while the host's name does
                # (the front's memo keys on it, see Resolver._inputs).
                return _now(answer)
            return _uncached(answer)
        return None

    def serves(self, source: str) -> bool:
        """Whether a module for ``source`` is there (glibc could load it)."""
        return (
            source == "files"
            or (source == "dns" and self.dns is not None)
            or (source == "myhostname" and self.myhostname is not None)
        )

    def _files(self, kind: int, key: tuple[Any, ...]) -> HostAnswer:
        if self.hosts.unreadable:
            # The file opened but reading failed (a directory): the module gives up.
            return _UNREADABLE
        if self.hosts.missing:
            # fopen failed (ENOENT): UNAVAIL, h_errno left alone but by gethostbyname4_r (it
            # stores HOST_NOT_FOUND); errno ENOENT makes gethostbyname2_r return nonzero, so
            # getaddrinfo's AF_INET path says EAI_NODATA.
            return _NO_FILE4 if kind == 4 else _NO_FILE
        if kind == 4:
            return files_by_name4(self.hosts, key[0], multi=self.multi)
        if kind == 3:
            if len(key) > 3 and self._name_overflows(key[0], key[1], key[3]):
                return ERANGE
            return files_by_name(self.hosts, key[0], key[1], multi=self.multi)
        if len(key) > 2:
            entry = _address_entry(self.hosts, key[0], key[1])
            first = self._first_overflow(key[0], key[2])
            if first < float("inf") and (entry is None or first <= entry.line):
                return ERANGE
        return files_by_address(self.hosts, key[0], key[1])

    def _first_overflow(self, family: int, buflen: int) -> float:
        found = self._overflow.get((family, buflen))
        if found is None:
            found = self._overflow[family, buflen] = first_overflow(self.hosts, family, buflen)
        return found

    def _name_overflows(self, name: str, family: int, buflen: int) -> bool:
        """Whether ``gethostbyname3_r`` for ``name`` runs out of a fixed ``buflen``: reading the
        lines up to the first match (all of them when none matches), or merging the matches."""
        entries = _name_entries(self.hosts, name, family, self.multi)
        first = self._first_overflow(family, buflen)
        if first < float("inf") and (not entries or first <= entries[0][0].line):
            return True
        return bool(entries) and self.multi and multi_overflows(entries, family, buflen)

    def walk(
        self, kind: int, key: tuple[Any, ...], *, global_h: bool = False
    ) -> Generator[Op, Any, HostAnswer]:
        """The sources in order for one NSS function, as glibc's ``nss_next_action``.

        ``global_h``: the caller passed glibc's global ``h_errno`` as the modules' ``h_errnop``
        (getaddrinfo does; CPython's gethostby*_r calls pass a variable of their own), so what a
        module stores there becomes the global's value (reported as ``HErrno`` requests).
        """
        memo_key = (kind, *key, global_h)
        rec = _trace.recorder()
        if self.memoize and rec is None:  # an explained walk is walked again, to be seen
            found = self._memo.get(memo_key)
            if found is not None:
                answer, replay = found
                for value in replay:
                    yield HErrno(value)
                return answer
        only_files = True
        effects: list[int] = []
        last: HostAnswer | None = None  # the last answer a module gave

        def lookup(source: str) -> Generator[Op, Any, HostAnswer]:
            nonlocal only_files, last
            gen = self.call(source, kind, key)
            if gen is None:
                if kind != 4 and last is not None:
                    # gethostby*_r passes over a module it cannot load (walk_steps keeps the
                    # last answer); h_errno stays as the modules before it left it.
                    return _UNSERVED
                if global_h:
                    # getaddrinfo: "could not locate any of the lookup functions"; gethostby*_r
                    # with no module loaded at all: NETDB_INTERNAL.
                    effects.append(NETDB_INTERNAL)
                    yield HErrno(NETDB_INTERNAL)
                return _UNSERVED
            if source != "files":
                only_files = False
            elif global_h and kind == 4 and len(key) > 1 and self.files_overflow(4, key[0], key[1]):
                # getaddrinfo's first try into its scratch buffer (``key[1]`` bytes) ran out
                # of room: the module stored NETDB_INTERNAL, and the retry with a larger buffer
                # stores something else only if it reads the file to its end.
                effects.append(NETDB_INTERNAL)
                yield HErrno(NETDB_INTERNAL)
            answer = yield from gen
            last = answer
            # What the module stored through h_errnop: the dns module always stores its h_errno.
            written = answer.h_errno if source == "dns" else answer.written
            if global_h and written is not None:
                effects.append(written)
                yield HErrno(written)
            return answer

        what = ("", "")
        if rec is not None:
            what = _walk_what(kind, key)

        def merge_break() -> Generator[Op, Any, None]:
            if global_h:
                effects.append(NETDB_INTERNAL)
                yield HErrno(NETDB_INTERNAL)

        answer = yield from walk_steps(
            self.sources,
            lookup,
            what,
            gaih=kind == 4,
            serves=self.serves,
            merge_break=merge_break,
        )
        if rec is not None and answer.trace[-1:] == (("files", "success"),):
            for entry in _matched_lines(self.hosts, answer):
                rec.add(_trace.HostsLine(self.hosts.origin, entry[0], _trace.c_text(entry[1])))
        if self.memoize and only_files:
            if len(self._memo) >= 4096:
                self._memo.clear()
            self._memo[memo_key] = (answer, tuple(effects))
        return answer

    def by_name4(self, name: str, buflen: int | None = None) -> Generator[Op, Any, HostAnswer]:
        """``gethostbyname4_r`` through the sources (getaddrinfo, ``AF_UNSPEC``); ``buflen``:
        the size of the caller's first buffer, which it grows and retries on ERANGE (see
        :meth:`files_overflow`)."""
        return self.walk(4, (name,) if buflen is None else (name, buflen), global_h=True)

    def files_overflow(self, kind: int, name: str, buflen: int, family: int = AF_UNSPEC) -> bool:
        """Whether the ``files`` module, called by getaddrinfo with a ``buflen``-byte buffer,
        fails with ERANGE (``kind`` 4: gethostbyname4_r; 3: gethostbyname3_r for ``family``).
        getaddrinfo then retries with a buffer twice as large, which it keeps for the rest of
        the call; the failed try leaves NETDB_INTERNAL in the global h_errno."""
        if self.hosts.unreadable or self.hosts.missing:
            return False
        if kind == 4:
            return name4_overflows(self.hosts, name, self.multi, buflen)
        return self._name_overflows(name, family, buflen)

    def by_name3(
        self, name: str, family: int, *, check: bool = True
    ) -> Generator[Op, Any, HostAnswer]:
        """``gethostbyname3_r`` for one family through the sources (``check=True``: the
        ``gethostbyname2_r`` entry point, which refuses names that are not host names)."""
        return self.walk(3, (name, family, check))

    def gethostbyname2(
        self, name: str, family: int, *, global_h: bool = False, buflen: int | None = None
    ) -> Generator[Op, Any, HostAnswer]:
        """``gethostbyname2_r``: numeric shortcuts of ``nss/digits_dots.c``, then the sources.

        A name made only of digits and dots (no trailing dot) is an IPv4 address or not found; one
        that starts like an IPv6 address and holds only hex digits, colons and dots is an IPv6
        address or not found; neither reaches the sources.  ``buflen``: the caller's buffer is
        that size and never grows (CPython's, :data:`CPYTHON_BUFLEN`); an answer that does not fit
        is :data:`ERANGE`.
        """
        if buflen is not None and name[:1] in _HEX_COLON and 41 + len(name) > buflen:
            # digits_dots sizes its hostent (address, two pointer arrays, the name) first.
            return ERANGE
        numeric = _digits_dots(name, family)
        if numeric is not None:
            return numeric
        key = (name, family, True) if buflen is None else (name, family, True, buflen)
        return self._postprocess((yield from self.walk(3, key, global_h=global_h)), trim=False)

    def _postprocess(self, answer: HostAnswer, *, trim: bool = True) -> HostAnswer:
        """gethostby*_r's ``POSTPROCESS`` of a success (``resolv/res_hconf.c``): host.conf's
        ``reorder`` (by name and by address) and ``trim`` (gethostbyaddr_r only)."""
        if answer.status is not Status.SUCCESS or not (self.reorder or (trim and self.trim)):
            return answer
        addresses = answer.addresses
        if self.reorder and self.local_nets is not None:
            addresses = reorder_addresses(addresses, self.local_nets())
        name, aliases = answer.name, answer.aliases
        if trim and self.trim:
            name = trim_domain(name, self.trim)
            aliases = tuple(trim_domain(a, self.trim) for a in aliases)
        return HostAnswer(
            answer.status, name, aliases, addresses, answer.h_errno, answer.trace, answer.written
        )

    def overflows_first(self, name: str, family: int, buflen: int) -> bool:
        """Whether ``gethostbyname2_r`` into a ``buflen``-byte buffer fails with ERANGE before any
        I/O: digits_dots sizing its hostent, or the ``files`` source (when it is the first
        source a module serves) running out of room.  getaddrinfo's simple path starts with a
        1024-byte scratch buffer and retries a larger one, leaving the global ``h_errno`` at
        NETDB_INTERNAL from the failed try."""
        if name[:1] in _HEX_COLON and 41 + len(name) > buflen:
            return True
        if _digits_dots(name, family) is not None:
            return False
        first = next((s for s in self.sources if self.serves(getattr(s, "name", ""))), None)
        if first is None or getattr(first, "name", "") != "files":
            return False
        return self._name_overflows(name, family, buflen)

    def gethostbyaddr(
        self, family: int, packed: bytes, *, buflen: int | None = None
    ) -> Generator[Op, Any, HostAnswer]:
        """``gethostbyaddr_r`` through the sources (the IPv6 unspecified address is never found);
        ``buflen`` as for :meth:`gethostbyname2`."""
        if family == AF_INET6 and packed == bytes(16):
            return NOT_FOUND
        key = (family, packed) if buflen is None else (family, packed, buflen)
        return self._postprocess((yield from self.walk(1, key)))


_FUNCTIONS = {4: "gethostbyname4_r", 3: "gethostbyname3_r", 1: "gethostbyaddr2_r"}


def _walk_what(kind: int, key: tuple[Any, ...]) -> tuple[str, str]:
    """An NSS call as text: the function and its key (a name, or an address)."""
    from .address import format_ipv4, format_ipv6

    if kind == 1:
        family, packed = key[0], key[1]
        text = format_ipv6(packed) if family == AF_INET6 else format_ipv4(packed)
    elif kind == 3:
        text = f"{key[0]} ({'AF_INET6' if key[1] == AF_INET6 else 'AF_INET'})"
    else:
        text = str(key[0])
    return _FUNCTIONS.get(kind, str(kind)), text


def _matched_lines(hosts: HostsFile, answer: HostAnswer) -> list[tuple[int, str]]:
    """The hosts-file lines behind a successful answer: those naming its name (or one of its
    aliases) with one of its addresses, or, for an address lookup, the one naming it."""
    names = {n.lower() for n in (answer.name, *answer.aliases)}
    packed = {a.packed for a in answer.addresses}
    out = []
    for entry in hosts.entries:
        if (entry.packed in packed or _MAPPED + entry.packed in packed) and (
            entry.canonical.lower() in names or names & {a.lower() for a in entry.aliases}
        ):
            text = " ".join((entry.address, entry.canonical, *entry.aliases))
            out.append((entry.line, text))
    return out


def _digits_dots(name: str, family: int) -> HostAnswer | None:
    """``nss/digits_dots.c``: the answer for a numeric-looking name, or None for the sources."""
    from .address import parse_ipv4_exact, parse_ipv6

    if name and name[-1] != ".":
        first = name[0]
        if first.isdigit() and _DIGITS_DOTS.issuperset(name):
            packed = parse_ipv4_exact(name) if family == AF_INET else parse_ipv6(name)
            if packed is None:
                return NOT_FOUND
            return HostAnswer(Status.SUCCESS, name=name, addresses=(Address(family, packed),))
        starts_v6 = first == ":" or (first in _HEX_COLON_DOTS and first != "." and ":" in name)
        if starts_v6 and _HEX_COLON_DOTS.issuperset(name):
            packed6 = parse_ipv6(name)
            if packed6 is None or family == AF_INET:
                return NOT_FOUND
            return HostAnswer(Status.SUCCESS, name=name, addresses=(Address(AF_INET6, packed6),))
    return None
