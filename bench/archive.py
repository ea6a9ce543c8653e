"""Archive-scale benchmark: build synthetic newspaper corpora, ingest them, and time the whole answer path.

Usage (from the repository root)::

    .venv/bin/python -m bench.archive --sizes 10000,100000,1000000
    .venv/bin/python -m bench.archive --quick          # one small size, few queries, under a minute

For each size it prints one JSON line (also appended to ``bench/out/results.jsonl``) and redraws
``bench/out/archive.png``. The corpora are described in :mod:`bench.corpus_gen`. Each measurement runs in a
fresh subprocess, so memory figures belong to one job:

- **build**: ``corpus.ingest.ingest`` then ``Searcher.sync(workers=N)`` into a new store; ``index_build_s`` is
  the sync (user dictionary + segmentation + postings), ``ingest_paragraphs_per_s`` is paragraphs over read +
  sync, ``ingest_rss_mb`` its peak RSS, ``index_postings_s`` the sync without mining the user dictionary.
  At sizes up to 10k the build is also run with one worker: ``ingest_speedup_2_workers`` end to end,
  ``index_speedup_2_workers`` for the sync, ``segment_speedup_2_workers`` for segmentation + postings alone.
- **serve**: open the store, ``Searcher(store, use_cache=False)``; ``query_*`` times
  ``index.search(tokens, 10)`` on pre-segmented CMRC dev questions (after a 20-query warm-up),
  ``answer_p50_ms`` times ``Searcher.ask`` end to end, every passage read for the first time (the store's tag
  cache emptied first: POS and LAC tags computed as the passages are read), ``answer_tagged_p50_ms`` (and p99)
  the same questions in a new process once those tags are kept; ``peak_rss_mb`` is that process's ``ru_maxrss``;
  ``hit1_cmrc`` counts a question right when the first passage is its intact CMRC context;
  ``top1_has_answer_cmrc`` when that passage (any passage) contains a gold answer string;
  ``answer_acc_cmrc`` when the short answer contains a gold answer.
- **rank**: rank-bm25 ``BM25Okapi`` over the index's own cached tokens (``ix_tokens``) with the same query
  tokens, on a sample of the queries (``rank_queries``: all up to 10k paragraphs, 10,000,000 / size beyond,
  at least 20), under a 12 GB address-space limit (skipped with a note when it does not fit).
- **tantivy** (optional, the ``bench`` extra): a tantivy index of the same cached tokens in a temp dir
  (:mod:`bench.tantivy_bm25`: tantivy sees exactly our tokens), an OR query of the same query tokens, top 10,
  all the serve queries after the same warm-up: ``tantivy_p50_ms``, ``tantivy_p99_ms``,
  ``query_vs_tantivy_p50`` (ours / tantivy) and ``top10_overlap_vs_tantivy`` (informational: tantivy's BM25
  has another idf and one-byte lengths). Skipped with a note when tantivy is not installed.
- **cold start**: ``python -m bot ask QUESTION --json`` with ``NEWSQA_DB`` set, start to exit, median of 3.
- **add one article**: in a process already serving, ingest one new JSONL article, sync, and ask about it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus_gen import Question, Source, generate, load_sources, originals_for

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
KEYS = (
    "paragraphs",
    "ingest_paragraphs_per_s",
    "index_build_s",
    "store_mb",
    "peak_rss_mb",
    "query_p50_ms",
    "query_p99_ms",
    "answer_p50_ms",
    "answer_tagged_p50_ms",
    "rank_bm25_p50_ms",
    "speedup_vs_rank_bm25",
    "top10_overlap_vs_rank_bm25",
    "cold_start_s",
    "add_one_article_s",
)
#: The optional tantivy columns (None, with ``tantivy_note``, when tantivy is not installed).
TANTIVY_KEYS = ("tantivy_p50_ms", "tantivy_p99_ms", "query_vs_tantivy_p50", "top10_overlap_vs_tantivy")
RANK_MEMORY_LIMIT = 12 * 1024**3
#: rank-bm25 needs ~25 KB per paragraph here (2.5 GB at 100k): beyond this it cannot fit in the limit.
RANK_MAX_PARAGRAPHS = 400_000
WARMUP = 20
NEW_ARTICLE = {
    "title": "紫藤湾镇首届蓝莓文化节开幕",
    "author": "本报记者 钟明远",
    "date": "2024-06-18",
    "source": "合成日报",
    "text": "6月18日，紫藤湾镇首届蓝莓文化节在镇文化广场开幕。\n\n"
    "据介绍，紫藤湾镇蓝莓种植面积已达3.6万亩，年产值约4.2亿元，带动2800余户农户增收。",
}
NEW_QUESTION = "紫藤湾镇蓝莓种植面积有多少?"
NEW_MARK = "紫藤湾镇蓝莓种植面积"


# -- helpers ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation: ``percentile([1, 2, 3, 4], 50)`` → 2.5."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _db_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def store_mb(db: Path) -> float:
    """Size of the store on disk (database, WAL and shared-memory files), in MB."""
    return sum(p.stat().st_size for p in _db_files(db) if p.exists()) / 1e6


def _remove_db(db: Path) -> None:
    for path in _db_files(db):
        path.unlink(missing_ok=True)


def rank_sample_size(paragraphs: int, queries: int) -> int:
    """Queries rank-bm25 answers at a size: all up to 10k paragraphs, then 1e7 / size, at least 20."""
    return min(queries, max(20, 10_000_000 // max(paragraphs, 1)))


def _child(role: str, params: dict[str, Any], *, memory_limit: int | None = None) -> dict[str, Any]:
    """Run one measurement ``role`` in a fresh Python process; parameters and result go through JSON files."""
    result = Path(params["out"]) / f"{role}-result.json"
    result.unlink(missing_ok=True)
    given = Path(params["out"]) / f"{role}-params.json"
    given.write_text(json.dumps({**params, "result": str(result)}, ensure_ascii=False), encoding="utf-8")

    def limit() -> None:  # runs in the child before exec
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    cmd = [sys.executable, "-m", "bench.archive", "_child", role, str(given)]
    proc = subprocess.run(cmd, cwd=REPO, preexec_fn=limit if memory_limit else None, check=False)
    if not result.exists():
        return {"error": f"{role} exited with status {proc.returncode} and no result"}
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return data


# -- the measurements, each run in its own process ----------------------------------------------------------


def _progress(label: str) -> Any:
    from bot.progress import progress_bar

    return progress_bar(label)


def child_build(p: dict[str, Any]) -> dict[str, Any]:
    """Ingest the corpus files into a new store and index them."""
    from corpus.ingest import ingest
    from corpus.store import Store
    from index.search import Searcher

    db = Path(p["db"])
    _remove_db(db)
    store = Store.open(db)
    bar = _progress(f"reading {p['label']}")
    started = time.perf_counter()
    report = ingest(
        store,
        [Path(f) for f in p["files"]],
        progress=(lambda d, t, _: bar(d, t)) if bar else None,
        workers=p["workers"],
    )
    read_s = time.perf_counter() - started
    if report.failed:
        return {"error": f"ingest failed: {report.failed[:3]}"}
    searcher = Searcher(store, use_cache=False)
    started = time.perf_counter()
    sync = searcher.sync(workers=p["workers"], progress=_progress(f"indexing {p['label']}"))
    index_build_s = time.perf_counter() - started
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    main, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "cpu_main_s": main.ru_utime + main.ru_stime,
        "cpu_workers_s": workers.ru_utime + workers.ru_stime,
        "paragraphs": report.paragraphs,
        "articles": report.articles,
        "read_s": read_s,
        "index_build_s": index_build_s,
        "index_postings_s": getattr(sync, "seconds", float("nan")),  # sync minus the user dictionary
        "ingest_rss_mb": _rss_mb(),
    }


def _context_paragraphs(conn: Any) -> dict[str, set[int]]:
    rows = conn.execute(
        "SELECT a.url, p.id FROM paragraphs p JOIN articles a ON a.id = p.article_id "
        "WHERE a.url LIKE 'cmrc2018:%'"
    )
    found: dict[str, set[int]] = {}
    for url, pid in rows:
        found.setdefault(url.split(":", 1)[1], set()).add(pid)
    return found


def _unwarmed(times: list[float], warmed: int) -> list[float]:
    """The timings of the questions not used to warm up (the first ``warmed`` were asked before timing)."""
    return times[warmed:] if len(times) > warmed else times


def child_serve(p: dict[str, Any]) -> dict[str, Any]:
    """Open the store as the bot would and time retrieval and whole answers over the queries."""
    from corpus.store import Store
    from index.search import Searcher

    questions = [Question(q["id"], q["text"], q["context_id"], tuple(q["answers"])) for q in p["queries"]]
    store = Store.open(Path(p["db"]))
    if p.get("forget_tags"):  # every passage read for the first time, as after an ingest
        with contextlib.suppress(sqlite3.OperationalError):
            store.conn.execute("DELETE FROM tag_cache")
    searcher = Searcher(store, use_cache=False)
    gold = _context_paragraphs(store.conn)
    tokens = [searcher.segmenter.query_tokens(q.text) for q in questions]
    for t in tokens[:WARMUP]:
        searcher.index.search(t, 10)
    for q in questions[:3]:
        searcher.ask(q.text, k=5)  # loads what the answer path loads lazily (a serving bot has done so)
    query_ms: list[float] = []
    tops: list[list[int]] = []
    for t in tokens:
        started = time.perf_counter()
        ranked = searcher.index.search(t, 10)
        query_ms.append((time.perf_counter() - started) * 1000)
        tops.append([pid for pid, _ in ranked])
    answer_ms: list[float] = []
    correct = has_answer = 0
    for q in questions:
        started = time.perf_counter()
        result = searcher.ask(q.text, k=5)
        answer_ms.append((time.perf_counter() - started) * 1000)
        correct += bool(result.answer) and any(a in (result.answer or "") for a in q.answers)
        has_answer += bool(result.hits) and any(a in result.hits[0].passage.text for a in q.answers)
    hits = [
        bool(top) and top[0] in gold.get(q.context_id, set()) for q, top in zip(questions, tops, strict=True)
    ]
    n = p["rank_queries"]
    return {
        "query_p50_ms": percentile(_unwarmed(query_ms, WARMUP), 50),
        "query_p99_ms": percentile(_unwarmed(query_ms, WARMUP), 99),
        "answer_p50_ms": percentile(_unwarmed(answer_ms, 3), 50),
        "answer_p99_ms": percentile(_unwarmed(answer_ms, 3), 99),
        "peak_rss_mb": _rss_mb(),
        "hit1_cmrc": sum(hits) / len(hits),
        "answer_acc_cmrc": correct / len(questions),
        "top1_has_answer_cmrc": has_answer / len(questions),
        "hit1_cmrc_rank_sample": sum(hits[:n]) / n,
        "queries": len(questions),
        "sample": [{"tokens": t, "top": top, "gold": sorted(gold.get(q.context_id, set()))}
                   for q, t, top in zip(questions[:n], tokens[:n], tops[:n], strict=True)],
        "all_queries": [{"tokens": t, "top": top} for t, top in zip(tokens, tops, strict=True)],
    }  # fmt: skip


def child_tantivy(p: dict[str, Any]) -> dict[str, Any]:
    """tantivy over the index's cached tokens, answering all the serve queries' tokens (top 10)."""
    import tempfile

    from bench.tantivy_bm25 import TantivyBM25
    from corpus.store import Store

    queries = p["queries"]
    store = Store.open(Path(p["db"]))
    with tempfile.TemporaryDirectory(prefix="tantivy-", dir=p["out"]) as tmp:
        started = time.perf_counter()
        engine = TantivyBM25.build(store.conn, Path(tmp))
        build_s = time.perf_counter() - started
        for item in queries[:WARMUP]:
            engine.search(item["tokens"], 10)
        times: list[float] = []
        overlap: list[float] = []
        for item in queries:
            started = time.perf_counter()
            ranked = engine.search(item["tokens"], 10)
            times.append((time.perf_counter() - started) * 1000)
            overlap.append(len(set(ranked) & set(item["top"])) / max(1, min(10, len(item["top"]))))
        docs = engine.doc_count
    return {
        "tantivy_p50_ms": percentile(_unwarmed(times, WARMUP), 50),
        "tantivy_p99_ms": percentile(_unwarmed(times, WARMUP), 99),
        "top10_overlap_vs_tantivy": statistics.fmean(overlap),
        "tantivy_build_s": build_s,
        "tantivy_docs": docs,
    }


def child_rank(p: dict[str, Any]) -> dict[str, Any]:
    """rank-bm25 BM25Okapi over the index's cached tokens, answering the serve sample's query tokens."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    from corpus.store import Store

    sample = p["sample"]
    try:
        started = time.perf_counter()
        store = Store.open(Path(p["db"]))
        ids: list[int] = []
        corpus: list[list[str]] = []
        for pid, text in store.conn.execute(
            "SELECT paragraph_id, tokens FROM ix_tokens ORDER BY paragraph_id"
        ):
            ids.append(pid)
            corpus.append(text.split(" ") if text else [])
        bm25 = BM25Okapi(corpus)
        del corpus
        build_s = time.perf_counter() - started
        id_array = np.asarray(ids)
        times: list[float] = []
        overlap: list[float] = []
        hits = 0
        for item in sample:
            query = [t.replace(" ", "_") for t in item["tokens"] if t.strip()]
            started = time.perf_counter()
            scores = bm25.get_scores(query)
            top = np.argpartition(-scores, 9)[:10] if len(scores) > 10 else np.arange(len(scores))
            top = top[np.argsort(-scores[top], kind="stable")]
            times.append((time.perf_counter() - started) * 1000)
            ranked = [int(i) for i in id_array[top]]
            overlap.append(len(set(ranked) & set(item["top"])) / max(1, min(10, len(ranked))))
            hits += bool(ranked) and ranked[0] in set(item["gold"])
    except MemoryError:
        return {"skipped": f"rank-bm25 does not fit in {RANK_MEMORY_LIMIT // 1024**3} GB"}
    return {
        "rank_bm25_p50_ms": percentile(times, 50),
        "top10_overlap_vs_rank_bm25": statistics.fmean(overlap),
        "hit1_rank_bm25": hits / len(sample),
        "rank_bm25_build_s": build_s,
        "rank_bm25_rss_mb": _rss_mb(),
    }


