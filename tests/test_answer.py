"""Answer extraction: evidence sentences and typed spans, with literal inputs and exact answers."""

from __future__ import annotations

import json
import re

import pytest

from index.reader.answer import answer_text, best_sentence, extract
from index.reader.question import QuestionType, classify
from tests.conftest import ROOT, shared_file

SEED_JIANHE = (
    '"山上的林业资源丰富,长着钩藤、黄精等上千种野生中药材,十分适合发展中药材产业。"2022年3月,一支由23人组成的'
    "国家级科技特派团来到剑河县,贵州中医药大学教授、特派团技术团长周涛带队调研,联合县政府划定钩藤、黄精等中药材"
    "种植产业带,建设中药材种植试验示范点,持续进行后期技术跟踪服务。剑河县中药材种植面积达到15.78万亩,涉及品种31个。"
)
SEED_LUODIAN = (
    "\"坚持'输血'和'造血'并举,育强本土人才队伍,这是教育帮扶的关键。通过全心全意的投入、实实在在的支持、"
    "着眼长远的规划,'组团式'帮扶推动罗甸县教育事业取得长足发展。\"罗甸县委书记梁玉林说。"
)
SEED_CHUJING = (
    "2022年起褚靖担任正安县人民医院院长,两年时间里,他将自己的管理经验和技术倾囊相授,帮助正安县提升医疗水平。"
)
SEED_TOTALS = (
    "据介绍,贵州20个被集中帮扶的医院已经建成急诊急救中心86个,创建重点专科23个;20所普通高中新增特色选修课程"
    "193门;20所职业高中全部完成产业需求对接并优化专业设置,校企合作共建专业83个、课程89门,联合培养学生2659名;"
    "科技特派团帮助指导发展优势特色产业105个。"
)
SEED_TECH = (
    "截至目前,全省教育帮扶团队累计培训教师5万余人次;20家被帮扶医院累计开展新技术781项,手术带教9129次;"
    "20个县科技特派团解决技术问题2147个,指导推广应用新品种新技术1301个。"
)
SEED_LI = "2022年8月,广州空港实验中学副校长李妙洁来到边阳中学。与她同时到来的,还有8名教师。"
MUSEUM = (
    "新馆位于浙江省杭州市西湖区,占地面积约3.5万平方米。馆长王建国介绍,新馆于2023年4月11日正式对外开放,"
    "首日接待游客5万余人次。"
)


#: Cases the learned reader gets wrong where the hand-set rules it replaced were right (see the issue note): the
#: school she came to instead of the one she came from; a date with the words around it (…日正式对外, 建于…).
REGRESSION = "learned reader: a known miss (the rules it replaced got this one)"


def _answer(question: str, text: str, tokens: list[str]) -> str | None:
    qtype = classify(question)
    span = extract(question, qtype, text, best_sentence(text, tokens, qtype), tokens)
    return None if span is None else answer_text(text, span)


def _quote(text: str, tokens: list[str], qtype: QuestionType | None = None) -> str:
    start, end = best_sentence(text, tokens, qtype)
    return text[start:end]


