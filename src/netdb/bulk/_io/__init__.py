"""The bulk engine's drivers: the only bulk code that touches sockets (see ``_engine.py``)."""
