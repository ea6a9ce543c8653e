"""The reader's one public function, :func:`read`, and :func:`collect`, the candidate rows it scores
(see the package docstring)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.normalize import squash
from index.reader.candidates import Span, gather
from index.reader.features import PassageView, row
from index.reader.model import Model, load

__all__ = ["Reading", "collect", "read"]


@dataclass(frozen=True)
class Reading:
    """The best candidate: the passage it is in (index into the views given), its span, score, confidence."""

    view: int
    span: tuple[int, int]
    score: float
    confidence: float


def collect(views: Sequence[PassageView]) -> list[tuple[int, Span, list[float]]]:
    """Every candidate of every passage: (passage index, span, feature row)."""
    out: list[tuple[int, Span, list[float]]] = []
    for i, view in enumerate(views):
        spans = gather(view.question.question, view.folded)
        counts = Counter(min(s.sources) for s in spans)
        out += [(i, span, row(view, span, counts[min(span.sources)])) for span in spans]
    return out


def _text(views: Sequence[PassageView], item: tuple[int, Span, list[float]]) -> str:
    i, span, _ = item
    return squash(views[i].text[span.start : span.end])


def _runner_up(
    views: Sequence[PassageView],
    found: list[tuple[int, Span, list[float]]],
    scores: np.ndarray,
    order: np.ndarray,
) -> float | None:
    """The best score of a candidate with another answer text than the best one (the same text found twice is
    agreement, not a rival), as the calibration was trained: None when every candidate says the same."""
    best = _text(views, found[int(order[0])])
    return next((float(scores[i]) for i in order[1:] if _text(views, found[int(i)]) != best), None)


def read(views: Sequence[PassageView], model: Model | None = None) -> Reading | None:
    """The best-scored candidate answer in ``views`` with its calibrated confidence; None without candidates."""
    found = collect(views)
    if not found:
        return None
    model = model or load()
    scores = model.scores([r for _, _, r in found])
    order = scores.argsort()[::-1]
    best = int(order[0])
    view, span, row = found[best]
    runner_up = _runner_up(views, found, scores, order)
    top = float(scores[best])
    return Reading(view, (span.start, span.end), top, model.confidence(top, runner_up, row, len(found)))
