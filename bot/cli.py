"""The `newsqa` command line.

Usage:
    newsqa ingest [PATH ...]            read articles into the store (default: the bundled corpus)
    newsqa ask [QUESTION] [--json] [-k N]  answer one question (or one per line from stdin)
    newsqa chat                         the conversation in a terminal
    newsqa serve                        the Telegram bot (TELEGRAM_BOT_TOKEN)
    newsqa eval FILE [--json]           score a question file (JSONL) or a squad-style JSON file
    newsqa articles                     list the stored articles
    newsqa show ID                      print one cleaned article
    newsqa show --debris [ID]           text of the source file(s) read into no field
    newsqa stats                        store, index and cache figures
    newsqa index [--no-wait]            bring the index up to date with the store (the one writer)
    newsqa check [--repair]             verify the index against the store; --repair fixes what is wrong
    newsqa snapshot OUT.db | --into DIR  a read-only copy of the store for replicas (NEWSQA_SNAPSHOTS)

Heavy modules are imported inside the subcommand that needs them, so ``newsqa --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_args import CommandError, Parser, check_utf8
from bot.pg import PostgresUnavailable, redacted
from bot.settings import Settings, SettingsError
from corpus.store import StoreError
from corpus.store_guard import disk_full_message, is_disk_full

if TYPE_CHECKING:
    from corpus.store import Store
    from index.check import CheckReport
    from index.search import Searcher

log = logging.getLogger("newsqa")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("httpx", "httpcore", "jieba", "telegram.ext.ExtBot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _searcher(settings: Settings) -> Searcher:
    """The searcher; with the disk full it answers from the index as it is instead of failing to update it."""
    from bot.library import open_searcher, open_store
    from index.search import Searcher

    try:
        return open_searcher(settings)
    except (sqlite3.Error, StoreError) as exc:
        if not is_disk_full(exc):
            raise
    print(
        f"Warning: {disk_full_message(settings.db_path, 16 * 1024 * 1024)}; "
        "answering from the index as it was before",
        file=sys.stderr,
    )
    from bot.cache_pg import open_cache

    return Searcher(open_store(settings), cache=open_cache(settings))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Read article files into the store and update the index."""
    from bot.library import open_store
    from bot.progress import progress_bar
    from corpus.ingest import bundled_corpus_dir, format_report, ingest
    from corpus.walk import MB
    from index.search import Searcher

    paths = [Path(p) for p in args.paths] or [bundled_corpus_dir()]
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise CommandError(
            f"No such file or folder: {', '.join(missing)}. Check the path and run: newsqa ingest PATH"
        )
    store = open_store(settings)
    searcher = Searcher(store)
    with _writing(store.path, args.no_wait):
        report = ingest(
            store,
            paths,
            follow_links=args.follow_links,
            max_file_bytes=settings.max_file_mb * MB,
            workers=settings.workers,
        )
        print(format_report(report))
        if report.stopped:
            raise CommandError(f"{report.stopped}. The index was not updated; rerun newsqa ingest after that")
        synced = searcher.sync(workers=settings.workers, progress=progress_bar("building the index"))
    print(f"index: {synced.added} passages added, {synced.removed} removed in {synced.seconds:.2f} s")
    return 1 if report.failed else 0


@contextmanager
def _writing(db_path: Path, no_wait: bool) -> Iterator[None]:
    """Hold the store's write lock: say so and wait while another writer has it (``--no-wait``: fail)."""
    from corpus.writelock import WriterBusy, writer_lock

    def waiting(pid: int | None) -> None:
        print(f"another ingest (pid {pid or '?'}) is writing {db_path}; waiting", file=sys.stderr, flush=True)

    try:
        with writer_lock(db_path, wait=not no_wait, on_wait=waiting):
            yield
    except WriterBusy as busy:
        raise CommandError(
            f"another ingest (pid {busy.pid or '?'}) is writing {db_path}. "
            "Wait for it to finish, or run without --no-wait to wait for it."
        ) from None


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the index up to date with the store (what ingest does after reading files)."""
    from bot.library import open_store
    from bot.progress import progress_bar
    from index.search import Searcher

    store = open_store(settings)
    searcher = Searcher(store)
    with _writing(store.path, args.no_wait):
        synced = searcher.sync(workers=settings.workers, progress=progress_bar("building the index"))
    print(f"index: {synced.added} passages added, {synced.removed} removed in {synced.seconds:.2f} s")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Verify the index against the store; with --repair, fix what is wrong and say what was fixed."""
    from bot.library import open_store
    from index.check import check_index

    if str(settings.db_path) != ":memory:" and not Path(settings.db_path).exists():
        raise CommandError(f"No store at {settings.db_path}. Build it with: newsqa ingest")
    store = open_store(settings)
    if args.repair:  # checked under the write lock, so no ingest changes it between the check and the fix
        with _writing(store.path, False):
            return _repair(store, check_index(store.conn), settings)
    report = check_index(store.conn)
    for line in report.lines():
        print(line)
    if not report.ok:
        print(
            "Error: the index does not match the store. Fix it with: newsqa check --repair", file=sys.stderr
        )
        return 1
    print("ok: the index matches the store")
    return 0


