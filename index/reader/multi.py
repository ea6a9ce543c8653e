"""Questions that ask two things, split into two questions that each ask one.

Three shapes are recognised (anything else is one question):

- two things joined, asked about together: ``剑河县中药材种植面积和品种分别是多少`` →
  ``剑河县中药材种植面积是多少`` + ``剑河县中药材种植品种是多少`` (the last word before 和 is what the second
  thing replaces);
- two clauses with a question each: ``科技特派团哪年来到剑河县，由多少人组成`` → ``科技特派团哪年来到剑河县`` +
  ``科技特派团由多少人组成`` (a clause without its own subject borrows the first one's);
- two question words asking different types in one clause: ``陈蓉哪一年担任什么职务`` → ``陈蓉哪一年担任职务`` +
  ``陈蓉担任什么职务``. Two question words of one type (``哪年几月``) ask one thing.

Usage::

    split_question("剑河县中药材种植面积和品种分别是多少", segmenter.words)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from index.reader.question import QuestionType, classify, fold_chars
from index.reader.quotes import quote_around
from index.result import Hit, Part, Result

__all__ = ["combine", "split_question"]

MAX_CHARS = 60  # longer input is not split: it is rarely a two-part question
_TYPED = frozenset(
    {
        QuestionType.QUANTITY,
        QuestionType.DATE,
        QuestionType.PERSON,
        QuestionType.PLACE,
        QuestionType.ORG,
        QuestionType.TITLE,
    }
)
_AND = "和|与|及|以及|跟|、"
_JOINED = re.compile(
    rf"^(?P<left>[^,，;；]+?)(?:{_AND})(?P<right>[^,，;；和与及、]{{1,12}}?)(?:分别|各自|各)(?P<tail>[^,，;；]+)$"
)
_CLAUSES = re.compile(r"[,，;；]\s*(?:还有|以及|并且|另外|同时|而且|那么|又)?")
#: Question words. 几 asks only at the end of its clause (有几个); elsewhere it is "a few" (每隔几天, 几内亚 a name).
_WH = re.compile(
    r"什么时候|啥时候|什么|哪[一]?[个年天月家所位里儿些种国]?|谁|几[月号日点年个名家人位次]?(?=$|[,，;；]|呢|吗)|"
    r"多少|何时|何地|啥"
)
_PRONOUN = re.compile(r"^(?:他|她|它|其)(?!们)")
SHORT_CLAUSE = 8  # a clause this short asks about the first clause's subject
_BORROWS = re.compile(r"^(?:是|有|在|由|从|为|被|共|一共|总共|叫|担任|来到|到|获|得|用|花|投入|建|建成|占)")


def _trim(text: str) -> str:
    return re.sub(r"[?？!！。.\s]+$", "", text)


def _typed(question: str) -> bool:
    return classify(question) in _TYPED


def _joined(q: str, cut: Callable[[str], list[str]]) -> tuple[str, str] | None:
    match = _JOINED.match(q)
    if match is None or not _WH.search(match.group("tail")):
        return None
    left, right, tail = match.group("left"), match.group("right"), match.group("tail")
    words = cut(left)
    if not words or len(words[-1]) < 2 or not left.endswith(words[-1]):
        return None  # 1973年和1978年分别…: no word for the second thing to replace
    prefix = left[: len(left) - len(words[-1])]
    return left + tail, prefix + right + tail


def _clauses(q: str, cut: Callable[[str], list[str]]) -> tuple[str, str] | None:
    parts = [p for p in _CLAUSES.split(q) if p]
    if len(parts) != 2 or not all(_WH.search(p) and _typed(p) for p in parts):
        return None
    first, second = parts
    wh = _WH.search(first)
    subject = re.sub(r"(?:是|在|于|的|有)$", "", first[: wh.start()] if wh is not None else "")
    if _PRONOUN.match(second):  # 褚靖是谁，他在正安县担任什么职务
        second = subject + second[1:]
    elif _WH.match(second) or _BORROWS.match(second):  # …哪年来到剑河县，由多少人组成
        second = subject + second
    elif len(second) <= SHORT_CLAUSE and subject:  # …种植面积是多少，品种有多少个: 品种 of the same 中药材
        words = cut(subject)
        if len(words) > 1 and subject.endswith(words[-1]):
            second = subject[: len(subject) - len(words[-1])] + second
    return first, second


def _two_question_words(q: str) -> tuple[str, str] | None:
    found = list(_WH.finditer(q))
    if len(found) != 2:
        return None
    a, b = found
    without_b = q[: b.start()] + q[b.end() :]
    without_a = q[: a.start()] + q[a.end() :]
    ta, tb = classify(without_b), classify(without_a)
    if ta not in _TYPED or tb not in _TYPED or ta is tb:
        return None
    return without_b, without_a


def split_question(question: str, cut: Callable[[str], list[str]]) -> tuple[str, str] | None:
    """The two questions ``question`` asks, or None when it asks one thing (``cut`` segments a phrase)."""
    q = _trim("".join(fold_chars(question).split()))
    if not q or len(q) > MAX_CHARS:
        return None
    for split in (_joined(q, cut), _clauses(q, cut), _two_question_words(q)):
        if split is not None and all(split) and split[0] != split[1]:
            return split
    return None


MAX_ANSWER_CHARS = 20
JOINER = "；"


def combine(question: str, parts: Sequence[Result], k: int) -> Result:
    """One result for a two-part question: the first part's passages, with the passage answering the second
    part second (or its answer marked in a passage already shown), and both answers.

    ``answer`` joins the answers with ``；`` when that fits the short-answer limit, else it is the first found;
    ``parts`` keeps each part's own question, answer and passage rank.
    """
    answered = [p for p in parts if not p.abstained and p.hits]
    base = answered[0] if answered else parts[0]
    hits = [replace(h) for h in base.hits]
    terms = list(dict.fromkeys(t for p in parts for t in p.terms))
    result = Result(question, None, not answered, 0.0, hits, base.qtype, terms, answer_from=base.answer_from)
    placed: list[tuple[Result, Hit | None]] = []
    for part in parts:
        hit = None
        if part in answered and part.answer is not None:
            hit = hits[0] if part is base else _place(hits, part.hits[0], k)
        placed.append((part, hit))
    for rank, hit in enumerate(hits, start=1):
        hit.rank = rank
    result.parts = [Part(p.question, p.answer, h.rank if h is not None else None) for p, h in placed]
    answers = list(dict.fromkeys(p.answer for p in parts if p.answer))
    joined = JOINER.join(answers)
    result.answer = (
        joined if answers and len(joined) <= MAX_ANSWER_CHARS else (answers[0] if answers else None)
    )
    confidences = [p.answer_confidence for p in parts if p.answer and p.answer_confidence is not None]
    result.answer_confidence = min(confidences) if confidences else None  # both must be right
    return result


def _place(hits: list[Hit], answering: Hit, k: int) -> Hit | None:
    """Show ``answering`` (a part's answer passage) second — or mark its answer in the same passage shown."""
    for hit in hits:
        if hit.passage.id != answering.passage.id:
            continue
        if answering.answer_span is None:
            return hit
        if hit is hits[0]:
            quote = quote_around(hit.passage.text, hit.quote_span, answering.answer_span)
            if quote is None:
                return None  # too far from the quote to mark: the answer line still gives it
            hit.quote_span = quote
            if hit.answer_span is None:
                hit.answer_span = answering.answer_span
            elif answering.answer_span != hit.answer_span:
                hit.also = (*hit.also, answering.answer_span)
            return hit
        hits.remove(hit)
        break
    shown = replace(answering)
    hits.insert(min(1, len(hits)), shown)
    del hits[max(k, 2) :]
    return shown
