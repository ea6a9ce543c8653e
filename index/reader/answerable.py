"""Does the best passage answer the question at all? Features for the learned abstention.

The rules of :mod:`index.reader.abstain` (weighted word coverage, named places, questions about this moment) decide
together with signals a reader has: a year the question names that the passage never mentions (``2023年…`` over a
passage about 2024), a unit the question asks in (``多重`` → 吨/千克) that no passage shows, how confident the
reader is in its best answer. :func:`row` gives one row per question, in the order of :data:`NAMES`; the model
that weighs them is trained by ``python -m bench.train`` with questions from other sets and off-topic ones as
negatives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from corpus.store import Passage
from index.reader.abstain import asks_live, passage_haystack, relevance
from index.reader.question import QuestionType, fold_chars, in_units, measure_word
from index.reader.spans import candidates
from index.rerank import Query, phrase_share, sentence_coverage

__all__ = ["NAMES", "amount_missing", "missing_years", "row", "unit_missing"]

_QTYPES = tuple(QuestionType)
_YEAR = re.compile(r"(?<!\d)((?:1[6-9]|20)\d\d)(?!\d)")

NAMES: tuple[str, ...] = (
    *(f"q_{t.value}" for t in _QTYPES),
    "coverage",
    "missing_named",
    "missing_years",
    "unit_missing",
    "live",
    "reader_confidence",
    "has_candidate",
    "top_score_log",
    "second_ratio",
    "terms",
    "phrase_share",
    "sentence_coverage",
    "chars_found",
)


def missing_years(question: str, passage: Passage) -> int:
    """Years the question names (``2023年``) that neither the passage, its header nor its date mention."""
    haystack = passage_haystack(passage) + " " + (passage.article.date or "")
    return sum(1 for y in set(_YEAR.findall(fold_chars(question))) if y not in haystack)


def unit_missing(question: str, passages: Sequence[Passage]) -> bool:
    """Whether the question asks in a unit (``多重`` → 吨/千克…) that no quantity of these passages is in."""
    units = measure_word(question)
    if units is None:
        return False
    for passage in passages:
        folded = fold_chars(passage.text)
        for cand in candidates(QuestionType.QUANTITY, folded):
            if in_units("".join(folded[cand.start : cand.end].split()), units):
                return False
    return True


#: How much money or weight, asked outright (``门票多少钱``, ``卫星多重``): the units such an answer must be in.
_AMOUNT_UNITS = ("元|美元|英镑|欧元", "吨|千克|公斤|克|斤")
_HOW_MUCH = re.compile(r"多少|多重|多贵|几[元块斤吨]")


#: Money written with a currency sign before the figure or a currency name that is not a …元 (``NT$25,000``,
#: ``300万港币``): the quantity candidates do not carry these as units.
_OTHER_MONEY = re.compile(
    r"(?:[A-Z]{1,3})?[$＄¥￥€£]\s?\d|\d\s?[万亿]?(?:人民币|港币|台币|新台币|卢布|美金|法郎|马克|比索|泰铢|卢比)"
)


def amount_missing(question: str, passages: Sequence[Passage]) -> bool:
    """Whether the question asks outright how much money or weight and no quantity of ``passages`` is in such
    a unit: ``龟兹博物馆门票多少钱`` over an article that names no price is not answered from another figure."""
    units = measure_word(question)
    if units not in _AMOUNT_UNITS or _HOW_MUCH.search(fold_chars(question)) is None:
        return False
    if units == _AMOUNT_UNITS[0] and any(_OTHER_MONEY.search(fold_chars(p.text)) for p in passages):
        return False
    return unit_missing(question, passages)


def row(
    question: str,
    qtype: QuestionType,
    query: Query,
    passages: Sequence[Passage],
    scores: Sequence[float],
    quote: str,
    confidence: float | None,
) -> list[float]:
    """The features of a question and its ranked ``passages`` (best first, with their ``scores``)."""
    top = passages[0]
    verdict = relevance(query, top)
    haystack = passage_haystack(top)
    q_chars = [ch for ch in set(fold_chars(question)) if "\u4e00" <= ch <= "\u9fff"]
    return [
        *(1.0 if qtype is t else 0.0 for t in _QTYPES),
        verdict.coverage,
        float(len(verdict.missing)),
        float(missing_years(question, top)),
        1.0 if unit_missing(question, passages[:3]) else 0.0,
        1.0 if asks_live(question) else 0.0,
        confidence if confidence is not None else 0.0,
        1.0 if confidence is not None else 0.0,
        math.log1p(max(0.0, scores[0])),
        scores[1] / scores[0] if len(scores) > 1 and scores[0] > 0 else 0.0,
        float(len(query.weights)),
        phrase_share(query.text, fold_chars(top.text)),
        sentence_coverage(query, fold_chars(quote)),
        sum(ch in haystack for ch in q_chars) / max(1, len(q_chars)),
    ]
