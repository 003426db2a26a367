"""The ``myhostname`` source of the hosts database, as systemd's nss-myhostname answers.

Placeholder until it is written: every lookup is UNAVAIL, as glibc treats a module it cannot load.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hostent import UNAVAILABLE, Address, HostAnswer


@dataclass(frozen=True, slots=True)
class Host:
    """What nss-myhostname reads from the system at lookup time."""

    hostname: str
    addresses: tuple[tuple[int, Address], ...] = ()  # (interface index, address)
    gateways: tuple[tuple[int, Address], ...] = ()


def gethostbyname4(host: Host, name: str) -> HostAnswer:
    return UNAVAILABLE


def gethostbyname3(host: Host, name: str, family: int) -> HostAnswer:
    return UNAVAILABLE


def gethostbyaddr(host: Host, family: int, packed: bytes) -> HostAnswer:
    return UNAVAILABLE
