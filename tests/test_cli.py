"""Tests of the ``netdb`` command (src/netdb/cli).

Three tables:

* ``USAGE``: arguments, help and errors, in-process through ``main([...])``: exit status, which
  stream says what, never a traceback;
* ``FORMATS``: output of every command against the fixture files in ``tests/fixtures/cli/etc``
  (``--etc``), expected text written from getent's ``printf`` formats and the fixture lines;
* the differential table: every name, alias, address, port and number of the fixture hosts,
  services and protocols files (plus unknown keys, several keys at once and no key), run through
  the real ``getent`` and through ``netdb`` inside the sandbox namespace, where /etc *is* the
  fixture; exit status and stdout must be equal byte for byte.

Nothing here runs getent or the CLI against the machine's real /etc.
"""

from __future__ import annotations

import errno
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netdb.cli import main
from tests.sandbox.harness import COUNTS, SRC, Sandbox, Scenario

CLI_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cli"
ETC = str(CLI_FIXTURES / "etc")
DRIVER = CLI_FIXTURES / "run_cases.py"


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    rc = main(argv)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


# --- arguments, help, errors ------------------------------------------------------------------

# (argv, exit status, stream that must hold the text, text)
USAGE: list[tuple[list[str], int, str, str]] = [
    ([], 1, "err", "missing command"),
    (["frobnicate"], 1, "err", "unknown command: frobnicate"),
    (["passwd", "root"], 1, "err", "unknown command: passwd"),
    (["--help"], 0, "out", "usage: netdb"),
    (["-h"], 0, "out", "COMMAND"),
    (["--version"], 0, "out", "netdb "),
    (["--frobnicate"], 64, "err", "unrecognized arguments: --frobnicate"),
    (["hosts", "--help"], 0, "out", "usage: netdb hosts"),
    (["ahosts", "--help"], 0, "out", "--no-addrconfig"),
    (["ahostsv4", "--help"], 0, "out", "AF_INET"),
    (["ahostsv6", "--help"], 0, "out", "AI_V4MAPPED"),
    (["services", "--help"], 0, "out", "name/proto"),
    (["protocols", "--help"], 0, "out", "getent protocols"),
    (["addrinfo", "--help"], 0, "out", "--flag FLAG"),
    (["nameinfo", "--help"], 0, "out", "--scope-id N"),
    (["hosts", "--frobnicate", "web"], 64, "err", "unrecognized arguments"),
    (["services", "-1"], 64, "err", "invalid option: -1"),
    (["protocols", "-x"], 64, "err", "unrecognized arguments: -x"),
    (["hosts", "--etc"], 64, "err", "expected one argument"),
    (["hosts", "-s", "nosuch:files", "x"], 1, "err", "unknown database name in -s 'nosuch:files'"),
    (["services", "-s"], 64, "err", "expected one argument"),
    (["addrinfo"], 64, "err", "the following arguments are required: HOST"),
    (["addrinfo", "h", "1", "2"], 64, "err", "unrecognized arguments: 2"),
    (["addrinfo", "h", "--family", "bogus"], 64, "err", "unknown family 'bogus'"),
    (["addrinfo", "h", "--type", "bogus"], 64, "err", "unknown socket type 'bogus'"),
    (["addrinfo", "h", "--proto", "bogus"], 64, "err", "unknown protocol 'bogus'"),
    (["addrinfo", "h", "--flag", "bogus"], 64, "err", "unknown getaddrinfo flag 'bogus'"),
    (["addrinfo", "h", "--flag", "namereqd"], 64, "err", "unknown getaddrinfo flag"),
    (["addrinfo", "192.0.2.1", "--family", str(2**40), "--etc", ETC], 64, "err", "maximum"),
    (["nameinfo"], 64, "err", "the following arguments are required: ADDRESS"),
    (["nameinfo", "192.0.2.1", "http"], 64, "err", "invalid int value: 'http'"),
    (["nameinfo", "192.0.2.1", "--flag", "canonname"], 64, "err", "unknown getnameinfo flag"),
    (["nameinfo", "192.0.2.1", str(2**40), "--etc", ETC], 64, "err", "maximum"),
    (["nameinfo", "::1", "--flowinfo", str(2**20), "--etc", ETC], 64, "err", "flowinfo must be"),
    (["nameinfo", "::1", "--scope-id", "x"], 64, "err", "invalid int value: 'x'"),
]


@pytest.mark.parametrize(("argv", "status", "stream", "text"), USAGE, ids=lambda v: repr(v))
def test_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, stream: str, text: str
) -> None:
    rc, out, err = run(capsys, argv)
    assert rc == status, (out, err)
    assert text in (out if stream == "out" else err), (out, err)
    assert "Traceback" not in out + err
    if status == 0:
        assert err == ""
    else:  # errors and usage go to stderr, and nothing else is printed
        assert out == ""
        assert err.startswith("netdb: ")


# --- output formats against tests/fixtures/cli/etc ---------------------------------------------

