"""Headlines for display: HTML out, padding spaces out, the space between two decks kept.

A headline from a crawl can hold ``<br>`` (or another inline formatting tag) between its decks, HTML entities (``&nbsp;``, ``&quot;``), spaces that
pad a short word (``吴  君``) and the space that separates two decks on one line (``欢乐祥和庆新春  策马扬鞭加油干``).
:func:`clean_title` turns a tag between decks into a space, decodes entities, and collapses each whitespace run
to one space — removing it only where it stands next to a single character between spaces (padding) or next
to punctuation; Chinese punctuation replaces flattened ASCII marks (:func:`corpus.clean.chinese_punctuation`).

    >>> clean_title("友谊之旅 和平之旅")
    '友谊之旅 和平之旅'
    >>> clean_title("朝鲜射星举国振奋<br/>国际社会反应强烈&nbsp;")
    '朝鲜射星举国振奋 国际社会反应强烈'
    >>> clean_title("标题：测试")
    '测试'
"""

from __future__ import annotations

import html
import re

from corpus.clean import chinese_punctuation, is_cjk

__all__ = ["clean_title"]

#: Inline formatting tags a crawler leaves in a headline; other angle-bracket text is kept as printed.
_TAG = re.compile(r"</?(?:br|b|i|em|strong|span|font|p|sup|sub|a|u|small|big)\b[^<>]{0,200}>", re.I)
_PUNCT = set("，。、；：？！,;:?!")
#: A field label a crawl writes before the headline (``标题：测试``): the label is not part of the headline.
_LABEL = re.compile(r"^\s*(?:标题|题目|主标题|正标题)\s*[:：]\s*")


def _joinable(left: str, right: str) -> bool:
    """Whether the space between tokens ``left`` and ``right`` is padding (removed), not a deck break."""
    if left[-1] in _PUNCT or right[0] in _PUNCT:
        return True
    if not (is_cjk(left[-1]) and is_cjk(right[0])):
        return False
    return len(left) == 1 or len(right) == 1


def clean_title(raw: str) -> str:
    """A headline for display (see the module docstring)."""
    text = html.unescape(_TAG.sub(" ", html.unescape(raw))).replace("\u00a0", " ").replace("\u3000", " ")
    text = _LABEL.sub("", text)
    tokens = text.split()
    out = ""
    for tok in tokens:
        if out:
            out += "" if _joinable(out.split(" ")[-1], tok) else " "
        out += tok
    return chinese_punctuation(out)
