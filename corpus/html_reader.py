"""Read an HTML article page (stdlib ``html.parser``): title, byline, date, paragraphs, headings, captions.

Navigation, header, footer, aside, script, style, noscript and forms are dropped (a ``<header>``
inside ``<article>`` is kept for its title and byline only). Body paragraphs come from ``<p>`` (and
``<br>``-separated lines inside one), ``<h2>``-``<h4>`` become the heading of the paragraphs below them,
``<figcaption>`` and caption classes (``pic-info``, ``img-desc``…) give captions; an info line
``来源：… 作者：… 时间：…`` fills source, byline and date and, like the editor line ``（责任编辑：…）``, is kept as a
note; the headline printed again in the body is left out; ``<meta name="source">`` names the source. When the page has an ``<article>`` (or ``<main>``) holding paragraphs, only
those count. A page with no ``<p>`` at all falls back to its other text blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# fmt: off
SKIP_TAGS = frozenset(("nav", "header", "footer", "aside", "script", "style", "noscript", "form", "template",
                       "iframe", "svg", "button", "select", "textarea"))
VOID_TAGS = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                       "track", "wbr"))
BLOCK_TAGS = frozenset(("p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "td", "th",
                        "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt"))
# fmt: on
HEADING_TAGS = frozenset(("h2", "h3", "h4"))
_NOISE_CLASS = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|sidebar|share|comments?|related|advert|ads?)($|[\s_-])"
)
_BYLINE_CLASS = re.compile(r"author|byline")
_CAPTION_CLASS = re.compile(r"caption|pic-?info|img-?(?:desc|text|title)|photo-?desc|pictext")
_INFO_LINE = re.compile(
    r"^(?:(?:来源|稿源)\s*[:：]\s*(?P<source>\S+?)\s*)?(?:(?:作者|记者)\s*[:：]\s*(?P<author>\S.*?)\s*)?"
    r"(?:(?:时间|发布时间|日期)\s*[:：]\s*(?P<date>\d{4}\S*(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?))\s*$"
)
_NAME = r"[\u4e00-\u9fff·]{2,5}"
_BYLINE_TEXT = re.compile(
    rf"^(?:(?:本报|新华社|中新社)?(?:特约)?(?:记者|通讯员)[\s:：]*{_NAME}(?:[\s、]+{_NAME})*\s*)+$"
    r"|^(?:作者|文)\s*[:：/／]\s*\S.{0,30}$"
)
_EDITOR_TEXT = re.compile(r"^[（(]?\s*(责任编辑|编辑|责编)[:：]")
_SPACE = re.compile(r"[\s\u00a0\u3000]+")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜| - | — )\s*")


@dataclass
class HtmlDoc:
    """What an HTML page says about its article, as plain strings (not yet cleaned)."""

    title: str | None = None
    title_source: str = ""  # og:title, h1 or title
    byline: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    subtitle: str | None = None
    blocks: list[tuple[str | None, str]] = field(default_factory=list)  # (heading, paragraph text)
    captions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # info line, editor line: printed, not body text


def squash(text: str) -> str:
    """Collapse runs of whitespace (also no-break and ideographic spaces) to one space and strip."""
    return _SPACE.sub(" ", text).strip()


@dataclass
class _Block:
    tag: str
    parts: list[str] = field(default_factory=list)
    in_article: bool = False
    in_header: bool = False
    byline_hint: bool = False
    caption_hint: bool = False


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped here, byline hint)
        self.meta: dict[str, str] = {}
        self.block: _Block | None = None
        self.done: list[_Block] = []
        self.title_parts: list[str] = []
        self.in_title = False
        self.time_datetime: str | None = None
        self.canonical: str | None = None

    # -- state --------------------------------------------------------------------------------------------
    def _inside(self, *tags: str) -> bool:
        return any(t in tags for t, _, _ in self.stack)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped, _ in self.stack)

    def _in_article_header(self) -> bool:
        tags = [t for t, _, _ in self.stack]
        return "header" in tags and any(t in ("article", "main") for t in tags[: tags.index("header")])

    def _flush(self) -> None:
        if self.block is not None and squash("".join(self.block.parts)):
            self.done.append(self.block)
        self.block = None

    def _open_block(self, tag: str, byline_hint: bool) -> None:
        self._flush()
        hint = byline_hint or any(h for _, _, h in self.stack)
        self.block = _Block(tag, [], self._inside("article", "main"), self._in_article_header(), hint)

    # -- parser callbacks -----------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = a["content"]
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower():
            self.canonical = a.get("href") or None
            return
        if tag == "time" and a.get("datetime") and not self.time_datetime and not self._skipping():
            self.time_datetime = a["datetime"]
        if tag == "br" and self.block is not None:
            self.block.parts.append("\n")
        if tag in VOID_TAGS:
            return
        if tag == "title":
            self.in_title = not self._skipping()
        classes = f"{a.get('class', '')} {a.get('id', '')}".lower()
        skipped = (tag in SKIP_TAGS and not (tag == "header" and self._inside("article", "main"))) or bool(
            a.get("role") == "navigation" or _NOISE_CLASS.search(classes)
        )
        byline_hint = bool(
            _BYLINE_CLASS.search(classes) or a.get("rel") == "author" or a.get("itemprop") == "author"
        )
        if tag in BLOCK_TAGS and not self._skipping() and not skipped:
            self._open_block(tag, byline_hint)
            if self.block is not None and _CAPTION_CLASS.search(classes):
                self.block.caption_hint = True
        elif tag in BLOCK_TAGS or skipped:
            self._flush()
        self.stack.append((tag, skipped, byline_hint))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if not any(t == tag for t, _, _ in self.stack):
            return
        while self.stack:
            top, _, _ = self.stack.pop()
            if top in BLOCK_TAGS or top in SKIP_TAGS:
                self._flush()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if self._skipping():
            return
        if self.block is None:  # text directly inside an inline element or <body>
            self.block = _Block("text", [], self._inside("article", "main"), self._in_article_header(), False)
        self.block.parts.append(data)


def parse_html(text: str) -> HtmlDoc:
    """Read an HTML page into an :class:`HtmlDoc`."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    parser._flush()
    meta = parser.meta
    doc = HtmlDoc(
        byline=squash(meta.get("author", "")) or None,
        date=meta.get("article:published_time")
        or parser.time_datetime
        or _first(meta, "date", "pubdate", "publishdate", "datepublished"),
        source=squash(meta.get("source", "") or meta.get("og:site_name", "")) or None,
        url=meta.get("og:url") or parser.canonical,
    )
    blocks = parser.done
    h1 = next((squash("".join(b.parts)) for b in blocks if b.tag == "h1"), "")
    page_title = squash("".join(parser.title_parts))
    if meta.get("og:title"):
        doc.title, doc.title_source = squash(meta["og:title"]), "og:title"
    elif h1:
        doc.title, doc.title_source = h1, "h1"
    elif page_title:
        first = _TITLE_SEPARATORS.split(page_title)[0]
        doc.title, doc.title_source = first or page_title, "title"
    _collect_body(doc, blocks)
    return doc


