"""The tag cache: passages' POS and entity tags kept in the store, read back by any process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import cache_writes, tag_cache
from index.cache_writes import GuardedWrites
from index.reader import spans
from index.tag_cache import TagCache, cached
from index.tokenize import Segmenter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def no_layer() -> Iterator[None]:
    previous = tag_cache.install(None)
    yield
    tag_cache.install(previous)


def test_tags_round_trip_through_the_store(tmp_path: Path) -> None:
    cache = TagCache(tmp_path / "t.db")
    assert cache.get("pos:x", "剑河县") is None
    cache.put("pos:x", "剑河县", ((0, 2, "ns"), (2, 3, "n")))
    assert cache.get("pos:x", "剑河县") == ((0, 2, "ns"), (2, 3, "n"))
    assert cache.get("pos:other", "剑河县") is None  # another tagger's tags are not these
    assert (cache.hits, cache.misses) == (1, 2)
    assert cache.stats() == {"pos_entries": 1, "writes_given_up": 0}
    cache.close()


def test_cached_computes_once_and_keeps_nothing_for_an_unavailable_tagger(
    tmp_path: Path, no_layer: None
) -> None:
    cache = TagCache(tmp_path / "t.db")
    tag_cache.install(cache)
    calls: list[str] = []

    def compute(text: str) -> tag_cache.Tags:
        calls.append(text)
        return ((0, len(text), "nr"),)

    assert cached("t:1", "褚靖", compute) == ((0, 2, "nr"),)
    assert cached("t:1", "褚靖", compute) == ((0, 2, "nr"),)
    assert calls == ["褚靖"]
    assert cached("t:2", "褚靖", lambda text: None) == ()
    assert cache.conn.execute("SELECT COUNT(*) FROM tag_cache").fetchone()[0] == 1
    cache.close()


def test_pos_tags_use_the_segmenters_tokenizer_and_tag_its_user_words(no_layer: None) -> None:
    segmenter = Segmenter(["剑河县", "剑河", "正安县人民医院"])
    spans.use_segmenter(segmenter)
    try:
        assert spans._tagger().tokenizer is segmenter.jieba  # one tokenizer in the process, not two
        assert spans.tagged("剑河县中药材") == ((0, 3, "ns"), (3, 6, "n"))
        assert spans.tagged("正安县人民医院院长") == ((0, 7, "nt"), (7, 9, "n"))
    finally:
        spans.use_segmenter(None)


_ASK = """
import json, sys
from corpus.store import Store
from index import tag_cache
from index.search import Searcher
searcher = Searcher(Store.open(sys.argv[1]), use_cache=False)
result = searcher.ask("剑河中药材面积?", k=3)
print(json.dumps({"answer": [result.answer, result.answer_confidence, [h.quote for h in result.hits]],
                  "computed": tag_cache.computed(),
                  "hits": searcher.tags.hits, "stats": searcher.tags.stats()}))
"""


def _ask_in_a_new_process(db: Path) -> dict[str, object]:
    env = {**os.environ, "NEWSQA_LAC": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _ASK, str(db)], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _forget_tags(db: Path) -> None:
    """Empty the copy's tag cache (the shared seed store holds the tags of earlier tests' answers)."""
    conn = sqlite3.connect(db)
    conn.executescript(tag_cache.SCHEMA + "DELETE FROM tag_cache;")
    conn.close()


def test_a_second_process_reads_the_tags_the_first_one_computed(fresh_db: Path) -> None:
    _forget_tags(fresh_db)
    first = _ask_in_a_new_process(fresh_db)
    second = _ask_in_a_new_process(fresh_db)
    assert first["answer"] == second["answer"]  # the same reading from the stored tags
    assert first["answer"][2][0] == "剑河县中药材种植面积达到15.78万亩，涉及品种31个。"
    assert first["computed"] == 6  # three passages, POS tags and LAC entities each
    assert first["stats"] == {"lac_entries": 3, "pos_entries": 3, "writes_given_up": 0}
    assert second["computed"] == 0  # nothing tagged again
    assert second["hits"] == 6
    assert second["stats"] == first["stats"]


def test_a_write_that_gives_up_is_counted_and_saved_by_the_next_one(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    setup = sqlite3.connect(db, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.executescript(cache_writes.STATS_SCHEMA + "CREATE TABLE t (x INTEGER);")
    now = [100.0]
    conn = sqlite3.connect(db, timeout=0.01, isolation_level=None)
    writes = GuardedWrites(conn, "test_given_up", clock=lambda: now[0])
    setup.execute("BEGIN IMMEDIATE")  # another process holds the write lock (an ingest)
    assert writes.write("INSERT INTO t VALUES (?)", (1,)) is False
    setup.execute("COMMIT")
    assert writes.write("INSERT INTO t VALUES (?)", (2,)) is False  # backing off: skipped, counted
    assert (writes.given_up, writes.unsaved) == (2, 2)
    now[0] += cache_writes.BACKOFF_S
    assert writes.write("INSERT INTO t VALUES (?)", (3,)) is True
    assert writes.unsaved == 0
    assert cache_writes.saved_count(conn, "test_given_up") == 2
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == [3]
    conn.close()
    setup.close()


def test_query_cache_counts_given_up_writes_in_its_stats(tmp_path: Path) -> None:
    from index.cache import QueryCache

    db = tmp_path / "q.db"
    cache = QueryCache(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    cache.put("q", 5, 1, {"a": 1})
    holder.execute("COMMIT")
    holder.close()
    assert cache.stats()["writes_given_up"] == 1
    assert cache.stats()["entries"] == 0
    cache.close()
    assert QueryCache(db).stats()["writes_given_up"] == 1  # saved in the store when the cache closed
