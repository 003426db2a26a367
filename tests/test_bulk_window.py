"""The bulk engine's window (``netdb.bulk._engine``) against scripted replies, sans I/O.

* slow start: the window starts at ``INITIAL_WINDOW``, doubles at most once per first-try timeout
  (losses only show when tries time out), and only while it is in use;
* tries sent before the first RTT sample wait the level that sample gives, not ``timeout``
  (a burst lost at the start of a run used to finish it a whole ``timeout`` late), except a
  last try, which waits ``timeout`` as always;
* a burst that mostly times out halves the window and ends slow start; a lossy path that loses
  a few tries of every burst keeps it; after a cut it grows by a sixteenth per first-try timeout.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from netdb.bulk import Options, parse_line
from netdb.bulk._engine import INITIAL_WINDOW, MIN_WINDOW, Engine
from netdb.constants import AF_INET
from netdb.dns.ops import Server

SERVER = Server(AF_INET, "192.0.2.53")


def _engine(lines: int, **kw: Any) -> Engine:
    opts = Options((SERVER,), **{"timeout": 2.0, "retries": 1, **kw})
    eng: Engine = Engine(opts, [0], rng=random.Random(3))
    for n in range(lines):
        eng.admit(parse_line(n + 1, f"n{n}.example.test A"), 0.0)
    return eng


def _reply(query: bytes) -> bytes:
    """The server's NOERROR reply to ``query`` (QR set, the question and OPT echoed)."""
    return query[:2] + bytes([query[2] | 0x80]) + query[3:]


def _answer_all(eng: Engine, sent: list[tuple[int, bytes]], now: float) -> None:
    eng.on_replies(0, [_reply(q) for _, q in sent], now)


def _ramp(eng: Engine, now: float, step: float = 0.005) -> float:
    """Answer every try 1 ms after it goes, until the window is ``concurrency``; the time."""
    while eng.window < eng.max_window:
        sent = []
        while True:
            burst = eng.poll_sends(now)
            if not burst:
                break
            sent += burst
        _answer_all(eng, sent, now + 0.001)
        now += step
        eng.on_timer(now)
    return now


def test_window_starts_small_and_doubles_once_per_first_try_timeout() -> None:
    eng = _engine(60_000, concurrency=1000)
    assert eng.window == INITIAL_WINDOW and eng.slow_start
    now = 0.0
    changes: list[tuple[float, int]] = []
    while eng.window < 1000:
        assert now < 2.0, "slow start never reached the concurrency"
        sent = []
        while burst := eng.poll_sends(now):
            sent += burst
        assert len(sent) <= eng.window
        before = eng.window
        _answer_all(eng, sent, now + 0.001)  # every try answered in 1 ms: first tries wait 0.05
        if eng.window != before:
            changes.append((now + 0.001, eng.window))
        now += 0.002
        eng.on_timer(now)
    assert [w for _, w in changes] == [64, 128, 256, 512, 1000]
    times = [t for t, _ in changes]
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(times)), times
    assert eng.retried == 0 and eng.slow_start


def test_window_grows_only_while_in_use_with_a_trickle_of_lines() -> None:
    eng = _engine(0, concurrency=1000)
    now = 0.0
    for n in range(200):
        eng.admit(parse_line(n + 1, f"t{n}.example.test A"), now)  # one line at a time
        sent = eng.poll_sends(now)
        assert len(sent) == 1
        _answer_all(eng, sent, now + 0.001)
        now += 0.01
        eng.on_timer(now)
    assert eng.window == INITIAL_WINDOW
    assert len(eng.finished) == 200


