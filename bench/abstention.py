"""How often newsqa abstains, on questions the articles answer and on questions they don't.

Usage:
    .venv/bin/python -m bench.abstention [--sample N]

Answerable: CMRC 2018 dev and DRCD dev questions against a store of their own contexts (they should not
abstain). Unanswerable: each set's questions against the other set's store, and a fixed list of off-topic
questions (weather, prices, English small talk) against both (they should). The cross-set negatives are noisy:
a few CMRC questions are answered by a DRCD context and the other way round. Prints one JSON line per pairing.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from bot.evaluate import squad_questions
from bot.library import build
from corpus.store import Store
from index.search import Searcher

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SETS = {
    "cmrc": SHARED / "data" / "cmrc2018" / "squad-style-data_cmrc2018_dev.json",
    "drcd": SHARED / "data" / "drcd" / "DRCD_dev.json",
}
OFF_TOPIC = [
    "今天北京天气怎么样",
    "明天会下雨吗",
    "上海的房价是多少",
    "苹果公司的股价是多少",
    "比特币现在多少钱",
    "今晚有什么电视节目",
    "给我讲个笑话",
    "你叫什么名字",
    "What is the weather in London?",
    "Tell me a joke",
    "What is the stock price of Apple?",
    "How do I reset my password?",
]
#: Written after the rule for questions about the present moment (index/abstain.py LIVE) was added, to check it on
#: other wording. Not unseen any more: the small-talk rule (SMALL_TALK) came after 你是机器人吗 got through.
OFF_TOPIC_LATER = [
    "后天广州气温多少度",
    "深圳今天的空气质量怎么样",
    "人民币对美元汇率现在是多少",
    "今晚湖人队比赛的比分",
    "明天从北京到上海的航班还有票吗",
    "最新的油价是多少",
    "怎么做红烧肉",
    "推荐一部好看的电影",
    "你是机器人吗",
    "Who won the football match last night?",
    "What time is it in Tokyo?",
    "Translate hello into French",
]


def searcher_for(source: Path, folder: Path) -> Searcher:
    """A store of ``source``'s contexts, indexed."""
    store = Store.open(folder / f"{source.stem}.db")
    searcher = Searcher(store, use_cache=False)
    build(store, searcher, [source], workers=2)
    return searcher


def rate(searcher: Searcher, questions: list[str]) -> float:
    """The share of ``questions`` abstained."""
    return sum(searcher.ask(q, k=3).abstained for q in questions) / max(1, len(questions))


def main(argv: list[str] | None = None) -> int:
    """Print abstention rates for every pairing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=600, help="questions sampled per set (default 600)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in SETS.values() if not p.exists()]
    if missing:
        parser.error(f"missing datasets: {', '.join(missing)} (../shared beside the repository)")
    rng = random.Random(20241129)
    questions = {}
    for name, path in SETS.items():
        qs = [q["q"] for q in squad_questions(path)]
        questions[name] = rng.sample(qs, min(args.sample, len(qs)))
    with tempfile.TemporaryDirectory(prefix="newsqa-abstain-") as tmp:
        searchers = {name: searcher_for(path, Path(tmp)) for name, path in SETS.items()}
        for store_name, searcher in searchers.items():
            for asked, qs in questions.items():
                row = {
                    "store": store_name,
                    "questions": asked,
                    "n": len(qs),
                    "answerable": asked == store_name,
                }
                print(json.dumps({**row, "abstained": round(rate(searcher, qs), 4)}), flush=True)
            for name, off in (("off-topic", OFF_TOPIC), ("off-topic-later", OFF_TOPIC_LATER)):
                row = {"store": store_name, "questions": name, "n": len(off), "answerable": False}
                print(json.dumps({**row, "abstained": round(rate(searcher, off), 4)}), flush=True)
            searcher.store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
