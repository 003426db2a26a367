"""Numeric values of the netdb.h / socket.h constants as Linux and glibc define them.

The core (everything below the front in ARCHITECTURE.md) works with these plain ints and never
imports :mod:`socket`; the front (``netdb/__init__.py``) turns results into ``socket``'s own enum
members.  Values follow ``<bits/socket.h>``, ``<netinet/in.h>`` and ``<netdb.h>`` on Linux.
"""

from __future__ import annotations

# Address families (<bits/socket.h>)
AF_UNSPEC = 0
AF_UNIX = 1
AF_INET = 2
AF_INET6 = 10
AF_PACKET = 17

# Socket types (<bits/socket_type.h>)
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOCK_RDM = 4
SOCK_SEQPACKET = 5
SOCK_DCCP = 6
SOCK_PACKET = 10
SOCK_NONBLOCK = 0o4000
SOCK_CLOEXEC = 0o2000000

# Protocols (<netinet/in.h>)
IPPROTO_IP = 0
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_IPV6 = 41
IPPROTO_DCCP = 33
IPPROTO_SCTP = 132
IPPROTO_UDPLITE = 136
IPPROTO_RAW = 255

# getaddrinfo flags (<netdb.h>)
AI_PASSIVE = 0x0001
AI_CANONNAME = 0x0002
AI_NUMERICHOST = 0x0004
AI_V4MAPPED = 0x0008
AI_ALL = 0x0010
AI_ADDRCONFIG = 0x0020
AI_IDN = 0x0040
AI_CANONIDN = 0x0080
AI_NUMERICSERV = 0x0400

# getnameinfo flags (<netdb.h>)
NI_NUMERICHOST = 1
NI_NUMERICSERV = 2
NI_NOFQDN = 4
NI_NAMEREQD = 8
NI_DGRAM = 16
NI_IDN = 32

NI_MAXHOST = 1025
NI_MAXSERV = 32
