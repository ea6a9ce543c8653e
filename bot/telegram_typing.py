"""The typing indicator, sent only when an answer keeps a chat waiting.

A quick answer needs none (and one Bot API call fewer per question); after :data:`TYPING_AFTER_S` the chat sees
“typing…”, renewed every :data:`TYPING_EVERY_S` (Telegram shows it for five seconds) until the answer is ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

__all__ = ["TYPING_AFTER_S", "TYPING_EVERY_S", "typing_while"]

logger = logging.getLogger(__name__)

TYPING_AFTER_S = 0.5
TYPING_EVERY_S = 4.5

T = TypeVar("T")


async def send_typing(bot: Bot, chat_id: int) -> None:
    """One ``sendChatAction typing``; a failure is only logged (a lost indicator is not worth an answer)."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:
        logger.debug("Typing action failed: %s", exc)


async def typing_while(bot: Bot, chat_id: int, answer: Awaitable[T]) -> T:
    """Await ``answer``; while it takes longer than :data:`TYPING_AFTER_S`, the chat sees “typing…”."""
    task = asyncio.ensure_future(answer)
    delay = TYPING_AFTER_S
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=delay)
            if done:
                return task.result()
            await send_typing(bot, chat_id)
            delay = TYPING_EVERY_S
    except asyncio.CancelledError:
        task.cancel()
        raise
