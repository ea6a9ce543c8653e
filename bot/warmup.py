"""Loading, on a background thread at start-up, what a long-running process (the bot, the chat) will surely need.

The first answer of a fresh process would otherwise pay for jieba's dictionary (~0.3 s from its cache), the POS
tagger's tables (~0.3 s) and the LAC entity model (~0.7 s). The thread loads them while the process connects
and waits for its first message; a question arriving earlier simply waits for the same locks the loaders hold.
One-shot commands (``newsqa ask``) do not warm up: they load only what their one answer needs, and a passage
already tagged by any process needs neither tagger (:mod:`index.tag_cache`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time

from index.reader import entities, spans
from index.search import Searcher

__all__ = ["start"]

log = logging.getLogger(__name__)


def _load(searcher: Searcher) -> None:
    started = time.perf_counter()
    try:
        searcher.segmenter.initialize()
        spans.preload()
        entities.preload()
    except Exception:  # a failed warm-up only means the first answer loads these itself
        log.exception("warm-up failed; the first answer loads what it needs")
        return
    log.info(
        "warm-up: dictionary, POS tagger and entity model loaded in %.2f s", time.perf_counter() - started
    )


#: How long an exiting process waits for a warm-up still loading (seconds).
EXIT_WAIT_S = 30.0


def start(searcher: Searcher) -> threading.Thread:
    """Start loading the segmenter's dictionary, the POS tagger and the LAC model on a daemon thread.

    A process told to stop (SIGTERM) while the thread is still inside ONNX Runtime's model load would abort at
    interpreter exit; an ``atexit`` hook lets the load finish first (at most :data:`EXIT_WAIT_S`).
    """
    thread = threading.Thread(target=_load, args=(searcher,), name="warm-up", daemon=True)
    thread.start()
    atexit.register(thread.join, EXIT_WAIT_S)
    return thread
