"""The webhook server: Telegram POSTs updates here; 200 only once the update is recorded.

Compared with python-telegram-bot's own webhook server this one limits the request body
(``NEWSQA_WEBHOOK_MAX_BYTES``, 413 beyond it, refused before the body is read), answers a body that is not an
update with 400 instead of 500, and puts the update on the Application's queue — which records it in the store —
before it answers, so an update Telegram considers delivered is never lost. Requests without the secret token
get 403. ``GET /healthz`` reports on the replica (:mod:`bot.health`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update

__all__ = ["WebhookServer"]

logger = logging.getLogger(__name__)

#: ``/healthz`` answers 503 when its checks take longer than this (seconds).
HEALTH_TIMEOUT_S = 5.0


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """One POSTed update."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Any, queue: Any, secret: str | None, max_bytes: int) -> None:
        """Per request: what the handler needs (tornado's interface)."""
        self.bot, self.queue, self.secret, self.max_bytes = bot, queue, secret, max_bytes
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse a request without the secret, or announcing a body over the limit, before reading it."""
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if self.secret is not None and not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="Wrong or missing secret token")
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, reason="Update too large")

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, refusing it once it grows past the limit (chunked requests)."""
        self.body += chunk
        if len(self.body) > self.max_bytes:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, reason="Update too large")

    async def post(self) -> None:
        """Parse, record and queue the update; 400 when it is not one."""
        try:
            data = json.loads(bytes(self.body))
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError) as exc:
            logger.warning("Webhook: refused a body that is not an update (%s)", type(exc).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Not an update") from None
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Not an update")
        await self.queue.put(update)  # recorded in the store before the 200
        self.set_status(HTTPStatus.OK)
        self.finish()

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Refusals are expected; anything else is logged with its traceback."""
        if not isinstance(value, tornado.web.HTTPError):
            logger.error("Webhook request failed", exc_info=(typ, value, tb))


class _HealthHandler(tornado.web.RequestHandler):
    """``GET /healthz`` (:mod:`bot.health`): no secret needed, nothing secret in it."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, health: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        """Per request: the report to run (tornado's interface)."""
        self.health = health

    async def get(self) -> None:
        """Run the checks on a thread (they open files and may wait on PostgreSQL)."""
        try:
            status, body = await asyncio.wait_for(asyncio.to_thread(self.health), HEALTH_TIMEOUT_S)
        except TimeoutError:
            status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"ok": False, "error": "the checks timed out"}
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))


class _App(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Silent: the access log is not ours to keep."""


class WebhookServer:
    """The HTTP server for webhook mode, on ``listen:port`` serving ``path``."""

    def __init__(
        self,
        listen: str,
        port: int,
        path: str,
        bot: Any,
        queue: Any,
        secret: str | None,
        max_bytes: int,
        health: Callable[[], tuple[int, dict[str, Any]]] | None = None,
    ) -> None:
        """``health``: the report ``GET /healthz`` serves (:class:`bot.health.Health`), when given."""
        self.listen, self.port = listen, port
        args = {"bot": bot, "queue": queue, "secret": secret, "max_bytes": max_bytes}
        routes: list[Any] = [(r"/healthz", _HealthHandler, {"health": health})] if health is not None else []
        app = _App([*routes, (rf"/{path.strip('/')}/?", _UpdateHandler, args)])
        self.server = tornado.httpserver.HTTPServer(app, max_body_size=max_bytes + 1)

    def start(self) -> None:
        """Start listening (on the running event loop)."""
        self.server.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        self.server.stop()
        await self.server.close_all_connections()
