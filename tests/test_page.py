"""Page structure: a page dump in, articles with whole, cleaned paragraphs out."""

import re
from pathlib import Path

import pytest

from corpus.clean import clean_text
from corpus.models import JOINED, TRUNCATED, Article
from corpus.page import parse_page

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "articles" / "peoples-daily-page-guizhou-zutuanshi.txt"
PAGES = ROOT / "tests" / "data" / "pages"
OWN = PAGES / "zhejiang-yingshang-page.txt"


@pytest.fixture(scope="module")
def seed() -> list[Article]:
    return parse_page(SEED.read_text(encoding="utf-8"), source=SEED.name)


@pytest.fixture(scope="module")
def own() -> list[Article]:
    return parse_page(OWN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fishery() -> list[Article]:
    return parse_page((PAGES / "fujian-xiapu-page.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def alley() -> list[Article]:
    return parse_page((PAGES / "hubei-xiaoxiang-page.txt").read_text(encoding="utf-8"))


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
        "推动帮扶取得实实在在",
        "间、精力用于服务居民",
        "到有效控制，未出现人",
        "陈蓉说，“我们不上，",
        "，为群众科普消防安全",
        "工委书记和村党组织书",
        "好支书，示范借鉴作用",
    ]


def test_seed_paragraph_that_only_lost_its_final_mark_is_not_truncated(seed: list[Article]) -> None:
    (para,) = [p for p in seed[0].paragraphs if p.text.endswith("集中帮扶20家县级人民医院")]
    assert para.flags == (JOINED,)
    assert para.raw.split(" ")[-1] == "级人民医院"


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


def test_fishery_page_furniture(fishery: list[Article]) -> None:
    assert [(a.title, a.kicker, a.byline, a.headings, len(a.paragraphs)) for a in fishery] == [
        (
            "深海网箱养出“金鲳鱼”",
            "福建省推动海洋渔业转型升级，拓宽渔民增收渠道",
            "本报记者 林海峰",
            ["从近海捕捞到深海养殖"],
            6,
        ),
        ("海上渔排有了“新邻居”", "福建省宁德市", "新华社记者 吴明 何静", [], 2),
    ]
    assert [(c.kind, c.text) for c in fishery[0].captions] == [
        ("caption", "右图：渔民在深海网箱投喂饲料。"),
        ("credit", "本报记者 林海峰摄"),
    ]


def test_fishery_page_repairs(fishery: list[Article]) -> None:
    report, short = fishery
    assert [(p.flags, p.text[-12:]) for p in report.paragraphs[2:]] == [
        (
            (JOINED,),
            "全县水产品产值突破百亿元",
        ),  # a word cut by a column break; a short last line: only 。 lost
        ((), "来已举办培训班30多期。"),
        ((JOINED,), "活率也高了。”陈秀兰说。"),  # a caption and a credit between the halves of a word
        ((JOINED,), "产品远销日本、韩国等地。"),  # the page's last lines put back after 提升产品品
    ]
    assert [(p.flags, p.text[-12:]) for p in short.paragraphs] == [
        ((TRUNCATED,), "费、办事都可以在服务站完"),
        ((), "去急需的药品和生活用品。"),
    ]
    assert "推广抗风浪深海网箱，全县深海养殖面积达到2.3万亩" in report.paragraphs[2].text
    assert "一排排水池中，成千上万尾鱼苗游来游去。“鱼苗自己育" in report.paragraphs[4].text
    assert "同时建立追溯体系，提升产品品质。全县已有3家企业" in report.paragraphs[5].text
    assert report.paragraphs[2].heading == "从近海捕捞到深海养殖"


def test_alley_page_furniture(alley: list[Article]) -> None:
    assert [(a.title, a.title_derived, a.byline, a.column) for a in alley] == [
        ("小巷里的大民生", False, None, "今日谈"),
        ("社区里的“热心肠”", False, "本报记者 周敏", "身边的榜样"),
    ]
    assert [(c.kind, c.text) for c in alley[1].captions] == [
        ("caption", "左上图：何丽萍在为社区老人测量血压。"),
        ("credit", "本报记者 周敏摄"),
    ]
    assert all(not a.captions for a in alley[:1])


def test_alley_page_repairs(alley: list[Article]) -> None:
    commentary, profile = alley
    assert [(p.flags, p.text) for p in commentary.paragraphs] == [
        (
            (JOINED,),
            "老旧小区改造，改的是房子，暖的是人心。加装电梯、疏通管道、修补路面，一件件小事，连着千家万户的日子。",
        ),
        (
            (JOINED,),
            "办好这些小事，既要有热情，也要有办法。有的地方先问需于民，再定改造方案；有的地方建立长效机制，"
            "让设施坏了有人修、修了有人管，让群众共享发展成果。各级干部要把群众的小事当作自己的大事，一件一件抓落实。",
        ),
    ]
    assert [(p.flags, p.text[:12], p.text[-12:]) for p in profile.paragraphs] == [
        ((), "武汉市江岸区的一条老巷子", "有事，大家第一个想到她。"),
        ((JOINED,), "每天早上八点，何丽萍都会", "，记在随身带的小本子上。"),
        ((), "前年冬天，一户老人家里的", "维修师傅，忙到凌晨才回家"),  # a short last line: only 。 lost
        ((TRUNCATED,), "“她比我们的儿女还上心。", "伍已经发展到两百多名队员"),  # runs to the column's foot
        ((), "如今，巷子里的路灯亮了，", "，邻里之间的走动也多了。"),
    ]
    assert "遇到行动不便的老人，她就帮着买菜" in profile.paragraphs[1].text


@pytest.mark.parametrize(
    ("last_lines", "flags"),
    [
        ("直接运到城里的批发市场", ()),  # stops short of the column's edge on a whole word: only 。 lost
        ("直接运到城里的批发市场和", (TRUNCATED,)),  # a word that cannot end a sentence
        ("直接运到城里的超", (TRUNCATED,)),  # not a whole word
        (
            "直接运到城里的批发市场,周边县城 的超市和农贸市场也都摆上了货架",
            (TRUNCATED,),
        ),  # to the column's edge
    ],
)
def test_a_paragraph_that_only_lost_its_final_mark(last_lines: str, flags: tuple[str, ...]) -> None:
    page = (
        "果子进城\n\n今年春天,县里新修了一条通 村公路,沿线十多个村的果子可以 "
        + last_lines
        + "\n\n今年秋天,村里还建起了冷库, 果子可以错峰上市,价格也卖得更好 了。\n"
    )
    (art,) = parse_page(page)
    assert [p.flags for p in art.paragraphs] == [flags, ()]
    assert art.paragraphs[0].text.endswith(clean_text(last_lines))


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


def test_a_credit_with_a_wrap_space_inside_a_two_character_name_is_kept_as_a_credit() -> None:
    page = "茶园新貌\n\n本报记者 马跃峰\n\n剑河县茶园面积达到3.6万亩,今年春茶产量创新高。\n\n胡 超摄\n"
    [article] = parse_page(page)
    assert [(c.kind, c.text) for c in article.captions] == [("credit", "胡 超摄")]
    assert [p.text for p in article.paragraphs] == ["剑河县茶园面积达到3.6万亩，今年春茶产量创新高。"]
