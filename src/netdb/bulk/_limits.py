"""Rate limiting for bulk queries: a token bucket (queries per second, short bursts).

Owns the arithmetic only; the engine asks how many queries may go now and when the next one
may.  Time is a number of seconds the caller passes in (no clock here).
"""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up (default: a 50th of a second's)."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = max(1.0, rate / 50 if burst is None else burst)
        self.tokens = self.burst
        self.last: float | None = None

    def _fill(self, now: float) -> None:
        if self.last is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def grant(self, now: float, wanted: int) -> int:
        """How many of ``wanted`` may go now (those are taken)."""
        self._fill(now)
        n = min(wanted, int(self.tokens))
        self.tokens -= n
        return n

    def give_back(self, n: int) -> None:
        self.tokens += n

    def next_time(self, now: float) -> float:
        """When the next token is there."""
        self._fill(now)
        return now if self.tokens >= 1 else now + (1 - self.tokens) / self.rate
