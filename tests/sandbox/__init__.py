"""The sandbox: glibc and netdb side by side in a private network and mount namespace."""
