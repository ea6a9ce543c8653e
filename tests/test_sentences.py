"""Sentence splitting: exact sentences of seed-page paragraphs and of small texts."""

from __future__ import annotations

from index.reader.sentences import quote_sentences, split_sentences


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_seed_paragraph_keeps_closing_quote() -> None:
    text = (
        '"从选品种到送技术,再到深加工,钩藤地里的成果离不开专家指导。"欧条降说,得益于一批批专家接续帮扶,'
        "不少村民像他一样,找到合适的致富路,腰包越来越鼓。"
    )
    assert _texts(text) == [
        '"从选品种到送技术,再到深加工,钩藤地里的成果离不开专家指导。"',
        "欧条降说,得益于一批批专家接续帮扶,不少村民像他一样,找到合适的致富路,腰包越来越鼓。",
    ]


def test_seed_semicolons_and_decimals() -> None:
    text = (
        "剑河县中药材种植面积达到15.78万亩,涉及品种31个。据介绍,已经建成急诊急救中心86个,创建重点专科23个;"
        "20所普通高中新增特色选修课程193门;"
    )
    assert _texts(text) == [
        "剑河县中药材种植面积达到15.78万亩,涉及品种31个。",
        "据介绍,已经建成急诊急救中心86个,创建重点专科23个;",
        "20所普通高中新增特色选修课程193门;",
    ]


def test_chinese_punctuation_and_quotes() -> None:
    text = "他说：“好。”然后走了！真的吗？当然……  版本1.5发布. 再见"
    assert _texts(text) == ["他说：“好。”", "然后走了！", "真的吗？", "当然……", "版本1.5发布.", "再见"]


def test_spans_are_offsets_into_text() -> None:
    text = "  第一句。\n第二句！  "
    assert split_sentences(text) == [(2, 6), (7, 11)]


def test_ascii_exclamation_inside_quote() -> None:
    text = '"贫瘠地也能种出摇钱树! 我们推行的帮扶,是全要素的帮扶。"剑河县委副书记吴小勇说。'
    assert _texts(text) == [
        '"贫瘠地也能种出摇钱树!',
        '我们推行的帮扶,是全要素的帮扶。"',
        "剑河县委副书记吴小勇说。",
    ]


def test_long_sentence_cut_at_comma() -> None:
    text = "甲" * 30 + "," + "乙" * 30 + "," + "丙" * 30
    assert split_sentences(text, max_chars=40) == [(0, 31), (31, 62), (62, 92)]


def test_empty_and_punctuation_only() -> None:
    assert split_sentences("") == []
    assert split_sentences("   ") == []
    assert _texts("结束了。。。!") == ["结束了。。。!"]
    assert _texts("好。”") == ["好。”"]


def test_a_speech_tag_stays_with_its_quotation_when_quoting() -> None:
    text = '"孩子生日,本想给他做顿午饭。及时扑灭山火,一切都值得。"陈蓉说。她又出发了。'
    parts = [text[s:e] for s, e in quote_sentences(text)]
    assert parts == ['"孩子生日,本想给他做顿午饭。', '及时扑灭山火,一切都值得。"陈蓉说。', "她又出发了。"]
    assert [text[s:e] for s, e in split_sentences(text)][2] == "陈蓉说。"  # the reader's sentences as before
    said = "“我们不上，谁上？”他笑着说。"
    assert [said[s:e] for s, e in quote_sentences(said)] == [said]
    plain = "会议结束。陈蓉说。"  # no quotation before it: a sentence of its own
    assert [plain[s:e] for s, e in quote_sentences(plain)] == ["会议结束。", "陈蓉说。"]
