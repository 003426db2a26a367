"""Long pure computations cut into steps, so that no one of them holds the asyncio loop.

A *stepped* computation is a generator that yields ``None`` between slices of its work and
returns its result: the RFC 6724 order of a long answer (``sort.order_steps``,
``route.order_steps``: thousands of addresses from a 64 KB reply or a hosts file) is one, and
so is every system file's parser (``config``'s ``parse_X_steps``, run by ``WatchedFile``).  The
getaddrinfo core turns each step into a :class:`~netdb.dns.ops.Pause` request, where the asyncio
driver lets the loop run other tasks and the blocking driver goes straight on; a caller outside
the core runs a stepped computation through with :func:`finish`.  A short input (at most
:data:`STEP` addresses: nearly every lookup) goes through the plain versions instead
(``sort.order``, ``route.order_destinations``, ``gai.results``), which the stepped ones share
their per-slice work with: the generators would cost a short lookup more than they spare it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

T = TypeVar("T")

Steps = Generator[None, None, T]
"""A computation that yields between slices of its work and returns its result."""

STEP = 512
"""The most items (addresses probed, candidates described) one slice handles: a few
milliseconds of Python at most."""

WORK = 8192
"""The most comparisons a stepped sort makes between two steps (about 2-4 ms)."""


def finish(steps: Steps[T]) -> T:
    """Run a stepped computation through without pausing; its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def done(value: T) -> Steps[T]:
    """A stepped computation of no steps that returns ``value``."""
    return value
    yield  # pragma: no cover  (makes this a generator)


__all__ = ["STEP", "WORK", "Steps", "done", "finish"]
