"""IP address text <-> bytes, exactly as glibc 2.36 and CPython's ``socket`` do it on Linux.

Owns:

* the four ``socket`` functions ``inet_aton``, ``inet_ntoa``, ``inet_pton``, ``inet_ntop``
  (inet(3), inet_pton(3), inet_ntop(3)), including CPython's argument handling: the same exception
  class and args for a wrong type, a wrong number of arguments, an embedded NUL, a lone surrogate,
  an out-of-range family or a buffer of the wrong length;
* the ``parse_*`` / ``format_*`` helpers the lookup layer calls on every request: they never raise
  and answer ``None`` for anything glibc would reject;
* numeric hosts as getaddrinfo(3) sees them (glibc's ``__inet_aton_exact``, then ``inet_pton``
  with an RFC 4007 §11 ``%scope`` suffix read as glibc's ``__inet6_scopeid_pton`` reads it);
* reverse-lookup names (RFC 1035 §3.5 ``in-addr.arpa``, RFC 3596 §2.5 ``ip6.arpa``).

Theory of operation.  glibc has three IPv4 grammars and one IPv6 grammar:

``inet_aton``
    one to four parts separated by dots; each part is a C integer constant (``0x`` hex, leading
    ``0`` octal, else decimal); every part but the last is one byte, the last fills the remaining
    bytes (``127.1`` is 127.0.0.1, ``0x7f000001`` too).  Parsing stops at the first character that
    is not part of a number or a dot; that character must be the end or C ``isspace``, and whatever
    follows a blank is ignored (``"1.2.3.4 junk"`` is accepted).
``__inet_aton_exact``
    the same grammar with nothing after the number; getaddrinfo uses it for numeric hosts.
``inet_pton(AF_INET)``
    exactly four decimal parts, each 0..255 without a leading zero.
``inet_pton(AF_INET6)``
    RFC 4291 §2.2: eight groups of one to four hex digits, one ``::`` standing for at least one
    zero group, optionally ending in an embedded ``inet_pton(AF_INET)`` quad that counts as two
    groups.  glibc accepts ``1:2:3:4:5:6:7::`` (RFC 5952 would write the last group).

``inet_ntop(AF_INET6)`` compresses the *first* longest run of two or more zero groups, writes
hex in lower case, and switches to a dotted quad for IPv4-compatible (``::a.b.c.d``, the first six
groups zero and the seventh not) and IPv4-mapped (``::ffff:a.b.c.d``) addresses.  RFC 5952 §5 would
not write ``::a.b.c.d``; glibc does, and so does this module.

Text handed in by the lookup layer is a C string seen one byte per character (latin-1); text handed
to the ``socket`` functions is a Python ``str``, checked the way CPython's ``"s"`` converter checks
it (UTF-8 encodable, no NUL).  Either way a non-ASCII character is never part of an address, so the
parsers work on the ``str`` directly.  Pure code: the interface-name lookup a ``%scope`` needs is
passed in by the caller.
"""

from __future__ import annotations

import errno
import operator
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .constants import AF_INET, AF_INET6

__all__ = [
    "NumericHost",
    "format_ipv4",
    "format_ipv6",
    "inet_aton",
    "inet_ntoa",
    "inet_ntop",
    "inet_pton",
    "parse_ipv4_exact",
    "parse_ipv4_strict",
    "parse_ipv6",
    "parse_numeric_host",
    "parse_scope_id",
    "reverse_pointer",
]

# --- character classes and tables ----------------------------------------------------------------

_DIGITS = "0123456789"
_NONZERO_DIGITS = "123456789"
_OCT_DIGITS = "01234567"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_IPV6_CHARS = _HEX_DIGITS + ":."
_C_SPACE = " \t\n\v\f\r"  # isspace() in the C locale; glibc checks isascii() first

# inet_pton(AF_INET) octets: "0".."255", no leading zeros.  A dict lookup checks the syntax and
# the range at once and is the fast path of every IPv4 parser here.
_OCTET: dict[str, int] = {str(i): i for i in range(256)}
_OCTET_TEXT: tuple[str, ...] = tuple(str(i) for i in range(256))
# inet_aton: the largest value the last part may have, by the number of parts before it.
_LAST_PART_MAX = (0xFFFFFFFF, 0xFFFFFF, 0xFFFF, 0xFF)
_PACK4 = struct.Struct("4B").pack
_UNPACK8 = struct.Struct(">8H").unpack
# inet_pton(AF_INET6): eight groups right-aligned in four columns; blanks then become zeros.
_GROUPS_PADDED = "%4s" * 8
_ZERO_GROUPS = tuple(("0",) * n for n in range(9))
# inet_ntop(AF_INET6): bytes.hex(":", 2) framed by colons is ":gggg:gggg:...:gggg:", so a zero
# group is exactly ":0000" at a multiple of 5, and a run of n zero groups is ":0000" * n + ":".
_ZERO_RUN = tuple(":0000" * n + ":" for n in range(9))
# _COMPRESSED[base][n]: the format of an address whose run of n zero groups starts at group base.
_COMPRESSED = tuple(
    tuple(
        ":".join(["%x"] * base) + "::" + ":".join(["%x"] * (8 - base - n)) for n in range(9 - base)
    )
    for base in range(8)
)
_ZERO10 = bytes(10)

