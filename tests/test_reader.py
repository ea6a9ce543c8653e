"""The reader: candidate spans of every type, their features, the tree model and its calibration."""

from __future__ import annotations

import math

import pytest

from index.reader import PassageView, QuestionView, collect, read
from index.reader.candidates import Span, gather
from index.reader.features import NAMES, row
from index.reader.model import CALIBRATION_WIDTH, Model, ModelError, calibration_row
from index.reader.question import QuestionType, attribute_type, classify, fold_chars

#: A calibration of one stump on the best score alone: log-odds -1 up to a score of 1.0, +2 above it.
SCORE_ONLY = {
    "width": CALIBRATION_WIDTH,
    "trees": [{"feature": [0], "threshold": [1.0], "left": [~0], "right": [~1], "value": [-1.0, 2.0]}],
}

TEXT = "剑河县中药材种植面积达到15.78万亩，涉及品种31个。院长刘恩姬今年3月曾访问北京同仁医院。"


def view(question: str, text: str = TEXT) -> PassageView:
    asked = QuestionView(question, classify(question), ["剑河", "中药材", "面积", "院长"])
    return PassageView(text, 1, 1.0, 1.0, (0, len(text)), asked)


def test_candidates_of_every_type_whatever_the_question_asks() -> None:
    spans = {TEXT[s.start : s.end]: s.sources for s in gather("柳京眼科综合医院院长", TEXT)}
    assert "quantity" in spans["15.78万亩"]
    assert "quantity" in spans["31个"]
    assert "person" in spans["刘恩姬"]
    assert "date" in spans["今年3月"]
    assert "院长" not in spans  # a word of the question is never its answer


def test_a_score_is_a_quantity_candidate() -> None:
    text = "美国篮球代表团同朝鲜队以110∶110战平。"
    assert "110∶110" in {text[s.start : s.end] for s in gather("朝美篮球赛比分", text)}


def test_feature_rows_follow_the_names() -> None:
    rows = collect([view("剑河中药材面积?")])
    assert rows and all(len(r) == len(NAMES) for _, _, r in rows)
    row = next(r for _, s, r in rows if TEXT[s.start : s.end] == "15.78万亩")
    named = dict(zip(NAMES, row, strict=True))
    assert named["q_quantity"] == 1.0
    assert named["src_quantity"] == 1.0
    assert named["unit_match"] == 1.0  # 面积 asks for 亩/平方公里…
    assert named["in_quote"] == 1.0


def test_a_name_ending_with_the_asked_head_noun_and_spans_cut_inside_a_word() -> None:
    text = "8月19日，“雄安一号”搭乘朱雀三号重复使用遥二运载火箭成功发射。"
    rows = collect([view("雄安一号坐什么火箭上天", text)])
    named = {text[s.start : s.end]: dict(zip(NAMES, r, strict=True)) for _, s, r in rows}
    full = named["朱雀三号重复使用遥二运载火箭"]
    assert (full["q_head"], full["src_head"], full["head_end"]) == (1.0, 1.0, 1.0)
    assert (full["start_mid_word"], full["end_mid_word"]) == (0.0, 0.0)
    assert named["8月19日"]["head_end"] == 0.0
    # 朱雀 is one word: a span from 雀 starts inside it; one up to 运载 ends inside 运载火箭
    start = text.index("雀三号")
    span = Span(start, start + 11, 1.0, frozenset())
    cut = dict(zip(NAMES, row(view("雄安一号坐什么火箭上天", text), span, 1), strict=True))
    assert text[span.start : span.end] == "雀三号重复使用遥二运载"
    assert (cut["start_mid_word"], cut["end_mid_word"], cut["head_end"]) == (1.0, 1.0, 0.0)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("柳京眼科综合医院院长", QuestionType.PERSON),
        ("北部湾港2024年集装箱吞吐量", QuestionType.QUANTITY),
        ("个转企一次办结的期限", QuestionType.DATE),
        ("金正恩看篮球赛的体育馆", QuestionType.PLACE),
        ("2012中国国际新闻论坛主办单位", QuestionType.ORG),
    ],
)
def test_questions_without_a_question_word_are_typed_by_their_attribute(
    question: str, expected: QuestionType
) -> None:
    assert attribute_type(question) is expected
    assert classify(question) is expected


