"""The reader: which span of the best passages answers the question, and how likely that answer is right.

The package is everything that reads text for answers, apart from the search engine (segmentation, postings,
BM25, the caches in :mod:`index`): question typing (:mod:`.question`, :mod:`.kinds`, :mod:`.multi`), typed spans
and names (:mod:`.spans`, :mod:`.names`, :mod:`.phrases`, :mod:`.entities`), the evidence sentence and its quote
(:mod:`.answer`, :mod:`.sentences`, :mod:`.quotes`), the candidates, features and learned model, and abstention
(:mod:`.abstain` rules, :mod:`.answerable` learned).

One public function, :func:`read`: candidate spans from every ranked passage given (:mod:`.candidates`), a
feature row each (:mod:`.features`), scored by the learned model (:mod:`.model`); the best one comes back with
its calibrated confidence. The caller shows the answer only when ``confidence >= model.threshold``.
:func:`collect` gives the rows themselves, for training (``python -m bench.train``).

The names below are imported on first use (PEP 562), so a process that only needs a light module of the package
(:mod:`.question` for a cached answer) does not load numpy, the model and the span rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.reader.features import PassageView, QuestionView
    from index.reader.model import Model, ModelError, load
    from index.reader.reading import Reading, collect, read

__all__ = ["Model", "ModelError", "PassageView", "QuestionView", "Reading", "collect", "load", "read"]

_HOME = {
    "Model": "model",
    "ModelError": "model",
    "load": "model",
    "PassageView": "features",
    "QuestionView": "features",
    "Reading": "reading",
    "collect": "reading",
    "read": "reading",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
