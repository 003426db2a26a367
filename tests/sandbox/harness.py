"""Start sandbox workers and compare netdb with glibc inside them.

A :class:`Scenario` names the complete contents of ``/etc`` that glibc and netdb both read (files
not
listed do not exist), the network profile and the host name.  :class:`Sandbox` starts
``worker.py`` under ``unshare --net --mount --uts`` with that scenario and sends it calls; each call
runs ``socket.F`` and ``netdb.F`` with the same arguments in the same process and returns both whole
outcomes.  Nothing here touches the host's ``/etc`` or its network.

A scenario may also have DNS servers started inside the namespace (``dns="knot"`` or
``"unbound"``, see ``dnsservers.py``), with a fault-injecting proxy on 127.0.0.3
(``faultproxy.py``).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
FIXTURES = REPO / "tests" / "fixtures" / "sandbox"
WORKER = Path(__file__).with_name("worker.py")

# Cases compared per function in this test session (printed by conftest's terminal summary).
COUNTS: collections.Counter[str] = collections.Counter()


@dataclass(frozen=True)
class Scenario:
    """Everything glibc and netdb read: /etc contents, network profile, host name, environment."""

    name: str
    files: dict[str, str] = field(default_factory=dict, hash=False)
    network: str = "loopback"
    hostname: str = "sandbox"
    env: dict[str, str] = field(default_factory=dict, hash=False)
    # DNS servers started inside (dnsservers.py): None, "knot" or "unbound".
    dns: str | None = None

    @classmethod
    def from_dir(cls, name: str, **kw: Any) -> Scenario:
        """Read ``tests/fixtures/sandbox/<name>/`` (every file in it becomes /etc/<file>)."""
        root = FIXTURES / name
        files = {
            str(p.relative_to(root)): p.read_bytes().decode("latin-1")
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }
        return cls(name=name, files=files, **kw)

    def with_files(self, name: str, **changes: str | None) -> Scenario:
        """A copy with some files replaced (``None`` removes one); ``a_conf=`` means ``a.conf``."""
        files = dict(self.files)
        for key, text in changes.items():
            path = key.replace("__", "/").replace("_conf", ".conf")
            if text is None:
                files.pop(path, None)
            else:
                files[path] = text
        return Scenario(name, files, self.network, self.hostname, dict(self.env), self.dns)


@cache
def unavailable_reason() -> str | None:
    """Why the sandbox cannot run here, or None when it can."""
    if sys.platform != "linux":
        return "the sandbox needs Linux namespaces"
    for tool in ("unshare", "mount", "ip"):
        if shutil.which(tool) is None:
            return f"the sandbox needs `{tool}` (util-linux / iproute2)"
    probe = subprocess.run(
        ["unshare", "--net", "--mount", "--uts", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"cannot create namespaces (unshare: {probe.stderr.strip()})"
    return None


def to_source(value: Any) -> str:
    """Python source that rebuilds ``value`` in the worker (enums become their int values)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, (str, bytes, float)):
        return repr(value)
    if isinstance(value, bytearray):
        return f"bytearray({bytes(value)!r})"
    if isinstance(value, memoryview):
        return f"memoryview({bytes(value)!r})"
    if isinstance(value, tuple):
        return "(" + "".join(to_source(v) + ", " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(to_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{to_source(k)}: {to_source(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot send {value!r} to the sandbox")


class SandboxError(RuntimeError):
    pass


class Sandbox:
    """One worker process in its own namespaces, serving one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.proc = subprocess.Popen(
            ["unshare", "--net", "--mount", "--uts", "--fork", sys.executable, "-I", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        spec = {
            "files": scenario.files,
            "network": scenario.network,
            "hostname": scenario.hostname,
            "env": scenario.env,
            "dns": scenario.dns,
            "src": str(SRC),
            "parent_ns": {k: os.readlink(f"/proc/self/ns/{k}") for k in ("mnt", "net", "uts")},
        }
        self._send(spec)
        if not self._recv().get("ready"):
            raise SandboxError("worker did not start")

    def _send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def _recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise SandboxError(f"sandbox worker died: {err[-3000:]}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def outcomes(self, func: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        """(glibc outcome, netdb outcome) of ``func(*args, **kwargs)``."""
        self._send({"op": "compare", "func": func, "call": to_source((args, kwargs))})
        reply = self._recv()
        COUNTS[func] += 1
        return reply["glibc"], reply["netdb"]

    def check(self, func: str, *args: Any, **kwargs: Any) -> str:
        """Assert netdb's outcome equals glibc's; return it."""
        glibc, ours = self.outcomes(func, *args, **kwargs)
        call = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        assert ours == glibc, (
            f"[{self.scenario.name}] {func}({call})\n  glibc: {glibc}\n  netdb: {ours}"
        )
        return glibc

    def explain(self, func: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``socket.func(...)``'s outcome (``glibc``) and ``netdb.explain``'s of the same call:
        ``netdb`` (its outcome()), ``steps`` (the JSON form) and ``text`` (without times)."""
        self._send({"op": "explain", "func": func, "call": to_source((args, kwargs))})
        reply = self._recv()
        COUNTS["explain " + func] += 1
        return reply

    def write(self, path: str, text: str) -> None:
        self._send({"op": "write", "path": path, "text": text})
        self._recv()

    def run(self, *argv: str) -> tuple[int, str, str]:
        """Run a command inside the sandbox: (exit code, stdout, stderr)."""
        self._send({"op": "run", "argv": list(argv)})
        reply = self._recv()
        return reply["rc"], reply["stdout"], reply["stderr"]

    def fault(self, rules: list[dict[str, Any]]) -> None:
        """Set the fault proxy's rules (``[]``: pass everything); netdb forgets its caches."""
        self._send({"op": "fault", "rules": rules})
        self._recv()

    def fault_log(self) -> list[dict[str, Any]]:
        """What the fault proxy saw since the last call (or rule change)."""
        self._send({"op": "fault_log"})
        log: list[dict[str, Any]] = self._recv()["log"]
        return log

    def inspect(self, expr: str) -> str:
        """The repr of ``expr`` evaluated in the worker with ``netdb`` in scope (debugging)."""
        self._send({"op": "inspect", "expr": expr})
        value: str = self._recv()["value"]
        return value

    def reset(self) -> None:
        self._send({"op": "reset"})
        self._recv()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
