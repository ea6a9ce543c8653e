"""Fold text for matching: traditional → simplified, half-width, punctuation, case, PDF wrap spaces.

``fold`` returns a new string (its length may differ from the input); tokenisation works on folded text only,
so a quote is always taken from the original paragraph, never from the folded copy.
"""

from __future__ import annotations

import re
import threading

import opencc

__all__ = ["fold", "is_cjk"]

_converter: opencc.OpenCC | None = None
_lock = threading.Lock()

#: Chinese punctuation (and look-alikes) folded to one ASCII form each.
_PUNCT = str.maketrans(
    {
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
)

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


def _halfwidth(text: str) -> str:
    """Full-width ASCII forms (ＡＢＣ１２３！) to their half-width characters."""
    if not any("\uff01" <= ch <= "\uff5e" for ch in text):
        return text
    return "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)


def fold(text: str) -> str:
    """The matching form of ``text``: simplified, half-width, ASCII punctuation, lower case, no CJK spaces."""
    text = _halfwidth(text.translate(_PUNCT))
    text = _t2s(text).lower()
    text = _CJK_SPACE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(_CJK_CHAR.fullmatch(ch))
