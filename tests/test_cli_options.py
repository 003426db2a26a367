"""The ``netdb`` command as a newcomer meets it: global options, --etc, hints, help, exit statuses.

In-process through ``main([...])`` against ``tests/fixtures/cli/etc``; nothing reads the real /etc
(every lookup here passes ``--etc``, and help and usage errors touch no file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netdb.cli import COMMANDS
from netdb.config.loader import SystemFiles
from tests.test_cli import ETC, run

README = Path(__file__).resolve().parent.parent / "README.md"
LOOKUPS = ("hosts", "ahosts", "ahostsv4", "ahostsv6", "services", "protocols")


def _readme_cli_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The `netdb` command")
    end = text.index("\n## ", start + 1)
    return text[start:end]


# --- global options go before or after the command -------------------------------------------

# (a command line after the global options, its exit status, its exact stdout)
LOOKUP_LINES: list[tuple[list[str], int, str]] = [
    (["hosts", "four"], 0, "192.0.2.1       four.example.test four\n"),
    (
        ["ahostsv4", "-A", "four"],
        0,
        "192.0.2.1       STREAM four.example.test\n"
        "192.0.2.1       DGRAM  \n192.0.2.1       RAW    \n",
    ),
    (["services", "echo/udp"], 0, "echo                  7/udp\n"),
    (["protocols", "6"], 0, "tcp                   6 TCP\n"),
    (["nameinfo", "192.0.2.1", "80"], 0, "four.example.test http\n"),
    (["hosts", "nope"], 2, ""),
]


@pytest.mark.parametrize(("argv", "status", "expected"), LOOKUP_LINES, ids=repr)
@pytest.mark.parametrize("where", ["before", "before=", "after", "last"])
def test_etc_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, expected: str, where: str
) -> None:
    """README's own ``netdb --etc ./fixture-etc hosts web``: --etc anywhere on the line."""
    if where == "before":
        line = ["--etc", ETC, *argv]
    elif where == "before=":
        line = [f"--etc={ETC}", *argv]
    elif where == "after":
        line = [argv[0], "--etc", ETC, *argv[1:]]
    else:
        line = [*argv, "--etc", ETC]
    rc, out, err = run(capsys, line)
    assert (rc, out, err) == (status, expected, "")


def test_etc_after_the_command_wins(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Given twice, the one nearer the command's own arguments counts (the later one)."""
    (tmp_path / "services").write_text("other 7/tcp\n")
    rc, out, _ = run(capsys, ["--etc", str(tmp_path), "services", "--etc", ETC, "7"])
    assert (rc, out) == (0, "echo                  7/tcp\n")
    rc, out, _ = run(capsys, ["--etc", ETC, "services", "--etc", str(tmp_path), "7"])
    assert (rc, out) == (0, "other                 7/tcp\n")


# (options, a command line, its exit status): the options before the command word do what they
# do after it.
BEFORE_OR_AFTER: list[tuple[list[str], list[str], int]] = [
    (["--json"], ["hosts", "four", "nope"], 2),
    (["--json"], ["services", "echo/udp"], 0),
    (["--json"], ["addrinfo", "192.0.2.1", "80"], 0),
    (["--json"], ["nameinfo", "192.0.2.1", "80"], 0),
    (["--json"], ["addrinfo", "nope"], 2),
    (["-s", "files"], ["hosts", "four"], 0),
    (["-s", "nosuch:files"], ["hosts", "four"], 1),
    (["-iA"], ["ahostsv4", "four"], 0),
    (["--no-idn", "--json"], ["protocols", "6"], 0),
    (["-As", "files", "--json"], ["services", "nope"], 2),
]


@pytest.mark.parametrize(("options", "argv", "status"), BEFORE_OR_AFTER, ids=repr)
def test_command_options_before_the_command(
    capsys: pytest.CaptureFixture[str], options: list[str], argv: list[str], status: int
) -> None:
    """``netdb --json hosts web`` and getent's ``getent -s files hosts web``: an unrecognized
    argument (64, no JSON) before."""
    after = run(capsys, ["--etc", ETC, argv[0], *options, *argv[1:]])
    before = run(capsys, ["--etc", ETC, *options, *argv])
    assert before == after
    assert after[0] == status, after


# (argv, exit status, text on stderr)
GLOBAL_ERRORS: list[tuple[list[str], int, str]] = [
    (["--json", "bulk", "x"], 64, "netdb: unrecognized arguments: --json\nTry 'netdb bulk --help'"),
    (["-s", "files", "addrinfo", "x"], 64, "unrecognized arguments: -s\nTry 'netdb addrinfo"),
    (["--json", "run", "x.py"], 64, "netdb: run takes --etc, no other global option\n"),
    (["-s"], 64, "argument -s/--service: expected one argument"),
    (["--etc", ETC], 1, "netdb: missing command\n"),
    (["--etc", ETC, "frobnicate", "x"], 1, "netdb: unknown command: frobnicate\n"),
    (["--etc", ETC, "passwd"], 1, "netdb: unknown command: passwd\n"),
    (["--etc"], 64, "expected one argument"),
    (["--bogus", "hosts", "x"], 64, "Try 'netdb --help'"),
]


@pytest.mark.parametrize(("argv", "status", "text"), GLOBAL_ERRORS, ids=repr)
def test_global_option_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, text: str
) -> None:
    rc, out, err = run(capsys, argv)
    assert (rc, out) == (status, "")
    assert text in err, err
    assert "invalid choice" not in err and "Traceback" not in err


