"""Our BM25 search against tantivy on the same tokens, alternately in one process (an A/B in the same run).

Usage (from the repository root; open a copy of a store, this does not write it but SQLite may)::

    .venv/bin/python -m bench.retrieval --db bench/out/size-200000/store.db --rounds 5

It samples CMRC dev questions whose contexts are in the store (``--queries``, seeded), segments them as the
bot does (the store's user words), builds a tantivy index of the store's cached tokens in a temp dir
(:mod:`bench.tantivy_bm25`), then times ``SparseIndex.search(tokens, 10)`` and tantivy's top 10 over all
queries, round after round, which engine goes first alternating. Both are warmed first on ``--warmup``
other questions (never timed), and each engine's per-query times over all rounds give its p50/p99.
``round_ratio_p50`` is the median over rounds of ours / tantivy's round p50 (robust to load shifting
between rounds). The first pass alone (``*_first_pass_p50_ms``, ``first_pass_vs_tantivy_p50``) is the
figure for questions never asked before: their own words are not yet in our postings cache, which holds
them for the later rounds. CPU seconds per pass come from ``time.process_time``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import tantivy_bm25
from bench.archive import _context_paragraphs, percentile

WARMUP = 50


def _questions(conn: Any, n: int, seed: int) -> list[str]:
    """``n`` CMRC dev questions (seeded) whose contexts the store holds."""
    from bench.corpus_gen import load_sources

    present = _context_paragraphs(conn)
    pool = [q.text for q in load_sources().questions if q.context_id in present]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def _timed(search: Callable[[list[str]], object], queries: list[list[str]]) -> tuple[list[float], float]:
    """Milliseconds per query and CPU seconds for one pass over ``queries``."""
    times: list[float] = []
    cpu = time.process_time()
    for tokens in queries:
        started = time.perf_counter()
        search(tokens)
        times.append((time.perf_counter() - started) * 1000)
    return times, time.process_time() - cpu


def _engine(conn: Any, keep: Path | None, tmp: Path, docs: int) -> tantivy_bm25.TantivyBM25:
    """The tantivy index: the one kept in ``keep`` when it holds ``docs`` paragraphs, else built anew."""
    if keep is not None and (keep / "meta.json").exists():
        engine = tantivy_bm25.TantivyBM25.open(keep)
        if engine.doc_count == docs:
            return engine
        shutil.rmtree(keep)
    return tantivy_bm25.TantivyBM25.build(conn, keep or tmp)


def run(
    db: Path, *, queries: int, rounds: int, seed: int, warmup: int = WARMUP, keep: Path | None = None
) -> dict[str, Any]:
    """Time both engines alternately; the JSON-ready figures (``keep``: a directory to keep tantivy's index in)."""
    from corpus.store import Store
    from index import build
    from index.bm25 import SparseIndex
    from index.tokenize import Segmenter

    store = Store.open(db)
    index = SparseIndex(store.conn)
    segmenter = Segmenter(build.stored_user_words(store))
    asked = [segmenter.query_tokens(q) for q in _questions(store.conn, queries + warmup, seed)]
    tokens, warm = asked[:queries], asked[queries:]
    row: dict[str, Any] = {"db": str(db), "paragraphs": index.doc_count, "queries": len(tokens)}
    row |= {"rounds": rounds, "warmup": len(warm)}

    def ours(t: list[str]) -> list[int]:
        return [pid for pid, _ in index.search(t, 10)]

    engines: dict[str, Callable[[list[str]], object]] = {"ours": ours}
    with tempfile.TemporaryDirectory(prefix="tantivy-") as tmp:
        if tantivy_bm25.available():
            started = time.perf_counter()
            docs = store.conn.execute("SELECT COUNT(*) FROM ix_tokens").fetchone()[0]
            engine = _engine(store.conn, keep, Path(tmp), docs)
            row["tantivy_build_s"] = round(time.perf_counter() - started, 2)
            engines["tantivy"] = lambda t: engine.search(t, 10)
        else:
            row["tantivy_note"] = "tantivy not installed (pip install -e '.[bench]'): ours only"
        for search in engines.values():
            for t in warm:
                search(t)
        times: dict[str, list[float]] = {name: [] for name in engines}
        cpu: dict[str, list[float]] = {name: [] for name in engines}
        p50s: dict[str, list[float]] = {name: [] for name in engines}
        for r in range(rounds):
            order = list(engines) if r % 2 == 0 else list(engines)[::-1]
            for name in order:
                ms, seconds = _timed(engines[name], tokens)
                times[name] += ms
                cpu[name].append(seconds)
                p50s[name].append(percentile(ms, 50))
        if "tantivy" in engines:  # after timing: the first pass must not find our postings cached
            tops = [(ours(t), engine.search(t, 10)) for t in tokens]
            overlap = [len(set(a) & set(b)) / max(1, min(10, len(a))) for a, b in tops]
            row["top10_overlap_vs_tantivy"] = round(statistics.fmean(overlap), 4)
    for name in engines:
        row[f"{name}_p50_ms"] = round(percentile(times[name], 50), 4)
        row[f"{name}_p99_ms"] = round(percentile(times[name], 99), 4)
        row[f"{name}_cpu_ms_per_query"] = round(1000 * statistics.median(cpu[name]) / len(tokens), 4)
        row[f"{name}_first_pass_p50_ms"] = round(p50s[name][0], 4)
    if "tantivy" in engines:
        row["query_vs_tantivy_p50"] = round(row["ours_p50_ms"] / row["tantivy_p50_ms"], 3)
        row["query_vs_tantivy_p99"] = round(row["ours_p99_ms"] / row["tantivy_p99_ms"], 3)
        ratios = [a / b for a, b in zip(p50s["ours"], p50s["tantivy"], strict=True)]
        row["round_ratio_p50"] = round(statistics.median(ratios), 3)
        row["first_pass_vs_tantivy_p50"] = round(ratios[0], 3)
    store.close()
    return row


def main(argv: list[str] | None = None) -> int:
    """Print the A/B figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a store built by bench.archive (a copy)")
    parser.add_argument("--queries", type=int, default=500, help="CMRC dev questions asked")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the queries per engine")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="queries each engine answers first")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--tantivy-dir", type=Path, help="keep tantivy's index here between runs")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"no store at {args.db}")
    row = run(
        args.db,
        queries=args.queries,
        rounds=args.rounds,
        seed=args.seed,
        warmup=args.warmup,
        keep=args.tantivy_dir,
    )
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
