"""netdb.config.resolv against glibc: upstream vectors, the machine's own res_init, properties.

* ``glibc_cases`` of ../shared/vectors/resolv_conf_vectors.json (glibc's tst-resolv-res_init): the
  parsed state must equal the row's ``expected``.  A few rows encode options added to glibc after
  2.36 ("strict-error", "-flag"); they are run with ``upstream=True`` (every row is, so the newer
  dialect must keep everything older working too); the oracle test below pins 2.36 itself.
* The oracle: every vector row and tests/fixtures/resolv/oracle_cases.json, run through this
  machine's glibc (``res_state_dump.py`` under ``unshare --mount --uts`` with the case's file bound
  over /etc/resolv.conf) and compared with ``parse_resolv_conf`` on the legacy ``_res`` view.
* ``search_expansion`` rows against ``candidate_names``.
* Random text never raises.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netdb.config.resolv import ResolvConf, candidate_names, parse_resolv_conf

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "resolv_conf_vectors.json"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resolv"
DUMP = FIXTURES / "res_state_dump.py"


def _vectors() -> dict[str, Any] | None:
    if not VECTORS.is_file():
        return None
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


_DATA = _vectors()
_NO_VECTORS = f"test vectors not found at {VECTORS} (the shared/vectors folder beside the checkout)"


def _rows(block: str) -> list[Any]:
    """The rows of one vector block as pytest params (one skipped param when the file is absent)."""
    if _DATA is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=_NO_VECTORS), id="no-vectors")]
    return [
        pytest.param(row, id=f"{i}-{row.get('name', row.get('source', ''))}")
        for i, row in enumerate(_DATA[block])
    ]


def _view(conf: ResolvConf) -> dict[str, Any]:
    """The parsed state in the vectors' ``expected`` shape."""
    return {
        "ndots": conf.ndots,
        "timeout": conf.timeout,
        "attempts": conf.attempts,
        "flags": sorted(conf.options),
        "search": list(conf.search),
        "search_legacy": list(conf.search_legacy),
        "sortlist": [list(e) for e in conf.sortlist],
        "nameservers": [list(s) for s in conf.nameservers],
        "nameservers_legacy": [addr for addr, _ in conf.nameservers_legacy],
    }


# --- glibc's tst-resolv-res_init -----------------------------------------------------------------


@pytest.mark.parametrize("row", _rows("glibc_cases"))
def test_glibc_res_init_vectors(row: dict[str, Any]) -> None:
    want = dict(row["expected"])
    want.pop("domain_legacy", None)
    want["flags"] = sorted(want["flags"])
    texts: list[str | None] = [row["conf"]]
    if row["conf"] == "":
        texts.append(None)  # glibc_special "missing file": identical to an empty one
    for text in texts:
        conf = parse_resolv_conf(text, env=row["env"], hostname=row["hostname"], upstream=True)
        assert _view(conf) == want, f"conf={text!r}"


# --- this machine's glibc ------------------------------------------------------------------------

_FLAG_BITS = {
    "use-vc": 0x8,
    "rotate": 0x4000,
    "edns0": 0x100000,
    "single-request": 0x200000,
    "single-request-reopen": 0x400000,
    "no-tld-query": 0x1000000,
    "no-reload": 0x2000000,
    "trust-ad": 0x4000000,
    "no-aaaa": 0x8000000,
}
_DEFAULT_BITS = 0x1 | 0x40 | 0x80 | 0x200  # RES_INIT | RES_DEFAULT


def _oracle_unavailable() -> str | None:
    if not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") != "glibc 2.36":
        return "the parser models glibc 2.36; this is not a glibc 2.36 system"
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None:
        return "needs root, unshare(1) and mount(8) to bind a file over /etc/resolv.conf privately"
    if not os.path.isfile("/etc/resolv.conf"):
        return "/etc/resolv.conf is not a regular file to bind over"
    probe = subprocess.run(
        ["unshare", "--mount", "--uts", "true"], capture_output=True, check=False, timeout=10
    )
    if probe.returncode != 0:
        return f"unshare --mount --uts fails here: {probe.stderr.decode(errors='replace').strip()}"
    return None


