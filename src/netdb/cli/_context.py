"""What one run of the ``netdb`` command looks things up with: a resolver and its parsed files.

Owns building them from the command line: the system files under ``/etc`` by default, or the
same file names under another directory (``--etc DIR``, through ``SystemFiles.under``, which
raises ``FileNotFoundError``/``NotADirectoryError`` unless ``DIR`` is a directory; a file missing
there is missing, never taken from ``/etc``).  The getent databases need whole parsed
files (services and protocols entries, for lookups by name that return the full line), so the
context keeps a :class:`~netdb.config.loader.FileSet` over the same files beside the
:class:`~netdb.Resolver`.

It also owns getent's ``-s CONFIG`` (``--service``): sources given on the command line replace
the nsswitch.conf line of every database (``CONFIG``) or of one (``DATABASE:CONFIG``, where
``DATABASE`` may be any prefix of a getent database name; the first in getent's order wins).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .._api import Resolver
from ..config.loader import FileSet, SystemFiles
from ..config.nsswitch import Source, parse_nsswitch
from ..hosts import HostsDatabase

# getent's database table, in its order (``-s PREFIX:CONFIG`` picks the first match).
GETENT_DATABASES = (
    "ahosts",
    "ahostsv4",
    "ahostsv6",
    "aliases",
    "ethers",
    "group",
    "gshadow",
    "hosts",
    "initgroups",
    "netgroup",
    "networks",
    "passwd",
    "protocols",
    "rpc",
    "services",
    "shadow",
)
# The NSS databases behind netdb's commands (ahosts* read `hosts`).
NSS_DATABASES = ("hosts", "services", "protocols")


class ServiceConfigError(ValueError):
    """``-s DATABASE:CONFIG`` names no database getent knows."""


@dataclass(frozen=True, slots=True)
class Context:
    """The resolver and the parsed files one command reads."""

    resolver: Resolver
    files: FileSet
    overrides: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    def sources(self, database: str) -> tuple[Source, ...]:
        """The sources ``database`` walks: from ``-s`` if given, else from nsswitch.conf."""
        found = self.overrides.get(database)
        return found if found is not None else self.files.nsswitch().sources(database)

    def protocol_registry(self, number: int) -> str | None:
        """The protocols database's official name of ``number`` (for ``names.protocol_name``)."""
        entry = self.files.protocols().by_number(number)
        return None if entry is None else str(entry.name)


class _SourcesResolver(Resolver):
    """A resolver whose ``hosts:`` sources come from the command line instead of nsswitch.conf."""

    def __init__(
        self, hosts_sources: tuple[Source, ...], *, files: SystemFiles, check_interval: float
    ) -> None:
        super().__init__(files=files, check_interval=check_interval)
        self._hosts_sources = hosts_sources

    def hosts_db(self) -> HostsDatabase:
        return dataclasses.replace(super().hosts_db(), sources=self._hosts_sources)


def service_overrides(config: str | None) -> dict[str, tuple[Source, ...]]:
    """getent's ``-s CONFIG`` / ``-s DATABASE:CONFIG`` as sources per NSS database.

    A service list glibc cannot parse configures no source at all (nothing answers).
    """
    if config is None:
        return {}
    prefix, colon, spec = config.partition(":")
    if colon:
        database = next((d for d in GETENT_DATABASES if d.startswith(prefix)), None)
        if database is None:
            raise ServiceConfigError(f"unknown database name in -s {config!r}")
        targets: tuple[str, ...] = (database,) if database in NSS_DATABASES else ()
    else:
        spec = config
        targets = NSS_DATABASES
    parsed = parse_nsswitch("".join(f"{db}: {spec}\n" for db in targets))
    return {db: tuple(parsed.databases.get(db, ())) for db in targets}


def bundled_registry() -> bool:
    """Whether a missing services or protocols file is answered from the bundled registry:
    yes, unless ``NETDB_BUNDLED_REGISTRY=0``, as for the module-level functions (getent says
    "not found" then)."""
    return os.environ.get("NETDB_BUNDLED_REGISTRY", "1") != "0"


def system_files(etc: str | None) -> SystemFiles:
    """The system files: the real ``/etc`` ones, or the same names under ``etc``
    (``NETDB_BUNDLED_REGISTRY=0``: no bundled registry for a missing one)."""
    bundled = bundled_registry()
    if etc is None:
        return SystemFiles(bundled_registry=bundled)
    return SystemFiles.under(etc, bundled_registry=bundled)


def make_context(etc: str | None, service: str | None = None) -> Context:
    """A fresh context (files are read on first use) for the files under ``etc`` or ``/etc``.

    ``service`` is getent's ``-s`` argument; :class:`ServiceConfigError` when it names an unknown
    database.
    """
    files = system_files(etc)
    overrides = service_overrides(service)
    # Checked on every use, as glibc re-reads: a one-shot command has nothing to cache.
    resolver = (
        _SourcesResolver(overrides["hosts"], files=files, check_interval=0)
        if "hosts" in overrides
        else Resolver(files=files, check_interval=0)
    )
    return Context(resolver, FileSet(files, check_interval=0), overrides)
