"""Retrieval quality and speed of the search tokens and the SparseIndex on CMRC 2018 dev and DRCD dev.

Each context is a document; a question's gold document is its own context. Prints hit@1 / hit@3 for
(a) rank-bm25 on plain ``jieba.lcut`` tokens, variants of our segmentation scored by rank-bm25, and
(b) our query/doc tokens through :class:`index.bm25.SparseIndex` in a temporary store; then SparseIndex
query latency and top-10 overlap with rank-bm25 on the same tokens, on the CMRC corpus and on a synthetic
larger corpus (sentences of all contexts recombined at random into paragraphs of 3–6 sentences).

Usage::

    .venv/bin/python bench/retrieval_quality.py [--synthetic 200000] [--variants] [--rank-sample 100]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

from corpus.models import Article, Paragraph
from corpus.store import Store
from index.bm25 import SparseIndex
from index.dictionary import mine_words
from index.tokenize import Segmenter

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILES = {
    "cmrc": DATA / "cmrc2018" / "squad-style-data_cmrc2018_dev.json",
    "drcd": DATA / "drcd" / "DRCD_dev.json",
}


def load(path: Path) -> tuple[list[str], list[tuple[int, str]]]:
    """Contexts, and (gold context index, question) pairs."""
    data = json.loads(path.read_text(encoding="utf-8"))
    contexts: list[str] = []
    questions: list[tuple[int, str]] = []
    for article in data["data"]:
        for para in article["paragraphs"]:
            contexts.append(para["context"])
            questions.extend((len(contexts) - 1, qa["question"]) for qa in para["qas"])
    return contexts, questions


def hits(ranked: list[list[int]], questions: list[tuple[int, str]]) -> dict[str, float]:
    """hit@1 and hit@3 of ranked document indexes."""
    n = len(questions)
    h1 = sum(r[:1] == [g] for r, (g, _) in zip(ranked, questions, strict=True)) / n
    h3 = sum(g in r[:3] for r, (g, _) in zip(ranked, questions, strict=True)) / n
    return {"hit@1": round(h1, 4), "hit@3": round(h3, 4)}


def rank_bm25_hits(
    contexts: list[str],
    questions: list[tuple[int, str]],
    doc: Callable[[str], list[str]],
    query: Callable[[str], list[str]],
) -> dict[str, float]:
    """hit@k of rank-bm25 over ``doc`` tokens with ``query`` tokens."""
    bm = BM25Okapi([doc(c) for c in contexts])
    ranked = [list(np.argsort(bm.get_scores(query(q)))[::-1][:3]) for _, q in questions]
    return hits(ranked, questions)


def two_field_hits(
    contexts: list[str], questions: list[tuple[int, str]], seg: Segmenter, weight: float
) -> dict[str, float]:
    """Words and bigrams as separate BM25 fields: score = words + weight × bigrams."""
    words = Segmenter(seg.user_words, bigrams=False)
    word_bm = BM25Okapi([words.doc_tokens(c) for c in contexts])
    n_words = [len(words.doc_tokens(c)) for c in contexts]
    both = [seg.doc_tokens(c) for c in contexts]
    gram_bm = BM25Okapi([b[n:] for b, n in zip(both, n_words, strict=True)])
    ranked = []
    for _, q in questions:
        qw = words.query_tokens(q)
        qb = seg.query_tokens(q)[len(qw) :]
        scores = word_bm.get_scores(qw) + weight * gram_bm.get_scores(qb)
        ranked.append(list(np.argsort(scores)[::-1][:3]))
    return hits(ranked, questions)


def sparse_run(
    contexts: list[str], questions: list[tuple[int, str]], seg: Segmenter, rank_sample: int, workers: int
) -> dict[str, float]:
    """hit@k, latency and top-10 overlap of the SparseIndex over ``contexts`` in a temporary store."""
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        t0 = time.perf_counter()
        articles = [Article(title="", paragraphs=[Paragraph(c)]) for c in contexts]
        store.replace_source("bench", "-", 0, "squad", articles)
        index = SparseIndex(store.conn)
        report = index.sync(seg.doc_tokens, workers=workers)
        build_s = time.perf_counter() - t0
        ids = [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]
        position = {pid: i for i, pid in enumerate(ids)}
        queries = [seg.query_tokens(q) for _, q in questions]
        index.search(queries[0])  # load the statistics once, as a running bot has
        latencies, ranked = [], []
        for tokens in queries:
            t = time.perf_counter()
            found = index.search(tokens, k=10)
            latencies.append(time.perf_counter() - t)
            ranked.append([position[pid] for pid, _ in found])
        result: dict[str, float] = {
            "docs": len(ids),
            "build_s": round(build_s, 1),
            "sync_s": round(report.seconds, 1),
        }
        if len(contexts) == len(set(contexts)) and questions[0][0] >= 0:
            result |= hits(ranked, questions)
        result["query_p50_ms"] = round(float(np.median(latencies)) * 1e3, 3)
        result["query_p99_ms"] = round(float(np.percentile(latencies, 99)) * 1e3, 3)
        sample = random.Random(1).sample(range(len(queries)), min(rank_sample, len(queries)))
        tokens_by_id = index.tokens(ids)
        oracle = BM25Okapi([tokens_by_id[pid] for pid in ids])
        overlap, oracle_s = [], []
        for i in sample:
            t = time.perf_counter()
            scores = oracle.get_scores(queries[i])
            oracle_s.append(time.perf_counter() - t)
            top = [j for j in np.argsort(scores)[::-1][:10] if scores[j] > 0]
            if top:
                overlap.append(len(set(top) & set(ranked[i])) / len(top))
        result["rank_bm25_p50_ms"] = round(float(np.median(oracle_s)) * 1e3, 2)
        result["top10_overlap_vs_rank_bm25"] = round(float(np.mean(overlap)), 4)
        return result


def synthetic(contexts: list[str], size: int, seed: int = 7) -> list[str]:
    """``size`` paragraphs of 3–6 sentences drawn at random from all contexts' sentences."""
    sentences = [s for c in contexts for s in re.findall(r"[^。！？]+[。！？]?", c) if len(s) > 5]
    rng = random.Random(seed)
    return ["".join(rng.choices(sentences, k=rng.randint(3, 6))) for _ in range(size)]


