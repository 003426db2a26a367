"""``netdb explain``: the trace of ``netdb.explain``, then what ``netdb addrinfo`` prints.

Every lookup here is files-only: a fixture directory written into a tmp dir and passed with
``--etc``, whose nsswitch.conf (``hosts: files [NOTFOUND=return] dns``) never lets a lookup reach
the ``dns`` source, so nothing goes on the network.  The command runs in-process through
``main([...])`` and, for a few cases, as a subprocess (``python -m netdb.cli``).

Checked against the commands ``explain`` follows: the exit status and stderr of ``netdb
addrinfo HOST PORT ...`` (``--addr``: ``netdb hosts ADDRESS``), the text after the trace's blank
line equal to their stdout byte for byte, and ``--json``'s ``result``/``error`` equal to
``netdb addrinfo --json``'s.

Golden files: ``tests/golden/explain/NAME.txt`` hold the ``--no-times`` text of the cases in
``GOLDEN``, with the tmp dir's path replaced by ``ETC`` (it appears in the file and hosts-line
steps).  After a deliberate change of the rendering, regenerate them with::

    NETDB_REGEN_GOLDEN=1 ./run-tests -p no:cacheprovider tests/test_cli_explain.py

and review the diff (``git diff tests/golden``) before committing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netdb import trace
from netdb.cli import main
from tests.sandbox.harness import SRC

GOLDEN = Path(__file__).resolve().parent / "golden" / "explain"
REGEN = os.environ.get("NETDB_REGEN_GOLDEN") == "1"

HOSTS = (
    "# fixture of tests/test_cli_explain.py\n"
    "127.0.0.1\tlocalhost\n"
    "192.0.2.10\tweb.example.test web\n"
    "2001:db8::10\tweb6.example.test web6\n"
)
FILES = {
    "hosts": HOSTS,
    "nsswitch.conf": "hosts: files [NOTFOUND=return] dns\n",
    # Never reached ([NOTFOUND=return] above); loopback only, should it ever be.
    "resolv.conf": "nameserver 127.0.0.1\nsearch example.test\noptions timeout:1 attempts:1\n",
    "services": "http\t\t80/tcp\t\twww\ndomain\t\t53/tcp\ndomain\t\t53/udp\n",
    # protocol 200 has a name only here: addrinfo --json prints it as IPPROTO_MINE
    "protocols": "ip\t0\tIP\ntcp\t6\tTCP\nudp\t17\tUDP\nmine\t200\tMINE\n",
}


@pytest.fixture
def etc(tmp_path: Path) -> str:
    root = tmp_path / "etc"
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    return str(root)


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    rc = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return rc, captured.out, captured.err


def normalised(text: str, etc: str) -> str:
    """``text`` with the fixture directory's path (which varies between runs) as ``ETC``."""
    return text.replace(etc, "ETC")


# --- golden output -------------------------------------------------------------------------

# (golden file name, arguments after `netdb explain`, exit status)
GOLDEN_CASES: list[tuple[str, list[str], int]] = [
    ("hosts_line", ["web", "http"], 0),
    ("notfound_return", ["nosuch", "http"], 2),
    ("numeric_host", ["192.0.2.1", "80", "--type", "stream"], 0),
    ("service_socktypes", ["web", "domain"], 0),
    ("unknown_service", ["web", "nosuchservice"], 2),
    ("addr", ["--addr", "192.0.2.10"], 0),
]


