"""Chat state and feedback in PostgreSQL (``NEWSQA_STATE_URL=postgresql://…``), shared by every replica.

The same tables and behaviour as :class:`bot.state.StateStore`, made safe for several processes: ask ids come
from an identity column, so a button on replica A's card means the same question on replica B; a question and
the chat's new current question are written in one transaction; ``chat_state`` is an upsert; one vote per
user and question is a unique index and ``INSERT … ON CONFLICT DO UPDATE`` (the last vote counts). Every
statement is parameterised. A call PostgreSQL cannot serve is logged and skipped (:mod:`bot.pg_guard`).
"""

from __future__ import annotations

from typing import Any

from bot.pg_guard import SoftCalls
from bot.state import Asked, ChatState

__all__ = ["COMPONENT", "STEPS", "PgStateStore"]

COMPONENT = "state"
#: Schema steps (:func:`bot.pg.ensure_schema`): step *n* brings the schema to version *n*; append, never edit.
STEPS = [
    """
    CREATE TABLE asked (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chat_id BIGINT NOT NULL,
        question TEXT NOT NULL,
        resolved TEXT NOT NULL,
        qtype TEXT,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX asked_chat ON asked(chat_id, id);
    CREATE TABLE chat_state (
        chat_id BIGINT PRIMARY KEY,
        ask_id BIGINT,
        page INTEGER NOT NULL DEFAULT 0,
        article_uid TEXT,
        paragraph INTEGER,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE feedback (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chat_id BIGINT NOT NULL,
        ask_id BIGINT,
        user_id BIGINT,
        question TEXT,
        passage_id BIGINT,
        article_uid TEXT,
        paragraph INTEGER,
        answer TEXT,
        vote SMALLINT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX feedback_one_vote ON feedback(ask_id, user_id)
    """,
]

SAVE = (
    "INSERT INTO chat_state(chat_id, ask_id, page, article_uid, paragraph, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (chat_id) DO UPDATE SET ask_id = EXCLUDED.ask_id, "
    "page = EXCLUDED.page, article_uid = EXCLUDED.article_uid, paragraph = EXCLUDED.paragraph, updated_at = now()"
)
VOTE = (
    "INSERT INTO feedback(chat_id, ask_id, user_id, question, passage_id, article_uid, paragraph, answer, vote) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (ask_id, user_id) DO UPDATE SET "
    "chat_id = EXCLUDED.chat_id, question = EXCLUDED.question, passage_id = EXCLUDED.passage_id, "
    "article_uid = EXCLUDED.article_uid, paragraph = EXCLUDED.paragraph, answer = EXCLUDED.answer, "
    "vote = EXCLUDED.vote, at = now()"
)


class PgStateStore:
    """:class:`bot.state.ChatStateStore` on a PostgreSQL server (the process's pool, :func:`bot.pg.pool_for`)."""

    def __init__(self, url: str) -> None:
        self.calls = SoftCalls(url, COMPONENT, STEPS)

    def close(self) -> None:
        """Nothing to do: the pool is the process's (closed at exit by :func:`bot.pg.close_pools`)."""

    def record_question(self, chat_id: int, question: str, resolved: str, qtype: str | None) -> Asked:
        """Remember a question and make it the chat's current one, in one transaction."""

        def write(conn: Any) -> int:
            with conn.transaction():
                (ask_id,) = conn.execute(
                    "INSERT INTO asked(chat_id, question, resolved, qtype) VALUES (%s, %s, %s, %s) RETURNING id",
                    (chat_id, question, resolved, qtype),
                ).fetchone()
                conn.execute(SAVE, (chat_id, ask_id, 0, None, None))
            return int(ask_id)

        ask_id = self.calls.call(write, 0, "Chat state write skipped")
        return Asked(ask_id, chat_id, question, resolved, qtype)  # id 0: not stored, its buttons say stale

    def asked(self, ask_id: int) -> Asked | None:
        """A recorded question by id."""
        if ask_id <= 0:
            return None

        def read(conn: Any) -> Asked | None:
            row = conn.execute(
                "SELECT id, chat_id, question, resolved, qtype FROM asked WHERE id = %s", (ask_id,)
            ).fetchone()
            return None if row is None else Asked(*row)

        return self.calls.call(read, None, "Chat state read failed, answering without it")

    def last_asked(self, chat_id: int) -> Asked | None:
        """The chat's current question (one round trip)."""

        def read(conn: Any) -> Asked | None:
            row = conn.execute(
                "SELECT a.id, a.chat_id, a.question, a.resolved, a.qtype FROM chat_state s "
                "JOIN asked a ON a.id = s.ask_id WHERE s.chat_id = %s",
                (chat_id,),
            ).fetchone()
            return None if row is None else Asked(*row)

        return self.calls.call(read, None, "Chat state read failed, answering without it")

    def load(self, chat_id: int) -> ChatState:
        """The chat's state (empty for a new chat, and when PostgreSQL cannot say)."""
        empty = ChatState(chat_id, None, 0, None, None)

        def read(conn: Any) -> ChatState:
            row = conn.execute(
                "SELECT chat_id, ask_id, page, article_uid, paragraph FROM chat_state WHERE chat_id = %s",
                (chat_id,),
            ).fetchone()
            return empty if row is None else ChatState(*row)

        return self.calls.call(read, empty, "Chat state read failed, answering without it")

    def save(self, state: ChatState) -> None:
        """Store the chat's state (an upsert: the last writer wins)."""
        row = (state.chat_id, state.ask_id, state.page, state.article_uid, state.paragraph)
        self.calls.call(lambda conn: conn.execute(SAVE, row), None, "Chat state write skipped")

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
        """Store a 👍 (+1) or 👎 (-1); the user's earlier vote on the same question is replaced, even when the
        two presses reach two replicas at once. False when it could not be stored."""
        ask_id = asked.id if asked else None
        question = asked.resolved if asked else None
        row = (chat_id, ask_id, user_id, question, passage_id, article_uid, paragraph, answer, vote)

        def write(conn: Any) -> bool:
            conn.execute(VOTE, row)
            return True

        return self.calls.call(write, False, "Feedback not stored")

    def feedback_counts(self) -> dict[str, int]:
        """How many 👍 and 👎 were given (``PostgresUnavailable`` when the server cannot say)."""
        from bot.pg import PostgresUnavailable

        def read(conn: Any) -> dict[int, int] | None:
            return dict(conn.execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall())

        rows = self.calls.call(read, None, "Feedback counts not read")
        if rows is None:
            raise PostgresUnavailable("Cannot read the feedback counts from PostgreSQL (see the log above).")
        return {"up": int(rows.get(1, 0)), "down": int(rows.get(-1, 0))}
