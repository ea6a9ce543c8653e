"""Repair what a page's layout broke: paragraphs cut by column breaks, stray fragments, lost continuations.

The page parser (:mod:`corpus.page`) hands over each article's body blocks in page order; this module puts
them back into whole paragraphs:

- **strays** — a fragment that starts mid-sentence (``措。明确…``) is moved to the unfinished paragraph whose
  last characters it completes into a dictionary word (``举`` + ``措``), wherever on the page that is.
- **joins** — an unfinished paragraph (no final punctuation) is joined with the next body block unless that
  block clearly starts a paragraph of its own: it opens with a quotation mark or bracket, the unfinished
  paragraph has a quotation left open that the next block never closes, or the evidence against joining (the
  next line indented as a paragraph start, a typical opening such as ``近年来``) outweighs the evidence for it
  (a word across the break, a line that is not indented, a last word that cannot end a sentence).
- **truncation** — a paragraph that is still unfinished is flagged ``TRUNCATED``: the page lost its
  continuation. Except when only the final mark is missing (the PDF text dropped a lone ``。``): its last
  line stops well short of the column's full width (so the text ended there, not at the column's foot), and
  it ends in a complete word that can close a sentence (a dictionary word of two or more characters, not a
  function word like ``的``, ``和``, ``在``). Such a paragraph is kept as it stands, without the flag.

Line widths come from the wrap spaces: a space inside a block marks where the PDF wrapped a line.
"""

from __future__ import annotations

import functools
import logging
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.clean import clean_text, is_cjk

__all__ = ["Block", "Piece", "ends_sentence", "joins", "line_widths", "merge", "place_strays", "truncated"]

log = logging.getLogger(__name__)

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
#: How much narrower than a full line (in ems) a last line must be to show that the text ended there.
_SHORT_LINE_EMS = 3.0


@dataclass
class Block:
    """One block of the dump (lines between blank lines) with its display text and kind."""

    raw: str
    text: str
    kind: str  # column, kicker, byline, caption, credit, short, body, junk


@dataclass
class Piece:
    """A body paragraph being assembled from one or more blocks."""

    blocks: list[Block]
    heading: str | None

    @property
    def text(self) -> str:
        return clean_text(" ".join(b.raw for b in self.blocks))


def ends_sentence(text: str) -> bool:
    """Whether the text ends in final punctuation (closing quotes and brackets looked through)."""
    stripped = text.rstrip("".join(_CLOSERS))
    return bool(stripped) and stripped[-1] in _FINAL


def unfinished(text: str) -> bool:
    """Whether a paragraph stops mid-sentence: no final punctuation and no closing quote or bracket."""
    return bool(text) and text[-1] not in _CLOSERS and not ends_sentence(text)


def _starts_mid_sentence(text: str) -> bool:
    """Whether a block begins inside a sentence: a sentence of one or two characters, or a no-start char."""
    if not text or text[0] in _NO_START:
        return True
    return re.match(r"^[^，。！？；：,!?;:“”\"]{1,2}[。！？]", text) is not None


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


def line_widths(raw: str) -> list[float]:
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


def _measure(block: Block) -> list[float]:
    """Widths of the block's full lines (not its first; its last only when the text runs on)."""
    lines = line_widths(block.raw)
    return lines[1:] if unfinished(block.text) else lines[1:-1]


def _full_width(own: list[float], around: Sequence[Block]) -> float | None:
    """The column's full line width: the median of ``own`` full lines, topped up from the blocks ``around``."""
    full = list(own)
    for other in around:
        if len(full) >= 2:
            break
        full += _measure(other)
    return statistics.median(full) if full else None


def _indented(block: Block, around: Sequence[Block]) -> bool | None:
    """Whether the block's first line is indented (a paragraph start); None when the widths cannot tell."""
    full, lines = _full_width(_measure(block), around), line_widths(block.raw)
    if full is None or not lines:
        return None
    return lines[0] <= full - 1.25


def joins(prev: Piece, block: Block, around: Sequence[Block]) -> bool:
    """Whether ``block`` continues the unfinished paragraph ``prev`` (see the module docstring)."""
    tail, head = prev.text, block.text
    if head[0] in _OPENERS and not _starts_mid_sentence(head):
        return False
    joint = Piece([*prev.blocks, block], None).text
    if tail.count("“") > tail.count("”") and joint.count("“") > joint.count("”"):
        return False  # a quotation left open that the next block does not close
    score = 3 if _starts_mid_sentence(head) else 0
    score += 2 if _bridge(tail, head) else 0
    score += 1 if tail.endswith(_NO_END_WORDS) else 0
    score -= 1 if _OPENING_WORDS.match(head) else 0
    indented = _indented(block, around)
    score += 0 if indented is None else (-1 if indented else 1)
    return score > 0


def place_strays(articles: Sequence[list[Piece]]) -> None:
    """Move fragments that start mid-sentence to the unfinished paragraph whose word they complete.

    The first such paragraph on the page wins a tie; fragments right after an unfinished paragraph are left
    to the join. Near-linear: see :mod:`corpus.strays`.
    """
    from corpus.strays import StrayPlacer  # it builds on this module's helpers

    StrayPlacer(articles).run()


def _around(items: Sequence[Piece], i: int) -> list[Block]:
    """The blocks of the items after ``i``, then of those before it, nearest first: line widths come from them."""
    return [b for p in [*items[i + 1 :], *items[:i][::-1]] for b in p.blocks]


def merge(items: Sequence[Piece]) -> list[Piece]:
    """One article's body pieces with every unfinished paragraph joined to its continuation."""
    merged: list[Piece] = []
    for i, piece in enumerate(items):
        last = merged[-1] if merged else None
        if (
            last
            and last.heading == piece.heading
            and unfinished(last.text)
            and joins(last, piece.blocks[0], _around(items, i))
        ):
            last.blocks.extend(piece.blocks)
        else:
            merged.append(Piece(list(piece.blocks), piece.heading))
    return merged


def truncated(paragraphs: Sequence[Piece], i: int) -> bool:
    """Whether the page lost the continuation of paragraph ``i`` (not merely its final mark: see above)."""
    piece = paragraphs[i]
    text = piece.text
    if not unfinished(text):
        return False
    last = line_widths(piece.blocks[-1].raw)
    own = [w for b in piece.blocks[:-1] for w in line_widths(b.raw)[1:]] + last[1:-1]
    full = _full_width(own, _around(paragraphs, i))
    if full is None or not last or last[-1] > full - _SHORT_LINE_EMS:
        return True  # the text runs to the column's edge: it went on in a column the page lost
    if text.endswith(_NO_END_WORDS):
        return True
    return not any(text[-n:] in _words() for n in (2, 3, 4))
