"""The CLI end to end: `main([...])` with captured output, on a real store built from the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture()
def env_db(monkeypatch: pytest.MonkeyPatch, fresh_db: Path) -> Path:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    return fresh_db


def commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return list(sub.choices)  # type: ignore[attr-defined]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():  # type: ignore[attr-defined]
        assert parser.format_help().strip(), name
        assert f"newsqa {name}" in text, f"`newsqa {name}` is not documented in README.md"
    assert set(commands()) >= {"ingest", "ask", "chat", "serve", "eval", "articles", "show", "stats"}


def test_ask_json_contract(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "剑河中药材面积多少?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answer"] == "15.78万亩"
    assert out["abstained"] is False
    top = out["passages"][0]
    assert top["rank"] == 1
    assert top["article"]["title"] == "激活乡村全面振兴“智力引擎”"
    assert top["article"]["byline"] == "本报记者 马跃峰"
    assert top["quote"] in top["text"]
    start, end = top["answer_span"]
    assert top["text"][start:end] == "15.78万亩"
    assert set(out) == {"question", "answer", "answer_confidence", "abstained", "elapsed_ms", "passages"}
    assert 0.0 < out["answer_confidence"] <= 1.0


def test_ask_human_output_marks_the_answer(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "罗甸县委书记是谁"]) == 0
    out = capsys.readouterr().out
    assert "答：梁玉林" in out
    assert "【梁玉林】" in out
    assert "第" in out and "段" in out


def test_ask_abstains_on_unrelated_question(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "上海的房价是多少", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["abstained"] is True
    assert out["answer"] is None


def test_ask_batch_gives_one_line_per_input_line(
    env_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    long = "剑" * 1001
    stdin = f"剑河中药材面积多少?\n\n{long}\n杨城寨村党总支书记是谁\n   \n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5
    assert [lines[i].get("answer") for i in (1, 2, 4)] == [None, None, None]
    for line, expected in ((lines[0], "15.78万亩"), (lines[3], "刘斐")):  # bold when the reader is confident
        assert line["answer"] in (expected, None) and expected in line["passages"][0]["quote"]
    assert lines[1] == {"question": "", "error": "the line is empty: put one question on each line"}
    assert lines[2] == {
        "question": long,
        "error": "the question is 1001 characters long; the limit is 1000 (NEWSQA_MAX_QUESTION_CHARS): "
        "shorten it",
    }
    assert lines[4] == {"question": "   ", "error": "the line is empty: put one question on each line"}


def test_ask_batch_text_mode_one_line_each(
    env_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    stdin = "剑河中药材面积多少?\n\n" + "问" * 1500 + "\n上海的房价是多少\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "剑河中药材面积多少?\t答：15.78万亩\t剑河县中药材种植面积达到【15.78万亩】，涉及品种31个。\t"
        "《激活乡村全面振兴“智力引擎”》 · 本报记者 马跃峰 · 第7段",
        "\tError: the line is empty: put one question on each line",
        "问" * 40 + "…\tError: the question is 1500 characters long; the limit is 1000 "
        "(NEWSQA_MAX_QUESTION_CHARS): shorten it",
        "上海的房价是多少\t没有找到：这些文章里没有说到这个问题。",
    ]


def test_ask_batch_line_not_utf8(env_db: Path, tmp_path: Path) -> None:
    """Through a real process: bytes that are not UTF-8 on stdin still get their own line."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NEWSQA_DB": str(env_db)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="黃精\n".encode() + b"\xff\xfe bad\n" + "剑河中药材面积多少?\n".encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(lines) == 3
    assert lines[1] == {
        "question": "",
        "error": "the line is not valid UTF-8 (invalid start byte): save the input as UTF-8",
    }
    assert lines[2]["answer"] in ("15.78万亩", None) and "15.78万亩" in lines[2]["passages"][0]["quote"]


def test_empty_question_is_an_error(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "  "]) == 1
    assert capsys.readouterr().err.startswith("Error: The question is empty.")


def test_show_unknown_article(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "nope"]) == 1
    assert "List the ids with: newsqa articles" in capsys.readouterr().err


def test_show_debris_reports_the_page_debris_of_the_bundled_page(
    env_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "--debris"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("peoples-daily-page-guizhou-zutuanshi.txt (page): debris 1, invented 0")
    assert out[1:] == ["  debris: 有更", "1 source(s), 2 character(s) of debris"]
    assert main(["show"]) == 1
    assert "or --debris" in capsys.readouterr().err


def test_articles_lists_the_four_articles(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["articles"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4
    assert "擂台比武促振兴  本报记者 李林蔚" in out[3]


def test_ingest_missing_path(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "/no/such/folder"]) == 1
    assert "No such file or folder: /no/such/folder" in capsys.readouterr().err


def test_stats_counts_cache_hits(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "黃精"])
    main(["ask", "黃精"])
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == 4
    assert stats["cache"]["hits"] >= 1


def test_stats_counts_cache_writes_that_gave_up(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from corpus.store import Store
    from index import tag_cache
    from index.search import Searcher

    searcher = Searcher(Store.open(env_db))
    searcher.tags.conn.execute("DELETE FROM tag_cache")  # type: ignore[union-attr]  # tags of earlier tests
    tagged_before = tag_cache.computed()
    holder = sqlite3.connect(env_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an ingest in another process holds the write lock
    try:
        assert searcher.ask("剑河的中药材有哪些品种").hits  # answered all the same
    finally:
        holder.execute("COMMIT")
        holder.close()
    searcher.flush()  # the counts are saved once the store is free (newsqa ask does this before it exits)
    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["cache"]["writes_given_up"] == 2  # the miss counter, then the answer (skipped: back-off)
    assert stats["cache"]["entries"] == 0
    tagged = tag_cache.computed() - tagged_before
    assert tagged >= 3  # POS tags and LAC entities of the passages read
    assert stats["tag_cache"]["writes_given_up"] == tagged  # none kept: one waited, the rest skipped


def test_ask_gives_a_greeting_or_an_english_question_what_the_chat_gives(
    env_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "What is the planting area in Jianhe?"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "资料库里是中文报纸文章，请用中文提问，例如：剑河县中药材种植面积是多少？",
        "The articles are in Chinese: please ask in Chinese, e.g. 剑河县中药材种植面积是多少？",
    ]
    assert main(["ask", "你好"]) == 0
    assert capsys.readouterr().out == "你好！直接输入问题即可，例如：剑河县中药材种植面积是多少？\n"


def test_stats_in_text_read_as_figures(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    assert lines["articles"] == "4"
    assert lines["writer_pid"] == "—"
    assert lines["state"] == "store"
    assert lines["feedback"] == "up 0, down 0"
    assert lines["cache"].startswith("entries ")
    assert "{" not in "".join(lines.values())


def test_show_labels_the_filing_place_and_the_source() -> None:
    """The header names what each field is: a paper is the source, a city the dateline's (try-out)."""
    from bot.show import format_article
    from corpus.store import ArticleInfo

    fields = {f: None for f in ArticleInfo.__dataclass_fields__}
    info = ArticleInfo(**{**fields, "uid": "u1", "title": "题目", "byline": "鲍南", "date": "2025-11-18",
                          "page": "第05版", "place": "北京", "source": "北京日报", "source_path": "a.txt",
                          "title_derived": False})  # fmt: skip
    header = format_article(info, [])
    assert "鲍南 · 2025-11-18 · 第05版 · 发自北京 · 来源：北京日报" in header
