"""Features of a candidate answer: what the question asks, who proposed the span, where it stands.

One row of floats per candidate, in the order of :data:`NAMES`; the model file records the names it was trained
on, and :mod:`index.reader.model` refuses a file whose names differ. Everything here is a pure function of the
question, the passage text, its rank and score, and the span.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from index.reader.answer import _clause_marks, _longest_common, _occurrences, _proximity, _weights
from index.reader.candidates import SOURCES, Span
from index.reader.kinds import asked_head, asks_several, origin_bonus, type_bonus
from index.reader.question import QuestionType, described, fold_chars, in_units, measure_word, wh_split
from index.reader.sentences import split_sentences
from index.reader.spans import ORG_ENDS, PLACE_ENDS, TITLE, tagged

__all__ = ["NAMES", "PassageView", "QuestionView", "row"]

_QTYPES = tuple(QuestionType)
_PAST = re.compile(r"之前|以前|此前|原来|原先|原本|早先|曾经|曾在|曾任|来自|从哪")
_ANCHOR = 6
_TITLE_END = re.compile(rf"(?:{TITLE.pattern})$")

NAMES: tuple[str, ...] = (
    *(f"q_{t.value}" for t in _QTYPES),
    "q_has_wh",
    "q_wh_at_end",
    "q_several",
    "q_units",
    "q_describe",
    "q_past",
    "q_chars",
    *(f"src_{s}" for s in SOURCES),
    "n_sources",
    "prior",
    "chars",
    "has_digit",
    "digit_start",
    "unit_match",
    "type_bonus",
    "origin_bonus",
    "proximity",
    "in_quote",
    "gap_log",
    "marks_between",
    "clause_cover",
    "left_run",
    "right_run",
    "left_adjacent",
    "right_adjacent",
    "q_overlap",
    "rank",
    "score_ratio",
    "coverage",
    "position",
    "first_sentence",
    "same_source_count",
    "bracketed",
    "after_copula",
    "ends_title",
    "ends_org",
    "ends_place",
    "next_is_mark",
    "q_head",
    "head_end",
    "start_mid_word",
    "end_mid_word",
)


def _compact(text: str) -> str:
    return "".join(text.split())  # str.split() splits at exactly the isspace() characters


@dataclass
class QuestionView:
    """What the features need to know of the question, computed once per question."""

    question: str
    qtype: QuestionType
    terms: Sequence[str]

    @cached_property
    def compact(self) -> str:
        return _compact(fold_chars(self.question))

    @cached_property
    def split(self) -> tuple[str, str] | None:
        return wh_split(self.question)

    @cached_property
    def units(self) -> str | None:
        return measure_word(self.question)

    @cached_property
    def head_noun(self) -> str | None:
        kind = asked_head(self.question)
        return None if kind is None else kind.noun

    @cached_property
    def head(self) -> list[float]:
        """The question's own features (the same for all its candidates)."""
        split = self.split
        subject = described(self.question)
        return [
            *(1.0 if self.qtype is t else 0.0 for t in _QTYPES),
            1.0 if split is not None else 0.0,
            1.0 if split is not None and len(split[1]) <= 1 else 0.0,
            1.0 if asks_several(self.question) else 0.0,
            1.0 if self.units is not None else 0.0,
            1.0 if subject is not None else 0.0,
            1.0 if _PAST.search(self.compact) else 0.0,
            float(len(self.compact)),
        ]