@pytest.mark.parametrize(
    ("question", "text", "tokens", "expected"),
    [
        ("剑河中药材面积?", SEED_JIANHE, ["剑河", "中药材", "面积"], "15.78万亩"),
        ("剑河中药材品种有多少?", SEED_JIANHE, ["剑河", "中药材", "品种"], "31个"),
        ("科技特派团是哪年几月来到剑河县的", SEED_JIANHE, ["科技", "特派团", "来到", "剑河县"], "2022年3月"),
        ("国家级科技特派团由多少人组成", SEED_JIANHE, ["国家级", "科技", "特派团", "组成"], "23人"),
        ("特派团技术团长是谁", SEED_JIANHE, ["特派团", "技术", "团长"], "周涛"),
        ("罗甸县委书记是谁", SEED_LUODIAN, ["罗甸", "县委书记"], "梁玉林"),
        ("褚靖在正安县担任什么职务", SEED_CHUJING, ["褚靖", "正安县", "担任", "职务"], "正安县人民医院院长"),
        ("褚靖哪一年担任院长", SEED_CHUJING, ["褚靖", "担任", "院长"], "2022年"),
        (
            "被集中帮扶的医院创建了多少个重点专科",
            SEED_TOTALS,
            ["集中", "帮扶", "医院", "创建", "重点", "专科"],
            "23个",
        ),
        ("校企合作联合培养了多少名学生", SEED_TOTALS, ["校企", "合作", "联合", "培养", "学生"], "2659名"),
        pytest.param(
            "科技特派团指导推广了多少个新品种新技术",
            SEED_TECH,
            ["科技", "特派团", "指导", "推广", "新品种", "技术"],
            "1301个",
        ),
        ("教育帮扶团队培训了多少教师", SEED_TECH, ["教育", "帮扶", "团队", "培训", "教师"], "5万余人次"),
        pytest.param(
            "李妙洁之前在哪所学校任职",
            SEED_LI,
            ["李妙洁", "之前", "学校", "任职"],
            "广州空港实验中学",
            marks=pytest.mark.xfail(strict=True, reason=REGRESSION + " (gives 边阳中学, where she came to)"),
        ),
        ("新馆位于哪里", MUSEUM, ["新馆"], "浙江省杭州市西湖区"),
        ("新馆占地面积多大", MUSEUM, ["新馆", "占地", "面积"], "约3.5万平方米"),
        pytest.param(
            "新馆什么时候开放",
            MUSEUM,
            ["新馆", "开放"],
            "2023年4月11日",
        ),
        ("首日接待游客多少", MUSEUM, ["首日", "接待", "游客"], "5万余人次"),
        ("谁介绍了新馆的情况", MUSEUM, ["介绍", "新馆", "情况"], "王建国"),
        (
            "全市去年查处交通违法多少起",
            "去年全市共查处交通违法行为2000余起,比前年下降12.5%。",
            ["全市", "查处", "交通", "违法"],
            "2000余起",
        ),
        (
            "志愿者服务了多少人次",
            "今年以来,志愿者累计服务群众近7000人次,开展活动48场。",
            ["志愿者", "服务"],
            "近7000人次",
        ),
        ("开展了几场活动", "今年以来,志愿者累计服务群众近7000人次,开展活动48场。", ["开展", "活动"], "48场"),
        (
            "合作社流转了多少土地",
            "村里成立合作社,流转土地三千二百亩,带动农户增收。",
            ["合作社", "流转", "土地"],
            "三千二百亩",
        ),
        (
            "每个村配备几名医生",
            "按照规定,每个村配备1到2名医生,每月巡诊一次。",
            ["村", "配备", "医生"],
            "1到2名",
        ),
        (
            "赵应菊获得了什么奖",
            "去年她在全国职业院校技能大赛教学能力比赛中获得二等奖。",
            ["获得", "奖"],
            "二等奖",
        ),
        ("大桥总投资多少", "大桥总投资2.8亿元,全长1.2公里。", ["大桥", "总投资"], "2.8亿元"),
        ("大桥有多长", "大桥总投资2.8亿元,全长1.2公里。", ["大桥"], "1.2公里"),
        (
            "工厂是哪一年建成的",
            "这家工厂建于上世纪90年代,去年8月完成改造。",
            ["工厂", "建成"],
            "上世纪90年代",
        ),
        (
            "工厂哪个月完成改造",
            "这家工厂建于上世纪90年代,去年8月完成改造。",
            ["工厂", "完成", "改造"],
            "去年8月",
        ),
        (
            "患者被转到哪家医院",
            "患者随后被转到浙江大学医学院附属第一医院接受治疗。",
            ["患者", "转到", "医院"],
            "浙江大学医学院附属第一医院",
        ),
        ("光条村在哪个县", "剑河县革东镇光条村村民欧条降换上雨靴。", ["光条村"], "剑河县"),
    ],
)
def test_typed_answer(question: str, text: str, tokens: list[str], expected: str) -> None:
    assert _answer(question, text, tokens) == expected


def test_traditional_text_and_question() -> None:
    text = "劍河縣中藥材種植面積達到15.78萬畝,涉及品種31個。"
    assert _answer("劍河中藥材面積?", text, ["剑河", "中药材", "面积"]) == "15.78萬畝"
    assert _answer("羅甸縣委書記是誰", "羅甸縣委書記梁玉林說。", ["罗甸", "县委书记"]) == "梁玉林"


def test_never_answers_with_what_the_question_contains() -> None:
    text = "2021年全县接待游客80万人次,2022年接待游客120万人次。"
    assert _answer("2022年全县有多少游客", text, ["2022", "全县", "游客"]) == "120万人次"
    assert _answer("褚靖是谁", "褚靖说。", ["褚靖"]) is None


