"""Page structure: a page dump in, articles with whole, cleaned paragraphs out."""

import re
from pathlib import Path

import pytest

from corpus.models import JOINED, TRUNCATED, Article
from corpus.page import parse_page

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "articles" / "peoples-daily-page-guizhou-zutuanshi.txt"
OWN = ROOT / "tests" / "data" / "pages" / "zhejiang-yingshang-page.txt"


@pytest.fixture(scope="module")
def seed() -> list[Article]:
    return parse_page(SEED.read_text(encoding="utf-8"), source=SEED.name)


@pytest.fixture(scope="module")
def own() -> list[Article]:
    return parse_page(OWN.read_text(encoding="utf-8"))


def _para(art: Article, start: str) -> str:
    (found,) = [p.text for p in art.paragraphs if p.text.startswith(start)]
    return found


def test_seed_gives_four_articles_with_their_furniture(seed: list[Article]) -> None:
    got = [(a.title, a.title_derived, a.kicker, a.byline, a.column, len(a.paragraphs)) for a in seed]
    assert got == [
        (
            "激活乡村全面振兴“智力引擎”",
            False,
            "贵州省持续健全机制，细化措施，完善保障服务，不断提升干部人才“组团式”帮扶成效",
            "本报记者 马跃峰",
            None,
            31,
        ),
        ("金台潮声：基层社会治理成效如何", True, None, None, "金台潮声", 5),
        ("“确保各方平安，一切都值得”", False, None, "本报记者 叶传增", "我是党员，我在岗位", 13),
        ("擂台比武促振兴", False, "辽宁省沈阳市", "本报记者 李林蔚", None, 4),
    ]
    assert all(a.source == SEED.name for a in seed)


def test_seed_subheadings_and_the_paragraphs_under_them(seed: list[Article]) -> None:
    report = seed[0]
    assert report.headings == [
        "立足现实需求，解决发展难题",
        "团队明责赋权，帮扶着眼长效",
        "加强人才帮带，“输血”又“造血”",
    ]
    assert [p.heading for p in report.paragraphs].count(None) == 3
    assert [p.heading for p in report.paragraphs[3:5]] == ["立足现实需求，解决发展难题"] * 2
    assert (
        report.paragraphs[3].text == "剑河县山地多、耕地少，如何利用有限土地实现高效产出？村民一度苦苦探索。"
    )
    assert report.paragraphs[12].heading == "团队明责赋权，帮扶着眼长效"
    assert report.paragraphs[21].heading == "加强人才帮带，“输血”又“造血”"
    assert all(not a.headings for a in seed[1:])


def test_seed_captions_and_credit_belong_to_the_profile(seed: list[Article]) -> None:
    assert [(c.kind, c.text) for c in seed[2].captions] == [
        ("caption", "上图：陈蓉（右一）正与战友制订训练计划。"),
        ("caption", "左下图：陈蓉进行山岳救援训练。"),
        ("credit", "庄志斌摄"),
    ]
    assert [c for a in (seed[0], seed[1], seed[3]) for c in a.captions] == []


def test_seed_paragraphs_split_by_column_breaks_come_out_whole(seed: list[Article]) -> None:
    assert "要多想想如何让群众生活和办事更方便一些，如何让群众表达诉求的渠道更畅通一些" in _para(
        seed[1], "社区虽小"
    )
    assert _para(seed[2], "换上作战服").startswith(
        "换上作战服，在玉溪市新平县一处高差30米的峭壁前，陈蓉和山岳救援队6名队员聚在一起，"
    )
    assert _para(seed[2], "消防工作").startswith(
        "消防工作与危险常伴，一次次成功救援背后，往往是无数个惊险瞬间。2023年4月11日，玉溪市江川区"
    )
    assert _para(seed[0], "2022年8月").endswith(
        "的8名教师。他们共同组成了一支教育人才“组团式”帮扶团队，由李妙洁任团长。"
    )


def test_seed_stray_last_lines_are_put_back(seed: list[Article]) -> None:
    text = _para(seed[0], "“组团式”帮扶，关键是")
    assert text.startswith(
        "“组团式”帮扶，关键是立足实际、精准施策。贵州立足各县需求，持续完善帮扶举措。"
        "明确1个科技特派团、学校、医院为帮扶牵头单位，同时匹配多家责任单位，多方联动，"
    )
    last = seed[3].paragraphs[-1].text
    assert last.endswith("有效推动了乡村全面振兴各项重点任务落地落实。")
    assert all("有更" not in p.text for a in seed for p in a.paragraphs)


def test_seed_lost_continuations_are_kept_and_flagged(seed: list[Article]) -> None:
    truncated = [p.text[-10:] for a in seed for p in a.paragraphs if TRUNCATED in p.flags]
    assert truncated == [
        "种了60亩中药材，一",
        "扶20家县级人民医院",
        "推动帮扶取得实实在在",
        "间、精力用于服务居民",
        "到有效控制，未出现人",
        "陈蓉说，“我们不上，",
        "，为群众科普消防安全",
        "工委书记和村党组织书",
        "好支书，示范借鉴作用",
    ]


