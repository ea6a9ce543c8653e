"""Mine a user dictionary from the corpus: names of places, organisations and people, with their short forms.

jieba cuts names it does not know into pieces (剑河 县, 欧条 降); adding them as user words keeps them
whole, and adding the short form too (剑河县 → 剑河) lets ``剑河`` in a question match ``剑河县`` in the text
(search mode yields both). The rules are patterns over jieba's cut, not lists of names:

- places: a word of 2–4 characters ending in 省/市/县/州/区/镇/乡/村 (or a word followed by one of them);
- organisations: a word ending in 医院/大学/…/局 preceded by a place within three words (正安县人民医院);
- people: byline names (本报记者 马跃峰 → 马跃峰) and a surname-initial name right after a title (院长褚靖).
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache

from corpus.store import Store
from index.normalize import fold
from index.tokenize import Segmenter, load_list

__all__ = ["byline_names", "mine_user_words", "mine_words"]

#: Texts per task when mining in worker processes.
MINE_CHUNK = 2000

Progress = Callable[[int, int], object]


def _words(text: str) -> list[str]:
    return text.split()


PLACE_SUFFIXES = "省市县州区镇乡村"
ORG_SUFFIXES = _words(
    "医院 大学 中学 小学 学校 学院 委员会 组织部 宣传部 支队 大队 中队 局 厅 中心 "
    "公司 集团 协会 研究院 研究所 银行 法院 检察院 政府 县委 市委 省委 党委 实验室 "
    "合作社 博物馆 图书馆 电视台 报社"
)
TITLES = _words(
    "校长 副校长 院长 副院长 书记 副书记 部长 副部长 团长 副团长 主任 副主任 局长 "
    "副局长 县长 副县长 市长 副市长 省长 镇长 乡长 村长 队长 站长 所长 主席 经理 "
    "董事长 总经理 教授 医生 医师 教师 老师 记者 厂长 处长 科长 主编 总编辑 馆长 "
    "会长 秘书长"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝"
)
_BYLINE_ROLES = re.compile(
    r"本报记者|本报通讯员|特约记者|记者|通讯员|实习生|摄影|摄|文/图|文图|图|文|作者|编辑|报道"
)
_GENERIC_FIRST = set("全本该各每其此我你他这那同邻外原新老大小各省市县州区镇乡村")
_NOT_NAME_END = set("来说表是在和的了与等也就都带领介绍告诉认为向到从把被对为将已及还又")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_FUNCTION_CHARS = _NOT_NAME_END | set("让为和靠在是到把的完了给于以由自往朝即而并或但若因原全各每该本此其")
_GENERIC_PLACES = set(
    _words("社区 城区 全省 全市 全县 辖区 农村 地区 市区 郊区 景区 园区 校区 山区 灾区 牧区 新区 乡镇 城镇")
    + _words("军区 林区 矿区 街区 小区")
)
_ORG_ENDINGS = tuple(ORG_SUFFIXES)
_TITLE_ENDINGS = tuple(TITLES)
#: The characters a mined place or organisation can end with.
_CAN_NAME = re.compile(f"[{re.escape(PLACE_SUFFIXES + ''.join({s[-1] for s in ORG_SUFFIXES}))}]")
_PIECES = re.compile(r"[\u4e00-\u9fff\w.%]+")
_PROPER_TAGS = {"ns", "nr", "nz", "nt", "nrt", "nrfg"}
_COMMON_TAGS = {"v", "vn", "d", "p", "c", "u", "r", "m", "q", "f", "a", "ad", "t"}


def _is_cjk(word: str) -> bool:
    return bool(_CJK.fullmatch(word))


def byline_names(byline: str) -> list[str]:
    """Names in a byline: ``本报记者 马跃峰、李林蔚`` → ``['马跃峰', '李林蔚']``."""
    parts = re.split(r"[\s,、，/|]+", _BYLINE_ROLES.sub(" ", fold(byline)))
    return [p for p in parts if 2 <= len(p) <= 4 and _is_cjk(p)]


@cache
def _plain_segmenter() -> Segmenter:
    """The segmenter mining uses (no user words), loaded once per process."""
    seg = Segmenter()
    seg.initialize()
    return seg


@cache
def _dictionary_tags() -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word → (frequency, part-of-speech tag)."""
    tags: dict[str, tuple[int, str]] = {}
    with _plain_segmenter().jieba.get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = (int(parts[1]), parts[2])
    return tags


