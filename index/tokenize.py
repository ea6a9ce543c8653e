"""Segmentation for search: jieba search-mode words plus character bigrams, on folded text.

Documents and questions go through the same steps, so a word cut one way in a paragraph is cut the same way
in a question: fold (traditional → simplified, half-width, punctuation), jieba's precise cut, each word
expanded to its search-mode sub-words, numbers and decimals kept whole (``15.78``, ``2.8`` + ``亿元``),
punctuation dropped, then the character bigrams of every CJK run as a second signal. A question also
loses its stopwords and question words (kept apart by :meth:`Segmenter.question_words` for answer typing).

Usage::

    seg = Segmenter(["剑河县", "剑河"])
    seg.query_tokens("劍河中藥材面積是多少?")  # ['剑河', '中药', '药材', '中药材', '面积', '剑河', …]
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import bulk_cut, jieba_cache
from index.normalize import fold

if TYPE_CHECKING:
    import jieba

    from index.bulk_cut import BulkCut

__all__ = ["BIGRAM_MARK", "Segmenter", "cache_dir", "load_list"]

log = logging.getLogger(__name__)

#: Bigram tokens are plain two-character strings (they share the bag with words: measured best, see README).
BIGRAM_MARK = ""

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORDLIKE = re.compile(r"[\w%]", re.UNICODE)
_QUESTION_PREFIXES = ("几", "哪", "多少", "什么", "怎么", "为何", "啥")
_MEASURES = frozenset("个名人家所亩元岁年月天日次场项门条支辆座本部种件位户只头张台套批届期篇首")
_PARTICLES = frozenset("了着过的")
_COUNTING = ("几", "哪", "多少")
_NUMERALS = "一两二三四五六七八九十几"
_INIT_LOCK = threading.Lock()


def cache_dir() -> Path:
    """Where jieba's dictionary cache lives: ``$NEWSQA_CACHE_DIR`` or ``~/.cache/newsqa``."""
    found = os.environ.get("NEWSQA_CACHE_DIR")
    return Path(found) if found else Path.home() / ".cache" / "newsqa"


@cache
def load_list(name: str) -> frozenset[str]:
    """A word list from ``index/data/NAME.txt`` (one word a line, ``#`` comments)."""
    text = resources.files("index").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def _is_question_word(word: str) -> bool:
    if word in load_list("question_words"):
        return True
    if word in load_list("not_question_words") or len(word) > 4:
        return False
    return word.startswith(_QUESTION_PREFIXES)


def _is_counter(word: str) -> bool:
    """A one-character measure word or time unit that a preceding 几/哪/多少 asks about (年, 月, 家…)."""
    return len(word) == 1 and bool(_CJK_RUN.fullmatch(word)) and word not in load_list("stopwords")


def _is_counted(word: str) -> bool:
    """A numeral with its measure word that follows 哪/几 in a question: 哪 + 两个, 哪 + 一家, 哪 + 一年."""
    return len(word) == 2 and word[0] in _NUMERALS and bool(_CJK_RUN.fullmatch(word[1]))


def _bigrams(run: str) -> Iterator[str]:
    for i in range(len(run) - 1):
        yield BIGRAM_MARK + run[i : i + 2]