def _glibc_state(conf: str, env: dict[str, str], hostname: str) -> dict[str, Any] | None:
    """What res_init builds for the case, or None when glibc does not finish (it can loop)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".conf") as f:
        f.write(conf.encode("latin-1"))
        f.flush()
        script = 'mount --bind "$1" /etc/resolv.conf && exec "$2" "$3" "$4"'
        argv = ["unshare", "--mount", "--uts", "--", "sh", "-c", script, "sh", f.name]
        argv += [sys.executable, str(DUMP), hostname]
        run_env = {k: v for k, v in os.environ.items() if k not in ("LOCALDOMAIN", "RES_OPTIONS")}
        run_env.update(env)
        try:
            done = subprocess.run(argv, capture_output=True, env=run_env, check=True, timeout=5)
        except subprocess.TimeoutExpired:
            return None
    state: dict[str, Any] = json.loads(done.stdout)
    return state


def _oracle_rows() -> list[Any]:
    rows: list[Any] = []
    if _DATA is not None:
        rows += [
            pytest.param(r["conf"], r["env"], r["hostname"], id=f"vector-{r['name']}")
            for r in _DATA["glibc_cases"]
        ]
    extra = json.loads((FIXTURES / "oracle_cases.json").read_text(encoding="utf-8"))
    rows += [
        pytest.param(r["conf"], r["env"], r["hostname"], id=f"extra-{r['name']}")
        for r in extra["cases"]
    ]
    return rows


@pytest.fixture(scope="module")
def oracle() -> None:
    reason = _oracle_unavailable()
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.parametrize(("text", "env", "hostname"), _oracle_rows())
def test_against_this_glibc(oracle: None, text: str, env: dict[str, str], hostname: str) -> None:
    mine = parse_resolv_conf(text, env=env, hostname=hostname)
    got = _glibc_state(text, env, hostname)
    if got is None:
        # glibc 2.36 spins forever on some sortlist lines; netdb must end them and go on.
        assert "sortlist" in text, "glibc did not finish on a case without a sortlist line"
        return
    want_flags = sorted(n for n, bit in _FLAG_BITS.items() if got["options"] & bit)
    assert got["options"] & ~sum(_FLAG_BITS.values()) == _DEFAULT_BITS, hex(got["options"])
    servers = []
    for addr, port, scope_id in got["nameservers"]:
        servers.append((addr, port, scope_id))
    mine_servers = []
    for addr, port in mine.nameservers_legacy:
        head, _, scope = addr.partition("%")
        scope_id = 0
        if scope:
            scope_id = int(scope) if scope.isdigit() else _ifindex(scope)
        mine_servers.append((head, port, scope_id))
    assert {
        "ndots": mine.ndots,
        "timeout": mine.timeout,
        "attempts": mine.attempts,
        "flags": sorted(mine.options),
        "search_legacy": list(mine.search_legacy),
        "sortlist": [list(e) for e in mine.sortlist_legacy],
        "nameservers": mine_servers,
    } == {
        "ndots": got["ndots"],
        "timeout": got["timeout"],
        "attempts": got["attempts"],
        "flags": want_flags,
        "search_legacy": got["search_legacy"],
        "sortlist": got["sortlist"],
        "nameservers": servers,
    }


def _ifindex(name: str) -> int:
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return 0


def test_sortlist_line_glibc_would_loop_on_ends_cleanly() -> None:
    conf = parse_resolv_conf(
        "sortlist 192.0.2.0\r\nsortlist /24 10.0.0.0\nnameserver 192.0.2.1\n",
        env={},
        hostname="h.example",
    )
    assert conf.sortlist == (("192.0.2.0", "255.255.255.0"),)
    assert conf.nameservers == (("192.0.2.1", 53),)


# --- the search list at work ---------------------------------------------------------------------


def _expansion_rows() -> list[Any]:
    rows = _rows("search_expansion")
    return [r for r in rows if r.values[0] is None or "name" in r.values[0]]


@pytest.mark.parametrize("row", _expansion_rows())
def test_search_expansion_vectors(row: dict[str, Any]) -> None:
    conf = ResolvConf(search=tuple(row["search"]), ndots=row["ndots"])
    # Go drops .onion names (RFC 7686); glibc 2.36 does not, so that is an opt-in here.
    names = candidate_names(conf, row["name"], rfc7686=row["source"].startswith("golang"))
    if "expected_qnames" in row:
        assert list(names) == row["expected_qnames"]
    else:
        prefix = row["expected_qnames_prefix"]
        assert [n.rstrip(".") for n in names[: len(prefix)]] == prefix


@pytest.mark.parametrize(
    ("search", "ndots", "options", "name", "want"),
    [
        (("a.example",), 1, (), "www", ("www.a.example.", "www.")),
        (("a.example",), 1, ("no-tld-query",), "www", ("www.a.example.",)),
        (("a.example",), 1, ("no-tld-query",), "x.y", ("x.y.", "x.y.a.example.")),
        ((), 1, ("no-tld-query",), "www", ("www.",)),
        (
            ("a.example", ".", "b.example"),
            1,
            (),
            "www",
            ("www.a.example.", "www.", "www.b.example."),
        ),
        ((".a.example",), 2, (), "x.y", ("x.y.a.example.", "x.y.")),
        (("a.example",), 1, (), "x.y.", ("x.y.",)),
        (("a.example",), 0, (), "www", ("www.", "www.a.example.")),
        (("a.example",), 1, (), "", (".a.example.",)),
        (("a.example",), 1, (), "x" * 1020, ("x" * 1020 + ".",)),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_candidate_names_rules(
    search: tuple[str, ...], ndots: int, options: tuple[str, ...], name: str, want: tuple[str, ...]
) -> None:
    conf = ResolvConf(search=search, ndots=ndots, options=frozenset(options))
    assert candidate_names(conf, name) == want


# --- properties ----------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "nameserver ",
        "search ",
        "domain ",
        "options ",
        "sortlist ",
        "#",
        ";",
        "\n",
        "\r",
        "\t",
        " ",
        "/",
        "&",
        "%",
        ":",
        ".",
        "-",
        "ndots:",
        "timeout:",
        "attempts:",
        "edns0",
        "::1",
        "fe80::1%lo",
        "192.0.2.1",
        "0x7f",
        "99999999999999999999999",
        "\x00",
        "\x0b",
        "é",
        "\u2028",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.none(), _TEXT),
    localdomain=st.one_of(st.none(), _TEXT),
    res_options=st.one_of(st.none(), _TEXT),
    hostname=st.text(max_size=20),
)
def test_random_text_never_raises(
    text: str | None, localdomain: str | None, res_options: str | None, hostname: str
) -> None:
    env = {}
    if localdomain is not None:
        env["LOCALDOMAIN"] = localdomain
    if res_options is not None:
        env["RES_OPTIONS"] = res_options
    conf = parse_resolv_conf(text, env=env, hostname=hostname)
    assert conf.nameservers and all(port == 53 for _, port in conf.nameservers)
    assert 0 <= conf.ndots <= 15 and conf.timeout <= 30 and conf.attempts <= 5
    assert len(conf.search_legacy) <= 6 and len(conf.nameservers_legacy) <= 3
    for name in ("www", "a.b", "a.b.", ""):
        candidate_names(conf, name)
