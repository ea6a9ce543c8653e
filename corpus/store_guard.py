"""Guards around the store file: where it may live, whose file it is, and what a full disk looks like.

Every check runs before newsqa writes a byte, so a file that is not ours (another program's SQLite database),
a store in a read-only place or a ``NEWSQA_DB`` under a regular file is refused with the reason and the fix,
and left exactly as it was.

- :func:`check_location` — the path's folders exist or can be made, it is not a folder, it can be written;
- :func:`check_identity` — ``PRAGMA application_id`` says newsqa, or the file is new, or it is a store from
  before the id was set (it has newsqa's ``meta`` table with a schema version): those are adopted;
- :func:`is_disk_full` / :func:`disk_full_message` — SQLITE_FULL (also when a failed ROLLBACK hides it).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
from enum import Enum
from pathlib import Path

__all__ = [
    "APPLICATION_ID",
    "Identity",
    "StoreError",
    "StoreFull",
    "check_identity",
    "check_location",
    "disk_full_message",
    "is_disk_full",
    "not_writable",
]

#: ``PRAGMA application_id`` of a newsqa store: "NQSA" in ASCII.
APPLICATION_ID = 0x4E515341

MB = 1024 * 1024


class StoreError(Exception):
    """The store file cannot be opened or used; the message says why and how to fix it."""


class StoreFull(StoreError):
    """The disk (or SQLite's page limit) is full: nothing more can be written to the store."""


class Identity(Enum):
    """What :func:`check_identity` found."""

    OURS = "ours"  # application_id is newsqa's
    NEW = "new"  # an empty file: it becomes a newsqa store
    ADOPT = "adopt"  # a newsqa store written before the application_id was set


def not_writable(path: Path, reason: str) -> StoreError:
    """The error for a store newsqa may not write, naming the cause and the fix."""
    return StoreError(
        f"NEWSQA_DB {path} is not writable: {reason}. Give yourself write access (chmod u+w), "
        "or point NEWSQA_DB at a file in a folder you can write, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path(path.anchor or ".")


def check_location(path: Path) -> None:
    """Refuse a store path that cannot work, before SQLite creates anything; make its folder if needed."""
    parent = path.parent
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise StoreError(
            f"NEWSQA_DB {path} is under {ancestor}, which is a file, not a folder. Point NEWSQA_DB at a "
            "path inside a folder, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise not_writable(path, f"cannot create its folder {parent} (permission denied)") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StoreFull(disk_full_message(path, MB)) from None
        raise StoreError(f"NEWSQA_DB {path}: cannot create its folder {parent}: {exc.strerror}") from None
    if path.is_dir():
        raise StoreError(
            f"NEWSQA_DB {path} is a folder, not a file. Point it at a file inside it, e.g.: "
            f"NEWSQA_DB={path / 'newsqa.db'} newsqa ingest"
        )
    if os.path.exists(path):
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise StoreError(f"NEWSQA_DB {path} is not a regular file. Point NEWSQA_DB at a file.")
        if not os.access(path, os.R_OK | os.W_OK):
            raise not_writable(path, f"permission denied (mode {stat.filemode(mode)})")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise not_writable(
            path, f"its folder {parent} is read-only (SQLite writes {path.name}-wal and -shm beside it)"
        )


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [str(r[0]) for r in rows]


def check_identity(conn: sqlite3.Connection, path: Path) -> Identity:
    """Whose file this is; a foreign SQLite file raises :class:`StoreError` (read-only queries only)."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        return Identity.OURS
    tables = _tables(conn)
    if app_id == 0 and not tables:
        return Identity.NEW
    if app_id == 0 and "meta" in tables:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is not None:
            return Identity.ADOPT
    shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
    owner = f"application_id {app_id:#x}" if app_id else f"tables: {shown}"
    raise StoreError(
        f"NEWSQA_DB {path} is another program's SQLite file ({owner}), not a newsqa store; newsqa left it "
        "untouched. Point NEWSQA_DB at a new file, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an error it was raised while handling) is SQLITE_FULL or ENOSPC."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, StoreFull):
            return True
        if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def disk_full_message(path: Path, need_bytes: int) -> str:
    """`No space left on …: free N MB or move NEWSQA_DB`, with the free space SQLite saw."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        free = f"{shutil.disk_usage(folder).free / MB:.1f} MB free"
    except OSError:
        free = "free space unknown"
    need = max(1, -(-need_bytes // MB))
    return (
        f"No space left on {folder} ({free}) for NEWSQA_DB {path}: free {need} MB or move NEWSQA_DB to a "
        "bigger disk (NEWSQA_DB=/other/disk/newsqa.db newsqa ingest)"
    )
