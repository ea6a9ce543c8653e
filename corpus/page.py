"""Split a newspaper page dump (text extracted from a PDF page) into articles and whole paragraphs.

The dump is blocks separated by blank lines; inside a block, a space marks where the PDF wrapped a line.
Each block is classified, then the page is read in order:

- **furniture** — a column marker ``R`` + name (``R金台潮声``); a kicker ending in ``—`` (or a place-line
  ``辽宁省沈阳市——``, stored without the dashes); a byline (``本报记者 马跃峰``, ``新华社记者 …`` with one or
  more names); a title (a short line without final punctuation that follows a kicker or column marker, or
  stands before a byline, or opens the text); captions (``上图：…``, ``图为…``, ``（图片来源…）``) and credits
  (``庄志斌摄``, ``本报记者 X摄``, ``新华社发``), which go to the article's captions, never its body.
- **subheadings** — a short line without final punctuation inside an article, followed by body text, that
  neither continues the unfinished paragraph before it nor runs on into the next block.
- **body paragraphs** — everything else; blocks of fewer than four CJK characters are page debris and dropped.

Paragraphs cut by a column break are put back together, stray fragments moved back where they belong, and
lost continuations flagged, by :mod:`corpus.repair`. ``Paragraph.raw`` keeps the blocks a paragraph came
from, as they stood in the file, one per line.

**Derived titles.** A piece without a title (a commentary under a column marker) gets ``title_derived=True``
and the title ``<column>：<clause>`` (the bare clause without a column). The clause is the opening of its
first paragraph — or, when that paragraph opens with a quotation introduced by ``：``, of the
quotation — up to the first clause boundary at or after 8 characters, cut to 24.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from corpus.clean import clean_text, is_cjk
from corpus.furniture import is_credit
from corpus.models import JOINED, TRUNCATED, Article, Caption, Paragraph
from corpus.repair import (
    Block,
    Piece,
    ends_sentence,
    joins,
    line_widths,
    merge,
    place_strays,
    truncated,
    unfinished,
)

__all__ = ["parse_page"]

log = logging.getLogger(__name__)

_ROLES = r"(?:本报(?:特约)?记者|本报通讯员|本报评论员|特约记者|新华社(?:特约)?记者|人民日报记者|记者|通讯员)"
_NAME = r"[\u4e00-\u9fff·]{2,5}"
_BYLINE = re.compile(rf"^(?:{_ROLES}\s*{_NAME}(?:[\s、,，]+{_NAME})*\s*)+$")
_CREDIT = re.compile(
    rf"^[(（]?(?:(?:{_ROLES}\s*)?{_NAME}(?:[\s、,，]+{_NAME})*\s*摄(?:影)?|新华社发|.{{1,12}}供图|资料图片)[)）]?$"
)
_CAPTION_START = r"(?:[上下左右中]{0,2}图[一二三四五六七八九\d]?\s*[:：]|图为|[(（]图片来源)"
_CAPTION = re.compile(rf"^{_CAPTION_START}")
_CAPTION_SPLIT = re.compile(rf"\s+(?={_CAPTION_START})")
_COLUMN = re.compile(r"^R\s*(\S.{0,24})$")
_KICKER_END = re.compile(r"(?:—{1,2}|-{2})$")
_MIN_BODY_CJK = 4
_MAX_SHORT = 30


@dataclass
class _Draft:
    article: Article
    items: list[Piece] = field(default_factory=list)
    heading: str | None = None


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if is_cjk(ch))


def _classify(raw: str) -> str:
    text = clean_text(raw)
    compact = re.sub(r"\s+", " ", raw.strip())
    if not text:
        return "empty"
    if _CAPTION.match(compact):
        return "caption"
    if _CREDIT.match(compact) or is_credit(text):  # also 胡 超摄: a wrap space inside a two-character name
        return "credit"
    if _BYLINE.match(compact):
        return "byline"
    if _COLUMN.match(compact) and not unfinished(text + "。") and not text[1:].rstrip('”"').endswith("。"):
        return "column"
    if _KICKER_END.search(compact) and len(text) <= 80:
        return "kicker"
    if _cjk_count(text) < _MIN_BODY_CJK:
        return "junk"
    balanced = text.count("“") == text.count("”") and "。" not in text
    if len(text) <= _MAX_SHORT and balanced and not ends_sentence(text) and text[-1] not in "，、,":
        return "short"
    return "body"


def _blocks(text: str) -> list[Block]:
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        raw = " ".join(chunk.split("\n")).strip()
        kind = _classify(raw)
        if kind == "caption":
            out.extend(Block(part, clean_text(part), "caption") for part in _CAPTION_SPLIT.split(raw))
        elif kind != "empty":
            out.append(Block(raw, clean_text(raw), kind))
    return out


def _strip_quotes(text: str) -> str:
    return text.strip('“”"「」')


def parse_page(text: str, source: str | None = None) -> list[Article]:
    """Split a page dump (or one plain article text) into articles with whole, cleaned paragraphs."""
    blocks = _blocks(text)
    drafts: list[_Draft] = []
    pending: dict[str, str] = {}
    orphans: list[Caption] = []

    def start(title: str | None) -> _Draft:
        art = Article(title=title or "", source=source, kicker=pending.pop("kicker", None))
        art.column = pending.pop("column", None)
        art.byline = pending.pop("byline", None)
        art.captions.extend(orphans)
        orphans.clear()
        drafts.append(_Draft(art))
        return drafts[-1]

    for i, block in enumerate(blocks):
        nxt = next((b.kind for b in blocks[i + 1 :] if b.kind not in ("caption", "credit", "junk")), None)
        cur = drafts[-1] if drafts else None
        if block.kind == "column":
            pending["column"] = _strip_quotes(clean_text(_COLUMN.match(block.raw.strip())[1]))  # type: ignore[index]
        elif block.kind == "kicker":
            pending["kicker"] = _KICKER_END.sub("", block.text).rstrip("—-")
        elif block.kind == "short" and (pending or nxt == "byline" or cur is None):
            start(block.text)
        elif (
            block.kind == "short"
            and cur is not None
            and cur.items
            and _heading(cur.items[-1], block, blocks[i + 1 :])
        ):
            cur.heading = block.text
        elif block.kind == "byline":
            byline = re.sub(r"\s+", " ", block.raw.strip())
            if cur is None or pending or cur.article.byline:
                pending["byline"] = byline
            else:
                cur.article.byline = byline
        elif block.kind in ("caption", "credit"):
            shown = block.text if block.kind == "caption" else re.sub(r"\s+", " ", block.raw)
            cap = Caption(shown, kind=block.kind, raw=block.raw)
            (cur.article.captions if cur and not pending else orphans).append(cap)
        elif block.kind in ("body", "short"):
            if cur is None or "column" in pending or "kicker" in pending:
                cur = start(None)
            cur.items.append(Piece([block], cur.heading))
        else:
            log.debug("dropping page debris %r", block.raw)
    if orphans and drafts:
        drafts[-1].article.captions.extend(orphans)
    place_strays([d.items for d in drafts])
    articles = [_finish(d) for d in drafts]
    return [a for a in articles if a.paragraphs or a.title]


def _heading(prev: Piece, block: Block, rest: list[Block]) -> bool:
    """Whether a short line inside an article is a subheading: set in larger type, or neither continuing the
    unfinished paragraph ``prev`` (``…全县水`` / ``产品产值突破百亿元``) nor continued by the next block."""
    body = [b for b in rest if b.kind in ("body", "short")]
    if not body or next(b for b in rest if b.kind not in ("caption", "credit", "junk")) is not body[0]:
        return False
    lines, widest = line_widths(block.raw), max(w for b in body[:3] for w in [0.0, *line_widths(b.raw)])
    if len(lines) >= 2 and max(lines) < 0.75 * widest:
        return True  # it wraps although its lines are far narrower than the body's: larger type
    if unfinished(prev.text) and joins(prev, block, body):
        return False
    return not joins(Piece([block], None), body[0], body[1:])


def _finish(d: _Draft) -> Article:
    art = d.article
    merged = merge(d.items)
    for i, piece in enumerate(merged):
        flags: tuple[str, ...] = (JOINED,) if len(piece.blocks) > 1 else ()
        if truncated(merged, i):
            flags += (TRUNCATED,)
        raw = "\n".join(b.raw for b in piece.blocks)
        art.paragraphs.append(Paragraph(piece.text, heading=piece.heading, flags=flags, raw=raw))
    if not art.title and art.paragraphs:
        art.title, art.title_derived = _derive_title(art.paragraphs[0].text, art.column), True
    return art


def _derive_title(text: str, column: str | None) -> str:
    """``<column>：<opening clauses>`` (see the module docstring)."""
    m = re.match(r"^[^“”。！？]{0,24}：“([^”]+)", text)
    source = m[1] if m else text
    ends = [b.start() for b in re.finditer(r"[，。！？；：]", source)] + [len(source)]
    clause = source[: next(e for e in ends if e >= 8 or e == len(source))].strip("“”")
    if len(clause) > 24:
        clause = clause[:23] + "…"
    return f"{column}：{clause}" if column else clause