def _repair(store: Store, report: CheckReport, settings: Settings) -> int:
    """Fix what ``report`` found: statistics rewritten, anything else rebuilt, pending passages indexed."""
    from index.check import check_index, repair_statistics
    from index.search import Searcher

    for line in report.lines():
        print(line)
    if report.damaged:
        raise CommandError(
            f"The file {settings.db_path} is damaged, which a rebuild of the index cannot fix. Restore a "
            "backup, or move it aside and rebuild the store with: newsqa ingest PATH"
        )
    searcher = Searcher(store)
    if report.structure:
        searcher.index.clear()
        synced = searcher.sync(workers=settings.workers)
        print(f"repaired: rebuilt the index from the store ({synced.added} passages)")
    else:
        if report.statistics:
            repair_statistics(store.conn)
            print("repaired: rewrote N, the total length, df and the df histogram from the indexed tokens")
        if report.pending:
            synced = searcher.sync(workers=settings.workers)
            print(f"repaired: indexed {synced.added} pending passages, removed {synced.removed} deleted ones")
    after = check_index(store.conn, integrity=False)
    if not after.ok:
        for line in after.lines():
            print(line)
        raise CommandError(
            "The index is still wrong after the repair. Rebuild the store with: newsqa ingest PATH"
        )
    print("ok: the index matches the store")
    return 0


def _print_answer(result: object, as_json: bool) -> None:
    from bot.cards import answer_card
    from bot.render_text import render
    from index.result import Result

    assert isinstance(result, Result)
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    from bot.cards import result_line

    print(render(answer_card(result, 0), colour=sys.stdout.isatty(), with_buttons=False))
    for hit in result.hits[1:] if not result.abstained else []:
        print(f"  {result_line(hit)}")
    print()


