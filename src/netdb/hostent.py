"""What a hosts source answers: glibc's ``enum nss_status`` plus a ``hostent`` in one value.

Shared by the sources (``hosts.py`` for ``files``, ``nss_dns.py`` for ``dns``) and the lookups
above them (``gai.py``, the front).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ._frozen import fast_init
from .errors import HOST_NOT_FOUND, NO_RECOVERY

__all__ = ["ERANGE", "NOT_FOUND", "UNAVAILABLE", "Address", "HostAnswer", "Status"]


class Status(enum.Enum):
    """An NSS module's status (``enum nss_status``)."""

    SUCCESS = "success"
    NOTFOUND = "notfound"
    UNAVAIL = "unavail"
    TRYAGAIN = "tryagain"


@fast_init
@dataclass(frozen=True, slots=True)
class Address:
    """One address of an answer: family, packed bytes, IPv6 scope id."""

    family: int
    packed: bytes
    scope_id: int = 0


@fast_init
@dataclass(frozen=True, slots=True)
class HostAnswer:
    """What one source (or the whole walk) answered for a name or an address.

    ``name`` is the canonical name, ``aliases`` the other names (a ``hostent``'s ``h_aliases``),
    ``addresses`` in the order the source gave them.  ``h_errno`` matters only when ``status`` is
    not ``SUCCESS``.  ``trace`` lists ``(source, status)`` for every source consulted: the start of
    what ``netdb explain`` prints.
    """

    status: Status
    name: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    h_errno: int = HOST_NOT_FOUND
    trace: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # What the module stored through its ``h_errnop`` argument (None: nothing).  When the caller
    # passed glibc's global ``h_errno`` there (getaddrinfo does), that is what it holds after.
    written: int | None = field(default=None, compare=False)


NOT_FOUND = HostAnswer(Status.NOTFOUND, h_errno=HOST_NOT_FOUND, written=HOST_NOT_FOUND)
UNAVAILABLE = HostAnswer(Status.UNAVAIL, h_errno=NO_RECOVERY)
ERANGE = HostAnswer(Status.TRYAGAIN, h_errno=-1)
"""A source's answer when the caller's fixed buffer cannot hold the ``hostent`` (``errno``
``ERANGE``, ``h_errno`` ``NETDB_INTERNAL``): ``gethostby*_r`` stops at it, whatever the
``hosts:`` line says next, and fails.  Compared by identity."""
