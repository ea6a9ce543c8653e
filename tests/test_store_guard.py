"""Store guards on real files: our application_id, foreign SQLite files refused untouched, old stores adopted,
permission problems named as such (checked as an unprivileged user in a real process)."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.library  # noqa: F401 - imported before as_unprivileged forks (the child may not read the stdlib)
from bot.cli import main
from corpus.store import Store, StoreError
from corpus.store_guard import APPLICATION_ID

FIX = (
    "Give yourself write access (chmod u+w), or point NEWSQA_DB at a file in a folder you can write, e.g.: "
    "NEWSQA_DB=var/newsqa.db newsqa ingest"
)


def app_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def test_a_new_store_carries_the_newsqa_application_id(tmp_path: Path) -> None:
    Store.open(tmp_path / "newsqa.db").close()
    assert app_id(tmp_path / "newsqa.db") == APPLICATION_ID == 0x4E515341


def test_an_old_store_without_the_id_is_adopted_with_its_articles(tmp_path: Path, seed_db: Path) -> None:
    old = tmp_path / "old.db"
    src, dst = sqlite3.connect(seed_db), sqlite3.connect(old)
    src.backup(dst)
    dst.execute("PRAGMA application_id = 0")  # what every store written before this change looks like
    dst.commit()
    src.close()
    dst.close()
    assert app_id(old) == 0
    with Store.open(old) as store:
        assert store.counts()["articles"] == 4
    assert app_id(old) == APPLICATION_ID


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")  # even a table called meta is not enough
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(caught.value) == (
        f"NEWSQA_DB {path} is another program's SQLite file (tables: meta, photos), not a newsqa store; "
        "newsqa left it untouched. Point NEWSQA_DB at a new file, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos.db"]


def test_a_file_with_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "geo.gpkg"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1196444487")  # GeoPackage's "GPKG"
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"another program's SQLite file \(application_id 0x47504b47\)"):
        Store.open(path)


def test_a_damaged_schema_version_is_named(tmp_path: Path) -> None:
    path = tmp_path / "newsqa.db"
    with Store.open(path) as store:
        store.set_meta("schema_version", "one")
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(caught.value) == (
        f"The store at {path} is damaged: its meta value schema_version is 'one', not a number. "
        f"Move the file aside and rebuild it with: mv {path} {path}.bad && newsqa ingest"
    )


def test_a_folder_as_the_store_path(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path)
    assert str(caught.value) == (
        f"NEWSQA_DB {tmp_path} is a folder, not a file. Point it at a file inside it, e.g.: "
        f"NEWSQA_DB={tmp_path / 'newsqa.db'} newsqa ingest"
    )


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder an unprivileged user can enter (pytest's own is private to its owner)."""
    with tempfile.TemporaryDirectory(prefix="newsqa-perm-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


def as_unprivileged(args: list[str], db: Path) -> tuple[int, str]:
    """(exit status, stderr) of ``main(ARGS)`` in a forked child that runs as user nobody when we are root
    (root ignores file permissions); everything the command imports is imported before the fork."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 2
        try:
            sys.stderr = os.fdopen(write_end, "w", encoding="utf-8")
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            os.environ["NEWSQA_DB"] = str(db)
            status = main(args)
        finally:
            sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as fh:
        err = fh.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), err


def test_a_read_only_store_is_named_a_permission_problem(shared_tmp: Path) -> None:
    db = shared_tmp / "newsqa.db"
    Store.open(db).close()
    os.chmod(shared_tmp, 0o777)
    os.chmod(db, 0o444)
    assert as_unprivileged(["stats"], db) == (
        1,
        f"Error: NEWSQA_DB {db} is not writable: permission denied (mode -r--r--r--). {FIX}\n",
    )


def test_a_read_only_folder_is_named_a_permission_problem(shared_tmp: Path) -> None:
    folder = shared_tmp / "var"
    folder.mkdir(mode=0o555)
    os.chmod(folder, 0o555)
    db = folder / "newsqa.db"
    assert as_unprivileged(["articles"], db) == (
        1,
        f"Error: NEWSQA_DB {db} is not writable: its folder {folder} is read-only "
        f"(SQLite writes newsqa.db-wal and -shm beside it). {FIX}\n",
    )
