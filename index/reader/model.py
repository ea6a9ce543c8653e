"""The learned answer scorer: gradient-boosted trees over :mod:`index.reader.features`, and its calibration.

The model file (``index/data/reader_model.json``, written by ``python -m bench.train``) holds the feature names
it was trained on, the trees (flattened: split feature, threshold, children; a negative child ``~i`` is leaf
``i``), a calibration that turns the best candidate's score, its lead over the runner-up and a few of its features
(:data:`CALIBRATION_FEATURES`) into the probability that the shown answer is right, and the threshold above which an answer is shown. Scoring is numpy
only: nothing is trained or downloaded at start-up.
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


def calibration_row(top: float, runner_up: float | None, row: list[float]) -> list[float]:
    """The calibration's inputs: the best score, its lead over a different answer (capped), and features."""
    lead = min(top - runner_up, 5.0) if runner_up is not None else 5.0
    return [top, lead, *(row[i] for i in _CALIBRATION_AT)]


@dataclass(frozen=True)
class _Forest:
    """All trees packed into padded arrays (tree × node), evaluated level by level for every row at once."""

    feature: np.ndarray  # (trees, nodes) split feature
    threshold: np.ndarray  # (trees, nodes) go left when the feature is <= this
    left: np.ndarray  # (trees, nodes) child: a node index, or ~leaf
    right: np.ndarray
    value: np.ndarray  # (trees, leaves) leaf values

    @classmethod
    def pack(cls, trees: list[dict[str, Any]]) -> _Forest:
        nodes = max([1, *(len(t["feature"]) for t in trees)])
        leaves = max([1, *(len(t["value"]) for t in trees)])
        shape = (len(trees), nodes)
        feature, left, right = (np.zeros(shape, dtype=np.int64) for _ in range(3))
        threshold = np.zeros(shape)
        value = np.zeros((len(trees), leaves))
        for i, t in enumerate(trees):
            n = len(t["feature"])
            if n == 0:  # a tree that is one leaf: a node whose both children are that leaf
                left[i, 0] = right[i, 0] = ~0
            else:
                feature[i, :n], threshold[i, :n] = t["feature"], t["threshold"]
                left[i, :n], right[i, :n] = t["left"], t["right"]
            value[i, : len(t["value"])] = t["value"]
        return cls(feature, threshold, left, right, value)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The sum of the trees' leaf values for each row of ``x``."""
        trees = np.arange(len(self.feature))[:, None]
        rows = np.arange(len(x))[None, :]
        state = np.zeros((len(self.feature), len(x)), dtype=np.int64)
        active = state >= 0
        while active.any():
            node = np.where(active, state, 0)
            go_left = x[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            child = np.where(go_left, self.left[trees, node], self.right[trees, node])
            state = np.where(active, child, state)
            active = state >= 0
        return self.value[trees, ~state].sum(axis=0)


@dataclass(frozen=True)
class Model:
    """Trees, calibration and threshold; :meth:`scores` rates candidates, :meth:`confidence` the best one."""

    forest: _Forest
    base: float
    calibration: tuple[float, ...]  # weights of :func:`calibration_row`'s values, then a bias
    threshold: float
    info: dict[str, Any]
    promote: float = 2.0  # from this confidence on, the best answer's passage is ranked first even unshown

    def scores(self, rows: list[list[float]]) -> np.ndarray:
        """The raw score (log-odds) of each candidate row."""
        if not rows:
            return np.empty(0)
        x = np.asarray(rows, dtype=np.float64)
        return self.base + self.forest.predict(x)

    def confidence(self, top: float, runner_up: float | None, row: list[float]) -> float:
        """The calibrated probability that the best candidate (score ``top``, features ``row``) is right."""
        *weights, bias = self.calibration
        z = float(np.dot(weights, calibration_row(top, runner_up, row))) + bias
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
        calibration = tuple(float(v) for v in data["calibration"])
        if len(calibration) != len(CALIBRATION_FEATURES) + 3:
            raise ModelError(
                "the reader model's calibration does not fit this code; retrain it with: python -m bench.train"
            )
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
