"""The conversation engine: questions, follow-ups, paging, article view, feedback. No transport here.

The terminal chat and the Telegram bot both call :class:`Engine`; renderers turn its :class:`Reply` into text.
Synchronous and thread-safe: one writer per chat at a time (:class:`bot.chat_locks.KeyedLocks`), one lock
around the SQLite work of this process; the answering itself (:meth:`Searcher.ask`) runs in the answer pool
when one is given (:mod:`bot.answer_pool`, ``newsqa serve``), else here under that lock. Async callers use
``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from typing import Protocol

from bot import cards
from bot.answer_pool import PoolUnavailable
from bot.buttons import parse as parse_button
from bot.chat_locks import KeyedLocks
from bot.examples import DRAFTS_PER_EXAMPLE, EXAMPLES, example_questions, offered
from bot.followup import resolve
from bot.library import open_searcher
from bot.notices import NOTICES, notice_kind
from bot.reply import Block, BlockKind, Reply
from bot.settings import Settings
from bot.state import Asked, ChatState, StateStore, open_state
from corpus.store import Store
from index.reader.multi import split_question
from index.reader.question import QuestionType
from index.search import Result, Searcher, clean_question
from index.snapshot_watch import SnapshotSearcher

log = logging.getLogger(__name__)

MORE_K = 1 + 3 * cards.RESULTS_PER_PAGE  # passages kept for 更多结果


class Answerer(Protocol):
    """Where ``Searcher.ask`` runs instead of this process (:class:`bot.answer_pool.AnswerPool`)."""

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result: ...


class Engine:
    """One engine per process, shared by every chat."""

    def __init__(
        self,
        searcher: Searcher,
        settings: Settings,
        pool: Answerer | None = None,
        *,
        state_conn: sqlite3.Connection | None = None,
    ) -> None:
        """``state_conn``: where chat state is kept when the store is a read-only snapshot (default: the store)."""
        self.searcher = searcher
        self.settings = settings
        self.pool = pool
        self.lock = threading.RLock()  # this process's store connection: state, articles, local answers
        self.chats = KeyedLocks()  # one writer per chat's state
        # NEWSQA_STATE_URL: the store, a SQLite file (with snapshots: NEWSQA_DB), PostgreSQL
        self.state = (
            StateStore(state_conn, self.lock)
            if state_conn is not None
            else open_state(settings, self.store, self.lock)
        )
        self._examples: list[str] | None = None
        self.warm_up: threading.Thread | None = None  # the loader thread (bot/warmup.py), joined before exit
        if isinstance(searcher, SnapshotSearcher):
            searcher.guard = self.lock  # a switch closes the old snapshot only while no store read runs

    @property
    def store(self) -> Store:
        """The store answers come from (a snapshot's changes when a newer one lands): read it under :attr:`lock`."""
        return self.searcher.store

    @property
    def index_label(self) -> str:
        """What answers come from, for the log: ``snapshot v7.12`` or ``store``."""
        if isinstance(self.searcher, SnapshotSearcher):
            return f"snapshot v{self.searcher.snapshot.version}"
        return "store"

    def close(self) -> None:
        """Release the chat state's connection when it has one of its own (the store stays open)."""
        self.state.close()

    def _ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        """``Searcher.ask`` in the answer pool when there is one (no lock held meanwhile), else here."""
        if self.pool is not None:
            try:
                return self.pool.ask(question, k, qtype)
            except PoolUnavailable:
                pass  # stopped or broken: answer here, slower but answered
        with self.lock:
            return self.searcher.ask(question, k=k, qtype=qtype)

    # -- entry points -------------------------------------------------------------------------------------

    def handle_text(self, chat_id: int, text: str) -> Reply:
        """A message: a question, or a follow-up to the chat's last question."""
        text = clean_question(text or "")
        if not text:
            return self.notice("empty")
        if len(text) > self.settings.max_question_chars:
            return self.notice("too_long", length=len(text))
        kind = notice_kind(text)
        if kind is not None:
            return self.notice(kind)
        with self.chats.hold(chat_id):
            with self.lock:
                previous = self.state.last_asked(chat_id)
            person = self._person_answered(previous) if text.startswith(("他", "她")) else None
            with self.lock:
                resolved = resolve(
                    text,
                    self._last_asked(previous.resolved) if previous else None,
                    self.searcher.segmenter.query_words,  # words, not search tokens: no bigrams (产路)
                    person,
                    people_named,
                )
            qtype = None
            if resolved.followup and resolved.keeps_type and previous is not None and previous.qtype:
                qtype = QuestionType(previous.qtype)
            result = self._ask(resolved.question, k=MORE_K, qtype=qtype)
            with self.lock:
                asked = self.state.record_question(chat_id, text, resolved.question, result.qtype.value)
                reply = cards.answer_card(result, asked.id)
                if resolved.followup:
                    reply.blocks.insert(0, Block(BlockKind.NOTE, f"（理解为：{resolved.question}）"))
                if result.hits and not result.abstained:
                    top = result.hits[0].passage
                    self.state.save(ChatState(chat_id, asked.id, 0, top.article.uid, top.ordinal))
            return reply

    def _person_answered(self, previous: Asked | None) -> str | None:
        """The person the chat's last answer named, for 他/她 (the answer comes from the query cache)."""
        if previous is None or previous.qtype != QuestionType.PERSON.value:
            return None
        return self._ask(previous.resolved, k=MORE_K, qtype=_qtype(previous.qtype)).answer

    def _last_asked(self, question: str) -> str:
        """The previous question, or its last part when it asked two things (a follow-up continues from there)."""
        parts = split_question(question, self.searcher.segmenter.words)
        return parts[-1] if parts else question

    def new_conversation(self, chat_id: int) -> None:
        """Start ``chat_id`` afresh: no current question for follow-ups or 更多结果 (its history and votes stay)."""
        with self.chats.hold(chat_id), self.lock:
            self.state.save(ChatState(chat_id, None, 0, None, None))

    def handle_command(self, chat_id: int, name: str, args: str = "") -> Reply:
        """/start, /help, /about, /ask, /more, /article, /next, /prev."""
        name = name.lstrip("/").lower()
        if name in ("start", "help"):
            return self.help(welcome=name == "start")
        if name == "about":
            return self.about()
        if name == "ask":
            return self.handle_text(chat_id, args) if args.strip() else self.notice("empty")
        with self.chats.hold(chat_id):
            with self.lock:
                state = self.state.load(chat_id)
            if name == "more":
                return self.more(chat_id, state.ask_id, state.page + 1, edit=False)
            if name == "article":
                if state.article_uid is None:
                    return cards.text_card("还没有打开的文章：先提一个问题。")
                return self.article(chat_id, state.article_uid, state.paragraph, None, edit=False)
            if name in ("next", "prev"):
                if state.article_uid is None or state.paragraph is None:
                    return cards.text_card("还没有打开的段落：先提一个问题。")
                step = 1 if name == "next" else -1
                return self.paragraph(chat_id, state.article_uid, state.paragraph + step, edit=False)
        return cards.text_card(f"不认识的命令 /{name}。发送 /help 查看用法。")

    def handle_button(self, chat_id: int, data: str, user_id: int | None = None) -> Reply:
        """An inline button press (callback data from :mod:`bot.cards`, parsed strictly by :mod:`bot.buttons`)."""
        press = parse_button(data)
        if press is None:
            log.info("Button press with malformed data in chat %s", chat_id)
            return self.notice("stale")
        with self.chats.hold(chat_id):
            if press.kind == "m":
                return self.more(chat_id, int(press.key), press.number, edit=True)
            if press.kind == "a":
                page = press.page
                return self.article(chat_id, press.key, press.number or None, page, edit=page is not None)
            if press.kind == "p":
                return self.paragraph(chat_id, press.key, press.number, edit=True)
            user = chat_id if user_id is None else user_id
            return self.feedback(chat_id, int(press.key), press.number, press.up, user_id=user)

    def inline_results(self, query: str, limit: int = 10) -> list[tuple[str, Reply]]:
        """Inline mode: up to ``limit`` (title, card) pairs for ``@bot 问题``."""
        query = (query or "").strip()[: self.settings.max_question_chars]
        if not query:
            return []
        result = self._ask(query, k=limit)
        if result.abstained:
            return []
        found: list[tuple[str, Reply]] = []
        for hit in result.hits[:limit]:
            blocks = []
            if hit.rank == 1 and result.answer:
                blocks.append(Block(BlockKind.ANSWER, result.answer))
            blocks.append(cards.quote_block(hit))
            blocks.append(Block(BlockKind.CITATION, cards.citation(hit.passage.article, hit.passage)))
            title = (result.answer if hit.rank == 1 and result.answer else hit.passage.article.title)[:64]
            found.append((title, Reply(blocks)))
        return found

    def notice(self, kind: str, **values: object) -> Reply:
        """A friendly fixed reply: empty or long input, stickers, photos, voice, errors, stale buttons."""
        examples = self.examples()
        text = NOTICES.get(kind, NOTICES["other"]).format(
            example=examples[0] if examples else "剑河中药材面积多少？",
            limit=self.settings.max_question_chars,
            **values,
        )
        return cards.text_card(text, toast=text if kind == "stale" else None)

    # -- actions ------------------------------------------------------------------------------------------

    def ask(self, question: str, k: int = 5) -> Result:
        """The same answer `newsqa ask` prints."""
        return self._ask(question, k=k)

    def more(self, chat_id: int, ask_id: int | None, page: int, *, edit: bool) -> Reply:
        """更多结果: the next passages of a question this chat asked."""
        asked = self.state.asked(ask_id) if ask_id is not None else None
        if asked is None or asked.chat_id != chat_id:
            return cards.text_card("还没有问题可以翻页：先提一个问题。")
        qtype = QuestionType(asked.qtype) if asked.qtype else None
        result = self._ask(asked.resolved, k=MORE_K, qtype=qtype)
        reply = cards.more_card(result, asked.id, page)
        reply.edit = edit
        with self.lock:
            state = self.state.load(chat_id)
            self.state.save(ChatState(chat_id, asked.id, page, state.article_uid, state.paragraph))
        return reply

    def article(self, chat_id: int, uid: str, marked: int | None, page: int | None, *, edit: bool) -> Reply:
        """查看原文: one page of the whole article."""
        with self.lock:
            found = self.store.article(uid)
            if found is None:
                return self.notice("stale")
            info, passages = found
            state = self.state.load(chat_id)
            self.state.save(ChatState(chat_id, state.ask_id, state.page, info.uid, marked or 1))
        return cards.article_card(info, passages, marked, page, edit=edit)

    def paragraph(self, chat_id: int, uid: str, ordinal: int, *, edit: bool) -> Reply:
        """One paragraph, with ‹ › to its neighbours."""
        with self.lock:
            passage = self.store.passage_at(uid, ordinal)
            if passage is None:
                return cards.text_card("没有这一段了。", toast="没有这一段了")
            state = self.state.load(chat_id)
            self.state.save(ChatState(chat_id, state.ask_id, state.page, uid, ordinal))
        return cards.paragraph_card(passage, edit=edit)

    def feedback(
        self, chat_id: int, ask_id: int, passage_id: int, up: bool, *, user_id: int | None = None
    ) -> Reply:
        """👍 / 👎 on one of this chat's answers: stored with the question, passage and answer; a user's
        later vote on the same answer replaces the earlier one."""
        asked = self.state.asked(ask_id)
        if asked is None or asked.chat_id != chat_id:
            return Reply([], toast="这个按钮不属于这个聊天的问题，没有记下")
        with self.lock:
            passage = self.store.passages([passage_id]).get(passage_id)
        answer = self._ask(asked.resolved, k=MORE_K, qtype=_qtype(asked.qtype)).answer
        self.state.add_feedback(
            chat_id,
            asked,
            passage_id,
            passage.article.uid if passage else None,
            passage.ordinal if passage else None,
            answer,
            1 if up else -1,
            user_id=chat_id if user_id is None else user_id,
        )
        thanks = "谢谢，已记下 👍" if up else "谢谢，已记下 👎，我们会改进"
        return Reply([], toast=thanks)

    def help(self, *, welcome: bool = False) -> Reply:
        """/help: what the bot does and example questions drawn from the corpus."""
        lines = []
        if welcome:
            lines.append("你好！我从报纸文章里找答案，并给出原文句子和出处。")
        lines.append("直接输入问题即可，也可以追问（例如“那……呢？”）。例如：")
        lines.extend(f"• {q}" for q in self.examples())
        lines.append(
            "命令：/more 更多结果 · /article 查看原文 · /next /prev 上下段 · /about 资料库 · /help 帮助"
        )
        return cards.text_card("\n".join(lines))

    def about(self) -> Reply:
        """/about: articles that can be answered (and those still being indexed), paragraphs, last ingest."""
        from index.status import index_status

        with self.lock:
            counts = self.store.counts()
            last = self.store.get_meta("last_ingest")
            status = index_status(self.store.conn, self.store.path)
        when = dt.datetime.fromtimestamp(float(last)).strftime("%Y-%m-%d %H:%M") if last else "未知"
        articles = f"{counts['articles']}篇文章"
        if status.indexed_articles < status.articles:  # not answerable until the index has them
            articles = f"{status.indexed_articles}篇文章（另有{status.articles - status.indexed_articles}篇正在建立索引）"
        return cards.text_card(
            f"资料库：{articles}，{counts['paragraphs']}个段落，{counts['captions']}条图片说明。"
            f"\n最近一次导入：{when}"
        )

    def examples(self) -> list[str]:
        """Example questions the store answers (computed once per process)."""
        if self._examples is None:
            with self.lock:
                drafts = example_questions(self.store, EXAMPLES * DRAFTS_PER_EXAMPLE)
            self._examples = offered(drafts, lambda q: self._ask(q, k=1).answer is not None)
        return self._examples


def people_named(text: str) -> list[str]:
    """The people LAC finds in ``text`` (a question), in order: what 他/她 and ``那X呢`` resolve against."""
    from index.reader.entities import question_entities

    return [text[s:e] for s, e, kind in question_entities(text) if kind == "person"]


def _qtype(value: str | None) -> QuestionType | None:
    return QuestionType(value) if value else None


def open_engine(settings: Settings, pool: Answerer | None = None, *, warm_up: bool = False) -> Engine:
    """Open the store named by ``settings`` (building it from the bundled corpus if missing) and the engine;
    ``pool`` answers in worker processes (``newsqa serve``); ``warm_up`` loads the taggers on a background
    thread (:mod:`bot.warmup`: the bot without a pool, and the chat)."""
    engine = Engine(open_searcher(settings), settings, pool)
    if warm_up:
        from bot import warmup

        engine.warm_up = warmup.start(engine.searcher)
    return engine