# (argv without --etc, exit status, exact stdout)
FORMATS: list[tuple[list[str], int, str]] = [
    # hosts: "%-15s %s" + " alias"...; IPv6 answers before IPv4 ones (gethostbyname2 AF_INET6 first)
    (["hosts", "four"], 0, "192.0.2.1       four.example.test four\n"),
    (["hosts", "six.example.test"], 0, "2001:db8::1     six.example.test six\n"),
    (["hosts", "both"], 0, "2001:db8::2     both.example.test both\n"),
    (["hosts", "both.example.test"], 0, "2001:db8::2     both.example.test both\n"),
    (["hosts", "192.0.2.2"], 0, "192.0.2.2       both.example.test\n"),
    (["hosts", "2001:db8::3"], 0, "2001:db8::3     v6only.example.test\n"),
    (["hosts", "::ffff:192.0.2.3"], 0, "::ffff:192.0.2.3 mapped.example.test\n"),
    (["hosts", "192.0.2.4"], 0, "192.0.2.4       \n"),
    (
        ["hosts", "al2"],
        0,
        "203.0.113.200   a-very-long-canonical-name.example.test al1 al2\n",
    ),
    (["hosts", "bücher.example.test"], 0, "192.0.2.5       bücher.example.test\n"),
    (["hosts", "nope"], 2, ""),
    (["hosts", "192.0.2.99"], 2, ""),
    (
        ["hosts", "four", "nope", "six"],
        2,
        "192.0.2.1       four.example.test four\n2001:db8::1     six.example.test six\n",
    ),
    (
        ["hosts"],
        0,
        "192.0.2.1       four.example.test four\n"
        "192.0.2.2       both.example.test\n"
        "192.0.2.3       mapped.example.test\n"
        "127.0.0.1       loop6.example.test\n"
        "192.0.2.4       \n"
        "203.0.113.200   a-very-long-canonical-name.example.test al1 al2\n"
        "192.0.2.5       bücher.example.test\n"
        "192.0.2.6       xn--strae-oqa.example.test\n"
        "192.0.2.7       strasse.example.test\n"
        "192.0.2.8       xn--bcher-kva.example.test\n",
    ),
    # ahosts: "%-15s %-6s %s", canonical name on the first line only
    (
        ["ahosts", "-A", "four"],
        0,
        "192.0.2.1       STREAM four.example.test\n192.0.2.1       DGRAM  \n"
        "192.0.2.1       RAW    \n",
    ),
    (
        ["ahostsv6", "-A", "four"],
        0,
        "::ffff:192.0.2.1 STREAM four.example.test\n::ffff:192.0.2.1 DGRAM  \n"
        "::ffff:192.0.2.1 RAW    \n",
    ),
    (
        ["ahostsv4", "--no-addrconfig", "192.0.2.77"],
        0,
        "192.0.2.77      STREAM 192.0.2.77\n192.0.2.77      DGRAM  \n192.0.2.77      RAW    \n",
    ),
    (["ahostsv4", "-A", "six"], 2, ""),
    # IDN: a non-ASCII key is punycoded (AI_IDN) unless --no-idn; the canonical name decoded back
    (
        ["ahostsv4", "-A", "bücher.example.test"],
        0,
        "192.0.2.8       STREAM bücher.example.test\n192.0.2.8       DGRAM  \n"
        "192.0.2.8       RAW    \n",
    ),
    (
        ["ahostsv4", "-A", "--no-idn", "bücher.example.test"],
        0,
        "192.0.2.5       STREAM bücher.example.test\n192.0.2.5       DGRAM  \n"
        "192.0.2.5       RAW    \n",
    ),
    (
        ["ahostsv4", "-A", "-i", "xn--bcher-kva.example.test"],
        0,
        "192.0.2.8       STREAM xn--bcher-kva.example.test\n192.0.2.8       DGRAM  \n"
        "192.0.2.8       RAW    \n",
    ),
    (["ahosts", "-A", "nope"], 2, ""),
    # services: "%-21s %d/%s" + " alias"..., padded by bytes ("müll" is 5 bytes)
    (["services", "echo"], 0, "echo                  7/tcp\n"),
    (["services", "echo/udp"], 0, "echo                  7/udp\n"),
    (["services", "7/udp"], 0, "echo                  7/udp\n"),
    (["services", "007"], 0, "echo                  7/tcp\n"),
    (["services", "www"], 0, "http                  80/tcp www\n"),
    (["services", "80"], 0, "http                  80/tcp www\n"),
    (["services", "80/udp"], 2, ""),
    (["services", "trash"], 0, "müll                 7777/tcp trash\n"),
    (["services", "7778"], 0, "a-name-longer-than-twenty-one 7778/udp\n"),
    (["services", "ECHO"], 2, ""),
    (["services", "echo/"], 2, ""),
    (["services", "0x50"], 2, ""),
    (["services", "65536"], 2, ""),
    (
        ["services"],
        0,
        "echo                  7/tcp\necho                  7/udp\n"
        "http                  80/tcp www\n"
        "müll                 7777/tcp trash\na-name-longer-than-twenty-one 7778/udp\n",
    ),
    # protocols: "%-21s %d" + " alias"...; numbers through atol and a C int
    (["protocols", "tcp"], 0, "tcp                   6 TCP\n"),
    (["protocols", "TCP"], 0, "tcp                   6 TCP\n"),
    (["protocols", "6"], 0, "tcp                   6 TCP\n"),
    (["protocols", "6abc"], 0, "tcp                   6 TCP\n"),
    (["protocols", str(2**32 + 17)], 0, "udp                   17 UDP\n"),
    (["protocols", str(2**63 - 1)], 2, ""),
    (["protocols", "262"], 0, "mptcp                 262 MPTCP\n"),
    (["protocols", "P"], 0, "prôto                200 P\n"),
    (["protocols", "201"], 0, "a-name-longer-than-twenty-one 201\n"),
    (["protocols", " 6"], 2, ""),
    (["protocols", "999"], 2, ""),
    (
        ["protocols", "sctp", "999", "ip"],
        2,
        "sctp                  132 SCTP\nip                    0 IP\n",
    ),
    # addrinfo: one block per result, names for the numbers
    (
        ["addrinfo", "192.0.2.1", "80", "--type", "stream"],
        0,
        "Family:         AF_INET\nType:           SOCK_STREAM\nProtocol:       IPPROTO_TCP\n"
        "Canonical name: \nSocket address: ('192.0.2.1', 80)\n",
    ),
    (
        ["addrinfo", "2001:db8::1", "9", "--type", "SOCK_SEQPACKET", "--proto", "132"],
        0,
        "Family:         AF_INET6\nType:           SOCK_SEQPACKET\nProtocol:       IPPROTO_SCTP\n"
        "Canonical name: \nSocket address: ('2001:db8::1', 9, 0, 0)\n",
    ),
    (
        ["addrinfo", "four", "echo", "--family", "inet", "--flag", "canonname"],
        0,
        "Family:         AF_INET\nType:           SOCK_STREAM\nProtocol:       IPPROTO_TCP\n"
        "Canonical name: four.example.test\nSocket address: ('192.0.2.1', 7)\n\n"
        "Family:         AF_INET\nType:           SOCK_DGRAM\nProtocol:       IPPROTO_UDP\n"
        "Canonical name: \nSocket address: ('192.0.2.1', 7)\n",
    ),
    (
        ["addrinfo", "*", "80", "--family", "2", "--type", "1", "--flag", "AI_PASSIVE"],
        0,
        "Family:         AF_INET\nType:           SOCK_STREAM\nProtocol:       IPPROTO_TCP\n"
        "Canonical name: \nSocket address: ('0.0.0.0', 80)\n",
    ),
    (["addrinfo", "nope.example.test"], 2, ""),
    (["addrinfo", "four", "--flag", "numerichost"], 2, ""),
    (["addrinfo", "192.0.2.1", "http", "--type", "dgram"], 2, ""),
    (["addrinfo", "192.0.2.1", "--flag", "0x10000"], 2, ""),
    # nameinfo: "HOST SERVICE"
    (["nameinfo", "192.0.2.1", "80"], 0, "four.example.test http\n"),
    (["nameinfo", "192.0.2.1", "7", "--flag", "dgram"], 0, "four.example.test echo\n"),
    (["nameinfo", "2001:db8::1"], 0, "six.example.test 0\n"),
    (
        ["nameinfo", "192.0.2.1", "80", "--flag", "numerichost", "--flag", "NI_NUMERICSERV"],
        0,
        "192.0.2.1 80\n",
    ),
    (["nameinfo", "198.51.100.9", "7"], 0, "198.51.100.9 echo\n"),
    (["nameinfo", "fe80::1", "7", "--scope-id", "1"], 0, "fe80::1%lo echo\n"),
    (["nameinfo", "fe80::1", "7", "--flowinfo", "5"], 0, "fe80::1 echo\n"),
    (["nameinfo", "198.51.100.9", "7", "--flag", "namereqd"], 2, ""),
]


