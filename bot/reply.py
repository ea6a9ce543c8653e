"""What the conversation engine says, independent of transport: a reply is typed blocks plus buttons.

Renderers (:mod:`bot.render_html`, :mod:`bot.render_text`) turn a :class:`Reply` into Telegram HTML or terminal
text; nothing here knows about either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    """How a block is shown."""

    ANSWER = "answer"  # the short answer, bold
    QUOTE = "quote"  # the quoted sentence (blockquote), ``mark`` = the answer inside it
    CITATION = "citation"  # title · byline · date · 第N段
    HEADING = "heading"  # an article title or a subheading, bold
    PARAGRAPH = "paragraph"  # article text; ``mark`` highlights the quoted part
    NOTE = "note"  # secondary text (flags, hints, suggestions), italic
    TEXT = "text"  # plain text


@dataclass(frozen=True)
class Block:
    """One piece of a reply. ``mark`` is a (start, end) span of ``text`` to highlight, if any; ``also`` holds
    more spans to highlight (both answers of a two-part question)."""

    kind: BlockKind
    text: str
    mark: tuple[int, int] | None = None
    also: tuple[tuple[int, int], ...] = ()

    @property
    def marks(self) -> list[tuple[int, int]]:
        """Every span to highlight, clamped to the text, in order, overlaps dropped."""
        out: list[tuple[int, int]] = []
        spans = [self.mark, *self.also] if self.mark is not None else list(self.also)
        for start, end in sorted(spans):
            start, end = max(0, start, out[-1][1] if out else 0), min(len(self.text), end)
            if start < end:
                out.append((start, end))
        return out


@dataclass(frozen=True)
class Button:
    """An inline button; ``data`` is the callback data (≤ 64 bytes, survives restarts)."""

    label: str
    data: str


@dataclass
class Reply:
    """A message to show. ``edit`` asks the transport to replace the message the button was on."""

    blocks: list[Block] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False
    toast: str | None = None  # a short notice for a button press (Telegram answerCallbackQuery text)

    def plain(self) -> str:
        """The blocks' text joined with blank lines (for logs and tests)."""
        return "\n\n".join(b.text for b in self.blocks)
