"""Reading the system files and noticing when they change.

Owns the only filesystem access of the config layer.  A :class:`WatchedFile` re-parses its file
when ``(mtime_ns, size, inode, device)`` changes, and looks (``stat``) at most once per
``check_interval`` seconds; 0 looks on every call, as glibc (which re-reads hosts, services and
protocols on every call) effectively does.  A missing or unreadable file parses as ``None`` (the
parsers' "missing" case), never raises.  Files are decoded one byte per character (latin-1), so any
byte survives and compares exactly as glibc compares C strings.

:class:`FileSet` owns one watched file per system file.  Where /etc/services or /etc/protocols is
missing it answers from the bundled registry (``registry.py``) unless
``SystemFiles.bundled_registry`` is off; the parsed value's ``origin`` says which.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .. import _fork
from ..steps import Steps, finish
from . import registry
from .gaiconf import GaiConf, parse_gai_conf_steps
from .hostaliases import HostAliases, parse_host_aliases_steps
from .hostconf import HostConf, parse_host_conf_steps
from .hosts import HostsFile, parse_hosts_steps
from .nsswitch import NsswitchConf, parse_nsswitch_steps
from .protocols import ProtocolsFile, parse_protocols_steps
from .resolv import ResolvConf, parse_resolv_conf_steps
from .services import ServicesFile, parse_services_steps

T = TypeVar("T")


class Unreadable(str):
    """The text of a file that opens but cannot be read (a directory in its place: EISDIR).

    It reads as an empty text, so no line comes out of it and it is not *missing* (no bundled
    registry stands in for it); ``errno`` says why, for the parsers whose glibc reader reports
    the failure (hosts: the files source is unavailable; nsswitch.conf: glibc refuses it).
    """

    errno: int

    def __new__(cls, errno_value: int) -> Unreadable:
        self = super().__new__(cls, "")
        self.errno = errno_value
        return self


SPECIAL_MAX = 1 << 20
"""The most read from something that is not a regular file (a device, a FIFO) in a file's place."""