@pytest.mark.parametrize(("argv", "status", "expected"), FORMATS, ids=lambda v: repr(v))
def test_formats(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, expected: str
) -> None:
    rc, out, err = run(capsys, [*argv, "--etc", ETC])
    assert (rc, out) == (status, expected), err
    assert "Traceback" not in err


# (argv without --etc, exact stderr): a failed lookup names the key and glibc's message
ERRORS: list[tuple[list[str], str]] = [
    (["addrinfo", "nope.example.test"], "netdb: nope.example.test: Name or service not known\n"),
    (["addrinfo", "four", "--flag", "numerichost"], "netdb: four: Name or service not known\n"),
    (
        ["addrinfo", "192.0.2.1", "http", "--type", "dgram"],
        "netdb: 192.0.2.1: Servname not supported for ai_socktype\n",
    ),
    (["addrinfo", "192.0.2.1", "--flag", "0x10000"], "netdb: 192.0.2.1: Bad value for ai_flags\n"),
    (
        ["nameinfo", "198.51.100.9", "7", "--flag", "namereqd"],
        "netdb: 198.51.100.9: Name or service not known\n",
    ),
]


@pytest.mark.parametrize(("argv", "expected"), ERRORS, ids=lambda v: repr(v))
def test_lookup_errors(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    rc, out, err = run(capsys, [*argv, "--etc", ETC])
    assert (rc, out, err) == (2, "", expected)


@pytest.mark.parametrize("json_output", [False, True])
def test_names_not_utf8(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, json_output: bool
) -> None:
    """addrinfo and nameinfo answer as Python's socket does, whose UnicodeDecodeError for a name
    that is not UTF-8 is a failed lookup (2, the key and the codec's message), not bad usage (64,
    as nameinfo said with a usage hint)."""
    (tmp_path / "hosts").write_bytes(b"192.0.2.9 latin\xe9.example.test latin1\n")
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    (tmp_path / "services").write_text("http 80/tcp\n")
    more = ["--json"] if json_output else []
    for argv, key in [
        (["nameinfo", "192.0.2.9", "80"], "192.0.2.9"),
        (["addrinfo", "latin1", "--flag", "canonname"], "latin1"),
    ]:
        rc, out, err = run(capsys, [*argv, *more, "--etc", str(tmp_path)])
        assert rc == 2, (argv, err)
        assert err.startswith(f"netdb: {key}: 'utf-8' codec can't decode byte 0xe9"), err
        assert "Try " not in err
        if json_output:
            assert json.loads(out)["error"]["kind"] == "error"
        else:
            assert out == ""


def test_addrinfo_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["addrinfo", "2001:db8::1", "443", "--proto", "tcp", "--json", "--etc", ETC]
    rc, out, err = run(capsys, argv)
    assert rc == 0, err
    assert json.loads(out) == [
        {
            "family": "AF_INET6",
            "type": "SOCK_STREAM",
            "protocol": "IPPROTO_TCP",
            "canonical_name": "",
            "sockaddr": ["2001:db8::1", 443, 0, 0],
        }
    ]


class _FailingWriter(io.RawIOBase):
    """A stdout whose every write fails with ``error``."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise self.error


# (error while writing stdout, exit status, stderr)
OUTPUT_ERRORS: list[tuple[OSError, int, str]] = [
    (BrokenPipeError(errno.EPIPE, "Broken pipe"), 141, ""),
    (OSError(errno.ENOSPC, "No space left on device"), 74, "write error: No space left on device"),
]


@pytest.mark.parametrize(("error", "status", "message"), OUTPUT_ERRORS, ids=repr)
def test_output_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: OSError,
    status: int,
    message: str,
) -> None:
    """A closed pipe ends quietly (as SIGPIPE would); another write error is reported."""
    stdout = io.TextIOWrapper(io.BufferedWriter(_FailingWriter(error)), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    rc = main(["services", "echo", "--etc", ETC])
    err = capsys.readouterr().err
    assert rc == status
    assert message in err and (message or err == "")
    assert "Traceback" not in err


# (shell redirection closing a standard stream, argv, exit status, stderr): Python leaves a closed
# stream None; the command says so in one line (or, without stderr, only by its status).
CLOSED_STREAMS: list[tuple[str, list[str], int, str]] = [
    (">&-", ["services", "echo"], 74, "netdb: write error: Bad file descriptor\n"),
    (">&-", ["hosts", "--json", "nope"], 74, "netdb: write error: Bad file descriptor\n"),
    (">&-", ["addrinfo", "127.0.0.1", "80"], 74, "netdb: write error: Bad file descriptor\n"),
    (">&-", ["hosts", "nope"], 2, ""),  # nothing to write
    (">/dev/null 2>&-", ["services", "echo"], 0, ""),
    (">/dev/null 2>&-", ["services", "nope"], 2, ""),
    (">/dev/null 2>&-", ["addrinfo", "nope"], 2, ""),
    (">&- 2>&-", ["services", "echo"], 74, ""),
    # help and version that cannot be written (they exited 0), stderr that cannot be written
    # (a traceback and 1): the status alone still says what happened
    (">/dev/full", ["--help"], 74, "netdb: write error: No space left on device\n"),
    (">/dev/full", ["--version"], 74, "netdb: write error: No space left on device\n"),
    (">/dev/full", ["hosts", "--help"], 74, "netdb: write error: No space left on device\n"),
    (">/dev/full", ["run", "--help"], 74, "netdb run: write error: No space left on device\n"),
    (">/dev/full 2>/dev/full", ["services", "echo"], 74, ""),
    (">/dev/null 2>/dev/full", ["services", "nope"], 2, ""),
    (">/dev/null 2>/dev/full", ["services", "--bogus"], 64, ""),
    (">/dev/null 2>/dev/full", ["addrinfo", "127.0.0.1", "nosuchservice"], 2, ""),
    (">/dev/null 2>/dev/full", ["nosuchcommand"], 1, ""),
]


@pytest.mark.parametrize(("redirect", "argv", "status", "err"), CLOSED_STREAMS, ids=repr)
def test_closed_standard_streams(redirect: str, argv: list[str], status: int, err: str) -> None:
    """``netdb services echo >&-`` exits 74 with one line (a traceback and 1 before)."""
    command = " ".join([sys.executable, "-m", "netdb.cli", *argv, "--etc", ETC])
    proc = subprocess.run(
        ["bash", "-c", f"{command} {redirect}"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, "", err)


def _cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netdb.cli", *argv],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
        cwd=cwd,
    )


def test_bulk_output_that_cannot_be_written(tmp_path: Path) -> None:
    """The last records not written (-o on a full device) is 74, as for stdout (it was 70,
    "internal error"); an output that is the input file is refused before it is emptied."""
    from tests.loopback import closed_port

    names = tmp_path / "names"
    names.write_text("a.test\nb.test\n")
    server = ["-s", f"127.0.0.1:{closed_port()}", "--timeout", "0.1", "--retries", "0", "-q"]
    proc = _cli("bulk", str(names), "-o", "/dev/full", *server)
    assert (proc.returncode, proc.stderr) == (
        74,
        "netdb bulk: /dev/full: No space left on device\n",
    )
    proc = _cli("bulk", str(names), "-o", str(names), *server)
    assert (proc.returncode, proc.stderr) == (
        64,
        f"netdb bulk: {names}: the output is the input file\n",
    )
    assert names.read_text() == "a.test\nb.test\n"
    link = tmp_path / "link"
    link.hardlink_to(names)
    assert _cli("bulk", str(names), "-o", str(link), "--resume", *server).returncode == 64
    assert names.read_text() == "a.test\nb.test\n"
    for port in ("\u0665\u0663", "5_3", " 53"):  # digits of another script, int()'s extras
        proc = _cli("bulk", str(names), "-s", f"127.0.0.1:{port}")
        assert proc.returncode == 64 and "bad name server" in proc.stderr


def test_end_of_options_and_json_without_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    """``netdb -- hosts KEY`` as ``getent -- hosts KEY``; --json with no command or an unknown
    one prints the usage error as JSON too (it printed nothing)."""
    rc, out, err = run(capsys, ["--etc", ETC, "--", "services", "echo"])
    assert (rc, err) == (0, "") and out.startswith("echo")
    for argv, message in (
        (["--json"], "missing command"),
        (["--json", "nope"], "unknown command: nope"),
    ):
        rc, out, err = run(capsys, argv)
        assert rc == 1 and json.loads(out) == {
            "error": {"kind": "usage", "code": None, "name": None, "message": message}
        }


def test_module_entry_point() -> None:
    """``python -m netdb.cli`` runs main() and exits with its status (help touches no file)."""
    proc = subprocess.run(
        [sys.executable, "-m", "netdb.cli", "services", "--help"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("usage: netdb services")


INTERRUPTED_IMPORT = """
import sys

class Interrupt:
    # A Ctrl-C that lands while netdb's command line is being imported.
    def find_spec(self, name, path=None, target=None):
        if name == "netdb.cli":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupt())
