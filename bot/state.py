"""Per-chat conversation state and feedback, kept in the store so they survive restarts.

``asked`` numbers every question a chat asked; buttons carry that number, so 更多结果 on an old message still
works after a restart. ``chat_state`` remembers the current topic and the passage on screen. ``feedback`` keeps
one vote per user and answer (the last one counts).

State is a convenience, answers are the point: a write that fails (disk full, read-only store) is logged and
skipped, and the bot goes on answering.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

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


class StateStore:
    """Chat state and feedback tables on the store's connection."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock | None = None) -> None:
        self.conn = conn
        self.lock = lock or threading.RLock()
        try:
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
            if "user_id" not in columns:
                conn.execute(USER_COLUMN)
            conn.execute(USER_INDEX)
        except sqlite3.Error as exc:
            logger.warning("Cannot set up the chat state tables (%s): chat state is not kept", exc)

    def _write(self, sql: str, params: tuple[Any, ...]) -> int | None:
        """One write; the new row id, or None when it failed (logged and skipped)."""
        try:
            return self.conn.execute(sql, params).lastrowid
        except sqlite3.Error as exc:
            logger.warning("Chat state write skipped (%s)", exc)
            return None

    def record_question(self, chat_id: int, question: str, resolved: str, qtype: str | None) -> Asked:
        """Remember a question and make it the chat's current one."""
        with self.lock:
            ask_id = self._write(
                "INSERT INTO asked(chat_id, question, resolved, qtype, at) VALUES (?, ?, ?, ?, ?)",
                (chat_id, question, resolved, qtype, time.time()),
            )
            if ask_id is None:  # not stored: its buttons will say they are stale
                return Asked(0, chat_id, question, resolved, qtype)
            self.save(ChatState(chat_id, ask_id, 0, None, None))
            return Asked(ask_id, chat_id, question, resolved, qtype)

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
        """Store the chat's state."""
        with self.lock:
            self._write(
                "INSERT OR REPLACE INTO chat_state(chat_id, ask_id, page, article_uid, paragraph, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (state.chat_id, state.ask_id, state.page, state.article_uid, state.paragraph, time.time()),
            )

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
        vote on the same question is replaced. False when it could not be stored."""
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
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                logger.warning("Feedback not stored (%s)", exc)
                return False

    def feedback_counts(self) -> dict[str, int]:
        """How many 👍 and 👎 were given."""
        with self.lock:
            rows = dict(self.conn.execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall())
        return {"up": int(rows.get(1, 0)), "down": int(rows.get(-1, 0))}
