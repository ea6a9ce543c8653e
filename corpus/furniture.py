"""Recognise the printed furniture around article text: credits, captions, bylines, datelines and trailers.

Every function here looks at one line (or paragraph) of cleaned text (:func:`corpus.clean.clean_text`: wrap
spaces gone, Chinese punctuation) and says what it is; none of them changes a character:

- **credits** — ``新华社记者鞠鹏摄``, ``蒙斌摄``, ``郑家裕摄（人民视觉）``, ``新华社发``, ``人民图片``, ``鸿擎科技供图``,
  ``制图：蔡华伟``, ``数据来源：…``, ``版式设计：…``, ``新华社记者李嘉南摄影报道``;
- a **caption glued to its credit** — ``游客在龟兹博物馆内参观。卜登鹏摄`` → (caption, credit);
- **trailers** — a whole line in brackets that says where and by whom it was filed or where it was taken from:
  ``（本报平壤6月22日电）``, ``（新华社北京8月2日电　记者郝薇薇）``, ``（本报记者张文豪、施钰）``,
  ``（作者为中国驻朝鲜大使）``, ``（摘编自《安徽日报》，原题为《…》）``;
- the **page trailer** glued to a byline — ``本报记者王崟欣《人民日报》（2025年01月02日第07版）`` → byline, date, page;
- a **byline line** — ``本报驻朝鲜记者莽九晨``, ``本报记者赵嘉鸣管克江``, ``本报评论员``;
- a **dateline** opening a paragraph — ``本报北京7月11日电（记者赵成）…``, ``新华社北京５月２２日电…`` → place, names;
- a **plausible byline** — what a crawler's ``author`` field must look like to be believed (names, roles).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Dateline",
    "PageTrailer",
    "byline_names",
    "fold",
    "format_byline",
    "is_byline_line",
    "is_credit",
    "is_trailer",
    "original_title",
    "page_trailer",
    "plausible_byline",
    "read_dateline",
    "reprinted_from",
    "split_caption_credit",
]

_HAN = r"[\u4e00-\u9fff·]"
_NAME = rf"{_HAN}{{2,5}}"
_ROLE = (
    r"(?:(?:本报|新华社|人民日报|中新社)?(?:驻[\u4e00-\u9fff]{1,6}?)?(?:特约|首席)?(?:记者|通讯员)"
    r"|本报评论员|评论员|特约撰稿人)"
)
_CREDIT = re.compile(
    rf"^(?:{_ROLE}?{_HAN}{{2,4}}(?:[、，]{_HAN}{{2,4}})*(?<!拍)摄(?:影报道|影)?(?:（[^（）]{{1,12}}）|，[^，。]{{1,16}})?"
    r"|新华社发(?:（[^（）]{1,16}）)?|人民(?:图片|视觉)|(?:新华社|本报)?资料图片|[\u4e00-\u9fff]{2,12}供图"
    r"|(?:制图|版式设计|图表制作|数据来源|资料来源|绘图|设计)：[^。！？]{1,40})$"
)
_CREDIT_CHARS = 48
_GLUED_CREDIT = re.compile(r"^(.*[。！？])([^。！？]+)$")
_TRAILER = re.compile(r"^（[^（）]*(?:（[^（）]*）[^（）]*)*）$")
_TRAILER_WORDS = re.compile(r"电|记者|作者|摘编|摘自|转自|来源|原题|执笔|参与|采访整理|通讯员")
#: A reprint trailer or source line naming the outlet: ``（摘编自《安徽日报》，原题为《…》）``, ``（原载《求是》）``,
#: ``来源：新华网`` (not a credit's ``数据来源：…``).
_REPRINTED = re.compile(
    r"(?:摘编自|摘自|编自|转载自|转自|原载于?|选自|刊载于|(?<![据料片])来源[:：]\s*)\s*"
    r"(?:《([^》]{1,20})》|([^\s，,。；;）)《》]{2,20}))"
)
_REPRINT_LINE_CHARS = 120
_PAGE = re.compile(
    r"^(.*?)\s*《([^《》]{2,12})》\s*[（(]\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:第)?\s*(\d{1,3})\s*版\s*[）)]$"
)
_DATELINE = re.compile(
    r"^(?:据)?(?P<who>本报|新华社|人民日报)(?P<place>[\u4e00-\u9fff、]{0,24}?)"
    r"(?:[0-9０-９]{1,2}月[0-9０-９]{1,2}日)?电(?:\s*（(?P<names>[^（）]{0,60})）)?"
)
_SENTENCE = re.compile(r"[。！？；，：]")


@dataclass(frozen=True)
class Dateline:
    """What a dateline says: who filed (本报/新华社), from where, and the reporters in its brackets."""

    agency: str
    place: str | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class PageTrailer:
    """``byline《paper》（YYYY年MM月DD日第NN版）`` split into its parts (byline may be empty)."""

    byline: str
    paper: str
    date: str
    page: str


def fold(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC on those only), for pattern matching."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if ch.isalnum() and "\uff10" <= ch <= "\uff5a" else ch
        for ch in text
    )


def is_credit(text: str) -> bool:
    """Whether ``text`` is a photo/chart credit (``新华社记者鞠鹏摄``, ``制图：蔡华伟``, ``人民图片``)."""
    text = text.strip()
    return len(text) <= _CREDIT_CHARS and bool(_CREDIT.match(text))


def split_caption_credit(text: str) -> tuple[str, str] | None:
    """(caption, credit) when ``text`` is a caption sentence with its credit glued on; else None."""
    m = _GLUED_CREDIT.match(text.strip())
    if m and is_credit(m[2].strip()) and len(m[1]) <= 200:
        return m[1].strip(), m[2].strip()
    return None


def is_trailer(text: str) -> bool:
    """Whether ``text`` is a whole bracketed filing/reprint note (``（本报平壤6月22日电）``, ``（摘编自…）``)."""
    text = text.strip()
    return len(text) <= 160 and bool(_TRAILER.match(text)) and bool(_TRAILER_WORDS.search(text))


def reprinted_from(text: str) -> tuple[int, int] | None:
    """Where a short trailer or source line names the outlet it was taken from (the name's span), or None."""
    match = _REPRINTED.search(text) if len(text) <= _REPRINT_LINE_CHARS else None
    if match is None:
        return None
    group = 1 if match.group(1) else 2
    return match.start(group), match.end(group)


#: The original headline a reprint trailer gives: ``（摘编自《安徽日报》，原题为《…》）``.
_ORIGINAL_TITLE = re.compile(r"原(?:标)?题(?:为|是)?[:：]?\s*《([^《》]{1,60})》")


def original_title(text: str) -> tuple[int, int] | None:
    """Where a short trailer names the article's original headline (the headline's span), or None."""
    match = _ORIGINAL_TITLE.search(text) if len(text) <= _REPRINT_LINE_CHARS else None
    return match.span(1) if match else None


def page_trailer(text: str) -> PageTrailer | None:
    """A ``byline《人民日报》（2025年01月02日第07版）`` line split into byline, paper, ISO date and page."""
    m = _PAGE.match(fold(text.strip()))
    if not m:
        return None
    year, month, day = int(m[3]), int(m[4]), int(m[5])
    return PageTrailer(m[1].strip(), m[2], f"{year:04d}-{month:02d}-{day:02d}", f"第{int(m[6]):02d}版")


def is_byline_line(text: str, names: tuple[str, ...] = ()) -> bool:
    """Whether a short line is a byline: a role with names (``本报驻朝鲜记者莽九晨``), a bare role
    (``本报评论员``, ``新华社记者``), or a line without sentence punctuation ending in one of ``names``."""
    text = text.strip()
    if not text or len(text) > 60 or _SENTENCE.search(text):
        return False
    if re.fullmatch(rf"(?:{_ROLE}[\u4e00-\u9fff·、]{{0,40}}?)+", text) and re.match(_ROLE, text):
        return True
    return any(text.endswith(n) for n in names if n)


def read_dateline(text: str) -> Dateline | None:
    """The dateline opening ``text`` (``本报北京7月11日电（记者赵成）…``), if it opens with one."""
    m = _DATELINE.match(fold(text.strip()))
    if not m:
        return None
    place = m["place"] or None
    names: tuple[str, ...] = ()
    if m["names"]:
        inner = re.sub(r"^(?:执笔)?记者[：:]?", "", m["names"].strip())
        if m["names"].strip().startswith(("记者", "执笔记者")):
            names = tuple(n for n in re.split(r"[、，,\s]+", inner) if n)
    return Dateline(m["who"], place, names)


def byline_names(byline: str) -> tuple[str, ...]:
    """The names in a byline (roles dropped): ``本报记者 赵嘉鸣 管克江`` → (赵嘉鸣, 管克江)."""
    text = re.sub(_ROLE, " ", byline)
    return tuple(n for n in re.split(r"[\s、，,;；]+", text) if re.fullmatch(_NAME, n))


def plausible_byline(text: str | None) -> bool:
    """Whether a crawler's ``author`` value looks like a byline (roles and names), not a sentence fragment."""
    if not text:
        return False
    squashed = re.sub(r"\s+", " ", text).strip()
    if not squashed or len(squashed) > 60 or _SENTENCE.search(squashed.replace("，", "、")):
        return False
    parts = [p for p in re.split(r"[\s、;；,]+", re.sub(_ROLE, " ", squashed)) if p]
    if not parts:
        return bool(re.fullmatch(rf"(?:{_ROLE}\s*)+", squashed))
    return all(re.fullmatch(r"[\u4e00-\u9fff·]{1,6}|[A-Za-z][A-Za-z .'-]{1,40}", p) for p in parts)


def format_byline(raw: str) -> str:
    """A byline as printed, its padding undone: ``本报记者  吴  君`` → ``本报记者 吴君``; names stay apart
    (``贺  勇  阿尔达克`` → ``贺勇 阿尔达克``: a lone character padded with spaces is half a two-character name)."""
    tokens = raw.replace("\u00a0", " ").split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if len(tok) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            tok, i = tok + tokens[i + 1], i + 1
        out.append(tok)
        i += 1
    return " ".join(out)