@pytest.mark.parametrize(("name", "args", "status"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_golden(
    capsys: pytest.CaptureFixture[str], etc: str, name: str, args: list[str], status: int
) -> None:
    rc, out, _ = run(capsys, ["--etc", etc, "explain", *args, "--no-times"])
    assert rc == status
    got = normalised(out, etc)
    path = GOLDEN / f"{name}.txt"
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got.encode("utf-8"))
    assert path.exists(), f"{path} missing: run with NETDB_REGEN_GOLDEN=1 to write it"
    assert got.encode("utf-8") == path.read_bytes(), f"{name}: see the module docstring"


def test_golden_is_stable(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    """--no-times prints the same bytes for the same lookup, run after run."""
    argv = ["--etc", etc, "explain", "web", "domain", "--no-times"]
    outs = {run(capsys, argv)[1] for _ in range(3)}
    assert len(outs) == 1


def test_golden_cases_say_why(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    """The golden cases' traces name what decided (kept apart from the golden bytes)."""
    text = {
        n: run(capsys, ["--etc", etc, "explain", *a, "--no-times"])[1] for n, a, _ in GOLDEN_CASES
    }
    assert (
        "hosts-line  " + etc + "/hosts line 3: 192.0.2.10 web.example.test web"
        in text["hosts_line"]
    )
    assert "files [NOTFOUND=return]: notfound -> return" in text["notfound_return"]
    assert "raises gaierror(-2, 'Name or service not known')" in text["notfound_return"]
    assert "is a numeric AF_INET address" in text["numeric_host"]
    assert not any(ln.startswith("source ") for ln in text["numeric_host"].splitlines())
    assert (
        "SOCK_STREAM/IPPROTO_TCP port 53, SOCK_DGRAM/IPPROTO_UDP port 53"
        in text["service_socktypes"]
    )
    assert "raises gaierror(-8, " in text["unknown_service"]
    assert "gethostbyaddr2_r 192.0.2.10" in text["addr"]


# --- the same outcome as addrinfo / hosts --------------------------------------------------

ADDRINFO_CASES: list[list[str]] = [
    ["web", "http"],
    ["web", "80"],
    ["web"],
    ["web", "domain"],
    ["web", "domain", "--type", "dgram"],
    ["web", "http", "--family", "inet6"],
    ["web6", "80", "--family", "inet6"],
    ["web6", "80", "--family", "inet", "--flag", "v4mapped"],
    ["web", "http", "--flag", "canonname", "--proto", "tcp"],
    ["localhost", "0", "--flag", "numericserv"],
    ["nosuch", "http"],
    ["nosuch.example.test"],
    ["web", "nosuchservice"],
    ["web", "http", "--type", "raw"],
    ["192.0.2.1", "80"],
    ["2001:db8::1", "443", "--type", "stream"],
    ["192.0.2.1", "80", "--flag", "numerichost"],
    ["web", "80", "--flag", "numerichost"],
    ["*", "80", "--flag", "passive"],
    ["*", "*"],
    ["", "80"],
    ["web", "80", "--family", "99"],
    ["web", "80", "--type", "99"],
    ["web", "80", "--proto", "200"],
    ["web", "--type", "raw", "--proto", "200"],
    ["web", "80", "--flag", "0x10000"],
    ["bücher", "80"],
    ["a..b", "80"],
    ["192.0.2.1", "80", "--family", str(2**40)],
    ["192.0.2.1", "99999999999"],
]


def _trace_and_rest(out: str) -> tuple[str, str]:
    trace_text, blank, rest = out.partition("\n\n")
    return trace_text, rest if blank else ""


@pytest.mark.parametrize("args", ADDRINFO_CASES, ids=repr)
def test_as_addrinfo(capsys: pytest.CaptureFixture[str], etc: str, args: list[str]) -> None:
    """Exit status and stderr of `netdb addrinfo`; after the trace, its stdout byte for byte."""
    want_rc, want_out, want_err = run(capsys, ["--etc", etc, "addrinfo", *args])
    rc, out, err = run(capsys, ["--etc", etc, "explain", *args])
    assert (rc, err) == (want_rc, want_err.replace("netdb addrinfo", "netdb explain"))
    first = out.splitlines()[0]
    assert first.startswith("explain getaddrinfo(")
    trace_text, rest = _trace_and_rest(out)
    if rc == 0:
        assert rest == want_out
        assert not trace_text.splitlines()[-1].startswith("returns ")
    else:
        assert rest == "" and want_out == ""
        assert trace_text.splitlines()[-1].startswith("raises ")


@pytest.mark.parametrize("args", ADDRINFO_CASES, ids=repr)
def test_json_as_addrinfo(capsys: pytest.CaptureFixture[str], etc: str, args: list[str]) -> None:
    """--json: one document, Explanation.to_json()'s keys; result (or error) as addrinfo's."""
    want_rc, want_out, want_err = run(capsys, ["--etc", etc, "addrinfo", *args, "--json"])
    rc, out, err = run(capsys, ["--etc", etc, "explain", *args, "--json"])
    assert (rc, err) == (want_rc, want_err.replace("netdb addrinfo", "netdb explain"))
    want = json.loads(want_out)
    doc = json.loads(out)
    assert doc["function"] == "getaddrinfo"
    assert doc["arguments"][0] == args[0]
    assert isinstance(doc["seconds"], float) and doc["keywords"] == {}
    _check_steps(doc["steps"])
    if rc == 0:
        assert set(doc) == {"function", "arguments", "keywords", "seconds", "steps", "result"}
        assert doc["result"] == want
    else:
        assert set(doc) == {"function", "arguments", "keywords", "seconds", "steps", "error"}
        assert {"error": doc["error"]} == want


def _check_steps(steps: list[dict[str, Any]]) -> None:
    kinds = {t.kind: t for t in trace.STEP_TYPES}
    assert steps, "no step recorded"
    ats = [s["at"] for s in steps]
    assert ats == sorted(ats)
    for s in steps:
        cls = kinds[s["step"]]
        assert set(s) == {"step", *cls.__dataclass_fields__}, s
        assert isinstance(s["at"], float)


def test_addr(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    """--addr ADDRESS: gethostbyaddr's trace, then `netdb hosts ADDRESS`'s line."""
    want = run(capsys, ["--etc", etc, "hosts", "192.0.2.10"])
    rc, out, err = run(capsys, ["--etc", etc, "explain", "--addr", "192.0.2.10"])
    trace_text, rest = _trace_and_rest(out)
    assert (rc, rest, err) == want == (0, "192.0.2.10      web.example.test web\n", "")
    assert trace_text.startswith("explain gethostbyaddr('192.0.2.10')\n")
    rc, out, err = run(capsys, ["--etc", etc, "explain", "--addr", "2001:db8::10"])
    assert (rc, _trace_and_rest(out)[1], err) == run(
        capsys, ["--etc", etc, "hosts", "2001:db8::10"]
    )


def test_addr_not_found(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    """An address no source knows: as `netdb hosts` (exit 2, nothing on stderr)."""
    want_rc, want_out, want_err = run(capsys, ["--etc", etc, "hosts", "192.0.2.99"])
    assert want_out == ""
    rc, out, err = run(capsys, ["--etc", etc, "explain", "--addr", "192.0.2.99"])
    assert (rc, err) == (want_rc, want_err) == (2, "")
    assert out.splitlines()[-1].startswith("raises herror(")
    assert "\n\n" not in out


def test_addr_json(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    rc, out, _ = run(capsys, ["--etc", etc, "explain", "--addr", "192.0.2.10", "--json"])
    doc = json.loads(out)
    assert rc == 0
    assert doc["function"] == "gethostbyaddr" and doc["arguments"] == ["192.0.2.10"]
    assert doc["result"] == {
        "name": "web.example.test",
        "aliases": ["web"],
        "addresses": ["192.0.2.10"],
    }
    _check_steps(doc["steps"])
    rc, out, _ = run(capsys, ["--etc", etc, "explain", "--addr", "192.0.2.99", "--json"])
    doc = json.loads(out)
    assert rc == 2
    assert doc["error"]["kind"] == "herror" and "result" not in doc


# --- usage errors ----------------------------------------------------------------------------

USAGE: list[tuple[list[str], str]] = [
    ([], "the following arguments are required: HOST (or --addr ADDRESS)"),
    (["h", "1", "2"], "unrecognized arguments: 2"),
    (["h", "--family", "bogus"], "unknown family 'bogus'"),
    (["h", "--type", "bogus"], "unknown socket type 'bogus'"),
    (["h", "--proto", "bogus"], "unknown protocol 'bogus'"),
    (["h", "--flag", "bogus"], "unknown getaddrinfo flag 'bogus'"),
    (["h", "--flag", "namereqd"], "unknown getaddrinfo flag"),
    (["h", "--addr", "192.0.2.1"], "--addr ADDRESS takes no HOST"),
    (["--addr", "192.0.2.1", "--flag", "canonname"], "--addr ADDRESS takes no --flag"),
    (["--addr"], "expected one argument"),
    (["h", "--bogus"], "unrecognized arguments: --bogus"),
    (["192.0.2.1", "--family", str(2**40)], "maximum"),
]


@pytest.mark.parametrize(("args", "message"), USAGE, ids=repr)
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], etc: str, args: list[str], message: str, as_json: bool
) -> None:
    """Exit 64 with the hint naming the command; --json still prints one JSON document."""
    rc, out, err = run(capsys, ["--etc", etc, "explain", *args, *(["--json"] if as_json else [])])
    assert rc == 64
    assert message in err
    assert err.endswith("Try 'netdb explain --help' for more information.\n"), err
    if as_json:
        doc = json.loads(out)
        assert doc["error"]["kind"] == "usage" and message in doc["error"]["message"]


def test_etc_not_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, err = run(capsys, ["explain", "web", "--etc", str(tmp_path / "nope")])
    assert (rc, out) == (64, "")
    assert "--etc" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, ["explain", "--help"])
    assert (rc, err) == (0, "")
    text = " ".join(out.split())
    for needle in ("--no-times", "--addr ADDRESS", "netdb hosts ADDRESS", "netdb addrinfo", "64"):
        assert needle in text
    rc, out, _ = run(capsys, ["--help"])
    assert "explain" in out


def test_times_shown_by_default(capsys: pytest.CaptureFixture[str], etc: str) -> None:
    _, out, _ = run(capsys, ["--etc", etc, "explain", "web", "http"])
    _, plain, _ = run(capsys, ["--etc", etc, "explain", "web", "http", "--no-times"])
    assert " ms  file" in out and " ms  " not in plain
    assert "parsed in" in out and "parsed in" not in plain


# --- what the files hold, shown to a person -------------------------------------------------

# A first name and an alias holding terminal escapes (ESC, BEL) and a bidi override.
HOSTILE = "192.0.2.66\t\x1b]0;title\x07.example.test tricky\x1b[2Jal\u202eias plain\n"
SHOWN = "\\x1b]0;title\\x07.example.test tricky\\x1b[2Jal\\u202eias plain"


@pytest.fixture
def hostile_etc(etc: str) -> str:
    with open(Path(etc) / "hosts", "a", encoding="utf-8") as f:
        f.write(HOSTILE)
    return etc


def _shown(out: str) -> str:
    """The whole text with nothing a terminal would act on (a newline aside)."""
    assert out.replace("\n", "").isprintable(), out
    return out


def test_addr_result_escaped(capsys: pytest.CaptureFixture[str], hostile_etc: str) -> None:
    """--addr: the hosts entry after the trace escapes its names as the trace does, where
    `netdb hosts` prints the file's bytes as getent does."""
    etc = hostile_etc
    rc, out, err = run(capsys, ["--etc", etc, "explain", "--addr", "192.0.2.66", "--no-times"])
    assert (rc, err) == (0, "")
    assert _trace_and_rest(_shown(out))[1] == f"192.0.2.66      {SHOWN}\n"
    rc, raw, _ = run(capsys, ["--etc", etc, "hosts", "192.0.2.66"])
    assert (rc, raw) == (0, f"192.0.2.66      {HOSTILE.split(chr(9))[1]}")


def test_canonical_name_escaped(capsys: pytest.CaptureFixture[str], hostile_etc: str) -> None:
    """A canonical name from the hosts file: escaped in explain's result and in addrinfo's text
    (still byte for byte the same), as it is in --json (a JSON string escape)."""
    etc = hostile_etc
    args = ["plain", "80", "--type", "stream", "--flag", "canonname"]
    rc, want, _ = run(capsys, ["--etc", etc, "addrinfo", *args])
    assert rc == 0
    assert "Canonical name: \\x1b]0;title\\x07.example.test\n" in _shown(want)
    rc, out, _ = run(capsys, ["--etc", etc, "explain", *args, "--no-times"])
    assert rc == 0
    assert _trace_and_rest(_shown(out))[1] == want
    rc, out, _ = run(capsys, ["--etc", etc, "addrinfo", *args, "--json"])
    assert json.loads(out)[0]["canonical_name"] == "\x1b]0;title\x07.example.test"


# --- as a subprocess -------------------------------------------------------------------------


def _subprocess(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "netdb.cli", *args],
        capture_output=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )


@pytest.mark.parametrize(("name", "args", "status"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_subprocess_golden(etc: str, name: str, args: list[str], status: int) -> None:
    """The command as a shell runs it: same bytes as the golden file, same exit status."""
    proc = _subprocess(["explain", *args, "--no-times", "--etc", etc])
    assert proc.returncode == status
    assert b"Traceback" not in proc.stderr
    assert (
        normalised(proc.stdout.decode("utf-8"), etc).encode()
        == (GOLDEN / f"{name}.txt").read_bytes()
    )


def test_subprocess_json_and_errors(etc: str) -> None:
    proc = _subprocess(["--etc", etc, "explain", "nosuch", "http", "--json"])
    assert proc.returncode == 2
    assert proc.stderr == b"netdb: nosuch: Name or service not known\n"
    doc = json.loads(proc.stdout)
    assert doc["error"] == {
        "kind": "gaierror",
        "code": -2,
        "name": "EAI_NONAME",
        "message": "Name or service not known",
    }
    proc = _subprocess(["--etc", etc, "explain", "web", "--flag", "bogus"])
    assert proc.returncode == 64 and proc.stdout == b""
    assert b"Traceback" not in proc.stderr


def test_subprocess_undecodable_host(etc: str) -> None:
    """A HOST whose bytes are not UTF-8: addrinfo's outcome, never a traceback."""
    host = os.fsdecode(b"caf\xe9")
    want = _subprocess(["--etc", etc, "addrinfo", host, "80"])
    got = _subprocess(["--etc", etc, "explain", host, "80"])
    assert got.returncode == want.returncode
    assert got.stderr == want.stderr
    assert b"Traceback" not in got.stderr
