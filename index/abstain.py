"""Abstention: is the best passage relevant enough to quote, or do we say 没有找到?

The signal is the question's rarity-weighted word coverage (:meth:`index.rerank.Query.coverage`) over the
passage and its article header. Content words only — cross-word bigrams such as 个公 or 司合 say nothing about
relevance — and a name jieba did not know (潘淑是) still counts by its bigrams. :data:`MIN_COVERAGE` is set on
data (README "Abstention"): answerable questions are CMRC, DRCD and the seed questions against their own
articles; unanswerable ones are each set's questions against another set's articles, and off-topic questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.store import Passage
from index.normalize import fold
from index.rerank import Query

__all__ = ["MIN_COVERAGE", "Relevance", "passage_haystack", "relevance"]

#: Least weighted share of the question's words the best passage and its header must contain.
MIN_COVERAGE = 0.55


@dataclass(frozen=True)
class Relevance:
    """The verdict on a passage for a question."""

    relevant: bool
    coverage: float


def passage_haystack(passage: Passage) -> str:
    """The folded text a question may match: the passage and its article's header fields."""
    a = passage.article
    parts = [a.title, a.kicker, a.subtitle, a.byline, a.column, passage.heading, passage.text]
    return fold(" | ".join(p for p in parts if p))  # the bar keeps words from running across fields


def relevance(query: Query, passage: Passage) -> Relevance:
    """Whether ``passage``, ranked first, is relevant enough to answer a question with these words."""
    cov = query.coverage(passage_haystack(passage))
    return Relevance(relevant=cov >= MIN_COVERAGE, coverage=cov)
