"""``newsqa snapshot``: a consistent, read-only copy without chat state, its manifest, and finding snapshots."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.state import StateStore
from bot.updates import UpdateJournal
from corpus.store import Store
from index.cache import QueryCache
from index.check import check_index
from index.snapshot import STATE_TABLES, write_snapshot
from index.snapshot_files import (
    Manifest,
    SnapshotError,
    SnapshotFinder,
    file_sha256,
    manifest_path,
    open_snapshot,
)
from tests.snapshot_helpers import publish

SECRET_QUESTION = "我家住在青龙巷十七号吗"


def _with_chat_state(db: Path) -> None:
    """Chat state, a vote, an update in the journal and a cached answer, as a running bot leaves them."""
    with Store.open(db) as store:
        state = StateStore(store.conn)
        asked = state.record_question(42, SECRET_QUESTION, SECRET_QUESTION, "other")
        assert state.add_feedback(42, asked, 1, None, 1, None, 1, user_id=7)
    journal = UpdateJournal(db)
    journal.record(9001, json.dumps({"update_id": 9001, "text": SECRET_QUESTION}, ensure_ascii=False))
    journal.close()
    cache = QueryCache(db)
    cache.put(SECRET_QUESTION, 5, 1, {"hits": []})
    cache.close()


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in STATE_TABLES}
    finally:
        conn.close()


def test_a_snapshot_is_consistent_read_only_and_carries_no_chat_state(fresh_db: Path, tmp_path: Path) -> None:
    _with_chat_state(fresh_db)
    assert _counts(fresh_db) == {
        "asked": 1,
        "chat_state": 1,
        "feedback": 1,
        "tg_updates": 1,
        "query_cache": 1,
        "query_cache_stats": 0,
    }
    out = tmp_path / "out" / "snap.db"
    with Store.open(fresh_db) as store:
        manifest = write_snapshot(store, out)
        corpus_version = store.corpus_version

    assert _counts(out) == dict.fromkeys(STATE_TABLES, 0)  # the tables are there, empty
    assert SECRET_QUESTION.encode() not in out.read_bytes()  # nor left in freed pages (secure_delete)
    assert (manifest.file, manifest.articles, manifest.passages, manifest.indexed_passages) == (
        "snap.db",
        4,
        56,
        56,
    )
    assert manifest.corpus_version == corpus_version
    assert manifest.sha256 == file_sha256(out)
    assert manifest.size == out.stat().st_size
    assert Manifest.from_json(json.loads(manifest_path(out).read_text(encoding="utf-8"))) == manifest
    assert oct(out.stat().st_mode & 0o777) == "0o444"
    assert sorted(p.name for p in out.parent.iterdir()) == ["snap.db", "snap.db.json"]  # no temporary left

    snapshot = open_snapshot(out)
    assert check_index(snapshot.conn).ok  # the index matches the store inside the copy
    assert snapshot.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        snapshot.conn.execute("INSERT INTO asked(chat_id, question, resolved, at) VALUES (1, 'q', 'q', 0)")
    state = StateStore(
        snapshot.conn
    )  # today's state code on the snapshot: writes fail safe, logged and skipped
    assert state.record_question(1, "剑河", "剑河", None).id == 0
    assert state.load(1).ask_id is None
    snapshot.close()
    assert file_sha256(out) == manifest.sha256  # opened, answered from, never written


def test_a_snapshot_taken_while_a_writer_holds_the_store_is_the_committed_store(
    fresh_db: Path, tmp_path: Path
) -> None:
    """A real second process writes (uncommitted) while the snapshot is taken: the copy does not wait for it
    and does not see it; the writer then commits, not blocked by the copy."""
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(fresh_db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"UPDATE meta SET value = '999' WHERE key = 'corpus_version'\")\n"
            "c.execute('DELETE FROM paragraphs WHERE id IN (SELECT id FROM paragraphs LIMIT 5)')\n"
            "print('writing', flush=True)\n"
            "sys.stdin.readline()\n"
            "c.execute('COMMIT')\n"
            "print('committed', flush=True)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdin is not None
    assert writer.stdout.readline() == "writing\n"
    with Store.open(fresh_db) as store:
        before = store.corpus_version
        manifest = write_snapshot(store, tmp_path / "snap.db")
    writer.stdin.write("\n")
    writer.stdin.flush()
    assert writer.stdout.readline() == "committed\n"
    assert writer.wait(timeout=60) == 0
    assert manifest.corpus_version == before != 999
    assert manifest.passages == 56
    snapshot = open_snapshot(tmp_path / "snap.db")
    assert check_index(snapshot.conn).ok
    snapshot.close()
    with Store.open(fresh_db) as store:
        assert store.corpus_version == 999


def test_half_copied_or_damaged_snapshots_are_skipped_and_logged_once(
    fresh_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "snapshots"
    good, manifest = publish(fresh_db, folder)
    newer = {**manifest.to_json(), "created": "2999-01-01T00:00:00+00:00"}
    # a newer file still being copied, no manifest yet
    (folder / "copying.db").write_bytes(good.read_bytes()[:4096])
    # a newer file with its manifest, half copied (the size says so)
    (folder / "half.db").write_bytes(good.read_bytes()[:8192])
    (folder / "half.db.json").write_text(json.dumps({**newer, "file": "half.db"}), encoding="utf-8")
    # a newer file of the right size whose bytes do not match the checksum
    damaged = bytearray(good.read_bytes())
    damaged[-100] ^= 0xFF
    (folder / "damaged.db").write_bytes(bytes(damaged))
    (folder / "damaged.db.json").write_text(json.dumps({**newer, "file": "damaged.db"}), encoding="utf-8")
    # a manifest that is not one
    (folder / "junk.db.json").write_text("{", encoding="utf-8")

    finder = SnapshotFinder(folder)
    with caplog.at_level(logging.WARNING, logger="index.snapshot_files"):
        assert finder.newest() == (good, manifest)
        assert finder.newest() == (good, manifest)  # polled again: nothing logged twice
    skipped = sorted(r.getMessage() for r in caplog.records)
    assert len(skipped) == 3
    assert "damaged.db: its sha256 does not match the manifest" in skipped[0]
    assert "half.db: size 8192 bytes, manifest says" in skipped[1]
    assert "junk.db.json" in skipped[2]
    assert not any("copying.db" in m for m in skipped)  # without a manifest a file is not even looked at

    # once the copy completes (same bytes as the checksum), the file is taken
    shutil.copyfile(good, folder / "half.db")
    assert finder.newest() == (folder / "half.db", Manifest(**{**newer, "file": "half.db"}))


def test_snapshot_cli_publishes_into_a_folder_and_keeps_the_newest(
    fresh_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    folder = tmp_path / "snapshots"
    for _ in range(3):
        assert main(["snapshot", "--into", str(folder), "--keep", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"snapshot: {folder}/newsqa-v1.1-")
    assert ": 4 articles, 56 passages, " in out[0]
    assert out[-1].startswith(f"pruned: {folder}/newsqa-v1.1-")
    names = sorted(os.listdir(folder))
    assert len(names) == 4 and [n.endswith(".db.json") for n in names] == [False, True, False, True]
    kept = [folder / m.file for _, m in SnapshotFinder(folder).manifests()]
    assert sorted(p.name for p in kept) == [n for n in names if n.endswith(".db")]

    assert main(["snapshot", str(folder)]) == 0  # OUT a folder: the same as --into
    assert len(os.listdir(folder)) == 6
    assert main(["snapshot"]) == 1
    assert "Error: Give the snapshot's file or a folder: newsqa snapshot OUT.db" in capsys.readouterr().err


def test_a_replica_without_a_usable_snapshot_says_which_folder_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "copying.db").write_bytes(b"SQLite format 3\x00")  # half copied: no manifest
    monkeypatch.setenv("NEWSQA_SNAPSHOTS", str(folder))
    monkeypatch.setenv("NEWSQA_DB", str(tmp_path / "local.db"))
    assert main(["ask", "剑河中药材面积?"]) == 1
    assert capsys.readouterr().err == (
        f"Error: NEWSQA_SNAPSHOTS {folder} holds no complete snapshot (a NAME.db with its NAME.db.json manifest "
        f"and a matching checksum). Publish one on the ingest host with: newsqa snapshot --into {folder}\n"
    )


def test_a_snapshot_of_another_schema_is_refused(fresh_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "old.db"
    shutil.copyfile(fresh_db, out)
    conn = sqlite3.connect(out)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(SnapshotError, match="has store schema 2; this newsqa reads schema 3"):
        open_snapshot(out)
