"""The learned answer scorer: gradient-boosted trees over :mod:`index.reader.features`, and its calibration.

The model file (``index/data/reader_model.json``, written by ``python -m bench.train``) holds the feature names
it was trained on, the trees (flattened: split feature, threshold, children; a negative child ``~i`` is leaf
``i``) of a ranker that orders a question's candidates, a calibrator — small trees again — that turns the best
candidate's score, its lead over the runner-up, its features and how many candidates there were
(:func:`calibration_row`) into the probability that the shown answer is right, and the threshold above which an
answer is shown. Scoring is numpy only: nothing is trained or downloaded at start-up.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from index.reader.features import NAMES

__all__ = [
    "ANSWERABLE_FILE",
    "CALIBRATION_FEATURES",
    "CALIBRATION_WIDTH",
    "MODEL_FILE",
    "Linear",
    "Model",
    "ModelError",
    "calibration_row",
    "load",
    "load_answerable",
]

MODEL_FILE = "reader_model.json"
ANSWERABLE_FILE = "answerable_model.json"
_lock = threading.Lock()


class ModelError(Exception):
    """The model file is missing or does not fit this code's features."""


#: What the calibration looks at besides the best score and its lead: the question's type and how the best
#: candidate stands (its unit, whether it is in the quote, the passage's coverage and rank, who proposed it).
CALIBRATION_FEATURES = (
    "q_quantity", "q_date", "q_person", "q_place", "q_org", "q_title", "q_other", "unit_match", "in_quote",
    "coverage", "rank", "chars", "src_quantity", "src_date", "src_person", "src_phrase", "left_adjacent",
)  # fmt: skip
_CALIBRATION_AT = tuple(NAMES.index(n) for n in CALIBRATION_FEATURES)


def calibration_row(top: float, runner_up: float | None, row: list[float], candidates: int) -> list[float]:
    """The calibrator's inputs: the best score, its lead over a different answer (capped), a few features named
    first (:data:`CALIBRATION_FEATURES`), then all of the best candidate's features and the number of candidates."""
    lead = min(top - runner_up, 5.0) if runner_up is not None else 5.0
    return [top, lead, *(row[i] for i in _CALIBRATION_AT), *row, float(candidates)]


#: How many values :func:`calibration_row` gives.
CALIBRATION_WIDTH = 2 + len(CALIBRATION_FEATURES) + len(NAMES) + 1


@dataclass(frozen=True)
class _Forest:
    """All trees padded to complete binary trees of one depth, evaluated level by level for every row at once.

    Node ``i`` of a tree has children ``2i+1`` (the feature is <= the threshold) and ``2i+2``; after ``depth``
    steps a row stands on leaf ``node - (2**depth - 1)``. A leaf above the full depth is copied to every padded
    leaf under it, so whatever the padded nodes decide, the row ends on that leaf's value.
    """

    feature: np.ndarray  # (trees * internal nodes,) split feature
    threshold: np.ndarray  # (trees * internal nodes,)
    value: np.ndarray  # (trees * leaves,) leaf values
    depth: int

    @classmethod
    def pack(cls, trees: list[dict[str, Any]]) -> _Forest:
        depth = max([0, *(_depth(t, 0) for t in trees)])
        internal, leaves = 2**depth - 1, 2**depth
        feature = np.zeros((len(trees), internal), dtype=np.intp)
        threshold = np.full((len(trees), internal), np.inf)
        value = np.zeros((len(trees), leaves))
        for i, t in enumerate(trees):
            # (flattened node or ~leaf, complete-tree position, level)
            stack = [(0 if t["feature"] else ~0, 0, 0)]
            while stack:
                node, at, level = stack.pop()
                if node < 0:
                    first = (at + 1) * 2 ** (depth - level) - 1 - internal  # the leftmost leaf under it
                    value[i, first : first + 2 ** (depth - level)] = t["value"][~node]
                    continue
                feature[i, at], threshold[i, at] = t["feature"][node], t["threshold"][node]
                stack.append((t["left"][node], 2 * at + 1, level + 1))
                stack.append((t["right"][node], 2 * at + 2, level + 1))
        return cls(feature.ravel(), threshold.ravel(), value.ravel(), depth)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The sum of the trees' leaf values for each row of ``x``."""
        trees = len(self.value) >> self.depth
        internal = 2**self.depth - 1
        base = np.arange(trees)[:, None] * internal
        cells = (np.arange(len(x)) * x.shape[1])[None, :]
        flat = np.ascontiguousarray(x).ravel()
        node = np.zeros((trees, len(x)), dtype=np.intp)
        for _ in range(self.depth):
            at = base + node
            went_left = np.take(flat, cells + np.take(self.feature, at)) <= np.take(self.threshold, at)
            node = 2 * node + 2 - went_left
        leaf = (np.arange(trees)[:, None] << self.depth) + node - internal
        return np.take(self.value, leaf).sum(axis=0)


