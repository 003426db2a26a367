"""Sandbox worker: runs inside ``unshare --net --mount --uts`` (see harness.py).

It replaces ``/etc`` with a tmpfs holding exactly the scenario's files, brings up the network
profile
(loopback only, or a veth pair with documentation-range addresses and default routes), sets the host
name, then answers requests on stdin, one JSON object per line:

``{"op": "compare", "func": NAME, "call": REPR}`` runs ``socket.NAME(*args, **kwargs)`` (the oracle,
glibc underneath) and ``netdb.NAME(...)`` with the same arguments, where ``REPR`` is Python source
for
``(args, kwargs)`` (harness.to_source); the reply holds both outcomes as text: the ``repr`` of the
result, or the
exception's class and args.  ``REPR`` may use the probe classes below (``Index``, ``StrSub``,
...); ``NAME`` may be ``Resolver.F``: netdb's default resolver's method ``F``, against
``socket.F``.  ``{"op": "write", "path": P, "text": T}`` rewrites a file under /etc;
``{"op": "reset"}`` drops netdb's file caches (and its DNS cache) so the next call re-reads;
``{"op": "fault", "rules": [...]}`` sets the fault proxy's rules (``faultproxy.py``) and resets
netdb, ``{"op": "fault_log"}`` returns (and clears) what the proxy saw;
``{"op": "run", "argv": [...]}`` runs a command in the sandbox (``getent``, the ``netdb`` CLI) and
returns its exit code, stdout and stderr.

This file never runs outside a private namespace: it refuses to start when its mount, network or
UTS namespace is the one of the process that started it.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
import time
import types
from collections.abc import Callable
from typing import Any

NETWORK_PROFILES: dict[str, list[list[str]]] = {
    "loopback": [["ip", "link", "set", "lo", "up"]],
    # Both veth ends stay in this namespace: the addresses make RFC 6724 rules beyond rule 1 and
    # AI_ADDRCONFIG observable, and no packet can leave.
    "veth": [
        ["ip", "link", "set", "lo", "up"],
        ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
        ["ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"],
        ["ip", "link", "set", "v0", "up"],
        ["ip", "link", "set", "v1", "up"],
        ["ip", "route", "add", "default", "via", "192.0.2.2"],
        ["ip", "-6", "route", "add", "default", "via", "2001:db8::2"],
    ],
    "veth4": [
        ["ip", "link", "set", "lo", "up"],
        ["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
        ["ip", "link", "set", "v0", "up"],
        ["ip", "link", "set", "v1", "up"],
        ["ip", "route", "add", "default", "via", "192.0.2.2"],
    ],
}


def _check_private(parent: dict[str, str]) -> None:
    """Refuse to touch /etc or the network unless unshare really gave us new namespaces."""
    for kind in ("mnt", "net", "uts"):
        if os.readlink(f"/proc/self/ns/{kind}") == parent.get(kind):
            sys.exit(f"sandbox worker: refusing to run in the parent's {kind} namespace")


_SERVERS: list[Any] = []
_PROXY: list[Any] = []


def _start_dns(kind: str) -> None:
    """Knot (and Unbound) on loopback, plus the fault proxy on 127.0.0.3 (dnsservers.py)."""
    import tempfile
    from pathlib import Path

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dnsservers
    import faultproxy

    workdir = Path(tempfile.mkdtemp(prefix="netdb-dns-"))
    # Every 127/8 address is already local on lo: no address is added (that would change what
    # AI_ADDRCONFIG and the source-address rules see).
    _SERVERS.extend(dnsservers.start(kind, workdir))
    _PROXY.append(faultproxy.FaultProxy())


def _setup(spec: dict[str, Any]) -> None:
    files: dict[str, str] = spec["files"]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "netdb-etc", "/etc"], check=True)
    for name, text in files.items():
        path = os.path.join("/etc", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="latin-1", newline="") as f:
            f.write(text)
    for cmd in NETWORK_PROFILES[spec.get("network", "loopback")]:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    # Link-local addresses start tentative (duplicate address detection) and change the kernel's
    # source choices when DAD ends: wait for that, so glibc and netdb see one stable network.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["ip", "-6", "addr", "show", "tentative"], capture_output=True, text=True, check=False
        ).stdout
        if not out.strip():
            break
        time.sleep(0.05)
    socket.sethostname(spec.get("hostname", "sandbox"))
    if spec.get("dns"):
        _start_dns(spec["dns"])
    for key, value in spec.get("env", {}).items():
        os.environ[key] = value


def _outcome(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    try:
        return "ok " + repr(fn(*args, **kwargs))
    except Exception as exc:  # the outcome *is* the exception: class and args
        return f"raise {type(exc).__module__}.{type(exc).__qualname__} {exc.args!r}"


def _libc_getprotobynumber() -> Callable[[int], tuple[str, list[str], int]]:
    """The oracle for getprotobynumber, which socket lacks: glibc's own function via ctypes."""

    class ProtoEnt(ctypes.Structure):
        _fields_ = [
            ("p_name", ctypes.c_char_p),
            ("p_aliases", ctypes.POINTER(ctypes.c_char_p)),
            ("p_proto", ctypes.c_int),
        ]

    libc = ctypes.CDLL(None)
    libc.getprotobynumber.restype = ctypes.POINTER(ProtoEnt)
    libc.getprotobynumber.argtypes = [ctypes.c_int]

    def getprotobynumber(number: int) -> tuple[str, list[str], int]:
        # The argument is a C int, converted as CPython's "i" format converts it.
        if not isinstance(number, int):
            raise TypeError(f"'{type(number).__name__}' object cannot be interpreted as an integer")
        if number > 2**31 - 1:
            raise OverflowError("signed integer is greater than maximum")
        if number < -(2**31):
            raise OverflowError("signed integer is less than minimum")
        p = libc.getprotobynumber(number)
        if not p:
            raise OSError("protocol not found")
        ent = p.contents
        aliases = []
        i = 0
        while ent.p_aliases[i]:
            aliases.append(ent.p_aliases[i].decode())
            i += 1
        return (ent.p_name.decode(), aliases, ent.p_proto)

    return getprotobynumber


