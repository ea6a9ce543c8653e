"""Render a :class:`bot.reply.Reply` for a terminal: ANSI colour on a terminal, plain text when piped.

In plain mode the answer mark is shown as 【…】 so it survives copy and paste.
"""

from __future__ import annotations

from bot.reply import Block, BlockKind, Reply

BOLD, DIM, ITALIC, RESET = "\033[1m", "\033[2m", "\033[3m", "\033[0m"
MARK = "\033[1;30;43m"  # black on yellow
QUOTE_BAR = "│ "


def _marked(block: Block, colour: bool) -> str:
    text, at = block.text, 0
    out: list[str] = []
    for start, end in block.marks:
        marked = f"{MARK}{text[start:end]}{RESET}" if colour else f"【{text[start:end]}】"
        out.extend((text[at:start], marked))
        at = end
    out.append(text[at:])
    return "".join(out)


def render_block(block: Block, colour: bool) -> str:
    """One block as terminal text."""
    if block.kind is BlockKind.ANSWER:
        return f"{BOLD}答：{block.text}{RESET}" if colour else f"答：{block.text}"
    if block.kind is BlockKind.QUOTE:
        body = _marked(block, colour)
        return "\n".join(QUOTE_BAR + line for line in body.splitlines() or [""])
    if block.kind is BlockKind.CITATION:
        return f"{DIM}—— {block.text}{RESET}" if colour else f"—— {block.text}"
    if block.kind is BlockKind.HEADING:
        return f"{BOLD}{block.text}{RESET}" if colour else f"■ {block.text}"
    if block.kind is BlockKind.NOTE:
        return f"{ITALIC}{DIM}{block.text}{RESET}" if colour else block.text
    if block.kind is BlockKind.PARAGRAPH:
        return _marked(block, colour)
    return block.text


def render(reply: Reply, *, colour: bool = False, with_buttons: bool = True) -> str:
    """The whole reply; buttons listed as the commands that do the same thing in the terminal chat."""
    parts = [render_block(b, colour) for b in reply.blocks]
    if not reply.blocks and reply.toast:
        parts.append(reply.toast)
    if with_buttons and reply.buttons:
        labels = " · ".join(f"[{b.label}]" for row in reply.buttons for b in row)
        parts.append(f"{DIM}{labels}{RESET}" if colour else labels)
    return "\n".join(parts)