def _depth(tree: dict[str, Any], node: int) -> int:
    """Levels of split nodes from ``node`` down (0 for a leaf)."""
    if node < 0 or not tree["feature"]:
        return 0
    return 1 + max(_depth(tree, tree["left"][node]), _depth(tree, tree["right"][node]))


@dataclass(frozen=True)
class Model:
    """Ranker, calibrator and threshold; :meth:`scores` rates candidates, :meth:`confidence` the best one."""

    forest: _Forest
    base: float
    calibration: _Forest  # trees over :func:`calibration_row`: the log-odds that the best candidate is right
    threshold: float
    info: dict[str, Any]
    promote: float = 2.0  # from this confidence on, the best answer's passage is ranked first even unshown

    def scores(self, rows: list[list[float]]) -> np.ndarray:
        """The raw score (log-odds) of each candidate row."""
        if not rows:
            return np.empty(0)
        x = np.asarray(rows, dtype=np.float64)
        return self.base + self.forest.predict(x)

    def confidence(self, top: float, runner_up: float | None, row: list[float], candidates: int) -> float:
        """The calibrated probability that the best of ``candidates`` candidates (score ``top``, features ``row``;
        ``runner_up``: the best score of another answer text) is right."""
        x = np.asarray([calibration_row(top, runner_up, row, candidates)], dtype=np.float64)
        z = float(self.calibration.predict(x)[0])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        """Build from the model file's object; :class:`ModelError` when it was made for other features."""
        if list(data.get("features", [])) != list(NAMES):
            raise ModelError(
                "the reader model was trained on other features than this code computes; "
                "retrain it with: python -m bench.train"
            )
        forest = _Forest.pack(list(data["trees"]))
        cal = data.get("calibration")
        if not isinstance(cal, dict) or cal.get("width") != CALIBRATION_WIDTH:
            raise ModelError(
                "the reader model's calibration does not fit this code; retrain it with: python -m bench.train"
            )
        calibration = _Forest.pack(list(cal["trees"]))
        return cls(
            forest,
            float(data.get("base", 0.0)),
            calibration,
            float(data["threshold"]),
            data.get("info", {}),
            float(data.get("promote", 2.0)),
        )


@dataclass(frozen=True)
class Linear:
    """A logistic model over standardised features: whether the best passage answers the question at all."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # below this probability the answer is 没有找到
    info: dict[str, Any]

    def probability(self, row: list[float]) -> float:
        """P(the question is answered by the passages) for one feature row."""
        z = float(((np.asarray(row) - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_json(cls, data: dict[str, Any], names: tuple[str, ...]) -> Linear:
        """Build from the model file's object; :class:`ModelError` when it was made for other features."""
        if list(data.get("features", [])) != list(names):
            raise ModelError(
                "the abstention model was trained on other features than this code computes; "
                "retrain it with: python -m bench.train"
            )
        arrays = (np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        mean, scale, coef = arrays
        return cls(
            mean, scale, coef, float(data["intercept"]), float(data["threshold"]), data.get("info", {})
        )


def _read(name: str, what: str) -> dict[str, Any]:
    path = resources.files("index") / "data" / name
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"no {what} at {path}; train one with: python -m bench.train") from exc
    return data


@cache
def _bundled() -> Model:
    return Model.from_json(_read(MODEL_FILE, "reader model"))


@cache
def _bundled_answerable() -> Linear:
    from index.reader.answerable import NAMES as ANSWERABLE_NAMES

    return Linear.from_json(_read(ANSWERABLE_FILE, "abstention model"), ANSWERABLE_NAMES)


def load(path: Path | None = None) -> Model:
    """The bundled reader model (loaded once per process), or the one at ``path``."""
    if path is not None:
        return Model.from_json(json.loads(path.read_text(encoding="utf-8")))
    with _lock:
        return _bundled()


def load_answerable() -> Linear:
    """The bundled abstention model (loaded once per process)."""
    with _lock:
        return _bundled_answerable()
