"""jieba's POS Viterbi (``jieba.posseg.viterbi``) on numpy arrays: the same route and probability, ~10× faster.

jieba's POS tagger decodes every run of characters its dictionary does not cover with a pure-Python Viterbi over
256 (position, tag) states: a generator of tuples per state pair and character, the reader's slowest step on a
passage read for the first time (most of the ~26 ms a paragraph of tagging costs). :func:`viterbi` computes the
same thing with the model's tables as matrices (transitions S×S, emissions per character, cached), keeping every
detail that decides the result: the states a character may take and the fallback when none is reachable, the
sums in jieba's order (``V + trans + emit``, so the floats are identical), and ties broken as Python's ``max``
over ``(probability, state)`` tuples does — the larger state wins. :func:`install` swaps it into ``jieba.posseg``;
``tests/test_posseg_viterbi.py`` compares both on real text, character for character.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["Tables", "install", "viterbi"]

MIN_FLOAT = -3.14e100  # jieba's emission probability of a character a state never emitted
State = tuple[str, str]


class Tables:
    """The model as arrays: states in tuple order (so a larger index is a larger state, as ``max`` compares)."""

    def __init__(
        self,
        char_states: Mapping[str, Sequence[State]],
        start_p: Mapping[State, float],
        trans_p: Mapping[State, Mapping[State, float]],
        emit_p: Mapping[State, Mapping[str, float]],
    ) -> None:
        self.states: list[State] = sorted(set(trans_p) | set(start_p) | set(emit_p))
        self.index = {s: i for i, s in enumerate(self.states)}
        n = len(self.states)
        self.start = np.array([start_p.get(s, -np.inf) for s in self.states])
        self.trans = np.full((n, n), -np.inf)
        self.follows = np.zeros((n, n), dtype=bool)  # y is a key of trans_p[x] (whatever its value)
        for x, row in trans_p.items():
            for y, p in row.items():
                self.trans[self.index[x], self.index[y]] = p
                self.follows[self.index[x], self.index[y]] = True
        self.has_next = self.follows.any(axis=1)
        self.all_states = np.ones(n, dtype=bool)
        self._char_states = char_states
        self._emit_rows = [emit_p.get(state, {}) for state in self.states]
        self._emit: dict[str, np.ndarray] = {}
        self._may: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def emit(self, ch: str) -> np.ndarray:
        """Each state's log probability of emitting ``ch``."""
        found = self._emit.get(ch)
        if found is None:
            found = np.array([row.get(ch, MIN_FLOAT) for row in self._emit_rows])
            with self._lock:
                self._emit[ch] = found
        return found

    def may(self, ch: str) -> np.ndarray:
        """The states ``ch`` may take (all of them for a character the model does not list)."""
        found = self._may.get(ch)
        if found is None:
            listed = self._char_states.get(ch)
            found = self.all_states if listed is None else np.zeros(len(self.states), dtype=bool)
            if listed is not None:
                found[[self.index[s] for s in listed if s in self.index]] = True
            with self._lock:
                self._may[ch] = found
        return found


def _last_argmax(values: np.ndarray) -> Any:
    """Index of the maximum along the first axis, the last one among equals (the larger state wins a tie)."""
    return len(values) - 1 - np.argmax(values[::-1], axis=0)


def viterbi(obs: str, tables: Tables) -> tuple[float, list[State]]:
    """The most probable (position, tag) state of each character of ``obs``, and that route's log probability."""
    alive = tables.may(obs[0])
    v = np.where(alive, tables.start + tables.emit(obs[0]), -np.inf)
    back: list[np.ndarray] = []
    for ch in obs[1:]:
        prev = np.flatnonzero(alive & tables.has_next)
        expected = np.asarray(tables.follows[prev].any(axis=0))
        targets: np.ndarray = tables.may(ch) & expected
        if not targets.any():
            targets = expected if expected.any() else tables.all_states
        ys = np.flatnonzero(targets)
        scores = v[prev][:, None] + tables.trans[np.ix_(prev, ys)] + tables.emit(ch)[ys][None, :]
        best = _last_argmax(scores)
        step = np.full(len(tables.states), -1)
        step[ys] = prev[best]
        v = np.full(len(tables.states), -np.inf)
        v[ys] = scores[best, np.arange(len(ys))]
        back.append(step)
        alive = targets
    ends = np.flatnonzero(alive)
    state = int(ends[_last_argmax(v[ends])])
    prob = float(v[state])
    route = [state]
    for step in reversed(back):
        state = int(step[state])
        route.append(state)
    return prob, [tables.states[i] for i in reversed(route)]


_installed: dict[int, Tables] = {}


def install(posseg: ModuleType) -> None:
    """Make ``posseg`` (the ``jieba.posseg`` module) decode with :func:`viterbi` over its own model tables."""
    if id(posseg) in _installed:
        return
    tables = Tables(posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
    _installed[id(posseg)] = tables
    original = posseg.viterbi

    def fast(obs: str, states: Any, start_p: Any, trans_p: Any, emit_p: Any) -> tuple[float, list[State]]:
        if (
            states is not posseg.char_state_tab_P or trans_p is not posseg.trans_P
        ):  # other tables: jieba's own
            return original(obs, states, start_p, trans_p, emit_p)
        return viterbi(obs, tables)

    setattr(posseg, "viterbi", fast)  # noqa: B010 (the module's name for its decoder, looked up at each call)
