"""One writer, crash-safe: real ``newsqa ingest`` processes killed with SIGKILL, and commands run during one.

Every case ends the same way: ``newsqa check`` passes and the ranking of a set of questions (titles,
paragraph numbers, scores) equals that of a store built by one clean ingest. The corpus is generated from the
CMRC 2018 contexts in ``../shared`` (skipped without it) and split into several files, so a kill lands between
files, inside one, while user words are mined, or between index commits.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPHS = 900
FILES = 6
KILLS = 5
SEED = 20261201
QUESTIONS = [
    "范廷颂是什么时候被任为主教的",
    "黄河的长度是多少",
    "北京大学创办于哪一年",
    "剑河中药材面积",
    "世界杯冠军",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus of :data:`PARAGRAPHS` paragraphs in :data:`FILES` JSONL files."""
    shared_file("data/cmrc2018")
    from bench.corpus_gen import generate

    work = tmp_path_factory.mktemp("crash")
    records = [
        line for f in generate(work / "gen", PARAGRAPHS, seed=SEED) for line in f.read_text().splitlines()
    ]
    folder = work / "articles"
    folder.mkdir()
    per_file = -(-len(records) // FILES)
    for i in range(FILES):
        part = records[i * per_file : (i + 1) * per_file]
        (folder / f"part-{i}.jsonl").write_text("\n".join(part) + "\n", encoding="utf-8")
    return folder


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "NEWSQA_DB": str(db), "NEWSQA_WORKERS": "2"}


def _newsqa(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=_env(db),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def _start(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env=_env(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def ranking(db: Path) -> list[list[tuple[str, int, float]]]:
    """The top 10 of each question: (title, paragraph number, score)."""
    done = _newsqa(db, "ask", "--json", "-k", "10", stdin="\n".join(QUESTIONS) + "\n")
    assert done.returncode == 0, done.stderr
    return [
        [(p["article"]["title"], p["paragraph"], round(p["score"], 6)) for p in json.loads(line)["passages"]]
        for line in done.stdout.splitlines()
    ]


def _check_passes(db: Path) -> None:
    checked = _newsqa(db, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok: the index matches the store" in checked.stdout


@pytest.fixture(scope="module")
def clean(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list, float]:
    """The ranking after one clean ingest, and how long that ingest took."""
    db = tmp_path_factory.mktemp("clean") / "newsqa.db"
    started = time.perf_counter()
    done = _newsqa(db, "ingest", str(corpus))
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    _check_passes(db)
    found = ranking(db)
    assert sum(len(r) for r in found) >= 20  # the questions do find passages
    print(f"\nclean ingest of {PARAGRAPHS} paragraphs in {FILES} files: {seconds:.1f} s")
    return found, seconds


def test_an_ingest_killed_at_any_moment_leaves_a_consistent_store(
    corpus: Path, clean: tuple[list, float], tmp_path: Path
) -> None:
    expected, seconds = clean
    rng = random.Random(SEED)
    moments = sorted(rng.uniform(0.3, 0.95 * seconds) for _ in range(KILLS))
    for i, moment in enumerate(moments):
        db = tmp_path / f"killed-{i}.db"
        process = _start(db, "ingest", str(corpus))
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        _check_passes(db)  # whatever was committed is consistent; the index may be behind the store
        rerun = _newsqa(db, "ingest", str(corpus))
        assert rerun.returncode == 0, rerun.stderr
        _check_passes(db)
        assert ranking(db) == expected, f"killed after {moment:.2f} s"
    print(
        f"\nkilled at {', '.join(f'{m:.2f}' for m in moments)} s: check passed, reruns equal the clean ingest"
    )


def test_a_second_ingest_and_readers_during_an_ingest(
    corpus: Path, clean: tuple[list, float], tmp_path: Path
) -> None:
    expected, seconds = clean
    db = tmp_path / "busy.db"
    first = _start(db, "ingest", str(corpus))
    time.sleep(min(2.0, seconds / 3))
    refused = _newsqa(db, "ingest", "--no-wait", str(corpus))
    second = _start(db, "ingest", str(corpus))
    stats = _newsqa(db, "stats", "--json")
    asked = _newsqa(db, "ask", "--json", QUESTIONS[0])
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    if "waiting" not in outputs[1][1]:  # the first ingest may have finished before the second started
        assert first.returncode == 0
    else:
        assert f"another ingest (pid {first.pid}) is writing {db}; waiting" in outputs[1][1]
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"Error: another ingest (pid {first.pid}) is writing {db}.")
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert figures["indexed_passages"] + figures["pending_passages"] >= figures["indexed_passages"]
    assert asked.returncode == 0, asked.stderr
    _check_passes(db)
    assert ranking(db) == expected
