"""A fault-injecting DNS proxy for the sandbox: what real servers won't do, on demand.

Listens on 127.0.0.3:53 (UDP and TCP) inside the sandbox and forwards to the real server on
127.0.0.1:53, unless a rule says otherwise.  Rules are deterministic (the same query meets the
same fault, whoever asks), so glibc and netdb see the same thing.  A rule is a dict:

``{"name": "both.example.test", "qtype": 28, "transport": "udp", "action": "rcode", "rcode": 2}``

``name`` matches the query name or any name below it (no case), ``qtype`` and ``transport`` are
optional.  The first matching rule acts; none: the query passes.  Actions:

=================  ==========================================================================
``pass``           forward, return the server's reply
``drop``           no reply at all
``drop_first``     drop the first ``n`` matching queries from each client socket, then pass
``delay``          wait ``seconds``, then pass
``truncate``       UDP: an empty reply with TC set; TCP passes
``garbage``        40 bytes that start with the query's ID and are no DNS message
``short``          the first 7 bytes of the real reply
``wrong_id``       the real reply with another ID
``wrong_question`` the real reply to a different name (first letter of the name changed)
``other_source``   the real reply, sent from 127.0.0.5:53 instead
``rcode``          a reply with that RCODE and the question copied (``rcode``: 2, 3, 4, 5)
``tcp_close``      TCP: accept, read the query, close without a word
``spoof``          before the real reply: a forgery with a wrong ID, one from port 5353, one
                   from 127.0.0.5 - each with A 192.0.2.66 / AAAA 2001:db8::66
``hostile``        a reply crafted to make decoders work (``hostile.py``): ``shape``, and
                   ``size`` in bytes (65,000 by default; a UDP datagram holds at most 65,507)
``forge``          a reply built from the rule (:func:`forge`): header flags, RCODE, the
                   question as echoed, and every record of the answer, authority and
                   additional sections, written as given (odd owners, types, classes, RDATA
                   lengths included); nothing is asked of the server
=================  ==========================================================================

Everything the proxy saw is logged (name, type, ID, transport, action) for tests to inspect.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from typing import Any

try:
    from . import hostile
except ImportError:  # run as a top-level module inside the sandbox worker
    import hostile  # type: ignore[no-redef,import-not-found]

LISTEN = ("127.0.0.3", 53)
UPSTREAM = ("127.0.0.1", 53)
OTHER = "127.0.0.5"
SPOOF_A = socket.inet_aton("192.0.2.66")
SPOOF_AAAA = socket.inet_pton(socket.AF_INET6, "2001:db8::66")


def _question(query: bytes) -> tuple[str, int, int] | None:
    """(name in lower case, qtype, end of the question) of a query, None if unreadable."""
    if len(query) < 17:
        return None
    pos = 12
    labels = []
    while pos < len(query) and query[pos]:
        n = query[pos]
        if n > 63:
            return None
        labels.append(query[pos + 1 : pos + 1 + n].decode("latin-1").lower())
        pos += n + 1
    pos += 1
    if pos + 4 > len(query):
        return None
    qtype = struct.unpack_from("!H", query, pos)[0]
    return ".".join(labels), qtype, pos + 4


def _synth(query: bytes, rcode: int = 0, tc: bool = False, answer: bytes | None = None) -> bytes:
    """A reply made here: the query's ID and question, flags QR RD RA (+TC), no or one record."""
    q = _question(query)
    end = q[2] if q else 12
    flags = 0x8180 | (0x0200 if tc else 0) | (0x0400 if answer else 0) | rcode
    header = struct.pack(
        "!HHHHHH", struct.unpack_from("!H", query)[0], flags, 1, 1 if answer else 0, 0, 0
    )
    out = header + query[12:end]
    if answer and q:
        rtype = 28 if len(answer) == 16 else 1
        out += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(answer)) + answer
    return out


def _forgery(query: bytes, qid: int) -> bytes:
    q = _question(query)
    data = SPOOF_AAAA if q and q[1] == 28 else SPOOF_A
    forged = _synth(query, answer=data)
    return struct.pack("!H", qid) + forged[2:]