import _netdb_cli

sys.exit(_netdb_cli.main())
"""


def test_console_script_interrupted_while_it_starts() -> None:
    """The ``netdb`` console script (``_netdb_cli.main``) runs the command, and a Ctrl-C that
    lands while netdb is still being imported ends it with status 130 and nothing on stderr
    (it was a traceback from inside an import)."""
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True, text=True, env=env
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "", "")
    script = (
        "import sys, _netdb_cli; sys.argv[1:] = ['services', '--help']; sys.exit(_netdb_cli.main())"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("usage: netdb services")


# --- differential: netdb against the real getent in the sandbox --------------------------------


def _lines(text: str) -> Iterator[list[str]]:
    """The fields of each line of a hosts/services/protocols file, comments dropped."""
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            yield fields


def _unique(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _unicode_form(name: str) -> str | None:
    """``xn--`` labels decoded (RFC 3492), or None when ``name`` has none or one fails."""
    labels = name.split(".")
    if not any(label.startswith("xn--") for label in labels):
        return None
    try:
        return ".".join(
            label[4:].encode("ascii").decode("punycode") if label.startswith("xn--") else label
            for label in labels
        )
    except UnicodeError:
        return None


def host_keys(hosts: str) -> list[str]:
    keys: list[str] = []
    for fields in _lines(hosts):
        keys += fields
        keys += [f.upper() for f in fields[1:]] + [f + "." for f in fields[1:2]]
        unicode = [u for u in map(_unicode_form, fields[1:]) if u is not None]
        keys += unicode + [u.upper() for u in unicode]
    keys += ["nope", "nope.example.test", "192.0.2.254", "2001:db8::ffff", "12345", "1.2.3"]
    return _unique(keys)


def service_keys(services: str) -> list[str]:
    keys: list[str] = []
    for fields in _lines(services):
        name, *rest = fields
        keys.append(name)
        if rest:
            port, _, proto = rest[0].partition("/")
            keys += [rest[0], port, f"{name}/{proto}", f"{port}/tcp", f"{name}/udp"]
            keys += [a for alias in rest[1:] for a in (alias, f"{alias}/{proto}")]
    keys += ["nope", "9/tcp", "echo/xyz", "", "/", "7/", "echo/", "ECHO", "65536", "0x10"]
    keys += ["+9991", "007", " 22", "99999999999999999999", "22abc"]
    return _unique(keys)


def protocol_keys(protocols: str) -> list[str]:
    keys: list[str] = []
    for fields in _lines(protocols):
        keys += fields
        keys += [f.upper() for f in fields[:1]]
    keys += ["nope", "999", "", " 6", "06", "6abc", str(2**32 + 6), str(2**63 - 1), str(2**70)]
    return _unique(keys)


def differential_cases(files: dict[str, str]) -> list[list[str]]:
    hosts = host_keys(files.get("hosts", ""))
    cases = [["hosts", k] for k in hosts]
    for db in ("ahosts", "ahostsv4", "ahostsv6"):
        cases += [[db, k] for k in hosts] + [[db, "-A", k] for k in hosts]
        cases += [[db, "-A", "--no-idn", k] for k in hosts if not k.isascii()]
    cases += [["services", k] for k in service_keys(files.get("services", ""))]
    cases += [["protocols", k] for k in protocol_keys(files.get("protocols", ""))]
    some = [*hosts[:3], "nope", *hosts[3:6]]
    cases += [["hosts", *some], ["ahosts", "-A", *some], ["ahostsv6", "-A", *some]]
    cases += [["services", "echo", "nope", "80", "ssh/tcp"], ["protocols", "tcp", "999", "17"]]
    cases += [[db] for db in ("hosts", "ahosts", "ahostsv4", "ahostsv6", "services", "protocols")]
    # getent takes -i and -A with every database; outside ahosts* they change nothing
    cases += [["hosts", "-i", "-A", *hosts[:2]], ["services", "-A", "echo"]]
    cases += [["services", "-i", "80/tcp"], ["protocols", "-i", "-A", "tcp"]]
    return cases


def _cli_scenario() -> Scenario:
    root = CLI_FIXTURES / "etc"
    files = {p.name: p.read_bytes().decode("latin-1") for p in sorted(root.iterdir())}
    return Scenario(name="cli", files=files)


def _latin1_scenario() -> Scenario:
    """The cli scenario plus a hosts line whose names are Latin-1, not UTF-8: getent prints
    their bytes (a canonical name too, where Python's getaddrinfo raises UnicodeDecodeError)."""
    base = _cli_scenario()
    hosts = base.files["hosts"] + "192.0.2.9\tlatin\xe9.example.test latin1 \xe0lias\n"
    return base.with_files("cli-latin1", hosts=hosts)


LATIN1_CASES: list[list[str]] = [
    ["hosts", "latin1"],
    ["hosts", "192.0.2.9"],
    ["hosts"],
    *([db, *opts, "latin1"] for db in ("ahosts", "ahostsv4", "ahostsv6") for opts in ([], ["-A"])),
    ["ahosts", "-A", "--no-idn", "latin1"],
    ["ahosts", "-A", "four", "latin1", "nope"],
]


def _nsswitch(name: str, line: str | None) -> Callable[[], Scenario]:
    """The basic scenario with ``line`` as its hosts, services and protocols sources (None: no
    nsswitch.conf at all)."""
    text = None if line is None else "".join(f"{db}: {line}\n" for db in NSS_DATABASES)
    return lambda: Scenario.from_dir("basic").with_files(name, nsswitch_conf=text)


NSS_DATABASES = ("hosts", "services", "protocols")

# Which sources each database walks, for lookups and for listing (with no key getent lists every
# `files` source in turn; a source that cannot answer, like db or dns for services, is skipped or
# ends the walk according to its UNAVAIL action).
NSSWITCH_CASES: list[list[str]] = [
    ["hosts"],
    ["ahosts"],
    ["hosts", "web", "192.0.2.10", "::1"],
    ["hosts", "nope"],
    ["ahosts", "-A", "web"],
    ["ahostsv4", "-A", "localhost"],
    ["services"],
    ["services", "echo", "80/tcp", "nope"],
    ["services", "nope"],
    ["protocols"],
    ["protocols", "tcp", "17", "nope"],
    ["protocols", "999"],
    # getent -s: sources from the command line, for every database or for one (prefix match)
    ["hosts", "-s", "files", "web", "192.0.2.10"],
    ["hosts", "-s", "hosts:files", "web"],
    ["hosts", "-s", "h:files"],
    ["ahosts", "-A", "-s", "files", "web"],
    ["hosts", "-s", "services:files", "web"],
    ["hosts", "-s", "files,dns", "web"],
    ["services", "-s", "s:files", "echo"],
    ["services", "-s", "hosts:files", "echo"],
    ["protocols", "-s", "pr:files", "tcp"],
    ["protocols", "-s", "p:files", "tcp"],
    ["protocols", "-s", "files"],
    ["hosts", "-s", "nosuch:files", "web"],
]

SCENARIOS: dict[str, tuple[Callable[[], Scenario], Callable[[dict[str, str]], list[list[str]]]]] = {
    "basic": (lambda: Scenario.from_dir("basic"), differential_cases),
    "basic-veth": (lambda: Scenario.from_dir("basic", network="veth"), differential_cases),
    "cli": (_cli_scenario, differential_cases),
    "cli-latin1": (_latin1_scenario, lambda files: LATIN1_CASES),
    **{
        name: (_nsswitch(name, line), lambda files: NSSWITCH_CASES)
        for name, line in [
            ("nss-none", None),
            ("nss-dns", "dns"),
            ("nss-dns-files", "dns files"),
            ("nss-files-twice", "files files"),
            ("nss-files-return", "files [NOTFOUND=return] files"),
            ("nss-dns-unavail-return", "dns [UNAVAIL=return] files"),
            ("nss-myhostname", "myhostname files"),
            ("nss-db", "db"),
            ("nss-db-files", "db files"),
            ("nss-db-unavail-return", "db [UNAVAIL=return] files"),
            ("nss-files-db", "files [NOTFOUND=return] db"),
        ]
    },
}


def _case_table() -> list[Any]:
    table = []
    for key, (make, cases) in SCENARIOS.items():
        try:
            files = make().files
        except OSError:  # fixture folder missing: the sandbox test will say so
            files = {}
        for argv in cases(files):
            case_id = f"{key}:{' '.join(argv) or '(none)'}"
            table.append(pytest.param(key, argv, id=case_id))
    return table


DIFFERENTIAL = _case_table()
_BATCH = 150


@pytest.fixture(scope="module")
def outcomes(
    sandboxes: Callable[[Scenario], Sandbox],
) -> Callable[[str, list[str]], dict[str, list[Any]]]:
    """``outcomes(scenario, argv)``: getent's and netdb's (status, stdout) inside the sandbox."""
    done: dict[str, dict[tuple[str, ...], dict[str, list[Any]]]] = {}

    def get(key: str, argv: list[str]) -> dict[str, list[Any]]:
        if key not in done:
            box = sandboxes(SCENARIOS[key][0]())
            cases = [list(p.values[1]) for p in DIFFERENTIAL if p.values[0] == key]
            results: dict[tuple[str, ...], dict[str, list[Any]]] = {}
            for start in range(0, len(cases), _BATCH):
                batch = cases[start : start + _BATCH]
                rc, out, err = box.run(sys.executable, str(DRIVER), json.dumps(batch))
                assert rc == 0, f"driver failed: {err[-3000:]}"
                for case, outcome in zip(batch, json.loads(out), strict=True):
                    results[tuple(case)] = outcome
            done[key] = results
        return done[key][tuple(argv)]

    return get


@pytest.mark.parametrize(("scenario", "argv"), DIFFERENTIAL)
def test_getent_differential(
    outcomes: Callable[[str, list[str]], dict[str, list[Any]]], scenario: str, argv: list[str]
) -> None:
    got = outcomes(scenario, argv)
    COUNTS[f"cli {argv[0]}"] += 1
    glibc_rc, glibc_out = got["getent"]
    ours_rc, ours_out, ours_err = got["netdb"]
    assert (ours_rc, ours_out) == (glibc_rc, glibc_out), (
        f"[{scenario}] getent {' '.join(argv)}\n--- getent ({glibc_rc}):\n{glibc_out}"
        f"--- netdb ({ours_rc}):\n{ours_out}{ours_err}"
    )


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def getent_text(doc: Any) -> str:
    """The getent lines that ``--json`` output ``doc`` (of hosts, ahosts*, services or protocols)
    stands for: every field getent prints must be in the JSON, so this rebuilds its text."""
    assert isinstance(doc, list), doc
    lines: list[bytes] = []
    for item in doc:
        if "error" in item:
            assert set(item) == {"key", "error"} and isinstance(item["key"], str), item
            assert isinstance(item["error"]["message"], str), item
            continue
        if "addresses" in item:  # a hostent
            tail = b"".join(b" " + _b(n) for n in [item["name"], *item["aliases"]])
            lines += [_b(a).ljust(15) + tail + b"\n" for a in item["addresses"]]
        elif "results" in item:  # getaddrinfo's list
            for r in item["results"]:
                sockaddr = r["sockaddr"]
                head = _b(sockaddr[0].split("%", 1)[0])
                scope = b"%%%d" % sockaddr[3] if r["family"] == "AF_INET6" and sockaddr[3] else b""
                word = _b(r["type"].removeprefix("SOCK_"))
                pad = scope.ljust(15 - len(head) - len(scope))
                lines.append(head + pad + b" " + word.ljust(6) + b" " + _b(r["canonical_name"]))
                lines[-1] += b"\n"
        elif "port" in item:  # a servent
            head = _b(item["name"]).ljust(21) + b" %d/" % item["port"] + _b(item["protocol"])
            lines.append(head + b"".join(b" " + _b(a) for a in item["aliases"]) + b"\n")
        else:  # a protoent
            head = _b(item["name"]).ljust(21) + b" %d" % item["number"]
            lines.append(head + b"".join(b" " + _b(a) for a in item["aliases"]) + b"\n")
    return b"".join(lines).decode("utf-8", "surrogateescape")


def _keys(argv: list[str]) -> list[str]:
    """The keys of a differential command line (its words after the options)."""
    keys, skip = [], False
    for word in argv[1:]:
        if skip:
            skip = False
        elif word == "-s":
            skip = True
        elif not word.startswith("-") or word == "-":
            keys.append(word)
    return keys


@pytest.mark.parametrize(("scenario", "argv"), DIFFERENTIAL)
def test_getent_differential_json(
    outcomes: Callable[[str, list[str]], dict[str, list[Any]]], scenario: str, argv: list[str]
) -> None:
    """``--json`` exits as getent does and carries every field of getent's lines, one item per
    key (an error object for a key not found), or per entry when listing."""
    got = outcomes(scenario, argv)
    glibc_rc, glibc_out = got["getent"]
    rc, out, err = got["netdb_json"]
    COUNTS[f"cli {argv[0]} --json"] += 1
    assert rc == glibc_rc, (rc, out, err)
    if rc in (1, 64):  # getent refused the command line (-s with an unknown database, -1)
        assert json.loads(out)["error"]["kind"] == "usage"
        assert (glibc_out, err.startswith("netdb: ")) == ("", True)
        return
    doc = json.loads(out)
    assert getent_text(doc) == glibc_out, (out, glibc_out)
    keys = _keys(argv)
    if keys:
        assert [item["key"] for item in doc] == keys
        assert any("error" in item for item in doc) == (rc == 2)
    else:
        assert all("key" not in item for item in doc)


# End to end through `python -m netdb.cli`, the way a shell runs it.
END_TO_END: list[list[str]] = [
    ["hosts"],
    ["services"],
    ["protocols"],
    ["hosts", "web", "nope", "localhost", "192.0.2.10", "::1"],
    ["ahosts", "-A", "web", "nope"],
    ["services", "echo/udp", "80", "nope", "kerberos5"],
    ["protocols", "tcp", "6", "nope", "IPv6"],
    # getent's options before the database, as getent's usage writes them
    ["-s", "files", "hosts", "web", "nope"],
    ["-s", "hosts:files", "ahosts", "web"],
    ["-iAs", "files", "ahosts", "web"],
    ["--service=files", "services", "echo/udp"],
    ["-A", "protocols", "tcp"],
]


@pytest.mark.parametrize("argv", END_TO_END, ids=" ".join)
def test_end_to_end(sandboxes: Callable[[Scenario], Sandbox], argv: list[str]) -> None:
    box = sandboxes(SCENARIOS["basic"][0]())
    glibc = box.run("getent", *argv)
    ours = box.run(sys.executable, "-m", "netdb.cli", *argv)
    COUNTS[f"cli {argv[0]} (e2e)"] += 1
    assert ours[:2] == glibc[:2], ours[2]


@pytest.mark.parametrize("argv", [[], ["nosuchdb", "x"]], ids=repr)
def test_end_to_end_command_errors(
    sandboxes: Callable[[Scenario], Sandbox], argv: list[str]
) -> None:
    """Same exit status as getent; netdb keeps its hint on stderr (getent prints it on stdout)."""
    box = sandboxes(SCENARIOS["basic"][0]())
    glibc_rc, _, _ = box.run("getent", *argv)
    rc, out, err = box.run(sys.executable, "-m", "netdb.cli", *argv)
    assert (rc, out) == (glibc_rc, "")
    assert err.startswith("netdb: ")


def test_bulk_output_cut_short_keeps_complete_records(tmp_path: Path) -> None:
    """A write that fails part-way through a record (here the file size limit, as a full disk
    does) leaves the output ending after its last complete record, as README promises."""
    import resource
    import signal

    names = tmp_path / "names"
    names.write_text("".join(f"bad..name{i}\n" for i in range(500)))  # INVALID: no query
    out = tmp_path / "out.jsonl"

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))

    proc = subprocess.run(
        [sys.executable, "-m", "netdb.cli", "bulk", str(names), "-o", str(out), "-q",
         "-s", "127.0.0.1:9"],
        capture_output=True, text=True, preexec_fn=limited, check=False,
        # (no bytecode written under the size limit: a cut .pyc would break later imports)
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert proc.returncode == 74, proc.stderr
    data = out.read_bytes()
    assert 0 < len(data) <= 5000 and data.endswith(b"\n")
    lines = data.decode().splitlines()
    assert [json.loads(line)["line"] for line in lines] == list(range(1, len(lines) + 1))
