"""All the reader's trees walked at once: one numpy step per tree level instead of one per tree and level.

:class:`Forest` packs the flattened trees of :mod:`index.reader.model` into shared node arrays, each leaf a node
that leads to itself, so ``depth`` steps take every (row, tree) pair to its leaf. The leaf values are then added
tree by tree, in the trees' order, from the base score: the same additions as summing the trees one by one, so
the scores are bit for bit those of :meth:`index.reader.model._Tree.predict` summed (a test checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["Forest"]


class FlatTree(Protocol):
    """A tree as the model file flattens it (a negative child ``~i`` is leaf ``i``)."""

    @property
    def feature(self) -> np.ndarray: ...
    @property
    def threshold(self) -> np.ndarray: ...
    @property
    def left(self) -> np.ndarray: ...
    @property
    def right(self) -> np.ndarray: ...
    @property
    def value(self) -> np.ndarray: ...


@dataclass(frozen=True)
class Forest:
    """Every tree's nodes in one set of arrays; ``roots[t]`` is tree ``t``'s first node."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int

    @classmethod
    def pack(cls, trees: Sequence[FlatTree]) -> Forest:
        """Pack ``trees``: internal nodes then leaves, per tree, leaves pointing to themselves."""
        feature: list[np.ndarray] = []
        threshold: list[np.ndarray] = []
        left: list[np.ndarray] = []
        right: list[np.ndarray] = []
        value: list[np.ndarray] = []
        roots: list[int] = []
        depth, at = 0, 0
        for tree in trees:
            inner, leaves = len(tree.feature), len(tree.value)
            first_leaf = at + inner

            def node(child: np.ndarray, at: int = at, first_leaf: int = first_leaf) -> np.ndarray:
                return np.where(child < 0, first_leaf + ~child, at + child).astype(np.int64)

            own = np.arange(first_leaf, first_leaf + leaves, dtype=np.int64)
            feature += [np.asarray(tree.feature, dtype=np.int64), np.zeros(leaves, dtype=np.int64)]
            threshold += [np.asarray(tree.threshold, dtype=np.float64), np.full(leaves, np.inf)]
            left += [node(np.asarray(tree.left, dtype=np.int64)), own]
            right += [node(np.asarray(tree.right, dtype=np.int64)), own]
            value += [np.zeros(inner), np.asarray(tree.value, dtype=np.float64)]
            roots.append(at)
            depth = max(depth, _depth(tree))
            at = first_leaf + leaves
        return cls(
            np.concatenate(feature),
            np.concatenate(threshold),
            np.concatenate(left),
            np.concatenate(right),
            np.concatenate(value),
            np.asarray(roots, dtype=np.int64),
            depth,
        )

    def total(self, x: np.ndarray, base: float) -> np.ndarray:
        """``base`` plus every tree's leaf value for each row of ``x``, summed in tree order."""
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        sums = np.concatenate([np.full((len(x), 1), base), self.value[node]], axis=1)
        return np.cumsum(sums, axis=1)[:, -1]


def _depth(tree: FlatTree) -> int:
    """Steps from the root to the deepest leaf (0 for a tree that is one leaf)."""
    if not len(tree.feature):
        return 0
    deepest, stack = 0, [(0, 1)]
    while stack:
        at, steps = stack.pop()
        deepest = max(deepest, steps)
        for child in (int(tree.left[at]), int(tree.right[at])):
            if child >= 0:
                stack.append((child, steps + 1))
    return deepest
