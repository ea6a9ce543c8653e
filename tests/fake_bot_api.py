"""A strict fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real PTB Application.

Usage::

    fake = FakeBotAPI(); fake.start()          # base_url = fake.base_url ("http://127.0.0.1:PORT/bot")
    fake.push_message(42, "剑河中药材面积?")     # a user writes to the bot
    await wait_until(lambda: fake.messages(42))  # what the bot sent, as Telegram would show it
    fake.stop()

What it enforces, like Telegram: 401 for a wrong token, 404 for an unknown method; HTML entity parsing
(only Telegram's tags; unclosed, unmatched or unsupported tags and a bare ``<`` or ``&`` give ``can't parse
entities``); text length ≤ 4,096 UTF-16 units after parsing; non-empty text; callback data 1–64 bytes
(``BUTTON_DATA_INVALID``); ``message is not modified``; edits only of the bot's own messages; sending only to
chats that have talked to the bot; callback and inline queries answered once, ≤ 50 inline results with unique
ids; valid chat actions and bot commands; 409 for ``getUpdates`` while a webhook is set; ``getUpdates`` long
polling with offset confirmation, a new poll ending one still waiting with 409 ``terminated by other getUpdates
request`` (two bots on one token; the ended poll of a bot that went away is not counted as an error); group privacy (in groups only commands for this bot and replies to the bot
are delivered); an injected 429 ``retry after N`` (:meth:`FakeBotAPI.fail_next`). Every refused call is kept
in :attr:`FakeBotAPI.errors`, so a test can assert that the bot never caused one.

Faults (:meth:`FakeBotAPI.fault`), as Telegram and the network produce them: ``500`` (Telegram's JSON
``Internal Server Error``), ``502`` (the front proxy's HTML page, no JSON), ``drop`` (the call is carried out,
then the connection is closed without a response: the answer was delivered but the bot cannot know),
``latency`` (the call is carried out, its response waits ``seconds``: past the client's read timeout, the
same doubt as ``drop``); :attr:`FakeBotAPI.latency` delays every response (a round trip to Telegram). :meth:`FakeBotAPI.after` runs a hook once a call has been carried out and
before it is answered (a test kills the bot there).

Webhooks (``setWebhook``, ``deleteWebhook``, ``getWebhookInfo``) are delivered by :mod:`tests.fake_webhook`:
POSTed with the secret token header, again with backoff after a failure or timeout. :meth:`FakeBotAPI.proxy`
puts replicas behind the webhook URL (round robin, failover, some updates to two of them). Several bots
(replicas) can share one fake: each calls it through :meth:`FakeBotAPI.base_url_for` its name, and every
message records who sent it (:attr:`Sent.by`); :meth:`FakeBotAPI.hold` keeps one replica's calls waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.fake_webhook import Attempt, Deliverer

TOKEN = "123456:TEST-fake-token-never-logged"
BOT_ID = 123456
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline"}
_TAGS |= {"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "a": "text_link"}
_TAGS |= {
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_JSON_FIELDS = {"reply_markup", "commands", "results", "scope", "allowed_updates", "reply_parameters"}
_JSON_FIELDS |= {"link_preview_options", "entities", "button"}
_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
_ACTIONS |= {"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}


class Dropped(Exception):
    """The call was carried out; its connection is closed without a response."""


@dataclass
class Fault:
    """An injected failure for the next ``times`` calls of a method."""

    kind: str  # "500", "502", "drop" or "latency"
    times: int = 1
    seconds: float = 0.0


#: What Telegram answers a long poll that a newer ``getUpdates`` of the same bot ended.
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class ApiError(Exception):
    """A call Telegram would refuse: ``code`` and ``description`` as Telegram sends them."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities, or ApiError ``can't parse entities``."""

    def fail(why: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {why}")

    text: list[str] = []
    stack: list[tuple[str, int, dict[str, Any]]] = []
    extra: dict[str, Any]
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        at = len(markup[:i].encode())
        if ch == "<":
            m = _TAG_RE.match(markup, i)
            if not m:
                raise fail(f"Unclosed start tag at byte offset {at}")
            closing, name, attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
            if closing:
                if not stack:
                    raise fail(f'Unexpected end tag "{name}" at byte offset {at}')
                if stack[-1][0] != name:
                    expected = stack[-1][0]
                    raise fail(
                        f'Unmatched end tag at byte offset {at}, expected "</{expected}>", found "</{name}>"'
                    )
                top, start, fields = stack.pop()
                length = utf16_len("".join(text)) - start
                if length > 0:
                    entities.append({"type": _TAGS[top], "offset": start, "length": length, **fields})
            else:
                if name not in _TAGS:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {at}')
                extra = {}
                if name == "span" and "tg-spoiler" not in attrs:
                    raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
                if name == "a":
                    href = re.search(r"href=[\"']?([^\"'\s>]+)", attrs)
                    if not href:
                        raise fail(f'Tag "a" must have attribute "href" at byte offset {at}')
                    extra["url"] = href.group(1)
                stack.append((name, utf16_len("".join(text)), extra))
            i = m.end()
        elif ch == "&":
            m = _ENTITY_RE.match(markup, i)
            if not m:
                raise fail(f'Character "&" is reserved and must be escaped with "&amp;" at byte offset {at}')
            text.append(html.unescape(m.group(0)))
            i = m.end()
        else:
            text.append(ch)
            i += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(text), sorted(entities, key=lambda e: (e["offset"], -e["length"], e["type"]))


def check_text(text: str | None, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """A message text as Telegram checks it: parsed, non-empty, at most 4,096 units."""
    plain, entities = (
        parse_html(text or "") if parse_mode and parse_mode.upper() == "HTML" else (text or "", [])
    )
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(plain) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return plain, entities


def check_markup(markup: dict[str, Any] | None) -> None:
    """Inline keyboards: a label and 1–64 bytes of callback data (or a url) per button."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if data is None and not any(k in button for k in ("url", "switch_inline_query")):
                raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")


@dataclass
class Sent:
    """A message the bot sent, in its current state (after edits)."""

    chat_id: int
    message_id: int
    html: str
    text: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edits: int = 0
    at: float = 0.0  # time.monotonic() when it was sent (bench/load.py's time to answer)
    by: str | None = None  # the replica that sent it (its base_url_for name), None for base_url
    edited_by: tuple[str | None, ...] = ()  # who made each edit, in order

    def bold(self) -> list[str]:
        """The bold spans of the text (UTF-16 offsets resolved)."""
        units = self.text.encode("utf-16-le")
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if e["type"] == "bold"
        ]

    def buttons(self) -> dict[str, str]:
        """Button label → callback data."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


class FakeBotAPI:
    """The fake server. Thread-safe; tests push updates and read :meth:`messages`, :meth:`calls`, errors."""

    def __init__(self, token: str = TOKEN, username: str = "newsqa_test_bot") -> None:
        self.token, self.username = token, username
        self.errors: list[tuple[str, str]] = []  # (method, description) of every refused call
        self.webhook: dict[str, Any] = {}
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._sent: dict[tuple[int, int], Sent] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._queries: dict[str, bool] = {}  # callback/inline query id → answered
        self._fail: dict[str, int] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._hooks: dict[str, list[tuple[int, Callable[[], None]]]] = {}
        self._counts: dict[str, int] = {}
        # update ids only grow for a bot, also across fake servers sharing one test store
        self._ids = itertools.count(int(time.time() * 1000) - 1_700_000_000_000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._closing = False
        self._polls = 0  # getUpdates calls so far: a newer one ends a poll still waiting
        self._server: ThreadingHTTPServer | None = None
        self.latency = 0.0  # every response waits this long (a Bot API round trip; bench/load.py)
        self.delivery = Deliverer()  # the webhook's deliveries (tests.fake_webhook)
        self.on_sent: Callable[[Sent], None] | None = None  # told of each new message (bench/replicas.py)
        self.webhook_options: dict[str, Any] = {}  # max_connections and allowed_updates of setWebhook
        self._callers: list[str | None] = []  # who made each call of _calls
        self._held: dict[str, tuple[threading.Event, list[bool]]] = {}  # caller → (released, [drop])
        self._caller = threading.local()  # the caller of the call this thread carries out

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> None:
        """Listen on ``port`` (default: a free one) of 127.0.0.1 in a background thread."""
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Wake long polls, give up webhook deliveries, release held calls and stop the server."""
        self.delivery.stop()
        with self._lock:
            self._closing = True
            self._lock.notify_all()
            for released, drop in self._held.values():
                drop[:] = [True]
                released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL (PTB appends ``{token}/METHOD``)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def base_url_for(self, caller: str) -> str:
        """TELEGRAM_API_BASE_URL for one of several bots (replicas) sharing this fake: its calls carry its name."""
        if not re.fullmatch(r"[A-Za-z0-9_-]+", caller) or caller == "bot":
            raise ValueError(f"caller name {caller!r}: letters, digits, _ and - only, and not 'bot'")
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/{caller}/bot"

    # -- webhook deliveries -------------------------------------------------------------------------------

    def proxy(self, targets: list[str], *, twice_every: int = 0, timeout_s: float | None = None) -> None:
        """Replicas behind the webhook URL, like a reverse proxy: updates go to ``targets`` in turn, to the
        next when one refuses the connection, every ``twice_every``-th to two of them at once; a POST not
        answered in ``timeout_s`` is delivered again."""
        self.delivery.proxy(targets, twice_every=twice_every, timeout_s=timeout_s)

    def via(self, *replicas: int) -> contextlib.AbstractContextManager[None]:
        """``with fake.via(1): fake.press(...)``: what is pushed inside goes to these replicas only."""
        return self.delivery.via(*replicas)

    def deliveries(self, update_id: int | None = None) -> list[Attempt]:
        """Every POST to the webhook (of one update): target, outcome, when."""
        with self.delivery._lock:
            return [a for a in self.delivery.attempts if update_id is None or a.update_id == update_id]

    # -- several replicas ---------------------------------------------------------------------------------

    def hold(self, caller: str) -> None:
        """Keep ``caller``'s calls waiting, not carried out, until :meth:`release`."""
        with self._lock:
            self._held[caller] = (threading.Event(), [False])

    def release(self, caller: str, *, drop: bool = False) -> None:
        """Let ``caller``'s held calls go on — or, with ``drop`` (the caller was killed meanwhile), close their
        connections without carrying them out."""
        with self._lock:
            held = self._held.pop(caller, None)
        if held is not None:
            held[1][:] = [drop]
            held[0].set()

    def calls_by(self, caller: str | None, method: str) -> list[dict[str, Any]]:
        """Parameters of ``caller``'s calls of ``method`` that arrived (also those held, waiting)."""
        with self._lock:
            pairs = zip(self._calls, self._callers, strict=True)
            return [params for (name, params), who in pairs if name == method and who == caller]

    def callers(self, method: str) -> list[str | None]:
        """Who made each call of ``method``, in the order they arrived."""
        with self._lock:
            return [c for (m, _), c in zip(self._calls, self._callers, strict=True) if m == method]

    # -- what the bot did ---------------------------------------------------------------------------------

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of ``method`` that reached it (refused ones are also in ``errors``)."""
        with self._lock:
            return [params for name, params in self._calls if name == method]

    def log(self) -> list[tuple[str, dict[str, Any]]]:
        """(method, parameters) of every call that reached it, in the order they arrived."""
        with self._lock:
            return list(self._calls)

    def messages(self, chat_id: int) -> list[Sent]:
        """The bot's messages in a chat, oldest first, as they stand now."""
        with self._lock:
            return [m for (chat, _), m in sorted(self._sent.items()) if chat == chat_id]

    def fail_next(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call of ``method`` with 429 Too Many Requests (retry_after seconds)."""
        with self._lock:
            self._fail[method] = retry_after

    def fault(self, method: str, kind: str, times: int = 1, seconds: float = 0.0) -> None:
        """Inject ``kind`` (``500``, ``502``, ``drop``, ``latency``) into the next ``times`` calls of ``method``."""
        with self._lock:
            self._faults.setdefault(method, []).append(Fault(kind, times, seconds))

    def after(self, method: str, nth: int, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the ``nth`` call of ``method`` (counted from now) is carried out, before the
        response is written."""
        with self._lock:
            self._hooks.setdefault(method, []).append((self._counts.get(method, 0) + nth, hook))

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a ``getUpdates`` offset or taken by the webhook."""
        with self._lock:
            return len(self._updates) + self.delivery.pending

    # -- what users do ------------------------------------------------------------------------------------

    def push_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        chat_type: str = "private",
        user_id: int = 1001,
        reply_to: int | None = None,
        kind: str = "text",
    ) -> int | None:
        """A user's message (``kind``: text, sticker, photo, voice). None when group privacy withholds it."""
        with self._lock:
            chat = {"id": chat_id, "type": chat_type}
            chat |= {"first_name": "读者"} if chat_type == "private" else {"title": "读报小组"}
            command = None
            msg: dict[str, Any] = {"message_id": self._next_message_id(chat_id), "date": int(time.time())}
            msg |= {"chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "读者"}}
            replied = self._sent.get((chat_id, reply_to or 0))
            if reply_to is not None:
                msg["reply_to_message"] = (
                    self._message_json(replied) if replied else self._user_messages[(chat_id, reply_to)]
                )
            if kind == "text":
                msg["text"] = text or ""
                command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text or "")
                if command:
                    msg["entities"] = [
                        {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
                    ]
            else:
                msg |= _media(kind)
            if chat_type != "private":
                to_bot = command is not None and command.group(1) in (None, "@" + self.username)
                if not to_bot and replied is None:
                    return None
            self._chats[chat_id] = chat
            self._user_messages[(chat_id, msg["message_id"])] = msg
            return self._push({"message": msg})

    def press(self, chat_id: int, message_id: int, label: str) -> str:
        """A user presses the button ``label`` on the bot's message; returns the callback query id."""
        with self._lock:
            data = self._sent[(chat_id, message_id)].buttons()[label]  # KeyError: no such button (a test bug)
            return self.forge_press(chat_id, message_id, data)

    def forge_press(self, chat_id: int, message_id: int, data: str, user_id: int = 1001) -> str:
        """A press with this callback data on the bot's message (a modified client can send any data)."""
        with self._lock:
            sent = self._sent[(chat_id, message_id)]
            query_id = f"cb{next(self._ids)}"
            self._queries[query_id] = False
            user = {"id": user_id, "is_bot": False, "first_name": "读者"}
            query = {"id": query_id, "from": user, "chat_instance": f"ci{chat_id}", "data": data}
            self._push({"callback_query": query | {"message": self._message_json(sent)}})
            return query_id

    def push_inline_query(self, query: str, user_id: int = 1001) -> str:
        """``@bot query`` typed in any chat; returns the inline query id."""
        with self._lock:
            query_id = f"iq{next(self._ids)}"
            self._queries[query_id] = False
            user = {"id": user_id, "is_bot": False, "first_name": "读者"}
            self._push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
            return query_id

    # -- internals ----------------------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _push(self, body: dict[str, Any]) -> int:
        update = {"update_id": next(self._ids)} | body
        if self.webhook.get("url"):
            self.delivery.submit(update)
        else:
            self._updates.append(update)
            self._lock.notify_all()
        return int(update["update_id"])

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        msg: dict[str, Any] = {"message_id": sent.message_id, "date": int(time.time())}
        msg |= {"chat": self._chats[sent.chat_id], "text": sent.text}
        msg["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "newsqa", "username": self.username}
        if sent.entities:
            msg["entities"] = sent.entities
        if sent.reply_markup:
            msg["reply_markup"] = sent.reply_markup
        return msg

    def handle(self, token: str, method: str, params: dict[str, Any], caller: str | None = None) -> Any:
        """One Bot API call (by the replica ``caller``): the result, or ApiError."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        self._wait_if_held(caller, method, params)
        with self._lock:
            if method in self._fail:
                after = self._fail.pop(method)
                raise ApiError(429, f"Too Many Requests: retry after {after}", retry_after=after)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        fault = self._take_fault(method)
        if fault is not None and fault.kind in ("500", "502"):
            raise ApiError(int(fault.kind), "Internal Server Error" if fault.kind == "500" else "Bad Gateway")
        with self._lock:
            self._calls.append((method, params))  # on arrival: a long poll shows while it waits
            self._callers.append(caller)
        self._caller.name = caller
        result = handler(params)
        with self._lock:
            self._counts[method] = count = self._counts.get(method, 0) + 1
            due = [hook for nth, hook in self._hooks.get(method, []) if nth == count]
        for hook in due:
            hook()
        if fault is not None and fault.kind == "latency":
            time.sleep(fault.seconds)
        if self.latency:
            time.sleep(self.latency)
        if fault is not None and fault.kind == "drop":
            raise Dropped(method)
        return result

    def _wait_if_held(self, caller: str | None, method: str, params: dict[str, Any]) -> None:
        """A held caller's call waits (shown in :meth:`held`); dropped if the fake stops meanwhile."""
        with self._lock:
            held = self._held.get(caller or "")
            if held is None:
                return
            self._calls.append((method, params))
            self._callers.append(caller)
        held[0].wait()
        with self._lock:
            index = next(i for i, call in enumerate(self._calls) if call[1] is params)
            del self._calls[index], self._callers[index]  # counted again when carried out
        if held[1][0]:
            raise Dropped(method)

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def _api_getme(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "newsqa", "username": self.username}

    def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            if self.webhook.get("url"):
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            self._polls += 1
            mine = self._polls
            self._lock.notify_all()
            while True:
                if self._polls != mine:
                    raise ApiError(409, CONFLICT)
                if offset > 0:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                found = self._updates[offset:] if offset < 0 else self._updates
                if found or self._closing or time.monotonic() >= deadline:
                    return found[:limit]
                self._lock.wait(min(0.2, max(0.0, deadline - time.monotonic())))

    def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = check_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        with self._lock:
            if chat_id not in self._chats:
                raise ApiError(400, "Bad Request: chat not found")
            sent = Sent(
                chat_id,
                self._next_message_id(chat_id),
                params["text"],
                text,
                entities,
                None,
                at=time.monotonic(),
                by=getattr(self._caller, "name", None),
            )
            sent.reply_markup = params.get("reply_markup")
            self._sent[(chat_id, sent.message_id)] = sent
            if self.on_sent is not None:
                self.on_sent(sent)
            return self._message_json(sent)

    def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = check_text(params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_markup(markup)
        with self._lock:
            where = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
            sent = self._sent.get(where)
            if sent is None and where in self._user_messages:
                raise ApiError(400, "Bad Request: message can't be edited")
            if sent is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if (sent.text, sent.entities, sent.reply_markup) == (text, entities, markup):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message",
                )
            sent.html, sent.text, sent.entities, sent.reply_markup = params["text"], text, entities, markup
            sent.edits += 1
            sent.edited_by += (getattr(self._caller, "name", None),)
            return self._message_json(sent)

    def _answer(self, query_id: str) -> None:
        with self._lock:
            if self._queries.get(query_id, True):
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            self._queries[query_id] = True

    def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answer(str(params.get("callback_query_id")))
        return True

    def _api_answerinlinequery(self, params: dict[str, Any]) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(
                400, "Bad Request: RESULT_ID_DUPLICATE" if ids else "Bad Request: RESULT_ID_INVALID"
            )
        for result in results:
            content = result.get("input_message_content") or {}
            if result.get("type") != "article" or not result.get("title"):
                raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
            check_text(content.get("message_text"), content.get("parse_mode"))
            check_markup(result.get("reply_markup"))
        self._answer(str(params.get("inline_query_id")))
        return True

    def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        if params.get("action") not in _ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        if int(params.get("chat_id", 0)) not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return True

    def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        for command in params.get("commands") or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url", ""))
        if not url:  # Telegram: an empty URL removes the webhook
            return self._api_deletewebhook(params)
        if not url.startswith(("https://", "http://127.0.0.1")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be between 1 and 100")
        with self._lock:
            self.webhook = {"url": url, "secret_token": secret}
            self.webhook_options = {"max_connections": connections}
            if params.get("allowed_updates") is not None:
                self.webhook_options["allowed_updates"] = list(params["allowed_updates"])
            pending, self._updates = self._updates, []
            if _true(params.get("drop_pending_updates")):
                pending = []
                self.delivery.delete_webhook(drop_pending=True)  # those on their way too
            self.delivery.set_webhook(url, secret, connections)
            if pending:
                self.delivery.submit(*pending)  # what was waiting, in order
        return True

    def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.webhook, self.webhook_options = {}, {}
            left = self.delivery.delete_webhook(drop_pending=_true(params.get("drop_pending_updates")))
            self._updates = left + self._updates  # undelivered ones wait for getUpdates
            if _true(params.get("drop_pending_updates")):
                self._updates.clear()
        return True

    def _api_getwebhookinfo(self, _: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
            info["pending_update_count"] = len(self._updates) + self.delivery.pending
            if self.webhook.get("url"):
                info |= self.webhook_options
            if self.webhook.get("url") and self.delivery.last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.delivery.last_error
            return info

    def _api_close(self, _: dict[str, Any]) -> bool:
        return True

    _api_logout = _api_close


_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


def _true(value: Any) -> bool:
    """A boolean parameter, as JSON or form data sends it."""
    return str(value).lower() == "true"


def _media(kind: str) -> dict[str, Any]:
    file = {"file_id": f"F-{kind}", "file_unique_id": f"U-{kind}"}
    if kind == "sticker":
        return {"sticker": file | {"width": 512, "height": 512, "is_animated": False, "is_video": False,
                                   "type": "regular", "emoji": "👍"}}  # fmt: skip
    if kind == "photo":
        return {"photo": [file | {"width": 90, "height": 90}]}
    if kind == "voice":
        return {"voice": file | {"duration": 2}}
    raise ValueError(f"unknown message kind {kind!r}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FakeBotAPI

    def handle(self) -> None:
        """One connection; a bot killed mid-request just goes away."""
        try:
            super().handle()
        except ConnectionError:
            self.close_connection = True

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:  # the bot was killed while sending: Telegram never sees half a request
            self.close_connection = True
            return
        m = re.fullmatch(r"(?:/([A-Za-z0-9_-]+))?/bot([^/]+)/(\w+)", self.path.split("?")[0])
        try:
            if m is None:
                raise ApiError(404, "Not Found")
            params = _params(body, self.headers.get("Content-Type", ""))
            result = self.api.handle(m.group(2), m.group(3), params, caller=m.group(1))
            status, payload = 200, {"ok": True, "result": result}
        except Dropped:
            self.close_connection = True  # carried out, never answered
            return
        except ApiError as exc:
            if exc.description == CONFLICT and _peer_gone(self.connection):
                self.close_connection = True  # a bot killed or stopped mid-poll: nobody reads the answer
                return
            with self.api._lock:
                self.api.errors.append((m.group(3) if m else self.path, exc.description))
            status, payload = exc.code, {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                payload["parameters"] = {"retry_after": exc.retry_after}
        data = json.dumps(payload, ensure_ascii=False).encode()
        content_type = "application/json"
        if status == 502:  # Telegram's front proxy answers with its own HTML page, not the Bot API's JSON
            data, content_type = _BAD_GATEWAY, "text/html"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the bot went away (killed) before it read the response
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line holds the token."""


def _peer_gone(sock: socket.socket) -> bool:
    """Whether the client closed its end of ``sock`` (nothing more to read, not even a request)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in content_type:
        return dict(json.loads(body))
    if "multipart" in content_type:
        raise ApiError(400, "Bad Request: the fake Bot API does not accept file uploads")
    params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_FIELDS & params.keys():
        params[key] = json.loads(params[key])
    return params


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it is truthy (returned) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