def _could_be_name(word: str) -> bool:
    """Unknown to jieba, tagged as a proper noun, or a rare word that is not a verb or function word."""
    freq, tag = _dictionary_tags().get(word, (0, ""))
    return not tag or tag in _PROPER_TAGS or (freq < 200 and tag not in _COMMON_TAGS)


def _short_form_ok(stem: str) -> bool:
    """A place's stem is worth a word of its own unless it is a common word (中心区 → not 中心)."""
    freq, tag = _dictionary_tags().get(stem, (0, ""))
    return not tag or tag in _PROPER_TAGS or freq < 500


def _places(words: list[str]) -> dict[int, str]:
    """Place names by the index of the word they end at."""
    found: dict[int, str] = {}
    for i, word in enumerate(words):
        if 3 <= len(word) <= 5 and word[-1] in PLACE_SUFFIXES and _is_cjk(word):
            found[i] = word
        elif 2 <= len(word) <= 3 and _is_cjk(word) and i + 1 < len(words) and words[i + 1] in PLACE_SUFFIXES:
            found[i + 1] = word + words[i + 1]
        elif (
            len(word) == 2
            and word[-1] in PLACE_SUFFIXES
            and i
            and len(words[i - 1]) == 1
            and not (words[i - 1] in _FUNCTION_CHARS or word in _GENERIC_PLACES)
        ):
            found[i] = words[i - 1] + word  # 正 安县 → 正安县
    return {
        i: name
        for i, name in found.items()
        if _is_cjk(name)
        and name[0] not in _GENERIC_FIRST
        and name[0] not in _FUNCTION_CHARS
        and name[-2] not in PLACE_SUFFIXES
        and (_could_be_name(name[:-1]) or _dictionary_tags().get(name, (0, ""))[1] in _PROPER_TAGS)
    }


_TITLED_NAME = re.compile(
    rf"(?:{'|'.join(sorted(TITLES, key=len, reverse=True))})([{SURNAMES}][\u4e00-\u9fff]{{1,2}})"
)


def _people(text: str) -> list[str]:
    names = []
    for match in _TITLED_NAME.finditer(text):
        name = match.group(1)
        if len(name) == 3 and name[2] in _NOT_NAME_END:
            name = name[:2]
        if name[1] not in _NOT_NAME_END:
            names.append(name)
    return names


def mine_words(texts: Iterable[str], segmenter: Segmenter | None = None) -> list[str]:
    """User words found in ``texts`` by the patterns above, with short forms, in order of first appearance."""
    seg = segmenter or _plain_segmenter()
    stop = load_list("stopwords")
    found: dict[str, None] = {}
    for text in texts:
        folded = fold(text)
        for name in _people(folded):
            found[name] = None
        for piece in _PIECES.findall(folded):
            if _CAN_NAME.search(piece):  # no place or organisation can end in a piece without one
                _mine_piece(seg.words(piece), stop, found)
    return list(found)


def _split_title(word: str) -> list[str]:
    """An organisation glued to a title by jieba (医院院长 → 医院, 院长)."""
    if not word.endswith(_TITLE_ENDINGS):  # one C call rejects almost every word
        return [word]
    for title in TITLES:
        head = word[: -len(title)]
        if word.endswith(title) and head and head.endswith(_ORG_ENDINGS):
            return [head, title]
    return [word]


