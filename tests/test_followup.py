from collections.abc import Callable

from bot.followup import core, is_followup, resolve


def words(question: str) -> list[str]:
    """A stand-in for the segmenter's content words, enough for these questions."""
    known = [
        "剑河",
        "中药材",
        "面积",
        "品种",
        "剑河县",
        "培育",
        "规模",
        "企业",
        "罗甸县",
        "县委书记",
        "陈蓉",
        "消防",
    ]
    return [w for w in known if w in question]


def test_attribute_followup_replaces_the_last_thing_asked() -> None:
    assert resolve("品种呢?", "剑河中药材面积?", words).question == "剑河中药材品种?"


def test_place_followup_replaces_the_place() -> None:
    r = resolve("那正安县呢?", "剑河县培育了几家规模以上中药材企业", words)
    assert r.question == "正安县培育了几家规模以上中药材企业"
    assert r.followup is True


def test_place_followup_replaces_first_subject_when_no_place_word() -> None:
    assert resolve("那正安县呢？", "剑河中药材面积?", words).question == "正安县中药材面积?"


def test_full_question_starts_a_new_topic() -> None:
    r = resolve("陈蓉从事消防工作多少年", "剑河中药材面积?", words)
    assert r.question == "陈蓉从事消防工作多少年"
    assert r.followup is False


def test_no_previous_question_means_no_followup() -> None:
    assert resolve("品种呢?", None, words).followup is False


def test_markers() -> None:
    assert is_followup("品种呢?")
    assert is_followup("那正安县呢")
    assert not is_followup("黄精")
    assert not is_followup("今天天气怎么样")
    assert is_followup("那正安县怎么样？")
    assert not is_followup("剑河县中药材种植面积有多少呢，涉及多少个品种，产值多少，今年的情况怎么样呢")
    assert core("那么正安县的呢？") == "正安县"


def test_a_pronoun_question_is_about_the_previous_subject() -> None:
    r = resolve("她从事消防工作多少年", "陈蓉哪一年担任玉溪市消防救援支队政委", words)
    assert (r.question, r.followup, r.keeps_type) == ("陈蓉从事消防工作多少年", True, False)
    assert resolve("他们从事消防工作多少年", "陈蓉是谁", words).followup is False
    assert resolve("她是谁", None, words).question == "她是谁"


def test_a_traditional_previous_question_is_followed_up_in_simplified() -> None:
    assert resolve("她从事消防工作多少年", "陳蓉是誰", words).question == "陈蓉从事消防工作多少年"
    assert resolve("品种呢?", "劍河中藥材面積?", words).question == "剑河中药材品种?"


def test_he_or_she_is_the_person_the_previous_answer_named() -> None:
    r = resolve("她之前在哪所学校", "边阳中学校长是谁", words, person="李妙洁")
    assert r.question == "李妙洁之前在哪所学校"
    assert resolve("它有多少个品种", "剑河中药材面积?", words, person="李妙洁").question == "剑河有多少个品种"


def more_words(question: str) -> list[str]:
    known = [
        "沈阳市",
        "开展",
        "乡镇",
        "层面",
        "观摩",
        "县级",
        "贵州",
        "医生",
        "组建",
        "医疗",
        "帮扶团",
        "教师",
    ]
    return [w for w in known if w in question] + words(question)


def test_a_followup_ending_in_a_word_of_the_question_fills_that_slot() -> None:
    r = resolve("那县级层面呢?", "沈阳市开展了多少场乡镇层面观摩?", more_words)
    assert r.question == "沈阳市开展了多少场县级层面观摩?"


def test_a_followup_to_a_head_count_replaces_the_people_counted() -> None:
    r = resolve("那教师呢?", "贵州有多少名医生组建了医疗帮扶团?", more_words)
    assert r.question == "贵州有多少名教师组建了医疗帮扶团?"
    # counting things, the follow-up still replaces what was asked about last
    assert (
        resolve("品种呢?", "剑河县培育了几家规模以上中药材企业", words).question
        == "剑河县培育了几家规模以上中药材品种"
    )


def test_a_followup_with_a_question_of_its_own_asks_it_about_the_previous_subject() -> None:
    def segment(question: str) -> list[str]:
        return [w for w in ("雄安一号", "发射", "搭乘", "火箭") if w in question]

    r = resolve("搭乘什么火箭呢?", "雄安一号什么时候发射", segment)
    assert r.question == "雄安一号搭乘什么火箭"
    assert r.keeps_type is False  # it asks for a rocket, not a time


def test_another_place_changes_the_place_inside_an_institution() -> None:
    def segment(question: str) -> list[str]:
        return [w for w in ("正安县人民医院", "院长", "台江县") if w in question]

    assert resolve("那台江县呢?", "正安县人民医院院长是谁", segment).question == "台江县人民医院院长是谁"


def _real_words() -> Callable[[str], list[str]]:
    from index.tokenize import Segmenter

    return Segmenter().query_words


def test_a_followup_thing_replaces_what_a_quantity_question_counts() -> None:
    # the search tokens held the bigram 产路, so 生产路 became 生水塔; its unit (公里) goes with it
    r = resolve("水塔呢？", "永德村修了多少公里生产路？", _real_words())
    assert r.question == "永德村修了多少水塔?"


def test_a_pronoun_means_the_person_the_previous_question_names_whole() -> None:
    from bot.engine import people_named

    real = _real_words()  # jieba alone cuts 栗 战书, 郑 志军
    r = resolve("他在机场受到谁迎接？", "栗战书参观了哪所大学？", real, None, people_named)
    assert r.question == "栗战书在机场受到谁迎接？"
    r = resolve("他的妹妹叫什么？", "郑志军多大年纪？", real, None, people_named)
    assert r.question == "郑志军的妹妹叫什么？"


def test_a_followup_naming_a_person_replaces_the_person() -> None:
    from bot.engine import people_named

    r = resolve("那金永南呢？", "栗战书在机场受到谁迎接？", _real_words(), None, people_named)
    assert (r.question, r.followup) == ("金永南在机场受到谁迎接?", True)
    r = resolve("那孙珉悦呢？", "郑志军的妹妹叫什么？", _real_words(), None, people_named)
    assert r.question == "孙珉悦的妹妹叫什么?"
