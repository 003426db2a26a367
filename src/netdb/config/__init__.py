"""The system files as pure parsers, and the loader that keeps them current.

Each parser module takes a file's text (``None`` when the file is missing) and returns an immutable
dataclass: ``hosts`` (hosts(5)), ``services`` (services(5)), ``protocols`` (protocols(5)),
``nsswitch`` (nsswitch.conf(5)), ``resolv`` (resolv.conf(5)), ``gaiconf`` (gai.conf(5)),
``hostconf`` (host.conf(5)).  ``loader`` is the only module here that touches the filesystem;
``registry`` holds the bundled service and protocol registries used where the files are missing.
"""
