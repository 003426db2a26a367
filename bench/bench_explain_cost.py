"""What the explain hooks cost plain lookups: this tree against one without them, in one run.

Run: ``python3 bench/bench_explain_cost.py [--base REV] [--rounds 5] [--names 3000]``
(re-executes itself under ``unshare --net --mount --uts``: Knot serves a generated zone on
127.0.0.1 inside the private namespace, /etc holds tests/fixtures/sandbox/basic's hosts, services
and protocols with Debian's ``hosts: files myhostname dns`` and ``nameserver 127.0.0.1``; no
packet leaves the machine).

``REV`` (default ``a513b75``, the last commit before the explain hooks) is unpacked with ``git
archive``; the two trees take turns (base, this tree, base, ...), each round in a fresh process
importing only its own ``src``, and each asking names no earlier round asked.  What is timed is
what users run, with the defaults: the module's functions (default ``Resolver``: cache and memo
on) and ``netdb.aio``:

* per call (best of 5, as bench_calls.py): numeric, hosts-file, services lookups, and a DNS
  name already answered (memo hit);
* uncached DNS ``getaddrinfo(name, 80, type=SOCK_STREAM)``, blocking: CPU us per lookup over
  distinct names;
* ``netdb.aio.getaddrinfo`` likewise, 1,000 concurrent: names/s and CPU us per lookup.

Prints the medians of each tree and the ratio this tree / base: the hooks cost nothing when the
ratios sit within the run-to-run spread (printed beside them: base's own max/min over rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import _sandbox  # bench/_sandbox.py (the script's own folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "sandbox" / "basic"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

CHILD = r"""
import asyncio, contextlib, json, socket, sys, time, timeit
sys.path.insert(0, SRC)
import netdb, netdb.aio

def per_call(fn, args):
    def call():
        with contextlib.suppress(OSError):
            fn(*args)
    call()
    timer = timeit.Timer(call)
    n, _ = timer.autorange()
    return min(timer.repeat(5, max(1, n))) / max(1, n) * 1e6

out = {}
for label, func, args in CASES:
    out[label] = per_call(getattr(netdb, func), args)
names = [f"h{i}.bench.test" for i in range(FIRST, FIRST + 2 * N)]
netdb.getaddrinfo(names[0], 80, type=socket.SOCK_STREAM)
out["memo hit (DNS name)"] = per_call(
    netdb.getaddrinfo, (names[0], 80, 0, socket.SOCK_STREAM)
)
t = time.process_time()
for n in names[1:N]:
    netdb.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
out["uncached DNS getaddrinfo, CPU us"] = (time.process_time() - t) / (N - 1) * 1e6

async def main(chunk):
    todo = iter(chunk)
    async def worker():
        for n in todo:
            await netdb.aio.getaddrinfo(n, 80, type=socket.SOCK_STREAM)
    await asyncio.gather(*(worker() for _ in range(1000)))

t, w = time.process_time(), time.perf_counter()
asyncio.run(main(names[N:]))
wall, cpu = time.perf_counter() - w, time.process_time() - t
out["netdb.aio names/s"] = N / wall
out["netdb.aio CPU us"] = cpu / N * 1e6
print(json.dumps(out))
"""

CASES = [
    ("numeric getaddrinfo", "getaddrinfo", ("192.0.2.1", 80)),
    ("hosts getaddrinfo (v4+v6, sorted)", "getaddrinfo", ("web.example.test", 80)),
    ("hosts getaddrinfo (not found)", "getaddrinfo", ("nosuch.example.test", 80)),
    ("hosts gethostbyname", "gethostbyname", ("web.example.test",)),
    ("hosts gethostbyaddr", "gethostbyaddr", ("192.0.2.10",)),
    ("getservbyname", "getservbyname", ("http", "tcp")),
]


def unpack(rev: str) -> Path:
    """``rev``'s ``src`` in a temporary directory."""
    data = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    root = Path(tempfile.mkdtemp(prefix="netdb-base-"))
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(root, filter="data")
    return root / "src"


def measure(src: Path, first: int, n: int) -> dict[str, float]:
    code = f"SRC = {str(src)!r}\nCASES = {CASES!r}\nFIRST = {first}\nN = {n}\n" + CHILD
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="a513b75")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--names", type=int, default=3000)
    args = parser.parse_args()
    if not _sandbox.inside():
        _sandbox.enter(__file__, FIXTURE)
    Path("/etc/nsswitch.conf").write_text("hosts: files myhostname dns\n")
    Path("/etc/resolv.conf").write_text("nameserver 127.0.0.1\n")
    import bench_bulk

    trees = {"base": unpack(args.base), "this tree": REPO / "src"}
    workdir = Path(tempfile.mkdtemp(prefix="netdb-bench-"))
    per_round = 2 * args.names
    procs = bench_bulk.start_knot(workdir, per_round * 2 * args.rounds + 1)
    try:
        runs: dict[str, list[dict[str, float]]] = {t: [] for t in trees}
        first = 0
        for _ in range(args.rounds):
            for label, src in trees.items():
                runs[label].append(measure(src, first, args.names))
                first += per_round
    finally:
        for p in procs:
            p.terminate()
    print(
        f"base {args.base} against this tree; {args.rounds} rounds taking turns;"
        f" {args.names} distinct names per uncached figure; medians"
    )
    print(f"{'figure':40s} {'base':>10s} {'this tree':>10s} {'ratio':>7s} {'base spread':>12s}")
    for key in runs["base"][0]:
        base = [r[key] for r in runs["base"]]
        ours = [r[key] for r in runs["this tree"]]
        b, o = statistics.median(base), statistics.median(ours)
        spread = max(base) / min(base)
        print(f"{key:40s} {b:10.2f} {o:10.2f} {o / b:7.3f} {spread:12.3f}")


if __name__ == "__main__":
    main()
