"""Split a newspaper page dump (text extracted from a PDF page) into articles and whole paragraphs.

The dump is blocks separated by blank lines; inside a block, a space marks where the PDF wrapped a line.
Each block is classified, then the page is read in order:

- **furniture** — a column marker ``R`` + name (``R金台潮声``); a kicker ending in ``—`` (or a place-line
  ``辽宁省沈阳市——``, stored without the dashes); a byline (``本报记者 马跃峰``, ``新华社记者 …`` with one or
  more names); a title (a short line without final punctuation that follows a kicker or column marker, or
  stands before a byline, or opens the text); captions (``上图：…``, ``图为…``, ``（图片来源…）``) and credits
  (``庄志斌摄``, ``本报记者 X摄``, ``新华社发``), which go to the article's captions, never its body.
- **subheadings** — a short line without final punctuation inside an article, followed by body text.
- **body paragraphs** — everything else; blocks of fewer than four CJK characters are page debris and dropped.

Paragraphs cut by a column break are put back together. A paragraph is *unfinished* when it does not end in
final punctuation. A stray fragment that starts mid-sentence (``措。明确…``) is first moved to the unfinished
paragraph whose last characters it completes into a dictionary word (``举`` + ``措``). Then an unfinished
paragraph is joined with the next body block unless that block clearly starts a paragraph of its own: it
opens with a quotation mark or bracket, the unfinished paragraph has a quotation left open that the next block
never closes, or the evidence against joining (the next line indented as a paragraph start, a typical
opening such as ``近年来``) outweighs the evidence for it (a word across the break, a line that is not
indented, a last word that cannot end a sentence). An unfinished paragraph that stays alone is flagged
``TRUNCATED``; one made of several blocks is flagged ``JOINED``. ``Paragraph.raw`` keeps the blocks it came
from, as they stood in the file, one per line.

**Derived titles.** A piece without a title (a commentary under a column marker) gets ``title_derived=True``
and the title ``<column>：<clause>`` (the bare clause without a column). The clause is the opening of its
first paragraph — or, when that paragraph opens with a quotation introduced by ``：``, of the
quotation — up to the first clause boundary at or after 8 characters, cut to 24.
"""

from __future__ import annotations

import functools
import logging
import re
import statistics
from dataclasses import dataclass, field

from corpus.clean import clean_text, is_cjk
from corpus.models import JOINED, TRUNCATED, Article, Caption, Paragraph

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
_FINAL = set("。！？!?…：:；;")
_CLOSERS = set("”’\"'）)》」』")
_OPENERS = set("“‘\"'（(《「『【")
_NO_START = set("，。、；：？！）》」』,.;:?!)") | set("的了着过地得吗呢吧啊")
_NO_END_WORDS = (
    "的",
    "和",
    "与",
    "及",
    "或",
    "在",
    "把",
    "对",
    "为",
    "将",
    "被",
    "从",
    "向",
    "共同",
    "一起",
    "正在",
)
_OPENING_WORDS = re.compile(
    r"^(?:\d{4}年|\d{1,2}月|去年|今年|前年|近年来|近日|目前|如今|此外|同时|另外|据介绍|据了解|截至|年底|年初)"
)
_MIN_BODY_CJK = 4
_MAX_SHORT = 30


@dataclass
class _Block:
    """One block of the dump with its display text and kind."""

    raw: str
    text: str
    kind: str  # column, kicker, byline, caption, credit, short, body, junk


@dataclass
class _Piece:
    """A body paragraph being assembled from one or more blocks."""

    blocks: list[_Block]
    heading: str | None

    @property
    def text(self) -> str:
        return clean_text(" ".join(b.raw for b in self.blocks))


@dataclass
class _Draft:
    article: Article
    items: list[_Piece] = field(default_factory=list)
    heading: str | None = None


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if is_cjk(ch))


def _ends_sentence(text: str) -> bool:
    """Whether the text ends in final punctuation (closing quotes and brackets looked through)."""
    stripped = text.rstrip("".join(_CLOSERS))
    return bool(stripped) and stripped[-1] in _FINAL


def _unfinished(text: str) -> bool:
    """Whether a paragraph stops mid-sentence: no final punctuation and no closing quote or bracket."""
    return bool(text) and text[-1] not in _CLOSERS and not _ends_sentence(text)


def _classify(raw: str) -> str:
    text = clean_text(raw)
    compact = re.sub(r"\s+", " ", raw.strip())
    if not text:
        return "empty"
    if _CAPTION.match(compact):
        return "caption"
    if _CREDIT.match(compact):
        return "credit"
    if _BYLINE.match(compact):
        return "byline"
    if _COLUMN.match(compact) and not _unfinished(text + "。") and not text[1:].rstrip('”"').endswith("。"):
        return "column"
    if _KICKER_END.search(compact) and len(text) <= 80:
        return "kicker"
    if _cjk_count(text) < _MIN_BODY_CJK:
        return "junk"
    balanced = text.count("“") == text.count("”") and "。" not in text
    if len(text) <= _MAX_SHORT and balanced and not _ends_sentence(text) and text[-1] not in "，、,":
        return "short"
    return "body"


