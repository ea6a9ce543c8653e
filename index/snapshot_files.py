"""Index snapshots on disk: the manifest, finding the newest verified snapshot in a folder, opening one read-only.

A snapshot is two files side by side: ``NAME.db``, a read-only copy of the store made by ``newsqa snapshot``
(:mod:`index.snapshot`), and ``NAME.db.json``, its manifest — written last, so it is the "complete" marker.
A replica (``NEWSQA_SNAPSHOTS``) only ever opens a file whose manifest is there and whose size and sha256 match
it: a half-copied file (no manifest yet, or a checksum that does not match) is logged once and skipped. The
file is opened with ``mode=ro&immutable=1``: SQLite neither writes nor locks it (a published snapshot is never
changed in place — a new one is a new file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from corpus.store import Store, StoreError
from corpus.store_guard import check_identity
from corpus.store_schema import SCHEMA_VERSION

__all__ = [
    "MANIFEST_SUFFIX",
    "Manifest",
    "SnapshotError",
    "SnapshotFinder",
    "file_sha256",
    "manifest_path",
    "no_snapshot_message",
    "open_snapshot",
    "readonly_uri",
]

log = logging.getLogger(__name__)

#: The manifest of ``NAME.db`` is ``NAME.db.json``.
MANIFEST_SUFFIX = ".json"
#: Manifest format written by this newsqa.
FORMAT = 1


class SnapshotError(StoreError):
    """A snapshot, or the snapshot folder, cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Manifest:
    """What ``NAME.db.json`` says about ``NAME.db``."""

    file: str  # the snapshot's file name, beside the manifest
    sha256: str
    size: int
    corpus_version: int
    index_version: int
    articles: int
    passages: int  # paragraphs and captions in the store
    indexed_passages: int
    created: str  # ISO 8601, UTC
    newsqa_version: str
    code_version: str  # the answer path's digest (index.answer_key.CODE_VERSION)
    schema_version: int
    format: int = FORMAT

    @property
    def version(self) -> str:
        """``corpus.index``: the store's corpus version and index version the snapshot was taken at."""
        return f"{self.corpus_version}.{self.index_version}"

    def to_json(self) -> dict[str, Any]:
        """The manifest as a dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        """Parse a manifest; ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        ints = ("size", "corpus_version", "index_version", "articles", "passages", "indexed_passages")
        strings = ("file", "sha256", "created", "newsqa_version", "code_version")
        for key in (*ints, "schema_version"):
            if not isinstance(data.get(key), int):
                raise ValueError(f"{key} is missing or not a number")
        for key in strings:
            if not isinstance(data.get(key), str):
                raise ValueError(f"{key} is missing or not a string")
        if "/" in data["file"] or data["file"] in ("", ".", ".."):
            raise ValueError(f"file {data['file']!r} is not a plain file name")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def manifest_path(db: Path) -> Path:
    """``NAME.db`` → ``NAME.db.json``."""
    return db.with_name(db.name + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def readonly_uri(path: Path, *, immutable: bool = True) -> str:
    """SQLite URI opening ``path`` read-only (and, for a snapshot, immutable: no locks, no journal)."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def open_snapshot(path: Path) -> Store:
    """Open a snapshot read-only; :class:`SnapshotError` when it is not a newsqa store this newsqa can read."""
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SnapshotError(f"Cannot open the snapshot {path}: {exc}") from exc
    try:
        check_identity(conn, path)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except (sqlite3.Error, StoreError) as exc:
        conn.close()
        raise SnapshotError(f"The snapshot {path} is not a newsqa store ({exc}). Publish a new one") from exc
    if row is None or str(row[0]) != str(SCHEMA_VERSION):
        conn.close()
        raise SnapshotError(
            f"The snapshot {path} has store schema {row[0] if row else '?'}; this newsqa reads schema "
            f"{SCHEMA_VERSION}. Publish a snapshot with the same newsqa on the ingest host: newsqa snapshot --into DIR"
        )
    store = Store(conn, Path(path))
    store.readonly = True
    return store


def no_snapshot_message(folder: Path) -> str:
    """The error for a NEWSQA_SNAPSHOTS folder holding no usable snapshot, with the fix."""
    return (
        f"NEWSQA_SNAPSHOTS {folder} holds no complete snapshot (a NAME.db with its NAME.db.json manifest and a "
        f"matching checksum). Publish one on the ingest host with: newsqa snapshot --into {folder}"
    )


class SnapshotFinder:
    """The snapshots of one folder, newest first, each file verified against its manifest once.

    A verdict is kept per (file, size, mtime, manifest checksum): a file still being copied is checked again
    once it changes; a bad one is logged once, not at every poll.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._verdicts: dict[tuple[str, int, int, str], bool] = {}
        self._logged: set[object] = set()
        self._lock = threading.Lock()

    def _once(self, key: object, message: str, *args: object) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning(message, *args)

    def manifests(self) -> list[tuple[Path, Manifest]]:
        """(snapshot file, manifest) of every readable manifest in the folder, newest first."""
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            self._once(("folder", str(exc)), "Cannot read the snapshot folder %s: %s", self.folder, exc)
            return []
        found = []
        for name in names:
            if not name.endswith(".db" + MANIFEST_SUFFIX) or name.startswith("."):
                continue
            path = self.folder / name
            try:
                manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:  # being written, or not ours
                self._once(("manifest", name, str(exc)), "Skipping snapshot manifest %s: %s", path, exc)
                continue
            found.append((self.folder / manifest.file, manifest))
        found.sort(key=lambda item: (item[1].created, item[0].name), reverse=True)
        return found

    def verified(self, db: Path, manifest: Manifest) -> bool:
        """Whether ``db`` is there, complete, and has the manifest's size and sha256 (checked once per version)."""
        try:
            st = os.stat(db)
        except OSError:
            self._once(
                ("missing", str(db)), "Skipping snapshot %s: its manifest is there, the file is not", db
            )
            return False
        key = (str(db), st.st_size, st.st_mtime_ns, manifest.sha256)
        with self._lock:
            known = self._verdicts.get(key)
            if known is not None:
                return known
            if st.st_size != manifest.size:
                why = f"size {st.st_size} bytes, manifest says {manifest.size} (still being copied?)"
                ok = False
            else:
                ok = file_sha256(db) == manifest.sha256
                why = "its sha256 does not match the manifest"
            self._verdicts[key] = ok
        if not ok:
            self._once(key, "Skipping snapshot %s: %s", db, why)
        return ok

    def newest(self, newer_than: Manifest | None = None) -> tuple[Path, Manifest] | None:
        """The newest verified snapshot (only ones created after ``newer_than``), or None."""
        for db, manifest in self.manifests():
            if newer_than is not None and manifest.created <= newer_than.created:
                return None
            if self.verified(db, manifest):
                return db, manifest
        return None

    def reject(self, db: Path, manifest: Manifest, why: str) -> None:
        """Remember that ``db`` could not be opened, so it is not tried again (logged once)."""
        try:
            st = os.stat(db)
        except OSError:
            return
        with self._lock:
            self._verdicts[(str(db), st.st_size, st.st_mtime_ns, manifest.sha256)] = False
        self._once(("rejected", str(db)), "Skipping snapshot %s: %s", db, why)
