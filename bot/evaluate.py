"""`newsqa eval`: score question files through the same path as `newsqa ask`.

Two kinds of file:
- question files (JSONL, DESIGN.md): hit@1, hit@3, MRR@10, answer accuracy, abstention accuracy, per kind, misses;
- squad-style JSON (CMRC 2018, DRCD): the contexts go into a temporary store; hit@1/3/10, MRR@10, quote@1
  (the gold answer inside the first passage's quote) and answer accuracy.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.normalize import squash
from index.search import Hit, Result, Searcher

K = 10
Ask = Callable[[str], Result]


@dataclass
class Scores:
    """Running totals for one group of questions, counted as a user sees them.

    An abstention on a question the articles answer is a miss for every hit@k; an answer is *shown* when the
    result carries a short answer (``answer`` not None), and it is *right* when it is at most 20 characters and
    holds one of the accepted strings.
    """

    n: int = 0
    with_gold: int = 0  # questions the articles answer (gold passage exists)
    hit1: int = 0
    hit3: int = 0
    hit10: int = 0
    rr: float = 0.0
    quote1: int = 0
    answerable: int = 0  # questions with accepted answers
    correct: int = 0
    abstain_right: int = 0
    false_abstain: int = 0  # abstained although the articles answer the question
    shown: int = 0  # a short answer shown (any question)
    shown_answerable: int = 0  # ... on a question that has accepted answers
    shown_wrong: int = 0  # ... that is not right (every answer to an unanswerable question is wrong)
    unanswerable: int = 0
    unanswerable_answered: int = (
        0  # an unanswerable question given a passage or an answer instead of 没有找到
    )

    def figures(self) -> dict[str, float]:
        """Rates, rounded."""
        n, g = max(1, self.n), max(1, self.with_gold)
        return {
            "questions": self.n,
            "hit@1": round(self.hit1 / g, 4),
            "hit@3": round(self.hit3 / g, 4),
            "hit@10": round(self.hit10 / g, 4),
            "mrr@10": round(self.rr / g, 4),
            "quote@1": round(self.quote1 / g, 4),
            "answer_accuracy": round(self.correct / self.answerable, 4) if self.answerable else 0.0,
            "coverage": round(self.shown_answerable / self.answerable, 4) if self.answerable else 0.0,
            "precision": round((self.shown - self.shown_wrong) / self.shown, 4) if self.shown else 0.0,
            "wrong_shown": round(self.shown_wrong / n, 4),
            "false_abstention": round(self.false_abstain / g, 4),
            "abstention_accuracy": round(self.abstain_right / n, 4),
            "unanswerable_answered": self.unanswerable_answered,
        }


@dataclass
class Report:
    """Scores overall and per kind, with the misses."""

    overall: Scores = field(default_factory=Scores)
    kinds: dict[str, Scores] = field(default_factory=lambda: defaultdict(Scores))
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Everything as one JSON object."""
        return {
            "overall": self.overall.figures(),
            "kinds": {k: s.figures() for k, s in sorted(self.kinds.items())},
            "misses": self.misses,
        }


def _rank_of(result: Result, found: Callable[[Hit], bool]) -> int | None:
    """The rank of the first hit ``found`` accepts; None when none does or the result abstained."""
    if result.abstained:
        return None  # the user was told 没有找到: no passage was offered as the answer
    for hit in result.hits[:K]:
        if found(hit):
            return hit.rank
    return None


def answer_right(answer: str | None, answers: list[str]) -> bool:
    """Whether a shown answer counts as right: at most 20 characters, holding an accepted string."""
    return answer is not None and len(answer) <= 20 and any(squash(a) in squash(answer) for a in answers if a)


def score_one(
    report: Report,
    kind: str,
    result: Result,
    gold_rank: int | None,
    gold_present: bool,
    answers: list[str],
    quote_ok: bool,
) -> bool:
    """Add one question's outcome; returns whether it was fully right."""
    answered_right = answer_right(result.answer, answers)
    shown = result.answer is not None
    abstain_right = result.abstained != gold_present  # abstain exactly when the articles don't answer
    for s in (report.overall, report.kinds[kind]):
        s.n += 1
        s.with_gold += gold_present
        if gold_present and gold_rank is not None:
            s.hit1 += gold_rank == 1
            s.hit3 += gold_rank <= 3
            s.hit10 += gold_rank <= 10
            s.rr += 1 / gold_rank
        s.false_abstain += gold_present and result.abstained
        s.quote1 += quote_ok
        s.answerable += bool(answers)
        s.correct += answered_right
        s.shown += shown
        s.shown_answerable += shown and bool(answers)
        s.shown_wrong += shown and not answered_right
        s.abstain_right += abstain_right
        s.unanswerable += not gold_present
        s.unanswerable_answered += not gold_present and (not result.abstained or shown)
    if gold_present:
        return gold_rank == 1 and (answered_right or not answers) and abstain_right
    return abstain_right