@dataclass
class PassageView:
    """One ranked passage with its quote, and the term occurrences features measure distances to."""

    text: str
    rank: int
    score_ratio: float
    coverage: float
    quote: tuple[int, int]
    question: QuestionView
    offset: int = 0  # where ``text`` starts in its passage (a long passage is read around its quote only)

    @cached_property
    def folded(self) -> str:
        return fold_chars(self.text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return split_sentences(self.text) or [(0, len(self.text))]

    @cached_property
    def occ(self) -> dict[str, list[tuple[int, int]]]:
        return _occurrences(self.folded, self.question.terms)

    @cached_property
    def weights(self) -> dict[str, float]:
        return _weights(self.occ, self.sentences)

    @cached_property
    def marks(self) -> list[int]:
        return _clause_marks(self.folded)

    @cached_property
    def word_bounds(self) -> frozenset[int]:
        """Where the passage's jieba words start and end (a span cut inside a word is rarely an answer)."""
        return frozenset(b for s, e, _ in tagged(self.folded) for b in (s, e))


def _adjacent_left(folded: str, start: int, before: str) -> int:
    """How many of the question's characters before its question word stand right before the span."""
    left = _compact(folded[max(0, start - 2 * _ANCHOR) : start])
    k = 0
    while k < min(len(before), len(left), _ANCHOR) and before[-1 - k] == left[-1 - k]:
        k += 1
    return k


def _adjacent_right(folded: str, end: int, after: str) -> int:
    right = _compact(folded[end : end + 2 * _ANCHOR])
    k = 0
    while k < min(len(after), len(right), _ANCHOR) and after[k] == right[k]:
        k += 1
    return k


def _nearest(view: PassageView, span: Span) -> tuple[float, int, float]:
    """(log gap in characters to the nearest weighted term, clause marks in between, clause term cover)."""
    marks, weights = view.marks, view.weights
    total = sum(weights.values()) or 1.0
    best_gap, best_marks, cover = 200.0, 10, 0.0
    for token, places in view.occ.items():
        in_clause = False
        for a, b in places:
            if b <= span.start:
                gap, between = span.start - b, marks[span.start] - marks[b]
            elif a >= span.end:
                gap, between = a - span.end, marks[a] - marks[span.end]
            else:
                continue
            in_clause = in_clause or between == 0
            if gap < best_gap:
                best_gap, best_marks = gap, between
        cover += weights.get(token, 0.0) if in_clause else 0.0
    return math.log1p(best_gap), min(best_marks, 10), cover / total


def row(view: PassageView, span: Span, same_source: int) -> list[float]:
    """The feature row of ``span`` in ``view`` (``same_source``: spans of its main generator there)."""
    q = view.question
    folded, text_len = view.folded, max(1, len(view.text))
    value = _compact(folded[span.start : span.end])
    units = q.units
    split = q.split
    before, after = split if split is not None else (q.compact, "")
    left = _compact(folded[max(0, span.start - 8) : span.start])
    right = _compact(folded[span.end : span.end + 8])
    gap, between, cover = _nearest(view, span)
    first = view.sentences[0]
    q_chars = set(q.compact)
    prev = folded[span.start - 1] if span.start else ""
    nxt = folded[span.end] if span.end < len(folded) else ""
    in_quote = view.quote[0] <= span.start and span.end <= view.quote[1]
    return [
        *q.head,
        *(1.0 if s in span.sources else 0.0 for s in SOURCES),
        float(len(span.sources)),
        span.prior,
        float(len(value)),
        1.0 if any(ch.isdigit() for ch in value) else 0.0,
        1.0 if value[:1].isdigit() else 0.0,
        0.0 if units is None else (1.0 if in_units(value, units) else -1.0),
        type_bonus(q.compact, q.qtype, value, folded, span.end),
        origin_bonus(q.compact, folded, span.start, span.end),
        _proximity(span, view.occ, view.weights, view.marks),  # type: ignore[arg-type]
        1.0 if in_quote else 0.0,
        gap,
        float(between),
        cover,
        _longest_common(before[-_ANCHOR:], left) / _ANCHOR,
        _longest_common(after[:_ANCHOR], right) / _ANCHOR,
        float(_adjacent_left(folded, span.start, before)),
        float(_adjacent_right(folded, span.end, after)),
        sum(ch in q_chars for ch in value) / max(1, len(value)),
        float(view.rank),
        view.score_ratio,
        view.coverage,
        span.start / text_len,
        1.0 if first[0] <= span.start and span.end <= first[1] else 0.0,
        math.log1p(same_source),
        1.0 if prev in "《“「\"'『" else 0.0,
        1.0 if prev in "是为系" else 0.0,
        1.0 if _TITLE_END.search(value) else 0.0,
        1.0 if value.endswith(ORG_ENDS) else 0.0,
        1.0 if value.endswith(PLACE_ENDS) else 0.0,
        1.0 if nxt in "，。、；：？！,.;:?!）)》”" or not nxt else 0.0,
        1.0 if q.head_noun is not None else 0.0,
        1.0 if q.head_noun is not None and value.endswith(q.head_noun) else 0.0,
        0.0 if span.start in view.word_bounds else 1.0,
        0.0 if span.end in view.word_bounds else 1.0,
    ]
