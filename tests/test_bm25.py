"""index.bm25: the on-disk sparse index against rank-bm25 as the oracle, incremental updates, versions."""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import index.bm25 as bm25
import index.postings as postings
import index.topk as topk
from corpus.models import Article, Caption, Paragraph
from corpus.store import Store
from index.bm25 import SparseIndex
from index.staging import Staged
from index.tokenize import Segmenter
from index.writer import join, prepare

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = ROOT / "corpus" / "articles" / "peoples-daily-page-guizhou-zutuanshi.txt"


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(["剑河县", "剑河"])


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def split(text: str) -> list[str]:
    return text.split()


def oracle_check(index: SparseIndex, store: Store, queries: list[list[str]], k: int = 10) -> None:
    """Top-k ids and scores equal rank-bm25's over the same (cached) tokens, ties aside."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]
    tokens = index.tokens(ids)
    oracle = BM25Okapi([tokens[i] for i in ids])
    for query in queries:
        expected = oracle.get_scores(query)
        got = index.search(query, k=k)
        want = sorted(((ids[j], s) for j, s in enumerate(expected) if s > 0), key=lambda x: -x[1])[:k]
        assert [round(s, 9) for _, s in got if s > 0] == [round(s, 9) for _, s in want]
        for pid, score in got:
            assert score == pytest.approx(expected[ids.index(pid)], abs=1e-9)


def add(store: Store, path: str, *texts: str, title: str = "", **header: str) -> None:
    article = Article(title=title, paragraphs=[Paragraph(t) for t in texts], **header)  # type: ignore[arg-type]
    store.replace_source(path, path, 0, "txt", [article])


def test_scores_equal_rank_bm25_including_negative_idf_floor(store: Store) -> None:
    add(store, "a", "a b c", "a b", "a d d", "a e", "b f")
    index = SparseIndex(store.conn)
    report = index.sync(split)
    assert (report.added, report.removed, index.doc_count) == (5, 0, 5)
    # "a" is in 4 of 5 documents: its idf is negative and replaced by epsilon × the average idf.
    oracle = BM25Okapi([["a", "b", "c"], ["a", "b"], ["a", "d", "d"], ["a", "e"], ["b", "f"]])
    for query in (["a"], ["d"], ["a", "d", "a"], ["b", "f", "zzz"]):
        got = dict(index.search(query, k=5))
        want = {i + 1: s for i, s in enumerate(oracle.get_scores(query)) if s != 0}
        assert got.keys() == want.keys()
        for pid, score in want.items():
            assert got[pid] == pytest.approx(score, abs=1e-12)
    assert index.search(["zzz"]) == []


def test_header_fields_count_for_every_paragraph_and_captions_are_indexed(
    store: Store, seg: Segmenter
) -> None:
    article = Article(
        title="擂台比武促振兴",
        kicker="辽宁省沈阳市",
        byline="本报记者 李林蔚",
        paragraphs=[Paragraph("村党组织书记现场讲做法。", heading="比武互促"), Paragraph("晒成绩。")],
        captions=[Caption("上图:队员在峭壁前救援。"), Caption("庄志斌摄", kind="credit")],
    )
    store.replace_source("p", "p", 0, "txt", [article])
    index = SparseIndex(store.conn)
    index.sync(seg.doc_tokens)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]
    assert sorted(pid for pid, _ in index.search(seg.query_tokens("擂台比武促振兴这篇报道是谁写的"))) == ids
    assert [pid for pid, _ in index.search(seg.query_tokens("李林蔚"))] != []
    assert index.search(seg.query_tokens("比武互促"))[0][0] == ids[0]
    assert index.search(seg.query_tokens("峭壁救援"))[0][0] == ids[2]
    assert index.tokens([ids[3]])[ids[3]][-5:] == ["庄志斌", "摄", "庄志", "志斌", "斌摄"]


def test_incremental_add_and_delete_match_a_rebuilt_oracle(store: Store) -> None:
    index = SparseIndex(store.conn)
    add(store, "one", "x y z", "x x y")
    add(store, "two", "y z w", "w w w q")
    index.sync(split)
    version = index.version
    add(store, "three", "q r", "x r r")
    store.remove_source("one")
    report = index.sync(split)
    assert (report.added, report.removed, index.doc_count) == (2, 2, 4)
    assert index.version > version
    oracle_check(index, store, [["x"], ["y", "z"], ["w", "q", "r"], ["x", "y", "z", "w", "q", "r"]])
    assert index.sync(split).added == 0
    assert index.version == report.version  # nothing changed, no new version


def test_a_reader_switches_to_the_version_another_connection_wrote(store: Store, tmp_path: Path) -> None:
    writer = SparseIndex(store.conn)
    add(store, "one", "alpha beta", "beta gamma")
    writer.sync(split)
    reader_conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    reader = SparseIndex(reader_conn)
    assert [pid for pid, _ in reader.search(["alpha"])] == [1]
    add(store, "two", "alpha delta")
    writer.sync(split)
    assert sorted(pid for pid, _ in reader.search(["alpha"])) == [1, 3]
    store.remove_source("one")
    writer.sync(split)
    assert [pid for pid, _ in reader.search(["alpha"])] == [3]
    reader_conn.close()


def test_a_reader_answers_while_a_writer_is_mid_sync(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25, "BATCH", 2)
    add(store, "old", "alpha beta", "beta gamma")
    writer = SparseIndex(store.conn)
    writer.sync(split)
    reader_conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    reader = SparseIndex(reader_conn)
    add(store, "new", "alpha delta", "alpha epsilon", "alpha zeta", "alpha eta")

    def found() -> list[int]:
        return sorted(pid for pid, _ in reader.search(["alpha"]))

    inside: list[list[int]] = []
    between: list[list[int]] = []
    publish = bm25.publish_documents

    def publish_then_read(staged: Staged, version: int, histogram: Counter[int]) -> None:
        publish(staged, version, histogram)
        inside.append(found())  # the writer's transaction is still open: the reader sees the last commit

    monkeypatch.setattr(bm25, "publish_documents", publish_then_read)
    writer.sync(split, progress=lambda done, total: between.append(found()))
    assert inside == [[1], [1, 3, 4]]
    assert between == [[1], [1, 3, 4], [1, 3, 4, 5, 6]]  # at the start, then after each batch
    reader_conn.close()


def test_segments_merge_and_drop_deleted_postings(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "MAX_SEGMENTS", 2)
    monkeypatch.setattr(postings, "MERGE_WIDTH", 2)
    index = SparseIndex(store.conn)
    for i in range(6):
        add(store, f"s{i}", f"t{i} common", f"common u{i % 2}")
        if i == 3:
            store.remove_source("s1")
        index.sync(split)
    segments = store.conn.execute("SELECT COUNT(*) FROM ix_segments").fetchone()[0]
    assert segments <= 2
    blobs = store.conn.execute("SELECT docs FROM ix_postings WHERE term = 'common'").fetchall()
    docs = sorted(int(d) for (b,) in blobs for d in np.frombuffer(b, dtype="<i4"))
    assert docs == [1, 2, 5, 6, 7, 8, 9, 10, 11, 12]  # s1's paragraphs 3 and 4 are gone
    oracle_check(index, store, [["common"], ["u1"], ["t1"], ["t5", "u0", "common"]])


def test_two_workers_index_the_same_as_one(
    tmp_path: Path, seg: Segmenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25, "BATCH", 40)
    monkeypatch.setattr(bm25, "CHUNK", 7)  # several pages, the last round split between the workers
    texts = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = []
    for workers in (1, 2):
        with Store.open(tmp_path / f"w{workers}.db") as store:
            add(store, "seed", *texts, title="激活乡村全面振兴“智力引擎”")
            index = SparseIndex(store.conn)
            report = index.sync(seg.doc_tokens, workers=workers)
            assert report.added == len(texts)
            ids = [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]
            results.append((index.tokens(ids), index.search(seg.query_tokens("剑河中药材面积"), k=5)))
    assert results[0] == results[1]


def test_oracle_on_the_seed_page(store: Store, seg: Segmenter) -> None:
    texts = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    add(store, "seed", *texts, title="激活乡村全面振兴“智力引擎”", byline="本报记者 马跃峰")
    index = SparseIndex(store.conn)
    index.sync(seg.doc_tokens)
    questions = ["剑河中药材面积?", "褚靖是谁", "多少名教师组建了教育帮扶团", "擂台比武促振兴", "帮扶"]
    oracle_check(index, store, [seg.query_tokens(q) for q in questions])
    assert (
        "15.78万亩"
        in store.passages([index.search(seg.query_tokens("剑河中药材面积?"))[0][0]]).popitem()[1].text
    )


def test_oracle_on_cmrc_contexts(store: Store, seg: Segmenter) -> None:
    path = SHARED / "data" / "cmrc2018" / "squad-style-data_cmrc2018_dev.json"
    if not path.exists():
        pytest.skip(f"{SHARED} not present: the CMRC 2018 data lives in ../shared/data")
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs = [p for a in data["data"] for p in a["paragraphs"]][:300]
    add(store, "cmrc", *(p["context"] for p in paragraphs))
    index = SparseIndex(store.conn)
    index.sync(seg.doc_tokens)
    oracle_check(
        index, store, [seg.query_tokens(q["question"]) for p in paragraphs[::5] for q in p["qas"][:1]]
    )


def test_chunks_inverted_apart_join_into_the_postings_of_the_whole() -> None:
    docs = [
        (1, ["剑河", "面积", "剑河"]),
        (2, ["面积", "亩"]),
        (5, ["剑河"]),
        (9, ["亩", "亩", "亩", "品种"]),
    ]
    whole = prepare(docs)
    joined = join([prepare(docs[:1]), prepare(docs[1:3]), prepare(docs[3:])])
    assert joined.ids == whole.ids == [1, 2, 5, 9]
    assert joined.texts == ["剑河 面积 剑河", "面积 亩", "剑河", "亩 亩 亩 品种"]
    assert joined.lengths == [3, 2, 1, 4]
    assert [(t, d.tolist(), f.tolist()) for t, d, f in joined.postings.items()] == [
        ("亩", [2, 9], [1, 3]),
        ("剑河", [1, 5], [2, 1]),
        ("品种", [9], [1]),
        ("面积", [1, 2], [1, 1]),
    ]
    assert [(t, d.tolist(), f.tolist()) for t, d, f in whole.postings.items()] == [
        (t, d.tolist(), f.tolist()) for t, d, f in joined.postings.items()
    ]


@pytest.mark.parametrize(
    ("sizes", "merged"),
    [
        ([3_200_000, 3_200_000, 3_200_000, 60], []),  # a one-article segment never drags big ones along
        ([3_200_000, 60, 70, 90_000, 350_000, 3_200_000], [2, 3, 4, 5]),
        ([12_800_000, 3_200_000, 3_100_000, 3_000_000, 3_300_000, 60], [4, 3, 2, 5]),
        (
            [5**i * 200_000 for i in range(17)],
            [1, 2, 3, 4],
        ),  # over MAX_SEGMENTS: the smallest, whatever sizes
    ],
)
def test_segments_merge_in_tiers_of_similar_size(sizes: list[int], merged: list[int]) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(postings.SCHEMA)
    conn.executemany("INSERT INTO ix_segments VALUES (?, ?)", enumerate(sizes, start=1))
    assert postings.segments_to_merge(conn) == merged


# -- exact top-k pruning (index.topk) -------------------------------------------------------------------

COMMON = ["的", "年", "月", "日", "中国", "发展", "记者"]
RARE = ["剑河", "中药材", "褚靖", "擂台", "峭壁", "蓝莓", "紫藤湾", "品种", "帮扶", "教师", "面积", "万亩"]


def synthetic_texts(n: int, seed: int) -> list[str]:
    """Paragraphs where common words sit in most paragraphs and rare ones in a few; some repeat exactly."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if i % 10 == 9:
            texts.append(texts[rng.randrange(len(texts))])  # identical paragraphs: tied scores
            continue
        words = [w for w in COMMON if rng.random() < 0.7] * rng.randint(1, 3)
        words += rng.sample(RARE, rng.randint(0, 3))
        texts.append(" ".join(rng.sample(words, len(words)) or ["的"]))
    return texts


