"""Shared fixtures: a real SQLite store built once per session from the bundled corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

if TYPE_CHECKING:
    from index.search import Searcher
    from tests.fake_bot_api import FakeBotAPI


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test with a clear message."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not present: the shared datasets live beside the repo in ../shared")
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep jieba's prepared dictionary in a temporary cache dir, never in the user's home."""
    old = os.environ.get("NEWSQA_CACHE_DIR")
    os.environ["NEWSQA_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("NEWSQA_CACHE_DIR", None)
    else:
        os.environ["NEWSQA_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the bundled corpus (the seed page), shared read-mostly by many tests."""
    from bot.library import open_searcher
    from bot.settings import Settings

    db = tmp_path_factory.mktemp("seed") / "newsqa.db"
    searcher = open_searcher(Settings(db_path=db))
    searcher.store.close()
    return db


@pytest.fixture()
def fresh_db(tmp_path: Path, seed_db: Path) -> Path:
    """A private copy of the seed store for tests that write (chat state, feedback, ingest)."""
    import sqlite3

    target = tmp_path / "newsqa.db"
    src = sqlite3.connect(seed_db)
    dst = sqlite3.connect(target)
    src.backup(dst)
    if dst.execute("SELECT 1 FROM sqlite_master WHERE name = 'tag_cache'").fetchone():
        dst.execute(
            "DELETE FROM tag_cache"
        )  # tags other tests left in the seed store: each copy starts untagged
        dst.commit()
    src.close()
    dst.close()
    return target


@pytest.fixture(scope="session")
def searcher(seed_db: Path):  # type: ignore[no-untyped-def]
    """A Searcher over the seed store (query cache off, so every test exercises the real path)."""
    from corpus.store import Store
    from index.search import Searcher

    store = Store.open(seed_db)
    yield Searcher(store, use_cache=False)
    store.close()


def best_answer(searcher, question: str) -> str | None:  # type: ignore[no-untyped-def]
    """The reader's best answer to ``question`` on the same path as ``ask`` — whether or not its confidence is
    high enough for it to be shown in bold."""
    from index.reader import read

    result, query = searcher.retrieve(question)
    if not result.hits:
        return None
    views = searcher.views(result, query)
    reading = read(views)
    if reading is None:
        return None
    view = views[reading.view]
    return view.text[reading.span[0] : reading.span[1]]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A real PostgreSQL server for the session (tests/postgres.py), or skip saying how to get one."""
    from tests.postgres import SKIP_REASON, ExternalServer, PostgresServer, binaries

    external = os.environ.get("NEWSQA_TEST_POSTGRES_URL")
    if external:
        yield ExternalServer(external)
        return
    folder = binaries()
    if folder is None:
        pytest.skip(SKIP_REASON)
    server = PostgresServer(folder)
    server.start()
    try:
        yield server
    finally:
        from bot.pg import close_pools

        close_pools()
        server.stop()


@pytest.fixture()
def pg_url(postgres_server: object) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database for this test."""
    from bot.pg import close_pools

    yield postgres_server.new_database()  # type: ignore[attr-defined]
    close_pools()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each state backend in turn: a SQLite file (``sqlite:///…``) and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_url"))


@contextmanager
def searcher_over(folder: Path, files: Mapping[str, str]) -> Iterator[Searcher]:
    """A Searcher over a real store in ``folder`` holding ``files`` (name → text) and four short filler articles
    (BM25 needs a few articles to weigh words); the store is closed afterwards."""
    from corpus.ingest import ingest
    from corpus.store import Store
    from index.search import Searcher

    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    for i, topic in enumerate(("荔枝", "港口", "铁路", "博物馆")):
        (folder / f"filler{i}.md").write_text(
            f"# {topic}新闻\n\n今年{topic}发展很快，群众很满意。\n", encoding="utf-8"
        )
    store = Store.open(folder / "newsqa.db")
    ingest(store, [folder])
    found = Searcher(store, use_cache=False)
    found.sync(workers=1)
    try:
        yield found
    finally:
        store.close()


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    """The fake Bot API on 127.0.0.1, stopped after the test."""
    from tests.fake_bot_api import FakeBotAPI

    api = FakeBotAPI()
    api.start()
    yield api
    api.stop()
