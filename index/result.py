"""What a question gets back: ranked passages (:class:`Hit`) and the answer (:class:`Result`), with the
``ask --json`` form of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corpus.store import Passage
from index.question import QuestionType

__all__ = ["Hit", "Result"]


@dataclass
class Hit:
    """One ranked passage with the sentence quoted from it and, if found, the answer span."""

    rank: int
    score: float
    passage: Passage
    quote_span: tuple[int, int]
    answer_span: tuple[int, int] | None = None

    @property
    def quote(self) -> str:
        """The quoted sentence: an exact substring of the passage text."""
        return self.passage.text[self.quote_span[0] : self.quote_span[1]]


@dataclass
class Result:
    """The answer to one question."""

    question: str
    answer: str | None
    abstained: bool
    elapsed_ms: float
    hits: list[Hit] = field(default_factory=list)
    qtype: QuestionType = QuestionType.OTHER
    terms: list[str] = field(default_factory=list)
    cache_hit: bool = False
    answer_from: str = "text"  # "text", or "byline" when the answer is the article's author

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` object of DESIGN.md."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "passages": [
                {
                    "rank": h.rank,
                    "score": round(h.score, 4),
                    "article": {
                        "id": h.passage.article.uid,
                        "title": h.passage.article.title,
                        "byline": h.passage.article.byline,
                        "date": h.passage.article.date,
                        "source": h.passage.article.source,
                    },
                    "paragraph": h.passage.ordinal,
                    "kind": h.passage.kind,
                    "text": h.passage.text,
                    "quote": h.quote,
                    "answer_span": list(h.answer_span) if h.answer_span else None,
                }
                for h in self.hits
            ],
        }
