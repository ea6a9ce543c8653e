"""Batch `newsqa ask`: one question per input line, exactly one output line per input line, in order.

A line that cannot be answered (empty, too long, not UTF-8, or one whose answering failed) still gets its
line: with ``--json`` the object ``{"question": str, "error": str}``, in text mode ``QUESTION<TAB>Error: …``.
An answered line in text mode is tab-separated: the question, ``答：ANSWER`` (or ``答：-`` when there is no
short answer, ``没有找到`` when the articles don't say), the quote with the answer marked 【…】, the citation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from bot.cards import NOT_FOUND, citation
from index.result import Result

log = logging.getLogger(__name__)

Ask = Callable[[str], Result]

#: How much of an unanswerable question the text mode echoes back.
ECHO_CHARS = 40


def questions(lines: Iterable[bytes]) -> Iterator[str | UnicodeDecodeError]:
    """Each input line decoded (line end removed), or the decoding error of a line that is not UTF-8."""
    for raw in lines:
        try:
            yield raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError as exc:
            yield exc


def check(question: str, max_chars: int) -> str | None:
    """Why ``question`` cannot be asked, or None."""
    if not question.strip():
        return "the line is empty: put one question on each line"
    if len(question) > max_chars:
        return (
            f"the question is {len(question)} characters long; the limit is {max_chars} "
            "(NEWSQA_MAX_QUESTION_CHARS): shorten it"
        )
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def text_line(result: Result) -> str:
    """An answer as one tab-separated line."""
    if result.abstained or not result.hits:
        return f"{_one_line(result.question)}\t{NOT_FOUND}"
    top = result.hits[0]
    quote, at = top.quote, 0
    parts: list[str] = []
    for start, end in top.answer_spans:
        lo, hi = start - top.quote_span[0], end - top.quote_span[0]
        if 0 <= lo < hi <= len(quote) and lo >= at:
            parts.extend((quote[at:lo], f"【{quote[lo:hi]}】"))
            at = hi
    parts.append(quote[at:])
    fields = [
        result.question,
        f"答：{result.answer or '-'}",
        "".join(parts),
        citation(top.passage.article, top.passage),
    ]
    return "\t".join(_one_line(f) for f in fields)


def error_line(question: str, error: str, *, as_json: bool) -> str:
    """The line for a question that could not be answered."""
    if as_json:
        return json.dumps({"question": question, "error": error}, ensure_ascii=False)
    shown = _one_line(question)
    if len(shown) > ECHO_CHARS:
        shown = shown[:ECHO_CHARS] + "…"
    return f"{shown}\tError: {error}"


def answer_lines(
    ask: Ask, lines: Iterable[bytes], *, max_chars: int, as_json: bool
) -> Iterator[tuple[str, bool]]:
    """(output line, answered) for each input line."""
    for item in questions(lines):
        if isinstance(item, UnicodeDecodeError):
            error = f"the line is not valid UTF-8 ({item.reason}): save the input as UTF-8"
            yield error_line("", error, as_json=as_json), False
            continue
        problem = check(item, max_chars)
        if problem is not None:
            yield error_line(item, problem, as_json=as_json), False
            continue
        try:
            result = ask(item)
        except Exception as exc:  # one failing question must not stop the batch or shift its lines
            log.exception("answering a batch line failed")
            error = f"internal error ({type(exc).__name__}); please report it"
            yield error_line(item, error, as_json=as_json), False
            continue
        yield (json.dumps(result.to_json(), ensure_ascii=False) if as_json else text_line(result)), True


def run(ask: Ask, stdin: TextIO, stdout: TextIO, *, max_chars: int, as_json: bool) -> int:
    """Answer every line of ``stdin`` onto ``stdout``, flushing each line; returns how many lines failed."""
    failed = 0
    buffer = getattr(stdin, "buffer", None)
    source: Iterable[bytes] = buffer if buffer is not None else (line.encode() for line in stdin)
    for line, answered in answer_lines(ask, source, max_chars=max_chars, as_json=as_json):
        failed += not answered
        print(line, file=stdout, flush=True)
    return failed
