"""The cached path of ``newsqa ask`` (bot/cached_ask.py): the same answer as the engine's, without its imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.cached_ask import cached_answer
from bot.settings import Settings
from corpus.store import Store

QUESTION = "剑河中药材面积多少?"


def _ask(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSQA_DB": str(db)}
    return subprocess.run(
        [sys.executable, *args, "-m", "bot", "ask", QUESTION, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )


def _answer(stdout: str) -> dict[str, object]:
    """The JSON answer without its timing."""
    answer = dict(json.loads(stdout.splitlines()[-1]))
    answer.pop("elapsed_ms")
    return answer


def test_a_question_asked_before_is_answered_without_loading_the_engine(fresh_db: Path) -> None:
    first = _ask(fresh_db)
    again = _ask(fresh_db, "-X", "importtime")
    imported = {
        line.split("|")[-1].strip() for line in again.stderr.splitlines() if line.startswith("import time")
    }
    assert "bot.cached_ask" in imported
    assert {"index.search", "numpy", "jieba", "index.reader.model"}.isdisjoint(imported)
    assert _answer(again.stdout) == _answer(first.stdout)
    assert "15.78万亩" in str(_answer(again.stdout)["passages"])


def test_a_changed_store_is_not_answered_from_the_cache(fresh_db: Path) -> None:
    _ask(fresh_db)
    settings = Settings(db_path=fresh_db)
    hit = cached_answer(settings, QUESTION, 5)
    assert hit is not None and hit.cache_hit and hit.question == QUESTION
    assert "15.78万亩" in hit.hits[0].quote
    assert cached_answer(settings, QUESTION, 3) is None  # another k: another entry
    store = Store.open(fresh_db)
    store.set_meta(
        "corpus_version", str(store.corpus_version + 1)
    )  # what an ingest that changed articles does
    store.close()
    assert cached_answer(settings, QUESTION, 5) is None


def test_no_store_no_cached_answer(tmp_path: Path) -> None:
    assert cached_answer(Settings(db_path=tmp_path / "none.db"), QUESTION, 5) is None
    assert not (tmp_path / "none.db").exists()  # looking did not create a store
