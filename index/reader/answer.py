"""Answer extraction: the evidence sentence of a paragraph, and the typed answer span inside it.

``best_sentence(text, tokens)`` picks the sentence (or sentence pair) covering the query terms best, each
term weighted by its rarity among the paragraph's sentences. ``extract(question, qtype, text, sentence,
tokens)`` returns the span the learned reader (:mod:`index.reader`) rates best in one passage. The term
occurrences, weights, clause marks and proximity here are what the reader's features measure with.
Traditional text works: matching runs on a same-length folded copy.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
from collections.abc import Sequence
from functools import lru_cache

from index.reader.kinds import (
    KIND_TYPES,
    asked_kind,
    asks_nickname,
    asks_work,
    kind_names,
    quoted_names,
    titled_works,
)
from index.reader.phrases import phrases
from index.reader.question import QuestionType, described, fold_chars, in_units, measure_word, wh_split
from index.reader.sentences import quote_sentences
from index.reader.spans import (
    Candidate,
    candidates,
    descriptions,
    names_person,
)

__all__ = ["answer_text", "asks_a_span", "best_sentence", "extract"]

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 20
TOPIC_CHARS = 12
TOPIC_WEIGHT = 0.2
PAIR_PENALTY = 0.25
TYPED_BONUS = 0.3
SHARED_WEIGHT = 0.2  # rare question bigrams in the sentence
RUN_WEIGHT = 0.5  # longest runs shared with the words around the question word
ANSWER_WEIGHT = 0.2  # a candidate answer in the sentence
LEAD_WEIGHT = 0.2  # the opening sentence, when the question's subject is the passage's topic
RUN_CHARS = 6
ANCHORED_PRIOR = 0.55  # phrases() found after an anchor from the question
MAX_WINDOW_CHARS = 4000  # a longer paragraph is searched for its sentence and answer only around the match
MAX_SENTENCES = 48  # ... over at most this many sentences


_CLAUSE_MARKS = frozenset("，,、;；。!！?？:：")  # 、 too: each item of an enumeration is its own clause


def _compact(text: str) -> str:
    return "".join(text.split())  # str.split() splits at exactly the isspace() characters


def _occurrences(folded: str, tokens: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Return where each query token occurs in ``folded``, ignoring whitespace (PDF line-wrap spaces).

    See :func:`_occurrences_of`; remembered, since a passage is read several times for one question.
    """
    return {token: list(places) for token, places in _occurrences_of(folded, tuple(tokens)).items()}


@lru_cache(maxsize=4096)
def _occurrences_of(folded: str, tokens: tuple[str, ...]) -> dict[str, tuple[tuple[int, int], ...]]:
    """Where each query token occurs in ``folded``, ignoring whitespace.

    Longer tokens first; an occurrence inside one already taken counts once (中药 inside 中药材). Linear in
    the occurrences: ``reach[i]`` is the furthest end of a taken occurrence starting at or before ``i``,
    rebuilt once per token (an occurrence of a token never lies inside another of the same token).
    Each list is in text order.
    """
    compact = _compact(folded)
    index: Sequence[int] = (
        range(len(folded))
        if len(compact) == len(folded)
        else [i for i, ch in enumerate(folded) if not ch.isspace()]
    )
    found: dict[str, list[tuple[int, int]]] = {}
    ends = [0] * (len(compact) + 1)  # ends[start] = the end of the longest taken occurrence at start
    for token in sorted({_compact(fold_chars(t)) for t in tokens}, key=len, reverse=True):
        if not token or token not in compact:
            continue
        reach = list(itertools.accumulate(ends, max))
        start = compact.find(token)
        while start >= 0:
            end = start + len(token)
            if reach[start] < end:
                ends[start] = max(ends[start], end)
                found.setdefault(token, []).append((index[start], index[end - 1] + 1))
            start = compact.find(token, start + 1)
    return {token: tuple(places) for token, places in found.items()}


def _first_at(places: list[tuple[int, int]], start: int) -> int:
    """Index in ``places`` (sorted) of the first occurrence starting at or after ``start``."""
    return bisect.bisect_left(places, (start, -1))


def _weights(occ: dict[str, list[tuple[int, int]]], spans: Sequence[tuple[int, int]]) -> dict[str, float]:
    """Weight each found token by its rarity among the sentences; single characters and the topic count less.

    A term in the paragraph's opening names its topic: later sentences speak of it through pronouns or not at
    all, so it says little about which sentence holds the answer.
    """
    weights = {}
    for token, places in occ.items():
        df = sum(1 for s, e in spans if (i := _first_at(places, s)) < len(places) and places[i][0] < e)
        length = 0.5 if len(token) == 1 and not token.isdigit() else 1.0
        topic = TOPIC_WEIGHT if any(a < TOPIC_CHARS for a, _ in places) else 1.0
        weights[token] = length * topic * math.log(1.0 + len(spans) / max(df, 1))
    return weights


