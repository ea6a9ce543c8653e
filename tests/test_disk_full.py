"""A full disk during ingest: a clear message naming the space to free, the files stored before it listed, an
intact store that still answers. SQLite's own limit (``PRAGMA max_page_count``) fills the file in-process; where
root may mount one, a real 6 MB tmpfs fills for the real CLI in real processes."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from corpus.ingest import ingest
from corpus.models import Article, Paragraph
from corpus.store import Store, StoreFull

FULL = (
    r"No space left on {folder} \(\d+\.\d MB free\) for NEWSQA_DB {db}: free \d+ MB or move NEWSQA_DB to a "
    r"bigger disk \(NEWSQA_DB=/other/disk/newsqa.db newsqa ingest\)"
)


def big_folder(root: Path, files: int = 6, records: int = 200) -> Path:
    """Files of many distinct records (each ~220 kB), enough to fill a few MB of store."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        with (root / f"b{i:02d}.jsonl").open("w", encoding="utf-8") as fh:
            for j in range(records):
                text = "。".join(f"第{i}{j}{k}号村的药材种植面积达到{k}万亩" for k in range(20))
                fh.write(json.dumps({"title": f"标题{i}-{j}", "text": text}, ensure_ascii=False) + "\n")
    return root


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_a_full_store_rolls_back_with_the_real_error(tmp_path: Path) -> None:
    """SQLite rolls back by itself on SQLITE_FULL; our ROLLBACK must not hide that ("no transaction is active")."""
    with Store.open(tmp_path / "newsqa.db") as store:
        store.replace_source("a.txt", "h1", 10, "page", [Article(title="甲", paragraphs=[Paragraph("一。")])])
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        big = Article(title="乙", paragraphs=[Paragraph("字" * 2000) for _ in range(200)])
        with pytest.raises(StoreFull) as caught:
            store.replace_source("b.txt", "h2", 10, "page", [big])
        assert "cannot rollback" not in str(caught.value)
        assert re.fullmatch(
            FULL.format(folder=re.escape(str(tmp_path)), db=re.escape(str(store.path))), str(caught.value)
        )
        assert not store.conn.in_transaction
        assert [a.title for a in store.articles()] == ["甲"]
    assert integrity(tmp_path / "newsqa.db") == "ok"


def test_ingest_stops_at_the_page_limit_and_the_store_still_answers(
    fresh_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = big_folder(tmp_path / "big")
    with Store.open(fresh_db) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 600}")  # room for some of the six files
        report = ingest(store, [folder])
    assert report.stopped is not None
    assert re.fullmatch(
        FULL.format(folder=re.escape(str(tmp_path)), db=re.escape(str(fresh_db))), report.stopped
    )
    assert report.added == [str(folder / f"b{i:02d}.jsonl") for i in range(len(report.added))]
    assert 1 <= len(report.added) < 6
    assert integrity(fresh_db) == "ok"

    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    capsys.readouterr()
    assert main(["ask", "剑河中药材面积?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answer"] in ("15.78万亩", None) and "15.78万亩" in out["passages"][0]["quote"]
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sources"] == 1 + len(report.added)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 6 MB tmpfs, or skip where mounting is not allowed."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def newsqa(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSQA_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_real_full_disk_through_the_cli(tiny_disk: Path, tmp_path: Path) -> None:
    db = tiny_disk / "newsqa.db"
    assert newsqa(["ingest"], db).returncode == 0  # the bundled corpus and its index fit
    folder = big_folder(tmp_path / "big", files=14)
    done = newsqa(["ingest", str(folder)], db)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "cannot rollback" not in done.stderr
    error = FULL.format(folder=re.escape(str(tiny_disk)), db=re.escape(str(db)))
    assert re.fullmatch(
        f"Error: {error}. The index was not updated; rerun newsqa ingest after that\n", done.stderr
    ), done.stderr
    stored = [line for line in done.stdout.splitlines() if line.startswith("stored before the disk filled: ")]
    assert stored == [f"stored before the disk filled: {folder}/b{i:02d}.jsonl" for i in range(len(stored))]
    assert 1 <= len(stored) < 14
    assert integrity(db) == "ok"

    asked = newsqa(["ask", "剑河中药材面积?", "--json"], db)  # the disk is still full
    assert asked.returncode == 0, asked.stderr
    out = json.loads(asked.stdout)
    assert out["answer"] in ("15.78万亩", None) and "15.78万亩" in out["passages"][0]["quote"]
    # a reader never writes the index: it answers from what is indexed and says the index is behind
    assert "the index is behind the store" in asked.stderr and "Traceback" not in asked.stderr
    stats = newsqa(["stats", "--json"], db)
    assert stats.returncode == 0 and json.loads(stats.stdout)["sources"] == 1 + len(stored)
