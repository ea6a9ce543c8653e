"""Two ``newsqa serve`` replicas act as one bot: webhook mode behind one reverse proxy (the fake Bot API's
deliveries, tests/fake_webhook.py), chat state and the update journal in a real PostgreSQL, the index from
snapshots, nothing mocked (tests/replica_harness.py starts the subprocesses).

The replicas of the PostgreSQL tests are started once for the module (lazily, inside the first test, so a
start that fails is a failed test that says why) and restarted when a test killed one. What a user sees is
asserted in the fake: every update answered exactly once, by which replica, with which answer.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_bot_api import FakeBotAPI, Sent, wait_until
from tests.replica_harness import ReplicaSet, StateView, base_env, copy_store, newsqa, publish_snapshot

#: Questions of the bundled page and the answer each card shows in bold.
ANSWERS = {
    "剑河中药材面积多少?": "15.78万亩",
    "剑河县培育了几家规模以上中药材企业": "4家",
    "剑河县中药材品种有多少个": "31个",
}
QUESTIONS = list(ANSWERS)
#: Answered only by the article a new snapshot brings.
NEW_QUESTION, NEW_ANSWER = "青山县今年新建了几座水库?", "27座"
NEW_ARTICLE = {
    "title": "青山县新建水库保春耕",
    "author": "本报记者 林晓",
    "date": "2026-11-30",
    "text": "今年以来，青山县新建水库27座，新增灌溉面积4.6万亩。\n\n县水务局介绍，水库由各乡镇合作社共同管护。",
}
#: A replica killed in the middle of an update: its heartbeat goes stale, the other one takes the update over.
TAKEOVER_WAIT_S = 45.0


class Cluster:
    """r1 and r2 on PostgreSQL and a snapshot folder, started on first use; a start that failed fails every
    test that needs it with the same message."""

    def __init__(self, fake: FakeBotAPI, workdir: Path, seed_db: Path, postgres: Any) -> None:
        self.fake, self.workdir, self.seed_db, self.postgres = fake, workdir, seed_db, postgres
        self.source = workdir / "ingest" / "newsqa.db"  # the ingest host's store
        self.snapshots = workdir / "snapshots"
        self.replicas: ReplicaSet | None = None
        self.failed: str | None = None

    def up(self, twice_every: int = 0) -> ReplicaSet:
        """Both replicas running and ready, behind the proxy (``twice_every``: doubled deliveries)."""
        if self.failed is not None:
            pytest.fail(self.failed)
        try:
            if self.replicas is None:
                self.source.parent.mkdir(parents=True)
                self.snapshots.mkdir()
                copy_store(self.seed_db, self.source)
                publish_snapshot(self.source, self.snapshots)
                url = self.postgres.new_database()
                self.replicas = ReplicaSet(
                    self.fake,
                    self.workdir / "replicas",
                    seed_db=self.seed_db,
                    state_url=url,
                    snapshots=self.snapshots,
                )
            self.replicas.start("r1", "r2")  # restarts one a test killed
        except AssertionError as exc:
            self.failed = f"the replicas did not start: {exc}"
            pytest.fail(self.failed)
        self.fake.proxy(self.replicas.targets(), twice_every=twice_every)
        return self.replicas


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotAPI]:
    api = FakeBotAPI()
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def cluster(
    fake: FakeBotAPI, seed_db: Path, postgres_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    found = Cluster(fake, tmp_path_factory.mktemp("replicas"), seed_db, postgres_server)
    try:
        yield found
    finally:
        if found.replicas is not None:
            found.replicas.close()


PROBE_REFUSALS = (
    ("editMessageText", "Bad Request: message can't be edited"),
    ("editMessageText", "Bad Request: message to edit not found"),
)


@pytest.fixture(autouse=True)
def _no_refusal_nor_leak(fake: FakeBotAPI, cluster: Cluster) -> Iterator[None]:
    """After each test: Telegram refused nothing, and no log shows the token or a traceback. The one refusal
    allowed is the message-id probe's (bot/telegram_send.py): after a sendMessage that may have arrived (a
    timeout under load), the bot looks for its message by editing ids above the last one it knows — a user's
    message "can't be edited", an id not used yet is "not found". Each test asserts no answer was doubled."""
    errors = len(fake.errors)
    yield
    assert [e for e in fake.errors[errors:] if e not in PROBE_REFUSALS] == []
    logs = cluster.replicas.logs() if cluster.replicas is not None else ""
    assert fake.token not in logs and "Traceback" not in logs


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def ask(
    fake: FakeBotAPI, chat_id: int, text: str, via: int | None = None, expect: int = 1
) -> list[Sent]:
    """Push a question (to replica ``via`` only, or through the proxy) and return the bot's new messages."""
    before = len(fake.messages(chat_id))
    if via is None:
        fake.push_message(chat_id, text)
    else:
        with fake.via(via):
            fake.push_message(chat_id, text)
    await wait_until(lambda: len(fake.messages(chat_id)) >= before + expect, 30, f"an answer to {text!r}")
    return [copy.copy(m) for m in fake.messages(chat_id)[before:]]


