"""``netdb bulk``'s number of workers (``cli.bulk.worker_count``), without a network.

Two workers only pay for their start-up on inputs of some size (bench/bench_bulk.py): a small
file, stdin, a pipe, or a machine of one core gets one worker; a regular file of
``SPLIT_BYTES`` or more on two cores or more gets two.  Only a regular file is shared, whatever
``--workers`` asks: the workers each read the input from its start.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netdb.cli.bulk import SPLIT_BYTES, worker_count


def test_small_file_gets_one_worker(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"h1.example.test\n" * 100)
    assert worker_count(str(small), 0, 2) == 1
    assert worker_count(str(small), 0, 16) == 1


def test_large_file_gets_two_workers_on_two_cores_or_more(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    line = b"h1.example.test\n"
    big.write_bytes(line * (SPLIT_BYTES // len(line) + 1))
    assert os.path.getsize(big) >= SPLIT_BYTES
    assert worker_count(str(big), 0, 2) == 2
    assert worker_count(str(big), 0, 64) == 2
    assert worker_count(str(big), 0, 1) == 1


def test_stdin_pipe_and_missing_file_get_one_worker(tmp_path: Path) -> None:
    assert worker_count("-", 0, 8) == 1
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert worker_count(str(fifo), 0, 8) == 1  # no stat size to go by; read once
    assert worker_count(str(tmp_path / "missing.txt"), 0, 8) == 1


@pytest.mark.parametrize("requested", [1, 2, 5])
def test_requested_workers_share_only_a_regular_file(tmp_path: Path, requested: int) -> None:
    """``-w N`` on stdin, a FIFO or a character device is one worker: N processes each reading
    the same pipe would each get some of its lines (1501 records for 3000 lines before)."""
    small = tmp_path / "small.txt"
    small.write_bytes(b"h1.example.test\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = [worker_count(p, requested, 8) for p in (str(small), "-", str(fifo), "/dev/null")]
    assert got == [requested, 1, 1, 1]
