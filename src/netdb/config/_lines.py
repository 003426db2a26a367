"""How glibc's nss_files modules read lines and cut them into fields (``nss/nss_readline.c``,
``nss/nss_files/files-parse.c``).

A line is read whole with ``fgets``, so a NUL byte ends it as a C string; everything from the
first ``#`` is dropped; fields are separated by C ``isspace`` characters (space, tab, newline,
vertical tab, form feed, carriage return).  Numbers are read the way ``strtoul`` reads them
(leading blanks and a sign allowed, wrapped to the C type).
"""

from __future__ import annotations

from collections.abc import Iterator

SPACE = " \t\n\v\f\r"
CHUNK = 2048
"""Lines a parser in steps reads between two pauses (the asyncio front parses a changed file
so: a file of a million lines does not hold the event loop)."""


def nss_lines(text: str) -> Iterator[tuple[int, str, int, int]]:
    """Every line of an nss_files database as glibc's ``__nss_readline`` hands it to the parser.

    Yields ``(number, line, raw_length, nul_at)`` for each physical line: ``line`` is what the
    parser reads (a C string: cut at the first NUL byte and at the newline), ``raw_length`` the
    bytes ``fgets`` read (newline included), ``nul_at`` the index of the C string's end in them.

    ``__nss_readline`` strips leading blanks with ``memmove(buf, p, strlen(p))``, which moves the
    string but not its NUL terminator: the last *k* characters stay behind, *k* being the number of
    blanks removed.  Behind a newline they are cut off with it; a line that has none (the file's
    last line without one, or a line holding a NUL byte) keeps them, so ``"  a b"`` at the end of
    a file reads as ``"a b b"``.
    """
    segments = text.split("\n")
    last = len(segments) - 1
    for index, seg in enumerate(segments):
        ended = index < last
        if not ended and not seg:
            return  # the end of the file, after its last newline
        raw_length = len(seg) + ended
        nul = seg.find("\x00")
        if nul < 0:
            if ended:
                # The quirk's leftover lies behind the newline: the line reads as written.
                yield index + 1, seg, raw_length, raw_length
                continue
            string = seg
            nul = raw_length
        else:
            string = seg[:nul]
        k = len(string) - len(string.lstrip(SPACE))
        if k == len(string):
            yield index + 1, "", raw_length, nul  # blank (or empty before its NUL): skipped
            continue
        if k:
            string = string[k:] + string[len(string) - k :]
        yield index + 1, string, raw_length, nul


def fgets_pieces(text: str, size: int) -> Iterator[str]:
    """The C strings a loop of ``fgets(buf, size, fp)`` reads from ``text``: pieces of at most
    ``size - 1`` characters, each ending after its newline (kept) or where the buffer filled,
    and each cut at its first NUL byte (where the C string ends)."""
    pos = 0
    limit = size - 1
    while pos < len(text):
        newline = text.find("\n", pos, pos + limit)
        stop = pos + limit if newline < 0 else newline + 1
        yield text[pos:stop].split("\x00", 1)[0]
        pos = stop


def fields(line: str) -> list[str]:
    """The whitespace-separated fields of ``line`` before any ``#``."""
    hash_at = line.find("#")
    if hash_at >= 0:
        line = line[:hash_at]
    return line.split() if line.isascii() else _split_c(line)


def _split_c(line: str) -> list[str]:
    """``str.split()`` splits on Unicode spaces too; C isspace knows only six characters."""
    out: list[str] = []
    cur: list[str] = []
    for ch in line:
        if ch in SPACE:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


_ULONG_DIGITS = {8: 22, 10: 20, 16: 16}  # the most digits an unsigned long has in each base


def digits_value(digits: str, base: int = 10) -> int:
    """The value of a run of ``digits`` in ``base`` (8, 10 or 16), or ``2**64`` (too large for
    an unsigned long) once it has more digits than one can have: ``int()`` alone refuses
    decimal text of more than 4,300 digits, where C's ``strtoul`` reads on and saturates."""
    significant = digits.lstrip("0")
    if len(significant) > _ULONG_DIGITS[base]:
        return 1 << 64
    return int(significant, base) if significant else 0


def strtoul(text: str, base: int = 10) -> tuple[int, int]:
    """``strtoul(text, &end, base)`` for base 10 or 0 (C prefixes ``0x`` and ``0``).

    Returns (value as unsigned long, index of ``end``); ``end`` 0 means no number was read.
    """
    i, n = 0, len(text)
    while i < n and text[i] in SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    if base == 0:
        base = 10
        if text[i : i + 1] == "0":
            base = 8
            if (
                text[i + 1 : i + 2] in ("x", "X")
                and text[i + 2 : i + 3]
                and (text[i + 2] in _DIGITS[16])
            ):
                base = 16
                i += 2
    digits = _DIGITS[base]
    start = i
    while i < n and text[i] in digits:
        i += 1
    if i == start:
        return 0, 0
    value = digits_value(text[start:i], base)
    if value > 0xFFFFFFFFFFFFFFFF:
        value = 0xFFFFFFFFFFFFFFFF
    elif negative:
        value = -value & 0xFFFFFFFFFFFFFFFF
    return value, i


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """Lower-case as ``strcasecmp`` does in the C locale: ASCII letters only."""
    return text.lower() if text.isascii() else text.translate(_LOWER)