def test_unit_follows_the_question() -> None:
    text = "剑河县建成中药配方颗粒生产线,培育4家规模以上中药材企业,产业产值突破2.8亿元,建起37个农业示范基地。"
    assert (
        _answer("剑河县培育了几家规模以上中药材企业", text, ["剑河县", "培育", "规模", "中药材", "企业"])
        == "4家"
    )
    assert _answer("剑河县中药材产值多少", text, ["剑河县", "中药材", "产值"]) == "2.8亿元"


def test_proximity_respects_enumeration_items() -> None:
    text = "2022年以来,全市开展乡镇层面观摩640场、县级层面观摩48场,参与观摩的乡村干部近7万人次。"
    tokens = ["县级", "层面", "观摩", "开展"]
    assert _answer("县级层面观摩开展了多少场", text, tokens) == "48场"


def test_proximity_respects_the_first_enumeration_item() -> None:
    text = "2022年以来,全市开展乡镇层面观摩640场、县级层面观摩48场,参与观摩的乡村干部近7万人次。"
    assert _answer("乡镇层面观摩开展了多少场", text, ["乡镇", "层面", "观摩", "开展"]) == "640场"


def test_other_questions_get_the_aligned_phrase() -> None:
    text = "石灰窑多建在山脚,以煤炭或木柴为燃料,烧制生石灰。"
    assert _answer("石灰窑以什么为燃料", text, ["石灰窑", "燃料"]) == "煤炭或木柴"
    text = "山楂(),又称山里红、红果,是蔷薇科的落叶乔木。果实酸甜,可以生吃。"
    assert _answer("山楂又叫什么", text, ["山楂"]) == "山里红、红果"
    text = "这座桥是由中铁和港航合作建造的跨江大桥,全长1.2公里。"
    assert _answer("这座桥是由哪两家公司合作建造的", text, ["桥", "公司", "合作", "建造"]) == "中铁和港航"


def test_yes_no_and_other_have_no_span() -> None:
    text = "馆长王建国介绍,新馆共有展厅12个。"
    assert _answer("新馆有展厅吗", text, ["新馆", "展厅"]) is None
    assert _answer("新馆的展厅怎么样", text, ["新馆", "展厅"]) is None


def test_best_sentence_prefers_coverage_over_topic() -> None:
    assert (
        _quote(SEED_JIANHE, ["剑河", "中药材", "面积"]) == "剑河县中药材种植面积达到15.78万亩,涉及品种31个。"
    )
    assert _quote(SEED_LUODIAN, ["罗甸", "县委书记"]) == (  # what he said with who said it, not the tag alone
        "通过全心全意的投入、实实在在的支持、着眼长远的规划,'组团式'帮扶推动罗甸县教育事业取得长足发展。\"罗甸县委书记梁玉林说。"
    )
    text = "大鳞大眼鲷,又称日本锯大眼鲷,为辐鳍鱼纲鲈形目的其中一个种。体长可达20公分。"
    assert _quote(text, ["大鳞大眼", "鲷", "体长", "公分"], QuestionType.QUANTITY) == "体长可达20公分。"


def test_best_sentence_of_text_without_stops() -> None:
    assert best_sentence("", ["剑河"]) == (0, 0)
    assert best_sentence("剑河县中药材", []) == (0, 6)


@pytest.mark.slow
def test_cmrc_quote_and_span_rates() -> None:
    """On CMRC 2018 dev, given the gold context: the evidence sentence holds the answer, typed spans match."""
    import jieba

    path = shared_file("data/cmrc2018/squad-style-data_cmrc2018_dev.json")
    tokenizer = jieba.Tokenizer()
    stop_text = "的 了 是 在 吗 呢 什么 多少 几 哪 谁 哪里 哪个 哪一年 哪年 怎么 如何 有 和 被 由 ? ？ ，"
    stop = set(stop_text.split())
    quoted = matched = typed = total = 0
    for article in json.loads(path.read_text(encoding="utf-8"))["data"][:300]:
        for para in article["paragraphs"]:
            context = para["context"]
            for qa in para["qas"]:
                question, golds = qa["question"], [a["text"] for a in qa["answers"]]
                tokens = [w for w in tokenizer.cut_for_search(question) if w.strip() and w not in stop]
                qtype = classify(question)
                sentence = best_sentence(context, tokens, qtype)
                total += 1
                quoted += any(g in context[sentence[0] : sentence[1]] for g in golds)
                if qtype in (QuestionType.QUANTITY, QuestionType.DATE):
                    typed += 1
                    span = extract(question, qtype, context, sentence, tokens)
                    matched += span is not None and any(g in answer_text(context, span) for g in golds)
    assert quoted / total >= 0.80
    assert matched / typed >= 0.5


