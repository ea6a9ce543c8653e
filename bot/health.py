"""``GET /healthz``: what a load balancer or an operator needs to know about one replica.

The report is JSON::

    {"ok": true, "replica": "web-1", "store": "ok", "state": "ok",
     "snapshot": {"version": "7.12", "sha256": "…", "created": "…"} | null, "index_version": 12}

``store`` is checked on a connection of its own, read-only, opened for the check (the snapshot answering now,
or the store at ``NEWSQA_DB``): ``ok``, or what went wrong. ``state`` comes from a pluggable callable
(:data:`StateCheck`): by default a ``SELECT 1`` through :func:`bot.pg.pool_for` when ``NEWSQA_STATE_URL`` is
PostgreSQL, and a read of the SQLite file otherwise. The status is 200 while the replica can answer and 503
when the store cannot be read. Nothing secret is in it: no token, no URL, no password.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from http import HTTPStatus
from pathlib import Path
from typing import Any

from bot.settings import Settings
from index.snapshot_files import readonly_uri

__all__ = ["Health", "StateCheck", "check_store", "state_check_for"]

log = logging.getLogger(__name__)

#: Returns ``"ok"`` or a short word for what is wrong (``"unreachable"``) — never a URL or a password.
StateCheck = Callable[[], str]

#: Seconds a PostgreSQL check waits for a connection.
PG_TIMEOUT_S = 2.0


def check_store(path: Path, *, immutable: bool) -> tuple[str, int | None]:
    """Read the store or snapshot at ``path`` on a new read-only connection: ("ok", index version) or the error."""
    try:
        conn = sqlite3.connect(readonly_uri(path, immutable=immutable), uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}", None
    try:
        conn.execute("SELECT value FROM meta WHERE key = 'corpus_version'").fetchone()
        row = conn.execute("SELECT value FROM ix_meta WHERE key = 'version'").fetchone()
        return "ok", int(row[0]) if row else 0
    except sqlite3.Error as exc:
        return f"cannot read: {exc}", None
    finally:
        conn.close()


class _PostgresCheck:
    """``SELECT 1`` through this process's pool (:func:`bot.pg.pool_for`), waited for at most
    :data:`PG_TIMEOUT_S`; one check at a time (a check still waiting for a down server is joined, not doubled)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._running: Future[str] | None = None

    def _select_one(self) -> str:
        from bot.pg import pool_for, redacted

        try:
            with pool_for(self.url).connection(timeout=PG_TIMEOUT_S) as conn:
                conn.execute("SELECT 1").fetchone()
            return "ok"
        except Exception as exc:  # PostgresUnavailable, a pool timeout, a dropped connection
            log.warning("healthz: PostgreSQL at %s unreachable (%s)", redacted(self.url), type(exc).__name__)
            return "unreachable"

    def __call__(self) -> str:
        with self._lock:
            if self._running is None or self._running.done():
                future: Future[str] = Future()
                self._running = future

                def run() -> None:
                    future.set_result(self._select_one())

                threading.Thread(target=run, name="healthz-pg", daemon=True).start()
            running = self._running
        try:
            return running.result(timeout=PG_TIMEOUT_S)
        except TimeoutError:
            return "unreachable"


def _sqlite_check(path: Path) -> StateCheck:
    def check() -> str:
        status, _ = check_store(path, immutable=False) if path.exists() else ("missing", None)
        if status.startswith("cannot read") and "no such table" in status:
            return "ok"  # a state file holding no index: reachable is what counts
        return "ok" if status == "ok" else "unreachable"

    return check


def state_check_for(settings: Settings) -> StateCheck:
    """The default state check for ``settings`` (see the module docstring)."""
    url = settings.state_url
    if url is not None and url.startswith(("postgresql://", "postgres://")):
        return _PostgresCheck(url)
    if url is not None and url.startswith("sqlite:///"):
        return _sqlite_check(Path(url.removeprefix("sqlite://")))
    return _sqlite_check(Path(settings.db_path))


class Health:
    """The report of one replica; :meth:`report` is blocking (run it on a thread)."""

    def __init__(self, replica: str, searcher: Any, state_check: StateCheck) -> None:
        """``searcher``: the engine's (a :class:`~index.snapshot_watch.SnapshotSearcher` reports its snapshot)."""
        self.replica, self.searcher, self.state_check = replica, searcher, state_check

    @classmethod
    def for_engine(cls, settings: Settings, engine: Any, state_check: StateCheck | None = None) -> Health:
        """The report for the bot's engine, with the default state check unless one is given."""
        return cls(
            settings.replica_name, getattr(engine, "searcher", None), state_check or state_check_for(settings)
        )

    def report(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body)."""
        manifest = getattr(self.searcher, "snapshot", None)
        snapshot: dict[str, Any] | None = None
        if self.searcher is None:
            store, index_version = "not opened", None
        elif manifest is not None:
            path = self.searcher.folder / manifest.file  # the manifest's own file, even if a switch just ran
            store, index_version = check_store(path, immutable=True)
            snapshot = {"version": manifest.version, "sha256": manifest.sha256, "created": manifest.created}
        else:
            store, index_version = check_store(Path(self.searcher.store.path), immutable=False)
        try:
            state = self.state_check()
        except Exception as exc:  # a plugged-in check must not take /healthz down
            log.warning("healthz: the state check failed (%s)", type(exc).__name__)
            state = "error"
        body = {
            "ok": store == "ok" and state == "ok",
            "replica": self.replica,
            "store": store,
            "state": state,
            "snapshot": snapshot,
            "index_version": index_version,
        }
        return (HTTPStatus.OK if store == "ok" else HTTPStatus.SERVICE_UNAVAILABLE), body
