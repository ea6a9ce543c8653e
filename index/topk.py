"""Exact top-k BM25 with MaxScore pruning: the same k results and scores as scoring every posting.

Each query term has an upper bound on what it can add to any document's score: its largest contribution
over its own postings (its weight × the largest ``tf / (tf + norm)`` among them) once these are known,
until then its weight × ``max_tf / (max_tf + norm_min)`` (its highest tf over the shortest live document). Terms are scored in full
("essential"), shortest posting list first, until the bounds of the terms left add up to less than
``theta``, the k-th best partial score: a document only those terms contain cannot enter the top k. The
essential terms are added in a few batches, one ``np.add.at`` over their concatenated postings each (it
adds in order, so term by term). The remaining (long, common) terms are then only looked up for the
candidates (binary search in the term's ascending ids), and a candidate is dropped as soon as its partial
score plus the bounds still to come falls below ``theta``. Every document's score is added up term by
term in the same order as :func:`exhaustive` does, from the same per-posting values, so scores are
bit-identical; ties are broken by the higher paragraph id.

Usage::

    terms = [Term(weight, [Part(docs, tfs, ascending=True)])]
    found = top_k(terms, norm, acc, k=10)  # found.ids, found.scores, found.essential
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Part", "Term", "TopK", "best", "exhaustive", "merged", "top_k"]

#: Relative margin on every pruning comparison, so floating-point rounding can never drop a document.
SLACK = 1e-9
#: Candidates are pruned between look-ups only while there are more than this many times k of them.
PRUNE_ABOVE = 4


@dataclass(frozen=True)
class Part:
    """One segment's postings of a term: paragraph ids (int32) and term frequencies (uint16)."""

    docs: np.ndarray
    tfs: np.ndarray
    ascending: bool  # docs strictly ascending: candidates are looked up by binary search
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def units(self, norm: np.ndarray) -> np.ndarray:
        """``tf / (tf + norm[doc])`` by posting (0 for a deleted document, whose norm is inf).

        Kept for the last ``norm`` array given (the index makes one per version), with its maximum, so a
        part cached between queries computes them once.
        """
        memo = self._memo
        if memo.get("norm") is not norm:
            f = self.tfs.astype(np.float64)
            units = f / (f + norm[self.docs])
            memo.update(norm=norm, units=units, max=float(units.max()) if len(units) else 0.0)
        units_: np.ndarray = memo["units"]
        return units_

    def units_at(self, norm: np.ndarray, at: np.ndarray) -> np.ndarray:
        """``units(norm)[at]``, the same values to the bit, without computing the others first."""
        memo = self._memo
        if memo.get("norm") is norm:
            kept: np.ndarray = memo["units"][at]
            return kept
        f = self.tfs[at].astype(np.float64)
        found: np.ndarray = f / (f + norm[self.docs[at]])
        return found

    def max_unit(self, norm: np.ndarray, norm_min: float) -> float:
        """At least the largest of :meth:`units`: exactly it once computed, else from the highest tf over
        ``norm_min`` (the smallest live norm: no unit can be larger), which costs no pass over ``norm``."""
        memo = self._memo
        if memo.get("norm") is norm:
            return float(memo["max"])
        if "max_tf" not in memo:
            memo["max_tf"] = int(self.tfs.max()) if len(self.tfs) else 0
        max_tf: int = memo["max_tf"]
        return max_tf / (max_tf + norm_min)


def merged(parts: Sequence[Part]) -> Part:
    """One part with ids ascending from a term's parts (each id in one part only): ``parts[0]`` if it is."""
    if len(parts) == 1 and parts[0].ascending:
        return parts[0]
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Part(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16), True)
    if len(parts) == 1 and parts[0].ascending:
        return parts[0]
    if all(p.ascending for p in parts):
        parts.sort(key=lambda p: int(p.docs[0]))
        if all(int(a.docs[-1]) < int(b.docs[0]) for a, b in itertools.pairwise(parts)):
            return Part(np.concatenate([p.docs for p in parts]), np.concatenate([p.tfs for p in parts]), True)
    docs = np.concatenate([p.docs for p in parts])
    order = np.argsort(docs, kind="stable")
    return Part(docs[order], np.concatenate([p.tfs for p in parts])[order], True)


