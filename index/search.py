"""Question in, answer out: segmentation → BM25 → abstention → evidence sentence → typed answer span.

This is the one code path behind ``newsqa ask``, ``newsqa chat``, ``newsqa eval`` and the Telegram bot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.dates import chinese_date
from corpus.store import Passage, Store
from index import build, tag_cache
from index.answer_key import answer_version, clean_question, entry_key
from index.bm25 import SparseIndex
from index.cache import AnswerCache, QueryCache
from index.fields import (
    answer_from_fields,
    byline_answers,
    deputy_of_asked_post,
)
from index.normalize import fold, squash
from index.reader import PassageView, QuestionView, Reading, read, spans
from index.reader import load as reader_model
from index.reader.abstain import YEAR, Relevance, asks_live, off_year, other_year, place_missing, relevance
from index.reader.answer import MAX_WINDOW_CHARS, asks_a_span, best_sentence
from index.reader.answerable import amount_missing
from index.reader.answerable import row as answerable_row
from index.reader.kinds import asked_kind
from index.reader.model import load_answerable as answerable_model
from index.reader.multi import combine, split_question
from index.reader.question import QuestionType, classify, misses_clock_time
from index.reader.quotes import quote_around
from index.reader.sentences import split_sentences
from index.rerank import DEPTH, Query, rerank
from index.result import Hit, Result
from index.tokenize import Segmenter
from index.typos import corrections

log = logging.getLogger(__name__)


CANDIDATES = DEPTH  # passages fetched from the index, reranked, before abstention and answer extraction
READ_DEPTH = 3  # passages the reader looks for the answer in
FURNITURE_FACTOR = (
    0.9  # a caption's or credit's score after reranking (人民日报 hit@1 +1 question, others same)
)
NOTE_FACTOR = (
    0.5  # a note's score after reranking: 《人民日报》（…第05版）, a trailer, a signature says nothing
)
# itself, but, short and sharing the article's title words, it outscored reporting (the byline, reprint and date
# answers read the notes from the article, not from the ranking)
OFF_YEAR_FACTOR = 0.8  # the score of a passage about another year than the question names, after reranking
ANSWER_BUDGET_S = 5.0  # past this, a question is answered with what was found so far (no more promotion);
# not less: the first typed question of a process loads the POS tagger, 2–4 s on a loaded machine


class Searcher:
    """Answers questions from a store. Thread-safe; open once per process and reuse."""

    def __init__(
        self,
        store: Store,
        *,
        use_cache: bool = True,
        cache_tags: bool = True,
        cache: AnswerCache | None = None,
        cache_at: Path | None = None,
    ) -> None:
        """``use_cache``: the query cache (``cache``; else the one in ``cache_at`` or in the store's file — a
        read-only snapshot's must be elsewhere); ``cache_tags``: passages' POS/entity tags kept in the store's tag
        cache (:mod:`index.tag_cache`, installed for the whole process; a snapshot's is only read)."""
        self.store = store
        self.index = SparseIndex(store.conn)
        on_disk = str(store.path) != ":memory:"
        cache_path = cache_at if cache_at is not None else None if store.readonly else store.path
        self.cache: AnswerCache | None = None
        if use_cache:
            self.cache = (
                cache if cache is not None else QueryCache(cache_path) if on_disk and cache_path else None
            )
        self.tags = (
            tag_cache.TagCache(store.path, readonly=store.readonly) if cache_tags and on_disk else None
        )
        tag_cache.install(self.tags)
        self._lock = threading.RLock()
        self._words_version = -1
        self.segmenter = Segmenter(self._user_words())
        spans.use_segmenter(self.segmenter)
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
            spans.use_segmenter(segmenter)

    def flush(self) -> None:
        """Save the counts of cache writes that gave up (:mod:`index.cache_writes`) while the store was locked."""
        if self.cache is not None:
            self.cache.flush()
        if self.tags is not None:
            self.tags.writes.flush()

    def sync(self, *, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> Any:
        """Bring the user dictionary and the index up to date with the store's paragraphs."""
        with self._lock:
            self.segmenter, report = build.sync(
                self.store, self.index, workers=workers, progress=progress, current=self.segmenter
            )
            spans.use_segmenter(self.segmenter)
            self._words_version = self.store.corpus_version
            if self.cache is not None:
                self.cache.clear_stale(self.version)
            return report

    @property
    def version(self) -> int:
        """Changes whenever the answerable content changes."""
        return answer_version(self.store.corpus_version, int(self.index.version))

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        """Answer ``question`` with up to ``k`` passages (``qtype`` overrides the question's own type)."""
        started = time.perf_counter()
        typed, question = question, clean_question(question)
        with self._lock:
            self.refresh()
            key = entry_key(question, qtype.value if qtype else None)
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
        result.question = typed
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
        """:meth:`_answer_whole`, and when nothing is found, once more with small typos corrected
        (:mod:`index.typos`: ``剑和县中药财种植面机`` → ``剑河县中药材种植面积``)."""
        result = self._answer_whole(question, k, qtype)
        if not result.abstained or asks_live(question):
            return result
        _, words = self.segmenter.query(question)
        freq = self.segmenter.jieba.FREQ
        fixes = corrections(self.store.conn, words, known=lambda w: freq.get(w, 0))
        if not fixes:
            return result
        corrected = fold(question)
        for wrong, right in fixes.items():
            corrected = corrected.replace(wrong, right)
        retried = self._answer_whole(corrected, k, qtype)
        if retried.abstained:
            return result
        retried.corrected = corrected
        return retried

    def _answer_whole(self, question: str, k: int, qtype: QuestionType | None) -> Result:
        """A question asking two things is answered as two questions, combined (:mod:`index.reader.multi`)."""
        split = split_question(question, self.segmenter.words) if qtype is None else None
        if split is None:
            return self._answer(question, k, qtype)
        return combine(question, [self._answer(part, k, None) for part in split], k)

    def _answer(self, question: str, k: int, qtype: QuestionType | None) -> Result:
        result, query = self.retrieve(question, k, qtype)
        if result.hits:
            self._read(result, query)
        del result.hits[k:]  # runner-ups were there to be promoted; -k 1 answers as -k 5 does
        return result

    def answerable_features(self, result: Result, query: Query, confidence: float | None) -> list[float]:
        """The abstention features of a retrieved question (:mod:`index.reader.answerable`)."""
        hits = result.hits
        return answerable_row(
            result.question,
            result.qtype,
            query,
            [h.passage for h in hits],
            [h.score for h in hits],
            hits[0].quote,
            confidence,
        )

    def _read(self, result: Result, query: Query) -> None:
        """Read the best passages: the reader's best answer and its confidence, then whether they answer the
        question at all (:mod:`index.reader.answerable`, learned), then the answer shown — from the article's
        byline, photo credit or date when the question asks for those, else the reader's when it is confident."""
        views = self.views(result, query)
        reading = read(views)
        hits = result.hits
        features = self.answerable_features(result, query, reading.confidence if reading else None)
        named_missing = (  # 正安县 asked, 剑河县 quoted: never; nor 深圳 asked over an article about 海口
            bool(relevance(query, hits[0].passage).missing)
            or place_missing(result.question, [h.passage for h in hits[:READ_DEPTH]]) is not None
        )
        # 2023年 asked, a passage about 2024 quoted (and the article not dated 2023): another year's figure
        wrong_year = bool(other_year(result.question, hits[0].passage))
        # 门票多少钱 with no price in the passages read: some other figure would be quoted
        no_amount = amount_missing(result.question, [h.passage for h in hits[:READ_DEPTH]])
        model = answerable_model()
        result.abstained = (
            asks_live(result.question)
            or named_missing
            or wrong_year
            or no_amount
            or model.probability(features) < model.threshold
        )
        if result.abstained:
            if byline_answers(result, query, named_missing) and answer_from_fields(self.store, result):
                result.abstained = False
            return
        if reading is not None:
            result.answer_confidence = round(reading.confidence, 4)
        self._extract_answer(result, views, reading)

    def retrieve(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> tuple[Result, Query]:
        """Ranked passages (at least :data:`READ_DEPTH`) with their quotes and the abstention verdict, no answer."""
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
        query = Query(weights, alternatives, squash(question))
        result = Result(
            question=question, answer=None, abstained=True, elapsed_ms=0.0, qtype=qtype, terms=terms
        )
        if not terms:
            return result, query
        ranked = self.index.search(terms, k=max(k, CANDIDATES))
        passages = self.store.passages([pid for pid, _ in ranked])
        ranked = [(pid, score) for pid, score in ranked if pid in passages]
        if not ranked:
            return result, query
        head = ranked[:DEPTH]
        ranked = rerank(
            query,
            ranked,
            {pid: fold(passages[pid].text) for pid, _ in head},  # fold remembers recent texts
            {pid: article_header(passages[pid]) for pid, _ in head},
        )
        ranked = demote_furniture(ranked, passages)
        ranked = demote_off_year(question, ranked[:DEPTH], passages) + ranked[DEPTH:]
        verdict: Relevance = relevance(query, passages[ranked[0][0]])
        result.abstained = not verdict.relevant or asks_live(question)
        for rank, (pid, score) in enumerate(ranked[: max(k, READ_DEPTH)], start=1):
            passage = passages[pid]
            quote = self._quote(passage, result, rank) if rank == 1 or not self._late() else _first(passage)
            result.hits.append(Hit(rank=rank, score=score, passage=passage, quote_span=quote))
        return result, query

    def views(self, result: Result, query: Query) -> list[PassageView]:
        """The passages the reader looks at: the best :data:`READ_DEPTH`, each quoted as the answer passage."""
        asked = QuestionView(result.question, result.qtype, result.terms)
        top = result.hits[0].score or 1.0
        out = []
        for hit in result.hits[: 1 if self._late() else READ_DEPTH]:  # out of time: the best passage only
            quote = hit.quote_span if hit.rank == 1 else self._quote(hit.passage, result, 1)
            coverage = relevance(query, hit.passage).coverage
            text, lo = hit.passage.text, 0
            if len(text) > MAX_WINDOW_CHARS:  # bounded work: read a long passage around its quote only
                lo = max(0, min(quote[0] - MAX_WINDOW_CHARS // 4, len(text) - MAX_WINDOW_CHARS))
                text = text[lo : lo + MAX_WINDOW_CHARS]
                quote = (max(quote[0] - lo, 0), min(quote[1] - lo, len(text)))
            out.append(PassageView(text, hit.rank, hit.score / top, coverage, quote, asked, lo))
        return out

    def _extract_answer(self, result: Result, views: list[PassageView], reading: Reading | None) -> None:
        """The answer shown: the byline, photo credit or date the question asks for, or the reader's answer when
        its confidence clears the model's threshold (its passage then comes first). Below the threshold the card
        keeps the ranking and the quote, with no answer line."""
        if answer_from_fields(self.store, result):
            result.answer_confidence = None  # read from a field of the article, not rated by the reader
            return
        model = reader_model()
        if reading is None or reading.confidence < min(model.threshold, model.promote):
            return
        if not asks_a_span(result.question, result.qtype):  # 是不是…, …怎么样: the quote answers it
            return
        hit, view = result.hits[reading.view], views[reading.view]
        span = (reading.span[0] + view.offset, reading.span[1] + view.offset)
        shown = (
            reading.confidence >= model.threshold
            and not deputy_of_asked_post(result.question, hit.passage.text, span[0])
            and not misses_clock_time(result.question, hit.passage.text[span[0] : span[1]])
        )
        supported = (view.quote[0] + view.offset, view.quote[1] + view.offset)
        quote = quote_around(hit.passage.text, supported, span) if shown else supported
        if quote is None:
            return  # the answer stands away from the sentence that supports it: not shown
        hit.quote_span = quote
        if hit is not result.hits[0]:  # the reader's passage first: it holds the likeliest answer
            result.hits.remove(hit)
            result.hits.insert(0, hit)
            for rank, h in enumerate(result.hits, start=1):
                h.rank = rank
        if shown:
            hit.answer_span = span
            result.answer = hit.passage.text[span[0] : span[1]]

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

    def _payload(self, result: Result) -> dict[str, Any]:
        return result.to_payload()

    def _from_payload(self, question: str, payload: dict[str, Any]) -> Result | None:
        passages = self.store.passages([row[0] for row in payload["hits"]])
        return Result.from_payload(question, payload, passages)


_FACTORS = {"caption": FURNITURE_FACTOR, "credit": FURNITURE_FACTOR, "note": NOTE_FACTOR}


def demote_furniture(
    ranked: list[tuple[int, float]], passages: dict[int, Passage]
) -> list[tuple[int, float]]:
    """Captions and photo credits rank below body text that scores nearly as well: a caption is short (BM25
    favours it) and names what the article is about, but seldom says what the question asks; notes (page lines,
    trailers, signatures) rank below body text that scores half as well."""
    scaled = [(pid, score * _FACTORS.get(passages[pid].kind, 1.0)) for pid, score in ranked]
    return sorted(scaled, key=lambda item: -item[1])


def demote_off_year(
    question: str, ranked: list[tuple[int, float]], passages: dict[int, Passage]
) -> list[tuple[int, float]]:
    """Passages about another year than the question names (:func:`off_year`) rank below those that may be
    about it and score nearly as well: ``2019年朝鲜内阁总理是谁`` wants the 2019 report, not the 2013 one."""
    if not YEAR.search(fold(question)):  # off_year's own test of the question, once for all passages
        return ranked
    scaled = [
        (pid, score * OFF_YEAR_FACTOR if off_year(question, passages[pid]) else score)
        for pid, score in ranked
    ]
    return sorted(scaled, key=lambda item: -item[1])


def article_header(passage: Passage) -> str:
    """The folded header a question may name besides the passage: title, kicker, subtitle, heading, date."""
    a = passage.article
    return _header(a.title, a.kicker, a.subtitle, passage.heading, a.date)


@lru_cache(maxsize=8192)
def _header(*parts: str | None) -> str:
    return fold(" | ".join(p for p in (*parts, chinese_date(parts[-1])) if p))


def _first(passage: Passage) -> tuple[int, int]:
    """The passage's first sentence: the quote of a runner-up once the time budget is used up."""
    spans = split_sentences(passage.text)
    return spans[0] if spans else (0, len(passage.text))
