"""What one run of the ``netdb`` command looks things up with: a resolver and its parsed files.

Owns building them from the command line: the system files under ``/etc`` by default, or the
same file names under another directory (``--etc DIR``, through ``SystemFiles.under``; a file
missing there is missing, never taken from ``/etc``).  The getent databases need whole parsed
files (services and protocols entries, for lookups by name that return the full line), so the
context keeps a :class:`~netdb.config.loader.FileSet` over the same files beside the
:class:`~netdb.Resolver`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._api import Resolver
from ..config.loader import FileSet, SystemFiles


@dataclass(frozen=True, slots=True)
class Context:
    """The resolver and the parsed files one command reads."""

    resolver: Resolver
    files: FileSet

    def protocol_registry(self, number: int) -> str | None:
        """The protocols database's official name of ``number`` (for ``names.protocol_name``)."""
        entry = self.files.protocols().by_number(number)
        return None if entry is None else str(entry.name)


def system_files(etc: str | None) -> SystemFiles:
    """The system files: the real ``/etc`` ones, or the same names under ``etc``."""
    return SystemFiles() if etc is None else SystemFiles.under(etc)


def make_context(etc: str | None) -> Context:
    """A fresh context (files are read on first use) for the files under ``etc`` or ``/etc``."""
    files = system_files(etc)
    # Checked on every use, as glibc re-reads: a one-shot command has nothing to cache.
    return Context(Resolver(files=files, check_interval=0), FileSet(files, check_interval=0))
