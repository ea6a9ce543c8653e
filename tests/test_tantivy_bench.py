"""bench.tantivy_bm25: tantivy indexes exactly the store's cached tokens and answers an OR of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.models import Article, Paragraph
from corpus.store import Store
from index.bm25 import SparseIndex

pytest.importorskip("tantivy")

from bench.tantivy_bm25 import TantivyBM25


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "t.db") as opened:
        texts = ["剑河 中药材 面积 15.78万亩", "剑河 教师 A-B", "面积 面积 品种 c++", "蓝莓 3.6万亩 面积"]
        article = Article(title="", paragraphs=[Paragraph(t) for t in texts])
        opened.replace_source("a", "a", 0, "txt", [article])
        SparseIndex(opened.conn).sync(str.split)
        yield opened


def test_tantivy_sees_our_tokens_whole_and_answers_an_or_query(store: Store, tmp_path: Path) -> None:
    engine = TantivyBM25.build(store.conn, tmp_path / "tantivy")
    assert engine.doc_count == 4
    assert engine.search(["15.78万亩"]) == [1]  # not split at the dot
    assert engine.search(["A-B"]) == [2]  # nor at the hyphen, nor lowercased
    assert engine.search(["a-b"]) == []
    assert engine.search(["c++"]) == [3]
    assert engine.search(["中药材"]) == [1]
    assert sorted(engine.search(["剑河", "蓝莓"])) == [1, 2, 4]
    assert engine.search(["面积"], k=1) == [3]  # the paragraph with it twice
    assert engine.search([" ", ""]) == []


def test_the_top_ten_matches_ours_on_a_clear_query(store: Store, tmp_path: Path) -> None:
    engine = TantivyBM25.build(store.conn, tmp_path / "tantivy")
    ours = [pid for pid, _ in SparseIndex(store.conn).search(["蓝莓", "面积"], k=10)]
    assert engine.search(["蓝莓", "面积"], k=10)[:1] == ours[:1] == [4]