# --- IPv4 ----------------------------------------------------------------------------------------


def _c_number(part: str) -> int:
    """One part of an ``inet_aton`` address as C's ``strtoul(part, &end, 0)`` reads it.

    -1 when ``part`` is not entirely one number (glibc then fails on the character after it).
    """
    first = part[:1]
    if first and first in _NONZERO_DIGITS:
        # Decimal.  Eleven or more digits without a leading zero exceed 0xffffffff anyway, and
        # the cap keeps int() away from its digit limit.
        if len(part) > 10 or part.strip(_DIGITS):
            return -1
        return int(part)
    if first != "0":
        return -1
    if len(part) > 1 and part[1] in "xX":
        digits = part[2:]
        if not digits or digits.strip(_HEX_DIGITS):
            return -1  # "0x" alone: strtoul reads the "0" and stops at the "x"
        return int(digits, 16)
    if part.strip(_OCT_DIGITS):
        return -1  # "08": the "0" is read, the "8" is left over
    return int(part, 8)


def _bsd_parts(parts: list[str]) -> bytes | None:
    """The general ``inet_aton`` grammar over already dot-split parts, nothing trailing."""
    count = len(parts)
    if count > 4:
        return None
    word = 0
    for k in range(count - 1):
        value = _c_number(parts[k])
        if not 0 <= value <= 0xFF:
            return None
        word |= value << (24 - 8 * k)
    last = _c_number(parts[-1])
    if not 0 <= last <= _LAST_PART_MAX[count - 1]:
        return None
    return (word | last).to_bytes(4, "big")


def parse_ipv4_exact(text: str) -> bytes | None:
    """glibc's ``__inet_aton_exact``: a BSD-form IPv4 address (inet(3)) with nothing after it."""
    parts = text.split(".")
    if len(parts) == 4:
        a, b, c, d = parts
        try:  # the common dotted quad
            return _PACK4(_OCTET[a], _OCTET[b], _OCTET[c], _OCTET[d])
        except KeyError:
            pass
    return _bsd_parts(parts)


def _inet_aton_text(text: str) -> bytes | None:
    """glibc's ``inet_aton``: ``__inet_aton_exact`` on the text before the first C blank."""
    if " " in text or not text.isprintable():
        # isprintable() is False for \t \n \v \f \r (and for some non-ASCII text): find the
        # first blank; everything from it on is ignored.
        cut = len(text)
        for blank in _C_SPACE:
            at = text.find(blank, 0, cut)
            if at >= 0:
                cut = at
        text = text[:cut]
    return parse_ipv4_exact(text)


def parse_ipv4_strict(text: str) -> bytes | None:
    """``inet_pton(AF_INET)``: exactly four decimal parts, each 0..255, no leading zeros."""
    parts = text.split(".")
    if len(parts) == 4:
        a, b, c, d = parts
        try:
            return _PACK4(_OCTET[a], _OCTET[b], _OCTET[c], _OCTET[d])
        except KeyError:
            pass
    return None


def format_ipv4(packed: bytes) -> str:
    """``inet_ntop(AF_INET)`` / ``inet_ntoa`` of four bytes."""
    a, b, c, d = packed
    return _OCTET_TEXT[a] + "." + _OCTET_TEXT[b] + "." + _OCTET_TEXT[c] + "." + _OCTET_TEXT[d]


# --- IPv6 ----------------------------------------------------------------------------------------


def _hex_groups(text: str) -> bytes | None:
    """Eight hex groups (one may be ``::``) of ``text``, which holds only hex digits and colons."""
    if "::" in text:
        head, _, tail = text.partition("::")
        groups = head.split(":") if head else []
        after = tail.split(":") if tail else []  # a second "::" leaves an empty group here
        fill = 8 - len(groups) - len(after)
        if fill < 1:
            return None  # "::" must stand for at least one group
        groups += _ZERO_GROUPS[fill]
        groups += after
    else:
        groups = text.split(":")
        if len(groups) != 8:
            return None
    if "" in groups:
        return None
    padded = _GROUPS_PADDED % tuple(groups)
    if len(padded) != 32:
        return None  # a group of more than four digits
    return bytes.fromhex(padded.replace(" ", "0"))


