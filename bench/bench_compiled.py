"""What a compiled build would buy: the core modules through mypyc, beside the pure-Python tree.

Run: ``python3 bench/bench_compiled.py [--names 3000] [--rounds 3]`` (needs mypy, which the
``[test]`` extra installs, and a C compiler with the Python headers; re-executes itself under
``unshare --net --mount --uts``: Knot serves a generated zone ``bench.test.`` on 127.0.0.1 inside
the private namespace; /etc is a tmpfs holding Debian's ``hosts: files myhostname dns`` and
``nameserver 127.0.0.1``; no packet leaves the machine).

Issue 10 allows a compiled build only where the Python path cannot reach the floors, and only as
an accelerator.  This script measures what one would give before anyone builds it: it exports
the committed ``src/netdb`` (``git archive HEAD``) to two temporary directories, compiles the
modules of the lookup path (``COMPILED``) with mypyc in one of them, and runs the default
lookups in fresh processes, one tree then the other, taking turns within each round, each on
names of its own (no name is asked twice, so no cache helps):

* blocking: ``netdb.getaddrinfo(name, 80, type=SOCK_STREAM)`` (the default ``Resolver``), and
  glibc's ``socket.getaddrinfo`` in the same process for reference;
* asyncio: ``netdb.aio.getaddrinfo`` with the same arguments, 1,000 concurrent.

The front (``_api.py``, ``aio.py``), the explain recorder, ``address.py`` and the file parsers
stay Python: mypyc refuses or miscompiles them as they are written (a sentinel default for a
``str`` parameter, ``if TYPE_CHECKING`` branches, dataclass field order across a hierarchy), and
the lookups here spend little time there.  The copy gets the few edits mypyc needs
(``PATCHES``), printed as they are made; the tree in the repository is not touched.

Prints CPU us per lookup (process time) for each tree and glibc, names/s for asyncio, the medians
over the rounds and the ratios compiled / pure and netdb / glibc.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
ETC = {
    "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
    "nsswitch.conf": "hosts: files myhostname dns\n",
    "resolv.conf": "nameserver 127.0.0.1\n",
    "host.conf": "multi on\n",
}
COMPILED = (
    "netdb/express.py",
    "netdb/gai.py",
    "netdb/sort.py",
    "netdb/hosts.py",
    "netdb/hostent.py",
    "netdb/names.py",
    "netdb/nss_dns.py",
    "netdb/nss_myhostname.py",
    "netdb/dns/wire.py",
    "netdb/dns/cache.py",
    "netdb/dns/ops.py",
    "netdb/dns/query.py",
    "netdb/dns/search.py",
    "netdb/_io/route.py",
    "netdb/_io/driver.py",
)
# (file, pattern, replacement, why): what the copy needs before mypyc takes it.
PATCHES = (
    (
        "netdb/_frozen.py",
        r"(def fast_init\(cls: C\) -> C:\n    \"\"\"[^\n]*\"\"\"\n)",
        r'\1    if type(cls.__dict__.get("__init__")).__name__ != "function":\n'
        r"        return cls\n",
        "fast_init leaves a compiled class's own __init__ alone",
    ),
    (
        "netdb/hosts.py",
        r"first = (number|e\.line)\n",
        r"first = float(\1)\n",
        "a float variable takes no int under mypyc",
    ),
    (
        "netdb/dns/wire.py",
        r"\n(    \w+): object\n",
        r"\n\1: 'typing.Any'\n",
        "a dataclass field annotated `object` fails to import (KeyError: 'object')",
    ),
    (
        "netdb/dns/cache.py",
        r"\n(    \w+): object\n",
        r"\n\1: 'typing.Any'\n",
        "the same",
    ),
    (
        "netdb/dns/ops.py",
        r"\n(    \w+): object\n",
        r"\n\1: 'typing.Any'\n",
        "the same",
    ),
)
WARMUP = 200
CONCURRENT = 1000


def _name(i: int) -> str:
    return f"h{i}.bench.test"


# --- the build (outside the sandbox) -----------------------------------------------------------


def export(workdir: Path) -> Path:
    """``src`` as committed (``git archive HEAD``), not as the working tree has it; its path."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "HEAD", "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive.stdout, check=True)
    return workdir / "src"


def build(workdir: Path) -> Path:
    """A copy of the committed ``src`` with ``COMPILED`` built by mypyc in place; its path."""
    src = export(workdir)
    for rel, pattern, replacement, why in PATCHES:
        path = src / rel
        text = path.read_text()
        patched, count = re.subn(pattern, replacement, text)
        if count:
            if "typing.Any" in replacement and "\nimport typing\n" not in patched:
                patched = patched.replace(
                    "from __future__ import annotations\n",
                    "from __future__ import annotations\n\nimport typing\n",
                    1,
                )
            path.write_text(patched)
        print(f"patch {rel}: {count} place(s): {why}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mypyc", *COMPILED], cwd=src, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"mypyc failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    built = sorted(p.name for p in (src / "netdb").rglob("*.so"))
    print(f"mypyc built {len(built)} extension modules in {time.perf_counter() - started:.0f} s")
    return src