def _coverage(
    span: tuple[int, int], occ: dict[str, list[tuple[int, int]]], weights: dict[str, float]
) -> float:
    s, e = span
    total = 0.0
    for t, w in weights.items():  # ends grow with starts: the first occurrence from s ends first
        places = occ[t]
        i = _first_at(places, s)
        total += w if i < len(places) and places[i][1] <= e else 0.0
    return total


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if text[i].isalnum() and text[i + 1].isalnum()}


def _longest_common(a: str, b: str) -> int:
    """Length of the longest substring of ``a`` (the question side, short) found in ``b``."""
    best = 0
    for i in range(len(a)):
        k = best + 1
        while i + k <= len(a) and a[i : i + k] in b:
            best, k = k, k + 1
    return best


def _alignment(
    question: str, folded: str, spans: Sequence[tuple[int, int]], typed: list[Candidate]
) -> list[float]:
    """How well each sentence aligns with ``question`` (0…1): the rare question bigrams it shares, the longest
    runs it shares with the words just before and just after the question word, and a candidate answer in it.
    """
    q = _compact(fold_chars(question))
    split = wh_split(question)
    before, after = split if split is not None else (q, "")
    grams = _bigrams(before) | _bigrams(after)
    if split is not None:  # 气炉以什么为燃料: the phrase after 以, up to 为燃料, is a candidate answer
        typed = typed + [c for c in phrases(folded, before, after, q) if c.prior >= ANCHORED_PRIOR]
    sentences = [_compact(folded[s:e]) for s, e in spans]
    idf = {g: math.log(1.0 + len(spans) / df) for g in grams if (df := sum(g in s for s in sentences))}
    total = sum(idf.values()) or 1.0
    scores = []
    for (s, e), sentence in zip(spans, sentences, strict=True):
        shared = sum(w for g, w in idf.items() if g in sentence) / total
        runs = _longest_common(before[-RUN_CHARS:], sentence) + _longest_common(after[:RUN_CHARS], sentence)
        has = any(s <= c.start and c.end <= e for c in typed)
        scores.append(SHARED_WEIGHT * shared + RUN_WEIGHT * runs / (2 * RUN_CHARS) + ANSWER_WEIGHT * has)
    return scores


def _typed(question: str | None, qtype: QuestionType | None, folded: str) -> list[Candidate]:
    """Candidate answers: what the passage says a person is, for ``褚靖是谁``; else the typed spans."""
    if question is not None:
        subject = described(question)
        if subject is not None and names_person(subject):
            found = descriptions(folded, subject)
            if found:
                return found
        special = titled_works(folded) if asks_work(question) else []
        special += quoted_names(folded) if asks_nickname(question) else []
        if special:  # phrases stay candidates too: 绰号是什么 is not always answered in quotes
            split = wh_split(question) if qtype is QuestionType.OTHER else None
            extra = phrases(folded, split[0], split[1], fold_chars(question)) if split is not None else []
            return [Candidate(s, e, 1.2) for s, e in special] + extra
        kind = asked_kind(question)
        if kind is not None and qtype in KIND_TYPES:
            return kind_names(folded, kind) + (candidates(qtype, folded) if qtype is not None else [])
    return candidates(qtype, folded) if qtype is not None else []


