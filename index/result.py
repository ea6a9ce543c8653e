"""What a question gets back: ranked passages (:class:`Hit`) and the answer (:class:`Result`), with the
``ask --json`` form of DESIGN.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus.store import Passage
from index.reader.question import QuestionType

__all__ = ["Hit", "Part", "Result"]


@dataclass
class Hit:
    """One ranked passage with the sentence quoted from it and, if found, the answer span."""

    rank: int
    score: float
    passage: Passage
    quote_span: tuple[int, int]
    answer_span: tuple[int, int] | None = None
    also: tuple[tuple[int, int], ...] = ()  # more answer spans (the second part of a two-part question)

    @property
    def answer_spans(self) -> list[tuple[int, int]]:
        """Every answer span in this passage, in text order."""
        return sorted([self.answer_span, *self.also] if self.answer_span else list(self.also))

    @property
    def quote(self) -> str:
        """The quoted sentence: an exact substring of the passage text."""
        return self.passage.text[self.quote_span[0] : self.quote_span[1]]


@dataclass(frozen=True)
class Part:
    """One of the things a two-part question asks: its own question, its answer, the rank of its passage."""

    question: str
    answer: str | None
    rank: int | None


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
    parts: list[Part] = field(default_factory=list)  # a two-part question's parts (index/multi.py)
    corrected: str | None = None  # the question as asked after correcting small typos (index/typos.py)
    answer_confidence: float | None = (
        None  # the reader's calibrated probability that its best answer is right
    )

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` object of DESIGN.md, exactly (other tools validate it): a two-part question's
        answers are both in ``answer`` (``15.78万亩；31个``), ``answer_span`` marks the first in its passage."""
        return {
            "question": self.question,
            "answer": self.answer,
            "answer_confidence": self.answer_confidence,
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

    def to_payload(self) -> dict[str, Any]:
        """What the query cache stores: passage ids and spans (texts are read back from the store)."""
        return {
            "answer": self.answer,
            "answer_confidence": self.answer_confidence,
            "abstained": self.abstained,
            "qtype": self.qtype.value,
            "terms": self.terms,
            "answer_from": self.answer_from,
            "hits": [
                [
                    h.passage.id,
                    h.score,
                    list(h.quote_span),
                    h.answer_span and list(h.answer_span),
                    [list(span) for span in h.also],
                ]
                for h in self.hits
            ],
            "parts": [[p.question, p.answer, p.rank] for p in self.parts],
            "corrected": self.corrected,
        }

    @classmethod
    def from_payload(
        cls, question: str, payload: dict[str, Any], passages: Mapping[int, Passage]
    ) -> Result | None:
        """The result :meth:`to_payload` stored; None when one of its passages is gone from the store."""
        rows = payload["hits"]
        if any(row[0] not in passages for row in rows):
            return None  # a passage vanished between version checks: answer afresh
        hits = [
            Hit(
                rank,
                score,
                passages[pid],
                (qs[0], qs[1]),
                (a[0], a[1]) if a else None,
                tuple(map(tuple, also)),
            )
            for rank, (pid, score, qs, a, also) in enumerate(rows, start=1)
        ]
        return cls(
            question=question,
            answer=payload["answer"],
            answer_confidence=payload.get("answer_confidence"),
            abstained=payload["abstained"],
            elapsed_ms=0.0,
            hits=hits,
            qtype=QuestionType(payload["qtype"]),
            terms=list(payload["terms"]),
            answer_from=payload.get("answer_from", "text"),
            parts=[Part(q, a, r) for q, a, r in payload.get("parts", [])],
            corrected=payload.get("corrected"),
        )