class Segmenter:
    """Search tokens for documents and questions, with an own ``jieba.Tokenizer`` and corpus user words."""

    def __init__(self, user_words: Iterable[str] = (), *, bigrams: bool = True, bulk: bool = False) -> None:
        self.user_words = tuple(dict.fromkeys(fold(w) for w in user_words if w.strip()))
        self.bigrams = bigrams
        self.bulk = bulk  # cut with jieba-rs (index.bulk_cut): for ingest, ~0.6 s to set up, then ~10× faster
        self._jieba: jieba.Tokenizer | None = None
        self._bulk: BulkCut | None = None
        self._key: tuple[tuple[str, ...], str] | None = None
        self.from_cache = False  # whether the dictionary was loaded prepared (for tests and benchmarks)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the settings only: a worker process builds its own tokenizer (from the dictionary cache)."""
        return {"user_words": self.user_words, "bigrams": self.bigrams, "bulk": self.bulk}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.user_words = state["user_words"]
        self.bigrams = state["bigrams"]
        self.bulk = state.get("bulk", False)
        self._jieba = None
        self._bulk = None
        self._key = None
        self.from_cache = False

    def initialize(self) -> None:
        """Load jieba's dictionary with the user words, prepared (from :mod:`index.jieba_cache` when this set of
        user words was prepared before, by any process), and with ``bulk`` its jieba-rs copy. Idempotent."""
        with _INIT_LOCK:  # a warm-up thread and the first answer may both ask (bot/warmup.py)
            if self._jieba is None:
                tokenizer, self.from_cache = jieba_cache.prepared(
                    self.user_words, cache_dir(), self._add_user_words
                )
                self._jieba = tokenizer
            if self.bulk and self._bulk is None and bulk_cut.available():
                self._bulk = bulk_cut.BulkCut(self._jieba)

    def _add_user_words(self, tokenizer: jieba.Tokenizer) -> None:
        for word in self.user_words:
            tokenizer.add_word(word, _keep_whole_freq(tokenizer, word))

    @property
    def dictionary_key(self) -> str:
        """Names this segmenter's dictionary (jieba's plus the user words), e.g. for tags cut with it."""
        if self._key is None or self._key[0] != self.user_words:
            self._key = (self.user_words, jieba_cache.dictionary_key(self.user_words))
        return self._key[1]

    @property
    def jieba(self) -> jieba.Tokenizer:
        """The initialised jieba tokenizer."""
        if self._jieba is None:
            self.initialize()
        assert self._jieba is not None
        return self._jieba

    def add_words(self, words: Iterable[str]) -> None:
        """Add more user words (e.g. mined from a new ingest)."""
        new = [w for w in dict.fromkeys(fold(w) for w in words if w.strip()) if w not in self.user_words]
        self.user_words += tuple(new)
        if self._jieba is not None:
            for word in new:
                self._jieba.add_word(word, _keep_whole_freq(self._jieba, word))
            self._bulk = None  # a copy of the old dictionary: initialize() copies the new one

    def words(self, text: str) -> list[str]:
        """jieba's precise cut of the folded text, punctuation and spaces dropped, its guessed words mended."""
        if self.bulk and self._bulk is None:
            self.initialize()
        cut = self._bulk.cut if self._bulk is not None else self.jieba.cut
        return self._mend([w for w in cut(fold(text)) if _WORDLIKE.search(w)])

    def _mend(self, words: list[str]) -> list[str]:
        """Split two kinds of words jieba's HMM makes up across a boundary it cannot see: a measure word glued to
        what follows a number (``2023`` ``年评`` → ``年`` ``评``; ``多少`` ``名好`` → ``名`` ``好``) and a particle
        glued to a verb (``评了`` → ``评`` ``了``). Dictionary and user words are never split."""
        freq = self.jieba.FREQ
        out: list[str] = []
        for word in words:
            if len(word) >= 2 and not freq.get(word) and _CJK_RUN.fullmatch(word):
                counted = out and (out[-1][-1].isdigit() or out[-1].endswith(_COUNTING + tuple(_NUMERALS)))
                if counted and word[0] in _MEASURES:
                    out.extend((word[0], word[1:]))
                    continue
                if word[-1] in _PARTICLES:
                    out.extend((word[:-1], word[-1]))
                    continue
            out.append(word)
        return out

    def _expand(self, word: str) -> list[str]:
        """A word with its search-mode sub-words (中药材 → 中药, 药材, 中药材), like ``cut_for_search``."""
        if len(word) <= 2:
            return [word]
        freq = self.jieba.FREQ
        out: list[str] = []
        for n in (2, 3):
            if len(word) > n:
                out.extend(g for i in range(len(word) - n + 1) if freq.get(g := word[i : i + n]))
        out.append(word)
        return out

    def _tokens(self, words: list[str], keep: list[bool]) -> list[str]:
        tokens = [t for w, k in zip(words, keep, strict=True) if k for t in self._expand(w)]
        if self.bigrams:
            run: list[str] = []
            for w, k in [*zip(words, keep, strict=True), ("", False)]:
                if k and _CJK_RUN.fullmatch(w):
                    run.append(w)
                    continue
                for piece in _CJK_RUN.findall("".join(run)):
                    tokens.extend(_bigrams(piece))
                run = []
        return tokens

    def doc_tokens(self, text: str) -> list[str]:
        """Search tokens of a document: every word with its sub-words, then the bigrams of its CJK runs."""
        words = self.words(text)
        return self._tokens(words, [True] * len(words))

    def _question(self, question: str) -> tuple[list[str], list[bool]]:
        """The question's words and which are question words; 哪 + 年 and 几 + 月 are one question word."""
        words: list[str] = []
        asks: list[bool] = []
        for word in self.words(question):
            counted = _is_counter(word) or _is_counted(word)
            if asks and asks[-1] and words[-1].endswith(_COUNTING) and counted:
                words[-1] += word
                continue
            words.append(word)
            asks.append(_is_question_word(word))
        return words, asks

    def query_tokens(self, question: str) -> list[str]:
        """Search tokens of a question: as :meth:`doc_tokens`, without stopwords and question words."""
        return self.query(question)[0]

    def query_words(self, question: str) -> list[str]:
        """The distinct content words of a question, folded (no stopwords, no question words), in order."""
        return self.query(question)[1]

    def query(self, question: str) -> tuple[list[str], list[str]]:
        """:meth:`query_tokens` and :meth:`query_words` from one segmentation of the question."""
        words, asks = self._question(question)
        stop = load_list("stopwords")
        keep = [not a and w not in stop for w, a in zip(words, asks, strict=True)]
        content = list(dict.fromkeys(w for w, k in zip(words, keep, strict=True) if k))
        return self._tokens(words, keep), content

    def question_words(self, question: str) -> list[str]:
        """The question words of a question, in order (多少, 哪年, 是谁…), for answer typing."""
        words, asks = self._question(question)
        return [w for w, a in zip(words, asks, strict=True) if a]


def _keep_whole_freq(tokenizer: jieba.Tokenizer, word: str) -> int:
    """The smallest frequency that keeps ``word`` whole on its own (jieba's ``suggest_freq``, no tuning)."""
    total = float(tokenizer.total)
    p = 1.0
    for seg in tokenizer.cut(word, HMM=False):
        p *= tokenizer.FREQ.get(seg, 1) / total
    return max(int(p * total) + 1, tokenizer.FREQ.get(word, 1), 2)