def _window(text: str, query_tokens: Sequence[str]) -> tuple[int, int] | None:
    """The part of a long ``text`` (over :data:`MAX_WINDOW_CHARS`) worth choosing a sentence from, or None.

    Sentences around the one holding the most query terms, up to :data:`MAX_SENTENCES` and
    :data:`MAX_WINDOW_CHARS`; one sentence longer than that is cut around its first query term.
    """
    if len(text) <= MAX_WINDOW_CHARS:
        return None
    spans = quote_sentences(text) or [(0, len(text))]
    occ = _occurrences(fold_chars(text), query_tokens)
    held = [
        sum(1 for places in occ.values() if (i := _first_at(places, s)) < len(places) and places[i][0] < e)
        for s, e in spans
    ]
    best = held.index(max(held))
    lo = hi = best
    while hi - lo + 1 < MAX_SENTENCES:
        grew = False
        for j in (hi + 1, lo - 1):
            if (
                0 <= j < len(spans)
                and max(spans[hi][1], spans[j][1]) - min(spans[lo][0], spans[j][0]) <= MAX_WINDOW_CHARS
            ):
                lo, hi, grew = min(lo, j), max(hi, j), True
        if not grew:
            break
    start, end = spans[lo][0], spans[hi][1]
    if end - start > MAX_WINDOW_CHARS:  # one sentence longer than the window: cut around its rarest term
        inside = [[p for p in places if start <= p[0] < end] for places in occ.values()]
        rarest = min((places for places in inside if places), key=len, default=[(start, start)])
        start = max(start, rarest[0][0] - MAX_WINDOW_CHARS // 4)
        end = min(end, start + MAX_WINDOW_CHARS)
    return start, end


def best_sentence(
    text: str,
    query_tokens: Sequence[str],
    qtype: QuestionType | None = None,
    *,
    question: str | None = None,
) -> tuple[int, int]:
    """Return the span of the sentence (or adjacent pair) of ``text`` that covers the query terms best.

    With ``question``, sentences that align with the question's own wording score higher too. A long text
    is looked at only around its best-matching sentence (:func:`_window`), so the work is bounded.
    """
    window = _window(text, query_tokens)
    if window is not None:
        lo, hi = window
        s, e = _best_sentence(text[lo:hi], query_tokens, qtype, question)
        return (lo + s, lo + e)
    return _best_sentence(text, query_tokens, qtype, question)


def _best_sentence(
    text: str, query_tokens: Sequence[str], qtype: QuestionType | None, question: str | None
) -> tuple[int, int]:
    spans = quote_sentences(text)
    if not spans:
        return (0, len(text))
    folded = fold_chars(text)
    occ = _occurrences(folded, query_tokens)
    weights = _weights(occ, spans)
    total = sum(weights.values()) or 1.0
    typed = _typed(question, qtype, folded)
    units = measure_word(question) if question is not None and qtype is QuestionType.QUANTITY else None
    if units is not None:  # 几等奖: only a quantity in that unit makes a sentence hold the answer
        typed = [c for c in typed if in_units(_compact(folded[c.start : c.end]), units)]
    align = [0.0] * len(spans) if question is None else _alignment(question, folded, spans, typed)
    lead = question is not None and any(a < TOPIC_CHARS for places in occ.values() for a, _ in places)
    best, best_score = spans[0], -1.0
    windows = [(s, 0.0, a) for s, a in zip(spans, align, strict=True)] + [
        ((a[0], b[1]), PAIR_PENALTY * total, max(x, y))
        for (a, b), (x, y) in zip(itertools.pairwise(spans), itertools.pairwise(align), strict=True)
    ]
    for window, penalty, aligned in windows:
        score = _coverage(window, occ, weights) - penalty + aligned * total
        if lead and window[0] == spans[0][0]:
            score += LEAD_WEIGHT * total
        if typed and any(window[0] <= c.start and c.end <= window[1] for c in typed):
            score += TYPED_BONUS * total
        score -= 0.001 * (window[1] - window[0]) / 100
        if score > best_score:
            best, best_score = window, score
    return best


def _clause_marks(folded: str) -> list[int]:
    """Return how many clause marks (，；。…) precede each position, to count the marks between two places."""
    marks, count = [0], 0
    for ch in folded:
        count += ch in _CLAUSE_MARKS
        marks.append(count)
    return marks


def _proximity(
    cand: Candidate, occ: dict[str, list[tuple[int, int]]], weights: dict[str, float], marks: list[int]
) -> float:
    """Weighted closeness (0…1) of the candidate to each query term's nearest occurrence, clause marks far."""
    total = sum(weights.values())
    if not total:
        return 0.0
    score = 0.0
    for token, places in occ.items():
        # the gap shrinks as an occurrence nears the candidate: only the nearest on each side counts
        gaps = []
        before = bisect.bisect_right(places, cand.start, key=lambda p: p[1]) - 1
        if before >= 0:
            b = places[before][1]
            gaps.append(cand.start - b + 8 * (marks[cand.start] - marks[b]))
        after = _first_at(places, cand.end)
        if after < len(places):
            a = places[after][0]
            gaps.append(a - cand.end + 8 * (marks[a] - marks[cand.end]))
        if gaps:
            score += weights[token] / (1.0 + min(gaps) / 3.0)
    return score / total


def asks_a_span(question: str, qtype: QuestionType) -> bool:
    """Whether a short answer can answer the question: not a yes/no question (是/否 is no span of the
    article), nor one that names neither a type nor a question word (``新馆的展厅怎么样`` asks an opinion)."""
    if qtype is QuestionType.YESNO:
        return False
    return qtype is not QuestionType.OTHER or wh_split(question) is not None


def extract(
    question: str,
    qtype: QuestionType,
    text: str,
    sentence: tuple[int, int],
    query_tokens: Sequence[str],
) -> tuple[int, int] | None:
    """The span in ``text`` of the answer the reader (:mod:`index.reader`) rates best for ``question``, with
    ``sentence`` as the passage's quote; None when the passage holds no candidate. No threshold applies here:
    the search path decides whether an answer is shown."""
    from index.reader import PassageView, QuestionView, read

    if not asks_a_span(question, qtype):
        return None

    asked = QuestionView(question, qtype, list(query_tokens))
    lo = 0
    if len(text) > MAX_WINDOW_CHARS:  # bounded work: a long text is read around its sentence only
        lo = max(0, min(sentence[0] - MAX_WINDOW_CHARS // 4, len(text) - MAX_WINDOW_CHARS))
        text = text[lo : lo + MAX_WINDOW_CHARS]
        sentence = (max(sentence[0] - lo, 0), min(sentence[1] - lo, len(text)))
    reading = read([PassageView(text, 1, 1.0, 1.0, sentence, asked, lo)])
    return None if reading is None else (reading.span[0] + lo, reading.span[1] + lo)


def answer_text(text: str, span: tuple[int, int]) -> str:
    """Return the answer as it stands in ``text`` (an exact substring, outer whitespace stripped)."""
    return text[span[0] : span[1]].strip()
