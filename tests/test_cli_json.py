"""``--json`` on every lookup command of ``netdb``, failures included.

In-process through ``main([...])`` against ``tests/fixtures/cli/etc``.  Every getent-style case of
``tests/test_cli.FORMATS`` is run again with ``--json``: the exit status must be the same and the
JSON must carry every field of the text lines (``test_cli.getent_text`` rebuilds getent's lines
from it).  The sandbox differential (``test_cli.test_getent_differential_json``) does the same
against the real getent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netdb.cli import main
from tests.test_cli import ERRORS, ETC, FORMATS, getent_text, run

GETENT = ("hosts", "ahosts", "ahostsv4", "ahostsv6", "services", "protocols")


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, Any, str]:
    rc, out, err = run(capsys, argv)
    assert "Traceback" not in err
    return rc, json.loads(out), err


GETENT_FORMATS = [pytest.param(a, s, e, id=repr(a)) for a, s, e in FORMATS if a[0] in GETENT]


@pytest.mark.parametrize(("argv", "status", "expected"), GETENT_FORMATS)
def test_json_carries_the_text(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, expected: str
) -> None:
    rc, doc, err = _json(capsys, [*argv, "--json", "--etc", ETC])
    assert (rc, err) == (status, "")
    assert getent_text(doc) == expected
    keys = [a for a in argv[1:] if not a.startswith("-")]
    if keys:
        assert [item["key"] for item in doc] == keys
    for item in doc:
        if "error" in item:
            assert item["error"]["kind"] in ("herror", "gaierror", "not_found"), item


# (argv, the exact JSON)
SHAPES: list[tuple[list[str], int, Any]] = [
    (
        ["hosts", "four", "nope"],
        2,
        [
            {
                "key": "four",
                "name": "four.example.test",
                "aliases": ["four"],
                "family": "AF_INET",
                "addresses": ["192.0.2.1"],
            },
            {
                "key": "nope",
                "error": {
                    "kind": "herror",
                    "code": 1,
                    "name": "HOST_NOT_FOUND",
                    "message": "Unknown host",
                },
            },
        ],
    ),
    (
        ["ahostsv4", "-A", "four", "nope"],
        2,
        [
            {
                "key": "four",
                "results": [
                    {
                        "family": "AF_INET",
                        "type": t,
                        "protocol": p,
                        "canonical_name": c,
                        "sockaddr": ["192.0.2.1", 0],
                    }
                    for t, p, c in [
                        ("SOCK_STREAM", "IPPROTO_TCP", "four.example.test"),
                        ("SOCK_DGRAM", "IPPROTO_UDP", ""),
                        ("SOCK_RAW", "IPPROTO_IP", ""),
                    ]
                ],
            },
            {
                "key": "nope",
                "error": {
                    "kind": "gaierror",
                    "code": -2,
                    "name": "EAI_NONAME",
                    "message": "Name or service not known",
                },
            },
        ],
    ),
    (
        ["services", "www", "nope"],
        2,
        [
            {"key": "www", "name": "http", "port": 80, "protocol": "tcp", "aliases": ["www"]},
            {
                "key": "nope",
                "error": {"kind": "not_found", "code": None, "name": None, "message": "not found"},
            },
        ],
    ),
    (
        ["protocols", "6abc"],
        0,
        [{"key": "6abc", "name": "tcp", "number": 6, "aliases": ["TCP"]}],
    ),
    (
        ["protocols", "nope"],
        2,
        [
            {
                "key": "nope",
                "error": {"kind": "not_found", "code": None, "name": None, "message": "not found"},
            }
        ],
    ),
    (["nameinfo", "192.0.2.1", "80"], 0, {"host": "four.example.test", "service": "http"}),
    (
        ["nameinfo", "198.51.100.9", "7", "--flag", "namereqd"],
        2,
        {
            "error": {
                "kind": "gaierror",
                "code": -2,
                "name": "EAI_NONAME",
                "message": "Name or service not known",
            }
        },
    ),
    (
        ["addrinfo", "192.0.2.1", "http", "--type", "dgram"],
        2,
        {
            "error": {
                "kind": "gaierror",
                "code": -8,
                "name": "EAI_SERVICE",
                "message": "Servname not supported for ai_socktype",
            }
        },
    ),
    (
        ["services"],
        0,
        [
            {"name": "echo", "port": 7, "protocol": "tcp", "aliases": []},
            {"name": "echo", "port": 7, "protocol": "udp", "aliases": []},
            {"name": "http", "port": 80, "protocol": "tcp", "aliases": ["www"]},
            {"name": "müll", "port": 7777, "protocol": "tcp", "aliases": ["trash"]},
            {
                "name": "a-name-longer-than-twenty-one",
                "port": 7778,
                "protocol": "udp",
                "aliases": [],
            },
        ],
    ),
]


@pytest.mark.parametrize(("argv", "status", "expected"), SHAPES, ids=lambda v: repr(v))
def test_json_shapes(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, expected: Any
) -> None:
    rc, doc, _ = _json(capsys, [*argv, "--json", "--etc", ETC])
    assert (rc, doc) == (status, expected)


@pytest.mark.parametrize(("argv", "expected"), ERRORS, ids=lambda v: repr(v))
def test_json_failures_same_status_and_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """A failed addrinfo/nameinfo: the same exit status and stderr line, and an error object."""
    rc, doc, err = _json(capsys, [*argv, "--json", "--etc", ETC])
    assert (rc, err) == (2, expected)
    assert set(doc) == {"error"}
    assert doc["error"]["message"] in expected
    assert doc["error"]["kind"] == "gaierror"


# Command lines that fail before any lookup: (argv, exit status, kind)
WHOLE_FAILURES: list[tuple[list[str], int, str]] = [
    (["addrinfo", "h", "--family", "bogus", "--json"], 64, "usage"),
    (["addrinfo", "192.0.2.1", "--family", str(2**40), "--json", "--etc", ETC], 64, "usage"),
    (["nameinfo", "192.0.2.1", "http", "--json"], 64, "usage"),
    (["hosts", "--json", "--bogus"], 64, "usage"),
    (["services", "--json", "-1"], 64, "usage"),
    (["hosts", "-s", "nosuch:files", "x", "--json"], 1, "usage"),
    (["protocols", "tcp", "--json", "--etc", "/nonexistent/netdb-test"], 64, "usage"),
    (["addrinfo", "--js", "h", "--etc", "/nonexistent/netdb-test"], 64, "usage"),
]


@pytest.mark.parametrize(("argv", "status", "kind"), WHOLE_FAILURES, ids=repr)
def test_json_whole_command_failures(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, kind: str
) -> None:
    """With --json, stdout holds one JSON value whatever happens; stderr keeps its message."""
    rc, out, err = run(capsys, argv)
    assert rc == status
    assert err.startswith("netdb: ") and "Traceback" not in err
    doc = json.loads(out)
    assert set(doc) == {"error"}
    assert doc["error"]["kind"] == kind
    assert doc["error"]["message"] in err


def test_json_undecodable_bytes(capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path) -> None:
    """Bytes that are not UTF-8 come out as \\udcXX escapes: valid UTF-8 JSON, bytes recoverable."""
    (tmp_path / "hosts").write_bytes(b"192.0.2.9 caf\xe9 \xff\n")
    (tmp_path / "nsswitch.conf").write_text("hosts: files\n")
    rc = main(["hosts", "192.0.2.9", "caf\udce9", "\udcfe", "--json", "--etc", str(tmp_path)])
    out = capsysbinary.readouterr().out
    assert rc == 2
    doc = json.loads(out.decode("utf-8"))  # strict: every byte of the output is UTF-8
    assert doc[0]["name"] == "caf\udce9" and doc[0]["aliases"] == ["\udcff"]
    assert doc[1]["name"] == "caf\udce9" and doc[1]["key"] == "caf\udce9"
    assert doc[2]["key"] == "\udcfe" and doc[2]["error"]["kind"] == "herror"
    assert [d["name"].encode("utf-8", "surrogateescape") for d in doc[:2]] == [b"caf\xe9"] * 2


@pytest.mark.parametrize("command", [*GETENT, "addrinfo", "nameinfo"])
def test_help_documents_json(capsys: pytest.CaptureFixture[str], command: str) -> None:
    rc, out, _ = run(capsys, [command, "--help"])
    assert rc == 0
    text = " ".join(out.split())
    assert "--json" in text
    assert '"error"' in text, text
