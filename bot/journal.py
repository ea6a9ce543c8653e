"""The update journal's interface, and the heartbeat that lets replicas take over each other's updates.

Every replica *claims* an update (its ``update_id``, once, with the replica's name as owner) before it answers
it, so a second delivery — to the same replica or to another sharing the state — is recognised and dropped.
Each replica keeps a heartbeat (``replicas``: name, last seen), written every :data:`HEARTBEAT_S` by
:class:`Watch`. When an owner's heartbeat is older than :data:`STALE_S` (it was killed), a live replica takes
its unfinished updates over in one atomic statement (``UPDATE … WHERE owner = dead``) and answers them, or
finishes their outbox.

Two implementations, chosen by :func:`open_journal` from ``Settings.state_url``: SQLite
(:mod:`bot.journal_sqlite`: the store file, or the ``sqlite:///PATH`` file) and PostgreSQL
(:mod:`bot.journal_pg`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = [
    "HEARTBEAT_S",
    "KEEP_DONE_S",
    "KEEP_REPLICAS_S",
    "STALE_S",
    "Journal",
    "Row",
    "Watch",
    "is_dead",
    "open_journal",
]

logger = logging.getLogger(__name__)

#: Done updates are kept this long to recognise a repeated delivery (Telegram keeps updates for 24 hours).
KEEP_DONE_S = 2 * 24 * 3600
#: A replica writes its heartbeat this often (and looks for updates of dead replicas to take over).
HEARTBEAT_S = 3.0
#: A replica not seen for this long is dead: its unfinished updates are taken over.
STALE_S = 10.0
#: The heartbeat rows of replicas gone this long are purged.
KEEP_REPLICAS_S = 24 * 3600
#: Done updates and old heartbeats are purged this often by a running replica.
PRUNE_EVERY_S = 3600.0

#: An unfinished update: (update_id, body, state, outbox).
Row = tuple[int, str, str, dict[str, Any] | None]


class Journal(Protocol):
    """What :mod:`bot.updates` and :mod:`bot.telegram_send` need of the journal (both backends have it)."""

    replica: str

    def claim(self, update_id: int, body: str) -> bool:
        """Claim a fetched update for this replica; False when it was claimed before (a repeated delivery)."""

    def sending(self, update_id: int, outbox: dict[str, Any]) -> None:
        """Keep the rendered answer while it is sent (``outbox["sent"]`` chunks delivered so far)."""

    def done(self, update_id: int) -> None:
        """Mark an update handled."""

    def take_over(self, *, at_start: bool = False) -> list[Row]:
        """Make the unfinished updates of dead replicas (``at_start``: also this replica's own, left by its
        previous run) this replica's, atomically; returns them, oldest first."""

    def beat(self, now: float | None = None) -> None:
        """Write this replica's heartbeat (``now``: the time to write, for tests)."""

    def retire(self) -> None:
        """Remove this replica's heartbeat (a clean stop): what it left unfinished is taken over at once."""

    def states(self) -> dict[int, str]:
        """update_id → state (for tests and ``stats``)."""

    def owners(self) -> dict[int, str | None]:
        """update_id → owner (for tests)."""

    def replicas(self) -> dict[str, float]:
        """Replica name → last seen (for tests and ``/healthz``)."""

    def prune(self, keep_s: float = KEEP_DONE_S, keep_replicas_s: float = KEEP_REPLICAS_S) -> None:
        """Forget done updates older than ``keep_s`` and heartbeats older than ``keep_replicas_s``."""

    def close(self) -> None:
        """Close the journal's connection."""


def open_journal(settings: Settings) -> Journal:
    """The journal ``settings.state_url`` names: PostgreSQL, a SQLite file, or (unset) the store file."""
    from bot.pg import is_postgres_url

    url = settings.state_url
    if is_postgres_url(url):
        from bot.journal_pg import PgJournal

        return PgJournal(str(url), settings.replica_name)
    from bot.journal_sqlite import UpdateJournal

    path = url.removeprefix("sqlite:///") if url else settings.db_path
    return UpdateJournal(path, settings.replica_name)


def is_dead(
    owner: str | None, last_seen: float | None, me: str, now: float, *, at_start: bool, local: bool
) -> bool:
    """Whether the unfinished updates of ``owner`` (heartbeat ``last_seen``) are to be taken over by ``me``.

    Nobody's (written before owners were kept) and those of a replica without a fresh heartbeat are; ``me``'s
    own only at start (left by the previous run of a replica of the same name). With ``local`` (a SQLite file:
    one host) an owner named ``host:pid`` of this host whose process is gone is dead at once.
    """
    if owner is None:
        return True
    if owner == me:
        return at_start
    if last_seen is None or last_seen < now - STALE_S:
        return True
    return local and _local_process_gone(owner)


def _local_process_gone(owner: str) -> bool:
    """Whether ``owner`` is ``host:pid`` of this host and that process no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Watch(threading.Thread):
    """Every :data:`HEARTBEAT_S`: write the heartbeat, take over the updates of dead replicas (handed to
    ``on_taken``), and now and then purge old rows."""

    def __init__(
        self, journal: Journal, on_taken: Callable[[list[Row]], None], every_s: float = HEARTBEAT_S
    ) -> None:
        super().__init__(name="newsqa-heartbeat", daemon=True)
        self.journal, self.on_taken, self.every_s = journal, on_taken, every_s
        self.stopped = threading.Event()
        self.pruned_at = time.monotonic()

    def run(self) -> None:
        """Beat until stopped."""
        while not self.stopped.wait(self.every_s):
            try:
                self.journal.beat()
                rows = self.journal.take_over()
                if rows:
                    self.on_taken(rows)
                if time.monotonic() - self.pruned_at > PRUNE_EVERY_S:
                    self.pruned_at = time.monotonic()
                    self.journal.prune()
            except Exception:  # the heartbeat must outlive any one failure
                logger.exception("Update journal heartbeat failed")

    def stop(self) -> None:
        """Stop beating (waits for a beat in progress)."""
        self.stopped.set()
        if self.is_alive():
            self.join(timeout=30)
