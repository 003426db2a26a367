"""/etc/host.conf (host.conf(5)) as glibc 2.36 reads it (``resolv/res_hconf.c``).

Only ``multi on|off`` still changes lookups through the files module: with it, ``gethostbyname``
merges every line naming the host; without it, the first line answers.  The ``RESOLV_MULTI``
environment variable overrides the file.  ``reorder``, ``trim``, ``spoof`` and ``nospoof`` are
parsed and kept for ``explain`` but change nothing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._lines import ascii_lower, fields


@dataclass(frozen=True, slots=True)
class HostConf:
    multi: bool = False
    reorder: bool = False
    trim: tuple[str, ...] = ()
    origin: str = ""


def _boolean(word: str) -> bool | None:
    w = ascii_lower(word)
    if w == "on":
        return True
    if w == "off":
        return False
    return None


def parse_host_conf(
    text: str | None, env: Mapping[str, str] | None = None, origin: str = "/etc/host.conf"
) -> HostConf:
    multi = reorder = False
    trim: list[str] = []
    for line in (text or "").split("\n"):
        parts = fields(line)
        if not parts:
            continue
        key = ascii_lower(parts[0])
        arg = parts[1] if len(parts) > 1 else ""
        if key == "multi":
            value = _boolean(arg)
            if value is not None:
                multi = value
        elif key == "reorder":
            value = _boolean(arg)
            if value is not None:
                reorder = value
        elif key == "trim":
            trim.extend(d for d in " ".join(parts[1:]).replace(",", " ").replace(":", " ").split())
    if env is not None and "RESOLV_MULTI" in env:
        value = _boolean(env["RESOLV_MULTI"])
        if value is not None:
            multi = value
    return HostConf(multi, reorder, tuple(trim), origin)
