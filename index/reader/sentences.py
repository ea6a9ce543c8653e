"""Sentence splitting with character offsets, for quoting the sentence an answer came from.

``split_sentences(text)`` returns ``(start, end)`` spans into ``text``: a sentence ends at 。！？；…
(or their ASCII forms), keeps its closing quotes and brackets (``…专家指导。”``), and never starts or
ends with whitespace.
A sentence longer than ``max_chars`` with no stop is cut after a comma.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["quote_sentences", "split_sentences"]

_ENDERS = frozenset("。！？；!?;…\n")
_CLOSERS = frozenset("”’」』）)】》〉")
_COMMAS = frozenset("，,")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _is_stop(text: str, i: int) -> bool:
    """True when ``text[i]`` ends a sentence (an ASCII full stop only after Chinese text, never in 15.78)."""
    ch = text[i]
    if ch in _ENDERS:
        return True
    if ch != ".":
        return False
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return (_is_cjk(before) or before in _CLOSERS) and not (after.isascii() and after.isalnum())


def _raw_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start, i, quotes = 0, 0, 0
    n = len(text)
    while i < n:
        if text[i] == '"':
            quotes += 1
        if not _is_stop(text, i):
            i += 1
            continue
        i += 1
        while i < n and (text[i] in _ENDERS or text[i] in _CLOSERS or (text[i] == '"' and quotes % 2 == 1)):
            if text[i] == '"':
                quotes += 1
            i += 1
        spans.append((start, i))
        start = i
    if start < n:
        spans.append((start, n))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than ``max_chars`` after its last comma that keeps a piece under the limit."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = next((j + 1 for j in range(start + max_chars - 1, start + 8, -1) if text[j] in _COMMAS), 0)
        if not cut:
            break
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def split_sentences(text: str, max_chars: int = 160) -> list[tuple[int, int]]:
    """Return the character spans of the sentences in ``text`` (in order, none empty)."""
    return list(_split_sentences(text, max_chars))


@lru_cache(maxsize=8192)
def _split_sentences(text: str, max_chars: int) -> tuple[tuple[int, int], ...]:
    """:func:`split_sentences`, remembered: the same passages are read again and again."""
    spans: list[tuple[int, int]] = []
    for raw_start, raw_end in _raw_spans(text):
        start, end = _strip(text, raw_start, raw_end)
        if start >= end or (all(not ch.isalnum() for ch in text[start:end]) and spans):
            if start < end:
                spans[-1] = (spans[-1][0], end)
            continue
        spans.extend(_strip(text, s, e) for s, e in _cut_long(text, start, end, max_chars))
    return tuple(span for span in spans if span[0] < span[1])


#: A sentence that only says who spoke the quotation before it: ``"…一切都值得。"陈蓉说。``
_SPEECH_TAG = re.compile(
    r"[\u4e00-\u9fff·]{1,10}?(?:笑着|激动地|感慨地)?(?:说|表示|介绍|指出|强调|坦言|感慨|回忆|告诉记者)道?[。！!.]?"
)
_QUOTE_ENDS = frozenset('”’」』"')


def quote_sentences(text: str) -> list[tuple[int, int]]:
    """:func:`split_sentences` for quoting: a speech tag after a quotation (``陈蓉说。``) stays with the quotation,
    so the quote shown is what was said and by whom, never the tag alone."""
    spans: list[tuple[int, int]] = []
    for start, end in split_sentences(text):
        if spans and text[spans[-1][1] - 1] in _QUOTE_ENDS and _SPEECH_TAG.fullmatch(text, start, end):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
