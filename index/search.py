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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.store import Passage, Store
from index import build
from index.abstain import Relevance, asks_live, relevance
from index.answer import best_sentence, extract_scored
from index.bm25 import SparseIndex
from index.cache import QueryCache
from index.kinds import asked_kind
from index.multi import combine, split_question
from index.normalize import fold
from index.question import QuestionType, classify
from index.quotes import quote_around
from index.rerank import DEPTH, Query, rerank
from index.result import Hit, Result
from index.sentences import split_sentences
from index.tokenize import Segmenter

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 20
CANDIDATES = DEPTH  # passages fetched from the index, reranked, before abstention and answer extraction
PROMOTE_DEPTH = 3  # runner-up passages tried when the best one holds no typed answer
PROMOTE_RATIO = 0.8  # ... if their score is at least this share of the best one's
PROMOTE_MARGIN = 1.0  # ... or when their answer scores this much better than the best one's
UNTYPED = (QuestionType.OTHER, QuestionType.YESNO)
FOLDED_CACHE = 50_000  # folded paragraph texts kept for reranking
ANSWER_BUDGET_S = 5.0  # past this, a question is answered with what was found so far (no more promotion);
# not less: the first typed question of a process loads the POS tagger, 2–4 s on a loaded machine
AUTHOR_QUESTION = re.compile(r"(谁写|哪位记者|哪个记者|记者是谁|作者是谁|作者|署名|谁报道|记者是)")
BYLINE_NAME = re.compile(r"(?:本报记者|本报通讯员|通讯员|新华社记者|记者|作者)[\s:：]*(.+)$")


@dataclass(frozen=True)
class _Found:
    """A typed answer found in a hit: the quote around it, its span and its score."""

    hit: Hit
    quote: tuple[int, int]
    span: tuple[int, int]
    score: float


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
        self._deadline = float("inf")

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
                self._deadline = started + ANSWER_BUDGET_S
                result = self._answer_parts(question, k, qtype)
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

    def _answer_parts(self, question: str, k: int, qtype: QuestionType | None) -> Result:
        """A question asking two things is answered as two questions, combined (:mod:`index.multi`)."""
        split = split_question(question, self.segmenter.words) if qtype is None else None
        if split is None:
            return self._answer(question, k, qtype)
        return combine(question, [self._answer(part, k, None) for part in split], k)

    def _answer(self, question: str, k: int, qtype: QuestionType | None) -> Result:
        qtype = qtype or classify(question)
        terms, words = self.segmenter.query(question)
        jieba = self.segmenter.jieba
        kind = asked_kind(question)
        alternatives: dict[str, tuple[str, ...]] = {}
        if kind is not None and kind.search_ends and kind.noun in words:
            # 哪所学校: a school's name, not the word 学校, answers it (index/kinds.py)
            terms = [t for t in terms if t != kind.noun] or terms
            alternatives[kind.noun] = kind.search_ends
        weights = Query.of(words, jieba.FREQ, jieba.total).weights
        query = Query(weights, alternatives, re.sub(r"\s+", "", fold(question)))
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
        result.abstained = not verdict.relevant or asks_live(question)
        for rank, (pid, score) in enumerate(ranked[: max(k, PROMOTE_DEPTH)], start=1):
            passage = passages[pid]
            quote = self._quote(passage, result, rank) if rank == 1 or not self._late() else _first(passage)
            result.hits.append(Hit(rank=rank, score=score, passage=passage, quote_span=quote))
        if not result.abstained:
            self._extract_answer(result, query)
        del result.hits[k:]  # runner-ups were there to be promoted; -k 1 answers as -k 5 does
        return result

    def _answer_in(self, result: Result, hit: Hit, quote: tuple[int, int]) -> _Found | None:
        """The typed answer in ``hit`` (its span, the quote widened around it, its score), or None."""
        text = hit.passage.text
        found = extract_scored(result.question, result.qtype, text, quote, result.terms)
        if found is None or not 0 < found[1] - found[0] <= MAX_ANSWER_CHARS:
            return None
        span = (found[0], found[1])
        widened = quote_around(text, quote, span)
        return None if widened is None else _Found(hit, widened, span, found[2])

    def _extract_answer(self, result: Result, query: Query) -> None:
        """The answer from the best passage — or from a close runner-up whose typed answer is clearly better.

        The answer type is a ranking signal BM25 cannot see: a typed question whose best passage holds no
        answer of that type (or a much weaker one) is answered by a runner-up that does, if it is as relevant.
        """
        top = result.hits[0]
        if AUTHOR_QUESTION.search(fold(result.question)) and top.passage.article.byline:
            name = byline_name(top.passage.article.byline)
            if name:
                result.answer, result.answer_from = name, "byline"
                return
        chosen = self._answer_in(result, top, top.quote_span)
        if result.qtype not in UNTYPED:
            for hit in result.hits[1:PROMOTE_DEPTH]:
                if hit.score < PROMOTE_RATIO * top.score or self._late():
                    break
                if not relevance(query, hit.passage).relevant:
                    continue
                found = self._answer_in(result, hit, self._quote(hit.passage, result, 1))
                if found is not None and (chosen is None or found.score > chosen.score + PROMOTE_MARGIN):
                    chosen = found
        if chosen is None:
            return
        hit = chosen.hit
        hit.quote_span, hit.answer_span = chosen.quote, chosen.span
        if hit is not top:
            result.hits.remove(hit)
            result.hits.insert(0, hit)
            for rank, h in enumerate(result.hits, start=1):
                h.rank = rank
        result.answer = hit.passage.text[chosen.span[0] : chosen.span[1]]

    def _quote(self, passage: Passage, result: Result, rank: int) -> tuple[int, int]:
        """The evidence sentence: aligned with the whole question for the answer passage, by terms for the rest."""
        if not passage.text:
            return (0, 0)
        if rank == 1:
            return best_sentence(passage.text, result.terms, result.qtype, question=result.question)
        return best_sentence(passage.text, result.terms)

    def _late(self) -> bool:
        """Whether this question has used up its time budget (:data:`ANSWER_BUDGET_S`)."""
        late = time.perf_counter() > self._deadline
        if late:
            log.warning(
                "answer time budget of %.1f s used up: answering with what was found", ANSWER_BUDGET_S
            )
        return late

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

    def _payload(self, result: Result) -> dict[str, Any]:
        return result.to_payload()

    def _from_payload(self, question: str, payload: dict[str, Any]) -> Result | None:
        passages = self.store.passages([row[0] for row in payload["hits"]])
        return Result.from_payload(question, payload, passages)


def _first(passage: Passage) -> tuple[int, int]:
    """The passage's first sentence: the quote of a runner-up once the time budget is used up."""
    spans = split_sentences(passage.text)
    return spans[0] if spans else (0, len(passage.text))


def byline_name(byline: str) -> str | None:
    """The name(s) in a byline: ``本报记者 马跃峰`` → ``马跃峰``."""
    match = BYLINE_NAME.search(byline.strip())
    name = (match.group(1) if match else byline).strip()
    return name[:MAX_ANSWER_CHARS] or None
