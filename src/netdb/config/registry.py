"""The bundled service and protocol registries, for systems without /etc/services or /etc/protocols.

Slim containers often lack both files; glibc then knows no service or protocol names at all.  netdb
answers from copies of the well-known registries instead (``data/services``, ``data/protocols``:
port numbers, protocol numbers and names as assigned by IANA, with the aliases Debian's netbase
uses), and every answer's ``origin`` says it came from here.
``SystemFiles(bundled_registry=False)``
turns this off, which is glibc's behaviour.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

BUNDLED_SERVICES = "bundled:services"
BUNDLED_PROTOCOLS = "bundled:protocols"


@cache
def services_text() -> str:
    return resources.files(__package__).joinpath("data/services").read_text("latin-1")


@cache
def protocols_text() -> str:
    return resources.files(__package__).joinpath("data/protocols").read_text("latin-1")
