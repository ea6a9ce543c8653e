"""Every span of a passage that could answer a question, whatever type the question seems to ask for.

The learned scorer (:mod:`index.reader.model`) decides between them; this module only proposes. Each span comes
with the generators that proposed it (``sources``) and their best prior: typed spans of every answer type
(quantities with units, dates, people, places, organisations, posts), and the question-specific ones — what a
person is (``褚靖是谁``), 《titles》, quoted names, names of the asked kind (哪所学校 → …中学), names ending with
the asked head noun (什么火箭 → …运载火箭), the phrase standing
where the question word stands, and lists for plural questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.reader.entities import TAGS, entities
from index.reader.kinds import (
    asked_head,
    asked_kind,
    asks_nickname,
    asks_several,
    asks_work,
    kind_names,
    listed,
    quoted_names,
    titled_works,
)
from index.reader.phrases import phrases
from index.reader.question import QuestionType, described, fold_chars, wh_split
from index.reader.spans import TITLE, Candidate, candidates, descriptions, names_person

__all__ = ["MAX_ANSWER_CHARS", "SOURCES", "TYPED", "Span", "gather"]

MAX_ANSWER_CHARS = 20
TYPED = (
    QuestionType.QUANTITY,
    QuestionType.DATE,
    QuestionType.PERSON,
    QuestionType.PLACE,
    QuestionType.ORG,
    QuestionType.TITLE,
)
#: Generator names, in the order of the feature bits.
SOURCES = (
    *(t.value for t in TYPED),
    "description",
    "work",
    "nickname",
    "kind",
    "head",
    "phrase",
    "listed",
    *(f"lac_{kind}" for kind in TAGS.values()),
)


@dataclass(frozen=True)
class Span:
    """A candidate answer: where it stands in the (folded) passage, who proposed it, the best prior given."""

    start: int
    end: int
    prior: float
    sources: frozenset[str]


def _compact(text: str) -> str:
    return "".join(text.split())  # str.split() splits at exactly the isspace() characters


def _proposals(question: str, folded: str) -> list[tuple[Candidate, str]]:
    out: list[tuple[Candidate, str]] = []
    for qtype in TYPED:
        out += [(c, qtype.value) for c in candidates(qtype, folded)]
    out += [(Candidate(s, e, 1.0), f"lac_{kind}") for s, e, kind in entities(folded)]
    subject = described(question)
    if subject is not None and names_person(subject):
        out += [(c, "description") for c in descriptions(folded, subject)]
    if asks_work(question):
        out += [(Candidate(s, e, 1.2), "work") for s, e in titled_works(folded)]
    if asks_nickname(question):
        out += [(Candidate(s, e, 1.2), "nickname") for s, e in quoted_names(folded)]
    kind = asked_kind(question)
    if kind is not None:
        out += [(c, "kind") for c in kind_names(folded, kind)]
    head = asked_head(question)
    if head is not None:
        out += [(c, "head") for c in kind_names(folded, head)]
    split = wh_split(question)
    if split is not None:
        out += [(c, "phrase") for c in phrases(folded, split[0], split[1], fold_chars(question))]
    if asks_several(question):
        out += [(c, "listed") for c in listed([c for c, _ in out], folded)]
    return out


#: A bracket naming who filed the report: ``本报北京7月11日电（记者赵成）``, ``（本报记者 张文豪、施钰）``,
#: ``（新华社北京8月2日电　记者郝薇薇）`` — its names wrote the passage, they are not in the news (记者协会 is).
_FILED_BY = re.compile(r"[（(][^（）()]{0,30}?(?:记者|通讯员)(?![协节站证团会])[^（）()]{1,40}[）)]")
#: A question about who reported: then the filing names are what it asks for.
_ASKS_REPORTER = re.compile(r"记者|作者|通讯员|撰稿|采写|执笔|署名|谁写|写的|谁报道|报道者")


def _filed_by(question: str, folded: str) -> list[tuple[int, int]]:
    """Where ``folded`` names who filed it, unless ``question`` asks for a reporter."""
    if _ASKS_REPORTER.search(question):
        return []
    return [m.span() for m in _FILED_BY.finditer(folded)]


_LEADING = frozenset("了的地得着过在于是为和与及并而把被将从向对由")
_CLOSING = frozenset("》」』”）)】〉’")
_OPENING = frozenset("《「『“（(【〈‘")
_TITLE_TAIL = re.compile(rf"(?:{TITLE.pattern})$")


def _trim(folded: str, start: int, end: int) -> tuple[int, int]:
    """A span without outer spaces, a closing mark it starts with (or an opening one it ends with), a leading
    particle (``了绫罗人民游乐园…``) or the last character of a post it was cut from (``任刘磊`` after 主任,
    ``理向铮`` after 总经理)."""
    while start < end and (folded[start].isspace() or folded[start] in _CLOSING):
        start += 1  # 《江苏省12345热线条例》于6月1日: the title's closing mark belongs to the title
    while end > start and (folded[end - 1].isspace() or folded[end - 1] in _OPENING):
        end -= 1
    if (end - start > 2 and folded[start] in _LEADING) or (
        end - start > 2 and _TITLE_TAIL.search(folded, max(0, start - 8), start + 1)
    ):
        start += 1
    return start, end


def gather(question: str, folded: str) -> list[Span]:
    """The candidate spans of ``folded`` (a ``fold_chars`` copy of the passage) for ``question``.

    Spans are 1–20 characters, hold a letter or digit, and are not words of the question itself (nor numbers
    that all come from it) nor the reporters a filing bracket names (unless the question asks who reported). One :class:`Span` per (start, end), with every generator that proposed it.
    """
    q = _compact(fold_chars(question))
    q_numbers = set(re.findall(r"\d+(?:\.\d+)?", q))
    subject = described(question)  # 陈蓉是谁: 陈蓉才 (a name that holds hers) is not who she is
    filed = _filed_by(question, folded)
    merged: dict[tuple[int, int], tuple[float, set[str]]] = {}
    for cand, source in _proposals(question, folded):
        start, end = _trim(folded, cand.start, cand.end)
        if not 0 < end - start <= MAX_ANSWER_CHARS or any(a <= start and end <= b for a, b in filed):
            continue
        value = _compact(folded[start:end])
        if not any(ch.isalnum() for ch in value) or value in q or (subject and subject in value):
            continue
        numbers = re.findall(r"\d+(?:\.\d+)?", value)
        if numbers and all(n in q_numbers for n in numbers):
            continue
        prior, sources = merged.get((start, end), (float("-inf"), set()))
        sources.add(source)
        merged[(start, end)] = (max(prior, cand.prior), sources)
    return [Span(s, e, p, frozenset(src)) for (s, e), (p, src) in sorted(merged.items())]
