"""Names jieba's tags cut short: a person's name before its romanisation, a surname and a rare given name, and a
place that goes on over the words after it.

``格里斯墨尔（Grismer）``: the name-like words right before a parenthesised Latin name are one name.
``加藤清正``, ``小林源文``: jieba tags the surname (nr) and leaves the given name as a rare word of its own; a
two-character surname (not a Chinese name such as 周涛, which is whole) followed by a rare two-character word (not
同学, 公司, 先生…) makes a four-character name.
``日本神奈川县`` + ``相模原市新户``: a place goes on over the place-like words after it, up to a word that ends a
place name (``…市``, ``…中心``) or is tagged one.
Spans come back as ``(start, end, prior)``; :mod:`index.reader.spans` turns them into candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["PERSON_TAGS", "ROMANISED", "longer_names", "place_runs"]

PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
NAME_TAGS = PERSON_TAGS | {"nz", "ns", "eng", "j"}
GIVEN_TAGS = frozenset({"a", "n", "nr", "ng", "nz", "nrfg"})
RARE_GIVEN = 200  # a given name is a rare word in jieba's dictionary: 清正 85, 源文 0; 同学 4,396
#: Common one-character Chinese surnames: a two-character name starting with one (周涛) is already whole.
CHINESE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
ROMANISED = re.compile(r"\s?[（(][A-Z][A-Za-z .'\-]{1,40}[）)]")


def longer_names(
    folded: str, words: Sequence[tuple[int, int, str]], freq: Mapping[str, int]
) -> list[tuple[int, int, float]]:
    """Person-name spans longer than jieba's own words, with priors (see the module docstring)."""
    out: list[tuple[int, int, float]] = []
    for k, (s, e, tag) in enumerate(words):
        if ROMANISED.match(folded, e) and (tag in NAME_TAGS or folded[s:e] in "·・"):
            j = k
            while j > 0 and (
                words[j - 1][2] in NAME_TAGS or folded[words[j - 1][0] : words[j - 1][1]] in "·・"
            ):
                j -= 1
            run = words[j : k + 1]
            if any(t in PERSON_TAGS for _, _, t in run) and 2 <= e - run[0][0] <= 12:
                out.append((run[0][0], e, 1.3))
        if tag == "nr" and e - s == 2 and folded[s] not in CHINESE_SURNAMES and k + 1 < len(words):
            ns, ne, ntag = words[k + 1]
            given = folded[ns:ne]
            if ne - ns == 2 and ntag in GIVEN_TAGS and freq.get(given, 0) < RARE_GIVEN:
                out.append((s, ne, 1.1))
    return out


MAX_PLACE_CHARS = 20
PLACE_GOES_ON = frozenset({"ns", "n", "nr", "nrt", "nz", "j", "s", "ng", "y"})
PLACE_LAST = frozenset("省市县区镇乡村州郡町岛山河湖江海湾洋港站场馆园寺宫塔桥路街道心")


def place_runs(
    places: Sequence[tuple[int, int, float]], folded: str, words: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, float]]:
    """Longer place spans: each place in ``places`` run on over the place-like words after it."""
    starts = {w[0]: k for k, w in enumerate(words)}
    out: list[tuple[int, int, float]] = []
    for start, end, prior in places:
        k = starts.get(end)
        while k is not None and k < len(words) and words[k][2] in PLACE_GOES_ON:
            if words[k][1] - start > MAX_PLACE_CHARS:
                break
            end, k = words[k][1], k + 1
            if words[k - 1][2] == "ns" or folded[end - 1] in PLACE_LAST:
                out.append((start, end, prior))
    return out