def _mine_piece(words: list[str], stop: frozenset[str], found: dict[str, None]) -> None:
    """Places and organisations in one stretch of text without punctuation."""
    words = [p for w in words for p in _split_title(w)]
    places = _places(words)
    for name in places.values():
        found[name] = None
        if len(name) >= 3 and name[-2:] not in _GENERIC_PLACES and _short_form_ok(name[:-1]):
            found[name[:-1]] = None
    for j, word in enumerate(words):
        if len(word) > 6 or not word.endswith(_ORG_ENDINGS):
            continue
        starts = [i for i in range(max(0, j - 3), j) if i in places]
        if starts:
            start = starts[0] - (len(places[starts[0]]) > len(words[starts[0]]))
        elif j and len(words[j - 1]) >= 2 and _is_cjk(words[j - 1]) and _could_be_name(words[j - 1]):
            if words[j - 1].endswith(_ORG_ENDINGS):
                continue
            start = j - 1
        else:
            continue
        pieces = words[start : j + 1]
        if all(_is_cjk(p) and p not in stop for p in pieces):
            found["".join(pieces)] = None


_worker_segmenter: Segmenter | None = None


def _mine_chunk(texts: list[str]) -> list[str]:
    """Mine one chunk of texts in a worker process (the segmenter was initialised before the fork)."""
    return mine_words(texts, _worker_segmenter)


def _chunks(rows: Iterable[tuple[str]], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for (text,) in rows:
        chunk.append(text)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def mine_user_words(
    store: Store,
    after: int = 0,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    bulk_from: int | None = None,
) -> list[str]:
    """User words mined from the store's headers, bylines, headings, paragraphs and captions.

    With ``after``, only paragraphs with a greater id (and their articles) are read: mining what an ingest
    added costs time in proportion to what it added. ``workers`` > 1 mine chunks in forked processes. From
    ``bulk_from`` paragraphs on, text is cut with jieba-rs (:mod:`index.bulk_cut`).
    """
    global _worker_segmenter
    todo = store.conn.execute("SELECT COUNT(*) FROM paragraphs WHERE id > ?", (after,)).fetchone()[0]
    seg = _plain_segmenter()
    if bulk_from is not None and todo >= bulk_from and not seg.bulk:
        seg.bulk = True
        seg.initialize()  # before any fork, so workers share the copy
    _dictionary_tags()  # loaded before any fork, so workers share it
    words: dict[str, None] = {}
    articles = "SELECT DISTINCT article_id FROM paragraphs WHERE id > :after"
    for (byline,) in store.conn.execute(
        f"SELECT byline FROM articles WHERE byline IS NOT NULL AND id IN ({articles})", {"after": after}
    ):
        words.update(dict.fromkeys(byline_names(byline)))
    texts = store.conn.execute(
        f"SELECT title FROM articles WHERE id IN ({articles}) "
        f"UNION ALL SELECT kicker FROM articles WHERE kicker IS NOT NULL AND id IN ({articles}) "
        "UNION ALL SELECT DISTINCT heading FROM paragraphs WHERE heading IS NOT NULL AND id > :after "
        "UNION ALL SELECT text FROM paragraphs WHERE id > :after",
        {"after": after},
    ).fetchall()  # read at once: the connection must stay free for the caller's writes
    chunks = _chunks(texts, MINE_CHUNK)
    if workers > 1 and todo > 2 * MINE_CHUNK and "fork" in multiprocessing.get_all_start_methods():
        _worker_segmenter = seg
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            found = pool.imap(_mine_chunk, chunks)
            _collect(found, words, len(texts) - todo, todo, progress)
        _worker_segmenter = None
    else:
        _collect((mine_words(c, seg) for c in chunks), words, len(texts) - todo, todo, progress)
    return list(words)


def _collect(
    found: Iterable[list[str]], words: dict[str, None], headers: int, todo: int, progress: Progress | None
) -> None:
    """Merge mined chunks in order, reporting paragraphs done (the header texts come first)."""
    done = -headers
    for chunk in found:
        words.update(dict.fromkeys(chunk))
        done += MINE_CHUNK
        if progress is not None and done > 0:
            progress(min(done, todo), todo)
