"""The HOSTALIASES file's reading rules (``config/hostaliases.py``), table by table; glibc's
answers for the same files are compared in ``tests/test_differential_envfiles.py``."""

from __future__ import annotations

import pytest

from netdb.config.hostaliases import parse_host_aliases
from netdb.config.loader import FileSet, SystemFiles

# (file text, name looked up, the name it stands for or None)
LOOKUPS: list[tuple[str, str, str | None]] = [
    ("web www.example.test\n", "web", "www.example.test"),
    ("web www.example.test\n", "WEB", "www.example.test"),
    ("web www.example.test\n", "web.", "www.example.test"),  # trailing dots do not count
    ("web. www.example.test\n", "web", "www.example.test"),
    ("web\\. www.example.test\n", "web", None),  # an escaped dot does
    ("web\t  www.example.test  more words\n", "web", "www.example.test"),
    ("web www.example.test", "web", "www.example.test"),  # last line without a newline
    ("web www.example.test\r\n", "web", "www.example.test"),  # CR is a blank
    ("web\n", "web", None),  # nothing after the alias
    ("web \nweb other.test\n", "web", None),  # ... ends the look-up there
    ("x a.test\nweb b.test\nweb c.test\n", "web", "b.test"),  # the first line wins
    ("x a.test\nnoblank\nweb b.test\n", "web", "b.test"),  # its newline is a blank
    ("x a.test\nnoblank", "web", None),
    ("x a.test\nweb", "web", None),  # no blank at all (no newline): the reading ends
    ("  web b.test\n", "web", None),  # a leading blank: the alias is empty
    ("  web b.test\n", "", "web"),
    ("w\x00eb b.test\nweb c.test\n", "web", None),  # a NUL ends the line: no blank left
    ("w \x00eb b.test\nweb c.test\n", "web", "c.test"),
    ("web " + "a" * 2000 + "\n", "web", "a" * 1024),  # cut to 1,024 characters
    ("x" * 1024 + " b.test\n", "x" * 1024, None),  # too long to compare
    ("x" * 1023 + " b.test\n", "x" * 1023, "b.test"),
    # fgets' 8 KiB buffer: the rest of a long line is a line of its own
    ("long " + "y" * 8186 + "tail c.test\n", "tail", "c.test"),
    ("long " + "y" * 9000 + "z" * 8191 + "\nweb c.test\n", "web", None),
    ("", "web", None),
    ("\n\nweb b.test\n", "web", "b.test"),  # empty lines have an empty alias
    ("wéb b.test\n", "WÉB", None),  # only ASCII letters fold
    ("wéb b.test\n", "wéb", "b.test"),
]


@pytest.mark.parametrize(("text", "name", "want"), LOOKUPS, ids=range(len(LOOKUPS)))
def test_lookup(text: str, name: str, want: str | None) -> None:
    assert parse_host_aliases(text, "/f").lookup(name) == want


def test_no_file_no_aliases() -> None:
    aliases = parse_host_aliases(None)
    assert aliases.entries == () and aliases.lookup("web") is None


def test_fileset_follows_the_environment(tmp_path: object) -> None:
    """The files the environment names are looked for when they are checked: a program that
    sets HOSTALIASES or RESOLV_HOST_CONF as it runs is followed, as glibc follows it."""
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    (tmp_path / "aliases").write_text("web www.example.test\n")
    (tmp_path / "hc").write_text("multi on\n")
    env: dict[str, str] = {}
    files = FileSet(SystemFiles.under(str(tmp_path)), check_interval=0, env=env)
    assert files.host_aliases().lookup("web") is None
    assert files.host_conf().multi is False
    env["HOSTALIASES"] = str(tmp_path / "aliases")
    env["RESOLV_HOST_CONF"] = str(tmp_path / "hc")
    assert files.host_aliases().lookup("web") == "www.example.test"
    assert files.host_conf().multi is True
    assert files.host_conf().origin == str(tmp_path / "hc")
    del env["HOSTALIASES"]
    assert files.host_aliases().lookup("web") is None


@pytest.mark.parametrize("role", ["host_aliases", "host_conf"])
def test_a_device_or_fifo_in_a_files_place_is_bounded(tmp_path: object, role: str) -> None:
    """``/dev/zero`` or a FIFO with no writer where a file is expected: read without waiting and
    at most ``SPECIAL_MAX`` bytes (glibc reads the one forever and waits on the other)."""
    import os
    import pathlib
    import time

    from netdb.config.loader import SPECIAL_MAX, read_text

    assert isinstance(tmp_path, pathlib.Path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert read_text(str(fifo)) == ""
    zeros = read_text("/dev/zero")
    assert zeros is not None and len(zeros) == SPECIAL_MAX and not zeros.strip("\x00")
    for path in ("/dev/zero", str(fifo)):
        env = {"HOSTALIASES": path, "RESOLV_HOST_CONF": path}
        files = FileSet(SystemFiles.under(str(tmp_path)), check_interval=0, env=env)
        value = files.host_aliases() if role == "host_aliases" else files.host_conf()
        assert value.origin == path
    assert time.monotonic() - started < 5
