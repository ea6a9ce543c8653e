"""The Telegram handlers: each update in, the engine's reply out as HTML messages with an inline keyboard.

Private chats: any text is a question. Groups: ``/ask 问题`` and replies to the bot (privacy mode delivers
nothing else). Inline mode: ``@bot 问题``. The engine is synchronous and runs on a worker thread (its answering
in the answer pool's processes); these handlers only move its replies to and from Telegram, with the typing
indicator while an answer takes long. :mod:`bot.telegram_app` wires them into an Application.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from typing import Protocol

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.render_html import render
from bot.reply import Block, BlockKind, Reply
from bot.telegram_send import NO_PREVIEW, Sender
from bot.telegram_typing import typing_while

__all__ = [
    "ENGINE_COMMANDS",
    "Conversation",
    "button",
    "command",
    "error_handler",
    "inline_query",
    "keyboard",
    "media",
    "question",
    "send",
]

logger = logging.getLogger(__name__)

ENGINE_COMMANDS = {"start", "help", "about", "more", "article", "next", "prev", "ask"}
APOLOGY = "抱歉，出了点问题，请稍后再试。"
LATE = "抱歉回复晚了。"
LATE_AFTER_S = 60  # a message older than this when it is answered gets LATE first
INLINE_LIMIT = 10
_NO_PREVIEW = NO_PREVIEW


class Conversation(Protocol):
    """What the bot needs from the engine (:class:`bot.engine.Engine`)."""

    def handle_text(self, chat_id: int, text: str) -> Reply: ...
    def handle_command(self, chat_id: int, name: str, args: str) -> Reply: ...
    def handle_button(self, chat_id: int, data: str, user_id: int | None = None) -> Reply: ...
    def inline_results(self, query: str, limit: int = 10) -> list[tuple[str, Reply]]: ...
    def notice(self, kind: str) -> Reply: ...


def _engine(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    engine: Conversation = context.bot_data["engine"]
    return engine


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard (None when it has none)."""
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _sender(context: ContextTypes.DEFAULT_TYPE) -> Sender:
    sender = context.bot_data.get("sender")
    if sender is None:
        sender = context.bot_data["sender"] = Sender()
    assert isinstance(sender, Sender)
    return sender


