"""Every subcommand on bad input: `Error: …` with the fix on stderr, exit status 1, no traceback.

Runs `main([...])` with captured output against real files: a copy of the seed store, another program's
SQLite file, a store whose meta value was damaged, a path under a regular file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import build_parser, main


@pytest.fixture()
def env_db(monkeypatch: pytest.MonkeyPatch, fresh_db: Path) -> Path:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return fresh_db


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command; it must fail with status 1 and print exactly one `Error: …` line."""
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), captured.err
    return lines[0]


def foreign_db(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices(total) VALUES (12.5)")
    conn.commit()
    conn.close()
    return path


def test_ingest_missing_path(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ingest", "/no/such/folder"], capsys) == (
        "Error: No such file or folder: /no/such/folder. Check the path and run: newsqa ingest PATH"
    )


def test_unknown_option(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ingest", "--bogus"], capsys) == (
        "Error: Unrecognized arguments: --bogus. See: newsqa --help"
    )


def test_unknown_command(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["serch"], capsys) == (
        "Error: Argument COMMAND: invalid choice: 'serch' (choose from 'ingest', 'ask', 'chat', 'serve', "
        "'eval', 'articles', 'show', 'stats', 'index', 'check', 'snapshot'). See: newsqa --help"
    )


def test_ask_empty_question(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ask", "  "], capsys) == (
        "Error: The question is empty. Ask something, e.g.: newsqa ask '剑河中药材面积多少?'"
    )


def test_ask_too_long(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ask", "问" * 1200], capsys) == (
        "Error: The question is 1200 characters long; the limit is 1000 (NEWSQA_MAX_QUESTION_CHARS). "
        "Shorten it, or raise the limit: NEWSQA_MAX_QUESTION_CHARS=1200 newsqa ask QUESTION"
    )


def test_ask_bad_k(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ask", "黄精", "-k", "0"], capsys) == (
        "Error: -k must be at least 1, not 0, e.g.: newsqa ask QUESTION -k 5"
    )
    assert run(["ask", "黄精", "-k", "many"], capsys) == (
        "Error: Argument -k: invalid int value: 'many'. See: newsqa ask --help"
    )


def test_chat_on_a_foreign_sqlite_file_leaves_it_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = foreign_db(tmp_path)
    before = path.read_bytes()
    monkeypatch.setenv("NEWSQA_DB", str(path))
    assert run(["chat"], capsys) == (
        f"Error: NEWSQA_DB {path} is another program's SQLite file (tables: invoices), not a newsqa store; "
        "newsqa left it untouched. Point NEWSQA_DB at a new file, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm


def test_serve_without_token(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["serve"], capsys) == (
        "Error: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, then: "
        "TELEGRAM_BOT_TOKEN=... newsqa serve"
    )


def test_eval_missing_file(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["eval", "/no/questions.jsonl"], capsys) == (
        "Error: No question file at /no/questions.jsonl. Give a .jsonl question file or a squad-style "
        ".json file: newsqa eval ../shared/eval/seed_dev_qa.jsonl"
    )


def test_eval_of_an_article_is_refused(
    env_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prose = tmp_path / "article.txt"
    prose.write_text("剑河县中药材种植面积达到15.78万亩。\n", encoding="utf-8")
    assert run(["eval", str(prose)], capsys) == (
        f"Error: {prose} line 1 is not JSON (Expecting value, column 1): a question file is one JSON object "
        'a line with at least "id" and "q" (DESIGN.md: {"id","q","gold","answer","kind"}). '
        f"Check it with: head -3 {prose}"
    )


def test_eval_of_json_lines_without_questions(
    env_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text('{"id": "q1", "q": "黄精?"}\n{"title": "文章", "text": "正文。"}\n', encoding="utf-8")
    assert run(["eval", str(records)], capsys) == (
        f"Error: {records} line 2 is not a question object: a question file is one JSON object a line with "
        'at least "id" and "q" (DESIGN.md: {"id","q","gold","answer","kind"}). '
        f"Check it with: head -3 {records}"
    )


def test_eval_of_a_json_file_that_is_not_squad(
    env_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records.json"
    records.write_text('{"data": [{"title": "文章"}]}', encoding="utf-8")
    assert run(["eval", str(records)], capsys) == (
        f"Error: {records} is not a squad-style file (no 'paragraphs' where expected): it needs "
        '{"data": [{"paragraphs": [{"context": str, "qas": [{"id", "question", "answers"}]}]}]}. '
        f"Check it with: head -3 {records}"
    )


def test_articles_with_the_store_under_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("NEWSQA_DB", str(blocker / "newsqa.db"))
    assert run(["articles"], capsys) == (
        f"Error: NEWSQA_DB {blocker / 'newsqa.db'} is under {blocker}, which is a file, not a folder. "
        "Point NEWSQA_DB at a path inside a folder, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )


def test_show_unknown_and_missing_id(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "nope"], capsys) == (
        "Error: No article with id 'nope'. List the ids with: newsqa articles"
    )
    assert run(["show"], capsys) == (
        "Error: Give an article id (list them with: newsqa articles), or --debris"
    )


def test_check_without_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSQA_DB", str(tmp_path / "none.db"))
    assert (
        run(["check"], capsys) == f"Error: No store at {tmp_path / 'none.db'}. Build it with: newsqa ingest"
    )


def test_index_with_the_store_under_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("NEWSQA_DB", str(blocker / "newsqa.db"))
    assert run(["index"], capsys) == (
        f"Error: NEWSQA_DB {blocker / 'newsqa.db'} is under {blocker}, which is a file, not a folder. "
        "Point NEWSQA_DB at a path inside a folder, e.g.: NEWSQA_DB=var/newsqa.db newsqa ingest"
    )


def test_snapshot_without_a_store_or_a_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSQA_DB", str(tmp_path / "none.db"))
    assert run(["snapshot", str(tmp_path / "out.db")], capsys) == (
        f"Error: No store at {tmp_path / 'none.db'}. Build it with: newsqa ingest"
    )
    assert run(["snapshot", "a.db", "--into", "dir"], capsys) == (
        "Error: Give the snapshot's file or a folder: newsqa snapshot OUT.db, or newsqa snapshot --into DIR"
    )


def test_stats_on_a_damaged_meta_value(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(env_db)
    conn.execute("UPDATE meta SET value = 'x7' WHERE key = 'corpus_version'")
    conn.commit()
    conn.close()
    assert run(["stats"], capsys) == (
        f"Error: The store at {env_db} is damaged: its meta value corpus_version is 'x7', not a number. "
        f"Move the file aside and rebuild it with: mv {env_db} {env_db}.bad && newsqa ingest"
    )


def test_every_command_has_a_bad_input_test() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    tested = {name.split("_")[1] for name in globals() if name.startswith("test_")}
    assert set(sub.choices) <= tested  # type: ignore[attr-defined]


def test_chat_line_that_is_not_utf8_gets_a_sentence_not_a_traceback(env_db: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=b"\xff\xfe\n" + "剑河中药材面积多少?\n".encode(),
        capture_output=True,
        env={**os.environ, "NEWSQA_DB": str(env_db)},
        timeout=120,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 0 and "Traceback" not in done.stderr.decode()
    assert (
        "问> \n这一行不是 UTF-8 文字，读不出来。请用 UTF-8 输入问题。\n\n问> 剑河中药材面积多少?\n答：15.78万亩\n"
        in out
    )


def test_ask_and_show_arguments_that_are_not_utf8(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape") + "剑河"  # how Python hands over such argv bytes
    assert run(["ask", bad], capsys) == (
        "Error: The question '\\xff\\xfe剑河' is not valid UTF-8. Set a UTF-8 locale (e.g. LANG=C.UTF-8) "
        "or pass UTF-8 text."
    )
    assert run(["show", bad], capsys).startswith("Error: The id '\\xff\\xfe剑河' is not valid UTF-8.")


def test_an_empty_store_named_by_newsqa_db_says_it_gets_the_sample_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    monkeypatch.setenv("NEWSQA_DB", str(tmp_path / "typo.db"))
    with caplog.at_level(logging.WARNING):
        assert main(["ask", "剑河中药材面积多少？"]) == 0
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "typo.db is empty: building it from the bundled corpus" in warning
    assert "check NEWSQA_DB" in warning