def _print_notice(question: str, settings: Settings) -> bool:
    """Print the notice the chat gives a message that is not a question for the articles; whether it was one.
    Its example is the one the chat offers first: drawn from this store, answered by it."""
    from bot.notices import NOTICES, notice_kind
    from index.answer_key import clean_question

    kind = notice_kind(clean_question(question))
    if kind is None:
        return False
    from bot.examples import DRAFTS_PER_EXAMPLE, EXAMPLES, example_questions, offered

    searcher = _searcher(settings)
    drafts = example_questions(searcher.store, EXAMPLES * DRAFTS_PER_EXAMPLE)
    examples = offered(drafts, lambda q: searcher.ask(q, k=1).answer is not None)
    print(NOTICES[kind].format(example=examples[0] if examples else "剑河中药材面积多少？"))
    return True


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question, or one per line from stdin (exactly one output line per input line)."""
    from bot import batch

    if args.question is None:
        searcher = _searcher(settings)
        batch.run(
            lambda q: searcher.ask(q, k=args.k),
            sys.stdin,
            sys.stdout,
            max_chars=settings.max_question_chars,
            as_json=args.json,
        )
        searcher.flush()
        return 0
    if not args.question.strip():
        raise CommandError("The question is empty. Ask something, e.g.: newsqa ask '剑河中药材面积多少?'")
    if len(args.question) > settings.max_question_chars:
        raise CommandError(
            f"The question is {len(args.question)} characters long; the limit is "
            f"{settings.max_question_chars} (NEWSQA_MAX_QUESTION_CHARS). Shorten it, or raise the limit: "
            f"NEWSQA_MAX_QUESTION_CHARS={len(args.question)} newsqa ask QUESTION"
        )
    if not args.json and _print_notice(
        args.question, settings
    ):  # 你好, an English question: what the chat says
        return 0
    from bot.cached_ask import cached_answer

    cached = cached_answer(settings, args.question, args.k)  # asked before: no engine to load
    if cached is not None:
        _print_answer(cached, args.json)
        return 0
    searcher = _searcher(settings)
    _print_answer(searcher.ask(args.question, k=args.k), args.json)
    searcher.flush()
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """The conversation in a terminal."""
    from bot.chat import run_chat
    from bot.engine import open_engine

    engine = open_engine(settings, warm_up=True)
    try:
        return run_chat(engine)
    finally:
        if engine.warm_up is not None:  # a model still loading in C++ must not meet the interpreter's exit
            engine.warm_up.join(timeout=60)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot."""
    if not settings.telegram_token:
        raise CommandError(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, then: "
            "TELEGRAM_BOT_TOKEN=... newsqa serve"
        )
    from bot.telegram_app import run

    return run(settings)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score a question file."""
    from bot import evaluate, question_file
    from bot.library import build, open_store
    from corpus.ingest import format_report
    from index.search import Searcher

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(
            f"No question file at {path}. Give a .jsonl question file or a squad-style .json file: "
            "newsqa eval ../shared/eval/seed_dev_qa.jsonl"
        )
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1, e.g.: newsqa eval FILE --limit 100")
    try:
        squad, lines = question_file.load(path)
    except question_file.QuestionFileError as exc:
        raise CommandError(f"{exc}. Check it with: head -3 {path}") from None
    if squad:

        def searcher_for(db: Path) -> Searcher:
            store = open_store(Settings(db_path=db))
            searcher = Searcher(store)
            report = build(store, searcher, [path], workers=settings.workers)
            if report.failed:
                raise CommandError(format_report(report))
            return searcher

        report = evaluate.evaluate_squad(searcher_for, path, limit=args.limit)
    else:
        searcher = _searcher(settings)
        report = evaluate.evaluate_questions(lambda q: searcher.ask(q, k=evaluate.K), lines)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(evaluate.format_report(report, squad=squad))
    return 0


def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    """List the stored articles."""
    searcher = _searcher(settings)
    for a in searcher.store.articles():
        print(f"{a.uid}  {a.title}  {a.byline or '-'}  {a.paragraph_count}段")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print one cleaned article, or (``--debris``) what its source file's reading left out."""
    from bot.show import format_article, format_debris

    searcher = _searcher(settings)
    if args.debris:
        if args.id is None:
            paths = [s.path for s in searcher.store.sources()]
        else:
            info = searcher.store.article_info(args.id)
            if info is None:
                raise CommandError(f"No article with id {args.id!r}. List the ids with: newsqa articles")
            paths = [info.source_path]
        print(format_debris(paths))
        return 0
    if args.id is None:
        raise CommandError("Give an article id (list them with: newsqa articles), or --debris")
    found = searcher.store.article(args.id)
    if found is None:
        raise CommandError(f"No article with id {args.id!r}. List the ids with: newsqa articles")
    print(format_article(*found))
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Store, index, cache and feedback figures (cache and feedback from the NEWSQA_STATE_URL backend)."""
    from bot.state import open_state

    searcher = _searcher(settings)
    state = open_state(settings, searcher.store)
    try:
        feedback: dict[str, int] | None = state.feedback_counts()
    except sqlite3.Error:  # a read-only store that never held chat state
        feedback = None
    finally:
        state.close()
    figures = {
        "db": str(settings.db_path),
        **searcher.store.counts(),
        **_index_figures(searcher),
        "index_version": searcher.version,
        "cache": searcher.cache.stats() if searcher.cache else None,
        "tag_cache": searcher.tags.stats() if searcher.tags else None,
        "state": redacted(settings.state_url) if settings.state_url else "store",
        "feedback": feedback,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key}: {_shown(value)}")
    return 0


def _shown(value: object) -> str:
    """A figure as a reader wants it: ``entries 15, hit_rate 21.1%``, ``—`` for nothing (``--json`` has the raw
    values)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if 0.0 <= value <= 1.0 else f"{value:,.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(v)}" for k, v in value.items()) or "—"
    return str(value)


def _index_figures(searcher: Searcher) -> dict[str, object]:
    """What can be answered: indexed articles and passages, and what is still pending."""
    from index.status import index_status

    status = index_status(searcher.store.conn, searcher.store.path)
    return {
        "indexed_articles": status.indexed_articles,
        "indexed_passages": status.indexed_passages,
        "pending_passages": status.pending_passages,
        "pending_removals": status.pending_removals,
        "writer_pid": status.writer_pid,
    }