SEED_CHUJING_PROFILE = (
    '"不是简单地参与,时间一到就走人。"珠海市人民医院医务科主任、泌尿外科主任医师褚靖从事泌尿外科16年,'
    "具有丰富的临床经验。2022年起褚靖担任正安县人民医院院长,两年时间里,他将自己的管理经验和技术倾囊相授。"
)
SEED_CHENRONG = (
    "参加工作以来,陈蓉共参与处置各类灾害事故和灭火救援行动2000余起。2020年,陈蓉担任玉溪市消防救援支队政委。"
)


@pytest.mark.parametrize(
    ("question", "text", "tokens", "expected"),
    [
        ("褚靖是谁", SEED_CHUJING_PROFILE, ["褚靖"], "泌尿外科主任医师"),
        ("梁玉林是什么人", SEED_LUODIAN, ["梁玉林"], "罗甸县委书记"),
        ("李妙洁是谁", SEED_LI, ["李妙洁"], "广州空港实验中学副校长"),
        ("陈蓉是谁?", SEED_CHENRONG, ["陈蓉"], "玉溪市消防救援支队政委"),
        (
            "郝德泉从事什么职业",
            "郝德泉,京剧琴师,曾给周信芳、盖叫天等京剧表演艺术家操琴。",
            ["郝德泉"],
            "京剧琴师",
        ),
        ("罗甸县委书记是谁", SEED_LUODIAN, ["罗甸", "县委书记"], "梁玉林"),  # a post: the name is the answer
        ("褚靖在正安县担任什么职务", SEED_CHUJING_PROFILE, ["褚靖", "正安县", "担任"], "正安县人民医院院长"),
    ],
)
def test_who_is_a_name_answers_with_the_description(
    question: str, text: str, tokens: list[str], expected: str
) -> None:
    qtype = classify(question)
    span = extract(question, qtype, text, best_sentence(text, tokens, qtype, question=question), tokens)
    assert span is not None
    assert answer_text(text, span) == expected


def test_who_is_on_the_seed_page() -> None:
    """褚靖是谁 over the bundled page's paragraph, with the PDF line-wrap spaces removed as the ingester does."""
    page = next((ROOT / "corpus" / "articles").glob("*.txt")).read_text(encoding="utf-8")
    paragraph = next(line for line in page.splitlines() if "主任医 师褚靖" in line)
    text = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", paragraph)
    qtype = classify("褚靖是谁")
    span = extract(
        "褚靖是谁", qtype, text, best_sentence(text, ["褚靖"], qtype, question="褚靖是谁"), ["褚靖"]
    )
    assert span is not None
    assert answer_text(text, span) == "泌尿外科主任医师"


def test_best_sentence_aligns_with_the_question() -> None:
    text = "沼鹿又名泽鹿,是原住于印度及尼泊尔的鹿。饲养的沼鹿寿命可达23岁。"
    qtype = classify("沼鹿又叫什么")
    assert _quote(text, ["沼鹿"], qtype) == "饲养的沼鹿寿命可达23岁。"
    start, end = best_sentence(text, ["沼鹿"], qtype, question="沼鹿又叫什么")
    assert text[start:end] == "沼鹿又名泽鹿,是原住于印度及尼泊尔的鹿。"
    text = "锅炉房建在厂区北侧。新式锅炉以天然气为燃料,比燃煤锅炉清洁。锅炉每年检修两次。"
    start, end = best_sentence(text, ["锅炉", "燃料"], QuestionType.OTHER, question="锅炉以什么为燃料")
    assert text[start:end] == "新式锅炉以天然气为燃料,比燃煤锅炉清洁。"


def test_person_answer_never_contains_the_asked_about_name() -> None:
    text = "前一天临近午夜，陈蓉才处置完辖区内的一场森林火情返回支队。"
    span = extract("陈蓉是谁", QuestionType.PERSON, text, (0, len(text)), ["陈蓉"])
    assert span is None or "陈蓉" not in text[span[0] : span[1]]  # not 陈蓉才
