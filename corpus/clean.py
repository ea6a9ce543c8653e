"""Text cleaning for page dumps: PDF wrap spaces out, proper Chinese punctuation in.

Text extracted from a PDF page carries two kinds of damage that this module repairs, one line or paragraph
at a time (it never reorders or drops words):

- **wrap spaces** — a space wherever the PDF wrapped a line, often inside a word (``种植面 积``). Whitespace
  is removed wherever Chinese text stands on either side of it (a CJK character or punctuation mark, or an
  ASCII punctuation mark next to one); whitespace between two Latin words or numbers is kept (as one space).
- **flattened punctuation** — ASCII ``, : ; ? ! ( )`` next to Chinese text become ``， ： ； ？ ！ （ ）``;
  ASCII double quotes become “ ” and single quotes ‘ ’ (the nested quotes of Chinese text), paired in order,
  with the mark's neighbours deciding where they are unambiguous (a quote before ``，`` closes, one after
  ``：`` opens). Text without any Chinese character is left as it is; so are decimals, times and ``1,000``.

Usage::

    >>> clean_text('他说:"种植面 积达到15.78万亩, 涉及品种31个。"')
    '他说：“种植面积达到15.78万亩，涉及品种31个。”'
"""

from __future__ import annotations

import re

__all__ = ["chinese_punctuation", "clean_text", "has_cjk", "is_cjk", "remove_wrap_spaces"]

#: Characters that make text "Chinese": CJK ideographs, kana, CJK symbols and full-width forms.
_CJK_RANGES = (
    ("\u2e80", "\u2fff"),  # radicals
    ("\u3000", "\u30ff"),  # CJK symbols and punctuation, kana
    ("\u3400", "\u4dbf"),  # extension A
    ("\u4e00", "\u9fff"),  # unified ideographs
    ("\uf900", "\ufaff"),  # compatibility ideographs
    ("\ufe30", "\ufe4f"),  # compatibility forms
    ("\uff00", "\uffef"),  # full-width forms
    ("\U00020000", "\U0003134f"),  # extensions B–G
)
#: Chinese punctuation that has no CJK code point of its own.
_CJK_EXTRA = set("“”‘’…—·")
_ASCII_PUNCT = set(",.:;?!()\"'")
_PUNCT_MAP = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
#: After these a quote opens; before these it closes.
_OPENS_AFTER = set("，：；、（《【 \t“‘") | {",", ":", ";", "(", '"'}
_CLOSES_BEFORE = set("，。：；？！、）》】…—") | {",", ".", ":", ";", ")", "?", "!"}
_SPACE = re.compile(r"\s+")


def is_cjk(ch: str) -> bool:
    """Whether one character is Chinese text (ideograph, kana, CJK or full-width punctuation)."""
    return ch in _CJK_EXTRA or any(lo <= ch <= hi for lo, hi in _CJK_RANGES)


def has_cjk(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return any(is_cjk(ch) for ch in text)


def _chinese_side(text: str, i: int, step: int) -> bool:
    """Whether the character at ``i`` (an ASCII mark looked through in direction ``step``) is Chinese."""
    if not 0 <= i < len(text):
        return False
    ch = text[i]
    if is_cjk(ch):
        return True
    j = i + step
    return ch in _ASCII_PUNCT and 0 <= j < len(text) and is_cjk(text[j])


def remove_wrap_spaces(text: str) -> str:
    """Remove whitespace next to Chinese text; keep one space between Latin words and numbers."""
    out: list[str] = []
    pos = 0
    for m in _SPACE.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        left, right = m.start() - 1, m.end()
        if left < 0 or right >= len(text):
            continue  # leading or trailing whitespace
        if _chinese_side(text, left, -1) or _chinese_side(text, right, 1):
            continue
        out.append(" ")
    out.append(text[pos:])
    return "".join(out)


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest non-space character from ``i`` in direction ``step`` ('' at either end)."""
    while 0 <= i < len(text):
        if not text[i].isspace():
            return text[i]
        i += step
    return ""


def _quote(text: str, i: int, is_open: bool) -> bool:
    """Decide whether the quote at ``i`` opens: by its neighbours when they are clear, else by pairing."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else ""
    if after == "" or after in _CLOSES_BEFORE:
        return False
    if before in _OPENS_AFTER:
        return True
    return not is_open


def chinese_punctuation(text: str) -> str:
    """Turn flattened ASCII punctuation next to Chinese text into Chinese punctuation (quotes paired)."""
    if not has_cjk(text):
        return text
    chars = list(text)
    double_open = single_open = False
    for i, ch in enumerate(text):
        if ch in _PUNCT_MAP:
            prev, nxt = _neighbour(text, i - 1, -1), _neighbour(text, i + 1, 1)
            if ch in ",:" and prev.isdigit() and nxt.isdigit():
                continue  # 1,000 and 10:30
            if is_cjk(prev) or is_cjk(nxt) or (ch in "()" and _paren_has_cjk(text, i)):
                chars[i] = _PUNCT_MAP[ch]
        elif ch == '"':
            double_open = _quote(text, i, double_open)
            chars[i] = "“" if double_open else "”"
        elif ch == "'":
            prev = text[i - 1] if i > 0 else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum():
                continue  # an apostrophe: don't, it's
            single_open = _quote(text, i, single_open)
            chars[i] = "‘" if single_open else "’"
    return "".join(chars)


def _paren_has_cjk(text: str, i: int) -> bool:
    """Whether the bracketed stretch that the parenthesis at ``i`` opens or closes holds Chinese text."""
    if text[i] == "(":
        end = text.find(")", i)
        return end > 0 and has_cjk(text[i:end])
    start = text.rfind("(", 0, i)
    return start >= 0 and has_cjk(text[start:i])


def clean_text(raw: str) -> str:
    """One line or paragraph of page text → display text (no wrap spaces, Chinese punctuation)."""
    return chinese_punctuation(remove_wrap_spaces(raw.strip()))