def _blocks(text: str) -> list[_Block]:
    out: list[_Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        raw = " ".join(chunk.split("\n")).strip()
        kind = _classify(raw)
        if kind == "caption":
            out.extend(_Block(part, clean_text(part), "caption") for part in _CAPTION_SPLIT.split(raw))
        elif kind != "empty":
            out.append(_Block(raw, clean_text(raw), kind))
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
        elif block.kind == "short" and cur is not None and cur.items and _heading(block, blocks[i + 1 :]):
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
            cur.items.append(_Piece([block], cur.heading))
        else:
            log.debug("dropping page debris %r", block.raw)
    if orphans and drafts:
        drafts[-1].article.captions.extend(orphans)
    _place_strays(drafts)
    articles = [_finish(d) for d in drafts]
    return [a for a in articles if a.paragraphs or a.title]


def _heading(block: _Block, rest: list[_Block]) -> bool:
    """Whether a short line inside an article is a subheading: set in larger type, or not continued."""
    body = [b for b in rest if b.kind in ("body", "short")]
    if not body or next(b for b in rest if b.kind not in ("caption", "credit", "junk")) is not body[0]:
        return False
    lines, widest = _lines(block.raw), max(w for b in body[:3] for w in [0.0, *_lines(b.raw)])
    if len(lines) >= 2 and max(lines) < 0.75 * widest:
        return True  # it wraps although its lines are far narrower than the body's: larger type
    return not _joins(_Piece([block], None), body[0], body[1:])


def _starts_mid_sentence(text: str) -> bool:
    """Whether a block begins inside a sentence: a sentence of one or two characters, or a no-start char."""
    if not text or text[0] in _NO_START:
        return True
    m = re.match(r"^[^，。！？；：,!?;:“”\"]{1,2}[。！？]", text)
    return m is not None


@functools.lru_cache(maxsize=1)
def _words() -> dict[str, int]:
    """jieba's dictionary as word → frequency (words of two to four characters)."""
    import jieba

    words: dict[str, int] = {}
    with jieba.get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2 and 2 <= len(parts[0]) <= 4:
                words[parts[0]] = int(parts[1])
    return words


def _bridge(tail: str, head: str) -> int:
    """Frequency of the best dictionary word spanning the end of ``tail`` and the start of ``head``."""
    words, best = _words(), 0
    for a in (1, 2):
        for b in (1, 2):
            left, right = tail[-a:], head[:b]
            if len(left) == a and len(right) == b and all(is_cjk(c) for c in left + right):
                best = max(best, words.get(left + right, 0))
    return best if best >= 50 else 0


def _width(piece: str) -> float:
    """Display width in ems: CJK characters 1, ASCII letters, digits and punctuation ½."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in piece)


def _lines(raw: str) -> list[float]:
    """Widths of the PDF lines of a block: its space-separated pieces merged greedily up to the widest."""
    pieces = [_width(p) for p in raw.split()]
    if not pieces:
        return []
    cap, lines = max(pieces) + 0.25, [pieces[0]]
    for w in pieces[1:]:
        if lines[-1] + w <= cap:
            lines[-1] += w
        else:
            lines.append(w)
    return lines


def _measure(block: _Block) -> list[float]:
    """Widths of the block's full lines (not its first; its last only when the text runs on)."""
    lines = _lines(block.raw)
    return lines[1:] if _unfinished(block.text) else lines[1:-1]


def _indented(block: _Block, around: list[_Block]) -> bool | None:
    """Whether the block's first line is indented (a paragraph start); None when the widths cannot tell.

    The full line width comes from the block itself, else from the body blocks ``around`` it.
    """
    full = _measure(block)
    for other in around:
        if len(full) >= 2:
            break
        full += _measure(other)
    lines = _lines(block.raw)
    if not full or not lines:
        return None
    return lines[0] <= statistics.median(full) - 1.25


def _joins(prev: _Piece, block: _Block, around: list[_Block]) -> bool:
    """Whether ``block`` continues the unfinished paragraph ``prev`` (see the module docstring)."""
    tail, head = prev.text, block.text
    if head[0] in _OPENERS and not _starts_mid_sentence(head):
        return False
    joint = _Piece([*prev.blocks, block], None).text
    if tail.count("“") > tail.count("”") and joint.count("“") > joint.count("”"):
        return False  # a quotation left open that the next block does not close
    score = 3 if _starts_mid_sentence(head) else 0
    score += 2 if _bridge(tail, head) else 0
    score += 1 if tail.endswith(_NO_END_WORDS) else 0
    score -= 1 if _OPENING_WORDS.match(head) else 0
    indented = _indented(block, around)
    score += 0 if indented is None else (-1 if indented else 1)
    return score > 0


def _place_strays(drafts: list[_Draft]) -> None:
    """Move fragments that start mid-sentence to the unfinished paragraph whose word they complete."""
    for d in drafts:
        for piece in list(d.items):
            head, at = piece.text, d.items.index(piece)
            if not _starts_mid_sentence(head) or (at and _unfinished(d.items[at - 1].text)):
                continue  # a fragment right after an unfinished paragraph is left to the join
            spots = [
                (_bridge(p.text, head), dd, p)
                for dd in drafts
                for p in dd.items
                if p is not piece and _unfinished(p.text)
            ]
            spots = [s for s in spots if s[0]]
            if not spots:
                continue
            _, target, p = max(spots, key=lambda s: s[0])
            d.items.remove(piece)
            target.items.insert(target.items.index(p) + 1, _Piece(piece.blocks, p.heading))
            log.debug("moved stray fragment %r after %r", head[:12], p.text[-12:])


def _finish(d: _Draft) -> Article:
    art = d.article
    merged: list[_Piece] = []
    for i, piece in enumerate(d.items):
        last = merged[-1] if merged else None
        around = [b for p in d.items[i + 1 :] + d.items[:i][::-1] for b in p.blocks]
        if (
            last
            and last.heading == piece.heading
            and _unfinished(last.text)
            and _joins(last, piece.blocks[0], around)
        ):
            last.blocks.extend(piece.blocks)
        else:
            merged.append(_Piece(list(piece.blocks), piece.heading))
    for piece in merged:
        flags: tuple[str, ...] = (JOINED,) if len(piece.blocks) > 1 else ()
        if _unfinished(piece.text):
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
