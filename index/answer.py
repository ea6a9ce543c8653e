"""Answer extraction: the evidence sentence of a paragraph, and the typed answer span inside it.

``best_sentence(text, tokens)`` picks the sentence (or sentence pair) covering the query terms best, each
term weighted by its rarity among the paragraph's sentences. ``extract(question, qtype, text, sentence,
tokens)`` returns the character span of the answer — a quantity with its unit, a date, a person, a place, an
organisation or a title — preferring candidates inside the evidence sentence and close to the query terms,
and never one that the question itself contains. Traditional text works: matching runs on a same-length
folded copy.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from index.question import QuestionType, fold_chars, measure_word
from index.sentences import split_sentences

__all__ = ["answer_text", "best_sentence", "extract"]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pos: Any = None

MAX_ANSWER_CHARS = 20
TOPIC_CHARS = 12
TOPIC_WEIGHT = 0.2
PAIR_PENALTY = 0.25
TYPED_BONUS = 0.3


def _words(name: str) -> list[str]:
    """Read a word list from ``index/data`` (one a line, ``#`` comments), longest first, no duplicates."""
    lines = (resources.files("index") / "data" / name).read_text(encoding="utf-8").splitlines()
    words = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return sorted(words, key=lambda w: (-len(w), w))


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in words)


_UNITS = _words("answer_units.txt")
_TITLES = _words("answer_titles.txt")
_ORG_ENDS = tuple(_words("answer_org_suffixes.txt"))
_PLACE_ENDS = tuple(_words("answer_place_suffixes.txt"))

