"""Turn a source file's bytes into text: UTF-8 (with or without BOM), UTF-16/32 with BOM, GB18030/GBK, others.

Order: a BOM decides; else strict UTF-8; else strict GB18030 (a superset of GBK and GB2312, common in
Chinese archives); else what charset-normalizer finds most plausible. Binary and empty files raise
:class:`BadSource`.
"""

from __future__ import annotations

import codecs
import logging
import unicodedata

log = logging.getLogger(__name__)

#: Share of implausible characters (controls, private use, unassigned) above which decoded text is rejected.
MAX_ODD_SHARE = 0.02

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_BINARY_HINT = (
    "newsqa reads text sources (.txt .md .html .json .jsonl); remove the file or move it out of the folder"
)


class BadSource(Exception):
    """A source file that cannot be read: the message says what is wrong and how to fix it."""


def odd_share(text: str) -> float:
    """The share of characters no text file holds (controls, private use, unassigned, surrogates)."""
    if not text:
        return 0.0
    odd = 0
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"):
            odd += 1
    return odd / len(text)


def _plausible(text: str) -> bool:
    return "\x00" not in text and odd_share(text) <= MAX_ODD_SHARE


def _by_bom(data: bytes) -> tuple[str, str] | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise BadSource(
                    f"undecodable text: it starts with a {codec} byte-order mark but {exc.reason}"
                ) from exc
    return None


def _by_detection(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    return str(best), best.encoding


def decode(data: bytes) -> tuple[str, str]:
    """Decode a source file's bytes: (text, encoding). Raises :class:`BadSource` for binary or empty files."""
    if not data.strip():
        raise BadSource("empty file: put some article text in it, or remove it")
    marked = _by_bom(data)
    if marked is not None:
        if not marked[0].strip():
            raise BadSource("empty file: put some article text in it, or remove it")
        return marked
    if b"\x00" in data:
        raise BadSource(f"binary file (contains NUL bytes): {_BINARY_HINT}")
    for codec in ("utf-8", "gb18030"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, codec
    found = _by_detection(data)
    if found is not None and _plausible(found[0]):
        log.debug("decoded with detected encoding %s", found[1])
        return found
    raise BadSource(f"binary file (not text in UTF-8, GB18030 or another known encoding): {_BINARY_HINT}")
