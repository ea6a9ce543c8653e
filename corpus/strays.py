"""Putting stray fragments back, in near-linear time: :func:`corpus.repair.place_strays` runs this.

The rule is :mod:`corpus.repair`'s (a fragment that starts mid-sentence moves after the unfinished paragraph
whose last characters it completes into the most frequent dictionary word; the first such paragraph on the
page wins a tie), and so are the results, to the piece. What changed is the cost: it was quadratic — every
fragment compared with every piece, each piece's text cleaned again at every comparison (8,000 paragraphs:
a minute). Here each piece's text is cleaned once; unfinished pieces are indexed by their last one and two
characters, and a fragment looks up only the pieces whose ending the dictionary can join to its opening
(or scores each distinct ending once, when there are fewer endings than dictionary words to try).

Positions follow list semantics exactly, equality included (``Piece`` is a dataclass, so ``list.index``
and ``list.remove`` find the first *equal* piece): where a list holds equal pieces the plain list operation
is used, otherwise the position is read from an index of the list.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence

from corpus.clean import is_cjk
from corpus.repair import Piece, _bridge, _starts_mid_sentence, _words, unfinished

__all__ = ["StrayPlacer"]

_MIN_FREQ = 50  # _bridge's threshold


@functools.lru_cache(maxsize=1)
def _joins() -> dict[str, list[tuple[str, int]]]:
    """For each opening of one or two characters, the endings it completes into a word, with the frequency."""
    joins: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for word, freq in _words().items():
        if freq < _MIN_FREQ or not all(is_cjk(c) for c in word):
            continue
        for a in (1, 2):
            b = len(word) - a
            if b in (1, 2):
                joins[word[a:]].append((word[:a], freq))
    return dict(joins)


def _key(piece: Piece) -> tuple:
    """What makes two pieces equal (dataclass equality), hashable."""
    return (tuple((b.raw, b.text, b.kind) for b in piece.blocks), piece.heading)


class StrayPlacer:
    """One run of :func:`corpus.repair.place_strays` over a page's articles (lists of pieces, changed in place)."""

    def __init__(self, articles: Sequence[list[Piece]]) -> None:
        self.articles = articles
        self._text: dict[int, tuple[Piece, str]] = {}  # id → (the piece, kept alive so ids stay unique; text)
        self._home: dict[int, int] = {}  # id → index of the article list holding the piece
        self._keys: list[dict[tuple, int]] = []  # per article: equality key → how many pieces have it
        self._pos: list[dict[int, int] | None] = []  # per article: id → position (None: rebuild)
        self._tails: dict[str, dict[int, Piece]] = defaultdict(dict)  # last 1 / 2 chars → unfinished pieces
        for i, items in enumerate(articles):
            counts: dict[tuple, int] = defaultdict(int)
            for piece in items:
                counts[_key(piece)] += 1
                self._add(piece, i)
            self._keys.append(counts)
            self._pos.append(None)

    def text(self, piece: Piece) -> str:
        """The piece's cleaned text, computed once."""
        found = self._text.get(id(piece))
        if found is None:
            found = self._text[id(piece)] = (piece, piece.text)
        return found[1]

    def _add(self, piece: Piece, home: int) -> None:
        self._home[id(piece)] = home
        text = self.text(piece)
        if unfinished(text):
            for n in (1, 2):
                if len(text) >= n:
                    self._tails[text[-n:]][id(piece)] = piece

    def _drop(self, piece: Piece) -> None:
        text = self.text(piece)
        for n in (1, 2):
            self._tails.get(text[-n:], {}).pop(id(piece), None)
        self._home.pop(id(piece), None)

    def _position(self, home: int, piece: Piece) -> int:
        """The piece's position in its list (by identity)."""
        pos = self._pos[home]
        if pos is None:
            pos = self._pos[home] = {id(p): i for i, p in enumerate(self.articles[home])}
        return pos[id(piece)]

    def _index(self, home: int, piece: Piece) -> int:
        """``list.index(piece)``: the first equal piece's position."""
        if self._keys[home][_key(piece)] == 1:
            return self._position(home, piece)
        return self.articles[home].index(piece)

    def _target(self, piece: Piece, head: str) -> Piece | None:
        """The unfinished piece ``head`` joins best, the first on the page among equals (else None)."""
        openings = [head[:b] for b in (1, 2) if len(head) >= b and all(is_cjk(c) for c in head[:b])]
        if not openings:
            return None
        scores: dict[int, tuple[int, Piece]] = {}
        tries = [(left, freq) for o in openings for left, freq in _joins().get(o, [])]
        if len(tries) <= len(self._tails):
            for left, freq in tries:
                for pid, p in self._tails.get(left, {}).items():
                    if p is not piece and freq > scores.get(pid, (0, p))[0]:
                        scores[pid] = (freq, p)
        else:
            for ending, pieces in self._tails.items():
                if not pieces:
                    continue
                freq = _bridge(ending, head)
                for pid, p in pieces.items():
                    if freq and p is not piece and freq > scores.get(pid, (0, p))[0]:
                        scores[pid] = (freq, p)
        if not scores:
            return None
        best = max(freq for freq, _ in scores.values())
        tied = [p for freq, p in scores.values() if freq == best]
        return min(tied, key=lambda p: (self._home[id(p)], self._position(self._home[id(p)], p)))

    def run(self) -> None:
        """Move each stray fragment after the paragraph whose word it completes (see the module docstring)."""
        for home, items in enumerate(self.articles):
            for piece in list(items):
                head = self.text(piece)
                if not _starts_mid_sentence(head):
                    continue
                at = self._index(home, piece)
                if at and unfinished(self.text(items[at - 1])):
                    continue  # a fragment right after an unfinished paragraph is left to the join
                p = self._target(piece, head)
                if p is not None:
                    self._move(home, piece, p)

    def _move(self, home: int, piece: Piece, p: Piece) -> None:
        items, there = self.articles[home], self._home[id(p)]
        target = self.articles[there]
        key = _key(piece)
        if self._keys[home][key] == 1:
            del items[self._position(home, piece)]
            removed = piece
        else:  # equal pieces: list.remove takes the first of them
            at = items.index(piece)
            removed = items.pop(at)
        self._keys[home][key] -= 1
        self._drop(removed)
        self._pos[home] = None
        moved = Piece(piece.blocks, p.heading)
        target.insert(self._index(there, p) + 1, moved)
        self._keys[there][_key(moved)] += 1
        self._pos[there] = None
        self._add(moved, there)