@dataclass
class Term:
    """A query term: its weight (idf × (k1 + 1) × its count in the query) and its postings."""

    weight: float
    parts: Sequence[Part]
    part: Part = field(init=False)  # all parts as one, ids ascending
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.part = merged(self.parts)
        self.size = len(self.part.docs)

    def gains(self, norm: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """BM25 contributions by posting (or of the postings ``at``): the one formula every path uses."""
        return self.weight * (self.part.units(norm) if at is None else self.part.units_at(norm, at))

    def bound(self, norm: np.ndarray, norm_min: float) -> float:
        """The most this term adds to a score (0 for a negative weight: a document may lack it)."""
        if self.weight <= 0 or not self.size:
            return 0.0
        return float(self.weight * self.part.max_unit(norm, norm_min))


@dataclass(frozen=True)
class TopK:
    """The best documents, best first, and how many terms were scored in full."""

    ids: np.ndarray
    scores: np.ndarray
    essential: int


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


def exhaustive(terms: Sequence[Term], norm: np.ndarray, k: int) -> TopK:
    """Score every posting (the reference :func:`top_k` must equal)."""
    acc = np.zeros(len(norm))
    touched = np.zeros(len(norm), dtype=bool)
    ordered = _order(terms)
    for term in ordered:
        docs = term.part.docs
        acc[docs] += term.gains(norm)
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


def _score(batch: Sequence[Term], norm: np.ndarray, acc: np.ndarray, scored: list[np.ndarray]) -> None:
    """Add every posting of ``batch`` into ``acc``, term by term in order; note the ids in ``scored``."""
    if not batch:
        return
    if len(batch) == 1:
        docs = batch[0].part.docs
        acc[docs] += batch[0].gains(norm)
    else:
        docs = np.concatenate([t.part.docs for t in batch])
        np.add.at(acc, docs, np.concatenate([t.gains(norm) for t in batch]))
    scored.append(docs)


def _unique(scored: list[np.ndarray], terms: int) -> np.ndarray:
    """The ids in ``scored`` (the postings of ``terms`` terms), each once, ascending."""
    if terms == 1:
        return scored[0]  # one term's ids: ascending and distinct already
    ids = np.sort(np.concatenate(scored))
    keep = np.empty(len(ids), dtype=bool)
    keep[:1] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


_LIVE: list[tuple[np.ndarray, np.ndarray, float]] = []  # (norm, finite mask, smallest): the last norm seen


def _live(norm: np.ndarray) -> tuple[np.ndarray, float]:
    """Whether each id is a live document (finite norm), and the smallest norm; kept for the last ``norm``."""
    entry = _LIVE[0] if _LIVE else None
    if entry is None or entry[0] is not norm:
        entry = (norm, np.isfinite(norm), float(norm.min()) if len(norm) else np.inf)
        _LIVE[:] = [entry]  # one entry, replaced whole: a thread only ever uses the entry it read or made
    return entry[1], entry[2]


def _candidates(
    scored: list[np.ndarray], terms: int, acc: np.ndarray, live: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The live documents scored so far (ascending) and their partial scores."""
    if not scored:
        return np.zeros(0, np.int32), np.zeros(0)
    ids = _unique(scored, terms)
    ids = ids[live[ids]]
    return ids, acc[ids]


def top_k(terms: Sequence[Term], norm: np.ndarray, acc: np.ndarray, k: int) -> TopK:
    """The exact top ``k`` with pruning; ``acc`` is a zeroed float scratch array as long as ``norm``
    (k1 × (1 − b + b × len / avgdl) by id, inf for no document), left zeroed."""
    ordered = _order(terms)
    if k <= 0 or not ordered:
        return TopK(np.zeros(0, np.int64), np.zeros(0), 0)
    live, norm_min = _live(norm)
    rest = [0.0] * (len(ordered) + 1)  # rest[i]: bound of terms i, i+1, ...
    for i in range(len(ordered) - 1, -1, -1):
        rest[i] = rest[i + 1] + ordered[i].bound(norm, norm_min)
    scored: list[np.ndarray] = []
    theta = -np.inf
    split = len(ordered)
    start = postings = 0
    try:
        for i, term in enumerate(ordered):
            # Partial scores are lower bounds once the weights ≤ 0 are in. theta ≤ the bounds scored so
            # far, so only then may the rest fall below it; and only check before a list worth skipping.
            if term.weight > 0 and rest[i] < rest[0] - rest[i] and 8 * term.size >= postings:
                _score(ordered[start:i], norm, acc, scored)
                start = i
                ids, scores = _candidates(scored, i, acc, live)
                theta = _kth(scores, k)
                if _below(rest[i], theta):
                    split = i
                    break
            postings += term.size
        else:
            _score(ordered[start:], norm, acc, scored)
            ids, scores = _candidates(scored, split, acc, live)
    finally:
        for docs in scored:
            acc[docs] = 0.0
    if split < len(ordered):
        ids, scores = _prune(ids, scores, rest[split], theta)
        for i in range(split, len(ordered)):
            _add(ordered[i], ids, scores, norm)
            if i + 1 < len(ordered) and len(ids) > PRUNE_ABOVE * k:  # few left: pruning costs more
                theta = max(theta, _kth(scores, k))
                ids, scores = _prune(ids, scores, rest[i + 1], theta)
    top, top_scores = best(ids, scores, k)
    return TopK(top, top_scores, split)


def _prune(ids: np.ndarray, scores: np.ndarray, rest: float, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """Drop the candidates that cannot reach ``theta`` even with ``rest`` more (:func:`_below`'s margin)."""
    keep = scores >= theta - SLACK * (1.0 + abs(theta)) - rest
    return ids[keep], scores[keep]


def _add(term: Term, ids: np.ndarray, scores: np.ndarray, norm: np.ndarray) -> None:
    """Add ``term``'s contributions to the candidates ``ids`` (ascending), in place.

    A candidate without the term gets its gain × 0.0 added: ``x + 0.0 == x``, so sums stay bit-identical.
    """
    docs = term.part.docs
    if not len(ids) or not len(docs):
        return
    pos = np.searchsorted(docs, ids)
    np.minimum(pos, len(docs) - 1, out=pos)
    scores += term.gains(norm, pos) * (docs[pos] == ids)
