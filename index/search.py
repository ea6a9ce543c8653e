"""Question in, answer out: segmentation → BM25 → abstention → evidence sentence → typed answer span.

This is the one code path behind ``newsqa ask``, ``newsqa chat``, ``newsqa eval`` and the Telegram bot.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.store import Passage, Store
from index import build
from index.abstain import Relevance, relevance
from index.answer import best_sentence, extract
from index.bm25 import SparseIndex
from index.cache import QueryCache
from index.normalize import fold
from index.question import QuestionType, classify
from index.rerank import DEPTH, Query, rerank
from index.result import Hit, Result
from index.sentences import split_sentences
from index.tokenize import Segmenter

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 20
CANDIDATES = DEPTH  # passages fetched from the index, reranked, before abstention and answer extraction
PROMOTE_DEPTH = 3  # runner-up passages tried when the best one holds no typed answer
PROMOTE_RATIO = 0.8  # ... if their score is at least this share of the best one's
UNTYPED = (QuestionType.OTHER, QuestionType.YESNO)
FOLDED_CACHE = 50_000  # folded paragraph texts kept for reranking
AUTHOR_QUESTION = re.compile(r"(谁写|哪位记者|哪个记者|记者是谁|作者是谁|作者|署名|谁报道|记者是)")
BYLINE_NAME = re.compile(r"(?:本报记者|本报通讯员|通讯员|新华社记者|记者|作者)[\s:：]*(.+)$")


def _code_version() -> str:
    """A digest of the answer path's code and word lists: cached answers from older code are never served."""
    digest = hashlib.sha1()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here / "data").glob("*.txt")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()


def cache_key(question: str) -> str:
    """The normalised question: folded (traditional → simplified, widths), spaces and end punctuation dropped."""
    return re.sub(r"[\s?？!！。.]+", "", fold(question))


