"""jieba's precise cut for bulk text (ingest, mining), with jieba-rs finding the route: the same words, faster.

``jieba.Tokenizer.cut`` is pure Python: a DAG over a dict of 580k entries and the most probable route through
it, then jieba's HMM (``jieba.finalseg``) for each run of single characters that is not a word. That is about
1 ms a paragraph, most of an ingest's CPU. `rjieba <https://pypi.org/project/rjieba/>`_ wraps jieba-rs, a Rust
port; :class:`BulkCut` takes from it only the route (its cut without HMM) and does the rest as jieba does:

- **the same dictionary**: jieba-rs's own is cleared and refilled with the tokenizer's words and frequencies
  (jieba's dictionary plus the corpus's user words), and a padding word no text can hold (private-use
  characters) makes the total the same — jieba counts every ``add_word`` into its total, even one that only
  replaces a frequency — so every route scores as in jieba;
- **the same blocks**: text is split as ``jieba.cut`` splits it (its ``re_han_default`` runs; whitespace and
  other characters one at a time outside them), so a character outside jieba's CJK range (extension A,
  U+9FD6–U+9FFF) never reaches jieba-rs, whose range is wider;
- **jieba's own HMM** on the runs of single characters, as ``__cut_DAG`` does (a run that is a dictionary word
  is yielded a character at a time). jieba-rs's HMM is not used: it cut ``常在较`` as ``常在 较`` where jieba
  cuts ``常 在 较`` (3 of 20,000 paragraphs). Runs repeat (names, places), so their cuts are kept in an LRU.

Measured over the stores of the 人民日报 files, CMRC, DRCD and 20,000 archive paragraphs: the same words for
every paragraph (tests/test_bulk_cut.py checks the bundled and 人民日报 files). Without rjieba (no wheel for
the platform) :class:`index.tokenize.Segmenter` cuts with jieba.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jieba

__all__ = ["BulkCut", "available"]


_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")  # jieba's re_han_default
_SKIP = re.compile(r"(\r\n|\s)")  # jieba's re_skip_default
#: Private-use characters: outside every block jieba cuts, so this word only pads the dictionary's total.
_PAD_WORD = "\ue000\ue001"
_HMM_CACHE = 1 << 16


@cache
def available() -> bool:
    """Whether rjieba can be imported here."""
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


class BulkCut:
    """``tokenizer.cut(text)`` (precise mode, HMM on), the route found by jieba-rs over a copy of ``tokenizer``'s
    dictionary.

    The copy is taken when built (~0.6 s for jieba's 350k words): words added to ``tokenizer`` afterwards are not
    seen, so build a new one then.
    """

    def __init__(self, tokenizer: jieba.Tokenizer) -> None:
        import jieba.finalseg
        import rjieba

        self._freq: dict[str, int] = tokenizer.FREQ
        self._rs: Any = rjieba.Jieba()
        self._rs.clear()
        added = 0
        add = self._rs.add_word
        for word, freq in self._freq.items():
            if freq > 0:  # jieba keeps every prefix of a word at frequency 0; jieba-rs needs only the words
                add(word, freq, None)
                added += freq
        if tokenizer.total > added:
            add(_PAD_WORD, tokenizer.total - added, None)
        finalseg = jieba.finalseg.cut
        self._hmm = lru_cache(maxsize=_HMM_CACHE)(lambda run: tuple(finalseg(run)))

    def cut(self, text: str) -> list[str]:
        """The words of ``text``, as ``list(tokenizer.cut(text))`` gives them."""
        out: list[str] = []
        for block in _HAN.split(text):
            if not block:
                continue
            if _HAN.match(block):
                self._cut_block(block, out)
                continue
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    out.append(piece)
                else:
                    out.extend(piece)
        return out

    def _cut_block(self, block: str, out: list[str]) -> None:
        """jieba's ``__cut_DAG`` over the route jieba-rs found (its cut without HMM joins single letters and
        digits into one word: not a dictionary word, so part of a run like any single character)."""
        freq = self._freq
        run = ""
        for word in self._rs.cut(block, False):
            if len(word) == 1 or not freq.get(word):
                run += word
                continue
            if run:
                self._flush(run, out)
                run = ""
            out.append(word)
        if run:
            self._flush(run, out)

    def _flush(self, run: str, out: list[str]) -> None:
        if len(run) == 1:
            out.append(run)
        elif not self._freq.get(run):
            out.extend(self._hmm(run))
        else:
            out.extend(run)