def test_attribute_alone_is_not_a_question_type() -> None:
    assert attribute_type("面积") is None
    assert classify("品种呢") is QuestionType.OTHER


def _stump_model(feature: str, threshold: float, low: float, high: float) -> Model:
    """One tree with one split: ``feature <= threshold`` → ``low``, else ``high``."""
    return Model.from_json(
        {
            "features": list(NAMES),
            "trees": [
                {
                    "feature": [NAMES.index(feature)],
                    "threshold": [threshold],
                    "left": [~0],
                    "right": [~1],
                    "value": [low, high],
                },
                {"feature": [], "threshold": [], "left": [], "right": [], "value": [0.25]},
            ],
            "base": 0.0,
            "calibration": SCORE_ONLY,
            "threshold": 0.5,
        }
    )


def test_trees_score_rows_and_calibration_gives_a_probability() -> None:
    model = _stump_model("unit_match", 0.5, -2.0, 3.0)
    rows = [[0.0] * len(NAMES), [0.0] * len(NAMES)]
    rows[1][NAMES.index("unit_match")] = 1.0
    assert model.scores(rows).tolist() == [-1.75, 3.25]
    assert model.confidence(3.25, -1.75, rows[1], 2) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert model.confidence(0.5, None, rows[1], 2) == pytest.approx(1 / (1 + math.exp(1.0)))


def test_the_calibration_sees_the_score_lead_features_and_candidate_count() -> None:
    row = [0.0] * len(NAMES)
    row[NAMES.index("unit_match")] = 1.0
    values = calibration_row(3.25, -1.75, row, 7)
    assert len(values) == CALIBRATION_WIDTH
    assert values[:2] == [3.25, 5.0]  # the lead is capped at 5
    assert values[-1] == 7.0
    assert calibration_row(3.25, 2.25, row, 7)[1] == 1.0
    assert calibration_row(3.25, None, row, 1)[1] == 5.0  # no other answer text: the largest lead


def test_read_picks_the_best_candidate_with_its_confidence() -> None:
    model = _stump_model("unit_match", 0.5, -2.0, 3.0)
    reading = read([view("剑河中药材面积?")], model)
    assert reading is not None
    assert TEXT[reading.span[0] : reading.span[1]] == "15.78万亩"
    assert reading.confidence == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_the_same_answer_found_twice_is_agreement_not_a_rival() -> None:
    """The lead the calibration sees is over the best *other* answer text, as it was trained: a second
    15.78万亩 scores as high as the first and must not make the lead 0."""
    model = _stump_model("unit_match", 0.5, -2.0, 3.0)
    lead_only = {
        "width": CALIBRATION_WIDTH,
        "trees": [{"feature": [1], "threshold": [1.0], "left": [~0], "right": [~1], "value": [-1.0, 2.0]}],
    }
    model = Model(
        model.forest,
        model.base,
        Model.from_json(
            {"features": list(NAMES), "trees": [], "calibration": lead_only, "threshold": 0.5}
        ).calibration,
        0.5,
        {},
    )
    twice = TEXT + "剑河县中药材种植面积达到15.78万亩。"
    reading = read([view("剑河中药材面积?", twice)], model)
    assert reading is not None
    assert twice[reading.span[0] : reading.span[1]] == "15.78万亩"
    assert reading.confidence == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_a_model_for_other_features_is_refused() -> None:
    with pytest.raises(ModelError, match=r"python -m bench\.train"):
        Model.from_json({"features": ["x"], "trees": [], "calibration": SCORE_ONLY, "threshold": 0.5})


def test_the_bundled_model_matches_this_code() -> None:
    from index.reader import load

    model = load()
    assert 0.0 < model.threshold < 1.0
    assert len(model.forest.feature) > 10


