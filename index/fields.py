"""Answers read from an article's own fields, not from its text: who wrote it (the byline, marked in the credit
line the page prints when it has one), who took the photo (a photo credit), when it was printed (its date), its
headline, the paper it was reprinted from (a trailer ``（摘编自《安徽日报》…）`` or the source field); and the post a
name holds (the deputy does not answer a question about the head).

Used by :class:`index.search.Searcher` after retrieval: :func:`answer_from_fields` puts the line it answers from
first among the hits and sets ``result.answer``; :func:`byline_answers` says when an abstained question is still
answered by the byline of the article found.
"""

from __future__ import annotations

import re

from corpus.furniture import original_title, reprinted_from
from corpus.store import Passage, Store
from index.normalize import fold
from index.reader import spans
from index.reader.abstain import asks_live, relevance
from index.reader.question import described
from index.rerank import Query
from index.result import Hit, Result

__all__ = [
    "AUTHOR_QUESTION",
    "MAX_ANSWER_CHARS",
    "answer_from_credit",
    "answer_from_fields",
    "answer_from_reprint",
    "asks_reprint",
    "byline_answers",
    "deputy_of_asked_post",
    "printed_line",
]

MAX_ANSWER_CHARS = 20
MAX_TITLE_CHARS = 40  # a headline answers 哪篇… whole, up to this long
#: A column's tag closing a headline: ``手绘“健康地图” 守护村民健康（点赞新时代）``, ``…（国际视点）``.
COLUMN_TAG = re.compile(r"\s*[（(][^（）()]{1,8}[）)]\s*$")
READ_DEPTH = (
    3  # the articles of the best passages a photo credit is looked for in (as many as the reader reads)
)
AUTHOR_QUESTION = re.compile(
    r"(谁写|哪位记者|哪个记者|记者是谁|作者是谁|作者|署名|谁报道|记者是|记者[?？\s]*$)"
)
TITLE_QUESTION = re.compile(
    r"哪一?篇|(?:那篇|这篇|文章|报道)的?(?:标题|题目)|(?:标题|题目)(?:是什么|是啥|叫什么)"
)
WHICH_ARTICLE = re.compile(r"哪一?篇")
PUBLISHED_QUESTION = re.compile(
    r"(?:哪天|哪一天|什么时候|何时|哪年|几月几日|几号|日期)(?:登|发表|刊登|刊发|见报|发布|发的|登的)|"
    r"(?:登|发表|刊登|刊发|见报)(?:于|在)?(?:哪天|哪一天|什么时候|何时|哪年|几号)|发表日期|刊登日期|见报日期"
)
#: Verbs that print an article (登, 刊发, 见报): ``哪天登的`` asks for the paper's date even without 那篇; ``措施
#: 是哪天发布的`` asks when the news happened (its text says ``14日…发布``), not when the paper printed it.
PRINT_VERB = re.compile(r"登|刊发|见报")
#: What is asked about the author other than the name: ``…的作者是什么职务`` (the text's ``作者为…副研究馆员``).
AUTHOR_ATTRIBUTE = re.compile(r"职务|职位|职称|身份|单位|头衔|干什么|做什么|哪里人|多大|年龄|多少岁")
PHOTO_QUESTION = re.compile(r"谁拍|拍摄者|摄影者|摄影师?是谁|(?:照片|图片|图|相片|配图)(?:是)?(?:由)?谁|谁摄")
CREDIT_NAME = re.compile(r"((?:[\u4e00-\u9fff·][\s\u3000]{0,3}){1,7}[\u4e00-\u9fff])\s?(?:摄影?|供图)")
CREDIT_ROLE = re.compile(r"(?:本报记者|本报通讯员|新华社记者|记者|通讯员|特约记者)?[\s\u3000]*")
BYLINE_ROLE = re.compile(
    r"(?:本报(?:驻\S{1,6})?(?:特约)?记者|本报通讯员|新华社(?:特约)?记者|人民日报记者|特约记者|记者|通讯员)"
)
#: 摘自哪家报纸, 转载自哪里, 哪家媒体转载的, 那篇报道的来源: the paper or outlet the article was taken from.
REPRINT_QUESTION = re.compile(
    r"(?:(?:摘编?|转载?|选|转引)自|原载于?|刊载于)(?:哪|何处|何方|什么)|"
    r"(?:哪|什么)(?:一?家|个|份)?(?:报纸|报社|媒体|杂志|刊物|网站)(?:上)?(?:摘|转|原载|刊载)|"
    r"(?:文章|报道|评论|那篇|这篇|稿子|社论|新闻|消息)的?(?:来源|出处)"
)
#: 原题是什么, 原标题叫什么: the headline a reprint had where it was first printed (its trailer says).
ORIGINAL_TITLE_QUESTION = re.compile(r"原(?:标)?题|原来的(?:标题|题目)")
#: Words by which a question speaks of the article itself (那篇…哪天登的), not of what it reports.
ARTICLE_WORD = re.compile(r"文章|报道|评论|那篇|这篇|稿子|社论|新闻|消息")
#: 出自哪里 asks for a reprint's paper only when the question names the article (``这句话出自哪里`` does not).
FROM_QUESTION = re.compile(rf"(?:{ARTICLE_WORD.pattern}).*出自(?:哪|何处|什么)")