def cmd_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    """Write a snapshot of the store (``OUT.db`` and ``OUT.db.json``), or publish one into a folder."""
    from bot.library import open_store
    from index.snapshot import publish_into, write_snapshot

    if (args.out is None) == (args.into is None):
        raise CommandError(
            "Give the snapshot's file or a folder: newsqa snapshot OUT.db, or newsqa snapshot --into DIR"
        )
    if args.keep < 1:
        raise CommandError(
            f"--keep must be at least 1, not {args.keep}, e.g.: newsqa snapshot --into DIR --keep 3"
        )
    into = Path(args.into) if args.into else Path(args.out) if Path(args.out).is_dir() else None
    if not Path(settings.db_path).exists():
        raise CommandError(f"No store at {settings.db_path}. Build it with: newsqa ingest")
    store = open_store(settings)
    if into is not None:
        out, manifest, pruned = publish_into(store, into, keep=args.keep)
    else:
        out, pruned = Path(args.out), []
        manifest = write_snapshot(store, out)
    print(
        f"snapshot: {out} (v{manifest.version}: {manifest.articles} articles, {manifest.passages} passages, "
        f"{manifest.size / 1e6:.1f} MB, sha256 {manifest.sha256[:12]}…)"
    )
    for path in pruned:
        print(f"pruned: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (a test checks every command has help and is in the README)."""
    parser = Parser(prog="newsqa", description="Ask Chinese newspaper articles; get the sentence.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("ingest", help="read article files into the store (default: the bundled corpus)")
    p.add_argument("paths", nargs="*", help="files or folders (.txt .md .html .json .jsonl)")
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="read symbolic links that point outside the folder, and enter linked folders",
    )
    p.add_argument("--no-wait", action="store_true", help="exit 1 when another ingest is writing the store")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("ask", help="answer one question (or one per line from stdin)")
    p.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    p.add_argument("--json", action="store_true", help="print the JSON object of DESIGN.md")
    p.add_argument("-k", type=int, default=5, help="passages to return (default 5)")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="the conversation in a terminal")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("serve", help="run the Telegram bot (TELEGRAM_BOT_TOKEN)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("eval", help="score a question file (.jsonl) or a squad-style .json file")
    p.add_argument("file", help="question file")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--limit", type=int, default=None, help="score only the first N squad questions")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("articles", help="list the stored articles")
    p.set_defaults(func=cmd_articles)
    p = sub.add_parser("show", help="print one cleaned article")
    p.add_argument("id", nargs="?", help="article id (from newsqa articles)")
    p.add_argument(
        "--debris",
        action="store_true",
        help="report the Chinese text of the article's source file (of every source, without ID) "
        "that was read into no field, and any stored text not in the file",
    )
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("stats", help="store, index and query-cache figures")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("index", help="bring the index up to date with the store (ingest does this too)")
    p.add_argument("--no-wait", action="store_true", help="exit 1 when another ingest is writing the store")
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("check", help="verify the index against the store (counts, lengths, df, integrity)")
    p.add_argument("--repair", action="store_true", help="fix what is wrong and say what was fixed")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("snapshot", help="write a read-only copy of the store for replicas (NEWSQA_SNAPSHOTS)")
    p.add_argument("out", nargs="?", help="the snapshot file (its manifest goes beside it: OUT.db.json)")
    p.add_argument("--into", metavar="DIR", help="publish into a snapshot folder, named by version and time")
    p.add_argument("--keep", type=int, default=3, help="snapshots --into keeps, the newest (default 3)")
    p.set_defaults(func=cmd_snapshot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors go to stderr as `Error: …` with exit status 1."""
    parser = build_parser()
    db_path = Settings().db_path
    try:
        args = parser.parse_args(argv)
        settings = Settings.from_env()
        db_path = settings.db_path
        _configure_logging(settings.log_level if args.command == "serve" else "WARNING")
        check_utf8(args)
        if args.command == "ask" and args.k < 1:
            raise CommandError(f"-k must be at least 1, not {args.k}, e.g.: newsqa ask QUESTION -k 5")
        return int(args.func(args, settings))
    except (CommandError, SettingsError, StoreError, PostgresUnavailable) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # SQLITE_FULL raised by a layer that does not know it (the index, the cache)
        if not is_disk_full(exc):
            raise
        print(f"Error: {disk_full_message(db_path, 16 * 1024 * 1024)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "Interrupted. The store keeps everything committed so far; rerun the command to finish.",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0
