"""Drivers: the only code that talks to the kernel (netlink, sockets for source selection)."""
