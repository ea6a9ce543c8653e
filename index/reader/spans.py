"""Candidate answer spans by type: quantities with units, dates, people, places, organisations, titles.

``candidates(qtype, folded)`` lists every span of ``folded`` (a ``fold_chars`` copy of the passage) that could
answer a question of type ``qtype``, each with a prior; ``extract`` in ``index.reader.answer`` scores them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from index import jieba_cache, tag_cache
from index.reader.names import PERSON_TAGS, longer_names, place_runs
from index.reader.question import QuestionType
from index.tokenize import Segmenter, cache_dir

__all__ = [
    "JOIN_TAGS",
    "ORG_ENDS",
    "PLACE_ENDS",
    "TITLE",
    "TITLES",
    "Candidate",
    "alternation",
    "candidates",
    "current_segmenter",
    "descriptions",
    "extend_left",
    "inside",
    "names_person",
    "preload",
    "tagged",
    "use_segmenter",
]

_lock = threading.RLock()
_pos: Any = None
_segmenter: Segmenter | None = None
_PLACE_CHARS = "省市县州区镇乡村"


def word_list(name: str) -> list[str]:
    """Read a word list from ``index/data`` (one a line, ``#`` comments), longest first, no duplicates."""
    lines = (resources.files("index") / "data" / name).read_text(encoding="utf-8").splitlines()
    words = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return sorted(words, key=lambda w: (-len(w), w))


def alternation(words: Sequence[str]) -> str:
    """Return a regex alternation of ``words`` (escaped, in the order given)."""
    return "|".join(re.escape(w) for w in words)


UNITS = word_list("answer_units.txt")
TITLES = word_list("answer_titles.txt")
ORG_ENDS = tuple(word_list("answer_org_suffixes.txt"))
PLACE_ENDS = tuple(word_list("answer_place_suffixes.txt"))

_CN = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?(?:\s?[十百千万亿]+)?|[零〇一二两三四五六七八九十][{_CN}]*)"
_APPROX = "近|约|逾|超过|将近|大约|不到|不足|接近"
_QUANTITY = re.compile(
    r"\d+\s?[:：∶比]\s?\d+(?!\d)|"  # a score: 110∶110, 3比1
    rf"(?:{_APPROX})?(?P<num>{_NUM})(?:\s?[余多来])?(?:\s?(?:至|到|~|-|—|－)\s?{_NUM}(?:[余多])?)?"
    rf"\s?(?P<unit>{alternation(UNITS)})?(?:[余多])?(?:左右|以上)?|百分之[{_CN}点\d.]+|第[{_CN}\d]+(?:名|届|位|次|代|个)"
)
_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
_MONTH = rf"(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月(?:份)?(?:{_DAY})?(?:[上中下]旬)?"
_YEAR = r"(?:公元前?)?(?:\d{1,4}|[〇零一二三四五六七八九]{2,4})年(?:代)?"
_DATE_ONE = (
    rf"(?:{_YEAR}(?:{_MONTH})?|(?:去年|今年|前年|明年|当年|同年|上年)(?:{_MONTH})?|{_MONTH}|"
    rf"(?:上世纪|\d{{1,2}}世纪|[一二]?十?[一二三四五六七八九]?世纪)(?:\d{{2}}年代)?)(?:初|末|底|中叶|中期|初期|末期|左右|前后)?"
)
_DATE = re.compile(rf"{_DATE_ONE}(?:\s?(?:至|到|~|-|—|－)\s?{_DATE_ONE})?")
TITLE = re.compile(rf"(?:常务副|副)?(?:{alternation(TITLES)})")
_SAYS = "说|表示|介绍|指出|认为|称|告诉|坦言|回忆|强调|透露"
_NAME_AFTER_TITLE = re.compile(
    rf"(?:{alternation(TITLES)})\s?([\u4e00-\u9fff]{{2,3}}?)(?={_SAYS}|[,，。、;；\s]|和|与|等|$)"
)
_LOCATED = re.compile(
    r"(?:位于|坐落于|地处|出生于|生于|分布于|分布在|发源于|栖息于|总部设于|总部位于)([^,，。;；:：()（）]{2,20}?)(?=[,，。;；(（]|的|$)"
)
_FOREIGN_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·・•][\u4e00-\u9fff]{1,8})+")
JOIN_TAGS = frozenset({"n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "vn", "b", "an", "f", "l"})
_EXTEND_TAGS: dict[QuestionType, frozenset[str]] = {
    QuestionType.ORG: JOIN_TAGS,
    QuestionType.PLACE: frozenset({"ns", "nz", "j", "f"}),
}


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    prior: float


def use_segmenter(segmenter: Segmenter | None) -> None:
    """Tag with ``segmenter``'s own ``jieba.Tokenizer`` (jieba's dictionary plus the corpus's user words) from
    now on — the :class:`~index.search.Searcher` passes its own, so a process loads one tokenizer, not two.
    None: a segmenter without user words (loaded on first use)."""
    global _segmenter, _pos
    with _lock:
        if segmenter is _segmenter:
            return
        _segmenter, _pos = segmenter, None
    tagged.cache_clear()


def current_segmenter() -> Segmenter:
    """The segmenter the reader tags with (the searcher's, once :func:`use_segmenter` named it)."""
    global _segmenter
    with _lock:
        if _segmenter is None:
            _segmenter = Segmenter()
        return _segmenter


def _user_word_tag(word: str, user_words: frozenset[str]) -> str:
    """A tag for a user word jieba's dictionary does not know: a place, an organisation, a person, or nz."""
    if (
        word[-1] in _PLACE_CHARS
        or word.endswith(PLACE_ENDS)
        or any(word + c in user_words for c in _PLACE_CHARS)
    ):
        return "ns"
    if word.endswith(ORG_ENDS):
        return "nt"
    return "nr" if 2 <= len(word) <= 3 else "nz"


def _tagger() -> Any:
    """This process's jieba POS tagger over the segmenter's tokenizer (created once per segmenter)."""
    global _pos
    segmenter = current_segmenter()
    with _lock:
        if _pos is None:
            posseg = jieba_cache.import_posseg(cache_dir())
            tags = dict(posseg.dt.word_tag_tab)
            words = frozenset(segmenter.user_words)
            tags.update({w: _user_word_tag(w, words) for w in segmenter.user_words if w not in tags})
            pos = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
            pos.tokenizer = segmenter.jieba  # the segmenter's own, with the user words
            pos.word_tag_tab = tags
            _pos = pos
        return _pos


def preload() -> None:
    """Load the POS tagger now (e.g. on a background thread at start-up) instead of on the first miss."""
    _tagger()


def _tag_now(folded: str) -> tuple[tuple[int, int, str], ...]:
    out, pos = [], 0
    for pair in _tagger().cut(folded):
        out.append((pos, pos + len(pair.word), pair.flag))
        pos += len(pair.word)
    return tuple(out)


@lru_cache(maxsize=256)
def tagged(folded: str) -> tuple[tuple[int, int, str], ...]:
    """Return ``(start, end, tag)`` of each jieba word of ``folded`` (kept in the store's tag cache, so a text
    is tagged once across processes; :mod:`index.tag_cache`)."""
    return tag_cache.cached(f"pos:{current_segmenter().dictionary_key}", folded, _tag_now)


#: Numbers inside a name: ``第三中学``, ``朱雀三号`` (a model's number; ``3号`` is a day).
_NUMBERED = re.compile(r"第.*|[一二三四五六七八九十百]+号")


def extend_left(folded: str, words: Sequence[tuple[int, int, str]], k: int, tags: frozenset[str]) -> int:
    """Return where a name ending with word ``k`` starts: extend over preceding name-like words."""
    start = words[k][0]
    j = k - 1
    while j >= 0 and words[k][1] - words[j][0] <= 16 and not folded[words[j][0]].isspace():
        if words[j][2] not in tags and not (
            words[j][2] == "m" and _NUMBERED.fullmatch(folded, *words[j][:2])
        ):
            break
        start = words[j][0]
        j -= 1
    return start


_FOREIGN_TAGS = frozenset({*PERSON_TAGS, "ns", "nz", "j", "eng"})


def _foreign_name(words: Sequence[tuple[int, int, str]], start: int, end: int) -> Candidate:
    """Trim a ``…·…`` match to the name around its dots: the words next to the outer dots, and name-like words
    beyond them (``即将离任的布兰科·茨尔文科夫斯基总统`` → ``布兰科·茨尔文科夫斯基``)."""
    inside = [w for w in words if w[0] < end and w[1] > start]
    dots = [k for k, w in enumerate(inside) if w[2] == "x" and w[1] - w[0] == 1]
    if not dots:
        return Candidate(start, end, 1.2)
    first, last = max(dots[0] - 1, 0), min(dots[-1] + 1, len(inside) - 1)
    while first > 0 and inside[first - 1][2] in _FOREIGN_TAGS:
        first -= 1
    while last + 1 < len(inside) and inside[last + 1][2] in _FOREIGN_TAGS:
        last += 1
    return Candidate(max(start, inside[first][0]), min(end, inside[last][1]), 1.2)


def _named(folded: str, qtype: QuestionType) -> list[Candidate]:
    """Candidates for people, places and organisations from jieba POS tags and name endings."""
    words = tagged(folded)
    out: list[Candidate] = []
    for k, (s, e, tag) in enumerate(words):
        word = folded[s:e]
        if qtype is QuestionType.PERSON and tag in PERSON_TAGS and len(word) >= 2:
            out.append(Candidate(s, e, 1.0))
        elif qtype is QuestionType.PLACE and (tag == "ns" or (word.endswith(PLACE_ENDS) and tag != "v")):
            start = extend_left(folded, words, k, _EXTEND_TAGS[qtype])
            if e - start >= 2:
                out.append(Candidate(start, e, 1.0 if tag == "ns" else 0.7))
        elif qtype is QuestionType.ORG and (tag == "nt" or word.endswith(ORG_ENDS)):
            start = extend_left(folded, words, k, _EXTEND_TAGS[qtype])
            if e - start > len(word) or (len(word) >= 4 and tag in ("nt", "nz", "n")):
                out.append(Candidate(start, e, 1.0 if tag == "nt" else 0.8))
    if qtype is QuestionType.PLACE:
        for m in _LOCATED.finditer(folded):
            out.append(Candidate(m.start(1), m.end(1), 1.2))
    if qtype is QuestionType.PERSON:
        out.extend(
            Candidate(s, e, p) for s, e, p in longer_names(folded, words, current_segmenter().jieba.FREQ)
        )
        for m in _FOREIGN_NAME.finditer(folded):
            out.append(_foreign_name(words, m.start(), m.end()))
        for m in _NAME_AFTER_TITLE.finditer(folded):
            out.append(Candidate(m.start(1), m.end(1), 1.5))
        for m in re.finditer(rf"([\u4e00-\u9fff]{{2,3}}?)(?:{_SAYS})", folded):
            tags = {t for s, e, t in words if s < m.end(1) and e > m.start(1)}
            if tags & PERSON_TAGS:
                out.append(Candidate(m.start(1), m.end(1), 1.3))
    return out


_DESC_TAGS = JOIN_TAGS | {"zg", "ng"}
_TITLE_ENDS = re.compile(rf"(?:{alternation(TITLES)})\s?$")
_COPULA = re.compile(r"\s?(?:[（(][^（）()]{0,40}[）)])?\s?(?:是|系|现任|担任|出任)\s?(?:一名|一位|一个)?")
_APPOSITION = re.compile(r"\s?(?:[（(][^（）()]{0,40}[）)])?\s?[,，]\s?")
_NOT_NAME_TAGS = frozenset({"n", "v", "vn", "r"})
DESCRIPTION_CHARS = 20
CLAUSE_END = re.compile(r"[,，。;；!！?？:：\n]")
_CLAUSE_END = CLAUSE_END


def names_person(subject: str) -> bool:
    """True when ``subject`` (folded) looks like a person's name, not a post (``褚靖``, not ``罗甸县委书记``)."""
    if _TITLE_ENDS.search(subject):
        return False
    words = tagged(subject)
    return "·" in subject or any(t in PERSON_TAGS for _, _, t in words) or words[-1][2] not in _NOT_NAME_TAGS


def _title_start(folded: str, words: Sequence[tuple[int, int, str]], title: int, end: int) -> int:
    """Where the title phrase ending at ``end`` starts: back over name-like words, capped at 20 characters;
    an enumeration of posts too long to keep whole keeps its last item (``…主任、泌尿外科主任医师``)."""
    start, capped = title, False
    for s, e, tag in reversed([w for w in words if w[1] <= end and w[0] < title]):
        if e < start or folded[s:e].isspace():
            break
        if end - s > DESCRIPTION_CHARS:
            capped = True
            break
        if tag not in _DESC_TAGS and folded[s:e] != "、":
            break
        start = s
    cut = folded.find("、", start, title)
    if capped and cut >= 0:
        start = cut + 1
    return start + 1 if folded[start] == "、" else start


def descriptions(folded: str, name: str) -> list[Candidate]:
    """Phrases that say who ``name`` is: the title before it (``罗甸县委书记梁玉林`` → ``罗甸县委书记``), the phrase
    after ``name是/担任`` or, at the start of a passage, after ``name，`` — each up to the clause end, ≤ 20 chars.
    """
    words = tagged(folded)
    out: list[Candidate] = []
    for m in re.finditer(r"\s?".join(map(re.escape, name)), folded):
        title = _TITLE_ENDS.search(folded, max(0, m.start() - 12), m.start())
        if title:
            start = _title_start(folded, words, title.start(), m.start())
            stationed = _STATIONED.search(folded, max(0, start - 6), start)  # 本报驻朝鲜记者, not 朝鲜记者
            start = stationed.start() if stationed else start
            out.append(Candidate(start, len(folded[: m.start()].rstrip()), 1.5))
        after = _COPULA.match(folded, m.end()) or (
            _APPOSITION.match(folded, m.end()) if m.start() == 0 else None
        )
        if after:
            clause = _CLAUSE_END.search(folded, after.end())
            stop = clause.start() if clause else len(folded)
            end = min(stop, after.end() + DESCRIPTION_CHARS)
            head, role = _what_they_are(folded, after.end(), stop) if after.re is _COPULA else ([], [])
            if end - after.end() >= 2 and not role:  # 梅坪村人: where from, not who, when the role follows
                out.append(Candidate(after.end(), end, 1.2 if after.re is _COPULA else 1.0))
            out += head + role
    return out


#: Whose correspondent someone is: ``本报驻朝鲜记者莽九晨`` is the paper's man in Pyongyang, not a 朝鲜记者.
_STATIONED = re.compile(r"(?:本报|新华社|人民日报|中新社|央视|中央广播电视总台)?(?:常)?驻$")
#: What someone is, said after the place they come from: ``…梅坪村人，在村里当了25年的乡村医生``.
_NATIVE = re.compile(r"[省市县州区镇乡村]人$")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
_ROLE = re.compile(
    r"(?:当|做|干|担任|成为|是)了?(?:[\d一二三四五六七八九十几多]+年)?的?([\u4e00-\u9fff]{2,8})$"
)


def _what_they_are(folded: str, start: int, stop: int) -> tuple[list[Candidate], list[Candidate]]:
    """The head of a long copula phrase, ``…永安南兴泉路桥工区的工长`` → ``工长`` (the part after its last 的), and
    the role said after someone's native place, ``沙镇溪镇梅坪村人，在村里当了25年的乡村医生`` → ``乡村医生``."""
    head: list[Candidate] = []
    phrase = folded[start:stop]
    de = phrase.rfind("的")
    if de >= 0 and 2 <= len(phrase) - de - 1 <= 8 and _CJK_ONLY.fullmatch(phrase[de + 1 :]):
        head.append(Candidate(start + de + 1, stop, 1.2))
    if not (_NATIVE.search(phrase) and stop < len(folded) and folded[stop] in "，,"):
        return head, []
    after = _CLAUSE_END.search(folded, stop + 1)
    role = _ROLE.search(folded, stop + 1, after.start() if after else len(folded))
    return head, [Candidate(role.start(1), role.end(1), 1.2)] if role else []


def _quantities(folded: str) -> list[Candidate]:
    out = []
    for m in _QUANTITY.finditer(folded):
        num, unit = m.group("num"), m.group("unit")
        after = folded[m.end() : m.end() + 2]
        if num is None:  # 百分之… or 第…名
            out.append(Candidate(m.start(), m.end(), 0.8))
            continue
        if unit is None and not num[0].isdigit():
            continue
        if (unit == "年" and (len(num) == 4 or after[:1] in ("代", "月"))) or after[:1] in ("月", "日"):
            continue  # a date, not a quantity
        if not num[0].isdigit() and unit in ("分", "度", "号", "部", "门", "头"):
            continue  # 十分, 一度, 一部分…
        prior = 1.0 if num[0].isdigit() else 0.3 if num in ("一", "两") else 0.7
        out.append(Candidate(m.start(), m.end(), prior if unit else prior - 0.4))
    return out


def inside(inner: Candidate, outer: Candidate) -> bool:
    """True when ``outer`` is longer than ``inner`` and covers it."""
    longer = outer.end - outer.start > inner.end - inner.start
    return longer and outer.start <= inner.start and inner.end <= outer.end


def candidates(qtype: QuestionType | None, folded: str) -> list[Candidate]:
    """Return every candidate answer of type ``qtype`` in ``folded`` (no filtering, no scoring)."""
    if qtype is QuestionType.QUANTITY:
        return _quantities(folded)
    if qtype is QuestionType.DATE:
        return [
            Candidate(
                m.start(), m.end(), 1.0 if re.search(r"\d{3,4}年|月|世纪|年代|去年|今年", m.group()) else 0.2
            )
            for m in _DATE.finditer(folded)
        ]
    if qtype is QuestionType.TITLE:  # 院长, and the post it belongs to: 正安县人民医院院长
        words = tagged(folded)
        posts = [
            (_title_start(folded, words, m.start(), m.end()), m.start(), m.end())
            for m in TITLE.finditer(folded)
        ]
        return [Candidate(s, e, 1.0) for _, s, e in posts] + [
            Candidate(p, e, 1.1) for p, s, e in posts if p < s
        ]
    if qtype is QuestionType.PERSON:  # 布兰科 inside 布兰科·茨尔文科夫斯基 is not a candidate of its own
        named = _named(folded, qtype)
        return [c for c in named if not any(inside(c, o) for o in named)]
    if qtype is QuestionType.PLACE:
        places = _named(folded, qtype)
        spans = place_runs([(c.start, c.end, c.prior) for c in places], folded, tagged(folded))
        return places + [Candidate(s, e, p) for s, e, p in spans]
    if qtype is QuestionType.ORG:
        return _named(folded, qtype)
    return []
