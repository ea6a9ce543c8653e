"""Exact top-k BM25 with MaxScore pruning: the same k results and scores as scoring every posting.

Each query term has an upper bound on what it can add to any document's score (its weight × the largest
``tf / (tf + norm)`` possible: its highest term frequency over the shortest live document). Terms are scored
in full ("essential") into a dense accumulator, shortest posting list first, until the bounds of the terms
left add up to less than ``theta``, the k-th best partial score: a document only those terms contain cannot
enter the top k. The remaining (long, common) terms are then only looked up for the candidates (binary
search in each segment's ascending ids), and a candidate is dropped as soon as its partial score plus the
bounds still to come falls below ``theta``. Every document's score is added up term by term in the same
order as :func:`exhaustive` does, so scores are bit-identical; ties are broken by the higher paragraph id.

Usage::

    terms = [Term(weight, [Part(docs, tfs, ascending=True)])]
    found = top_k(terms, norm, norm_min, acc, seen, k=10)  # found.ids, found.scores, found.essential
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

__all__ = ["Part", "Term", "TopK", "best", "exhaustive", "top_k"]

#: Relative margin on every pruning comparison, so floating-point rounding can never drop a document.
SLACK = 1e-9


@dataclass(frozen=True)
class Part:
    """One segment's postings of a term: paragraph ids (int32) and term frequencies (uint16)."""

    docs: np.ndarray
    tfs: np.ndarray
    ascending: bool  # docs strictly ascending: candidates are looked up by binary search

    @cached_property
    def max_tf(self) -> int:
        """The highest term frequency (0 for no postings); kept, as a cached part is used by many queries."""
        return int(self.tfs.max()) if len(self.tfs) else 0


@dataclass
class Term:
    """A query term: its weight (idf × (k1 + 1) × its count in the query) and its postings."""

    weight: float
    parts: Sequence[Part]
    max_tf: int = field(init=False)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.max_tf = max((p.max_tf for p in self.parts), default=0)
        self.size = sum(len(p.docs) for p in self.parts)

    def bound(self, norm_min: float) -> float:
        """The most this term can add to a score (0 for a negative weight: a document may lack it)."""
        if self.weight <= 0 or not self.max_tf:
            return 0.0
        return float(self.weight * self.max_tf / (self.max_tf + norm_min))

    @cached_property
    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """All parts' ids and term frequencies, one array each (ids not necessarily ascending)."""
        if len(self.parts) == 1:
            return self.parts[0].docs, self.parts[0].tfs
        return np.concatenate([p.docs for p in self.parts]), np.concatenate([p.tfs for p in self.parts])


@dataclass(frozen=True)
class TopK:
    """The best documents, best first, and how many terms were scored in full."""

    ids: np.ndarray
    scores: np.ndarray
    essential: int


