"""Labelled candidate rows for training the reader: every candidate the reader sees, and whether it is right.

For each question of a question set, the question goes through the same path as ``newsqa ask`` up to the
reader (:meth:`index.search.Searcher.retrieve` and :meth:`~index.search.Searcher.views`); every candidate span of
the passages the reader looks at becomes one row: its features, and a label — the span is a right answer in
``newsqa eval``'s sense (at most 20 characters, holding an accepted answer). Each question carries a *group*,
the article that answers it, so that folds never split one article's questions.

Sets: CMRC 2018 dev and DRCD dev (squad-style: their contexts make a store of their own), the seed page's
questions and the held-out ones (over the bundled corpus), the real 人民日报 questions (over
``../shared/data/peoples-daily/articles``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.evaluate import answer_right, squad_questions
from corpus.ingest import bundled_corpus_dir, ingest
from corpus.store import Store
from index.normalize import squash
from index.reader import Model, collect, read
from index.search import Hit, Searcher

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@dataclass
class Question:
    """One question's candidates: feature rows, labels, the texts of the spans, and what a user would see."""

    qid: str
    dataset: str
    group: str
    answerable: bool
    abstained: bool
    rows: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)  # 2: an accepted answer exactly, 1: right (holds one), 0
    values: list[str] = field(default_factory=list)
    answerable_row: list[float] | None = None  # index.reader.answerable features (reader confidence left 0)
    has_gold: bool = True  # the articles answer it (some answered questions have no short answer to check)
    passage_of: list[int] = field(default_factory=list)  # each candidate's passage (0: ranked first)
    gold_passages: list[int] = field(default_factory=list)  # the passages that hold the gold (eval's sense)


@dataclass(frozen=True)
class QuestionSet:
    """A question file and the articles its questions are asked over."""

    name: str
    path: Path
    corpus: Path

    @property
    def squad(self) -> bool:
        return self.path.suffix == ".json"


def sets() -> list[QuestionSet]:
    """The labelled sets that are present (``../shared`` may be absent: then only the bundled ones)."""
    pages = SHARED / "data" / "peoples-daily" / "articles"
    found = [
        QuestionSet("cmrc", SHARED / "data/cmrc2018/squad-style-data_cmrc2018_dev.json", Path()),
        QuestionSet("drcd", SHARED / "data/drcd/DRCD_dev.json", Path()),
        QuestionSet("seed", SHARED / "eval/seed_dev_qa.jsonl", bundled_corpus_dir()),
        QuestionSet("holdout", ROOT / "bench/data/seed_holdout_qa.jsonl", bundled_corpus_dir()),
        QuestionSet("pages", SHARED / "eval/pages_dev_qa.jsonl", pages),
    ]
    return [s for s in found if s.path.exists() and (s.squad or s.corpus.exists())]


def _searcher(db: Path, source: Path, workers: int) -> Searcher:
    store = Store.open(db)
    searcher = Searcher(store, use_cache=False)
    if not store.sources():
        ingest(store, [source])
    searcher.sync(workers=workers)
    return searcher


def _items(qset: QuestionSet) -> Iterator[tuple[str, str, list[str], str | None, str | None]]:
    """(id, question, accepted answers, gold string, context) of each question (the context: squad files)."""
    if qset.squad:
        for item in squad_questions(qset.path):
            yield item["id"], item["q"], item["answers"], None, squash(item["context"])
        return
    for line in qset.path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            yield item["id"], item["q"], list(item.get("answer") or []), item.get("gold"), None


def texts(qset: QuestionSet) -> list[tuple[str, str]]:
    """(id, question) of every question of ``qset``."""
    return [(qid, q) for qid, q, _, _, _ in _items(qset)]


def negatives(
    qset: QuestionSet, workdir: Path, asked: list[tuple[str, str]], model: Model, *, workers: int = 1
) -> list[tuple[str, list[float]]]:
    """(question id, abstention features with ``model``'s reader confidence) of questions from elsewhere —
    other sets, off-topic ones — asked over ``qset``'s articles: none of them should be answered."""

    db = workdir / f"{qset.name}.db"
    searcher = _searcher(db, qset.path if qset.squad else qset.corpus, workers)
    out = []
    try:
        for qid, q in asked:
            result, query = searcher.retrieve(q, k=10)
            if not result.hits:
                continue
            reading = read(searcher.views(result, query), model)
            out.append(
                (qid, searcher.answerable_features(result, query, reading.confidence if reading else None))
            )
    finally:
        searcher.store.close()
    return out


def _holds(hit: Hit, gold: str | None, context: str | None) -> bool:
    """Whether ``hit`` is a right passage as ``newsqa eval`` counts it: inside the gold context (squad files),
    or holding the gold string in its text or its article's title, byline or kicker."""
    if context is not None:
        return bool(hit.passage.text) and squash(hit.passage.text) in context
    a = hit.passage.article
    fields = " ".join(x for x in (a.title, a.byline, a.kicker, hit.passage.text) if x)
    return gold is not None and squash(gold) in squash(fields)


def grade(value: str, answers: list[str]) -> int:
    """How good a candidate is for the ranker to learn: 2 when it is an accepted answer as it stands, 1 when it
    only holds one (``3月1日结束了访朝日程并乘机`` for 3月1日: right as the evaluation counts, but loose), else 0."""
    if not answer_right(value, answers):
        return 0
    return 2 if squash(value) in {squash(a) for a in answers if a} else 1


def questions(qset: QuestionSet, workdir: Path, *, workers: int = 1) -> list[Question]:
    """Every question of ``qset`` with its labelled candidate rows (the store is built in ``workdir``)."""
    db = workdir / f"{qset.name}.db"
    searcher = _searcher(db, qset.path if qset.squad else qset.corpus, workers)
    out = []
    try:
        for qid, q, answers, gold, context in _items(qset):
            result, query = searcher.retrieve(q, k=10)
            group = context[:40] if context else None
            if group is None:  # the article whose passage holds the gold string, else the question alone
                g = squash(gold) if gold else None
                hit = next((h for h in result.hits if g and g in squash(h.passage.text)), None)
                group = hit.passage.article.uid if hit else qid
            item = Question(qid, qset.name, f"{qset.name}:{group}", bool(answers), result.abstained)
            item.has_gold = qset.squad or gold is not None
            if result.hits:
                item.answerable_row = searcher.answerable_features(result, query, None)
                views = searcher.views(result, query)
                item.gold_passages = [
                    i for i, h in enumerate(result.hits[: len(views)]) if _holds(h, gold, context)
                ]
                for i, span, row in collect(views):
                    item.passage_of.append(i)
                    value = views[i].text[span.start : span.end]
                    item.rows.append(row)
                    item.labels.append(int(answer_right(value, answers)))
                    item.grades.append(grade(value, answers))
                    item.values.append(squash(value))
            out.append(item)
    finally:
        searcher.store.close()
    log.info("%s: %d questions, %d candidate rows", qset.name, len(out), sum(len(x.rows) for x in out))
    return out