def test_top_level_help_lists_global_options(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, ["--help"])
    assert (rc, err) == (0, "")
    assert "--etc DIR" in out
    assert "before or after the command" in out
    for option in ("--json", "-s CONFIG, --service CONFIG", "-i, --no-idn", "-A, --no-addrconfig"):
        assert option in out, option


# --- a missing --etc directory is an error, not silence -----------------------------------------


@pytest.mark.parametrize("command", [*LOOKUPS, "addrinfo", "nameinfo", "bulk", "explain"])
@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_missing_etc_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, before: bool
) -> None:
    missing = str(tmp_path / "no-such-dir")
    args = {"addrinfo": ["localhost"], "nameinfo": ["127.0.0.1"], "bulk": ["/dev/null"]}
    rest = args.get(command, ["localhost"])
    argv = ["--etc", missing, command, *rest] if before else [command, *rest, "--etc", missing]
    rc, out, err = run(capsys, argv)
    assert (rc, out) == (64, "")
    assert err == f"netdb: --etc {missing}: No such file or directory\n"


@pytest.mark.parametrize("name", ["no-such-dir", "a-file"])
def test_run_with_a_bad_etc_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """``netdb --etc DIR run SCRIPT``: the same usage error as the other commands, before the
    program starts (it was a FileNotFoundError traceback from install(), status 1)."""
    script = tmp_path / "prog.py"
    script.write_text("raise SystemExit(5)\n")
    etc = tmp_path / name
    if name == "a-file":
        etc.write_text("")
    why = "Not a directory" if name == "a-file" else "No such file or directory"
    rc, out, err = run(capsys, ["--etc", str(etc), "run", str(script)])
    assert (rc, out, err) == (64, "", f"netdb: --etc {etc}: {why}\n")


# (command line after --etc, its status and stdout: bundled registry, NETDB_BUNDLED_REGISTRY=0)
REGISTRY_CASES: list[tuple[list[str], tuple[int, str], tuple[int, str]]] = [
    (["services", "https/tcp"], (0, "https                 443/tcp\n"), (2, "")),
    (["protocols", "6"], (0, "tcp                   6 TCP\n"), (2, "")),
    (["addrinfo", "127.0.0.1", "https", "--type", "stream"], (0, "Family:"), (2, "")),
]


@pytest.mark.parametrize(("argv", "bundled", "off"), REGISTRY_CASES, ids=repr)
def test_bundled_registry_switch(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    bundled: tuple[int, str],
    off: tuple[int, str],
) -> None:
    """No services or protocols file: the bundled registry answers, as for the module's
    functions, and NETDB_BUNDLED_REGISTRY=0 turns it off for the command too (getent's "not
    found"; the variable was not read by the command)."""
    (tmp_path / "nsswitch.conf").write_text("hosts: files\nservices: files\nprotocols: files\n")
    monkeypatch.delenv("NETDB_BUNDLED_REGISTRY", raising=False)
    rc, out, _ = run(capsys, ["--etc", str(tmp_path), *argv])
    assert (rc, out[: len(bundled[1])]) == bundled
    monkeypatch.setenv("NETDB_BUNDLED_REGISTRY", "0")
    rc, out, _ = run(capsys, ["--etc", str(tmp_path), *argv])
    assert (rc, out) == off


def test_etc_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_text("192.0.2.1 x\n")
    rc, out, err = run(capsys, ["hosts", "x", "--etc", str(path)])
    assert (rc, out, err) == (64, "", f"netdb: --etc {path}: Not a directory\n")


