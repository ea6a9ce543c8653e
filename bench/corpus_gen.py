"""Synthetic newspaper corpora for the archive benchmark, built from the public reading-comprehension data.

Method: every context of CMRC 2018 dev (simplified) and DRCD dev (traditional, converted with OpenCC
``t2s``) is split into sentences (ending in 。！？；!?, closing quotes kept); sentences of 8–160 characters
form the pool. Paragraphs take 2–5 sentences drawn from a cycling shuffled pool (every sentence used about
equally often): a random target of 2–5, more (up to 5) while shorter than 80 characters, and never a third
sentence that would take it past 250 characters. Articles hold 5–20 such paragraphs, a title (the first
clause of their first sentence), a byline, a date and a source. The original CMRC dev contexts are added
intact, one paragraph each, as articles whose ``url`` is ``cmrc2018:CONTEXT_ID`` — so every CMRC dev question
has its answer in the corpus and the benchmark can tell whether the top passage is the right one. One seeded
``random.Random`` drives it all: the same size and seed give the same files. Output: JSONL files of about
10,000 paragraphs each.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Question",
    "Source",
    "generate",
    "load_sources",
    "split_sentences",
]

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CMRC = SHARED / "data" / "cmrc2018" / "squad-style-data_cmrc2018_dev.json"
DRCD = SHARED / "data" / "drcd" / "DRCD_dev.json"
FORMAT_VERSION = 1
PARAGRAPHS_PER_FILE = 10_000
MIN_SENTENCE, MAX_SENTENCE = 8, 160
MIN_PARAGRAPH, MAX_PARAGRAPH = 80, 250
SENTENCE = re.compile(r"[^。！？；!?]+(?:[。！？；!?]+[”’」』）)]*|$)")
CLAUSE = re.compile(r"[，,：:。！？；!?、（(“”\"]")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰斌宇浩凯晨雪琳峰鹏辉"


@dataclass(frozen=True)
class Question:
    """A CMRC dev question with the id of the context that answers it."""

    id: str
    text: str
    context_id: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """What the corpora are built from: sentences, the intact CMRC contexts, and the CMRC questions."""

    sentences: list[str]
    contexts: list[tuple[str, str, str]]  # (context id, entry title, context)
    questions: list[Question]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` with their end punctuation: ``甲。乙！丙`` → ``["甲。", "乙！", "丙"]``."""
    return [s.strip() for s in SENTENCE.findall(text.replace("\n", "")) if s.strip()]


def _squad_contexts(path: Path) -> Iterator[tuple[str, str, dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for entry in data:
        for paragraph in entry["paragraphs"]:
            yield str(paragraph["id"]), str(entry.get("title") or ""), paragraph


def load_sources(cmrc: Path = CMRC, drcd: Path | None = DRCD) -> Source:
    """Read CMRC dev (and DRCD dev, converted to simplified) into sentences, contexts and questions."""
    sentences: list[str] = []
    contexts: list[tuple[str, str, str]] = []
    questions: list[Question] = []
    for cid, title, paragraph in _squad_contexts(cmrc):
        context = str(paragraph["context"]).replace("\n", "")
        contexts.append((cid, title, context))
        sentences += split_sentences(context)
        for qa in paragraph["qas"]:
            answers = tuple(dict.fromkeys(str(a["text"]) for a in qa["answers"]))
            questions.append(Question(str(qa["id"]), str(qa["question"]), cid, answers))
    if drcd is not None and drcd.exists():
        import opencc

        t2s = opencc.OpenCC("t2s")
        for _, _, paragraph in _squad_contexts(drcd):
            sentences += split_sentences(t2s.convert(str(paragraph["context"])))
    pool = [s for s in dict.fromkeys(sentences) if MIN_SENTENCE <= len(s) <= MAX_SENTENCE]
    return Source(sentences=pool, contexts=contexts, questions=questions)


class _Pool:
    """Sentences in a shuffled order that is reshuffled each time it runs out."""

    def __init__(self, sentences: list[str], rng: random.Random) -> None:
        self._sentences = list(sentences)
        self._rng = rng
        self._next = len(sentences)

    def take(self) -> str:
        if self._next >= len(self._sentences):
            self._rng.shuffle(self._sentences)
            self._next = 0
        self._next += 1
        return self._sentences[self._next - 1]


def _paragraph(pool: _Pool, rng: random.Random) -> str:
    """2–5 sentences: ``target`` of them, more (up to 5) while shorter than 80 characters, none past 250."""
    target = rng.randint(2, 5)
    text = pool.take()
    for n in range(1, 5):
        if n >= target and len(text) >= MIN_PARAGRAPH:
            break
        sentence = pool.take()
        if len(text) + len(sentence) > MAX_PARAGRAPH and n >= 2:
            break
        text += sentence
    return text


def _title(paragraph: str) -> str:
    first = CLAUSE.split(paragraph, maxsplit=1)[0].strip()
    return first[:24] or paragraph[:24]


def _byline(rng: random.Random) -> str:
    return "本报记者 " + rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _records(source: Source, paragraphs: int, rng: random.Random) -> Iterator[dict[str, str]]:
    """Article records with ``paragraphs`` paragraphs in all, originals shuffled among the synthetic ones."""
    originals = source.contexts[: originals_for(paragraphs, len(source.contexts))]
    pool = _Pool(source.sentences, rng)
    synthetic: list[dict[str, str]] = []
    left = paragraphs - len(originals)
    while left > 0:
        n = min(left, rng.randint(5, 20))
        body = [_paragraph(pool, rng) for _ in range(n)]
        synthetic.append({"title": _title(body[0]), "text": "\n\n".join(body)})
        left -= n
    records = synthetic + [
        {"title": t or cid, "text": c, "url": f"cmrc2018:{cid}"} for cid, t, c in originals
    ]
    rng.shuffle(records)
    for record in records:
        yield {"author": _byline(rng), "date": _date(rng), "source": "合成日报", **record}


def originals_for(paragraphs: int, available: int) -> int:
    """How many intact CMRC contexts a corpus of ``paragraphs`` holds: all, but at most a fifth of it."""
    return min(available, paragraphs // 5)


def generate(
    folder: Path, paragraphs: int, *, seed: int = 20240501, source: Source | None = None
) -> list[Path]:
    """Write a corpus of ``paragraphs`` paragraphs as JSONL files under ``folder`` (kept if already there)."""
    manifest = folder / "manifest.json"
    wanted = {"paragraphs": paragraphs, "seed": seed, "format": FORMAT_VERSION}
    if manifest.exists() and json.loads(manifest.read_text(encoding="utf-8")).get("corpus") == wanted:
        return sorted(folder.glob("part-*.jsonl"))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.jsonl"):
        old.unlink()
    source = source or load_sources()
    rng = random.Random(seed)
    files: list[Path] = []
    out = None
    in_file = PARAGRAPHS_PER_FILE
    try:
        for record in _records(source, paragraphs, rng):
            if in_file >= PARAGRAPHS_PER_FILE:
                if out is not None:
                    out.close()
                files.append(folder / f"part-{len(files):04d}.jsonl")
                out = files[-1].open("w", encoding="utf-8")
                in_file = 0
            assert out is not None
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            in_file += record["text"].count("\n\n") + 1
    finally:
        if out is not None:
            out.close()
    manifest.write_text(json.dumps({"corpus": wanted, "files": len(files)}), encoding="utf-8")
    return files