async def press(fake: FakeBotAPI, sent: Sent, label: str, *via: int, expect: str = "edit") -> Sent:
    """Press ``label`` on ``sent`` (delivered to the replicas ``via``), wait for its answer and for the
    ``edit``, the ``new`` message or just the ``toast``; the message as it is then."""
    live = lambda: next(m for m in fake.messages(sent.chat_id) if m.message_id == sent.message_id)  # noqa: E731
    edits, count = live().edits, len(fake.messages(sent.chat_id))
    with fake.via(*via):
        query_id = fake.press(sent.chat_id, sent.message_id, label)
    answered = lambda: [c for c in fake.calls("answerCallbackQuery") if c["callback_query_id"] == query_id]  # noqa: E731
    done = {
        "edit": lambda: live().edits > edits,
        "new": lambda: len(fake.messages(sent.chat_id)) > count,
        "toast": lambda: True,
    }[expect]
    await wait_until(lambda: answered() and done(), 30, f"{label} to {expect}")
    return copy.copy(fake.messages(sent.chat_id)[-1] if expect == "new" else live())


def answer_of(card: Sent) -> str | None:
    return card.bold()[0] if card.bold() else None


def test_each_question_is_answered_once_when_updates_alternate_and_some_reach_both(
    fake: FakeBotAPI, cluster: Cluster
) -> None:
    cluster.up(twice_every=3)
    chats = range(1000, 1005)
    asked = {chat: [QUESTIONS[(chat + i) % 3] for i in range(4)] for chat in chats}

    pushed: list[int] = []

    async def scenario() -> None:
        for chat in chats:
            for question in asked[chat]:
                pushed.append(fake.push_message(chat, question) or 0)
        await wait_until(lambda: all(len(fake.messages(c)) >= 4 for c in chats), 60, "every answer")
        await asyncio.sleep(1.5)  # room for a second answer to show

    run(scenario())
    for chat in chats:
        cards = fake.messages(chat)
        assert Counter(answer_of(c) for c in cards) == Counter(ANSWERS[q] for q in asked[chat]), chat
    by = Counter(m.by for chat in chats for m in fake.messages(chat))
    assert set(by) == {"r1", "r2"} and sum(by.values()) == 20
    doubled = [u for u in pushed if len(fake.delivery.delivered_to(u)) == 2]
    assert len(doubled) >= 6  # every third update reached both replicas, and was answered once


def test_a_card_from_one_replica_works_on_the_other_and_a_vote_counts_once(
    fake: FakeBotAPI, cluster: Cluster
) -> None:
    replicas = cluster.up()
    chat = 1100

    async def scenario() -> None:
        (card,) = await ask(fake, chat, QUESTIONS[0], via=0)
        assert (card.by, answer_of(card), list(card.buttons())) == (
            "r1",
            "15.78万亩",
            ["更多结果", "查看原文", "👍", "👎"],
        )
        await press(fake, card, "👍", 0, 1, expect="toast")  # the press reaches both replicas at once
        await press(fake, card, "👍", 0, expect="toast")  # the same reader presses again, on r1
        thanks = [c["text"] for c in fake.calls("answerCallbackQuery")[-2:]]
        assert thanks == ["谢谢，已记下 👍", "谢谢，已记下 👍"]
        assert StateView.of(replicas).votes(chat) == [1]

        (follow,) = await ask(fake, chat, "品种呢?", via=1)  # resolved on r2 against the question asked on r1
        assert follow.by == "r2" and "理解为：剑河中药材品种多少?" in follow.html and "31个" in follow.html
        article = await press(fake, follow, "查看原文", 0, expect="new")
        assert article.by == "r1" and article.text.startswith("激活乡村全面振兴“智力引擎”")
        page2 = await press(fake, article, "下一页 ›", 1)
        assert page2.edited_by == ("r2",) and "第2/" in page2.text and "‹ 上一页" in page2.buttons()
        more = await press(fake, card, "更多结果", 1)  # r1's first card, on r2
        assert more.edited_by == ("r2",) and more.text.startswith("更多结果（第1/")

    run(scenario())
    assert StateView.of(replicas).questions(chat) == [QUESTIONS[0], "品种呢?"]