def _glibc_h_errno() -> int:
    location = ctypes.CDLL(None).__h_errno_location
    location.restype = ctypes.POINTER(ctypes.c_int)
    value: int = location().contents.value
    return value


class Index:
    """An object that is an integer only through ``__index__`` (argument-handling probes)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __index__(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Index({self.value!r})"


class StrOnly:
    """An object with ``__str__`` and nothing else text-like."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"StrOnly({self.value!r})"


class StrSub(str):
    """A ``str`` subclass with nothing overridden."""


class StrEvil(str):
    """A ``str`` subclass whose Python-level methods lie (C code reads the characters)."""

    def encode(self, *args: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        return b"evil.invalid"

    def strip(self, *args: Any) -> str:  # type: ignore[override]
        return "evil.invalid"

    def isascii(self) -> bool:
        return False

    def __str__(self) -> str:
        return "evil.invalid"


class IntSub(int):
    """An ``int`` subclass whose ``__index__``/``__int__`` disagree with its value."""

    def __index__(self) -> int:
        return 7

    def __int__(self) -> int:
        return 7


class BytesSub(bytes):
    """A ``bytes`` subclass."""


class TupleSub(tuple):  # type: ignore[type-arg]
    """A ``tuple`` subclass."""


_CTORS: dict[str, Any] = {
    "bytearray": bytearray,
    "memoryview": memoryview,
    # For probes of argument conversion (tests/test_differential_args.py).
    "Index": Index,
    "StrOnly": StrOnly,
    "StrSub": StrSub,
    "StrEvil": StrEvil,
    "IntSub": IntSub,
    "BytesSub": BytesSub,
    "TupleSub": TupleSub,
}
_INSTALLED = (
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostbyaddr",
    "getfqdn",
)


class _Installed:
    """netdb's functions as a program under ``netdb.install()`` calls them: through ``socket``
    for the functions install() replaces, netdb's own for the rest."""

    def __init__(self, netdb: Any) -> None:
        self._netdb = netdb

    def __getattr__(self, name: str) -> Any:
        if name in _INSTALLED:
            return getattr(socket, name)
        return getattr(self._netdb, name)


class _Explained:
    """netdb's functions with the explainable ones called through ``netdb.explain``."""

    def __init__(self, netdb: Any) -> None:
        self._netdb = netdb

    def __getattr__(self, name: str) -> Any:
        func = getattr(self._netdb, name)
        if name not in self._netdb._explain.FUNCTIONS:
            return func

        def explained(*args: Any, **kwargs: Any) -> Any:
            return self._netdb.explain(func, *args, **kwargs).outcome()

        return explained


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    _check_private(spec["parent_ns"])
    _setup(spec)
    sys.path.insert(0, spec["src"])
    import netdb

    oracles: dict[str, Callable[..., Any]] = {"getprotobynumber": _libc_getprotobynumber()}
    # NETDB_TEST_INSTALLED=1: the suite under netdb.install(). glibc's functions are kept as the
    # oracle before socket's are replaced, and netdb is reached through the socket module, as a
    # program under install() reaches it.
    ours: Any = netdb
    if os.environ.get("NETDB_TEST_EXPLAIN") == "1":
        # The suite through netdb.explain: every lookup it can explain is explained, and the
        # explanation's outcome() is what is compared with glibc's.
        ours = _Explained(netdb)
    if os.environ.get("NETDB_TEST_INSTALLED") == "1":
        for name in _INSTALLED:
            oracles.setdefault(name, getattr(socket, name))
        # socket.getfqdn is Python code that calls gethostbyaddr through socket's globals, which
        # install() replaces: the oracle is a copy of it that sees glibc's functions.
        fqdn = socket.getfqdn
        oracles["getfqdn"] = types.FunctionType(
            fqdn.__code__, {**vars(socket), **oracles}, fqdn.__name__, fqdn.__defaults__
        )
        netdb.install()
        ours = _Installed(netdb)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "compare":
            # The call is test-authored source text (see harness.to_source), never outside input.
            args, kwargs = eval(req["call"], {"__builtins__": {}}, _CTORS)
            func = req["func"]
            if func == "h_errno":
                # glibc's thread-local h_errno, and the value netdb keeps for it.
                reply = {
                    "glibc": "ok " + repr(_glibc_h_errno()),
                    "netdb": "ok " + repr(netdb._default_resolver().h_errno),
                }
            else:
                target = ours
                if func.startswith("Resolver."):
                    # A method of netdb's default Resolver, against socket's function.
                    func = func[len("Resolver.") :]
                    target = netdb._default_resolver()
                oracle = oracles.get(func) or getattr(socket, func)
                reply = {
                    "glibc": _outcome(oracle, args, kwargs),
                    "netdb": _outcome(getattr(target, func), args, kwargs),
                }
        elif op == "explain":
            # glibc's outcome, then the same call explained (netdb.explain): its outcome, its
            # steps (JSON form) and its rendering without times.
            args, kwargs = eval(req["call"], {"__builtins__": {}}, _CTORS)
            func = req["func"]
            glibc = _outcome(getattr(socket, func), args, kwargs)
            exp = netdb.explain(getattr(netdb, func), *args, **kwargs)
            reply = {
                "glibc": glibc,
                "netdb": _outcome(exp.outcome, (), {}),
                "steps": exp.to_json()["steps"],
                "text": netdb._explain.render(exp, times=False),
            }
        elif op == "write":
            with open(os.path.join("/etc", req["path"]), "w", encoding="latin-1") as f:
                f.write(req["text"])
            reply = {"ok": True}
        elif op == "run":
            env = dict(os.environ, PYTHONPATH=spec["src"])
            proc = subprocess.run(req["argv"], capture_output=True, text=True, env=env, check=False)
            reply = {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
        elif op == "reset":
            netdb._reset_default_resolver()
            reply = {"ok": True}
        elif op == "fault":
            _PROXY[0].set_rules(req["rules"])
            netdb._reset_default_resolver()
            reply = {"ok": True}
        elif op == "inspect":
            # Test-authored expression over netdb's state (debugging aid; never outside input).
            reply = {"value": repr(eval(req["expr"], {"netdb": netdb}))}
        elif op == "fault_log":
            reply = {"log": _PROXY[0].take_log()}
        else:
            reply = {"error": f"unknown op {op!r}"}
        print(json.dumps(reply), flush=True)
    for proxy in _PROXY:
        proxy.close()
    if _SERVERS:
        import dnsservers

        dnsservers.stop(_SERVERS)


if __name__ == "__main__":
    main()
