"""index.reader.kinds: the kind a which-question asks for, titled works, quoted names, where someone came from."""

from __future__ import annotations

from index.reader.kinds import (
    ORIGIN_BONUS,
    asked_head,
    asked_kind,
    asks_nickname,
    asks_work,
    kind_names,
    origin_bonus,
    quoted_names,
    titled_works,
)


def test_the_head_noun_of_a_which_question_and_the_names_that_satisfy_it() -> None:
    kind = asked_kind("李妙洁之前在哪所学校任职")
    assert kind is not None and kind.noun == "学校"
    assert "中学" in kind.ends and "大学" in kind.ends
    assert "中学" in kind.search_ends
    assert asked_kind("哪個科室") is not None  # traditional input is folded
    assert asked_kind("剑河中药材面积?") is None
    assert asked_kind("罗甸县委书记是谁") is None


def test_school_names_are_candidates_without_the_bare_noun() -> None:
    kind = asked_kind("她在哪所学校任职")
    assert kind is not None
    text = "2022年8月，广州空港实验中学副校长李妙洁来到边阳中学。学校很大。"
    names = {text[c.start : c.end] for c in kind_names(text, kind)}
    assert "广州空港实验中学" in names
    assert "学校" not in names


def test_the_head_noun_an_answer_should_end_with() -> None:
    def noun(question: str) -> str | None:
        kind = asked_head(question)
        return None if kind is None else kind.noun

    assert noun("雄安一号坐什么火箭上天") == "火箭"
    assert noun("金正恩看篮球赛的体育馆") == "体育馆"  # no question word: the final noun after 的
    assert noun("长江上最长的是哪座大桥？") == "大桥"
    assert noun("用什么材料做的") == "材料"
    assert noun("他什么时候来的") is None  # generic: the answer is a date
    assert noun("锦绣山纪念宫改成什么名字") is None
    assert noun("2018年访朝的中国体育代表团团长") is None  # a post: the answer is a person
    assert noun("李妙洁之前在哪所学校任职") is None  # asked_kind's: 学校 is answered by …中学
    assert noun("剑河中药材面积?") is None


def test_names_ending_with_the_head_noun_are_candidates() -> None:
    kind = asked_head("雄安一号坐什么火箭上天")
    assert kind is not None
    text = "“雄安一号”搭乘朱雀三号重复使用遥二运载火箭于东风商业航天创新试验区成功发射。"
    names = {text[c.start : c.end] for c in kind_names(text, kind)}
    assert "朱雀三号重复使用遥二运载火箭" in names  # over the model number 三号, not over the verb 搭乘
    assert "火箭" not in names


def test_questions_for_titled_works_and_nicknames() -> None:
    assert asks_work("中办国办印发了哪份关于社区工作者的文件")
    assert asks_work("新加坡1974年公布了什么文件？")
    assert not asks_work("《战栗游戏》在哪一年被改拍成电影？")  # asks for a year
    assert not asks_work("《历史也疯狂》是哪个电视台的节目？")  # asks for a station
    assert asks_nickname("战友们怎么称呼陈蓉")
    assert asks_nickname("他的绰号是什么？")
    assert not asks_nickname("他为什么会有“矮冬瓜”这个绰号？")


def test_titled_works_and_quoted_names_are_spans_of_the_text() -> None:
    text = (
        "两办印发《关于加强社区工作者队伍建设的意见》。“陈哥”是战友们对她的称呼，“确保各方平安，一切都值得”。"
    )
    assert [text[s:e] for s, e in titled_works(text)] == ["《关于加强社区工作者队伍建设的意见》"]
    assert [text[s:e] for s, e in quoted_names(text)] == ["陈哥"]  # a quoted sentence is no name


def test_where_someone_came_from_beats_where_they_went() -> None:
    text = "广州空港实验中学副校长李妙洁来到边阳中学。"
    came_from = (0, len("广州空港实验中学"))
    went_to = (text.index("边阳中学"), text.index("边阳中学") + 4)
    assert origin_bonus("李妙洁之前在哪所学校任职", text, *came_from) == ORIGIN_BONUS
    assert origin_bonus("李妙洁之前在哪所学校任职", text, *went_to) == -ORIGIN_BONUS
    assert origin_bonus("李妙洁在哪所学校任职", text, *came_from) == 0.0


def test_a_plural_question_gets_the_listed_names_as_one_answer() -> None:
    from index.reader.kinds import asks_several, listed
    from index.reader.spans import Candidate

    assert asks_several("意见是哪两个部门印发的") and asks_several("有哪些品种")
    assert not asks_several("哪个部门印发的")
    text = "中共中央办公厅、国务院办公厅印发"
    a, b = Candidate(0, 7, 1.0), Candidate(8, 14, 1.0)
    assert [(c.start, c.end) for c in listed([a, b], text)] == [(0, 14)]
    assert listed([a, Candidate(9, 14, 1.0)], text) == []  # not next to each other