def asks_reprint(question: str) -> bool:
    """Whether ``question`` asks which paper or outlet the article was taken from."""
    asked = fold(question)
    return REPRINT_QUESTION.search(asked) is not None or FROM_QUESTION.search(asked) is not None


#: Words that only frame a question about an article (``那篇评论摘自哪家报纸``, ``哪篇讲…``): the topic words
#: must match without them.
FRAME_WORDS = frozenset(
    [
        "那篇",
        "这篇",
        "篇",
        "篇文章",
        "文章",
        "评论",
        "社论",
        "报道",
        "稿子",
        "摘自",
        "摘编",
        "摘编自",
        "转载",
        "转载自",
        "转自",
        "原载",
        "出自",
        "选自",
        "来源",
        "出处",
        "报纸",
        "报社",
        "媒体",
        "杂志",
        "刊物",
        "网站",
        "讲",
        "讲的",
        "写",
        "写的",
        "介绍",
        "关于",
        "标题",
        "题目",
        "原题",
        "原标题",
        "登",
        "登的",
        "发表",
        "刊登",
        "刊发",
        "见报",
        "发布",
        "日期",
        "作者",
        "记者",
        "谁写",
        "撰写",
        "执笔",
        "署名",
    ]
)
BYLINE_NAME = re.compile(r"(?:本报记者|本报通讯员|通讯员|新华社记者|记者|作者)[\s:：]*(.+)$")


def asks_author(asked: str) -> bool:
    """Whether the (folded) question asks who wrote the article: its name, not the author's post or age."""
    return AUTHOR_QUESTION.search(asked) is not None and not AUTHOR_ATTRIBUTE.search(asked)


def asks_printed(asked: str) -> bool:
    """Whether the (folded) question asks when the article was printed (``那篇…哪天登的``, ``哪天见报``)."""
    return PUBLISHED_QUESTION.search(asked) is not None and (
        ARTICLE_WORD.search(asked) is not None or PRINT_VERB.search(asked) is not None
    )


def byline_answers(result: Result, query: Query, named_missing: bool) -> bool:
    """Whether the article found answers an abstained question from its own lines and fields: ``叶传增是谁`` when
    the name signs it, whatever else the question covers; who wrote it (``武汉那篇物流报道的作者是谁``), which paper
    it was taken from, which article it is, when it was printed — when the article matches the question's topic
    (the words that only frame such a question, :data:`FRAME_WORDS`, aside) and no named place is missing."""
    top = result.hits[0].passage
    asked = fold(result.question)
    byline = fold(top.article.byline or "").replace(" ", "")
    subject = described(result.question)
    if byline and subject and len(subject) >= 2 and subject in byline:
        return True
    framed = (
        asks_author(asked)
        or asks_reprint(result.question)
        or ORIGINAL_TITLE_QUESTION.search(asked) is not None
        or asks_printed(asked)
        or TITLE_QUESTION.search(asked) is not None
    )
    if not framed or named_missing or asks_live(result.question):
        return False
    topic = {w: v for w, v in query.weights.items() if w not in FRAME_WORDS}
    return bool(topic) and relevance(Query(topic, query.alternatives, query.text), top).relevant


