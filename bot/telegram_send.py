"""Sending to Telegram exactly once: retries where Telegram says retry, never a second copy.

``sendMessage`` and ``editMessageText`` are retried (:data:`TRIES` tries, backoff from :data:`BACKOFF_S`) on 5xx
answers and network errors; 429 ``retry_after`` is honoured by the Application's rate limiter underneath.
A failure *before* the request left (connection refused, connect or pool timeout) cannot have delivered
anything. Any other failure — a 5xx, a connection closed before the response, a read timeout — may have come
after Telegram carried the call out, so before sending again the sender asks Telegram whether the message is
already there: message ids in a chat only grow, so the lost message can only be one with an id above the
highest the bot has seen in that chat, and an ``editMessageText`` of that id with the very same text and
keyboard answers ``message is not modified`` exactly when the message is already there (a user's message
answers ``message can't be edited``, a free id ``message to edit not found``, which ends the search). The
highest id comes from the users' messages and the bot's own sent ones, so no other message of the bot's can
lie above it. When no id is known in the chat (a button press right after a restart), a message in doubt is
taken as delivered: never a duplicate, never an apology after a delivered answer. An edit can simply be
repeated: a repeat of an applied edit is ``not modified``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError

from bot.journal import Journal

__all__ = ["BACKOFF_S", "TRIES", "Sender", "maybe_delivered"]

logger = logging.getLogger(__name__)

TRIES = 3
BACKOFF_S = 0.5
PROBE_IDS = 5  # ids above the highest known one that may hold a lost message (users may write meanwhile)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def maybe_delivered(exc: NetworkError) -> bool:
    """False only when the request cannot have reached Telegram (the connection was never made)."""
    return not isinstance(exc.__cause__, _NOT_SENT) and "Pool timeout" not in str(exc)


class Sender:
    """Delivers messages and edits for every chat; remembers the highest message id seen per chat."""

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal
        self.floor: dict[int, int] = {}

    def saw(self, chat_id: int, message_id: int) -> None:
        """A message id seen in a chat (an incoming message or one the bot sent)."""
        if message_id > self.floor.get(chat_id, 0):
            self.floor[chat_id] = message_id

    def saw_update(self, update: Update) -> None:
        """Note the id of an incoming message (before any answer to it is sent): every message of the bot's in
        that chat so far has a smaller id. A button press shows an old message of the bot's, which says nothing
        about the newer ones, so it is not counted."""
        message = update.effective_message
        if message is not None and update.callback_query is None:
            self.saw(message.chat_id, message.message_id)

    async def resume(self, bot: Any, update_id: int, box: dict[str, Any]) -> None:
        """Finish an answer a crash interrupted: the chunk in doubt is looked for first, then the rest sent."""
        chat_id, chunks, start, floor = (
            int(box["chat_id"]),
            list(box["chunks"]),
            int(box["sent"]),
            int(box["floor"]),
        )
        markup = InlineKeyboardMarkup.de_json(box["markup"], bot) if box.get("markup") else None
        found = await self.find(
            bot, chat_id, chunks[start], markup if start == len(chunks) - 1 else None, floor
        )
        if found is not None:
            logger.info("Update %s: its answer had arrived before the restart (message %s)", update_id, found)
            start, floor = start + 1, found
        await self.send_chunks(
            bot, chat_id, chunks, markup, box.get("reply_to"), update_id=update_id, start=start, floor=floor
        )

    async def send_chunks(
        self,
        bot: Any,
        chat_id: int,
        chunks: list[str],
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None = None,
        *,
        update_id: int | None = None,
        start: int = 0,
        floor: int | None = None,
    ) -> list[int]:
        """Send ``chunks`` from ``start`` on, the keyboard on the last one; their message ids.

        With ``update_id``, the outbox in the journal says how far sending got (a restart resumes from there).
        """
        if floor is not None:
            self.saw(chat_id, floor)
        sent: list[int] = []
        for i in range(start, len(chunks)):
            last = i == len(chunks) - 1
            floor_now = self.floor.get(chat_id, 0)
            if update_id is not None and self.journal is not None:
                box = {
                    "chat_id": chat_id,
                    "chunks": chunks,
                    "sent": i,
                    "floor": floor_now,
                    "reply_to": reply_to,
                }
                box["markup"] = markup.to_dict() if markup is not None else None
                await asyncio.to_thread(self.journal.sending, update_id, box)
            quote = (
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
            )
            message_id = await self.deliver(
                bot, chat_id, chunks[i], markup if last else None, quote, floor_now
            )
            self.saw(chat_id, message_id)
            sent.append(message_id)
        return sent

    async def deliver(
        self,
        bot: Any,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        quote: ReplyParameters | None,
        floor: int,
    ) -> int:
        """One ``sendMessage``, retried; a message that did arrive is found, not sent twice. Its id."""
        for attempt in range(1, TRIES + 1):
            try:
                message = await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup,
                    reply_parameters=quote,
                )
                return int(message.message_id)
            except NetworkError as exc:  # 5xx, lost connections and timeouts (TimedOut is one)
                if maybe_delivered(exc) and floor <= 0:  # no id known to search above: never send twice
                    logger.warning(
                        "sendMessage to chat %s may have arrived (%s): not sent again", chat_id, exc
                    )
                    return 0
                if maybe_delivered(exc):
                    found = await self.find(bot, chat_id, text, markup, floor)
                    if found is not None:
                        logger.info("sendMessage to chat %s had arrived (message %s): not sent again",
                                    chat_id, found)  # fmt: skip
                        return found
                if attempt == TRIES:
                    raise
                logger.warning(
                    "sendMessage to chat %s failed (%s): try %d of %d", chat_id, exc, attempt + 1, TRIES
                )
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def find(
        self, bot: Any, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, floor: int
    ) -> int | None:
        """The id of the bot's message with exactly this text and keyboard above ``floor``, if Telegram has it."""
        for message_id in range(floor + 1, floor + 1 + PROBE_IDS):
            try:
                edited = await bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup,
                )
            except BadRequest as exc:
                why = str(exc).lower()
                if "not modified" in why:  # there it is, unchanged
                    return message_id
                if "can't be edited" in why:  # someone else's message: look further
                    continue
                return None  # "message to edit not found": no message has this id yet, nor any above
            except NetworkError as exc:
                logger.warning("Cannot check whether the message to chat %s arrived (%s)", chat_id, exc)
                return None
            logger.warning(
                "Message %s in chat %s (%s) was not the lost one", message_id, chat_id, type(edited)
            )
            return None
        return None

    async def edit(self, message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """``editMessageText`` in place, retried; ``not modified`` counts as done."""
        for attempt in range(1, TRIES + 1):
            try:
                await message.edit_text(
                    text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup
                )
                return
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
                logger.debug("Message %s not modified", message.message_id)
                return
            except NetworkError as exc:
                if attempt == TRIES:
                    raise
                logger.warning("editMessageText failed (%s): try %d of %d", exc, attempt + 1, TRIES)
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))

    async def answer_query(self, query: Any, text: str | None) -> None:
        """``answerCallbackQuery`` once: retried on network errors; a repeat Telegram refuses was the first."""
        for attempt in range(1, TRIES + 1):
            try:
                await query.answer(text)
                return
            except BadRequest as exc:
                if attempt > 1 and "query is too old" in str(exc).lower():
                    return  # the earlier try arrived
                raise
            except NetworkError as exc:
                if attempt == TRIES:
                    raise
                logger.warning("answerCallbackQuery failed (%s): try %d of %d", exc, attempt + 1, TRIES)
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
