"""The ``netdb`` console script's entry point, kept outside the ``netdb`` package.

Importing ``netdb`` and its command line takes tens of milliseconds; a Ctrl-C in that time
would end the command with a ``KeyboardInterrupt`` traceback from inside an import, before
``netdb.cli.main`` could catch it.  This module imports nothing of netdb's until it is inside
the ``try`` that turns the interrupt into the command's documented status (130).
"""

from __future__ import annotations

EXIT_INTERRUPT = 130


def main() -> int:
    """Run the ``netdb`` command (``netdb.cli.main``); 130 when interrupted while it starts."""
    try:
        from netdb.cli import main as command

        return command()
    except KeyboardInterrupt as exc:
        if getattr(exc, "netdb_program", False):
            raise  # ``netdb run``'s program's own: it ends the process as python would
        return EXIT_INTERRUPT