def answer_from_fields(store: Store, result: Result) -> bool:
    """Who wrote it, who took the photo, when it was printed: answered from the article's own fields."""
    top = result.hits[0]
    asked = fold(result.question)
    byline = (top.passage.article.byline or "").strip()
    subject = described(result.question)
    span: tuple[int, int] | None = None
    if asks_author(asked) and byline:
        match = BYLINE_NAME.search(byline)
        span = (match.start(1), match.end(1)) if match else (0, len(byline))
        if span[1] - span[0] > MAX_ANSWER_CHARS:  # many names: as many whole ones as fit
            cut = max(byline.rfind(sep, span[0], span[0] + MAX_ANSWER_CHARS + 1) for sep in "、;；，, ")
            span = (span[0], cut) if cut > span[0] else span
    elif subject and len(subject) >= 2 and subject in fold(byline).replace(" ", ""):
        role = BYLINE_ROLE.match(byline)  # 叶传增是谁 → 本报记者 (he wrote the article)
        span = (role.start(), role.end()) if role else None
    if span is None and asks_reprint(result.question) and answer_from_reprint(store, result):
        return True
    if span is None and ORIGINAL_TITLE_QUESTION.search(asked) and answer_from_original_title(store, result):
        return True
    kind = "byline"
    if (
        span is None
        and TITLE_QUESTION.search(asked)
        and not asks_author(asked)
        and (WHICH_ARTICLE.search(asked) or not names_other_work(result.question, top.passage.article.title))
    ):
        byline, kind = top.passage.article.title, "title"  # 哪篇讲朝鲜改平壤时间 → the headline itself
        column = COLUMN_TAG.search(byline)  # （点赞新时代）: the column's tag, not part of the headline
        span = (0, column.start() if column and column.start() > 0 else len(byline))
    limit = MAX_TITLE_CHARS if kind == "title" else MAX_ANSWER_CHARS
    if span is not None and 0 < span[1] - span[0] <= limit:
        name = byline[span[0] : span[1]].strip()
        printed = printed_line(store, top.passage, name) if kind == "byline" else None
        if printed is not None:  # the credit line as the page prints it, a passage of the article
            at = printed.text.find(name)
            _lead_with(result, Hit(1, top.score, printed, (0, len(printed.text)), (at, at + len(name))), kind)
        else:
            _lead_with(
                result, Hit(1, top.score, _field_line(top, kind, byline), (0, len(byline)), span), kind
            )
        return True
    if PHOTO_QUESTION.search(asked) and answer_from_credit(store, result):
        return True
    if asks_author(asked) and not byline and answer_from_credit(store, result, reports_only=True):
        return True  # a photo report signs no byline: 新华社记者李嘉南摄影报道 is who made it
    if asks_printed(asked) and top.passage.article.date:
        date = top.passage.article.date  # as the source gives it, quoted: not some paragraph of the article
        _lead_with(
            result, Hit(1, top.score, _field_line(top, "date", date), (0, len(date)), (0, len(date))), "date"
        )
        return True
    return False


def _field_line(top: Hit, kind: str, text: str) -> Passage:
    """A line made from a field of the best passage's article (its byline, headline, date, source): not stored,
    so its id is the article's, negated."""
    return Passage(-top.passage.article.id, top.passage.article, kind, 0, None, text, ())


def _lead_with(result: Result, hit: Hit, kind: str) -> None:
    """Answer with ``hit``'s marked span, from ``kind``: the hit first (its passage listed once), ranks renumbered."""
    assert hit.answer_span is not None
    result.hits = [hit, *(h for h in result.hits if h.passage.id != hit.passage.id)]
    for rank, h in enumerate(result.hits, start=1):
        h.rank = rank
    start, end = hit.answer_span
    result.answer, result.answer_from = hit.passage.text[start:end].strip(), kind


