"""What a cached answer is filed under: the code's digest, the question's normal form, the store's version.

Light on purpose (no engine, no numpy): the cached path of ``newsqa ask`` (:mod:`bot.cached_ask`) looks an answer
up with these alone, and :class:`index.search.Searcher` files answers with the same functions.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from index.normalize import fold

__all__ = ["CODE_VERSION", "answer_version", "cache_key", "clean_question", "entry_key"]


def _code_version() -> str:
    """A digest of the answer path's code and word lists: cached answers from older code are never served."""
    digest = hashlib.sha1()
    here = Path(__file__).resolve().parent
    for path in sorted(
        [*here.rglob("*.py"), *(here / "data").glob("*.txt"), *(here / "data").glob("*.json")]
    ):
        digest.update(str(path.relative_to(here)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def clean_question(question: str) -> str:
    """The question as typed, without HTML tags or entities pasted with it (``<b>剑河</b>&nbsp;面积``), stripped."""
    return html.unescape(_TAG.sub("", question)).replace("\xa0", " ").strip()


def cache_key(question: str) -> str:
    """The normalised question: folded (traditional → simplified, widths), spaces and end punctuation dropped."""
    return re.sub(r"[\s?？!！。.]+", "", fold(question))


def entry_key(question: str, qtype: str | None) -> str:
    """The query cache's key of a cleaned question asked with a forced answer type (or none)."""
    return f"{cache_key(question)}|{qtype or ''}|{CODE_VERSION}"


def answer_version(corpus_version: int, index_version: int) -> int:
    """Changes whenever the answerable content changes: the store's articles or its index."""
    return corpus_version * 1_000_003 + index_version