def parse_ipv6(text: str) -> bytes | None:
    """``inet_pton(AF_INET6)``: RFC 4291 §2.2 text forms as glibc accepts them."""
    # 45 characters is the longest valid form (six 4-digit groups and a 15-character quad).
    if not 2 <= len(text) <= 45 or text.strip(_IPV6_CHARS):
        return None
    if "." not in text:
        return _hex_groups(text)
    # An embedded IPv4 address is the last group and counts as two groups (RFC 4291 §2.2 item 3).
    head, colon, quad = text.rpartition(":")
    if not colon or "." in head:
        return None
    v4 = parse_ipv4_strict(quad)
    if v4 is None:
        return None
    packed = _hex_groups(head + ":0:0")
    return None if packed is None else packed[:12] + v4


def format_ipv6(packed: bytes) -> str:
    """``inet_ntop(AF_INET6)`` as glibc writes it (see the module docstring)."""
    if packed[:10] == _ZERO10:
        if packed[10:12] == b"\xff\xff":
            return "::ffff:" + format_ipv4(packed[12:])
        if packed[10:12] == b"\x00\x00" and packed[12:14] != b"\x00\x00":
            return "::" + format_ipv4(packed[12:])
    words = _UNPACK8(packed)
    framed = ":" + packed.hex(":", 2) + ":"
    if ":0000:0000:" not in framed:
        return "%x:%x:%x:%x:%x:%x:%x:%x" % words
    # The longest run is at most the number of zero groups; find() gives its first occurrence.
    for n in range(framed.count(":0000"), 1, -1):
        at = framed.find(_ZERO_RUN[n])
        if at >= 0:
            base = at // 5
            return _COMPRESSED[base][n] % (words[:base] + words[base + n :])
    raise AssertionError("unreachable: a run of two zero groups was seen")  # pragma: no cover


# --- numeric hosts as getaddrinfo sees them ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumericHost:
    """A host string that is an address: its family, packed bytes and IPv6 scope id."""

    family: int
    packed: bytes
    scope_id: int = 0


# A frozen dataclass's __init__ goes through object.__setattr__ once per field; filling the slots
# through their descriptors builds the same object in about half the time (parse_numeric_host
# runs on every getaddrinfo call).
_new_object = object.__new__
_set_family = NumericHost.__dict__["family"].__set__
_set_packed = NumericHost.__dict__["packed"].__set__
_set_scope_id = NumericHost.__dict__["scope_id"].__set__


def _numeric_host(family: int, packed: bytes, scope_id: int) -> NumericHost:
    host: NumericHost = _new_object(NumericHost)
    _set_family(host, family)
    _set_packed(host, packed)
    _set_scope_id(host, scope_id)
    return host


def _scope_name_allowed(packed: bytes) -> bool:
    """Link-local unicast (fe80::/10), interface- or link-local multicast (ffx1::, ffx2::)."""
    a, b = packed[0], packed[1]
    return (a == 0xFE and b & 0xC0 == 0x80) or (a == 0xFF and b & 0x0F in (1, 2))


def parse_scope_id(packed: bytes, scope: str, ifindex: Callable[[str], int]) -> int | None:
    """glibc's ``__inet6_scopeid_pton``: the scope id ``%scope`` names for ``packed``, or None.

    An interface name is tried first, and only for link-local and interface/link-local multicast
    addresses (``ifindex`` returns 0 or raises OSError/ValueError when there is no such
    interface); otherwise the scope must be a decimal number (digits only, any number of leading
    zeros) that fits in 32 bits.
    """
    if _scope_name_allowed(packed):
        try:
            index = ifindex(scope)
        except (OSError, ValueError):
            index = 0
        if index:
            return index
    if scope[:1] in _DIGITS and scope and not scope.strip(_DIGITS):
        digits = scope.lstrip("0")
        if len(digits) <= 10:
            value = int(digits) if digits else 0
            if value <= 0xFFFFFFFF:
                return value
    return None


