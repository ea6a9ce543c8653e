"""Measure answer extraction on a squad-style file, given the gold context (no retrieval).

Usage:
    .venv/bin/python bench/answer_quality.py [FILE.json] [--limit N] [--misses TYPE] [--json] [--no-question]

Default FILE is ../shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json. For every question it types the
question, picks the evidence sentence of the gold context (``best_sentence``, given the question itself
unless --no-question) and extracts the typed span (``extract``), then prints, per question type: how often the sentence contains a gold answer (quote@1 given
the right passage), how often a span is returned, and how often it matches a gold answer (the span
contains it, or lies inside it covering at least half of it) — over all questions and over answered ones.
Query tokens come from jieba's search mode minus a small stopword list (a stand-in for the real tokenizer),
or with --segmenter from ``index.tokenize.Segmenter.query_tokens``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path

import jieba

from index.reader.answer import answer_text, best_sentence, extract
from index.reader.question import classify, fold_chars

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEFAULT = SHARED / "data" / "cmrc2018" / "squad-style-data_cmrc2018_dev.json"
_STOPWORD_TEXT = (
    "的 了 是 在 吗 呢 吧 啊 什么 多少 几 哪 谁 哪里 哪儿 哪些 哪个 哪一 哪位 哪年 哪一年 怎么 怎样 如何 "
    "为什么 有 和 与 及 或 被 把 对 由 从 为 以 于 而 之 其 这 那 个 年 月 日 么 又 也 都 就 还 会 能 "
    '可以 叫 做 是否 是不是 有没有 多大 多长 多久 何时 何 时候 什么时候 ? ？ ， , 。 、 ！ ! “ ” " 《 》 '
    "（ ） ( )"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _tokens(tokenizer: jieba.Tokenizer, question: str) -> list[str]:
    words = tokenizer.cut_for_search(fold_chars(question))
    return [w for w in words if w.strip() and w not in STOPWORDS]


def _matches(pred: str, golds: list[str]) -> bool:
    pred = "".join(pred.split())
    for gold in ("".join(g.split()) for g in golds):
        if gold and (gold in pred or (pred in gold and 2 * len(pred) >= len(gold))):
            return True
    return False


def _contains(pred: str, golds: list[str]) -> bool:
    """``newsqa eval``'s answer accuracy: at most 20 characters, containing a gold answer."""
    pred = "".join(pred.split())
    return len(pred) <= 20 and any("".join(g.split()) in pred for g in golds if g.strip())


def _load(path: Path) -> list[tuple[str, str, list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        (para["context"], qa["question"], [a["text"] for a in qa["answers"]])
        for article in data["data"]
        for para in article["paragraphs"]
        for qa in para["qas"]
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print one line per question type (or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--misses", default="", help="print wrong spans of this question type")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-question", action="store_true", help="choose sentences by query tokens only")
    parser.add_argument("--segmenter", action="store_true", help="query tokens from index.tokenize.Segmenter")
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"Error: {args.file} not found (../shared not present?)", file=sys.stderr)
        return 1
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    items = _load(args.file)[: args.limit or None]
    query_tokens = lambda q: _tokens(tokenizer, q)  # noqa: E731
    if args.segmenter:
        from index.tokenize import Segmenter

        segmenter = Segmenter()
        segmenter.initialize()
        query_tokens = segmenter.query_tokens
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    started = time.perf_counter()
    for context, question, golds in items:
        qtype = classify(question)
        tokens = query_tokens(question)
        sentence = best_sentence(context, tokens, qtype, question=None if args.no_question else question)
        span = extract(question, qtype, context, sentence, tokens)
        quote = context[sentence[0] : sentence[1]]
        for key in (qtype.value, "all"):
            row = stats[key]
            row["n"] += 1
            row["quote"] += any(g in quote for g in golds)
            row["quote_chars"] += len(quote)
            if span is not None:
                row["answered"] += 1
                row["match"] += _matches(answer_text(context, span), golds)
                row["exact"] += _contains(answer_text(context, span), golds)
        got = None if span is None else answer_text(context, span)
        if args.misses == qtype.value and not (got and _contains(got, golds)):
            print(f"MISS {question} | gold {golds[0]} | got {got} | {quote[:80]}")
    elapsed_ms = 1000 * (time.perf_counter() - started) / max(len(items), 1)
    report: dict[str, dict[str, float | None]] = {
        key: {
            "questions": int(row["n"]),
            "quote_at_1": round(row["quote"] / row["n"], 3),
            "quote_mean_chars": round(row["quote_chars"] / row["n"], 1),
            "answered": round(row["answered"] / row["n"], 3),
            "span_match": round(row["match"] / row["n"], 3),
            "accuracy": round(row["exact"] / row["n"], 3),
            "span_precision": round(row["match"] / row["answered"], 3) if row["answered"] else None,
        }
        for key, row in sorted(stats.items(), key=lambda kv: -kv[1]["n"])
    }
    if args.json:
        print(json.dumps({"file": args.file.name, "ms_per_question": round(elapsed_ms, 2), "types": report}))
        return 0
    print(f"{args.file.name}: {len(items)} questions, {elapsed_ms:.2f} ms per question")
    print(
        f"{'type':10} {'n':>5} {'quote@1':>8} {'chars':>6} {'answered':>9} {'match':>6} {'precision':>9}"
        f" {'accuracy':>9}"
    )
    for key, line in report.items():
        precision = "-" if line["span_precision"] is None else f"{line['span_precision']:.3f}"
        print(
            f"{key:10} {line['questions']:>5} {line['quote_at_1']:>8.3f} {line['quote_mean_chars']:>6} "
            f"{line['answered']:>9.3f} {line['span_match']:>6.3f} {precision:>9} {line['accuracy']:>9.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
