"""Question typing: what kind of answer a Chinese question asks for, and in which unit.

``classify("剑河中药材面积?")`` is ``QuestionType.QUANTITY``; ``measure_word("培育了几家企业")`` is ``"家"``.
Traditional characters are accepted: questions are folded with ``fold_chars`` first.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources

import opencc

__all__ = [
    "QuestionType",
    "asks_position",
    "attribute_type",
    "classify",
    "described",
    "fold_chars",
    "in_units",
    "measure_word",
    "misses_clock_time",
    "wh_split",
]

_converter: opencc.OpenCC | None = None
_lock = threading.Lock()


class QuestionType(StrEnum):
    """The kind of short answer a question asks for."""

    QUANTITY = "quantity"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    ORG = "org"
    TITLE = "title"
    YESNO = "yesno"
    OTHER = "other"


def _t2s() -> opencc.OpenCC:
    global _converter
    with _lock:
        if _converter is None:
            _converter = opencc.OpenCC("t2s")
        return _converter


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch


class _FoldTable(dict[int, str]):
    """``str.translate`` table of :func:`_fold_char`, filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


@lru_cache(maxsize=8192)
def fold_chars(text: str) -> str:
    """Return ``text`` simplified, half-width and lower-cased, with the same length (offsets agree)."""
    converted = _t2s().convert(text)
    if len(converted) != len(text):
        converted = "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)
    return converted.translate(_FOLD_TABLE)


_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_UNITS = (
    "人次|平方公里|平方千米|平方米|公顷|公里|千米|厘米|毫米|米|千克|公斤|克|吨|小时|分钟|秒|"
    "个|名|人|家|所|亩|元|岁|年|月|天|日|次|场|项|门|条|支|辆|架|艘|座|本|部|种|件|位|户|只|头|匹|张|"
    "台|套|批|届|期|篇|首|章|集|卷|度|倍|周|间|趟|颗|层|枚|株|棵|块|级|号|代|等奖|分|美元|英镑|欧元|斤|片|段"
)

_RULES: tuple[tuple[QuestionType, re.Pattern[str]], ...] = (
    (
        QuestionType.TITLE,
        re.compile(
            r"(什么|何种|哪个|哪种|啥)(职务|职位|官职|职称|头衔|身份|官|职)|担任(了)?什么|任什么|(职务|职位|身份|头衔|官职)(是什么|是啥|为何)"
        ),
    ),
    (
        QuestionType.DATE,
        re.compile(
            r"什么时(候|间)|啥时(候|间)?|何时|多会儿|哪会儿|哪(一)?(年|天|日|月)|哪个(月|时期|年代|朝代|季节)|几(月|号|日|点)|"
            r"[几多少]+年[几多少]*月|日期|什么年代|哪些年|何年|何日|多少号|哪一?时期|生于何|年份"
        ),
    ),
    (
        QuestionType.QUANTITY,
        re.compile(
            rf"多少|(?<!哪)几(?!乎)|多(大|长|高|重|远|久|深|宽|厚|快|少)|百分之几|比例|比重|占比|面积|产值|"
            rf"人数|数量|总量|营收|收入|金额|价格|增长率|排名第|第[几{_CN_NUM}]名|几等奖|什么奖"
        ),
    ),
    (
        QuestionType.PERSON,
        re.compile(r"谁|哪(一)?位|什么人|哪个人|哪些人|叫什么名字|姓名|名字是什么|何人|作者是|记者是"),
    ),
    (
        QuestionType.ORG,
        re.compile(
            r"哪(一)?(家|所)|(哪[一两二三四五六七八九几]?个|什么|哪些)(单位|医院|学校|部门|公司|大学|中学|小学|学院|机构|组织|"
            r"企业|团体|球队|俱乐部|品牌|频道|电视台|报社|银行|集团|政党|党派|乐队|机关|协会|部队)"
        ),
    ),
    (
        QuestionType.PLACE,
        re.compile(
            r"哪里|哪儿|在哪|什么地方|何地|何处|哪(个|一个|些)?(省|市|县|区|国|国家|城市|地区|州|镇|村|乡|洲|大洲|"
            r"岛|地方|山|河|海|洋|大洋|城|街)|什么(省|市|县|国家|城市|地区)|出生地|发源地"
        ),
    ),
    (
        QuestionType.YESNO,
        re.compile(r"吗[?？!！。\s]*$|是否|是不是|有没有|能不能|会不会|可不可以|对不对|是吗|算不算"),
    ),
)

_MEASURE = re.compile(rf"(?:多少|几)(?:[十百千万亿]+)?({_UNITS})")
_KEYWORD_UNITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"面积|多大面积"), "亩|平方公里|平方千米|平方米|公顷"),
    (
        re.compile(
            r"产值|收入|营收|金额|价格|多少钱|投资|资金|费用|成本|奖金|奖励金|罚款|罚金|工资|薪水|薪酬|月薪|年薪"
            r"|补贴|补助|津贴|票价|售价|房价|租金|利润|学费"
        ),
        "元|美元|英镑|欧元",
    ),
    (re.compile(r"比例|比重|占比|百分之几|增长率|百分比|增长了?多少"), "%"),
    (re.compile(r"人数"), "人|人次|名"),
    (
        re.compile(r"多长|多高|多深|多宽|多远|长度|高度|海拔|距离|体长|身长|全长|直径"),
        "米|公里|千米|厘米|毫米",
    ),
    (re.compile(r"多重|重量"), "吨|千克|公斤|克|斤"),
    (re.compile(r"多久|多长时间"), "年|月|天|小时|分钟|秒|周"),
    (
        re.compile(r"几岁|多少岁|年龄|多大年纪|多大岁数|^[\u4e00-\u9fff]{2,4}(?:今年|现在)?多大[了呢啊]?$"),
        "岁",
    ),
    (re.compile(r"比分|几比几"), r"[:：∶比]\s?\d+"),  # a score: 110∶110, 3比1
    (re.compile(r"几等奖|什么奖"), "等奖"),
)
_PEOPLE_UNITS = "人|人次|名|位"
#: ``一审行政案件数``, ``事故起数``: a count in the measure word before 数.
_COUNTED = re.compile(r"[\u4e00-\u9fff]([件次户个家场起例座所项])数$")


