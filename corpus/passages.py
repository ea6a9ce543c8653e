"""Passages of a readable size: list rows grouped, over-long paragraphs cut at sentence ends.

- :func:`group_rows` — a run of at least :data:`MIN_ROWS` short rows (each at most :data:`ROW_CHARS`
  characters, ending in ``；``, ``。``, ``、`` or ``，``: ``巴基斯坦总统扎尔达里；``) becomes passages of up to
  :data:`MAX_CHARS` characters, each flagged joined; the row before the run that ends in ``：``
  (``一、向国家主席习近平致贺的有：``) stays a paragraph of its own. A run of at least :data:`MIN_CELLS` table
  cells (at most :data:`CELL_CHARS` characters, no punctuation: ``货物周转量`` / ``1.2万亿吨公里``) is grouped
  the same way, a space between cells.
- :func:`split_long` — a paragraph longer than :data:`LONG_CHARS` is cut after sentence ends into pieces of
  at most :data:`MAX_CHARS` (greedy); a single sentence longer than that is cut after a clause mark (``，；：``),
  and as a last resort every :data:`MAX_CHARS` characters. The pieces put together are the paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["LONG_CHARS", "MAX_CHARS", "group_rows", "split_long"]

MAX_CHARS = 300
LONG_CHARS = 400
ROW_CHARS = 30
MIN_ROWS = 4
CELL_CHARS = 12
MIN_CELLS = 8
_SENTENCE_MARK = re.compile(r"[。！？；，：!?;,:]")
_SENTENCE = re.compile(r".*?(?:[。！？!?…]+[”’」』）)]*|$)", re.S)
_CLAUSE = re.compile(r".*?(?:[，；：、,;:]+|$)", re.S)
_ROW_END = tuple("；。、，;")

Item = tuple[str | None, str, str]  # (heading, text, raw)


def _is_row(text: str) -> bool:
    return len(text) <= ROW_CHARS and text.endswith(_ROW_END)


def _is_cell(text: str) -> bool:
    return len(text) <= CELL_CHARS and not _SENTENCE_MARK.search(text)


def group_rows(items: Sequence[Item]) -> list[tuple[str | None, str, str, bool]]:
    """(heading, text, raw, joined) passages: runs of short rows grouped (see the module docstring)."""
    out: list[tuple[str | None, str, str, bool]] = []
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and _is_row(items[j][1]) and items[j][0] == items[i][0]:
            j += 1
        if j - i < MIN_ROWS:
            j = i
            while j < len(items) and _is_cell(items[j][1]) and items[j][0] == items[i][0]:
                j += 1
            j = j if j - i >= MIN_CELLS else i
        if j - i < MIN_ROWS:
            out.append((*items[i], False))
            i += 1
            continue
        group: list[Item] = []
        for item in items[i:j]:
            if group and sum(len(g[1]) for g in group) + len(item[1]) > MAX_CHARS:
                out.append(_joined(group))
                group = []
            group.append(item)
        out.append(_joined(group))
        i = j
    return out


def _joined(group: list[Item]) -> tuple[str | None, str, str, bool]:
    sep = "" if all(g[1].endswith(_ROW_END) for g in group) else " "  # table cells: a space between them
    return group[0][0], sep.join(g[1] for g in group), "\n".join(g[2] for g in group), len(group) > 1


def _pieces(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text) if m.group(0)]


def split_long(text: str) -> list[str]:
    """``text`` as one piece, or cut into pieces of at most :data:`MAX_CHARS` (see the module docstring)."""
    if len(text) <= LONG_CHARS:
        return [text]
    units: list[str] = []
    for sentence in _pieces(text, _SENTENCE):
        if len(sentence) <= MAX_CHARS:
            units.append(sentence)
            continue
        for clause in _pieces(sentence, _CLAUSE):
            units += [clause[k : k + MAX_CHARS] for k in range(0, len(clause), MAX_CHARS)]
    out: list[str] = []
    for unit in units:
        if out and len(out[-1]) + len(unit) <= MAX_CHARS:
            out[-1] += unit
        else:
            out.append(unit)
    return out
