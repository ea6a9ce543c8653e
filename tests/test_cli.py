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
    assert main(["ask", "剑河中药材面积?", "--json"]) == 0
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
    assert set(out) == {"question", "answer", "abstained", "elapsed_ms", "passages"}


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


def test_ask_batch_from_stdin(
    env_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("剑河中药材面积?\n\n杨城寨村党总支书记是谁\n"))
    assert main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["answer"] for x in lines] == ["15.78万亩", "刘斐"]


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
