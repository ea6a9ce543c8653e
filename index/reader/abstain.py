"""Abstention: is the best passage relevant enough to quote, or do we say 没有找到?

The signal is the question's rarity-weighted word coverage (:meth:`index.rerank.Query.coverage`) over the
passage and its article header. Content words only — cross-word bigrams such as 个公 or 司合 say nothing about
relevance — and a name jieba did not know (潘淑是) still counts by its bigrams. :data:`MIN_COVERAGE` is set on
data (README "Abstention"): answerable questions are CMRC, DRCD and the seed questions against their own
articles; unanswerable ones are each set's questions against another set's articles, and off-topic questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.store import Passage
from index.normalize import fold
from index.rerank import Query

__all__ = [
    "LIVE",
    "MIN_COVERAGE",
    "SMALL_TALK",
    "YEAR",
    "Relevance",
    "asks_live",
    "off_year",
    "other_year",
    "passage_haystack",
    "place_missing",
    "relevance",
]

#: Least weighted share of the question's words the best passage and its header must contain.
MIN_COVERAGE = 0.55
#: A place or an institution named in the question must itself be in the passage or its header: a quote about
#: 剑河县 does not answer a question about 正安县, however many other words they share.
NAMED = re.compile(
    r"([\u4e00-\u9fff]{2,12}?)(地区|省|市|县|区|州|镇|乡|村|医院|大学|学院|中学|小学|学校|公司|集团|银行|委员会)"
)
#: A river, lake or mountain the question names (汉江, 洞庭湖, 泰山) must be in the passage as named: the short
#: stem alone (汉) says nothing, and 嘉陵江's article does not answer a question about 汉江.
NATURAL = re.compile(r"[\u4e00-\u9fff]{1,3}(?:江|河|湖|山)")
#: Stems that make a common word, not a name, with a place suffix (气候区, 行政区, 自治州).
GENERIC_STEMS = frozenset(
    [
        "气候",
        "行政",
        "自治",
        "特别",
        "城乡",
        "农村",
        "城镇",
        "沿海",
        "边境",
        "少数民族",
        "贫困",
        "周边",
        "附近",
        "所在",
        "当地",
        "全国",
    ]
)

#: Common nouns that end like a place (时区, 山区, 城市, 超市): a word ending in one (改时区, 大城市) names no place.
GENERIC_TAILS = frozenset(
    [
        "时区",
        "山区",
        "灾区",
        "郊区",
        "辖区",
        "片区",
        "展区",
        "赛区",
        "误区",
        "禁区",
        "专区",
        "分区",
        "选区",
        "林区",
        "库区",
        "城区",
        "市区",
        "城市",
        "都市",
        "超市",
        "夜市",
        "股市",
        "楼市",
        "车市",
        "集市",
        "山村",
        "渔村",
        "城镇",
        "乡镇",
        "村镇",
    ]
)


#: A question about this moment's weather, prices or scores: dated articles cannot answer it, however many of its
#: words they share (上海 and 房价 both occur in a big archive).
LIVE = re.compile(
    r"(?:今天|明天|后天|今晚|明早|现在|此刻|当前|实时|这会儿|最新)[^。?？]{0,12}?"
    r"(?:天气|气温|温度|下雨|下雪|降雨|刮风|股价|股票|汇率|油价|金价|房价|价格|多少钱|行情|比分|路况|航班|空气质量|"
    r"节目|演出|比赛)|"
    r"(?:天气|气温|路况|空气质量)[^。?？]{0,6}?(?:怎么样|如何|好吗|好不好)|"
    r"\b(?:weather|forecast|stock price|share price|exchange rate)\b",
    re.IGNORECASE,
)


#: Talk addressed to the bot itself (``你叫什么名字``, ``你是机器人吗``): no article is about "you".
SMALL_TALK = re.compile(
    r"^(?:你好|您好|你是谁|你叫什么|你的名字|你是(?:不是)?(?:机器人|人|ai|真人)|你会(?:做)?什么|你能做什么|谢谢|再见)|"
    r"^(?:hi|hello|who are you|what is your name|are you a (?:bot|robot|human))\b",
    re.IGNORECASE,
)


def asks_live(question: str) -> bool:
    """True for a question about the present moment (``明天会下雨吗``, ``今晚有什么电视节目``) or small talk
    addressed to the bot (``你叫什么名字``): questions no article answers, whatever words they share."""
    q = fold(question).strip()
    return LIVE.search(q) is not None or SMALL_TALK.search(q) is not None


@dataclass(frozen=True)
class Relevance:
    """The verdict on a passage for a question."""

    relevant: bool
    coverage: float
    missing: tuple[str, ...] = ()  # places and institutions the question names that the passage does not


def passage_haystack(passage: Passage) -> str:
    """The folded text a question may match: the passage and its article's header fields."""
    a = passage.article
    parts = [a.title, a.kicker, a.subtitle, a.byline, a.column, passage.heading, passage.text]
    return fold(" | ".join(p for p in parts if p))  # the bar keeps words from running across fields


