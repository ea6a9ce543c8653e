"""Read an article's body lines: paragraphs and subheads in, printed furniture out into fields and captions.

Used for dump articles (one line a paragraph, indented with ``　　``) and for Markdown/JSON bodies (one block a
paragraph). Each unit is read in order:

- a photo **credit** (``新华社记者鞠鹏摄``) is a credit; the unit just before it is its **caption** when it is a
  short line set apart from the text (not indented in a dump; at most 80 characters elsewhere); a caption with
  its credit glued on (``…参观。卜登鹏摄``) is split into both; a caption (and its credit) printed again is
  stored once;
- a **byline line** (``本报驻朝鲜记者莽九晨``; before the first paragraph also the author's bare name; later in
  the body it signs a section of a multi-author piece), a whole-line
  **trailer** (``（本报平壤6月22日电）``, ``（摘编自《安徽日报》…）``), a ``byline《人民日报》（…第07版）`` line and the
  short lines that end a dump article (a letter's signature) are **notes**: searchable, never body text;
- a ``■`` line, or a short line without final punctuation followed by a paragraph, is a **subhead** (with a
  quoted line set right above it: ``“没有后顾之忧，可以心无旁骛搞研发”`` / ``政策支持，坚定企业信心``);
- everything else is a paragraph. A run of four or more short list rows (``巴基斯坦总统扎尔达里；``) becomes
  passages of up to :data:`MAX_CHARS` characters (flagged ``joined``), and a paragraph longer than
  :data:`LONG_CHARS` is cut at sentence ends into passages of about :data:`MAX_CHARS` (see :mod:`corpus.passages`).

The first paragraph's dateline (``本报北京7月11日电（记者赵成）``) gives the place (and the byline when there is
no other); the dateline stays in the text, as printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.clean import clean_text
from corpus.furniture import (
    byline_names,
    format_byline,
    is_byline_line,
    is_credit,
    is_trailer,
    page_trailer,
    read_dateline,
    reprinted_from,
    split_caption_credit,
)
from corpus.models import CAPTION, CREDIT, JOINED, NOTE, Article, Caption, Paragraph
from corpus.passages import group_rows, split_long
from corpus.titles import clean_title

__all__ = ["Line", "read_body"]

_CAPTION_CHARS = 80
_HEAD_CHARS = 24
_FINAL = tuple("。！？；…：”’）」")
_MARK = "■"


@dataclass
class Line:
    """One unit of body text as it stands in the file (a dump line, a Markdown block)."""

    index: int
    raw: str
    heading: str | None = None  # a heading the format itself marked (Markdown)
    text: str | None = None  # the text without the format's markup, when it has any (Markdown)
    indented: bool | None = None  # None when the format has no indentation


@dataclass
class _Unit:
    kind: str  # para, heading, caption, credit, note
    text: str
    raw: str
    heading: str | None = None
    dump: bool = False  # from a line-per-paragraph dump (where a letter's signature lines end the body)


def _is_head(text: str) -> bool:
    return bool(text) and len(text) <= _HEAD_CHARS and not text.endswith(_FINAL) and "。" not in text


def read_body(article: Article, lines: Sequence[Line], authors: Sequence[str]) -> None:
    """Fill ``article``'s paragraphs, captions and fields from its body ``lines`` (see the module docstring)."""
    names = tuple(authors) + (byline_names(article.byline) if article.byline else ())
    units = _classify([ln for ln in lines if ln.raw.strip()], names, article)
    _assign_headings(units)
    _finish(article, units)


def _classify(lines: list[Line], names: tuple[str, ...], article: Article) -> list[_Unit]:
    units: list[_Unit] = []
    captions: set[str] = set()
    for line in lines:
        text = clean_text(line.raw if line.text is None else line.text)
        if not text:
            continue
        body_seen = any(u.kind == "para" for u in units)
        glued = split_caption_credit(text)
        trailer = page_trailer(text)
        if glued:
            units += [_Unit(CAPTION, glued[0], line.raw), _Unit(CREDIT, glued[1], line.raw)]
            captions.add(glued[0])
        elif is_credit(text) and units and units[-1].kind == CREDIT and units[-1].text == text:
            continue  # the credit printed again with its caption
        elif is_credit(text):
            prev = units[-1] if units else None
            if prev and prev.kind == "para" and _caption_like(prev, lines, line):
                prev.kind = CAPTION
                captions.add(prev.text)
            units.append(_Unit(CREDIT, text, line.raw))
        elif text in captions or (units and units[-1].kind == CAPTION and units[-1].text == text):
            continue  # a caption printed again
        elif units and units[-1].kind == "para" and units[-1].text == text and len(text) <= _CAPTION_CHARS:
            units[-1].kind = CAPTION  # printed twice in a row: a photo's caption, shown beside the photo
            captions.add(text)
        elif trailer is not None:
            units.append(_Unit(NOTE, text, line.raw))
            article.page = article.page or trailer.page
            article.date = article.date or trailer.date
            if trailer.byline and not article.byline:
                article.byline = format_byline(trailer.byline) or None
        elif is_trailer(text) or is_byline_line(text, () if body_seen else names):
            units.append(_Unit(NOTE, text, line.raw))
            if not body_seen and not article.byline and not is_trailer(text):
                article.byline = format_byline(line.raw.strip().lstrip("\u3000")) or None
        elif text.startswith(_MARK):
            units.append(_Unit("heading", text.lstrip(_MARK).strip(), line.raw))
        else:
            units.append(_Unit("para", text, line.raw, heading=line.heading, dump=line.indented is not None))
    return units