def ranked_by_oracle(index: SparseIndex, store: Store, query: list[str], k: int) -> list[int]:
    """rank-bm25's top k ids, ties broken by the higher id (as SparseIndex does)."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]
    tokens = index.tokens(ids)
    scores = BM25Okapi([tokens[i] for i in ids]).get_scores(query)
    order = sorted(range(len(ids)), key=lambda j: (-round(scores[j], 9), -ids[j]))
    return [ids[j] for j in order if scores[j] != 0][:k]


@pytest.mark.parametrize("k", [1, 10, 20])
def test_pruned_search_ranks_exactly_as_rank_bm25_with_many_common_terms(
    store: Store, monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    add(store, "synthetic", *synthetic_texts(400, seed=5))
    index = SparseIndex(store.conn)
    index.sync(split)
    essential: list[tuple[int, int]] = []

    def spy(terms: list[topk.Term], *args: object) -> topk.TopK:
        found = topk.top_k(terms, *args)  # type: ignore[arg-type]
        essential.append((found.essential, len(terms)))
        return found

    monkeypatch.setattr(bm25, "top_k", spy)
    queries = [
        ["剑河", "中药材", "面积", "的", "年", "月", "日"],
        ["蓝莓", "的", "中国", "发展", "记者", "年"],
        ["褚靖", "擂台", "峭壁", "的", "的", "年", "月", "日", "中国", "发展", "记者"],
        ["的", "年"],
        ["万亩", "品种"],
    ]
    for query in queries:
        got = index.search(query, k=k)
        assert [pid for pid, _ in got] == ranked_by_oracle(index, store, query, k)
    assert any(n_essential < n_terms for n_essential, n_terms in essential)  # the pruned path ran


def random_terms(rng: np.random.Generator, n_docs: int, ascending: bool) -> list[topk.Term]:
    """Query terms over ``n_docs`` ids, long and short posting lists, in 1–3 parts each."""
    terms = []
    for size, weight in [(900, 0.3), (600, 1.1), (300, 2.0), (40, 6.5), (12, 9.0), (5, 11.0), (700, -0.2)]:
        docs = np.sort(rng.choice(n_docs, size, replace=False)).astype(np.int32)
        tfs = rng.integers(1, 6, size).astype(np.uint16)
        cuts = np.sort(rng.choice(np.arange(1, size), rng.integers(0, 3), replace=False))
        parts = [
            topk.Part(d if ascending else d[::-1].copy(), f if ascending else f[::-1].copy(), ascending)
            for d, f in zip(np.split(docs, cuts), np.split(tfs, cuts), strict=True)
        ]
        terms.append(topk.Term(weight, parts))
    return terms


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("k", [1, 10, 20])
def test_top_k_equals_scoring_every_posting_to_the_bit(ascending: bool, k: int) -> None:
    rng = np.random.default_rng(11)
    n_docs = 1000
    lens = rng.integers(1, 60, n_docs).astype(np.float64)
    norm = bm25.K1 * (1 - bm25.B + bm25.B * lens / lens.mean())
    norm[rng.choice(n_docs, 50, replace=False)] = np.inf  # deleted paragraphs keep their postings
    acc = np.zeros(n_docs)
    pruned = 0
    for _ in range(20):
        terms = random_terms(rng, n_docs, ascending)
        chosen = [terms[i] for i in rng.choice(len(terms), rng.integers(1, len(terms) + 1), replace=False)]
        got = topk.top_k(chosen, norm, acc, k)
        want = topk.exhaustive(chosen, norm, k)
        assert got.ids.tolist() == want.ids.tolist()
        assert got.scores.tolist() == want.scores.tolist()
        assert not acc.any()  # the scratch array is left zeroed
        pruned += got.essential < len(chosen)
    assert pruned >= 5


def test_best_breaks_ties_by_the_higher_id() -> None:
    ids, scores = topk.best(np.array([3, 8, 5, 1]), np.array([2.0, 1.5, 2.0, 1.5]), 3)
    assert (ids.tolist(), scores.tolist()) == ([5, 3, 8], [2.0, 2.0, 1.5])


def test_a_merge_keeps_ids_ascending_when_its_inputs_interleave() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(postings.SCHEMA)
    ids = np.array
    postings.write_segment(conn, 1, [("剑河", ids([5, 9]), ids([2, 1])), ("面积", ids([9]), ids([3]))])
    postings.write_segment(conn, 2, [("剑河", ids([1, 7]), ids([4, 1]))])
    postings.merge_segments(conn, [1, 2], 3, np.ones(10, dtype=bool))
    rows = conn.execute("SELECT term, segment, docs, tfs FROM ix_postings ORDER BY term").fetchall()
    decoded = [
        (t, s, np.frombuffer(d, "<i4").tolist(), np.frombuffer(f, "<u2").tolist()) for t, s, d, f in rows
    ]
    assert decoded == [("剑河", 3, [1, 5, 7, 9], [4, 2, 1, 1]), ("面积", 3, [9], [3])]
    assert postings.sorted_from(conn) == 1


def test_an_old_out_of_order_segment_is_searched_exactly_then_sorted_by_sync(store: Store) -> None:
    add(store, "one", "剑河 面积 面积", "剑河 品种", "教师 帮扶")
    add(store, "two", "剑河 中药材", "面积 万亩 剑河", "擂台 比武")
    index = SparseIndex(store.conn)
    index.sync(split)
    # What an old merge left: both paragraphs' postings in one segment, the later ids first, no mark.
    conn = store.conn
    rows = conn.execute("SELECT term, docs, tfs FROM ix_postings").fetchall()
    conn.execute("DELETE FROM ix_postings")
    conn.execute("DELETE FROM ix_segments")
    conn.execute("DELETE FROM ix_meta WHERE key = 'sorted_from'")
    for term, docs, tfs in rows:
        d, f = np.frombuffer(docs, "<i4")[::-1], np.frombuffer(tfs, "<u2")[::-1]
        conn.execute("INSERT INTO ix_postings VALUES (?, 7, ?, ?)", (term, d.tobytes(), f.tobytes()))
    conn.execute("INSERT INTO ix_segments VALUES (7, 10)")
    conn.execute("UPDATE ix_meta SET value = 7 WHERE key = 'next_segment'")
    conn.execute("UPDATE ix_meta SET value = value + 1 WHERE key = 'version'")
    reader = SparseIndex(conn)
    queries = [["剑河", "面积"], ["万亩", "剑河"], ["品种", "中药材", "剑河"]]
    before = [reader.search(q, k=2) for q in queries]
    assert [[pid for pid, _ in r] for r in before] == [[1, 5], [5, 4], [4, 2]]  # 4 and 2 tie
    assert [[pid for pid, _ in r] for r in before] == [ranked_by_oracle(index, store, q, 2) for q in queries]
    index.sync(split)
    assert conn.execute("SELECT segment FROM ix_segments").fetchall() == [(8,)]
    assert postings.sorted_from(conn) == 8
    docs = conn.execute("SELECT docs FROM ix_postings WHERE term = '剑河'").fetchone()[0]
    assert np.frombuffer(docs, "<i4").tolist() == [1, 2, 4, 5]
    assert [reader.search(q, k=2) for q in queries] == before


def test_needs_sync_tracks_added_and_deleted_paragraphs(fresh_db) -> None:  # type: ignore[no-untyped-def]
    from corpus.models import Article, Paragraph
    from corpus.store import Store
    from index.bm25 import SparseIndex
    from index.tokenize import Segmenter

    store = Store.open(fresh_db)
    index = SparseIndex(store.conn)
    assert index.needs_sync() is False
    store.replace_source(
        "/x.txt", "h", 1, "page", [Article("新文章", [Paragraph("黔江县茶园面积达到3.6万亩。")])]
    )
    assert index.needs_sync() is True
    index.sync(Segmenter().doc_tokens)
    assert index.needs_sync() is False
    store.remove_source("/x.txt")
    assert index.needs_sync() is True
    index.sync(Segmenter().doc_tokens)
    assert index.needs_sync() is False


def test_pages_are_batches_and_the_last_round_is_split_between_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bm25, "BATCH", 20000)
    monkeypatch.setattr(bm25, "CHUNK", 1000)

    def first(todo: int, workers: int, n: int) -> list[int]:
        return list(itertools.islice(bm25.page_sizes(todo, workers), n))

    assert first(100_000, 2, 7) == [20000, 20000, 20000, 20000, 10000, 10000, 20000]
    assert first(20873, 2, 3) == [10437, 10436, 20000]
    assert first(1500, 2, 2) == [1500, 20000]
    assert first(50000, 1, 4) == [20000, 20000, 10000, 20000]
    assert first(0, 2, 2) == [0, 20000]
