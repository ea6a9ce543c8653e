"""index.tokenize and index.dictionary: search tokens for documents and questions, mined user words."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from index.dictionary import byline_names, mine_words
from index.tokenize import Segmenter, cache_dir


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(["剑河县", "剑河"])


def test_query_tokens_drop_question_words_and_keep_words_and_bigrams(seg: Segmenter) -> None:
    assert seg.query_tokens("劍河中藥材面積是多少?") == [
        *["剑河", "中药", "药材", "中药材", "面积"],
        *["剑河", "河中", "中药", "药材", "材面", "面积"],
    ]


def test_doc_tokens_keep_numbers_whole_and_units_as_tokens(seg: Segmenter) -> None:
    assert seg.doc_tokens("剑河县中药材种植面 积达到15.78万亩，产值2.8亿元") == [
        *["剑河", "剑河县", "中药", "药材", "中药材", "种植", "面积", "达到", "15.78", "万亩", "产值", "2.8"],
        *[
            "亿元",
            "剑河",
            "河县",
            "县中",
            "中药",
            "药材",
            "材种",
            "种植",
            "植面",
            "面积",
            "积达",
            "达到",
            "万亩",
        ],
        *["亩产", "产值", "亿元"],
    ]


def test_traditional_question_matches_simplified_text(seg: Segmenter) -> None:
    assert (
        seg.query_tokens("劍河縣的黃精")
        == seg.query_tokens("剑河县的黄精")
        == [
            *["剑河", "剑河县", "黄精", "剑河", "河县", "黄精"],
        ]
    )


def test_stopwords_and_question_words_break_bigram_runs(seg: Segmenter) -> None:
    assert seg.query_tokens("褚靖在正安县担任什么职务") == [
        *["褚靖", "正安", "安县", "正安县", "担任", "职务"],
        *["褚靖", "正安", "安县", "县担", "担任", "职务"],
    ]


def test_question_words_are_kept_for_answer_typing(seg: Segmenter) -> None:
    assert seg.question_words("科技特派团是哪年几月来到剑河县的？谁带队？") == ["哪年", "几月", "谁"]
    assert seg.question_words("剑河县培育了几家企业") == ["几家"]
    assert seg.question_words("几乎所有村民都种了") == []


def test_user_words_stay_whole() -> None:
    assert Segmenter().words("村民欧条降换上雨靴") == ["村民", "欧条", "降", "换上", "雨靴"]
    assert Segmenter(["欧条降"]).words("村民欧条降换上雨靴") == ["村民", "欧条降", "换上", "雨靴"]


def test_without_bigrams_only_search_mode_words() -> None:
    assert Segmenter(bigrams=False).doc_tokens("国家级科技特派团") == [
        *["国家", "国家级", "科技", "特派", "派团", "特派团"],
    ]


def test_a_pickled_segmenter_segments_the_same(seg: Segmenter) -> None:
    copy = pickle.loads(pickle.dumps(seg))
    assert copy.user_words == ("剑河县", "剑河")
    assert copy.doc_tokens("剑河中药材") == seg.doc_tokens("剑河中药材")


def test_jieba_dictionary_cache_goes_to_the_cache_dir(seg: Segmenter) -> None:
    seg.initialize()
    assert cache_dir() == Path(os.environ["NEWSQA_CACHE_DIR"])
    assert (cache_dir() / "jieba.cache").is_file()


def test_byline_names() -> None:
    assert byline_names("本报记者 马跃峰") == ["马跃峰"]
    assert byline_names("本报记者 马跃峰、李林蔚 本报通讯员 张晓") == ["马跃峰", "李林蔚", "张晓"]


def test_mine_words_finds_places_organisations_and_people_with_short_forms() -> None:
    text = [
        "2022年3月,一支国家级科技特派团来到剑河县,贵州中医药大学教授周涛带队调研。",
        "褚靖担任正 安县人民医院院长。正安县委组织部部长贾军表示,帮扶见效。",
        "在社区,让贵州的群众满意。",
    ]
    assert mine_words(text) == [
        *["周涛", "剑河县", "剑河", "贵州中医药大学", "贾军", "正安县", "正安", "正安县人民医院"],
    ]


def test_guessed_words_across_a_measure_word_or_particle_are_mended() -> None:
    seg = Segmenter()
    assert seg.words("沈阳2023年评了多少名好支书") == [
        "沈阳",
        "2023",
        "年",
        "评",
        "了",
        "多少",
        "名",
        "好",
        "支书",
    ]
    assert seg.query_words("沈陽2023年評了多少名好支書") == ["沈阳", "2023", "年", "评", "好", "支书"]