def main() -> None:
    """Print one JSON line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--synthetic", type=int, default=0, help="also measure a synthetic corpus of N paragraphs"
    )
    parser.add_argument(
        "--variants", action="store_true", help="also score segmentation variants with rank-bm25"
    )
    parser.add_argument("--rank-sample", type=int, default=200, help="questions timed/compared on rank-bm25")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--synthetic-only", action="store_true", help="skip the CMRC/DRCD quality runs")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)
    plain = jieba.Tokenizer()
    found = {name: load(path) for name, path in FILES.items() if path.exists()}
    if not found:
        raise SystemExit(f"Error: no benchmark data under {DATA}")
    for name, (contexts, questions) in found.items():
        if args.synthetic_only:
            break
        mined = Segmenter(mine_words(contexts))
        seg = Segmenter()
        print(
            json.dumps(
                {"data": name, "run": "a: rank-bm25 on jieba.lcut"}
                | rank_bm25_hits(contexts, questions, plain.lcut, plain.lcut)
            ),
            flush=True,
        )
        if args.variants:
            words = Segmenter(bigrams=False)
            runs = {
                "rank-bm25, words only": (words.doc_tokens, words.query_tokens),
                "rank-bm25, words + bigrams": (seg.doc_tokens, seg.query_tokens),
                "rank-bm25, words + bigrams + mined words": (mined.doc_tokens, mined.query_tokens),
            }
            for run, (doc, query) in runs.items():
                print(
                    json.dumps({"data": name, "run": run} | rank_bm25_hits(contexts, questions, doc, query))
                )
            for weight in (0.5, 1.0):
                run = f"rank-bm25, words + {weight} x bigram field"
                print(
                    json.dumps({"data": name, "run": run} | two_field_hits(contexts, questions, seg, weight))
                )
        result = sparse_run(contexts, questions, mined, args.rank_sample, args.workers)
        print(
            json.dumps({"data": name, "run": "b: SparseIndex, our tokens + mined words"} | result), flush=True
        )
    if args.synthetic:
        contexts, questions = found.get("cmrc") or next(iter(found.values()))
        corpus = synthetic(contexts, args.synthetic)
        result = sparse_run(
            corpus, [(-1, q) for _, q in questions], Segmenter(), args.rank_sample, args.workers
        )
        print(json.dumps({"data": f"synthetic {args.synthetic}", "run": "SparseIndex"} | result), flush=True)


if __name__ == "__main__":
    main()
