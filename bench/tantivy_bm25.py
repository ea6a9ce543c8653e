"""Tantivy over the index's own cached tokens: the engine our BM25 search is measured against.

Each paragraph of ``ix_tokens`` (space-joined tokens) becomes one tantivy document whose text field is split
on single spaces only (a regex tokenizer, no lowercasing or other filters), so tantivy indexes exactly our
tokens; a query is an OR (``Occur.Should``) of one term query per token, a repeated token repeated, scored
by tantivy's BM25 (k1 = 1.2, b = 0.75, idf ln(1 + (N − df + 0.5)/(df + 0.5)), lengths stored in one byte),
so its ranking differs a little from BM25Okapi's. The index lives in a directory the caller owns (a temp
dir). Optional: :func:`available` says whether the ``tantivy`` package is installed (``pip install -e
'.[bench]'``).

Usage::

    engine = TantivyBM25.build(store.conn, Path(tmp))
    engine.search(["剑河", "面积"], k=10)  # [paragraph_id, ...], best first
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["TantivyBM25", "available"]

_FIELD = "body"
_TOKENIZER = "spaces"


def available() -> bool:
    """Whether the optional ``tantivy`` package is installed."""
    return importlib.util.find_spec("tantivy") is not None


def _analyzer() -> Any:
    import tantivy

    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[^ ]+")).build()


class TantivyBM25:
    """A tantivy index of paragraph ids and their cached tokens, searched with an OR of term queries."""

    def __init__(self, index: Any) -> None:
        import tantivy

        self._tantivy = tantivy
        self.index = index
        self.schema = index.schema
        self.searcher = index.searcher()

    @classmethod
    def build(cls, conn: sqlite3.Connection, path: Path, *, heap_mb: int = 256) -> TantivyBM25:
        """Index every row of ``ix_tokens`` into a new tantivy index in ``path`` (made, or an empty directory)."""
        import tantivy

        path.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field(_FIELD, tokenizer_name=_TOKENIZER, index_option="freq")
        builder.add_integer_field("pid", stored=False, fast=True)
        index = tantivy.Index(builder.build(), path=str(path), reuse=False)
        index.register_tokenizer(_TOKENIZER, _analyzer())
        writer = index.writer(heap_size=heap_mb * 1_000_000, num_threads=1)
        for pid, text in conn.execute("SELECT paragraph_id, tokens FROM ix_tokens ORDER BY paragraph_id"):
            doc = tantivy.Document()
            doc.add_integer("pid", pid)
            doc.add_text(_FIELD, text)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return cls(index)

    @classmethod
    def open(cls, path: Path) -> TantivyBM25:
        """An index :meth:`build` wrote to ``path`` before."""
        import tantivy

        index = tantivy.Index.open(str(path))
        index.register_tokenizer(_TOKENIZER, _analyzer())
        return cls(index)

    @property
    def doc_count(self) -> int:
        """How many paragraphs the index holds."""
        return int(self.searcher.num_docs)

    def search(self, tokens: list[str], k: int = 10) -> list[int]:
        """The ``k`` best paragraph ids for ``tokens`` (normalised as SparseIndex does), best first."""
        query_class, occur = self._tantivy.Query, self._tantivy.Occur
        clauses = [
            (
                occur.Should,
                query_class.term_query(self.schema, _FIELD, t.replace(" ", "_"), index_option="freq"),
            )
            for t in tokens
            if t.strip()
        ]
        if not clauses:
            return []
        hits = self.searcher.search(query_class.boolean_query(clauses), limit=k, count=False).hits
        if not hits:
            return []
        return [int(v) for v in self.searcher.fast_field_values("pid", [address for _, address in hits])]
