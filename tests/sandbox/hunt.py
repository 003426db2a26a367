"""The command line the seeded differential hunts share (``python -m tests.test_X ...``).

``parser`` gives the options every hunt takes (``--rounds``, ``--seed``, ``--show``, ``--dump``);
``conclude`` writes the mismatches to ``--dump`` when asked, prints the first ``--show`` of
them and gives the exit status (0: none, 1: some).  Each hunt adds its own options, runs, and
prints its own one-line summary.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any


def parser(description: str | None, rounds: int) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=20)
    ap.add_argument("--dump", help="write every mismatch to this JSON file")
    return ap


def conclude(
    opts: argparse.Namespace,
    bad: Sequence[Any],
    rows: list[Any],
    report: Callable[[Any, int], str],
) -> int:
    """``rows``: the JSON form of ``bad`` for ``--dump``; ``report(bad, n)``: the text of the
    first ``n`` mismatches."""
    if opts.dump:
        with open(opts.dump, "w") as f:
            json.dump(rows, f)
    if bad:
        print(report(bad, opts.show))
        return 1
    return 0
