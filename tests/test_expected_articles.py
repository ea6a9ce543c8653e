"""The parser against the expected article list of ../shared/data/peoples-daily (tests/data/expected_articles.json).

The list was written by reading the files (see its ``about``): every distinct article with its title, byline and
date. The parser must find exactly these articles, in file order, with those fields.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from corpus.readers import read_source
from tests.conftest import shared_file

EXPECTED = json.loads((Path(__file__).parent / "data" / "expected_articles.json").read_text("utf-8"))[
    "articles"
]
BY_FILE: dict[str, list[dict]] = defaultdict(list)
for _entry in EXPECTED:
    BY_FILE[_entry["file"]].append(_entry)


def _squash(text: str | None) -> str:
    return re.sub(r"[\s—]+", "", text or "")


def test_the_list_counts_every_distinct_article_once() -> None:
    distinct = [e for e in EXPECTED if "duplicate_of" not in e]
    dumps = [e for e in distinct if e["file"].startswith("rmrb-dumps/")]
    assert (len(EXPECTED), len(distinct), len(dumps)) == (200, 198, 161)


@pytest.mark.parametrize("relative", sorted(BY_FILE))
def test_each_file_gives_the_expected_articles(relative: str) -> None:
    path = shared_file(f"data/peoples-daily/articles/{relative}")
    _, articles = read_source(path)
    expected = BY_FILE[relative]
    got = [(a.title, a.byline, a.date) for a in articles]
    want = [(e["title"], e["byline"], e["date"]) for e in expected]
    for i, (article, entry) in enumerate(zip(articles, expected, strict=False)):
        if entry.get("title_ambiguous"):
            decks = [_squash(d) for d in entry["headline"]]
            assert _squash(article.title) in decks, (i, article.title)
            got[i] = (entry["title"], *got[i][1:])
    assert got == want
    for article, entry in zip(articles, expected, strict=True):
        if "headline" in entry:  # every printed deck went to this article's kicker, title or subtitle
            decks = "".join(_squash(x) for x in (article.kicker, article.title, article.subtitle))
            assert decks == "".join(_squash(d) for d in entry["headline"])
