"""Answer latency on CMRC dev questions: p50/p90/p99 of ``Searcher.ask`` in a fresh process, query cache off.

Usage (from the repository root; the store is built once with ``newsqa ingest`` from the CMRC dev file)::

    NEWSQA_DB=/tmp/cmrc.db newsqa ingest ../shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json
    .venv/bin/python -m bench.answer_latency --db /tmp/cmrc.db --questions 300

Each question is asked once, in file order, after three warm-up questions (a serving bot has loaded what the
answer path loads lazily). The first line printed is the whole-run figure; with ``--passes 2`` a second fresh
process asks the same questions again, so the second line shows answers whose passages another process has
already tagged (the tag cache, :mod:`index.tag_cache`). Each line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def questions(path: Path, n: int) -> list[tuple[str, list[str]]]:
    """The first ``n`` questions of a squad-style file with their gold answers."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out: list[tuple[str, list[str]]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                out.append((qa["question"], [a["text"] for a in qa["answers"]]))
    return out[:n]


def run(db: Path, asked: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Ask every question once in this process; latency percentiles and the short-answer accuracy."""
    from corpus.store import Store
    from index.search import Searcher

    searcher = Searcher(Store.open(db), use_cache=False)
    for question, _ in asked[:3]:
        searcher.ask(question, k=5)
    times: list[float] = []
    correct = quoted = 0
    for question, gold in asked:
        started = time.perf_counter()
        result = searcher.ask(question, k=5)
        times.append((time.perf_counter() - started) * 1000)
        correct += bool(result.answer) and any(a in (result.answer or "") for a in gold)
        quoted += bool(result.hits) and any(a in result.hits[0].quote for a in gold)
    return {
        "questions": len(asked),
        "answer_p50_ms": round(percentile(times, 50), 2),
        "answer_p90_ms": round(percentile(times, 90), 2),
        "answer_p99_ms": round(percentile(times, 99), 2),
        "answer_max_ms": round(max(times), 2),
        "answer_acc": round(correct / len(asked), 4),
        "quote_has_gold": round(quoted / len(asked), 4),
        "tagged_here": _computed(),
    }


def _computed() -> int | None:
    """Texts this process tagged itself (None before the tag cache existed)."""
    try:
        from index import tag_cache
    except ImportError:
        return None
    return tag_cache.computed()


def main(argv: list[str] | None = None) -> int:
    """Run the passes, each in a fresh process, and print one JSON line per pass."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.answer_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", required=True, type=Path, help="a store holding the CMRC dev contexts")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="squad-style question file")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--passes", type=int, default=1, help="fresh processes asking the same questions")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    asked = questions(args.file, args.questions)
    if args.child:
        print(json.dumps(run(args.db, asked)))
        return 0
    for number in range(1, args.passes + 1):
        command = [sys.executable, "-m", "bench.answer_latency", "--child", "--db", str(args.db)]
        command += ["--file", str(args.file), "--questions", str(args.questions)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(json.dumps({"pass": number, **figures}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