def test_tries_before_the_first_sample_wait_the_level_it_gives() -> None:
    """Before the fix, a first try lost before any reply came waited the whole ``timeout``
    (2 s here), so a run that lost part of its first burst ended two seconds late."""
    eng = _engine(INITIAL_WINDOW, concurrency=1000)
    sent = eng.poll_sends(0.0)
    assert len(sent) == INITIAL_WINDOW
    _answer_all(eng, sent[:-1], 0.002)  # one lost: the others give a 2 ms round trip
    assert eng.levels[eng.level] == 0.05
    eng.on_timer(0.049)
    assert not eng.ready
    eng.on_timer(0.0501)
    assert len(eng.ready) == 1 and eng.retried == 1
    [(_, again)] = eng.poll_sends(0.0501)
    _answer_all(eng, [(0, again)], 0.052)
    assert len(eng.finished) == INITIAL_WINDOW and eng.idle


def test_a_last_try_before_the_first_sample_still_waits_timeout() -> None:
    """With no retry left, a try reports TIMEOUT only after the whole ``timeout``."""
    eng = _engine(4, concurrency=1000, retries=0)
    sent = eng.poll_sends(0.0)
    _answer_all(eng, sent[:-1], 0.002)
    eng.on_timer(1.999)
    assert len(eng.finished) == 3
    eng.on_timer(2.0)
    assert [r.status for r in eng.finished][-1] == "TIMEOUT"


def test_many_tries_sent_before_the_first_sample_all_move() -> None:
    """Two bursts before any reply (a server slow to start): each moves to the sampled level
    counted from when it went, in order, and every line still ends once."""
    eng = _engine(16, concurrency=1000)
    first = eng.poll_sends(0.0)
    for n in range(16, 32):
        eng.admit(parse_line(n + 1, f"n{n}.example.test A"), 0.01)
    second = eng.poll_sends(0.01)
    assert len(first) == len(second) == 16
    _answer_all(eng, second[:1], 0.012)  # one reply: a 2 ms round trip
    eng.on_timer(0.0499)
    assert not eng.ready
    eng.on_timer(0.0501)
    assert len(eng.ready) == 16  # the first burst, sent at 0.0
    eng.on_timer(0.0599)
    assert len(eng.ready) == 16
    eng.on_timer(0.0601)
    assert len(eng.ready) == 31 and eng.retried == 31
    now = 0.07
    while not eng.idle:
        _answer_all(eng, eng.poll_sends(now), now + 0.001)
        now += 0.01
        eng.on_timer(now)
    assert sorted(r.line for r in eng.finished) == list(range(1, 33))
    assert all(r.status == "NODATA" for r in eng.finished)


def test_window_halves_on_burst_loss_then_grows_by_a_sixteenth() -> None:
    eng = _engine(5_000, concurrency=64, timeout=1.0)
    now = _ramp(eng, 0.0)
    assert eng.window == 64 and eng.slow_start
    lost = []
    while burst := eng.poll_sends(now):
        lost += burst
    assert len(lost) == 64
    eng.on_timer(now + 0.06)  # the whole burst timed out (first tries wait 0.05): one cut
    now += 0.06
    assert eng.window == 32 and not eng.slow_start
    for _ in range(8):  # answered, but within a first-try timeout of the cut: no growth
        sent = eng.poll_sends(now)
        _answer_all(eng, sent, now + 0.001)
        now += 0.005
        eng.on_timer(now)
    assert eng.window == 32
    while eng.window == 32:
        sent = eng.poll_sends(now)
        _answer_all(eng, sent, now + 0.001)
        now += 0.005
        eng.on_timer(now)
    assert eng.window == 34  # a sixteenth more
    assert eng.window >= MIN_WINDOW


def test_window_kept_when_few_of_each_burst_are_lost() -> None:
    """A lossy path (one try in sixteen lost, in every burst) is no overflowing server: the
    lost tries time out and go again, and the window is not cut."""
    eng = _engine(5_000, concurrency=64, timeout=1.0)
    now = _ramp(eng, 0.0)
    for _ in range(6):
        sent = eng.poll_sends(now)
        assert sent
        _answer_all(eng, [s for k, s in enumerate(sent) if k % 16], now + 0.001)
        now += 0.06
        eng.on_timer(now)  # a few tries of the burst time out
        assert eng.window == 64 and eng.slow_start
