"""Per-chat conversation state and feedback, kept so they survive restarts (and are shared by replicas).

``asked`` numbers every question a chat asked; buttons carry that number, so 更多结果 on an old message still
works after a restart. ``chat_state`` remembers the current topic and the passage on screen. ``feedback`` keeps
one vote per user and answer (the last one counts).

:class:`ChatStateStore` is the interface and :func:`open_state` picks the implementation ``NEWSQA_STATE_URL``
names: :class:`StateStore` keeps the tables in SQLite (the store's own file when unset, as always, or the file
of ``sqlite:///PATH``), :class:`bot.state_pg.PgStateStore` in PostgreSQL, shared by replicas.

State is a convenience, answers are the point: a write that fails (disk full, read-only store, PostgreSQL gone)
is logged and skipped, and the bot goes on answering.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.settings import Settings
    from corpus.store import Store

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS asked (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    resolved TEXT NOT NULL,
    qtype TEXT,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS asked_chat ON asked(chat_id, id);
CREATE TABLE IF NOT EXISTS chat_state (
    chat_id INTEGER PRIMARY KEY,
    ask_id INTEGER,
    page INTEGER NOT NULL DEFAULT 0,
    article_uid TEXT,
    paragraph INTEGER,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    ask_id INTEGER,
    question TEXT,
    passage_id INTEGER,
    article_uid TEXT,
    paragraph INTEGER,
    answer TEXT,
    vote INTEGER NOT NULL,
    at REAL NOT NULL
);
"""
#: Added to ``feedback`` when missing (stores written before votes were per user).
USER_COLUMN = "ALTER TABLE feedback ADD COLUMN user_id INTEGER"
USER_INDEX = "CREATE INDEX IF NOT EXISTS feedback_vote ON feedback(ask_id, user_id)"
SAVE = (
    "INSERT INTO chat_state(chat_id, ask_id, page, article_uid, paragraph, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(chat_id) DO UPDATE SET ask_id = excluded.ask_id, page = excluded.page, "
    "article_uid = excluded.article_uid, paragraph = excluded.paragraph, updated_at = excluded.updated_at"
)
#: How long a write to a state file of its own waits for another process's write (seconds).
BUSY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Asked:
    """A question as a chat asked it, and as it was resolved (follow-ups are resolved against the last one)."""

    id: int
    chat_id: int
    question: str
    resolved: str
    qtype: str | None


@dataclass(frozen=True)
class ChatState:
    """Where a chat is: its last question, the results page, the article paragraph on screen."""

    chat_id: int
    ask_id: int | None
    page: int
    article_uid: str | None
    paragraph: int | None


class ChatStateStore(Protocol):
    """Where chat state and feedback live. Thread-safe; a failed write is logged and skipped, never raised."""

    def record_question(self, chat_id: int, question: str, resolved: str, qtype: str | None) -> Asked:
        """Remember a question and make it the chat's current one (id 0 when it could not be stored)."""

    def asked(self, ask_id: int) -> Asked | None:
        """A recorded question by id."""

    def last_asked(self, chat_id: int) -> Asked | None:
        """The chat's current question."""

    def load(self, chat_id: int) -> ChatState:
        """The chat's state (empty for a new chat)."""

    def save(self, state: ChatState) -> None:
        """Store the chat's state."""

    def add_feedback(
        self,
        chat_id: int,
        asked: Asked | None,
        passage_id: int | None,
        article_uid: str | None,
        paragraph: int | None,
        answer: str | None,
        vote: int,
        *,
        user_id: int | None = None,
    ) -> bool:
        """Store a vote; the user's earlier vote on the same question is replaced. False when not stored."""

    def feedback_counts(self) -> dict[str, int]:
        """How many 👍 and 👎 were given."""

    def close(self) -> None:
        """Release what this object opened."""


def open_state(
    settings: Settings, store: Store | None = None, lock: threading.RLock | None = None
) -> ChatStateStore:
    """The chat state ``settings.state_url`` names: unset, the store's file (its connection, under ``lock``);
    ``sqlite:///PATH``, that file; ``postgresql://…``, that server (:class:`bot.pg.PostgresUnavailable` when
    it cannot be reached)."""
    url = settings.state_url
    if url is None:
        if store is None:
            raise ValueError(
                "open_state: the chat state is in the store (NEWSQA_STATE_URL unset); pass the store"
            )
        return StateStore(store.conn, lock)
    if url.startswith("sqlite:///"):
        return StateStore.open(sqlite_file(url))
    from bot.state_pg import PgStateStore

    return PgStateStore(url)


