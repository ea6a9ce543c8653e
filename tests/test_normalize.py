"""index.normalize: the matching form of text."""

from __future__ import annotations

from index.normalize import fold, is_cjk


def test_traditional_becomes_simplified() -> None:
    assert fold("劍河縣的黃精") == "剑河县的黄精"


def test_full_width_letters_digits_and_case() -> None:
    assert fold("１５．７８萬畝，ＡＢＣ Ｄｅｆ") == "15.78万亩,abc def"


def test_pdf_wrap_spaces_inside_chinese_are_removed() -> None:
    assert fold("群山被薄雾 笼罩。种植面 积") == "群山被薄雾笼罩。种植面积"


def test_spaces_between_latin_words_and_numbers_stay_single() -> None:
    assert fold("Hello   World 2024 年") == "hello world 2024 年"


def test_chinese_punctuation_is_folded_to_ascii() -> None:
    assert fold("“黄精”：钩藤？好！（一）、《人民日报》——") == '"黄精":钩藤?好!(一),"人民日报"--'


def test_sentence_full_stop_is_kept_so_numbers_do_not_merge() -> None:
    assert fold("增长3。5月份") == "增长3。5月份"


def test_is_cjk() -> None:
    assert [is_cjk(c) for c in "剑a1，"] == [True, False, False, False]


def test_squash_folds_and_drops_all_whitespace() -> None:
    from index.normalize import squash

    assert squash(" 劍河 １５.７８萬畝\n") == "剑河15.78万亩"
