"""The layering stays true: core modules never import socket, selectors or asyncio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
CORE = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts)
    for p in (SRC / "netdb").rglob("*.py")
    if p.name != "__init__.py" or p.parent.name == "config"
    if not {"cli", "_io"} & set(p.relative_to(SRC).parts)
    if p.name not in ("_api.py", "_explain.py", "aio.py", "_install.py", "aiohttp.py")
)
FORBIDDEN = ("socket", "_socket", "selectors", "asyncio")


@pytest.mark.parametrize("module", CORE)
def test_core_module_is_pure(module: str) -> None:
    code = (
        "import sys\n"
        "sys.modules['netdb'] = type(sys)('netdb'); sys.modules['netdb'].__path__ = "
        f"[{str(SRC / 'netdb')!r}]\n"
        f"import importlib; importlib.import_module({module!r})\n"
        f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulls in {out}"


def test_core_list_is_not_empty() -> None:
    assert {"netdb.gai", "netdb.hosts", "netdb.address", "netdb.sort"} <= set(CORE)
