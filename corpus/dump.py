"""Split a crawled ``.txt`` dump holding many articles into articles, by the shape of their header lines.

A dump article looks like this (no separator line between articles)::

    外交部发言人——                         ← 引题 (kicker), optional
    希望朝美双方珍惜积极进展、互释善意       ← 主题 (title)
    ——副题                                  ← subtitle, optional (or a bare line after the title)
    作者：张慧中;李博雅  时间：2018-05-26    ← or only  时间：2018-05-26
    <blank>
    本报北京5月25日电 （记者张慧中）…   ← paragraphs, one a line, indented with

The headline decks are the non-blank lines directly above the header line (back to the blank line that ends
the previous article). A deck ending in ``——`` is a kicker; one starting with ``——`` a subtitle; of the plain
decks, the first is a kicker when it reads like one (it ends in a speech verb ``强调``/``表示``, or it is a
one-word place line like ``朝鲜``, or it is a two-clause line with a comma above a one-clause line, or the next
deck carries the column tag ``（国际视点）``); the next is the title and any further one the subtitle.
The ``;``-separated authors become the byline (joined with ``、``), ``时间：`` the date. An article printed
twice in one file (same title, date and paragraphs) is kept once.

Body lines are read by :mod:`corpus.body`, which takes bylines, datelines, captions, credits and trailers out
of the body text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.body import Line, read_body
from corpus.models import Article
from corpus.titles import clean_title

__all__ = ["HEADER", "is_dump", "parse_dump"]

HEADER = re.compile(r"^(?:作者：(?P<authors>.*?)\s+)?时间：(?P<date>\d{4}-\d{1,2}-\d{1,2})\s*$")
_SPEECH_END = re.compile(r"(?:强调|表示|指出|宣布|认为|说|称|会上|记者会上)$")
_COLUMN_TAG = re.compile(r"（[^（）]{2,30}）$")
_SHORT_KICKER = 4


@dataclass
class _Header:
    line: int  # index of the 作者/时间 line
    top: int  # index of the first headline deck
    authors: tuple[str, ...]
    date: str


def is_dump(text: str) -> bool:
    """Whether ``text`` is a multi-article dump: it holds at least one ``作者：… 时间：…`` header line."""
    return any(HEADER.match(line) for line in text.split("\n"))


def _headers(lines: list[str]) -> list[_Header]:
    out: list[_Header] = []
    for i, line in enumerate(lines):
        m = HEADER.match(line.strip())
        if not m:
            continue
        top = i
        floor = out[-1].line + 1 if out else 0
        while top - 1 >= floor and lines[top - 1].strip() and not lines[top - 1].startswith("\u3000"):
            top -= 1
        authors = tuple(a.strip() for a in re.split(r"[;；]", m["authors"] or "") if a.strip())
        year, month, day = (int(x) for x in m["date"].split("-"))
        out.append(_Header(i, top, authors, f"{year:04d}-{month:02d}-{day:02d}"))
    return out


def decks(lines: list[str]) -> tuple[str | None, str, str | None]:
    """(kicker, title, subtitle) from a headline's lines in printed order (cleaned text)."""
    kicker: list[str] = []
    plain: list[str] = []
    subtitle: list[str] = []
    for raw in lines:
        text = clean_title(raw)
        if not text:
            continue
        if text.startswith("—"):
            subtitle.append(text.lstrip("—").strip())
        elif text.endswith("—") and not plain:
            kicker.append(text.rstrip("—").strip())
        else:
            plain.append(text)
    if len(plain) >= 2 and not kicker and _reads_as_kicker(plain[0], plain[1], len(plain)):
        kicker.append(plain.pop(0))
    if not plain:
        plain, kicker = kicker[-1:], kicker[:-1]
    title = plain[0] if plain else ""
    subtitle = plain[1:] + subtitle
    return (" ".join(kicker) or None, title, " ".join(subtitle) or None)


def _reads_as_kicker(first: str, second: str, count: int) -> bool:
    """Whether the first of two or more plain headline decks is the kicker (see the module docstring)."""
    if count >= 3 or _SPEECH_END.search(first) or len(first) <= _SHORT_KICKER:
        return True
    if _COLUMN_TAG.search(second) and not _COLUMN_TAG.search(first):
        return True
    return "，" in first and "，" not in second


def parse_dump(text: str) -> list[Article]:
    """The articles of a dump, in file order. Text before the first headline (none in a well-formed dump)
    becomes an untitled article's body so that nothing is lost."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headers = _headers(lines)
    articles: list[Article] = []
    if headers and any(line.strip() for line in lines[: headers[0].top]):
        lead = Article(title="")
        read_body(
            lead,
            [Line(i, lines[i], indented=lines[i].startswith("\u3000")) for i in range(headers[0].top)],
            (),
        )
        if lead.paragraphs:
            articles.append(lead)
    for n, head in enumerate(headers):
        end = headers[n + 1].top if n + 1 < len(headers) else len(lines)
        kicker, title, subtitle = decks(lines[head.top : head.line])
        art = Article(title=title, kicker=kicker, subtitle=subtitle, date=head.date)
        art.byline = "、".join(head.authors) or None
        body = [Line(i, lines[i], indented=lines[i].startswith("\u3000")) for i in range(head.line + 1, end)]
        read_body(art, body, head.authors)
        if not art.title:
            art.title, art.title_derived = (
                (art.paragraphs[0].text[:30] if art.paragraphs else "（无题）"),
                True,
            )
        if not any(_same(art, other) for other in articles):  # an article printed twice in one file
            articles.append(art)
    return articles


def _same(a: Article, b: Article) -> bool:
    return (a.title, a.date, [p.text for p in a.paragraphs]) == (
        b.title,
        b.date,
        [p.text for p in b.paragraphs],
    )
