"""index/posseg_viterbi.py decodes exactly as jieba's own POS Viterbi: same states, same probability."""

from __future__ import annotations

import random
import re

from index.jieba_cache import import_posseg
from index.posseg_viterbi import Tables, viterbi
from index.tokenize import cache_dir
from tests.conftest import shared_file

HAN = re.compile(r"[\u4E00-\u9FD5]+")


def _original():  # type: ignore[no-untyped-def]
    import sys

    import_posseg(cache_dir())
    return sys.modules["jieba.posseg.viterbi"].viterbi


def _blocks() -> list[str]:
    """Runs of Chinese characters from the bundled page, and random strings of its characters."""
    from corpus.ingest import bundled_corpus_dir

    text = "".join(
        p.read_text(encoding="utf-8") for p in sorted(bundled_corpus_dir().rglob("*")) if p.is_file()
    )
    blocks = [m.group() for m in HAN.finditer(text)][:1500]
    rng = random.Random(7)
    chars = "".join(blocks) + "龘靐齉〇㐀"  # and characters the model never saw
    blocks += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 14))) for _ in range(1500)]
    return blocks


def test_the_same_route_and_probability_as_jiebas_viterbi() -> None:
    posseg = import_posseg(cache_dir())
    original = _original()
    tables = Tables(posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
    args = (posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
    differ = [b for b in _blocks() if original(b, *args) != viterbi(b, tables)]
    assert differ == []


def _both_taggings(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``text`` tagged by the installed tagger, then by jieba's own Viterbi."""
    posseg = import_posseg(cache_dir())  # installs ours
    ours = [(w.word, w.flag) for w in posseg.cut(text)]
    installed, posseg.viterbi = posseg.viterbi, _original()
    try:
        return ours, [(w.word, w.flag) for w in posseg.cut(text)]
    finally:
        posseg.viterbi = installed


def test_installed_tagger_tags_as_jieba_does() -> None:
    assert import_posseg(cache_dir()).viterbi is not _original()
    ours, jiebas = _both_taggings("剑河县中药材种植面积达到15.78万亩，欧条降一边到村里的产业基地打工。")
    assert ours == jiebas
    assert ("15.78", "m") in ours and ("剑河县", "ns") in ours


def test_a_crawled_page_tags_the_same() -> None:
    path = shared_file("data/peoples-daily/articles/rmrb-dumps")
    text = next(p for p in sorted(path.iterdir()) if p.suffix == ".txt").read_text(encoding="utf-8")[:6000]
    ours, jiebas = _both_taggings(text)
    assert ours == jiebas
