"""Abstention: is the best passage relevant enough to quote, or do we say 没有找到?

Two signals, calibrated on the dev questions and the public benchmarks (see README "Abstention"):
query-term coverage (how much of the question, weighted by term length, the passage and its article header
contain) and the BM25 score per query term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corpus.store import Passage
from index.normalize import fold

MIN_COVERAGE = 0.5  # share of the question's (length-weighted) terms found in the passage or its header
MIN_SCORE_PER_TERM = 0.0


@dataclass(frozen=True)
class Relevance:
    """The verdict on a passage for a question."""

    relevant: bool
    coverage: float
    score: float


def passage_haystack(passage: Passage) -> str:
    """The folded text a question may match: the passage and its article's header fields."""
    a = passage.article
    parts = [a.title, a.kicker, a.subtitle, a.byline, a.column, passage.heading, passage.text]
    return fold(" ".join(p for p in parts if p))


def term_surface(term: str) -> str:
    """A term as it would appear in text (index-internal markers stripped)."""
    return term.strip("#_|:^")


def coverage(terms: Sequence[str], haystack: str) -> float:
    """Length-weighted share of distinct ``terms`` that occur in ``haystack``."""
    surfaces = {term_surface(t) for t in terms if term_surface(t)}
    total = sum(len(s) for s in surfaces)
    if not total:
        return 0.0
    return sum(len(s) for s in surfaces if s in haystack) / total


def relevance(terms: Sequence[str], passage: Passage, score: float) -> Relevance:
    """Whether ``passage`` (ranked first with ``score``) answers a question with these query ``terms``."""
    cov = coverage(terms, passage_haystack(passage))
    per_term = score / max(1, len(terms))
    return Relevance(
        relevant=cov >= MIN_COVERAGE and per_term >= MIN_SCORE_PER_TERM, coverage=cov, score=score
    )