class FaultProxy:
    """The proxy: a thread serving UDP and TCP until :meth:`close`."""

    def __init__(self, listen: tuple[str, int] = LISTEN, upstream: tuple[str, int] = UPSTREAM):
        self.upstream = upstream
        self.rules: list[dict[str, Any]] = []
        self.counts: dict[tuple[int, object], int] = {}
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(listen)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(listen)
        self.tcp.listen(16)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind((OTHER, 53))
        self.wrong_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.wrong_port.bind((listen[0], 5353))
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.udp, selectors.EVENT_READ, "udp")
        self.sel.register(self.tcp, selectors.EVENT_READ, "tcp")
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        with self.lock:
            self.rules = list(rules)
            self.counts = {}
            self.log.clear()

    def take_log(self) -> list[dict[str, Any]]:
        with self.lock:
            out = list(self.log)
            self.log.clear()
            return out

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        for s in (self.udp, self.tcp, self.other, self.wrong_port):
            s.close()

    # --- rules ------------------------------------------------------------------------------

    def _rule(
        self, query: bytes, transport: str, client: object = None
    ) -> tuple[str, dict[str, Any]]:
        q = _question(query)
        with self.lock:
            for i, rule in enumerate(self.rules):
                if q is None:
                    break
                name = rule.get("name", "").lower().rstrip(".")
                if name and not (q[0] == name or q[0].endswith("." + name)):
                    continue
                if rule.get("qtype") not in (None, q[1]):
                    continue
                if rule.get("transport") not in (None, transport):
                    continue
                action = rule["action"]
                if action == "drop_first":
                    # Counted per client socket, so every resolver meets the same drops.
                    seen = self.counts.get((i, client), 0) + 1
                    self.counts[(i, client)] = seen
                    action = "drop" if seen <= rule.get("n", 1) else "pass"
                self._note(q, query, transport, action)
                return action, rule
            self._note(q, query, transport, "pass")
        return "pass", {}

    def _note(
        self, q: tuple[str, int, int] | None, query: bytes, transport: str, action: str
    ) -> None:
        self.log.append(
            {
                "name": q[0] if q else None,
                "qtype": q[1] if q else None,
                "id": struct.unpack_from("!H", query)[0] if len(query) >= 2 else None,
                "transport": transport,
                "action": action,
            }
        )

    # --- serving ----------------------------------------------------------------------------

    def _serve(self) -> None:
        while self.running:
            for key, _ in self.sel.select(timeout=0.1):
                if key.data == "udp":
                    try:
                        query, client = self.udp.recvfrom(65535)
                    except OSError:
                        continue
                    threading.Thread(
                        target=self._udp_query, args=(query, client), daemon=True
                    ).start()
                else:
                    try:
                        conn, _ = self.tcp.accept()
                    except OSError:
                        continue
                    threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _ask(self, query: bytes, transport: str) -> bytes | None:
        try:
            if transport == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(3)
                    s.sendto(query, self.upstream)
                    return s.recv(65535)
            with socket.create_connection(self.upstream, timeout=3) as s:
                s.sendall(struct.pack("!H", len(query)) + query)
                head = _recv_exact(s, 2)
                return _recv_exact(s, struct.unpack("!H", head)[0])
        except OSError:
            return None

    def _udp_query(self, query: bytes, client: tuple[str, int]) -> None:
        action, rule = self._rule(query, "udp", client)
        reply = self._act(action, rule, query, "udp", client)
        if reply is not None:
            with contextlib.suppress(OSError):
                self.udp.sendto(reply, client)

    def _act(
        self, action: str, rule: dict[str, Any], query: bytes, transport: str, client: Any
    ) -> bytes | None:
        if action in ("drop", "tcp_close"):
            return None if action == "drop" or transport == "tcp" else self._ask(query, transport)
        if action == "delay":
            time.sleep(float(rule.get("seconds", 1)))
            return self._ask(query, transport)
        if action == "truncate":
            return _synth(query, tc=True) if transport == "udp" else self._ask(query, transport)
        if action == "garbage":
            return query[:2] + b"\xff" * 38
        if action == "rcode":
            return _synth(query, rcode=int(rule.get("rcode", 2)))
        if action == "forge":
            # ``delay``: the reply after that many seconds (to fix the order of a pair's).
            time.sleep(float(rule.get("delay", 0)))
            return forge(query, rule)
        if action == "hostile":
            size = int(rule.get("size", 65000))
            return hostile.reply(
                query, rule["shape"], min(size, 65507 if transport == "udp" else size)
            )
        real = self._ask(query, transport)
        if real is None:
            return None
        if action == "short":
            return real[:7]
        if action == "wrong_id":
            return struct.pack("!H", struct.unpack_from("!H", real)[0] ^ 0x5A5A) + real[2:]
        if action == "wrong_question":
            # Change the first letter of the question name: another name, same length.
            b = bytearray(real)
            if len(b) > 13:
                b[13] = ord("z") if b[13] != ord("z") else ord("y")
            return bytes(b)
        if action == "other_source" and transport == "udp":
            with contextlib.suppress(OSError):
                self.other.sendto(real, client)
            return None
        if action == "spoof" and transport == "udp":
            qid = struct.unpack_from("!H", query)[0]
            with contextlib.suppress(OSError):
                self.udp.sendto(_forgery(query, qid ^ 0x0101), client)
                self.wrong_port.sendto(_forgery(query, qid), client)
                self.other.sendto(_forgery(query, qid), client)
            time.sleep(0.02)
            return real
        return real

    def _tcp_conn(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                while True:
                    head = _recv_exact(conn, 2)
                    query = _recv_exact(conn, struct.unpack("!H", head)[0])
                    action, rule = self._rule(query, "tcp")
                    if action == "tcp_close":
                        return
                    reply = self._act(action, rule, query, "tcp", None)
                    if reply is None:
                        continue
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except (OSError, EOFError):
                return


def _recv_exact(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


# --- forged replies -----------------------------------------------------------------------------

T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_TXT, T_AAAA, T_OPT = 1, 2, 5, 6, 12, 16, 28, 41


def wire_name(text: str) -> bytes:
    """Wire form of a presentation name: ``\\DDD`` and ``\\X`` escapes, ``.`` the root; labels
    and names of any length (a forged reply may break the limits on purpose)."""
    if text in (".", ""):
        return b"\0"
    raw = text.encode("latin-1")
    labels: list[bytes] = []
    label = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):
            if raw[i + 1 : i + 4].isdigit() and len(raw[i + 1 : i + 4]) == 3:
                label.append(int(raw[i + 1 : i + 4]))
                i += 4
                continue
            label.append(raw[i + 1])
            i += 2
            continue
        if c == 0x2E:
            labels.append(bytes(label))
            label.clear()
        else:
            label.append(c)
        i += 1
    if label:
        labels.append(bytes(label))
    return b"".join(bytes([len(x) & 0xFF]) + x for x in labels) + b"\0"


def _name_or_pointer(text: str) -> bytes:
    """``@``: a pointer to the question's name (offset 12); anything else: written plainly."""
    return b"\xc0\x0c" if text == "@" else wire_name(text)


def _rdata(rtype: int, value: Any) -> bytes:
    if isinstance(value, str) and value.startswith("hex:"):
        return bytes.fromhex(value[4:])
    if rtype == T_A:
        return socket.inet_aton(value)
    if rtype == T_AAAA:
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype in (T_CNAME, T_PTR, T_NS):
        return _name_or_pointer(value)
    if rtype == T_TXT:
        data = str(value).encode("latin-1")
        return bytes([len(data)]) + data
    if rtype == T_SOA:
        return (
            wire_name("ns.example.test")
            + wire_name("admin.example.test")
            + struct.pack("!IIIII", 1, 3600, 600, 86400, int(value or 60))
        )
    raise ValueError(f"no RDATA for type {rtype} from {value!r}")


def _record(spec: list[Any]) -> bytes:
    """``[owner, type, rdata, ttl=60, class=1]``: one resource record."""
    owner, rtype, value = spec[0], int(spec[1]), spec[2]
    ttl = int(spec[3]) if len(spec) > 3 else 60
    rclass = int(spec[4]) if len(spec) > 4 else 1
    rdata = _rdata(rtype, value)
    return _name_or_pointer(owner) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def forge(query: bytes, rule: dict[str, Any]) -> bytes:
    """A reply to ``query`` made of ``rule``'s parts:

    ``flags`` (default 0x8580: QR AA RD RA; RCODE in ``rcode``; ``tc`` sets TC), ``id_xor`` (the
    query's ID changed), ``question`` (the name echoed instead of the query's: text, or
    ``"upper"`` / ``"lower"`` for the query's in that case), ``qtype`` of the echo
    (``echo_qtype``), ``qdcount`` (0: no question written), ``answer`` / ``authority`` /
    ``additional`` (lists of records ``[owner, type, rdata, ttl, class]``: owner ``@`` is a
    pointer to the question's name; RDATA as text of the type, or ``hex:...``), ``ancount``
    (a count that lies), ``opt`` (an OPT record in the additional section, with that payload
    size, and ``opt_ttl``: its TTL field, extended RCODE in the top byte), ``cut`` (the reply
    cut to that many bytes); ``delay`` (seconds) holds it back."""
    q = _question(query)
    end = q[2] if q else 12
    qname = query[12 : end - 4]
    qtype_class = query[end - 4 : end]
    echo = rule.get("question")
    if echo == "upper":
        qname = bytes(c - 32 if 0x61 <= c <= 0x7A else c for c in qname)
    elif echo == "lower":
        qname = bytes(c + 32 if 0x41 <= c <= 0x5A else c for c in qname)
    elif echo is not None:
        qname = wire_name(echo)
    if "echo_qtype" in rule:
        qtype_class = struct.pack("!H", int(rule["echo_qtype"])) + qtype_class[2:]
    qdcount = int(rule.get("qdcount", 1))
    flags = (
        int(rule.get("flags", 0x8580))
        | int(rule.get("rcode", 0))
        | (0x0200 if rule.get("tc") else 0)
    )
    sections = [
        [_record(r) for r in rule.get(part, [])] for part in ("answer", "authority", "additional")
    ]
    if "opt" in rule:
        ttl = int(rule.get("opt_ttl", 0))
        sections[2].append(b"\0" + struct.pack("!HHIH", T_OPT, int(rule["opt"]), ttl, 0))
    counts = [len(x) for x in sections]
    if "ancount" in rule:
        counts[0] = int(rule["ancount"])
    qid = struct.unpack_from("!H", query)[0] ^ int(rule.get("id_xor", 0))
    out = struct.pack("!HHHHHH", qid, flags, qdcount, *counts)
    if qdcount:
        out += qname + qtype_class
    out += b"".join(b"".join(x) for x in sections)
    if "cut" in rule:
        out = out[: int(rule["cut"])]
    return out