def test_exported_trees_score_as_lightgbm_does() -> None:
    """Oracle: the numpy forest gives LightGBM's own raw scores for the trees ``bench.train`` exports."""
    lightgbm = pytest.importorskip(
        "lightgbm", reason="the train extra is not installed: pip install -e '.[train]'"
    )
    import numpy as np

    from bench.train import _export

    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, len(NAMES)))
    y = (x[:, 3] + 0.5 * x[:, 10] * x[:, 20] > 0.2).astype(int)
    booster = lightgbm.LGBMClassifier(n_estimators=40, num_leaves=15, verbose=-1, random_state=1).fit(x, y)
    model = Model.from_json(
        {"features": list(NAMES), "trees": _export(booster), "calibration": SCORE_ONLY, "threshold": 0.5}
    )
    expected = booster.predict(x[:50], raw_score=True)
    assert np.allclose(model.scores(x[:50].tolist()), expected, atol=1e-9)


def test_a_ranker_and_a_monotone_calibrator_score_as_lightgbm_does() -> None:
    """Oracle: the shipped kinds of model — a LambdaRank ranker over queries of candidates and a calibrator
    constrained to rise with the best score — give LightGBM's own raw scores from the numpy forest."""
    lightgbm = pytest.importorskip(
        "lightgbm", reason="the train extra is not installed: pip install -e '.[train]'"
    )
    import numpy as np

    from bench.train import _export

    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, len(NAMES)))
    y = (x[:, 5] - x[:, 7] > 0.5).astype(int)
    ranker = lightgbm.LGBMRanker(n_estimators=30, num_leaves=15, max_depth=6, verbose=-1, random_state=1)
    ranker.fit(x, y, group=[20] * 30)
    forest = Model.from_json(
        {"features": list(NAMES), "trees": _export(ranker), "calibration": SCORE_ONLY, "threshold": 0.5}
    )
    assert np.allclose(forest.scores(x[:40].tolist()), ranker.predict(x[:40], raw_score=True), atol=1e-9)

    c = rng.normal(size=(800, CALIBRATION_WIDTH))
    right = (c[:, 0] + 0.3 * rng.normal(size=800) > 0).astype(int)
    mono = [1, 1] + [0] * (CALIBRATION_WIDTH - 2)
    calibrator = lightgbm.LGBMClassifier(
        n_estimators=30, num_leaves=7, max_depth=4, monotone_constraints=mono, verbose=-1, random_state=1
    ).fit(c, right)
    cal = {"width": CALIBRATION_WIDTH, "trees": _export(calibrator)}
    model = Model.from_json({"features": list(NAMES), "trees": [], "calibration": cal, "threshold": 0.5})
    z = calibrator.predict(c[:40], raw_score=True)
    assert np.allclose(model.calibration.predict(c[:40]), z, atol=1e-9)
    low, high = c[0].copy(), c[0].copy()
    low[0], high[0] = -2.0, 2.0
    assert model.calibration.predict(np.array([low]))[0] <= model.calibration.predict(np.array([high]))[0]


def test_candidates_lose_a_leading_particle_and_the_end_of_a_post() -> None:
    text = "乐陵市纪委书记、监委主任刘磊说。他参加了绫罗人民游乐园的竣工仪式。"
    values = {text[s.start : s.end] for s in gather("乐陵市纪委书记", text)}
    assert "刘磊" in values and "任刘磊" not in values


_FILED = (
    "本报北京12月20日电（记者刘水明）由光明日报社和中山市委联合主办的“2012中国国际新闻论坛”年会日前举行。"
)


def _spans(question: str, text: str) -> set[str]:
    folded = fold_chars(text)
    return {folded[s.start : s.end] for s in gather(question, folded)}


def test_a_filing_reporter_is_not_an_answer_about_the_news() -> None:
    spans = _spans("2012中国国际新闻论坛谁主办的", _FILED)
    assert "光明日报社" in spans
    assert not any("刘水明" in s for s in spans)
    # 记者协会 in brackets is no filing: its names stay candidates
    assert "王明" in _spans("谁出席了", "（中国记者协会王明）出席了会议。")


def test_a_question_about_the_reporter_gets_the_filing_names() -> None:
    assert "刘水明" in _spans("这篇报道的记者是谁", _FILED)
