"""``netdb bulk``'s default number of workers (``cli.bulk.default_workers``), without a network.

Two workers only pay for their start-up on inputs of some size (bench/bench_bulk.py): a small
file, stdin, a pipe, or a machine of one core gets one worker; a regular file of
``SPLIT_BYTES`` or more on two cores or more gets two.
"""

from __future__ import annotations

import os
from pathlib import Path

from netdb.cli.bulk import SPLIT_BYTES, default_workers


def test_small_file_gets_one_worker(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"h1.example.test\n" * 100)
    assert default_workers(str(small), cores=2) == 1
    assert default_workers(str(small), cores=16) == 1


def test_large_file_gets_two_workers_on_two_cores_or_more(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    line = b"h1.example.test\n"
    big.write_bytes(line * (SPLIT_BYTES // len(line) + 1))
    assert os.path.getsize(big) >= SPLIT_BYTES
    assert default_workers(str(big), cores=2) == 2
    assert default_workers(str(big), cores=64) == 2
    assert default_workers(str(big), cores=1) == 1


def test_stdin_pipe_and_missing_file_get_one_worker(tmp_path: Path) -> None:
    assert default_workers("-", cores=8) == 1
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert default_workers(str(fifo), cores=8) == 1  # no stat size to go by; read once
    assert default_workers(str(tmp_path / "missing.txt"), cores=8) == 1
