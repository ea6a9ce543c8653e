"""The archive benchmark: sentence splitting, corpus generation, a tiny end-to-end run (no timing asserts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import tantivy_bm25
from bench.archive import KEYS, TANTIVY_KEYS, percentile, rank_sample_size, run_size, sample_questions
from bench.corpus_gen import Source, generate, load_sources, originals_for, split_sentences
from corpus.readers import read_text

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CMRC = SHARED / "data" / "cmrc2018" / "squad-style-data_cmrc2018_dev.json"


@pytest.fixture(scope="module")
def source() -> Source:
    if not CMRC.exists():
        pytest.skip(f"../shared not present: {CMRC} is needed to build benchmark corpora")
    return load_sources()


def test_split_sentences_keeps_end_punctuation_and_closing_quotes() -> None:
    text = "剑河县中药材种植面积达15.78万亩。他说：“好！”品种呢？31个；还有\n续行"
    assert split_sentences(text) == [
        "剑河县中药材种植面积达15.78万亩。",
        "他说：“好！”",
        "品种呢？",
        "31个；",
        "还有续行",
    ]


def test_percentile_interpolates() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 100) == 5.0
    assert percentile([7.0], 99) == 7.0


def test_rank_sample_shrinks_with_size() -> None:
    assert rank_sample_size(10_000, 500) == 500
    assert rank_sample_size(100_000, 500) == 100
    assert rank_sample_size(1_000_000, 500) == 20
    assert rank_sample_size(300, 5) == 5


def test_generate_is_deterministic_and_sized(source: Source, tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 300, seed=7, source=source)
    second = generate(tmp_path / "b", 300, seed=7, source=source)
    assert [f.read_bytes() for f in first] == [f.read_bytes() for f in second]
    records = [json.loads(line) for f in first for line in f.read_text(encoding="utf-8").splitlines()]
    originals = [r for r in records if "url" in r]
    synthetic = [p for r in records if "url" not in r for p in r["text"].split("\n\n")]
    assert len(originals) == originals_for(300, len(source.contexts)) == 60
    assert len(originals) + len(synthetic) == 300
    assert all(16 <= len(p) <= 320 for p in synthetic)  # 2 sentences of 8–160 characters at least and most
    assert 120 <= sum(map(len, synthetic)) / len(synthetic) <= 180  # newspaper-like: 80–250 most of the time
    assert all(2 <= len(split_sentences(p)) <= 5 for p in synthetic)
    assert {r["url"] for r in originals} == {f"cmrc2018:{cid}" for cid, _, _ in source.contexts[:60]}


def test_questions_come_from_included_contexts(source: Source) -> None:
    asked = sample_questions(source, 300, 5, seed=1)
    included = {cid for cid, _, _ in source.contexts[:60]}
    assert len(asked) == 5
    assert all(q.context_id in included for q in asked)


@pytest.mark.slow
def test_tiny_bench_row_has_every_key(source: Source, tmp_path: Path) -> None:
    row = run_size(300, out=tmp_path, queries=6, source=source, speedup=False)
    missing = [k for k in KEYS if row.get(k) is None]
    assert missing == [], f"no value for {missing}: {row.get('rank_bm25_note')}"
    # 240 synthetic paragraphs and 60 CMRC contexts, each a record that the reader cuts into passages of a
    # readable size when it is long (corpus/passages.py)
    contexts = [json.dumps({"title": t, "text": c}, ensure_ascii=False) for _, t, c in source.contexts[:60]]
    assert row["paragraphs"] == 240 + sum(len(read_text(c, ".json")[1][0].paragraphs) for c in contexts)
    assert row["queries"] == 6
    assert row["rank_queries"] == 6
    assert 0 < row["query_p50_ms"] <= row["query_p99_ms"]
    assert row["answer_p50_ms"] > 0
    assert 0 <= row["top10_overlap_vs_rank_bm25"] <= 1
    if tantivy_bm25.available():
        assert [k for k in TANTIVY_KEYS if row.get(k) is None] == [], row.get("tantivy_note")
        assert 0 < row["tantivy_p50_ms"] <= row["tantivy_p99_ms"]
        assert 0 <= row["top10_overlap_vs_tantivy"] <= 1
    else:
        assert row["tantivy_note"].startswith("tantivy not installed")
    assert 0 <= row["hit1_cmrc"] <= 1
    assert row["store_mb"] > 0
    assert row["peak_rss_mb"] > 0
    assert row["cold_start_s"] > 0
    assert row["add_answer"] in ("3.6万亩", None) and "3.6万亩" in row["add_quote"]  # bold when confident
