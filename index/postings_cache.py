"""Query terms' posting lists read from the store and kept in memory between queries, bounded in bytes.

A term's postings in all listed segments are read in one statement for all of a query's missing terms,
merged into one :class:`~index.topk.Part` with ids ascending (one binary search per candidate lookup, not
one per segment), and kept under the least-recently-used bound. A segment's rows never change once it is
listed (a merge writes a new segment; segment ids are never reused, not even by
:meth:`~index.bm25.SparseIndex.clear`), so what is kept is exact for as long as the same segments (ids and
sizes) are listed: the cache remembers that list, and forgets everything when a query finds another one
(after a sync or a merge, by this process or another); :class:`~index.bm25.SparseIndex` also empties it
when the index version changes (parts keep per-version values, :meth:`~index.topk.Part.units`). Common query terms repeat across questions; reading
their lists out of SQLite's overflow pages was about half of a query's time.

Usage::

    cache = PostingsCache(max_bytes=256 << 20)
    parts = read_postings(conn, ["剑河", "面积"], listed_segments, sorted_from, cache)  # {term: Part}
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np

from index.topk import Part, merged

__all__ = ["DEFAULT_MB", "PostingsCache", "read_postings"]

#: The default bound (MB): at 1M paragraphs the common terms' lists fit, and serving stays far below 2 GB.
DEFAULT_MB = 256
#: Bytes counted per entry on top of its arrays (the key, the Part, the dict slot).
OVERHEAD = 400


def _size(part: Part) -> int:
    """Its arrays' bytes, with the float64 per posting of :meth:`Part.units` it soon holds."""
    return int(part.docs.nbytes + part.tfs.nbytes + 8 * len(part.docs)) + OVERHEAD


class PostingsCache:
    """An LRU map from a posting list's key to its :class:`Part`, at most ``max_bytes`` of arrays."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = DEFAULT_MB << 20 if max_bytes is None else max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.signature: Hashable = None  # what the parts were read from (the listed segments)
        self._parts: OrderedDict[Hashable, Part] = OrderedDict()

    def __len__(self) -> int:
        return len(self._parts)

    def get(self, key: Hashable) -> Part | None:
        """The cached part (now the most recently used), or None."""
        part = self._parts.get(key)
        if part is None:
            self.misses += 1
            return None
        self._parts.move_to_end(key)
        self.hits += 1
        return part

    def put(self, key: Hashable, part: Part) -> Part:
        """Keep ``part`` (unless it alone exceeds the bound), dropping the least recently used; returns it."""
        size = _size(part)
        if size > self.max_bytes:
            return part
        old = self._parts.pop(key, None)
        if old is not None:
            self.bytes -= _size(old)
        self._parts[key] = part
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, dropped = self._parts.popitem(last=False)
            self.bytes -= _size(dropped)
        return part

    def clear(self) -> None:
        """Forget everything."""
        self._parts.clear()
        self.bytes = 0


_POSTINGS = "SELECT term, segment, docs, tfs FROM ix_postings WHERE term IN ({}) AND segment IN ({})"
#: Terms per statement (SQLite allows 32766 parameters; queries have a few dozen terms at most).
BATCH_TERMS = 500


def read_postings(
    conn: sqlite3.Connection,
    terms: Sequence[str],
    segments: Sequence[tuple[int, int]],
    sorted_from: int,
    cache: PostingsCache,
) -> dict[str, Part]:
    """Each of ``terms``' postings in the listed ``segments`` ((id, size) pairs), merged; from ``cache`` or read.

    A term without postings there gets an empty part. ``sorted_from``: the first segment whose ids are known
    ascending within each term (:func:`index.postings.sorted_from`); older ones are sorted here.
    """
    signature = tuple(segments)
    if signature != cache.signature:
        cache.clear()
        cache.signature = signature
    found: dict[str, Part] = {}
    missing: list[str] = []
    for term in terms:
        part = cache.get(term)
        if part is None:
            missing.append(term)
        else:
            found[term] = part
    if not missing:
        return found
    listed = [segment for segment, _ in segments]
    read: dict[str, list[Part]] = {term: [] for term in missing}
    for start in range(0, len(missing), BATCH_TERMS):
        batch = missing[start : start + BATCH_TERMS]
        sql = _POSTINGS.format(",".join("?" * len(batch)), ",".join("?" * len(listed)))
        for term, segment, docs, tfs in conn.execute(sql, [*batch, *listed]):
            ascending = segment >= sorted_from
            read[term].append(Part(np.frombuffer(docs, "<i4"), np.frombuffer(tfs, "<u2"), ascending))
    for term, parts in read.items():
        found[term] = cache.put(term, merged(parts))
    return found