def _first(meta: dict[str, str], *keys: str) -> str | None:
    return next((meta[k] for k in keys if meta.get(k)), None)


def _collect_body(doc: HtmlDoc, blocks: list[_Block]) -> None:
    """Fill paragraphs, headings, captions and (from byline-ish blocks) the byline."""
    scoped = any(b.in_article and b.tag == "p" for b in blocks)
    has_p = any(b.tag == "p" for b in blocks)
    heading: str | None = None
    info_author: str | None = None  # an info line's author, used when no byline line is printed
    for b in blocks:
        if scoped and not b.in_article:
            continue
        text = squash("".join(b.parts).replace("\n", " "))
        if b.tag == "figcaption" or b.caption_hint:
            doc.captions.append(text)
            continue
        if b.tag == "h1" or (doc.title and _SPACE.sub("", text) == _SPACE.sub("", doc.title)):
            continue  # the headline (printed again in the body)
        info = _INFO_LINE.match(text)
        if info and len(text) <= 120:
            doc.notes.append(text)
            doc.source = info["source"] or doc.source
            info_author = info_author or info["author"]
            doc.date = doc.date or info["date"]
            continue
        if b.tag in HEADING_TAGS:
            heading = text
            continue
        if (b.byline_hint and len(text) <= 60) or (len(text) <= 40 and _BYLINE_TEXT.match(text)):
            doc.byline = doc.byline or text
            continue
        if _EDITOR_TEXT.match(text):
            doc.notes.append(text)
            continue
        if b.in_header:
            doc.subtitle = doc.subtitle or text
            continue
        if b.tag == "p" or not has_p:
            for line in "".join(b.parts).split("\n"):
                if squash(line):
                    doc.blocks.append((heading, squash(line)))
    doc.byline = doc.byline or info_author