def _caption_like(prev: _Unit, lines: list[Line], line: Line) -> bool:
    """Whether the paragraph before a credit is that photo's caption (see the module docstring)."""
    source = next((ln for ln in lines if ln.raw == prev.raw), None)
    indented = source.indented if source else None
    if indented is not None:
        return not indented and len(prev.text) <= 4 * _CAPTION_CHARS
    return len(prev.text) <= _CAPTION_CHARS or prev.text.startswith("图为")


def _assign_headings(units: list[_Unit]) -> None:
    """Short lines followed by a paragraph become subheads; the short lines that end the body (a letter's
    signature and date: ``中国共产党中央委员会总书记`` / ``胡锦涛``), notes."""
    paras = [i for i, u in enumerate(units) if u.kind == "para"]
    while len(paras) > 1 and units[paras[-1]].dump and _is_head(units[paras[-1]].text):
        units[paras.pop()].kind = NOTE
    last = paras[-1] if paras else -1
    for i in paras:
        u = units[i]
        if i == last:
            break
        nxt = next((x for x in units[i + 1 :] if x.kind in ("para", "heading")), None)
        if _is_head(u.text) and nxt is not None and nxt.kind == "para" and not _is_head(nxt.text):
            u.kind = "heading"
    for i in reversed(paras):  # a quoted line set above a subhead is the subhead's first deck
        u = units[i]
        if i + 1 < len(units) and units[i + 1].kind == "heading" and _is_quote_line(u.text):
            u.kind = "heading"


def _is_quote_line(text: str) -> bool:
    return (
        len(text) <= 2 * _HEAD_CHARS and text.startswith("“") and text.endswith("”") and text.count("“") == 1
    )


def _finish(article: Article, units: list[_Unit]) -> None:
    heading: str | None = None
    pending: list[str] = []
    body: list[_Unit] = []
    for u in units:
        if u.kind == "heading":
            pending.append(_deck_text(u))
            continue
        if u.kind == "para":
            if pending:
                heading, pending = " ".join(pending), []
            u.heading = clean_title(u.heading) if u.heading else heading
            body.append(u)
        else:
            article.captions.append(Caption(u.text, kind=u.kind, raw=u.raw))
    for text in pending:  # a subhead with nothing under it: keep it, as a note
        article.captions.append(Caption(text, kind=NOTE, raw=text))
    for group in group_rows([(u.heading, u.text, u.raw) for u in body]):
        heading, text, raw, joined = group
        pieces = split_long(text)
        flags = (JOINED,) if joined else ()
        for piece in pieces:
            # a long line cut into passages: each traces to its own piece (the whole line on each was quadratic:
            # 1,750 copies of a 524k-character record); a joined one keeps the lines it was put together from
            traced = raw if joined or len(pieces) == 1 else piece
            article.paragraphs.append(Paragraph(piece, heading=heading, flags=flags, raw=traced))
    first = article.paragraphs[0].text if article.paragraphs else ""
    dateline = read_dateline(first)
    if dateline:
        article.place = article.place or dateline.place
        if not article.byline and dateline.names:
            article.byline = "记者" + "、".join(dateline.names)
    if not article.byline or not byline_names(article.byline):
        article.byline = _trailer_byline(article) or article.byline
    article.source = article.source or _reprint_source(article)


def _deck_text(u: _Unit) -> str:
    """A subhead as printed, the space between its two decks kept (``统筹规划  开拓现代商贸物流新局面``)."""
    shown = clean_title(u.raw.strip().lstrip(_MARK))
    return shown if re.sub(r"\s+", "", shown) == u.text else u.text


def _reprint_source(article: Article) -> str | None:
    """The outlet a reprint trailer names (``（摘编自《安徽日报》，原题为《…》）`` → 安徽日报): the article's source."""
    for cap in article.captions:
        span = reprinted_from(cap.text) if cap.kind == NOTE else None
        if span is not None:
            return cap.text[span[0] : span[1]]
    return None


def _trailer_byline(article: Article) -> str | None:
    """The reporters a closing trailer names (``（本报记者张文豪、施钰）``), for an article with no names yet."""
    for cap in article.captions:
        m = re.fullmatch(r"（((?:本报|新华社)?记者[^（）]{2,200})）", cap.text) if cap.kind == NOTE else None
        if m and byline_names(m[1]):
            return m[1]
    return None
