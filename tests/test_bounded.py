"""Bounded work: a word found 16,000 times in one paragraph, a 5,000-character paragraph, through the real CLI.

Timings are printed (``pytest -s``) as benchmark figures; the tests assert only that the work completes
(under a generous timeout) and what it answers.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from index.reader.answer import _occurrences, best_sentence, extract
from index.reader.question import QuestionType, fold_chars

ROOT = Path(__file__).resolve().parents[1]
ANSWER_SENTENCE = "剑河县中药材种植面积达15.78万亩。"
CROWDED = "中药材" * 16000 + ANSWER_SENTENCE


def _quadratic_occurrences(folded: str, tokens: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """The definition :func:`_occurrences` must keep (the old code, quadratic in the occurrences)."""
    index = [i for i, ch in enumerate(folded) if not ch.isspace()]
    compact = "".join(folded[i] for i in index)
    found: dict[str, list[tuple[int, int]]] = {}
    taken: list[tuple[int, int]] = []
    compacted = {"".join(ch for ch in fold_chars(t) if not ch.isspace()) for t in tokens}
    for token in sorted(compacted, key=len, reverse=True):
        start = compact.find(token) if token else -1
        while start >= 0:
            end = start + len(token)
            if not any(a <= start and end <= b for a, b in taken):
                taken.append((start, end))
                found.setdefault(token, []).append((index[start], index[end - 1] + 1))
            start = compact.find(token, start + 1)
    return found


def test_occurrences_are_those_of_the_quadratic_definition() -> None:
    rng = random.Random(11)
    for _ in range(300):
        text = "".join(rng.choice("中药材 面积药中材") for _ in range(rng.randint(0, 60)))
        tokens = ["".join(rng.choice("中药材面积") for _ in range(rng.randint(1, 3))) for _ in range(4)]
        assert _occurrences(text, tokens) == _quadratic_occurrences(text, tokens), (text, tokens)
    assert _occurrences("中药材 和中药", ["中药", "中药材"]) == {"中药材": [(0, 3)], "中药": [(5, 7)]}


def test_a_word_found_16000_times_is_answered() -> None:
    started = time.perf_counter()
    occ = _occurrences(CROWDED, ["中药材", "中药", "面积"])
    assert [len(occ[t]) for t in ("中药材", "面积")] == [16001, 1]
    tokens = ["剑河", "中药材", "面积"]
    sentence = best_sentence(CROWDED, tokens, QuestionType.QUANTITY, question="剑河中药材面积是多少")
    found = extract("剑河中药材面积是多少", QuestionType.QUANTITY, CROWDED, sentence, tokens)
    assert found is not None and CROWDED[found[0] : found[1]] == "15.78万亩"
    assert CROWDED[sentence[0] : sentence[1]].endswith(ANSWER_SENTENCE)
    print(f"\n16,000 occurrences: sentence and answer in {time.perf_counter() - started:.3f} s")


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_long_paragraphs_are_indexed_and_answered_within_a_bound(tmp_path: Path) -> None:
    """A paragraph of 16,000 repeats and one of 5,000 characters, ingested and asked through the CLI."""
    filler = "".join(f"第{i}项工作按计划推进，群众满意度持续提升。" for i in range(250))
    long_text = (filler[:2400] + "罗甸县茶园面积达到3.2万亩。" + filler)[:5000]
    records = [
        {"title": "中药材", "author": "本报记者 王明", "text": CROWDED},
        {"title": "罗甸县工作汇报", "author": "本报记者 李华", "text": long_text},
    ]
    (tmp_path / "long.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    env = {**os.environ, "NEWSQA_DB": str(tmp_path / "newsqa.db"), "NEWSQA_WORKERS": "1"}
    started = time.perf_counter()
    ingest = _run(["ingest", str(ROOT / "corpus" / "articles"), str(tmp_path / "long.jsonl")], env)
    ingest_s = time.perf_counter() - started
    assert ingest.returncode == 0, ingest.stderr
    answers = {}
    for question in ("剑河中药材面积是多少", "罗甸县茶园面积是多少"):
        started = time.perf_counter()
        asked = _run(["ask", question, "--json"], env)
        assert asked.returncode == 0, asked.stderr
        out = json.loads(asked.stdout)
        answers[question] = ((out["answer"], out["passages"][0]["quote"]), time.perf_counter() - started)
    # the answer is found and quoted (shown in bold only when the reader is confident enough), never a wrong one
    for question, expected in (("剑河中药材面积是多少", "15.78万亩"), ("罗甸县茶园面积是多少", "3.2万亩")):
        (answer, quote), _ = answers[question]
        assert expected in quote and answer in (expected, None)
    figures = ", ".join(f"{q} {s:.2f} s" for q, (_, s) in answers.items())
    print(f"\nlong paragraphs: ingest {ingest_s:.2f} s; ask (process start to exit): {figures}")


@pytest.mark.slow
def test_a_file_of_many_short_lines_becomes_passages_of_a_readable_size(tmp_path: Path) -> None:
    """A text file of 100,000 short lines without punctuation (one 'block' for the page reader) is stored as
    passages of at most 300 characters, not one paragraph of a million characters, and is answered from."""
    source = tmp_path / "lines.txt"
    source.write_text("".join(f"第{i}行记录\n" for i in range(100_000)), encoding="utf-8")
    env = {**os.environ, "NEWSQA_DB": str(tmp_path / "newsqa.db"), "NEWSQA_WORKERS": "1"}
    ingest = _run(["ingest", str(source)], env)
    assert ingest.returncode == 0, ingest.stderr
    import sqlite3

    conn = sqlite3.connect(tmp_path / "newsqa.db")
    count, longest = conn.execute("SELECT COUNT(*), MAX(LENGTH(text)) FROM paragraphs").fetchone()
    conn.close()
    assert longest <= 300 and count >= 100_000 * 7 // 300
    asked = _run(["ask", "第4242行记录", "--json"], env)
    assert asked.returncode == 0, asked.stderr
    assert "第4242行记录" in json.loads(asked.stdout)["passages"][0]["text"]


def test_a_record_without_line_breaks_cut_into_passages_stores_its_text_once(tmp_path: Path) -> None:
    """Each passage traces to its own piece of the record: storing the whole record as every passage's raw text
    grew the store with the square of the record (a 524k-character record: 2.7 GB, 37 s)."""
    from corpus.ingest import ingest
    from corpus.store import Store

    sentence = "剑河县中药材种植面积达15.78万亩，涉及品种31个。"
    record = tmp_path / "one-line.jsonl"
    text = sentence * 2000  # 52,000 characters, no line break
    record.write_text(
        json.dumps({"title": "长记录", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with Store.open(tmp_path / "s.db") as store:
        assert ingest(store, [record]).added == [str(record)]
        count, texts, raws = store.conn.execute(
            "SELECT count(*), sum(length(text)), sum(length(raw)) FROM paragraphs WHERE kind = 'body'"
        ).fetchone()
    assert count > 100  # cut into passages of a readable size
    assert texts == len(text)
    assert raws == texts
