"""Second stage: rerank BM25's best candidates by how well one sentence of each covers the question.

BM25 scores a bag of tokens over the whole paragraph; a question is usually a paraphrase of one sentence. So
each of the first :data:`DEPTH` candidates gets a bonus for its best sentence (or pair of adjacent sentences):
the share of the question's content words found there, each word weighted by its rarity in jieba's general
dictionary (a name counts more than 时候). The bonus is in BM25 units (times the top score), so the first
stage still decides between candidates that cover the question equally well. The same weighted coverage,
over the whole passage and its article header, is the relevance signal of :mod:`index.reader.abstain`.

Usage::

    query = Query.of(["剑河", "中药材", "面积"], segmenter.jieba.FREQ, segmenter.jieba.total)
    rerank(query, [(7, 12.0), (3, 11.5)], {7: "…", 3: "…"})  # [(3, 19.5), (7, 12.0)]
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["DEPTH", "SENTENCE_WEIGHT", "Query", "rerank", "sentence_coverage"]

#: How many BM25 candidates are reranked.
DEPTH = 20
#: Weight of the best sentence's coverage, as a share of the top BM25 score (flat between 0.5 and 2 on CMRC dev).
SENTENCE_WEIGHT = 0.8
#: Weight of the longest phrase shared with the question, as a share of the top BM25 score.
PHRASE_WEIGHT = 0.3
#: Weight of the question's words found only in the article's header (title, kicker, subtitle, heading, date):
#: ``2019年朝鲜内阁总理是谁`` prefers the 2019 article's 内阁总理 sentence.
HEADER_WEIGHT = 0.3
MIN_PHRASE = 3

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_START = re.compile(r"(?:^|(?<=[。!?;\n]))(?=.)", re.S)


@dataclass(frozen=True)
class Query:
    """A question's content words (folded) with their weights; a word with ``alternatives`` is matched by any
    of them instead (the 学校 of ``哪所学校`` by 中学, 大学…: see :mod:`index.reader.kinds`)."""

    weights: dict[str, float]
    alternatives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    text: str = ""  # the question, folded, without spaces: for the longest phrase shared with a passage

    @classmethod
    def of(cls, words: Sequence[str], freq: Mapping[str, int], total: int) -> Query:
        """Weight each word by its rarity: ``log(total / freq)``, an unknown word as rare as one occurrence."""
        return cls({w: math.log(total / max(1, freq.get(w, 0) or 1)) for w in words})

    def coverage(self, text: str) -> float:
        """The weighted share of the words found in folded ``text`` (0 for a question with no words)."""
        total = sum(self.weights.values())
        if total <= 0:
            return 0.0
        return sum(w * self.match(word, text) for word, w in self.weights.items()) / total

    def match(self, word: str, text: str) -> float:
        """:func:`match`, or 1 when one of the word's alternatives occurs in ``text``."""
        alternatives = self.alternatives.get(word)
        if alternatives is not None:
            return 1.0 if any(a in text for a in alternatives) else 0.0
        return match(word, text)

    def needles(self, word: str) -> list[list[tuple[str, float]]]:
        """What to look for, in groups: a group is found when any of its needles is (bigrams: one group each)."""
        weight = self.weights[word]
        alternatives = self.alternatives.get(word)
        if alternatives is not None:
            return [[(a, weight) for a in alternatives]]
        return [[needle] for needle in _needles(word, weight)]


def match(word: str, text: str) -> float:
    """1 when ``word`` occurs in ``text``; for a longer Chinese word, the share of its bigrams that do."""
    if word in text:
        return 1.0
    needles = _needles(word, 1.0)
    return sum(w for needle, w in needles if needle in text) if len(needles) > 1 else 0.0


def _needles(word: str, weight: float) -> list[tuple[str, float]]:
    """What :func:`match` looks for: the word itself, or a longer Chinese word's bigrams sharing its weight."""
    if len(word) < 3 or not _CJK.search(word):
        return [(word, weight)]
    pairs = [word[i : i + 2] for i in range(len(word) - 1)]
    return [(pair, weight / len(pairs)) for pair in pairs]


def sentence_coverage(query: Query, text: str) -> float:
    """The best coverage of the question by one sentence of folded ``text``, or by two adjacent ones."""
    total = sum(query.weights.values())
    if total <= 0 or not text:
        return 0.0
    starts = [m.start() for m in _SENTENCE_START.finditer(text)]
    found = [0.0] * len(starts)  # window i: sentence i and the next one
    for word in query.weights:
        for group in query.needles(word):
            windows: set[int] = set()
            for needle, _ in group:
                at = text.find(needle)
                while at >= 0:
                    first = bisect.bisect_right(starts, at) - 1
                    last = bisect.bisect_right(starts, at + len(needle) - 1) - 1
                    windows.update(
                        (first - 1, first) if first == last else (first,) if last == first + 1 else ()
                    )
                    at = text.find(needle, at + 1)
            for i in windows:
                if i >= 0:
                    found[i] += group[0][1]
    return min(1.0, max(found) / total)


def phrase_share(question: str, text: str) -> float:
    """The longest run of the question found verbatim in ``text``, as a share of the question (runs of fewer
    than :data:`MIN_PHRASE` characters count nothing): ``帮扶正安县人民医院`` quoted whole beats its words apart."""
    if len(question) < MIN_PHRASE or not text:
        return 0.0
    best = MIN_PHRASE - 1
    for i in range(len(question) - best):
        k = best + 1
        while i + k <= len(question) and question[i : i + k] in text:
            best, k = k, k + 1
    return 0.0 if best < MIN_PHRASE else best / len(question)


def header_share(query: Query, text: str, header: str) -> float:
    """The weighted share of the question's words found in the article's ``header`` but not in ``text``."""
    if not header:
        return 0.0
    return max(0.0, query.coverage(f"{header} | {text}") - query.coverage(text))


def rerank(
    query: Query,
    ranked: Sequence[tuple[int, float]],
    texts: Mapping[int, str],
    headers: Mapping[int, str] | None = None,
) -> list[tuple[int, float]]:
    """BM25 ``ranked`` (id, score) reordered by score + best-sentence, phrase and header bonuses (``headers``:
    each passage's folded article header); ids beyond :data:`DEPTH` follow."""
    if not ranked or not query.weights:
        return list(ranked)
    top = ranked[0][1]
    bonus, phrase, header = SENTENCE_WEIGHT * top, PHRASE_WEIGHT * top, HEADER_WEIGHT * top
    headers = headers or {}
    head = [
        (
            pid,
            score
            + bonus * sentence_coverage(query, texts.get(pid, ""))
            + phrase * phrase_share(query.text, texts.get(pid, ""))
            + header * header_share(query, texts.get(pid, ""), headers.get(pid, "")),
        )
        for pid, score in ranked[:DEPTH]
    ]
    head.sort(key=lambda item: -item[1])
    return head + list(ranked[DEPTH:])