def evaluate_questions(ask: Ask, lines: Iterable[str]) -> Report:
    """Score a DESIGN.md question file."""
    report = Report()
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        result = ask(item["q"])
        gold = item.get("gold")
        answers = list(item.get("answer") or [])
        gold_rank = None
        if gold:
            g = squash(gold)

            def has_gold(hit: Hit, g: str = g) -> bool:
                return g in squash(_searchable(hit))

            gold_rank = _rank_of(result, has_gold)
        quote_ok = bool(result.hits) and any(squash(a) in squash(result.hits[0].quote) for a in answers)
        right = score_one(
            report, item.get("kind", "other"), result, gold_rank, gold is not None, answers, quote_ok
        )
        if not right:
            report.misses.append(_miss(item["id"], item["q"], gold, answers, result, gold_rank))
    return report


def _searchable(hit: Hit) -> str:
    a = hit.passage.article
    return " ".join(x for x in (a.title, a.byline, a.kicker, hit.passage.text) if x)


def _miss(
    qid: str, q: str, gold: Any, answers: list[str], result: Result, rank: int | None
) -> dict[str, Any]:
    return {
        "id": qid,
        "q": q,
        "gold": gold,
        "expected": answers,
        "answer": result.answer,
        "abstained": result.abstained,
        "gold_rank": rank,
        "top": result.hits[0].quote[:60] if result.hits else None,
    }


def squad_questions(path: Path) -> list[dict[str, Any]]:
    """(id, question, context, answers) from a squad-style file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                answers = sorted({a["text"] for a in qa.get("answers", []) if a.get("text")})
                out.append(
                    {"id": qa["id"], "q": qa["question"], "context": para["context"], "answers": answers}
                )
    return out


def evaluate_squad(searcher_for: Callable[[Path], Searcher], path: Path, limit: int | None = None) -> Report:
    """Ingest a squad-style file into a temporary store and score its questions."""
    report = Report()
    questions = squad_questions(path)[:limit]
    with tempfile.TemporaryDirectory(prefix="newsqa-eval-") as tmp:
        searcher = searcher_for(Path(tmp) / "eval.db")
        contexts: dict[str, str] = {}
        for item in questions:
            context = contexts.setdefault(item["context"], squash(item["context"]))
            result = searcher.ask(item["q"], k=K)

            def in_context(hit: Hit, context: str = context) -> bool:
                return bool(hit.passage.text) and squash(hit.passage.text) in context

            rank = _rank_of(result, in_context)
            quote_ok = (
                bool(result.hits)
                and rank == 1
                and any(squash(a) in squash(result.hits[0].quote) for a in item["answers"])
            )
            right = score_one(report, result.qtype.value, result, rank, True, item["answers"], quote_ok)
            if not right and len(report.misses) < 200:
                report.misses.append(_miss(item["id"], item["q"], None, item["answers"], result, rank))
        searcher.store.close()
    return report


def format_report(report: Report, *, squad: bool, max_misses: int = 30) -> str:
    """The human-readable figures (per kind for question files, per question type for squad files) and misses."""
    f = report.overall.figures()
    retrieval = ["hit@1", "hit@3", "hit@10", "mrr@10", "quote@1"] if squad else ["hit@1", "hit@3", "mrr@10"]
    answers = ["answer_accuracy", "coverage", "precision", "wrong_shown", "false_abstention"]
    keys = ["questions", *retrieval, *answers]
    if not squad:
        keys += ["abstention_accuracy", "unanswerable_answered"]
    lines = ["  ".join(f"{k} {f[k]}" for k in keys)]
    for kind, s in sorted(report.kinds.items()):
        kf = s.figures()
        lines.append(f"  {kind:<10} " + "  ".join(f"{k} {kf[k]}" for k in keys))
    lines.append(f"misses: {len(report.misses)}")
    for m in report.misses[:max_misses]:
        lines.append(
            f"  {m['id']} {m['q']} → answer={m['answer']!r} expected={m['expected']} "
            f"gold_rank={m['gold_rank']} abstained={m['abstained']} top={m['top']!r}"
        )
    return "\n".join(lines)


def is_squad(path: Path) -> bool:
    """Whether ``path`` is a squad-style JSON file rather than a JSONL question file."""
    if path.suffix != ".json":
        return False
    with path.open(encoding="utf-8") as fh:
        head = fh.read(200)
    return '"data"' in head or '"version"' in head
