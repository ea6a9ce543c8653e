"""Incremental ingest into a real SQLite file: add, skip, update, prune, report bad files, survive a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import corpus.ingest
from corpus.ingest import IngestReport, bundled_corpus_dir, format_report, ingest
from corpus.store import Store

SOURCES = Path(__file__).parent / "data" / "sources"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORD = '{{"title": "{title}", "text": "{text}"}}\n'


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "var" / "newsqa.db") as opened:
        yield opened


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The good sources, a garbage binary file, an empty file and a broken JSON file."""
    root = tmp_path / "src"
    shutil.copytree(SOURCES, root)
    (root / "garbage.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "empty.md").write_bytes(b"")
    (root / "more" / "broken.json").write_text('{"title": "坏", "text": "一。",\n', encoding="utf-8")
    (root / ".hidden.md").write_text("# 隐藏\n\n不应读入。\n", encoding="utf-8")
    (root / "notes.csv").write_text("a,b\n", encoding="utf-8")
    return root.resolve()


def titles(store: Store) -> list[str]:
    return sorted(a.title for a in store.articles())


GOOD = [
    "county-hospital.html",
    "jianhe-herbs.md",
    "village-teachers.markdown",
    "more/record.json",
    "more/records.jsonl",
]


def test_folder_with_bad_files_ingests_the_good_ones_and_names_the_bad(store: Store, folder: Path) -> None:
    report = ingest(store, [folder])
    assert report.added == [str(folder / name) for name in GOOD]  # folder by folder, names sorted
    assert [(Path(p).name, reason.split(" (")[0].split(" at ")[0]) for p, reason in report.failed] == [
        ("empty.md", "empty file: put some article text in it, or remove it"),
        ("garbage.txt", "binary file"),
        ("broken.json", "JSON syntax error"),
    ]
    assert report.failed[2][1].startswith("JSON syntax error at line 2, column 1: Expecting property name")
    assert titles(store) == [
        "2022年8月，一支教育人才帮扶团队来到剑河县",
        "乡村教师的一天",
        "剑河县中药材种植面积达15.78万亩",
        "山区公路通车",
        "擂台比武促振兴",
        "正安县人民医院新添设备",
    ]
    assert (report.articles, report.paragraphs) == (6, 16)
    assert [s.format for s in store.sources()] == ["html", "markdown", "json", "jsonl", "markdown"]


def test_rerun_is_unchanged_then_update_and_prune(store: Store, folder: Path) -> None:
    ingest(store, [folder])
    version = store.corpus_version
    again = ingest(store, [folder])
    assert (again.added, again.updated, again.pruned, len(again.unchanged)) == ([], [], [], 5)
    assert len(again.failed) == 3 and not again.changed
    assert store.corpus_version == version

    (folder / "more" / "records.jsonl").write_text(
        RECORD.format(title="新标题", text="新内容。"), encoding="utf-8"
    )
    (folder / "jianhe-herbs.md").unlink()
    changed = ingest(store, [folder])
    assert changed.updated == [str(folder / "more" / "records.jsonl")]
    assert changed.pruned == [str(folder / "jianhe-herbs.md")]
    assert changed.unchanged == [
        str(folder / n) for n in ("county-hospital.html", "village-teachers.markdown", "more/record.json")
    ]
    assert titles(store) == [
        "2022年8月，一支教育人才帮扶团队来到剑河县",
        "乡村教师的一天",
        "新标题",
        "正安县人民医院新添设备",
    ]
    assert store.source(str(folder / "jianhe-herbs.md")) is None


def test_a_file_turned_bad_keeps_what_was_stored(store: Store, folder: Path) -> None:
    ingest(store, [folder / "more" / "records.jsonl"])
    (folder / "more" / "records.jsonl").write_bytes(b"\x00\x01\x02")
    report = ingest(store, [folder / "more" / "records.jsonl"])
    assert report.failed == [(str(folder / "more" / "records.jsonl"), report.failed[0][1])]
    assert report.failed[0][1].startswith("binary file (contains NUL bytes)")
    assert titles(store) == ["山区公路通车", "擂台比武促振兴"]


def test_missing_path_is_reported_and_files_outside_the_folder_are_not_pruned(
    store: Store, folder: Path
) -> None:
    ingest(store, [folder / "more" / "record.json"])
    report = ingest(store, [folder / "nowhere", folder / "more" / "records.jsonl"])
    assert report.failed == [(str(folder / "nowhere"), "no such file or folder: check the path")]
    assert report.added == [str(folder / "more" / "records.jsonl")]
    (folder / "county-hospital.html").unlink()
    pruned = ingest(store, [folder / "more"])
    assert pruned.pruned == [] and len(store.sources()) == 2


def test_progress_is_called_per_file(store: Store, folder: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    ingest(
        store,
        [folder / "more"],
        progress=lambda done, total, path: seen.append((done, total, Path(path).name)),
    )
    assert seen == [(1, 3, "broken.json"), (2, 3, "record.json"), (3, 3, "records.jsonl")]


def test_interrupted_ingest_keeps_the_earlier_state(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "crash.db"
    first, second = folder / "a.jsonl", folder / "b.jsonl"
    first.write_text(RECORD.format(title="甲旧", text="旧。"), encoding="utf-8")
    second.write_text(RECORD.format(title="乙旧", text="旧。"), encoding="utf-8")
    with Store.open(db) as store:
        ingest(store, [first, second])
    first.write_text(RECORD.format(title="甲新", text="新。"), encoding="utf-8")
    second.write_text(RECORD.format(title="乙新", text="新。"), encoding="utf-8")

    real = corpus.ingest.read_source
    calls: list[Path] = []

    def interrupted(path: Path, data: bytes | None = None):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(corpus.ingest, "read_source", interrupted)
    with Store.open(db) as store, pytest.raises(KeyboardInterrupt):
        ingest(store, [first, second])
    monkeypatch.undo()

    with Store.open(db) as store:
        assert titles(store) == ["乙旧", "甲新"]
        report = ingest(store, [first, second])
        assert (report.unchanged, report.updated) == ([str(first)], [str(second)])
        assert titles(store) == ["乙新", "甲新"]


def test_interrupt_inside_a_file_rolls_that_file_back(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "crash.db"
    records = folder / "more" / "records.jsonl"
    with Store.open(db) as store:
        ingest(store, [records])
        old = store.source(str(records))
    records.write_text(
        RECORD.format(title="一", text="一。") + RECORD.format(title="二", text="二。"), "utf-8"
    )

    real = Store._insert_article
    inserted: list[str] = []

    def interrupted(self, conn, source_id, path, ordinal, article) -> None:
        inserted.append(article.title)
        if len(inserted) == 2:
            raise KeyboardInterrupt
        real(self, conn, source_id, path, ordinal, article)

    monkeypatch.setattr(Store, "_insert_article", interrupted)
    with Store.open(db) as store, pytest.raises(KeyboardInterrupt):
        ingest(store, [records])
    monkeypatch.undo()

    with Store.open(db) as store:
        assert store.source(str(records)) == old
        assert titles(store) == ["山区公路通车", "擂台比武促振兴"]
        assert store.counts()["paragraphs"] == 4


def test_format_report() -> None:
    report = IngestReport(
        added=["/a.txt"],
        unchanged=["/b.md", "/c.md"],
        failed=[("/d.bin", "binary file")],
        articles=4,
        paragraphs=60,
    )
    report.seconds = 0.123
    assert format_report(report) == (
        "added 1 · updated 0 · unchanged 2 · pruned 0 · failed 1\n"
        "4 articles, 60 paragraphs in 0.12 s\n"
        "failed: /d.bin: binary file"
    )


def test_bundled_corpus_ingests(store: Store) -> None:
    folder = bundled_corpus_dir()
    assert (folder / "peoples-daily-page-guizhou-zutuanshi.txt").is_file()
    report = ingest(store, [folder])
    assert report.added == [str(folder / "peoples-daily-page-guizhou-zutuanshi.txt")]
    assert report.failed == [] and report.articles == 4
    assert [s.format for s in store.sources()] == ["page"]


@pytest.mark.parametrize(
    ("relative", "articles", "first_title", "first_words"),
    [
        (
            "data/cmrc2018/squad-style-data_cmrc2018_dev.json",
            848,
            "战国无双3",
            "《战国无双3》（）是由光荣和ω-force开发",
        ),
        ("data/drcd/DRCD_dev.json", 1000, "梵文（1）", "在歐洲，梵語的學術研究"),
    ],
)
def test_shared_benchmark_files_ingest(
    store: Store, relative: str, articles: int, first_title: str, first_words: str
) -> None:
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"../shared not present: {path} is missing")
    report = ingest(store, [path])
    assert (report.failed, report.added, report.articles) == ([], [str(path.resolve())], articles)
    first = store.articles()[0]
    assert first.title == first_title
    passage = store.passage_at(first.uid, 1)
    assert passage is not None and passage.text.startswith(first_words)


def _contents(store: Store) -> list[tuple]:
    return store.conn.execute(
        "SELECT a.title, p.id, p.heading, p.text FROM paragraphs p JOIN articles a ON a.id = p.article_id "
        "ORDER BY p.id"
    ).fetchall()


def test_two_workers_parse_ahead_and_store_the_same_as_one(tmp_path: Path, folder: Path) -> None:
    (folder / "more" / "renamed.md").write_text("# 改名\n\n改名的文章。\n", encoding="utf-8")
    results = []
    for workers in (1, 2):
        with Store.open(tmp_path / f"w{workers}.db") as store:
            report = ingest(store, [folder], workers=workers)
            (folder / "more" / "renamed.md").rename(folder / "more" / "moved.md")
            again = ingest(store, [folder], workers=workers)
            (folder / "more" / "moved.md").rename(folder / "more" / "renamed.md")
            results.append((report.added, report.failed, again.unchanged, again.moved, _contents(store)))
    assert results[0] == results[1]
    added, failed, unchanged, moved, contents = results[1]
    assert len(added) == len(GOOD) + 1 and [Path(p).name for p, _ in failed][-1] == "broken.json"
    assert moved == [(str(folder / "more" / "renamed.md"), str(folder / "more" / "moved.md"))]
    assert len(unchanged) == len(GOOD) and len(contents) > 10
