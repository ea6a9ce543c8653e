"""Readers: every format and encoding into articles, and every bad file into a BadSource that says why."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from corpus.encoding import decode
from corpus.ingest import bundled_corpus_dir
from corpus.models import Caption
from corpus.readers import BadSource, normalize_date, read_source, read_text

SOURCES = Path(__file__).parent / "data" / "sources"


def texts(article) -> list[tuple[str | None, str]]:
    return [(p.heading, p.text) for p in article.paragraphs]


# -- Markdown --------------------------------------------------------------------------------------


def test_markdown_front_matter_headings_lists_and_images() -> None:
    fmt, [article] = read_source(SOURCES / "jianhe-herbs.md")
    assert fmt == "markdown"
    assert article.title == "剑河县中药材种植面积达15.78万亩"
    assert not article.title_derived
    assert (article.byline, article.date, article.source) == ("本报记者 张三", "2023-04-11", "黔东南日报")
    assert texts(article) == [
        (None, "剑河县群山被薄雾笼罩，中药材种植面积逐年增加。"),
        ("品种与基地", "全县共种植31个品种，建成标准化基地12个。"),
        ("品种与基地", "钩藤"),
        ("品种与基地", "黄精"),
    ]
    assert article.paragraphs[0].raw == "剑河县群山被薄雾 笼罩,中药材种植面\n积逐年增加。"
    assert article.captions == [Caption("上图：村民在采收中药材。", raw="上图:村民在采收中药材。")]


def test_markdown_setext_title_field_lines_and_quotes() -> None:
    fmt, [article] = read_source(SOURCES / "village-teachers.markdown")
    assert fmt == "markdown"
    assert (article.title, article.byline, article.date) == ("乡村教师的一天", "李四", "2024-09-10")
    assert texts(article) == [
        (None, "清晨六点，王老师已经来到学校。她说：“孩子们是山里的希望。”"),
        (None, "全校共有学生213名。"),
    ]


def test_markdown_without_title_takes_first_sentence() -> None:
    _, [article] = read_text("村里新修了一条路,全长 3公里。\n\n第二段。\n", ".md", name="road")
    assert (article.title, article.title_derived) == ("村里新修了一条路，全长3公里", True)


# -- HTML ------------------------------------------------------------------------------------------


def test_html_page_without_navigation_scripts_and_footer() -> None:
    fmt, [article] = read_source(SOURCES / "county-hospital.html")
    assert fmt == "html"
    assert article.title == "正安县人民医院新添设备"
    assert article.byline == "本报记者 王五"
    assert (article.date, article.source) == ("2023-05-20", "黔北新闻网")
    assert article.url == "https://example.org/news/2023/0520.html"
    assert texts(article) == [
        (None, "正安县人民医院新添CT设备2台，群众看病更方便。"),
        (None, "院长赵六说：“今年门诊量预计增长20%。”"),
        (None, "医院还开通了远程会诊。"),
        ("帮扶团队", "来自珠海市人民医院的专家每月坐诊两次。"),
    ]
    assert [(c.kind, c.text) for c in article.captions] == [
        ("caption", "新添的CT设备。"),
        ("credit", "王五摄"),
        ("note", "（责任编辑：钱七）"),
    ]


def test_html_info_line_caption_class_repeated_title_and_meta_source() -> None:
    page = """<html><head><title>茶园新貌</title><meta name="source" content="黔东南日报"></head><body>
    <div class="content"><h1>茶园新貌</h1>
    <div class="info">来源：黔东南日报 作者：张三 时间：2024-05-01 08:30</div>
    <p><strong>本报记者 张三</strong></p>
    <p>茶园新貌</p>
    <p>剑河县茶园面积达到3.6万亩。</p>
    <p class="pic-info">采茶的村民。 李四摄</p>
    </div></body></html>"""
    _, [article] = read_text(page, ".html")
    assert (article.title, article.byline, article.date, article.source) == (
        "茶园新貌",
        "本报记者 张三",
        "2024-05-01",
        "黔东南日报",
    )
    assert [p.text for p in article.paragraphs] == ["剑河县茶园面积达到3.6万亩。"]
    assert [(c.kind, c.text) for c in article.captions] == [
        ("caption", "采茶的村民。"),
        ("credit", "李四摄"),
        ("note", "来源：黔东南日报作者：张三时间：2024-05-01 08:30"),
    ]


def test_html_title_falls_back_to_h1_then_title_tag() -> None:
    page = "<html><head><title>{t}</title>{m}</head><body>{h}<p>正文第一段。</p></body></html>"
    with_h1 = page.format(t="站名_标题", m="", h="<h1>标题甲</h1>")
    assert read_text(with_h1, ".html")[1][0].title == "标题甲"
    only_title = page.format(t="标题乙 - 某某新闻网", m="", h="")
    assert read_text(only_title, ".html")[1][0].title == "标题乙"
    og = page.format(t="x", m='<meta property="og:title" content="标题丙">', h="<h1>标题甲</h1>")
    assert read_text(og, ".html")[1][0].title == "标题丙"


def test_html_without_paragraph_tags_uses_text_blocks_and_time() -> None:
    page = '<html><body><div>第一块文字。</div><div><time datetime="2021-03-04">三月四日</time></div>'
    _, [article] = read_text(page, ".htm")
    assert texts(article) == [(None, "第一块文字。"), (None, "三月四日")]
    assert article.date == "2021-03-04"
    assert article.title == "第一块文字" and article.title_derived


def test_html_byline_line_is_not_body_but_a_sentence_about_a_reporter_is() -> None:
    page = (
        "<html><body><h1>题</h1><p>新华社记者 王五、赵六</p><p>记者了解到，当地共有学生213名。</p>"
        '<div class="author-info">作者：钱七</div><p>（责任编辑：孙八）</p></body></html>'
    )
    _, [article] = read_text(page, ".html")
    assert article.byline == "新华社记者 王五、赵六"
    assert texts(article) == [(None, "记者了解到，当地共有学生213名。")]


def test_txt_holding_html_is_read_as_html() -> None:
    fmt, [article] = read_text("<!DOCTYPE html><html><body><h1>题</h1><p>一段话。</p></body></html>", ".txt")
    assert (fmt, article.title, texts(article)) == ("html", "题", [(None, "一段话。")])


# -- JSON ------------------------------------------------------------------------------------------


def test_jsonl_records_with_text_and_content() -> None:
    fmt, articles = read_source(SOURCES / "more" / "records.jsonl")
    assert fmt == "jsonl"
    first, second = articles
    assert (first.title, first.byline, first.date, first.source, first.url) == (
        "擂台比武促振兴",
        "本报记者 李林蔚",
        "2023-06-02",
        "人民日报",
        "https://example.org/a",
    )
    assert texts(first) == [(None, "沈阳市举办乡村振兴擂台比武。"), (None, "参赛干部120名，来自13个区县。")]
    assert (second.title, texts(second)) == (
        "山区公路通车",
        [(None, "盘山公路全长48公里。"), (None, "沿线串起6个村寨。")],
    )


def test_json_record_with_body_list_and_no_title() -> None:
    fmt, [article] = read_source(SOURCES / "more" / "record.json")
    assert fmt == "json"
    assert (article.title, article.title_derived, article.date) == (
        "2022年8月，一支教育人才帮扶团队来到剑河县",
        True,
        "2022-08-01",
    )
    assert texts(article)[1] == (None, "他们共同组成了一支团队。")


def test_json_list_joins_wrapped_lines_inside_blank_line_blocks() -> None:
    records = [{"title": "甲", "text": "第一段 上半\n下半。\n\nsecond para\ncontinues here."}]
    fmt, [article] = read_text(json.dumps(records, ensure_ascii=False), ".json")
    assert fmt == "json"
    assert texts(article) == [(None, "第一段上半下半。"), (None, "second para continues here.")]


def test_json_lines_in_a_json_file() -> None:
    text = '{"title": "甲", "text": "一。"}\n{"title": "乙", "text": "二。"}\n'
    fmt, articles = read_text(text, ".json")
    assert (fmt, [a.title for a in articles]) == ("jsonl", ["甲", "乙"])


def test_json_syntax_error_names_line_and_column() -> None:
    text = '[\n  {"title": "甲", "text": "一。"},\n  {"title": "乙" "text": "二。"}\n]\n'
    with pytest.raises(BadSource, match=r"^JSON syntax error at line 3, column 17: Expecting ',' delimiter"):
        read_text(text, ".json")


def test_jsonl_syntax_error_names_its_line() -> None:
    text = '{"title": "甲", "text": "一。"}\n{"title": "乙", "text": }\n'
    with pytest.raises(BadSource, match=r"^JSON syntax error at line 2, column 24: Expecting value"):
        read_text(text, ".jsonl")


def test_record_without_text_is_bad() -> None:
    with pytest.raises(BadSource, match=r'^record 2 has no text: give it a non-empty "text"'):
        read_text('[{"title": "甲", "text": "一。"}, {"title": "乙", "text": ""}]', ".json")


def test_squad_style_file_gives_one_article_per_context() -> None:
    data = {
        "version": "x",
        "data": [
            {
                "title": "梵文",
                "paragraphs": [
                    {"context": "梵語 是古老的語言。", "qas": []},
                    {"context": "第二段。\n第三行。"},
                ],
            },
            {"title": "战国无双3", "paragraphs": [{"context": "《战国无双3》（）是一部游戏。"}]},
        ],
    }
    fmt, articles = read_text(json.dumps(data, ensure_ascii=False), ".json")
    assert fmt == "squad"
    assert [(a.title, [p.text for p in a.paragraphs]) for a in articles] == [
        ("梵文（1）", ["梵語 是古老的語言。"]),
        ("梵文（2）", ["第二段。", "第三行。"]),
        ("战国无双3", ["《战国无双3》（）是一部游戏。"]),
    ]


# -- encodings and bad files -----------------------------------------------------------------------

MD = "# 剑河县见闻\n\n种植面积达到15.78万亩。\n"


@pytest.mark.parametrize(
    "data",
    [
        MD.encode("gb18030"),
        MD.encode("gbk"),
        codecs.BOM_UTF8 + MD.encode("utf-8"),
        MD.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_BE + MD.encode("utf-16-be"),
    ],
    ids=["gb18030", "gbk", "utf-8-bom", "utf-16", "utf-16-be"],
)
def test_encodings_are_detected(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(data)
    _, [article] = read_source(path)
    assert (article.title, texts(article)) == ("剑河县见闻", [(None, "种植面积达到15.78万亩。")])


def test_gb18030_rare_characters(tmp_path: Path) -> None:
    assert decode("𠀀镕堃，喆。".encode("gb18030")) == ("𠀀镕堃，喆。", "gb18030")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b" \n\t\n", "empty file"),
        (codecs.BOM_UTF8 + b"\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file (contains NUL bytes)"),
        (bytes(range(0x80, 0x100)) * 8, "binary file (not text in UTF-8, GB18030"),
        (b"[\n", "JSON syntax error at line 2, column 1"),
        (b"{}", "the record has no text"),
        (b"# \xe6\xa0\x87\xe9\xa2\x98\n", "no article text found in this markdown file"),
    ],
    ids=["empty", "blank", "bom-only", "png", "high-bytes", "truncated-json", "no-text", "title-only"],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, data: bytes, message: str) -> None:
    ext = ".json" if message.startswith(("JSON", "the record")) else ".md"
    path = tmp_path / f"bad{ext}"
    path.write_bytes(data)
    with pytest.raises(BadSource) as caught:
        read_source(path)
    assert str(caught.value).startswith(message)


def test_unknown_extension_is_sniffed_or_refused(tmp_path: Path) -> None:
    (tmp_path / "a.dat").write_text('{"title": "甲", "text": "一。"}', encoding="utf-8")
    assert read_source(tmp_path / "a.dat")[0] == "json"
    (tmp_path / "b.doc").write_text("纯文本。", encoding="utf-8")
    with pytest.raises(BadSource, match=r"^unknown file type \.doc: newsqa reads \.htm \.html"):
        read_source(tmp_path / "b.doc")


def test_missing_file_is_bad(tmp_path: Path) -> None:
    with pytest.raises(BadSource, match=r"^cannot read the file: No such file or directory"):
        read_source(tmp_path / "gone.md")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023年4月11日", "2023-04-11"),
        ("2023/4/1", "2023-04-01"),
        ("2023-05-20T09:30:00+08:00", "2023-05-20"),
        ("2023.12.31", "2023-12-31"),
        ("去年8月", "去年8月"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(value: str | None, expected: str | None) -> None:
    assert normalize_date(value) == expected


# -- newspaper page dumps (through corpus.page) ----------------------------------------------------


def test_bundled_page_dump_reads_as_four_articles() -> None:
    fmt, articles = read_source(bundled_corpus_dir() / "peoples-daily-page-guizhou-zutuanshi.txt")
    assert fmt == "page"
    assert [a.byline for a in articles] == ["本报记者 马跃峰", None, "本报记者 叶传增", "本报记者 李林蔚"]
    assert articles[3].title == "擂台比武促振兴"


def test_a_truncated_json_file_is_reported_with_a_readable_message(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"title": "abc", "text": "unterminated', encoding="utf-8")
    with pytest.raises(
        BadSource, match=r"^JSON syntax error at line 1, column 26: Unterminated string; fix it"
    ):
        read_source(path)
