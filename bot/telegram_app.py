"""The Telegram bot: a python-telegram-bot Application around the conversation engine.

Usage::

    TELEGRAM_BOT_TOKEN=123:ABC newsqa serve                                   # long polling
    NEWSQA_WEBHOOK_URL=https://bot.example.org/newsqa NEWSQA_WEBHOOK_SECRET=s3cret newsqa serve   # webhook

This module builds the Application (handlers from :mod:`bot.telegram_handlers`, the rate limiter, the error
handler, the commands menu, the update journal of :mod:`bot.updates`), keeps the bot token out of the logs, and
runs it (:mod:`bot.telegram_serve`): polling or webhook.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING

# Opt in to python-telegram-bot's timedelta durations (retry_after): the old int form is deprecated and warns.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.journal import open_journal
from bot.settings import Settings
from bot.telegram_handlers import (
    ENGINE_COMMANDS,
    Conversation,
    button,
    command,
    error_handler,
    inline_query,
    media,
    question,
)
from bot.telegram_send import Sender
from bot.updates import JournalProcessor, JournalQueue

if TYPE_CHECKING:
    from bot.answer_pool import AnswerPool

__all__ = [
    "COMMANDS",
    "Conversation",
    "api_urls",
    "build_application",
    "prepare",
    "redact_token",
    "run",
    "set_commands",
]

logger = logging.getLogger(__name__)

COMMANDS = (
    ("start", "开始：这个机器人能做什么"),
    ("help", "帮助和示例问题"),
    ("ask", "提问，例如 /ask 剑河中药材面积多少?"),
    ("more", "上一个问题的更多结果"),
    ("about", "收录了哪些文章"),
)


async def set_commands(application: Application) -> None:
    """Set the commands menu (/start, /help, /ask, /more, /about)."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


async def prepare(application: Application) -> None:
    """Before updates flow: the commands menu (a failure is only logged) and the updates a crash left behind."""
    try:
        await set_commands(application)
    except TelegramError as exc:
        logger.warning("Could not set the commands menu (%s); the bot answers anyway", exc)
    queue = application.update_queue
    if isinstance(queue, JournalQueue):
        await asyncio.to_thread(queue.journal.prune)
        await queue.replay(application.bot)
        queue.start_watch(application.bot)


def api_urls(base: str) -> tuple[str, str]:
    """Bot API and file URL prefixes for a self-hosted server: calls go to ``{base}/bot{token}/METHOD``.

    ``http://127.0.0.1:8081`` and ``http://127.0.0.1:8081/bot`` mean the same server.
    """
    base = base.rstrip("/")
    base = base.removesuffix("/bot")
    return f"{base}/bot", f"{base}/file/bot"


def build_application(
    settings: Settings, engine: Conversation, pool: AnswerPool | None = None
) -> Application:
    """The Application with every handler, the rate limiter, the error handler and the update journal
    (:func:`bot.journal.open_journal`: the store, or NEWSQA_STATE_URL) (not started). ``pool`` (the engine's answer pool) starts with the
    Application's initialize and stops with its shutdown."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs URLs, and URLs hold the token
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    redact_token(settings.telegram_token)
    limiter = AIORateLimiter(overall_max_rate=settings.send_rate, max_retries=3)  # NEWSQA_SEND_RATE
    builder = Application.builder().token(settings.telegram_token).rate_limiter(limiter)
    if settings.telegram_api_base_url:
        api, files = api_urls(settings.telegram_api_base_url)
        builder = builder.base_url(api).base_file_url(files)
    journal = open_journal(settings)
    sender = Sender(journal)
    queue = JournalQueue(journal, sender.saw_update)
    processor = JournalProcessor(
        queue,
        lambda u, box: sender.resume(u.get_bot(), u.update_id, box),
        start=pool.start if pool is not None else None,
        stop=pool.close if pool is not None else None,
    )
    application = builder.update_queue(queue).concurrent_updates(processor).build()
    application.bot_data["engine"] = engine
    application.bot_data["sender"] = sender
    application.bot_data["journal"] = journal
    application.bot_data["replica"] = settings.replica_name  # in the log line of every answered update
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    application.add_handler(CommandHandler(list(ENGINE_COMMANDS), command))
    application.add_handler(MessageHandler(filters.COMMAND & private, command))  # unknown command → help
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & (private | groups), question))
    application.add_handler(
        MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL & (private | groups), media)
    )
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(error_handler)
    return application


class _Redact(logging.Filter):
    """Replace the bot token in a log record, traceback included."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        return True


#: Loggers that see the token: PTB logs its base URL (which holds it) at DEBUG; httpx logs request URLs.
TOKEN_LOGGERS = (
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.Updater",
    "telegram.ext.Application",
    "httpx",
)


def redact_token(token: str) -> None:
    """Keep ``token`` out of the logs: a redacting filter on the loggers that see it and the root handlers."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in TOKEN_LOGGERS]
    targets += logging.getLogger().handlers
    for target in targets:
        if not any(isinstance(f, _Redact) and f.secret == token for f in target.filters):
            target.addFilter(_Redact(token))


def run(settings: Settings) -> int:
    """``newsqa serve``: polling, or webhook when NEWSQA_WEBHOOK_URL is set; 0 after SIGINT/SIGTERM."""
    token = settings.telegram_token
    if not token:
        print(
            "Error: TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, then run: "
            "TELEGRAM_BOT_TOKEN=<token> newsqa serve",
            file=sys.stderr,
        )
        return 1
    redact_token(token)
    from bot.pg import PostgresUnavailable
    from bot.poller_lock import PollerBusy, hold_poller

    try:  # before the engine loads: a second poller on one token is refused at once
        poller = None if settings.webhook_url else hold_poller(settings)
    except (PollerBusy, PostgresUnavailable) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(settings)
    except PostgresUnavailable as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        if poller is not None:
            poller.release()


def _run(settings: Settings) -> int:
    """Load the engine, build the Application and serve until stopped."""
    from bot.answer_pool import AnswerPool
    from bot.engine import open_engine  # heavy: jieba and the index load here, not at import
    from bot.telegram_serve import serve

    pool = AnswerPool(settings) if settings.answer_workers > 0 else None
    # with a pool the workers load the taggers (bot/answer_pool.py); without, a thread here (bot/warmup.py)
    engine = open_engine(settings, pool, warm_up=pool is None)
    application = build_application(settings, engine, pool)
    try:
        asyncio.run(serve(settings, application, prepare))
    except InvalidToken:
        print(
            "Error: Telegram rejected the bot token. Check TELEGRAM_BOT_TOKEN (from @BotFather).",
            file=sys.stderr,
        )
        return 1
    finally:
        if engine.warm_up is not None:  # a model still loading in C++ must not meet the interpreter's exit
            engine.warm_up.join(timeout=60)
        if pool is not None:
            pool.close()  # already stopped with the Application, unless it failed before
        application.bot_data["journal"].close()
        close = getattr(engine, "close", None)
        if callable(close):
            close()
    logger.info("Stopped")
    return 0