def child_add(p: dict[str, Any]) -> dict[str, Any]:
    """In a process already serving the store, add one article file and time until a question finds it."""
    from corpus.ingest import ingest
    from corpus.store import Store
    from index.search import Searcher

    store = Store.open(Path(p["db"]))
    searcher = Searcher(store)
    searcher.ask("剑河中药材面积?")  # warm: the bot is already running when the article arrives
    path = Path(p["out"]) / "new-article.jsonl"
    if store.source(str(path.resolve())) is not None:  # left by an earlier run on a reused store
        store.remove_source(str(path.resolve()))
        searcher.sync(workers=1)
    path.write_text(json.dumps(NEW_ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    started = time.perf_counter()
    report = ingest(store, [path])
    ingested = time.perf_counter()
    searcher.sync(workers=1)
    synced = time.perf_counter()
    result = searcher.ask(NEW_QUESTION, k=5)
    done = time.perf_counter()
    found = bool(result.hits) and NEW_MARK in result.hits[0].passage.text
    return {
        "add_one_article_s": done - started if found and not report.failed else None,
        "add_ingest_s": ingested - started,
        "add_sync_s": synced - ingested,
        "add_answer": result.answer,
        "add_quote": result.hits[0].quote if result.hits and not result.abstained else None,
    }


CHILDREN = {
    "build": child_build,
    "serve": child_serve,
    "rank": child_rank,
    "tantivy": child_tantivy,
    "add": child_add,
}


def _tantivy(work: Path, db: Path, queries: list[dict[str, Any]], query_p50_ms: float) -> dict[str, Any]:
    """The tantivy columns (None with a note when tantivy is not installed or fails)."""
    from bench.tantivy_bm25 import available

    empty = dict.fromkeys(TANTIVY_KEYS)
    if not available():
        return {**empty, "tantivy_note": "tantivy not installed (pip install -e '.[bench]')"}
    found = _child("tantivy", {"out": str(work), "db": str(db), "queries": queries})
    if "tantivy_p50_ms" not in found:
        return {**empty, "tantivy_note": found.get("error", "tantivy gave no figures")}
    return {**found, "query_vs_tantivy_p50": query_p50_ms / max(found["tantivy_p50_ms"], 1e-6)}


def cold_start(db: Path, questions: list[str]) -> float | None:
    """Median seconds for ``python -m bot ask QUESTION --json`` from start to exit; None if it fails.

    Our modules are byte-compiled first, as an install leaves them (``make`` does; a process started with
    PYTHONDONTWRITEBYTECODE would otherwise compile them anew each time)."""
    env = {**os.environ, "NEWSQA_DB": str(db), "NEWSQA_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot", "index", "corpus"], cwd=REPO, check=True)
    times = []
    for question in questions:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "ask", question, "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if proc.returncode != 0 or not json.loads(proc.stdout.splitlines()[-1]).get("passages"):
            print(f"cold start failed: {proc.stderr[-500:]}", file=sys.stderr)
            return None
        times.append(elapsed)
    return statistics.median(times)


# -- one size -----------------------------------------------------------------------------------------------


def sample_questions(source: Source, paragraphs: int, n: int, seed: int) -> list[Question]:
    """``n`` CMRC dev questions (seeded) whose contexts are in a corpus of ``paragraphs`` paragraphs."""
    included = {cid for cid, _, _ in source.contexts[: originals_for(paragraphs, len(source.contexts))]}
    pool = [q for q in source.questions if q.context_id in included]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def _build(out: Path, label: str, files: list[Path], workers: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    params = {"out": str(out), "db": str(out / "store.db"), "files": [str(f) for f in files]}
    build = _child("build", {**params, "workers": workers, "label": label})
    if "error" in build:
        raise RuntimeError(build["error"])
    build["store_mb"] = store_mb(out / "store.db")
    return build


def run_size(
    paragraphs: int,
    *,
    out: Path = OUT,
    queries: int = 500,
    workers: int = 2,
    seed: int = 20240501,
    source: Source | None = None,
    speedup: bool | None = None,
    keep_store: bool = True,
    reuse: bool = False,
) -> dict[str, Any]:
    """Build, serve and compare one corpus size; returns the JSON row (see the module docstring).

    With ``reuse``, a store built by an earlier run of the same size (and its build figures) is kept.
    """
    source = source or load_sources()
    work = out / f"size-{paragraphs}"
    work.mkdir(parents=True, exist_ok=True)
    files = generate(out / f"corpus-{paragraphs}", paragraphs, seed=seed, source=source)
    row: dict[str, Any] = {"paragraphs": paragraphs, "workers": workers}
    built, built_single = work / "build.json", work / "build-one-worker.json"
    if not (reuse and built.exists() and (work / "store.db").exists()):
        built.unlink(missing_ok=True)
        built_single.unlink(missing_ok=True)
        if speedup if speedup is not None else paragraphs <= 10_000:
            one = _build(work / "one-worker", f"{paragraphs:,} (1 worker)", files, 1)
            shutil.rmtree(work / "one-worker", ignore_errors=True)
            built_single.write_text(json.dumps(one), encoding="utf-8")
        built.write_text(json.dumps(_build(work, f"{paragraphs:,}", files, workers)), encoding="utf-8")
    build = json.loads(built.read_text(encoding="utf-8"))
    single = json.loads(built_single.read_text(encoding="utf-8")) if built_single.exists() else None
    row["paragraphs"] = build["paragraphs"]
    row["ingest_paragraphs_per_s"] = build["paragraphs"] / (build["read_s"] + build["index_build_s"])
    row["index_build_s"] = build["index_build_s"]
    row["store_mb"] = build["store_mb"]
    row |= {"read_s": build["read_s"], "ingest_rss_mb": build["ingest_rss_mb"]}
    row |= {k: build[k] for k in ("cpu_main_s", "cpu_workers_s") if k in build}
    if single is not None:
        row["ingest_speedup_2_workers"] = (single["read_s"] + single["index_build_s"]) / (
            build["read_s"] + build["index_build_s"]
        )
        row["index_speedup_2_workers"] = single["index_build_s"] / build["index_build_s"]
        row["segment_speedup_2_workers"] = single["index_postings_s"] / build["index_postings_s"]
    db = work / "store.db"
    asked = sample_questions(source, paragraphs, queries, seed)
    n_rank = rank_sample_size(build["paragraphs"], len(asked))
    qs = [{"id": q.id, "text": q.text, "context_id": q.context_id, "answers": list(q.answers)} for q in asked]
    serve_params = {"out": str(work), "db": str(db), "queries": qs, "rank_queries": n_rank}
    serve = _child("serve", serve_params | {"forget_tags": True})
    if "error" in serve:
        raise RuntimeError(serve["error"])
    sample = serve.pop("sample")
    all_queries = serve.pop("all_queries")
    row |= serve
    again = _child("serve", serve_params)  # a new process, the passages' tags kept by the first one
    if "error" not in again:
        row |= {
            "answer_tagged_p50_ms": again["answer_p50_ms"],
            "answer_tagged_p99_ms": again["answer_p99_ms"],
        }
    row["rank_queries"] = n_rank
    if build["paragraphs"] > RANK_MAX_PARAGRAPHS:
        rank = {"skipped": f"rank-bm25 needs ~25 KB per paragraph: > {RANK_MEMORY_LIMIT // 1024**3} GB"}
    else:
        params = {"out": str(work), "db": str(db), "sample": sample}
        rank = _child("rank", params, memory_limit=RANK_MEMORY_LIMIT)
    if "rank_bm25_p50_ms" in rank:
        row |= rank
        row["speedup_vs_rank_bm25"] = rank["rank_bm25_p50_ms"] / max(serve["query_p50_ms"], 1e-6)
    else:
        row |= {"rank_bm25_p50_ms": None, "speedup_vs_rank_bm25": None, "top10_overlap_vs_rank_bm25": None}
        row["rank_bm25_note"] = rank.get("skipped") or rank.get("error")
    row |= _tantivy(work, db, all_queries, serve["query_p50_ms"])
    row["cold_start_s"] = cold_start(db, [q.text for q in asked[-3:]])
    add = _child("add", {"out": str(work), "db": str(db)})
    row |= (
        {k: v for k, v in add.items() if k != "error"} if "error" not in add else {"add_one_article_s": None}
    )
    row["date"] = time.strftime("%Y-%m-%d %H:%M")
    if not keep_store:
        shutil.rmtree(work, ignore_errors=True)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


# -- command line -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark sizes and print one JSON line per size."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        params = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        result = CHILDREN[argv[1]](params)
        Path(params["result"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="paragraph counts, comma-separated")
    parser.add_argument(
        "--quick", action="store_true", help="5,000 paragraphs, 50 queries, no 1-worker build"
    )
    parser.add_argument("--queries", type=int, default=500, help="CMRC dev questions asked per size")
    parser.add_argument("--workers", type=int, default=2, help="segmentation processes during ingest")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument(
        "--out", type=Path, default=OUT, help="corpora, stores, results.jsonl and archive.png"
    )
    parser.add_argument("--reuse", action="store_true", help="keep stores built by an earlier run")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    sizes = [5000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    queries = 50 if args.quick else args.queries
    args.out.mkdir(parents=True, exist_ok=True)
    source = load_sources()
    for size in sizes:
        row = run_size(
            size,
            out=args.out,
            queries=queries,
            workers=args.workers,
            seed=args.seed,
            source=source,
            reuse=args.reuse,
            speedup=False if args.quick else None,
        )
        line = json.dumps(row, ensure_ascii=False)
        print(line, flush=True)
        with (args.out / "results.jsonl").open("a", encoding="utf-8") as f:
            f.write(line + "\n")
    if not args.no_plot:
        from bench.plot import plot_results

        print(f"plot: {plot_results(args.out / 'results.jsonl', args.out / 'archive.png')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