@cache
def _attributes() -> tuple[tuple[str, QuestionType], ...]:
    """(attribute noun, the type it asks for), longest noun first: ``attribute_nouns.txt`` and the posts."""
    pairs: dict[str, QuestionType] = {}
    for name in ("answer_titles.txt", "attribute_nouns.txt"):
        text = (resources.files("index") / "data" / name).read_text(encoding="utf-8")
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if name == "answer_titles.txt":
                pairs[line] = QuestionType.PERSON
            elif "=" in line:
                kind, nouns = line.split("=", 1)
                pairs.update(dict.fromkeys(nouns.split(), QuestionType(kind.strip())))
    return tuple(sorted(pairs.items(), key=lambda p: -len(p[0])))


def attribute_type(question: str) -> QuestionType | None:
    """The type asked by a question without a question word, from the attribute noun it ends with:
    ``柳京眼科综合医院院长`` → person, ``北部湾港2024年集装箱吞吐量`` → quantity, ``…办结的期限`` → date."""
    q = _TRAILING.sub("", "".join(fold_chars(question).split()))
    for noun, qtype in _attributes():
        if q.endswith(noun) and len(q) > len(noun):
            return qtype
    return None


def classify(question: str) -> QuestionType:
    """Return the answer type ``question`` asks for (``OTHER`` when none is recognisable)."""
    q = fold_chars(question)
    for qtype, pattern in _RULES:
        if pattern.search(q):
            return qtype
    return attribute_type(question) or QuestionType.OTHER


def asks_position(question: str) -> bool:
    """True when the question asks for a post or title (``褚靖担任什么职务`` → 院长)."""
    return classify(question) is QuestionType.TITLE


def in_units(value: str, units: str) -> bool:
    """Whether the quantity ``value`` is counted in ``units`` (a :func:`measure_word` alternation): ``二等奖``
    in ``等奖``, ``200余人`` in ``人|人次…``."""
    return re.search(rf"(?:{units})[余多]?$", value) is not None


def measure_word(question: str) -> str | None:
    """Return the accepted units as a regex alternation (``几家`` → ``家``, ``多少人`` → ``人|人次…``)."""
    q = fold_chars(question)
    match = _MEASURE.search(q)
    if match:
        unit = match.group(1)
        return _PEOPLE_UNITS if unit in ("人", "名", "位", "人次") else unit
    for pattern, units in _KEYWORD_UNITS:
        if pattern.search(q):
            return units
    counted = _COUNTED.search(_TRAILING.sub("", "".join(q.split())))
    return counted.group(1) if counted else None


_WH = re.compile(
    r"什么样的?|什么|哪[一二两三四五六七八九几]?(?:个|种|部|条|家|所|位|座|些|项|类|本|首|篇|支|只|门|片|次)?|"
    r"啥|何种|怎样|怎么样|如何"
)
_TRAILING = re.compile(r"[?？!！。.,，\s呢吗啊呀]+$")


def wh_split(question: str) -> tuple[str, str] | None:
    """Split a question around its question word: ``气炉以什么为燃料？`` → ``("气炉以", "为燃料")``.

    Both halves are folded with whitespace removed; None when there is no question word.
    """
    q = _TRAILING.sub("", "".join(fold_chars(question).split()))
    match = _WH.search(q)
    if match is None or (match.group() in ("怎样", "怎么样", "如何") and match.end() == len(q)):
        return None  # 新馆的展厅怎么样: asks for an opinion, not a phrase
    return q[: match.start()], q[match.end() :]


_DESCRIBE = re.compile(
    r"^(?P<subject>[^的谁]{2,12}?)(?:(?:是|为)(?:谁|什么人|何人|哪位|何许人也?)|的?(?:职业|身份)(?:是什么|是啥|为何)?|"
    r"(?:是|从事)(?:什么|何种|哪种)(?:职业|身份|工作)|是(?:做|干)什么的)$"
)


def described(question: str) -> str | None:
    """Return whom a who-is question asks about: ``褚靖是谁`` → ``褚靖``, ``邹游的职业是什么`` → ``邹游``.

    The subject comes back folded; it may be a post rather than a name (``罗甸县委书记是谁``): callers decide.
    """
    q = _TRAILING.sub("", "".join(fold_chars(question).split()))
    match = _DESCRIBE.match(q)
    return None if match is None else match.group("subject")


#: A question asking for the time of day (``几点发射的``), and a time of day in an answer (``7时38分``, ``上午9时``).
_ASKS_CLOCK = re.compile(r"几点|几时几分|几时|什么时刻|哪个时刻")
_CLOCK = re.compile(r"\d+\s*[时点]|[零一二两三四五六七八九十]+\s*[时点]|\d+\s*[:：]\s*\d|\d+\s*分")


def misses_clock_time(question: str, answer: str) -> bool:
    """Whether ``question`` asks for a time of day and ``answer`` gives none (``光明星3号是几点发射的`` is not
    answered by ``今年4月13日``)."""
    return _ASKS_CLOCK.search(fold_chars(question)) is not None and not _CLOCK.search(fold_chars(answer))