def read_text(path: str) -> str | None:
    """The file's text (latin-1); None when it cannot be opened (missing, or not allowed), an
    :class:`Unreadable` (empty, with the errno) when it opens but reading fails, as a directory
    does (glibc's ``fopen`` takes one; the first read fails with EISDIR).

    Something other than a regular file is read without waiting and only up to
    :data:`SPECIAL_MAX` bytes: a FIFO with no writer reads as empty and ``/dev/zero`` as a MiB
    of NUL bytes, where glibc would wait for the writer or read on forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            with open(fd, "rb", closefd=False) as f:
                return f.read().decode("latin-1")
        chunks: list[bytes] = []
        left = SPECIAL_MAX
        while left > 0:
            try:
                chunk = os.read(fd, min(left, 65536))
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks).decode("latin-1")
    except OSError as exc:
        return Unreadable(exc.errno or errno.EIO)
    finally:
        os.close(fd)


class _StepParse:
    """A parse in steps under way: the file's identity, the parser's generator, the seconds
    spent reading and parsing so far, and the steps taken."""

    __slots__ = ("ident", "seconds", "steps", "taken")

    def __init__(self, ident: object, steps: Generator[None, None, Any], seconds: float) -> None:
        self.ident = ident
        self.steps = steps
        self.seconds = seconds
        self.taken = 0


class WatchedFile(Generic[T]):
    """One file and its parsed value, re-read when the file changes.

    ``steps``: the parser, in steps (a generator that pauses between chunks of work and returns
    the value): :meth:`get` runs it through, :meth:`refresh_steps` pauses where it does.
    ``locate``: where the file is, asked again at each check (a path the environment names,
    which a program can change as it runs); ``path`` is then the one last asked.
    """

    def __init__(
        self,
        path: str,
        steps: Callable[[str | None], Steps[T]],
        *,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        locate: Callable[[], str] | None = None,
    ) -> None:
        self.path = path if locate is None else locate()
        self._locate = locate
        self._steps = steps
        self._interval = check_interval
        self._clock = clock
        # Re-entrant: a signal handler's lookup may come in while this thread parses the file
        # (glibc's C call is never interrupted by Python code; netdb's is).
        self._lock = threading.RLock()
        self._state: tuple[object, T] | None = None
        self._next_check = float("-inf")
        self._pending: _StepParse | None = None  # a parse in steps under way
        _fork.renew_in_child(self)
        #: seconds the last parse took (reading included); None until the first
        self.parse_seconds: float | None = None

    def _identity(self) -> object:
        if self._locate is not None:
            self.path = self._locate()
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (self.path, st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)

    def _changed(self) -> tuple[bool, object]:
        """Whether the value must be parsed again, and the file's identity then: ``stat`` at
        most once per ``check_interval`` (this call counts as the check)."""
        state = self._state
        if state is None:
            return True, self._identity()
        if self._interval > 0:
            now = self._clock()
            if now < self._next_check:
                return False, None
            self._next_check = now + self._interval
        ident = self._identity()
        return ident != state[0], ident

    def _install(self, ident: object, value: T, seconds: float) -> None:
        self.parse_seconds = seconds
        self._state = (ident, value)
        if self._interval > 0:
            self._next_check = self._clock() + self._interval

    def get(self) -> T:
        changed, ident = self._changed()
        state = self._state
        if not changed and state is not None:
            return state[1]
        with self._lock:
            started = time.perf_counter()
            value = finish(self._steps(None if ident is None else read_text(self.path)))
            self._install(ident, value, time.perf_counter() - started)
            self._pending = None  # a parse in steps left under way is older: not to be installed
        return value

    def refresh_steps(self) -> Generator[bool, None, None]:
        """Bring the value up to date in steps: when the file changed, parse it with the
        stepped parser, pausing (yielding) between its chunks; :meth:`get` then finds it fresh.
        Each pause yields False, or True while another thread holds the file (a :meth:`get`
        parsing it in one go): the caller then waits a moment rather than block on the lock.

        Callers at once share one parse, and one of them drives it: a caller advances it (a
        chunk, under the lock) only when nobody did since its own last turn, so the parse moves
        one chunk per round of the callers however many wait on it, and goes on when the caller
        that drove it stops coming back (a cancelled lookup).  Whoever finishes it installs the
        value; the others see it installed and return.  A parse left under way by callers that
        all went away is taken up again only while the file is still the one it reads.
        """
        pending = self._pending
        seen = -1  # the parse's step count at this caller's last turn (-1: it drives)
        if pending is not None and pending.ident != self._identity():
            pending = None  # the file changed since that parse began: start afresh
        if pending is None:
            changed, ident = self._changed()
            if not changed:
                return
            started = time.perf_counter()
            text = None if ident is None else read_text(self.path)
            pending = _StepParse(ident, self._steps(text), time.perf_counter() - started)
            self._pending = pending
        else:
            seen = pending.taken
            yield False
        lock = self._lock
        while True:
            if not lock.acquire(blocking=False):
                yield True
                continue
            try:
                if self._pending is not pending:
                    return  # another caller (or a get()) finished it
                if seen < 0 or pending.taken == seen:
                    started = time.perf_counter()
                    try:
                        next(pending.steps)
                    except StopIteration as done:
                        self._pending = None
                        spent = pending.seconds + time.perf_counter() - started
                        self._install(pending.ident, done.value, spent)
                        return
                    pending.seconds += time.perf_counter() - started
                    pending.taken += 1
                seen = pending.taken
            finally:
                lock.release()
            yield False

    def renew_after_fork(self) -> None:
        """In a forked child: a fresh lock, and no parse in steps (the thread that drove it is
        not in the child)."""
        self._lock = threading.RLock()
        self._pending = None

    def invalidate(self) -> None:
        self._state = None
        self._pending = None
        self._next_check = float("-inf")


@dataclass(frozen=True, slots=True)
class SystemFiles:
    """Which files a resolver reads; every path can be pointed elsewhere (tests, containers)."""

    hosts: str = "/etc/hosts"
    services: str = "/etc/services"
    protocols: str = "/etc/protocols"
    nsswitch: str = "/etc/nsswitch.conf"
    resolv: str = "/etc/resolv.conf"
    gai: str = "/etc/gai.conf"
    host_conf: str = "/etc/host.conf"
    bundled_registry: bool = True

    @classmethod
    def under(cls, root: str, **kw: object) -> SystemFiles:
        """The same file names under another directory (``root/hosts``, ...).

        ``root`` must be a directory: :class:`FileNotFoundError` when it does not exist,
        :class:`NotADirectoryError` when it is something else (a mistyped path would otherwise
        read as a configuration with no files at all).  Files missing inside it are missing.
        """
        if not stat.S_ISDIR(os.stat(root).st_mode):  # FileNotFoundError from stat itself
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), root)
        j = os.path.join
        return cls(
            j(root, "hosts"),
            j(root, "services"),
            j(root, "protocols"),
            j(root, "nsswitch.conf"),
            j(root, "resolv.conf"),
            j(root, "gai.conf"),
            j(root, "host.conf"),
            **kw,  # type: ignore[arg-type]
        )


class FileSet:
    """The parsed system files of one configuration."""

    def __init__(
        self,
        files: SystemFiles,
        *,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.files = files
        self._interval = check_interval
        self._clock = clock
        self._snapshot: tuple[object, ...] | None = None
        self._snap_until = float("-inf")
        env_map: Mapping[str, str] = os.environ if env is None else env
        bundled = files.bundled_registry

        def watch(
            path: str,
            steps: Callable[[str | None], Steps[T]],
            locate: Callable[[], str] | None = None,
        ) -> WatchedFile[T]:
            return WatchedFile(
                path, steps, check_interval=check_interval, clock=clock, locate=locate
            )

        def services(text: str | None) -> Steps[ServicesFile]:
            if text is None and bundled:
                return parse_services_steps(registry.services_text(), registry.BUNDLED_SERVICES)
            return parse_services_steps(text, files.services)

        def protocols(text: str | None) -> Steps[ProtocolsFile]:
            if text is None and bundled:
                return parse_protocols_steps(registry.protocols_text(), registry.BUNDLED_PROTOCOLS)
            return parse_protocols_steps(text, files.protocols)

        def resolv(text: str | None) -> Steps[ResolvConf]:
            return parse_resolv_conf_steps(text, env=env_map, hostname=os.uname().nodename)

        self._hosts = watch(files.hosts, lambda t: parse_hosts_steps(t, files.hosts))
        self._services = watch(files.services, services)
        self._protocols = watch(files.protocols, protocols)
        self._nsswitch = watch(files.nsswitch, lambda t: parse_nsswitch_steps(t, files.nsswitch))
        self._gai = watch(files.gai, lambda t: parse_gai_conf_steps(t, files.gai))
        # res_hconf.c reads the file RESOLV_HOST_CONF names instead of host.conf, and
        # res_search the HOSTALIASES file: both named by the environment when the file is read.
        self._host_conf: WatchedFile[HostConf] = watch(
            files.host_conf,
            lambda t: parse_host_conf_steps(t, env_map, self._host_conf.path),
            locate=lambda: env_map.get("RESOLV_HOST_CONF", files.host_conf),
        )
        self._resolv = watch(files.resolv, resolv)
        self._host_aliases: WatchedFile[HostAliases] = watch(
            "",
            lambda t: parse_host_aliases_steps(t, self._host_aliases.path),
            locate=lambda: env_map.get("HOSTALIASES", ""),
        )
        self._all: tuple[WatchedFile[Any], ...] = (
            self._hosts,
            self._services,
            self._protocols,
            self._nsswitch,
            self._gai,
            self._host_conf,
            self._resolv,
            self._host_aliases,
        )

    def snapshot(self) -> tuple[object, ...]:
        """The parsed files as one tuple, the same object until one of them changes.

        Checked at most once per ``check_interval`` as a whole, so a caller can key a cache on it.
        """
        snap = self._snapshot
        if snap is not None and (self._interval > 0 and self._clock() < self._snap_until):
            return snap
        current = tuple(w.get() for w in self._all)
        if snap is None or any(a is not b for a, b in zip(current, snap, strict=True)):
            snap = self._snapshot = current
        self._snap_until = self._clock() + self._interval
        return snap

    def due(self) -> bool:
        """Whether the next :meth:`snapshot` will look at the files again (``stat``)."""
        return self._snapshot is None or self._interval <= 0 or self._clock() >= self._snap_until

    def refresh_steps(self) -> Generator[bool, None, None]:
        """Bring every file up to date, each parsed in steps (see
        :meth:`WatchedFile.refresh_steps`): what the asyncio front runs, pausing for the event
        loop at each step, before a lookup whose :meth:`snapshot` is :meth:`due`."""
        for watched in self._all:
            yield from watched.refresh_steps()

    def watched(self) -> dict[str, WatchedFile[Any]]:
        """Each watched file by its role (``hosts``, ``services``, ``protocols``, ``nsswitch``,
        ``gai``, ``host_conf``, ``resolv``, ``host_aliases``): what ``netdb explain`` reports
        on."""
        roles = (
            "hosts",
            "services",
            "protocols",
            "nsswitch",
            "gai",
            "host_conf",
            "resolv",
            "host_aliases",
        )
        return dict(zip(roles, self._all, strict=True))

    def hosts(self) -> HostsFile:
        return self._hosts.get()

    def services(self) -> ServicesFile:
        return self._services.get()

    def protocols(self) -> ProtocolsFile:
        return self._protocols.get()

    def nsswitch(self) -> NsswitchConf:
        return self._nsswitch.get()

    def gai(self) -> GaiConf:
        return self._gai.get()

    def host_conf(self) -> HostConf:
        return self._host_conf.get()

    def resolv(self) -> ResolvConf:
        return self._resolv.get()

    def host_aliases(self) -> HostAliases:
        return self._host_aliases.get()

    def invalidate(self) -> None:
        self._snapshot = None
        for w in self._all:
            w.invalidate()