# --- one measured process ---------------------------------------------------------------------


def peer(first: int, count: int) -> None:
    """Inside a fresh process whose sys.path starts at the tree to measure: print one JSON line."""
    import netdb
    import netdb.aio
    import netdb.express

    out: dict[str, Any] = {"tree": str(Path(netdb.express.__file__).suffix)}
    names = [_name(i) for i in range(first, first + WARMUP + 3 * count)]
    for n in names[:WARMUP]:
        netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    blocking, glibc, aio = (
        names[WARMUP : WARMUP + count],
        names[WARMUP + count : WARMUP + 2 * count],
        names[WARMUP + 2 * count :],
    )
    t = time.process_time()
    for n in blocking:
        netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    out["blocking"] = (time.process_time() - t) / count * 1e6
    t = time.process_time()
    for n in glibc:
        socket.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    out["glibc"] = (time.process_time() - t) / count * 1e6

    async def main() -> float:
        todo = iter(aio)

        async def worker() -> None:
            for n in todo:
                await netdb.aio.getaddrinfo(n, 80, type=socket.SOCK_STREAM)

        wall = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
        return time.perf_counter() - wall

    t = time.process_time()
    wall = asyncio.run(main())
    out["aio"] = (time.process_time() - t) / count * 1e6
    out["aio_names_s"] = count / wall
    print(json.dumps(out))


# --- the run (inside the sandbox) --------------------------------------------------------------


def run(pure: Path, compiled: Path, count: int, rounds: int) -> None:
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    import bench_bulk

    for name, text in ETC.items():
        Path("/etc", name).write_text(text)
    per_process = WARMUP + 3 * count
    total = 2 * rounds * per_process
    workdir = Path(tempfile.mkdtemp(prefix="netdb-bench-compiled-"))
    procs = bench_bulk.start_knot(workdir, total)
    trees = {"pure": pure, "compiled": compiled}
    got: dict[str, list[dict[str, float]]] = {t: [] for t in trees}
    try:
        first = 0
        for r in range(rounds):
            order = list(trees) if r % 2 == 0 else list(reversed(trees))
            line = []
            for tree in order:
                env = dict(os.environ, PYTHONPATH=str(trees[tree]))
                done = subprocess.run(
                    [sys.executable, __file__, "--peer", str(first), str(count)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                first += per_process
                row = json.loads(done.stdout.strip().splitlines()[-1])
                expected = ".py" if tree == "pure" else ".so"
                if row["tree"] != expected:
                    sys.exit(f"{tree}: imported netdb.express{row['tree']}, not {expected}")
                got[tree].append(row)
                line.append(
                    f"{tree}: blocking {row['blocking']:.1f} (glibc {row['glibc']:.1f}), "
                    f"aio {row['aio']:.1f} us, {row['aio_names_s']:.0f} names/s"
                )
            print(f"round {r + 1}: " + "; ".join(line), flush=True)
    finally:
        for proc in procs:
            proc.terminate()
    med = {
        tree: {k: statistics.median(row[k] for row in rows) for k in rows[0] if k != "tree"}
        for tree, rows in got.items()
    }
    print(f"\nmedians of {rounds} rounds, {count} names per measurement")
    print(f"{'':10} {'blocking us':>12} {'glibc us':>9} {'aio us':>8} {'aio names/s':>12}")
    for tree, m in med.items():
        print(
            f"{tree:10} {m['blocking']:12.1f} {m['glibc']:9.1f} {m['aio']:8.1f} "
            f"{m['aio_names_s']:12.0f}"
        )
    p, c = med["pure"], med["compiled"]
    print(
        f"compiled / pure: blocking CPU {c['blocking'] / p['blocking']:.2f}x, "
        f"asyncio CPU {c['aio'] / p['aio']:.2f}x, asyncio names/s "
        f"{c['aio_names_s'] / p['aio_names_s']:.2f}x"
    )
    glibc = statistics.median([p["glibc"], c["glibc"]])
    print(
        f"netdb / glibc blocking CPU (floor 1.0x): pure {p['blocking'] / glibc:.2f}x, "
        f"compiled {c['blocking'] / glibc:.2f}x"
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--peer":
        peer(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=3000, help="names per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compiled", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not _sandbox.inside():
        try:
            import mypyc  # noqa: F401
        except ImportError:
            sys.exit("needs mypy (mypyc): python3 -m pip install '.[test]'")
        compiled = build(Path(tempfile.mkdtemp(prefix="netdb-mypyc-")))
        pure = export(Path(tempfile.mkdtemp(prefix="netdb-pure-")))
        sys.argv += ["--compiled", str(compiled), "--pure", str(pure)]
        _sandbox.enter(__file__)
    run(args.pure, args.compiled, args.names, args.rounds)


if __name__ == "__main__":
    main()
