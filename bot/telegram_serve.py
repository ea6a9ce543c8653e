"""``newsqa serve``'s loop: connect (retrying while the Bot API is unreachable), replay, poll or serve the webhook,
stop cleanly on SIGINT/SIGTERM.

An unreachable Bot API at start is not fatal: the bot logs one line per try (``Bot API unreachable …: retrying
in N s``) with backoff up to :data:`MAX_BACKOFF_S` and keeps trying until it gets through or is told to stop.
A rejected token still ends it (:class:`telegram.error.InvalidToken`, reported by :func:`bot.telegram_app.run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.health import Health
from bot.settings import Settings
from bot.telegram_webhook import WebhookServer

__all__ = ["MAX_BACKOFF_S", "serve", "with_retries"]

logger = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


async def with_retries(what: str, call: Callable[[], Awaitable[Any]], stop: asyncio.Event) -> bool:
    """Await ``call()`` until it gets through (True) or ``stop`` is set (False); network errors are retried."""
    delay = FIRST_BACKOFF_S
    while not stop.is_set():
        try:
            await call()
            return True
        except InvalidToken:
            raise
        except NetworkError as exc:
            logger.warning(
                "Bot API unreachable (%s: %s): retrying %s in %.0f s", type(exc).__name__, exc, what, delay
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_BACKOFF_S)
    return False


async def serve(
    settings: Settings, application: Application, prepare: Callable[[Application], Awaitable[None]]
) -> None:
    """Run ``application`` until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # engine calls wait on the answer pool in threads: enough of them that journal writes never queue behind
    loop.set_default_executor(ThreadPoolExecutor(max(32, 8 * settings.answer_workers), "newsqa"))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if not await with_retries("the start", application.initialize, stop):
        logger.info("Stopped before the Bot API could be reached")
        return
    webhook: WebhookServer | None = None
    try:
        await prepare(application)
        await application.start()
        if settings.webhook_url:
            path = urlparse(settings.webhook_url).path
            webhook = WebhookServer(
                settings.webhook_listen,
                settings.webhook_port,
                path,
                application.bot,
                application.update_queue,
                settings.webhook_secret,
                settings.webhook_max_bytes,
                health=Health.for_engine(settings, application.bot_data["engine"]).report,
            )
            webhook.start()
            set_hook = lambda: application.bot.set_webhook(  # noqa: E731
                settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
            )
            logger.info("Serving by webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
            await with_retries("setWebhook", set_hook, stop)
        else:
            assert application.updater is not None
            logger.info("Serving by long polling")
            await with_retries(
                "deleteWebhook", lambda: application.bot.delete_webhook(drop_pending_updates=False), stop
            )
            if not stop.is_set():
                await application.updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, error_callback=_polling_error
                )
        await stop.wait()
    finally:
        if webhook is not None:
            await webhook.stop()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


#: What Telegram says when a second program polls for the same bot (its poll ends the other's).
OTHER_POLLER = "terminated by other getUpdates request"


def _polling_error(exc: TelegramError) -> None:
    """One line per failed poll (PTB retries with its own backoff); another poller is named as such."""
    if isinstance(exc, Conflict) and OTHER_POLLER in exc.message:
        logger.error(
            "Telegram ended this poll: another program is polling for this bot with the same token (on "
            "another host?). Telegram allows one getUpdates consumer per bot: stop the other one, or run "
            "replicas in webhook mode (NEWSQA_WEBHOOK_URL). Retrying"
        )
        return
    logger.warning("Polling for updates failed (%s: %s): retrying", type(exc).__name__, exc)
