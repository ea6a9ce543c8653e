"""Helpers of the snapshot tests: publishing a store, growing it by one article, waiting for a condition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from corpus.store import Store
from index.snapshot import publish_into
from index.snapshot_files import Manifest

#: Answered by the bundled corpus, before and after the extra article.
SEED_QUESTION = "剑河中药材面积多少?"
SEED_ANSWER = "15.78万亩"
#: Answered only once :func:`add_article` ran.
NEW_QUESTION = "青溪镇茶园面积是多少?"
NEW_ANSWER = "3200亩"

ARTICLE = {
    "title": "青溪镇茶园扩种见成效",
    "date": "2024-05-06",
    "author": "本报记者 林晓",
    "source": "人民日报",
    "url": "https://example.org/qingxi",
    "text": "青溪镇今年新建生态茶园，全镇茶园面积达到3200亩，带动茶农增收。\n"
    "镇里还请来农技专家，为茶农讲解修剪和施肥技术。",
}


def publish(db: Path, folder: Path, keep: int = 3) -> tuple[Path, Manifest]:
    """``newsqa snapshot --into folder`` of the store at ``db``: (snapshot file, manifest)."""
    with Store.open(db) as store:
        path, manifest, _ = publish_into(store, folder, keep=keep)
    return path, manifest


def add_article(db: Path, folder: Path) -> None:
    """Ingest :data:`ARTICLE` into the store at ``db`` and index it: ``newsqa ingest folder`` in a process of
    its own, as on an ingest host (a Searcher here would replace this process's tag cache and segmenter)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qingxi.jsonl").write_text(json.dumps(ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    env = {**os.environ, "NEWSQA_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "added 1" in done.stdout


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 90.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s`` (a deadline, not a timing)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
