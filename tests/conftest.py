"""Shared fixtures: the glibc-vs-netdb sandbox and the upstream vectors folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import offmachine
from tests.sandbox.harness import COUNTS, Sandbox, Scenario, unavailable_reason

offmachine.install()  # nothing this process does may reach beyond the machine

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"


def load_vectors(name: str) -> Any:
    """A vectors file from ../shared/vectors, or a clean skip where that folder is absent."""
    path = VECTORS / name
    if not path.exists():
        pytest.skip(f"upstream vectors not found at {path}")
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[Callable[[Scenario], Sandbox]]:
    """``sandboxes(scenario)`` gives a running sandbox for that scenario (one per session)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"differential sandbox unavailable: {reason}")
    running: dict[Scenario, Sandbox] = {}

    def get(scenario: Scenario) -> Sandbox:
        if scenario not in running:
            running[scenario] = Sandbox(scenario)
        return running[scenario]

    yield get
    for box in running.values():
        box.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if offmachine.VIOLATIONS:  # refused where it happened; fail even if the code swallowed it
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if offmachine.VIOLATIONS:
        terminalreporter.section("refused: calls that could reach beyond this machine")
        for what in offmachine.VIOLATIONS:
            terminalreporter.write_line(what)
    if COUNTS:
        terminalreporter.section("differential cases compared with glibc")
        for func, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{func:20s} {n:7d}")
        terminalreporter.write_line(f"{'total':20s} {sum(COUNTS.values()):7d}")