def sqlite_file(url: str) -> Path:
    """The file of a ``sqlite:///PATH`` URL, ready: its folder created, the file in WAL mode (readers never
    wait for a writer; the mode stays with the file)."""
    path = Path(url.removeprefix("sqlite:///")).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return path


class StateStore:
    """Chat state and feedback tables in SQLite: on the store's connection, or on a state file's own."""

    def __init__(
        self, conn: sqlite3.Connection, lock: threading.RLock | None = None, *, owned: bool = False
    ) -> None:
        self.conn = conn
        self.lock = lock or threading.RLock()
        self._owned = owned  # the connection is ours to close
        try:
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
            if "user_id" not in columns:
                conn.execute(USER_COLUMN)
            conn.execute(USER_INDEX)
        except sqlite3.Error as exc:
            logger.warning("Cannot set up the chat state tables (%s): chat state is not kept", exc)

    @classmethod
    def open(cls, path: Path) -> StateStore:
        """The state in the SQLite file at ``path`` (:func:`sqlite_file`): a connection of its own, with a busy
        timeout for other processes' writes."""
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        return cls(conn, owned=True)

    def close(self) -> None:
        """Close the connection when it is the state file's own (the store's is the store's to close)."""
        if self._owned:
            with self.lock:
                self.conn.close()

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def record_question(self, chat_id: int, question: str, resolved: str, qtype: str | None) -> Asked:
        """Remember a question and make it the chat's current one, in one transaction."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                ask_id = self.conn.execute(
                    "INSERT INTO asked(chat_id, question, resolved, qtype, at) VALUES (?, ?, ?, ?, ?)",
                    (chat_id, question, resolved, qtype, time.time()),
                ).lastrowid
                self.conn.execute(SAVE, (chat_id, ask_id, 0, None, None, time.time()))
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                logger.warning("Chat state write skipped (%s)", exc)
                return Asked(
                    0, chat_id, question, resolved, qtype
                )  # not stored: its buttons say they are stale
        return Asked(int(ask_id or 0), chat_id, question, resolved, qtype)

    def asked(self, ask_id: int) -> Asked | None:
        """A recorded question by id."""
        if ask_id <= 0:
            return None
        with self.lock:
            row = self.conn.execute(
                "SELECT id, chat_id, question, resolved, qtype FROM asked WHERE id = ?", (ask_id,)
            ).fetchone()
        return None if row is None else Asked(*row)

    def last_asked(self, chat_id: int) -> Asked | None:
        """The chat's current question."""
        state = self.load(chat_id)
        return None if state.ask_id is None else self.asked(state.ask_id)

    def load(self, chat_id: int) -> ChatState:
        """The chat's state (empty for a new chat)."""
        with self.lock:
            row = self.conn.execute(
                "SELECT chat_id, ask_id, page, article_uid, paragraph FROM chat_state WHERE chat_id = ?",
                (chat_id,),
            ).fetchone()
        return ChatState(chat_id, None, 0, None, None) if row is None else ChatState(*row)

    def save(self, state: ChatState) -> None:
        """Store the chat's state (logged and skipped when it fails)."""
        row = (state.chat_id, state.ask_id, state.page, state.article_uid, state.paragraph, time.time())
        with self.lock:
            try:
                self.conn.execute(SAVE, row)
            except sqlite3.Error as exc:
                logger.warning("Chat state write skipped (%s)", exc)

    def add_feedback(
        self,
        chat_id: int,
        asked: Asked | None,
        passage_id: int | None,
        article_uid: str | None,
        paragraph: int | None,
        answer: str | None,
        vote: int,
        *,
        user_id: int | None = None,
    ) -> bool:
        """Store a 👍 (+1) or 👎 (-1) with the question, passage and answer it was about; the user's earlier
        vote on the same question is replaced (in one transaction). False when it could not be stored."""
        ask_id = asked.id if asked else None
        row = (chat_id, ask_id, asked.resolved if asked else None, passage_id, article_uid, paragraph, answer)
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                if user_id is not None and ask_id is not None:
                    self.conn.execute(
                        "DELETE FROM feedback WHERE ask_id = ? AND user_id = ?", (ask_id, user_id)
                    )
                self.conn.execute(
                    "INSERT INTO feedback(chat_id, ask_id, question, passage_id, article_uid, paragraph, answer,"
                    " vote, at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*row, vote, time.time(), user_id),
                )
                self.conn.execute("COMMIT")
                return True
            except sqlite3.Error as exc:
                self._rollback()
                logger.warning("Feedback not stored (%s)", exc)
                return False

    def feedback_counts(self) -> dict[str, int]:
        """How many 👍 and 👎 were given."""
        with self.lock:
            rows = dict(self.conn.execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall())
        return {"up": int(rows.get(1, 0)), "down": int(rows.get(-1, 0))}