#: Places a question names that a Chinese paper's passage often leaves unsaid (我国 for 中国, 全国, 当地…).
IMPLICIT_PLACES = frozenset(
    [
        "中国",
        "我国",
        "全国",
        "国内",
        "国外",
        "海外",
        "境内",
        "境外",
        "世界",
        "全球",
        "中华",
        "各地",
        "当地",
        "本地",
        "全省",
        "全市",
    ]
)


def place_missing(question: str, passages: Sequence[Passage]) -> str | None:
    """A place LAC finds in ``question`` that none of ``passages`` (the best few, with their articles' headers)
    names, in none of its forms: ``深圳荔枝多少钱一斤`` over articles about 海口's 永德村 (深圳 has no place suffix
    for :data:`NAMED`); ``武汉港`` is named by ``武汉`` (a place's head, one or two characters short, counts). One passage may leave its topic unsaid (an encyclopaedia
    paragraph on 东罗马帝国's churches), the best few rarely all do."""
    from index.reader.entities import question_entities

    asked = fold(question)
    places = [asked[s:e] for s, e, kind in question_entities(asked) if kind == "place" and e - s >= 2]
    places = [name for name in places if name not in IMPLICIT_PLACES]
    if not places:  # most questions: no passage is folded for nothing
        return None
    haystack = " | ".join(passage_haystack(p) for p in passages)
    for name in places:
        # 武汉港 is named by 武汉 too; a span LAC ran on (君士坦丁堡增筑) by its head (君士坦丁堡)
        heads = {name[:k] for k in range(max(2, len(name) - 2), len(name))}
        if not any(form in haystack for form in {_stem(name) or name, *heads}):
            return name
    return None


def _stem(word: str) -> str | None:
    """The name in a place or institution (正安县 → 正安, 香港地区 → 香港); None for other words (地区, 城市)."""
    match = NAMED.fullmatch(word)
    if (
        match is None
        or match.group(1) in GENERIC_STEMS
        or match.group(1)[-1] + match.group(2) in GENERIC_TAILS
    ):
        return None
    return match.group(1)


#: A year the question asks about (``2023年上海法院受理…``; not a decade, 1950年代): a passage that speaks of
#: other years, never of this one (nor its article's date), is about another year's figure.
YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?=年(?!代))")
_CHINESE_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def other_year(question: str, passage: Passage) -> tuple[str, ...]:
    """The years ``question`` names that the passage, its header and (when the passage says 今年) its date lack,
    when the passage names other years (a passage with no year at all may still be about it)."""
    asked = YEAR.findall(fold(question))
    if not asked:
        return ()
    haystack = passage_haystack(passage)
    # the article's date counts when the passage speaks of "this year" or of no year: a report dated 2025-01-02
    # on "2024年…吞吐量" gives 2024's figure, not 2025's
    dated = not YEAR.search(haystack) or any(w in haystack for w in ("今年", "本年", "年内"))
    text = haystack + " " + (passage.article.date or "" if dated else "")
    forms = {
        y: (y, y.translate(_CHINESE_DIGITS), y.translate(_CHINESE_DIGITS).replace("零", "〇")) for y in asked
    }
    absent = tuple(f"{y}年" for y, ways in forms.items() if not any(w in text for w in ways))
    if len(absent) < len(forms):  # 1944年到2009年: one of them found is enough
        return ()
    return absent if YEAR.search(haystack) else ()


#: Words by which an undated passage speaks of a year other than its article's date.
_RELATIVE_YEARS = ("去年", "上年", "前年", "明年", "后年", "当年", "那年", "同年")


def off_year(question: str, passage: Passage) -> bool:
    """Whether ``passage`` is about another year than the one ``question`` names: it names only other years
    (:func:`other_year`), or it names none and its article is dated another year (``2019年朝鲜内阁总理是谁``
    and a report dated 2013-09-10 on 朝鲜内阁总理朴凤柱) — unless it speaks of 去年, 明年… A ranking signal; the
    abstention keeps to :func:`other_year`, where a passage with no year at all may still be about it."""
    if other_year(question, passage):
        return True
    asked = YEAR.findall(fold(question))
    date = passage.article.date or ""
    if not asked or not date[:4].isdigit():
        return False
    haystack = passage_haystack(passage)
    if YEAR.search(haystack) or any(w in haystack for w in _RELATIVE_YEARS):
        return False
    return date[:4] not in asked


def relevance(query: Query, passage: Passage) -> Relevance:
    """Whether ``passage``, ranked first, is relevant enough to answer a question with these words."""
    haystack = passage_haystack(passage)
    cov = query.coverage(haystack)
    stems = {w: _stem(w) for w in query.weights}
    missing = tuple(w for w, stem in stems.items() if stem is not None and stem not in haystack)
    missing += tuple(w for w in query.weights if NATURAL.fullmatch(w) and w not in haystack)
    return Relevance(relevant=cov >= MIN_COVERAGE and not missing, coverage=cov, missing=missing)