def parse_numeric_host(text: str, ifindex: Callable[[str], int]) -> NumericHost | None:
    """The numeric host getaddrinfo accepts, or None when ``text`` must be looked up as a name.

    IPv4 through ``__inet_aton_exact`` (BSD forms, nothing trailing), else IPv6 through
    ``inet_pton`` with an optional ``%scope`` (the first ``%`` splits).  A valid IPv6 address with
    a scope glibc cannot use gives None here; getaddrinfo turns that into an error, not a lookup.
    """
    if ":" not in text:  # every IPv6 form has a colon, no IPv4 form has one
        if text[:1] in _DIGITS and text:
            packed = parse_ipv4_exact(text)
            if packed is not None:
                return _numeric_host(AF_INET, packed, 0)
        return None
    if "%" not in text:
        packed = parse_ipv6(text)
        return None if packed is None else _numeric_host(AF_INET6, packed, 0)
    head, _, scope = text.partition("%")
    packed = parse_ipv6(head)
    if packed is None:
        return None
    scope_id = parse_scope_id(packed, scope, ifindex)
    return None if scope_id is None else _numeric_host(AF_INET6, packed, scope_id)


def reverse_pointer(family: int, packed: bytes) -> str:
    """The PTR owner name of an address, without the trailing dot.

    ``4.3.2.1.in-addr.arpa`` (RFC 1035 §3.5) for AF_INET; 32 reversed lower-case nibbles under
    ``ip6.arpa`` (RFC 3596 §2.5) for AF_INET6.
    """
    if family == AF_INET and len(packed) == 4:
        a, b, c, d = packed
        return "%d.%d.%d.%d.in-addr.arpa" % (d, c, b, a)
    if family == AF_INET6 and len(packed) == 16:
        return ".".join(packed.hex()[::-1]) + ".ip6.arpa"
    raise ValueError(f"no reverse name for family {family} with {len(packed)} address bytes")


# --- CPython's argument conversion ---------------------------------------------------------------
# socket's inet_* functions parse their arguments with PyArg_ParseTuple ("s", "i", "y*").  These
# helpers raise what those converters raise, message for message.

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1
_EAFNOSUPPORT_TEXT = os.strerror(errno.EAFNOSUPPORT)
_MEMORYVIEW_REFUSAL = "memoryview: a bytes-like object is required, not '"


def _tp_name(value: object) -> str:
    """``Py_TYPE(value)->tp_name`` cut to 50 characters, as the ``"s"`` converter prints it.

    That is ``'array.array'`` where ``type(value).__name__`` is ``'array'``.  Python shows tp_name
    only inside the messages of generic errors; the generic attribute lookup's message quotes it.
    """
    try:
        object.__getattribute__(value, "\x00")
    except AttributeError as exc:
        message = str(exc)
        end = message.find("' object has no attribute")
        if message.startswith("'") and end > 0:
            return message[1:end][:50]
    return type(value).__name__[:50]


def _arity_error(
    func: str,
    least: int,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    most: int | None = None,
) -> TypeError:
    """What calling a ``METH_VARARGS`` builtin with keywords, or with a number of positional
    arguments ``PyArg_ParseTuple`` refuses (``least`` to ``most``, default exactly ``least``),
    raises."""
    if kwargs:
        return TypeError(f"{func}() takes no keyword arguments")
    most = least if most is None else most
    given = len(args)
    bound = least if given < least else most
    how = "exactly" if least == most else "at least" if given < least else "at most"
    plural = "" if bound == 1 else "s"
    return TypeError(f"{func}() takes {how} {bound} argument{plural} ({given} given)")


def _c_string(func: str, position: int, value: object) -> str:
    """The ``"s"`` converter: a ``str`` (subclasses read as their characters, whatever their
    methods do) that encodes to UTF-8 and holds no NUL; a lone surrogate is a
    ``UnicodeEncodeError`` before a NUL is a ``ValueError``."""
    if not isinstance(value, str):
        name = "None" if value is None else _tp_name(value)
        raise TypeError(f"{func}() argument {position} must be str, not {name}")
    if type(value) is not str:
        value = str.__str__(value)  # the characters, not what an override says
    if not value.isascii():
        value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, as CPython's does
    if "\x00" in value:
        raise ValueError("embedded null character")
    return value


def _c_int(value: object) -> int:
    """The ``"i"`` converter: ``__index__``, then the C ``long`` and ``int`` range checks."""
    # operator.index raises CPython's TypeError for a non-integer, naming the type; an int
    # subclass is read as C reads it, by value, whatever it does to __int__.
    number = value if type(value) is int else operator.index(value)  # type: ignore[arg-type]
    if type(number) is not int:
        number = int.__index__(number)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    if number > _INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if number < _INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return number


