"""The archive benchmark's plot: latency and memory against corpus size (log x), from ``results.jsonl``.

Usage::

    .venv/bin/python -m bench.plot [bench/out/results.jsonl] [bench/out/archive.png]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
LATENCIES = (
    ("query_p50_ms", "query p50 (retrieval)"),
    ("query_p99_ms", "query p99 (retrieval)"),
    ("answer_p50_ms", "answer p50 (whole path)"),
    ("rank_bm25_p50_ms", "rank-bm25 p50"),
)
MEMORY = (
    ("peak_rss_mb", "serving peak RSS"),
    ("ingest_rss_mb", "ingest peak RSS"),
    ("store_mb", "store on disk"),
)


def latest_rows(path: Path) -> list[dict[str, Any]]:
    """The last result line for each size in ``path``, smallest size first."""
    rows: dict[int, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[int(row["paragraphs"])] = row
    return [rows[n] for n in sorted(rows)]


def _series(rows: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    pairs = [(r["paragraphs"], r[key]) for r in rows if isinstance(r.get(key), int | float)]
    return [p for p, _ in pairs], [v for _, v in pairs]


def plot_results(results: Path = OUT / "results.jsonl", png: Path = OUT / "archive.png") -> Path:
    """Draw latency (ms, log y) and memory (MB) against paragraphs (log x) into ``png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = latest_rows(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in LATENCIES:
        xs, ys = _series(rows, key)
        if xs:
            left.plot(xs, ys, marker="o", label=label, linestyle="--" if key.startswith("rank") else "-")
    left.set(xscale="log", yscale="log", xlabel="paragraphs", ylabel="ms per question", title="Latency")
    for key, label in MEMORY:
        xs, ys = _series(rows, key)
        if xs:
            right.plot(xs, ys, marker="o", label=label)
    right.set(xscale="log", yscale="log", xlabel="paragraphs", ylabel="MB", title="Memory and disk")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("newsqa archive benchmark (synthetic corpora from CMRC 2018 + DRCD dev)")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    print(plot_results(*args))
