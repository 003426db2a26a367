"""A TTL cache of DNS replies, keyed by question: RFC 1035 §7.4, RFC 2308 (negative caching).

What is kept is the reply as received (bytes), so a cached lookup goes through exactly the same
reading code (``nss_dns.py``) as a fresh one and gives the same answer while the data lives:

* a reply with answer records lives for the smallest TTL among them (RFC 2181 §5.2: an RRset's
  records share one TTL; the smallest is the safe choice across a CNAME chain);
* NXDOMAIN, and NOERROR without answer records (NODATA), live for the SOA record's TTL capped
  by its MINIMUM field, from the authority section (RFC 2308 §5); without an SOA they are not
  kept (RFC 2308 §5: "negative responses without SOA records SHOULD NOT be cached");
* anything else (SERVFAIL, REFUSED, truncated, unparsable, TTL 0) is not kept.

A reply is given back only where glibc, asking the server again, would read that reply: each
entry remembers how it came (over TCP; as one of an A/AAAA pair that went over TCP).  glibc
sends a pair over TCP when either UDP reply is truncated, so the reply of the *other* query
read over TCP is not what that query asked alone reads (its own UDP reply): a pair's TCP replies
serve pairs only.  And a pair goes over TCP as soon as one query's UDP reply is truncated, so a
pair is served only from two replies that came the same way (both over TCP, or both not).

The key is the question (name folded to lower case, type, class) plus the query flags that can
change the reply (RD, AD, CD, and whether EDNS was offered).  The cache is bounded twice: by
the number of replies and by their bytes (a server answering every name with 64 KB over TCP
fills the bytes first); when full, stale entries go first, then the oldest (insertion order, as
replies are replaced on expiry).  The writers (insert, eviction, a stale entry dropped on
reading) hold one lock, so threads sharing a resolver keep the count and the bytes true; a hit
takes no lock.
Flat cost at any size: expiry is a heap of (expiry, key) read only from its stale end, so an
insert into a full cache costs O(log n) amortised, never a scan; the heap is rebuilt from the
live entries when it holds more than twice as many, so it stays bounded too.  Pure code: the
caller passes ``now``.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import _fork
from .._frozen import fast_init
from . import wire
from .query import SendResult

MAX_TTL = 7 * 86400  # RFC 8767's cap on stored TTLs


@fast_init
@dataclass(frozen=True, slots=True)
class Entry:
    reply: bytes
    expires: float
    tcp: bool
    server: object
    # Read over TCP as one of an A/AAAA pair: the switch may have come from the other query's
    # truncated UDP reply, so this one serves pairs only.
    pair: bool = False
    # Read over TCP: the RCODE of the truncated UDP reply before it (glibc's answer buffer
    # keeps that one when the TCP reply is too large for it: res_search reads it there).
    tc_rcode: int = 0


def key(query: bytes) -> bytes | None:
    """The cache key of a query built by ``wire.build_query`` (one question, maybe an OPT)."""
    end = wire.question_end(query)
    if end < 0:
        return None
    flags = bytes((query[2] & 0x01, query[3] & 0x30))
    has_opt = b"\x01" if query[10:12] != b"\0\0" else b"\x00"
    return flags + has_opt + wire.name_lower(query[12 : end - 4]) + query[end - 4 : end]


_key = key  # the name the module's own code uses


_UNREAD: Any = object()


def reply_ttl(reply: bytes, qend: int | None = None, plain: Any = _UNREAD) -> int | None:
    """How long ``reply`` may be kept (seconds), or None when it must not be.  ``qend``:
    ``wire.question_end(reply)``, and ``plain``: ``wire.plain_answers(reply, qend)``, when the
    caller has them already."""
    if qend is None:
        qend = wire.question_end(reply)
    if qend > 0 and not reply[2] & 0x02 and not (reply[10] or reply[11]):  # no TC, no ARCOUNT
        if (reply[6] or reply[7]) and not (reply[3] & 0x0F or reply[8] or reply[9]):
            # The common answer, read in place (what parse() would accept and conclude).
            if plain is _UNREAD:
                plain = wire.plain_answers(reply, qend)
            if plain is not None:
                ttl: int = min(t for t, _ in plain)
                return min(ttl, MAX_TTL) if ttl > 0 else None
        elif reply[3] & 0x0F in (wire.NOERROR, wire.NXDOMAIN) and not (reply[6] or reply[7]):
            # The common negative answer (NODATA, NXDOMAIN): its SOA read in place.
            negative = wire.plain_soa(reply, qend)
            if negative is not None:
                ttl = min(negative)
                return min(ttl, MAX_TTL) if ttl > 0 else None
    try:
        msg = wire.parse(reply)
    except wire.WireError:
        return None
    if msg.tc:
        return None
    rcode = msg.rcode
    if rcode == wire.NOERROR and msg.answer:
        ttl = min(r.ttl for r in msg.answer)
    elif rcode in (wire.NOERROR, wire.NXDOMAIN):
        soas = [r for r in msg.authority if r.rtype == wire.SOA]
        if not soas:
            return None
        soa = soas[0]
        ttl = min(soa.ttl, soa.data.minimum)  # type: ignore[attr-defined]
    else:
        return None
    if ttl <= 0:
        return None
    return min(ttl, MAX_TTL)


MAX_BYTES = 16 << 20
"""The default bound on the bytes of the replies a cache keeps: 16 MiB, room for the
default 10,000 replies at 1.6 KB each (a typical address reply is under 200 bytes), and for
at most 256 of the 64 KB replies a hostile server can send."""


class Cache:
    """Replies by question, each until its TTL runs out; at most ``size`` of them, and at most
    ``max_bytes`` of their bytes."""

    def __init__(self, size: int = 10_000, max_bytes: int = MAX_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # the bytes of the replies kept
        self._lock = threading.RLock()  # re-entrant: a signal handler's lookup may come in
        _fork.renew_in_child(self)
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        # (expiry, insertion number, key) of every entry put, some since replaced or evicted.
        self._expiry: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self.hits = 0
        self.misses = 0

    def renew_after_fork(self) -> None:
        """In a forked child: a fresh lock (another thread may have held this one)."""
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._expiry.clear()
            self.bytes = 0

    def _get(self, query: bytes, now: float) -> Entry | None:
        return self._get_keyed(_key(query), now)

    def _get_keyed(self, key: bytes | None, now: float) -> Entry | None:
        if key is None:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= now:
            self._drop(key, entry)
            return None
        return entry

    def lookup(
        self, query1: bytes, query2: bytes | None, now: float, anslen: int = 0
    ) -> SendResult | None:
        """The cached replies for a query (or an A/AAAA pair, both needed), as ``send`` would
        give them: first reply in the first slot; ``anslen`` as ``send`` takes it."""
        e1 = self._get(query1, now)
        e2 = None if e1 is None or query2 is None else self._get(query2, now)
        if not _usable(e1, e2, query2 is not None):
            self.misses += 1
            return None
        assert e1 is not None
        self.hits += 1
        r1 = _echo(query1, e1.reply)
        rcode, moved = e1.reply[3] & 0xF, False
        if anslen and len(r1) > anslen:
            # Too large for the caller's buffer: glibc read it into another, and the caller's
            # kept the message before it (over UDP, none in this exchange).
            rcode, moved = (e1.tc_rcode if e1.tcp else wire.NOERROR), True
        return SendResult(
            len(r1),
            r1,
            _echo(query2, e2.reply) if query2 is not None and e2 is not None else b"",
            0,
            e1.server,  # type: ignore[arg-type]
            e1.tcp,
            rcode,
            moved=moved,
        )

    def expiry(self, query1: bytes, query2: bytes | None, now: float) -> float:
        """When the cached replies for these queries go stale (``now`` if they are not kept)."""
        return self.expiry_keyed(_key(query1), None if query2 is None else _key(query2), now)

    def expiry_keyed(self, key1: bytes | None, key2: bytes | None, now: float) -> float:
        """:meth:`expiry` by the queries' keys (:func:`key`; ``key2`` None: one query)."""
        e1 = self._get_keyed(key1, now)
        e2 = None if e1 is None or key2 is None else self._get_keyed(key2, now)
        if not _usable(e1, e2, key2 is not None):
            return now
        assert e1 is not None
        return e1.expires if e2 is None else min(e1.expires, e2.expires)

    def store(self, query1: bytes, query2: bytes | None, sent: SendResult, now: float) -> float:
        """Keep what can be kept of ``sent``'s replies; the time the answer as a whole expires
        (``now`` when some part of it cannot be kept)."""
        if sent.n < 0:
            return now
        k2 = None if query2 is None else _key(query2)
        # The queries as sent (ID and question): a reply is kept only when it has the ID of
        # one and echoes its question byte for byte.  A server that changes the name's case is
        # not answering as the cache's echo assumes; over TCP, where replies are matched by ID
        # alone, a reply to one query may carry the other's question (or any other).
        echoed = [q[:2] + q[12 : wire.question_end(q)] for q in (query1, query2) if q is not None]
        return self.store_keyed(_key(query1), query2 is not None, k2, sent, now, (), echoed)

    def store_keyed(
        self,
        k1: bytes | None,
        two: bool,
        k2: bytes | None,
        sent: SendResult,
        now: float,
        read: Sequence[tuple[int, Any]] = (),
        echoed: Sequence[bytes] = (),
    ) -> float:
        """:meth:`store` by the queries' keys (:func:`key`); ``two``: there was a second
        query (whose key ``k2`` may be None).  ``read``: when the caller has read the replies
        already, for each slot ``wire.question_end`` of it and ``wire.plain_answers`` there.
        ``echoed``: each query's ID and question (name, type, class) as sent; when given, a
        reply is kept only if it has the ID of one and that query's question byte for byte (not
        another query's, not in another letter case): :meth:`lookup` gives a reply back for a
        question, with the question as the query wrote it, which is what glibc would read only
        if the server answered that query so (the express lane's replies always do)."""
        if sent.n < 0:
            return now
        expires = float("inf")
        replies = [sent.answer1[: sent.n]] if sent.n else []
        if two and sent.answer2:
            replies.append(sent.answer2)
        stored = 0
        for i, reply in enumerate(replies):
            if read:
                end, plain = read[i]
            else:
                end, plain = wire.question_end(reply), _UNREAD
            if end < 0:
                continue
            if echoed and reply[:2] + reply[12:end] not in echoed:
                expires = now
                continue
            # The part of a key the reply's question gives: its name folded, type and class.
            asked = wire.name_lower(reply[12 : end - 4]) + reply[end - 4 : end]
            for key in (k1, k2):
                if key is not None and key[3:] == asked:
                    ttl = reply_ttl(reply, end, plain)
                    if ttl is None:
                        expires = now
                        continue
                    entry = Entry(
                        reply, now + ttl, sent.tcp, sent.server, two and sent.tcp, sent.tc_rcode
                    )
                    self._put(key, entry, now)
                    expires = min(expires, now + ttl)
                    stored += 1
                    break
        wanted = 2 if two else 1
        if stored < wanted:
            return now
        return expires

    def _drop(self, key: bytes, entry: Entry) -> None:
        """Forget ``key`` if it still holds ``entry`` (another thread may have replaced it)."""
        with self._lock:
            if self._entries.get(key) is entry:
                del self._entries[key]
                self.bytes -= len(entry.reply)

    def _put(self, key: bytes, entry: Entry, now: float) -> None:
        size = len(entry.reply)
        if size > self.max_bytes:
            return
        with self._lock:
            entries = self._entries
            old = entries.pop(key, None)
            if old is not None:
                self.bytes -= len(old.reply)
            if self._full(size):
                self._evict(now, size)
            entries[key] = entry
            self.bytes += size
            heap = self._expiry
            heapq.heappush(heap, (entry.expires, next(self._seq), key))
            if len(heap) > 2 * len(entries) + 64:
                # Mostly replaced or evicted entries: keep the live ones only.
                heap[:] = [(e.expires, next(self._seq), k) for k, e in entries.items()]
                heapq.heapify(heap)

    def _full(self, size: int) -> bool:
        """No room for one more reply of ``size`` bytes (by count or by bytes)."""
        return len(self._entries) >= self.size or self.bytes + size > self.max_bytes

    def _evict(self, now: float, size: int) -> None:
        """Room for one more reply of ``size`` bytes: stale entries go first, then the oldest.
        Called with the lock held."""
        entries = self._entries
        heap = self._expiry
        full = functools.partial(self._full, size)
        while heap and heap[0][0] <= now and full():
            _expires, _n, stale = heapq.heappop(heap)
            found = entries.get(stale)
            if found is not None and found.expires <= now:
                del entries[stale]
                self.bytes -= len(found.reply)
        while entries and full():
            _key, oldest = entries.popitem(last=False)
            self.bytes -= len(oldest.reply)


def _usable(e1: Entry | None, e2: Entry | None, two: bool) -> bool:
    """Whether the entries answer the query (``two``: the A/AAAA pair) as the server would:
    a lone query not from a pair's TCP reply, a pair from two replies that came the same way
    (glibc takes both over TCP when either UDP reply is truncated)."""
    if e1 is None:
        return False
    if not two:
        return not e1.pair
    return e2 is not None and e1.tcp == e2.tcp


def _echo(query: bytes, reply: bytes) -> bytes:
    """The cached ``reply`` as the server would send it for ``query``: its question name in the
    query's letter case (servers echo it; names compressed against it follow).  Both names are
    uncompressed at offset 12 and, being equal but for case, of the same length."""
    end = wire.question_end(query) - 4
    if query[12:end] == reply[12:end]:
        return reply
    return reply[:12] + query[12:end] + reply[end:]
