"""The quote shown around an answer: the evidence sentence, widened to hold the answer when it lies next door."""

from __future__ import annotations

from index.reader.sentences import split_sentences

__all__ = ["quote_around"]


def quote_around(text: str, quote: tuple[int, int], answer: tuple[int, int]) -> tuple[int, int] | None:
    """The quote, widened so the answer stands inside it; None when the answer is not in or next to it.

    The answer is always shown inside its quote. An answer in the sentence before or after the quote joins
    that sentence to it; an answer further away is not trusted (the evidence sentence does not support it).
    """
    if quote[0] <= answer[0] and answer[1] <= quote[1]:
        return quote
    sentences = split_sentences(text) or [(0, len(text))]
    holding = next((s for s in sentences if s[0] <= answer[0] < s[1]), (answer[0], answer[1]))
    start, end = min(holding[0], answer[0]), max(holding[1], answer[1])
    between = [s for s in sentences if min(end, quote[1]) <= s[0] < max(start, quote[0])]
    if between:
        return None
    return min(start, quote[0]), max(end, quote[1])
