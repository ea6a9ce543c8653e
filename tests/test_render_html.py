"""Reply → Telegram HTML: exact markup, escaping, and splitting under the 4,096 limit."""

from __future__ import annotations

import pytest

from bot.render_html import MAX_CHARS, render, render_block, split_block, utf16_len
from bot.reply import Block, BlockKind, Button, Reply
from tests.fake_bot_api import ApiError, check_text, parse_html

QUOTE = "截至目前，剑河县中药材种植面积达15.78万亩，品种31个。"
CITATION = "《激活乡村全面振兴“智力引擎”》 · 本报记者 马跃峰 · 第7段"


def test_answer_card_markup() -> None:
    start = QUOTE.index("15.78万亩")
    reply = Reply(
        [
            Block(BlockKind.ANSWER, "15.78万亩"),
            Block(BlockKind.QUOTE, QUOTE, (start, start + len("15.78万亩"))),
            Block(BlockKind.CITATION, CITATION),
        ],
        [[Button("更多结果", "m:1:1")]],
    )
    assert render(reply) == [
        "<b>15.78万亩</b>\n"
        "<blockquote>截至目前，剑河县中药材种植面积达<b><u>15.78万亩</u></b>，品种31个。</blockquote>\n"
        "《激活乡村全面振兴“智力引擎”》 · 本报记者 马跃峰 · 第7段"
    ]


def test_blocks_by_kind() -> None:
    assert (
        render_block(Block(BlockKind.HEADING, "立足现实需求，解决发展难题"))
        == "<b>立足现实需求，解决发展难题</b>"
    )
    assert render_block(Block(BlockKind.NOTE, "（原文此段不完整）")) == "<i>（原文此段不完整）</i>"
    assert (
        render_block(Block(BlockKind.PARAGRAPH, "天麻、钩藤等品种。", (0, 5))) == "<b>天麻、钩藤</b>等品种。"
    )
    assert render_block(Block(BlockKind.TEXT, "没有找到。")) == "没有找到。"
    assert (
        render_block(Block(BlockKind.QUOTE, "没有标记的句子。"))
        == "<blockquote>没有标记的句子。</blockquote>"
    )


def test_everything_from_articles_and_users_is_escaped() -> None:
    text = "<script>alert(1)</script> A&B 价格>100"
    block = Block(
        BlockKind.QUOTE, text, (len("<script>alert(1)</script> "), len("<script>alert(1)</script> A&B"))
    )
    html = render_block(block)
    assert (
        html
        == "<blockquote>&lt;script&gt;alert(1)&lt;/script&gt; <b><u>A&amp;B</u></b> 价格&gt;100</blockquote>"
    )
    assert parse_html(html) == (
        text,
        [
            {"type": "blockquote", "offset": 0, "length": 36},
            {"type": "bold", "offset": 26, "length": 3},
            {"type": "underline", "offset": 26, "length": 3},
        ],
    )


def test_out_of_range_mark_is_clamped_or_dropped() -> None:
    assert render_block(Block(BlockKind.PARAGRAPH, "两千余起", (2, 99))) == "两千<b>余起</b>"
    assert render_block(Block(BlockKind.PARAGRAPH, "两千余起", (3, 3))) == "两千余起"


def test_empty_blocks_are_left_out() -> None:
    assert render(Reply([Block(BlockKind.TEXT, "  "), Block(BlockKind.NOTE, "提示")])) == ["<i>提示</i>"]
    assert render(Reply([])) == []


def test_split_at_block_boundaries() -> None:
    paragraphs = [Block(BlockKind.PARAGRAPH, f"第{i}段。" + "字" * 1500) for i in range(1, 4)]
    chunks = render(Reply(paragraphs))
    assert [parse_html(c)[0][:3] for c in chunks] == ["第1段", "第3段"]
    assert parse_html(chunks[0])[0] == paragraphs[0].text + "\n\n" + paragraphs[1].text


def test_a_long_block_splits_after_a_sentence_and_keeps_its_mark() -> None:
    sentence = "这是一个用来测试切分的句子，它足够长。"  # 19 characters
    text = sentence * 300  # 5,700 characters
    mark = (3790, 3810)  # inside the first piece, which ends after sentence 210 (3,990 characters)
    pieces = split_block(Block(BlockKind.PARAGRAPH, text, mark), 4000)
    assert [len(p.text) for p in pieces] == [19 * 210, 19 * 90]
    assert all(p.text.endswith("。") for p in pieces)
    assert pieces[0].mark == mark and pieces[1].mark is None
    straddling = split_block(Block(BlockKind.PARAGRAPH, text, (3985, 4000)), 4000)
    assert straddling[0].mark == (3985, 3990) and straddling[1].mark == (0, 10)


def test_chunks_count_utf16_units_and_pass_telegram_checks() -> None:
    reply = Reply([Block(BlockKind.TEXT, "😀" * 2500), Block(BlockKind.QUOTE, "好" * 5000, (10, 20))])
    chunks = render(reply)
    assert len(chunks) == 4
    for chunk in chunks:
        text, _ = check_text(chunk, "HTML")  # raises like Telegram if the markup or the length is wrong
        assert utf16_len(text) <= MAX_CHARS
    assert "".join(parse_html(c)[0] for c in chunks).replace("\n", "") == "😀" * 2500 + "好" * 5000


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>未闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("A & B", 'Character "&" is reserved'),
        ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7"),
        ("1 < 2", "Unclosed start tag at byte offset 2"),
    ],
)
def test_the_fake_refuses_malformed_html(markup: str, error: str) -> None:
    with pytest.raises(ApiError, match="can't parse entities") as caught:
        parse_html(markup)
    assert error in caught.value.description


def test_two_marks_in_one_quote() -> None:
    a, b = QUOTE.index("15.78万亩"), QUOTE.index("31个")
    block = Block(BlockKind.QUOTE, QUOTE, (a, a + 7), ((b, b + 3),))
    assert render_block(block) == (
        "<blockquote>截至目前，剑河县中药材种植面积达<b><u>15.78万亩</u></b>，品种<b><u>31个</u></b>。</blockquote>"
    )
    pieces = split_block(block, 30)
    assert [p.marks for p in pieces if p.marks] and sum(len(p.marks) for p in pieces) == 2
