"""Fold text for matching: traditional → simplified, half-width, punctuation, case, PDF wrap spaces.

``fold`` returns a new string (its length may differ from the input); tokenisation works on folded text only,
so a quote is always taken from the original paragraph, never from the folded copy.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import opencc

__all__ = ["fold", "is_cjk", "squash"]

_SPACE = re.compile(r"\s+")

_converter: opencc.OpenCC | None = None
_lock = threading.Lock()

#: Chinese punctuation (and look-alikes) folded to one ASCII form each.
_PUNCT: dict[str, str] = {
    "，": ",",
    "、": ",",
    "．": ".",
    "：": ":",
    "；": ";",
    "？": "?",
    "！": "!",
    "（": "(",
    "）": ")",
    "【": "[",
    "】": "]",
    "〔": "[",
    "〕": "]",
    "《": '"',
    "》": '"',
    "〈": '"',
    "〉": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "「": '"',
    "」": '"',
    "『": '"',
    "』": '"',
    "—": "-",
    "–": "-",
    "―": "-",
    "─": "-",
    "…": "...",
    "·": "·",
    "・": "·",
    "\u3000": " ",
    "\u00a0": " ",
}
#: Full-width ASCII forms (ＡＢＣ１２３！) to their half-width characters; the punctuation above wins.
_FOLDED = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | _PUNCT
#: ``str.translate`` with a dict is slow on CJK text; a regex visits only the characters that change.
_TO_FOLD = re.compile("[" + re.escape("".join(_FOLDED)) + "]")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def _t2s(text: str) -> str:
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


def _replace(match: re.Match[str]) -> str:
    return _FOLDED[match.group()]


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """The matching form of ``text``: simplified, half-width, ASCII punctuation, lower case, no CJK spaces."""
    text = _TO_FOLD.sub(_replace, text)
    text = _t2s(text).lower()
    text = _CJK_SPACE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def squash(text: str) -> str:
    """:func:`fold` with all whitespace removed: for comparing answer texts and gold strings."""
    return _SPACE.sub("", fold(text))


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(_CJK_CHAR.fullmatch(ch))
