"""``newsqa snapshot``: a consistent, read-only copy of the store for replicas, with its manifest.

The copy is made with ``VACUUM INTO`` on the store's connection: one read transaction, so it is a consistent
picture of the store while an ingest or answers go on (in WAL mode a reader never blocks the writer; the copy
holds no write lock at all). Then, on the private copy, the tables that are not the index are emptied —
chat state, the update journal, the query cache and its counters (:data:`STATE_TABLES`), with
``secure_delete`` so their rows are overwritten, not just unlinked — and it is switched to
``journal_mode=DELETE`` so it can be opened immutable. The figures of the manifest are read from the copy
itself, so they describe exactly what it holds.

Publishing is atomic: the file is written under a temporary name, fsynced and ``os.replace``d into place,
and only then its manifest ``NAME.db.json`` (the "complete" marker, :mod:`index.snapshot_files`).
``--into DIR`` names a snapshot ``newsqa-vCORPUS.INDEX-TIME.db`` and keeps the newest :data:`KEEP` of the
folder, pruning older ones (manifest first, so no replica picks a file being deleted; a replica that still
has a pruned file open keeps reading it — on Linux an unlinked file lives on while it is open).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import time
from importlib import metadata
from pathlib import Path

from corpus.store import Store
from corpus.store_schema import SCHEMA_VERSION
from index.snapshot_files import Manifest, SnapshotError, SnapshotFinder, file_sha256, manifest_path

__all__ = ["KEEP", "STATE_TABLES", "prune", "publish_into", "write_snapshot"]

log = logging.getLogger(__name__)

#: Tables emptied in a snapshot: chat state (bot/state.py), the update journal (bot/updates.py), the query
#: cache and its counters (index/cache.py). Their schemas stay, so code reading them finds nothing, not an error.
STATE_TABLES = ("asked", "chat_state", "feedback", "tg_updates", "query_cache", "query_cache_stats")
#: Snapshots ``--into DIR`` keeps (the newest ones).
KEEP = 3
#: A temporary file of a snapshot cut short (a crash) is removed by a later ``--into`` after this long.
STALE_TMP_S = 3600.0


def _newsqa_version() -> str:
    try:
        return metadata.version("newsqa")
    except metadata.PackageNotFoundError:
        return "unknown"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(store: Store, tmp: Path) -> Manifest:
    """VACUUM INTO ``tmp``, empty the state tables, and read the manifest's figures from the copy."""
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ix_meta'").fetchone() is None:
        raise SnapshotError(f"The store at {store.path} has no index yet. Build it with: newsqa ingest")
    tmp.unlink(missing_ok=True)
    store.conn.execute("VACUUM INTO ?", (str(tmp),))
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA journal_mode = DELETE")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.execute("BEGIN IMMEDIATE")
        for table in STATE_TABLES:
            if table in tables:
                conn.execute(f'DELETE FROM "{table}"')
        if "sqlite_sequence" in tables:
            marks = ",".join("?" * len(STATE_TABLES))
            conn.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({marks})", STATE_TABLES)
        conn.execute("COMMIT")
        one = lambda sql: int(conn.execute(sql).fetchone()[0])  # noqa: E731
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        ix = dict(conn.execute("SELECT key, value FROM ix_meta").fetchall())
        articles = one("SELECT COUNT(*) FROM articles")
        passages = one("SELECT COUNT(*) FROM paragraphs")
    finally:
        conn.close()
    from index.answer_key import CODE_VERSION  # the answer path's digest

    os.chmod(tmp, 0o444)
    _fsync(tmp)
    return Manifest(
        file=tmp.name,
        sha256=file_sha256(tmp),
        size=tmp.stat().st_size,
        corpus_version=int(meta.get("corpus_version") or 0),
        index_version=int(ix.get("version") or 0),
        articles=articles,
        passages=passages,
        indexed_passages=int(ix.get("n_docs") or 0),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        newsqa_version=_newsqa_version(),
        code_version=CODE_VERSION,
        schema_version=int(meta.get("schema_version") or SCHEMA_VERSION),
    )


def _place(tmp: Path, out: Path, manifest: Manifest) -> Manifest:
    """Move the finished copy to ``out``, then write its manifest (the "complete" marker) beside it."""
    final = Manifest(**{**manifest.to_json(), "file": out.name})
    marker = manifest_path(out)
    marker.unlink(missing_ok=True)  # replacing a snapshot in place: never an old manifest over a new file
    os.replace(tmp, out)
    tmp_marker = marker.with_name(f".{marker.name}.tmp-{os.getpid()}")
    tmp_marker.write_text(json.dumps(final.to_json(), indent=1) + "\n", encoding="utf-8")
    _fsync(tmp_marker)
    os.replace(tmp_marker, marker)
    _fsync(out.parent)
    return final


def write_snapshot(store: Store, out: Path) -> Manifest:
    """Write a snapshot of ``store`` to ``out`` and its manifest to ``out.json``; the manifest."""
    out = Path(out).absolute()
    if out.resolve() == Path(store.path).resolve():
        raise SnapshotError(f"The snapshot cannot replace the store itself ({out}). Name another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        manifest = _copy(store, tmp)
        return _place(tmp, out, manifest)
    finally:
        tmp.unlink(missing_ok=True)


def publish_into(store: Store, folder: Path, *, keep: int = KEEP) -> tuple[Path, Manifest, list[Path]]:
    """Write a snapshot into ``folder`` named by version and time, then prune: (path, manifest, pruned)."""
    if keep < 1:
        raise SnapshotError(f"--keep must be at least 1, not {keep}")
    folder = Path(folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".newsqa-snapshot.tmp-{os.getpid()}"
    try:
        manifest = _copy(store, tmp)
        stamp = dt.datetime.fromisoformat(manifest.created).strftime("%Y%m%dT%H%M%S.%fZ")
        out = folder / f"newsqa-v{manifest.version}-{stamp}.db"
        final = _place(tmp, out, manifest)
    finally:
        tmp.unlink(missing_ok=True)
    return out, final, prune(folder, keep=keep)


def prune(folder: Path, *, keep: int = KEEP) -> list[Path]:
    """Remove all but the newest ``keep`` snapshots of ``folder`` (manifest first), and stale temporary files;
    the snapshot files removed."""
    if keep < 1:
        raise SnapshotError(f"--keep must be at least 1, not {keep}")
    removed = []
    for db, _manifest in SnapshotFinder(folder).manifests()[keep:]:
        manifest_path(db).unlink(missing_ok=True)
        db.unlink(missing_ok=True)
        removed.append(db)
        log.info("Pruned snapshot %s", db)
    for path in folder.glob(".*.tmp-*"):
        try:
            if time.time() - path.stat().st_mtime > STALE_TMP_S:
                path.unlink()
        except OSError:
            pass
    return removed
