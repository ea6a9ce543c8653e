"""Small typos in a question: a word no passage holds, one character away from a word many passages hold.

``剑和县中药财种植面机`` holds three words the index has never seen; ``剑河县``, ``中药材`` and ``面积`` are one
character away and in the index, so the question is asked again as ``剑河县中药材种植面积``. Only words of two to
four Chinese characters are corrected, never their first character (a different first character is usually a
different word, not a slip), and only to a word of the same length that the index holds; a word the dictionary
knows (``汉江``) is never corrected, though no passage holds it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from corpus.clean import is_cjk

__all__ = ["corrections"]

MIN_DF = 1  # a correction must be a word some passage holds


def _df(conn: sqlite3.Connection, term: str) -> int:
    row = conn.execute("SELECT df FROM ix_terms WHERE term = ?", (term,)).fetchone()
    return int(row[0]) if row else 0


def _nearest(conn: sqlite3.Connection, word: str, known: Callable[[str], float]) -> str | None:
    """The indexed word one character from ``word`` (not its first) that is the most common word of the
    dictionary (``known`` gives its frequency; 0 for a bigram that only spans two words, 面振 of 全面振兴)."""
    best: tuple[float, int, str] | None = None
    for i in range(1, len(word)):
        prefix, suffix = word[:i], word[i + 1 :]
        rows = conn.execute(
            "SELECT term, df FROM ix_terms WHERE term >= ? AND term < ? AND length(term) = ? AND df >= ?",
            (prefix, prefix + "\U0010ffff", len(word), MIN_DF),
        )
        for term, df in rows:
            if term[i + 1 :] != suffix or term[i] == word[i] or not is_cjk(term[i]):
                continue
            rank = (float(known(term)), int(df), str(term))
            if rank[0] > 0 and (best is None or rank > best):
                best = rank
    return best[2] if best else None


def corrections(
    conn: sqlite3.Connection, words: Sequence[str], known: Callable[[str], float] = lambda _: 1.0
) -> dict[str, str]:
    """Each of ``words`` (a question's content words, folded) that no passage holds → its likely correction: the
    most common word (by ``known``, the segmenter's dictionary frequency) one character away."""
    out: dict[str, str] = {}
    for word in words:
        if known(word) > 0:  # a word of the dictionary (汉江) is what the user meant, not a slip for 汉语
            continue
        if 2 <= len(word) <= 4 and all(is_cjk(ch) and ch.isalpha() for ch in word) and not _df(conn, word):
            fixed = _nearest(conn, word, known)
            if fixed is not None:
                out[word] = fixed
    return out
