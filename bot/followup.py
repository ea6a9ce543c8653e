"""Elliptical follow-ups: `品种呢?` after `剑河中药材面积?` means `剑河中药材品种?`.

A message is a follow-up when it is short and marked as one (ends in 呢, starts with 那/那么/还有/另外/其中).
Its core replaces the matching part of the previous question: a place for a place (`那正安县呢?`), a person for a
person, otherwise the last thing asked about (the attribute). A question opening with 他/她/它 is about the previous
question's subject (`她什么时候来的` after `李妙洁原来在哪所学校工作` → `李妙洁什么时候来的`), or about the person the
previous answer named (`她之前在哪所学校` after `边阳中学校长是谁` → 李妙洁). A full question starts a new topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.normalize import fold
from index.reader.question import wh_split

MAX_FOLLOWUP_CHARS = 16
LEAD = re.compile(r"^(?:那么|那|还有|另外|其中|再问一下|再问)[，,、\s]*")
TAIL = re.compile(r"(?:的)?(?:呢|怎么样|如何|咋样)?[\s?？!！。.…]*$")
# `X呢?` is a follow-up; `X怎么样?` only when it also opens with 那/那么 (`今天天气怎么样` is a question of its own)
MARKED = re.compile(r"呢[\s?？!！。.…]*$|^(?:那么|那|还有|另外)")
PLACE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:省|市|县|区|州|镇|乡|村|街道)")
ORG = re.compile(r"[\u4e00-\u9fff]{2,12}(?:医院|大学|中学|小学|学校|公司|集团|委员会|政府|支队|中心|局|部)")


PRONOUN = re.compile(r"^(?:他|她|它)(?!们)")
#: A follow-up that asks a question of its own (``搭乘什么火箭呢?``) asks it about the previous subject.
OWN_QUESTION = re.compile(r"什么|哪|多少|几|谁|何时|何地|怎么|为什么|为何")
MAX_PRONOUN_CHARS = 30


@dataclass(frozen=True)
class Resolved:
    """The question to search for, and whether it was resolved against the previous one."""

    question: str
    followup: bool
    keeps_type: bool = (
        True  # an elliptical `品种呢?` asks what the previous question asked; `她什么时候来的` does not
    )


def is_followup(text: str) -> bool:
    """Whether ``text`` reads as an elliptical follow-up rather than a question of its own."""
    text = text.strip()
    return 0 < len(text) <= MAX_FOLLOWUP_CHARS and bool(MARKED.search(text))


def core(text: str) -> str:
    """What a follow-up asks about: `那正安县呢?` → `正安县`."""
    return TAIL.sub("", LEAD.sub("", text.strip())).strip()


COUNTED = re.compile(r"(?:多少|几)[十百千万]*(?:名|位|人)")  # people counted: 多少名医生
#: What a quantity question counts, at its end: ``…修了多少公里生产路？`` counts 生产路 (in 公里).
COUNTED_THING = re.compile(
    r"(?:多少|几)[十百千万亿]*"
    r"(?P<thing>(?:公里|平方米|平方公里|立方米|万亩|公顷|千米|米|吨|亩|元|个|座|家|所|条|辆|台|套|件|项|张|只|头|种|批|户)?"
    r"[\u4e00-\u9fff]{1,8}?)(?P<tail>[?？。!！\s]*)$"
)


def _parallel(previous: str, new: str, new_words: Sequence[str]) -> str | None:
    """`那县级层面呢` after `…多少场乡镇层面观摩`: the follow-up ends in a word of the previous question, so the
    phrase of the same length ending in that word (`乡镇层面`) is the slot it fills."""
    for word in sorted((w for w in new_words if len(w) >= 2 and new.endswith(w)), key=len, reverse=True):
        at = previous.find(word)
        start = at + len(word) - len(new)
        if at >= 0 and len(new) > len(word) and start >= 0 and previous[start : at + len(word)] != new:
            return previous[:start] + new + previous[at + len(word) :]
    return None


def _counted(previous: str, words: Sequence[str]) -> str | None:
    """The noun a quantity question counts (`多少名医生` → 医生), if one of its content words stands there."""
    match = COUNTED.search(previous)
    if match is None:
        return None
    return next((w for w in words if previous.startswith(w, match.end())), None)


def _counted_thing(previous: str, new: str) -> str | None:
    """``水塔呢`` after ``永德村修了多少公里生产路？``: the thing counted (with its unit) becomes the new one —
    ``永德村修了多少水塔？``; None when the question does not end with what it counts."""
    match = COUNTED_THING.search(previous)
    if match is None or not match.group("thing"):
        return None
    return previous[: match.start("thing")] + new + match.group("tail")


def _subject(previous: str, words: Sequence[str]) -> str:
    """What the previous question is about: what stands before its question word when that is made of content
    words only (``雄安一号``什么时候发射), else its first content word."""
    split = wh_split(previous)
    before = split[0] if split is not None else ""
    rest = before
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    if before and not rest:
        return before
    return min(words, key=lambda w: (previous.find(w), -len(w)))


def _replace_last(haystack: str, old: str, new: str) -> str:
    at = haystack.rfind(old)
    return haystack[:at] + new + haystack[at + len(old) :]


def resolve(
    text: str,
    previous: str | None,
    content_words: Callable[[str], Sequence[str]],
    person: str | None = None,
    people: Callable[[str], Sequence[str]] | None = None,
) -> Resolved:
    """Resolve ``text`` against the ``previous`` question; ``content_words`` gives a question's words.

    ``person`` is the previous answer when it named someone (``边阳中学校长是谁`` → 李妙洁): 他/她 then means that
    person. ``people`` names the people in a text (a tagger's): 他/她 is else the first person the previous
    question names, whole (``栗战书参观了哪所大学`` → 栗战书, which jieba cuts 栗 战书), and a follow-up naming only
    a person (``那金永南呢``) puts that person in the previous one's place. The previous question is folded first
    (traditional → simplified, widths), as its search words are.
    """
    previous = fold(previous) if previous is not None else None
    if previous is not None and PRONOUN.match(text.strip()) and len(text.strip()) <= MAX_PRONOUN_CHARS:
        who = person or (next(iter(people(previous)), None) if people is not None else None)
        if who and text.strip()[0] in "他她":
            return Resolved(PRONOUN.sub(who, text.strip(), count=1), True, keeps_type=False)
        named = [w for w in content_words(previous) if w in previous and len(w) >= 2]
        if named:
            subject = min(named, key=lambda w: (previous.find(w), -len(w)))
            return Resolved(PRONOUN.sub(subject, text.strip(), count=1), True, keeps_type=False)
    if previous is None or not is_followup(text):
        return Resolved(text.strip(), False)
    new = core(text)
    if not new:
        return Resolved(previous, True)
    words = [w for w in content_words(previous) if w in previous and len(w) >= 2 and w not in new]
    if words and OWN_QUESTION.search(new):  # 雄安一号什么时候发射 → 搭乘什么火箭呢: 雄安一号搭乘什么火箭
        return Resolved(f"{_subject(previous, words)}{new}", True, keeps_type=False)
    if people is not None and list(people(new)) == [new]:  # 那金永南呢: the person asked about changes
        before = next((p for p in people(previous) if p != new), None)
        if before is not None:
            return Resolved(previous.replace(before, new, 1), True)
    if words and PLACE.fullmatch(new):
        # 那台江县呢 after 正安县人民医院院长是谁: the place inside the institution changes, the institution stays
        inner = [m.group(0) for w in words if not PLACE.fullmatch(w) and (m := PLACE.match(w)) is not None]
        first_inner = min(inner, key=previous.find) if inner else None
        places = [w for w in words if PLACE.fullmatch(w)]
        if first_inner is not None and not (places and previous.find(places[0]) < previous.find(first_inner)):
            return Resolved(previous.replace(first_inner, new, 1), True)
    if words and (PLACE.fullmatch(new) or ORG.fullmatch(new)):
        # a new subject: replace the previous subject of the same kind, else the first thing named
        same_kind = [w for w in words if PLACE.fullmatch(w) or ORG.fullmatch(w)]
        first = min(same_kind or words, key=lambda w: (previous.find(w), -len(w)))
        return Resolved(previous.replace(first, new, 1), True)
    parallel = _parallel(previous, new, content_words(new))
    if parallel is not None:
        return Resolved(parallel, True)
    counted = _counted(previous, words)
    if counted is not None:  # 多少名医生 … → 那教师呢: the thing counted is what changes
        return Resolved(previous.replace(counted, new, 1), True)
    thing = _counted_thing(previous, new)
    if thing is not None:  # 多少公里生产路 → 水塔呢: 多少水塔 (its unit goes with the old thing)
        return Resolved(thing, True)
    if words:
        # the attribute asked about is the question's last content word; keep the subject before it
        last = max(words, key=lambda w: (previous.rfind(w) + len(w), len(w)))
        return Resolved(_replace_last(previous, last, new), True)
    return Resolved(f"{previous.rstrip('?？。 ')}{new}", True)
