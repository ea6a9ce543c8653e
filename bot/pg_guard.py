"""Calls to PostgreSQL that fail soft, for the state and the query cache (answers never wait on them).

One call gets a connection from the process's pool within :data:`CHECKOUT_TIMEOUT_S`. A call on a connection
the server closed meanwhile (a restart, ``pg_terminate_backend``) is tried again on another one (the pool drops
the dead one). When no
connection can be had at all, calls are skipped for :data:`BACKOFF_S` instead of each waiting again. A call
that still fails is logged and gives the caller's default.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.pg import ensure_schema, pool_for

__all__ = ["BACKOFF_S", "CHECKOUT_TIMEOUT_S", "SoftCalls"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long one call waits for a connection from the pool (seconds).
CHECKOUT_TIMEOUT_S = 2.0
#: After no connection could be had, calls are skipped for this long (seconds).
BACKOFF_S = 5.0


class SoftCalls:
    """Calls on ``url``'s pool after the schema of ``component`` is in place (:func:`bot.pg.ensure_schema`)."""

    def __init__(self, url: str, component: str, steps: Sequence[str]) -> None:
        self.pool = pool_for(url)  # PostgresUnavailable when the server cannot be reached at start
        self.version = ensure_schema(self.pool, component, steps)
        self.failures = 0  # calls that failed or were skipped, in this process
        self._until = 0.0
        self._lock = threading.Lock()

    def call(self, work: Callable[[Any], T], default: T, what: str, *, level: int = logging.WARNING) -> T:
        """``work(connection)``, or ``default`` (logged as ``what`` at ``level``) when PostgreSQL cannot do it
        now."""
        import psycopg

        if time.monotonic() < self._until:
            return self._failed(default, what, "skipped: PostgreSQL was unreachable a moment ago", level)
        attempts = int(getattr(self.pool, "max_size", 1)) + 1  # after a restart, every pooled one is dead
        for attempt in range(1, attempts + 1):
            conn = None
            try:
                with self.pool.connection(timeout=CHECKOUT_TIMEOUT_S) as conn:
                    return work(conn)
            except psycopg.OperationalError as exc:
                if conn is None:  # no connection within the timeout: the server is gone
                    with self._lock:
                        self._until = time.monotonic() + BACKOFF_S
                    return self._failed(default, what, str(exc), level)
                if attempt < attempts and conn.broken:
                    continue  # the server closed this connection since it was pooled: again on another one
                return self._failed(default, what, str(exc), level)
            except psycopg.Error as exc:
                return self._failed(default, what, str(exc), level)
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(self, default: T, what: str, why: str, level: int) -> T:
        with self._lock:
            self.failures += 1
        logger.log(level, "%s (%s)", what, why.strip().splitlines()[0] if why.strip() else "no detail")
        return default