_CN = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?(?:\s?[十百千万亿]+)?|[零〇一二两三四五六七八九十][{_CN}]*)"
_APPROX = "近|约|逾|超过|将近|大约|不到|不足|接近"
_QUANTITY = re.compile(
    rf"(?:{_APPROX})?(?P<num>{_NUM})(?:\s?[余多来])?(?:\s?(?:至|到|~|-|—|－)\s?{_NUM}(?:[余多])?)?"
    rf"\s?(?P<unit>{_alt(_UNITS)})?(?:[余多])?|百分之[{_CN}点\d.]+|第[{_CN}\d]+(?:名|届|位|次|代|个)"
)
_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
_MONTH = rf"(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月(?:份)?(?:{_DAY})?(?:[上中下]旬)?"
_YEAR = r"(?:公元前?)?(?:\d{1,4}|[〇零一二三四五六七八九]{2,4})年(?:代)?"
_DATE_ONE = (
    rf"(?:{_YEAR}(?:{_MONTH})?|(?:去年|今年|前年|明年|当年|同年|上年)(?:{_MONTH})?|{_MONTH}|"
    rf"(?:上世纪|\d{{1,2}}世纪|[一二]?十?[一二三四五六七八九]?世纪)(?:\d{{2}}年代)?)(?:初|末|底|中叶|中期|初期|末期|左右|前后)?"
)
_DATE = re.compile(rf"{_DATE_ONE}(?:\s?(?:至|到|~|-|—|－)\s?{_DATE_ONE})?")
_TITLE = re.compile(rf"(?:常务副|副)?(?:{_alt(_TITLES)})")
_SAYS = "说|表示|介绍|指出|认为|称|告诉|坦言|回忆|强调|透露"
_NAME_AFTER_TITLE = re.compile(
    rf"(?:{_alt(_TITLES)})\s?([\u4e00-\u9fff]{{2,3}}?)(?={_SAYS}|[,，。、;；\s]|和|与|等|$)"
)
_CLAUSE_MARKS = frozenset("，,;；。!！?？:：")
_LOCATED = re.compile(
    r"(?:位于|坐落于|地处|出生于|生于|分布于|分布在|发源于|栖息于|总部设于|总部位于)([^,，。;；:：()（）]{2,20}?)(?=[,，。;；(（]|的|$)"
)
_FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·・•][\u4e00-\u9fff]{1,8})+")
_PERSON_TAGS = ("nr", "nrfg", "nrt")
_JOIN_TAGS = frozenset({"n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "vn", "b", "an", "f", "l"})
_EXTEND_TAGS: dict[QuestionType, frozenset[str]] = {
    QuestionType.ORG: _JOIN_TAGS,
    QuestionType.PLACE: frozenset({"ns", "nz", "j", "f"}),
}


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    prior: float


def _tagger() -> Any:
    """Return this process's jieba POS tagger (own ``jieba.Tokenizer``, created once)."""
    global _pos
    with _lock:
        if _pos is None:
            import jieba
            import jieba.posseg

            logging.getLogger("jieba").setLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _pos = jieba.posseg.POSTokenizer(tokenizer)
        return _pos


@lru_cache(maxsize=64)
def _tagged(folded: str) -> tuple[tuple[int, int, str], ...]:
    """Return ``(start, end, tag)`` of each jieba word of ``folded``."""
    out, pos = [], 0
    for pair in _tagger().cut(folded):
        out.append((pos, pos + len(pair.word), pair.flag))
        pos += len(pair.word)
    return tuple(out)


def _compact(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def _occurrences(folded: str, tokens: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Return where each query token occurs in ``folded``, ignoring whitespace (PDF line-wrap spaces)."""
    index = [i for i, ch in enumerate(folded) if not ch.isspace()]
    compact = "".join(folded[i] for i in index)
    found: dict[str, list[tuple[int, int]]] = {}
    taken: list[tuple[int, int]] = []
    for token in sorted({_compact(fold_chars(t)) for t in tokens}, key=len, reverse=True):
        start = compact.find(token) if token else -1
        while start >= 0:
            end = start + len(token)
            if not any(a <= start and end <= b for a, b in taken):  # 中药 inside 中药材 counts once
                taken.append((start, end))
                found.setdefault(token, []).append((index[start], index[end - 1] + 1))
            start = compact.find(token, start + 1)
    return found


def _weights(occ: dict[str, list[tuple[int, int]]], spans: Sequence[tuple[int, int]]) -> dict[str, float]:
    """Weight each found token by its rarity among the sentences; single characters and the topic count less.

    A term in the paragraph's opening names its topic: later sentences speak of it through pronouns or not at
    all, so it says little about which sentence holds the answer.
    """
    weights = {}
    for token, places in occ.items():
        df = sum(1 for s, e in spans if any(s <= a < e for a, _ in places))
        length = 0.5 if len(token) == 1 and not token.isdigit() else 1.0
        topic = TOPIC_WEIGHT if any(a < TOPIC_CHARS for a, _ in places) else 1.0
        weights[token] = length * topic * math.log(1.0 + len(spans) / max(df, 1))
    return weights


def _coverage(
    span: tuple[int, int], occ: dict[str, list[tuple[int, int]]], weights: dict[str, float]
) -> float:
    s, e = span
    return sum(w for t, w in weights.items() if any(s <= a and b <= e for a, b in occ[t]))


def best_sentence(
    text: str, query_tokens: Sequence[str], qtype: QuestionType | None = None
) -> tuple[int, int]:
    """Return the span of the sentence (or adjacent pair) of ``text`` that covers the query terms best."""
    spans = split_sentences(text)
    if not spans:
        return (0, len(text))
    folded = fold_chars(text)
    occ = _occurrences(folded, query_tokens)
    weights = _weights(occ, spans)
    total = sum(weights.values()) or 1.0
    typed = _candidates(qtype, folded) if qtype is not None else []
    best, best_score = spans[0], -1.0
    windows = [(s, 0.0) for s in spans] + [
        ((a[0], b[1]), PAIR_PENALTY * total) for a, b in itertools.pairwise(spans)
    ]
    for window, penalty in windows:
        score = _coverage(window, occ, weights) - penalty
        if typed and any(window[0] <= c.start and c.end <= window[1] for c in typed):
            score += TYPED_BONUS * total
        score -= 0.001 * (window[1] - window[0]) / 100
        if score > best_score:
            best, best_score = window, score
    return best


def _extend_left(folded: str, words: Sequence[tuple[int, int, str]], k: int, tags: frozenset[str]) -> int:
    """Return where a name ending with word ``k`` starts: extend over preceding name-like words."""
    start = words[k][0]
    j = k - 1
    while j >= 0 and words[k][1] - words[j][0] <= 16 and not folded[words[j][0]].isspace():
        if words[j][2] not in tags and not (words[j][2] == "m" and folded[words[j][0]] == "第"):
            break
        start = words[j][0]
        j -= 1
    return start


def _named(folded: str, qtype: QuestionType) -> list[_Candidate]:
    """Candidates for people, places and organisations from jieba POS tags and name endings."""
    words = _tagged(folded)
    out: list[_Candidate] = []
    for k, (s, e, tag) in enumerate(words):
        word = folded[s:e]
        if qtype is QuestionType.PERSON and tag in _PERSON_TAGS and len(word) >= 2:
            out.append(_Candidate(s, e, 1.0))
        elif qtype is QuestionType.PLACE and (tag == "ns" or (word.endswith(_PLACE_ENDS) and tag != "v")):
            start = _extend_left(folded, words, k, _EXTEND_TAGS[qtype])
            if e - start >= 2:
                out.append(_Candidate(start, e, 1.0 if tag == "ns" else 0.7))
        elif qtype is QuestionType.ORG and (tag == "nt" or word.endswith(_ORG_ENDS)):
            start = _extend_left(folded, words, k, _EXTEND_TAGS[qtype])
            if e - start > len(word) or (len(word) >= 4 and tag in ("nt", "nz", "n")):
                out.append(_Candidate(start, e, 1.0 if tag == "nt" else 0.8))
    if qtype is QuestionType.PLACE:
        for m in _LOCATED.finditer(folded):
            out.append(_Candidate(m.start(1), m.end(1), 1.2))
    if qtype is QuestionType.PERSON:
        for m in _FOREIGN_NAME.finditer(folded):
            out.append(_Candidate(m.start(), m.end(), 1.2))
        for m in _NAME_AFTER_TITLE.finditer(folded):
            out.append(_Candidate(m.start(1), m.end(1), 1.5))
        for m in re.finditer(rf"([\u4e00-\u9fff]{{2,3}}?)(?:{_SAYS})", folded):
            tags = {t for s, e, t in words if s < m.end(1) and e > m.start(1)}
            if tags & set(_PERSON_TAGS):
                out.append(_Candidate(m.start(1), m.end(1), 1.3))
    return out


def _quantities(folded: str) -> list[_Candidate]:
    out = []
    for m in _QUANTITY.finditer(folded):
        num, unit = m.group("num"), m.group("unit")
        after = folded[m.end() : m.end() + 2]
        if num is None:  # 百分之… or 第…名
            out.append(_Candidate(m.start(), m.end(), 0.8))
            continue
        if unit is None and not num[0].isdigit():
            continue
        if (unit == "年" and (len(num) == 4 or after[:1] in ("代", "月"))) or after[:1] in ("月", "日"):
            continue  # a date, not a quantity
        if not num[0].isdigit() and unit in ("分", "度", "号", "部", "门", "头"):
            continue  # 十分, 一度, 一部分…
        prior = 1.0 if num[0].isdigit() else 0.3 if num in ("一", "两") else 0.7
        out.append(_Candidate(m.start(), m.end(), prior if unit else prior - 0.4))
    return out


def _candidates(qtype: QuestionType | None, folded: str) -> list[_Candidate]:
    """Return every candidate answer of type ``qtype`` in ``folded`` (no filtering, no scoring)."""
    if qtype is QuestionType.QUANTITY:
        return _quantities(folded)
    if qtype is QuestionType.DATE:
        return [
            _Candidate(
                m.start(), m.end(), 1.0 if re.search(r"\d{3,4}年|月|世纪|年代|去年|今年", m.group()) else 0.2
            )
            for m in _DATE.finditer(folded)
        ]
    if qtype is QuestionType.TITLE:
        return [_Candidate(m.start(), m.end(), 1.0) for m in _TITLE.finditer(folded)]
    if qtype in (QuestionType.PERSON, QuestionType.PLACE, QuestionType.ORG):
        return _named(folded, qtype)
    return []


_KIND = re.compile(
    rf"(?:哪|什么)一?(?:个|所|家|座|些|间|位)?(学校|国家|城市|{_alt(_ORG_ENDS)}|{_alt(_PLACE_ENDS)}|{_alt(_TITLES)})"
)
_KIND_ENDS = {"学校": ("学", "校", "院", "园"), "国家": ("国",), "城市": ("市", "城")}


def _type_bonus(q: str, qtype: QuestionType, value: str, folded: str, end: int) -> float:
    """Reward a candidate of the asked kind: 几家 → …家, 哪个县 → …县, an organisation with a post."""
    if qtype is QuestionType.QUANTITY:
        units = measure_word(q)
        if units is None:
            return 0.0
        return 1.5 if re.search(rf"(?:{units})[余多]?$", value) else -1.0
    bonus = 0.5 if qtype is QuestionType.ORG and _TITLE.match(folded, end) else 0.0
    kind = _KIND.search(q)
    if kind and qtype in (QuestionType.PLACE, QuestionType.ORG, QuestionType.TITLE):
        noun = kind.group(1)
        bonus += 1.0 if value.endswith(_KIND_ENDS.get(noun, (noun,))) else 0.0
    return bonus


def _clause_marks(folded: str) -> list[int]:
    """Return how many clause marks (，；。…) precede each position, to count the marks between two places."""
    marks, count = [0], 0
    for ch in folded:
        count += ch in _CLAUSE_MARKS
        marks.append(count)
    return marks


def _proximity(
    cand: _Candidate, occ: dict[str, list[tuple[int, int]]], weights: dict[str, float], marks: list[int]
) -> float:
    """Weighted closeness (0…1) of the candidate to each query term's nearest occurrence, clause marks far."""
    total = sum(weights.values())
    if not total:
        return 0.0
    score = 0.0
    for token, places in occ.items():
        gaps = [
            cand.start - b + 8 * (marks[cand.start] - marks[b])
            if b <= cand.start
            else a - cand.end + 8 * (marks[a] - marks[cand.end])
            for a, b in places
            if b <= cand.start or a >= cand.end
        ]
        if gaps:
            score += weights[token] / (1.0 + min(gaps) / 3.0)
    return score / total


def extract(
    question: str,
    qtype: QuestionType,
    text: str,
    sentence: tuple[int, int],
    query_tokens: Sequence[str],
) -> tuple[int, int] | None:
    """Return the span in ``text`` of the typed answer to ``question``, or None when there is none."""
    folded = fold_chars(text)
    cands = [c for c in _candidates(qtype, folded) if 0 < c.end - c.start <= MAX_ANSWER_CHARS]
    if not cands:
        return None
    q = _compact(fold_chars(question))
    q_numbers = set(re.findall(r"\d+(?:\.\d+)?", q))
    occ = _occurrences(folded, query_tokens)
    weights = _weights(occ, split_sentences(text) or [(0, len(text))])
    marks = _clause_marks(folded)
    best: tuple[float, int, int] | None = None
    for cand in cands:
        value = _compact(folded[cand.start : cand.end])
        numbers = re.findall(r"\d+(?:\.\d+)?", value)
        if value in q or (numbers and all(n in q_numbers for n in numbers)):
            continue
        inside = sentence[0] <= cand.start and cand.end <= sentence[1]
        score = cand.prior + (2.0 if inside else 0.0) + 1.5 * _proximity(cand, occ, weights, marks)
        score += _type_bonus(q, qtype, value, folded, cand.end)
        if best is None or score > best[0]:
            best = (score, cand.start, cand.end)
    return None if best is None else (best[1], best[2])


def answer_text(text: str, span: tuple[int, int]) -> str:
    """Return the answer as it stands in ``text`` (an exact substring, outer whitespace stripped)."""
    return text[span[0] : span[1]].strip()
