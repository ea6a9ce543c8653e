"""The fake Bot API itself: it must behave like Telegram where tests lean on it."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.fake_bot_api import TOKEN, FakeBotAPI


def _send_raw(fake: FakeBotAPI, request: bytes) -> bytes:
    host, port = "127.0.0.1", int(fake.base_url.split(":")[2].split("/")[0])
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def _post(body: bytes, declared: int) -> bytes:
    head = (
        f"POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    )
    return head.encode() + body


@pytest.mark.parametrize("sent", [0, 5])
def test_a_request_cut_off_mid_body_is_never_carried_out(fake: FakeBotAPI, sent: int) -> None:
    """A bot killed after its headers, before all its body: Telegram sees no call, and refuses nothing."""
    fake.push_message(7, "在吗")  # the chat exists
    body = json.dumps({"chat_id": 7, "text": "你好"}).encode()
    assert _send_raw(fake, _post(body[:sent], len(body))) == b""
    time.sleep(0.1)
    assert fake.calls_by(None, "sendMessage") == []
    assert fake.errors == []


def test_a_whole_request_is_carried_out(fake: FakeBotAPI) -> None:
    fake.push_message(7, "在吗")
    body = json.dumps({"chat_id": 7, "text": "你好"}).encode()
    reply = _send_raw(fake, _post(body, len(body)))
    assert reply.startswith(b"HTTP/1.1 200")
    assert [(c["chat_id"], c["text"]) for c in fake.calls_by(None, "sendMessage")] == [(7, "你好")]