def _gain(weight: float, tfs: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """BM25 contributions of one term (the one formula both paths use, so sums agree to the bit)."""
    f = tfs.astype(np.float64)
    return weight * f / (f + norms)


def best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` highest scores, ties broken by the higher id; best first."""
    if len(ids) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((-ids, -scores))[:k]
    return ids[order], scores[order]


def _order(terms: Sequence[Term]) -> list[Term]:
    """Weights ≤ 0 first (they only lower scores: always scored in full), then the shortest posting lists."""
    return sorted(terms, key=lambda t: (t.weight > 0, t.size))


def exhaustive(terms: Sequence[Term], norm: np.ndarray, norm_min: float, k: int) -> TopK:
    """Score every posting (the reference :func:`top_k` must equal)."""
    acc = np.zeros(len(norm))
    touched = np.zeros(len(norm), dtype=bool)
    ordered = _order(terms)
    for term in ordered:
        docs, tfs = term.postings
        acc[docs] += _gain(term.weight, tfs, norm[docs])
        touched[docs] = True
    ids = np.flatnonzero(touched & np.isfinite(norm))
    found, scores = best(ids, acc[ids], k)
    return TopK(found, scores, len(ordered))


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th highest score, or -inf with fewer than k."""
    if len(scores) < k:
        return -np.inf
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def _below(bound: np.ndarray | float, theta: float) -> np.ndarray | bool:
    """Whether ``bound`` is certainly below ``theta`` (with a margin for rounding)."""
    return bound + SLACK * (1.0 + abs(theta)) < theta


def top_k(
    terms: Sequence[Term], norm: np.ndarray, norm_min: float, acc: np.ndarray, seen: np.ndarray, k: int
) -> TopK:
    """The exact top ``k`` with pruning; ``acc`` (float) and ``seen`` (bool) are zeroed scratch arrays as
    long as ``norm`` (k1 × (1 − b + b × len / avgdl) by id, inf for no document) and are left zeroed."""
    ordered = _order(terms)
    if k <= 0 or not ordered:
        return TopK(np.zeros(0, np.int64), np.zeros(0), 0)
    bounds = [t.bound(norm_min) for t in ordered]
    rest = [*np.cumsum(bounds[::-1])[::-1].tolist(), 0.0]  # rest[i]: bound of terms i, i+1, ...
    found: list[np.ndarray] = []
    n_found = 0
    theta = -np.inf
    split = len(ordered)
    try:
        for i, term in enumerate(ordered):
            # Partial scores are lower bounds once the weights ≤ 0 are in. theta ≤ the bounds scored so
            # far, so only then may the rest fall below it; and only check before a list worth skipping.
            if term.weight > 0 and rest[i] < rest[0] - rest[i] and 8 * term.size >= n_found:
                found = [np.concatenate(found)]
                alive = found[0][np.isfinite(norm[found[0]])]
                theta = _kth(acc[alive], k)
                if _below(rest[i], theta):
                    split = i
                    break
            docs, tfs = term.postings
            acc[docs] += _gain(term.weight, tfs, norm[docs])
            new = docs[~seen[docs]]
            seen[new] = True
            found.append(new)
            n_found += len(new)
        touched = np.concatenate(found) if found else np.zeros(0, np.int64)
        ids = touched[np.isfinite(norm[touched])]
        scores = acc[ids]
    finally:
        for docs in found:
            acc[docs] = 0.0
            seen[docs] = False
    if split < len(ordered):
        ids, scores = _prune(ids, scores, rest[split], theta)
        order = np.argsort(ids)
        ids, scores = ids[order], scores[order]
        for i in range(split, len(ordered)):
            _add(ordered[i], ids, scores, norm, seen)
            theta = max(theta, _kth(scores, k))
            ids, scores = _prune(ids, scores, rest[i + 1], theta)
    top, top_scores = best(ids, scores, k)
    return TopK(top, top_scores, split)


def _prune(ids: np.ndarray, scores: np.ndarray, rest: float, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """Drop the candidates that cannot reach ``theta`` even with ``rest`` more."""
    keep = ~_below(scores + rest, theta)
    return ids[keep], scores[keep]


def _add(term: Term, ids: np.ndarray, scores: np.ndarray, norm: np.ndarray, seen: np.ndarray) -> None:
    """Add ``term``'s contributions to the candidates ``ids`` (ascending), in place."""
    if not len(ids):
        return
    if all(p.ascending for p in term.parts):
        for part in term.parts:
            if not len(part.docs):
                continue
            pos = np.searchsorted(part.docs, ids)
            pos[pos == len(part.docs)] = 0
            hit = np.flatnonzero(part.docs[pos] == ids)
            scores[hit] += _gain(term.weight, part.tfs[pos[hit]], norm[ids[hit]])
        return
    docs, tfs = term.postings  # some ids out of order (an old merged segment): test every posting
    seen[ids] = True
    try:
        at = np.flatnonzero(seen[docs])
    finally:
        seen[ids] = False
    where = np.searchsorted(ids, docs[at])
    scores[where] += _gain(term.weight, tfs[at], norm[ids[where]])
