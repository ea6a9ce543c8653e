"""The fake Bot API's webhook deliveries (tests/fake_webhook.py) against small local HTTP servers: what a
webhook sees from Telegram — the secret header, redelivery after a failure or a timeout, the last error — and
the reverse proxy in front of replicas: round robin, failover, doubled updates, pinned ones."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.fake_bot_api import ApiError, Dropped, FakeBotAPI, wait_until
from tests.replica_harness import free_port


class Webhook:
    """A webhook on 127.0.0.1 that records what it gets and answers with ``statuses`` in turn (then 200),
    first sleeping ``delays`` seconds in turn (then not)."""

    def __init__(self, statuses: list[int] | None = None, delays: list[float] | None = None) -> None:
        self.got: list[tuple[dict[str, Any], str | None]] = []  # (update, secret header)
        self.statuses, self.delays = list(statuses or []), list(delays or [])
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    hook.got.append((json.loads(body), self.headers.get("X-Telegram-Bot-Api-Secret-Token")))
                    status = hook.statuses.pop(0) if hook.statuses else 200
                    delay = hook.delays.pop(0) if hook.delays else 0.0
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the fake gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def ids(self) -> list[int]:
        return [update["update_id"] for update, _ in self.got]

    def texts(self) -> list[str]:
        return [update["message"]["text"] for update, _ in self.got]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    api = FakeBotAPI()
    api.start()
    api.delivery.first_retry_s = 0.05
    yield api
    api.stop()


def wait(predicate: Any, what: str, timeout: float = 10.0) -> None:
    asyncio.run(wait_until(predicate, timeout, what))


def call(fake: FakeBotAPI, method: str, **params: Any) -> Any:
    return fake.handle(fake.token, method, params)


def test_a_webhook_gets_each_update_with_the_secret_and_getupdates_is_refused(fake: FakeBotAPI) -> None:
    hook = Webhook()
    try:
        assert call(fake, "setWebhook", url=hook.url, secret_token="s3cret_1", max_connections=5) is True
        fake.push_message(7, "剑河中药材面积?")
        wait(lambda: hook.got and fake.pending_updates() == 0, "the delivery")
        ((update, secret),) = hook.got
        assert (update["message"]["text"], update["message"]["chat"]["id"], secret) == (
            "剑河中药材面积?",
            7,
            "s3cret_1",
        )
        with pytest.raises(ApiError, match="Conflict: can't use getUpdates method while webhook is active"):
            call(fake, "getUpdates")
        info = call(fake, "getWebhookInfo")
        assert info == {"url": hook.url, "has_custom_certificate": False, "pending_update_count": 0,
                        "max_connections": 5}  # fmt: skip
    finally:
        hook.close()


def test_setwebhook_refuses_what_telegram_refuses(fake: FakeBotAPI) -> None:
    with pytest.raises(ApiError, match="An HTTPS URL must be provided for webhook"):
        call(fake, "setWebhook", url="http://bot.example.org/hook")
    with pytest.raises(ApiError, match="secret token contains unallowed characters"):
        call(fake, "setWebhook", url="https://bot.example.org/hook", secret_token="with space")
    with pytest.raises(ApiError, match="max_connections must be between 1 and 100"):
        call(fake, "setWebhook", url="https://bot.example.org/hook", max_connections=101)
    assert fake.webhook == {}


def test_a_failed_delivery_is_tried_again_and_telegram_shows_the_error(fake: FakeBotAPI) -> None:
    hook = Webhook(statuses=[500, 502])
    try:
        call(fake, "setWebhook", url=hook.url)
        update_id = fake.push_message(8, "褚靖是谁")
        wait(lambda: len(hook.got) == 3 and fake.pending_updates() == 0, "three tries")
        assert hook.ids() == [update_id] * 3
        assert [a.outcome for a in fake.deliveries(update_id)] == ["HTTP 500", "HTTP 502", "200"]
        info = call(fake, "getWebhookInfo")
        assert info["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
        assert abs(info["last_error_date"] - time.time()) < 60
    finally:
        hook.close()


def test_an_update_not_answered_in_time_is_delivered_again(fake: FakeBotAPI) -> None:
    hook = Webhook(delays=[1.5])
    try:
        call(fake, "setWebhook", url=hook.url)
        fake.proxy([hook.url], timeout_s=0.5)
        update_id = fake.push_message(9, "剑河县中药材品种有多少个")
        wait(lambda: fake.pending_updates() == 0, "the second delivery")
        assert hook.ids() == [update_id, update_id]  # the first was taken too: the webhook must dedup
        assert [a.outcome for a in fake.deliveries(update_id)] == ["timeout", "200"]
        assert call(fake, "getWebhookInfo")["last_error_message"] == "Read timeout expired"
    finally:
        hook.close()


def test_a_public_url_waits_for_the_replicas_behind_it_and_a_deleted_webhook_hands_updates_back(
    fake: FakeBotAPI,
) -> None:
    call(fake, "setWebhook", url="https://bot.example.org/hook", secret_token="s")
    first = fake.push_message(10, "一")
    wait(lambda: fake.delivery.last_error is not None, "a failed try")
    info = call(fake, "getWebhookInfo")
    assert (info["pending_update_count"], info["last_error_message"]) == (
        1,
        "Failed to resolve host: Name or service not known",
    )
    assert call(fake, "deleteWebhook") is True
    assert [u["update_id"] for u in call(fake, "getUpdates")] == [first]  # kept for polling
    hook = Webhook()
    try:
        call(fake, "setWebhook", url="https://bot.example.org/hook", secret_token="s")
        fake.proxy([hook.url])
        second = fake.push_message(10, "二")
        wait(lambda: len(hook.got) == 2 and fake.pending_updates() == 0, "both delivered to the replica")
        assert sorted(hook.ids()) == [first, second]
    finally:
        hook.close()
    fake.push_message(10, "三")  # the replica is gone: refused, tried again and again
    wait(lambda: call(fake, "getWebhookInfo").get("last_error_message") == "Connection refused", "a refusal")
    assert call(fake, "getWebhookInfo")["pending_update_count"] == 1
    call(fake, "setWebhook", url="https://bot.example.org/hook", drop_pending_updates=True)
    assert call(fake, "getWebhookInfo")["pending_update_count"] == 0


def test_the_proxy_alternates_doubles_pins_and_fails_over(fake: FakeBotAPI) -> None:
    a, b = Webhook(), Webhook()
    try:
        call(fake, "setWebhook", url="https://bot.example.org/hook")
        fake.proxy([a.url, b.url], twice_every=3)
        for i in range(6):
            fake.push_message(11, f"问题{i}")
            wait(lambda i=i: len(a.got) + len(b.got) >= i + 1 + i // 3, f"update {i}")
            time.sleep(0.05)
        wait(lambda: fake.pending_updates() == 0, "all delivered")
        assert sorted(a.texts() + b.texts()) == sorted(
            ["问题0", "问题1", "问题2", "问题2", "问题3", "问题4", "问题5", "问题5"]
        )
        assert "问题2" in a.texts() and "问题2" in b.texts()  # the 3rd and 6th reached both
        assert len(a.got) + len(b.got) == 8 and abs(len(a.got) - len(b.got)) <= 2
        with fake.via(1):
            pinned = fake.push_message(11, "只给第二个")
        wait(lambda: pinned in b.ids(), "the pinned one")
        assert pinned not in a.ids()
        a.close()  # replica A is gone: its port refuses connections
        before = len(b.got)
        for i in range(3):
            fake.push_message(11, f"A不在{i}")
        wait(lambda: len(b.got) == before + 3, "failover to B")
        assert sorted(b.texts()[-3:]) == ["A不在0", "A不在1", "A不在2"]
        assert "last_error_message" not in call(fake, "getWebhookInfo")  # the proxy routed around A
    finally:
        b.close()


def test_every_replica_refusing_is_an_error_telegram_sees(fake: FakeBotAPI) -> None:
    call(fake, "setWebhook", url="https://bot.example.org/hook")
    fake.proxy([f"http://127.0.0.1:{free_port()}/hook", f"http://127.0.0.1:{free_port()}/hook"])
    fake.push_message(12, "有人吗")
    wait(lambda: fake.delivery.last_error is not None, "a failed try")
    assert call(fake, "getWebhookInfo")["last_error_message"] == "Connection refused"
    assert fake.pending_updates() == 1


def test_calls_name_their_replica_and_a_held_replica_is_not_carried_out(fake: FakeBotAPI) -> None:
    fake.push_message(13, "你好")
    fake.handle(fake.token, "sendMessage", {"chat_id": 13, "text": "r1 说"}, caller="r1")
    fake.hold("r2")
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(
                fake.handle(fake.token, "sendMessage", {"chat_id": 13, "text": "r2 说"}, caller="r2")
            )
        except Dropped as exc:
            outcome.append(exc)

    thread = threading.Thread(target=send)
    thread.start()
    wait(lambda: fake.calls_by("r2", "sendMessage"), "the held call to arrive")
    assert [m.text for m in fake.messages(13)] == ["r1 说"]
    fake.release("r2", drop=True)  # r2 was killed meanwhile
    thread.join(5)
    assert [type(o) for o in outcome] == [Dropped]
    assert [(m.text, m.by) for m in fake.messages(13)] == [("r1 说", "r1")]
    assert fake.callers("sendMessage") == ["r1"]
    assert fake.base_url_for("r2").endswith("/r2/bot")