def names_other_work(question: str, title: str) -> bool:
    """Whether ``question`` names a work in book marks that is not the article (``朝鲜《劳动新闻》刊发的社论题目``
    asks for the editorial's title, not the headline of the report that quotes it)."""
    folded = fold(title).replace(" ", "")
    return any(
        fold(work).replace(" ", "") not in folded for work in re.findall(r"《([^》]{1,40})》", question)
    )


def printed_line(store: Store, passage: Passage, name: str) -> Passage | None:
    """The article's own line that credits ``name`` (``本报记者王崟欣《人民日报》（…第07版）``, kept as a note),
    or None when the byline is only in the header."""
    if len(name) < 2:
        return None
    found = store.article(passage.article.uid)
    for line in found[1] if found else []:
        if line.kind == "note" and name in line.text and len(line.text) <= 80:
            return line
    return None


def answer_from_reprint(store: Store, result: Result) -> bool:
    """``那篇评论摘自哪家报纸``: the paper named in the best article's reprint trailer (``（摘编自《安徽日报》，原题为
    《…》）``, quoted with the name marked), else its source field (``<meta name="source">``, ``来源：``)."""
    top = result.hits[0]
    found = store.article(top.passage.article.uid)
    hit: Hit | None = None
    for line in found[1] if found else []:
        span = reprinted_from(line.text) if line.kind != "body" else None
        if span is not None:
            hit = Hit(1, top.score, line, (0, len(line.text)), span)
            break
    source = (top.passage.article.source or "").strip()
    if hit is None and source and len(source) <= MAX_ANSWER_CHARS:
        hit = Hit(1, top.score, _field_line(top, "source", source), (0, len(source)), (0, len(source)))
    if hit is None:
        return False
    _lead_with(result, hit, "source")
    return True


def answer_from_original_title(store: Store, result: Result) -> bool:
    """``那篇评论原题是什么``: the original headline the best article's reprint trailer gives (``原题为《…》``),
    the trailer quoted with the headline marked."""
    top = result.hits[0]
    found = store.article(top.passage.article.uid)
    for line in found[1] if found else []:
        span = original_title(line.text) if line.kind != "body" else None
        if span is not None:
            _lead_with(result, Hit(1, top.score, line, (0, len(line.text)), span), "title")
            return True
    return False


def answer_from_credit(store: Store, result: Result, *, reports_only: bool = False) -> bool:
    """``照片是谁拍的``: the photographer named in a photo credit of the best passages' articles (the credit
    is quoted, the name marked in it). ``reports_only``: only a photo report's credit (``…摄影报道``) of the best
    passage's own article, which names who made the whole article."""
    for hit in result.hits[:1] if reports_only else result.hits[:READ_DEPTH]:
        found = store.article(hit.passage.article.uid)
        credits = [p for p in (found[1] if found else []) if p.kind in ("credit", "caption")]
        for passage in ([hit.passage] if hit.passage.kind != "body" else []) + credits:
            match = CREDIT_NAME.search(passage.text)
            if match is None or (reports_only and "报道" not in passage.text[match.end() : match.end() + 4]):
                continue
            start = match.start(1)
            role = CREDIT_ROLE.match(passage.text, start)
            start = role.end() if role else start
            if match.end(1) - start < 2:
                continue
            _lead_with(
                result, Hit(1, hit.score, passage, (0, len(passage.text)), (start, match.end(1))), "credit"
            )
            return True
    return False


_DEPUTY = re.compile(r"(?:常务)?副(?:{})$".format("|".join(sorted(spans.TITLES, key=len, reverse=True))))


def deputy_of_asked_post(question: str, text: str, start: int) -> bool:
    """Whether the name at ``start`` follows 副 + the post the question asks about without 副: ``局长是谁`` is not
    answered by ``副局长张旻`` (the deputy is named, not the head)."""
    before = fold(text[max(0, start - 12) : start]).rstrip(" ，,、")
    deputy = _DEPUTY.search(before)
    if deputy is None:
        return False
    post = deputy.group(0).removeprefix("常务").removeprefix("副")
    asked = fold(question)
    return post in asked and f"副{post}" not in asked