def _late(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Left over from before a restart, or simply old: the answer starts with an apology."""
    queue = context.application.update_queue
    if update.update_id in getattr(queue, "replayed", ()):
        return True
    message = update.effective_message
    if message is None or message.date is None:
        return False
    return (dt.datetime.now(dt.UTC) - message.date).total_seconds() > LATE_AFTER_S


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    update: Update | None,
    chat_id: int,
    reply: Reply,
    reply_to: int | None = None,
) -> list[int]:
    """Send ``reply`` as HTML messages under Telegram's length limit, the keyboard on the last one; their ids."""
    if update is not None and _late(update, context):
        reply = Reply([Block(BlockKind.NOTE, LATE), *reply.blocks], reply.buttons, reply.edit, reply.toast)
    chunks = render(reply)
    if not chunks:
        logger.warning("Empty reply for chat %s: nothing sent", chat_id)
    update_id = update.update_id if update is not None else None
    return await _sender(context).send_chunks(
        context.bot, chat_id, chunks, keyboard(reply), reply_to, update_id=update_id
    )


def answered(update: Update, context: ContextTypes.DEFAULT_TYPE, started: float) -> None:
    """The one log line of an answered update: its id, the chat, the time, the replica and what it answered
    from (``answered update 123 chat 42 in 85 ms by replica web-1 (snapshot v7.12)``)."""
    chat = update.effective_chat.id if update.effective_chat is not None else "-"
    logger.info(
        "answered update %s chat %s in %.0f ms by replica %s (%s)",
        update.update_id,
        chat,
        (time.perf_counter() - started) * 1000,
        context.bot_data.get("replica", "?"),
        getattr(_engine(context), "index_label", "store"),
    )


def _reply_to(update: Update) -> int | None:
    """In groups, answers quote the message they answer."""
    message = update.effective_message
    if message is None or message.chat.type == ChatType.PRIVATE:
        return None
    return message.message_id


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run /start, /help, /about, /more, /article, /next, /prev or /ask through the engine."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    found = re.match(r"/(\w+)(?:@\w+)?\s*(.*)", message.text, re.DOTALL)
    name, args = (found.group(1).lower(), found.group(2).strip()) if found else ("help", "")
    if name not in ENGINE_COMMANDS:
        name, args = "help", ""
    started = time.perf_counter()
    answer = asyncio.to_thread(_engine(context).handle_command, message.chat_id, name, args)
    reply = await typing_while(context.bot, message.chat_id, answer)
    await send(context, update, message.chat_id, reply, _reply_to(update))
    answered(update, context, started)


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message: any text in a private chat, a reply to the bot in a group."""
    message = update.effective_message
    if message is None or message.text is None or not _addressed_to_bot(message, context.bot.id):
        return
    started = time.perf_counter()
    answer = asyncio.to_thread(_engine(context).handle_text, message.chat_id, message.text)
    reply = await typing_while(context.bot, message.chat_id, answer)
    await send(context, update, message.chat_id, reply, _reply_to(update))
    answered(update, context, started)


async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and anything else that is not text get a friendly reply, never silence."""
    message = update.effective_message
    if message is None or not _addressed_to_bot(message, context.bot.id):
        return
    if message.sticker:
        kind = "sticker"
    elif message.photo:
        kind = "photo"
    elif message.voice or message.audio:
        kind = "voice"
    else:
        kind = "other"
    started = time.perf_counter()
    reply = await asyncio.to_thread(_engine(context).notice, kind)
    await send(context, update, message.chat_id, reply, _reply_to(update))
    answered(update, context, started)


def _addressed_to_bot(message: Message, bot_id: int) -> bool:
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answer the query (toast) once, then edit the message in place or send a new one.

    Once the query is answered, a failure is reported here with one message (the error handler would answer
    the query a second time, which Telegram refuses).
    """
    query = update.callback_query
    if query is None:
        return
    started = time.perf_counter()
    message = query.message if isinstance(query.message, Message) else None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    reply = await asyncio.to_thread(
        _engine(context).handle_button, chat_id, query.data or "", query.from_user.id
    )
    sender = _sender(context)
    await sender.answer_query(query, reply.toast[:200] if reply.toast else None)
    chunks = render(reply)
    if not chunks or query.message is None:
        answered(update, context, started)  # the toast was the answer
        return
    try:
        if not (reply.edit and message is not None):
            await send(context, None, chat_id, reply)
        else:
            markup = keyboard(reply)
            try:
                await sender.edit(message, chunks[0], markup if len(chunks) == 1 else None)
            except BadRequest as exc:  # e.g. the message was deleted: the reply comes as a new message
                logger.info("Button %r: edit refused (%s); sending a new message", query.data, exc)
                await send(context, None, chat_id, reply)
            else:
                await sender.send_chunks(context.bot, message.chat_id, chunks[1:], markup, None)
    except TelegramError as exc:
        logger.error("Button %r in chat %s failed", query.data, chat_id, exc_info=exc)
        await _apologise(context, chat_id)
        return
    answered(update, context, started)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``@bot 问题``: up to 10 answers, each inserted into the chat as a card."""
    query = update.inline_query
    if query is None:
        return
    started = time.perf_counter()
    text = query.query.strip()
    found = await asyncio.to_thread(_engine(context).inline_results, text, INLINE_LIMIT) if text else []
    results = []
    for i, (title, reply) in enumerate(found[:INLINE_LIMIT]):
        chunks = render(reply)
        if chunks:
            content = InputTextMessageContent(
                chunks[0], parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
            )
            results.append(
                InlineQueryResultArticle(str(i), title[:100] or "结果", content, description=_summary(reply))
            )
    await query.answer(results, cache_time=30)
    answered(update, context, started)


def _summary(reply: Reply) -> str:
    """One line for an inline result: the quoted sentence, else the first text."""
    quotes = [b.text for b in reply.blocks if b.kind is BlockKind.QUOTE] or [b.text for b in reply.blocks]
    line = " ".join(quotes[0].split()) if quotes else ""
    return line[:97] + "…" if len(line) > 100 else line


async def _apologise(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """One short message saying something went wrong (never a traceback)."""
    try:
        reply = _engine(context).notice("error")
    except Exception:  # the engine itself may be what failed
        reply = Reply([Block(BlockKind.TEXT, APOLOGY)])
    try:
        await _sender(context).send_chunks(context.bot, chat_id, render(reply), None)
    except TelegramError as exc:
        logger.warning("Could not send the apology: %s", exc)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback; tell the user, in one short Chinese sentence, that something went wrong."""
    logger.error("Update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:  # the button handler never raises once it has answered
        try:
            await _sender(context).answer_query(update.callback_query, APOLOGY)
        except TelegramError as exc:
            logger.warning("Could not answer the button press: %s", exc)
    elif update.effective_chat is not None and update.inline_query is None:
        await _apologise(context, update.effective_chat.id)
