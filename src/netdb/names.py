"""Names for the numbers a lookup can return: address families, socket types, protocols.

Owns the reverse mapping from numbers to the symbolic names of ``<bits/socket.h>``,
``<bits/socket_type.h>`` and ``<netinet/in.h>`` on Linux.  The tables are complete for what
getaddrinfo can return, independent of which constants the running Python happens to define, and
never fail: an unknown number gets the protocols registry's name (``IPPROTO_<NAME>``) when a
registry is given, else its decimal form.  A printed getaddrinfo table never dies with
``KeyError: 132``.
"""

from __future__ import annotations

from collections.abc import Callable

FAMILIES: dict[int, str] = {
    0: "AF_UNSPEC",
    1: "AF_UNIX",
    2: "AF_INET",
    3: "AF_AX25",
    4: "AF_IPX",
    5: "AF_APPLETALK",
    6: "AF_NETROM",
    7: "AF_BRIDGE",
    8: "AF_ATMPVC",
    9: "AF_X25",
    10: "AF_INET6",
    11: "AF_ROSE",
    12: "AF_DECnet",
    13: "AF_NETBEUI",
    14: "AF_SECURITY",
    15: "AF_KEY",
    16: "AF_NETLINK",
    17: "AF_PACKET",
    18: "AF_ASH",
    19: "AF_ECONET",
    20: "AF_ATMSVC",
    21: "AF_RDS",
    22: "AF_SNA",
    23: "AF_IRDA",
    24: "AF_PPPOX",
    25: "AF_WANPIPE",
    26: "AF_LLC",
    27: "AF_IB",
    28: "AF_MPLS",
    29: "AF_CAN",
    30: "AF_TIPC",
    31: "AF_BLUETOOTH",
    32: "AF_IUCV",
    33: "AF_RXRPC",
    34: "AF_ISDN",
    35: "AF_PHONET",
    36: "AF_IEEE802154",
    37: "AF_CAIF",
    38: "AF_ALG",
    39: "AF_NFC",
    40: "AF_VSOCK",
    41: "AF_KCM",
    42: "AF_QIPCRTR",
    43: "AF_SMC",
    44: "AF_XDP",
    45: "AF_MCTP",
}

SOCKTYPES: dict[int, str] = {
    0: "0",
    1: "SOCK_STREAM",
    2: "SOCK_DGRAM",
    3: "SOCK_RAW",
    4: "SOCK_RDM",
    5: "SOCK_SEQPACKET",
    6: "SOCK_DCCP",
    10: "SOCK_PACKET",
}

PROTOCOLS: dict[int, str] = {
    0: "IPPROTO_IP",
    1: "IPPROTO_ICMP",
    2: "IPPROTO_IGMP",
    4: "IPPROTO_IPIP",
    6: "IPPROTO_TCP",
    8: "IPPROTO_EGP",
    12: "IPPROTO_PUP",
    17: "IPPROTO_UDP",
    22: "IPPROTO_IDP",
    29: "IPPROTO_TP",
    33: "IPPROTO_DCCP",
    41: "IPPROTO_IPV6",
    43: "IPPROTO_ROUTING",
    44: "IPPROTO_FRAGMENT",
    46: "IPPROTO_RSVP",
    47: "IPPROTO_GRE",
    50: "IPPROTO_ESP",
    51: "IPPROTO_AH",
    58: "IPPROTO_ICMPV6",
    59: "IPPROTO_NONE",
    60: "IPPROTO_DSTOPTS",
    92: "IPPROTO_MTP",
    94: "IPPROTO_BEETPH",
    98: "IPPROTO_ENCAP",
    103: "IPPROTO_PIM",
    108: "IPPROTO_COMP",
    115: "IPPROTO_L2TP",
    132: "IPPROTO_SCTP",
    135: "IPPROTO_MH",
    136: "IPPROTO_UDPLITE",
    137: "IPPROTO_MPLS",
    143: "IPPROTO_ETHERNET",
    255: "IPPROTO_RAW",
    262: "IPPROTO_MPTCP",
}


def family_name(number: int) -> str:
    """``AF_INET`` for 2; the decimal form for a number Linux does not define."""
    return FAMILIES.get(number, str(number))


def socktype_name(number: int) -> str:
    """``SOCK_STREAM`` for 1; the decimal form for an unknown type."""
    return SOCKTYPES.get(number, str(number))


def protocol_name(number: int, registry: Callable[[int], str | None] | None = None) -> str:
    """``IPPROTO_SCTP`` for 132, whatever constants the running Python defines.

    For a number ``<netinet/in.h>`` does not name, ``registry(number)`` (the protocols database's
    official name) gives ``IPPROTO_<NAME>``; failing that, the decimal form.
    """
    name = PROTOCOLS.get(number)
    if name is not None:
        return name
    if registry is not None:
        found = registry(number)
        if found:
            return "IPPROTO_" + found.upper().replace("-", "_")
    return str(number)
