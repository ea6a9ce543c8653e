"""Example questions drawn from the corpus itself, for /help.

From a sentence like `剑河县中药材种植面积达到15.78万亩` the subject before the number becomes
`剑河县中药材种植面积是多少？`; a byline becomes `《擂台比武促振兴》是谁写的？`.
"""

from __future__ import annotations

import re

from bot.cards import book_title
from corpus.store import Store

NUMBER_FACT = re.compile(
    r"([\u4e00-\u9fff]{4,14}?)(?:达到|达|突破|共有|共|累计|超过|为|有)"
    r"(?:\d+(?:\.\d+)?)(?:万|亿)?(?:余|多)?[\u4e00-\u9fff]{1,2}"
)
LEADING_NOISE = re.compile(r"^(?:其中|目前|截至目前|同时|此外|如今|今年|去年|全省|全市)")


def example_questions(store: Store, limit: int = 4) -> list[str]:
    """Up to ``limit`` questions the corpus can answer, varied across articles."""
    questions: list[str] = []
    seen_articles: set[int] = set()
    rows = store.conn.execute(
        "SELECT p.article_id, p.text, a.title, a.byline FROM paragraphs p JOIN articles a ON a.id = p.article_id "
        "WHERE p.kind = 'body' ORDER BY p.id LIMIT 400"
    ).fetchall()
    for article_id, text, _title, _byline in rows:
        if article_id in seen_articles or len(questions) >= limit - 1:
            continue
        for clause in re.split(r"[，。；！？,;]", text):
            match = NUMBER_FACT.search(clause)
            if match:
                subject = LEADING_NOISE.sub("", match.group(1))
                if len(subject) >= 4:
                    questions.append(f"{subject}是多少？")
                    seen_articles.add(article_id)
                    break
    for _article_id, _text, title, byline in rows:
        if byline and len(title) <= 16:
            questions.append(f"{book_title(title)}是谁写的？")
            break
    return questions[:limit]
