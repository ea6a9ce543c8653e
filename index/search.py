"""Question in, answer out: segmentation → BM25 → abstention → evidence sentence → typed answer span.

This is the one code path behind ``newsqa ask``, ``newsqa chat``, ``newsqa eval`` and the Telegram bot.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.store import Passage, Store
from index import build, tag_cache
from index.bm25 import SparseIndex
from index.cache import AnswerCache, QueryCache
from index.normalize import fold
from index.reader import PassageView, QuestionView, Reading, read, spans
from index.reader import load as reader_model
from index.reader.abstain import Relevance, asks_live, other_year, relevance
from index.reader.answer import MAX_WINDOW_CHARS, asks_a_span, best_sentence
from index.reader.answerable import amount_missing
from index.reader.answerable import row as answerable_row
from index.reader.kinds import asked_kind
from index.reader.model import load_answerable as answerable_model
from index.reader.multi import combine, split_question
from index.reader.question import QuestionType, classify, described
from index.reader.quotes import quote_around
from index.reader.sentences import split_sentences
from index.rerank import DEPTH, Query, rerank
from index.result import Hit, Result
from index.tokenize import Segmenter
from index.typos import corrections

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 20
CANDIDATES = DEPTH  # passages fetched from the index, reranked, before abstention and answer extraction
READ_DEPTH = 3  # passages the reader looks for the answer in
FURNITURE_FACTOR = (
    0.9  # a caption's or credit's score after reranking (人民日报 hit@1 +1 question, others same)
)
FOLDED_CACHE = 50_000  # folded paragraph texts kept for reranking
ANSWER_BUDGET_S = 5.0  # past this, a question is answered with what was found so far (no more promotion);
# not less: the first typed question of a process loads the POS tagger, 2–4 s on a loaded machine
AUTHOR_QUESTION = re.compile(
    r"(谁写|哪位记者|哪个记者|记者是谁|作者是谁|作者|署名|谁报道|记者是|记者[?？\s]*$)"
)
TITLE_QUESTION = re.compile(
    r"哪一?篇|(?:那篇|这篇|文章|报道)的?(?:标题|题目)|(?:标题|题目)(?:是什么|是啥|叫什么)"
)
PUBLISHED_QUESTION = re.compile(
    r"(?:哪天|哪一天|什么时候|何时|哪年|几月几日|几号|日期)(?:登|发表|刊登|刊发|见报|发布|发的|登的)|"
    r"(?:登|发表|刊登|刊发|见报)(?:于|在)?(?:哪天|哪一天|什么时候|何时|哪年|几号)|发表日期|刊登日期|见报日期"
)
PHOTO_QUESTION = re.compile(r"谁拍|拍摄者|摄影者|摄影师?是谁|(?:照片|图片|图|相片|配图)(?:是)?(?:由)?谁|谁摄")
CREDIT_NAME = re.compile(r"((?:[\u4e00-\u9fff·][\s\u3000]{0,3}){1,7}[\u4e00-\u9fff])\s?(?:摄影?|供图)")
CREDIT_ROLE = re.compile(r"(?:本报记者|本报通讯员|新华社记者|记者|通讯员|特约记者)?[\s\u3000]*")
BYLINE_ROLE = re.compile(
    r"(?:本报(?:驻\S{1,6})?(?:特约)?记者|本报通讯员|新华社(?:特约)?记者|人民日报记者|特约记者|记者|通讯员)"
)
BYLINE_NAME = re.compile(r"(?:本报记者|本报通讯员|通讯员|新华社记者|记者|作者)[\s:：]*(.+)$")


def _code_version() -> str:
    """A digest of the answer path's code and word lists: cached answers from older code are never served."""
    digest = hashlib.sha1()
    here = Path(__file__).resolve().parent
    for path in sorted(
        [*here.rglob("*.py"), *(here / "data").glob("*.txt"), *(here / "data").glob("*.json")]
    ):
        digest.update(str(path.relative_to(here)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()


_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def clean_question(question: str) -> str:
    """The question as typed, without HTML tags or entities pasted with it (``<b>剑河</b>&nbsp;面积``), stripped."""
    return html.unescape(_TAG.sub("", question)).replace("\xa0", " ").strip()


def cache_key(question: str) -> str:
    """The normalised question: folded (traditional → simplified, widths), spaces and end punctuation dropped."""
    return re.sub(r"[\s?？!！。.]+", "", fold(question))


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
        return self.store.corpus_version * 1_000_003 + int(self.index.version)

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        """Answer ``question`` with up to ``k`` passages (``qtype`` overrides the question's own type)."""
        started = time.perf_counter()
        typed, question = question, clean_question(question)
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
        named_missing = bool(relevance(query, hits[0].passage).missing)  # 正安县 asked, 剑河县 quoted: never
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
            if self._byline_answers(result, query, named_missing) and self._answer_from_fields(result):
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
        query = Query(weights, alternatives, re.sub(r"\s+", "", fold(question)))
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
            {pid: self._fold(passages[pid]) for pid, _ in head},
            {pid: article_header(passages[pid]) for pid, _ in head},
        )
        ranked = demote_furniture(ranked, passages)
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

    def _byline_answers(self, result: Result, query: Query, named_missing: bool) -> bool:
        """Whether the article found answers an abstained question from its byline: ``叶传增是谁`` when the name
        signs it, whatever else the question covers; ``贵州省持续健全机制的报道是哪位记者写的`` when the article
        matches the topic by coverage (报道, 记者 and 写 only frame the question) and no named place is missing."""
        top = result.hits[0].passage
        byline = fold(top.article.byline or "").replace(" ", "")
        if not byline:
            return False
        subject = described(result.question)
        if subject and len(subject) >= 2 and subject in byline:
            return True
        return (
            AUTHOR_QUESTION.search(fold(result.question)) is not None
            and not named_missing
            and not asks_live(result.question)
            and relevance(query, top).relevant
        )

    def _extract_answer(self, result: Result, views: list[PassageView], reading: Reading | None) -> None:
        """The answer shown: the byline, photo credit or date the question asks for, or the reader's answer when
        its confidence clears the model's threshold (its passage then comes first). Below the threshold the card
        keeps the ranking and the quote, with no answer line."""
        if self._answer_from_fields(result):
            result.answer_confidence = None  # read from a field of the article, not rated by the reader
            return
        model = reader_model()
        if reading is None or reading.confidence < min(model.threshold, model.promote):
            return
        if not asks_a_span(result.question, result.qtype):  # 是不是…, …怎么样: the quote answers it
            return
        hit, view = result.hits[reading.view], views[reading.view]
        span = (reading.span[0] + view.offset, reading.span[1] + view.offset)
        shown = reading.confidence >= model.threshold and not deputy_of_asked_post(
            result.question, hit.passage.text, span[0]
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

    def _answer_from_fields(self, result: Result) -> bool:
        """Who wrote it, who took the photo, when it was printed: answered from the article's own fields."""
        top = result.hits[0]
        asked = fold(result.question)
        byline = (top.passage.article.byline or "").strip()
        subject = described(result.question)
        span: tuple[int, int] | None = None
        if AUTHOR_QUESTION.search(asked) and byline:
            match = BYLINE_NAME.search(byline)
            span = (match.start(1), match.end(1)) if match else (0, len(byline))
            if span[1] - span[0] > MAX_ANSWER_CHARS:  # many names: as many whole ones as fit
                cut = max(byline.rfind(sep, span[0], span[0] + MAX_ANSWER_CHARS + 1) for sep in "、;；，, ")
                span = (span[0], cut) if cut > span[0] else span
        elif subject and len(subject) >= 2 and subject in fold(byline).replace(" ", ""):
            role = BYLINE_ROLE.match(byline)  # 叶传增是谁 → 本报记者 (he wrote the article)
            span = (role.start(), role.end()) if role else None
        kind = "byline"
        if span is None and TITLE_QUESTION.search(asked) and not AUTHOR_QUESTION.search(asked):
            byline, kind = top.passage.article.title, "title"  # 哪篇讲朝鲜改平壤时间 → the headline itself
            span = (0, len(byline))
        if span is not None and 0 < span[1] - span[0] <= MAX_ANSWER_CHARS:
            name = byline[span[0] : span[1]].strip()
            printed = self._printed_line(top.passage, name) if kind == "byline" else None
            if printed is not None:  # the credit line as the page prints it, a passage of the article
                at = printed.text.find(name)
                result.hits = [h for h in result.hits if h.passage.id != printed.id]
                result.hits.insert(
                    0, Hit(1, top.score, printed, (0, len(printed.text)), (at, at + len(name)))
                )
            else:
                line = Passage(-top.passage.article.id, top.passage.article, kind, 0, None, byline, ())
                result.hits.insert(0, Hit(1, top.score, line, (0, len(byline)), span))
            for rank, h in enumerate(result.hits, start=1):
                h.rank = rank
            result.answer, result.answer_from = byline[span[0] : span[1]].strip(), kind
            return True
        if PHOTO_QUESTION.search(asked) and self._answer_from_credit(result):
            return True
        if PUBLISHED_QUESTION.search(asked) and top.passage.article.date:
            result.answer, result.answer_from = top.passage.article.date, "date"
            return True
        return False

    def _printed_line(self, passage: Passage, name: str) -> Passage | None:
        """The article's own line that credits ``name`` (``本报记者王崟欣《人民日报》（…第07版）``, kept as a note),
        or None when the byline is only in the header."""
        if len(name) < 2:
            return None
        found = self.store.article(passage.article.uid)
        for line in found[1] if found else []:
            if line.kind == "note" and name in line.text and len(line.text) <= 80:
                return line
        return None

    def _answer_from_credit(self, result: Result) -> bool:
        """``照片是谁拍的``: the photographer named in a photo credit of the best passages' articles (the credit
        is quoted, the name marked in it)."""
        for hit in result.hits[:READ_DEPTH]:
            found = self.store.article(hit.passage.article.uid)
            credits = [p for p in (found[1] if found else []) if p.kind in ("credit", "caption")]
            for passage in ([hit.passage] if hit.passage.kind != "body" else []) + credits:
                match = CREDIT_NAME.search(passage.text)
                if match is None:
                    continue
                start = match.start(1)
                role = CREDIT_ROLE.match(passage.text, start)
                start = role.end() if role else start
                if match.end(1) - start < 2:
                    continue
                credit = Hit(1, hit.score, passage, (0, len(passage.text)), (start, match.end(1)))
                result.hits = [credit, *(h for h in result.hits if h.passage.id != passage.id)]
                for rank, h in enumerate(result.hits, start=1):
                    h.rank = rank
                result.answer, result.answer_from = passage.text[start : match.end(1)], "credit"
                return True
        return False

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


_DEPUTY = re.compile(r"(?:常务)?副(?:{})$".format("|".join(sorted(spans.TITLES, key=len, reverse=True))))


def deputy_of_asked_post(question: str, text: str, start: int) -> bool:
    """Whether the name at ``start`` follows 副 + the post the question asks about without 副: ``局长是谁`` is not
    answered by ``副局长张旻`` (the deputy is named, not the head)."""
    before = fold(text[max(0, start - 12) : start]).rstrip(" ，,、")
    deputy = _DEPUTY.search(before)
    if deputy is None:
        return False
    post = deputy.group(0).removeprefix("常务").removeprefix("副")
    asked = fold(question)
    return post in asked and f"副{post}" not in asked


def demote_furniture(
    ranked: list[tuple[int, float]], passages: dict[int, Passage]
) -> list[tuple[int, float]]:
    """Captions and photo credits rank below body text that scores nearly as well: a caption is short (BM25
    favours it) and names what the article is about, but seldom says what the question asks."""
    scaled = [
        (pid, score * FURNITURE_FACTOR if passages[pid].kind in ("caption", "credit") else score)
        for pid, score in ranked
    ]
    return sorted(scaled, key=lambda item: -item[1])


def article_header(passage: Passage) -> str:
    """The folded header a question may name besides the passage: title, kicker, subtitle, heading, date."""
    a = passage.article
    parts = [a.title, a.kicker, a.subtitle, passage.heading, a.date, _chinese_date(a.date)]
    return fold(" | ".join(p for p in parts if p))


def _chinese_date(iso: str | None) -> str | None:
    """``2019-04-11`` as the question would write it: ``2019年4月11日``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{match[1]}年{int(match[2])}月{int(match[3])}日" if match else None


def _first(passage: Passage) -> tuple[int, int]:
    """The passage's first sentence: the quote of a runner-up once the time budget is used up."""
    spans = split_sentences(passage.text)
    return spans[0] if spans else (0, len(passage.text))
