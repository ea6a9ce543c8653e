"""One poller per bot: ``newsqa serve`` in polling mode holds a lock keyed by a hash of the bot token.

Telegram gives a bot's updates to one ``getUpdates`` consumer; a second poller on the same token makes both
fail with 409 Conflict. So a poller takes, before it starts, a PostgreSQL session advisory lock (with
PostgreSQL state) or a POSIX lock on a file beside the SQLite state (``STATE.poller-KEY.lock``), and records
who holds it; a second poller is refused with :class:`PollerBusy`, saying who polls and since when. The key
is a hash of the token, never the token. A killed poller's lock goes with its process (or its connection).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from bot.pg import ensure_schema, is_postgres_url, pool_for
from bot.settings import Settings

__all__ = ["PollerBusy", "PollerLock", "bot_key", "hold_poller"]

logger = logging.getLogger(__name__)


class PollerBusy(Exception):
    """Another newsqa already polls for this bot (the message says which replica and what to do)."""


def bot_key(token: str) -> str:
    """A short hash of the bot token: names the lock without revealing the token."""
    return hashlib.sha256(b"newsqa-poller:" + token.encode()).hexdigest()[:16]


def _busy(replica: str, since: float | None) -> PollerBusy:
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(since)) if since else "an unknown time"
    return PollerBusy(
        f"Another newsqa is already polling for this bot (replica {replica} since {when}); run replicas in "
        "webhook mode (NEWSQA_WEBHOOK_URL) or stop the other one"
    )


class PollerLock:
    """A held poller lock; :meth:`release` gives it up."""

    def __init__(self, release: Any) -> None:
        self._release = release

    def release(self) -> None:
        """Give the lock up (once)."""
        if self._release is not None:
            self._release()
            self._release = None


def hold_poller(settings: Settings) -> PollerLock:
    """Take the polling lock of ``settings.telegram_token``'s bot, or raise :class:`PollerBusy`."""
    key = bot_key(settings.telegram_token or "")
    if is_postgres_url(settings.state_url):
        return _hold_pg(str(settings.state_url), key, settings.replica_name)
    url = settings.state_url
    state = Path(url.removeprefix("sqlite:///")) if url else settings.db_path
    return _hold_file(state.with_name(f"{state.name}.poller-{key}.lock"), settings.replica_name)


def _hold_file(path: Path, replica: str) -> PollerLock:
    """A POSIX lock on ``path`` (per process: a forked child does not hold it; it ends with the process)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        logger.warning("Cannot create the poller lock %s (%s): a second poller is not detected", path, exc)
        return PollerLock(None)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 4096, 0).decode(errors="replace").split("\t")
        os.close(fd)
        since = float(holder[1]) if len(holder) > 1 and holder[1].strip() else None
        raise _busy(holder[0] or "unknown", since) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{replica}\t{time.time()}".encode(), 0)

    def release() -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing drops the lock

    return PollerLock(release)


def _hold_pg(url: str, key: str, replica: str) -> PollerLock:
    """A session advisory lock on a connection kept out of the pool while polling."""
    from bot.journal_pg import SCHEMA_STEPS

    pool = pool_for(url)
    ensure_schema(pool, "updates", SCHEMA_STEPS)
    conn = pool.getconn()
    number = int.from_bytes(bytes.fromhex(key)[:8], "big", signed=True)
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", (number,)).fetchone()[0]:
        row = conn.execute("SELECT replica, since FROM pollers WHERE bot_key = %s", (key,)).fetchone()
        pool.putconn(conn)
        raise _busy(row[0] if row else "unknown", float(row[1]) if row else None)
    conn.execute(
        "INSERT INTO pollers(bot_key, replica, since) VALUES (%s, %s, %s) "
        "ON CONFLICT (bot_key) DO UPDATE SET replica = EXCLUDED.replica, since = EXCLUDED.since",
        (key, replica, time.time()),
    )

    def release() -> None:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (number,))
        except Exception as exc:  # the server went away: the lock went with the session
            logger.warning("Could not release the poller lock (%s)", exc)
        pool.putconn(conn)

    return PollerLock(release)
