"""Cleaning: PDF wrap spaces out, flattened ASCII punctuation back to Chinese punctuation."""

import pytest

from corpus.clean import chinese_punctuation, clean_text, remove_wrap_spaces


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("群山被薄雾 笼罩。", "群山被薄雾笼罩。"),
        ("剑河县中药材种植面 积达到15.78万亩", "剑河县中药材种植面积达到15.78万亩"),
        ("累计开展新技术 781 项,手术带教 9129 次", "累计开展新技术781项,手术带教9129次"),
        ("2023年4月 11日", "2023年4月11日"),
        ("形势危 急。 坚守还是撤离? 陈蓉", "形势危急。坚守还是撤离?陈蓉"),
        ("采用 Open Source 软件 version 2 发布", "采用Open Source软件version 2发布"),
        ("  夜市 热闹  ", "夜市热闹"),
    ],
)
def test_remove_wrap_spaces(raw: str, expected: str) -> None:
    assert remove_wrap_spaces(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('激活"组团式"帮扶这一"智力引擎",不断满足', "激活“组团式”帮扶这一“智力引擎”，不断满足"),
        (
            '习近平总书记强调:"基层干部是决定性因素。"近日,',
            "习近平总书记强调：“基层干部是决定性因素。”近日，",
        ),
        ("\"'组团式'帮扶,不仅仅是人财物\"", "“‘组团式’帮扶，不仅仅是人财物”"),
        ("\"坚持'输血'和'造血'并举。\"", "“坚持‘输血’和‘造血’并举。”"),
        (
            '开启了"珠海市人民医院+正安县人民医院""1+1+N"远程',
            "开启了“珠海市人民医院+正安县人民医院”“1+1+N”远程",
        ),
        ('陈蓉说,"我们不上,', "陈蓉说，“我们不上，"),
        ("种出摇钱树!我们", "种出摇钱树！我们"),
        ("坚守还是撤离?陈蓉", "坚守还是撤离？陈蓉"),
        ("10个县(市、区)专职", "10个县（市、区）专职"),
        ("上图:陈蓉(右一)正与战友", "上图：陈蓉（右一）正与战友"),
        ("增长22.22%,时间10:30,共1,000人", "增长22.22%，时间10:30，共1,000人"),
        ('He said "don\'t", (really)?', 'He said "don\'t", (really)?'),
    ],
)
def test_chinese_punctuation(raw: str, expected: str) -> None:
    assert chinese_punctuation(raw) == expected


def test_clean_text_leaves_ocr_slips_alone() -> None:
    assert clean_text("人党22年, 从事消防工作21年,陈蓉总 是遇事冲在前。") == (
        "人党22年，从事消防工作21年，陈蓉总是遇事冲在前。"
    )


def test_clean_text_on_a_wrapped_quotation() -> None:
    raw = '"种过苞谷,试过水果,付出多、产量少 效益低。"欧条降说'
    assert clean_text(raw) == "“种过苞谷，试过水果，付出多、产量少效益低。”欧条降说"