class Searcher:
    """Answers questions from a store. Thread-safe; open once per process and reuse."""

    def __init__(self, store: Store, *, use_cache: bool = True) -> None:
        self.store = store
        self.index = SparseIndex(store.conn)
        self.cache = QueryCache(store.path) if use_cache and str(store.path) != ":memory:" else None
        self._lock = threading.RLock()
        self._words_version = -1
        self.segmenter = Segmenter(self._user_words())
        self._folded: dict[int, tuple[str, str]] = {}

    def _user_words(self) -> list[str]:
        self._words_version = self.store.corpus_version
        return build.stored_user_words(self.store)

    def refresh(self) -> None:
        """Pick up a corpus changed by another process (the index reloads by itself).

        New user words need a new segmenter, which takes a second or two to load: it is built on a thread
        while questions go on being answered with the current one, then swapped in — no gap in answers.
        """
        version = self.store.corpus_version
        if version == self._words_version:
            return
        self._words_version = version
        words = build.stored_user_words(self.store)
        if {fold(w) for w in words if w.strip()} == set(self.segmenter.user_words):
            return
        loader = threading.Thread(target=self._load_segmenter, args=(words,), name="segmenter", daemon=True)
        loader.start()

    def _load_segmenter(self, words: list[str]) -> None:
        segmenter = Segmenter(words)
        segmenter.initialize()
        with self._lock:
            self.segmenter = segmenter

    def sync(self, *, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> Any:
        """Bring the user dictionary and the index up to date with the store's paragraphs."""
        with self._lock:
            self.segmenter, report = build.sync(
                self.store, self.index, workers=workers, progress=progress, current=self.segmenter
            )
            self._words_version = self.store.corpus_version
            if self.cache is not None:
                self.cache.clear_stale(self.version)
            return report

    @property
    def version(self) -> int:
        """Changes whenever the answerable content changes."""
        return self.store.corpus_version * 1_000_003 + int(self.index.version)

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        """Answer ``question`` with up to ``k`` passages (``qtype`` overrides the question's own type)."""
        started = time.perf_counter()
        with self._lock:
            self.refresh()
            key = f"{cache_key(question)}|{qtype.value if qtype else ''}|{CODE_VERSION}"
            version = self.version
            cached = self.cache.get(key, k, version) if self.cache is not None else None
            result = self._from_payload(question, cached) if cached is not None else None
            if result is None:
                result = self._answer(question, k, qtype)
                if self.cache is not None:
                    self.cache.put(key, k, version, self._payload(result))
            else:
                result.cache_hit = True
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        log.info(
            "answered qtype=%s hits=%d abstained=%s cache=%s ms=%.1f",
            result.qtype.value,
            len(result.hits),
            result.abstained,
            result.cache_hit,
            result.elapsed_ms,
        )
        return result

    def _answer(self, question: str, k: int, qtype: QuestionType | None) -> Result:
        qtype = qtype or classify(question)
        terms, words = self.segmenter.query(question)
        jieba = self.segmenter.jieba
        query = Query.of(words, jieba.FREQ, jieba.total)
        result = Result(
            question=question, answer=None, abstained=True, elapsed_ms=0.0, qtype=qtype, terms=terms
        )
        if not terms:
            return result
        ranked = self.index.search(terms, k=max(k, CANDIDATES))
        passages = self.store.passages([pid for pid, _ in ranked])
        ranked = [(pid, score) for pid, score in ranked if pid in passages]
        if not ranked:
            return result
        ranked = rerank(query, ranked, {pid: self._fold(passages[pid]) for pid, _ in ranked[:DEPTH]})
        verdict: Relevance = relevance(query, passages[ranked[0][0]])
        result.abstained = not verdict.relevant
        for rank, (pid, score) in enumerate(ranked[:k], start=1):
            passage = passages[pid]
            result.hits.append(
                Hit(rank=rank, score=score, passage=passage, quote_span=self._quote(passage, result, rank))
            )
        if not result.abstained:
            self._extract_answer(result)
            if result.answer is None and result.qtype not in UNTYPED:
                self._promote_answering_hit(result, query)
        return result

    def _promote_answering_hit(self, result: Result, query: Query) -> None:
        """A typed question whose best passage holds no answer of that type: a close runner-up that does
        (and is as relevant) goes first. The answer type is a ranking signal BM25 cannot see."""
        top = result.hits[0]
        for hit in result.hits[1:PROMOTE_DEPTH]:
            if hit.score < PROMOTE_RATIO * top.score:
                break
            if not relevance(query, hit.passage).relevant:
                continue
            quote = self._quote(hit.passage, result, 1)
            span = extract(result.question, result.qtype, hit.passage.text, quote, result.terms)
            widened = quote_around(hit.passage.text, quote, span) if span else None
            if span is not None and widened is not None and 0 < span[1] - span[0] <= MAX_ANSWER_CHARS:
                hit.quote_span, hit.answer_span = widened, span
                result.hits.remove(hit)
                result.hits.insert(0, hit)
                for rank, h in enumerate(result.hits, start=1):
                    h.rank = rank
                result.answer = hit.passage.text[span[0] : span[1]]
                return

    def _quote(self, passage: Passage, result: Result, rank: int) -> tuple[int, int]:
        """The evidence sentence: aligned with the whole question for the answer passage, by terms for the rest."""
        if not passage.text:
            return (0, 0)
        if rank == 1:
            return best_sentence(passage.text, result.terms, result.qtype, question=result.question)
        return best_sentence(passage.text, result.terms)

    def _fold(self, passage: Passage) -> str:
        """The passage's folded text, cached by paragraph id (and checked against the text)."""
        cached = self._folded.get(passage.id)
        if cached is not None and cached[0] == passage.text:
            return cached[1]
        if len(self._folded) >= FOLDED_CACHE:
            self._folded.clear()
        folded = fold(passage.text)
        self._folded[passage.id] = (passage.text, folded)
        return folded

    def _extract_answer(self, result: Result) -> None:
        top = result.hits[0]
        if AUTHOR_QUESTION.search(fold(result.question)) and top.passage.article.byline:
            name = byline_name(top.passage.article.byline)
            if name:
                result.answer, result.answer_from = name, "byline"
                return
        span = extract(result.question, result.qtype, top.passage.text, top.quote_span, result.terms)
        if span is not None and 0 < span[1] - span[0] <= MAX_ANSWER_CHARS:
            quote = quote_around(top.passage.text, top.quote_span, span)
            if quote is not None:
                top.quote_span, top.answer_span = quote, span
                result.answer = top.passage.text[span[0] : span[1]]

    def _payload(self, result: Result) -> dict[str, Any]:
        return {
            "answer": result.answer,
            "abstained": result.abstained,
            "qtype": result.qtype.value,
            "terms": result.terms,
            "answer_from": result.answer_from,
            "hits": [
                [h.passage.id, h.score, list(h.quote_span), h.answer_span and list(h.answer_span)]
                for h in result.hits
            ],
        }

    def _from_payload(self, question: str, payload: dict[str, Any]) -> Result | None:
        rows = payload["hits"]
        passages = self.store.passages([row[0] for row in rows])
        if len(passages) != len(rows):
            return None  # a passage vanished between version checks: answer afresh
        hits = [
            Hit(rank, score, passages[pid], (qs[0], qs[1]), (a[0], a[1]) if a else None)
            for rank, (pid, score, qs, a) in enumerate(rows, start=1)
        ]
        return Result(
            question=question,
            answer=payload["answer"],
            abstained=payload["abstained"],
            elapsed_ms=0.0,
            hits=hits,
            qtype=QuestionType(payload["qtype"]),
            terms=list(payload["terms"]),
            answer_from=payload.get("answer_from", "text"),
        )


def quote_around(text: str, quote: tuple[int, int], answer: tuple[int, int]) -> tuple[int, int] | None:
    """The quote, widened so the answer stands inside it; None when the answer is not in or next to it.

    The answer is always shown inside its quote. An answer in the sentence before or after the quote joins
    that sentence to it; an answer further away is not trusted (the evidence sentence does not support it).
    """
    if quote[0] <= answer[0] and answer[1] <= quote[1]:
        return quote
    sentences = split_sentences(text) or [(0, len(text))]
    holding = next((s for s in sentences if s[0] <= answer[0] < s[1]), (answer[0], answer[1]))
    start, end = min(holding[0], answer[0]), max(holding[1], answer[1])
    between = [s for s in sentences if min(end, quote[1]) <= s[0] < max(start, quote[0])]
    if between:
        return None
    return min(start, quote[0]), max(end, quote[1])


def byline_name(byline: str) -> str | None:
    """The name(s) in a byline: ``本报记者 马跃峰`` → ``马跃峰``."""
    match = BYLINE_NAME.search(byline.strip())
    name = (match.group(1) if match else byline).strip()
    return name[:MAX_ANSWER_CHARS] or None
