"""The bot's and the chat's warm-up: the taggers load on a background thread, over the searcher's tokenizer."""

from __future__ import annotations

from typing import Any

from bot import warmup
from index.reader import entities, spans


def test_warm_up_loads_the_taggers_the_answers_will_use(searcher: Any) -> None:
    spans.use_segmenter(searcher.segmenter)
    thread = warmup.start(searcher)
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert thread.name == "warm-up"
    assert spans._pos is not None
    assert spans._pos.tokenizer is searcher.segmenter.jieba  # the segmenter's own tokenizer, loaded once
    assert entities.available()