def _c_buffer(value: object) -> bytes:
    """The ``"y*"`` converter: the bytes of a C-contiguous buffer."""
    if type(value) is bytes:
        return value
    refused = ""
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError as exc:
        # memoryview() words the buffer protocol's error with a prefix and a longer type name
        refused = str(exc)
        if not refused.startswith(_MEMORYVIEW_REFUSAL):
            raise
    if refused:  # raised out here: no memoryview error as its context, as socket's has none
        name = refused[len(_MEMORYVIEW_REFUSAL) : -1][:100]
        raise TypeError(f"a bytes-like object is required, not '{name}'")
    if not view.c_contiguous:
        # What a memoryview says when asked for a simple buffer; other exporters may word it
        # differently.
        raise BufferError("memoryview: underlying buffer is not C-contiguous")
    return view.tobytes()


# --- the socket-compatible functions -------------------------------------------------------------


def _inet_aton(*args: object, **kwargs: object) -> bytes:
    if kwargs or len(args) != 1:
        raise _arity_error("inet_aton", 1, args, kwargs)
    text = args[0]
    if type(text) is not str or not text.isascii() or "\x00" in text:
        text = _c_string("inet_aton", 1, text)
    packed = _inet_aton_text(text)
    if packed is None:
        raise OSError("illegal IP address string passed to inet_aton")
    return packed


def _inet_ntoa(*args: object, **kwargs: object) -> str:
    if kwargs or len(args) != 1:
        raise _arity_error("inet_ntoa", 1, args, kwargs)
    packed = _c_buffer(args[0])
    if len(packed) != 4:
        raise OSError("packed IP wrong length for inet_ntoa")
    return format_ipv4(packed)


def _inet_pton(*args: object, **kwargs: object) -> bytes:
    if kwargs or len(args) != 2:
        raise _arity_error("inet_pton", 2, args, kwargs)
    af, text = args
    family = af if type(af) is int and _INT_MIN <= af <= _INT_MAX else _c_int(af)
    if type(text) is not str or not text.isascii() or "\x00" in text:
        text = _c_string("inet_pton", 2, text)
    if family == AF_INET:
        packed = parse_ipv4_strict(text)
    elif family == AF_INET6:
        packed = parse_ipv6(text)
    else:
        raise OSError(errno.EAFNOSUPPORT, _EAFNOSUPPORT_TEXT)
    if packed is None:
        raise OSError("illegal IP address string passed to inet_pton")
    return packed


def _inet_ntop(*args: object, **kwargs: object) -> str:
    if kwargs or len(args) != 2:
        raise _arity_error("inet_ntop", 2, args, kwargs)
    af, data = args
    family = af if type(af) is int and _INT_MIN <= af <= _INT_MAX else _c_int(af)
    packed = _c_buffer(data)
    if family == AF_INET:
        if len(packed) != 4:
            raise ValueError("invalid length of packed IP address string")
        return format_ipv4(packed)
    if family == AF_INET6:
        if len(packed) != 16:
            raise ValueError("invalid length of packed IP address string")
        return format_ipv6(packed)
    raise ValueError(f"unknown address family {family}")


if TYPE_CHECKING:
    # The signatures socket documents.  At run time the functions take *args/**kwargs so that a
    # wrong call raises CPython's own TypeError text ("inet_aton() takes exactly 1 argument
    # (0 given)", "... takes no keyword arguments").

    def inet_aton(string: str, /) -> bytes:
        """``socket.inet_aton``: BSD-form IPv4 text to 4 bytes; text after a blank is ignored."""

    def inet_ntoa(packed_ip: bytes | bytearray | memoryview, /) -> str:
        """``socket.inet_ntoa``: 4 bytes to dotted-quad text."""

    def inet_pton(address_family: int, ip_string: str, /) -> bytes:
        """``socket.inet_pton``: ``AF_INET``/``AF_INET6`` text to 4/16 bytes."""

    def inet_ntop(address_family: int, packed_ip: bytes | bytearray | memoryview, /) -> str:
        """``socket.inet_ntop``: 4/16 bytes to text (glibc's IPv6 form)."""

else:

    def _public(impl, name, doc):
        impl.__name__ = impl.__qualname__ = name
        impl.__doc__ = doc
        return impl

    inet_aton = _public(
        _inet_aton,
        "inet_aton",
        "``socket.inet_aton``: BSD-form IPv4 text to 4 bytes; text after a blank is ignored.",
    )
    inet_ntoa = _public(
        _inet_ntoa, "inet_ntoa", "``socket.inet_ntoa``: 4 bytes to dotted-quad text."
    )
    inet_pton = _public(
        _inet_pton,
        "inet_pton",
        "``socket.inet_pton``: ``AF_INET``/``AF_INET6`` text to 4/16 bytes.",
    )
    inet_ntop = _public(
        _inet_ntop, "inet_ntop", "``socket.inet_ntop``: 4/16 bytes to text (glibc's IPv6 form)."
    )
