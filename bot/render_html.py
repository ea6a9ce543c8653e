"""Render a :class:`bot.reply.Reply` as Telegram HTML messages.

Every piece of text is html-escaped; the markup uses only tags Telegram accepts (b, i, u, blockquote).
Telegram counts a message's length in UTF-16 code units of the text *after* entity parsing and refuses more
than 4,096, so :func:`render` splits a reply into chunks under ``max_chars`` visible characters, at block
boundaries first, then at line breaks, then after sentence ends — the keyboard belongs on the last chunk.
"""

from __future__ import annotations

import html

from bot.reply import Block, BlockKind, Reply

#: Telegram's limit is 4,096; keep a margin for the separators and for clients that count differently.
MAX_CHARS = 4000

_SENTENCE_ENDS = "。！？；!?;"


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` for Telegram HTML."""
    return html.escape(text, quote=False)


def render_block(block: Block) -> str:
    """One block as Telegram HTML."""
    text = block.text
    if block.kind is BlockKind.QUOTE:
        return f"<blockquote>{_highlighted(block, '<b><u>', '</u></b>')}</blockquote>"
    body = _highlighted(block, "<b>", "</b>")
    if block.kind in (BlockKind.ANSWER, BlockKind.HEADING):
        return f"<b>{escape(text)}</b>"
    if block.kind is BlockKind.NOTE:
        return f"<i>{body}</i>"
    return body


def render(reply: Reply, max_chars: int = MAX_CHARS) -> list[str]:
    """The reply as HTML messages, each under ``max_chars`` visible characters (empty blocks are left out)."""
    pieces: list[tuple[Block, int]] = []
    for block in reply.blocks:
        if not block.text.strip():
            continue
        pieces.extend((part, utf16_len(part.text)) for part in split_block(block, max_chars))
    chunks: list[str] = []
    current = ""
    current_len = 0
    previous: Block | None = None
    for block, length in pieces:
        separator = _separator(previous, block) if current else ""
        if current and current_len + utf16_len(separator) + length > max_chars:
            chunks.append(current)
            current, current_len, separator = "", 0, ""
        current += separator + render_block(block)
        current_len += utf16_len(separator) + length
        previous = block
    if current:
        chunks.append(current)
    return chunks


def split_block(block: Block, max_chars: int) -> list[Block]:
    """``block`` cut into blocks of at most ``max_chars`` UTF-16 units, the mark carried to its pieces."""
    spans = _cut(block.text, max_chars)
    if len(spans) == 1:
        return [block]
    parts = []
    for start, end in spans:
        marks = [
            (max(lo, start) - start, min(hi, end) - start)
            for lo, hi in block.marks
            if lo < end and hi > start
        ]
        parts.append(Block(block.kind, block.text[start:end], marks[0] if marks else None, tuple(marks[1:])))
    return parts


def _cut(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Spans covering ``text``, each ≤ ``max_chars`` units, ending after a newline or sentence if possible."""
    spans: list[tuple[int, int]] = []
    start = 0
    while utf16_len(text[start:]) > max_chars:
        limit = start
        used = 0
        while limit < len(text) and used + utf16_len(text[limit]) <= max_chars:
            used += utf16_len(text[limit])
            limit += 1
        window = text[start:limit]
        half = len(window) // 2  # a cut in the first half would leave a needlessly short piece
        end = window.rfind("\n", half) + 1
        if end <= 0:
            end = max(window.rfind(c, half) for c in _SENTENCE_ENDS) + 1
        if end <= 0:
            end = len(window)
        spans.append((start, start + end))
        start += end
    spans.append((start, len(text)))
    return spans


def _separator(previous: Block | None, block: Block) -> str:
    """A blank line between blocks; a single newline next to a blockquote (it is a block of its own)."""
    if previous is not None and BlockKind.QUOTE in (previous.kind, block.kind):
        return "\n"
    return "\n\n"


def _highlighted(block: Block, open_tag: str, close_tag: str) -> str:
    """The block's text, escaped, with each marked span wrapped in the tags."""
    text, at = block.text, 0
    out: list[str] = []
    for start, end in block.marks:
        out.extend((escape(text[at:start]), open_tag, escape(text[start:end]), close_tag))
        at = end
    out.append(escape(text[at:]))
    return "".join(out)
