"""Stray fragments put back in near-linear time with the results of the quadratic original, to the piece."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from corpus import page, repair
from corpus.repair import Block, Piece, _bridge, _starts_mid_sentence, place_strays, unfinished

SEED_PAGE = (
    Path(__file__).resolve().parents[1] / "corpus" / "articles" / "peoples-daily-page-guizhou-zutuanshi.txt"
)


def quadratic_place_strays(articles: Sequence[list[Piece]]) -> None:
    """The original implementation (before corpus/strays.py), kept as the oracle."""
    for items in articles:
        for piece in list(items):
            head, at = piece.text, items.index(piece)
            if not _starts_mid_sentence(head) or (at and unfinished(items[at - 1].text)):
                continue
            spots = [
                (_bridge(p.text, head), other, p)
                for other in articles
                for p in other
                if p is not piece and unfinished(p.text)
            ]
            spots = [s for s in spots if s[0]]
            if not spots:
                continue
            _, target, p = max(spots, key=lambda s: s[0])
            items.remove(piece)
            target.insert(target.index(p) + 1, Piece(piece.blocks, p.heading))


def layout(articles: Sequence[list[Piece]]) -> list[list[tuple[str, str | None]]]:
    return [[(p.text, p.heading) for p in items] for items in articles]


def both(articles: list[list[Piece]]) -> tuple[list, list]:
    fast = [list(items) for items in articles]
    slow = [list(items) for items in articles]
    place_strays(fast)
    quadratic_place_strays(slow)
    return layout(fast), layout(slow)


def page_pieces(copies: int) -> list[list[Piece]]:
    """The body pieces parse_page hands to place_strays for the seed page repeated ``copies`` times."""
    captured: list[list[list[Piece]]] = []
    original = page.place_strays

    def capture(articles: Sequence[list[Piece]]) -> None:
        captured.append([list(items) for items in articles])
        original(articles)

    text = SEED_PAGE.read_text(encoding="utf-8")
    page.place_strays = capture
    try:
        page.parse_page("\n\n".join([text] * copies))
    finally:
        page.place_strays = original
    return captured[0]


def test_random_pieces_are_placed_as_the_original_places_them() -> None:
    rng = random.Random(8)
    chars = "举措帮扶单位生活办事群众的了和在医院学校牵头"
    for _ in range(300):
        articles = []
        for _ in range(rng.randint(1, 4)):
            items = []
            for _ in range(rng.randint(0, 8)):
                raw = "".join(rng.choice(chars) for _ in range(rng.randint(1, 5))) + rng.choice(
                    ["", "", "。"]
                )
                items.append(Piece([Block(raw, raw, "body")], rng.choice([None, "一", "二"])))
            articles.append(items)
        fast, slow = both(articles)
        assert fast == slow


def test_the_seed_page_repeated_is_placed_as_the_original_places_it() -> None:
    articles = page_pieces(4)
    fast, slow = both(articles)
    assert fast == slow
    assert sum(map(len, fast)) == sum(map(len, articles))


@pytest.mark.slow
def test_eight_thousand_paragraphs_are_placed_in_near_linear_time() -> None:
    articles = page_pieces(160)
    started = time.perf_counter()
    place_strays([list(items) for items in articles])
    fast_s = time.perf_counter() - started
    print(f"\nplace_strays over {sum(map(len, articles)):,} pieces: {fast_s:.2f} s")
    assert repair.place_strays is place_strays