def test_etc_empty_directory_is_fine(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An existing directory without the files is a configuration with no files (all missing)."""
    rc, out, err = run(capsys, ["hosts", "four", "--etc", str(tmp_path)])
    assert (rc, out, err) == (2, "", "")


def test_system_files_under_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        SystemFiles.under(str(tmp_path / "nope"))
    assert caught.value.filename == str(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        SystemFiles.under(str(tmp_path / "file"))
    files = SystemFiles.under(str(tmp_path), bundled_registry=False)
    assert files.hosts == str(tmp_path / "hosts")
    assert files.bundled_registry is False


# --- usage hints name the command they are about ------------------------------------------------

HINT_CASES: list[list[str]] = [
    *([c, "--bogus"] for c in COMMANDS),
    *([c, "--bogus", "x"] for c in LOOKUPS),
    ["hosts", "x", "--bogus"],
    ["addrinfo", "h", "80", "extra"],
    ["nameinfo", "127.0.0.1", "80", "extra"],
    ["services", "--etc"],
    ["addrinfo", "h", "--family", "bogus"],
    ["--etc", ETC, "protocols", "--bogus"],
]


@pytest.mark.parametrize("argv", HINT_CASES, ids=repr)
def test_usage_hint_names_the_command(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    command = next(a for a in argv if a in COMMANDS)
    rc, out, err = run(capsys, argv)
    assert (rc, out) == (64, "")
    assert err.endswith(f"Try 'netdb {command} --help' for more information.\n"), err


# --- --help shows only what applies ----------------------------------------------------------


def _help(capsys: pytest.CaptureFixture[str], command: str) -> str:
    rc, out, err = run(capsys, [command, "--help"])
    assert (rc, err) == (0, "")
    return out


# Options each command's --help must show, and options it must not.
HELP_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hosts": (("--etc", "--service", "--json"), ("--no-idn", "--no-addrconfig", "--flag")),
    "ahosts": (("--etc", "--service", "--json", "--no-idn", "--no-addrconfig"), ("--flag",)),
    "ahostsv4": (("--etc", "--service", "--json", "--no-idn", "--no-addrconfig"), ("--flag",)),
    "ahostsv6": (("--etc", "--service", "--json", "--no-idn", "--no-addrconfig"), ("--flag",)),
    "services": (("--etc", "--service", "--json"), ("--no-idn", "--no-addrconfig")),
    "protocols": (("--etc", "--service", "--json"), ("--no-idn", "--no-addrconfig")),
    "addrinfo": (("--etc", "--json", "--family", "--flag"), ("--service", "--no-idn")),
    "nameinfo": (("--etc", "--json", "--flag", "--scope-id"), ("--service", "--family")),
}


def _usage_and_options(text: str) -> str:
    """The usage line and the option rows of a --help text (not the prose around them)."""
    usage = text[: text.index("\n\n")]
    rows = text[text.index("options:") :].split("\n\n")[0]
    return usage + "\n" + rows


@pytest.mark.parametrize("command", list(HELP_OPTIONS))
def test_help_lists_what_applies(capsys: pytest.CaptureFixture[str], command: str) -> None:
    text = _usage_and_options(_help(capsys, command))
    shown, hidden = HELP_OPTIONS[command]
    for option in shown:
        assert re.search(rf"(^|[\s,\[]){option}\b", text), (option, text)
    for option in hidden:
        assert not re.search(rf"(^|[\s,\[]){option}\b", text), (option, text)
    if command in ("hosts", "services", "protocols"):
        assert not re.search(r"(^|[\s\[])-[iA]\b", text), text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["services", "-A", "echo"], "echo                  7/tcp\n"),
        (["protocols", "-i", "tcp"], "tcp                   6 TCP\n"),
        (["hosts", "--no-idn", "four"], "192.0.2.1       four.example.test four\n"),
    ],
    ids=repr,
)
def test_getent_options_still_taken(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """getent takes -i/-A with every database (they change nothing outside ahosts*): so does netdb,
    for scripts that swap one for the other, though --help does not offer them there."""
    rc, out, err = run(capsys, [*argv, "--etc", ETC])
    assert (rc, out, err) == (0, expected, "")


# --- exit statuses: --help and README tell the truth ------------------------------------------

# Every status each command can end with (the CLI's own constants; bulk documents its own).
STATUSES: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(LOOKUPS, (0, 1, 2, 64, 74, 130, 141)),
    "addrinfo": (0, 2, 64, 74, 130, 141),
    "nameinfo": (0, 2, 64, 74, 130, 141),
}


def _statuses_in(text: str) -> set[int]:
    section = text[text.index("Exit status") :]
    return {int(n) for n in re.findall(r"\b(\d{1,3})\b", section)}


@pytest.mark.parametrize("command", list(STATUSES))
def test_help_exit_statuses(capsys: pytest.CaptureFixture[str], command: str) -> None:
    text = " ".join(_help(capsys, command).split())
    assert _statuses_in(text) >= set(STATUSES[command]), text


def test_top_level_help_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, ["--help"])
    text = " ".join(out.split())
    assert _statuses_in(text) >= {0, 1, 2, 64, 74, 130, 141}, text
    assert "1 no or unknown command" in text


def test_readme_exit_statuses() -> None:
    section = " ".join(_readme_cli_section().split())
    assert "1 usage" not in section
    assert _statuses_in(section) >= {0, 1, 2, 64, 74, 130, 141}, section
    assert "64 bad usage" in section or "64 usage" in section, section
    assert "--json" in section


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """README's `--etc` example parses (with the fixture directory in place of ./fixture-etc)."""
    line = next(ln for ln in _readme_cli_section().splitlines() if ln.startswith("netdb --etc "))
    argv = line.split("#", 1)[0].split()[1:]
    assert argv[:2] == ["--etc", "./fixture-etc"]
    argv[1] = ETC
    argv[-1] = "four"
    rc, out, err = run(capsys, argv)
    assert (rc, err) == (0, ""), err
    assert "four.example.test" in out
