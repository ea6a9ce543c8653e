"""Nothing invented, nothing lost: check what was read from a source file against the file itself.

Both sides are compared on a folded form (:func:`fold`): whitespace removed, full-width digits and letters and
Chinese punctuation mapped to ASCII (the cleaner turns flattened ASCII marks into Chinese ones, so either may
stand in the file), HTML entities decoded.

- :func:`invented` — stored text that is not in the file: a paragraph (folded) must be a substring of the
  file (folded); a paragraph flagged ``joined`` must be its pieces put together (each line of its ``raw``),
  and each piece must be in the file.
- :func:`debris` — the file's Chinese text that ended up nowhere: each block of the file (lines between
  blank lines; each line, for a dump) must be found in what was read — paragraphs, headings, captions, notes,
  title, kicker, subtitle, byline — or the stretches of it that are not are debris. Metadata lines
  (front matter, a dump's ``作者：…  时间：…`` header, a Markdown ``作者：``/``日期：`` field line) are fields,
  not text, and are skipped.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence

from corpus.clean import clean_text, is_cjk
from corpus.markdown_reader import strip_inline
from corpus.models import JOINED, Article

__all__ = ["article_text", "debris", "fold", "invented"]

_PUNCT = str.maketrans({"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")", "“": '"',
                        "”": '"', "‘": "'", "’": "'", "、": ",", "。": "."})  # fmt: skip
_SPACE = re.compile(r"\s+")
_META = re.compile(
    r"^(?:(?:作者：.*?\s+)?时间：\d{4}-\d{1,2}-\d{1,2}|---"
    r"|\W{0,2}(?:作者|记者|来源|日期|时间|发布时间|标题|链接|网址)\W{0,2}\s*[:：].*)\s*$"
)
_MIN_PIECE = 2
_TEXT_KEYS = ("title", "author", "byline", "text", "content", "body", "markdown_body")


def fold(text: str) -> str:
    """``text`` without whitespace, with full-width forms and Chinese punctuation folded to ASCII."""
    text = html.unescape(text)
    text = "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)
    return _SPACE.sub("", text.translate(_PUNCT))


def article_text(text: str, fmt: str) -> str:
    """The article text of a source file as the checks compare it: Markdown without inline markup
    (``**31个**``, link targets); for JSON, the records' text fields only (``title``, ``author``, ``text``,
    ``content``, ``body``, ``markdown_body``; not ``keywords``, ``category``, ``plate``…), a blank line apart."""
    if fmt == "markdown":
        return strip_inline(text)
    if fmt not in ("json", "jsonl"):
        return text
    values: list[str] = []
    lines = text.split("\n") if fmt == "jsonl" else [text]
    for line in lines:
        try:
            data = json.loads(line) if line.strip() else []
        except json.JSONDecodeError:
            continue
        records = (
            data if isinstance(data, list) else data.get("articles", [data]) if isinstance(data, dict) else []
        )
        for r in records:
            if isinstance(r, dict):
                values += [strip_inline(str(r[k])) for k in _TEXT_KEYS if isinstance(r.get(k), str | list)]
    return "\n\n".join(values)


def invented(source: str, articles: Sequence[Article]) -> list[str]:
    """Paragraphs (and joined pieces) that are not in ``source``: should be empty."""
    whole = fold(source)
    bad: list[str] = []
    for article in articles:
        for p in article.paragraphs:
            if JOINED in p.flags:
                pieces = [fold(clean_text(x)) for x in p.raw.split("\n") if x.strip()]
                bad += [x for x in pieces if x not in whole]
                if fold(p.text) not in "".join(pieces):
                    bad.append(p.text)
            elif fold(p.text) not in whole:
                bad.append(p.text)
    return bad


def _read(articles: Iterable[Article]) -> str:
    """Everything read from a file, in order, folded into one string to search in."""
    parts: list[str] = []
    for a in articles:
        parts += [x for x in (a.kicker, a.title, a.subtitle, a.byline, a.column) if x]
        heading = None
        for p in a.paragraphs:
            if p.heading and p.heading != heading:
                parts.append(p.heading)
            heading = p.heading
            parts.append(p.text)
        parts += [c.text for c in a.captions]
    return "\n".join(fold(x) for x in parts)


def _blocks(source: str) -> list[str]:
    text = re.sub(r"\A---\n.*?\n---\n", "", source.replace("\r\n", "\n"), flags=re.S)  # front matter
    lines = [line for line in text.split("\n") if not _META.match(line.strip())]
    return [b for b in re.split(r"\n\s*\n", "\n".join(lines)) if b.strip()]


def debris(source: str, articles: Sequence[Article], *, per_line: bool = False) -> list[str]:
    """Stretches of ``source`` holding Chinese text that were read into no field (folded form)."""
    found = _read(articles)
    out: list[str] = []
    for block in _blocks(source):
        units = block.split("\n") if per_line else [block]
        for unit in (fold(u) for u in units):
            if unit and unit not in found:
                out += _missing(unit, found)
    return out


def _missing(unit: str, found: str) -> list[str]:
    """The stretches of ``unit`` not covered by pieces (at least two characters long) found in ``found``."""
    out: list[str] = []
    gap = ""
    i = 0
    while i < len(unit):
        lo, hi = i + _MIN_PIECE, len(unit)
        if unit[i:lo] not in found or lo > hi:
            gap += unit[i]
            i += 1
            continue
        while lo < hi:  # the longest piece from i that is found
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if unit[i:mid] in found else (lo, mid - 1)
        if any(is_cjk(ch) for ch in gap if ch.isalpha()):
            out.append(gap)
        gap = ""
        i = lo
    if any(is_cjk(ch) for ch in gap if ch.isalpha()):
        out.append(gap)
    return out
