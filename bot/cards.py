"""Build replies (cards) from answers and articles: what the user sees, before any transport formats it.

Callback data (≤ 64 bytes, self-contained so old buttons work after a restart):
``m:ASK:PAGE`` more results · ``a:UID:PARA:PAGE`` article page with a paragraph marked (PAGE ``n``: a new
message at the page holding PARA; a number: edit the message to that page; ``-1``: edit, page holding PARA) ·
``p:UID:PARA`` one paragraph (‹ ›) · ``f:ASK:PID:+`` / ``f:ASK:PID:-`` feedback.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.reply import Block, BlockKind, Button, Reply
from corpus.dates import chinese_date
from corpus.models import JOINED, TRUNCATED
from corpus.store import ArticleInfo, Passage
from index.result import Hit, Result

RESULTS_PER_PAGE = 3
ARTICLE_PAGE_CHARS = 2500
NOT_FOUND = "没有找到：这些文章里没有说到这个问题。"
KIND_LABEL = {
    "caption": "图片说明",
    "credit": "图片署名",
    "note": "附注",
    "byline": "署名",
    "title": "标题",
    "source": "来源",
    "date": "日期",
}
FLAG_NOTES = {TRUNCATED: "（原文此段不完整：版面上缺了下文）", JOINED: ""}


def book_title(title: str) -> str:
    """``title`` in book marks; marks inside it become the inner ones: 《〈江苏省12345热线条例〉本月起施行》."""
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


def citation(article: ArticleInfo, passage: Passage | None = None) -> str:
    """`《title》 · byline · date · 来源：source · 第N段` — only what the article really says (the source labelled:
    a reprint's paper is where it was taken from, not who printed this copy)."""
    parts = [book_title(article.title)]
    if article.column:
        parts.append(f"【{article.column}】")
    parts.extend(x for x in (article.byline, chinese_date(article.date)) if x)
    if article.source:
        parts.append(f"来源：{article.source}")
    if passage is not None:
        parts.append(KIND_LABEL.get(passage.kind, f"第{passage.ordinal}段"))
    return " · ".join(parts)


def result_line(hit: Hit) -> str:
    """One runner-up on a line: ``2. quote… —— 《title》第7段`` (a caption, note or credit by its kind, not a
    paragraph number: their ordinals count captions, not paragraphs)."""
    where = KIND_LABEL.get(hit.passage.kind, f"第{hit.passage.ordinal}段")
    return f"{hit.rank}. {hit.quote[:60]} —— {book_title(hit.passage.article.title)}{where}"


def quote_block(hit: Hit) -> Block:
    """The hit's quote, with its answer (if any) marked relative to the quote."""
    marks = [
        (start - hit.quote_span[0], end - hit.quote_span[0])
        for start, end in hit.answer_spans
        if hit.quote_span[0] <= start < end <= hit.quote_span[1]
    ]
    return Block(BlockKind.QUOTE, hit.quote, marks[0] if marks else None, tuple(marks[1:]))


def _flag_notes(passage: Passage) -> list[Block]:
    return [Block(BlockKind.NOTE, FLAG_NOTES[f]) for f in passage.flags if FLAG_NOTES.get(f)]


def answer_card(result: Result, ask_id: int) -> Reply:
    """The answer card: the answer, the quote with the answer marked, the citation, the actions."""
    if result.abstained or not result.hits:
        return not_found_card(result)
    top = result.hits[0]
    blocks: list[Block] = []
    if result.corrected:
        blocks.append(Block(BlockKind.NOTE, f"（理解为：{result.corrected}）"))
    if result.answer:
        blocks.append(Block(BlockKind.ANSWER, result.answer))
    blocks.append(quote_block(top))
    blocks.append(Block(BlockKind.CITATION, citation(top.passage.article, top.passage)))
    blocks.extend(_flag_notes(top.passage))
    for part in result.parts:  # a two-part question whose second answer comes from another passage
        if part.rank is not None and part.rank > 1 and part.rank <= len(result.hits):
            other = result.hits[part.rank - 1]
            blocks.append(quote_block(other))
            blocks.append(Block(BlockKind.CITATION, citation(other.passage.article, other.passage)))
    return Reply(blocks, answer_buttons(ask_id, top, more=len(result.hits) > 1))


def answer_buttons(ask_id: int, hit: Hit, *, more: bool) -> list[list[Button]]:
    """更多结果 · 查看原文 / 👍 · 👎 for a shown hit."""
    row = [Button("更多结果", f"m:{ask_id}:1")] if more else []
    para = hit.passage.ordinal if hit.passage.kind == "body" else 1
    row.append(Button("查看原文", f"a:{hit.passage.article.uid}:{para}:n"))
    votes = [Button("👍", f"f:{ask_id}:{hit.passage.id}:+"), Button("👎", f"f:{ask_id}:{hit.passage.id}:-")]
    return [row, votes]


def not_found_card(result: Result) -> Reply:
    """The honest 没有找到, with the nearest passages as suggestions."""
    blocks = [Block(BlockKind.TEXT, NOT_FOUND)]
    if result.hits:
        blocks.append(Block(BlockKind.NOTE, "最接近的段落（可能不相关）："))
        for hit in result.hits[:RESULTS_PER_PAGE]:
            blocks.append(Block(BlockKind.QUOTE, hit.quote))
            blocks.append(Block(BlockKind.CITATION, citation(hit.passage.article, hit.passage)))
    return Reply(blocks)


def more_card(result: Result, ask_id: int, page: int) -> Reply:
    """Page ``page`` (1-based) of the passages after the first."""
    rest = result.hits[1:]
    pages = max(1, -(-len(rest) // RESULTS_PER_PAGE))
    page = min(max(1, page), pages)
    shown = rest[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    if not shown:
        return Reply([Block(BlockKind.TEXT, "没有更多结果了。")], toast="没有更多结果了")
    blocks = [Block(BlockKind.NOTE, f"更多结果（第{page}/{pages}页）：{result.question}")]
    for hit in shown:
        blocks.append(quote_block(hit))
        blocks.append(Block(BlockKind.CITATION, f"{hit.rank}. " + citation(hit.passage.article, hit.passage)))
    nav = []
    if page > 1:
        nav.append(Button("‹ 上一页", f"m:{ask_id}:{page - 1}"))
    if page < pages:
        nav.append(Button("下一页 ›", f"m:{ask_id}:{page + 1}"))
    views = [
        Button(f"原文 {h.rank}", f"a:{h.passage.article.uid}:{max(1, h.passage.ordinal)}:n") for h in shown
    ]
    return Reply(blocks, [row for row in (nav, views) if row])


def article_pages(article: ArticleInfo, passages: Sequence[Passage]) -> list[list[Passage]]:
    """Split an article's body paragraphs into pages of about ARTICLE_PAGE_CHARS characters."""
    pages: list[list[Passage]] = [[]]
    size = 0
    for p in (p for p in passages if p.kind == "body"):
        if pages[-1] and size + len(p.text) > ARTICLE_PAGE_CHARS:
            pages.append([])
            size = 0
        pages[-1].append(p)
        size += len(p.text)
    return pages


def article_card(
    article: ArticleInfo, passages: Sequence[Passage], marked: int | None, page: int | None, *, edit: bool
) -> Reply:
    """One page of the whole article; ``marked`` paragraph highlighted; page None = the page holding it."""
    pages = article_pages(article, passages)
    if page is None or page < 0:
        page = next((i for i, pg in enumerate(pages) if any(p.ordinal == marked for p in pg)), 0)
    page = min(page, len(pages) - 1)
    blocks = [Block(BlockKind.HEADING, article.title)]
    header = [
        x
        for x in (
            article.kicker,
            article.column and f"【{article.column}】",
            article.byline,
            chinese_date(article.date),
        )
        if x
    ]
    if header and page == 0:
        blocks.append(Block(BlockKind.NOTE, " · ".join(header)))
    heading = None
    for p in pages[page]:
        if p.heading and p.heading != heading:
            blocks.append(Block(BlockKind.HEADING, p.heading))
        heading = p.heading
        text = f"{p.ordinal}. {p.text}"
        mark = (0, len(text)) if p.ordinal == marked else None
        blocks.append(Block(BlockKind.PARAGRAPH, text, mark))
        blocks.extend(_flag_notes(p))
    if page == len(pages) - 1:  # photo captions and credits, then the printed notes (byline line, trailers)
        for label, pictures in (("图片", True), ("附注", False)):
            texts = [
                p.text.rstrip("。；;")
                for p in passages
                if p.kind != "body" and (p.kind in ("caption", "credit")) == pictures
            ]
            if texts:
                blocks.append(Block(BlockKind.NOTE, f"{label}：" + "；".join(texts)))
    blocks.append(Block(BlockKind.NOTE, f"第{page + 1}/{len(pages)}页 · 共{article.paragraph_count}段"))
    nav = []
    marked_no = marked or 0
    if page > 0:
        nav.append(Button("‹ 上一页", f"a:{article.uid}:{marked_no}:{page - 1}"))
    if page < len(pages) - 1:
        nav.append(Button("下一页 ›", f"a:{article.uid}:{marked_no}:{page + 1}"))
    return Reply(blocks, [nav] if nav else [], edit=edit)


def paragraph_card(passage: Passage, *, edit: bool) -> Reply:
    """One paragraph with ‹ › to its neighbours and the way to the whole article."""
    a = passage.article
    blocks = [Block(BlockKind.PARAGRAPH, passage.text), Block(BlockKind.CITATION, citation(a, passage))]
    blocks.extend(_flag_notes(passage))
    nav = []
    if passage.ordinal > 1:
        nav.append(Button("‹ 上一段", f"p:{a.uid}:{passage.ordinal - 1}"))
    nav.append(Button("全文", f"a:{a.uid}:{passage.ordinal}:-1"))
    if passage.ordinal < a.paragraph_count:
        nav.append(Button("下一段 ›", f"p:{a.uid}:{passage.ordinal + 1}"))
    return Reply(blocks, [nav], edit=edit)


def text_card(*lines: str, toast: str | None = None) -> Reply:
    """A plain message."""
    return Reply([Block(BlockKind.TEXT, line) for line in lines], toast=toast)
