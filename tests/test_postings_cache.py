"""index.postings_cache: posting lists kept between queries, bounded, never stale after another process writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import index.postings as postings
from corpus.models import Article, Paragraph
from corpus.store import Store
from index.bm25 import SparseIndex
from index.postings_cache import OVERHEAD, PostingsCache
from index.topk import Part, merged


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def add(store: Store, path: str, *texts: str) -> None:
    store.replace_source(path, path, 0, "txt", [Article(title="", paragraphs=[Paragraph(t) for t in texts])])


def part(*docs: int) -> Part:
    return Part(np.array(docs, dtype=np.int32), np.ones(len(docs), dtype=np.uint16), True)


def statements(conn: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    return seen


def test_the_cache_keeps_its_bound_dropping_the_least_recently_used() -> None:
    one = 4 * 3 + 2 * 3 + 8 * 3 + OVERHEAD  # ids, tfs and units of three postings
    cache = PostingsCache(max_bytes=2 * one)
    cache.put("a", part(1, 2, 3))
    cache.put("b", part(4, 5, 6))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", part(7, 8, 9))
    assert (cache.get("b"), len(cache), cache.bytes) == (None, 2, 2 * one)
    assert cache.get("a") is not None and cache.get("c") is not None
    cache.put("huge", part(*range(100)))  # larger than the whole bound: returned, not kept
    assert cache.get("huge") is None and len(cache) == 2


def test_parts_of_several_segments_merge_into_ascending_ids() -> None:
    tfs = np.array([1, 2, 3], dtype=np.uint16)
    apart = merged([part(7, 9), part(1, 3)])
    assert apart.docs.tolist() == [1, 3, 7, 9] and apart.ascending
    interleaved = merged([part(2, 8), Part(np.array([9, 5, 1], dtype=np.int32), tfs, False)])
    assert interleaved.docs.tolist() == [1, 2, 5, 8, 9]
    assert interleaved.tfs.tolist() == [3, 1, 2, 1, 1]
    single = part(4, 6)
    assert merged([single]) is single


def test_a_repeated_query_reads_no_postings_and_answers_the_same(store: Store) -> None:
    add(store, "a", "alpha beta", "beta gamma", "alpha alpha delta")
    index = SparseIndex(store.conn)
    index.sync(str.split)
    first = index.search(["alpha", "beta", "zzz"])
    seen = statements(store.conn)
    assert index.search(["alpha", "beta", "zzz"]) == first
    store.conn.set_trace_callback(None)
    assert not [s for s in seen if "ix_postings" in s or "ix_terms" in s]
    assert len(seen) == 3  # BEGIN, the version and the listed segments, COMMIT


def test_cached_postings_follow_a_merge_another_connection_made_without_a_new_version(
    store: Store, tmp_path: Path
) -> None:
    writer = SparseIndex(store.conn)
    add(store, "one", "alpha beta", "beta gamma")
    writer.sync(str.split)
    add(store, "two", "alpha delta", "gamma gamma")
    writer.sync(str.split)
    reader_conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    reader = SparseIndex(reader_conn)
    before = {t: reader.search([t]) for t in ("alpha", "gamma")}
    version = writer.version
    segments = [s for (s,) in store.conn.execute("SELECT segment FROM ix_segments ORDER BY segment")]
    assert len(segments) == 2
    into = postings.get_meta(store.conn, "next_segment") + 1
    postings.set_meta(store.conn, "next_segment", into)
    postings.merge_segments(store.conn, segments, into, np.ones(16, dtype=bool))  # rows of the inputs deleted
    assert writer.version == version
    assert (
        store.conn.execute("SELECT COUNT(*) FROM ix_postings WHERE segment != ?", (into,)).fetchone()[0] == 0
    )
    assert {t: reader.search([t]) for t in ("alpha", "gamma")} == before  # cached, then read from the merge
    assert [pid for pid, _ in reader.search(["delta", "beta"])] == [3, 2, 1]  # 1 and 2 tie: higher id first
    assert reader.search(["delta", "beta"]) == SparseIndex(reader_conn).search(["delta", "beta"])
    reader_conn.close()


def test_without_a_cache_search_answers_the_same(store: Store) -> None:
    add(store, "a", "alpha beta", "beta gamma", "alpha alpha delta", "gamma delta beta")
    cached = SparseIndex(store.conn)
    cached.sync(str.split)
    uncached = SparseIndex(store.conn)
    uncached.postings = PostingsCache(max_bytes=0)
    for query in (["alpha"], ["beta", "delta"], ["gamma", "gamma", "alpha"], ["beta", "delta"]):
        assert uncached.search(query) == cached.search(query)
    assert len(uncached.postings) == 0 and len(cached.postings) > 0
