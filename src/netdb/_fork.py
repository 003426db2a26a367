"""What a forked child starts afresh: the locks netdb's objects hold.

``fork`` copies a process with only the thread that called it.  A lock another thread held at
that moment stays held in the child for good, and the child's first lookup that needs it would
wait forever.  Objects that own a lock register here (:func:`renew_in_child`); in the child, each
one's ``renew_after_fork()`` gives it a fresh lock (and drops work that a thread which no longer
exists left half done).  Module-level locks register a function of their own with
``os.register_at_fork``.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class Renewable(Protocol):
    def renew_after_fork(self) -> None: ...


_OWNERS: weakref.WeakSet[Renewable] = weakref.WeakSet()


def renew_in_child(owner: Renewable) -> None:
    """Call ``owner.renew_after_fork()`` in every child forked while it lives."""
    _OWNERS.add(owner)


def _in_child() -> None:
    for owner in list(_OWNERS):
        owner.renew_after_fork()


os.register_at_fork(after_in_child=_in_child)
