"""What a question's head noun asks for: 哪所学校 → a school, 哪份文件 → a titled work, 怎么称呼 → a quoted name.

A question names the kind of its answer (``李妙洁之前在哪所学校任职``), and the answer is a name of that kind
that need not contain the noun (广州空港实验中学 is a school without 学校 in it). So for search the noun is
satisfied by any name ending of its kind (``Kind.ends``, from ``index/data/answer_kinds.txt``), and a passage
that merely says 学校 earns nothing for it; for extraction, names with those endings are the candidates.
Titled works (《…》) and quoted names (“陈哥”) are candidates of their own kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from index.reader.question import QuestionType, fold_chars, in_units, measure_word, wh_split
from index.reader.spans import (
    JOIN_TAGS,
    ORG_ENDS,
    PLACE_ENDS,
    TITLE,
    TITLES,
    Candidate,
    alternation,
    current_segmenter,
    extend_left,
    tagged,
    word_list,
)

__all__ = [
    "KIND_NOUN",
    "KIND_TYPES",
    "Kind",
    "asked_head",
    "asked_kind",
    "asks_nickname",
    "asks_several",
    "asks_work",
    "kind_names",
    "listed",
    "origin_bonus",
    "quoted_names",
    "titled_works",
    "type_bonus",
]

MAX_CHARS = 20  # an answer's longest form
NICKNAME_CHARS = 10


@dataclass(frozen=True)
class Kind:
    """The head noun of a which-question and the endings of names of that kind."""

    noun: str
    ends: tuple[str, ...]

    @property
    def search_ends(self) -> tuple[str, ...]:
        """Endings specific enough to stand for the noun in search (two characters or more)."""
        return tuple(e for e in self.ends if len(e) >= 2)


@cache
def _kinds() -> dict[str, tuple[str, ...]]:
    text = resources.files("index").joinpath("data", "answer_kinds.txt").read_text(encoding="utf-8")
    kinds = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            noun, ends = line.split("=", 1)
            kinds[noun.strip()] = tuple(sorted(set(ends.split()), key=len, reverse=True))
    return kinds


@cache
def _asked() -> re.Pattern[str]:
    nouns = "|".join(sorted(_kinds(), key=len, reverse=True))
    return re.compile(rf"(?:哪|什么|何)[一两二三四五六七八九几]?(?:个|所|家|座|些|间|位|类|种)?({nouns})")


_WORK = re.compile(
    r"(?:(?:哪|什么|何)一?(?:个|项|种)?|哪一?(?:份|本|部|篇|首)(?:[^,，。;；?？]{1,12}?的)?)"
    r"(?:文件|书|著作|作品|电影|影片|电视剧|小说|报告|意见|规定|办法|通知|条例|法规|法律|政策|文章|节目|歌曲|专辑|"
    r"诗|刊物|杂志|报纸|方案|纲要|规划|决定|指导意见)(?=$|[?？,，。!！]|是|呢|里|中|上|内|吗)"
)
_NICKNAME = re.compile(
    r"(?:怎么|如何|什么)称呼|(?:外号|绰号|昵称|雅号|美称|爱称)(?:是|叫)?(?:什么|啥)|管(?:她|他|它)叫(?:什么|啥)"
)
_TITLED = re.compile(r"《([^《》\n]{1,40})》")
_QUOTED = re.compile(rf"[“\"「『]([^“”\"「」『』,，。;；!！?？\n]{{1,{NICKNAME_CHARS}}})[”\"」』]")


@lru_cache(maxsize=1024)
def asked_kind(question: str) -> Kind | None:
    """The kind a which-question asks for (``哪所学校`` → 学校 with 中学, 小学, 大学…), or None."""
    match = _asked().search(fold_chars("".join(question.split())))
    if match is None:
        return None
    noun = match.group(1)
    return Kind(noun, _kinds()[noun])


#: The question word before a head noun: ``坐什么火箭``, ``哪座桥``, ``何种材料`` (not ``为什么``; a bare 哪 asks
#: 哪年, 哪天, 在哪: no noun).
_HEAD_WH = re.compile(r"(?<!为)(?:什么|啥|何种|哪一?[个所家座些间位种类款项支部台艘架辆条只名场届])")
#: Nouns after 什么 whose answers do not end with them: ``什么时候`` is a date, ``什么意思`` a phrase.
_GENERIC_HEADS = frozenset(word_list("generic_heads.txt"))
#: One-character words after a question word that are no noun: ``什么是``, ``什么都``, ``是干什么的``.
_NOT_NOUNS = frozenset("是叫样都也有会能要让使把被在的呢吗了啊呀么时地人事个种类些又还就")
#: A word starting so is a verb phrase or a preposition's: ``以什么为食``, ``由什么组成``, ``什么不同``.
_FUNCTION_START = frozenset("为由来不被把将对与和从向在于以是的了着过也都就还而又可")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


def _word_spans(q: str) -> list[tuple[int, int]]:
    """Where the segmenter's words of ``q`` stand in it (the question is cut for search anyway: no POS tagger,
    whose tables would cost a cold ``ask`` 0.3 s)."""
    out, pos = [], 0
    for word in current_segmenter().words(q):
        at = q.find(word, pos)
        if at >= 0:
            out.append((at, at + len(word)))
            pos = at + len(word)
    return out


@lru_cache(maxsize=1024)
def asked_head(question: str) -> Kind | None:
    """The head noun of what a question asks for, when its answer should end with it: ``雄安一号坐什么火箭上天`` →
    火箭 (…运载火箭), ``金正恩看篮球赛的体育馆`` → 体育馆 (柳京郑周永体育馆). The word right after 什么/哪个…, or a
    question's final word after 的 when it has no such word. Generic nouns (``什么时候``, ``什么意思``), posts
    (``…的团长`` asks for a person) and the kinds :func:`asked_kind` knows name none here."""
    q = fold_chars("".join(question.split())).rstrip("?？!！。.")
    words = _word_spans(q)
    head = None
    match = _HEAD_WH.search(q)
    if match is not None:
        head = next((q[s:e] for s, e in words if s == match.end()), None)
    elif (
        wh_split(q) is None
        and len(words) >= 2
        and q[words[-2][0] : words[-2][1]] == "的"
        and words[-1][1] == len(q)
        and words[-1][1] - words[-1][0] >= 2
    ):
        head = q[words[-1][0] : words[-1][1]]
    if (
        head is None
        or not _CJK_WORD.fullmatch(head)
        or head in _NOT_NOUNS
        or head[0] in _FUNCTION_START
        or head in _GENERIC_HEADS
        or head.endswith(tuple(TITLES))
        or asked_kind(question) is not None
    ):
        return None
    return Kind(head, (head,))


@lru_cache(maxsize=1024)
def asks_work(question: str) -> bool:
    """True when the question asks for a document, book or work by its title (``印发了哪份文件``)."""
    return _WORK.search(fold_chars(question)) is not None


@lru_cache(maxsize=1024)
def asks_nickname(question: str) -> bool:
    """True when the question asks what someone or something is called (``战友们怎么称呼陈蓉``)."""
    return _NICKNAME.search(fold_chars(question)) is not None


def titled_works(folded: str) -> list[tuple[int, int]]:
    """Spans of 《titles》: with the marks when that fits an answer, else the title alone."""
    spans = []
    for m in _TITLED.finditer(folded):
        spans.append((m.start(), m.end()) if m.end() - m.start() <= MAX_CHARS else (m.start(1), m.end(1)))
    return spans


def quoted_names(folded: str) -> list[tuple[int, int]]:
    """Spans of short quoted names (“陈哥”), without the quotation marks."""
    return [(m.start(1), m.end(1)) for m in _QUOTED.finditer(folded)]


def kind_names(folded: str, kind: Kind) -> list[Candidate]:
    """Names of ``kind`` in ``folded``: words ending like one (…中学, …内科), extended over name-like words
    before them, and longer than the bare ending (学校 alone names no school)."""
    words = tagged(folded)
    out = []
    for k, (s, e, tag) in enumerate(words):
        word = folded[s:e]
        if tag.startswith("v") or not word.endswith(kind.ends):
            continue
        start = extend_left(folded, words, k, JOIN_TAGS)
        if e - start > len(word) or (len(word) >= 3 and word not in kind.ends and word != kind.noun):
            out.append(Candidate(start, e, 0.9))
            # shorter forms too, in case the full one runs too long (黔南布依族苗族自治州罗甸县边阳中学 → 边阳中学)
            for j in range(k - 1, -1, -1):
                if words[j][0] <= start or e - words[j][0] > MAX_CHARS:
                    break
                out.append(Candidate(words[j][0], e, 0.85))
    return out


_PAST = re.compile(r"之前|以前|此前|原来|原先|原本|早先|曾经|曾在|曾任|来自|从哪")
_ARRIVES = re.compile(
    r"[^,，。;；!！?？]{0,12}?(?:来到|调到|调任|调入|赶赴|奔赴|前往|抵达|到达|派驻|挂职|援派|驰援)"
)
_ARRIVED = re.compile(r"(?:来到|调到|调入|赶赴|奔赴|前往|抵达|到达|派驻|挂职于?|驰援)$")
ORIGIN_BONUS = 1.5


def origin_bonus(question: str, folded: str, start: int, end: int) -> float:
    """For ``…之前在哪所学校任职`` / ``来自哪家医院``: a name told as where someone came from (``广州空港实验中学
    副校长李妙洁来到边阳中学``) is the answer; the place they came to is not."""
    if _PAST.search(question) is None:
        return 0.0
    if _ARRIVED.search(folded, max(0, start - 4), start):
        return -ORIGIN_BONUS
    return ORIGIN_BONUS if _ARRIVES.match(folded, end) else 0.0


KIND_TYPES = (QuestionType.ORG, QuestionType.PLACE, QuestionType.OTHER)
KIND_NOUN = re.compile(
    rf"(?:哪|什么)一?(?:个|所|家|座|些|间|位)?(学校|国家|城市|{alternation(ORG_ENDS)}|{alternation(PLACE_ENDS)}|{alternation(TITLES)})"
)
_NOUN_ENDS = {"国家": ("国",), "城市": ("市", "城")}  # 学校 and the other kinds: answer_kinds.txt


def type_bonus(q: str, qtype: QuestionType, value: str, folded: str, end: int) -> float:
    """Reward a candidate of the asked kind: 几家 → …家, 哪个县 → …县, an organisation with a post."""
    if qtype is QuestionType.QUANTITY:
        units = measure_word(q)
        if units is None:
            return 0.0
        return 1.5 if in_units(value, units) else -1.0
    bonus = 0.5 if qtype is QuestionType.ORG and TITLE.match(folded, end) else 0.0
    asked = asked_kind(q)
    if asked is not None and qtype in KIND_TYPES:
        return bonus + (1.0 if value.endswith(asked.ends) else 0.0)
    kind = KIND_NOUN.search(q)
    if kind and qtype in (QuestionType.PLACE, QuestionType.ORG, QuestionType.TITLE):
        noun = kind.group(1)
        bonus += 1.0 if value.endswith(_NOUN_ENDS.get(noun, (noun,))) else 0.0
    return bonus


_PLURAL = re.compile(r"哪[两二三四五六七八九几]|哪些|分别是")
_LIST_MARK = re.compile(r"\s?[、和与及]\s?")


@lru_cache(maxsize=1024)
def asks_several(question: str) -> bool:
    """True when the question asks for more than one thing of a kind (``哪两个部门``, ``哪些``)."""
    return _PLURAL.search(fold_chars(question)) is not None


def listed(cands: list[Candidate], folded: str) -> list[Candidate]:
    """Candidates written as a list (``中共中央办公厅、国务院办公厅``) joined into one, for plural questions."""
    by_start = {c.start: c for c in cands}
    out = []
    for first in cands:
        end, count = first.end, 1
        while (mark := _LIST_MARK.match(folded, end)) is not None and (
            nxt := by_start.get(mark.end())
        ) is not None:
            end, count = nxt.end, count + 1
            out.append(Candidate(first.start, end, first.prior + 0.2 * count))
    return out
