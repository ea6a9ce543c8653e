"""jieba's prepared dictionary with user words: built once, loaded by every later process, safe to race."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from index import jieba_cache
from index.tokenize import Segmenter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSQA_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_second_segmenter_loads_the_prepared_dictionary(cache: Path) -> None:
    first = Segmenter(["剑河县", "欧条降"])
    first.initialize()
    second = Segmenter(["剑河县", "欧条降"])
    second.initialize()
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.words("欧条降种了60亩中药材") == ["欧条降", "种", "了", "60", "亩", "中药材"]
    assert second.jieba.FREQ["欧条降"] == first.jieba.FREQ["欧条降"]
    assert len(list(cache.glob("jieba-user-*.marshal"))) == 1


def test_other_user_words_get_another_file(cache: Path) -> None:
    assert jieba_cache.dictionary_key(["剑河县"]) != jieba_cache.dictionary_key(["剑河县", "剑河"])
    assert jieba_cache.dictionary_key(["剑河", "剑河县"]) != jieba_cache.dictionary_key(["剑河县", "剑河"])
    Segmenter(["剑河县"]).initialize()
    other = Segmenter(["正安县"])
    other.initialize()
    assert other.from_cache is False
    assert len(list(cache.glob("jieba-user-*.marshal"))) == 2


def test_a_damaged_file_is_rebuilt(cache: Path) -> None:
    Segmenter(["剑河县"]).initialize()
    (path,) = cache.glob("jieba-user-*.marshal")
    path.write_bytes(path.read_bytes()[:1000])
    again = Segmenter(["剑河县"])
    again.initialize()
    assert again.from_cache is False
    assert again.words("剑河县") == ["剑河县"]
    fresh = Segmenter(["剑河县"])
    fresh.initialize()
    assert fresh.from_cache is True


def test_old_files_are_pruned(cache: Path) -> None:
    for n in range(jieba_cache.KEEP + 2):
        Segmenter([f"测试词{n}"]).initialize()
    assert len(list(cache.glob("jieba-user-*.marshal"))) == jieba_cache.KEEP


_BUILD = """
from index.tokenize import Segmenter
seg = Segmenter(["剑河县", "欧条降", "正安县人民医院"])
seg.initialize()
print(seg.words("正安县人民医院欧条降"))
"""


def test_processes_racing_to_write_leave_one_whole_file(cache: Path) -> None:
    env = {**os.environ, "NEWSQA_CACHE_DIR": str(cache)}
    procs = [
        subprocess.Popen([sys.executable, "-c", _BUILD], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate()[0].strip() for p in procs]
    assert outs == ["['正安县人民医院', '欧条降']"] * 3
    assert len(list(cache.glob("jieba-user-*.marshal"))) == 1
    assert list(cache.glob(".*.tmp")) == []
    loaded = Segmenter(["剑河县", "欧条降", "正安县人民医院"])
    loaded.initialize()
    assert loaded.from_cache is True


def test_jieba_is_imported_without_pkg_resources() -> None:
    code = "import sys; from index import jieba_cache; jieba_cache.import_jieba(); print('pkg_resources' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_jieba_imported_elsewhere_first_stays_quiet() -> None:
    code = (
        "import logging, jieba; from index import jieba_cache; jieba_cache.import_jieba(); "
        "print(logging.getLogger('jieba').level == logging.WARNING)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