def test_a_new_snapshot_is_picked_up_by_both_replicas_without_a_failed_answer(
    fake: FakeBotAPI, cluster: Cluster
) -> None:
    cluster.up()
    folder = cluster.workdir / "new-articles"
    folder.mkdir()
    (folder / "qingshan.json").write_text(json.dumps(NEW_ARTICLE, ensure_ascii=False), encoding="utf-8")
    meanwhile: list[Sent] = []

    async def keep_asking(stop: asyncio.Event) -> None:
        chat = 100_000  # a new chat per question, never one another test uses
        while not stop.is_set():
            meanwhile.extend(await ask(fake, chat, QUESTIONS[0], via=chat % 2))
            chat += 1

    async def until_answered(via: int) -> Sent:
        deadline = time.monotonic() + 60
        chat = 200_000 + 10_000 * via
        while time.monotonic() < deadline:
            (card,) = await ask(fake, chat, NEW_QUESTION, via=via)
            if answer_of(card) == NEW_ANSWER:
                return card
            chat += 1
            await asyncio.sleep(0.3)
        raise AssertionError(f"replica {via + 1} did not answer from the new snapshot within 60 s")

    async def scenario() -> None:
        before = [await ask(fake, 1290 + via, NEW_QUESTION, via=via) for via in (0, 1)]
        assert [c.text[:4] for (c,) in before] == ["没有找到", "没有找到"]
        stop = asyncio.Event()
        asking = asyncio.create_task(keep_asking(stop))
        env = base_env() | {"NEWSQA_DB": str(cluster.source)}
        await asyncio.to_thread(newsqa, ["ingest", str(folder)], env)
        await asyncio.to_thread(publish_snapshot, cluster.source, cluster.snapshots)
        cards = [await until_answered(0), await until_answered(1)]
        assert [c.by for c in cards] == ["r1", "r2"]
        assert "《青山县新建水库保春耕》" in cards[0].text
        stop.set()
        await asking

    run(scenario())
    assert len(meanwhile) >= 2
    assert {answer_of(card) for card in meanwhile} == {"15.78万亩"}  # no failed answer while they switched
    assert {card.by for card in meanwhile} == {"r1", "r2"}


def test_200_updates_over_20_chats_in_parallel_lose_and_double_nothing(
    fake: FakeBotAPI, cluster: Cluster
) -> None:
    replicas = cluster.up(twice_every=7)
    chats = list(range(1500, 1520))
    first = {chat: [QUESTIONS[(chat + i) % 3] for i in range(8)] for chat in chats}
    last = {chat: QUESTIONS[chat % 3] for chat in chats}
    presses: list[str] = []

    async def scenario() -> None:
        for i in range(8):  # 160 questions, all at once
            for chat in chats:
                fake.push_message(chat, first[chat][i])
        await wait_until(lambda: all(len(fake.messages(c)) >= 8 for c in chats), 120, "160 answers")
        for chat in chats:  # 20 last questions and 20 👍 on a card of each chat, at once
            fake.push_message(chat, last[chat])
            presses.append(fake.press(chat, fake.messages(chat)[0].message_id, "👍"))
        answered = lambda: {c["callback_query_id"] for c in fake.calls("answerCallbackQuery")} >= set(presses)  # noqa: E731
        await wait_until(
            lambda: all(len(fake.messages(c)) >= 9 for c in chats) and answered(), 60, "the rest"
        )
        await asyncio.sleep(1.5)  # room for a second answer to show

    run(scenario())
    state = StateView.of(replicas)
    for chat in chats:
        cards = fake.messages(chat)
        assert Counter(answer_of(c) for c in cards) == Counter(
            ANSWERS[q] for q in [*first[chat], last[chat]]
        ), chat
        assert sorted(state.questions(chat)) == sorted([*first[chat], last[chat]]), chat
        assert state.current_question(chat) == last[chat], chat
        assert state.votes(chat) == [1], chat
    calls = [c for c in fake.calls("answerCallbackQuery") if c["callback_query_id"] in presses]
    assert len(calls) == 20 and {c["text"] for c in calls} == {"谢谢，已记下 👍"}
    assert {m.by for chat in chats for m in fake.messages(chat)} == {"r1", "r2"}


