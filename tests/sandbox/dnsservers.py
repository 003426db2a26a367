"""Real DNS servers for the sandbox: Knot (authoritative) and Unbound (recursive), on loopback.

Only ever started inside a private network namespace (the sandbox worker, or a benchmark under
``unshare --net``): they listen on 127.0.0.0/8 and ::1 and nothing else exists to talk to.  Unbound
never reaches the real root servers: its root hints name Knot, which serves a root zone of its
own (``tests/fixtures/zones/root.zone``) delegating ``test.`` and the reverse trees to itself.

* ``knot``: Knot serves every fixture zone on 127.0.0.1:53 and [::1]:53.
* ``unbound``: Knot serves them on 127.0.0.2:53; Unbound on 127.0.0.1:53 and [::1]:53 resolves
  through it, as a machine's local recursive resolver would (it chases CNAMEs across zones).

Both run in the foreground as children of the caller and die with it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"
KNOTD = "/usr/sbin/knotd"
UNBOUND = "/usr/sbin/unbound"

# (zone name, file in ZONES)
FIXTURE_ZONES: tuple[tuple[str, str], ...] = (
    (".", "root.zone"),
    ("test.", "test.zone"),
    ("example.test.", "example.test.zone"),
    ("sub.example.test.", "sub.example.test.zone"),
    ("other.test.", "other.test.zone"),
    ("install.test.", "install.test.zone"),
    ("2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.zone"),
    ("100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.zone"),
    ("0/25.100.51.198.in-addr.arpa.", "0-25.100.51.198.in-addr.arpa.zone"),
    ("8.b.d.0.1.0.0.2.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.zone"),
    ("idn.test.", "idn.test.zone"),
    ("113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.zone"),
    ("1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.zone"),
    ("8.e.f.ip6.arpa.", "8.e.f.ip6.arpa.zone"),
)


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def available() -> str | None:
    """Why the servers cannot run here, or None."""
    for path in (KNOTD, UNBOUND):
        if not os.path.exists(path):
            return f"{path} is missing (apt-get install knot unbound)"
    return None


def _probe(host: str, port: int = 53) -> bool:
    """Whether a server answers a SOA query for the root over UDP."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    query = struct.pack("!HHHHHH", 0x5A5A, 0x0100, 1, 0, 0, 0) + b"\x00" + struct.pack("!HH", 6, 1)
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(query, (host, port))
            data = s.recv(4096)
        except OSError:
            return False
    return data[:2] == b"\x5a\x5a"


def wait_ready(hosts: Sequence[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(hosts)
    while pending:
        if _probe(pending[0]):
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise RuntimeError(f"DNS server on {pending[0]} did not start")
        time.sleep(0.05)


def write_knot(
    workdir: Path,
    listen: Sequence[str],
    *,
    knot_address: str,
    zones: Sequence[tuple[str, Path]] | None = None,
) -> Path:
    """Knot's configuration and zone files under ``workdir``; returns the config path."""
    zdir = workdir / "zones"
    zdir.mkdir(parents=True, exist_ok=True)
    (workdir / "run").mkdir(exist_ok=True)
    (workdir / "db").mkdir(exist_ok=True)
    entries = []
    for name, src in zones if zones is not None else [(n, ZONES / f) for n, f in FIXTURE_ZONES]:
        text = Path(src).read_text().replace("@KNOT@", knot_address)
        dest = zdir / (Path(src).name)
        dest.write_text(text)
        entries.append(f'  - domain: "{name}"\n    file: "{dest}"\n')
    conf = (
        "server:\n"
        + "".join(f'    listen: "{addr}@53"\n' for addr in listen)
        + f'    rundir: "{workdir / "run"}"\n'
        + "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
        + f'database:\n    storage: "{workdir / "db"}"\n'
        + "log:\n  - target: stderr\n    any: error\n"
        + "template:\n  - id: default\n    semantic-checks: off\n    zonefile-sync: -1\n"
        + "    journal-content: none\n"
        + "zone:\n"
        + "".join(entries)
    )
    path = workdir / "knot.conf"
    path.write_text(conf)
    return path


def write_unbound(workdir: Path, listen: Sequence[str], knot_address: str) -> Path:
    hints = workdir / "root.hints"
    hints.write_text(f".  3600000 NS ns.root.\nns.root. 3600000 A {knot_address}\n")
    nodefault = [
        "test.",
        "2.0.192.in-addr.arpa.",
        "100.51.198.in-addr.arpa.",
        "113.0.203.in-addr.arpa.",
        "8.b.d.0.1.0.0.2.ip6.arpa.",
        "8.e.f.ip6.arpa.",
        "10.in-addr.arpa.",
        "127.in-addr.arpa.",
    ]
    conf = (
        "server:\n"
        + "".join(f"    interface: {addr}\n" for addr in listen)
        + "    port: 53\n"
        + '    username: ""\n    chroot: ""\n'
        + f'    directory: "{workdir}"\n    pidfile: "{workdir / "unbound.pid"}"\n'
        + '    use-syslog: no\n    verbosity: 0\n    logfile: ""\n'
        + "    num-threads: 1\n"
        + f'    root-hints: "{hints}"\n'
        + "    do-not-query-localhost: no\n"
        + '    module-config: "iterator"\n'
        + "    rrset-roundrobin: no\n"
        + "    qname-minimisation: no\n"
        + "    minimal-responses: yes\n"
        + "    unblock-lan-zones: yes\n    insecure-lan-zones: yes\n"
        + "    access-control: 127.0.0.0/8 allow\n    access-control: ::1/128 allow\n"
        + "    do-ip6: yes\n    prefer-ip6: no\n"
        + "    harden-referral-path: no\n    harden-glue: no\n"
        + "".join(f'    local-zone: "{z}" nodefault\n' for z in nodefault)
        + "remote-control:\n    control-enable: no\n"
    )
    path = workdir / "unbound.conf"
    path.write_text(conf)
    return path


def start(kind: str, workdir: Path) -> list[subprocess.Popen[bytes]]:
    """Start the servers of a scenario (``knot`` or ``unbound``); returns the processes."""
    procs: list[subprocess.Popen[bytes]] = []
    if kind == "knot":
        conf = write_knot(workdir, ["127.0.0.1", "::1"], knot_address="127.0.0.1")
        procs.append(_spawn([KNOTD, "-c", str(conf)]))
        wait_ready(["127.0.0.1", "::1"])
    elif kind == "unbound":
        conf = write_knot(workdir / "knot", ["127.0.0.2"], knot_address="127.0.0.2")
        procs.append(_spawn([KNOTD, "-c", str(conf)]))
        wait_ready(["127.0.0.2"])
        uconf = write_unbound(workdir, ["127.0.0.1", "::1"], "127.0.0.2")
        procs.append(_spawn([UNBOUND, "-d", "-c", str(uconf)]))
        wait_ready(["127.0.0.1", "::1"])
    else:
        raise ValueError(f"unknown DNS scenario {kind!r}")
    return procs


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )


def stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
