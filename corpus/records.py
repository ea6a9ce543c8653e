"""Articles from one Markdown file or one JSON record: fields from front matter or keys, body via :mod:`corpus.body`.

Markdown (:mod:`corpus.markdown_reader`): ``### 引题`` above ``# 标题`` is the kicker, ``## 副题`` right under
it the subtitle; ``> byline《人民日报》（2025年01月02日第 07 版）`` gives byline, date and page (and stays a
searchable note). A front-matter ``title`` that is itself such a byline trailer (a crawler slip) is not a
title: the headline the file does print is used (its kicker, or its first heading).

JSON records ``{title, date, author, source, url, text}`` (``content``/``body`` for ``text``). A record that
carries its body twice — plain ``content`` and Markdown ``markdown_body`` — is read once, from
``markdown_body`` (it keeps the kicker, subheads and byline line); ``summary`` is not read (it repeats the
opening). ``plate`` (the page's section name, ``要闻``) is not read; ``page`` or the trailer gives the page. An ``author`` that is not a plausible byline (crawler garbage: a
fragment of a sentence) is ignored in favour of the byline printed in the text.
"""

from __future__ import annotations

import re
from typing import Any

from corpus.body import Line, read_body
from corpus.clean import clean_text
from corpus.encoding import BadSource
from corpus.furniture import format_byline, page_trailer, plausible_byline
from corpus.html_reader import squash
from corpus.markdown_reader import MarkdownDoc, parse_markdown
from corpus.models import CAPTION, Article, Caption
from corpus.titles import clean_title

__all__ = ["markdown_article", "record_article", "split_text"]

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
DERIVED_TITLE_CHARS = 30
TEXT_KEYS = ("text", "content", "body")


def normalize_date(value: object) -> str | None:
    """An ISO date from ``2023年4月11日``, ``2023/4/11``, ``2023-04-11T08:00+08:00``…; else the text."""
    if value is None:
        return None
    text = squash(str(value))
    found = _DATE.search(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return text or None


def derive_title(article: Article, name: str) -> str:
    """A title for an article the source gave none: its first sentence (shortened), else ``name``."""
    for p in article.paragraphs:
        first = _SENTENCE_END.split(p.text, maxsplit=1)[0].strip()
        if first:
            return first if len(first) <= DERIVED_TITLE_CHARS else first[:DERIVED_TITLE_CHARS] + "…"
    return name or "（无题）"


def split_text(text: str) -> list[str]:
    """Raw paragraphs of a record's text: blank-line separated blocks if it has any, else one per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [part.strip() for part in parts if part.strip()]


def _author(value: object) -> str | None:
    """A crawler's author field as a byline, or None when it does not look like one."""
    text = squash(str(value)) if value else ""
    return format_byline(str(value)) if text and plausible_byline(text) else None


def markdown_article(doc: MarkdownDoc, *, name: str = "", author: object = None) -> Article:
    """One article from a parsed Markdown document (see the module docstring)."""
    title = clean_title(doc.title) if doc.title else ""
    kicker = clean_title(doc.kicker).rstrip("—").strip() or None if doc.kicker else None
    blocks = list(doc.blocks)
    if title and page_trailer(re.sub(r"\s+", "", title)):  # the crawler took the byline for the title
        title = ""
        lead = blocks[0][0] if blocks else None
        if kicker:
            title, kicker = kicker, None
        elif lead and all(b[0] == lead for b in blocks[:1]):
            title = clean_title(lead)
            blocks = [(None if h == lead else h, t, r) for h, t, r in blocks]
    art = Article(title=title, kicker=kicker, subtitle=clean_title(doc.subtitle) if doc.subtitle else None)
    art.byline = _author(author if author is not None else doc.fields.get("author"))
    art.date = normalize_date(doc.fields.get("date"))
    art.source = doc.fields.get("source")
    art.url = doc.fields.get("url") or doc.fields.get("source_url")
    section = doc.fields.get("section")
    art.page = section if section and re.fullmatch(r"第\d{1,3}版", section) else None
    printed = _printed_byline(blocks)
    if printed:
        art.byline = printed  # the byline the article prints beats the crawler's field
    lines = [Line(i, raw, heading=h, text=_join(text)) for i, (h, text, raw) in enumerate(blocks)]
    read_body(art, lines, ())
    art.captions[:0] = [
        Caption(clean_text(c).strip(), kind=CAPTION, raw=c) for c in doc.captions if clean_text(c)
    ]
    if not art.title:
        art.title, art.title_derived = derive_title(art, name), True
    return art


def _join(text: str) -> str:
    """A block's lines as one line: a space between Latin words or numbers, nothing between Chinese."""
    out = ""
    for line in (squash(x) for x in text.split("\n")):
        if line:
            latin = out and re.search(r"[A-Za-z0-9,.;:!?)]$", out) and re.match(r"^[A-Za-z0-9(]", line)
            out += (" " if latin else "") + line
    return out


def _printed_byline(blocks: list[tuple[str | None, str, str]]) -> str | None:
    """The byline of a ``> byline《paper》（…版）`` line among the first blocks, if it names anyone."""
    for _, text, _ in blocks[:3]:
        trailer = page_trailer(text)
        if trailer and trailer.byline:
            return format_byline(trailer.byline)
    return None


def record_article(value: Any, where: str) -> Article:
    """One article from a JSON record (see the module docstring)."""
    if not isinstance(value, dict):
        raise BadSource(f"{where} is not a JSON object: give each record {{title, date, author, text}}")
    author = value.get("author") or value.get("byline")
    markdown = value.get("markdown_body")
    if isinstance(markdown, str) and markdown.strip():
        doc = parse_markdown(markdown)
        doc.title = doc.title or (str(value["title"]) if value.get("title") else None)
    else:
        body = next((value[k] for k in TEXT_KEYS if value.get(k)), None)
        raws = [str(x).strip() for x in body if str(x).strip()] if isinstance(body, list) else []
        raws = split_text(body) if isinstance(body, str) else raws
        doc = MarkdownDoc(title=str(value["title"]) if value.get("title") else None)
        doc.blocks = [(None, r, r) for r in raws]
    if value.get("title"):
        doc.title = str(value["title"])
    art = markdown_article(doc, author=author)
    if not art.paragraphs:
        raise BadSource(f'{where} has no text: give it a non-empty "text" (or "content"/"body") field')
    if not value.get("title"):
        art.title_derived = True
    art.date = normalize_date(value.get("date")) or art.date
    art.source = str(value["source"]) if value.get("source") else art.source
    art.url = str(value["url"]) if value.get("url") else art.url
    page = value.get("page") or value.get("section")
    art.page = str(page) if page else art.page
    return art
