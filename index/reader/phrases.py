"""Phrase answers for questions that are not typed: the text standing where the question word stands.

`气炉以什么为燃料` over `…以天然气、丙烷或其他可燃性气体为燃料` → `天然气、丙烷或其他可燃性气体`; naming questions
(叫什么, 又称) take the phrase after 又称/简称/称为…; questions about a work (哪部电影) take the titles in 《》;
why-questions the phrase after 因为/由于/为了. Answers are at most 20 characters.
"""

from __future__ import annotations

import re

from index.reader.spans import CLAUSE_END as _CLAUSE_END
from index.reader.spans import Candidate

__all__ = ["phrases"]

_NAMES = (
    "被称为|又称为|也称为|亦称为|简称为|通称为|又称|又名|又叫|也称|也叫|亦称|亦名|别称|别名|简称|俗称|俗名|统称|"
    "通称|合称|称为|称作|叫做|名为|本名|原名|全称|学名|旧称|古称|号称|外号|绰号|昵称|尊称|意为|意思是|是指|意指"
)
_ASKS_NAME = re.compile(
    r"叫什么|称为什么|称作什么|又称|又叫|又名|别名|别称|简称|俗称|俗名|本名|原名|全称|学名|旧称|古称|绰号|外号|昵称|"
    r"尊称|名字|名称|称号|被称|叫做|意思|意为|是指|指什么|什么意思|定义"
)
_NAMED_AS = re.compile(rf"(?:{_NAMES})[为是作：:]?")
_ASKS_WORK = re.compile(
    r"哪[一]?(?:部|本|首|篇|张)|什么(?:电影|电视剧|剧集|小说|书|作品|歌曲?|专辑|节目|游戏|杂志|报纸|散文|诗)"
)
_WORK = re.compile(r"《[^《》]{1,18}》")
_ASKS_REASON = re.compile(r"^为什么|为什么(?=[要会被没不能是在可让使有把将])|为何|因何|原因|何故")
_REASON = re.compile(r"(?:因为|由于|为了|因)")
_LEAD = re.compile(r"\s*(?:[（(]\s*[）)])?[,，\s]*(?:是|为|作|叫做|叫|称为|称作|名为|即|：|:)?\s*")
_LOOSE_END = re.compile(
    r"(?:又|也|亦|被|还|主要|通常)?(?:叫做|叫|是|为|称为|称作|称|名为|以|由|被|在|于|从|对|向|用)?[了过着]?$"
)
_ANCHOR_CHARS = 8  # the longest question ending tried as an anchor
_WEAK_ANCHORS = frozenset("是为于以在到叫称有由被从对向与和给")  # one-character anchors worth trying
_FUNCTION_CHARS = frozenset("为是在于以被由对和与从把将了着过的地得也都就还而且")


def _phrase_end(folded: str, start: int, after: str) -> int:
    """Where the phrase from ``start`` ends: at the question's following words, or the clause end."""
    clause = _CLAUSE_END.search(folded, start)
    end = clause.start() if clause else len(folded)
    head = after.split("的")[0]  # 什么属性的宝可梦: the asked-for category 属性 belongs to the answer
    keep_head = bool(head) and len(head) <= 4 and head[0] not in _FUNCTION_CHARS
    for k in range(min(len(after), _ANCHOR_CHARS), 0, -1):
        if k == 1 and len(after) > 1:
            break
        stop = folded.find(after[:k], start, end)
        if stop > start:
            if not keep_head or k < len(head):
                return stop
            tail = folded[stop + len(head) : end]
            return end if tail and not tail.startswith(("的", "之")) else stop + len(head)
    tail_noun = after.split("的", 1)[1] if "的" in after else ""
    if len(tail_noun) >= 2:  # 饰演了哪个年龄段的武则天 → …14至82岁的武则天
        stop = folded.find(tail_noun, start, end)
        if stop > start:
            return stop - 1 if folded[stop - 1] == "的" else stop
    stops = [folded.find(after[i : i + 2], start, end) for i in range(len(after) - 1)]
    return min((s for s in stops if s > start), default=end)  # 哪两个公司合作开发 → 光荣和ω-force|开发


def _phrase(folded: str, start: int, after: str) -> tuple[int, int] | None:
    """The phrase starting at ``start`` (after a copula), capped at 20 characters."""
    lead = _LEAD.match(folded, start)
    start = lead.end() if lead else start
    end = min(_phrase_end(folded, start, after), start + 20)
    while end > start and folded[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _anchored(folded: str, before: str, after: str, prior: float) -> list[Candidate]:
    """Phrases after the longest ending of ``before`` found in ``folded``."""
    out: list[Candidate] = []
    for k in range(min(len(before), _ANCHOR_CHARS), 0, -1):
        anchor = before[-k:]
        if k == 1 and anchor not in _WEAK_ANCHORS:
            break
        found = [m.end() for m in re.finditer(re.escape(anchor), folded)]
        for end in found:
            span = _phrase(folded, end, after)
            if span:
                out.append(Candidate(span[0], span[1], prior + 0.15 * min(k, 6)))
        if found:
            break
    return out


def phrases(folded: str, before: str, after: str, question: str) -> list[Candidate]:
    """Candidates for a question with no typed answer, by aligning the question with the passage.

    The passage words that stand where the question has its question word: after the longest ending of
    the words before it (``气炉以什么为燃料`` → after ``以``), up to the words after it (``为燃料``) or the
    clause end. Naming questions (``又叫什么``, ``俗名是什么``) also take the phrase after 又称, 简称, 俗名…;
    questions about a book or film take titles in 《》; why-questions the phrase after 因为, 由于.
    """
    out: list[Candidate] = []
    if _ASKS_NAME.search(question):
        out += [
            Candidate(*s, 1.2) for m in _NAMED_AS.finditer(folded) if (s := _phrase(folded, m.end(), after))
        ]
    if _ASKS_WORK.search(question):
        out += [Candidate(m.start(), m.end(), 1.0) for m in _WORK.finditer(folded)]
    if _ASKS_REASON.search(question):
        return out + [
            Candidate(*s, 0.8) for m in _REASON.finditer(folded) if (s := _phrase(folded, m.end(), ""))
        ]
    if not before and after.startswith("是"):  # 什么是窃听 → 窃听是…
        before = after[1:] + "是"
    out += _anchored(folded, before, after, 0.4)
    loose = _LOOSE_END.sub("", before)
    if loose != before and len(loose) >= 2:  # 中国唐朝以什么制度 → 中国唐朝时则采取“虚衔”制度
        out += _anchored(folded, loose, after, 0.2)
    best: dict[tuple[int, int], Candidate] = {}
    for cand in out:  # one candidate a span, with its best prior
        if (cand.start, cand.end) not in best or best[(cand.start, cand.end)].prior < cand.prior:
            best[(cand.start, cand.end)] = cand
    return list(best.values())