def test_seed_joined_paragraphs_keep_their_raw_blocks(seed: list[Article]) -> None:
    joined = [p for a in seed for p in a.paragraphs if JOINED in p.flags]
    assert len(joined) == 5
    stray = _para(seed[0], "“组团式”帮扶，关键是")
    (p,) = [p for p in seed[0].paragraphs if p.text == stray]
    assert p.raw.split("\n")[1] == "措。明确1个科技特派团、学校、医院为帮扶"
    source = SEED.read_text(encoding="utf-8")
    assert all(block in source for a in seed for para in a.paragraphs for block in para.raw.split("\n"))


def test_seed_body_is_clean(seed: list[Article]) -> None:
    for para in (p for a in seed for p in a.paragraphs):
        assert not re.search(r"[\u4e00-\u9fff，。：“”]\s|\s[\u4e00-\u9fff，。：“”]", para.text)
        assert not re.search(r"本报记者|图：|摄$|^R", para.text)
        assert not re.search(r"[\u4e00-\u9fff][,:?!\"]|[,:?!\"][\u4e00-\u9fff]", para.text)
        assert para.text.count("“") - para.text.count("”") in (0, 1)
    assert _para(seed[2], "人党22年").startswith("人党22年，从事消防工作21年")


def test_own_page_in_other_words(own: list[Article]) -> None:
    assert [(a.title, a.kicker, a.byline, a.column, a.title_derived) for a in own] == [
        (
            "为企业办事“跑一次”变“不用跑”",
            "浙江省持续优化营商环境，推动民营经济高质量发展",
            "本报记者 王晓东 陈雪",
            None,
            False,
        ),
        ("守好群众的“菜篮子”", None, "记者 刘芳", "一线见闻", False),
        ("望海楼：一座城市的温度，藏在细节里", None, None, "望海楼", True),
        ("夜市点亮烟火气", "四川省成都市", "新华社记者 赵磊", None, False),
    ]
    report = own[0]
    assert report.headings == ["简化审批流程，提升服务效率"]
    assert [(p.heading, p.flags, p.text) for p in report.paragraphs[1:4]] == [
        (
            None,
            (JOINED,),
            "“过去办一个许可证要跑好几个部门，现在手机上就能办。”张明远说，如今企业办事越来越便捷，经营成本也降了下来。",
        ),
        (
            "简化审批流程，提升服务效率",
            (JOINED,),
            "浙江把“最多跑一次”改革作为突破口，全面推进政务服务标准化建设，全省共梳理政务服务事项3200余项，"
            "其中九成以上实现网上办理。",
        ),
        (
            "简化审批流程，提升服务效率",
            (TRUNCATED,),
            "今年以来，浙江持续推进企业开办便利化，进一步压缩企业开办时间到",
        ),
    ]
    assert report.paragraphs[5].text.startswith("“我们坚持‘一件事一次办’，让数据多跑路、群众少跑腿。”")
    assert report.paragraphs[6].text == (
        "为了让政策更好落地，各地不断完善配套政策。建立专人联系制度，把惠企政策落实到每一家企业，确保应享尽享。"
        "截至目前，已累计为企业减负860亿元。"
    )


def test_own_page_captions_between_halves_of_a_sentence(own: list[Article]) -> None:
    farm = own[1]
    assert [(c.kind, c.text) for c in farm.captions] == [
        ("caption", "右上图：菜农在大棚里采摘黄瓜。"),
        ("credit", "新华社记者 黄文摄"),
    ]
    assert [p.text for p in farm.paragraphs] == [
        "寿光的冬天来得早，蔬菜大棚里却温暖如春。菜农孙大伟每天清晨五点就来到大棚，查看温度和湿度，一待就是一整天。",
        "“种菜也要讲科学！”孙大伟说，合作社请来农技专家，手把手教大家用水肥一体化设备，"
        "他们共同摸索出一套省工省肥的种植办法，亩均增收3000元。",
    ]
    assert [(c.kind, c.text) for c in own[3].captions] == [
        ("caption", "图为游客在夜市品尝小吃。"),
        ("credit", "新华社发"),
    ]
    assert [p.text for p in own[3].paragraphs][-1] == "据统计，今年以来成都夜间消费占全天消费的比重超过四成。"


def test_own_page_commentary_joined_across_column_widths(own: list[Article]) -> None:
    assert own[2].paragraphs[1].text == (
        "城市是人民的城市。管理者要多站在市民的角度想问题，多听听群众的意见和建议，把好事办好、实事办实，"
        "让每一位市民都能感受到城市的关怀。"
    )


def test_plain_article_text_is_one_article() -> None:
    text = (
        '乡村小学迎来新老师\n\n九月开学, 山里的孩子们迎来了 三位新老师。\n\n"我们会一直留下来。"新老师说。\n'
    )
    (art,) = parse_page(text)
    assert (art.title, art.title_derived, art.byline) == ("乡村小学迎来新老师", False, None)
    assert [p.text for p in art.paragraphs] == [
        "九月开学，山里的孩子们迎来了三位新老师。",
        "“我们会一直留下来。”新老师说。",
    ]


def test_plain_text_without_title_gets_a_derived_one() -> None:
    (art,) = parse_page("今年以来,全市新建公园12个,市民休闲有了更多去处。")
    assert (art.title, art.title_derived) == ("今年以来，全市新建公园12个", True)
    assert art.paragraphs[0].text == "今年以来，全市新建公园12个，市民休闲有了更多去处。"


def test_empty_page_gives_no_articles() -> None:
    assert parse_page("\n\n  \n") == []
