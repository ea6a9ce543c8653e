"""Example questions drawn from the corpus itself, for /help.

From a sentence like `剑河县中药材种植面积达到15.78万亩` the subject before the number becomes
`剑河县中药材种植面积是多少？`; a byline becomes `《擂台比武促振兴》是谁写的？`. The engine offers only the drafts its
own answer path answers in bold (:meth:`bot.engine.Engine.examples`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.cards import book_title
from corpus.store import Store

NUMBER_FACT = re.compile(
    r"([\u4e00-\u9fff]{4,14}?)(?:达到|达|突破|共有|共|累计|超过|为|有)"
    r"(?:\d+(?:\.\d+)?)(?:万|亿)?(?:余|多)?[\u4e00-\u9fff]{1,2}"
)
LEADING_NOISE = re.compile(
    r"^(?:其中|目前|截至目前|同时|此外|如今|今年|去年|全省|全市|从?[\u4e00-\u9fff]{0,8}?(?:情况|数据)来?看)"
)
#: Adverbs the lazy subject keeps before 达/为 (``传输距离可达``, ``用户已达``): not part of what is counted.
TRAILING_ADVERB = re.compile(r"(?:可|已经|已|将|均|约|就|也|都|还|又|仍|才|总)$")


#: Examples offered, and how many drafted questions are tried per example (the engine keeps those answered).
EXAMPLES = 4
DRAFTS_PER_EXAMPLE = 3


def example_questions(store: Store, limit: int = EXAMPLES) -> list[str]:
    """Up to ``limit`` drafted questions the corpus may answer, varied across articles (the last one asks who
    wrote an article)."""
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
                subject = TRAILING_ADVERB.sub("", LEADING_NOISE.sub("", match.group(1)))
                if len(subject) >= 4:
                    questions.append(f"{subject}是多少？")
                    seen_articles.add(article_id)
                    break
    for _article_id, _text, title, byline in rows:
        if byline and len(title) <= 16:
            questions.append(f"{book_title(title)}是谁写的？")
            break
    return questions[:limit]


def offered(drafts: Sequence[str], answers: Callable[[str], bool]) -> list[str]:
    """The drafts (:func:`example_questions`) that ``answers`` answers in bold — an example that shows no answer
    teaches nothing —: up to :data:`EXAMPLES` − 1 facts, then the who-wrote-it draft (put last)."""
    facts: list[str] = []
    for q in drafts[:-1]:
        if len(facts) < EXAMPLES - 1 and answers(q):
            facts.append(q)
    return (facts + [q for q in drafts[-1:] if answers(q)])[:EXAMPLES]
