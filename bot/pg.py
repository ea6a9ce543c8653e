"""PostgreSQL for shared state (``NEWSQA_STATE_URL=postgresql://…``): one connection pool per process, and
schemas created and versioned on first use.

Only this module knows the driver (psycopg 3 and its pool). Every statement elsewhere is parameterised; a
schema change is a numbered step in a component's list, applied once, under an advisory lock, so two
replicas starting together do not race.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

__all__ = ["PostgresUnavailable", "ensure_schema", "is_postgres_url", "pool_for", "redacted"]

logger = logging.getLogger(__name__)

#: Arbitrary constant of ``pg_advisory_xact_lock``: schema changes, one replica at a time.
SCHEMA_LOCK = 0x4E515341

_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


class PostgresUnavailable(Exception):
    """The server at NEWSQA_STATE_URL cannot be reached or refused us (the message says which and what to do)."""


def is_postgres_url(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL server (``postgresql://`` or ``postgres://``)."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    head, sep, tail = url.partition("://")
    if "@" not in tail:
        return url
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}{sep}{user}:***@{host}" if ":" in credentials else url


def pool_for(url: str, *, max_size: int = 8, timeout_s: float = 10.0) -> Any:
    """This process's pool for ``url`` (opened on first use, shared by every caller)."""
    with _pools_lock:
        pool = _pools.get(url)
        if pool is not None and not pool.closed:
            return pool
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise PostgresUnavailable("psycopg is not installed: pip install 'psycopg[binary,pool]'") from exc
        try:  # one plain connection first: a server that refuses says so at once, not after the pool's timeout
            psycopg.connect(url, connect_timeout=max(1, int(timeout_s)), autocommit=True).close()
        except Exception as exc:
            raise PostgresUnavailable(_unreachable(url, exc)) from exc
        pool = ConnectionPool(
            url, min_size=1, max_size=max_size, timeout=timeout_s, open=False, kwargs={"autocommit": True}
        )
        try:
            pool.open(wait=True, timeout=timeout_s)
        except Exception as exc:
            pool.close()
            raise PostgresUnavailable(_unreachable(url, exc)) from exc
        _pools[url] = pool
        return pool


def _unreachable(url: str, exc: Exception) -> str:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if ":" in url.partition("://")[2].rpartition("@")[0]:  # never the password, even if the driver repeats it
        password = url.partition("://")[2].rpartition("@")[0].split(":", 1)[1]
        reason = reason.replace(password, "***")
    return (
        f"Cannot connect to PostgreSQL at {redacted(url)} ({reason}). Check NEWSQA_STATE_URL and that the "
        "server is running, or unset NEWSQA_STATE_URL to keep the state in the SQLite store."
    )


def close_pools() -> None:
    """Close every pool of this process (at exit, and between tests)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def ensure_schema(pool: Any, component: str, steps: Sequence[str]) -> int:
    """Apply the steps of ``component`` not applied yet (step *n* brings the schema to version *n*); the
    version now. Runs in one transaction under an advisory lock, so concurrent starts apply each step once."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS newsqa_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        row = conn.execute("SELECT version FROM newsqa_schema WHERE component = %s", (component,)).fetchone()
        version = 0 if row is None else int(row[0])
        if version > len(steps):
            raise PostgresUnavailable(
                f"The PostgreSQL schema of {component} is version {version}, newer than this newsqa knows "
                f"({len(steps)}): upgrade newsqa on this host."
            )
        for number, step in enumerate(steps[version:], start=version + 1):
            conn.execute(step)
            logger.info("PostgreSQL schema %s: version %d", component, number)
        conn.execute(
            "INSERT INTO newsqa_schema(component, version) VALUES (%s, %s) "
            "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
            (component, len(steps)),
        )
    return len(steps)
