"""The Telegram handlers: each update in, the engine's reply out as HTML messages with an inline keyboard.

Private chats: any text is a question. Groups: ``/ask 问题`` and replies to the bot (privacy mode delivers
nothing else). Inline mode: ``@bot 问题``. The engine is synchronous and runs on a worker thread; these
handlers only move its replies to and from Telegram. :mod:`bot.telegram_app` wires them into an Application.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Protocol

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.render_html import render
from bot.reply import Block, BlockKind, Reply

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
INLINE_LIMIT = 10
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Conversation(Protocol):
    """What the bot needs from the engine (:class:`bot.engine.Engine`)."""

    def handle_text(self, chat_id: int, text: str) -> Reply: ...
    def handle_command(self, chat_id: int, name: str, args: str) -> Reply: ...
    def handle_button(self, chat_id: int, data: str) -> Reply: ...
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


async def send(bot: Any, chat_id: int, reply: Reply, reply_to: int | None = None) -> list[Message]:
    """Send ``reply`` as HTML messages under Telegram's length limit, the keyboard on the last one."""
    chunks = render(reply)
    if not chunks:
        logger.warning("Empty reply for chat %s: nothing sent", chat_id)
    return await _send_chunks(bot, chat_id, chunks, keyboard(reply), reply_to)


async def _send_chunks(
    bot: Any, chat_id: int, chunks: list[str], markup: InlineKeyboardMarkup | None, reply_to: int | None
) -> list[Message]:
    sent = []
    for i, chunk in enumerate(chunks):
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
        sent.append(
            await bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_markup=markup if i == len(chunks) - 1 else None,
                reply_parameters=quote,
            )
        )
    return sent


async def _typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # a lost typing indicator is not worth failing the answer
        logger.debug("Typing action failed: %s", exc)


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
    if name == "ask":
        await _typing(context, message.chat_id)
    reply = await asyncio.to_thread(_engine(context).handle_command, message.chat_id, name, args)
    await send(context.bot, message.chat_id, reply, _reply_to(update))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message: any text in a private chat, a reply to the bot in a group."""
    message = update.effective_message
    if message is None or message.text is None or not _addressed_to_bot(message, context.bot.id):
        return
    await _typing(context, message.chat_id)
    reply = await asyncio.to_thread(_engine(context).handle_text, message.chat_id, message.text)
    await send(context.bot, message.chat_id, reply, _reply_to(update))


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
    reply = await asyncio.to_thread(_engine(context).notice, kind)
    await send(context.bot, message.chat_id, reply, _reply_to(update))


def _addressed_to_bot(message: Message, bot_id: int) -> bool:
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answer the query (toast), then edit the message in place or send a new one."""
    query = update.callback_query
    if query is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    reply = await asyncio.to_thread(_engine(context).handle_button, chat_id, query.data or "")
    await query.answer(reply.toast[:200] if reply.toast else None)
    chunks = render(reply)
    if not chunks or query.message is None:
        return
    if not (reply.edit and message is not None):
        await send(context.bot, chat_id, reply)
        return
    markup = keyboard(reply)
    try:
        await message.edit_text(
            chunks[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=_NO_PREVIEW,
            reply_markup=markup if len(chunks) == 1 else None,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        logger.debug("Button %r: message not modified", query.data)
    await _send_chunks(context.bot, message.chat_id, chunks[1:], markup, None)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``@bot 问题``: up to 10 answers, each inserted into the chat as a card."""
    query = update.inline_query
    if query is None:
        return
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


def _summary(reply: Reply) -> str:
    """One line for an inline result: the quoted sentence, else the first text."""
    quotes = [b.text for b in reply.blocks if b.kind is BlockKind.QUOTE] or [b.text for b in reply.blocks]
    line = " ".join(quotes[0].split()) if quotes else ""
    return line[:97] + "…" if len(line) > 100 else line


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback; tell the user, in one short Chinese sentence, that something went wrong."""
    logger.error("Update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_chat is not None:
            try:
                reply = _engine(context).notice("error")
            except Exception:  # the engine itself may be what failed
                reply = Reply([Block(BlockKind.TEXT, APOLOGY)])
            await send(context.bot, update.effective_chat.id, reply)
    except TelegramError as exc:
        logger.warning("Could not send the apology: %s", exc)
