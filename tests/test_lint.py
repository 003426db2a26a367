"""The code stays `ruff` and `mypy --strict` clean (CI runs the whole suite, so these too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    res = _run(sys.executable, "-m", "ruff", "check", "src", "tests", "bench")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format() -> None:
    res = _run(sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "bench")
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict() -> None:
    res = _run(sys.executable, "-m", "mypy", "--strict", "src/netdb", "src/_netdb_cli.py")
    assert res.returncode == 0, res.stdout + res.stderr