def test_a_replica_killed_mid_conversation_the_other_carries_on_and_takes_over_its_update(
    fake: FakeBotAPI, cluster: Cluster
) -> None:
    replicas = cluster.up()
    chat = 1600
    refused = len(fake.errors)

    async def scenario() -> None:
        (one,) = await ask(fake, chat, QUESTIONS[0], via=0)
        (two,) = await ask(fake, chat, QUESTIONS[1], via=1)
        assert (one.by, two.by) == ("r1", "r2")
        fake.hold("r1")  # r1 takes the next update, and cannot answer it
        with fake.via(0):
            claimed = fake.push_message(chat, QUESTIONS[2])
        await wait_until(
            lambda: (
                fake.delivery.delivered_to(claimed)
                and any(int(c["chat_id"]) == chat for c in fake.calls_by("r1", "sendMessage"))
            ),
            30,
            "r1 to take the update and answer it",
        )
        assert fake.delivery.delivered_to(claimed) == [replicas.replicas["r1"].target]
        replicas.kill("r1")
        fake.release("r1", drop=True)  # its answer never reached Telegram
        carried_on = [
            (await ask(fake, chat + 1, question))[0] for question in QUESTIONS
        ]  # the proxy: r1 refuses
        assert [(c.by, answer_of(c)) for c in carried_on] == [("r2", a) for a in ANSWERS.values()]
        await wait_until(
            lambda: len(fake.messages(chat)) >= 3, TAKEOVER_WAIT_S, "r2 to take over r1's update"
        )
        await asyncio.sleep(1.0)

    run(scenario())
    taken = fake.messages(chat)
    assert len(taken) == 3
    assert (taken[2].by, answer_of(taken[2])) == ("r2", "31个")
    by_r1 = [c for c in fake.calls_by("r1", "sendMessage") if int(c["chat_id"]) == chat]
    assert len(by_r1) == 1  # only its first answer: the held one was never carried out
    # when r2 found r1's answer rendered but maybe sent (bot/telegram_send.py), it looked for it by message id
    # first; when r1's outbox was not written yet, r2 answered it as a pending update: no probe. Either way once.
    probe = ("editMessageText", "Bad Request: message to edit not found")
    assert fake.errors[refused:] in ([], [probe])
    del fake.errors[refused:]


def test_two_replicas_sharing_one_sqlite_store_answer_each_update_once(seed_db: Path, tmp_path: Path) -> None:
    """The SQLite-shared variant (no PostgreSQL, no snapshots): one store file, its journal dedups on update_id."""
    fake = FakeBotAPI()
    fake.start()
    shared = copy_store(seed_db, tmp_path / "shared.db")
    replicas = ReplicaSet(fake, tmp_path / "replicas", seed_db=seed_db, shared_db=shared, ready="webhook")
    try:
        replicas.start("r1", "r2")
        fake.proxy(replicas.targets(), twice_every=2)
        chats = range(1700, 1703)

        async def scenario() -> None:
            for chat in chats:
                for question in QUESTIONS:
                    fake.push_message(chat, question)
            await wait_until(lambda: all(len(fake.messages(c)) >= 3 for c in chats), 60, "every answer")
            (card,) = await ask(fake, 1710, QUESTIONS[0], via=0)
            (follow,) = await ask(fake, 1710, "品种呢?", via=1)
            assert (card.by, follow.by) == ("r1", "r2") and "理解为：剑河中药材品种多少?" in follow.html
            await press(fake, card, "👍", 1, expect="toast")
            await asyncio.sleep(1.0)

        run(scenario())
        for chat in chats:
            assert Counter(answer_of(c) for c in fake.messages(chat)) == Counter(ANSWERS.values()), chat
        assert StateView.of(replicas).votes(1710) == [1]
        assert replicas.close() == {"r1": 0, "r2": 0}
        assert fake.errors == []
        assert fake.token not in replicas.logs() and "Traceback" not in replicas.logs()
    finally:
        replicas.close()
        fake.stop()
